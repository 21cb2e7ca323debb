"""Every kind of file and value a real export throws at the loader, in small fixtures."""

import bz2
import datetime as dt
import gzip
import io
import lzma
import sys
import zipfile

import pandas as pd
import polars as pl
import pytest

from custseg.engines.loading import read_orders
from custseg.errors import DataError, InputFileError
from custseg.orders.values import day_first, parse_amounts, parse_dates, parse_ids

BASIC = "order_id,customer_id,order_date,amount\n1,a,2024-01-01,10\n2,b,2024-01-02,20.5\n"


def summary(result):
    o = result.orders.sort_values(["customer_id", "order_id"])
    return list(
        zip(o["customer_id"], o["order_date"].dt.strftime("%Y-%m-%d"), o["amount"], strict=True)
    )


EXPECTED = [("a", "2024-01-01", 10.0), ("b", "2024-01-02", 20.5)]


@pytest.mark.parametrize("sep", [",", "\t", ";", "|"])
def test_delimiters(write_csv, sep):
    assert summary(read_orders(write_csv(BASIC.replace(",", sep), "o.txt"))) == EXPECTED


def test_whitespace_separated_crlf_like_cdnow(write_csv):
    text = (
        " customer_id  date number_of_cds  dollar_value\r\n 00001 20240101  1   10.00\r\n"
        " 00002 20240102  2   20.50\r\n"
    )
    result = read_orders(write_csv(text, "cdnow.txt"))
    assert result.orders["customer_id"].tolist() == ["00001", "00002"]
    assert result.orders["amount"].tolist() == [10.0, 20.5]
    assert result.orders["order_date"].dt.day.tolist() == [1, 2]


def test_quoted_fields_with_commas_and_crlf(write_csv):
    text = 'order_id,customer_id,note,order_date,amount\r\n1,a,"big, red",2024-01-01,"1,234.50"\r\n'
    result = read_orders(write_csv(text))
    assert result.orders["amount"].tolist() == [1234.5]


@pytest.mark.parametrize(
    "suffix,opener", [(".gz", gzip.open), (".bz2", bz2.open), (".xz", lzma.open)]
)
def test_compressed(tmp_path, suffix, opener):
    path = tmp_path / f"orders.csv{suffix}"
    with opener(path, "wb") as fh:
        fh.write(BASIC.encode())
    assert summary(read_orders(path)) == EXPECTED


def test_zip(tmp_path):
    path = tmp_path / "orders.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("orders.csv", BASIC)
    assert summary(read_orders(path)) == EXPECTED


def test_parquet_directory(tmp_path):
    folder = tmp_path / "orders"
    folder.mkdir()
    frame = pd.read_csv(io.StringIO(BASIC), dtype=str)
    frame.iloc[:1].to_parquet(folder / "part-0.parquet")
    frame.iloc[1:].to_parquet(folder / "part-1.parquet")
    assert summary(read_orders(folder)) == EXPECTED


def test_xlsx_with_chinese_headers_and_date_cells(tmp_path):
    path = tmp_path / "taobao.xlsx"
    frame = pd.DataFrame(
        {
            "买家昵称": ["0cyb1992", "叫我李2"],
            "付款日期": pd.to_datetime(["2024-01-01 10:00", "2024-01-02 11:00"]),
            "订单状态": ["交易成功", "交易成功"],
            "实付金额 ": [10, 20.5],
        }
    )
    frame.to_excel(path, index=False, engine="xlsxwriter")
    result = read_orders(path)
    assert sorted(result.orders["customer_id"]) == ["0cyb1992", "叫我李2"]
    assert result.orders["order_date"].min() == pd.Timestamp("2024-01-01 10:00")


def test_xlsx_renamed_csv_is_detected_by_content(tmp_path):
    path = tmp_path / "export.csv"
    pd.read_csv(io.StringIO(BASIC)).to_excel(path, index=False, engine="xlsxwriter")
    assert summary(read_orders(path)) == EXPECTED


def test_json_lines(tmp_path):
    path = tmp_path / "o.jsonl"
    path.write_text(
        '{"customer_id": "a", "order_date": "2024-01-01", "amount": 10}\n'
        '{"customer_id": "b", "order_date": "2024-01-02", "amount": 20.5}\n'
    )
    assert summary(read_orders(path)) == EXPECTED


