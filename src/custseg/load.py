"""Turn an order file into the canonical order frame, accounting for every row.

The flow: read the raw table (``readers``), find the columns (``columns``), parse
values (``values``), give every row that cannot be used a reason, then merge line
items into orders. :class:`LoadReport` says where every input row went.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import readers
from .columns import resolve_columns
from .errors import DataError, InputFileError
from .schema import ORDER_COLUMNS
from .values import parse_amounts, parse_dates, parse_ids

#: Reasons a row is left out, in the order they are tested (a row gets the first).
REASONS: tuple[str, ...] = (
    "missing customer",
    "unparseable date",
    "unparseable amount",
    "duplicate row",
    "after as-of",
    "returns only",
)


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
    latest_order: dt.date | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def rows_used(self) -> int:
        return self.rows_read - sum(self.left_out.values())

    def to_dict(self) -> dict:
        return {
            "source": self.source,
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


def read_orders(
    source: str | Path,
    *,
    as_of: dt.date | None = None,
    columns: dict[str, str | None] | None = None,
    keep_duplicates: bool = False,
    keep_rejects: bool = False,
) -> LoadResult:
    """Load an order file into the canonical order frame and account for every row.

    Parameters
    ----------
    source:
        Path to a CSV (any delimiter) or Parquet file.
    as_of:
        Reference date; orders after it are left out. Default: the day after the
        latest order in the data.
    columns:
        Explicit column choices, role -> name (roles: customer, order, date, amount,
        quantity, price, status).
    keep_duplicates:
        Keep exact duplicate rows instead of leaving them out.
    keep_rejects:
        Also return the rows left out, with their line number and reason.

    Returns
    -------
    LoadResult
        ``orders`` follows :data:`custseg.schema.ORDER_COLUMNS`, one row per order.

    Raises
    ------
    InputFileError, ColumnError, DataError
    """
    path = Path(source)
    if not path.exists():
        raise InputFileError(f"{path}: no such file; check the path")
    dialect = None
    if readers.detect_format(path) == "csv":
        dialect = readers.sniff_csv(path)
        header = readers.read_csv_header(path, dialect)
        roles = resolve_columns(header, columns)
        text_cols = [roles[r] for r in ("customer", "order") if r in roles]
        raw = readers.read_raw(path, text_cols, dialect)
    else:
        raw = readers.read_raw(path, [])
        roles = resolve_columns([str(c) for c in raw.columns], columns)
    if raw.empty:
        raise DataError(f"{path}: the file has a header but no rows; export the orders again")
    return normalize_orders(
        raw,
        roles,
        source=str(path),
        as_of=as_of,
        keep_duplicates=keep_duplicates,
        keep_rejects=keep_rejects,
    )


def load_orders(source: str | Path, **options) -> pd.DataFrame:
    """Load an order file and return only the canonical order frame (see :func:`read_orders`)."""
    return read_orders(source, **options).orders


def normalize_orders(
    raw: pd.DataFrame,
    roles: dict[str, str],
    *,
    source: str = "<frame>",
    as_of: dt.date | None = None,
    keep_duplicates: bool = False,
    keep_rejects: bool = False,
) -> LoadResult:
    """Canonical orders from a raw frame whose columns are mapped by ``roles``.

    The input frame is not modified.
    """
    rows = _parse_rows(raw, roles)
    reason = np.full(len(rows), "", dtype=object)
    _mark(reason, rows["customer_id"].isna().to_numpy(), "missing customer")
    _mark(reason, rows["order_date"].isna().to_numpy(), "unparseable date")
    _mark(reason, rows["amount"].isna().to_numpy(), "unparseable amount")
    if not keep_duplicates:
        _mark(reason, raw.duplicated(keep="first").to_numpy(), "duplicate row")
    valid = reason == ""
    as_of = as_of or _default_as_of(rows.loc[valid, "order_date"])
    after = (rows["order_date"].dt.normalize() > pd.Timestamp(as_of)).to_numpy()
    _mark(reason, after, "after as-of")
    valid = reason == ""
    buyers = rows.loc[valid & (rows["amount"] >= 0).to_numpy(), "customer_id"].unique()
    _mark(reason, ~rows["customer_id"].isin(buyers).to_numpy(), "returns only")
    valid = reason == ""
    if not valid.any():
        raise DataError(f"{source}: no usable rows left after cleaning ({_summary(reason)})")
    orders = merge_line_items(rows.loc[valid])
    report = LoadReport(
        source=source,
        rows_read=len(raw),
        left_out={r: int((reason == r).sum()) for r in REASONS},
        columns=dict(roles),
        as_of=as_of,
        orders=int((orders["amount"] >= 0).sum()),
        returns=int((orders["amount"] < 0).sum()),
    )
    rejects = None
    if keep_rejects:
        rejects = raw.loc[~valid].copy()
        rejects.insert(0, "reason", reason[~valid])
        rejects.insert(0, "line", rows.loc[~valid, "line"].to_numpy())
    return LoadResult(orders=orders, report=report, rejects=rejects)


def _parse_rows(raw: pd.DataFrame, roles: dict[str, str]) -> pd.DataFrame:
    """One canonical row per input row (before merging line items), plus its line number."""
    if "amount" in roles:
        amount = parse_amounts(raw[roles["amount"]])
    else:
        amount = parse_amounts(raw[roles["quantity"]]) * parse_amounts(raw[roles["price"]])
    line = np.arange(2, len(raw) + 2)
    if "order" in roles:
        order_id = parse_ids(raw[roles["order"]])
    else:
        order_id = pd.Series(line.astype(str), index=raw.index, dtype="string")
    return pd.DataFrame(
        {
            "customer_id": parse_ids(raw[roles["customer"]]),
            "order_id": order_id,
            "order_date": parse_dates(raw[roles["date"]]),
            "amount": amount,
            "line": line,
        },
        index=raw.index,
    )


def _mark(reason: np.ndarray, mask: np.ndarray, label: str) -> None:
    """Give ``label`` to rows in ``mask`` that have no reason yet."""
    reason[mask & (reason == "")] = label


def _default_as_of(dates: pd.Series) -> dt.date:
    if dates.empty:
        return dt.date.today()
    return (dates.max().normalize() + pd.Timedelta(days=1)).date()


def _summary(reason: np.ndarray) -> str:
    labels, counts = np.unique(reason[reason != ""], return_counts=True)
    return ", ".join(f"{c} {lab}" for lab, c in zip(labels, counts, strict=True)) or "no rows"


def merge_line_items(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per (customer, order id): amounts summed, earliest time kept."""
    grouped = rows.groupby(["customer_id", "order_id"], sort=False, observed=True)
    orders = grouped.agg(order_date=("order_date", "min"), amount=("amount", "sum"))
    orders = orders.reset_index()
    return orders[list(ORDER_COLUMNS)]
