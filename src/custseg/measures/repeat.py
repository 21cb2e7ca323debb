"""Repeat buyers (老客户): customers with at least N orders and more than X spent."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from custseg.measures.money import money_sum

REPEAT_COLUMNS = ("customer_id", "orders", "spend", "first_order", "last_order",
                  "avg_days_between_orders", "lifecycle")  # fmt: skip


@dataclass(frozen=True)
class RepeatRule:
    """``orders >= min_orders`` (inclusive) and ``spend > min_spend`` (strictly greater)."""

    min_orders: int = 2
    min_spend: float = 40.0


def repeat_buyers(customers: pl.DataFrame, rule: RepeatRule | None = None) -> pl.DataFrame:
    """The customers that meet ``rule``, with their orders, spend, first and last order and
    average days between orders (``(last - first) / (orders - 1)`` in whole days; null for
    one order), sorted by spend, highest first."""
    rule = rule or RepeatRule()
    days = (pl.col("last_order").dt.date() - pl.col("first_order").dt.date()).dt.total_days()
    return (
        customers.filter(
            (pl.col("frequency") >= rule.min_orders) & (pl.col("monetary") > rule.min_spend)
        )  # fmt: skip
        .with_columns(
            orders=pl.col("frequency"),
            spend=pl.col("monetary"),
            avg_days_between_orders=pl.when(pl.col("frequency") > 1).then(
                (days / (pl.col("frequency") - 1)).round(1)
            ),
        )
        .sort(["spend", "customer_id"], descending=[True, False])
        # with --by, each buyer's value (custseg.measures.breakdown) after the others
        .select(*REPEAT_COLUMNS, *(c for c in ("by_value",) if c in customers.columns))
    )


def repeat_summary(customers: pl.DataFrame, repeat: pl.DataFrame) -> dict:
    """How many repeat buyers there are, and their share of customers and of revenue."""
    revenue = money_sum(customers["monetary"])
    spend = money_sum(repeat["spend"])
    return {
        "repeat_buyers": repeat.height,
        "customers": customers.height,
        "customer_share": repeat.height / customers.height if customers.height else 0.0,
        "revenue": round(spend, 2),
        "revenue_share": spend / revenue if revenue else 0.0,
    }