def test_stdin(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(BASIC.encode())))
    result = read_orders("-")
    assert summary(result) == EXPECTED
    assert result.report.source == "<stdin>"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_encodings_detected(write_csv, encoding):
    text = "买家昵称,付款日期,实付金额\n张三,2024-01-01,10\n李四,2024-01-02,20.5\n"
    result = read_orders(write_csv(text, encoding=encoding))
    assert sorted(result.orders["customer_id"]) == ["张三", "李四"]


def test_forced_encoding(write_csv):
    text = "customer,date,amount\nJosé,2024-01-01,1\n"
    path = write_csv(text, encoding="latin-1")
    assert read_orders(path, encoding="latin-1").orders["customer_id"].tolist() == ["José"]


def test_fullwidth_and_spaced_headers(write_csv):
    text = "ＣｕｓｔｏｍｅｒＩＤ , 下单时间 ,订单金额 \nx,2024-01-01,5\n"
    assert read_orders(write_csv(text)).orders["customer_id"].tolist() == ["x"]


def test_two_chinese_customer_columns_the_member_name_is_preferred(write_csv):
    # 买家会员名 (the account) is a stabler id than 买家昵称 (a nickname): chosen, and said
    text = "买家昵称,买家会员名,付款日期,实付金额\na,b,2024-01-01,1\n"
    loaded = read_orders(write_csv(text))
    assert loaded.orders["customer_id"].tolist() == ["b"]
    assert "customer: '买家会员名' chosen over '买家昵称'" in loaded.report.notes


def test_amount_formats():
    text = pd.Series(
        ["¥1,234.50", "￥88", "$12.00", "1,234", "88元", "RMB 88", "(12.50)", " 7 ", "abc", None],
        dtype="string",
    )
    expected = [1234.5, 88, 12, 1234, 88, 88, -12.5, 7]
    got = parse_amounts(text).to_list()
    assert got[:8] == expected
    assert got[8:] == [None, None]


def test_ids():
    ids = parse_ids(pd.Series(["17850.0", " 17850 ", "00123", "", "a b", None], dtype="string"))
    assert ids.to_list() == ["17850", "17850", "00123", None, "a b", None]
    assert parse_ids(pd.Series([17850.0, 12.5])).to_list() == ["17850", "12.5"]
    assert parse_ids(pd.Series([7, 12])).to_list() == ["7", "12"]


def test_padded_missing_markers_are_missing_among_long_ids():
    """A missing marker padded with spaces ('   nan   ') is missing even when every other
    id is long (the check for short values looks at the trimmed text)."""
    ids = parse_ids(pl.Series(["C0000001", "    nan    ", "C0000002", "   -    ", " NULL "]))
    assert ids.to_list() == ["C0000001", None, "C0000002", None, None]


@pytest.mark.parametrize("odd", ["C2\t", "\u3000C2", "C2\r", "C2 ", None])
def test_ids_are_trimmed_only_when_one_needs_it(odd):
    """The whitespace check (which spares clean columns a trimmed copy) sees any one
    value among many, whatever the kind of space."""
    values = ["C1"] * 5000 + [odd] + ["C3"]
    trimmed = [v.strip() if v is not None else None for v in values]  # plain Python
    assert parse_ids(pl.Series(values)).to_list() == trimmed


def test_date_formats():
    text = pd.Series(
        [
            "2019-03-05",
            "2019-03-05 08:09:10",
            "2019-03-05T08:09:10.511",
            "2019/03/05",
            "20190305",
            "3/5/2019 8:09",
            "2019年3月5日",
            "nope",
        ],
        dtype="string",
    )
    got = parse_dates(text).to_list()
    assert [d.date() for d in got[:7]] == [dt.date(2019, 3, 5)] * 7
    assert got[2] == dt.datetime(2019, 3, 5, 8, 9, 10, 511000)
    assert got[7] is None
    assert parse_dates(pd.Series(["5/3/2019"], dtype="string"), dayfirst=True)[0].month == 3
    assert parse_dates(pd.Series(["5/3/2019"], dtype="string"))[0].month == 5
    # Excel serial day numbers and YYYYMMDD integers
    assert parse_dates(pd.Series([43529.5]))[0] == dt.datetime(2019, 3, 5, 12, 0)
    assert parse_dates(pd.Series([20190305]))[0] == dt.datetime(2019, 3, 5)


