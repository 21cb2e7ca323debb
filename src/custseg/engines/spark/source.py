"""A typed source as Spark reads it: the format, the columns of each role (found by the
same names as the default engine's, :mod:`custseg.orders.columns`), what the Spark engine
refuses, and the input's facts (:mod:`custseg.orders.facts`).

The Spark engine reads **typed** sources: Parquet and ORC (ids as text or numbers, dates
and times as such, amounts as numbers) and CSV with a header, whose values it reads when
they are plain: ids, ISO dates (``2024-03-05``, ``2024-03-05 10:30[:00[.123]]``) and
plain numbers (``-12.50``). What needs the default engine's careful reading (decimal
commas, currency marks, other date formats, Excel, text encodings, platform layouts with
the order's values on its first row only, refunded amounts) is refused with one error
naming the default engine, before any work when the options or the columns tell, else
when the values are read (:func:`custseg.engines.spark.rows.check_plain`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from custseg.errors import InputFileError, param
from custseg.orders.columns import Layout, read_layout
from custseg.orders.facts import HEAD_ROWS, FileFacts, WholeAnswers, decide_facts
from custseg.orders.load import LoadOptions, facts_options
from custseg.orders.rows import guarded_ids

#: Suffixes of the formats Spark reads (a folder: the suffix of the files in it).
FORMATS = {".parquet": "parquet", ".pq": "parquet", ".orc": "orc", ".csv": "csv",
           ".csv.gz": "csv", ".csv.bz2": "csv"}  # fmt: skip
#: The columns that give the input's row order (file, split, row in split).
ORDER_KEY = ("_file", "_block", "_row")


class Refused(InputFileError):
    """What the Spark engine does not read; the default engine does."""

    def __init__(self, what: str):
        super().__init__(
            f"{what}: the Spark engine reads typed sources only (Parquet, ORC, or CSV with "
            f"plain values); run without {param('engine')} spark (the default engine reads it)"
        )


@dataclass
class SparkInput:
    """A source opened in Spark: its rows (the file's columns and :data:`ORDER_KEY`),
    name, format, layout (the column of each role) and facts."""

    frame: Any  # pyspark.sql.DataFrame
    name: str
    format: str
    layout: Layout
    columns: list[str]  # the file's own columns
    facts: FileFacts = FileFacts()
    guarded_orders: bool = False  # the first order ids wear Excel's text guards

    @property
    def roles(self) -> dict[str, str]:
        return self.layout.roles


def source_format(source: str) -> str:
    """``parquet``, ``orc`` or ``csv``: from the name, or from the files of a local folder
    (Parquet when it tells none). Raises :class:`Refused` for another format."""
    name = source.rstrip("/").lower()
    for suffix, fmt in FORMATS.items():
        if name.endswith(suffix):
            return fmt
    path = Path(source)
    if path.is_dir():
        found = {fmt for p in path.rglob("*") for s, fmt in FORMATS.items()
                 if p.is_file() and p.name.lower().endswith(s)}  # fmt: skip
        if len(found) == 1:
            return found.pop()
        return "parquet"
    if "://" in source and "." not in Path(name).name:  # a lake folder: Parquet
        return "parquet"
    raise Refused(f"{source}: not a Parquet, ORC or CSV path")


def refuse_options(opts: LoadOptions) -> None:
    """Refuse, before any work, the options that ask for the default engine's reading."""
    asked = [
        ("encoding", opts.encoding not in (None, "utf-8", "utf8")),
        ("decimal", opts.decimal == ","),
        ("tz", opts.tz is not None),
        ("header_row", opts.header_row is not None),
        ("no_header", opts.no_header),
        ("strict", opts.strict),
        ("rejects", opts.keep_rejects),
    ]
    for name, given in asked:
        if given:
            raise Refused(f"{param(name)} is not supported on the Spark engine")


def open_source(spark: Any, source: str, opts: LoadOptions) -> SparkInput:
    """Read ``source`` (a path; empty with ``opts.table`` or ``opts.query``, which name
    rows of the session) lazily, find its columns and check their types.

    Raises InputFileError (Spark cannot read it), ColumnError, :class:`Refused`."""
    refuse_options(opts)
    if opts.table or opts.query:
        frame = _catalog_rows(spark, source, opts)
        fmt, source = "table", opts.table or "query"
    else:
        fmt = source_format(source)
        frame = _file_rows(spark, source, fmt)
    columns = [c.lstrip("\ufeff") for c in frame.columns]
    frame = frame.toDF(*columns)
    layout = read_layout(columns, opts.columns, opts.platform)
    _check_layout(source, layout, frame)
    return SparkInput(_keyed(frame), source, fmt, layout, columns)


def _file_rows(spark: Any, source: str, fmt: str) -> Any:
    """The rows of a Parquet, ORC or CSV path or folder. Raises InputFileError."""
    reader = spark.read
    if fmt == "csv":  # every value as text, read as the default engine reads it
        reader = reader.option("header", True).option("mode", "FAILFAST")
    try:
        frame = reader.format(fmt).load(source)
        frame.schema  # noqa: B018 - Spark Connect reads lazily: fail here, not later
    except Exception as exc:  # noqa: BLE001 - a missing or damaged source
        raise InputFileError(f"{source}: cannot be read as {fmt.upper()} "
                             f"({str(exc).splitlines()[0][:300]})") from None  # fmt: skip
    return frame


def _catalog_rows(spark: Any, source: str, opts: LoadOptions) -> Any:
    """The rows of ``--table`` (a table or view of the session's catalog) or ``--query``
    (Spark SQL). Raises InputFileError when a path is given too or Spark cannot read them."""
    which = param("table") if opts.table else param("query")
    if source:
        raise InputFileError(f"{source}: with {param('engine')} spark, {which} names the "
                             f"rows to read from the Spark session; leave out FILE")  # fmt: skip
    try:
        frame = spark.table(opts.table) if opts.table else spark.sql(opts.query)
        frame.schema  # noqa: B018 - Spark Connect reads lazily: fail here, not later
    except Exception as exc:  # noqa: BLE001 - no such table, a query Spark cannot run
        what = f"table {opts.table!r}" if opts.table else "the query"
        raise InputFileError(f"{which}: Spark cannot read {what} "
                             f"({str(exc).splitlines()[0][:300]})") from None  # fmt: skip
    return frame


def _keyed(frame: Any) -> Any:
    """``frame`` with :data:`ORDER_KEY`: the file, its split and the row in the split, or
    for rows that come from no file (a view of a query), the row's position only."""
    from pyspark.sql import functions as F

    row = F.monotonically_increasing_id().alias("_row")
    try:
        keyed = frame.select("*", F.col("_metadata.file_path").alias("_file"),
                             F.col("_metadata.file_block_start").alias("_block"), row)  # fmt: skip
        keyed.schema  # noqa: B018 - analysed now (Spark Connect would analyse it later)
    except Exception:  # noqa: BLE001 - no _metadata: not read from files
        keyed = frame.select(
            "*", F.lit("").alias("_file"), F.lit(0).cast("bigint").alias("_block"), row
        )
    return keyed


#: Spark type names (``simpleString``) of the values each kind of role may hold.
_TEXT = ("string",)
_NUMBER = ("tinyint", "smallint", "int", "bigint", "float", "double", "decimal")
_KINDS = {
    "customer": _TEXT + _NUMBER,
    "order": _TEXT + _NUMBER,
    "date": _TEXT + ("date", "timestamp", "timestamp_ntz"),
    "amount": _TEXT + _NUMBER,
    "quantity": _TEXT + _NUMBER,
    "price": _TEXT + _NUMBER,
    "status": _TEXT + _NUMBER,
    "after_sale": _TEXT + _NUMBER,
}


def _check_layout(source: str, layout: Layout, frame: Any) -> None:
    """Refuse the roles and types the Spark engine does not read."""
    if "refunded" in layout.roles:
        raise Refused(f"{source}: a refunded-amount column ({layout.roles['refunded']!r})")
    if "first_row" in layout.order_level.values():
        raise Refused(f"{source}: a {layout.platform.title if layout.platform else ''} export "
                      f"with order values on each order's first row only")  # fmt: skip
    types = dict(frame.dtypes)
    for role, col in layout.roles.items():
        kind = types[col].split("(")[0]
        if kind not in _KINDS.get(role, ()):
            raise Refused(f"{source}: column {col!r} ({role}) holds {types[col]} values")


def with_facts(inp: SparkInput, opts: LoadOptions) -> SparkInput:
    """``inp`` with its facts, decided as the default engine decides them: from its first
    :data:`HEAD_ROWS` rows in input order (brought to the driver, read by the same code),
    and from every row for the answers that need them (computed in Spark)."""
    roles = inp.roles
    cols = list(dict.fromkeys(roles.values()))
    head_rows = inp.frame.orderBy(*ORDER_KEY).select(*_quoted(cols)).limit(HEAD_ROWS)
    head = pl.from_arrow(head_rows.toArrow())
    assert isinstance(head, pl.DataFrame)
    whole = _whole_answers(inp) if "order" in roles else None
    facts = decide_facts(head.lazy(), inp.layout, **facts_options(opts), whole=whole)
    if facts.decimal == ",":
        raise Refused(f"{inp.name}: amounts with a decimal comma")
    inp.facts = facts
    if "order" in roles:
        inp.guarded_orders = guarded_ids(head[roles["order"]])
    return inp


def _quoted(cols: list[str]) -> list[Any]:
    from pyspark.sql import functions as F

    return [F.col(f"`{c.replace('`', '``')}`") for c in cols]


def column(name: str) -> Any:
    """The Spark column of a file column ``name`` (dots and spaces taken literally)."""
    return _quoted([name])[0]


def _whole_answers(inp: SparkInput) -> WholeAnswers:
    """:class:`custseg.orders.facts.WholeAnswers` over every row, in Spark."""
    from pyspark.sql import functions as F

    from custseg.engines.spark.rows import id_column

    types = dict(inp.frame.dtypes)
    order_name, cust_name = inp.roles["order"], inp.roles["customer"]
    raw = column(order_name)
    text = raw.cast("string")
    trimmed = F.regexp_replace(text, r"(?U)^\s+|\s+$", "")
    first = inp.frame.select(
        F.count(F.lit(1)).alias("n"),
        F.count(raw).alias("present"),
        F.count_distinct(raw).alias("distinct"),
        F.max(text.startswith("C") | text.startswith("c")).alias("some_c"),
        F.avg(trimmed.rlike(r"(?U)^\d+$").cast("double")).alias("digits"),
    ).first()
    unique = first["present"] == first["n"] and first["distinct"] == first["n"]
    some_c = types[order_name] == "string" and bool(first["some_c"])
    c_ids = some_c and (first["digits"] or 0.0) >= 0.5

    def shared() -> tuple[int, int]:
        pair = [id_column(order_name, types[order_name]).alias("o"),
                id_column(cust_name, types[cust_name]).alias("c")]  # fmt: skip
        found = (
            inp.frame.select(pair).dropna()
            .select(F.count_distinct("o").alias("ids"), F.count_distinct("o", "c").alias("pairs"))
            .first()
        )  # fmt: skip
        return int(found["ids"]), int(found["pairs"])

    return WholeAnswers(unique, c_ids, shared)
