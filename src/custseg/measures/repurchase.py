"""Repurchase (复购率, 回购率) and the purchase cycle, over all buyers.

Per part of an input, :func:`repurchase_parts` counts what adds up across parts: the
buyers and their purchases and purchase days (``buyers``), the days between consecutive
purchase days (``gaps``: days -> how many) and, per window of ``--window`` days back from
as-of, its buyers and those of them who bought in the next window too (``windows``).
:func:`repurchase_figures` turns the added-up counts into the figures ``summary`` prints,
each with its formula. The definition the plan is held to is
:func:`custseg.measures.definitions.reference_repurchase`.

A *purchase day* is a calendar day with a purchase: purchases on one day count once
(按天去重) in the ``*_by_day`` figures. The churn window suggested is the 90th percentile
of the days between consecutive purchase days, rounded up: 9 in 10 comebacks came sooner.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import polars as pl

from custseg.measures.periods import histogram_quantile

#: How many windows back ``summary`` shows 回购率 for, the latest first.
WINDOWS_SHOWN = 6
#: The percentile of the days between purchase days that suggests a churn window.
CHURN_PERCENTILE = 0.9


def repurchase_parts(orders: pl.DataFrame, key: pl.Expr, as_of: dt.date,
                     window_days: int) -> dict[str, pl.LazyFrame]:  # fmt: skip
    """The three counts of one part (``buyers``, ``gaps``, ``windows``), as lazy frames;
    ``orders`` as :func:`custseg.measures.cohort.cohort_cells` takes them."""
    used = pl.col("reason") == 0 if "reason" in orders.columns else pl.lit(True)
    day = pl.col("order_date").dt.date()
    days = (
        orders.lazy()
        .filter(used & (day <= pl.lit(as_of)) & (pl.col("amount") >= 0))
        .group_by(key.alias("key"), day.alias("day"))
        .agg(n=pl.len())
    )
    buyers = (
        days.group_by("key")
        .agg(purchases=pl.col("n").sum(), days=pl.len())
        .select(
            buyers=pl.len().cast(pl.Int64),
            repeat_buyers=(pl.col("purchases") >= 2).sum().cast(pl.Int64),
            repeat_day_buyers=(pl.col("days") >= 2).sum().cast(pl.Int64),
            orders=pl.col("purchases").sum().cast(pl.Int64),
            purchase_days=pl.col("days").sum().cast(pl.Int64),
        )
    )
    gaps = (
        days.sort("key", "day")
        .select(gap=pl.col("day").diff().over("key").dt.total_days())
        .drop_nulls()
        .group_by("gap")
        .agg(count=pl.len().cast(pl.Int64))
    )
    window = ((pl.lit(as_of) - pl.col("day")).dt.total_days() // window_days).cast(pl.Int64)
    seen = days.select("key", window=window).unique()
    later = seen.select("key", window=pl.col("window") + 1, back=pl.lit(1, pl.Int64))
    windows = (
        seen.join(later, on=["key", "window"], how="left")
        .group_by("window")
        .agg(buyers=pl.len().cast(pl.Int64), returned=pl.col("back").sum().cast(pl.Int64))
    )
    return {"buyers": buyers, "gaps": gaps, "windows": windows}


def repurchase_figures(counts: dict[str, pl.DataFrame], as_of: dt.date, window_days: int,
                       shown: int = WINDOWS_SHOWN) -> dict[str, Any]:  # fmt: skip
    """The figures from the added-up counts: the counts, the rates (None without a
    denominator), the days between purchase days (``gap_*``) and the suggested churn
    window, and ``windows``: for the latest ``shown`` pairs of consecutive windows with
    buyers in the first, ``{"from", "until", "next_until", "buyers", "returned", "rate"}``:
    the first window runs from ``from`` to ``until``, the next from the day after to
    ``next_until`` (dates inclusive)."""
    row = counts["buyers"].row(0, named=True) if counts["buyers"].height else {}
    n = {k: int(row.get(k) or 0) for k in ("buyers", "repeat_buyers", "repeat_day_buyers",
                                           "orders", "purchase_days")}  # fmt: skip
    n["repeat_orders"] = n["orders"] - n["buyers"]
    n["repeat_days"] = n["purchase_days"] - n["buyers"]
    gaps = list(counts["gaps"].select("gap", "count").iter_rows())
    p90 = histogram_quantile(gaps, CHURN_PERCENTILE)
    return {
        **n,
        "repurchase_rate_people": _ratio(n["repeat_buyers"], n["buyers"]),
        "repurchase_rate_people_by_day": _ratio(n["repeat_day_buyers"], n["buyers"]),
        "repurchase_rate_orders": _ratio(n["repeat_orders"], n["orders"]),
        "repurchase_rate_orders_by_day": _ratio(n["repeat_days"], n["purchase_days"]),
        "gaps": sum(count for _, count in gaps),
        "gap_q1_days": histogram_quantile(gaps, 0.25),
        "gap_median_days": histogram_quantile(gaps, 0.5),
        "gap_q3_days": histogram_quantile(gaps, 0.75),
        "gap_p90_days": p90,
        "suggested_churn_days": math.ceil(p90) if p90 is not None else None,
        "window_days": window_days,
        "windows": _windows(counts["windows"], as_of, window_days, shown),
    }


def _windows(frame: pl.DataFrame, as_of: dt.date, window_days: int,
             shown: int) -> list[dict[str, Any]]:  # fmt: skip
    """The latest ``shown`` pairs of consecutive windows (see :func:`repurchase_figures`)."""
    by = {w: (b, r) for w, b, r in frame.select("window", "buyers", "returned").iter_rows()}
    out = []
    for w in sorted(w for w in by if w > 0)[:shown]:
        buyers, returned = by[w]
        out.append({
            "from": as_of - dt.timedelta(days=(w + 1) * window_days - 1),
            "until": as_of - dt.timedelta(days=w * window_days),
            "next_until": as_of - dt.timedelta(days=(w - 1) * window_days),
            "buyers": buyers,
            "returned": returned,
            "rate": _ratio(returned, buyers),
        })  # fmt: skip
    return out


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None
