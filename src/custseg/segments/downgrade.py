"""How many days a customer has before their segment changes if they do not buy
(``rfm --downgrade``): ``days_to_downgrade`` and ``next_segment``, from today's cut points
and rules.

Without a purchase only the recency moves, by a day a day: the R score drops when it
passes an R cut point (``recency > cut``), and a rule on ``recency_days`` changes its
verdict at its bound. Between those points nothing a rule reads changes, so the customer
is segmented again at each point (every customer at once, one pass per point) and the
first point that gives another segment is theirs. This is the first *segment* change, not
the first R cut crossed: a high-value customer at R 5 who stays high-value at R 4 and R 3
is counted to the day they would fall to R 2. Null when no further day changes the
segment (R already at its lowest, or the lower R scores lead to the same segment).
"""

from __future__ import annotations

import math

import polars as pl

from custseg.segments.rules import RuleTable, assign_segments
from custseg.segments.table import FIELDS

#: The columns :func:`days_to_downgrade` adds.
DOWNGRADE_COLUMNS: tuple[str, ...] = ("days_to_downgrade", "next_segment")


def change_points(cuts: dict[str, list[float]], table: RuleTable) -> list[int]:
    """The whole-day recencies at which a customer's segment can change: one past each R
    cut point, and where each rule's ``recency_days`` condition turns, ascending."""
    points = {math.floor(c) + 1 for c in cuts["recency_days"]}
    for rule in table.rules:
        cond = rule.condition("recency_days")
        if cond is None:
            continue
        if math.isfinite(cond.lo):  # holds from lo (> lo: from the next whole day)
            points.add(math.floor(cond.lo) + 1 if cond.lo_open else math.ceil(cond.lo))
        if math.isfinite(cond.hi):  # fails past hi (< hi: from hi itself)
            points.add(math.ceil(cond.hi) if cond.hi_open else math.floor(cond.hi) + 1)
    return sorted(p for p in points if p > 0)


def days_to_downgrade(frame, cuts: dict[str, list[float]], table: RuleTable) -> pl.DataFrame:
    """``days_to_downgrade`` (Int64) and ``next_segment``, row for row with ``frame`` (a
    scored, segmented per-customer frame, Polars or pandas): see the module docstring."""
    from custseg.frames import from_pandas, is_polars

    frame = frame if is_polars(frame) else from_pandas(frame)
    used = [c for c in dict.fromkeys(FIELDS.values()) if c in frame.columns]
    base = frame.select(used)
    recency, segment = frame["recency_days"], frame["segment"]
    days = pl.repeat(None, frame.height, dtype=pl.Int64, eager=True).alias("days_to_downgrade")
    after = pl.repeat(None, frame.height, dtype=pl.String, eager=True).alias("next_segment")
    r_cuts = cuts["recency_days"]
    for point in change_points(cuts, table):  # a few points: a pass over every customer each
        score = len(r_cuts) + 1 - sum(point > c for c in r_cuts)
        moved = base.with_columns(
            pl.lit(point).cast(recency.dtype).alias("recency_days"),
            pl.lit(score).cast(frame["r_score"].dtype).alias("r_score"),
        )
        then = assign_segments(moved, table)["segment"]
        hit = days.is_null() & (recency < point) & (then != segment)
        days = pl.select(
            pl.when(hit)
            .then(point - recency.cast(pl.Int64))
            .otherwise(days)
            .alias("days_to_downgrade")
        ).to_series()
        after = pl.select(
            pl.when(hit).then(then).otherwise(after).alias("next_segment")
        ).to_series()
    return pl.DataFrame([days, after])