def test_dates_with_offsets_dots_and_dashes():
    got = parse_dates(pd.Series(["2019-03-05T08:09:10+08:00", "2019-03-05T08:09:10Z",
                                 "2019-03-05 08:09:10.5-0130", "2019-03-05T08:09:10"],
                                dtype="string")).to_list()  # fmt: skip
    # the shop's wall clock is kept: the offset is dropped
    assert got == [dt.datetime(2019, 3, 5, 8, 9, 10), dt.datetime(2019, 3, 5, 8, 9, 10),
                   dt.datetime(2019, 3, 5, 8, 9, 10, 500000),
                   dt.datetime(2019, 3, 5, 8, 9, 10)]  # fmt: skip
    # with a zone, times with an offset are converted to its wall clock (by hand: 08:09:10
    # at +08:00 is 00:09:10 UTC, 01:09:10 in Paris (UTC+1 in March); 08:09:10.5 at -01:30
    # is 09:39:10.5 UTC, 10:39:10.5 in Paris); times without one are taken as in the zone
    zoned = parse_dates(pd.Series(["2019-03-05T08:09:10+08:00", "2019-03-05T08:09:10Z",
                                   "2019-03-05 08:09:10.5-0130", "2019-03-05T08:09:10"],
                                  dtype="string"), tz="Europe/Paris").to_list()  # fmt: skip
    assert zoned == [dt.datetime(2019, 3, 5, 1, 9, 10), dt.datetime(2019, 3, 5, 9, 9, 10),
                     dt.datetime(2019, 3, 5, 10, 39, 10, 500000),
                     dt.datetime(2019, 3, 5, 8, 9, 10)]  # fmt: skip
    dotted = parse_dates(pd.Series(["5.3.2019", "05.03.2019 14:30", "2019.03.05"], dtype="string"))
    assert [d.date() for d in dotted] == [dt.date(2019, 3, 5)] * 3  # dots: day first
    dashed = parse_dates(pd.Series(["3-5-2019", "03-05-2019 14:30"], dtype="string"))
    assert [d.date() for d in dashed] == [dt.date(2019, 3, 5)] * 2  # month first, like slashes


def test_day_or_month_first_is_decided_per_column():
    ambiguous = pd.Series(["05/03/2019", "06/03/2019"], dtype="string")
    assert [d.month for d in parse_dates(ambiguous)] == [5, 6]  # month first unless told
    assert [d.month for d in parse_dates(ambiguous, dayfirst=True)] == [3, 3]
    # a value that only reads day first turns the whole column day first
    european = pd.Series(["05/03/2019", "13/03/2019 10:00"], dtype="string")
    assert [d.date() for d in parse_dates(european)] == [dt.date(2019, 3, 5), dt.date(2019, 3, 13)]
    # ... even far below the first rows that pick the format
    long = pl.Series(["01/02/2019"] * 5000 + ["25/02/2019"])
    assert day_first(long) and not day_first(long.head(5000))
    assert parse_dates(long)[0] == dt.datetime(2019, 2, 1)
    # told month first, a day-first-only value is unparseable, not swapped
    assert parse_dates(european, dayfirst=False).to_list()[1] is None
    assert not day_first(pl.Series(["2019-03-13", "2019-03-05"]))  # ISO: no question


def test_loader_and_cli_read_the_date_order_alike(write_csv, tmp_path):
    from click.testing import CliRunner

    from custseg.cli import main

    text = "order_id,customer_id,order_date,amount\n1,a,05/03/2019,10\n2,b,06/03/2019,20\n"
    path = write_csv(text)
    assert [d.month for d in read_orders(path).orders["order_date"]] == [5, 6]
    assert [d.month for d in read_orders(path, dayfirst=True).orders["order_date"]] == [3, 3]
    days = write_csv(text + "3,c,13/03/2019,30\n", "days.csv")
    assert [d.month for d in read_orders(days).orders["order_date"]] == [3, 3, 3]
    runner = CliRunner()
    for extra, first in (([], "2019-05-03"), (["--dayfirst"], "2019-03-05")):
        res = runner.invoke(main, ["rfm", str(path), "-o", "-", "-q", *extra])
        assert res.exit_code == 0, res.output
        assert res.stdout.splitlines()[1].split(",")[1] == first
    # a file processed in parts decides once, from its first rows, for every part
    whole = runner.invoke(main, ["rfm", str(days), "-o", "-", "-q"]).stdout
    parts = runner.invoke(main, ["rfm", str(days), "-o", str(tmp_path / "p.csv"), "-q",
                                 "--chunked", "--memory-limit", "1K"])  # fmt: skip
    assert parts.exit_code == 0, parts.output
    rows = sorted((tmp_path / "p.csv").read_text().splitlines()[1:])
    assert rows == sorted(whole.splitlines()[1:])
    assert "2019-03-13" in whole and "2019-05-03" not in whole


