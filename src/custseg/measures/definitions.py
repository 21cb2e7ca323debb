"""The per-customer measures, defined once, with a plain reference implementation.

Every engine (the Polars plan in :mod:`custseg.measures.plan`, a later Spark one) must give
what :func:`reference_measures` gives; the tests hold each engine to it. This module is the
yardstick: plain Python, clear rather than fast, no Polars or pandas.

**Input**: canonical order rows (:data:`custseg.schema.ORDER_COLUMNS`), already cleaned: only
the rows in use, one row per order (the loader merges line items), finite amounts. Rows dated
after ``as_of`` are ignored (the loader leaves them out as ``after as-of``).

**Rows**: a *purchase* is a row with ``amount >= 0`` (zero included); a *return* is a row
with ``amount < 0``. A return lowers ``monetary`` but is not counted in ``frequency`` and does
not move ``first_order`` or ``last_order``. A customer with no purchase (returns only) gets no
row; the number of their rows is returned too (the loader's ``returns only`` reason).

**Per customer** (:data:`REFERENCE_COLUMNS`, customers in the order of their first row in
use, a return included; days are the calendar dates of the order times):

==============  =========================================================================
column          definition
==============  =========================================================================
first_order     the earliest purchase time
last_order      the latest purchase time
recency_days    ``(as_of - last_order.date()).days``
frequency       the number of purchases
monetary        the sum of all the customer's amounts (returns subtract), rounded
aov             ``monetary`` (already rounded) / ``frequency``, rounded
lifecycle       the first of :data:`LIFECYCLE` that applies (see :func:`lifecycle`)
==============  =========================================================================

**Rounding** (:func:`round_money`): Polars' ``round(2)``, which is *not* Python's
``round(x, 2)``: the float is multiplied by 100 (one binary product, itself rounded), then
rounded to an integer with ties to even, then divided by 100. So 0.125 -> 0.12, -0.125 ->
-0.12, 0.135 -> 0.14, and 2.675 (binary 2.67499999...) -> 2.68 because 2.675 * 100 is
exactly 267.5, while 1.005 * 100 is 100.49999... and 1.005 -> 1.0. The sum is the exact sum
of the amounts (``math.fsum``); an engine adding floats in another order may differ in the
last bits, which changes the rounded value only within a few ulps of a half-cent tie.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from custseg.measures.periods import period_index
from custseg.schema import MEASURE_COLUMNS, ORDER_COLUMNS

#: Decimal places of ``monetary`` and ``aov``.
MONEY_DECIMALS = 2
#: A first purchase within this many days of as-of makes a customer ``new`` (``--new-days``).
NEW_DAYS = 30
#: No purchase in this many days makes a customer ``churned``; a gap of more than this many
#: days before a purchase within them makes one ``returning`` (``--churn-days``).
CHURN_DAYS = 180
#: The lifecycle statuses in precedence order: a customer gets the first that applies.
LIFECYCLE: tuple[str, ...] = ("churned", "new", "returning", "active")
#: The columns of each customer :func:`reference_measures` returns, in this order.
REFERENCE_COLUMNS: tuple[str, ...] = (*MEASURE_COLUMNS, "lifecycle")

#: An order row: a tuple in the order of ``ORDER_COLUMNS`` or a mapping by column name.
Row = Sequence[Any] | Mapping[str, Any]


class Measured(NamedTuple):
    """What :func:`reference_measures` returns."""

    #: one dict per customer with a purchase (keys :data:`REFERENCE_COLUMNS`)
    customers: list[dict[str, Any]]
    #: rows in use of the customers left out for having no purchase (returns only)
    returns_only_rows: int


def round_money(value: float) -> float:
    """``value`` rounded to :data:`MONEY_DECIMALS` places as Polars' ``round`` does.

    Returns
    -------
    float
        ``round_half_even(value * 10**MONEY_DECIMALS) / 10**MONEY_DECIMALS``, computed on
        binary floats (see the module docstring); the sign of zero is kept.
    """
    scale = 10.0**MONEY_DECIMALS
    scaled = value * scale
    if not math.isfinite(scaled):
        return scaled / scale
    # Python's round() of a float to an integer breaks ties to even, exactly
    return math.copysign(round(scaled), scaled) / scale


def default_as_of(rows: Iterable[Row]) -> dt.date:
    """The default as-of date: the day after the latest order date (today if no rows)."""
    days = [_fields(row)[1].date() for row in rows]
    return max(days) + dt.timedelta(days=1) if days else dt.date.today()


def reference_measures(rows: Iterable[Row], as_of: dt.date, new_days: int = NEW_DAYS,
                       churn_days: int = CHURN_DAYS) -> Measured:  # fmt: skip
    """The measures and lifecycle of each customer, by the definitions of this module.

    Parameters
    ----------
    rows:
        Canonical order rows in use (see :data:`Row`); those dated after ``as_of`` are skipped.
    as_of:
        The reference date.
    new_days, churn_days:
        The lifecycle windows in days (see :func:`lifecycle`).

    Returns
    -------
    Measured
        One dict per customer with a purchase, in the order of the customer's first row on
        or before ``as_of``, and the number of rows of the customers with returns only. No
        customer at all when nobody bought (the pipeline then raises ``DataError``).
    """
    customers, returns_only_rows = [], 0
    for customer_id, orders in _orders_by_customer(rows, as_of).items():
        if any(amount >= 0 for _, amount in orders):
            customers.append(_customer(customer_id, orders, as_of, new_days, churn_days))
        else:
            returns_only_rows += len(orders)
    return Measured(customers, returns_only_rows)


def lifecycle(purchase_days: Sequence[dt.date], as_of: dt.date, new_days: int = NEW_DAYS,
              churn_days: int = CHURN_DAYS) -> str:  # fmt: skip
    """A customer's lifecycle status from the calendar days of their purchases.

    The first that applies (:data:`LIFECYCLE`), with ``window = as_of - churn_days``:

    1. ``churned``: the last purchase is more than ``churn_days`` days before ``as_of``;
    2. ``new``: the first purchase is on or after ``as_of - new_days``;
    3. ``returning``: the first purchase on or after ``window`` comes more than
       ``churn_days`` days after the last purchase before ``window`` (both must exist);
    4. ``active``: everyone else.
    """
    window = as_of - dt.timedelta(days=churn_days)
    before = [day for day in purchase_days if day < window]
    within = [day for day in purchase_days if day >= window]
    if (as_of - max(purchase_days)).days > churn_days:
        return "churned"
    if min(purchase_days) >= as_of - dt.timedelta(days=new_days):
        return "new"
    if before and within and (min(within) - max(before)).days > churn_days:
        return "returning"
    return "active"


def _fields(row: Row) -> tuple[str, dt.datetime, float]:
    """The customer id, order time and amount of one order row."""
    record = row if isinstance(row, Mapping) else dict(zip(ORDER_COLUMNS, row, strict=True))
    return record["customer_id"], record["order_date"], record["amount"]


def _orders_by_customer(rows: Iterable[Row], as_of: dt.date) -> dict[str, list[tuple]]:
    """``(order time, amount)`` of each customer's rows on or before ``as_of``; customers in
    the order of their first such row (a dict keeps the order keys were first added in)."""
    orders: dict[str, list[tuple]] = {}
    for row in rows:
        customer_id, when, amount = _fields(row)
        if when.date() <= as_of:
            orders.setdefault(customer_id, []).append((when, amount))
    return orders


def _customer(customer_id: str, orders: list[tuple], as_of: dt.date, new_days: int,
              churn_days: int) -> dict[str, Any]:  # fmt: skip
    """One customer's row of :data:`REFERENCE_COLUMNS` from their ``(time, amount)`` rows."""
    purchases = sorted(when for when, amount in orders if amount >= 0)
    monetary = round_money(math.fsum(amount for _, amount in orders))
    return {
        "customer_id": customer_id,
        "first_order": purchases[0],
        "last_order": purchases[-1],
        "recency_days": (as_of - purchases[-1].date()).days,
        "frequency": len(purchases),
        "monetary": monetary,
        "aov": round_money(monetary / len(purchases)),
        "lifecycle": lifecycle([when.date() for when in purchases], as_of, new_days, churn_days),
    }


