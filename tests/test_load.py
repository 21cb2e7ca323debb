import datetime as dt

import pandas as pd
import polars as pl
import pytest

from custseg.engines.loading import read_orders
from custseg.errors import ColumnError, DataError, InputFileError
from custseg.orders.columns import normalize_header, read_layout, resolve_columns


def test_header_aliases_ignore_case_spaces_and_width():
    cols = ["InvoiceNo", " Customer ID ", "InvoiceDate", "Revenue"]
    assert resolve_columns(cols) == {
        "order": "InvoiceNo",
        "customer": " Customer ID ",
        "date": "InvoiceDate",
        "amount": "Revenue",
    }
    assert normalize_header("ＣｕｓｔｏｍｅｒＩＤ") == "customerid"


def test_explicit_column_wins_and_unknown_is_listed():
    cols = ["buyer", "when", "paid", "user_id"]
    roles = resolve_columns(cols, {"customer": "buyer", "date": "when", "amount": "paid"})
    assert roles["customer"] == "buyer"
    with pytest.raises(ColumnError, match=r"`columns.date` 'day': no such column; the file has"):
        resolve_columns(cols, {"date": "day"})


def test_missing_and_ambiguous_columns():
    with pytest.raises(
        ColumnError, match=r"no customer column found.*'x', 'date'.*`columns.customer`"
    ):
        resolve_columns(["x", "date", "amount"])
    with pytest.raises(ColumnError, match="no amount column"):
        resolve_columns(["customer_id", "date"])


def test_preferred_column_chosen_and_the_others_reported():
    # a payment time before a creation time, a paid amount before an order amount
    header = ["订单编号", "买家会员名", "订单创建时间", "订单付款时间", "订单金额", "实付金额"]
    layout = read_layout(header)
    assert layout.roles == {
        "order": "订单编号",
        "customer": "买家会员名",
        "date": "订单付款时间",
        "amount": "实付金额",
    }
    assert layout.passed_over == {"date": ["订单创建时间"], "amount": ["订单金额"]}
    assert resolve_columns(["customer_id", "user_id", "date", "amount"])["customer"] == (
        "customer_id"
    )


def test_clashes_of_equal_rank_all_named_at_once_unless_identical():
    header = ["Customer ID", "customer_id", "date", "Amount", "amount"]
    with pytest.raises(ColumnError) as err:
        read_layout(header)
    message = str(err.value)
    assert "customer ('Customer ID', 'customer_id')" in message
    assert "amount ('Amount', 'amount')" in message
    assert "`columns.customer` NAME, `columns.amount` NAME" in message
    same = pl.DataFrame(
        {
            "Customer ID": ["a", "b"],
            "customer_id": ["a", "b"],
            "date": ["2024-01-01"] * 2,
            "Amount": [1.0, 2.0],
            "amount": [1.0, 2.5],
        }  # fmt: skip
    )
    with pytest.raises(ColumnError, match=r"amount \('Amount', 'amount'\)") as err:
        read_layout(header, frame=same)
    assert "customer (" not in str(err.value)  # identical columns are no clash
    roles = read_layout(header, frame=same.with_columns(amount=pl.col("Amount"))).roles
    assert roles["customer"] == "Customer ID" and roles["amount"] == "Amount"


def test_load_csv_canonical_schema(write_csv):
    path = write_csv(
        "order_id,customer_id,order_date,amount\n"
        "1,007,2024-01-02,10.5\n"
        "2,17850.0,2024-01-03 10:00:00,20\n"
        "3,17850,2024-01-04,5\n"
    )
    result = read_orders(path)
    orders = result.orders
    assert list(orders.columns) == ["customer_id", "order_id", "order_date", "amount"]
    assert orders["customer_id"].tolist() == ["007", "17850", "17850"]
    assert str(orders["order_date"].dtype) == "datetime64[ns]"
    assert orders["amount"].dtype == "float64"
    assert result.report.as_of == dt.date(2024, 1, 5)
    assert result.report.rows_used == 3


def test_no_order_column_means_one_order_per_row(write_csv):
    path = write_csv("customer,date,total\na,2024-01-01,5\na,2024-01-01,5.5\nb,2024-01-02,1\n")
    result = read_orders(path)
    assert len(result.orders) == 3
    assert result.report.orders == 3


def test_line_items_merge_into_one_order(write_csv):
    path = write_csv(
        "InvoiceNo,CustomerID,InvoiceDate,Sales\n"
        "536365,17850,2010-12-01 08:26,15.30\n"
        "536365,17850,2010-12-01 08:25,20.34\n"
        "536366,17850,2010-12-02 09:00,11.10\n"
    )
    orders = read_orders(path).orders.sort_values("order_id")
    assert orders["order_id"].tolist() == ["536365", "536366"]
    assert orders["amount"].tolist() == pytest.approx([35.64, 11.10])
    assert orders["order_date"].iloc[0] == pd.Timestamp("2010-12-01 08:25")


def test_every_row_is_accounted_for(write_csv):
    path = write_csv(
        "order_id,customer_id,order_date,amount\n"
        "1,a,2024-01-01,10\n"
        "2,,2024-01-01,10\n"  # missing customer
        "3,b,not a date,10\n"  # unparseable date
        "4,c,2024-01-02,ten\n"  # unparseable amount
        "1,a,2024-01-01,10\n"  # exact duplicate
        "5,d,2024-03-01,10\n"  # after as-of
        "6,e,2024-01-02,-4\n"  # a return from someone who bought nothing
        "7,a,2024-01-03,-2\n"  # a return that nets against a's spend
    )
    result = read_orders(path, as_of=dt.date(2024, 2, 1), keep_rejects=True)
    report = result.report
    assert report.rows_read == 8
    assert {k: v for k, v in report.left_out.items() if v} == {
        "missing customer": 1,
        "unparseable date": 1,
        "unparseable amount": 1,
        "duplicate row": 1,
        "after as-of": 1,
        "returns only": 1,
    }
    assert report.rows_used == 2
    assert report.orders == 1 and report.returns == 1
    assert result.rejects["line"].tolist() == [3, 4, 5, 6, 7, 8]
    assert result.rejects["reason"].tolist()[:2] == ["missing customer", "unparseable date"]


def test_parquet_input(tmp_path):
    frame = pd.DataFrame(
        {
            "customer_id": [1, 2],
            "order_id": ["x", "y"],
            "order_date": pd.to_datetime(["2024-01-01", "2024-01-02"]),
            "amount": [1.0, 2.0],
        }
    )
    frame.to_parquet(tmp_path / "o.parquet")
    orders = read_orders(tmp_path / "o.parquet").orders
    assert orders["customer_id"].tolist() == ["1", "2"]


def test_missing_empty_and_headeronly_files(tmp_path, write_csv):
    with pytest.raises(InputFileError, match="no such file"):
        read_orders(tmp_path / "nope.csv")
    with pytest.raises(InputFileError, match="empty"):
        read_orders(write_csv("", name="empty.csv"))
    with pytest.raises(DataError, match="no rows"):
        read_orders(write_csv("customer_id,date,amount\n", name="head.csv"))


def test_nothing_left_after_cleaning(write_csv):
    path = write_csv("customer_id,date,amount\n,2024-01-01,3\nx,bad,3\n")
    with pytest.raises(DataError, match="no usable rows left after cleaning"):
        read_orders(path)
