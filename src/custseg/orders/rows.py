"""Raw rows to canonical rows: each row's customer, order, date and amount parsed, and the
first reason it cannot be used (:mod:`custseg.orders.cleaning`).

What the rows mean comes from the input's facts (:mod:`custseg.orders.facts`) and its
platform table (:mod:`custseg.orders.platforms`): which status values are sales, which ids
stand for no customer, whether an order's amount sits on every item row or on its first
row only (then it is counted once per order), the decimal mark, the time zone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import polars as pl

from custseg.orders import cleaning
from custseg.orders.columns import find_column
from custseg.orders.facts import FileFacts
from custseg.orders.platforms import Platform, generic, platforms
from custseg.orders.statuses import CODES, status_codes
from custseg.orders.values import (
    amount_fast_expr,
    complete,
    date_fast_expr,
    id_expr,
    parse_amounts,
    parse_dates,
)

if TYPE_CHECKING:
    from custseg.orders.load import LoadOptions


@dataclass
class ParsedRows:
    """The canonical rows (``customer_id``, ``order_id``, ``order_date``, ``amount``,
    ``reason`` and, when asked for, ``line``, then ``by_value`` with ``--by``), whether each
    row is its own order, and what was found on the way: counters (name -> detail -> rows)
    the report sums over parts."""

    rows: pl.DataFrame
    one_row_per_order: bool
    findings: dict[str, dict[str, int]] = field(default_factory=dict)


def parse_rows(
    frame: pl.DataFrame,
    roles: dict[str, str],
    opts: LoadOptions,
    facts: FileFacts,
    lines: Callable[[], pl.Series],
    *,
    with_lines: bool = False,
) -> ParsedRows:
    """One canonical row per input row (before merging line items) and the code of the
    first reason it cannot be used (0 when it can); with ``with_lines``, also its file
    line (``lines()`` gives them, asked for only when needed). ``facts`` are the input's:
    decided over the whole input, never per part.

    Values are parsed in one parallel pass in their column's likely format; the few
    that fail it get the careful parse (:func:`custseg.orders.values.complete`).
    """
    table = platforms().get(facts.platform) if facts.platform != "generic" else None
    order_col = roles.get("order") if facts.order_ids_usable else None
    unique = bool(order_col) and facts.unique_orders
    frame = _fill_first_rows(frame, roles, facts, order_col)
    amount_cols = [roles["amount"]] if "amount" in roles else [roles["quantity"], roles["price"]]
    exprs = _fast_exprs(frame, roles, opts, facts, amount_cols, order_col, unique)
    status_cols = [roles[r] for r in ("status", "after_sale") if r in roles]
    findings: dict[str, dict[str, int]] = {}
    if status_cols:
        exprs["status"], seen = status_codes(status_cols, frame, table, opts.cancel_status)
        findings = {f"status {how}": counts for how, counts in seen.items() if counts}
    parsed = frame.lazy().select(**{k: e.alias(k) for k, e in exprs.items()}).collect()
    order_date = _dates(parsed, frame[roles["date"]], facts, opts.tz, findings)
    amount, missing_amount = _amounts(parsed, frame, amount_cols, facts.decimal)
    need_lines = with_lines or not order_col or parsed["order_id"].null_count() > 0
    need_lines |= bool(roles.get("order")) and not facts.order_ids_usable
    line = lines().cast(pl.Int64).alias("line") if need_lines else pl.Series("line", [], pl.Int64)
    order_id = _order_ids(parsed, order_col, bool(roles.get("order")), order_date, line)
    customer = parsed["customer_id"]
    amount, full, partly = _order_amounts(amount, parsed, frame, roles, facts, customer,
                                          order_id)  # fmt: skip
    status = parsed["status"] if status_cols else None
    # a refund status on a row whose refunded amount leaves some of it paid: partly refunded
    cancelled = (_is(status, "cancelled") & ~partly) | full | _flag(parsed, "c_invoice")
    checks = [
        ("missing customer", customer.is_null()),
        ("placeholder customer", placeholder_customers(customer, table, opts)),
        ("not paid", _is(status, "not_paid")),
        ("cancelled", cancelled),
        ("missing date", cleaning.blank_where(frame[roles["date"]], order_date.is_null())),
        ("unparseable date", order_date.is_null()),
        ("missing amount", missing_amount),
        ("unparseable amount", amount.is_null()),
    ]
    reason = _first_reasons(checks, frame, amount, opts, unique)
    _count_findings(findings, reason, partly, status if "refunded" not in roles else None,
                    order_date)  # fmt: skip
    columns = [customer, order_id.alias("order_id"), order_date.alias("order_date"),
               amount.alias("amount"), reason]  # fmt: skip
    columns += [line] * with_lines + ([by_values(frame, opts.by)] if opts.by else [])
    return ParsedRows(pl.DataFrame(columns), unique or not roles.get("order"), findings)


def by_values(frame: pl.DataFrame, by: str) -> pl.Series:
    """Each row's value of the ``--by`` column (:func:`custseg.orders.columns.find_column`)
    as text, trimmed; null when blank. Raises ColumnError when the file has no such column."""
    col = find_column(by, frame.columns)
    text = frame[col].cast(pl.String, strict=False).str.strip_chars()
    return pl.select(pl.when(text != "").then(text)).to_series().alias("by_value")


def _first_reasons(checks: list[tuple[str, pl.Series]], frame: pl.DataFrame, amount: pl.Series,
                   opts: LoadOptions, unique: bool) -> pl.Series:  # fmt: skip
    """The reason codes of the rows: ``checks``, then duplicate rows and dropped returns."""
    if not opts.keep_duplicates and not unique:
        checks.append(("duplicate row", cleaning.duplicate_rows(frame)))
    if opts.returns == "drop":
        checks.append(("return dropped", (amount < 0).fill_null(False)))
    return cleaning.first_reasons(checks, frame.height)


def _order_ids(parsed: pl.DataFrame, order_col: str | None, has_order: bool,
               order_date: pl.Series, line: pl.Series) -> pl.Series:  # fmt: skip
    """Each row's order id: the file's (a row without one is its own order, named by its
    line); with no order column each row is its own order; with one whose ids cannot be
    used (``order_col`` None though ``has_order``), :func:`_orders_by_time`."""
    if has_order and not order_col:
        return _orders_by_time(order_date, line)
    order_id = parsed["order_id"] if order_col else line.cast(pl.String)
    if order_col and order_id.null_count():
        order_id = order_id.fill_null("#" + line.cast(pl.String))
    return order_id


def _orders_by_time(order_date: pl.Series, line: pl.Series) -> pl.Series:
    """Order ids when the file's cannot be used (Excel-mangled, shared by customers): a
    customer's rows of the same time are one order (line items of one checkout share it to
    the second); a row without a date is its own order."""
    stamp = order_date.dt.strftime("@%Y-%m-%d %H:%M:%S%.f")
    return pl.select(pl.coalesce(stamp, "#" + line.cast(pl.String))).to_series()


#: The largest amount taken as a number: beyond it (or NaN, infinite, overflowing) a value
#: is unparseable, so that no sum can overflow and no NaN reaches a total or the JSON.
MAX_AMOUNT = 1e15
#: The first year a date may have: ``19-03-05`` read as the year 19 is a two-digit year.
FIRST_YEAR = 1900


def finite(amount: pl.Series) -> pl.Series:
    """``amount`` with NaN, infinite and absurd values (beyond :data:`MAX_AMOUNT`) as null."""
    if not amount.dtype.is_float():
        return amount
    ok = amount.is_finite() & (amount.abs() <= MAX_AMOUNT)
    if ok.fill_null(True).all():
        return amount
    return pl.select(pl.when(ok).then(amount)).to_series().alias(amount.name)


def _dates(parsed: pl.DataFrame, raw: pl.Series, facts: FileFacts, tz: str | None,
           findings: dict) -> pl.Series:  # fmt: skip
    """Each row's date: the fast parse completed by the careful one, then made plausible."""
    dayfirst = facts.dayfirst
    order_date = complete(parsed["order_date"], raw, lambda s: parse_dates(s, dayfirst, tz))
    return _plausible_dates(order_date, findings)