def reference_history(
    rows: Iterable[Row], as_of: dt.date, calibration_end: dt.date | None = None
) -> dict[str, dict[str, Any]]:
    """Each customer's purchase history as the "buy till you die" models read it
    (:mod:`custseg.measures.history`), keyed by customer id.

    The model window ends on ``end = min(calibration_end, as_of)`` (``as_of`` when no
    calibration end), orders dated that day included. A *purchase day* is a calendar day
    with a purchase (a row with ``amount >= 0``): several purchases on one day are one
    transaction, as in the literature. A customer with a purchase day on or before ``end``
    gets:

    - ``repeat_orders``: their purchase days up to ``end``, minus one;
    - ``t_first_last_days``: days from the first to the last of those days;
    - ``T_days``: days from the first purchase day to ``end``;
    - ``repeat_spend``: the sum of the amounts (returns subtract) of their rows dated after
      the first purchase day and on or before ``end``, rounded (:func:`round_money`);
    - ``holdout_orders``: purchase days after ``end`` and on or before ``as_of``; None
      without a calibration end.
    """
    end = min(calibration_end, as_of) if calibration_end else as_of
    out: dict[str, dict[str, Any]] = {}
    for customer_id, orders in _orders_by_customer(rows, as_of).items():
        days = sorted({when.date() for when, amount in orders if amount >= 0})
        before = [day for day in days if day <= end]
        if not before:
            continue
        first = before[0]
        after_first = (a for when, a in orders if first < when.date() <= end)
        out[customer_id] = {
            "repeat_orders": len(before) - 1,
            "t_first_last_days": (before[-1] - first).days,
            "T_days": (end - first).days,
            "repeat_spend": round_money(math.fsum(after_first)),
            "holdout_orders": len(days) - len(before) if calibration_end else None,
        }
    return out


