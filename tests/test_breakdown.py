"""``--by COLUMN``: each customer's value by the majority rule (a tie: the latest purchase),
by hand on a tiny file; in memory equal to in parts; the commands' outputs; the Taobao
export's provinces against an independent computation (pandas)."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest
from click.testing import CliRunner

from conftest import REAL
from custseg.cli import main
from custseg.engines.run import run_rfm
from custseg.measures.breakdown import MISSING, top_values
from custseg.orders.load import LoadOptions

# a: 上海 on 2 purchases, 北京 on 1 -> 上海 (majority)
# b: 北京 once, 广东 once (later) -> 广东 (the tie goes to the latest purchase)
# c: a purchase with no value and a return in 广东 (returns are not purchases) -> (missing)
# d: returns only: not a customer
# e: one order of two line items, the first without a value -> 北京 (the item that has one)
# f: bought after as-of in 广东, before it in 上海 -> 上海
TINY = """customer,order_id,date,amount,Province
a,1,2024-01-01,10,北京
a,2,2024-01-05,20,上海
a,3,2024-01-09,30, 上海
b,4,2024-01-02,5,北京
b,5,2024-01-03,7,广东
c,6,2024-01-04,100,
c,7,2024-01-06,-20,广东
d,8,2024-01-07,-5,北京
e,9,2024-01-08,3,
e,9,2024-01-08,4,北京
f,10,2024-01-10,1,上海
f,11,2024-03-01,50,广东
f,12,2024-03-02,50,广东
"""
AS_OF = dt.date(2024, 2, 1)
EXPECTED = {"a": "上海", "b": "广东", "c": MISSING, "e": "北京", "f": "上海"}


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "tiny.csv"
    path.write_text(TINY, encoding="utf-8")
    return path


@pytest.mark.parametrize("chunked", [False, True])
def test_majority_and_tie_rules_by_hand(tiny, chunked):
    result = run_rfm(tiny, LoadOptions(as_of=AS_OF, by="province"), chunked=chunked,
                     memory_limit=64 << 20)  # fmt: skip
    values = dict(zip(result.frame["customer_id"], result.by_values, strict=True))
    assert values == EXPECTED
    table = result.breakdown().sort("by_value")
    assert table["by_value"].to_list() == [MISSING, "上海", "北京", "广东"]
    assert table["customers"].to_list() == [1, 2, 1, 1]
    # revenue: c 100 - 20; a 60 + f 1; e 7; b 12
    assert table["revenue"].to_list() == [80.0, 61.0, 7.0, 12.0]
    assert table["orders"].to_list() == [1, 4, 1, 2]
    assert table["aov"].to_list() == [80.0, 15.25, 7.0, 6.0]
    assert table["repurchase_rate"].to_list() == [0.0, 0.5, 0.0, 1.0]
    assert table["customer_share"].sum() == pytest.approx(1.0)
    mix = table.select(pl.col("^segment:.*$")).sum_horizontal().to_list()
    assert mix == table["customers"].to_list()


def test_top_values_adds_up_the_rest(tiny):
    table = run_rfm(tiny, LoadOptions(as_of=AS_OF, by="Province")).breakdown()
    top = top_values(table, 2)
    assert top["by_value"].to_list()[-1] == "other"
    assert top.height == 3
    assert top["customers"].sum() == 5
    assert top["revenue"].sum() == pytest.approx(table["revenue"].sum())


def _run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_in_memory_equals_in_parts(tiny, tmp_path):
    outs = []
    for extra in ([], ["--chunked", "--memory-limit", "64M"]):
        out = tmp_path / f"out{len(outs)}.csv"
        done = _run("rfm", str(tiny), "--by", "province", "--as-of", "2024-02-01", "-o",
                    str(out), "--json", *extra)  # fmt: skip
        assert done.exit_code == 0, done.output
        outs.append((out.read_text(encoding="utf-8"), json.loads(done.stdout)["by"]))
    assert outs[0] == outs[1]


def test_rfm_output_column_and_json(tiny, tmp_path):
    out = tmp_path / "customers.csv"
    done = _run("rfm", str(tiny), "--by", "province", "--as-of", "2024-02-01", "-o", str(out),
                "--json")  # fmt: skip
    frame = pl.read_csv(out)
    assert frame.columns[-1] == "by_value"
    assert dict(zip(frame["customer_id"], frame["by_value"], strict=True)) == EXPECTED
    by = json.loads(done.stdout)["by"]
    assert by["column"] == "province"
    assert "tie" in by["rule"]
    first = by["values"][0]
    assert (first["by_value"], first["customers"], first["revenue"]) == ("上海", 2, 61.0)
    assert sum(first["segments"].values()) == 2


def test_summary_and_repeat(tiny):
    done = _run("summary", str(tiny), "--by", "province", "--as-of", "2024-02-01", "--json")
    values = json.loads(done.stdout)["by"]["values"]
    assert {v["by_value"]: v["customers"] for v in values} == {"上海": 2, "北京": 1, "广东": 1,
                                                               MISSING: 1}  # fmt: skip
    done = _run("repeat", str(tiny), "--by", "province", "--as-of", "2024-02-01", "--json")
    values = {v["by_value"]: v["repeat_buyers"] for v in json.loads(done.stdout)["by"]["values"]}
    assert values == {"上海": 1, "北京": 0, "广东": 0, MISSING: 0}  # only a: 3 orders, 60 spent


def test_terminal_tables_in_chinese(tiny):
    done = _run("summary", str(tiny), "--by", "province", "--as-of", "2024-02-01", "--lang", "zh")
    assert "按province划分的客户" in done.output
    assert "每位客户计入其多数购买所在的取值" in done.output
    done = _run("rfm", str(tiny), "--by", "province", "--as-of", "2024-02-01")
    assert "Customers by province" in done.output
    assert "(missing)" in done.output


def test_unknown_column_names_the_option(tiny):
    done = CliRunner().invoke(main, ["rfm", str(tiny), "--by", "channel"])
    assert done.exit_code == 1
    assert "--by 'channel': no such column" in done.output


def test_without_by_nothing_changes(tiny):
    result = run_rfm(tiny, LoadOptions(as_of=AS_OF))
    assert result.by_values is None and result.breakdown() is None
    assert "by_value" not in result.labelled().columns


TAOBAO = REAL / "cn_taobao_shop_2019h1" / "taobao_orders_2019h1.csv"


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/data/real is absent")
def test_taobao_provinces_against_pandas():
    pd = pytest.importorskip("pandas")
    raw = pd.read_csv(TAOBAO, dtype=str).drop_duplicates()  # custseg leaves 1 duplicate out
    rows = raw[raw["订单状态"] == "交易成功"].copy()  # 1,040 refunded rows left out
    rows["amount"] = rows["实付金额"].astype(float)
    rows["date"] = pd.to_datetime(rows["付款日期"], format="ISO8601")
    rows["province"] = rows["省份"].fillna(MISSING)
    counts = rows.groupby(["买家昵称", "province"])
    counts = counts.agg(n=("amount", "size"), latest=("date", "max")).reset_index()
    counts = counts.sort_values(["买家昵称", "n", "latest", "province"],
                                ascending=[True, False, False, True])  # fmt: skip
    chosen = counts.drop_duplicates("买家昵称").set_index("买家昵称")["province"]
    spend = rows.groupby("买家昵称")["amount"].sum()
    per = pd.DataFrame({"v": chosen, "spend": spend}).groupby("v")
    expected = {v: (len(g), round(g["spend"].sum(), 2)) for v, g in per}
    assert (counts.groupby("买家昵称").size() > 1).sum() > 100  # the rule matters here
    result = run_rfm(TAOBAO, LoadOptions(by="省份"))
    table = result.breakdown()
    found = {r["by_value"]: (r["customers"], r["revenue"]) for r in table.iter_rows(named=True)}
    assert found == expected
    assert table["by_value"][0] == "上海" and table["customers"][0] == 5101
