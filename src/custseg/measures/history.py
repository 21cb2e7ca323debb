"""Each customer's purchase history as the "buy till you die" models read it.

The models of :mod:`custseg.models` (BG/NBD, Pareto/NBD, Gamma-Gamma) do not read orders:
they read, per customer, how many times they came back, when, over how long a window, and
what they spent when they came back. This module computes that summary from canonical
orders, once per customer, on any split of the input (a customer's rows are all in one
part), following :func:`custseg.measures.definitions.reference_history`, the definition
the tests hold this plan to.

The conventions are the literature's (Fader, Hardie & Lee 2005): purchases on one calendar
day are one *transaction*; the model window ends at the calibration end (``as_of`` unless
a calibration end is given), orders dated on that day included. Counts and spans are in
days here; :mod:`custseg.models.summary` turns them into the chosen time unit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

#: The columns :func:`history_measures` adds to each customer (null for a customer with no
#: purchase on or before the calibration end):
#:
#: - ``repeat_orders``: purchase days on or before the calibration end, minus one;
#: - ``t_first_last_days``: days from the first to the last of those purchase days;
#: - ``T_days``: days from the first purchase day to the calibration end;
#: - ``repeat_spend``: the net spend (returns subtract) of the rows in use dated after the
#:   first purchase day and on or before the calibration end, rounded to cents;
#: - ``holdout_orders``: purchase days after the calibration end, up to ``as_of`` (null
#:   without a calibration end).
HISTORY_COLUMNS: tuple[str, ...] = (
    "repeat_orders",
    "t_first_last_days",
    "T_days",
    "repeat_spend",
    "holdout_orders",
)


@dataclass(frozen=True)
class History:
    """Ask an engine for :data:`HISTORY_COLUMNS`: the model window ends on
    ``calibration_end`` (None: the as-of date); the orders after it, up to as-of, are the
    holdout."""

    calibration_end: dt.date | None = None

    def end(self, as_of: dt.date) -> dt.date:
        return min(self.calibration_end, as_of) if self.calibration_end else as_of


#: The columns of :func:`history_days`: per calendar day, the customers whose first purchase
#: day it is (on or before the calibration end), and the repeat purchase days of those
#: customers that fall on it (calibration and holdout alike): the curve of cumulative
#: repeat transactions the models are checked against.
DAY_COLUMNS: tuple[str, ...] = ("day", "first_purchases", "repeat_purchases")


def history_measures(orders: pl.DataFrame, as_of: dt.date, spec: History) -> pl.DataFrame:
    """:data:`HISTORY_COLUMNS` per customer, keyed by ``customer_id``.

    ``orders``: one row per order (:data:`custseg.schema.ORDER_COLUMNS`), with a ``reason``
    column when some rows are not in use (only reason 0 counts). Customers without a
    purchase on or before the calibration end get no row.
    """
    return _history(orders, as_of, spec)[0]


def history_days(orders: pl.DataFrame, as_of: dt.date, spec: History) -> pl.DataFrame:
    """:data:`DAY_COLUMNS`, one row per day with a first or repeat purchase, by day."""
    return _history(orders, as_of, spec)[1]


def _history(orders: pl.DataFrame, as_of: dt.date,
             spec: History) -> tuple[pl.DataFrame, pl.DataFrame]:  # fmt: skip
    """Both frames from one plan: the rows in use grouped by customer and day, then by
    customer (the history) and by day (the daily counts). It runs only when a prediction
    is asked for: ``rfm`` alone never pays for it."""
    end = spec.end(as_of)
    used = pl.col("reason") == 0 if "reason" in orders.columns else pl.lit(True)
    day = pl.col("order_date").dt.date()
    days = (
        orders.lazy()
        .filter(used & (day <= pl.lit(as_of)))
        .group_by("customer_id", day.alias("day"))
        .agg(bought=(pl.col("amount") >= 0).any(), spend=pl.col("amount").sum())
    )
    calibration = pl.col("day") <= pl.lit(end)
    bought = pl.col("bought") & calibration
    first = pl.col("day").filter(bought).min()
    per_customer = (
        days.group_by("customer_id")
        .agg(
            first_day=first,
            last_day=pl.col("day").filter(bought).max(),
            purchase_days=bought.sum(),
            repeat_spend=pl.col("spend").filter(calibration & (pl.col("day") > first)).sum(),
            holdout_orders=(pl.col("bought") & ~calibration).sum(),
        )
        .filter(pl.col("purchase_days") > 0)
    )
    holdout = pl.col("holdout_orders").cast(pl.Int64)
    customers = per_customer.select(
        "customer_id",
        repeat_orders=(pl.col("purchase_days") - 1).cast(pl.Int64),
        t_first_last_days=(pl.col("last_day") - pl.col("first_day")).dt.total_days(),
        T_days=(pl.lit(end) - pl.col("first_day")).dt.total_days(),
        repeat_spend=pl.col("repeat_spend").round(2),
        holdout_orders=holdout if spec.calibration_end else pl.lit(None, pl.Int64),
    )
    firsts = per_customer.select("customer_id", "first_day")
    daily = (
        days.filter(pl.col("bought"))
        .join(firsts, on="customer_id")
        .group_by("day")
        .agg(
            first_purchases=(pl.col("day") == pl.col("first_day")).sum().cast(pl.Int64),
            repeat_purchases=(pl.col("day") > pl.col("first_day")).sum().cast(pl.Int64),
        )
        .filter((pl.col("first_purchases") + pl.col("repeat_purchases")) > 0)
        .sort("day")
    )
    customers_frame, daily_frame = pl.collect_all([customers, daily])
    return customers_frame, daily_frame


def add_days(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """The daily counts of several parts of one input, added up day by day."""
    return (
        pl.concat(frames)
        .group_by("day")
        .agg(pl.col("first_purchases").sum(), pl.col("repeat_purchases").sum())
        .sort("day")
    )


def with_history(measures: pl.DataFrame, orders: pl.DataFrame, as_of: dt.date,
                 spec: History) -> tuple[pl.DataFrame, pl.DataFrame]:  # fmt: skip
    """``measures`` (one row per customer, a ``customer_id`` column) with
    :data:`HISTORY_COLUMNS` joined on, in ``measures``' row order, and the daily counts
    (:func:`history_days`)."""
    found, daily = _history(orders, as_of, spec)
    return measures.join(found, on="customer_id", how="left", maintain_order="left"), daily
