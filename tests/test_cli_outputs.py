"""The output side of the commands (issue 19): --ids-only, --json beside data on stdout,
--bom, --lang of repeat/summary/errors and --rejects, on a 6-row file computed by hand."""

from __future__ import annotations

import json

import pandas as pd
import polars as pl
import pytest
from click.testing import CliRunner

from custseg.cli import main

# three customers, two orders each; as-of (the day after the latest order) is 2024-03-11
SIX = (
    "customer_id,order_id,order_date,amount\n"
    "007,A1,2024-01-05,30.00\n"  # 007: 45.50 over 2 orders, last 35 days before as-of
    "007,A2,2024-02-05,15.50\n"
    "张三,A3,2024-01-10,25\n"  # 张三: 50.00, last 1 day before
    "张三,A4,2024-03-10,25\n"
    "c9,A5,2024-01-11,20\n"  # c9: exactly 40 (not a repeat buyer: more than 40 needed)
    "c9,A6,2024-01-12,20\n"
)
# quantile cut points over (1, 35, 59) days: 14.6, 28.2, 39.8, 49.4 -> R 3, 5, 1; every
# frequency is 2 (= every cut point: the lowest bin) -> F 1; over (45.5, 50, 40): 42.2,
# 44.4, 46.4, 48.2 -> M 3, 5, 1; segments: r >= 3 potential, r <= 2 dormant
RFM_CSV = (
    "customer_id,first_order,last_order,recency_days,frequency,monetary,aov,r_score,f_score,"
    "m_score,rfm_code,segment,lifecycle,segment_label\n"
    "007,2024-01-05,2024-02-05,35,2,45.5,22.75,3,1,3,313,potential,active,Potential\n"
    "张三,2024-01-10,2024-03-10,1,2,50.0,25.0,5,1,5,515,potential,active,Potential\n"
    "c9,2024-01-11,2024-01-12,59,2,40.0,20.0,1,1,1,111,dormant,active,Dormant\n"
)
REPEAT_CSV = (
    "customer_id,orders,spend,first_order,last_order,avg_days_between_orders,lifecycle\n"
    "张三,2,50.0,2024-01-10,2024-03-10,60.0,active\n"
    "007,2,45.5,2024-01-05,2024-02-05,31.0,active\n"
)
IDS = ["007", "张三", "c9"]
BOM = b"\xef\xbb\xbf"
ENGLISH = {"LC_ALL": None, "LC_MESSAGES": None, "LANG": "C.UTF-8"}
CHINESE = {"LC_ALL": None, "LC_MESSAGES": None, "LANG": "zh_CN.UTF-8"}


@pytest.fixture
def six(write_csv):
    return str(write_csv(SIX, "six.csv"))


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, list(args), env=ENGLISH if env is None else env)


# --ids-only -----------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["rfm", "repeat"])
def test_ids_only_without_output_writes_the_ids_to_stdout(six, command):
    res = run(command, six, "--ids-only")
    assert res.exit_code == 0, res.output
    want = "007\n张三\nc9\n" if command == "rfm" else "张三\n007\n"  # repeat: by spend
    assert res.stdout == want
    assert "As of: 2024-03-11" in res.stderr  # the summary went to stderr
    quiet = run(command, six, "--ids-only", "-q")
    assert quiet.exit_code == 0 and quiet.stdout == want and quiet.stderr == ""


@pytest.mark.parametrize("suffix", [".txt", ".csv", ""])
def test_ids_only_text_file(six, tmp_path, suffix):
    path = tmp_path / f"ids{suffix}"
    res = run("rfm", six, "--ids-only", "-o", str(path), "-q")
    assert res.exit_code == 0, res.output
    assert res.stdout == "" and path.read_text(encoding="utf-8") == "007\n张三\nc9\n"


