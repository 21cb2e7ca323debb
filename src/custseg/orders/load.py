"""Turn an order file into the canonical order frame, accounting for every row.

The flow: read the raw table (``readers``), find the columns (``columns``), parse
values (``values``), give every row that cannot be used a reason (``cleaning``),
then merge line items into orders. :class:`LoadReport` says where every row went.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import polars as pl

from custseg.errors import DataError
from custseg.frames import to_pandas
from custseg.io import readers
from custseg.measures.plan import customer_key, day_after_latest
from custseg.orders import cleaning
from custseg.orders.columns import resolve_columns
from custseg.orders.values import (
    amount_fast_expr,
    complete,
    date_fast_expr,
    day_first,
    id_expr,
    parse_amounts,
    parse_dates,
)
from custseg.schema import ORDER_COLUMNS

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class LoadOptions:
    """How to read and clean an order file (the CLI's loader flags)."""

    as_of: dt.date | None = None
    columns: dict[str, str | None] = field(default_factory=dict)
    encoding: str | None = None
    dayfirst: bool | None = None  # None: decided from the dates (values.day_first)
    returns: Literal["net", "drop"] = "net"
    keep_duplicates: bool = False
    cancel_status: tuple[str, ...] = ()
    strict: bool = False
    keep_rejects: bool = False


@dataclass
class LoadReport:
    """Where every input row went.

    ``rows_read == rows_used + sum(left_out.values())`` always holds.
    """

    source: str
    rows_read: int
    left_out: dict[str, int]
    columns: dict[str, str]
    as_of: dt.date
    orders: int = 0
    returns: int = 0
    format: str = "csv"
    phases: dict[str, float] = field(default_factory=dict)  # seconds spent per stage

    def add_returns_only(self, rows: int) -> None:
        """Count ``rows`` more rows as ``returns only`` (each a return order, no longer
        counted in ``returns``)."""
        self.left_out["returns only"] += rows
        self.returns -= rows

    @property
    def rows_used(self) -> int:
        return self.rows_read - sum(self.left_out.values())

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "format": self.format,
            "rows_read": self.rows_read,
            "rows_used": self.rows_used,
            "left_out": {k: v for k, v in self.left_out.items() if v},
            "columns": self.columns,
            "orders": self.orders,
            "returns": self.returns,
            "as_of": self.as_of.isoformat(),
        }


@dataclass
class LoadResult:
    """The parsed rows with their reasons, the row accounting and (optionally) the
    rejected rows.

    ``rows`` has one row per input row read: the canonical order columns and
    ``reason`` (0 when the row is used, see :mod:`custseg.cleaning`). ``frame`` gives
    the canonical orders (used rows, line items merged) as Polars, ``orders`` as pandas.
    """

    rows: pl.DataFrame
    report: LoadReport
    rejects_frame: pl.DataFrame | None = None
    one_row_per_order: bool = True  # order ids never repeat: no line items to merge
    returns_only_marked: bool = True  # see normalize_orders(mark_returns_only=)
    _orders: pl.DataFrame | None = field(default=None, repr=False)

    @property
    def frame(self) -> pl.DataFrame:
        """The canonical orders: the used rows, line items merged (made once, on demand)."""
        if self._orders is None:
            if not self.returns_only_marked:
                reason = _mark_returns_only(self.rows)
                self.report.add_returns_only(int((reason != self.rows["reason"]).sum()))
                self.rows, self.returns_only_marked = self.rows.with_columns(reason), True
            self._orders = _used_orders(self.rows, self.one_row_per_order)
        return self._orders

    def measurable(self) -> pl.DataFrame:
        """What :func:`custseg.measures.plan.measures` takes: the rows and their reasons when every
        row is its own order (no copy of the used rows is made), else :attr:`frame`."""
        return self.rows if self.one_row_per_order else self.frame

    @property
    def orders(self) -> pd.DataFrame:
        return to_pandas(self.frame)

    @property
    def rejects(self) -> pd.DataFrame | None:
        return None if self.rejects_frame is None else self.rejects_frame.to_pandas()


