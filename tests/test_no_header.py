"""Order files without a header line (--no-header, LoadOptions.no_header): the columns are
named by number, every line is a row, and a first line that looks like data says so."""

import csv
import io
import json

import pandas as pd
import pytest
from click.testing import CliRunner

import custseg
from conftest import REAL
from custseg.cli import main
from custseg.errors import ColumnError, InputFileError
from custseg.orders.load import LoadOptions

# store, customer, date (YYYYMMDD), amount; line 4 has no date
ROWS = [
    ("S1", "007", "20240105", "10.50"),
    ("S1", "c2", "20240110", "20.00"),
    ("S2", "007", "20240201", "5.25"),
    ("S1", "c4", "notadate", "3.00"),
    ("S2", "c2", "20240215", "4.50"),
]
ROLES = {"customer": "2", "date": "3", "amount": "4"}
ROLE_FLAGS = ["--customer-col", "2", "--date-col", "3", "--amount-col", "4"]
# by hand: 007 buys 10.50 + 5.25, c2 buys 20.00 + 4.50; c4's row (line 4) is left out
EXPECTED = {"007": (2, 15.75), "c2": (2, 24.5)}


def headerless(sep: str, crlf: bool = False) -> str:
    """The rows joined by ``sep``; ``" "`` gives CDNOW's layout (a leading space, runs of
    spaces)."""
    end = "\r\n" if crlf else "\n"
    if sep == " ":
        return "".join(" " + "   ".join(row) + end for row in ROWS)
    return "".join(sep.join(row) + end for row in ROWS)


SEPARATORS = [(",", False), ("\t", False), (";", False), ("|", False), (" ", True)]


@pytest.fixture
def runner():
    return CliRunner()


def per_customer(orders: pd.DataFrame) -> dict[str, tuple[int, float]]:
    grouped = orders.groupby("customer_id")["amount"].agg(["count", "sum"])
    return {c: (int(n), round(float(s), 2)) for c, (n, s) in grouped.iterrows()}


@pytest.mark.parametrize(("sep", "crlf"), SEPARATORS)
def test_api_reads_every_line_as_a_row(write_csv, sep, crlf):
    path = write_csv(headerless(sep, crlf), "orders.txt")
    opts = LoadOptions(no_header=True, columns=dict(ROLES), keep_rejects=True)
    result = custseg.read_orders(path, opts)
    assert result.report.rows_read == 5
    assert {r: n for r, n in result.report.left_out.items() if n} == {"unparseable date": 1}
    assert result.rejects["line"].tolist() == [4]  # the file's own line: line 1 is a row
    assert per_customer(result.orders) == EXPECTED
    assert result.report.columns == ROLES
    orders = custseg.load_orders(path, LoadOptions(no_header=True, columns=dict(ROLES)))
    assert orders["customer_id"].tolist() == ["007", "c2", "007", "c2"]  # zeros kept
    assert orders["order_date"].dt.strftime("%Y-%m-%d").tolist()[:2] == ["2024-01-05",
                                                                        "2024-01-10"]  # fmt: skip


@pytest.mark.parametrize(("sep", "crlf"), SEPARATORS)
def test_cli_rfm_with_columns_by_number(runner, write_csv, tmp_path, sep, crlf):
    path = write_csv(headerless(sep, crlf), "orders.txt")
    rejects = tmp_path / "rejects.csv"
    res = runner.invoke(main, ["rfm", str(path), "--no-header", *ROLE_FLAGS, "-o", "-",
                               "--rejects", str(rejects)])  # fmt: skip
    assert res.exit_code == 0, res.output
    out = list(csv.DictReader(io.StringIO(res.stdout)))
    got = {r["customer_id"]: (int(r["frequency"]), float(r["monetary"])) for r in out}
    assert got == EXPECTED
    assert pd.read_csv(rejects)["line"].tolist() == [4]


def test_chunked_reads_a_headerless_csv_in_parts(runner, write_csv):
    path = write_csv(headerless(","), "orders.csv")
    args = ["rfm", str(path), "--no-header", *ROLE_FLAGS, "-o", "-"]
    whole = runner.invoke(main, args)
    parts = runner.invoke(main, [*args, "--chunked"])
    assert parts.exit_code == 0, parts.output
    assert parts.stdout == whole.stdout
    summary = json.loads(runner.invoke(main, [*args[:-2], "--chunked", "--json"]).stdout)
    assert summary["rows"]["rows_read"] == 5 and summary["customers"] == 2


def test_xlsx_without_header_row(tmp_path):
    path = tmp_path / "orders.xlsx"
    frame = pd.DataFrame([(s, c, int(d) if d.isdigit() else d, float(a)) for s, c, d, a in ROWS])
    frame.to_excel(path, index=False, header=False, engine="xlsxwriter")
    result = custseg.read_orders(path, LoadOptions(no_header=True, columns=dict(ROLES)))
    assert result.report.rows_read == 5
    assert per_customer(result.orders) == EXPECTED


def test_headerless_file_without_the_option_says_so(runner, write_csv):
    path = write_csv("".join(f"{i},{d},{a}\n" for i, d, a in
                             [("0001", "20240105", "1.5"), ("0002", "20240106", "2")]))  # fmt: skip
    res = runner.invoke(main, ["rfm", str(path)])
    assert res.exit_code == 1
    assert res.output.count("\n") == 1 and "Traceback" not in res.output
    assert res.output.startswith(
        "Error: no customer column found: the first line looks like data, not a header "
        "(1: '0001', 2: '20240105', 3: '1.5'); if the file has no header line, pass "
        "--no-header and name the columns by number: --customer-col N --date-col N "
        "--amount-col N"
    )
    # a role named by number without --no-header gets the same hint
    res = runner.invoke(main, ["rfm", str(path), "--date-col", "2"])
    assert res.exit_code == 1 and "pass --no-header" in res.output
    with pytest.raises(ColumnError, match="pass `no_header`"):
        custseg.read_orders(path)


