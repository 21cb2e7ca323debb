"""Calendar periods and small statistics shared by the definitions and the plans.

Plain Python, no Polars: the reference definitions (:mod:`custseg.measures.definitions`)
and the Polars plans (:mod:`custseg.measures.cohort`, :mod:`custseg.measures.repurchase`)
number periods the same way, and the plans' small results are read back with these.

A period is numbered so that consecutive periods differ by one:

- ``month``: ``year * 12 + month - 1``;
- ``quarter``: ``year * 4 + (month - 1) // 3``;
- ``week``: weeks from Monday 1970-01-05 (weeks start on Monday, as ISO weeks do).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

#: The Monday the week numbers count from (1970-01-01 was a Thursday).
WEEK_ZERO = dt.date(1970, 1, 5)


def period_index(day: dt.date, period: str) -> int:
    """The number of the ``period`` (month, week or quarter) holding ``day``."""
    if period == "month":
        return day.year * 12 + day.month - 1
    if period == "quarter":
        return day.year * 4 + (day.month - 1) // 3
    if period == "week":
        return (day - WEEK_ZERO).days // 7
    raise ValueError(f"unknown period {period!r}")


def period_start(index: int, period: str) -> dt.date:
    """The first day of the period numbered ``index``."""
    if period == "month":
        return dt.date(index // 12, index % 12 + 1, 1)
    if period == "quarter":
        return dt.date(index // 4, index % 4 * 3 + 1, 1)
    return WEEK_ZERO + dt.timedelta(weeks=index)


def period_label(index: int, period: str) -> str:
    """How a period is written: ``2019-01`` (month), ``2019-Q1`` (quarter), ``2019-W02``
    (the ISO week of its Monday)."""
    if period == "month":
        return f"{index // 12:04d}-{index % 12 + 1:02d}"
    if period == "quarter":
        return f"{index // 4:04d}-Q{index % 4 + 1}"
    iso = period_start(index, period).isocalendar()
    return f"{iso.year:04d}-W{iso.week:02d}"


def histogram_quantile(counts: Sequence[tuple[int, int]], p: float) -> float | None:
    """The ``p`` quantile (0..1) of the values ``counts`` lists as ``(value, how many)``,
    interpolated linearly between the two nearest ranks as numpy's default does
    (position ``p * (n - 1)`` in the sorted values); None when there is no value."""
    pairs = sorted((value, n) for value, n in counts if n > 0)
    total = sum(n for _, n in pairs)
    if not total:
        return None
    position = p * (total - 1)
    low, high = math.floor(position), math.ceil(position)
    return _at(pairs, low) + (position - low) * (_at(pairs, high) - _at(pairs, low))


def _at(pairs: list[tuple[int, int]], rank: int) -> int:
    """The value of rank ``rank`` (from 0) in the sorted values ``pairs`` counts."""
    seen = 0
    for value, n in pairs:
        seen += n
        if rank < seen:
            return value
    return pairs[-1][0]
