"""The cohort table (同期群): customers grouped by the period of their first purchase,
followed period by period.

Per part of an input, :func:`cohort_cells` counts, per cohort and period offset, the
cohort's customers who bought, their purchases, their net revenue and the customers
whose first purchase after their cohort's period falls there
(:data:`CELL_COLUMNS`); the cells of several parts add up
(:func:`custseg.measures.extras.add_up`). :func:`cohort_table` then makes the table a
user reads. The definition the plan is held to is
:func:`custseg.measures.definitions.reference_cohort_cells`.

**Cells** (``--measure``), per cohort and period offset, ``n`` the cohort's customers:

- ``customers``: the share of the cohort who bought in that period (``customers / n``);
- ``orders``: purchases in that period per cohort customer (``orders / n``);
- ``revenue``: net revenue in that period per cohort customer (``revenue / n``);
- ``aov``: net revenue per purchase in that period (``revenue / orders``; none without one).

``--cumulative``: orders and revenue are summed from +0 to the cell; customers are those
who bought again (in a later period than their first) by the cell (+0: the whole cohort).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from custseg.measures.periods import WEEK_ZERO, period_label

#: The small per-part result: one row per (cohort, period_offset) with a row in use.
CELL_COLUMNS: tuple[str, ...] = ("cohort", "period_offset", "customers", "orders", "revenue",
                                 "returning")  # fmt: skip
#: The long table's columns, one row per cohort and period offset (``-o``).
LONG_COLUMNS: tuple[str, ...] = ("cohort", "period_offset", "customers", "orders", "revenue",
                                 "value")  # fmt: skip
#: What ``--measure`` offers, and the decimals of each one's value.
DECIMALS = {"customers": 4, "orders": 4, "revenue": 2, "aov": 2}


def period_expr(day: pl.Expr, period: str) -> pl.Expr:
    """:func:`custseg.measures.periods.period_index` as a Polars expression on dates."""
    if period == "month":
        return day.dt.year().cast(pl.Int32) * 12 + day.dt.month().cast(pl.Int32) - 1
    if period == "quarter":
        return day.dt.year().cast(pl.Int32) * 4 + (day.dt.month().cast(pl.Int32) - 1) // 3
    if period == "week":
        return ((day - pl.lit(WEEK_ZERO)).dt.total_days() // 7).cast(pl.Int32)
    raise ValueError(f"unknown period {period!r}")


def cohort_cells(orders: pl.DataFrame, key: pl.Expr, as_of: dt.date, period: str) -> pl.LazyFrame:
    """:data:`CELL_COLUMNS` of ``orders`` (one row per order, a ``reason`` column: 0 in
    use), customers grouped on ``key`` (:func:`custseg.measures.history.group_key`),
    revenue unrounded. Each customer's first purchase period is put on their rows with a
    window (``over``), as in :mod:`custseg.measures.history`."""
    used = pl.col("reason") == 0 if "reason" in orders.columns else pl.lit(True)
    day = pl.col("order_date").dt.date()
    bought = pl.col("amount") >= 0
    rows = (
        orders.lazy()
        .filter(used & (day <= pl.lit(as_of)))
        .select(key.alias("key"), period_expr(day, period).alias("p"), pl.col("amount"))
        .with_columns(cohort=pl.when(pl.col("amount") >= 0).then("p").min().over("key"))
        .filter(pl.col("cohort").is_not_null())
        .with_columns(period_offset=(pl.col("p") - pl.col("cohort")).clip(0))
    )
    per_customer = (
        rows.group_by("key", "period_offset")
        .agg(pl.col("cohort").first(), n=bought.sum(), revenue=pl.col("amount").sum())
        .with_columns(
            again=pl.when((pl.col("n") > 0) & (pl.col("period_offset") > 0))
            .then("period_offset")
            .min()
            .over("key")
        )
    )
    return per_customer.group_by("cohort", "period_offset").agg(
        customers=(pl.col("n") > 0).sum().cast(pl.Int64),
        orders=pl.col("n").sum().cast(pl.Int64),
        revenue=pl.col("revenue").sum(),
        returning=(pl.col("period_offset") == pl.col("again")).sum().cast(pl.Int64),
    )


def cohort_table(cells: pl.DataFrame, period: str, measure: str = "customers",
                 cumulative: bool = False) -> pl.DataFrame:  # fmt: skip
    """The long table (:data:`LONG_COLUMNS`) from the added-up cells: every cohort, every
    offset from +0 to the last period with a purchase (a cell without one: zeros), by
    cohort then offset. ``cohort`` is the period's label (``2019-01``, ``2019-Q1``,
    ``2019-W02``); ``customers``, ``orders`` and ``revenue`` are the cell's (with
    ``cumulative``, summed up to it: customers who bought again by then, +0 the cohort);
    ``value`` is ``measure``'s (see the module docstring)."""
    last = (cells["cohort"] + cells["period_offset"]).max()
    sizes = cells.filter(pl.col("period_offset") == 0).select("cohort", n="customers")
    grid = sizes.with_columns(
        period_offset=pl.int_ranges(0, pl.lit(last) - pl.col("cohort") + 1)
    ).explode("period_offset")
    full = grid.join(cells, on=["cohort", "period_offset"], how="left", maintain_order="left")
    full = full.with_columns(pl.col("customers", "orders", "returning", "revenue").fill_null(0))
    if cumulative:
        again = pl.col("returning").cum_sum().over("cohort")
        full = full.with_columns(
            customers=pl.when(pl.col("period_offset") == 0).then("n").otherwise(again),
            orders=pl.col("orders").cum_sum().over("cohort"),
            revenue=pl.col("revenue").cum_sum().over("cohort"),
        )
    full = full.with_columns(pl.col("revenue").round(2))
    value = {
        "customers": pl.col("customers") / pl.col("n"),
        "orders": pl.col("orders") / pl.col("n"),
        "revenue": pl.col("revenue") / pl.col("n"),
        "aov": pl.when(pl.col("orders") > 0).then(pl.col("revenue") / pl.col("orders")),
    }[measure]
    labels = {i: period_label(i, period) for i in sizes["cohort"].to_list()}
    return full.sort("cohort", "period_offset").select(
        pl.col("cohort").replace_strict(labels, return_dtype=pl.String),
        pl.col("period_offset").cast(pl.Int64),
        "customers",
        "orders",
        "revenue",
        value=value.round(DECIMALS[measure]),
    )


def wide_table(long: pl.DataFrame) -> pl.DataFrame:
    """The long table made wide: one row per cohort, ``customers`` (the cohort's size:
    its +0 customers), then one column per offset (``+0``, ``+1``, ...) holding ``value``;
    offsets past the last period are empty."""
    sizes = long.filter(pl.col("period_offset") == 0).select("cohort", "customers")
    spread = long.with_columns(offset=pl.format("+{}", "period_offset")).pivot(
        "offset", index="cohort", values="value", sort_columns=False
    )
    return sizes.join(spread, on="cohort", how="left", maintain_order="left")
