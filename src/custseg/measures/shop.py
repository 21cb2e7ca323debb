"""The customer measures shops track, for all customers and per segment.

From a per-customer frame (``frequency``, ``monetary``, ``first_order``,
``last_order``, ``recency_days``, ``lifecycle``, and ``segment``):

- ``customers``, ``orders``, ``revenue``; ``aov`` = revenue / orders;
- ``repurchase_rate``: share of customers with 2 or more orders;
- ``cycle_mean_days`` / ``cycle_median_days``: over customers with 2 or more orders, of
  each customer's mean days between consecutive orders, ``(last - first) / (orders - 1)``
  in whole days (same-day orders are 0 days apart; one-order customers have no cycle);
- ``churn_rate``: share of customers whose last order is more than ``churn_days`` old;
- ``orders_per_year``: orders / customers / years observed, where the years observed run
  from the first order in the data to as-of;
- ``lifespan_years``: given, or estimated from the data as ``1 / churn_rate`` of all
  customers (the textbook estimate), only when the data spans at least twice
  ``churn_days`` (a shorter window cannot show churn) and someone has churned; else none,
  and so no CLV;
- ``clv`` (historical customer lifetime value) = ``aov x orders_per_year x lifespan_years``;
- ``top20_revenue_share``: revenue share of the top 20% of customers by spend (the top
  ``ceil(0.2 n)``);
- the lifecycle counts ``new``, ``active``, ``returning``, ``churned``.

Sums and means of floats are taken over the values sorted: the same customers give the
same bits in any row order (the default engine keeps the order of the customers' first
rows, the Spark engine brings them to the driver sorted by id).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

LIFECYCLES = ("new", "active", "returning", "churned")


def customer_metrics(
    customers: pl.DataFrame,
    as_of: dt.date,
    churn_days: int = 180,
    lifespan_years: float | None = None,
    segments: list[str] | None = None,
) -> pl.DataFrame:
    """One row for ``all`` customers, then one per segment (in ``segments`` order).

    Returns a Polars frame with the columns described in the module docstring, plus
    ``group``. Segments listed but empty are kept with zero customers.
    """
    span_days = _span_days(customers, as_of)
    years = span_days / 365.25
    all_rows = _group(customers.with_columns(group=pl.lit("all")), years, churn_days)
    if lifespan_years is None and span_days >= 2 * churn_days:
        rate = all_rows["churn_rate"][0]
        lifespan_years = 1 / rate if rate else None
    parts = [all_rows]
    if "segment" in customers.columns:
        by_segment = _group(customers.with_columns(group=pl.col("segment")), years, churn_days)
        order = list(segments or []) + sorted(
            s for s in by_segment["group"].to_list() if s not in (segments or [])
        )
        parts.append(pl.DataFrame({"group": order}).join(by_segment, on="group", how="left"))
    out = pl.concat(parts, how="diagonal_relaxed")
    counts = ["customers", "orders", *LIFECYCLES]
    out = out.with_columns(pl.col(counts).fill_null(0), pl.col("revenue").fill_null(0.0))
    clv = pl.col("aov") * pl.col("orders_per_year") * lifespan_years if lifespan_years else None
    return out.with_columns(
        lifespan_years=pl.lit(lifespan_years, pl.Float64),
        clv=clv.round(2) if clv is not None else pl.lit(None, pl.Float64),
    )


def group_metrics(customers: pl.DataFrame, as_of: dt.date, churn_days: int = 180,
                  lifespan_years: float | None = None) -> pl.DataFrame:  # fmt: skip
    """The measures of :func:`customer_metrics` per value of ``customers``' ``group``
    column (one row each, unsorted), the years observed and the lifespan those of all
    ``customers`` (a lifespan not given is estimated from all of them, as
    :func:`customer_metrics` does), so that a group's figures read beside the whole's."""
    whole = customer_metrics(customers.drop("segment", strict=False), as_of, churn_days,
                             lifespan_years)  # fmt: skip
    lifespan = whole["lifespan_years"][0]
    years = _span_days(customers, as_of) / 365.25
    out = _group(customers, years, churn_days)
    clv = pl.col("aov") * pl.col("orders_per_year") * lifespan if lifespan else None
    return out.with_columns(
        lifespan_years=pl.lit(lifespan, pl.Float64),
        clv=clv.round(2) if clv is not None else pl.lit(None, pl.Float64),
    )


def _span_days(customers: pl.DataFrame, as_of: dt.date) -> int:
    """Days from the first order of ``customers`` to ``as_of`` (at least 1)."""
    first = customers["first_order"].min()
    return max((as_of - first.date()).days, 1) if first is not None else 1


def _group(customers: pl.DataFrame, years: float, churn_days: int) -> pl.DataFrame:
    n = pl.len()
    repeat = pl.col("frequency") >= 2
    cycle = ((pl.col("last_order").dt.date() - pl.col("first_order").dt.date()).dt.total_days()
             / (pl.col("frequency") - 1)).filter(repeat)  # fmt: skip
    top = pl.col("monetary").rank("ordinal", descending=True) <= (n * 0.2).ceil()
    return (
        customers.group_by("group")
        .agg(
            customers=n,
            orders=pl.col("frequency").sum(),
            revenue=pl.col("monetary").sort().sum().round(2),
            repurchase_rate=repeat.mean(),
            cycle_mean_days=cycle.sort().mean(),
            cycle_median_days=cycle.median(),
            churn_rate=(pl.col("recency_days") > churn_days).mean(),
            top_revenue=pl.col("monetary").filter(top).sort().sum(),
            **{status: (pl.col("lifecycle") == status).sum() for status in LIFECYCLES},
        )
        .with_columns(
            aov=(pl.col("revenue") / pl.col("orders")).round(2),
            orders_per_year=pl.col("orders") / pl.col("customers") / years,
            top20_revenue_share=pl.when(pl.col("revenue") != 0).then(
                pl.col("top_revenue") / pl.col("revenue")
            ),
        )
        .drop("top_revenue")
    )
