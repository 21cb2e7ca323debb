"""Repurchase (复购率 by people and by orders, same day as one or not; 回购率 between
windows) and the purchase cycle: the reference by hand, the plan held to it (in memory and
in parts), and ``summary``'s figures with their formulas."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from test_measures_reference import as_of_dates, order_rows, polars_orders

from conftest import REAL, SAMPLE
from custseg.cli import main
from custseg.engines.run import run_rfm
from custseg.measures.definitions import default_as_of, reference_repurchase
from custseg.measures.extras import Extras, add_up
from custseg.measures.periods import histogram_quantile
from custseg.measures.repurchase import repurchase_figures
from custseg.orders.accounting import mark_after_as_of

AS_OF = dt.date(2024, 7, 1)
ROWS = [
    ("x", "o1", dt.datetime(2024, 6, 1, 10), 10.0),
    ("x", "o2", dt.datetime(2024, 6, 1, 18), 15.0),  # the same day: one purchase day
    ("x", "o3", dt.datetime(2024, 6, 21), 20.0),
    ("y", "o4", dt.datetime(2024, 5, 1), 30.0),
    ("y", "o5", dt.datetime(2024, 6, 10), 5.0),
    ("z", "o6", dt.datetime(2024, 6, 15), 8.0),
    ("v", "o7", dt.datetime(2024, 6, 5, 9), 12.0),
    ("v", "o8", dt.datetime(2024, 6, 5, 21), 3.0),  # two orders, one day
    ("w", "o9", dt.datetime(2024, 4, 1), -4.0),  # returns only: not a buyer
    ("x", "o10", dt.datetime(2024, 7, 3), 9.0),  # after as-of
]
CSV = "customer_id,order_id,order_date,amount\n" + "".join(
    f"{c},{o},{when:%Y-%m-%d %H:%M:%S},{a}\n" for c, o, when, a in ROWS
)


def test_the_reference_by_hand():
    got = reference_repurchase(ROWS, AS_OF, 30)
    assert got == {
        "buyers": 4, "repeat_buyers": 3, "repeat_day_buyers": 2,
        "orders": 8, "repeat_orders": 4, "purchase_days": 6, "repeat_days": 2,
        "gaps": {20: 1, 40: 1},
        # (as-of - day) // 30: x 06-01 -> 1, 06-21 -> 0; y 05-01 -> 2, 06-10 -> 0; z, v -> 0
        "windows": {0: (4, 0), 1: (1, 1), 2: (1, 0)},
    }  # fmt: skip


def plan_counts(rows, as_of, window, reasons=None) -> dict[str, pl.DataFrame]:
    frame = polars_orders(rows, reasons)
    if "reason" not in frame.columns:
        frame = frame.with_columns(reason=pl.lit(0, pl.UInt8))
    found = Extras(window_days=window).measure(mark_after_as_of(frame, as_of), as_of)
    return add_up([found])


def as_reference(counts: dict[str, pl.DataFrame]) -> dict:
    out = {k: int(v) for k, v in counts["buyers"].row(0, named=True).items()}
    out["repeat_orders"] = out["orders"] - out["buyers"]
    out["repeat_days"] = out["purchase_days"] - out["buyers"]
    out["gaps"] = dict(counts["gaps"].select("gap", "count").iter_rows())
    rows = counts["windows"].select("window", "buyers", "returned").iter_rows()
    out["windows"] = {w: (b, r) for w, b, r in rows}
    return out


def test_the_figures_by_hand():
    counts = plan_counts(ROWS, AS_OF, 30)
    assert as_reference(counts) == reference_repurchase(ROWS, AS_OF, 30)
    f = repurchase_figures(counts, AS_OF, 30)
    assert f["repurchase_rate_people"] == 3 / 4
    assert f["repurchase_rate_people_by_day"] == 2 / 4
    assert f["repurchase_rate_orders"] == 4 / 8
    assert f["repurchase_rate_orders_by_day"] == 2 / 6
    assert (f["gap_q1_days"], f["gap_median_days"], f["gap_q3_days"]) == (25, 30, 35)
    assert f["gap_p90_days"] == 38 and f["suggested_churn_days"] == 38
    assert f["windows"] == [
        {"from": dt.date(2024, 5, 3), "until": dt.date(2024, 6, 1),
         "next_until": dt.date(2024, 7, 1), "buyers": 1, "returned": 1, "rate": 1.0},
        {"from": dt.date(2024, 4, 3), "until": dt.date(2024, 5, 2),
         "next_until": dt.date(2024, 6, 1), "buyers": 1, "returned": 0, "rate": 0.0},
    ]  # fmt: skip


@pytest.mark.parametrize("values", [[1], [1, 2], [3, 1, 2, 10], [0, 0, 5, 7, 7, 9, 40]])
def test_histogram_quantiles_are_numpys(values):
    import numpy as np

    counts = [(v, values.count(v)) for v in set(values)]
    for p in (0.25, 0.5, 0.75, 0.9):
        assert histogram_quantile(counts, p) == pytest.approx(np.quantile(values, p))
    assert histogram_quantile([], 0.5) is None


@settings(max_examples=150, deadline=None)
@given(order_rows(), as_of_dates, st.sampled_from((1, 7, 30, 45)), st.data())
def test_plan_equals_reference(rows, as_of, window, data):
    reasons = data.draw(st.lists(st.sampled_from((0, 0, 3)), min_size=len(rows),
                                 max_size=len(rows)))  # fmt: skip
    used = [r for r, why in zip(rows, reasons, strict=True) if not why]
    day = as_of or default_as_of(rows)
    expected = reference_repurchase(used, day, window)
    if not expected["buyers"]:
        return
    assert as_reference(plan_counts(rows, day, window, reasons)) == expected


def test_in_memory_and_in_parts_identical():
    runs = [run_rfm(SAMPLE, chunked=c, extras=Extras(window_days=30)) for c in (False, True)]
    memory, parts = (r.extras for r in runs)
    assert runs[1].parts > 1
    for name in memory:
        assert memory[name].equals(parts[name]), name
    as_of = runs[0].report.as_of
    assert repurchase_figures(memory, as_of, 30) == repurchase_figures(parts, as_of, 30)
    assert memory["buyers"]["buyers"][0] == runs[0].frame.height


@pytest.fixture
def orders_csv(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def test_summary_prints_each_figure_with_its_formula(orders_csv):
    args = ["summary", str(orders_csv), "--as-of", "2024-07-01"]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    assert "Repurchase rate, by orders, same day as one" in res.output
    assert "repeat purchase days / purchase days = 2 / 6" in res.output
    assert "buyers with 2+ orders / buyers = 3 / 4" in res.output
    res = CliRunner().invoke(main, [*args, "--lang", "zh"])
    assert "复购率（按人数，按天去重）" in res.output and "50.0%" in res.output
    assert "回购率 2024-05-03 .. 2024-06-01" in res.output


def test_summary_json(orders_csv):
    args = ["summary", str(orders_csv), "--as-of", "2024-07-01", "--window", "30d", "--json"]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    rep = json.loads(res.stdout)["repurchase"]
    assert rep["repurchase_rate_people"] == 0.75 and rep["repurchase_rate_orders"] == 0.5
    assert rep["suggested_churn_days"] == 38 and rep["gap_median_days"] == 30
    assert rep["windows"][0]["from"] == "2024-05-03"
    names = {p["name_zh"]: p["value"] for p in rep["printed"]}
    assert names["复购率（按订单，按天去重）"] == "33.3%"
    assert CliRunner().invoke(main, [*args[:-3], "--window", "0d"]).exit_code == 2


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/data/real is absent")
def test_the_taobao_export_against_the_reference():
    """The figures the README gives for the Taobao export, and the plan equal to the
    reference on it."""
    from custseg.engines.loading import read_orders
    from custseg.schema import ORDER_COLUMNS

    path = REAL / "cn_taobao_shop_2019h1" / "taobao_orders_2019h1.csv"
    loaded = read_orders(path)
    as_of = loaded.report.as_of
    expected = reference_repurchase(loaded.frame.select(ORDER_COLUMNS).iter_rows(), as_of, 30)
    counts = run_rfm(path, extras=Extras(window_days=30)).extras
    assert as_reference(counts) == expected
    f = repurchase_figures(counts, as_of, 30)
    assert (f["repeat_buyers"], f["buyers"], f["repeat_day_buyers"]) == (2052, 25420, 1751)
    assert (f["repeat_orders"], f["orders"], f["repeat_days"]) == (2372, 27792, 1972)
    assert (f["gap_median_days"], f["suggested_churn_days"]) == (57, 150)