def test_quantity_times_price_line_items(write_csv):
    text = (
        "InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID\n"
        "536365,A,6,2010-12-01 08:26:00,2.55,17850.0\n"
        "536365,B,2,2010-12-01 08:26:00,3.00,17850.0\n"
        "C536379,D,-1,2010-12-01 09:41:00,27.50,17850.0\n"
        "536370,E,3,2010-12-01 08:45:00,1.00,\n"
    )
    result = read_orders(write_csv(text))
    assert result.orders[["customer_id", "order_id", "amount"]].values.tolist() == [
        ["17850", "536365", pytest.approx(21.3)]
    ]
    assert result.report.left_out["cancelled"] == 1
    assert result.report.left_out["missing customer"] == 1


def test_status_decides_not_sign(write_csv):
    text = (
        "买家昵称,付款日期,订单状态,实付金额\n"
        "a,2019-01-01,交易成功,100\n"
        "b,2019-01-02,付款以后用户退款成功，交易自动关闭,80\n"
        "c,2019-01-03,Cancelled,5\n"
        "d,2019-01-04,等待卖家发货,7\n"
    )
    result = read_orders(write_csv(text))
    assert sorted(result.orders["customer_id"]) == ["a", "d"]
    assert result.report.left_out["cancelled"] == 2
    more = read_orders(write_csv(text, "o2.csv"), cancel_status=("等待卖家发货",))
    assert more.report.left_out["cancelled"] == 3


def test_c_prefix_is_not_a_cancellation_when_ids_are_not_numeric(write_csv):
    text = "order_id,customer_id,date,amount\nC100,a,2024-01-01,5\nCX2,a,2024-01-02,5\n"
    assert read_orders(write_csv(text)).report.left_out["cancelled"] == 0


def test_returns_net_and_drop(write_csv):
    text = (
        "order_id,customer_id,date,amount\n1,a,2024-01-01,100\n2,a,2024-01-05,-30\n"
        "3,b,2024-01-02,10\n"
    )
    net = read_orders(write_csv(text))
    assert net.report.returns == 1 and net.report.orders == 2
    assert net.orders.groupby("customer_id")["amount"].sum().to_dict() == {"a": 70, "b": 10}
    drop = read_orders(write_csv(text, "d.csv"), returns="drop")
    assert drop.report.left_out["return dropped"] == 1
    assert drop.orders["amount"].sum() == 110


def test_duplicates_dropped_or_kept(write_csv):
    text = "customer,date,amount\na,2024-01-01,5\na,2024-01-01,5\n"
    assert read_orders(write_csv(text)).report.left_out["duplicate row"] == 1
    kept = read_orders(write_csv(text, "k.csv"), keep_duplicates=True)
    assert kept.report.rows_used == 2 and len(kept.orders) == 2


def test_malformed_lines_counted_and_rejects_listed(write_csv):
    text = (
        "order_id,customer_id,date,amount\n1,a,2024-01-01,5\n2,b,2024-01-02,1,extra\n"
        "3,c,x,4\n4,d,2024-01-03\n"
    )
    result = read_orders(write_csv(text), keep_rejects=True)
    assert result.report.rows_read == 4
    assert result.report.left_out["malformed line"] == 2
    assert result.report.left_out["unparseable date"] == 1
    rejects = result.rejects
    assert rejects["reason"].tolist() == ["malformed line", "malformed line", "unparseable date"]
    assert rejects["line"].tolist() == [3, 5, 4]
    assert rejects["text"].iloc[0] == "2,b,2024-01-02,1,extra"


def test_short_line_reads_as_empty_fields(write_csv):
    text = "order_id,customer_id,date,amount\n1,a,2024-01-01,5\n4,d,2024-01-03\n"
    result = read_orders(write_csv(text))
    assert result.report.left_out["missing amount"] == 1
    assert result.report.rows_used == 1


def test_strict_fails_on_unparseable(write_csv):
    text = (
        "order_id,customer_id,date,amount\n1,a,2024-01-01,5\n2,b,2024-13-45,4\n3,c,2024-01-01,?\n"
    )
    with pytest.raises(
        DataError,
        match=r"2 unparseable row\(s\) with `strict` \(line 3: "
        r"unparseable date '2024-13-45'; line 4: unparseable "
        r"amount '\?'\)",
    ):
        read_orders(write_csv(text), strict=True)


