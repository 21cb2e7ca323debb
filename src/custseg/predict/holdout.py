"""The model against what happened: a check over the orders after the calibration end.

The model is fitted on the orders up to the calibration end; for the days after it, up to
the end of the holdout, it expects each customer's transactions (purchase days). This module
sets them beside the actual ones: in total, by the number of repeat transactions in the
calibration period (the papers' "conditional expectations" table), by segment (as of the
calibration end), and week by week as the cumulative repeat transactions of the whole
cohort, calibration and holdout together (the papers' tracking chart).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

if TYPE_CHECKING:
    from custseg.engines.run import RfmResult
    from custseg.predict.run import PredictSpec

#: Customers with this many repeat transactions or more share the last row of
#: :attr:`Holdout.by_repeat`.
REPEAT_CAP = 7


@dataclass
class Holdout:
    """The holdout check.

    ``calibration_end`` and ``end``: the holdout is the days after the first, up to and
    including the second; ``actual`` and ``expected``: transactions of the customers in
    the model over it; ``by_repeat`` and ``by_segment``: frames with ``customers``,
    ``actual``, ``expected`` (totals) and ``error`` (expected minus actual, relative to
    actual); ``weekly``: ``week`` (1, 2, ...), ``day`` (the week's last day), ``actual``
    and ``expected`` cumulative repeat transactions of the cohort since its first day.
    """

    calibration_end: dt.date
    end: dt.date
    actual: int
    expected: float
    by_repeat: pl.DataFrame
    by_segment: pl.DataFrame
    weekly: pl.DataFrame

    @property
    def error(self) -> float | None:
        """Expected minus actual, relative to actual (None when nobody came back)."""
        return (self.expected - self.actual) / self.actual if self.actual else None

    def as_dict(self) -> dict[str, Any]:
        """The check as ``--json`` shows it."""
        return {
            "calibration_end": self.calibration_end.isoformat(),
            "end": self.end.isoformat(),
            "actual_orders": self.actual,
            "expected_orders": round(self.expected, 2),
            "error": None if self.error is None else round(self.error, 4),
            "by_repeat_orders": self.by_repeat.rows(named=True),
            "by_segment": self.by_segment.rows(named=True),
        }


def holdout_check(result: RfmResult, inputs: pl.DataFrame, columns: dict[str, Any], model,
                  spec: PredictSpec, end: dt.date) -> Holdout:  # fmt: skip
    """The check of a model fitted up to ``spec.calibration_end`` over the days after it,
    up to ``end``. ``inputs`` and ``columns``: the model inputs and prediction columns of
    the customers in the model, in the run's order (``result.history`` with nulls
    removed)."""
    assert spec.calibration_end is not None
    known = result.history["repeat_orders"].is_not_null() if result.history is not None else None
    segments = result.frame["segment"].filter(known) if known is not None else None
    actual = columns["actual_orders_holdout"].cast(pl.Float64)
    expected = columns["expected_orders_holdout"]
    both = pl.DataFrame({"actual": actual, "expected": expected,
                         "repeat": inputs["repeat_orders"].clip(upper_bound=REPEAT_CAP),
                         "segment": segments})  # fmt: skip
    sums = [_sums(both, by) for by in ("repeat", "segment")]
    return finish_holdout(result, model, spec, end, sums[0], sums[1],
                          (int(actual.sum()), float(expected.sum())))  # fmt: skip


def finish_holdout(result, model, spec: PredictSpec, end: dt.date, by_repeat: pl.DataFrame,
                   by_segment: pl.DataFrame, totals: tuple[int, float]) -> Holdout:  # fmt: skip
    """The check from per-group sums (``repeat`` capped at :data:`REPEAT_CAP`, and
    ``segment``: ``customers``, ``actual``, ``expected``), whichever engine added them,
    the totals, and the run's daily counts (``result.history_days``) for the weekly curve."""
    assert spec.calibration_end is not None
    order = {name: i for i, name in enumerate(result.table.segment_names())}
    segments = _finish(by_segment, "segment").sort(
        pl.col("segment").replace_strict(order, default=len(order), return_dtype=pl.Int64)
    )
    repeats = _finish(by_repeat, "repeat").rename({"repeat": "repeat_orders"})
    weekly = _weekly(result.history_days, model, spec, end)
    return Holdout(spec.calibration_end, end, totals[0], totals[1], repeats, segments, weekly)


def _sums(both: pl.DataFrame, by: str) -> pl.DataFrame:
    """Customers, actual and expected totals per value of ``by``."""
    return both.group_by(by).agg(
        customers=pl.len(), actual=pl.col("actual").sum(), expected=pl.col("expected").sum()
    )


def _finish(sums: pl.DataFrame, by: str) -> pl.DataFrame:
    """The sums rounded, with the relative error (expected minus actual, over actual)."""
    return (
        sums.with_columns(
            pl.col("customers").cast(pl.UInt32),
            pl.col("actual").cast(pl.Int64),
            expected=pl.col("expected").round(2),
            error=pl.when(pl.col("actual") > 0)
            .then((pl.col("expected") - pl.col("actual")) / pl.col("actual"))
            .round(4),
        )
        .select(by, "customers", "actual", "expected", "error")
        .sort(by)
    )


def _weekly(days: pl.DataFrame | None, model, spec: PredictSpec, end: dt.date) -> pl.DataFrame:
    """Cumulative repeat transactions of the cohort at the end of each week from its first
    day to ``end``: actual (from the daily counts) and expected (each first purchase day's
    customers times the model's expectation for a new customer over the days since)."""
    empty = pl.DataFrame(schema={"week": pl.Int64, "day": pl.Date, "actual": pl.Int64,
                                 "expected": pl.Float64})  # fmt: skip
    if days is None or days.height == 0:
        return empty
    start = days["day"].min()
    assert isinstance(start, dt.date)
    span = (end - start).days + 1
    # the last day of each week; the last week may be short (it ends on ``end``)
    offsets = np.unique(np.minimum(np.arange(7, span + 7, 7), span)) - 1
    week_ends = np.datetime64(start) + offsets.astype("timedelta64[D]")
    day_numbers = days["day"].to_numpy().astype("datetime64[D]") - np.datetime64(start)
    day_numbers = day_numbers.astype(np.int64)
    repeats = np.cumsum(days["repeat_purchases"].to_numpy())
    actual = repeats[np.searchsorted(day_numbers, offsets, side="right") - 1]
    firsts = days["first_purchases"].to_numpy().astype(np.float64)
    has_first = firsts > 0
    first_days, firsts = day_numbers[has_first], firsts[has_first]
    elapsed = (offsets[:, None] - first_days[None, :]).astype(np.float64)
    curve = np.zeros_like(elapsed)
    ahead = elapsed > 0
    if ahead.any():
        curve[ahead] = np.asarray(model.expected_orders_new(elapsed[ahead] / spec.unit))
    with np.errstate(invalid="ignore", over="ignore"):
        expected = curve @ firsts
    return pl.DataFrame({
        "week": np.arange(1, len(offsets) + 1, dtype=np.int64),
        "day": week_ends.astype("datetime64[D]"),
        "actual": actual.astype(np.int64),
        "expected": np.round(expected, 2),
    })  # fmt: skip
