"""What is decided once per input, over the whole input, and handed to every part.

A file read in parts must be cleaned exactly as if it were read whole: whether its dates
are day first and whether ``C`` + digits marks a cancelled invoice are facts of the file,
not of a part. The engines decide them here from all the input's rows (for a file in
parts: every part's rows) before any row is cleaned. What the reader decides from the
file's head (format, encoding, delimiter, the columns and which of them stay text) is
likewise decided once, before the rows are read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from custseg.errors import DataError, param
from custseg.notes import Note
from custseg.orders.cleaning import uci_digit_share
from custseg.orders.columns import Layout
from custseg.orders.values import date_expr, day_first_over, decimal_marks, id_expr

#: How many first values of the date column tell which shapes its dates have.
HEAD_VALUES = 500
#: How many first rows (in input order) tell where order-level amounts sit and which
#: decimal mark amounts use.
HEAD_ROWS = 100_000
#: The least number of orders with several rows that can tell an order-level amount, and
#: the share of them that must show it.
LEVEL_ORDERS, LEVEL_SHARE = 5, 0.9
#: More order ids than this (and than 1% of them) shared by several customers: not order ids.
SHARED_IDS = 2
#: An Excel-mangled number: ``3.51235E+18``.
SCIENTIFIC = r"^\s*\d(?:\.\d+)?[Ee]\+\d+\s*$"


@dataclass(frozen=True)
class FileFacts:
    """``dayfirst``: ``5/3/2019`` is 5 March; ``c_cancellations``: order ids ``C`` + digits
    are cancelled invoices (UCI's convention); ``unique_orders``: every row has an order id
    and none repeats (no line items to merge, no duplicate rows possible);
    ``order_ids_usable``: False when the order ids cannot be order ids (Excel-mangled, or
    shared by many customers): a customer's rows of the same time are then one order;
    ``order_level``: role ->
    ``repeated`` or ``first_row`` for the columns whose order-level value sits on item
    rows; ``decimal``: the decimal mark of text amounts; ``platform``: the platform table
    the input is read with (``generic``: none); ``notes`` and ``warnings``: what was
    decided, to tell the user (warnings: numbers custseg is not sure of)."""

    dayfirst: bool = False
    c_cancellations: bool = False
    unique_orders: bool = False
    order_ids_usable: bool = True
    order_level: tuple[tuple[str, str], ...] = ()
    decimal: str = "."
    platform: str = "generic"
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    def level(self, role: str) -> str | None:
        return dict(self.order_level).get(role)


@dataclass(frozen=True)
class WholeAnswers:
    """What another engine found over all the input's rows, for :func:`decide_facts` to
    use instead of scanning ``rows`` (then only the input's first rows, in input order):
    whether the order ids are unique and follow UCI's convention
    (:func:`order_id_facts`), and ``shared()``, the distinct order ids and (order,
    customer) pairs among rows with both (see :func:`_ids_usable`)."""

    unique: bool
    c_ids: bool
    shared: Callable[[], tuple[int, int]]


def decide_facts(
    rows: pl.LazyFrame,
    layout: Layout | dict[str, str],
    dayfirst: bool | None = None,
    order_by: str | None = None,
    *,
    decimal: str | None = None,
    order_given: bool = False,
    amount_level: str | None = None,
    whole: WholeAnswers | None = None,
) -> FileFacts:
    """The facts of an input from ``rows``, a lazy frame of all its raw rows (the columns
    the layout names; for a file in parts, a scan of every part), and ``order_by``, the
    column that gives the input's order (none: ``rows`` is in input order).

    ``dayfirst`` (``--dayfirst``) and ``decimal`` (``--decimal``) are taken as given when
    not None; ``order_given``: the order column was named by the user (``--order-col``),
    whose ids are then used whatever they look like; ``amount_level`` (``--order-amounts``):
    ``order`` (the amount column holds each order's total, on its rows: counted once per
    order) or ``item`` (amounts per row), else the table's word or what the rows show.
    ``whole``: the answers that need every row, found by another engine (``rows`` then
    holds the first :data:`HEAD_ROWS` rows only).
    Raises DataError when the decimal mark of the amounts cannot be told."""
    layout = layout if isinstance(layout, Layout) else Layout(dict(layout))
    roles = layout.roles
    head = _head(rows, roles, order_by)
    if dayfirst is None:
        dates = head.select(roles["date"]).drop_nulls().head(HEAD_VALUES)
        dayfirst = day_first_over(dates.collect().to_series(), rows.select(roles["date"]))
    notes, warnings = layout_notes(layout)
    mark = decimal or _decimal_mark(head, roles)
    if mark == "," and not decimal:
        notes.append(Note("decimal_comma"))
    facts = FileFacts(
        dayfirst=dayfirst,
        decimal=mark,
        order_level=tuple(layout.order_level.items()),
        platform=layout.platform.name if layout.platform else "generic",
    )
    order_col = roles.get("order")
    if not order_col:
        return _with(facts, notes, warnings)
    if whole is None:
        unique, c_ids = order_id_facts(rows.select(pl.col(order_col)), in_order=order_by is None)
    else:
        unique, c_ids = whole.unique, whole.c_ids
    shared = whole.shared if whole else lambda: shared_order_ids(rows, roles)
    usable = unique or order_given or _ids_usable(shared, head, roles, dayfirst, warnings)
    level = _amount_layout(dict(facts.order_level), amount_level, head, roles,
                           usable and not unique)  # fmt: skip
    if "amount" in level and usable and not unique:
        how = "order" if amount_level == "order" else level["amount"]
        notes.append(Note(f"level_{how}", col=roles["amount"]))
    return _with(FileFacts(dayfirst, c_ids and usable, unique, usable, tuple(level.items()),
                           mark, facts.platform), notes, warnings)  # fmt: skip


def _amount_layout(level: dict[str, str], asked: str | None, head: pl.LazyFrame,
                   roles: dict[str, str], may_repeat: bool) -> dict[str, str]:  # fmt: skip
    """``level`` (role -> order-level layout, from the table) with the amount's decided:
    as ``asked`` (``item``, or ``order``: each order's total, blanks filled from its rows,
    counted once), else the table's word, else what the first rows show (when an order
    may have several rows)."""
    if "amount" not in roles:
        return level
    if asked == "item":
        level.pop("amount", None)
    elif asked == "order":
        level["amount"] = "first_row"
    elif "amount" not in level and may_repeat:
        found = _amount_level(head, roles)
        if found:
            level["amount"] = found
    return level


def _with(facts: FileFacts, notes: list[str], warnings: list[str]) -> FileFacts:
    return FileFacts(**{**facts.__dict__, "notes": tuple(notes), "warnings": tuple(warnings)})


def _head(rows: pl.LazyFrame, roles: dict[str, str], order_by: str | None) -> pl.LazyFrame:
    """The first :data:`HEAD_ROWS` rows in input order (the role columns), read once."""
    columns = list(dict.fromkeys(roles.values()))
    if order_by is None:
        return rows.select(columns).head(HEAD_ROWS).collect().lazy()
    head = rows.select(*columns, order_by).bottom_k(HEAD_ROWS, by=order_by).sort(order_by)
    return head.drop(order_by).collect().lazy()


def layout_notes(layout: Layout) -> tuple[list[str], list[str]]:
    """What the header told: the platform, the columns chosen over others."""
    notes: list[str] = []
    if layout.platform is not None:
        how = "from the header" if layout.platform_from == "header" else "as asked"
        notes.append(Note("platform", title=layout.platform.title, how=how))
    for role, others in layout.passed_over.items():
        chosen = layout.roles[role]
        notes.append(Note("chosen_over", role=role, chosen=chosen,
                          others=", ".join(repr(c) for c in others)))  # fmt: skip
    return notes, []


def _decimal_mark(head: pl.LazyFrame, roles: dict[str, str]) -> str:
    """``,`` when the text amounts end with a comma and one or two digits and none with a
    dot so; ``.`` otherwise; DataError when both occur."""
    cols = [roles[r] for r in ("amount", "price", "refunded") if r in roles]
    schema = head.collect_schema()
    text = [c for c in cols if schema[c] == pl.String]
    if not text:
        return "."
    counts = (
        head.select(
            [
                e.alias(f"{kind}{i}")
                for i, c in enumerate(text)
                for kind, e in zip(("comma", "dot"), decimal_marks(pl.col(c)), strict=True)
            ]  # fmt: skip
        )
        .collect()
        .row(0, named=True)
    )
    comma = sum(v for k, v in counts.items() if k.startswith("comma"))
    dot = sum(v for k, v in counts.items() if k.startswith("dot"))
    if comma and dot:
        raise DataError(
            f"the amounts mix decimal marks ({comma:,} end like 36,90 and {dot:,} like 36.90); "
            f"say which is the decimal mark with {param('decimal')} , or {param('decimal')} ."
        )
    return "," if comma else "."


def shared_order_ids(rows: pl.LazyFrame, roles: dict[str, str]) -> tuple[int, int]:
    """The distinct order ids, and (order, customer) pairs, among the rows with both."""
    schema = rows.collect_schema()
    names = [roles[r] for r in ("order", "customer")]
    pair = [id_expr(name, schema[name]) for name in names]
    # the canonical ids are taken once: id_expr again on its own text output would round
    # a float column's strings (float customer ids with repeated order ids crashed here)
    ids, pairs = (
        rows.select(pair).drop_nulls()
        .select(ids=pl.col(names[0]).hash().n_unique(), pairs=pl.struct(names).hash().n_unique())
        .collect().row(0)
    )  # fmt: skip
    return ids, pairs


def _ids_usable(shared: Callable[[], tuple[int, int]], head: pl.LazyFrame,
                roles: dict[str, str], dayfirst: bool, warnings: list[str]) -> bool:  # fmt: skip
    """Whether the order ids can be order ids: not Excel-mangled (``3.51235E+18``), not
    shared by several customers, not recurring on different days (numbers that restart
    each day), each for more than 1% of ids (and more than :data:`SHARED_IDS`). A warning
    says why not."""
    _mangled_customers(head, roles, warnings)
    text = pl.col(roles["order"]).cast(pl.String)
    mangled, example = (
        head.select(
            share=text.str.contains(SCIENTIFIC).mean(),
            example=text.filter(text.str.contains(SCIENTIFIC)).first(),
        )
        .collect()
        .row(0)
    )
    if mangled and mangled > 0.5:
        warnings.append(Note("mangled_orders", example=example))
        return False
    ids, pairs = shared()
    n_shared, limit = pairs - ids, max(0.01 * ids, SHARED_IDS)
    if n_shared > limit:
        warnings.append(Note("shared_ids", n=n_shared))
        return False
    schema = head.collect_schema()
    pair = [id_expr(roles[r], schema[roles[r]]) for r in ("order", "customer")]
    day = date_expr(roles["date"], schema[roles["date"]], dayfirst).dt.date()
    recurring = (
        head.select(pair[0].alias("o"), day.alias("d")).drop_nulls()
        .group_by("o").agg(pl.col("d").n_unique()).filter(pl.col("d") > 1)
        .select(pl.len()).collect().item()
    )  # fmt: skip
    if recurring > limit:
        warnings.append(Note("recurring_ids", n=recurring))
        return False
    return True


def _mangled_customers(head: pl.LazyFrame, roles: dict[str, str], warnings: list[str]) -> None:
    ids = pl.col(roles["customer"]).cast(pl.String)
    share, like = (
        head.select(share=ids.str.contains(SCIENTIFIC).mean(), like=ids.first()).collect().row(0)
    )
    if share and share > 0.5:
        warnings.append(Note("mangled_customers", like=like))


def _amount_level(head: pl.LazyFrame, roles: dict[str, str]) -> str | None:
    """``repeated`` when the orders with several rows (in the first rows) show the same
    amount on every row, ``first_row`` when they show it on the first row only, None
    otherwise (amounts per item row). At least :data:`LEVEL_ORDERS` such orders must be
    seen and :data:`LEVEL_SHARE` of them agree."""
    amount = pl.col(roles["amount"])
    present = amount.is_not_null() & (amount.cast(pl.String).str.strip_chars() != "")
    per_order = head.group_by(roles["order"]).agg(
        n=pl.len(), present=present.sum(), distinct=amount.n_unique(),
        first=present.first(),
    ).filter(pl.col("n") > 1)  # fmt: skip
    shares = (
        per_order.select(
            orders=pl.len(),
            repeated=((pl.col("present") == pl.col("n")) & (pl.col("distinct") == 1)).mean(),
            first_row=((pl.col("present") == 1) & pl.col("first")).mean(),
        )
        .collect()
        .row(0, named=True)
    )
    if shares["orders"] < LEVEL_ORDERS:
        return None
    for level in ("repeated", "first_row"):
        if (shares[level] or 0) >= LEVEL_SHARE:
            return level
    return None


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
