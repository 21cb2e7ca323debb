"""Per-customer recency, frequency and monetary value from canonical orders."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from custseg.errors import DataError, param
from custseg.frames import from_pandas, to_pandas
from custseg.orders.accounting import decide_as_of, mark_after_as_of
from custseg.schema import MEASURE_COLUMNS, ORDER_COLUMNS


def default_as_of(orders) -> dt.date:
    """The day after the latest order date (pandas or Polars orders)."""
    return decide_as_of(None, _polars(orders)["order_date"].max())


def customer_measures(orders, as_of: dt.date | None = None, lifecycle: Lifecycle | None = None):
    """Recency, frequency and monetary value per customer.

    Parameters
    ----------
    orders:
        Canonical order frame (:data:`custseg.schema.ORDER_COLUMNS`), pandas or Polars.
        An order with a negative amount is a return: it lowers ``monetary`` but is not
        counted in ``frequency`` and does not move the first or last order date.
    as_of:
        Reference date. Orders dated after it are ignored. Default: the day after
        the latest order.

    Returns
    -------
    DataFrame
        :data:`custseg.schema.MEASURE_COLUMNS` and ``lifecycle`` (see :class:`Lifecycle`),
        one row per customer with at least one purchase, in the order of the customer's
        first order in ``orders``; the same kind of frame as ``orders``.

    Raises
    ------
    DataError
        When ``orders`` lacks a canonical column or no purchase is on or before ``as_of``.
    """
    frame = _polars(orders)
    out = measures(frame, as_of or default_as_of(frame), lifecycle)
    return out if isinstance(orders, pl.DataFrame) else to_pandas(out)


@dataclass(frozen=True)
class Lifecycle:
    """Windows of the lifecycle status (``--new-days``, ``--churn-days``).

    Precedence, first that applies:

    1. **churned**: the last purchase is more than ``churn_days`` before as-of;
    2. **new**: the first purchase is within ``new_days`` of as-of;
    3. **returning**: a purchase within the last ``churn_days`` came after a gap of more
       than ``churn_days`` without any (the customer had lapsed and came back);
    4. **active**: everyone else.
    """

    new_days: int = 30
    churn_days: int = 180


def measures(orders: pl.DataFrame, as_of: dt.date, lifecycle: Lifecycle | None = None,
             allow_empty: bool = False) -> pl.DataFrame:  # fmt: skip
    """:func:`customer_measures` on a Polars frame, with the ``lifecycle`` status of each
    customer: :func:`customer_pass`'s measures, orders after ``as_of`` ignored."""
    if "reason" not in orders.columns:
        orders = orders.with_columns(reason=pl.lit(0, pl.UInt8))
    orders = mark_after_as_of(orders, as_of)
    return customer_pass(orders, as_of, lifecycle, allow_empty).measures.drop("row")


@dataclass
class CustomerPass:
    """What one pass over the orders gives: ``measures``, one row per customer with a
    purchase (:data:`custseg.schema.MEASURE_COLUMNS` and ``lifecycle``) and its first
    ``row`` in use, in that row's order; ``unbought``, the ids of the customers whose
    orders in use are all returns (the ``returns only`` reason), and ``unbought_orders``,
    how many orders in use they have."""

    measures: pl.DataFrame
    unbought: pl.Series
    unbought_orders: int


def customer_pass(orders: pl.DataFrame, as_of: dt.date, lifecycle: Lifecycle | None = None,
                  allow_empty: bool = False) -> CustomerPass:  # fmt: skip
    """Per customer, the measures of :mod:`custseg.measures.definitions` over ``orders``
    (one row per order; a ``reason`` column, when present, keeps only the rows whose
    reason is 0), and the customers with returns only: the one place that rule is applied.

    ``allow_empty`` (a part of a bigger file) returns no rows instead of raising when no
    customer has a purchase.
    """
    life = lifecycle or Lifecycle()
    used = pl.col("reason") == 0 if "reason" in orders.columns else pl.lit(True)
    key, exact = customer_key(orders["customer_id"])
    rows = orders.lazy().with_row_index("row")
    values = row_values(used, as_of, life)
    if exact:
        out = _per_customer(rows.select(key=key, **values), as_of, life)
    else:
        check = check_hash(pl.col("customer_id"))
        plan = rows.select(key=key, check=check, **values)
        out = _per_customer(plan, as_of, life, check=True)
        if shared_hash(out, orders["customer_id"].gather(out["row"] & _ROW)):
            # two ids shared a hash: group on the ids themselves
            plan = rows.select(key=pl.col("customer_id"), check=check, **values)
            out = _per_customer(plan, as_of, life, check=True)
    buyers = int((out["row"] < _NO_PURCHASE).sum())
    # customers without a purchase come last: those with a row in use have returns only
    tail = out.tail(out.height - buyers).filter(pl.col("returns") > 0)
    if buyers == 0 and not allow_empty:
        raise DataError(
            f"no purchases on or before the as-of date {as_of}; pick a later {param('as_of')}"
        )
    out = out.head(buyers)
    ids = orders["customer_id"].gather(out["row"])
    # assembled from the columns: an eager select would copy them into one chunk each
    measured = pl.DataFrame(
        [ids, *(out[c] for c in (*MEASURE_COLUMNS[1:], "lifecycle")), out["row"]]
    )
    unbought = orders["customer_id"].gather(tail["row"] & _ROW)
    return CustomerPass(measured, unbought, int(tail["returns"].sum()))


