"""The whole job in one call: load -> measures -> scores -> segments."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from custseg.frames import is_polars, to_pandas
from custseg.measures.plan import Lifecycle, customer_measures, measures_and_returns_only
from custseg.orders.load import LoadOptions, LoadReport, read_orders
from custseg.schema import CUSTOMER_COLUMNS
from custseg.segments.rules import RuleTable, assign_segments, builtin_rules
from custseg.segments.scoring import ScoringSpec, apply_scores, compute_cuts

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class RfmResult:
    """Everything a run produced: the per-customer frame and how it was made.

    ``frame`` is the Polars per-customer frame; ``customers`` the same as pandas.
    """

    frame: pl.DataFrame
    cuts: dict[str, list[float]]
    scoring: ScoringSpec
    report: LoadReport
    table: RuleTable
    rejects_frame: pl.DataFrame | None = None

    @property
    def customers(self) -> pd.DataFrame:
        return to_pandas(self.frame)


def rfm_table(orders, as_of: dt.date | None = None, bins: int = 5):
    """Per-customer measures and quantile scores from a canonical order frame.

    Returns a new frame (the same kind as ``orders``) with
    :data:`custseg.schema.CUSTOMER_COLUMNS` minus ``segment``.
    """
    measured = customer_measures(orders, as_of)
    return apply_scores(measured, compute_cuts(measured, bins))


def segment_orders(orders, *, as_of: dt.date | None = None, bins: int = 5,
                   table: RuleTable | None = None):  # fmt: skip
    """Per-customer RFM frame with segments, from a canonical order frame."""
    scored = rfm_table(orders, as_of, bins)
    out = assign_segments(scored, table or builtin_rules("default"))
    return out.select(CUSTOMER_COLUMNS) if is_polars(out) else out[list(CUSTOMER_COLUMNS)]


def segment_frame(scored: pl.DataFrame, table: RuleTable) -> pl.DataFrame:
    """Segments assigned to a scored Polars frame, columns in
    :data:`custseg.schema.CUSTOMER_COLUMNS` order (assembled from the columns: an eager
    select would rechunk them)."""
    segmented = assign_segments(scored, table)
    return pl.DataFrame({c: segmented[c] for c in CUSTOMER_COLUMNS})


def run_rfm(
    source: str | Path,
    options: LoadOptions | None = None,
    *,
    scoring: ScoringSpec | None = None,
    table: RuleTable | None = None,
    lifecycle: Lifecycle | None = None,
    on_phase: Callable[[str], None] | None = None,
) -> RfmResult:
    """Load a file and segment its customers; the CLI's ``rfm`` command in one call.

    ``on_phase(name)`` is called as each phase starts (read, clean, aggregate, score,
    segment), e.g. to show progress.
    """
    scoring = scoring or ScoringSpec()
    opts = options or LoadOptions()
    tell = on_phase or (lambda name: None)
    table = table or builtin_rules("default")
    # customers with returns only are found on the aggregation's pass (not the loader's)
    loaded = read_orders(source, opts, on_phase=tell, mark_returns_only=False)
    report, phases = loaded.report, loaded.report.phases
    clock = time.perf_counter()
    tell("aggregate")
    measured, returns_only = measures_and_returns_only(loaded.measurable(), report.as_of, lifecycle)
    if not loaded.returns_only_marked:
        report.add_returns_only(returns_only)
    rejects = loaded.rejects_frame
    del loaded  # the rows are no longer needed: free them before scoring and writing
    phases["aggregate"] = time.perf_counter() - clock
    clock = time.perf_counter()
    tell("score")
    cuts = scoring.cuts(measured)
    scored = apply_scores(measured, cuts)
    phases["score"], clock = time.perf_counter() - clock, time.perf_counter()
    tell("segment")
    frame = segment_frame(scored, table)
    phases["segment"] = time.perf_counter() - clock
    return RfmResult(frame, cuts, scoring, report, table, rejects)
