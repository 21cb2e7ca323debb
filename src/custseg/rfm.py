"""Per-customer recency, frequency and monetary value from canonical orders."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .errors import DataError
from .schema import MEASURE_COLUMNS, ORDER_COLUMNS


def default_as_of(orders: pd.DataFrame) -> dt.date:
    """The day after the latest order date."""
    return (orders["order_date"].max().normalize() + pd.Timedelta(days=1)).date()


def customer_measures(orders: pd.DataFrame, as_of: dt.date | None = None) -> pd.DataFrame:
    """Recency, frequency and monetary value per customer.

    Parameters
    ----------
    orders:
        Canonical order frame (:data:`custseg.schema.ORDER_COLUMNS`). An order with a
        negative amount is a return: it lowers ``monetary`` but is not counted in
        ``frequency`` and does not move the first or last order date.
    as_of:
        Reference date. Orders dated after it are ignored. Default: the day after
        the latest order.

    Returns
    -------
    DataFrame
        :data:`custseg.schema.MEASURE_COLUMNS`, one row per customer with at least one
        purchase, sorted by ``customer_id``.

    Raises
    ------
    DataError
        When ``orders`` lacks a canonical column or no purchase is on or before ``as_of``.
    """
    missing = [c for c in ORDER_COLUMNS if c not in orders.columns]
    if missing:
        raise DataError(f"order frame lacks column(s) {missing}; load it with custseg.load_orders")
    as_of = as_of or default_as_of(orders)
    as_of_ts = pd.Timestamp(as_of)
    day = orders["order_date"].dt.normalize()
    kept = orders.loc[day <= as_of_ts]
    purchase = kept["amount"].to_numpy() >= 0
    dates = kept["order_date"].where(purchase)
    frame = pd.DataFrame(
        {
            "customer_id": kept["customer_id"].to_numpy(),
            "date": dates.to_numpy(),
            "purchase": purchase.astype("int64"),
            "amount": kept["amount"].to_numpy(),
        }
    )
    g = frame.groupby("customer_id", sort=True)
    out = g.agg(
        first_order=("date", "min"),
        last_order=("date", "max"),
        frequency=("purchase", "sum"),
        monetary=("amount", "sum"),
    )
    out = out.loc[out["frequency"] > 0].reset_index()
    if out.empty:
        raise DataError(f"no purchases on or before the as-of date {as_of}; pick a later --as-of")
    out["customer_id"] = out["customer_id"].astype("string")
    out["recency_days"] = (as_of_ts - out["last_order"].dt.normalize()).dt.days.astype("int64")
    out["monetary"] = out["monetary"].round(2)
    out["aov"] = np.round(out["monetary"] / out["frequency"], 2)
    return out[list(MEASURE_COLUMNS)]
