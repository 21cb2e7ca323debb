"""Fixture writers for Kuaishou shop, Youzan and WeChat shop order exports (see
fixture_cn_market.py for how writers work). The Kuaishou and WeChat layouts were not found
in public code; their tables say so."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from fixture_io import Fixture, csv_bytes, full_width, header, masked, money, ts
from fixture_model import Spec, make_customers, make_orders, truth

KUAISHOU_HEADER = header(
    "订单号,订单状态,订单创建时间,订单支付时间,商品名称,商品ID,商品规格,SKU编码,商品单价",
    "成交数量,商品总价,运费,优惠金额,实付款,买家ID,买家昵称,收货人,收货人电话,收货地址",
    "快递公司,快递单号,售后状态,买家留言,商家备注",
)
YOUZAN_HEADER = header(
    "订单号,销售渠道,归属店铺,订单类型,订单状态,推广方式,订单来源,订单创建时间",
    "买家付款时间,交易成功时间,付款方式,支付流水号,商品金额合计,运费,店铺优惠合计",
    "应收订单金额,订单实付金额,支付优惠合计,订单实收金额,订单抵用积分数,店铺优惠方式",
    "支付优惠方式,全部商品名称,商品种类数,订单配送方式,同城送达时间/提货时间,收货人省份",
    "收货人城市,收货人地区,详细收货地址/提货地址,收货人/提货人,收货人手机号/提货人手机号",
    "买家备注,订单星级,买家昵称,买家是否会员,买家手机号,下单网点,收银员,分销员,销售导购",
    "专属导购,订单退款状态,订单已退款金额,商家订单备注",
)
WECHAT_HEADER = header(
    "订单号,下单时间,支付时间,订单状态,售后状态,商品名称,商品编码,规格,商品单价,商品数量",
    "商品总价,运费,优惠金额,实付金额,退款金额,买家昵称,收件人,收件人手机号,收货地址",
    "买家留言,商家备注",
)
NO_PARTLY = (("sale", 82), ("not_paid", 8), ("cancelled", 10))


def _kuaishou_statuses(o) -> tuple[str, str]:
    if o.kind == "sale":
        return ("交易成功" if o.paid.month < 3 else "已发货"), ""
    if o.kind == "not_paid":
        return "待付款", ""
    return ("交易关闭", "") if o.paid is None else ("交易成功", "退款成功")


def _kuaishou_row(rng, o) -> dict:
    c, item = o.customer, o.items[0]
    status, after = _kuaishou_statuses(o)
    return {
        "订单号": o.oid,
        "订单状态": status,
        "订单创建时间": ts(o.created),
        "订单支付时间": ts(o.paid),
        "商品名称": item.title,
        "商品ID": str(2300000000 + int(item.sku[4:])),
        "商品规格": "默认",
        "SKU编码": item.sku,
        "商品单价": money(item.price),
        "成交数量": str(item.qty),
        "商品总价": money(o.goods),
        "运费": money(o.shipping),
        "优惠金额": money(o.discount),
        "实付款": money(o.amount),
        "买家ID": c.key,
        "买家昵称": c.name,
        "收货人": c.name[0] + "**",
        "收货人电话": masked(c.phone),
        "收货地址": f"{c.city}***",
        "快递公司": "中通快递" if o.paid else "",
        "快递单号": f"7{rng.randrange(10**13, 10**14)}" if o.paid else "",
        "售后状态": after,
    }


def kuaishou() -> Fixture:
    """快手小店 订单: one row per order, UTF-8 BOM, 售后状态 beside 订单状态."""
    rng = random.Random("custseg-kuaishou")
    spec = Spec("kuaishou", 50, 140, kinds=NO_PARTLY)
    customers = make_customers(rng, spec, lambda r, *_: str(r.randrange(10**9, 4 * 10**9)))
    orders = make_orders(
        rng, spec, customers, lambda r, i, t: str(r.randrange(24 * 10**14, 25 * 10**14))
    )
    rows = [_kuaishou_row(rng, o) for o in orders]
    return Fixture(
        "kuaishou/orders.csv", csv_bytes(KUAISHOU_HEADER, rows, "utf-8-sig"), truth(orders, set())
    )


def _youzan_statuses(rng, o) -> tuple[str, str]:
    if o.kind == "sale":
        return rng.choices(["交易完成", "已发货", "待发货"], [5, 2, 1])[0], ""
    if o.kind == "partly":
        return "交易完成", "部分退款"
    if o.kind == "not_paid":
        return "待付款", ""
    return ("交易关闭", "") if o.paid is None else ("交易关闭", "全额退款")


def _youzan_row(rng, o, wide: bool) -> dict:
    c = o.customer
    status, refund = _youzan_statuses(rng, o)
    paid = o.amount if o.paid else Decimal(0)
    province, city, *rest = c.city.split(" ") + [""]
    return {
        "订单号": o.oid,
        "销售渠道": "网店",
        "归属店铺": "青禾烘焙",
        "订单类型": "普通订单",
        "订单状态": status,
        "订单来源": "商家小程序",
        "订单创建时间": ts(o.created),
        "买家付款时间": ts(o.paid),
        "交易成功时间": ts(o.paid + timedelta(days=3)) if status == "交易完成" else "",
        "付款方式": "微信支付" if o.paid else "",
        "商品金额合计": money(o.goods),
        "运费": money(o.shipping),
        "店铺优惠合计": money(o.discount),
        "应收订单金额": money(o.amount),
        "订单实付金额": full_width(money(paid)) if wide else money(paid),
        "支付优惠合计": "0.00",
        "订单实收金额": money(paid),
        "订单抵用积分数": "0",
        "全部商品名称": "；".join(i.title for i in o.items),
        "商品种类数": str(len(o.items)),
        "订单配送方式": "快递发货",
        "收货人省份": province,
        "收货人城市": city,
        "收货人地区": rest[0],
        "详细收货地址/提货地址": "文化路18号",
        "收货人/提货人": c.name,
        "收货人手机号/提货人手机号": c.key,
        "买家昵称": c.name,
        "买家是否会员": "是" if rng.random() < 0.4 else "否",
        "买家手机号": c.key,
        "订单退款状态": refund,
        "订单已退款金额": money(o.refunded),
    }


def youzan() -> Fixture:
    """有赞 订单: a title row above the header, one row per order, unpaid orders with 0.00 paid,
    full-width digits in a few 订单实付金额 values, partly refunded via 订单已退款金额."""
    rng = random.Random("custseg-youzan")
    spec = Spec("youzan", 55, 160, max_items=3)
    customers = make_customers(rng, spec, lambda r, i, name, phone, email: phone)
    orders = make_orders(
        rng, spec, customers, lambda r, i, t: f"E{t:%Y%m%d%H%M%S}{r.randrange(10**7, 10**8)}"
    )
    wide = set(rng.sample(range(len(orders)), 5))
    rows = [_youzan_row(rng, o, n in wide) for n, o in enumerate(orders)]
    title = [["订单列表 2023-10-01 00:00:00 至 2024-03-31 23:59:59"]]
    data = csv_bytes(YOUZAN_HEADER, rows, "utf-8-sig", title=title)
    return Fixture("youzan/orders.csv", data, truth(orders, set()))


def _wechat_statuses(o) -> tuple[str, str]:
    if o.kind == "sale":
        return ("已完成" if o.paid.month < 3 else "待收货"), ""
    if o.kind == "not_paid":
        return "待付款", ""
    return ("已取消", "") if o.paid is None else ("已完成", "退款成功")


def _wechat_row(rng, o) -> dict:
    c, item = o.customer, o.items[0]
    status, after = _wechat_statuses(o)
    return {
        "订单号": o.oid,
        "下单时间": ts(o.created),
        "支付时间": ts(o.paid),
        "订单状态": status,
        "售后状态": after,
        "商品名称": item.title,
        "商品编码": item.sku,
        "规格": "默认",
        "商品单价": money(item.price),
        "商品数量": str(item.qty),
        "商品总价": money(o.goods),
        "运费": money(o.shipping),
        "优惠金额": money(o.discount),
        "实付金额": money(o.amount),
        "退款金额": money(o.refunded),
        "买家昵称": c.key,
        "收件人": c.name[0] + "**",
        "收件人手机号": masked(c.phone),
        "收货地址": f"{c.city}****",
    }


def wechat() -> Fixture:
    """微信小店 订单: a title row above the header, one row per order, UTF-8 BOM."""
    rng = random.Random("custseg-wechat")
    spec = Spec("wechat", 45, 120, kinds=NO_PARTLY)
    nick = ["阿", "小", "大", "老"]
    customers = make_customers(
        rng, spec, lambda r, i, name, *_: f"{r.choice(nick)}{name[-1]}{r.randrange(1, 99)}"
    )
    orders = make_orders(
        rng, spec, customers, lambda r, i, t: str(r.randrange(37 * 10**17, 38 * 10**17))
    )
    rows = [_wechat_row(rng, o) for o in orders]
    title = [["微信小店订单导出", "", "导出时间：2024-04-01 09:00:00"]]
    data = csv_bytes(WECHAT_HEADER, rows, "utf-8-sig", title=title)
    return Fixture("wechat/orders.csv", data, truth(orders, set()))