def _plausible_dates(order_date: pl.Series, findings: dict) -> pl.Series:
    """``order_date`` with dates before :data:`FIRST_YEAR` as null (unparseable: a
    two-digit year such as ``19-03-05`` reads as the year 19), counted in ``findings``."""
    early = (order_date.dt.year() < FIRST_YEAR).fill_null(False)
    n = int(early.sum())
    if not n:
        return order_date
    findings["early dates"] = {"": n}
    return pl.select(pl.when(~early).then(order_date)).to_series().alias(order_date.name)


#: Orders in use dated before this day (the early days of e-commerce), or after today, are
#: far outside any shop's range: counted and warned about.
EARLIEST_PLAUSIBLE = dt.datetime(1995, 1, 1)


def _far_dates(findings: dict, order_date: pl.Series, reason: pl.Series) -> None:
    """Count the rows in use dated before :data:`EARLIEST_PLAUSIBLE` or after today."""
    used = reason == 0
    tomorrow = dt.datetime.combine(dt.date.today() + dt.timedelta(days=1), dt.time())
    counts = {
        "early": int(((order_date < EARLIEST_PLAUSIBLE) & used).sum()),
        "future": int(((order_date >= tomorrow) & used).sum()),
    }
    counts = {k: n for k, n in counts.items() if n}
    if counts:
        findings["far dates"] = counts


