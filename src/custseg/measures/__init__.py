"""Canonical orders become one row per customer.

:mod:`.plan` is the Polars plan of the per-customer measures; :mod:`.shop` the measures shops
track per group; :mod:`.repeat` the repeat buyers (老客户).
"""
