"""Hostile values (issue 20, item 4): NaN, infinite and overflowing amounts are unparseable,
never a NaN total or invalid JSON; a two-digit year is never the year 19; dates far outside a
shop's range are flagged; an order dated 9999-12-31 is no traceback."""

from __future__ import annotations

import json
import math

import polars as pl
from click.testing import CliRunner

from custseg.cli import main
from custseg.engines.run import run_rfm

HOSTILE = (
    "order_id,customer_id,date,amount\n"
    "1,a,2024-01-01,nan\n"
    "2,a,2024-01-02,inf\n"
    "3,b,2024-01-03,1e400\n"  # overflows a double
    "4,b,19-03-05,5\n"  # a two-digit year
    "5,c,2024-01-04,-inf\n"
    "6,c,2024-01-05,1e300\n"  # beyond any order: a sum of two would overflow
    "7,d,2024-01-06,7.5\n"
)


def test_nan_inf_and_overflowing_amounts_are_unparseable(write_csv):
    result = run_rfm(write_csv(HOSTILE))
    left = {k: v for k, v in result.report.left_out.items() if v}
    # by hand: rows 1, 2, 3, 5 and 6 have no usable amount; row 4 no usable date
    assert left == {"unparseable date": 1, "unparseable amount": 5}
    assert result.frame["customer_id"].to_list() == ["d"]
    assert result.frame["monetary"].to_list() == [7.5]


def test_the_json_summary_stays_valid_json(write_csv, tmp_path):
    out = tmp_path / "out.json"
    res = CliRunner().invoke(main, ["rfm", str(write_csv(HOSTILE)), "--json", "-o", str(out)])
    assert res.exit_code == 0, res.output
    for text in (res.stdout, out.read_text()):
        json.loads(text, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    assert "NaN" not in res.stdout and "Infinity" not in res.stdout


def test_nan_and_inf_in_a_parquet_float_column(tmp_path):
    path = tmp_path / "o.parquet"
    pl.DataFrame(
        {
            "order_id": ["1", "2", "3", "4"],
            "customer_id": ["a", "a", "b", "c"],
            "date": ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"],
            "amount": [math.nan, math.inf, -math.inf, 4.0],
        }
    ).write_parquet(path)
    result = run_rfm(path)
    assert result.report.left_out["unparseable amount"] == 3
    assert result.frame["monetary"].to_list() == [4.0]


def test_a_two_digit_year_is_never_the_year_19(write_csv):
    path = write_csv("order_id,customer_id,date,amount\n1,a,19-03-05,5\n2,b,2019-03-06,6\n")
    result = run_rfm(path)
    assert result.report.left_out["unparseable date"] == 1
    assert result.report.as_of.isoformat() == "2019-03-07"
    (warning,) = result.report.all_warnings()
    assert warning.startswith("1 dates before the year 1900 left out as unparseable")


def test_far_dates_are_flagged_and_9999_12_31_is_no_traceback(write_csv):
    path = write_csv(
        "order_id,customer_id,date,amount\n1,a,1970-01-01,5\n2,b,2024-01-02,6\n3,c,9999-12-31,7\n"
    )
    res = CliRunner().invoke(main, ["rfm", str(path), "--json", "-o", "-", "--format", "csv"])
    assert res.exit_code == 2  # --json with the data on stdout is refused
    res = CliRunner().invoke(main, ["rfm", str(path), "-q", "--json",
                                    "-o", str(path.with_suffix(".out.csv"))])  # fmt: skip
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["as_of"] == "9999-12-31"  # the day after 9999-12-31 does not exist
    assert summary["rows"]["warnings"] == [
        "1 orders dated before 1995 and 1 after today: far outside any shop's range (a default "
        "date such as 1970-01-01 or 9999-12-31?); they count as they are: check the date "
        "column, or set --as-of"
    ]
    loud = CliRunner().invoke(main, ["rfm", str(path), "-o", str(path.with_suffix(".2.csv"))])
    assert "Warning: 1 orders dated before 1995" in loud.stderr
    assert "Traceback" not in loud.output
