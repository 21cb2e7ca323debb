"""Clusters people can read: each one's medians and shares, numbered in order of value,
named by comparison with the whole base and matched to a segment of the scheme.

- **Order**: cluster 1 has the highest revenue per customer (ties: higher median spend,
  more orders, fewer days since the last order, then K-Means' own number).
- **Name**: for each feature clustered on, where the cluster's median customer stands in
  the whole base: its mid-rank (the share of customers below the median plus half of those
  equal to it) under 1/3, from 1/3 to 2/3, or above. Fewer days since the last order is
  "recent"; a median of one order is "one-time". Two clusters with the same words get
  their numbers after them.
- **Segment**: the segment most of the cluster's customers are in (ties: the one the rule
  table lists first), with the share of the cluster in it.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from custseg.cluster.features import Scaling

#: The measure behind each feature, and whether more of it is better.
_MEASURES = {"recency": ("recency_days", False), "frequency": ("frequency", True),
             "monetary": ("monetary", True)}  # fmt: skip
#: Words per feature, from the best third of the base to the worst: (English, Chinese).
_WORDS = {
    "recency": (("recent", "近期"), ("cooling", "较久"), ("lapsed", "久未购买")),
    "frequency": (("frequent", "高频"), ("occasional", "中频"), ("infrequent", "低频")),
    "monetary": (("high spend", "高消费"), ("mid spend", "中等消费"), ("low spend", "低消费")),
}
_ONE_TIME = ("one-time", "单次购买")
_MEDIANS = ("median_recency_days", "median_frequency", "median_monetary")


def profiles(customers: pl.DataFrame, raw: np.ndarray) -> pl.DataFrame:
    """Per cluster (``raw``: K-Means' label of each customer, row for row), in order of
    value: ``cluster`` (1 = most revenue per customer), ``raw``, ``customers``,
    ``customer_share``, ``revenue``, ``revenue_share`` (None when the base's revenue is
    not positive), ``revenue_per_customer`` and the three medians."""
    spend = pl.col("monetary")
    total = float(customers["monetary"].sum())
    frame = customers.select("recency_days", "frequency", "monetary").with_columns(
        raw=pl.Series(raw, dtype=pl.Int64)
    )
    out = frame.group_by("raw").agg(
        customers=pl.len(),
        revenue=spend.sum(),
        median_recency_days=pl.col("recency_days").median(),
        median_frequency=pl.col("frequency").median(),
        median_monetary=spend.median(),
    )
    out = out.with_columns(
        customer_share=pl.col("customers") / customers.height,
        revenue_share=pl.col("revenue") / total if total > 0 else pl.lit(None, pl.Float64),
        revenue_per_customer=pl.col("revenue") / pl.col("customers"),
    ).sort(["revenue_per_customer", "median_monetary", "median_frequency",
            "median_recency_days", "raw"], descending=[True, True, True, False, False])  # fmt: skip
    return out.with_columns(cluster=pl.int_range(1, out.height + 1, dtype=pl.Int64)).select(
        "cluster", "raw", "customers", "customer_share", "revenue", "revenue_share",
        "revenue_per_customer", *_MEDIANS,
    )  # fmt: skip


def names(customers: pl.DataFrame, table: pl.DataFrame, features: tuple[str, ...],
          lang: str) -> list[str]:  # fmt: skip
    """The readable name of each cluster of ``table`` (:func:`profiles`), in its order."""
    tiers = {f: _tiers(customers, table, f) for f in features}
    lang_index = 1 if lang == "zh" else 0
    words = []
    for i, median_orders in enumerate(table["median_frequency"]):
        parts = []
        for f in features:
            word = _WORDS[f][tiers[f][i]]
            if f == "frequency" and median_orders <= 1:
                word = _ONE_TIME
            parts.append(word[lang_index])
        words.append(("、" if lang == "zh" else ", ").join(parts))
    seen = [w for w in words if words.count(w) > 1]
    return [f"{w} ({n})" if w in seen else w for n, w in enumerate(words, start=1)]


def _tiers(customers: pl.DataFrame, table: pl.DataFrame, feature: str) -> list[int]:
    """Per cluster, the third of the base its median customer is in: 0 the best."""
    column, more_is_better = _MEASURES[feature]
    medians = table[f"median_{column}"].to_list()
    x = pl.col(column)
    ranks = customers.select(
        [((x < v).mean() + (x <= v).mean()).alias(str(i)) / 2 for i, v in enumerate(medians)]
    ).row(0)
    out = []
    for rank in ranks:
        third = 0 if rank < 1 / 3 else (1 if rank <= 2 / 3 else 2)  # of the raw value
        out.append(2 - third if more_is_better else third)
    return out


def main_segments(customers: pl.DataFrame, raw: np.ndarray, table: pl.DataFrame,
                  order: list[str]) -> pl.DataFrame:  # fmt: skip
    """Per cluster of ``table``, in its order: ``segment`` (the one most of its customers
    are in; on a tie the first in ``order``, the rule table's) and ``segment_share``."""
    rank = {name: i for i, name in enumerate(order)}
    counts = (
        customers.select("segment").with_columns(raw=pl.Series(raw, dtype=pl.Int64))
        .group_by("raw", "segment").agg(n=pl.len())
        .with_columns(rank=pl.col("segment").replace_strict(rank, default=len(rank),
                                                            return_dtype=pl.Int64))
        .sort(["raw", "n", "rank", "segment"], descending=[False, True, False, False])
        .group_by("raw", maintain_order=True).first()
    )  # fmt: skip
    return (
        table.select("raw", "customers")
        .join(counts, on="raw", how="left")
        .select(segment=pl.col("segment"), segment_share=pl.col("n") / pl.col("customers"))
    )


def centres(model, scaling: Scaling, table: pl.DataFrame) -> pl.DataFrame:
    """The fitted centres in the features' own units (days, orders, money; or scores), per
    cluster of ``table`` in its order. A centre is the mean in the standardised log space,
    so back in money it is a geometric-like mean, not the arithmetic one."""
    points = scaling.original(model.cluster_centers_)[table["raw"].to_numpy()]
    out = {"cluster": table["cluster"]}
    for j, column in enumerate(scaling.columns):
        out[column] = pl.Series(np.round(points[:, j], 4))
    return pl.DataFrame(out)