def test_ids_only_xlsx_is_a_real_workbook(six, tmp_path):
    path = tmp_path / "ids.xlsx"
    res = run("rfm", six, "--ids-only", "-o", str(path), "-q")
    assert res.exit_code == 0, res.output
    assert path.read_bytes()[:2] == b"PK"  # a zip container, not text under an .xlsx name
    book = pd.read_excel(path, engine="calamine", dtype=str)
    assert list(book.columns) == ["customer_id"]
    assert book["customer_id"].tolist() == IDS  # text cells: 007 keeps its zeros


def test_ids_only_other_formats(six, tmp_path):
    for suffix in (".parquet", ".json", ".jsonl"):
        res = run("rfm", six, "--ids-only", "-o", str(tmp_path / f"ids{suffix}"), "-q")
        assert res.exit_code == 0, res.output
    assert pl.read_parquet(tmp_path / "ids.parquet").to_dict(as_series=False) == {
        "customer_id": IDS
    }
    rows = [{"customer_id": i} for i in IDS]
    assert json.loads((tmp_path / "ids.json").read_text(encoding="utf-8")) == rows
    lines = (tmp_path / "ids.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == rows


def test_ids_only_format_option_names_the_format(six, tmp_path):
    path = tmp_path / "ids.dat"
    res = run("rfm", six, "--ids-only", "-o", str(path), "--format", "parquet", "-q")
    assert res.exit_code == 0, res.output
    assert pl.read_parquet(path)["customer_id"].to_list() == IDS


@pytest.mark.parametrize("fmt", ["xlsx", "parquet"])
def test_ids_only_binary_format_to_stdout_is_refused(six, fmt):
    res = run("rfm", six, "--ids-only", "--format", fmt, "-q")
    assert res.exit_code == 1
    assert res.stdout == ""
    assert res.stderr == f"Error: {fmt} cannot be written to stdout; give a file name with -o\n"


# --json beside the data on stdout ------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("rfm", "--json", "-o", "-"),
        ("rfm", "--json", "--ids-only"),
        ("repeat", "--json", "-o", "-"),
        ("repeat", "--json", "--ids-only", "-o", "-"),
        ("summary", "--json", "-o", "-"),
    ],
)
def test_json_with_data_on_stdout_is_a_usage_error(six, args):
    res = run(args[0], six, *args[1:])
    assert res.exit_code == 2
    assert res.stdout == ""
    assert "--json prints the run summary on stdout" in res.stderr
    assert "write the data to a file (-o PATH) or leave out --json" in res.stderr


def test_json_with_data_to_a_file(six, tmp_path):
    path = tmp_path / "customers.csv"
    res = run("rfm", six, "--json", "-o", str(path))
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["customers"] == 3  # stdout: the JSON alone
    assert path.read_text(encoding="utf-8") == RFM_CSV


def test_help_tells_the_rules():
    text = " ".join(run("rfm", "--help").stdout.split())
    assert "without -o, to stdout" in text
    assert "Not with the data on stdout too (-o -, or --ids-only without -o)" in text
    assert "CSV only: refused (exit 2) with another format" in text
    assert "--lang" in run("repeat", "--help").stdout


# --bom --------------------------------------------------------------------------------


def test_bom_csv_file(six, tmp_path):
    path = tmp_path / "customers.csv"
    res = run("rfm", six, "--bom", "-o", str(path), "-q")
    assert res.exit_code == 0, res.output
    data = path.read_bytes()
    assert data == BOM + RFM_CSV.encode("utf-8")  # once, first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["customers.csv", "six.csv"]


def test_bom_stdout_and_ids(six):
    res = run("rfm", six, "--bom", "-o", "-", "-q")
    assert res.exit_code == 0, res.output
    assert res.stdout_bytes == BOM + RFM_CSV.encode("utf-8")
    ids = run("rfm", six, "--bom", "--ids-only", "-q")
    assert ids.stdout_bytes == BOM + "007\n张三\nc9\n".encode()