def customer_key(ids: pl.Series) -> tuple[pl.Expr, bool]:
    """The number to group customers on (numbers group faster than text), as an
    expression of the ``customer_id`` column, and whether it is exact (different ids,
    different numbers); ``ids``, that column, decides which.

    Ids of 1, 2, 4 or 8 bytes each (all the same length, as fixed-width codes and
    zero-padded numbers are) are their own bytes read as a number: exact. Other ids
    get a 64-bit hash, which two ids may share (:func:`shared_hash` tells).
    """
    width = {1: pl.UInt8, 2: pl.UInt16, 4: pl.UInt32, 8: pl.UInt64}
    length = pl.col("id").str.len_bytes()
    # streamed: no full-length column of lengths is made (a reduction needs none)
    size = ids.to_frame("id").lazy().select(lo=length.min(), hi=length.max())
    lo, hi = size.collect(engine="streaming").row(0)
    text = pl.col("customer_id")
    if lo == hi and lo in width:
        return text.cast(pl.Binary).bin.reinterpret(dtype=width[lo]).cast(pl.UInt64), True
    return text.hash(seed=0), False


#: A row in use that is not a purchase (a return) adds this to its customer's ``tally``; a
#: purchase adds 1. The low 32 bits of the sum count purchases, the rest the other rows.
_OTHER = 1 << 32


def row_values(used: pl.Expr, as_of: dt.date, life: Lifecycle) -> dict[str, pl.Expr]:
    """Per row, what :func:`customer_aggregates` takes: the row number, amount, time
    and day of each used row (null for the others) and the purchase days either side of
    the churn window's start. Plain min/max/count/sum per customer then do the rest
    (the fast group-by kernels; a filter inside an aggregation costs more)."""
    window = pl.lit(as_of - dt.timedelta(days=life.churn_days))
    purchase = used & (pl.col("amount") >= 0)
    day = pl.col("order_date").dt.date()
    bought = pl.when(purchase).then(pl.col("order_date"))
    # one sum counts both kinds of row in use (a second count per customer costs more)
    tally = (
        pl.when(bought.is_not_null()).then(pl.lit(1, pl.Int64))
        .when(used & pl.col("amount").is_not_null()).then(pl.lit(_OTHER, pl.Int64))
        .otherwise(pl.lit(0, pl.Int64))
    )  # fmt: skip
    return {
        "row": pl.when(used).then(pl.col("row")),
        "amount": pl.when(used).then(pl.col("amount")),
        "bought": bought,
        "tally": tally,
        "before": pl.when(purchase & (day < window)).then(day),
        "within": pl.when(purchase & (day >= window)).then(day),
    }


def customer_aggregates(check: bool = False) -> dict[str, pl.Expr]:
    """Per customer, from :func:`row_values`: the first used row, the first and last
    purchase, spend, and the ``tally`` of rows in use (see :func:`tally_counts`); with
    ``check``, also what :func:`shared_hash` looks at (from a ``check`` column)."""
    out = {
        "row": pl.col("row").min(),
        "first_order": pl.col("bought").min(),
        "last_order": pl.col("bought").max(),
        "tally": pl.col("tally").sum(),
        "monetary": pl.col("amount").sum(),
        "before_window": pl.col("before").max(),
        "in_window": pl.col("within").min(),
    }
    if check:
        out.update(check=pl.col("check").sum(), size=pl.len())
    return out


