"""Turn an order file into the canonical order frame, accounting for every row.

The flow: read the raw table (``readers``), find the columns (``columns``), parse
values (``values``), give every row that cannot be used a reason (``cleaning``),
then merge line items into orders. :class:`LoadReport` says where every row went.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from . import cleaning, readers
from .columns import resolve_columns
from .errors import DataError
from .schema import ORDER_COLUMNS
from .values import parse_amounts, parse_dates, parse_ids


@dataclass
class LoadOptions:
    """How to read and clean an order file (the CLI's loader flags)."""

    as_of: dt.date | None = None
    columns: dict[str, str | None] = field(default_factory=dict)
    encoding: str | None = None
    dayfirst: bool = False
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
    """The canonical order frame, its row accounting and (optionally) the rejected rows."""

    orders: pd.DataFrame
    report: LoadReport
    rejects: pd.DataFrame | None = None


def read_orders(source: str | Path, options: LoadOptions | None = None, **kwargs) -> LoadResult:
    """Load an order file into the canonical order frame and account for every row.

    Parameters
    ----------
    source:
        Path to an order file (CSV/TSV/TXT, compressed or not, Parquet file or folder,
        ``.xlsx``, JSON Lines) or ``"-"`` for CSV on stdin.
    options:
        A :class:`LoadOptions`; keyword arguments set its fields instead
        (``as_of=``, ``columns=``, ``returns=``, ...).

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
    src = readers.Source.open(source, opts.encoding)
    fmt = readers.detect_format(src)
    header = readers.read_header(src, fmt)
    roles = resolve_columns(header, opts.columns) if header is not None else None
    text_cols = [roles[r] for r in ("customer", "order") if r in roles] if roles else []
    raw = readers.read_raw(src, fmt, text_cols)
    if roles is None:
        roles = resolve_columns([str(c) for c in raw.frame.columns], opts.columns)
    if raw.frame.empty and not raw.malformed:
        raise DataError(f"{src.name}: the file has a header but no rows; export the orders again")
    return normalize_orders(raw.frame, roles, opts, source=src.name, raw=raw)


def load_orders(source: str | Path, **kwargs) -> pd.DataFrame:
    """Load an order file and return only the canonical order frame (see :func:`read_orders`)."""
    return read_orders(source, **kwargs).orders


def normalize_orders(
    frame: pd.DataFrame,
    roles: dict[str, str],
    options: LoadOptions | None = None,
    *,
    source: str = "<frame>",
    raw: readers.RawTable | None = None,
) -> LoadResult:
    """Canonical orders from a raw frame whose columns are mapped by ``roles``.

    The input frame is not modified. See :mod:`custseg.cleaning` for the reasons a
    row is left out and their order.
    """
    opts = options or LoadOptions()
    lines = raw.line_numbers() if raw else np.arange(2, len(frame) + 2)
    rows = parse_rows(frame, roles, opts, lines)
    malformed = raw.malformed if raw else []
    reason = cleaning.row_reasons(frame, rows, roles, opts)
    if opts.strict:
        cleaning.check_strict(rows, reason, malformed, frame, roles, source)
    valid = reason == ""
    as_of = opts.as_of or _default_as_of(rows.loc[valid, "order_date"])
    cleaning.mark(
        reason, (rows["order_date"].dt.normalize() > pd.Timestamp(as_of)).to_numpy(), "after as-of"
    )
    valid = reason == ""
    buyers = rows.loc[valid & (rows["amount"] >= 0).to_numpy(), "customer_id"].unique()
    cleaning.mark(reason, ~rows["customer_id"].isin(buyers).to_numpy(), "returns only")
    valid = reason == ""
    left_out = cleaning.count_reasons(reason, len(malformed))
    if not valid.any():
        raise DataError(
            f"{source}: no usable rows left after cleaning "
            f"({', '.join(f'{n:,} {r}' for r, n in left_out.items() if n) or 'no rows'}); "
            f"check the column choices with --customer-col/--date-col/--amount-col"
        )
    orders = merge_line_items(rows.loc[valid])
    report = LoadReport(
        source=source,
        rows_read=len(frame) + len(malformed),
        left_out=left_out,
        columns=dict(roles),
        as_of=as_of,
        orders=int((orders["amount"] >= 0).sum()),
        returns=int((orders["amount"] < 0).sum()),
        format=raw.format if raw else "frame",
    )
    rejects = cleaning.rejected_rows(frame, rows, reason, malformed) if opts.keep_rejects else None
    return LoadResult(orders=orders, report=report, rejects=rejects)


def parse_rows(
    frame: pd.DataFrame, roles: dict[str, str], opts: LoadOptions, line: np.ndarray
) -> pd.DataFrame:
    """One canonical row per input row (before merging line items), plus its file line."""
    if "amount" in roles:
        amount = parse_amounts(frame[roles["amount"]])
    else:
        amount = parse_amounts(frame[roles["quantity"]]) * parse_amounts(frame[roles["price"]])
    if "order" in roles:
        order_id = parse_ids(frame[roles["order"]])
    else:
        order_id = pd.Series(line.astype(str), index=frame.index, dtype="string")
    return pd.DataFrame(
        {
            "customer_id": parse_ids(frame[roles["customer"]]),
            "order_id": order_id,
            "order_date": parse_dates(frame[roles["date"]], dayfirst=opts.dayfirst),
            "amount": amount,
            "line": line,
        },
        index=frame.index,
    )


def _default_as_of(dates: pd.Series) -> dt.date:
    if dates.empty:
        return dt.date.today()
    return (dates.max().normalize() + pd.Timedelta(days=1)).date()


def merge_line_items(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per (customer, order id): amounts summed, earliest time kept."""
    grouped = rows.groupby(["customer_id", "order_id"], sort=False, observed=True)
    orders = grouped.agg(order_date=("order_date", "min"), amount=("amount", "sum"))
    orders = orders.reset_index()
    return orders[list(ORDER_COLUMNS)]
