"""Summaries of a segmented per-customer frame."""

from __future__ import annotations

import polars as pl

from custseg.frames import from_pandas, to_pandas

SUMMARY_COLUMNS = ("segment", "customers", "customer_share", "revenue", "revenue_share",
                   "mean_recency_days", "mean_frequency", "mean_monetary")  # fmt: skip


def summary_table(customers, segments: list[str] | None = None) -> pl.DataFrame:
    """:func:`segment_summary` as a Polars frame (what the CLI renders); ``customers`` may
    be a Polars DataFrame or LazyFrame."""
    agg = (
        customers.lazy()
        .group_by("segment")
        .agg(
            customers=pl.len(),
            revenue=pl.col("monetary").sum(),
            mean_recency_days=pl.col("recency_days").mean(),
            mean_frequency=pl.col("frequency").mean(),
            mean_monetary=pl.col("monetary").mean(),
        )
        .collect()
    )
    return finish_summary(agg, segments)


def finish_summary(agg: pl.DataFrame, segments: list[str] | None = None) -> pl.DataFrame:
    """The summary from per-segment aggregates (``segment``, ``customers``, ``revenue``
    unrounded, the three means), whichever engine made them: every segment of
    ``segments`` listed, revenue rounded, the shares."""
    agg = agg.with_columns(pl.col("revenue").round(2))
    order = list(segments or [])
    order += sorted(s for s in agg["segment"].to_list() if s not in order)
    frame = pl.DataFrame({"segment": order}).join(agg, on="segment", how="left")
    frame = frame.with_columns(
        pl.col("customers").fill_null(0).cast(pl.Int64),
        pl.col("revenue").fill_null(0.0),
    )
    total_customers = max(int(frame["customers"].sum()), 1)
    total_revenue = float(frame["revenue"].sum())
    return frame.with_columns(
        customer_share=pl.col("customers") / total_customers,
        revenue_share=(pl.col("revenue") / total_revenue) if total_revenue else pl.lit(0.0),
    ).select(SUMMARY_COLUMNS)


def segment_summary(customers, segments: list[str] | None = None):
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
    if not isinstance(customers, pl.DataFrame):
        cols = ["segment", "recency_days", "frequency", "monetary"]
        customers = from_pandas(customers[cols]).with_columns(pl.col("segment").cast(pl.String))
    return to_pandas(summary_table(customers, segments))
