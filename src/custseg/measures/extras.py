"""Optional aggregates an engine computes beside the customers' measures.

Some commands need, besides each customer's measures, a small table over all customers
that the orders alone give: ``cohort`` its cohort cells (:mod:`custseg.measures.cohort`),
``summary`` its repurchase counts (:mod:`custseg.measures.repurchase`). An engine hands
:meth:`Extras.measure` the canonical orders of each part (a customer's rows are all in
one part) and :func:`add_up` adds the parts' frames; whatever the split, the sums are the
same (money is rounded once, after adding up, where the tables are made).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from custseg.measures.cohort import cohort_cells
from custseg.measures.history import group_key
from custseg.measures.repurchase import repurchase_parts
from custseg.measures.window import window_orders

#: The columns each frame is keyed on when parts add up (the other columns are summed);
#: None: one row per customer, whose rows are all in one part: the frames are put together.
KEYS: dict[str, tuple[str, ...] | None] = {
    "cohort": ("cohort", "period_offset"),
    "buyers": (),
    "gaps": ("gap",),
    "windows": ("window",),
    "window": None,
}


@dataclass(frozen=True)
class Extras:
    """Which aggregates to compute: ``cohort_period`` (month, week, quarter) asks for the
    cohort cells (``cohort``), ``window_days`` for the repurchase counts (``buyers``,
    ``gaps``, ``windows``), ``window_after`` for each customer's orders and revenue after
    that day, up to as-of (``window``: :mod:`custseg.measures.window`)."""

    cohort_period: str | None = None
    window_days: int | None = None
    window_after: dt.date | None = None

    def measure(self, orders: pl.DataFrame, as_of: dt.date) -> dict[str, pl.DataFrame]:
        """The aggregates of one part's ``orders`` (one row per order, with ``reason``),
        in one collect."""
        key = group_key(orders)
        plans: dict[str, pl.LazyFrame] = {}
        if self.cohort_period:
            plans["cohort"] = cohort_cells(orders, key, as_of, self.cohort_period)
        if self.window_days:
            plans.update(repurchase_parts(orders, key, as_of, self.window_days))
        if self.window_after:
            plans["window"] = window_orders(orders, key, self.window_after, as_of)
        return dict(zip(plans, pl.collect_all(list(plans.values())), strict=True))


def add_up(parts: list[dict[str, pl.DataFrame]]) -> dict[str, pl.DataFrame]:
    """The aggregates of several parts of one input, added up, sorted by their keys."""
    out = {}
    for name in parts[0]:
        frame = pl.concat([part[name] for part in parts])
        keys = KEYS[name]
        if keys:
            frame = frame.group_by(keys).agg(pl.all().sum()).sort(keys)
        elif keys is not None:
            frame = frame.select(pl.all().sum())
        out[name] = frame
    return out