def read_orders(source: str | Path, options: LoadOptions | None = None, *,
                on_phase=None, mark_returns_only: bool = True,
                **kwargs) -> LoadResult:  # fmt: skip
    """Load an order file into the canonical order frame and account for every row.

    Parameters
    ----------
    source:
        Path to an order file (CSV/TSV/TXT, compressed or not, Parquet file or folder,
        ``.xlsx``, JSON Lines) or ``"-"`` for CSV on stdin.
    options:
        A :class:`LoadOptions`; keyword arguments set its fields instead
        (``as_of=``, ``columns=``, ``returns=``, ...).
    on_phase:
        Called with ``"read"`` and ``"clean"`` as those phases start (for progress).
    mark_returns_only:
        See :func:`normalize_orders`.

    Returns
    -------
    LoadResult
        ``orders`` follows :data:`custseg.schema.ORDER_COLUMNS`, one row per order;
        ``report`` counts the rows used and left out by reason.

    Raises
    ------
    InputFileError, ColumnError, DataError
    """
    opts = options or LoadOptions(**kwargs)
    tell = on_phase or (lambda name: None)
    started = time.perf_counter()
    tell("read")
    src = readers.Source.open(source, opts.encoding)
    fmt = readers.detect_format(src)
    header = readers.read_header(src, fmt)
    roles = resolve_columns(header, opts.columns) if header is not None else None
    text_cols = [roles[r] for r in ("customer", "order") if r in roles] if roles else []
    dates = (roles["date"],) if roles and fmt == "csv" and _iso_dates(src, roles["date"]) else ()
    raw = readers.read_raw(src, fmt, text_cols, dates)
    if roles is None:
        roles = resolve_columns(raw.frame.columns, opts.columns)
    if raw.frame.is_empty() and not raw.malformed:
        raise DataError(f"{src.name}: the file has a header but no rows; export the orders again")
    read_s = time.perf_counter() - started
    tell("clean")
    result = normalize_orders(
        None, roles, opts, source=src.name, raw=raw, mark_returns_only=mark_returns_only
    )
    result.report.phases = {"read": read_s, "clean": time.perf_counter() - started - read_s}
    return result


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


def load_orders(source: str | Path, **kwargs) -> pd.DataFrame:
    """Load an order file and return only the canonical order frame (see :func:`read_orders`)."""
    return read_orders(source, **kwargs).orders


def normalize_orders(
    frame,
    roles: dict[str, str],
    options: LoadOptions | None = None,
    *,
    source: str = "<frame>",
    raw: readers.RawTable | None = None,
    allow_empty: bool = False,
    mark_returns_only: bool = True,
) -> LoadResult:
    """Canonical orders from a raw frame (pandas or Polars) whose columns ``roles`` maps.

    Raises DataError when no row is usable, unless ``allow_empty`` (a part of a bigger
    file): then the orders frame is empty and the report still counts every row.

    ``mark_returns_only=False`` may leave the rows of customers with returns but no
    purchase in use (``returns_only_marked`` then says so), for a caller that finds
    them on its own pass over the customers and counts them with
    :meth:`LoadReport.add_returns_only`, as :func:`custseg.engines.memory.run_rfm` does.

    With ``frame=None`` the frame is taken from ``raw`` (a :class:`readers.RawTable`).

    The input frame is not modified. See :mod:`custseg.cleaning` for the reasons a
    row is left out and their order.
    """
    opts = options or LoadOptions()
    if frame is None:  # take the frame out of the raw table, so that it can be freed early
        frame, raw.frame = raw.frame, None
    elif not isinstance(frame, pl.DataFrame):
        frame = readers.from_pandas(frame)
    malformed = raw.malformed if raw else []
    height = frame.height

    def lines() -> pl.Series:
        return (raw.line_numbers(height) if raw
                else pl.int_range(2, height + 2, dtype=pl.Int64, eager=True))  # fmt: skip

    with_lines = opts.strict or opts.keep_rejects
    rows, one_row_per_order = parse_rows(frame, roles, opts, lines, with_lines=with_lines)
    if opts.strict:
        cleaning.check_strict(rows, frame, roles, malformed, source)
    if not opts.keep_rejects:
        del frame  # the raw rows are no longer needed: free their memory
    reason = rows["reason"]
    latest = rows.lazy().select(pl.col("order_date").filter(pl.col("reason") == 0).max())
    latest = latest.collect().to_series()
    as_of = opts.as_of or day_after_latest(latest)
    if latest[0] is not None and latest[0].date() > as_of:
        reason = cleaning.mark(reason, rows["order_date"].dt.date() > as_of, "after as-of")
    rows = rows.with_columns(reason)
    bought = (pl.col("reason") == 0) & (pl.col("amount") >= 0)
    purchases = (
        int(rows.lazy().select(bought.sum()).collect(engine="streaming").item())
        if one_row_per_order
        else 0
    )
    # customers with returns but no purchase: marked here, or left to a caller that finds
    # them on its own pass over the customers (rows are then orders, none kept as rejects)
    marked = mark_returns_only or not one_row_per_order or opts.keep_rejects or not purchases
    if marked:
        reason = _mark_returns_only(rows)
        rows = rows.with_columns(reason)
    left_out = cleaning.count_reasons(reason, len(malformed))
    used_rows = height - sum(left_out.values()) + len(malformed)
    if not used_rows and not allow_empty:
        raise DataError(
            f"{source}: no usable rows left after cleaning "
            f"({', '.join(f'{n:,} {r}' for r, n in left_out.items() if n) or 'no rows'}); "
            f"check the column choices with --customer-col/--date-col/--amount-col"
        )
    merged = None
    if one_row_per_order:  # returns only rows are returns: the purchases are as counted
        orders = used_rows
    else:
        merged = _used_orders(rows, one_row_per_order)
        orders, purchases = merged.height, int((merged["amount"] >= 0).sum())
    report = LoadReport(
        source=source,
        rows_read=height + len(malformed),
        left_out=left_out,
        columns=dict(roles),
        as_of=as_of,
        orders=purchases,
        returns=orders - purchases,
        format=raw.format if raw else "frame",
    )
    rejects = cleaning.rejected_rows(frame, rows, malformed) if opts.keep_rejects else None
    return LoadResult(rows, report, rejects, one_row_per_order, marked, _orders=merged)


