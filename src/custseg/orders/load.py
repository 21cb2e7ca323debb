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

from custseg.errors import DataError, param
from custseg.io import readers
from custseg.orders import cleaning
from custseg.orders.accounting import latest_used
from custseg.orders.columns import ROLES, normalize_header, resolve_columns
from custseg.orders.facts import FileFacts, decide_facts
from custseg.orders.values import (
    amount_fast_expr,
    complete,
    date_fast_expr,
    id_expr,
    parse_amounts,
    parse_dates,
)
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
    header_row: int | None = None  # 1-based line (sheet row) of the header; None: found


@dataclass
class Input:
    """An opened input: the source, its format, header (None until read, for formats
    without a cheap header) and the column roles found in it."""

    source: readers.Source
    format: str
    roles: dict[str, str] | None
    iso_dates: bool = False  # the CSV reader may parse the date column itself

    @property
    def name(self) -> str:
        return self.source.name

    def text_columns(self) -> list[str]:
        roles = self.roles or {}
        return [roles[r] for r in ("customer", "order") if r in roles]


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


def open_input(source: str | Path, opts: LoadOptions) -> Input:
    """Open ``source``, detect its format and find its columns from the header."""
    src = readers.Source.open(source, opts.encoding, header_row=opts.header_row,
                              known=_known_names(opts))  # fmt: skip
    fmt = readers.detect_format(src)
    header = readers.read_header(src, fmt)
    roles = resolve_columns(header, opts.columns) if header is not None else None
    iso = bool(roles) and fmt == "csv" and _iso_dates(src, roles["date"])
    return Input(src, fmt, roles, iso)


def _known_names(opts: LoadOptions) -> Callable[[str], bool]:
    """Whether a cell is a known column name (or one named in ``opts.columns``): it
    helps the reader find the header below title lines."""
    names = {normalize_header(n) for _, aliases in ROLES.values() for n in aliases}
    names |= {normalize_header(n) for n in opts.columns.values() if n}
    return lambda cell: normalize_header(cell) in names


def read_whole(inp: Input, opts: LoadOptions) -> readers.RawTable:
    """All the rows of an input in memory; ``inp.roles`` is filled in when the header came
    with the rows."""
    dates = (inp.roles["date"],) if inp.roles and inp.iso_dates else ()
    raw = readers.read_raw(inp.source, inp.format, inp.text_columns(), dates, opts.strict)
    if inp.roles is None:
        inp.roles = resolve_columns(raw.frame.columns, opts.columns)
    if raw.frame.is_empty() and not raw.malformed:
        raise DataError(f"{inp.name}: the file has a header but no rows; export the orders again")
    return raw


def whole_facts(frame: pl.DataFrame, roles: dict[str, str], opts: LoadOptions) -> FileFacts:
    """:func:`custseg.orders.facts.decide_facts` of an input held whole in ``frame``."""
    return decide_facts(frame.lazy(), roles, opts.dayfirst)


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
    rows, one_row_per_order = parse_rows(
        frame, roles, opts, facts, line_numbers, with_lines=with_lines
    )
    if opts.strict:
        cleaning.check_strict(rows, frame, roles, malformed, source)
    raw = frame if opts.keep_rejects else None
    return ParsedPart(rows, one_row_per_order, malformed, latest_used(rows), raw)


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


