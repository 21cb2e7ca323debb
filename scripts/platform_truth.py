#!/usr/bin/env python3
"""Independent check of the platform fixtures: re-read each generated export with the
platform's rules written out here (plain csv/decimal/datetime, no custseg, no dataframes),
compute the truth, and compare it with the generator's ``<file>.truth.json``.

    python scripts/platform_truth.py [DIR]      (default tests/fixtures/platforms)

The truth's semantics are in scripts/platform_fixtures.py. Exit status 1 when a file is
missing, a status value is not in its platform's vocabulary below, an order's order-level
values disagree between its rows, or a computed truth differs from the stored one.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

DEFAULT_DIR = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "platforms"
TIME = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T]\d{1,2}:\d{2})?")


def norm(value: str) -> str:
    """A status as compared: NFKC, lower case, ``_``/``-`` read as spaces, trimmed."""
    text = unicodedata.normalize("NFKC", value).lower().replace("_", " ").replace("-", " ")
    return " ".join(text.split())


def vocab(*values: str) -> frozenset:
    return frozenset(norm(v) for v in values)


@dataclass(frozen=True)
class Rule:
    encoding: str
    order: tuple  # column(s) whose values make the order key
    customer: str
    paid: str
    amount: str
    layout: str  # order_row | repeated | first_row | item_sum
    statuses: tuple = ()
    refunded: str = ""
    sale: frozenset = frozenset()
    not_paid: frozenset = frozenset()
    cancelled: frozenset = frozenset()
    partly: frozenset = frozenset()
    placeholders: frozenset = frozenset()
    title_rows: int = 0
    delimiter: str = ","
    decimal_comma: bool = False
    fmt: str = "csv"  # csv (any delimiter, .xls text too) | xlsx | html
    item_statuses: tuple = ()  # per-row status columns (layout item_sum): a row they cancel
    # drops out of its order, and the refunded column is then per row too


RULES = {
    "taobao/orders.csv": Rule(
        "gb18030",
        ("订单编号",),
        "买家会员名",
        "订单付款时间",
        "买家实际支付金额",
        "order_row",
        ("订单状态",),
        "退款金额",
        sale=vocab("交易成功", "卖家已发货，等待买家确认", "买家已付款，等待卖家发货"),
        not_paid=vocab("等待买家付款"),
        cancelled=vocab("交易关闭", "付款以后用户退款成功，交易自动关闭"),
    ),
    "jd/orders.csv": Rule(
        "gbk",
        ("订单号",),
        "下单帐号",
        "付款确认时间",
        "应付金额",
        "repeated",
        ("订单状态",),
        sale=vocab("完成", "等待确认收货", "等待出库"),
        not_paid=vocab("等待付款"),
        cancelled=vocab("已取消", "(删除)等待出库"),
    ),
    "pinduoduo/orders.csv": Rule(
        "utf-8-sig",
        ("订单号",),
        "用户购买手机号",
        "支付时间",
        "用户实付金额(元)",
        "order_row",
        ("订单状态", "售后状态"),
        sale=vocab("已签收", "已发货，待签收", "待发货", "无售后或售后取消", "售后关闭"),
        cancelled=vocab("已取消", "退款成功", "未发货，退款成功"),
    ),
    "douyin/orders.csv": Rule(
        "utf-8-sig",
        ("主订单编号",),
        "收件人手机号",
        "支付完成时间",
        "订单应付金额",
        "item_sum",
        ("订单状态", "售后状态"),
        sale=vocab("已完成", "已发货", "备货中"),
        not_paid=vocab("待支付"),
        cancelled=vocab("已关闭", "退款成功"),
    ),
    "kuaishou/orders.csv": Rule(
        "utf-8-sig",
        ("订单号",),
        "买家ID",
        "订单支付时间",
        "实付款",
        "order_row",
        ("订单状态", "售后状态"),
        sale=vocab("交易成功", "已发货"),
        not_paid=vocab("待付款"),
        cancelled=vocab("交易关闭", "退款成功"),
    ),
    "youzan/orders.csv": Rule(
        "utf-8-sig",
        ("订单号",),
        "买家手机号",
        "买家付款时间",
        "订单实付金额",
        "order_row",
        ("订单状态", "订单退款状态"),
        "订单已退款金额",
        title_rows=1,
        sale=vocab("交易完成", "已发货", "待发货"),
        partly=vocab("部分退款"),
        not_paid=vocab("待付款"),
        cancelled=vocab("交易关闭", "全额退款"),
    ),
    "wechat/orders.csv": Rule(
        "utf-8-sig",
        ("订单号",),
        "买家昵称",
        "支付时间",
        "实付金额",
        "order_row",
        ("订单状态", "售后状态"),
        "退款金额",
        title_rows=1,
        sale=vocab("已完成", "待收货"),
        not_paid=vocab("待付款"),
        cancelled=vocab("已取消", "退款成功"),
    ),
    "shopify/orders_export.csv": Rule(
        "utf-8",
        ("Name",),
        "Email",
        "Paid at",
        "Total",
        "first_row",
        ("Financial Status",),
        "Refunded Amount",
        sale=vocab("paid"),
        partly=vocab("partially_refunded"),
        not_paid=vocab("pending", "authorized", "expired", "voided"),
        cancelled=vocab("refunded"),
    ),
    "woocommerce/orders.csv": Rule(
        "utf-8",
        ("order_id",),
        "customer_id",
        "paid_date",
        "order_total",
        "order_row",
        ("status",),
        sale=vocab("completed", "processing"),
        not_paid=vocab("pending", "on-hold", "failed", "checkout-draft"),
        cancelled=vocab("cancelled", "refunded"),
        placeholders=frozenset({"0"}),
    ),
    "stripe/payments.csv": Rule(
        "utf-8",
        ("id",),
        "Customer ID",
        "Created (UTC)",
        "Amount",
        "order_row",
        ("Status",),
        "Amount Refunded",
        sale=vocab("Paid"),
        not_paid=vocab("Failed"),
        cancelled=vocab("Refunded"),
    ),
    "generic/decimal_comma.csv": Rule(
        "utf-8",
        ("order_id",),
        "customer_id",
        "order_date",
        "amount",
        "order_row",
        delimiter=";",
        decimal_comma=True,
    ),
    "generic/excel_mangled.csv": Rule(
        "utf-8", ("customer_id", "order_date"), "customer_id", "order_date", "amount", "item_sum"
    ),
}


TAOBAO = {
    "sale": ("交易成功", "卖家已发货，等待买家确认", "买家已付款，等待卖家发货"),
    "not_paid": ("等待买家付款",),
    "cancelled": ("交易关闭", "付款以后用户退款成功，交易自动关闭"),
}
JD = {
    "sale": ("完成", "等待确认收货", "等待出库", "锁定", "暂停"),
    "not_paid": ("等待付款",),
    "cancelled": ("已取消", "(删除)已取消", "(删除)等待出库"),
}


def _tmall(fmt: str) -> Rule:
    return Rule(
        "gbk",
        ("订单编号",),
        "买家会员名",
        "订单付款时间",
        "买家实际支付金额",
        "order_row",
        ("订单状态",),
        "退款金额",
        fmt=fmt,
        sale=vocab(*TAOBAO["sale"]),
        not_paid=vocab(*TAOBAO["not_paid"]),
        cancelled=vocab(*TAOBAO["cancelled"]),
    )


def _jd(fmt: str, delimiter: str = ",") -> Rule:
    return Rule(
        "gbk",
        ("订单号",),
        "下单帐号",
        "付款确认时间",
        "应付金额",
        "repeated",
        ("订单状态",),
        fmt=fmt,
        delimiter=delimiter,
        sale=vocab(*JD["sale"]),
        not_paid=vocab(*JD["not_paid"]),
        cancelled=vocab(*JD["cancelled"]),
    )


VARIANTS = {
    "taobao/item_report.csv": Rule(
        "gbk",
        ("主订单编号",),
        "买家会员名",
        "订单付款时间",
        "买家实付金额",
        "item_sum",
        ("订单状态",),
        "退款金额",
        item_statuses=("退款状态",),
        sale=vocab(*TAOBAO["sale"], "没有申请退款", "退款关闭"),
        not_paid=vocab(*TAOBAO["not_paid"]),
        cancelled=vocab(*TAOBAO["cancelled"], "退款成功"),
    ),
    "taobao/tmall_orders.csv": _tmall("csv"),
    "taobao/tmall_orders.xlsx": _tmall("xlsx"),
    "jd/orders_tab.xls": _jd("csv", "\t"),
    "jd/orders_html.xls": _jd("html"),
    "pinduoduo/orders_after_sale.csv": Rule(
        "utf-8-sig",
        ("订单号",),
        "用户购买手机号",
        "支付时间",
        "用户实付金额(元)",
        "order_row",
        ("订单状态", "售后状态"),
        sale=vocab(
            "已签收",
            "已发货，待签收",
            "待发货",
            "已收货",
            "无售后或售后取消",
            "售后关闭",
            "售后处理中",
            "退款中",
        ),
        cancelled=vocab("已取消", "退款成功", "未发货，退款成功"),
    ),
    "douyin/suborders.csv": Rule(
        "utf-8-sig",
        ("主订单编号",),
        "收件人手机号",
        "支付完成时间",
        "订单应付金额",
        "item_sum",
        ("订单状态",),
        item_statuses=("售后状态",),
        sale=vocab("已完成", "已发货", "备货中"),
        not_paid=vocab("待支付"),
        cancelled=vocab("已关闭", "退款成功"),
    ),
    "kuaishou/orders_statuses.csv": replace(
        RULES["kuaishou/orders.csv"],
        sale=vocab("交易成功", "已收货", "已发货", "待发货", "退款关闭"),
    ),
    "youzan/orders_notes.csv": replace(RULES["youzan/orders.csv"], title_rows=2),
    "wechat/orders_notes.csv": replace(RULES["wechat/orders.csv"], title_rows=2),
    "shopify/orders_export_every_line.csv": replace(
        RULES["shopify/orders_export.csv"], sale=vocab("paid", "partially_paid")
    ),
    "woocommerce/orders_wc_prefix.csv": Rule(
        "utf-8",
        ("order_id",),
        "customer_id",
        "paid_date",
        "order_total",
        "order_row",
        ("status",),
        sale=vocab("wc-completed", "wc-processing"),
        not_paid=vocab("wc-pending", "wc-on-hold", "wc-failed", "wc-checkout-draft"),
        cancelled=vocab("wc-cancelled", "wc-refunded"),
        placeholders=frozenset({"0"}),
    ),
    "woocommerce/advanced_export.csv": Rule(
        "utf-8",
        ("Order Number",),
        "Email (Billing)",
        "Order Date",
        "Order Total Amount",
        "repeated",
        ("Order Status",),
        "Order Refund Amount",
        sale=vocab("Completed", "Processing"),
        not_paid=vocab("Pending payment", "On hold", "Failed"),
        cancelled=vocab("Cancelled", "Refunded"),
    ),
    "stripe/unified_payments.csv": replace(RULES["stripe/payments.csv"], paid="Created date (UTC)"),
}
RULES.update(VARIANTS)


def parse_amount(text: str, decimal_comma: bool) -> Decimal:
    text = unicodedata.normalize("NFKC", text).strip().lstrip("¥$€").strip()
    if not text:
        return Decimal(0)
    if decimal_comma:
        return Decimal(text.replace(" ", "").replace(".", "").replace(",", "."))
    return Decimal(text.replace(",", ""))


def parse_day(text: str) -> date | None:
    """The wall-clock day written in the file; an offset after the time is ignored."""
    found = TIME.match(unicodedata.normalize("NFKC", text).strip())
    return date(int(found[1]), int(found[2]), int(found[3])) if found else None


class _Cells(HTMLParser):
    """The cells of the rows of an HTML page's tables (th and td alike)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append("".join(self.cell))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def _xlsx_text(value) -> str:
    """A workbook cell as the text a CSV would hold (numbers without a float's noise)."""
    if isinstance(value, float):
        return str(Decimal(repr(value)).normalize()) if value != int(value) else str(int(value))
    return "" if value is None else str(value)


