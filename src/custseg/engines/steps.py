"""The steps every engine runs on each part of an input (all of it, in memory).

An engine reads its parts, parses them (:func:`custseg.orders.load.parse_part`) with the
facts decided over the whole input (:mod:`custseg.orders.facts`), decides the as-of date
once from every part's latest date (:func:`custseg.orders.accounting.decide_as_of`), then
runs :func:`measure_part` on each part: a customer's rows are all in one part, so what is
measured per customer does not depend on the split.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from custseg.measures.breakdown import with_by_values
from custseg.measures.extras import Extras
from custseg.measures.history import History, group_key, with_history
from custseg.measures.plan import Lifecycle, customer_pass
from custseg.orders import cleaning
from custseg.orders.accounting import LoadReport, mark_after_as_of, mark_returns_only, part_report
from custseg.orders.load import LoadOptions, ParsedPart, used_orders


@dataclass
class MeasuredPart:
    """One part measured: ``measures`` (one row per customer with a purchase, with the
    ``row`` of their first order in use in the part's orders and, when the rows have file
    lines, that order's ``line``), the part's accounting and its rows left out (with
    ``--rejects``)."""

    measures: pl.DataFrame
    report: LoadReport
    rejects: pl.DataFrame | None
    rows: pl.DataFrame | None = None  # every row with its final reason (``keep_rows``)
    orders: pl.DataFrame | None = None  # the orders in use, line items merged (``keep_rows``)
    history_days: pl.DataFrame | None = None  # the daily purchase counts (``history``)
    extras: dict[str, pl.DataFrame] | None = None  # the aggregates ``extras`` asks for


def measure_part(
    part: ParsedPart,
    as_of: dt.date,
    opts: LoadOptions,
    lifecycle: Lifecycle | None,
    *,
    source: str,
    columns: dict[str, str],
    fmt: str,
    keep_rows: bool = False,
    history: History | None = None,
    extras: Extras | None = None,
) -> MeasuredPart:
    """Mark the rows after ``as_of``, merge line items, measure the customers, find those
    with returns only and account for every row of the part. ``keep_rows``: hand back
    every row with its final reason (returns only marked too) and the orders in use, for
    the API's loaders. ``history``: add each customer's purchase history
    (:data:`custseg.measures.history.HISTORY_COLUMNS`) to the measures; with a
    calibration end, the measures are those of that day (the orders after it, up to
    ``as_of``, are the holdout: in use, but seen only by the history). ``extras``: the
    aggregates it asks for, from the orders in use up to ``as_of``."""
    rows = mark_after_as_of(part.rows, as_of)
    # one row per order: the rows are the orders (no copy of the rows in use is made)
    orders = rows if part.one_row_per_order else used_orders(rows, False)
    end = history.end(as_of) if history else as_of
    seen = orders
    if end < as_of:  # merged line items are all in use: they carry no reason to mark
        used = orders if "reason" in orders.columns else orders.with_columns(reason=_IN_USE)
        seen = mark_after_as_of(used, end)
    passed = customer_pass(seen, end, lifecycle, allow_empty=True)
    if opts.keep_rejects or not part.one_row_per_order or keep_rows:
        # the rows themselves marked: the rejects list them, and the rows of merged
        # orders are counted row by row
        rows = mark_returns_only(rows, passed.unbought, end)  # later rows: the holdout
        returns_only = (0, passed.unbought_orders)
    else:  # each row an order: the customers' orders are the rows to count
        returns_only = (passed.unbought_orders, passed.unbought_orders)
    report = part_report(
        rows,
        orders,
        malformed=len(part.malformed),
        returns_only=returns_only,
        source=source,
        columns=columns,
        as_of=as_of,
        fmt=fmt,
        facts=part.facts,
        findings=part.findings,
    )
    rejects = (
        cleaning.rejected_rows(part.raw, rows, part.malformed) if part.raw is not None else None
    )
    measured, daily = _per_customer(passed.measures, orders, as_of, end, history)
    found = extras.measure(orders, as_of) if extras else None
    if "line" in orders.columns:
        measured = measured.with_columns(line=orders["line"].gather(measured["row"]))
    if not keep_rows:
        return MeasuredPart(measured, report, rejects, history_days=daily, extras=found)
    orders = used_orders(rows, part.one_row_per_order)
    return MeasuredPart(measured, report, rejects, rows, orders, daily, found)


#: The reason of a row in use (:mod:`custseg.orders.cleaning`).
_IN_USE = pl.lit(0, pl.UInt8)


def _per_customer(measured: pl.DataFrame, orders: pl.DataFrame, as_of: dt.date, end: dt.date,
                  history: History | None) -> tuple[pl.DataFrame, pl.DataFrame | None]:  # fmt: skip
    """``measured`` with what is asked for per customer joined on: the purchase
    ``history`` (and its daily counts), the ``--by`` value (the majority rule of
    :mod:`custseg.measures.breakdown`, over the orders in use up to ``end``)."""
    daily = None
    if history is not None:
        measured, daily = with_history(measured, orders, as_of, history)
    if "by_value" in orders.columns:
        measured = with_by_values(measured, orders, group_key(orders), end)
    return measured, daily


@dataclass
class Measured:
    """What an engine hands on to scoring: every customer's measures
    (:data:`custseg.schema.MEASURE_COLUMNS` and ``lifecycle``, in the order of the
    customer's first row in use in the input), the accounting of every row, the rows
    left out (with ``--rejects``) and how many parts the input was cut into."""

    measures: pl.DataFrame
    report: LoadReport
    rejects: pl.DataFrame | None = None
    parts: int = 1
    history_days: pl.DataFrame | None = None  # the daily purchase counts (with a history)
    extras: dict[str, pl.DataFrame] | None = None  # the aggregates asked for, added up