def _amounts(parsed: pl.DataFrame, frame: pl.DataFrame, amount_cols: list[str],
             mark: str) -> tuple[pl.Series, pl.Series]:  # fmt: skip
    """The amount of each row (or quantity x price) and where its cell is empty."""
    amounts = [complete(parsed[f"amount{i}"], frame[c], lambda s: parse_amounts(s, mark))
               for i, c in enumerate(amount_cols)]  # fmt: skip
    amount = finite(amounts[0] if len(amounts) == 1 else amounts[0] * amounts[1])
    missing = cleaning.blank_where(frame[amount_cols[0]], amounts[0].is_null())
    if len(amounts) == 2:
        missing |= cleaning.blank_where(frame[amount_cols[1]], amounts[1].is_null())
    return amount, missing


def _count_findings(findings: dict, reason: pl.Series, partly: pl.Series,
                    status: pl.Series | None, order_date: pl.Series) -> None:  # fmt: skip
    """What the rows in use show that the report tells: refunds, dates far out."""
    _refund_findings(findings, reason, partly, status)
    _far_dates(findings, order_date, reason)


def _refund_findings(findings: dict, reason: pl.Series, partly: pl.Series,
                     status: pl.Series | None) -> None:  # fmt: skip
    """Count the rows in use that are partly refunded: net of their refunded amount
    (``partly``), or kept gross because the export has no refunded amount (``status`` says
    partly refunded; None when the export has one)."""
    used = reason == 0
    net = int((partly & used).sum())
    if net:
        findings["partly refunded net"] = {"": net}
    if status is not None:
        gross = int(((status == CODES["partly_refunded"]) & used).sum())
        if gross:
            findings["partly refunded gross"] = {"": gross}


def _is(status: pl.Series | None, category: str) -> pl.Series:
    if status is None:
        return pl.Series([False])
    return status == CODES[category]


def _flag(parsed: pl.DataFrame, name: str) -> pl.Series:
    return parsed[name] if name in parsed.columns else pl.Series([False])


def placeholder_customers(
    customer: pl.Series, table: Platform | None, opts: LoadOptions
) -> pl.Series:
    """True where the customer id stands for no customer: a placeholder of the platform or
    generic table (in any letter case), or a fully masked id (``***``).

    Only the ids of a placeholder's byte length are looked up: at 10M rows the length
    test takes 12 ms, where ``is_in`` on every id took 68 ms (and lower-casing every id
    would copy the column)."""
    if opts.keep_placeholder_ids:
        return pl.Series([False])
    spelled = placeholder_ids(table)
    lengths = sorted({len(v.encode()) for v in spelled})
    maybe = customer.str.len_bytes().is_in(lengths).fill_null(False)
    rows = maybe.arg_true()
    if rows.is_empty():
        return maybe
    return maybe.scatter(rows.filter(~customer.gather(rows).is_in(sorted(spelled))), False)


def placeholder_ids(table: Platform | None) -> set[str]:
    """The customer ids that stand for no customer, as spelled in files: the placeholders
    of the generic table and of ``table`` in their usual letter cases, and masks (``***``)."""
    values = set(generic().placeholders) | (table.placeholders if table else set())
    spelled = {f(v) for v in values for f in (str, str.upper, str.capitalize, str.title)}
    return spelled | {"*" * n for n in range(1, 7)} | {"＊" * n for n in range(1, 5)}


