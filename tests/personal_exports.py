"""Order exports full of personal data, written by script (issue 26): a Taobao 订单报表
(收货人姓名, 联系手机, 联系电话, 收货地址, 买家支付宝账号, 买家留言) and a Shopify orders export
(Email, Billing/Shipping Name, Street, Address1, Zip, Phone), each with the personal values
it holds, so that a test can look for every one of them in what custseg writes and prints.

The orders are the sample shop's (``data/sample_orders.csv``: 1,500 customers whose
histories the models fit), each customer given a made-up person (a seeded generator);
every 25th order is unpaid or closed (rows left out), and every 4th Shopify order has a
second line with the order's columns blank. The names are drawn from rare characters and
words, so that no label or number custseg prints can contain one by chance.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path

SURNAMES = ["欧阳", "司马", "诸葛", "上官", "皇甫", "令狐", "东方", "慕容"]
GIVEN = ["珺", "琰", "璟", "翊", "昶", "暄", "霁", "岑", "漪", "璇", "昱", "晗"]
PROVINCES = [("浙江省", "杭州市", "西湖区"), ("江苏省", "南京市", "鼓楼区"),
             ("广东省", "深圳市", "福田区"), ("四川省", "成都市", "武侯区"),
             ("湖北省", "武汉市", "洪山区")]  # fmt: skip
STREETS = ["文三路", "中山北路", "深南大道", "人民南路", "珞喻路", "学院街", "枫林巷"]
FIRST = ["Zelda", "Quorra", "Thaddeus", "Ottoline", "Barnaby", "Isolde", "Leopold", "Wilhelmina"]
LAST = ["Quarrington", "Featherstonehaugh", "Vandermolen", "Okonkwo-Reyes", "Strathclyde"]
US_STREETS = ["Maple Hollow Rd", "Juniper Bluff Ln", "Quillfeather Ave", "Ostrander Way"]

TAOBAO_HEADER = ["订单编号", "买家会员名", "买家支付宝账号", "买家应付货款", "买家实际支付金额",
                 "订单状态", "收货人姓名", "收货地址", "联系电话", "联系手机", "订单创建时间",
                 "订单付款时间", "宝贝标题", "宝贝总数量", "买家留言"]  # fmt: skip
SHOPIFY_HEADER = ["Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Currency",
                  "Subtotal", "Shipping", "Taxes", "Total", "Lineitem quantity", "Lineitem name",
                  "Lineitem price", "Billing Name", "Billing Street", "Billing Address1",
                  "Billing City", "Billing Zip", "Billing Phone", "Shipping Name",
                  "Shipping Street", "Shipping Address1", "Shipping Zip", "Shipping Phone",
                  "Phone", "Refunded Amount", "Created at"]  # fmt: skip


@dataclass
class Export:
    """A written export: its path, its customer ids, and the personal values of its other
    columns (each a whole value of the file)."""

    path: Path
    ids: set[str] = field(default_factory=set)
    personal: set[str] = field(default_factory=set)


def _orders(rng: random.Random):
    """(customer index, order id, time, amount, status) of every order of the sample, and
    how many customers it has."""
    from conftest import SAMPLE

    with open(SAMPLE, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    index: dict[str, int] = {}
    for row in rows:
        index.setdefault(row["customer_id"], len(index))
    orders = []
    for n, row in enumerate(rows):
        when = dt.datetime.fromisoformat(row["order_date"])
        status = ("unpaid", "closed")[n // 25 % 2] if n % 25 == 7 else "paid"
        orders.append((index[row["customer_id"]], row["order_id"], when, row["amount"], status))
    return orders, len(index)


def taobao(folder: Path, seed: int = 26) -> Export:
    """A Taobao 订单报表 (one row per order) in ``folder``."""
    rng = random.Random(seed)
    orders, buyers = _orders(rng)
    people = []
    for b in range(buyers):
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        province, city, district = rng.choice(PROVINCES)
        address = f"{province}{city}{district}{rng.choice(STREETS)}{b + 11}号{b % 7 + 1}单元"
        mobile, landline = f"139{70000000 + b * 37:08d}", f"0571-{86000000 + b * 53:08d}"
        alipay = f"zfb{b:04d}_{rng.randrange(10**6):06d}@alipay-mail.cn"
        people.append((f"tb_{b * 7919 % 100000:05d}xq", alipay, name, address, landline, mobile))
    export = Export(folder / "taobao_订单报表.csv")
    statuses = {"paid": "交易成功", "unpaid": "等待买家付款", "closed": "交易关闭"}
    rows = []
    for n, (buyer, number, when, amount, status) in enumerate(orders):
        nick, alipay, name, address, landline, mobile = people[buyer]
        paid = "" if status == "unpaid" else when.isoformat(" ")
        created = (when - dt.timedelta(minutes=3)).isoformat(" ")
        note = f"请联系{mobile}" if n % 5 == 0 else ""
        rows.append([number, nick, alipay, amount, amount, statuses[status], name,
                     address, landline, mobile, created, paid, "手工陶瓷杯", 1, note])  # fmt: skip
        export.ids.add(nick)
        export.personal |= {alipay, name, address, landline, mobile} | ({note} if note else set())
    _write(export.path, TAOBAO_HEADER, rows)
    return export


def shopify(folder: Path, seed: int = 27) -> Export:
    """A Shopify orders export (line items; the order's columns on its first line)."""
    rng = random.Random(seed)
    orders, buyers = _orders(rng)
    people = []
    for b in range(buyers):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = f"{first.lower()}.{last.lower()}{b}@example-mail.com"
        street = f"{100 + b * 3} {rng.choice(US_STREETS)}"
        zip_code = f"{97000 + b:05d}-{b * 7919 % 10000:04d}"  # ZIP+4: no amount holds it
        people.append((email, f"{first} {last}", street, zip_code, f"+1 503-555-{b:04d}"))
    export = Export(folder / "orders_export.csv")
    statuses = {"paid": "paid", "unpaid": "pending", "closed": "refunded"}
    rows = []
    for n, (buyer, number, when, amount, status) in enumerate(orders):
        email, name, street, zip_code, phone = people[buyer]
        stamp = when.strftime("%Y-%m-%d %H:%M:%S -0700")
        paid = "" if status == "unpaid" else stamp
        first_line = [f"#{number}", email, statuses[status], paid, "fulfilled", "USD", amount, 0,
                      0, amount, 1, "Hand-thrown mug", amount, name, street, street, "Portland",
                      zip_code, phone, name, street, street, zip_code, phone, phone,
                      amount if status == "closed" else 0, stamp]  # fmt: skip
        rows.append(first_line)
        if n % 4 == 0:  # a second line item: the order's own columns blank
            rows.append([f"#{number}"] + [""] * 9 + [1, "Linen napkin", 12] + [""] * 14)
        export.ids.add(email)
        export.personal |= {name, street, zip_code, phone}
    _write(export.path, SHOPIFY_HEADER, rows)
    return export


def _write(path: Path, header: list[str], rows: list[list]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
