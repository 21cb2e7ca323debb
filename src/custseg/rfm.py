"""Per-customer recency, frequency and monetary value from canonical orders."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from .errors import DataError
from .frames import to_pandas
from .schema import MEASURE_COLUMNS, ORDER_COLUMNS


def default_as_of(orders) -> dt.date:
    """The day after the latest order date (pandas or Polars orders)."""
    return day_after_latest(_polars(orders)["order_date"])


def day_after_latest(dates: pl.Series) -> dt.date:
    """The default as-of date: the day after the latest of ``dates`` (today if none)."""
    latest = dates.max()
    if latest is None:
        return dt.date.today()
    return latest.date() + dt.timedelta(days=1)


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
        one row per customer with at least one purchase, sorted by ``customer_id``; the
        same kind of frame as ``orders``.

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


def measures(orders: pl.DataFrame, as_of: dt.date,
             lifecycle: Lifecycle | None = None) -> pl.DataFrame:  # fmt: skip
    """:func:`customer_measures` on a Polars frame (the pipeline's form), with the
    ``lifecycle`` status of each customer."""
    life = lifecycle or Lifecycle()
    window = pl.lit(as_of - dt.timedelta(days=life.churn_days))
    plan = orders.lazy()
    latest = orders["order_date"].max()
    if latest is not None and latest.date() > as_of:
        plan = plan.filter(pl.col("order_date").dt.date() <= pl.lit(as_of))
    purchase = pl.col("amount") >= 0
    day = pl.col("order_date").dt.date()
    # per row, then plain min/max/count per customer (filters inside agg cost more): a
    # purchase's time and day, null for returns; and the purchase days either side of the
    # churn window's start, for 'returning'
    out = (
        plan.select(
            "customer_id",
            "amount",
            bought=pl.when(purchase).then(pl.col("order_date")),
            before=pl.when(purchase & (day < window)).then(day),
            within=pl.when(purchase & (day >= window)).then(day),
        )
        .group_by("customer_id")
        .agg(
            first_order=pl.col("bought").min(),
            last_order=pl.col("bought").max(),
            frequency=pl.col("bought").count().cast(pl.Int64),
            monetary=pl.col("amount").sum(),
            before_window=pl.col("before").max(),
            in_window=pl.col("within").min(),
        )
        .filter(pl.col("frequency") > 0)
        .with_columns(
            recency_days=(pl.lit(as_of) - pl.col("last_order").dt.date()).dt.total_days(),
            monetary=pl.col("monetary").round(2),
        )
        .with_columns(
            aov=(pl.col("monetary") / pl.col("frequency")).round(2),
            lifecycle=_lifecycle(as_of, life),
        )
        .sort("customer_id")
        .select(*MEASURE_COLUMNS, "lifecycle")
        .collect()
    )
    if out.is_empty():
        raise DataError(f"no purchases on or before the as-of date {as_of}; pick a later --as-of")
    return out


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
    frame = pl.from_pandas(orders[list(ORDER_COLUMNS)])
    return frame.with_columns(
        pl.col("customer_id").cast(pl.String),
        pl.col("order_id").cast(pl.String),
        pl.col("order_date").cast(pl.Datetime("us")),
        pl.col("amount").cast(pl.Float64),
    )
