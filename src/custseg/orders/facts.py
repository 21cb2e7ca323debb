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

from custseg.orders.cleaning import uci_digit_share
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
    unique, c_ids = order_id_facts(rows.select(pl.col(order_col)), in_order=order_by is None)
    return FileFacts(dayfirst, c_ids, unique)


def order_id_facts(ids: pl.LazyFrame, in_order: bool = True) -> tuple[bool, bool]:
    """Whether the order ids are unique (every row has one, none repeats) and follow UCI's
    convention, where ``C`` + digits is a cancelled invoice (some id, as read, starts with
    ``C`` or ``c``, and at least half of all ids, trimmed, are digits); from ``ids``, a
    frame of the order id column of every row of the input. ``in_order``: its rows are in
    input order; then ids in strictly increasing order (an export sorted by order id) are
    unique at a glance, else the check is on 64-bit hashes, so that a collision can only
    make it answer 'no', never a wrong 'yes'.

    The quick checks run first; the costlier ones (a hash of every id, the share of digit
    ids) only when those leave the answer open."""
    name, dtype = next(iter(ids.collect_schema().items()))
    order = pl.col(name)
    first = ids.select(
        nulls=order.null_count(),
        n=pl.len(),
        increasing=(order > order.shift(1)).all() if in_order else pl.lit(False),
    )
    nulls, n, increasing = first.collect().row(0)
    unique = nulls == 0 and bool(increasing)
    if nulls == 0 and not increasing:  # a collision can only make it answer 'no'
        unique = ids.select(order.hash().n_unique()).collect().item() == n
    sorted_ids = nulls == 0 and bool(increasing)
    some_c = dtype == pl.String and _some_starts_with_c(ids, name, sorted_ids)
    c_ids = some_c and uci_digit_share(ids) >= 0.5
    return unique, c_ids


def _some_starts_with_c(ids: pl.LazyFrame, name: str, increasing: bool) -> bool:
    """Whether some id starts with ``C`` or ``c``: in ids sorted ascending (no nulls), two binary
    searches (the first id from ``"C"`` on, and from ``"c"`` on, is looked at); else a
    prefix test of every id (70 ms at 10M ids)."""
    if increasing:
        column = ids.collect().to_series()  # the frame's own column: no copy
        for letter in ("C", "c"):
            at = column.search_sorted(letter)
            if at < column.len() and column[at].startswith(letter):
                return True
        return False
    text = pl.col(name)
    found = ids.select((text.str.starts_with("C") | text.str.starts_with("c")).any())
    return bool(found.collect().item())
