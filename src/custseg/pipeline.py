"""The whole job in one call: load -> measures -> scores -> segments."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .load import LoadOptions, LoadReport, read_orders
from .rfm import customer_measures
from .rules import RuleTable, assign_segments, builtin_rules
from .schema import CUSTOMER_COLUMNS
from .scoring import apply_scores, compute_cuts


@dataclass
class RfmResult:
    """Everything a run produced: the per-customer frame and how it was made."""

    customers: pd.DataFrame
    cuts: dict[str, list[float]]
    bins: int
    report: LoadReport
    table: RuleTable
    rejects: pd.DataFrame | None = None


def rfm_table(orders: pd.DataFrame, as_of: dt.date | None = None, bins: int = 5) -> pd.DataFrame:
    """Per-customer measures and quantile scores from a canonical order frame.

    Returns a new frame with :data:`custseg.schema.CUSTOMER_COLUMNS` minus ``segment``.
    """
    measures = customer_measures(orders, as_of)
    return apply_scores(measures, compute_cuts(measures, bins))


def segment_orders(
    orders: pd.DataFrame,
    *,
    as_of: dt.date | None = None,
    bins: int = 5,
    table: RuleTable | None = None,
) -> pd.DataFrame:
    """Per-customer RFM frame with segments, from a canonical order frame."""
    scored = rfm_table(orders, as_of, bins)
    return assign_segments(scored, table or builtin_rules("default"))[list(CUSTOMER_COLUMNS)]


def run_rfm(
    source: str | Path,
    options: LoadOptions | None = None,
    *,
    bins: int = 5,
    table: RuleTable | None = None,
) -> RfmResult:
    """Load a file and segment its customers; the CLI's ``rfm`` command in one call."""
    loaded = read_orders(source, options or LoadOptions())
    table = table or builtin_rules("default")
    measures = customer_measures(loaded.orders, loaded.report.as_of)
    cuts = compute_cuts(measures, bins)
    customers = assign_segments(apply_scores(measures, cuts), table)[list(CUSTOMER_COLUMNS)]
    return RfmResult(customers, cuts, bins, loaded.report, table, loaded.rejects)
