"""Summaries of a segmented per-customer frame."""

from __future__ import annotations

import pandas as pd
import polars as pl


def segment_summary(customers, segments: list[str] | None = None) -> pd.DataFrame:
    """Per segment: customers, revenue, their shares, and mean recency/frequency/monetary.

    Parameters
    ----------
    customers:
        Per-customer frame (pandas or Polars) with ``segment``, ``recency_days``,
        ``frequency`` and ``monetary``.
    segments:
        Segment names in display order; listed segments with no customer are kept
        with zeros so that an empty segment shows. Segments present in the data but
        not listed are appended.

    Returns
    -------
    pandas.DataFrame
        Columns ``segment, customers, customer_share, revenue, revenue_share,
        mean_recency_days, mean_frequency, mean_monetary``.
    """
    frame = (
        customers
        if isinstance(customers, pl.DataFrame)
        else pl.from_pandas(customers[["segment", "recency_days", "frequency", "monetary"]])
    )
    agg = (
        frame.group_by("segment")
        .agg(
            customers=pl.len(),
            revenue=pl.col("monetary").sum(),
            mean_recency_days=pl.col("recency_days").mean(),
            mean_frequency=pl.col("frequency").mean(),
            mean_monetary=pl.col("monetary").mean(),
        )
        .to_pandas()
        .set_index("segment")
    )
    order = list(segments or [])
    order += sorted(s for s in agg.index if s not in order)
    out = agg.reindex(order)
    out["customers"] = out["customers"].fillna(0).astype("int64")
    out["revenue"] = out["revenue"].fillna(0.0).round(2)
    total_customers = max(int(out["customers"].sum()), 1)
    total_revenue = out["revenue"].sum()
    out["customer_share"] = out["customers"] / total_customers
    out["revenue_share"] = out["revenue"] / total_revenue if total_revenue else 0.0
    out.index.name = "segment"
    cols = ["customers", "customer_share", "revenue", "revenue_share",
            "mean_recency_days", "mean_frequency", "mean_monetary"]  # fmt: skip
    return out[cols].reset_index()
