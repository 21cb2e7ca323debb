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

from custseg.measures.plan import check_hash, customer_key, shared_hash

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
    is asked for: ``rfm`` alone never pays for it.

    Customers are grouped on the number :func:`custseg.measures.plan.customer_key` gives
    (numbers group faster than text: 0.40 s instead of 0.70 s for this plan on the 1M-row
    bench file); when that number is a hash two ids could share, the ids themselves are
    checked and, if two did, grouped on instead."""
    customers, daily = _by_row(orders, as_of, spec)
    return customers.with_columns(orders["customer_id"].gather(customers["row"])).select(
        "customer_id", *HISTORY_COLUMNS
    ), daily


def _by_row(orders: pl.DataFrame, as_of: dt.date,
            spec: History) -> tuple[pl.DataFrame, pl.DataFrame]:  # fmt: skip
    """:func:`_history` with each customer's first ``row`` in use up to the calibration end
    in place of the id."""
    return _plan(orders, group_key(orders), as_of, spec)


def group_key(orders: pl.DataFrame) -> pl.Expr:
    """What to group ``orders``' customers on: the number
    :func:`custseg.measures.plan.customer_key` gives, or the ids themselves when that
    number is a hash two of them share."""
    key, exact = customer_key(orders["customer_id"])
    return pl.col("customer_id") if not exact and _shared(orders, key) else key


def _shared(orders: pl.DataFrame, key: pl.Expr) -> bool:
    """Whether two different ids share the hash ``key``."""
    groups = (
        orders.lazy()
        .with_row_index("row")
        .group_by(key.alias("key"))
        .agg(
            row=pl.col("row").first(), check=check_hash(pl.col("customer_id")).sum(), size=pl.len()
        )  # fmt: skip
        .collect()
    )
    return shared_hash(groups, orders["customer_id"].gather(groups["row"]))


def _plan(orders: pl.DataFrame, key: pl.Expr, as_of: dt.date,
          spec: History) -> tuple[pl.DataFrame, pl.DataFrame]:  # fmt: skip
    """The plan of :func:`_history`, grouped on ``key``. Each customer's first calibration
    purchase day is put on their days with a window (``over``) and every sum is a plain
    one: a filter inside the aggregations took 0.36 s of 0.70 s on the 1M-row bench file,
    this whole plan 0.3 s."""
    end = spec.end(as_of)
    used = pl.col("reason") == 0 if "reason" in orders.columns else pl.lit(True)
    day = pl.col("order_date").dt.date()
    calibration = pl.col("day") <= pl.lit(end)
    days = (
        orders.lazy()
        .with_row_index("row")
        .filter(used & (day <= pl.lit(as_of)))
        .group_by(key.alias("key"), day.alias("day"))
        .agg(
            bought=(pl.col("amount") >= 0).any(),
            spend=pl.col("amount").sum(),
            row=pl.col("row").min(),
        )  # fmt: skip
        .with_columns(bought_day=pl.when(pl.col("bought") & calibration).then(pl.col("day")))
        .with_columns(first_day=pl.col("bought_day").min().over("key"))
    )
    after_first = calibration & (pl.col("day") > pl.col("first_day"))
    per_customer = (
        days.filter(pl.col("first_day").is_not_null())
        .group_by("key")
        .agg(
            # the customer's first row in use up to the calibration end: the ``row`` the
            # measures of custseg.measures.plan.customer_pass carry, to join on
            row=pl.when(calibration).then(pl.col("row")).min(),
            first_day=pl.col("first_day").first(),
            last_day=pl.col("bought_day").max(),
            purchase_days=pl.col("bought_day").count(),
            repeat_spend=pl.when(after_first).then(pl.col("spend")).otherwise(0.0).sum(),
            holdout_orders=(pl.col("bought") & ~calibration).sum(),
        )
    )
    holdout = pl.col("holdout_orders").cast(pl.Int64)
    customers = per_customer.select(
        "row",
        repeat_orders=(pl.col("purchase_days") - 1).cast(pl.Int64),
        t_first_last_days=(pl.col("last_day") - pl.col("first_day")).dt.total_days(),
        T_days=(pl.lit(end) - pl.col("first_day")).dt.total_days(),
        repeat_spend=pl.col("repeat_spend").round(2),
        holdout_orders=holdout if spec.calibration_end else pl.lit(None, pl.Int64),
    )
    daily = (
        days.filter(pl.col("bought") & pl.col("first_day").is_not_null())
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
    """``measures`` (one row per customer, with the ``row`` of their first order in use in
    ``orders`` up to the calibration end, as :func:`custseg.measures.plan.customer_pass`
    gives it) with :data:`HISTORY_COLUMNS` joined on, in ``measures``' row order, and the
    daily counts (:func:`history_days`). Joined on the row number, not on the id (text)."""
    found, daily = _by_row(orders, as_of, spec)
    found = found.with_columns(pl.col("row").cast(measures.schema["row"]))
    return measures.join(found, on="row", how="left", maintain_order="left"), daily
