"""Summaries of a segmented per-customer frame."""

from __future__ import annotations

import pandas as pd


def segment_summary(customers: pd.DataFrame, segments: list[str] | None = None) -> pd.DataFrame:
    """Per segment: customers, revenue, their shares, and mean recency/frequency/monetary.

    Parameters
    ----------
    customers:
        Per-customer frame with ``segment``, ``recency_days``, ``frequency``, ``monetary``.
    segments:
        Segment names in display order; listed segments with no customer are kept
        with zeros so that an empty segment shows. Segments present in the data but
        not listed are appended.

    Returns
    -------
    DataFrame
        Columns ``segment, customers, customer_share, revenue, revenue_share,
        mean_recency_days, mean_frequency, mean_monetary``.
    """
    g = customers.groupby("segment", sort=False, observed=True)
    out = g.agg(
        customers=("customer_id", "size"),
        revenue=("monetary", "sum"),
        mean_recency_days=("recency_days", "mean"),
        mean_frequency=("frequency", "mean"),
        mean_monetary=("monetary", "mean"),
    )
    order = list(segments or [])
    order += [s for s in out.index if s not in order]
    out = out.reindex(order)
    out["customers"] = out["customers"].fillna(0).astype("int64")
    out["revenue"] = out["revenue"].fillna(0.0).round(2)
    total_customers = max(int(out["customers"].sum()), 1)
    total_revenue = out["revenue"].sum()
    out["customer_share"] = out["customers"] / total_customers
    out["revenue_share"] = out["revenue"] / total_revenue if total_revenue else 0.0
    out.index.name = "segment"
    cols = [
        "customers",
        "customer_share",
        "revenue",
        "revenue_share",
        "mean_recency_days",
        "mean_frequency",
        "mean_monetary",
    ]
    return out[cols].reset_index()
