"""Orders read from a database rather than a file (as Polars keeps ``io/database/``).

==========  ================================================================
module      owns
==========  ================================================================
url         which inputs are database URLs, and their text with the password
            masked (standard library only: the CLI imports it)
drivers     the Arrow-native drivers (ADBC, connectorx) behind one interface;
            their failures as InputFileError, masked
read        the rows of ``--table`` or ``--query``, checked against memory,
            as a Polars frame typed as the database types them
aggregate   the SQL of the per-customer aggregation pushed down into
            PostgreSQL (run by :mod:`custseg.engines.database`)
==========  ================================================================
"""
