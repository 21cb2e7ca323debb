"""The backtest's figures, from per-customer outcomes: per segment, the separation of buyers
from non-buyers, and per decile of P(alive). Frames in, frames and values out.

*Outcome* frames hold, per customer segmented as of the backtest's day, ``orders`` and
``revenue`` in the window after it (0 for a customer without an order there) and
``bought`` (at least one purchase in the window).
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

#: The columns of a per-segment table (:func:`segment_figures`), in this order:
#:
#: - ``customers``: segmented as of the day; ``buyers``: those of them with a purchase in
#:   the window; ``buy_rate``: buyers / customers, with its 95% Wilson interval
#:   (``buy_rate_low``, ``buy_rate_high``); ``lift``: buy_rate / the overall buy rate;
#: - ``orders``, ``revenue``: their purchases and net revenue in the window;
#:   ``revenue_share``: of all the segmented customers' window revenue;
#:   ``orders_per_customer``, ``revenue_per_customer``: per customer of the segment.
#:
#: A rate with no customer to divide by is null.
SEGMENT_COLUMNS: tuple[str, ...] = (
    "segment",
    "customers",
    "buyers",
    "buy_rate",
    "buy_rate_low",
    "buy_rate_high",
    "lift",
    "orders",
    "revenue",
    "revenue_share",
    "orders_per_customer",
    "revenue_per_customer",
)
#: Decimals of the rounded figures (rates and lifts to 4, orders per customer to 4, money
#: to the cent).
DECIMALS = {"buy_rate": 4, "buy_rate_low": 4, "buy_rate_high": 4, "lift": 4, "revenue": 2,
            "revenue_share": 4, "orders_per_customer": 4, "revenue_per_customer": 2,
            "p_alive_min": 4, "p_alive_max": 4, "p_alive_mean": 4,
            "expected_transactions": 2}  # fmt: skip
#: The label of the row for all customers in -o and of the overall figures.
ALL = "all"
#: The confidence level of the buy rate's interval.
CONFIDENCE = 0.95


def _counts(frame: pl.LazyFrame | pl.DataFrame, by: str | None) -> pl.DataFrame:
    """Customers, buyers, orders and revenue (unrounded), per value of ``by`` (None: all)."""
    sums = {
        "customers": pl.len().cast(pl.Int64),
        "buyers": pl.col("bought").sum().cast(pl.Int64),
        "orders": pl.col("orders").sum().cast(pl.Int64),
        "revenue": pl.col("revenue").sum(),
    }
    lazy = frame.lazy()
    if by is None:
        return lazy.select(**sums).collect()
    return lazy.group_by(by).agg(**sums).collect()


def overall_figures(outcome: pl.DataFrame) -> dict[str, float | int | None]:
    """The figures of :data:`SEGMENT_COLUMNS` (but ``segment``) over all customers (their
    ``lift`` is 1, or null when no one bought)."""
    counts = _counts(outcome, None)
    row = _finish(counts.with_columns(segment=pl.lit(ALL)), *_reference(counts))
    out = row.row(0, named=True)
    out.pop("segment")
    return out


def segment_figures(outcome: pl.DataFrame, segments: list[str]) -> pl.DataFrame:
    """:data:`SEGMENT_COLUMNS` per segment of ``segments`` (in that order, each listed even
    without a customer; others found after them, by name); ``outcome`` has ``segment``."""
    counts = _counts(outcome, "segment")
    order = list(segments) + sorted(s for s in counts["segment"].to_list() if s not in segments)
    grid = pl.DataFrame({"segment": order}, schema={"segment": pl.String})
    full = grid.join(counts, on="segment", how="left", maintain_order="left").with_columns(
        pl.col("customers", "buyers", "orders").fill_null(0),
        pl.col("revenue").fill_null(0.0),
    )
    return _finish(full, *_reference(_counts(outcome, None)))


def _reference(total: pl.DataFrame) -> tuple[float | None, float]:
    """The overall buy rate (None without a customer) and window revenue of the counts of
    all customers."""
    row = total.row(0, named=True)
    return (row["buyers"] / row["customers"] if row["customers"] else None), row["revenue"]


def _finish(counts: pl.DataFrame, overall_rate: float | None,
            total_revenue: float) -> pl.DataFrame:  # fmt: skip
    """The rates and per-customer figures from the counts, rounded (:data:`DECIMALS`):
    ``lift`` against ``overall_rate``, ``revenue_share`` of ``total_revenue`` (null when
    either is 0)."""
    n, buyers = pl.col("customers"), pl.col("buyers")
    low, high = wilson_interval(counts["buyers"].to_numpy(), counts["customers"].to_numpy())
    rate = pl.when(n > 0).then(buyers / n)
    nothing = pl.lit(None, pl.Float64)
    frame = counts.with_columns(
        buy_rate=rate,
        buy_rate_low=pl.Series(low, dtype=pl.Float64).fill_nan(None),
        buy_rate_high=pl.Series(high, dtype=pl.Float64).fill_nan(None),
        lift=rate / overall_rate if overall_rate else nothing,
        revenue_share=pl.col("revenue") / total_revenue if total_revenue else nothing,
        orders_per_customer=pl.when(n > 0).then(pl.col("orders") / n),
        revenue_per_customer=pl.when(n > 0).then(pl.col("revenue") / n),
    )
    return frame.select(
        pl.col(c).round(DECIMALS[c]) if c in DECIMALS else pl.col(c) for c in SEGMENT_COLUMNS
    )


def wilson_interval(successes: np.ndarray, trials: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The :data:`CONFIDENCE` Wilson score interval of each proportion (scipy's
    ``binomtest(...).proportion_ci(method="wilson")``), NaN where there are no trials. One
    call per row: the rows are segments, never customers."""
    from scipy.stats import binomtest

    low = np.full(len(trials), np.nan)
    high = np.full(len(trials), np.nan)
    for i, (k, n) in enumerate(zip(successes, trials, strict=True)):
        if n > 0:
            ci = binomtest(int(k), int(n)).proportion_ci(CONFIDENCE, method="wilson")
            low[i], high[i] = ci.low, ci.high
    return low, high


