"""Each customer's purchase history as the models read it: the reference definition by
hand, and the Polars plan (in memory and in parts) held to it."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_measures_reference import AS_OF, as_of_dates, at, order_rows, orders, polars_orders

from conftest import REAL, SAMPLE
from custseg.engines.run import run_rfm
from custseg.measures.definitions import (
    default_as_of,
    reference_history,
    reference_history_days,
)
from custseg.measures.history import (
    DAY_COLUMNS,
    HISTORY_COLUMNS,
    History,
    history_days,
    history_measures,
)
from custseg.orders.accounting import mark_after_as_of
from custseg.schema import ORDER_COLUMNS


def test_the_reference_by_hand():
    rows = orders(
        ("a", at(100, 9), 20.0),  # first purchase day
        ("a", at(100, 18), 5.0),  # same day: the same transaction
        ("a", at(60), 30.0),
        ("a", at(59), -10.0),  # a return after the first day nets the repeat spend
        ("a", at(40), 12.5),
        ("a", at(5), 8.0),  # after the calibration end: holdout
        ("a", at(5, 20), 1.0),  # same holdout day
        ("a", at(2), 4.0),
        ("b", at(10), 9.0),  # first bought after the calibration end: not in the model
        ("c", at(50), -3.0),  # a return before the first purchase: not repeat spend
        ("c", at(45), 7.0),
    )
    end = AS_OF - dt.timedelta(days=30)
    got = reference_history(rows, AS_OF, end)
    assert got == {
        "a": {"repeat_orders": 2, "t_first_last_days": 60, "T_days": 70,
              "repeat_spend": 32.5, "holdout_orders": 2},
        "c": {"repeat_orders": 0, "t_first_last_days": 0, "T_days": 15,
              "repeat_spend": 0.0, "holdout_orders": 0},
    }  # fmt: skip
    # without a calibration end the window ends on as-of and there is no holdout
    whole = reference_history(rows, AS_OF)
    assert whole["a"] == {"repeat_orders": 4, "t_first_last_days": 98, "T_days": 100,
                          "repeat_spend": 45.5, "holdout_orders": None}  # fmt: skip
    assert whole["b"]["T_days"] == 10
    # per day: first purchases, and the repeat purchase days of those customers
    assert reference_history_days(rows, AS_OF, end) == [
        (at(100).date(), 1, 0), (at(60).date(), 0, 1), (at(45).date(), 1, 0),
        (at(40).date(), 0, 1), (at(5).date(), 0, 1), (at(2).date(), 0, 1),
    ]  # fmt: skip


def plan_history(rows, as_of, end=None, reasons=None) -> dict[str, dict]:
    frame = polars_orders(rows, reasons)
    if "reason" not in frame.columns:
        frame = frame.with_columns(reason=pl.lit(0, pl.UInt8))
    out = history_measures(mark_after_as_of(frame, as_of), as_of, History(end))
    assert tuple(out.columns) == ("customer_id", *HISTORY_COLUMNS)
    return {row.pop("customer_id"): row for row in out.iter_rows(named=True)}


ends = st.one_of(st.none(), st.dates(dt.date(2021, 12, 25), dt.date(2024, 1, 5)))


@settings(max_examples=200, deadline=None)
@given(order_rows(), as_of_dates, ends)
def test_plan_equals_reference(rows, as_of, end):
    day = as_of or default_as_of(rows)
    assert plan_history(rows, day, end) == reference_history(rows, day, end)
    frame = polars_orders(rows).with_columns(reason=pl.lit(0, pl.UInt8))
    daily = history_days(mark_after_as_of(frame, day), day, History(end))
    assert tuple(daily.columns) == DAY_COLUMNS
    assert daily.rows() == reference_history_days(rows, day, end)


@settings(max_examples=60, deadline=None)
@given(order_rows(), as_of_dates, ends, st.data())
def test_plan_ignores_rows_with_a_reason(rows, as_of, end, data):
    reasons = data.draw(st.lists(st.sampled_from((0, 0, 3)), min_size=len(rows),
                                 max_size=len(rows)))  # fmt: skip
    used = [r for r, why in zip(rows, reasons, strict=True) if not why]
    day = as_of or default_as_of(rows)
    assert plan_history(rows, day, end, reasons) == reference_history(used, day, end)


@pytest.mark.parametrize("end", [None, dt.date(2025, 9, 30)])
def test_engines_agree_with_the_reference_on_the_sample(end):
    from custseg.engines.loading import read_orders

    loaded = read_orders(SAMPLE)
    as_of = loaded.report.as_of
    expected = reference_history(loaded.frame.select(ORDER_COLUMNS).iter_rows(), as_of, end)
    results = [run_rfm(SAMPLE, history=History(end), chunked=c) for c in (False, True)]
    memory, parts = results
    assert parts.history.equals(memory.history) and parts.frame.equals(memory.frame)
    assert parts.history_days.equals(memory.history_days)
    days = reference_history_days(loaded.frame.select(ORDER_COLUMNS).iter_rows(), as_of, end)
    assert memory.history_days.rows() == days
    # with a calibration end, the customers are measured as of that day: the holdout
    # orders are seen only by the history
    from custseg.measures.definitions import reference_measures

    rows = loaded.frame.select(ORDER_COLUMNS).iter_rows()
    measured = reference_measures(rows, end or as_of).customers
    assert memory.frame.select("customer_id", "frequency", "monetary").rows() == [
        (c["customer_id"], c["frequency"], c["monetary"]) for c in measured
    ]
    got = pl.concat([memory.frame.select("customer_id"), memory.history], how="horizontal")
    # customers who first bought after the calibration end have no history (nulls)
    missing = got.filter(pl.col("repeat_orders").is_null())
    assert missing.height == (memory.frame.height - len(expected) if end else 0)
    got = got.filter(pl.col("repeat_orders").is_not_null())
    assert {r.pop("customer_id"): r for r in got.iter_rows(named=True)} == expected


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/data/real is absent")
def test_plan_equals_reference_on_cdnow():
    from custseg.engines.loading import read_orders

    loaded = read_orders(REAL / "cdnow" / "CDNOW_master.txt")
    end = dt.date(1997, 9, 30)
    frame, as_of = loaded.frame, loaded.report.as_of
    expected = reference_history(frame.select(ORDER_COLUMNS).iter_rows(), as_of, end)
    got = history_measures(frame, as_of, History(end))
    assert {r.pop("customer_id"): r for r in got.iter_rows(named=True)} == expected