def test_bom_repeat_and_summary(six, tmp_path):
    path = tmp_path / "老客户.csv"
    res = run("repeat", six, "--bom", "-o", str(path), "-q")
    assert res.exit_code == 0, res.output
    assert path.read_bytes() == BOM + REPEAT_CSV.encode("utf-8")
    table = tmp_path / "measures.csv"
    res = run("summary", six, "--bom", "-o", str(table), "-q")
    assert res.exit_code == 0, res.output
    data = table.read_bytes()
    assert data.startswith(BOM + b"group,customers,orders,revenue,") and data.count(BOM) == 1


def test_no_bom_without_the_flag(six, tmp_path):
    path = tmp_path / "customers.csv"
    assert run("rfm", six, "-o", str(path), "-q").exit_code == 0
    assert path.read_bytes() == RFM_CSV.encode("utf-8")


@pytest.mark.parametrize("name", ["customers.xlsx", "customers.parquet", "c.json", "c.jsonl"])
def test_bom_refused_for_other_formats(six, tmp_path, name):
    res = run("rfm", six, "--bom", "-o", str(tmp_path / name), "-q")
    assert res.exit_code == 2
    fmt = {"xlsx": "xlsx", "parquet": "parquet", "json": "json", "jsonl": "jsonl"}[
        name.rsplit(".", 1)[1]
    ]
    assert f"--bom applies to CSV output only; {fmt} files" in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["six.csv"]  # nothing written


def test_bom_refused_without_output(six):
    res = run("rfm", six, "--bom")
    assert res.exit_code == 2
    assert "--bom marks a CSV output as UTF-8: give one with -o FILE.csv" in res.stderr


# --lang and the locale ------------------------------------------------------------------


def test_repeat_in_chinese(six):
    res = run("repeat", six, "--lang", "zh")
    assert res.exit_code == 0, res.output
    out = res.stdout
    assert "统计截止日: 2024-03-11" in out
    assert "老客户 2 人：占客户 66.7%，占消费金额 70.5%" in out  # 95.5 of 135.5
    assert "老客户：至少 2 单且消费超过 40" in out
    for heading in ("客户ID", "订单数", "消费金额", "首次下单", "最近下单", "生命周期"):
        assert heading in out
    assert "活跃" in out and "active" not in out and "repeat buyers" not in out


def test_repeat_follows_the_locale(six):
    zh = run("repeat", six, env=CHINESE)
    assert "老客户 2 人" in zh.stdout
    en = run("repeat", six, "--lang", "en", env=CHINESE)
    assert "2 repeat buyers: 66.7% of customers, 70.5% of revenue" in en.stdout
    assert "│ active" in en.stdout  # the statuses stay as they are in English
    plain = run("repeat", six)
    assert "2 repeat buyers" in plain.stdout and "老客户" not in plain.stdout


def test_summary_follows_lang_and_locale(six):
    assert "客户指标" in run("summary", six, "--lang", "zh").stdout
    assert "客户指标" in run("summary", six, env=CHINESE).stdout
    assert "Customer measures" in run("summary", six, "--lang", "en", env=CHINESE).stdout


@pytest.mark.parametrize("command", ["rfm", "repeat", "summary"])
def test_errors_follow_lang_and_locale(tmp_path, command):
    missing = str(tmp_path / "missing.csv")
    message = f"{missing}: no such file; check the path\n"
    res = run(command, missing, "--lang", "zh")
    assert res.exit_code == 1 and res.stderr == "错误：" + message
    res = run(command, missing, env=CHINESE)
    assert res.exit_code == 1 and res.stderr == "错误：" + message
    res = run(command, missing, "--lang", "en", env=CHINESE)
    assert res.exit_code == 1 and res.stderr == "Error: " + message
    res = run(command, missing)
    assert res.exit_code == 1 and res.stderr == "Error: " + message


