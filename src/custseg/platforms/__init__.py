"""Platform tables: one TOML file per order-export platform (data, not code).

Each table gives the platform's column names for each role (most preferred first), the
header names that mark its exports, which status values mean a sale, not paid, cancelled
or partly refunded, and where order-level values sit on item rows. ``generic.toml`` holds
the common English and Chinese names every input is matched against. The tables are read
by :mod:`custseg.orders.platforms`; adding a platform means adding a table and a test.
"""
