"""The Arrow-native drivers, one per kind of database, behind one small interface:
:func:`connect` gives a :class:`Connection` whose :meth:`Connection.fetch` runs a query and
returns its rows as a pyarrow Table.

==========  ======================================  ====================================
kind        driver (the ``custseg[db]`` extra)      measured on 1M rows over loopback
==========  ======================================  ====================================
postgresql  ADBC (``adbc-driver-postgresql``)        0.6 s (connectorx 1.0-1.2 s, psycopg
                                                    COPY 1.1-1.4 s)
sqlite      ADBC (``adbc-driver-sqlite``)
mysql       connectorx (no ADBC driver for MySQL
            on PyPI)
==========  ======================================  ====================================

The drivers are imported only here, when a database is read. Any failure of theirs is an
:class:`~custseg.errors.InputFileError` naming the URL with its password masked, what was
being done and the driver's first line, masked too (:mod:`.url`).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from typing import Any

from custseg.errors import InputFileError
from custseg.io.database.url import DatabaseUrl

#: The package of each kind's driver, for the message when it is not installed.
PACKAGES = {"postgresql": "adbc-driver-postgresql", "sqlite": "adbc-driver-sqlite",
            "mysql": "connectorx"}  # fmt: skip


class Connection:
    """An open connection (ADBC), or the URL each query connects with (connectorx)."""

    def __init__(self, url: DatabaseUrl, adbc: Any = None):
        self.url = url
        self._adbc = adbc

    def fetch(self, sql: str, doing: str, hint: str) -> Any:
        """The rows of ``sql`` as a pyarrow Table. Raises InputFileError naming ``doing``
        (``reading the table orders``) and the ``hint`` of what to check."""
        try:
            if self._adbc is None:
                import connectorx

                return connectorx.read_sql(self.url.driver_url, sql, return_type="arrow")
            with self._adbc.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetch_arrow_table()
        except Exception as exc:  # noqa: BLE001 - any driver failure is the source's
            raise failure(self.url, doing, exc, hint) from None


@contextlib.contextmanager
def connect(url: DatabaseUrl) -> Iterator[Connection]:
    """A connection to ``url``, closed on leaving. Raises InputFileError when the driver
    is missing, the SQLite file does not exist or the server cannot be reached."""
    if url.kind == "mysql":
        _reachable(url)
        # connectorx's pool logs each failed try on stderr itself, past custseg's messages
        os.environ.setdefault("RUST_LOG", "off")
        _driver(url, "connectorx")
        yield Connection(url)
        return
    if url.kind == "sqlite":
        path = url.sqlite_path
        if not path.is_file():  # SQLite would make a new, empty database
            raise InputFileError(f"{url.shown}: no such file {path}; check the path "
                                 f"(sqlite:///relative.db, sqlite:////absolute.db)")  # fmt: skip
        dbapi = _driver(url, "adbc_driver_sqlite.dbapi")
        target = str(path)
    else:
        dbapi = _driver(url, "adbc_driver_postgresql.dbapi")
        target = url.driver_url
    try:
        conn = dbapi.connect(target)
    except Exception as exc:  # noqa: BLE001 - any failure here is the connection's
        raise failure(url, "connecting", exc, "check the host, port, user, password and "
                      "database name in the URL") from None  # fmt: skip
    try:
        yield Connection(url, conn)
    finally:
        with contextlib.suppress(Exception):
            conn.close()


def _reachable(url: DatabaseUrl, seconds: float = 10.0) -> None:
    """Fail at once when the server does not answer: connectorx's pool tries again for
    30 s before it gives up."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url.driver_url)
    try:
        socket.create_connection((parts.hostname or "localhost", parts.port or 3306),
                                 timeout=seconds).close()  # fmt: skip
    except OSError as exc:
        raise failure(url, "connecting", exc, "check the host and port in the URL") from None


def _driver(url: DatabaseUrl, module: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise InputFileError(
            f"{url.shown}: reading {url.kind} needs its driver ({PACKAGES[url.kind]}); "
            f"install it with: pip install 'custseg[db]'"
        ) from None


def failure(url: DatabaseUrl, doing: str, exc: BaseException, hint: str) -> InputFileError:
    """The error of a driver's failure: one line, the password masked."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    text = re.sub(r"^[A-Z_]+: ", "", text)  # ADBC's status code: IO:, NOT_FOUND:
    # the query echoed, and where in it (custseg's wrapping of it): the user has the query
    text = re.sub(r"\s*(Query was: |LINE \d+: ).*$", "", text)
    if len(text) > 300:
        text = text[:300] + "..."
    return InputFileError(f"{url.shown}: {doing} failed ({url.mask(text)}); {hint}")


def quote_name(name: str, kind: str) -> str:
    """A table name as SQL: ``orders``, ``sales.orders`` (schema and table) quoted part by
    part (``"sales"."orders"``; MySQL: backquotes); a name already quoted is kept."""
    mark = "`" if kind == "mysql" else '"'
    if name.startswith(mark):
        return name
    return ".".join(mark + part.replace(mark, mark * 2) + mark for part in name.split("."))
