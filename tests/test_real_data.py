"""Acceptance on the real exports in ../shared/data/real (skipped only when it is absent).

Expected figures come from each dataset's SOURCE.md.
"""

import pandas as pd
import pytest

from conftest import REAL
from custseg.engines.loading import read_orders
from custseg.engines.run import run_rfm

pytestmark = pytest.mark.skipif(not REAL.is_dir(), reason="../shared/data/real is absent")


def test_uci_online_retail():
    result = read_orders(REAL / "uci_online_retail" / "online_retail.csv.gz")
    report = result.report
    assert report.rows_read == 541_909
    assert report.left_out["missing customer"] == 135_080
    assert result.orders["customer_id"].nunique() == 4_339
    assert report.orders == 18_536
    assert report.rows_used + sum(report.left_out.values()) == report.rows_read
    assert not result.orders["customer_id"].str.endswith(".0").any()


def test_cdnow():
    result = run_rfm(REAL / "cdnow" / "CDNOW_master.txt")
    assert len(result.customers) == 23_570
    assert result.report.rows_read == 69_659
    assert result.report.left_out["duplicate row"] == 255
    ids = result.customers["customer_id"]
    assert ids.str.len().eq(5).all() and ids.min() == "00001" and ids.max() == "23570"
    assert str(result.report.as_of) == "1998-07-01"


def test_cdnow_keep_duplicates_keeps_the_total():
    result = read_orders(REAL / "cdnow" / "CDNOW_master.txt", keep_duplicates=True)
    assert result.orders["amount"].sum() == pytest.approx(2_500_315.63, abs=0.01)


def test_r_rfm_sample():
    result = run_rfm(REAL / "r_rfm_sample" / "rfm_data_orders.csv")
    assert result.customers["frequency"].sum() == 4_906
    assert len(result.customers) == 995
    assert result.customers["monetary"].sum() == 464_158
    assert "Abbey O'Reilly" in set(result.customers["customer_id"])


@pytest.mark.parametrize(
    "name",
    ["taobao_orders_2019h1.csv", "taobao_orders_2019h1_gb18030.csv", "taobao_orders_2019h1.xlsx"],
)
def test_taobao_refunds_left_out_by_status(name):
    result = read_orders(REAL / "cn_taobao_shop_2019h1" / name)
    assert result.report.left_out["cancelled"] == 1_040
    assert result.report.left_out["duplicate row"] == 1
    assert result.report.rows_used == 28_833 - 1_040 - 1
    assert result.report.columns["customer"] == "买家昵称"


def test_taobao_copies_agree():
    folder = REAL / "cn_taobao_shop_2019h1"
    frames = [
        run_rfm(folder / n).customers
        for n in (
            "taobao_orders_2019h1.csv",
            "taobao_orders_2019h1_gb18030.csv",
            "taobao_orders_2019h1.xlsx",
        )
    ]
    pd.testing.assert_frame_equal(frames[0], frames[1])
    # .xlsx stores times as fractional days: compare them to the second (1 value differs by 1 ms)
    for col in ("first_order", "last_order"):
        for frame in (frames[0], frames[2]):
            frame[col] = frame[col].dt.floor("s")
    pd.testing.assert_frame_equal(frames[0], frames[2])


@pytest.mark.parametrize(
    "name,missing,rows",
    [
        ("orders_all.csv", 637, 3_908),
        ("orders_all.xlsx", 637, 3_908),
        ("orders_2018.xlsx", 317, 1_784),
        ("orders_2019.csv", 320, 2_124),
    ],
)
def test_tmall_missing_payment_time(name, missing, rows):
    result = read_orders(REAL / "cn_mingrisoft_tmall_2018_2019" / name)
    assert result.report.rows_read == rows
    assert result.report.left_out["missing date"] == missing
    assert result.report.columns["customer"] == "买家会员名"
