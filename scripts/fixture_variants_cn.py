"""Variants of the Chinese platform exports (the shapes real files come in besides the one of
fixture_cn_market.py / fixture_cn_social.py): Taobao's 宝贝报表 and a Tmall 订单报表 as GBK CSV
and .xlsx, JD saved as .xls (tab-separated GBK text, an HTML table), Pinduoduo's after-sale
values, Douyin sub-orders refunded one by one, Kuaishou's statuses, Youzan and WeChat files
with notes above the header, full-width digits and unpaid orders at 0.00."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import fixture_cn_market as market
import fixture_cn_social as social
from fixture_io import (
    Fixture,
    csv_bytes,
    full_width,
    header,
    html_table_bytes,
    money,
    ts,
    xlsx_bytes,
)
from fixture_model import CENT, Spec, make_customers, make_orders, truth

# 宝贝报表 (one row per sub-order), columns A..W as a public Tmall script lists them (search
# "TMALL_COL_REFUND_STATUS"); 买家会员名 is added by the shop from the 订单报表 (the item
# report has no buyer column), as sellers do to analyse buyers item by item.
ITEM_HEADER = header(
    "子订单编号,主订单编号,商品标题,商品价格,购买数量,外部系统编号,商品属性,套餐信息",
    "联系方式备注,订单状态,商家编码,买家应付货款,买家实付金额,退款状态,退款金额,订单创建时间",
    "订单付款时间,商品ID,商家备注,主订单买家留言,发货时间,物流单号,物流公司,买家会员名",
)
# Tmall 订单报表 of the newer seller centre: the Taobao columns and more; 宝贝标题 with the
# trailing space of the real Tmall export in /work/shared/data/real (mingrisoft 2018-2019).
TMALL_HEADER = header(
    "订单编号,买家会员名,买家支付宝账号,支付单号,支付详情,买家应付货款,买家应付邮费",
    "买家支付积分,总金额,返点积分,买家实际支付金额,买家实际支付积分,订单状态,买家留言",
    "收货人姓名,收货地址,运送方式,联系电话,联系手机,订单创建时间,订单付款时间,宝贝标题 ",
    "宝贝种类,物流单号,物流公司,订单备注,宝贝总数量,店铺Id,店铺名称,订单关闭原因",
    "卖家服务费,买家服务费,发票抬头,是否手机订单,分阶段订单信息,特权订金订单id",
    "是否上传合同照片,是否上传小票,是否代付,定金排名,修改后的sku,修改后的收货地址",
    "异常信息,天猫卡券抵扣,集分宝抵扣,是否是O2O交易,退款金额",
)
TMALL_NUMBERS = ("买家应付货款", "买家应付邮费", "总金额", "买家实际支付金额", "退款金额")


def _shares(total: Decimal, parts: list[Decimal]) -> list[Decimal]:
    """``total`` split over ``parts`` in proportion, in cents, adding up exactly."""
    whole = sum(parts, Decimal(0))
    out = [(p * total / whole).quantize(CENT) for p in parts]
    out[-1] = total - sum(out[:-1])
    return out


def _taobao_model(seed: str, n_customers: int, n_orders: int):
    rng = random.Random(seed)
    spec = Spec("taobao", n_customers, n_orders, max_items=3)
    customers = make_customers(rng, spec, lambda r, i, name, *_: f"{name}{r.randrange(10, 9999)}")
    orders = make_orders(
        rng, spec, customers, lambda r, i, t: str(r.randrange(35 * 10**17, 36 * 10**17))
    )
    return rng, orders


def _item_rows(rng, o) -> list[dict]:
    """One row per item; a partly refunded order of several items has one item refunded in
    full (退款状态 退款成功 on that row only, the order stays 交易成功)."""
    paid = _shares(o.amount, [i.total for i in o.items])
    refunded_item = len(o.items) - 1 if o.kind == "partly" else None
    if refunded_item is not None:
        o.refunded = paid[refunded_item]
    status = market._taobao_status(rng, o)
    rows = []
    for n, (item, share) in enumerate(zip(o.items, paid, strict=True)):
        if o.kind == "cancelled" and o.paid or n == refunded_item:
            refund, refund_amount = "退款成功", share
        else:
            refund = "退款关闭" if o.kind == "sale" and rng.random() < 0.06 else "没有申请退款"
            refund_amount = Decimal(0)
        rows.append(
            {
                "子订单编号": str(int(o.oid) + n + 1) if len(o.items) > 1 else o.oid,
                "主订单编号": o.oid,
                "商品标题": item.title,
                "商品价格": money(item.price),
                "购买数量": str(item.qty),
                "商品属性": "颜色分类：默认",
                "订单状态": status,
                "商家编码": item.sku,
                "买家应付货款": money(item.total),
                "买家实付金额": money(share if o.paid else Decimal(0)),
                "退款状态": refund,
                "退款金额": money(refund_amount),
                "订单创建时间": ts(o.created),
                "订单付款时间": ts(o.paid),
                "商品ID": str(600000000000 + int(item.sku[4:])),
                "发货时间": ts(o.paid + timedelta(hours=30)) if o.paid else "",
                "买家会员名": o.customer.key,
            }
        )
    return rows


def taobao_item_report() -> Fixture:
    """淘宝/天猫 宝贝报表 + 买家会员名: one row per item with its own paid amount, the order's
    status and times, and 退款状态/退款金额 per item; GBK."""
    rng, orders = _taobao_model("custseg-taobao-items", 40, 110)
    for o in orders:
        if o.kind == "partly" and len(o.items) == 1:
            o.kind, o.refunded = "sale", Decimal(0)  # a partial refund is a whole item here
    rows = [row for o in orders for row in _item_rows(rng, o)]
    data = csv_bytes(ITEM_HEADER, rows, "gbk")
    return Fixture("taobao/item_report.csv", data, truth(orders, set()))


def _tmall_rows():
    rng, orders = _taobao_model("custseg-tmall", 45, 130)
    rows = []
    for o in orders:
        row = market._taobao_row(rng, o)
        row["宝贝标题 "] = row.pop("宝贝标题")
        row["支付单号"] = f"2024{rng.randrange(10**20, 10**21)}" if o.paid else ""
        row["支付详情"] = f"支付宝:{money(o.amount)}" if o.paid else ""
        row["天猫卡券抵扣"], row["集分宝抵扣"], row["是否是O2O交易"] = "0", "0", "否"
        rows.append(row)
    return rows, orders


def tmall_csv() -> Fixture:
    """天猫 订单报表 (newer seller centre columns, 宝贝标题 with a trailing space), GBK CSV."""
    rows, orders = _tmall_rows()
    return Fixture(
        "taobao/tmall_orders.csv", csv_bytes(TMALL_HEADER, rows, "gbk"), truth(orders, set())
    )


def tmall_xlsx() -> Fixture:
    """The same 天猫 订单报表 as an .xlsx: amounts are numbers, ids and times text."""
    rows, orders = _tmall_rows()
    data = xlsx_bytes(TMALL_HEADER, rows, numbers=TMALL_NUMBERS)
    return Fixture("taobao/tmall_orders.xlsx", data, truth(orders, set()))


def _jd_model(seed: str, n_customers: int = 35, n_orders: int = 90):
    rng = random.Random(seed)
    spec = Spec("jd", n_customers, n_orders, max_items=3, kinds=market.NO_PARTLY)
    customers = make_customers(rng, spec, lambda r, *_: f"jd_{r.randrange(16**11, 16**12):x}")
    orders = make_orders(
        rng, spec, customers, lambda r, i, t: str(r.randrange(29 * 10**10, 30 * 10**10))
    )
    return rng, orders


def _jd_status(rng, o) -> str:
    """JD POP 订单状态 (order_state: 等待出库, 等待确认收货, 完成, 暂停, 锁定, 取消); a
    deleted order keeps its last status after "(删除)"."""
    if o.kind == "sale":
        return market._pick(
            rng, {"完成": 5, "等待确认收货": 2, "等待出库": 1, "锁定": 1, "暂停": 1}
        )
    if o.kind == "not_paid":
        return "等待付款"
    return market._pick(
        rng,
        {"已取消": 3, "(删除)已取消": 1, "(删除)等待出库": 1}
        if o.paid
        else {"已取消": 2, "(删除)已取消": 1},
    )


def _jd_variant_rows(rng, o) -> list[dict]:
    rows = market._jd_rows(rng, o)
    status = _jd_status(rng, o)
    for row in rows:
        row["订单状态"] = status
        row["订单完成时间"] = row["订单完成时间"] if status == "完成" else ""
    return rows


def jd_tab_xls() -> Fixture:
    """京东 订单 saved as .xls that is tab-separated GBK text; item rows with 应付金额 repeated."""
    rng, orders = _jd_model("custseg-jd-tab")
    rows = [row for o in orders for row in _jd_variant_rows(rng, o)]
    data = csv_bytes(market.JD_HEADER, rows, "gbk", delimiter="\t")
    return Fixture("jd/orders_tab.xls", data, truth(orders, set()))


def jd_html_xls() -> Fixture:
    """京东 订单 saved as .xls that is an HTML table (GBK, charset declared in a meta tag)."""
    rng, orders = _jd_model("custseg-jd-html", 25, 60)
    rows = [row for o in orders for row in _jd_variant_rows(rng, o)]
    data = html_table_bytes(market.JD_HEADER, rows, "gbk", "gbk")
    return Fixture("jd/orders_html.xls", data, truth(orders, set()))


def _pdd_statuses(rng, o) -> tuple[str, str]:
    """订单状态 and 售后状态; after-sale requests still open (售后处理中, 退款中) leave the sale
    standing until the refund is made."""
    if o.kind == "sale":
        status = market._pick(rng, {"已签收": 4, "已发货，待签收": 2, "待发货": 1, "已收货": 1})
        after = market._pick(
            rng, {"无售后或售后取消": 10, "售后处理中": 1, "退款中": 1, "售后关闭": 1}
        )
        return status, after
    if o.paid is None:
        return "已取消", "无售后或售后取消"
    return market._pick(rng, {("已签收", "退款成功"): 2, ("未发货，退款成功", "退款成功"): 1})


def pinduoduo_after_sale() -> Fixture:
    """拼多多 订单 with the after-sale values of a busy shop (售后处理中, 退款中, 售后关闭)."""
    rng = random.Random("custseg-pinduoduo-after-sale")
    spec = Spec("pinduoduo", 50, 130, kinds=(("sale", 84), ("cancelled", 16)))
    customers = make_customers(rng, spec, lambda r, i, name, phone, email: phone)
    orders = make_orders(
        rng, spec, customers, lambda r, i, t: f"{t:%y%m%d}-{r.randrange(10**14, 10**15)}"
    )
    rows = []
    for o in orders:
        row = market._pdd_row(rng, o)
        row["订单状态"], row["售后状态"] = _pdd_statuses(rng, o)
        rows.append(row)
    data = csv_bytes(market.PDD_HEADER, rows, "utf-8-sig")
    return Fixture("pinduoduo/orders_after_sale.csv", data, truth(orders, set()))


def _douyin_suborder_rows(rng, o) -> list[dict]:
    """A partly refunded order has its last sub-order refunded (售后状态 退款成功 on that row),
    the order itself stays 已完成."""
    rows = market._douyin_rows(rng, o)
    if o.kind == "partly":
        last = rows[-1]
        o.refunded = Decimal(last["订单应付金额"])
        for row in rows:
            row["订单状态"], row["售后状态"] = "已完成", "-"
        last["售后状态"] = "退款成功"
    return rows


def douyin_suborders() -> Fixture:
    """抖店 订单 whose sub-orders are refunded one by one: 售后状态 per sub-order."""
    rng = random.Random("custseg-douyin-suborders")
    spec = Spec(
        "douyin",
        40,
        95,
        max_items=3,
        kinds=(("sale", 70), ("not_paid", 6), ("cancelled", 8), ("partly", 16)),
    )
    token = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
    customers = make_customers(
        rng, spec, lambda r, *_: "$$" + "".join(r.choice(token) for _ in range(22)) + "$$"
    )
    orders = make_orders(
        rng, spec, customers, lambda r, i, t: str(r.randrange(69 * 10**17, 70 * 10**17))
    )
    for o in orders:
        if o.kind == "partly" and len(o.items) == 1:
            o.kind = "sale"  # only an order of several sub-orders can lose one
        if o.kind in ("sale", "partly"):
            o.refunded = Decimal(0)  # a refunded sub-order sets it (_douyin_suborder_rows)
    rows = [row for o in orders for row in _douyin_suborder_rows(rng, o)]
    data = csv_bytes(market.DOUYIN_HEADER, rows, "utf-8-sig")
    return Fixture("douyin/suborders.csv", data, truth(orders, set()))


def _kuaishou_statuses(rng, o) -> tuple[str, str]:
    if o.kind == "sale":
        after = "退款关闭" if rng.random() < 0.08 else ""
        return market._pick(rng, {"交易成功": 4, "已收货": 2, "已发货": 2, "待发货": 1}), after
    if o.kind == "not_paid":
        return "待付款", ""
    return ("交易关闭", "") if o.paid is None else ("交易关闭", "退款成功")


def kuaishou_statuses() -> Fixture:
    """快手小店 订单 with its order statuses: 待付款, 待发货, 已发货, 已收货, 交易成功, 交易关闭
    (unverified names, see kuaishou.toml)."""
    rng = random.Random("custseg-kuaishou-statuses")
    spec = Spec("kuaishou", 45, 120, kinds=market.NO_PARTLY)
    customers = make_customers(rng, spec, lambda r, *_: str(r.randrange(10**9, 4 * 10**9)))
    orders = make_orders(
        rng, spec, customers, lambda r, i, t: str(r.randrange(24 * 10**14, 25 * 10**14))
    )
    rows = []
    for o in orders:
        row = social._kuaishou_row(rng, o)
        row["订单状态"], row["售后状态"] = _kuaishou_statuses(rng, o)
        rows.append(row)
    data = csv_bytes(social.KUAISHOU_HEADER, rows, "utf-8-sig")
    return Fixture("kuaishou/orders_statuses.csv", data, truth(orders, set()))


def youzan_notes() -> Fixture:
    """有赞 订单 with two notes rows above the header, full-width digits in amounts and times,
    unpaid orders with 0.00 paid and no payment time."""
    rng = random.Random("custseg-youzan-notes")
    spec = Spec("youzan", 45, 120, max_items=3)
    customers = make_customers(rng, spec, lambda r, i, name, phone, email: phone)
    orders = make_orders(
        rng, spec, customers, lambda r, i, t: f"E{t:%Y%m%d%H%M%S}{r.randrange(10**7, 10**8)}"
    )
    rows = []
    for n, o in enumerate(orders):
        row = social._youzan_row(rng, o, wide=n % 4 == 0)
        if n % 5 == 0:
            row["买家付款时间"] = full_width(row["买家付款时间"])
        rows.append(row)
    title = [["订单列表"], ["筛选条件：下单时间 2023-10-01 至 2024-03-31；订单状态：全部"]]
    data = csv_bytes(social.YOUZAN_HEADER, rows, "utf-8-sig", title=title)
    return Fixture("youzan/orders_notes.csv", data, truth(orders, set()))


def wechat_notes() -> Fixture:
    """微信小店 订单 with two rows above the header, full-width digits, unpaid orders at 0.00
    with no payment time (their 实付金额 and 商品总价 are 0.00)."""
    rng = random.Random("custseg-wechat-notes")
    spec = Spec("wechat", 40, 110, kinds=market.NO_PARTLY)
    nick = ["阿", "小", "大", "老"]
    customers = make_customers(
        rng, spec, lambda r, i, name, *_: f"{r.choice(nick)}{name[-1]}{r.randrange(1, 99)}"
    )
    orders = make_orders(
        rng, spec, customers, lambda r, i, t: str(r.randrange(37 * 10**17, 38 * 10**17))
    )
    rows = []
    for n, o in enumerate(orders):
        row = social._wechat_row(rng, o)
        if o.paid is None:
            row["实付金额"] = row["商品总价"] = "0.00"
        if n % 4 == 0:
            row["实付金额"] = full_width(row["实付金额"])
        rows.append(row)
    title = [
        ["微信小店 订单导出"],
        ["导出时间：2024-04-01 09:00:00", "", "共计订单：" + str(len(rows))],
    ]
    data = csv_bytes(social.WECHAT_HEADER, rows, "utf-8-sig", title=title)
    return Fixture("wechat/orders_notes.csv", data, truth(orders, set()))


WRITERS = (
    taobao_item_report,
    tmall_csv,
    tmall_xlsx,
    jd_tab_xls,
    jd_html_xls,
    pinduoduo_after_sale,
    douyin_suborders,
    kuaishou_statuses,
    youzan_notes,
    wechat_notes,
)