def separation(bought: pl.Series, score: pl.Series) -> float | None:
    """How well ``score`` (higher: more likely to buy) tells buyers from non-buyers: the
    area under the ROC curve (scikit-learn's ``roc_auc_score``; tied scores count half),
    0.5 for no better than chance, 1 for perfect. None when everyone bought or no one did
    (nothing to separate) or a score is missing."""
    from sklearn.metrics import roc_auc_score

    if bought.n_unique() < 2 or score.null_count() or bought.len() == 0:
        return None
    value = roc_auc_score(bought.to_numpy(), score.cast(pl.Float64).to_numpy())
    return None if math.isnan(value) else round(float(value), 4)


def segment_score(outcome: pl.DataFrame, figures: pl.DataFrame) -> pl.Series:
    """Each customer's segment's buy rate: the score whose :func:`separation` measures a
    scheme (segments ordered by how many of their customers bought, in the window itself)."""
    rates = figures.select("segment", score=pl.col("buy_rate"))
    joined = outcome.select("segment").join(rates, on="segment", how="left", maintain_order="left")
    return joined["score"]


#: The columns of :func:`p_alive_deciles`, in this order: the decile (1: lowest P(alive),
#: 10: highest), its ``customers``, their lowest, highest and mean P(alive), ``buyers`` in
#: the window and ``buy_rate``, and the model's expected and the actual transactions
#: (purchase days) over the window.
DECILE_COLUMNS: tuple[str, ...] = ("decile", "customers", "p_alive_min", "p_alive_max",
                                   "p_alive_mean", "buyers", "buy_rate",
                                   "expected_transactions", "actual_transactions")  # fmt: skip


def p_alive_deciles(frame: pl.DataFrame) -> pl.DataFrame:
    """:data:`DECILE_COLUMNS` from a frame of ``p_alive``, ``bought``,
    ``expected_transactions`` and ``actual_transactions``, one row per customer in the
    model.

    A customer's decile is ``floor(10 * (r - 1) / n) + 1``, ``r`` the smallest rank of
    their P(alive) among the ``n`` customers (ascending, ties sharing it): customers with
    the same P(alive) share a decile, so a decile may hold more than a tenth of them and
    another none (deciles without a customer are left out)."""
    n = frame.height
    rank = pl.col("p_alive").rank(method="min").cast(pl.Int64)
    decile = ((rank - 1) * 10 // max(n, 1) + 1).alias("decile")
    p = pl.col("p_alive")
    return (
        frame.lazy()
        .with_columns(decile)
        .group_by("decile")
        .agg(
            customers=pl.len().cast(pl.Int64),
            p_alive_min=p.min(),
            p_alive_max=p.max(),
            p_alive_mean=p.mean(),
            buyers=pl.col("bought").sum().cast(pl.Int64),
            expected_transactions=pl.col("expected_transactions").sum(),
            actual_transactions=pl.col("actual_transactions").sum().cast(pl.Int64),
        )
        .with_columns(buy_rate=pl.col("buyers") / pl.col("customers"))
        .sort("decile")
        .select(
            pl.col(c).round(DECIMALS[c]) if c in DECIMALS else pl.col(c) for c in DECILE_COLUMNS
        )
        .collect()
    )