def _fill_first_rows(frame: pl.DataFrame, roles: dict[str, str], facts: FileFacts,
                     order_col: str | None) -> pl.DataFrame:  # fmt: skip
    """``frame`` with the blanks of order-level columns written on each order's first row
    only filled from that row (a Shopify order's other lines take its status, payment
    time and total). With the amount so laid out, every role column is filled."""
    levels = dict(facts.order_level)
    if not order_col or "first_row" not in levels.values():
        return frame
    fill = [r for r, level in levels.items() if level == "first_row"]
    if levels.get("amount") == "first_row":
        fill = [r for r in roles if r != "order"]
    cols = list(dict.fromkeys(roles[r] for r in fill if r in roles))
    return frame.with_columns(
        pl.col(c).fill_null(pl.col(c).drop_nulls().first().over(order_col)) for c in cols
    )


def _order_amounts(amount: pl.Series, parsed: pl.DataFrame, frame: pl.DataFrame,
                   roles: dict[str, str], facts: FileFacts, customer: pl.Series,
                   order_id: pl.Series) -> tuple[pl.Series, pl.Series, pl.Series]:  # fmt: skip
    """The amount of each row once order-level amounts count once per order (on the
    order's first row; 0 on its other rows) and refunded amounts are taken off; which rows
    are refunded in full (a refunded amount covering a positive amount) and which in part."""
    first = None
    if facts.level("amount") or facts.level("refunded"):
        first = (
            pl.DataFrame([customer, order_id.alias("o")])
            .select(pl.struct(pl.all()).is_first_distinct())
            .to_series()
        )
    if facts.level("amount") and first is not None:
        amount = pl.select(pl.when(first).then(amount).otherwise(pl.lit(0.0))).to_series()
    full = partly = pl.Series([False])
    if "refunded" in roles:
        refunded = complete(parsed["refunded"], frame[roles["refunded"]],
                            lambda s: parse_amounts(s, facts.decimal))  # fmt: skip
        refunded = finite(refunded).fill_null(0.0)
        if facts.level("refunded") and first is not None:
            refunded = pl.select(pl.when(first).then(refunded).otherwise(0.0)).to_series()
        full = ((refunded > 0) & (refunded >= amount - 0.005) & (amount > 0)).fill_null(False)
        partly = ((refunded > 0) & ~full).fill_null(False)
        net = (amount - refunded).round(2)  # 100 - 33.3 is 66.7, not 66.69999999999999
        amount = pl.select(pl.when(refunded > 0).then(net).otherwise(amount)).to_series()
    return amount, full, partly


def guarded_ids(ids: pl.Series) -> bool:
    """Whether the first text ids start with ``=`` or ``'`` (Excel's text guards: an
    export writes them on the whole column or not at all). Looking at the first 1,000
    only: the whole column costs 65 ms at 10M rows."""
    if ids.dtype != pl.String:
        return False
    head = ids.head(1000)
    return bool((head.str.starts_with("=") | head.str.starts_with("'")).any())


def _fast_exprs(frame: pl.DataFrame, roles: dict[str, str], opts: LoadOptions,
                facts: FileFacts, amount_cols: list[str], order_col: str | None,
                unique: bool) -> dict[str, pl.Expr]:  # fmt: skip
    """The expressions of :func:`parse_rows`' one parallel pass: ids, the date and
    amounts in their likely format, and the UCI cancellation flag."""
    schema = frame.schema
    date_col, cust_col = roles["date"], roles["customer"]
    exprs = {
        "customer_id": id_expr(cust_col, schema[cust_col], frame[cust_col]),
        "order_date": date_fast_expr(
            date_col, schema[date_col], facts.dayfirst, frame[date_col], opts.tz
        ),  # fmt: skip
    }
    for i, col in enumerate(amount_cols):
        exprs[f"amount{i}"] = amount_fast_expr(col, schema[col], facts.decimal)
    if "refunded" in roles:
        exprs["refunded"] = amount_fast_expr(roles["refunded"], schema[roles["refunded"]],
                                             facts.decimal)  # fmt: skip
    if order_col:
        # unique ids are used as they are (but for Excel's text guards, ="..." and '...);
        # repeated ones are normalised to merge line items
        ids = frame[order_col]
        order = (
            pl.col(order_col).cast(pl.String, strict=False)
            if unique and not guarded_ids(ids)
            else id_expr(order_col, schema[order_col], ids)
        )
        exprs["order_id"] = order
        exprs["c_invoice"] = cleaning.cancelled_invoice_expr(order, facts.c_cancellations)
    return exprs