def test_a_header_with_names_gets_no_hint(runner, write_csv):
    res = runner.invoke(main, ["rfm", str(write_csv("a,b\n1,2\n"))])
    assert "looks like data" not in res.output and "no customer column found" in res.output


def test_no_header_without_roles_asks_for_numbers(runner, write_csv):
    res = runner.invoke(main, ["rfm", str(write_csv(headerless(","))), "--no-header"])
    assert res.exit_code == 1
    assert res.output == (
        "Error: no customer column found; without a header line the columns are named by "
        "number, 1 to 4; name it with --customer-col N\n"
    )


@pytest.mark.parametrize("suffix", [".parquet", ".jsonl"])
def test_formats_that_name_their_columns_refuse(runner, tmp_path, suffix):
    path = tmp_path / f"orders{suffix}"
    frame = pd.DataFrame({"customer_id": ["a"], "order_date": ["2024-01-01"], "amount": [1.0]})
    if suffix == ".parquet":
        frame.to_parquet(path)
    else:
        frame.to_json(path, orient="records", lines=True)
    res = runner.invoke(main, ["rfm", str(path), "--no-header", *ROLE_FLAGS])
    assert res.exit_code == 1
    assert res.output.count("\n") == 1 and "Traceback" not in res.output
    assert res.output.startswith("Error: ") and "names its columns itself" in res.output
    with pytest.raises(InputFileError, match="`no_header` is for text files"):
        custseg.read_orders(path, LoadOptions(no_header=True, columns=dict(ROLES)))


def test_no_header_and_header_row_contradict(runner, write_csv):
    path = write_csv(headerless(","))
    res = runner.invoke(main, ["rfm", str(path), "--no-header", "--header-row", "2"])
    assert res.exit_code == 2 and "contradict" in res.output
    with pytest.raises(InputFileError, match="contradict"):
        custseg.read_orders(path, LoadOptions(no_header=True, header_row=2))


def test_whitespace_in_parts_is_refused_in_one_line(runner, write_csv):
    path = write_csv(headerless(" ", crlf=True), "orders.txt")
    res = runner.invoke(main, ["rfm", str(path), "--no-header", *ROLE_FLAGS, "--chunked"])
    assert res.exit_code == 1
    assert res.output.count("\n") == 1 and res.output.startswith("Error: ")
    assert "comma-, tab- or semicolon-separated" in res.output


def test_help_names_the_option(runner):
    res = runner.invoke(main, ["rfm", "--help"])
    assert "--no-header" in res.output


CDNOW_SAMPLE = REAL / "cdnow" / "CDNOW_sample.txt"
CDNOW_FLAGS = ["--no-header", "--customer-col", "2", "--date-col", "3", "--amount-col", "5"]


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/data/real is absent")
def test_cdnow_sample(runner):
    """SOURCE.md: 6,919 lines, no header, 2,357 customers. Counted by hand with pandas:
    21 rows repeat an earlier row whole; 1,959 rows are dated after 1997-09-30, 12 of
    them among those duplicates (counted as duplicates, the first reason)."""
    res = runner.invoke(main, ["rfm", str(CDNOW_SAMPLE), *CDNOW_FLAGS, "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["rows"]["rows_read"] == 6_919
    assert data["rows"]["left_out"] == {"duplicate row": 21}
    assert data["customers"] == 2_357
    res = runner.invoke(main, ["rfm", str(CDNOW_SAMPLE), *CDNOW_FLAGS, "--as-of", "1997-09-30",
                               "--json"])  # fmt: skip
    data = json.loads(res.stdout)
    assert data["rows"]["rows_read"] == 6_919
    assert data["rows"]["left_out"] == {"duplicate row": 21, "after as-of": 1_947}
    assert data["rows"]["rows_used"] == 6_919 - 21 - 1_947
    assert data["customers"] == 2_357  # all first bought in Q1 1997
    res = runner.invoke(main, ["rfm", str(CDNOW_SAMPLE), *CDNOW_FLAGS, "--keep-duplicates",
                               "--json"])  # fmt: skip
    assert json.loads(res.stdout)["rows"]["rows_used"] == 6_919


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/data/real is absent")
def test_cdnow_sample_without_the_option_gets_the_hint(runner):
    res = runner.invoke(main, ["rfm", str(CDNOW_SAMPLE)])
    assert res.exit_code == 1
    assert "the first line looks like data, not a header (1: '00004', 2: '0001', " in res.output
    assert "pass --no-header" in res.output


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/data/real is absent")
def test_cdnow_sample_api_keeps_zero_padded_ids():
    opts = LoadOptions(no_header=True, columns={"customer": "2", "date": "3", "amount": "5"})
    orders = custseg.load_orders(CDNOW_SAMPLE, opts)
    assert orders["customer_id"].nunique() == 2_357
    assert orders["customer_id"].iloc[0] == "0001"
    assert str(orders["order_date"].min().date()) == "1997-01-01"
    assert str(orders["order_date"].max().date()) <= "1998-06-30"