def read_lines(path: Path, rule: Rule) -> list[list[str]]:
    """Every line of the file (title lines included) as cells of text."""
    if rule.fmt == "xlsx":
        from python_calamine import CalamineWorkbook

        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        return [[_xlsx_text(v) for v in row] for row in sheet.to_python(skip_empty_area=False)]
    text = path.read_bytes().decode(rule.encoding)
    if rule.fmt == "html":
        parser = _Cells()
        parser.feed(text)
        return parser.rows
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=rule.delimiter))


def read_rows(path: Path, rule: Rule) -> list[dict]:
    lines = read_lines(path, rule)[rule.title_rows :]
    header = [h.strip() for h in lines[0]]
    wanted = {
        *rule.order,
        rule.customer,
        rule.paid,
        rule.amount,
        *rule.statuses,
        *rule.item_statuses,
        rule.refunded,
    } - {""}
    missing = wanted - set(header)
    if missing:
        raise ValueError(f"{path}: header lacks {sorted(missing)}")
    return [dict(zip(header, (cell.strip() for cell in line), strict=True)) for line in lines[1:]]


def order_values(rows: list[dict], rule: Rule, where: str) -> dict:
    """One order's customer, payment time, amount, refund and statuses, per the layout."""
    level = (
        [rule.customer, rule.paid, rule.refunded, *rule.statuses]
        if rule.refunded and not rule.item_statuses
        else [rule.customer, rule.paid, *rule.statuses]
    )
    if rule.layout != "item_sum":
        level.append(rule.amount)
    first = rows[0]
    for row in rows[1:]:
        for col in level:
            # first_row: blank on later rows, or (Shopify's Email) the same on every row
            expected = first[col] if rule.layout != "first_row" or row[col] else ""
            if row[col] != expected:
                raise ValueError(f"{where}: {col} is {row[col]!r} on a later row, not {expected!r}")
    if rule.layout == "order_row" and len(rows) != 1:
        raise ValueError(f"{where}: {len(rows)} rows for an order-row layout")
    if rule.item_statuses:
        return _item_values(rows, rule, first)
    amount = sum((parse_amount(r[rule.amount], rule.decimal_comma) for r in rows), Decimal(0))
    return {
        "customer": first[rule.customer],
        "day": parse_day(first[rule.paid]),
        "amount": amount
        if rule.layout == "item_sum"
        else parse_amount(first[rule.amount], rule.decimal_comma),
        "refunded": parse_amount(first[rule.refunded], rule.decimal_comma)
        if rule.refunded
        else Decimal(0),
        "statuses": {norm(first[c]) for c in rule.statuses} - {""},
    }


