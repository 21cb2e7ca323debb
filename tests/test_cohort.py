"""The cohort table (同期群): the reference definition by hand, the Polars plan held to it
(in memory and in parts), and the ``cohort`` command's outputs."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from test_measures_reference import as_of_dates, order_rows, polars_orders

from conftest import SAMPLE
from custseg.cli import main
from custseg.engines.run import run_rfm
from custseg.measures.cohort import LONG_COLUMNS, cohort_table, wide_table
from custseg.measures.definitions import default_as_of, reference_cohort_cells
from custseg.measures.extras import Extras, add_up
from custseg.measures.periods import period_index, period_label, period_start
from custseg.orders.accounting import mark_after_as_of

AS_OF = dt.date(2024, 7, 1)
# a, b first buy in January; c in February (a return in January before it counts at +0);
# d has returns only; e buys after as-of
ROWS = [
    ("a", "o1", dt.datetime(2024, 1, 10), 10.0),
    ("a", "o2", dt.datetime(2024, 1, 20), 20.0),
    ("b", "o3", dt.datetime(2024, 1, 15), 40.0),
    ("c", "o4", dt.datetime(2024, 1, 30), -10.0),
    ("b", "o5", dt.datetime(2024, 2, 1), 10.0),
    ("c", "o6", dt.datetime(2024, 2, 10), 50.0),
    ("d", "o7", dt.datetime(2024, 2, 2), -3.0),
    ("a", "o8", dt.datetime(2024, 3, 5), 30.0),
    ("a", "o9", dt.datetime(2024, 3, 6), -5.0),
    ("e", "o10", dt.datetime(2024, 7, 2), 99.0),
]
JAN, FEB = period_index(dt.date(2024, 1, 1), "month"), period_index(dt.date(2024, 2, 1), "month")
CSV = "customer_id,order_id,order_date,amount\n" + "".join(
    f"{c},{o},{when:%Y-%m-%d %H:%M:%S},{a}\n" for c, o, when, a in ROWS
)


def test_periods():
    day = dt.date(2019, 1, 7)  # a Monday, ISO week 2
    assert period_label(period_index(day, "month"), "month") == "2019-01"
    assert period_label(period_index(day, "quarter"), "quarter") == "2019-Q1"
    assert period_label(period_index(day, "week"), "week") == "2019-W02"
    assert period_start(period_index(day + dt.timedelta(days=6), "week"), "week") == day
    assert period_index(day, "week") - period_index(day - dt.timedelta(days=1), "week") == 1


def test_the_reference_by_hand():
    assert reference_cohort_cells(ROWS, AS_OF, "month") == {
        (JAN, 0): (2, 3, 70.0, 0),
        (JAN, 1): (1, 1, 10.0, 1),
        (JAN, 2): (1, 1, 25.0, 1),
        (FEB, 0): (1, 1, 40.0, 0),
    }


def plan_cells(rows, as_of, period, reasons=None) -> pl.DataFrame:
    frame = polars_orders(rows, reasons)
    if "reason" not in frame.columns:
        frame = frame.with_columns(reason=pl.lit(0, pl.UInt8))
    found = Extras(cohort_period=period).measure(mark_after_as_of(frame, as_of), as_of)
    return add_up([found])["cohort"]


def as_dict(cells: pl.DataFrame) -> dict:
    return {(c, k): (n, o, round(r, 2), b) for c, k, n, o, r, b in cells.iter_rows()}


def table(cells, period="month", measure="customers", cumulative=False):
    return cohort_table(cells, period, measure, cumulative)


def test_the_tables_by_hand():
    cells = plan_cells(ROWS, AS_OF, "month")
    assert as_dict(cells) == reference_cohort_cells(ROWS, AS_OF, "month")
    long = table(cells)
    assert tuple(long.columns) == LONG_COLUMNS
    assert long.rows() == [
        ("2024-01", 0, 2, 3, 70.0, 1.0),
        ("2024-01", 1, 1, 1, 10.0, 0.5),
        ("2024-01", 2, 1, 1, 25.0, 0.5),
        ("2024-02", 0, 1, 1, 40.0, 1.0),
        ("2024-02", 1, 0, 0, 0.0, 0.0),  # March: nobody of February's cohort bought
    ]
    values = {m: table(cells, measure=m)["value"].to_list() for m in ("orders", "revenue", "aov")}
    assert values == {
        "orders": [1.5, 0.5, 0.5, 1.0, 0.0],
        "revenue": [35.0, 5.0, 12.5, 40.0, 0.0],
        "aov": [23.33, 10.0, 25.0, 40.0, None],
    }
    cum = table(cells, cumulative=True)
    assert cum["customers"].to_list() == [2, 1, 2, 1, 0]  # +0: the cohort; then bought again
    assert cum["value"].to_list() == [1.0, 0.5, 1.0, 1.0, 0.0]
    assert table(cells, measure="orders", cumulative=True)["value"].to_list() == [
        1.5, 2.0, 2.5, 1.0, 1.0
    ]  # fmt: skip
    assert table(cells, measure="aov", cumulative=True)["value"].to_list() == [
        23.33, 20.0, 21.0, 40.0, 40.0  # +2: (70 + 10 + 25) / 5
    ]  # fmt: skip
    wide = wide_table(long)
    assert wide.columns == ["cohort", "customers", "+0", "+1", "+2"]
    assert wide.rows() == [("2024-01", 2, 1.0, 0.5, 0.5), ("2024-02", 1, 1.0, 0.0, None)]


@settings(max_examples=150, deadline=None)
@given(order_rows(), as_of_dates, st.sampled_from(("month", "week", "quarter")), st.data())
def test_plan_equals_reference(rows, as_of, period, data):
    reasons = data.draw(st.lists(st.sampled_from((0, 0, 3)), min_size=len(rows),
                                 max_size=len(rows)))  # fmt: skip
    used = [r for r, why in zip(rows, reasons, strict=True) if not why]
    day = as_of or default_as_of(rows)
    got = as_dict(plan_cells(rows, day, period, reasons))
    assert got == reference_cohort_cells(used, day, period)


@pytest.mark.parametrize("period", ["month", "week"])
def test_in_memory_and_in_parts_identical(period):
    runs = [run_rfm(SAMPLE, chunked=c, extras=Extras(cohort_period=period)) for c in (0, 1)]
    memory, parts = (r.extras["cohort"] for r in runs)
    assert runs[1].parts > 1
    for measure in ("customers", "revenue"):
        for cumulative in (False, True):
            a = cohort_table(memory, period, measure, cumulative)
            assert a.equals(cohort_table(parts, period, measure, cumulative))
    # every customer in one cohort; revenue adds up to rfm's
    long = cohort_table(memory, period)
    assert long.filter(pl.col("period_offset") == 0)["customers"].sum() == runs[0].frame.height
    assert long["revenue"].sum() == pytest.approx(runs[0].frame["monetary"].sum())


@pytest.fixture
def orders_csv(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result


def test_cli_long_and_wide(orders_csv, tmp_path):
    out = tmp_path / "long.csv"
    res = run("cohort", orders_csv, "--as-of", "2024-07-01", "-o", out, "-q")
    assert res.exit_code == 0, res.output
    assert out.read_text().splitlines() == [
        "cohort,period_offset,customers,orders,revenue,value",
        "2024-01,0,2,3,70.0,1.0",
        "2024-01,1,1,1,10.0,0.5",
        "2024-01,2,1,1,25.0,0.5",
        "2024-02,0,1,1,40.0,1.0",
        "2024-02,1,0,0,0.0,0.0",
    ]
    wide = tmp_path / "wide.csv"
    res = run("cohort", orders_csv, "--as-of", "2024-07-01", "--measure", "revenue", "--wide",
              "-o", wide, "-q")  # fmt: skip
    assert res.exit_code == 0, res.output
    assert wide.read_text().splitlines() == [
        "cohort,customers,+0,+1,+2",
        "2024-01,2,35.0,5.0,12.5",
        "2024-02,1,40.0,0.0,",
    ]


def test_cli_json(orders_csv):
    res = run("cohort", orders_csv, "--as-of", "2024-07-01", "--cumulative", "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["period"] == "month" and data["cumulative"] is True
    assert data["rows"]["rows_read"] == len(ROWS)
    first = data["cohorts"][0]
    assert first["cohort"] == "2024-01" and first["customers"] == 2
    assert [c["value"] for c in first["cells"]] == [1.0, 0.5, 1.0]
    assert "同期群" in data["value_zh"]


def test_cli_terminal_in_chinese_and_english(orders_csv):
    res = run("cohort", orders_csv, "--as-of", "2024-07-01", "--lang", "zh")
    assert res.exit_code == 0, res.output
    assert "同期群（按首购月）" in res.output and "首购期" in res.output
    assert "50.0%" in res.output and "\x1b[" not in res.output  # plain when not a terminal
    res = run("cohort", orders_csv, "--as-of", "2024-07-01", "--period", "quarter",
              "--measure", "aov", "--lang", "en")  # fmt: skip
    assert "Cohorts by quarter of first purchase: revenue per order" in res.output
    assert "2024-Q1" in res.output


def test_cli_errors(orders_csv, tmp_path):
    assert run("cohort", orders_csv, "--period", "day").exit_code == 2
    res = run("cohort", tmp_path / "missing.csv")
    assert res.exit_code == 1 and "Error:" in res.output and "Traceback" not in res.output


def test_report_cohort_section(orders_csv, tmp_path):
    out = tmp_path / "report.html"
    res = run("report", orders_csv, "--as-of", "2024-07-01", "--cohort", "-o", out, "-q")
    assert res.exit_code == 0, res.output
    page = out.read_text(encoding="utf-8")
    assert 'id="chart-cohort"' in page
    assert '"2024-01 (2)"' in page and "[1, 0, 50.0, 1]" in page.replace("\n", "")
    res = run("report", orders_csv, "--as-of", "2024-07-01", "-o", out, "-q")
    assert 'id="chart-cohort"' not in out.read_text(encoding="utf-8")
