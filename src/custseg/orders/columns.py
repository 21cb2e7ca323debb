"""Find the order columns in a file's header: by explicit choice, else by the names the
platform tables give, most preferred first.

Headers are compared after normalisation: Unicode NFKC (full-width forms become
ASCII), lower case, and spaces, underscores, hyphens and dots removed, so
``Customer ID``, ``customer_id`` and ``ＣｕｓｔｏｍｅｒＩＤ`` are the same name. A file may hold
several columns a role could use (a creation and a payment time, an order and a paid
amount): the most preferred is chosen and the others are reported as passed over. Only
columns of equal rank that differ in content are a clash; every clash is named in one
error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import polars as pl

from custseg.errors import ColumnError, param
from custseg.io.layout import positional_names
from custseg.orders.platforms import (
    ROLE_NAMES,
    Platform,
    candidates,
    known_headers,
    normalize_header,
    platform_named,
    recognise,
)

#: role -> the parameter that names it. The names a role is known by are data: the platform
#: tables (:mod:`custseg.orders.platforms`), most preferred first.
ROLES: dict[str, str] = {role: f"columns.{role}" for role in ROLE_NAMES}

REQUIRED_ROLES = ("customer", "date")
#: A unit after a header name: ``(元)``, ``（件）``, ``(CNY)``, ``[USD]``.
_UNIT = re.compile(r"[(\[](?:元|件|个|rmb|cny|usd|eur|gbp|¥|\$|%)[)\]]$")


class ColumnClash(ColumnError):
    """Columns of equal rank could play the same role (and differ, when the rows are known)."""


@dataclass
class Layout:
    """What the header says: the column of each role, the platform whose export it is
    (None: generic names only) and how it was known (``header`` or ``option``), the other
    columns that could have played a role (passed over by preference), and the order-level
    layout of the chosen columns that the platform table states (role -> ``repeated`` or
    ``first_row``)."""

    roles: dict[str, str]
    platform: Platform | None = None
    platform_from: str = ""
    passed_over: dict[str, list[str]] = field(default_factory=dict)
    order_level: dict[str, str] = field(default_factory=dict)


def resolve_columns(
    columns: Iterable[str],
    explicit: Mapping[str, str | None] | None = None,
    platform: str | None = None,
    frame: pl.DataFrame | None = None,
) -> dict[str, str]:
    """Map each role (customer, order, date, amount, ...) to a column of the file:
    :attr:`Layout.roles` of :func:`read_layout`."""
    return read_layout(columns, explicit, platform, frame).roles


def read_layout(
    columns: Iterable[str],
    explicit: Mapping[str, str | None] | None = None,
    platform: str | None = None,
    frame: pl.DataFrame | None = None,
) -> Layout:
    """The :class:`Layout` of a file from its header.

    Parameters
    ----------
    columns:
        The file's header, in file order.
    explicit:
        role -> column name chosen by the user (``--customer-col`` ...). ``None`` values
        are ignored. An explicit name is matched exactly first, then after normalisation.
    platform:
        The platform table to read the file with (``--platform``); default: the one
        recognised from the header, if any.
    frame:
        The file's rows, when at hand: columns of equal rank with the same content are
        then no clash.

    Returns
    -------
    Layout
        ``customer`` and ``date`` are always among its roles; ``amount`` or both
        ``quantity`` and ``price`` are too.

    Raises
    ------
    ColumnError
        When a required column is missing, a named column does not exist, or columns of
        equal rank could play the same role (all such clashes in one message).
    """
    columns = list(columns)
    table = platform_named(platform) if platform else recognise(columns)
    layout = Layout({}, table, ("option" if platform else "header") if table else "")
    by_key = _keys(columns)
    for role, name in (explicit or {}).items():
        if name:
            layout.roles[role] = _explicit_column(role, name, columns, by_key)
    clashes = _choose(layout, by_key, frame)
    if clashes:
        raise ColumnClash(
            "several columns could play the same role: "
            + "; ".join(
                f"{role} ({', '.join(repr(c) for c in cols)})" for role, cols in clashes.items()
            )  # fmt: skip
            + "; pick them with "
            + ", ".join(f"{param(ROLES[role])} NAME" for role in clashes)
        )
    _check_required(layout.roles, columns)
    if table:
        keys = {role: normalize_header(col) for role, col in layout.roles.items()}
        layout.order_level = {r: table.order_level[k] for r, k in keys.items() if
                              k in table.order_level}  # fmt: skip
    return layout


def _keys(columns: list[str]) -> dict[str, list[str]]:
    """Header key -> the columns with that key; a column named with a unit is also found
    under its bare name (``用户实付金额(元)`` as ``用户实付金额``), unless a column has it."""
    by_key: dict[str, list[str]] = {}
    for col in columns:
        by_key.setdefault(normalize_header(col), []).append(col)
    exact = set(by_key)
    for col in columns:  # 用户实付金额(元) is also 用户实付金额, unless a column has that name
        bare = _UNIT.sub("", normalize_header(col))
        if bare and bare not in exact:
            by_key.setdefault(bare, []).append(col)
    return by_key


def _choose(layout: Layout, by_key: dict[str, list[str]],
            frame: pl.DataFrame | None) -> dict[str, list[str]]:  # fmt: skip
    """Fill in the roles not chosen explicitly, most preferred name first; the clashes
    (role -> columns of equal rank that differ) are returned."""
    taken = set(layout.roles.values())
    clashes: dict[str, list[str]] = {}
    for role in ROLE_NAMES:
        if role in layout.roles:
            continue
        ranked = [
            [c for c in by_key.get(key, []) if c not in taken]
            for key in candidates(role, layout.platform)
        ]
        ranked = [cols for cols in ranked if cols]
        if not ranked:
            continue
        best = _distinct(ranked[0], frame)
        if len(best) > 1:
            clashes[role] = best
            continue
        layout.roles[role] = best[0]
        taken.update(ranked[0])
        others = [c for cols in ranked[1:] for c in cols if c not in taken]
        if others:
            layout.passed_over[role] = others
    return clashes


def _distinct(cols: list[str], frame: pl.DataFrame | None) -> list[str]:
    """``cols`` less those whose content equals an earlier one's (when ``frame`` is known)."""
    if frame is None or len(cols) == 1:
        return cols
    kept: list[str] = []
    for col in cols:
        if not any(frame[col].equals(frame[k], null_equal=True) for k in kept):
            kept.append(col)
    return kept


