"""Masked customer ids (issue 26, item 4): ``138****1234``, ``张**``, ``a***@x.com`` and ids
shared by many addresses are warned about, naming the column to use instead."""

from __future__ import annotations

import json

import polars as pl
import pytest
from click.testing import CliRunner

from custseg.cli import main
from custseg.privacy.masked import masked_ids, other_customer_columns, shapes

ENGLISH = {"LC_ALL": None, "LC_MESSAGES": None, "LANG": "C.UTF-8"}


def run(*args: str):
    return CliRunner().invoke(main, list(args), env=ENGLISH)


def test_mask_characters_mark_an_id():
    ids = pl.Series(["138****1234", "张**", "a***@x.com", "李●明", "***", "C001", "a-b_c", None])
    assert masked_ids(ids).to_list() == [True, True, True, True, False, False, False, None]
    shown = pl.select(shapes(pl.lit(ids[:4]))).to_series().to_list()
    assert shown == ["999****9999", "X**", "a***@a.aaa", "X●X"]  # names no one


def test_other_customer_columns_come_from_the_platform_tables():
    header = ["订单编号", "买家会员名", "买家支付宝账号", "收货人姓名", "客户ID"]
    # taobao's own names first (买家支付宝账号), then the generic table's (客户ID)
    assert other_customer_columns(header, "买家会员名", "taobao") == ["买家支付宝账号", "客户ID"]
    assert other_customer_columns(header, "买家会员名", "generic") == ["客户ID"]


# a Taobao 订单报表: the member names masked, the Alipay accounts not
TAOBAO = (
    "订单编号,买家会员名,买家支付宝账号,订单付款时间,买家实际支付金额,订单状态,宝贝总数量,宝贝标题\n"
    "1001,t**1,alipay_001,2024-01-05 10:00:00,30.00,交易成功,1,杯子\n"
    "1002,t**1,alipay_002,2024-01-06 10:00:00,20.00,交易成功,1,杯子\n"
    "1003,张**,alipay_003,2024-01-07 10:00:00,25.00,交易成功,1,杯子\n"
    "1004,张**,alipay_004,2024-01-08 10:00:00,15.00,交易成功,2,杯子\n"
    "1005,wang_li,alipay_005,2024-01-09 10:00:00,40.00,交易成功,1,杯子\n"
)
TAOBAO_WARNING = (
    "2 customer ids are masked (like X**, a**9; 4 rows): different buyers may share one and "
    "are then counted as one customer; name another customer column with --customer-col "
    "(this file has '买家支付宝账号')"
)


@pytest.mark.parametrize("parts", [[], ["--chunked", "--memory-limit", "1K"]])
def test_masked_ids_are_warned_with_the_column_to_use(write_csv, parts):
    path = str(write_csv(TAOBAO, "taobao.csv"))
    res = run("rfm", path, *parts)
    assert res.exit_code == 0, res.output
    assert f"Warning: {TAOBAO_WARNING}\n" in res.stderr
    res = run("rfm", path, "--json", *parts)
    assert TAOBAO_WARNING in json.loads(res.stdout)["rows"]["warnings"]


def test_masked_ids_in_chinese(write_csv):
    path = str(write_csv(TAOBAO, "taobao.csv"))
    res = run("summary", path, "--lang", "zh")
    assert res.exit_code == 0, res.output
    assert (
        "警告：2 个客户ID被打码（如 X**, a**9；4 行）：不同买家可能共用一个，被算作同一客户；"
        "请用 --customer-col 指定其他客户列（本文件还有 '买家支付宝账号'）\n"
    ) in res.stderr


def test_the_suggested_column_is_used_without_warning(write_csv):
    path = str(write_csv(TAOBAO, "taobao.csv"))
    res = run("rfm", path, "--customer-col", "买家支付宝账号", "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["customers"] == 5 and data["rows"]["warnings"] == []


def _shared(n: int) -> str:
    """One unmasked id (a nickname) with ``n`` orders on ``n`` days to ``n`` addresses,
    and a customer who ships to one."""
    rows = [f"小明,2024-01-{1 + i:02d},10,北京市海淀区中关村大街{i + 1}号" for i in range(n)]
    rows += [f"ann,2024-01-{1 + i:02d},10,上海市静安区南京西路1号" for i in range(6)]
    return "买家昵称,paid_at,amount,收货地址\n" + "\n".join(rows) + "\n"


def test_an_id_shared_by_many_addresses_is_warned(write_csv):
    res = run("rfm", str(write_csv(_shared(5), "five.csv")), "-q", "--json")
    warnings = json.loads(res.stdout)["rows"]["warnings"]
    assert warnings == [
        "1 customer ids have orders on 5 or more days to 5 or more different addresses "
        "('收货地址'; 5 rows): masked or shared ids, several buyers counted as one customer?; "
        "export the orders again with unmasked buyer ids (a member account or buyer id) if "
        "the platform offers them"
    ]
    assert "中关村" not in res.stdout + res.stderr  # the addresses themselves never shown
    res = run("rfm", str(write_csv(_shared(4), "four.csv")), "-q", "--json")
    assert json.loads(res.stdout)["rows"]["warnings"] == []
