"""Customers broken down by a column of the orders (``--by``: province, city, channel...).

The loader carries the column to each order as ``by_value`` (text, trimmed, null when
blank; an order of several line items takes its first item's value that is not missing).
Each customer then counts under one value, **the majority rule**: the value of most of
their purchases in use (orders up to as-of that are not returns, as ``frequency``
counts them); on a tie, the value of the latest of the tied values' purchases (a tie on
that too: the first value in text order). A missing value is a value like the others,
shown as :data:`MISSING`. A customer's orders are all in one part of an input, so the
rule gives the same value whatever the split.

:func:`with_by_values` adds the value to each customer's measures;
:func:`breakdown` makes the table per value from the scored customers, with the shop
measures of :mod:`custseg.measures.shop` and the segment mix.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from custseg.measures.shop import group_metrics

#: How a missing value is shown.
MISSING = "(missing)"
#: The per-customer column :func:`with_by_values` adds.
BY_COLUMN = "by_value"
#: The majority rule, as ``--help``, the README and ``--json`` state it.
RULE = (
    "a customer counts under the value of most of their purchases in use; "
    "on a tie, the value of their latest purchase among the tied values"
)


def with_by_values(measures: pl.DataFrame, orders: pl.DataFrame, key: pl.Expr,
                   end: dt.date) -> pl.DataFrame:  # fmt: skip
    """``measures`` (one row per customer, with the ``row`` of their first order in use
    up to ``end`` in ``orders``, as :func:`custseg.measures.plan.customer_pass` gives it)
    with :data:`BY_COLUMN` joined on by the majority rule, in ``measures``' row order.

    ``orders``: one row per order with ``by_value`` (and ``reason`` when some rows are
    not in use: only reason 0 counts); ``key`` what to group the customers on
    (:func:`custseg.measures.history.group_key`)."""
    used = pl.col("reason") == 0 if "reason" in orders.columns else pl.lit(True)
    used = used & (pl.col("order_date").dt.date() <= pl.lit(end))
    purchase = used & (pl.col("amount") >= 0)
    value = pl.col("by_value").fill_null(MISSING)
    counts = (
        orders.lazy()
        .with_row_index("row")
        .filter(used)
        .group_by(key.alias("key"), value.alias("by_value"))
        .agg(
            n=purchase.sum(),
            latest=pl.when(purchase).then(pl.col("order_date")).max(),
            row=pl.col("row").min(),
        )
    )
    chosen = (
        counts.group_by("key")
        .agg(
            # the join key: the customer's first row in use, as the measures have it
            row=pl.col("row").min(),
            by_value=pl.col("by_value")
            .sort_by(["n", "latest", "by_value"], descending=[True, True, False], nulls_last=True)
            .first(),
        )
        .select("row", "by_value")
        .collect()
    )
    chosen = chosen.with_columns(pl.col("row").cast(measures.schema["row"]))
    return measures.join(chosen, on="row", how="left", maintain_order="left")


def breakdown(customers: pl.DataFrame, values: pl.Series, as_of: dt.date,
              churn_days: int = 180, lifespan_years: float | None = None,
              segments: list[str] | None = None) -> pl.DataFrame:  # fmt: skip
    """One row per value of ``values`` (each customer's, row for row with ``customers``),
    most customers first (then by value): ``by_value``, ``customer_share``,
    ``revenue_share``, the measures of :func:`custseg.measures.shop.group_metrics` and,
    when ``customers`` has segments, one column ``segment:NAME`` per segment (customers;
    ``segments`` first, in their order) and ``top_segment``."""
    frame = customers.with_columns(values.fill_null(MISSING).alias("group"))
    out = group_metrics(frame, as_of, churn_days, lifespan_years)
    total_customers = max(frame.height, 1)
    total_revenue = out["revenue"].sum()
    out = out.with_columns(
        customer_share=pl.col("customers") / total_customers,
        revenue_share=pl.when(pl.lit(total_revenue) != 0).then(pl.col("revenue") / total_revenue),
    )
    if "segment" in frame.columns:
        out = out.join(_segment_mix(frame, segments), on="group", how="left")
    out = out.sort(["customers", "group"], descending=[True, False])
    first = ["group", "customer_share", "revenue_share"]
    return out.select(*first, pl.exclude(first)).rename({"group": BY_COLUMN})


def _segment_mix(frame: pl.DataFrame, segments: list[str] | None) -> pl.DataFrame:
    """Per value (``group``): customers per segment and the largest segment."""
    found = sorted(set(frame["segment"].unique().to_list()) - set(segments or []))
    names = [*(segments or []), *found]
    counts = frame.group_by("group").agg(
        *((pl.col("segment") == name).sum().alias(f"segment:{name}") for name in names),
    )
    return counts.with_columns(
        # the largest segment, the first in table order on a tie
        top_segment=pl.concat_list(pl.col(f"segment:{n}") for n in names)
        .list.arg_max()
        .replace_strict(list(range(len(names))), names, return_dtype=pl.String)
        if names
        else pl.lit(None, pl.String)
    )


def top_values(table: pl.DataFrame, n: int = 20, other: str = "other") -> pl.DataFrame:
    """``table`` (from :func:`breakdown`) cut to its first ``n`` values, the rest added up
    into one row ``other`` (customers and revenue; its shares too): for a chart."""
    cols = ["customers", "revenue", "customer_share", "revenue_share"]
    head = table.head(n).select(BY_COLUMN, *cols)
    rest = table.slice(n)
    if rest.is_empty():
        return head
    summed = rest.select(pl.lit(other).alias(BY_COLUMN), *(pl.col(c).sum() for c in cols))
    return pl.concat([head, summed.cast(head.schema)])


def repeat_by(customers: pl.DataFrame, buyers: pl.DataFrame) -> pl.DataFrame:
    """Per value (most customers first): ``customers``, ``repeat_buyers``, their share of
    the value's customers (``repeat_share``) and their ``spend``. ``customers`` and
    ``buyers`` (:func:`custseg.measures.repeat.repeat_buyers`) both have ``by_value``."""
    value = pl.col(BY_COLUMN).fill_null(MISSING)
    everyone = customers.group_by(value).agg(customers=pl.len())
    repeat = buyers.group_by(value).agg(repeat_buyers=pl.len(), spend=pl.col("spend").sum())
    out = everyone.join(repeat, on=BY_COLUMN, how="left").with_columns(
        pl.col("repeat_buyers").fill_null(0),
        pl.col("spend").fill_null(0.0).round(2),
    )
    out = out.with_columns(repeat_share=pl.col("repeat_buyers") / pl.col("customers"))
    return out.sort(["customers", BY_COLUMN], descending=[True, False])