def _explicit_column(role: str, name: str, columns: list[str], by_key: dict) -> str:
    if name in columns:
        return name
    hits = by_key.get(normalize_header(name), [])
    if len(hits) == 1:
        return hits[0]
    flag = ROLES.get(role, role)
    if looks_like_data(columns):
        raise ColumnError(f"{param(flag)} {name!r}: no such column: {_data_hint(columns)}")
    raise ColumnError(f"{param(flag)} {name!r}: no such column; the file has {_listing(columns)}")


def find_column(name: str, columns: list[str], flag: str = "by") -> str:
    """The column of ``columns`` that ``name`` names: exactly, else the one column with
    its normalised name (``省份``, ``Province``, ``sales channel`` as ``sales_channel``).

    Raises ColumnError naming the file's columns when none (or several) match."""
    return _explicit_column(flag, name, columns, _keys(columns))


def _check_required(found: dict[str, str], columns: list[str]) -> None:
    missing = [role for role in REQUIRED_ROLES if role not in found]
    if "amount" not in found and not ("quantity" in found and "price" in found):
        missing.append("amount")
    if not missing:
        return
    role = missing[0]
    what = "amount column found (nor quantity and unit price)" if role == "amount" else (
        f"{role} column found")  # fmt: skip
    if columns and columns == positional_names(len(columns)):  # no header line
        raise ColumnError(f"no {what}; without a header line the columns are named by number, "
                          f"1 to {len(columns)}; name it with {param(ROLES[role])} N")  # fmt: skip
    if looks_like_data(columns):
        raise ColumnError(f"no {what}: {_data_hint(columns)}")
    raise ColumnError(
        f"no {what}; the file has {_listing(columns)}; name it with {param(ROLES[role])} NAME"
    )


#: A header cell that is a value: a number or an amount, a date or a time (``00004``,
#: ``29.33``, ``19970101``, ``2024-01-05 10:00``, ``5/3/2019``).
_VALUE = re.compile(r"[-+(]?[$¥€£￥]?\d[\d.,:/ T-]*\)?")


def looks_like_data(columns: list[str]) -> bool:
    """Whether a header is a row of data: every cell a number or a date, none a known
    column name."""
    cells = [str(c) for c in columns]
    known = known_headers()
    return bool(cells) and all(
        _VALUE.fullmatch(c.strip()) and normalize_header(c) not in known for c in cells
    )


def _data_hint(columns: list[str]) -> str:
    """What to do about a header that is a row of data: its cells by number, and the
    options that read a file without a header line."""
    cells = ", ".join(f"{i}: {c!r}" for i, c in enumerate(columns[:30], 1))
    more = ", ..." if len(columns) > 30 else ""
    flags = " ".join(f"{param(ROLES[r])} N" for r in ("customer", "date", "amount"))
    return (f"the first line looks like data, not a header ({cells}{more}); if the file has no "
            f"header line, pass {param('no_header')} and name the columns by number: "
            f"{flags}")  # fmt: skip


def _listing(columns: list[str]) -> str:
    shown = ", ".join(repr(c) for c in columns[:30])
    more = f" and {len(columns) - 30} more" if len(columns) > 30 else ""
    return f"columns {shown}{more}"
