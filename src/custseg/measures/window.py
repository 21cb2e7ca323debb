"""What each customer did in a window of days after a date: their purchases and net revenue.

``custseg backtest`` segments the customers as of a day and then looks at the days after
it, up to the run's as-of date (the window's last day). The figures are those of the
measures, by the same expressions (:func:`custseg.measures.plan.row_values` and
:func:`custseg.measures.plan.customer_aggregates`): the orders in use only (line items
merged into orders, statuses and duplicates left out by the loader); an *order* is a
purchase (amount 0 or more), and *revenue* is the sum of all amounts, returns subtracting.

Computed per part of an input (:class:`custseg.measures.extras.Extras` with
``window_after``): a customer's rows are all in one part, so the parts' frames are simply
put together.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from custseg.measures.plan import Lifecycle, customer_aggregates, row_values, tally_counts

#: One row per customer with an order in use (a purchase or a return) in the window:
#:
#: - ``customer_id``;
#: - ``orders``: their purchases in the window (``frequency``'s definition);
#: - ``revenue``: the sum of their amounts in the window (``monetary``'s, unrounded;
#:   negative for a customer who only returned something);
#: - ``last_date``: the time of their latest order in the window (a purchase or a return).
WINDOW_COLUMNS: tuple[str, ...] = ("customer_id", "orders", "revenue", "last_date")


def window_orders(orders: pl.DataFrame, key: pl.Expr, after: dt.date,
                  as_of: dt.date) -> pl.LazyFrame:  # fmt: skip
    """:data:`WINDOW_COLUMNS` of ``orders`` (one row per order, a ``reason`` column: 0 in
    use) dated after ``after`` and on or before ``as_of``, customers grouped on ``key``
    (:func:`custseg.measures.history.group_key`), in the order of their first row in the
    window."""
    used = pl.col("reason") == 0 if "reason" in orders.columns else pl.lit(True)
    day = pl.col("order_date").dt.date()
    in_window = used & (day > pl.lit(after)) & (day <= pl.lit(as_of))
    values, aggregates = row_values(in_window, as_of, Lifecycle()), customer_aggregates()
    kept = ("row", "amount", "tally")
    per_customer = (
        orders.lazy()
        .with_row_index("row")
        .filter(in_window)
        .select(key.alias("key"), "order_date", *(values[k].alias(k) for k in kept))
        .group_by("key")
        .agg(
            *(aggregates[k].alias(k) for k in ("row", "tally", "monetary")),
            last_date=pl.col("order_date").max(),
        )
        .with_columns(tally_counts()["frequency"].alias("orders"))
        .sort("row")
    )
    ids = orders.lazy().select("customer_id").with_row_index("row")
    return per_customer.join(ids, on="row", how="left").select(
        "customer_id",
        pl.col("orders").cast(pl.Int64),
        revenue=pl.col("monetary"),
        last_date="last_date",
    )