def test_report_message_follows_lang(six, tmp_path):
    path = tmp_path / "r.html"
    res = run("report", six, "-o", str(path), "--lang", "zh")
    assert res.exit_code == 0, res.output
    assert res.stderr.startswith(f"已写入 {path}（") and res.stderr.endswith("，3 位客户）\n")


# --rejects: the raw text of each field ----------------------------------------------------

REJECTS_IN = (
    "customer_id,order_id,order_date,amount,status\n"
    "007,0001,2025/03/01,1.50,paid\n"  # used
    "007,0002,2025/03/01,abc,paid\n"  # unparseable amount
    ",0003,2025-03-02,2.00,paid\n"  # missing customer
    "008,0004,20250303,¥1,234.50,paid\n"  # a malformed line: one field too many
    "009,0005,2025-03-07T10:00:00Z,12.50,交易关闭\n"  # cancelled
    "010,0006,2025年3月8日,+3.10,paid\n"  # used
    "007,0001,2025/03/01,1.50,paid\n"  # duplicate row
)
REJECTS_OUT_ALL = (
    "line,reason,text,customer_id,order_id,order_date,amount,status\n"
    '5,malformed line,"008,0004,20250303,¥1,234.50,paid",,,,,\n'
    "3,unparseable amount,,007,0002,2025/03/01,abc,paid\n"
    "4,missing customer,,,0003,2025-03-02,2.00,paid\n"
    "6,cancelled,,009,0005,2025-03-07T10:00:00Z,12.50,交易关闭\n"
    "8,duplicate row,,007,0001,2025/03/01,1.50,paid\n"
)


#: By default the columns custseg uses only: a malformed line's text (it did not split
#: into columns) is left out with the other columns.
REJECTS_OUT = (
    "line,reason,customer_id,order_id,order_date,amount,status\n"
    "5,malformed line,,,,,\n"
    "3,unparseable amount,007,0002,2025/03/01,abc,paid\n"
    "4,missing customer,,0003,2025-03-02,2.00,paid\n"
    "6,cancelled,009,0005,2025-03-07T10:00:00Z,12.50,交易关闭\n"
    "8,duplicate row,007,0001,2025/03/01,1.50,paid\n"
)


def test_rejects_echo_the_raw_text(write_csv, tmp_path):
    path = write_csv(REJECTS_IN, "r.csv")
    rejects = tmp_path / "rejects.csv"
    res = run("rfm", str(path), "--rejects", str(rejects), "-q")
    assert res.exit_code == 0, res.output
    assert rejects.read_text(encoding="utf-8") == REJECTS_OUT
    res = run("rfm", str(path), "--rejects", str(rejects), "-q", "--rejects-all-columns")
    assert res.exit_code == 0, res.output
    assert rejects.read_text(encoding="utf-8") == REJECTS_OUT_ALL


def test_rejects_echo_numbers_as_written(write_csv, tmp_path):
    path = write_csv(
        "customer_id,order_date,amount,zip\n"
        "a1,2025-03-01,1.50,007\n"
        "a1,2025-03-01,1.50,007\n"  # duplicate row
        "a2,2025-03-02,-2.00,010\n",  # returns only
        "n.csv",
    )
    rejects, parts = tmp_path / "rejects.csv", tmp_path / "parts.csv"
    every = "--rejects-all-columns"  # zip is no column custseg uses
    res = run("rfm", str(path), "--rejects", str(rejects), "-q", every)
    assert res.exit_code == 0, res.output
    res = run("rfm", str(path), "--rejects", str(parts), "-q", "--chunked", "--memory-limit", "1K",
              every)  # fmt: skip
    assert res.exit_code == 0, res.output
    assert parts.read_bytes() == rejects.read_bytes()
    assert rejects.read_text(encoding="utf-8") == (
        "line,reason,customer_id,order_date,amount,zip\n"
        "3,duplicate row,a1,2025-03-01,1.50,007\n"
        "4,returns only,a2,2025-03-02,-2.00,010\n"
    )
