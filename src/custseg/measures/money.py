"""Sums of money that do not depend on how the values are chunked.

Polars adds a column chunk by chunk, and a float sum depends on the order in which values
are added; the chunks of a per-customer column follow how the work was split (threads,
parts), so the same customers could give a revenue share differing in its 16th digit from
one run to the next. The sums here are taken over the column made whole first: one chunk,
one order of addition, the same result every run. The values are added sorted, so the
sum does not depend on the order of the rows either: the Spark engine brings customers to
the driver in another order than the default engine keeps them.
"""

from __future__ import annotations

import polars as pl


def money_sum(values: pl.Series) -> float:
    """The sum of ``values``, added in one fixed order (sorted) whatever their chunks and
    their order."""
    return float(values.sort().sum() or 0.0)