def test_folder_without_parquet_files(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputFileError, match="a folder with no .parquet files in it"):
        read_orders(tmp_path / "empty")


def test_broken_files(tmp_path, write_csv):
    binary = tmp_path / "x.csv"
    binary.write_bytes(b"\x00\x01\x02garbage" * 10)
    with pytest.raises(InputFileError, match="binary file"):
        read_orders(binary)
    truncated = tmp_path / "t.csv.gz"
    truncated.write_bytes(gzip.compress(BASIC.encode() * 50)[:40])
    with pytest.raises(InputFileError, match="t.csv.gz: cannot"):
        read_orders(truncated)
    bad_parquet = tmp_path / "p.parquet"
    bad_parquet.write_bytes(b"PAR1 not really")
    with pytest.raises(InputFileError, match="cannot be read as PARQUET"):
        read_orders(bad_parquet)
    with pytest.raises(InputFileError, match="empty"):
        read_orders(write_csv("\n\n", "blank.csv"))


def test_a_bad_value_far_down_the_file_is_counted_not_fatal(write_csv):
    rows = [f"{i},c{i % 7},2024-01-{1 + i % 28:02d},{i}.5" for i in range(3000)]
    rows[2500] = "2500,c1,2024-01-05,ten"
    result = read_orders(write_csv("order_id,customer_id,date,amount\n" + "\n".join(rows) + "\n"))
    assert result.report.left_out["unparseable amount"] == 1
    assert result.report.rows_used == 2999


def test_jd_style_headers(write_csv):
    text = (
        "订单号,下单帐号,下单时间,应付金额,订单状态\n1001,jd_user,2024-05-01 10:00:00,199.00,完成\n"
        "1002,jd_user,2024-05-03 10:00:00,59.90,已取消\n"
    )
    result = read_orders(write_csv(text))
    assert result.report.columns == {
        "order": "订单号",
        "customer": "下单帐号",
        "date": "下单时间",
        "amount": "应付金额",
        "status": "订单状态",
    }
    assert result.report.left_out["cancelled"] == 1
    assert result.orders["amount"].tolist() == [199.0]


@pytest.mark.parametrize(
    ("dates", "iso"),
    [
        (["2024-01-05", "2024-12-31", ""], True),  # an empty cell is not looked at
        (["2024-01-05", "2024-02-30"], False),  # no such day
        (["2024-01-05", "2024-1-5"], False),
        (["2024-01-05", "2024-01-05 10:00"], False),
        (["2024-01-05", " 2024-01-05"], False),
        (["", ""], False),  # nothing to tell from
    ],
)
def test_iso_dates_are_told_from_the_head_values(write_csv, dates, iso):
    from custseg.io import readers
    from custseg.orders.load import _iso_dates

    lines = [f'{i},"c, {i}",{d},5' for i, d in enumerate(dates)]
    path = write_csv("order_id,customer_id,order_date,amount\n" + "\n".join(lines) + "\n")
    source = readers.Source.open(path)
    assert readers.head_values(source, "customer_id") == [f"c, {i}" for i in range(len(dates))]
    assert readers.head_values(source, "no such column") is None
    assert _iso_dates(source, "order_date") is iso


def test_iso_dates_read_by_the_reader_agree_with_text_dates(write_csv, monkeypatch):
    # ISO dates at the head are parsed by the CSV reader itself; a time or a bad value
    # beyond the first 64 KB sends the file to the careful reader, and nothing changes
    rows = [f"{i},c{i % 7},2024-01-{1 + i % 28:02d},{i % 50}.5" for i in range(6000)]
    tail = ["6000,c1,2024-02-01 10:30:00,5", "6001,c2,2024-13-45,5", "6002,c3,,5"]
    for extra in ([], tail):
        path = write_csv(
            "order_id,customer_id,order_date,amount\n" + "\n".join(rows + extra) + "\n"
        )
        typed = read_orders(path)
        monkeypatch.setattr("custseg.orders.load._iso_dates", lambda src, column: False)
        text = read_orders(path)
        monkeypatch.undo()
        assert typed.orders.equals(text.orders)
        assert typed.report.to_dict() == text.report.to_dict()
    left = typed.report.left_out
    assert (left["unparseable date"], left["missing date"], typed.report.rows_used) == (1, 1, 6001)
    late = typed.orders[typed.orders["order_id"] == "6000"]["order_date"].iloc[0]
    assert late == pd.Timestamp("2024-02-01 10:30:00")  # the time is kept
