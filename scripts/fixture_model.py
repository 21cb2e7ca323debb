"""The seeded shop model behind scripts/platform_fixtures.py: customers, orders, and the
ground truth computed from them (never from the written files).

Semantics of the truth are stated in platform_fixtures.py's docstring.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

CENT = Decimal("0.01")
START = datetime(2023, 10, 1)
DAYS = 182  # 2023-10-01 .. 2024-03-30
LEAP_MORNING = datetime(2024, 2, 29, 7, 59, 0)  # the example: a UTC shift moves its day

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘蒋蔡余杜叶"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞晨曦宇欣怡浩然子涵雨婷"
CITIES_ZH = [
    "上海市 浦东新区",
    "北京市 朝阳区",
    "广东省 深圳市 南山区",
    "浙江省 杭州市 西湖区",
    "江苏省 南京市 鼓楼区",
    "四川省 成都市 武侯区",
    "湖北省 武汉市 洪山区",
    "福建省 厦门市 思明区",
]
FIRST = [
    "Alice",
    "Ben",
    "Chloe",
    "Daniel",
    "Emma",
    "Felix",
    "Grace",
    "Henry",
    "Isla",
    "Jack",
    "Kate",
    "Liam",
    "Maya",
    "Noah",
    "Olivia",
    "Paul",
    "Quinn",
    "Ruby",
    "Sam",
    "Tara",
]
LAST = [
    "Adams",
    "Brown",
    "Clark",
    "Davis",
    "Evans",
    "Fischer",
    "Garcia",
    "Hughes",
    "Ito",
    "Jones",
    "Kim",
    "Lopez",
    "Miller",
    "Nguyen",
    "Owens",
    "Patel",
    "Reed",
    "Smith",
]
CITIES_EN = [
    ("Brooklyn", "NY", "11201"),
    ("Austin", "TX", "78701"),
    ("Portland", "OR", "97201"),
    ("Denver", "CO", "80202"),
    ("Boston", "MA", "02108"),
    ("Chicago", "IL", "60601"),
]
PRODUCTS_ZH = [
    ("保温杯 500ml", "59.00"),
    ("纯棉T恤 白色 L", "89.00"),
    ("手冲咖啡豆 250g", "68.00"),
    ("蓝牙耳机 降噪版", "268.00"),
    ("帆布包 大号", "45.90"),
    ("护手霜 三支装", "36.90"),
    ("瑜伽垫 6mm", "129.00"),
    ("陶瓷马克杯", "32.50"),
    ("羊毛围巾", "199.00"),
    ("数据线 1米", "19.90"),
    ("香薰蜡烛", "79.00"),
    ("不锈钢餐具套装", "158.00"),
]
PRODUCTS_EN = [
    ("Canvas Tote", "24.00"),
    ("Ceramic Mug", "18.50"),
    ("Wool Beanie", "32.00"),
    ("Linen Apron", "45.00"),
    ("Soy Candle", "22.00"),
    ("Notebook A5", "12.90"),
    ("Water Bottle", "29.95"),
    ("Hoodie Grey M", "64.00"),
    ("Tea Sampler", "38.00"),
    ("Phone Stand", "15.00"),
    ("Yoga Block", "19.99"),
    ("Desk Lamp", "89.00"),
]


@dataclass
class Customer:
    key: str  # the value the export writes in its customer column ("" = no customer)
    name: str
    phone: str
    email: str
    city: str
    guest: bool = False


@dataclass
class Item:
    title: str
    sku: str
    qty: int
    price: Decimal

    @property
    def total(self) -> Decimal:
        return self.price * self.qty


@dataclass
class Order:
    oid: str
    customer: Customer
    created: datetime
    paid: datetime | None
    kind: str  # sale | partly | not_paid | cancelled
    items: list[Item]
    shipping: Decimal
    discount: Decimal
    refunded: Decimal = Decimal(0)
    extra: dict = field(default_factory=dict)

    @property
    def goods(self) -> Decimal:
        return sum((i.total for i in self.items), Decimal(0))

    @property
    def amount(self) -> Decimal:
        """What the buyer pays for the whole order."""
        return self.goods + self.shipping - self.discount


@dataclass(frozen=True)
class Spec:
    seed: str
    customers: int
    orders: int
    max_items: int = 1
    zh: bool = True
    guest_share: float = 0.0
    kinds: tuple = (("sale", 80), ("not_paid", 8), ("cancelled", 8), ("partly", 4))
    early_share: float = 0.18  # orders paid between 00:00 and 08:00


def person(rng: random.Random, zh: bool, i: int) -> tuple[str, str, str, str]:
    """A fake name, mobile, e-mail and city."""
    phone = f"1{rng.choice('35789')}{rng.randrange(10**8, 10**9)}"
    if zh:
        name = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2))))
        return name, phone, f"user{i:03d}@example.cn", rng.choice(CITIES_ZH)
    first, last = rng.choice(FIRST), rng.choice(LAST)
    email = f"{first.lower()}.{last.lower()}{i}@example.com"
    city = ", ".join(rng.choice(CITIES_EN))
    return f"{first} {last}", f"+1 555 {rng.randrange(1000000, 9999999)}", email, city


def make_customers(rng: random.Random, spec: Spec, key) -> list[Customer]:
    """``key(rng, i, name, phone, email)`` gives the id the platform writes; keys are unique."""
    out, seen = [], set()
    for i in range(spec.customers):
        name, phone, email, city = person(rng, spec.zh, i)
        k = key(rng, i, name, phone, email)
        while k in seen:
            k = key(rng, i + 1000, name, phone, email)
        seen.add(k)
        out.append(Customer(k, name, phone, email, city))
    return out


def _when(rng: random.Random, spec: Spec) -> datetime:
    day = START + timedelta(days=rng.randrange(DAYS))
    hour = rng.randrange(0, 8) if rng.random() < spec.early_share else rng.randrange(8, 24)
    return day.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60))


def _items(rng: random.Random, spec: Spec) -> list[Item]:
    catalogue = PRODUCTS_ZH if spec.zh else PRODUCTS_EN
    n = (
        1
        if spec.max_items == 1
        else rng.choices(range(1, spec.max_items + 1), [55, 30, 15][: spec.max_items])[0]
    )
    picks = rng.sample(range(len(catalogue)), n)
    return [
        Item(
            catalogue[p][0], f"SKU-{p + 101}", rng.choice((1, 1, 1, 2, 3)), Decimal(catalogue[p][1])
        )
        for p in picks
    ]


def _order(rng, spec, customer, created, oid) -> Order:
    kind = rng.choices([k for k, _ in spec.kinds], [w for _, w in spec.kinds])[0]
    items = _items(rng, spec)
    shipping = rng.choice((Decimal(0), Decimal(0), Decimal("6.00"), Decimal("10.00")))
    goods = sum((i.total for i in items), Decimal(0))
    discount = (goods * Decimal(rng.choice((0, 0, 0, 5, 10)) / 100)).quantize(CENT)
    paid_unpaid = kind == "not_paid" or (kind == "cancelled" and rng.random() < 0.5)
    paid = None if paid_unpaid else created + timedelta(seconds=rng.randrange(20, 900))
    order = Order(oid, customer, created, paid, kind, items, shipping, discount)
    if kind == "partly":
        share = Decimal(rng.randrange(10, 60)) / 100
        order.refunded = (order.amount * share).quantize(CENT)
    elif kind == "cancelled" and paid is not None:
        order.refunded = order.amount
    return order


def make_orders(rng: random.Random, spec: Spec, customers: list[Customer], order_id) -> list[Order]:
    """Orders sorted by creation time; a few customers buy often, most once or twice.
    ``order_id(rng, i, created)`` gives the platform's order number."""
    weights = [1 / (r + 1) ** 0.7 for r in range(len(customers))]
    guest = Customer("", "", "", "", "", guest=True)
    stamps, used = [], set()
    while len(stamps) < spec.orders:
        who = guest if rng.random() < spec.guest_share else rng.choices(customers, weights)[0]
        who, when = (customers[0], LEAP_MORNING) if not stamps else (who, _when(rng, spec))
        if (id(who), when.replace(second=0)) not in used:
            used.add((id(who), when.replace(second=0)))
            stamps.append((when, who))
    stamps.sort(key=lambda s: s[0])
    orders = [
        _order(rng, spec, who, when, order_id(rng, i, when)) for i, (when, who) in enumerate(stamps)
    ]
    for o in orders:
        if o.created == LEAP_MORNING:
            o.kind, o.paid, o.refunded = "sale", LEAP_MORNING, Decimal(0)
    return orders


def truth(orders: list[Order], placeholders: set[str], key=None) -> dict:
    """The ground truth of the model (see platform_fixtures.py for the semantics)."""
    per: dict[str, dict] = {}
    for o in orders:
        cid = o.customer.key if key is None else key(o)
        if o.kind not in ("sale", "partly") or o.paid is None or not cid or cid in placeholders:
            continue
        day = o.paid.date().isoformat()
        c = per.setdefault(cid, {"orders": 0, "revenue": Decimal(0), "first": day, "last": day})
        c["orders"] += 1
        c["revenue"] += o.amount - o.refunded
        c["first"], c["last"] = min(c["first"], day), max(c["last"], day)
    last = max(c["last"] for c in per.values())
    as_of = (datetime.fromisoformat(last) + timedelta(days=1)).date().isoformat()
    return {
        "customers": len(per),
        "orders": sum(c["orders"] for c in per.values()),
        "revenue": str(sum((c["revenue"] for c in per.values()), Decimal(0)).quantize(CENT)),
        "repeat_buyers": sum(1 for c in per.values() if c["orders"] >= 2),
        "as_of": as_of,
        "per_customer": {
            k: {**c, "revenue": str(c["revenue"].quantize(CENT))} for k, c in sorted(per.items())
        },
    }
