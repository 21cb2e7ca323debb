"""What rows mean: statuses read whole from every status column, placeholder customers,
order-level amounts, refunds, decimal marks, full-width digits, time offsets, mangled order
ids. Tiny files; every expected figure is worked out by hand in the comments."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from custseg.cli import main
from custseg.engines.loading import read_orders
from custseg.engines.run import run_rfm
from custseg.errors import DataError
from custseg.orders.load import LoadOptions
from custseg.orders.statuses import read_value


def _per_customer(result) -> dict[str, tuple[int, float]]:
    return {r["customer_id"]: (r["frequency"], r["monetary"]) for r in
            result.frame.iter_rows(named=True)}  # fmt: skip


@pytest.mark.parametrize(
    ("value", "category"),
    [
        ("无售后或售后取消", "sale"),  # contains 取消, yet the normal after-sale value
        ("退款关闭", "sale"),  # a refund request closed: the sale stands
        ("售后关闭", "sale"),
        ("交易关闭", "cancelled"),
        ("付款以后用户退款成功，交易自动关闭", "cancelled"),
        ("等待买家付款", "not_paid"),
        ("待付款", "not_paid"),
        ("partially_refunded", "partly_refunded"),
        ("Partially Refunded", "partly_refunded"),
        ("voided", "not_paid"),
        ("Failed", "not_paid"),
        ("pending", "not_paid"),
        ("Cancelled by customer", "cancelled"),  # unknown whole value: read by its words
        ("paid", "sale"),
        ("交易成功", "sale"),
    ],
)
def test_status_values_are_read_whole(value, category):
    assert read_value(value, None).category == category


def test_two_status_columns_and_their_reasons(write_csv):
    # o1 sale; o2 order status fine but refunded after sale; o3 unpaid; o4 after-sale value
    # containing 取消 (a sale); o5 refund request closed (a sale); o6 交易关闭
    path = write_csv(
        "订单编号,买家会员名,订单付款时间,实付金额,订单状态,售后状态\n"
        "o1,a,2024-01-01 10:00,10,交易成功,\n"
        "o2,a,2024-01-02 10:00,20,交易成功,退款成功\n"
        "o3,b,2024-01-03 10:00,30,等待买家付款,\n"
        "o4,b,2024-01-04 10:00,40,交易成功,无售后或售后取消\n"
        "o5,c,2024-01-05 10:00,50,交易成功,退款关闭\n"
        "o6,c,2024-01-06 10:00,60,交易关闭,\n"
    )
    result = run_rfm(path)
    assert _per_customer(result) == {"a": (1, 10.0), "b": (1, 40.0), "c": (1, 50.0)}
    left = {k: v for k, v in result.report.left_out.items() if v}
    assert left == {"not paid": 1, "cancelled": 2}
    assert result.report.columns["after_sale"] == "售后状态"


def test_unknown_status_values_are_sales_with_a_warning(write_csv):
    path = write_csv(
        "order_id,customer_id,date,amount,status\n"
        "1,a,2024-01-01,10,Fulfilled\n2,a,2024-01-02,5,on the boat\n3,b,2024-01-03,7,on the boat\n"
    )
    result = run_rfm(path)
    assert result.report.orders == 3
    (warning,) = result.report.all_warnings()
    assert "on the boat (sale) 2 rows" in warning and "`cancel_status`" in warning


def test_placeholder_customers_are_left_out_and_counted(write_csv):
    path = write_csv(
        "order_id,customer_id,date,amount\n"
        "1,0,2024-01-01,10\n2,0,2024-01-02,20\n3,Guest,2024-01-02,5\n"
        "4,***,2024-01-03,7\n5,-1,2024-01-03,1\n6,c,2024-01-04,8\n"
    )
    result = run_rfm(path)
    assert _per_customer(result) == {"c": (1, 8.0)}
    assert result.report.left_out["placeholder customer"] == 5
    kept = run_rfm(path, LoadOptions(keep_placeholder_ids=True))
    assert _per_customer(kept)["0"] == (2, 30.0)


ITEM_ROWS = (
    "order_id,customer_id,date,sku,amount\n"
    # five orders of two item rows each, the order's amount on both rows (JD-style)
    + "".join(
        f"o{i},c{i % 2},2024-01-0{i} 10:00,s{k},{10 * i}\n" for i in range(1, 6) for k in (1, 2)
    )
)


def test_an_order_amount_repeated_on_item_rows_counts_once(write_csv):
    path = write_csv(ITEM_ROWS)
    result = run_rfm(path)
    # c1: o1, o3, o5 -> 10 + 30 + 50 = 90; c0: o2, o4 -> 20 + 40 = 60 (not doubled)
    assert _per_customer(result) == {"c1": (3, 90.0), "c0": (2, 60.0)}
    assert any("repeated on item rows (amount)" in n for n in result.report.all_notes())
    summed = run_rfm(path, LoadOptions(amount_level="item"))
    assert _per_customer(summed) == {"c1": (3, 180.0), "c0": (2, 120.0)}


def test_an_order_amount_on_the_first_row_only_counts_once(write_csv):
    # Shopify-style: the total and the status on each order's first line only
    rows = "".join(
        f"#{i},c{i % 2},2024-01-0{i} 10:00,{10 * i},{'refunded' if i == 5 else 'paid'},sku1\n"
        f"#{i},c{i % 2},2024-01-0{i} 10:00,,,sku2\n"
        for i in range(1, 6)
    )
    path = write_csv("order_id,customer_id,date,amount,status,sku\n" + rows)
    result = run_rfm(path)
    # c1: #1, #3 (#5 refunded, both its lines) -> 40; c0: #2, #4 -> 60; no "missing amount"
    assert _per_customer(result) == {"c1": (2, 40.0), "c0": (2, 60.0)}
    assert {k: v for k, v in result.report.left_out.items() if v} == {"cancelled": 2}


def test_a_refunded_amount_is_taken_off(write_csv):
    path = write_csv(
        "order_id,customer_id,date,amount,refunded_amount\n"
        "1,a,2024-01-01,100,33.3\n2,a,2024-01-02,50,50\n3,b,2024-01-03,20,\n"
    )
    result = run_rfm(path)
    # 1: 100 - 33.3 = 66.7; 2: refunded in full (cancelled); 3: 20
    assert _per_customer(result) == {"a": (1, 66.7), "b": (1, 20.0)}
    assert result.report.left_out["cancelled"] == 1


def test_decimal_commas_are_detected(write_csv):
    path = write_csv(
        "order_id;customer_id;date;amount\n"
        "1;a;2024-01-01;1.058,00\n2;a;2024-01-02;36,90\n3;b;2024-01-03;1 234,50\n"
        "4;b;2024-01-04;7\n"
    )
    result = run_rfm(path)
    assert _per_customer(result) == {"a": (2, 1094.9), "b": (2, 1241.5)}
    assert "amounts use a decimal comma (1.058,00 is 1058.00)" in result.report.notes


def test_mixed_decimal_marks_stop_and_name_the_option(write_csv):
    path = write_csv(
        'order_id,customer_id,date,amount\n1,a,2024-01-01,"36,90"\n2,b,2024-01-02,1.50\n'
    )
    with pytest.raises(DataError, match="`decimal`"):
        run_rfm(path)
    res = CliRunner().invoke(main, ["rfm", str(path), "-q"])
    assert res.exit_code == 1 and "--decimal" in res.stderr and "Traceback" not in res.output
    forced = run_rfm(path, LoadOptions(decimal="."))
    # with '.', "36,90" is no number (a comma not before 3 digits): left out, never 3690
    assert _per_customer(forced) == {"b": (1, 1.5)}
    assert forced.report.left_out["unparseable amount"] == 1


def test_full_width_digits(write_csv):
    path = write_csv("order_id,customer_id,date,amount\n1,a,２０２４-０１-０５,２６８．００\n")
    orders = read_orders(path).orders
    assert orders["amount"].tolist() == [268.0]
    assert str(orders["order_date"][0].date()) == "2024-01-05"


def test_offsets_keep_the_wall_clock_unless_a_zone_is_given(write_csv):
    path = write_csv(
        "order_id,customer_id,date,amount\n"
        "1,a,2024-02-29T07:59:00+08:00,10\n2,b,2024-03-30 21:30:00 -0400,20\n"
    )
    local = read_orders(path)
    assert [str(d) for d in local.orders["order_date"]] == [
        "2024-02-29 07:59:00", "2024-03-30 21:30:00",
    ]  # fmt: skip
    assert local.report.as_of.isoformat() == "2024-03-31"
    res = CliRunner().invoke(main, ["rfm", str(path), "--tz", "Asia/Shanghai", "--json", "-o",
                                    "/dev/null", "--format", "csv"])  # fmt: skip
    # 21:30 at -04:00 is 01:30 UTC on the 31st, 09:30 in Shanghai: as-of 2024-04-01
    assert json.loads(res.stdout)["as_of"] == "2024-04-01"
    bad = CliRunner().invoke(main, ["rfm", str(path), "--tz", "Mars/Olympus"])
    assert bad.exit_code == 2 and "not a time zone" in bad.stderr


def test_excel_mangled_order_ids_warn_and_orders_come_from_the_time(write_csv):
    path = write_csv(
        "order_id,customer_id,date,amount\n"
        "3.51235E+18,a,2024-01-01 10:00:00,10\n3.51235E+18,a,2024-01-01 10:00:00,5\n"
        "3.51235E+18,a,2024-02-01 11:00:00,7\n3.51235E+18,b,2024-01-05 09:00:00,3\n"
    )
    res = CliRunner().invoke(
        main, ["rfm", str(path), "--json", "-o", "/dev/null", "--format", "csv"]
    )
    assert res.exit_code == 0
    assert "Warning: the order ids look mangled by Excel ('3.51235E+18')" in res.stderr
    assert "--order-col" in res.stderr
    summary = json.loads(res.stdout)
    # a: two orders (10:00 with two lines, 11:00), b: one
    assert summary["rows"]["orders"] == 3
    quiet = CliRunner().invoke(main, ["rfm", str(path), "-q", "-o", "/dev/null", "--format", "csv"])
    assert quiet.stderr == ""


def test_platform_named_in_the_summary_and_forced(write_csv):
    path = write_csv(
        "订单号,支付时间,用户实付金额(元),商家实收金额(元),用户购买手机号,订单状态,售后状态\n"
        "1,2024-01-01 10:00:00,10.00,9.00,138,已发货，待收货,无售后或售后取消\n"
    )
    res = CliRunner().invoke(main, ["rfm", str(path), "-o", "/dev/null", "--format", "csv"])
    assert res.exit_code == 0
    assert "Platform: Pinduoduo (from the header)" in res.stdout
    forced = CliRunner().invoke(main, ["rfm", str(path), "--platform", "nope"])
    assert forced.exit_code == 1 and "--platform 'nope': no such platform" in forced.stderr
    listed = CliRunner().invoke(main, ["platforms"])
    assert listed.exit_code == 0 and "pinduoduo" in listed.stdout and "拼多多" in listed.stdout


def test_column_preference_is_printed(write_csv):
    path = write_csv(
        "订单编号,买家会员名,订单创建时间,订单付款时间,订单金额,实付金额\n"
        "1,a,2024-01-01 09:00,,0,0\n2,a,2024-01-02 09:00,2024-01-02 09:05,30,25\n"
    )
    res = CliRunner().invoke(main, ["rfm", str(path), "-o", "/dev/null", "--format", "csv"])
    assert "Date: '订单付款时间' chosen over '订单创建时间'" in res.stdout
    assert "Amount: '实付金额' chosen over '订单金额'" in res.stdout
    # the unpaid order (no payment time) is no purchase
    assert "Orders: 1" in res.stdout


def test_order_ids_that_restart_every_day_are_not_order_ids(write_csv):
    # a shop numbering its orders 1, 2, 3 again each day: customer a is always order 1
    rows = "".join(f"{k},{c},2024-01-0{d} 1{k}:00,10\n" for d in range(1, 5) for k, c in
                   ((1, "a"), (2, "b"), (3, "c")))  # fmt: skip
    result = run_rfm(write_csv("order_id,customer_id,date,amount\n" + rows))
    # each customer bought on 4 days: 4 orders of 10, not 1 order of 40
    assert _per_customer(result) == {"a": (4, 40.0), "b": (4, 40.0), "c": (4, 40.0)}
    (warning,) = result.report.all_warnings()
    assert warning.startswith("3 order ids recur on different days")


def test_excel_text_guards_and_month_names(write_csv):
    # exports that keep Excel from mangling ids write ="..." or a leading apostrophe
    path = write_csv(
        "order_id,customer_id,date,amount\n"
        '="351235000000000001",="007",5 Mar 2024,="12.50"\n'
        "'351235000000000002,'007,\"Mar 6, 2024\",7.50\n"
    )
    orders = read_orders(path).orders
    assert orders["customer_id"].tolist() == ["007", "007"]
    assert orders["order_id"].tolist() == ["351235000000000001", "351235000000000002"]
    assert orders["amount"].tolist() == [12.5, 7.5]
    assert [str(d) for d in orders["order_date"]] == ["2024-03-05 00:00:00", "2024-03-06 00:00:00"]


def test_a_refund_status_with_a_partial_refunded_amount_is_a_partial_refund(write_csv):
    # a Taobao item report: item A 100 refunded 30 (退款成功), item B 50; by hand 70 + 50
    path = write_csv(
        "订单编号,买家会员名,订单付款时间,买家实付金额,退款状态,退款金额,宝贝标题\n"
        "1,a,2024-01-01 10:00,100,退款成功,30,A\n"
        "1,a,2024-01-01 10:00,50,没有申请退款,0,B\n"
        "2,b,2024-01-02 10:00,80,退款成功,80,C\n"
    )
    result = run_rfm(path)
    assert _per_customer(result) == {"a": (1, 120.0)}
    assert result.report.left_out["cancelled"] == 1  # order 2, refunded in full
    assert "1 partly refunded rows counted net of the refunded amount" in result.report.all_notes()


def test_notes_and_warnings_follow_the_language(write_csv):
    path = write_csv(
        "订单号,支付时间,用户实付金额(元),商家实收金额(元),用户购买手机号,订单状态,售后状态\n"
        "1,2024-01-01 10:00:00,10.00,9.00,138,已发货，待收货,神秘状态\n"
    )
    res = CliRunner().invoke(main, ["rfm", str(path), "--lang", "zh", "-o", "/dev/null",
                                    "--format", "csv"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "平台：拼多多（从表头识别）" in res.stdout
    assert (
        "警告：未知的状态值，按成交计：神秘状态 (sale) 1 rows；"
        "如有不算成交的，请用 --cancel-status 指定" in res.stderr
    )
    english = CliRunner().invoke(main, ["rfm", str(path), "--lang", "en", "-o", "/dev/null",
                                        "--format", "csv", "--json"])  # fmt: skip
    warnings = json.loads(english.stdout)["rows"]["warnings"]
    assert warnings == [
        "status values no table knows, counted as sales: 神秘状态 (sale) 1 rows; if one is not a "
        "sale, name it with --cancel-status"
    ]


def test_float_customer_ids_with_repeated_order_ids(tmp_path):
    """A Parquet file with float customer ids (17850.0, as pandas writes an id column with
    gaps) and order ids repeated on item rows: the ids read as 17850, the items of one
    order merged into one order (it crashed on 'rounding not supported for dtype str')."""
    import datetime as dt

    import polars as pl

    path = tmp_path / "float_ids.parquet"
    pl.DataFrame({
        "InvoiceNo": ["536365", "536365", "536366", "536367", "536368"],
        "CustomerID": [17850.0, 17850.0, 13047.0, None, 17850.0],
        "InvoiceDate": [dt.datetime(2011, 1, 1, 8), dt.datetime(2011, 1, 1, 8),
                        dt.datetime(2011, 2, 1), dt.datetime(2011, 3, 1),
                        dt.datetime(2011, 3, 2)],
        "Amount": [10.0, 5.0, 3.0, 4.0, 2.5],
    }).write_parquet(path)  # fmt: skip
    result = run_rfm(path)
    got = result.frame.sort("customer_id").select("customer_id", "frequency", "monetary")
    assert got.rows() == [("13047", 1, 3.0), ("17850", 2, 17.5)]
    assert result.report.left_out["missing customer"] == 1
