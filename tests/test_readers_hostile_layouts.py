"""Files as back-ends really write them: title lines above the header, Windows-1252 and
late non-UTF-8 bytes, a last line still being written, ``.xls`` names on text and HTML,
GB18030 in parts. Every expected value is worked out by hand from the tiny files."""

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from conftest import REAL
from custseg.cli import main
from custseg.engines.loading import read_orders
from custseg.errors import InputFileError
from custseg.io import encodings, readers
from custseg.orders.load import LoadOptions, open_input, read_whole

YOUZAN = (
    "有赞微商城 — 订单导出\n"
    "导出时间：2024-03-01 10:00:00\n"
    "\n"
    "订单号,买家昵称,下单时间,实付金额\n"  # line 4
    "1001,张三,2024-02-01 10:00:00,99.00\n"  # line 5
    "1002,李四,2024-02-02 11:00:00,x\n"  # line 6: unparseable amount
    "1003,张三,2024-02-03 12:00:00,50.5\n"  # line 7
)


def raw_table(path, **options):
    opts = LoadOptions(**options)
    return read_whole(open_input(path, opts), opts)


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


# 1. the header below title lines


@pytest.mark.parametrize("sep", [",", "\t", ";"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_header_below_title_lines(write_csv, sep, encoding):
    path = write_csv(YOUZAN.replace(",", sep), encoding=encoding)
    result = read_orders(path, keep_rejects=True)
    assert result.report.rows_read == 3  # the 3 lines above the header are not rows
    assert result.report.rows_used == 2
    assert sorted(result.orders["amount"]) == [50.5, 99.0]
    assert set(result.orders["customer_id"]) == {"张三"}
    assert result.rejects["line"].tolist() == [6]  # the real file line
    table = raw_table(path)
    assert table.first_line == 5
    assert "header on line 4 (3 lines above it skipped)" in table.notes


def test_title_with_commas_and_spaces_is_not_the_header(write_csv):
    text = "店铺: 小米旗舰店, 导出人: 张三\n" + YOUZAN.split("\n", 3)[3]
    table = raw_table(write_csv(text))
    assert table.frame.columns == ["订单号", "买家昵称", "下单时间", "实付金额"]
    assert table.first_line == 3 and table.frame.height == 3


def test_header_on_line_one_is_the_fast_common_case(write_csv):
    table = raw_table(write_csv("order_id,customer_id,date,amount\n1,a,2024-01-01,5\n"))
    assert table.first_line == 2 and table.notes == [] and table.warnings == []


def test_header_row_forced(write_csv, tmp_path):
    # a header without known names under a title: found only when forced
    text = "Report\nwho,when,how much\na,2024-01-01,5\nb,2024-01-02,oops\n"
    path = write_csv(text)
    out = tmp_path / "rejects.csv"
    res = cli("rfm", path, "--header-row", 2, "--customer-col", "who", "--date-col", "when",
              "--amount-col", "how much", "--rejects", out, "--json")  # fmt: skip
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["rows"]["rows_read"] == 2
    assert pd.read_csv(out)["line"].tolist() == [4]
    res = cli("rfm", path, "--header-row", 0)
    assert res.exit_code == 2  # a usage error
    res = cli("rfm", path, "--header-row", 40)
    assert res.exit_code == 1 and "header row 40 is beyond the lines read (4)" in res.output


def test_xlsx_with_rows_above_the_header(tmp_path):
    path = tmp_path / "erp.xlsx"
    rows = [["ERP 订单导出", None, None], [None, None, None],
            ["买家昵称", "付款日期", "实付金额"],
            ["a", "2024-01-01", 10], ["b", "2024-01-02", "bad"],
            ["c", "2024-01-03", 2.5]]  # fmt: skip
    pd.DataFrame(rows).to_excel(path, index=False, header=False, engine="xlsxwriter")
    result = read_orders(path, keep_rejects=True)
    assert sorted(result.orders["customer_id"]) == ["a", "c"]
    assert result.report.rows_read == 3
    assert result.rejects["line"].tolist() == [5]  # sheet row 5: header on row 3
    assert "header on row 3 (2 rows above it skipped)" in raw_table(path).notes
    forced = read_orders(path, header_row=3)
    assert sorted(forced.orders["customer_id"]) == ["a", "c"]


def test_xlsx_text_ids_keep_their_zeros(tmp_path):
    path = tmp_path / "ids.xlsx"
    frame = pd.DataFrame({"customer_id": ["00123", "00456"], "date": ["2024-01-01"] * 2,
                          "amount": [1, 2]})  # fmt: skip
    frame.to_excel(path, index=False, engine="xlsxwriter")
    assert sorted(read_orders(path).orders["customer_id"]) == ["00123", "00456"]


# 2. encodings

UCI = (
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
    "536365,85123A,CRÈME BRÛLÉE SET,2,12/1/2010 8:26,2.55,17850,United Kingdom\n"
    "536366,22633,HAND WARMER £ UNION JACK,3,12/1/2010 8:28,1.85,17850,United Kingdom\n"
    "536367,84879,CAFÉ MUG,4,12/1/2010 8:34,1.69,13047,France\n"
)


def test_windows_1252_is_told_from_gb18030(write_csv):
    path = write_csv(UCI, encoding="cp1252")
    line = path.read_bytes().splitlines()[1]
    assert line.decode("gb18030")  # GB18030 "succeeds" on CRÈME BRÛLÉE, wrongly
    source = readers.Source.open(path)
    assert readers.sniff_csv(source).encoding == "cp1252"
    result = read_orders(path)
    assert sorted(result.orders["amount"]) == pytest.approx([2 * 2.55, 3 * 1.85, 4 * 1.69])
    table = raw_table(path)
    assert table.frame["Description"].to_list()[1] == "HAND WARMER £ UNION JACK"
    assert table.notes == ["text encoding: Windows-1252 (detected)"]


def test_legacy_encoding_plausibility():
    assert encodings.legacy_encoding("张三,李四,交易成功".encode("gb18030")) == "gb18030"
    assert encodings.legacy_encoding("Crème brûlée, Müller".encode("cp1252")) == "cp1252"
    assert encodings.legacy_encoding(b"abc\x80\x80\x80def") is None  # neither is plausible


def test_non_utf8_bytes_after_the_first_64k_are_read_right(write_csv):
    head = "order_id,customer_id,date,amount\n"
    rows = [f"{i},c{i % 3},2024-01-01,1\n" for i in range(4000)]  # ~92 KB of ASCII
    path = write_csv(head + "".join(rows) + "9999,José,2024-01-02,5\n", encoding="cp1252")
    assert path.read_bytes()[:65536].isascii()
    table = raw_table(path)
    assert table.frame["customer_id"].to_list()[-1] == "José"
    assert table.notes[0] == "text encoding: Windows-1252 (detected)"
    assert read_orders(path).report.rows_used == 4001


def test_undecidable_bytes_name_the_line_and_the_fix(write_csv):
    text = "order_id,customer_id,date,amount\n" + "1,a,2024-01-01,1\n" * 4000
    path = write_csv(text)
    path.write_bytes(path.read_bytes() + b"2,b\x80\x80\x80,2024-01-02,1\n")
    res = cli("rfm", path)
    assert res.exit_code == 1
    assert res.output.startswith(f"Error: {path}: the text encoding cannot be told (line 4002")
    assert "--encoding gb18030" in res.output and "--encoding cp1252" in res.output
    assert "Traceback" not in res.output


def test_bad_bytes_in_the_forced_or_detected_encoding(write_csv, tmp_path):
    path = write_csv(UCI, encoding="cp1252")
    expected = r"line 2 is not UTF-8 text \(byte 0xC8\); pass the file's encoding, e.g. "
    expected += "`encoding` cp1252"
    with pytest.raises(InputFileError, match=expected):
        read_orders(path, encoding="utf-8")
    text = "买家昵称,付款日期,实付金额\n张三,2024-01-01,10\n李四,2024-01-02,20\n"
    chinese = text.encode("gb18030")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(chinese + b"\xff\xff,2024-01-03,1\n")  # 0xFF never starts a GB18030 character
    res = cli("rfm", bad)
    assert res.exit_code == 1
    assert "line 4 is not GB18030 text (byte 0xFF)" in res.output and "--encoding" in res.output


def test_utf16_with_bom(write_csv):
    path = write_csv("customer_id\tdate\tamount\na\t2024-01-01\t5\n", encoding="utf-16")
    assert read_orders(path).orders["amount"].tolist() == [5.0]


# 3. the last line


def test_last_line_without_line_ending(write_csv):
    path = write_csv("customer_id,date,amount\na,2024-01-01,5\nb,2024-01-02,7")
    table = raw_table(path)
    assert table.frame.height == 2
    assert table.warnings == [
        "the last line has no line ending: the file may still be being written"
    ]
    with pytest.raises(InputFileError, match="no line ending.*without `strict`"):
        read_orders(path, strict=True)
    res = cli("rfm", path, "--strict")
    assert res.exit_code == 1 and "without --strict" in res.output


def test_value_cut_in_an_open_quote_is_not_read(write_csv):
    path = write_csv('order_id,customer_id,date,amount\n1,a,2024-01-01,5\n2,b,2024-01-02,"1234')
    result = read_orders(path, keep_rejects=True)
    assert result.orders["amount"].tolist() == [5.0]
    assert result.report.left_out["malformed line"] == 1
    assert result.rejects["line"].tolist() == [3]
    assert result.rejects["text"].tolist() == ['2,b,2024-01-02,"1234']
    warnings = raw_table(path).warnings
    assert warnings[1] == "the last line (line 3) ends inside a quoted value: left out as malformed"


def test_last_line_closing_a_quote_opened_above_is_whole(write_csv):
    path = write_csv('customer_id,note,date,amount\na,"two\nlines",2024-01-01,5')
    table = raw_table(path)
    assert table.frame["note"].to_list() == ["two\nlines"]
    assert len(table.warnings) == 1 and not table.malformed


# 4. .xls names on other content

JD_ROWS = [["订单号", "下单帐号", "下单时间", "应付金额"], ["5001", "jd_a", "2024-01-05", "12.5"],
           ["5002", "jd_b", "2024-01-06", "7"]]  # fmt: skip


def test_xls_that_is_tab_separated_gbk_text(tmp_path):
    path = tmp_path / "jd.xls"
    path.write_bytes("\n".join("\t".join(r) for r in JD_ROWS).encode("gb18030") + b"\n")
    assert readers.detect_format(readers.Source.open(path)) == "csv"
    notes = ["an Excel name on delimited text: read as CSV", "text encoding: GB18030 (detected)"]
    assert raw_table(path).notes == notes
    result = read_orders(path)
    assert sorted(zip(result.orders["customer_id"], result.orders["amount"], strict=True)) == [
        ("jd_a", 12.5), ("jd_b", 7.0)]  # fmt: skip


def test_xls_that_is_an_html_table(tmp_path):
    cells = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>\n" for row in JD_ROWS)
    page = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk">'
            '</head><body><table border="1">\n<tr><td colspan="4">京东订单导出</td></tr>\n'
            f"{cells}<tr><td>5003</td><td>jd_a</td><td>2024-01-07</td><td>0.5</td></tr>"
            "</table></body></html>")  # fmt: skip
    path = tmp_path / "jd.xls"
    path.write_bytes(page.encode("gbk"))
    assert readers.detect_format(readers.Source.open(path)) == "html"
    result = read_orders(path, keep_rejects=True)
    assert result.report.rows_read == 3
    by_customer = result.orders.groupby("customer_id")["amount"].sum().to_dict()
    assert by_customer == {"jd_a": 13.0, "jd_b": 7.0}
    assert "header on row 2 (1 row above it skipped)" in raw_table(path).notes


def test_xls_name_on_an_xlsx_workbook(tmp_path):
    path = tmp_path / "orders.xls"
    pd.DataFrame(JD_ROWS[1:], columns=JD_ROWS[0]).to_excel(path, index=False,
                                                           engine="xlsxwriter")  # fmt: skip
    assert readers.detect_format(readers.Source.open(path)) == "excel"
    assert sorted(read_orders(path).orders["customer_id"]) == ["jd_a", "jd_b"]


def test_excel_2003_xml_is_refused_clearly(tmp_path):
    path = tmp_path / "old.xls"
    path.write_text('<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:'
                    'office:spreadsheet"></Workbook>')  # fmt: skip
    with pytest.raises(InputFileError, match="Excel 2003 XML spreadsheet.*save it as .xlsx"):
        read_orders(path)


# 5. GB18030 (and title lines, Windows-1252) in parts


def _both_engines(path, tmp_path, limit):
    outs = []
    for extra in ([], ["--chunked", "--memory-limit", limit]):
        out = tmp_path / f"out{len(extra)}.csv"
        res = cli("rfm", path, "-o", out, "--json", *extra)
        assert res.exit_code == 0, res.output
        outs.append((out.read_bytes(), json.loads(res.stdout)))
    return outs


@pytest.mark.skipif(not REAL.exists(), reason="no real data")
def test_big_gb18030_file_in_parts_equals_in_memory(tmp_path):
    path = REAL / "cn_taobao_shop_2019h1" / "taobao_orders_2019h1_gb18030.csv"
    whole, parts = _both_engines(path, tmp_path, "50M")
    assert parts == whole
    assert whole[1]["rows"]["rows_read"] == 28833


@pytest.mark.parametrize("encoding", ["gb18030", "cp1252"])
def test_title_lines_and_encodings_in_parts(tmp_path, monkeypatch, encoding):
    monkeypatch.setattr("custseg.engines.partitioned.BATCH_BYTES", 100)
    body = "".join(f"{i},客{i % 5},2024-01-{1 + i % 9:02d},{i}.5\n" for i in range(60))
    text = "导出时间：2024-03-01\n\n订单号,买家昵称,下单时间,实付金额\n" + body
    if encoding == "cp1252":
        text = text.replace("导出时间：", "Exporté le ").replace("客", "é")
        text = text.replace("订单号,买家昵称,下单时间,实付金额", "order_id,customer,date,amount")
    path = tmp_path / "orders.csv"
    path.write_bytes(text.encode(encoding))
    whole, parts = _both_engines(path, tmp_path, "2K")
    assert parts == whole
    assert whole[1]["rows"]["rows_read"] == 60 and whole[1]["customers"] == 5


def test_real_old_format_xls_with_a_title_row():
    """``tests/data/old_format.xls``: an OLE2 workbook written by xlwt 1.3.0 (sheet 订单):
    a title row, the header on row 2, then 张三 2024-01-01 10.5 and 00123 2024-01-02 7."""
    path = Path(__file__).parent / "data" / "old_format.xls"
    assert readers.detect_format(readers.Source.open(path)) == "excel"
    result = read_orders(path)
    assert sorted(zip(result.orders["customer_id"], result.orders["amount"], strict=True)) == [
        ("00123", 7.0), ("张三", 10.5)]  # fmt: skip
    assert "header on row 2 (1 row above it skipped)" in raw_table(path).notes


def test_late_windows_1252_bytes_in_parts(tmp_path):
    rows = "".join(f"{i},c{i % 4},2024-01-{1 + i % 9:02d},{i}\n" for i in range(4000))
    path = tmp_path / "late.csv"
    text = "order_id,customer_id,date,amount\n" + rows + "9999,José,2024-01-02,5\n"
    path.write_bytes(text.encode("cp1252"))
    whole, parts = _both_engines(path, tmp_path, "20K")
    assert parts == whole
    assert whole[1]["customers"] == 5