def parse_rows(
    frame: pl.DataFrame,
    roles: dict[str, str],
    opts: LoadOptions,
    facts: FileFacts,
    lines: Callable[[], pl.Series],
    *,
    with_lines: bool = False,
) -> tuple[pl.DataFrame, bool]:
    """One canonical row per input row (before merging line items) and the code of the
    first reason it cannot be used (0 when it can); with ``with_lines``, also its file
    line (``lines()`` gives them, asked for only when needed). ``facts`` are the input's
    (:mod:`custseg.orders.facts`): decided over the whole input, never per part.

    Values are parsed in one parallel pass in their column's likely format; the few
    that fail it get the careful parse (:func:`custseg.orders.values.complete`). Also returns
    whether every row is its own order (order ids never repeat, or there is no order
    column).
    """
    order_col = roles.get("order")
    unique = bool(order_col) and facts.unique_orders
    date_col = roles["date"]
    dayfirst = facts.dayfirst
    amount_cols = [roles["amount"]] if "amount" in roles else [roles["quantity"], roles["price"]]
    exprs = _fast_exprs(frame, roles, opts, facts, amount_cols, unique)
    parsed = frame.lazy().select(**{k: e.alias(k) for k, e in exprs.items()}).collect()
    order_date = complete(parsed["order_date"], frame[date_col], lambda s: parse_dates(s, dayfirst))
    amounts = [complete(parsed[f"amount{i}"], frame[c], parse_amounts) for i, c in
               enumerate(amount_cols)]  # fmt: skip
    amount = amounts[0] if len(amounts) == 1 else amounts[0] * amounts[1]
    missing_amount = cleaning.blank_where(frame[amount_cols[0]], amounts[0].is_null())
    if len(amounts) == 2:
        missing_amount |= cleaning.blank_where(frame[amount_cols[1]], amounts[1].is_null())
    need_lines = with_lines or not order_col or parsed["order_id"].null_count() > 0
    line = lines().cast(pl.Int64).alias("line") if need_lines else None
    order_id = parsed["order_id"] if order_col else line.cast(pl.String)
    if order_col and order_id.null_count():
        order_id = order_id.fill_null("#" + line.cast(pl.String))
    checks = [
        ("missing customer", parsed["customer_id"].is_null()),
        ("missing date", cleaning.blank_where(frame[date_col], order_date.is_null())),
        ("unparseable date", order_date.is_null()),
        ("missing amount", missing_amount),
        ("unparseable amount", amount.is_null()),
        *((name, parsed[col]) for col, name in _FLAGS.items() if col in parsed.columns),
    ]
    if not opts.keep_duplicates and not unique:
        checks.append(("duplicate row", cleaning.duplicate_rows(frame)))
    if opts.returns == "drop":
        checks.append(("return dropped", (amount < 0).fill_null(False)))
    columns = [
        parsed["customer_id"],
        order_id.alias("order_id"),
        order_date.alias("order_date"),
        amount.alias("amount"),
        cleaning.first_reasons(checks, frame.height),
    ]
    if with_lines:
        columns.append(line)
    return pl.DataFrame(columns), unique or order_col is None


#: The flags of :func:`_fast_exprs` that leave a row out, and their reasons.
_FLAGS = {"cancelled": "cancelled", "c_invoice": "cancelled"}


def _fast_exprs(frame: pl.DataFrame, roles: dict[str, str], opts: LoadOptions,
                facts: FileFacts, amount_cols: list[str],
                unique: bool) -> dict[str, pl.Expr]:  # fmt: skip
    """The expressions of :func:`parse_rows`' one parallel pass: ids, the date and
    amounts in their likely format, and the cancellation flags."""
    schema = frame.schema
    date_col, cust_col, order_col = roles["date"], roles["customer"], roles.get("order")
    exprs = {
        "customer_id": id_expr(cust_col, schema[cust_col], frame[cust_col]),
        "order_date": date_fast_expr(date_col, schema[date_col], facts.dayfirst, frame[date_col]),
    }
    for i, col in enumerate(amount_cols):
        exprs[f"amount{i}"] = amount_fast_expr(col, schema[col])
    if order_col:
        # unique ids are used as they are; repeated ones are normalised to merge line items
        order = (
            pl.col(order_col).cast(pl.String, strict=False)
            if unique
            else id_expr(order_col, schema[order_col], frame[order_col])
        )
        exprs["order_id"] = order
        exprs["c_invoice"] = cleaning.cancelled_invoice_expr(order, facts.c_cancellations)
    if "status" in roles:
        exprs["cancelled"] = cleaning.cancelled_status_expr(
            roles["status"], frame[roles["status"]], opts.cancel_status
        )
    return exprs


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
    if not already_unique:
        rows = rows.group_by(["customer_id", "order_id"], maintain_order=True).agg(
            pl.col("order_date").min(), pl.col("amount").sum(), *(pl.col(c).min() for c in lines)
        )
    # built from the columns: an eager select would rechunk them all (0.6 s at 10M rows)
    return pl.DataFrame({c: rows[c] for c in (*ORDER_COLUMNS, *lines)})
