"""Fixture writers for Taobao/Tmall, JD, Pinduoduo and Douyin shop order exports.

Each writer builds a seeded model (fixture_model) and writes it the way the platform
exports it; the truth comes from the model. Headers: see src/custseg/platforms/<name>.toml.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from fixture_io import Fixture, csv_bytes, header, masked, money, ts
from fixture_model import CENT, Spec, make_customers, make_orders, truth

TAOBAO_HEADER = header(
    "订单编号,买家会员名,买家支付宝账号,买家应付货款,买家应付邮费,买家支付积分,总金额",
    "返点积分,买家实际支付金额,买家实际支付积分,订单状态,买家留言,收货人姓名,收货地址",
    "运送方式,联系电话,联系手机,订单创建时间,订单付款时间,宝贝标题,宝贝种类,物流单号",
    "物流公司,订单备注,宝贝总数量,店铺Id,店铺名称,订单关闭原因,卖家服务费,买家服务费",
    "发票抬头,是否手机订单,分阶段订单信息,定金排名,修改后的sku,修改后的收货地址,异常信息",
    "退款金额",
)
JD_HEADER = header(
    "订单号,商品ID,商品名称,订购数量,支付方式,下单时间,京东价,订单金额,结算金额,余额支付",
    "应付金额,订单状态,订单类型,下单帐号,客户姓名,客户地址,联系电话,订单备注,发票类型",
    "发票抬头,发票内容,商家备注,商家备注等级（等级1-5为由高到低）,运费金额,付款确认时间",
    "增值税发票,货号,订单完成时间,订单来源,订单渠道",
)
PDD_HEADER = header(
    "商品,订单号,订单状态,商品总价(元),店铺优惠折扣(元),平台优惠折扣(元),邮费(元)",
    "上门安装费(元),送货入户费(元),送货入户并安装费(元),用户实付金额(元),商家实收金额(元)",
    "商品数量(件),身份证姓名,身份证号码,收货人,手机,是否审核中,省,市,区,街道,支付时间",
    "拼单成功时间,订单确认时间,承诺发货时间,发货时间,确认收货时间,商品id,商品规格",
    "用户购买手机号,样式ID,商家编码-SKU维度,商家编码-商品维度,快递单号,快递公司,商家备注",
    "售后状态,买家留言",
)
DOUYIN_HEADER = header(
    "主订单编号,子订单编号,选购商品,商品规格,商品ID,商家编码,商品数量,商品金额",
    "订单应付金额,运费,收件人,收件人手机号,详细地址,订单提交时间,支付完成时间",
    "订单完成时间,订单状态,售后状态,取消原因,发货时间,商家备注,达人ID,达人昵称",
    "平台实际承担优惠金额,商家实际承担优惠金额,达人实际承担优惠金额",
)
NO_PARTLY = (("sale", 82), ("not_paid", 8), ("cancelled", 10))


def _pick(rng: random.Random, weighted: dict):
    return rng.choices(list(weighted), list(weighted.values()))[0]


def _taobao_status(rng, o) -> str:
    if o.kind == "sale":
        return _pick(
            rng, {"交易成功": 6, "卖家已发货，等待买家确认": 2, "买家已付款，等待卖家发货": 1}
        )
    if o.kind == "partly":
        return "交易成功"
    if o.kind == "not_paid":
        return "等待买家付款"
    return "交易关闭" if o.paid is None else "付款以后用户退款成功，交易自动关闭"


def _taobao_row(rng, o) -> dict:
    c, status = o.customer, _taobao_status(rng, o)
    return {
        "订单编号": o.oid,
        "买家会员名": c.key,
        "买家支付宝账号": masked(c.phone),
        "买家应付货款": money(o.goods - o.discount),
        "买家应付邮费": money(o.shipping),
        "买家支付积分": "0",
        "总金额": money(o.amount),
        "返点积分": "0",
        "买家实际支付金额": money(o.amount if o.paid else Decimal(0)),
        "买家实际支付积分": "0",
        "订单状态": status,
        "收货人姓名": c.name,
        "收货地址": f"{c.city} 幸福路{rng.randrange(1, 300)}号",
        "运送方式": "快递",
        "联系手机": f"'{masked(c.phone)}",
        "订单创建时间": ts(o.created),
        "订单付款时间": ts(o.paid),
        "宝贝标题": "，".join(i.title for i in o.items),
        "宝贝种类": str(len(o.items)),
        "宝贝总数量": str(sum(i.qty for i in o.items)),
        "物流单号": f"SF{rng.randrange(10**11, 10**12)}"
        if o.paid and status != "买家已付款，等待卖家发货"
        else "",
        "物流公司": "顺丰速运" if o.paid else "",
        "店铺Id": "71234567",
        "店铺名称": "木森家居旗舰店",
        "订单关闭原因": "买家不想买了" if o.kind == "cancelled" else "",
        "卖家服务费": "0",
        "买家服务费": "0",
        "是否手机订单": "手机订单",
        "退款金额": money(o.refunded),
    }


def taobao() -> Fixture:
    """淘宝/天猫 订单报表: one row per order, GB18030, partly refunded orders via 退款金额."""
    rng = random.Random("custseg-taobao")
    spec = Spec("taobao", 60, 190, max_items=3)
    customers = make_customers(rng, spec, lambda r, i, name, *_: f"{name}{r.randrange(10, 9999)}")
    orders = make_orders(
        rng, spec, customers, lambda r, i, t: str(r.randrange(35 * 10**17, 36 * 10**17))
    )
    rows = [_taobao_row(rng, o) for o in orders]
    return Fixture(
        "taobao/orders.csv", csv_bytes(TAOBAO_HEADER, rows, "gb18030"), truth(orders, set())
    )


def _jd_status(rng, o) -> str:
    if o.kind == "sale":
        return _pick(rng, {"完成": 5, "等待确认收货": 2, "等待出库": 1})
    if o.kind == "not_paid":
        return "等待付款"
    return "(删除)等待出库" if o.paid and rng.random() < 0.3 else "已取消"


def _jd_rows(rng, o) -> list[dict]:
    c, status = o.customer, _jd_status(rng, o)
    order_level = {
        "订单号": o.oid,
        "支付方式": "在线支付",
        "下单时间": ts(o.created),
        "订单金额": money(o.goods + o.shipping),
        "结算金额": money(o.amount),
        "余额支付": "0.00",
        "应付金额": money(o.amount),
        "订单状态": status,
        "订单类型": "销售订单",
        "下单帐号": c.key,
        "客户姓名": c.name,
        "客户地址": f"{c.city}建设路{rng.randrange(1, 200)}号",
        "联系电话": masked(c.phone),
        "发票类型": "电子发票",
        "发票抬头": "个人",
        "发票内容": "明细",
        "运费金额": money(o.shipping),
        "付款确认时间": ts(o.paid),
        "订单完成时间": ts(o.paid + timedelta(days=4)) if status == "完成" else "",
        "订单来源": "移动端订单",
        "订单渠道": "暂无来源",
    }
    return [
        {
            **order_level,
            "商品ID": str(100012000000 + int(i.sku[4:])),
            "商品名称": i.title,
            "订购数量": str(i.qty),
            "京东价": money(i.price),
            "货号": i.sku,
        }
        for i in o.items
    ]


def jd() -> Fixture:
    """京东 POP 订单: one row per item; 应付金额, 订单金额, 结算金额, 运费金额 repeated; GBK."""
    rng = random.Random("custseg-jd")
    spec = Spec("jd", 45, 120, max_items=3, kinds=NO_PARTLY)
    customers = make_customers(rng, spec, lambda r, *_: f"jd_{r.randrange(16**11, 16**12):x}")
    orders = make_orders(
        rng, spec, customers, lambda r, i, t: str(r.randrange(28 * 10**10, 29 * 10**10))
    )
    rows = [row for o in orders for row in _jd_rows(rng, o)]
    return Fixture("jd/orders.csv", csv_bytes(JD_HEADER, rows, "gbk"), truth(orders, set()))


def _pdd_statuses(rng, o) -> tuple[str, str]:
    if o.kind == "sale":
        status = _pick(rng, {"已签收": 5, "已发货，待签收": 2, "待发货": 1})
        return status, _pick(rng, {"无售后或售后取消": 8, "售后关闭": 1})
    if o.paid is None:
        return "已取消", "无售后或售后取消"
    return _pick(rng, {("已签收", "退款成功"): 2, ("未发货，退款成功", "退款成功"): 1})


def _pdd_row(rng, o) -> dict:
    c, item = o.customer, o.items[0]
    status, after = _pdd_statuses(rng, o)
    province, city, *rest = c.city.split(" ") + [""]
    shipped = o.paid and status != "待发货" and status != "未发货，退款成功"
    return {
        "商品": item.title,
        "订单号": o.oid,
        "订单状态": status,
        "商品总价(元)": money(o.goods),
        "店铺优惠折扣(元)": money(o.discount),
        "平台优惠折扣(元)": "0.00",
        "邮费(元)": money(o.shipping),
        "上门安装费(元)": "0.00",
        "送货入户费(元)": "0.00",
        "送货入户并安装费(元)": "0.00",
        "用户实付金额(元)": money(o.amount),
        "商家实收金额(元)": money(o.amount),
        "商品数量(件)": str(item.qty),
        "收货人": c.name[0] + "**",
        "手机": masked(c.phone),
        "是否审核中": "否",
        "省": province,
        "市": city,
        "区": rest[0],
        "支付时间": ts(o.paid),
        "拼单成功时间": ts(o.paid and o.paid + timedelta(seconds=40)),
        "承诺发货时间": ts(o.paid and o.paid + timedelta(hours=48)),
        "发货时间": ts(o.paid + timedelta(hours=20)) if shipped else "",
        "商品id": str(420000000 + int(item.sku[4:])),
        "商品规格": "默认",
        "用户购买手机号": c.key,
        "样式ID": str(1200000 + int(item.sku[4:])),
        "商家编码-SKU维度": item.sku,
        "商家编码-商品维度": item.sku,
        "快递单号": f"YT{rng.randrange(10**12, 10**13)}" if shipped else "",
        "快递公司": "圆通快递" if shipped else "",
        "售后状态": after,
    }


def pinduoduo() -> Fixture:
    """拼多多 订单: one row per order (one goods per order), UTF-8 BOM, 售后状态 beside 订单状态."""
    rng = random.Random("custseg-pinduoduo")
    spec = Spec("pinduoduo", 60, 150, kinds=(("sale", 86), ("cancelled", 14)))
    customers = make_customers(rng, spec, lambda r, i, name, phone, email: phone)
    orders = make_orders(
        rng, spec, customers, lambda r, i, t: f"{t:%y%m%d}-{r.randrange(10**14, 10**15)}"
    )
    rows = [_pdd_row(rng, o) for o in orders]
    return Fixture(
        "pinduoduo/orders.csv", csv_bytes(PDD_HEADER, rows, "utf-8-sig"), truth(orders, set())
    )


def _douyin_statuses(rng, o) -> tuple[str, str, str]:
    """订单状态, 售后状态, 取消原因."""
    if o.kind == "sale":
        return _pick(rng, {"已完成": 5, "已发货": 2, "备货中": 1}), "-", ""
    if o.kind == "not_paid":
        return "待支付", "-", ""
    if o.paid is None:
        return "已关闭", "-", "超时未支付"
    return _pick(rng, {"已完成": 1, "已关闭": 1}), "退款成功", ""


def _douyin_rows(rng, o) -> list[dict]:
    """One row per sub-order; 订单应付金额 is the sub-order's own share (summed, not repeated)."""
    c = o.customer
    status, after, reason = _douyin_statuses(rng, o)
    shares = [(i.total * o.discount / o.goods).quantize(CENT) for i in o.items]
    shares[-1] = o.discount - sum(shares[:-1])
    rows = []
    for n, (item, share) in enumerate(zip(o.items, shares, strict=True)):
        payable = item.total - share + (o.shipping if n == 0 else Decimal(0))
        rows.append(
            {
                "主订单编号": f"\t{o.oid}",
                "子订单编号": f"\t{o.oid if len(o.items) == 1 else int(o.oid) + n + 1}",
                "选购商品": f"\t{item.title}",
                "商品规格": "\t默认",
                "商品ID": f"\t{3600000000000000000 + int(item.sku[4:])}",
                "商家编码": f"\t{item.sku}",
                "商品数量": str(item.qty),
                "商品金额": money(item.price),
                "订单应付金额": money(payable),
                "运费": money(o.shipping if n == 0 else Decimal(0)),
                "收件人": "##" + c.name[0] + "**",
                "收件人手机号": c.key,
                "详细地址": f"{c.city}##****",
                "订单提交时间": ts(o.created),
                "支付完成时间": ts(o.paid),
                "订单完成时间": ts(o.paid + timedelta(days=6)) if status == "已完成" else "-",
                "订单状态": status,
                "售后状态": after,
                "取消原因": reason,
                "发货时间": ts(o.paid + timedelta(hours=9))
                if status in ("已完成", "已发货")
                else "-",
                "商家备注": "-",
                "达人ID": "\t7592255573464597541" if n == 0 and rng.random() < 0.3 else "",
                "平台实际承担优惠金额": "0.00",
                "商家实际承担优惠金额": money(share),
                "达人实际承担优惠金额": "0.00",
            }
        )
    return rows


def douyin() -> Fixture:
    """抖店 订单: one row per sub-order with its own amount and the order's statuses, UTF-8 BOM."""
    rng = random.Random("custseg-douyin")
    spec = Spec("douyin", 45, 110, max_items=3, kinds=NO_PARTLY)
    token = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
    customers = make_customers(
        rng, spec, lambda r, *_: "$$" + "".join(r.choice(token) for _ in range(22)) + "$$"
    )
    orders = make_orders(
        rng, spec, customers, lambda r, i, t: str(r.randrange(69 * 10**17, 70 * 10**17))
    )
    rows = [row for o in orders for row in _douyin_rows(rng, o)]
    return Fixture(
        "douyin/orders.csv", csv_bytes(DOUYIN_HEADER, rows, "utf-8-sig"), truth(orders, set())
    )
