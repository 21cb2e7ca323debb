"""Orders read from a database: the rows of a table (``--table``) or of a query
(``--query``), as one Arrow table, like a Parquet file read whole.

Typed columns stay typed: timestamps (with a time zone or without) and dates as Polars
datetimes and dates, integers and floats as they are. A ``numeric``/``decimal`` becomes a
float parsed from its exact text, as the same value in a CSV export would (an integral
one of at most 18 digits, which may be an id, becomes an integer). Before the rows are
read, their count and the size of the first rows tell whether memory can hold them: a
table too big is refused, never read half-way (:func:`check_memory`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from custseg.errors import InputFileError, param
from custseg.io.database.drivers import Connection, connect, quote_name
from custseg.io.database.url import DatabaseUrl
from custseg.io.limits import memory_budget, size_text

if TYPE_CHECKING:
    import polars as pl

#: Rows fetched first, to learn the columns and the bytes a row takes.
SAMPLE_ROWS = 1000
#: Bytes of memory an Arrow byte read costs until the customers are measured (the
#: in-memory engine peaks at about 4 bytes per byte of CSV: engines.budget).
MEMORY_PER_ARROW_BYTE = 4.0


@dataclass
class DatabaseSource:
    """Where the orders are: a database ``url`` and either a ``table`` or a ``query``."""

    url: DatabaseUrl
    table: str | None = None
    query: str | None = None
    _sample: Any = field(default=None, repr=False)  # the first rows (pyarrow), read once
    _rows: int | None = field(default=None, repr=False)  # the number of rows, counted once

    @classmethod
    def open(cls, text: str, table: str | None, query: str | None) -> DatabaseSource:
        """Raises InputFileError unless exactly one of ``table`` and ``query`` is given."""
        url = DatabaseUrl.parse(text)
        if bool(table) == bool(query):
            which = "both" if table else "neither"
            raise InputFileError(
                f"{url.shown}: a database URL needs {param('table')} NAME or "
                f"{param('query')} SQL (one of them; {which} given)"
            )
        return cls(url, table, query)

    @property
    def name(self) -> str:
        """The source as messages show it: the URL, its password masked."""
        return self.url.shown

    @property
    def kind(self) -> str:
        return self.url.kind

    @property
    def select(self) -> str:
        """The SQL whose rows are the orders."""
        if self.table:
            return f"SELECT * FROM {quote_name(self.table, self.kind)}"
        assert self.query is not None
        return self.query.strip().rstrip(";").strip()

    def wrapped(self, outer: str) -> str:
        """``outer`` (``SELECT count(*) FROM {rows}``) on the rows of :attr:`select`."""
        return outer.format(rows=f"({self.select}) AS custseg_rows")

    def fetch(self, conn: Connection, sql: str, doing: str) -> Any:
        if self.table:
            what = f"reading the table {self.table}"
            hint = (f"check {param('table')} (a table or view of that database; with its "
                    f"schema: sales.orders)")  # fmt: skip
        else:
            what, hint = "running the query", f"check the SQL of {param('query')}"
        return conn.fetch(sql, f"{what}{doing}", hint)

    def header(self) -> list[str]:
        """The column names (the first rows are read once, and kept)."""
        if self._sample is None:
            with connect(self.url) as conn:
                sql = self.wrapped(f"SELECT * FROM {{rows}} LIMIT {SAMPLE_ROWS}")
                self._sample = self.fetch(conn, sql, "")
        return list(self._sample.schema.names)

    def count(self, conn: Connection) -> int:
        """The number of rows (counted once, and kept)."""
        if self._rows is None:
            counted = self.fetch(conn, self.wrapped("SELECT count(*) AS n FROM {rows}"),
                                 " (counting its rows)")  # fmt: skip
            self._rows = int(counted.column(0)[0].as_py())
        return self._rows

    def fits(self, conn: Connection, budget: int | None = None) -> bool:
        """Whether ``budget`` bytes (None: the memory available) can hold the rows read."""
        self.header()
        try:
            check_memory(self.name, self._sample, self.count(conn), budget or memory_budget())
        except InputFileError:
            return False
        return True

    def read(self, budget: int | None = None) -> pl.DataFrame:
        """All the rows, once their count shows that ``budget`` bytes (None: the memory
        available) can hold them. Raises InputFileError."""
        self.header()
        with connect(self.url) as conn:
            check_memory(self.name, self._sample, self.count(conn), budget or memory_budget())
            table = self.fetch(conn, self.select, "")
        return to_polars(table)


def check_memory(name: str, sample: Any, rows: int, budget: int) -> None:
    """Refuse ``rows`` whose Arrow size (their count times the bytes a row of the
    ``sample``, the first rows, takes) would need more than ``budget`` bytes once read."""
    per_row = sample.nbytes / sample.num_rows if sample is not None and sample.num_rows else 0
    need = rows * per_row * MEMORY_PER_ARROW_BYTE
    if need > budget:
        raise InputFileError(
            f"{name}: {rows:,} rows of about {size_text(int(rows * per_row))} in all, "
            f"more than the memory ({size_text(budget)}) can hold once read; select fewer "
            f"rows or columns with {param('query')}, or raise {param('memory_limit')}"
        )


def to_polars(table: Any) -> pl.DataFrame:
    """A driver's Arrow table as a Polars frame, each column typed as the database typed
    it; ``numeric``/``decimal`` as floats from their exact text (see the module)."""
    import polars as pl
    import pyarrow as pa

    columns = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        kind = column.type
        if isinstance(kind, pa.BaseExtensionType):  # PostgreSQL's numeric: its text
            column = pa.chunked_array([c.storage for c in column.chunks], kind.storage_type)
        numeric = getattr(kind, "type_name", None) == "numeric"
        if numeric or pa.types.is_decimal(kind):
            columns[name] = _number(pl.Series(name, column.cast(pa.string())), kind)
        else:
            columns[name] = pl.Series(name, column)
    return pl.DataFrame(columns)


def _number(text: pl.Series, kind: Any) -> pl.Series:
    """Exact decimal text as a float; an integral decimal of at most 18 digits (an id,
    a count) as an integer."""
    import polars as pl

    if getattr(kind, "scale", None) == 0 and getattr(kind, "precision", 99) <= 18:
        return text.cast(pl.Int64, strict=False)
    return text.cast(pl.Float64, strict=False)