def _item_values(rows: list[dict], rule: Rule, first: dict) -> dict:
    """An order whose rows have their own statuses: the rows those cancel drop out; the
    order's amount is the kept rows' amounts less their refunds (no row kept: cancelled)."""
    out = {
        "customer": first[rule.customer],
        "day": parse_day(first[rule.paid]),
        "refunded": Decimal(0),
        "statuses": {norm(first[c]) for c in rule.statuses} - {""},
    }
    stop = rule.not_paid | rule.cancelled
    kept = [r for r in rows if not {norm(r[c]) for c in rule.item_statuses} & stop]
    seen = {norm(r[c]) for r in rows for c in rule.item_statuses} - {""}
    out["statuses"] |= seen - stop
    if not kept:
        out["statuses"] |= seen & stop
    out["amount"] = sum(
        (
            parse_amount(r[rule.amount], rule.decimal_comma)
            - (parse_amount(r[rule.refunded], rule.decimal_comma) if rule.refunded else Decimal(0))
            for r in kept
        ),
        Decimal(0),
    )
    return out


def sales(path: Path, rule: Rule) -> list[tuple[str, date, Decimal]]:
    """(customer, day, net amount) of every sale of a customer in the file."""
    groups: dict[tuple, list[dict]] = {}
    for row in read_rows(path, rule):
        groups.setdefault(tuple(row[c] for c in rule.order), []).append(row)
    known = rule.sale | rule.not_paid | rule.cancelled | rule.partly
    out = []
    for key, rows in groups.items():
        o = order_values(rows, rule, f"{path.name} order {key}")
        if o["statuses"] - known:
            raise ValueError(
                f"{path.name} order {key}: unknown status {sorted(o['statuses'] - known)}"
            )
        if o["statuses"] & (rule.not_paid | rule.cancelled) or o["day"] is None:
            continue
        if not o["customer"] or o["customer"] in rule.placeholders:
            continue
        out.append((o["customer"], o["day"], o["amount"] - o["refunded"]))
    return out


