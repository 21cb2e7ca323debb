"""Turn a raw order table into canonical rows, each with the reason it is not used.

The flow: open the input and find its columns (:func:`open_input`), read it
(:func:`read_whole`, or an engine reads it in parts), parse values (``values``) and give
every row that cannot be used a reason (``cleaning``) in :func:`parse_part`, then merge
line items into orders (:func:`used_orders`). The as-of date, the customers with returns
only and the counts are the accounting step's (:mod:`custseg.orders.accounting`); the
engines (:mod:`custseg.engines`) run these steps in order.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import polars as pl

from custseg.errors import ColumnError, DataError, InputFileError, param
from custseg.io import readers
from custseg.io.database.url import database_kind, mask_url
from custseg.orders import cleaning
from custseg.orders.accounting import latest_used
from custseg.orders.columns import (
    ColumnClash,
    Layout,
    find_column,
    normalize_header,
    read_layout,
)
from custseg.orders.facts import FileFacts, decide_facts
from custseg.orders.platforms import known_headers
from custseg.orders.rows import parse_rows
from custseg.privacy.masked import masked_findings
from custseg.schema import ORDER_COLUMNS


@dataclass
class LoadOptions:
    """How to read and clean an order file (the CLI's loader flags)."""

    as_of: dt.date | None = None
    columns: dict[str, str | None] = field(default_factory=dict)
    encoding: str | None = None
    dayfirst: bool | None = None  # None: decided from the dates (values.day_first_over)
    returns: Literal["net", "drop"] = "net"
    keep_duplicates: bool = False
    cancel_status: tuple[str, ...] = ()
    strict: bool = False
    keep_rejects: bool = False
    platform: str | None = None  # None: recognised from the header
    tz: str | None = None  # None: the wall-clock time written in the file
    decimal: str | None = None  # None: detected from the amounts
    keep_placeholder_ids: bool = False
    memory_limit: int | None = None  # what a whole read may take (--memory-limit)
    amount_level: str | None = None  # "item" or "order"; None: the table's, else detected
    header_row: int | None = None  # 1-based line (sheet row) of the header; None: found
    # no header line (text, Excel): every line is a row; ``columns`` name columns by number
    no_header: bool = False
    # a database URL's rows (custseg.io.database): a table (``sales.orders``) or a query
    table: str | None = None
    query: str | None = None
    # a database's per-customer aggregation done in its SQL (custseg.engines.database):
    # None when its rows would not fit in memory, True whenever it can be (--pushdown),
    # False never (--no-pushdown)
    pushdown: bool | None = None
    # a column to break the customers down by (--by): named exactly, or after
    # normalisation (custseg.orders.columns.find_column); carried to each order as
    # ``by_value`` and to each customer by the majority rule (custseg.measures.breakdown)
    by: str | None = None


@dataclass
class Input:
    """An opened input: the source, its format, header (None until read, for formats
    without a cheap header) and the column roles found in it."""

    source: readers.Source
    format: str
    layout: Layout | None
    iso_dates: bool = False  # the CSV reader may parse the date column itself
    header: list[str] | None = None  # the header, for formats with a cheap one

    @property
    def name(self) -> str:
        return self.source.name

    @property
    def roles(self) -> dict[str, str] | None:
        return self.layout.roles if self.layout else None

    def text_columns(self, every: bool = False) -> list[str]:
        """The columns read as text: the ids; ``every`` column, when the header is known
        (the rows left out are echoed as written: ``007``, ``1.50``)."""
        if every and self.header:
            return list(dict.fromkeys(self.header))
        roles = self.roles or {}
        return [roles[r] for r in ("customer", "order") if r in roles] + self.by_columns

    by_columns: list[str] = field(default_factory=list)  # the --by column, read as text


@dataclass
class ParsedPart:
    """One part of an input (or all of it), parsed: ``rows`` holds one canonical row per
    row read with its ``reason`` (0: in use) and, when asked for, its file ``line``;
    ``raw`` the raw rows when rejected rows are kept."""

    rows: pl.DataFrame
    one_row_per_order: bool  # order ids never repeat: no line items to merge
    malformed: list[tuple[int | None, str]]
    latest: dt.datetime | None  # the latest date of a row in use
    raw: pl.DataFrame | None = None
    facts: FileFacts = field(default_factory=FileFacts)
    findings: dict[str, dict[str, int]] = field(default_factory=dict)


def open_input(source: str | Path, opts: LoadOptions) -> Input:
    """Open ``source``, detect its format and find its columns from the header.

    ``source`` may be a database URL (``postgresql://``, ``mysql://``, ``sqlite:///``) with
    ``opts.table`` or ``opts.query`` (:mod:`custseg.io.database`).

    Raises InputFileError when ``opts.no_header`` is asked of a format whose columns are
    named in the file (Parquet, JSON Lines, a database) or with a header row."""
    if opts.no_header and opts.header_row:
        raise InputFileError(f"{param('no_header')} and {param('header_row')} contradict each "
                             f"other; pass one of them")  # fmt: skip
    src = _source(source, opts)
    src.budget = opts.memory_limit
    fmt = readers.detect_format(src)
    if opts.no_header and (fmt in ("parquet", "jsonl") or src.database):
        named = "a database table" if src.database else f"a {fmt.upper()} file"
        raise InputFileError(f"{src.name}: {named} names its columns itself; "
                             f"{param('no_header')} is for text files and Excel sheets without a "
                             f"header line")  # fmt: skip
    header = readers.read_header(src, fmt)
    layout = None
    if header is not None:
        try:
            layout = read_layout(header, opts.columns, opts.platform)
        except ColumnClash:
            layout = None  # the rows tell whether columns of equal rank differ
    iso = layout is not None and fmt == "csv" and _iso_dates(src, layout.roles["date"])
    return Input(src, fmt, layout, iso, header, by_text_columns(header, opts.by))


def by_text_columns(header: list[str] | None, by: str | None) -> list[str]:
    """The ``--by`` column, read as text (``007`` stays ``007`` whatever the engine), when
    the header is known and has it; else none (the rows tell, :func:`parse_part`)."""
    if not by or header is None:
        return []
    try:
        return [find_column(by, header)]
    except ColumnError:
        return []


def _source(source: str | Path, opts: LoadOptions) -> readers.Source:
    """The input ``source`` names: a file, stdin or a database URL's table or query."""
    if database_kind(source):
        from custseg.io.database.read import DatabaseSource

        database = DatabaseSource.open(str(source), opts.table, opts.query)
        return readers.Source(database.name, database=database)
    if opts.table or opts.query:
        which = param("table") if opts.table else param("query")
        raise InputFileError(f"{mask_url(source)}: {which} reads from a database; pass its URL "
                             f"(postgresql://user@host/db, mysql://..., sqlite:///file.db) "
                             f"instead of a file")  # fmt: skip
    return readers.Source.open(source, opts.encoding, header_row=opts.header_row,
                               no_header=opts.no_header, known=_known_names(opts))  # fmt: skip


def _known_names(opts: LoadOptions) -> Callable[[str], bool]:
    """Whether a cell is a known column name (or one named in ``opts.columns``): it
    helps the reader find the header below title lines."""
    names = set(known_headers()) | {normalize_header(n) for n in opts.columns.values() if n}
    return lambda cell: normalize_header(cell) in names


def read_whole(inp: Input, opts: LoadOptions) -> readers.RawTable:
    """All the rows of an input in memory; ``inp.roles`` is filled in when the header came
    with the rows."""
    every = opts.keep_rejects  # the rows left out are echoed as written
    dates = (inp.roles["date"],) if inp.roles and inp.iso_dates and not every else ()
    raw = readers.read_raw(inp.source, inp.format, inp.text_columns(every), dates, opts.strict)
    if inp.roles is None:
        inp.layout = read_layout(raw.frame.columns, opts.columns, opts.platform, raw.frame)
    if raw.frame.is_empty() and not raw.malformed and inp.source.database:
        raise DataError(f"{inp.name}: the {_what(inp.source.database)} gave no rows")
    if raw.frame.is_empty() and not raw.malformed:
        raise DataError(f"{inp.name}: the file has a header but no rows; export the orders again")
    return raw


def _what(database) -> str:
    return f"table {database.table}" if database.table else "query"


def whole_facts(frame: pl.DataFrame, layout: Layout | dict[str, str],
                opts: LoadOptions) -> FileFacts:  # fmt: skip
    """:func:`custseg.orders.facts.decide_facts` of an input held whole in ``frame``."""
    return decide_facts(frame.lazy(), layout, **facts_options(opts))


def facts_options(opts: LoadOptions) -> dict:
    """What the user says of the facts (:func:`custseg.orders.facts.decide_facts`)."""
    return {"dayfirst": opts.dayfirst, "decimal": opts.decimal,
            "order_given": bool(opts.columns.get("order")),
            "amount_level": opts.amount_level}  # fmt: skip


def parse_part(
    frame: pl.DataFrame,
    roles: dict[str, str],
    opts: LoadOptions,
    facts: FileFacts,
    *,
    source: str = "<frame>",
    malformed: list[tuple[int | None, str]] | None = None,
    lines: pl.Series | None = None,
    first_line: int = 2,
) -> ParsedPart:
    """Parse the raw rows of one part (or all) of an input: :class:`ParsedPart`.

    ``lines`` are the rows' file lines when known (a part of a file); else they count
    from ``first_line`` (2: the header is line 1), skipping the ``malformed`` lines the
    reader reported.
    With ``opts.strict`` an unparseable row raises :class:`DataError`. The frame is not
    modified."""
    malformed = malformed or []
    height = frame.height

    def line_numbers() -> pl.Series:
        if lines is not None:
            return lines.alias("line")
        table = readers.RawTable(frame, "", malformed, first_line)
        return table.line_numbers(height)

    with_lines = opts.strict or opts.keep_rejects or lines is not None
    parsed = parse_rows(frame, roles, opts, facts, line_numbers, with_lines=with_lines)
    rows = parsed.rows
    if opts.strict:
        cleaning.check_strict(rows, frame, roles, malformed, source)
    raw = frame if opts.keep_rejects else None
    findings = parsed.findings | masked_findings(frame, rows, roles, facts.platform)
    return ParsedPart(rows, parsed.one_row_per_order, malformed, latest_used(rows), raw, facts,
                      findings)  # fmt: skip


def no_rows_left(source: str, left_out: dict[str, int]) -> DataError:
    """The error of an input none of whose rows can be used."""
    return DataError(
        f"{source}: no usable rows left after cleaning "
        f"({', '.join(f'{n:,} {r}' for r, n in left_out.items() if n) or 'no rows'}); "
        f"check the column choices ({param('columns.customer')}, {param('columns.date')}, "
        f"{param('columns.amount')})"
    )


def _iso_dates(src: readers.Source, column: str) -> bool:
    """Whether the file's first values of ``column`` are all ``YYYY-MM-DD`` dates (then the
    CSV reader parses them itself, faster than text parsed afterwards)."""
    values = readers.head_values(src, column)
    return bool(values) and all(_ISO_DATE.fullmatch(v) and _real_day(v) for v in values)


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _real_day(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:  # 2023-02-30
        return False
    return True


def used_orders(rows: pl.DataFrame, one_row_per_order: bool) -> pl.DataFrame:
    """The canonical orders of the rows in use (reason 0), line items merged, and the
    ``line`` of each order's first row when the rows have lines."""
    used = rows.filter(pl.col("reason") == 0)
    return merge_line_items(used, already_unique=one_row_per_order)


def merge_line_items(rows: pl.DataFrame, already_unique: bool = False) -> pl.DataFrame:
    """One row per (customer, order id): amounts summed, earliest time kept, and the
    first ``line`` when the rows have one (:data:`custseg.schema.ORDER_COLUMNS`, then
    ``line``).

    ``already_unique`` skips the grouping when order ids are known to be unique.
    """
    lines = ["line"] if "line" in rows.columns else []
    by = ["by_value"] if "by_value" in rows.columns else []
    if not already_unique:
        rows = rows.group_by(["customer_id", "order_id"], maintain_order=True).agg(
            pl.col("order_date").min(),
            pl.col("amount").sum(),
            *(pl.col(c).min() for c in lines),
            # an order's --by value: its first line item's that has one
            *(pl.col(c).drop_nulls().first() for c in by),
        )
    # built from the columns: an eager select would rechunk them all (0.6 s at 10M rows)
    return pl.DataFrame({c: rows[c] for c in (*ORDER_COLUMNS, *lines, *by)})
