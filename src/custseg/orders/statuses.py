"""What a status value means: a sale, not paid, cancelled, or partly refunded.

Values are looked up whole (after :func:`custseg.orders.platforms.normalize_value`: NFKC,
lower case, trimmed, ``_`` and ``-`` read as spaces) in the platform's table, then the
generic one, then the user's ``cancel_status`` values. A value none of them knows is read by
its English words when they say it plainly (``Cancelled by customer``, ``Payment failed``,
``Partially refunded``), and is otherwise a sale, reported as unknown. Never by substring:
Pinduoduo's normal after-sale value ``无售后或售后取消`` contains 取消, and ``退款关闭`` (a
refund request closed: the sale stands) contains 关闭.

Several status columns (the order status and an after-sale or refund status) are read
together: a row is not a sale when any of them says so.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from custseg.orders.platforms import (
    STATUS_CATEGORIES,
    Platform,
    generic,
    normalize_value,
    platforms,
)

#: English words that say what an unknown status value means, checked in this order.
_WORDS: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "cancelled",
        frozenset(
            {
                "cancelled",
                "canceled",
                "cancel",
                "refunded",
                "returned",
                "rejected",
                "chargeback",
                "closed",
            }
        ),
    ),  # fmt: skip
    (
        "not_paid",
        frozenset(
            {"unpaid", "pending", "failed", "declined", "voided", "void", "expired", "abandoned"}
        ),
    ),  # fmt: skip
    (
        "sale",
        frozenset(
            {
                "paid",
                "completed",
                "complete",
                "shipped",
                "delivered",
                "fulfilled",
                "succeeded",
                "success",
            }
        ),
    ),  # fmt: skip
)
_PARTLY = frozenset({"partially", "partial", "partly"})
_TOKEN = re.compile(r"[a-z]+")

#: Row codes of a status (0: a sale or no status).
CODES = {"sale": 0, "partly_refunded": 1, "cancelled": 2, "not_paid": 3}


@dataclass(frozen=True)
class Reading:
    """How a value was read: its category and whether a table knew it (``table``), its
    words told (``words``) or nothing did (``unknown``, read as a sale)."""

    category: str
    how: str


@functools.cache
def _other_tables() -> dict[str, str]:
    """value -> category over every platform table, for the values all tables that know
    them agree on (a export not recognised still uses the platforms' own words)."""
    seen: dict[str, set[str]] = {}
    for table in platforms().values():
        for category, values in table.statuses.items():
            for value in values:
                seen.setdefault(value, set()).add(category)
    return {value: next(iter(cats)) for value, cats in seen.items() if len(cats) == 1}


def read_value(value: str, platform: Platform | None, cancel: Iterable[str] = ()) -> Reading:
    """The meaning of one status value (see the module docstring)."""
    key = normalize_value(value)
    if key == "":
        return Reading("sale", "table")
    if key in {normalize_value(c) for c in cancel}:
        return Reading("cancelled", "table")
    for table in (platform, generic()):
        if table is None:
            continue
        for category in STATUS_CATEGORIES:
            if key in table.statuses[category]:
                return Reading(category, "table")
    elsewhere = _other_tables().get(key)
    if elsewhere:
        return Reading(elsewhere, "table")
    words = set(_TOKEN.findall(key))
    if words & _PARTLY and words & {"refunded", "refund"}:
        return Reading("partly_refunded", "words")
    for category, vocabulary in _WORDS:
        if words & vocabulary:
            return Reading(category, "words")
    return Reading("sale", "unknown")


def status_codes(
    columns: list[str], frame: pl.DataFrame, platform: Platform | None, cancel: Iterable[str] = ()
) -> tuple[pl.Expr, dict[str, dict[str, int]]]:
    """The row code of the status columns (the largest of :data:`CODES` over them: not
    paid, then cancelled, then partly refunded), and the values seen: ``how`` -> {"value
    (category)": rows} for the values read by their words or unknown.

    Values are read once per distinct value; rows are matched with ``is_in``."""
    cancel = tuple(cancel)
    codes = []
    seen: dict[str, dict[str, int]] = {"words": {}, "unknown": {}}
    for name in columns:
        counts = frame[name].cast(pl.String).drop_nulls().value_counts()
        by_code: dict[int, list[str]] = {}
        for value, n in counts.iter_rows():
            reading = read_value(value, platform, cancel)
            by_code.setdefault(CODES[reading.category], []).append(value)
            if reading.how != "table":
                label = f"{value.strip()} ({reading.category.replace('_', ' ')})"
                seen[reading.how][label] = seen[reading.how].get(label, 0) + n
        col = pl.col(name).cast(pl.String)
        expr = pl.lit(0, pl.UInt8)
        for code in sorted(c for c in by_code if c):  # the larger code wins
            expr = pl.when(col.is_in(by_code[code])).then(pl.lit(code, pl.UInt8)).otherwise(expr)
        codes.append(expr)
    return pl.max_horizontal(codes) if len(codes) > 1 else codes[0], seen