def tally_counts() -> dict[str, pl.Expr]:
    """A customer's ``frequency`` (purchases) and ``returns`` (other rows in use) from the
    ``tally`` of :func:`customer_aggregates`."""
    tally = pl.col("tally")
    return {"frequency": tally % _OTHER, "returns": tally // _OTHER}


def check_hash(ids: pl.Expr | pl.Series) -> pl.Expr | pl.Series:
    """A 32-bit hash of the ids (an expression or a Series), independent of the 64-bit
    one customers are grouped on."""
    return (ids.hash(seed=0x5EED) & 0xFFFFFFFF).cast(pl.Int64)


def shared_hash(groups: pl.DataFrame, ids: pl.Series) -> bool:
    """Whether some group (grouped on a 64-bit hash of the id) holds two different ids:
    the sum of its rows' :func:`check_hash` then differs from its size times the check
    hash of ``ids`` (one id of each group; groups with a null there are not looked at:
    they have no row in use)."""
    expected = groups["size"] * pl.select(check_hash(pl.lit(ids))).to_series()
    return bool(((groups["check"] != expected) & ids.is_not_null()).any())


def _measure_exprs(as_of: dt.date, life: Lifecycle) -> tuple[dict[str, pl.Expr], ...]:
    """The measures and lifecycle of customers from the aggregates of
    :func:`customer_aggregates` and :func:`tally_counts`: two rounds of ``with_columns``
    (the second reads the first's ``recency_days`` and ``monetary``)."""
    first = {
        "recency_days": (pl.lit(as_of) - pl.col("last_order").dt.date()).dt.total_days(),
        "monetary": pl.col("monetary").round(2),
    }
    second = {
        "aov": (pl.col("monetary") / pl.col("frequency")).round(2),
        "lifecycle": _lifecycle(as_of, life),
    }
    return first, second


def finish_measures(aggregated: pl.DataFrame, as_of: dt.date,
                    life: Lifecycle | None = None) -> pl.DataFrame:  # fmt: skip
    """:data:`custseg.schema.MEASURE_COLUMNS` and ``lifecycle`` of customers whose
    aggregates were made elsewhere (in a database: :mod:`custseg.engines.database`), by
    the expressions the row path uses. ``aggregated`` holds ``customer_id`` and, as
    :func:`customer_aggregates` names them, ``first_order``, ``last_order``,
    ``monetary`` (not rounded), ``before_window``, ``in_window``, with ``purchases``
    (the frequency), one row per customer with a purchase, in output order."""
    first, second = _measure_exprs(as_of, life or Lifecycle())
    frame = aggregated.with_columns(
        pl.col("first_order", "last_order").cast(pl.Datetime("us")),
        pl.col("before_window", "in_window").cast(pl.Date),
        frequency=pl.col("purchases").cast(pl.Int64),
        monetary=pl.col("monetary").cast(pl.Float64),
    )
    frame = frame.with_columns(**first).with_columns(**second)
    return frame.select(*MEASURE_COLUMNS, "lifecycle")


#: Added to the ``row`` of a customer without a purchase, so that one sort puts them last;
#: ``row & _ROW`` is the row again. Rows number below 2**32 (an index of one part).
_NO_PURCHASE = 1 << 32
_ROW = _NO_PURCHASE - 1


def _sort_key() -> pl.Expr:
    row = pl.col("row").cast(pl.UInt64)
    return pl.when(pl.col("frequency") > 0).then(row).otherwise(row + _NO_PURCHASE)


def _per_customer(rows: pl.LazyFrame, as_of: dt.date, life: Lifecycle,
                  check: bool = False) -> pl.DataFrame:  # fmt: skip
    """Per customer, grouped on the ``key`` column: the first ``row`` in use (plus
    :data:`_NO_PURCHASE` for a customer without a purchase), the measures
    (:data:`custseg.schema.MEASURE_COLUMNS` but the id), the lifecycle and the ``returns``
    in use, customers with a purchase first, in the order of ``row`` (with ``check``,
    also what :func:`shared_hash` looks at).

    One plan on the streaming engine (faster here, and less memory, than the in-memory
    one); only the columns kept are sorted."""
    first, second = _measure_exprs(as_of, life)
    kept = ["row", *MEASURE_COLUMNS[1:], "lifecycle", "returns", *(["check", "size"] * check)]
    return (
        rows.group_by("key")
        .agg(**customer_aggregates(check))
        .with_columns(**tally_counts())
        # customers without a purchase last, still in the order of their first row: one
        # sort key, no second column (a slice then drops them)
        .with_columns(row=_sort_key(), **first)
        .drop("key", "tally")
        .sort("row", nulls_last=True)
        .with_columns(**second)
        .select(kept)
        .collect(engine="streaming")
    )


def _lifecycle(as_of: dt.date, life: Lifecycle) -> pl.Expr:
    """The lifecycle status expression (see :class:`Lifecycle` for the precedence)."""
    first_day = pl.col("first_order").dt.date()
    gap = (pl.col("in_window") - pl.col("before_window")).dt.total_days()
    return (
        pl.when(pl.col("recency_days") > life.churn_days).then(pl.lit("churned"))
        .when(first_day >= pl.lit(as_of - dt.timedelta(days=life.new_days))).then(pl.lit("new"))
        .when(gap > life.churn_days).then(pl.lit("returning"))
        .otherwise(pl.lit("active"))
    )  # fmt: skip


def _polars(orders) -> pl.DataFrame:
    missing = [c for c in ORDER_COLUMNS if c not in orders.columns]
    if missing:
        raise DataError(f"order frame lacks column(s) {missing}; load it with custseg.load_orders")
    if isinstance(orders, pl.DataFrame):
        return orders
    frame = from_pandas(orders[list(ORDER_COLUMNS)])
    return frame.with_columns(
        pl.col("customer_id").cast(pl.String),
        pl.col("order_id").cast(pl.String),
        pl.col("order_date").cast(pl.Datetime("us")),
        pl.col("amount").cast(pl.Float64),
    )