def compute(path: Path, rule: Rule) -> dict:
    per: dict[str, dict] = {}
    for customer, day, net in sales(path, rule):
        c = per.setdefault(
            customer, {"orders": 0, "revenue": Decimal(0), "first": day, "last": day}
        )
        c["orders"] += 1
        c["revenue"] += net
        c["first"], c["last"] = min(c["first"], day), max(c["last"], day)
    cent = Decimal("0.01")
    return {
        "customers": len(per),
        "orders": sum(c["orders"] for c in per.values()),
        "revenue": str(sum((c["revenue"] for c in per.values()), Decimal(0)).quantize(cent)),
        "repeat_buyers": sum(1 for c in per.values() if c["orders"] >= 2),
        "as_of": (max(c["last"] for c in per.values()) + timedelta(days=1)).isoformat(),
        "per_customer": {
            k: {
                "orders": c["orders"],
                "revenue": str(c["revenue"].quantize(cent)),
                "first": c["first"].isoformat(),
                "last": c["last"].isoformat(),
            }
            for k, c in sorted(per.items())
        },
    }


def check(root: Path) -> list[str]:
    """Problems found under ``root`` (empty when every fixture matches its truth)."""
    problems = []
    for name, rule in RULES.items():
        path = root / name
        truth_path = path.with_name(path.name + ".truth.json")
        if not path.exists() or not truth_path.exists():
            problems.append(f"{name}: missing file or truth")
            continue
        try:
            got = compute(path, rule)
        except (ValueError, KeyError, ArithmeticError) as exc:
            problems.append(f"{name}: {exc}")
            continue
        want = json.loads(truth_path.read_text(encoding="utf-8"))
        if got != want:
            diff = [k for k in want if got.get(k) != want[k]]
            problems.append(f"{name}: computed truth differs from {truth_path.name} in {diff}")
    return problems


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0]) if args else DEFAULT_DIR
    problems = check(root)
    for problem in problems:
        print(f"MISMATCH {problem}", file=sys.stderr)
    if not problems:
        print(f"ok: {len(RULES)} fixtures under {root} match their truth", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
