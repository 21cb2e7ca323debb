"""Sums of money that do not depend on the order of the values.

A float sum depends on the order in which the values are added, and Polars adds a column
chunk by chunk, in chunks that follow how the work was split (threads, parts): the same
customers could give a revenue share differing in the 16th digit from one run to the next.
Amounts per customer are rounded to cents, so their sum is taken in whole cents (exact, in
any order) and turned back into money once.
"""

from __future__ import annotations

import polars as pl


def money_sum(values: pl.Expr) -> pl.Expr:
    """The exact sum of money ``values`` (already rounded to cents), as a float."""
    return (values * 100).round(0).cast(pl.Int64).sum() / 100
