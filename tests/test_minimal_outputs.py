"""Minimal outputs (issue 26, item 1): only the columns custseg uses reach ``--rejects``;
``--rejects-all-columns`` writes the others with a warning naming those that look
personal, by name (Chinese and English) or by value (phones, emails, ID numbers)."""

from __future__ import annotations

import json

import polars as pl
import pytest
from click.testing import CliRunner

from custseg.cli import main
from custseg.privacy.personal import kind_by_name, kind_by_values, personal_columns

ENGLISH = {"LC_ALL": None, "LC_MESSAGES": None, "LANG": "C.UTF-8"}


def run(*args: str):
    return CliRunner().invoke(main, list(args), env=ENGLISH)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("收货人姓名", "name"), ("收货人", "name"), ("Billing Name", "name"),
        ("first_name", "name"), ("联系手机", "phone"), ("联系电话", "phone"),
        ("Shipping Phone", "phone"), ("mobile", "phone"), ("收货地址", "address"),
        ("Shipping Address1", "address"), ("Billing Zip", "address"),
        ("身份证号", "id_number"), ("Email", "email"), ("邮箱", "email"),
        ("Lineitem name", None), ("宝贝标题", None), ("订单状态", None), ("amount", None),
        ("省份", None), ("channel", None),
    ],
)  # fmt: skip
def test_personal_column_names(name, kind):
    assert kind_by_name(name) == kind


def test_personal_column_values():
    assert kind_by_values(pl.Series(["13812345678", "+86 139 0000 1111", None, ""])) == "phone"
    assert kind_by_values(pl.Series([13812345678, 13900001111])) == "phone"  # read as numbers
    assert kind_by_values(pl.Series(["+1 (657) 777-0000", "+44 20 7183 8750"])) == "phone"
    assert kind_by_values(pl.Series(["ann@example.com", "bob@mail.example.org"])) == "email"
    assert kind_by_values(pl.Series(["11010519491231002X", "440524188001010014"])) == "id_number"
    assert kind_by_values(pl.Series(["C001", "A-17", "12.50"])) is None
    assert kind_by_values(pl.Series(["20240105", "1001"])) is None  # dates, order numbers
    frame = pl.DataFrame({"备注": ["13812345678"], "note": ["gift"], "收货人": ["x"]})
    assert personal_columns(frame) == {"备注": "phone numbers, by its values",
                                       "收货人": "names, by its name"}  # fmt: skip


# an export with personal columns: the name, phone and address of each buyer, a remark
# holding a phone, and a column custseg does not use
PERSONAL = (
    "订单编号,买家会员名,收货人姓名,联系手机,收货地址,买家留言,省份,订单付款时间,"
    "买家实际支付金额\n"
    "1001,buyer_a,欧阳明轩,13912345601,浙江省杭州市西湖区文三路91号,18611112222,浙江省,"
    "2024-01-05 10:00:00,30.00\n"
    "1002,buyer_b,司马婉清,13912345602,江苏省南京市鼓楼区中山路12号,18611113333,江苏省,"
    "2024-01-06 10:00:00,abc\n"
    "1003,,诸葛云飞,13912345603,广东省深圳市福田区深南大道7号,18611114444,广东省,"
    "2024-01-07 10:00:00,25.00\n"
)
PERSONAL_VALUES = ("欧阳明轩", "司马婉清", "诸葛云飞", "1391234560", "文三路", "中山路", "深南大道",
                   "1861111")  # fmt: skip


@pytest.mark.parametrize("parts", [[], ["--chunked", "--memory-limit", "1K"]])
def test_rejects_hold_the_used_columns_only(write_csv, tmp_path, parts):
    path = str(write_csv(PERSONAL, "orders.csv"))
    rejects = tmp_path / "rejects.csv"
    res = run("rfm", path, "--rejects", str(rejects), *parts)
    assert res.exit_code == 0, res.output
    assert rejects.read_text(encoding="utf-8") == (
        "line,reason,订单编号,买家会员名,订单付款时间,买家实际支付金额\n"
        "3,unparseable amount,1002,buyer_b,2024-01-06 10:00:00,abc\n"
        "4,missing customer,1003,,2024-01-07 10:00:00,25.00\n"
    )
    assert not any(v in res.output for v in PERSONAL_VALUES)
    # the --by column is used too
    res = run("rfm", path, "--rejects", str(rejects), "--by", "省份", "-q", *parts)
    assert res.exit_code == 0, res.output
    assert rejects.read_text(encoding="utf-8").splitlines()[:2] == [
        "line,reason,订单编号,买家会员名,省份,订单付款时间,买家实际支付金额",
        "3,unparseable amount,1002,buyer_b,江苏省,2024-01-06 10:00:00,abc",
    ]


def test_rejects_all_columns_warns_of_personal_ones(write_csv, tmp_path):
    path = str(write_csv(PERSONAL, "orders.csv"))
    rejects = tmp_path / "rejects.csv"
    res = run("rfm", path, "--rejects", str(rejects), "--rejects-all-columns", "--json")
    assert res.exit_code == 0, res.output
    header = rejects.read_text(encoding="utf-8").splitlines()[0]
    assert header == ("line,reason,订单编号,买家会员名,收货人姓名,联系手机,收货地址,买家留言,"
                      "省份,订单付款时间,买家实际支付金额")  # fmt: skip
    warning = (
        "--rejects holds all the columns of the rows left out, some of which look personal "
        "('收货人姓名' (names, by its name), '联系手机' (phone numbers, by its name), "
        "'收货地址' (addresses, by its name), '买家留言' (phone numbers, by its values)): "
        "keep the file to yourself, or leave out --rejects-all-columns"
    )
    assert json.loads(res.stdout)["rows"]["warnings"] == [warning]
    assert f"Warning: {warning}\n" in res.stderr


def test_rejects_all_columns_needs_rejects(write_csv):
    res = run("rfm", str(write_csv(PERSONAL, "orders.csv")), "--rejects-all-columns")
    assert res.exit_code == 2
    assert res.stderr.endswith("Error: --rejects-all-columns is for --rejects FILE; add it\n")


@pytest.mark.parametrize("command", ["rfm", "summary", "repeat"])
def test_spark_refuses_the_privacy_options(write_csv, command):
    res = run(command, str(write_csv(PERSONAL, "orders.csv")), "--engine", "spark", "--private")
    assert res.exit_code == 2
    assert res.stderr.endswith("Error: --private is not available with --engine spark\n")


def test_strict_names_a_malformed_line_without_its_text(write_csv):
    path = write_csv(
        PERSONAL + "1004,buyer_d,慕容霁,13912345604,x,y,z,2024-01-08,9,extra\n", "m.csv"
    )
    res = run("rfm", str(path), "--strict")
    assert res.exit_code == 1
    assert res.stderr == (
        f"Error: {path}: 2 unparseable row(s) with --strict (line 5: malformed line; line 3: "
        "unparseable amount 'abc'); fix them or run without --strict to leave them out\n"
    )