def _mark_returns_only(rows: pl.DataFrame) -> pl.Series:
    """The ``reason`` column of ``rows`` with the rows of customers with returns but no
    purchase marked ``returns only``."""
    reason = rows["reason"]
    only = _returns_only(rows["customer_id"], rows["amount"], reason)
    return cleaning.mark(reason, only, "returns only")


def parse_rows(
    frame: pl.DataFrame,
    roles: dict[str, str],
    opts: LoadOptions,
    lines: Callable[[], pl.Series],
    *,
    with_lines: bool = False,
) -> tuple[pl.DataFrame, bool]:
    """One canonical row per input row (before merging line items) and the code of the
    first reason it cannot be used (0 when it can); with ``with_lines``, also its file
    line (``lines()`` gives them, asked for only when needed).

    Values are parsed in one parallel pass in their column's likely format; the few
    that fail it get the careful parse (:func:`custseg.orders.values.complete`). Also returns
    whether every row is its own order (order ids never repeat, or there is no order
    column).
    """
    schema = frame.schema
    order_col = roles.get("order")
    unique = bool(order_col) and cleaning.ids_unique(frame[order_col])
    date_col, cust_col = roles["date"], roles["customer"]
    dayfirst = day_first(frame[date_col], opts.dayfirst)  # once for the column
    exprs = {
        "customer_id": id_expr(cust_col, schema[cust_col], frame[cust_col]),
        "order_date": date_fast_expr(date_col, schema[date_col], dayfirst, frame[date_col]),
    }
    amount_cols = [roles["amount"]] if "amount" in roles else [roles["quantity"], roles["price"]]
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
        exprs["c_invoice"] = cleaning.cancelled_invoice_expr(order, frame[order_col])
    if "status" in roles:
        exprs["cancelled"] = cleaning.cancelled_status_expr(
            roles["status"], frame[roles["status"]], opts.cancel_status
        )
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
    ]
    if "cancelled" in parsed.columns:
        checks.append(("cancelled", parsed["cancelled"]))
    if "c_invoice" in parsed.columns:
        checks.append(("cancelled", parsed["c_invoice"]))
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


def _returns_only(customer: pl.Series, amount: pl.Series, reason: pl.Series) -> pl.Series:
    """True for used rows of customers whose used rows are all returns (no purchase)."""
    returns = ((reason == 0) & (amount < 0)).arg_true()
    none = pl.repeat(False, len(customer), dtype=pl.Boolean, eager=True)
    if returns.is_empty():
        return none
    key, exact = customer_key(customer)
    # the purchases of returners are among the rows whose key is a returner's (numbers
    # look up faster than text); an exact key then decides, else the ids themselves do
    keys = customer.to_frame().select(key.alias("key")).to_series()
    rows = pl.DataFrame([keys, customer.alias("customer_id"), amount.alias("a"), reason.alias("r")])
    returners = keys.gather(returns).unique()
    bought = (pl.col("r") == 0) & (pl.col("a") >= 0) & pl.col("key").is_in(returners.implode())
    who = "key" if exact else "customer_id"
    buyers = rows.lazy().filter(bought).select(pl.col(who).unique()).collect().to_series()
    hit = returns.filter(~rows[who].gather(returns).is_in(buyers.implode()))
    return none.scatter(hit, True) if len(hit) else none


def _used_orders(rows: pl.DataFrame, one_row_per_order: bool) -> pl.DataFrame:
    """The canonical orders of the used rows (reason 0), line items merged."""
    used = rows.filter(pl.col("reason") == 0)
    return merge_line_items(used, already_unique=one_row_per_order)


def merge_line_items(rows: pl.DataFrame, already_unique: bool = False) -> pl.DataFrame:
    """One row per (customer, order id): amounts summed, earliest time kept.

    ``already_unique`` skips the grouping when order ids are known to be unique.
    """
    if not already_unique:
        rows = rows.group_by(["customer_id", "order_id"], maintain_order=True).agg(
            pl.col("order_date").min(), pl.col("amount").sum()
        )
    # built from the columns: an eager select would rechunk them all (0.6 s at 10M rows)
    return pl.DataFrame({c: rows[c] for c in ORDER_COLUMNS})
