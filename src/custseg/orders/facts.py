"""What is decided once per input, over the whole input, and handed to every part.

A file read in parts must be cleaned exactly as if it were read whole: whether its dates
are day first and whether ``C`` + digits marks a cancelled invoice are facts of the file,
not of a part. The engines decide them here from all the input's rows (for a file in
parts: every part's rows) before any row is cleaned. What the reader decides from the
file's head (format, encoding, delimiter, the columns and which of them stay text) is
likewise decided once, before the rows are read.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from custseg.orders.cleaning import ids_unique, uci_cancellations
from custseg.orders.values import day_first_over

#: How many first values of the date column tell which shapes its dates have.
HEAD_VALUES = 500


@dataclass(frozen=True)
class FileFacts:
    """``dayfirst``: ``5/3/2019`` is 5 March; ``c_cancellations``: order ids ``C`` + digits
    are cancelled invoices (UCI's convention); ``unique_orders``: every row has an order id
    and none repeats (no line items to merge, no duplicate rows possible)."""

    dayfirst: bool = False
    c_cancellations: bool = False
    unique_orders: bool = False


def decide_facts(
    rows: pl.LazyFrame,
    roles: dict[str, str],
    dayfirst: bool | None = None,
    order_by: str | None = None,
) -> FileFacts:
    """The facts of an input from ``rows``, a lazy frame of all its raw rows (the columns
    ``roles`` names; for a file in parts, a scan of every part), and ``order_by``, the
    column that gives the input's order (none: ``rows`` is in input order).

    ``dayfirst`` (``--dayfirst``) is taken as given when it is not None."""
    date_col = roles["date"]
    if dayfirst is None:
        dates = rows.select(pl.col(date_col))
        present = rows.filter(pl.col(date_col).is_not_null())
        if order_by is None:
            head = present.select(date_col).head(HEAD_VALUES)
        else:  # the first values in input order, from parts in any order
            head = present.select(date_col, order_by).bottom_k(HEAD_VALUES, by=order_by)
            head = head.sort(order_by).select(date_col)
        dayfirst = day_first_over(head.collect().to_series(), dates)
    order_col = roles.get("order")
    if not order_col:
        return FileFacts(dayfirst=dayfirst)
    ids = rows.select(pl.col(order_col))
    if order_by is None:  # held whole: the loader's check (a shortcut for sorted ids)
        unique = ids_unique(ids.collect().to_series())
    else:  # the same answer from a scan of the parts (ids_unique's hash check)
        counts = ids.select(
            nulls=pl.col(order_col).null_count(),
            n=pl.len(),
            distinct=pl.col(order_col).hash().n_unique(),
        )
        nulls, n, distinct = counts.collect().row(0)
        unique = nulls == 0 and distinct == n
    return FileFacts(dayfirst, uci_cancellations(ids), unique)