def reference_history_days(
    rows: Iterable[Row], as_of: dt.date, calibration_end: dt.date | None = None
) -> list[tuple[dt.date, int, int]]:
    """Per calendar day, by day: ``(day, first_purchases, repeat_purchases)``: the
    customers of :func:`reference_history` whose first purchase day it is, and their
    purchase days after their first that fall on it, up to ``as_of`` (holdout included).
    Days with neither are left out."""
    end = min(calibration_end, as_of) if calibration_end else as_of
    counts: dict[dt.date, list[int]] = {}
    for orders in _orders_by_customer(rows, as_of).values():
        days = {when.date() for when, amount in orders if amount >= 0}
        first = min((day for day in days if day <= end), default=None)
        for day in days if first else ():
            counts.setdefault(day, [0, 0])[day > first] += 1
    return [(day, first, repeat) for day, (first, repeat) in sorted(counts.items())]


def reference_cohort_cells(
    rows: Iterable[Row], as_of: dt.date, period: str
) -> dict[tuple[int, int], tuple[int, int, float, int]]:
    """The cells of the cohort table (同期群), keyed by ``(cohort, period_offset)``.

    A customer with a purchase on or before ``as_of`` belongs to the *cohort* of the period
    (:func:`custseg.measures.periods.period_index`) of their first purchase; each of their
    rows in use falls in the cell of ``period_offset`` = its period minus the cohort's (a
    return dated before that period, at offset 0). Per cell, a tuple:

    - ``customers``: the cohort's customers with a purchase in that period;
    - ``orders``: their purchases in that period;
    - ``revenue``: the sum of the amounts (returns subtract), rounded (:func:`round_money`);
    - ``returning``: the cohort's customers whose first purchase in a later period than
      their cohort's falls in this one (0 at offset 0): the cumulative table adds them up.

    Cells without a row are left out; customers with returns only are in no cohort.
    """
    cells: dict[tuple[int, int], list] = {}
    for orders in _orders_by_customer(rows, as_of).values():
        bought = [period_index(when.date(), period) for when, a in orders if a >= 0]
        if not bought:
            continue
        first = min(bought)
        again = min((p - first for p in bought if p > first), default=None)
        seen: set[int] = set()
        for when, amount in orders:
            offset = max(period_index(when.date(), period) - first, 0)
            cell = cells.setdefault((first, offset), [0, 0, [], 0])
            if amount >= 0:
                cell[0] += offset not in seen
                seen.add(offset)
                cell[1] += 1
            cell[2].append(amount)
        if again is not None:
            cells[(first, again)][3] += 1
    return {key: (n, k, round_money(math.fsum(amounts)), back)
            for key, (n, k, amounts, back) in sorted(cells.items())}  # fmt: skip


def reference_repurchase(rows: Iterable[Row], as_of: dt.date,
                         window_days: int) -> dict[str, Any]:  # fmt: skip
    """The repurchase figures of :mod:`custseg.measures.repurchase`, by their definitions.

    Over the customers with a purchase on or before ``as_of`` (*buyers*); a *purchase day*
    is a calendar day with a purchase (several purchases that day are one, 按天去重):

    - ``buyers``, ``repeat_buyers`` (2 or more purchases), ``repeat_day_buyers`` (2 or more
      purchase days);
    - ``orders`` (purchases), ``repeat_orders`` (each buyer's purchases after their first:
      ``orders - buyers``), ``purchase_days``, ``repeat_days`` (``purchase_days - buyers``);
    - ``gaps``: ``{days: how many}`` of the days between each buyer's consecutive purchase
      days;
    - ``windows``: per window ``w`` (0 the latest: the days ``d`` with ``as_of - (w + 1) *
      window_days < d <= as_of - w * window_days``) with a buyer, ``(buyers,
      returned)``: its buyers, and those of them who bought in window ``w - 1`` too (the
      next; 0 for window 0).
    """
    out: dict[str, Any] = dict.fromkeys(
        ("buyers", "repeat_buyers", "repeat_day_buyers", "orders", "purchase_days"), 0
    )
    gaps: dict[int, int] = {}
    windows: dict[int, list[int]] = {}
    for orders in _orders_by_customer(rows, as_of).values():
        times = [when for when, amount in orders if amount >= 0]
        days = sorted({when.date() for when in times})
        if not days:
            continue
        out["buyers"] += 1
        out["repeat_buyers"] += len(times) >= 2
        out["repeat_day_buyers"] += len(days) >= 2
        out["orders"] += len(times)
        out["purchase_days"] += len(days)
        for before, after in zip(days, days[1:], strict=False):
            gaps[(after - before).days] = gaps.get((after - before).days, 0) + 1
        seen = {(as_of - day).days // window_days for day in days}
        for w in seen:
            cell = windows.setdefault(w, [0, 0])
            cell[0] += 1
            cell[1] += w - 1 in seen
    out["repeat_orders"] = out["orders"] - out["buyers"]
    out["repeat_days"] = out["purchase_days"] - out["buyers"]
    out["gaps"] = dict(sorted(gaps.items()))
    out["windows"] = {w: tuple(cell) for w, cell in sorted(windows.items())}
    return out
