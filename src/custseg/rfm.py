"""Per-customer recency, frequency and monetary value from canonical orders."""

from __future__ import annotations

import datetime as dt

import polars as pl

from .errors import DataError
from .frames import to_pandas
from .schema import MEASURE_COLUMNS, ORDER_COLUMNS


def default_as_of(orders) -> dt.date:
    """The day after the latest order date."""
    latest = _polars(orders)["order_date"].max()
    return latest.date() + dt.timedelta(days=1)


def customer_measures(orders, as_of: dt.date | None = None):
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
        :data:`custseg.schema.MEASURE_COLUMNS`, one row per customer with at least one
        purchase, sorted by ``customer_id``; the same kind of frame as ``orders``.

    Raises
    ------
    DataError
        When ``orders`` lacks a canonical column or no purchase is on or before ``as_of``.
    """
    frame = _polars(orders)
    out = measures(frame, as_of or default_as_of(frame))
    return out if isinstance(orders, pl.DataFrame) else to_pandas(out)


def measures(orders: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """:func:`customer_measures` on a Polars frame (the pipeline's form)."""
    plan = orders.lazy()
    latest = orders["order_date"].max()
    if latest is not None and latest.date() > as_of:
        plan = plan.filter(pl.col("order_date").dt.date() <= pl.lit(as_of))
    # a purchase's date; null for returns, so that min/max/count skip them
    bought = pl.when(pl.col("amount") >= 0).then(pl.col("order_date")).alias("bought")
    out = (
        plan.select("customer_id", "amount", bought)
        .group_by("customer_id")
        .agg(
            first_order=pl.col("bought").min(),
            last_order=pl.col("bought").max(),
            frequency=pl.col("bought").count().cast(pl.Int64),
            monetary=pl.col("amount").sum(),
        )
        .filter(pl.col("frequency") > 0)
        .with_columns(
            recency_days=(pl.lit(as_of) - pl.col("last_order").dt.date()).dt.total_days(),
            monetary=pl.col("monetary").round(2),
        )
        .with_columns(aov=(pl.col("monetary") / pl.col("frequency")).round(2))
        .sort("customer_id")
        .select(MEASURE_COLUMNS)
        .collect()
    )
    if out.is_empty():
        raise DataError(f"no purchases on or before the as-of date {as_of}; pick a later --as-of")
    return out


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
