"""Find the order columns in a file's header, by common names or by explicit choice.

Headers are compared after normalisation: Unicode NFKC (full-width forms become
ASCII), lower case, and spaces, underscores, hyphens and dots removed, so
``Customer ID``, ``customer_id`` and ``ＣｕｓｔｏｍｅｒＩＤ`` are the same name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

from custseg.errors import ColumnError, param

#: role -> (the parameter that names it, known header names). Order within a role does not
#: matter: two matching columns are an ambiguity the user resolves with the parameter.
ROLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "customer": (
        "columns.customer",
        (
            "customer_id",
            "customer",
            "customerid",
            "customer id",
            "user_id",
            "userid",
            "client_id",
            "buyer_id",
            "member_id",
            "买家会员名",
            "买家昵称",
            "客户id",
            "用户id",
            "会员id",
            "客户编号",
            "买家id",
            # JD (京东) exports
            "下单帐号",
            "下单账号",
            "客户账号",
            "买家账号",
        ),
    ),
    "order": (
        "columns.order",
        (
            "order_id",
            "orderid",
            "invoiceno",
            "invoice_no",
            "invoice",
            "order_no",
            "order_number",
            "transaction_id",
            "订单编号",
            "订单号",
            "主订单编号",
        ),
    ),
    "date": (
        "columns.date",
        (
            "order_date",
            "date",
            "invoicedate",
            "invoice_date",
            "orderdate",
            "purchase_date",
            "transaction_date",
            "timestamp",
            "created_at",
            "订单付款时间",
            "付款日期",
            "付款时间",
            "下单时间",
            "订单创建时间",
            "成交时间",
            "支付时间",
            "付款确认时间",
        ),
    ),
    "amount": (
        "columns.amount",
        (
            "amount",
            "revenue",
            "total",
            "sales",
            "order_total",
            "order_amount",
            "dollar_value",
            "value",
            "买家实际支付金额",
            "实付金额",
            "订单金额",
            "支付金额",
            "成交金额",
            "应付金额",
            "实付款",
            "订单总金额",
        ),
    ),
    "quantity": ("columns.quantity", ("quantity", "qty", "数量", "购买数量", "宝贝总数量")),
    "price": ("columns.price", ("unitprice", "unit_price", "price", "单价")),
    "status": ("columns.status", ("status", "order_status", "订单状态", "交易状态")),
}

REQUIRED_ROLES = ("customer", "date")

_DROP = re.compile(r"[\s_\-.]+")


def normalize_header(name: object) -> str:
    """Return the comparison key of a header: NFKC, lower case, no separators."""
    text = unicodedata.normalize("NFKC", str(name)).strip().lower()
    return _DROP.sub("", text)


_ALIASES = {role: {normalize_header(a) for a in names} for role, (_, names) in ROLES.items()}


def resolve_columns(
    columns: Iterable[str], explicit: Mapping[str, str | None] | None = None
) -> dict[str, str]:
    """Map each role (customer, order, date, amount, ...) to a column of the file.

    Parameters
    ----------
    columns:
        The file's header, in file order.
    explicit:
        role -> column name chosen by the user (``--customer-col`` ...). ``None`` values
        are ignored. An explicit name is matched exactly first, then after normalisation.

    Returns
    -------
    dict
        role -> column name, for every role found. ``customer`` and ``date`` are always
        present; ``amount`` or both ``quantity`` and ``price`` are present.

    Raises
    ------
    ColumnError
        When a required column is missing, a named column does not exist, or two
        columns could play the same role.
    """
    columns = list(columns)
    by_key: dict[str, list[str]] = {}
    for col in columns:
        by_key.setdefault(normalize_header(col), []).append(col)
    explicit = {k: v for k, v in (explicit or {}).items() if v}
    found: dict[str, str] = {}
    for role, name in explicit.items():
        found[role] = _explicit_column(role, name, columns, by_key)
    taken = set(found.values())
    for role in ROLES:
        if role in found:
            continue
        matches = [c for c in columns if normalize_header(c) in _ALIASES[role] and c not in taken]
        if len(matches) > 1:
            flag = ROLES[role][0]
            listed = ", ".join(repr(c) for c in matches)
            raise ColumnError(
                f"several columns could be the {role} column: {listed}; "
                f"pick one with {param(flag)} NAME"
            )
        if matches:
            found[role] = matches[0]
            taken.add(matches[0])
    _check_required(found, columns)
    return found


def _explicit_column(role: str, name: str, columns: list[str], by_key: dict) -> str:
    if name in columns:
        return name
    hits = by_key.get(normalize_header(name), [])
    if len(hits) == 1:
        return hits[0]
    flag = ROLES[role][0] if role in ROLES else f"columns.{role}"
    raise ColumnError(f"{param(flag)} {name!r}: no such column; the file has {_listing(columns)}")


def _check_required(found: dict[str, str], columns: list[str]) -> None:
    for role in REQUIRED_ROLES:
        if role not in found:
            raise ColumnError(
                f"no {role} column found; the file has {_listing(columns)}; "
                f"name it with {param(ROLES[role][0])} NAME"
            )
    if "amount" not in found and not ("quantity" in found and "price" in found):
        raise ColumnError(
            f"no amount column found (nor quantity and unit price); the file has "
            f"{_listing(columns)}; name it with {param('columns.amount')} NAME"
        )


def _listing(columns: list[str]) -> str:
    shown = ", ".join(repr(c) for c in columns[:30])
    more = f" and {len(columns) - 30} more" if len(columns) > 30 else ""
    return f"columns {shown}{more}"
