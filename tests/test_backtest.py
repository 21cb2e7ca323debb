"""The backtest (``custseg backtest``): per-segment figures by hand on a tiny order file, the
sample checked against an independent computation from the raw CSV (pandas and plain
Python), the schemes compared, the P(alive) deciles, and the command's outputs and errors."""

from __future__ import annotations

import datetime as dt
import json
import math

import pandas as pd
import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from test_measures_reference import START, order_rows, polars_orders

from conftest import SAMPLE
from custseg.backtest.run import BacktestSpec, backtest, run_backtest
from custseg.backtest.tables import p_alive_deciles, separation
from custseg.cli import main
from custseg.engines.run import run_rfm
from custseg.errors import CustsegError, DataError, ModelError
from custseg.measures.history import group_key
from custseg.measures.window import WINDOW_COLUMNS, window_orders
from custseg.segments.rules import load_rules
from custseg.segments.scoring import ScoringSpec

# As of 2024-06-30 with a 30-day window (2024-07-01 .. 2024-07-30):
# a, b, g bought within 30 days ("recent"; g on the as-of day itself), c, d, e before
# ("lapsed"). In the window: a buys 100 and returns 20 (1 order, 80); b's 500 is cancelled
# (left out); c buys twice on the window's last day (2 orders, 40); d only returns 15 (no
# order, -15: not a buyer); e buys the day after the window (not in it); f buys for the
# first time in the window (in no segment); g buys for 0.00 on its first day (an order).
ORDERS = """customer_id,order_id,order_date,amount,status
a,o1,2024-06-20 10:00:00,60.00,paid
b,o2,2024-06-25 11:00:00,50.00,paid
c,o3,2024-01-10 09:00:00,30.00,paid
d,o4,2024-02-01 09:00:00,45.00,paid
e,o5,2024-03-01 09:00:00,20.00,paid
g,o6,2024-06-30 23:59:00,10.00,paid
a,o7,2024-07-05 10:00:00,100.00,paid
a,o8,2024-07-10 10:00:00,-20.00,paid
b,o9,2024-07-08 10:00:00,500.00,cancelled
c,o10,2024-07-30 08:00:00,30.00,paid
c,o11,2024-07-30 18:00:00,10.00,paid
d,o12,2024-07-03 12:00:00,-15.00,paid
f,o13,2024-07-02 12:00:00,25.00,paid
g,o14,2024-07-01 00:00:00,0.00,paid
e,o15,2024-07-31 09:00:00,70.00,paid
"""
RULES = """name = "recent"
description = "Two segments: bought within 30 days or not"
fallback = "lapsed"

[segments.recent]
label = "Recent"
label_zh = "近期客户"

[segments.lapsed]
label = "Lapsed"
label_zh = "流失客户"

[[rules]]
segment = "recent"
r = ">=2"
"""
EDGES = ScoringSpec("edges", edges={"recency_days": [30], "frequency": [1], "monetary": [100]})
EDGE_ARGS = ("--scoring", "edges", "--r-edges", "30", "--f-edges", "1", "--m-edges", "100")
AS_OF = dt.date(2024, 6, 30)
Z = 1.959963984540054  # the 97.5% normal quantile


def wilson(k: int, n: int) -> tuple[float, float]:
    """The 95% Wilson score interval, by its formula."""
    p = k / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return centre - half, centre + half


@pytest.fixture
def files(tmp_path):
    orders, rules = tmp_path / "orders.csv", tmp_path / "recent.toml"
    orders.write_text(ORDERS, encoding="utf-8")
    rules.write_text(RULES, encoding="utf-8")
    return orders, rules


def hand_run(files, window: str = "30d", **spec):
    orders, rules = files
    table = load_rules(rules)
    return run_backtest(orders, BacktestSpec(AS_OF, window, **spec), schemes=[(table, EDGES)])


def test_by_hand(files):
    out = hand_run(files)
    assert out.spec.window_end == dt.date(2024, 7, 30)
    figures = out.schemes[0].figures
    assert figures["segment"].to_list() == ["recent", "lapsed"]
    assert figures["customers"].to_list() == [3, 3]
    assert figures["buyers"].to_list() == [2, 1]  # a and g; c
    assert figures["buy_rate"].to_list() == [0.6667, 0.3333]
    assert figures["lift"].to_list() == [round((2 / 3) / 0.5, 4), round((1 / 3) / 0.5, 4)]
    assert figures["orders"].to_list() == [2, 2]  # a 1, g 1 (0.00); c 2
    assert figures["revenue"].to_list() == [80.0, 25.0]  # 100 - 20 + 0; 30 + 10 - 15
    assert figures["revenue_share"].to_list() == [round(80 / 105, 4), round(25 / 105, 4)]
    assert figures["orders_per_customer"].to_list() == [0.6667, 0.6667]
    assert figures["revenue_per_customer"].to_list() == [26.67, 8.33]
    for (k, n), low, high in zip([(2, 3), (1, 3)], figures["buy_rate_low"],
                                 figures["buy_rate_high"], strict=True):  # fmt: skip
        assert (low, high) == pytest.approx(wilson(k, n), abs=5e-5)
    assert out.overall["customers"] == 6 and out.overall["buyers"] == 3
    assert out.overall["buy_rate"] == 0.5 and out.overall["lift"] == 1.0
    assert out.overall["orders"] == 4 and out.overall["revenue"] == 105.0
    assert out.newcomers == {"customers": 1, "orders": 1, "revenue": 25.0}  # f
    # buyers a, g (0.667), c (0.333) against b (0.667), d, e (0.333): 6 of 9 pairs
    assert out.schemes[0].auc == round(6 / 9, 4)
    assert out.result.report.left_out["cancelled"] == 1
    assert out.result.report.left_out["after as-of"] == 1  # e's order after the window
    outcome = dict(zip(out.outcome["customer_id"], out.outcome["revenue"], strict=True))
    assert outcome == {"a": 80.0, "b": 0.0, "c": 40.0, "d": -15.0, "e": 0.0, "g": 0.0}


def test_window_reaching_the_last_order(files):
    # 31 days: e's order on 2024-07-31 is in the window, which ends on the last order's day
    out = hand_run(files, "31d")
    assert out.schemes[0].figures["buyers"].to_list() == [2, 2]
    assert out.result.report.left_out["after as-of"] == 0


def test_window_past_the_last_order_refused(files):
    with pytest.raises(DataError) as err:
        hand_run(files, "32d")
    assert str(err.value) == (
        "the 32-day window after 2024-06-30 runs to 2024-08-01, but the last order is dated "
        "2024-07-31: the window is not complete and its buy rates would be too low; pick a "
        "`as_of` of 2024-06-29 or earlier or a `window` of 31d or less"
    )


def test_no_purchase_before_the_day_refused(files):
    orders, rules = files
    spec = BacktestSpec(dt.date(2023, 12, 31), "30d")
    for schemes in (["default"], [(load_rules(rules), EDGES)]):  # quantile cuts, fixed edges
        with pytest.raises(DataError, match="no customer bought on or before `as_of` 2023-12-31"):
            run_backtest(orders, spec, schemes=schemes)


def test_line_items_are_merged_into_orders(tmp_path):
    """Line items (rows sharing an order id) are one order in the window, their amounts
    summed; a partly returned order nets."""
    path = tmp_path / "items.csv"
    path.write_text(
        "customer_id,order_id,order_date,amount\n"
        "a,o1,2024-06-01 10:00:00,10.00\n"
        "a,o1,2024-06-01 10:00:00,15.00\n"
        "b,o2,2024-05-01 10:00:00,40.00\n"
        "a,o3,2024-07-02 09:00:00,12.50\n"
        "a,o3,2024-07-02 09:00:00,7.50\n"
        "a,o3,2024-07-02 09:05:00,30.00\n"
        "b,o4,2024-07-20 11:00:00,-5.00\n"
        "b,o5,2024-07-31 11:00:00,1.00\n",
        encoding="utf-8",
    )
    out = run_backtest(path, BacktestSpec(AS_OF, "30d"), schemes=["default"])
    outcome = {r["customer_id"]: (r["orders"], r["revenue"]) for r in out.outcome.to_dicts()}
    assert outcome == {"a": (1, 50.0), "b": (0, -5.0)}
    assert (out.overall["buyers"], out.overall["orders"], out.overall["revenue"]) == (1, 1, 45.0)
    assert out.result.frame["frequency"].to_list() == [1, 1]  # o1 one order as of the day
    # without b's last order, a window ending on b's return reaches the last order
    path.write_text("\n".join(path.read_text().splitlines()[:-1]) + "\n", encoding="utf-8")
    out = run_backtest(path, BacktestSpec(AS_OF, "20d"), schemes=["default"])
    assert out.spec.window_end == dt.date(2024, 7, 20) and out.overall["revenue"] == 45.0
    with pytest.raises(DataError, match="the last order is dated 2024-07-20"):
        run_backtest(path, BacktestSpec(AS_OF, "21d"), schemes=["default"])


@settings(max_examples=60, deadline=None)
@given(order_rows(), st.integers(-30, 800), st.integers(1, 400), st.data())
def test_window_orders_equal_a_plain_count(rows, start, days, data):
    """Per customer, the plan's window figures are a plain count over the rows in use dated
    after the day and up to the window's end: purchases (amount >= 0), the sum of amounts
    and the latest time."""
    reasons = data.draw(st.lists(st.sampled_from([0, 0, 0, 3]), min_size=len(rows),
                                 max_size=len(rows)))  # fmt: skip
    after = START.date() + dt.timedelta(days=start)
    end = after + dt.timedelta(days=days)
    frame = polars_orders(rows, reasons).with_columns(pl.col("reason").cast(pl.UInt8))
    got = window_orders(frame, group_key(frame), after, end).collect()
    assert tuple(got.columns) == WINDOW_COLUMNS
    expected: dict[str, list] = {}
    for (customer, _, when, amount), reason in zip(rows, reasons, strict=True):
        if reason == 0 and after < when.date() <= end:
            seen = expected.setdefault(customer, [0, [], when])
            seen[0] += amount >= 0
            seen[1].append(amount)
            seen[2] = max(seen[2], when)
    assert sorted(got["customer_id"].to_list()) == sorted(expected)
    for customer, orders, revenue, last in got.iter_rows():
        count, amounts, latest = expected[customer]
        assert (orders, last) == (count, latest)
        assert revenue == pytest.approx(math.fsum(amounts), abs=1e-9)


def test_spec_checks():
    with pytest.raises(CustsegError, match="window '9x' is not a number and a unit"):
        BacktestSpec(AS_OF, "9x")
    with pytest.raises(DataError, match="shorter than a day"):
        BacktestSpec(AS_OF, "0.2d")
    with pytest.raises(DataError, match="model 'x' is not one of"):
        BacktestSpec(AS_OF, model="x")
    assert BacktestSpec(AS_OF, "3m").window_days == 91  # 3 x 30.4375, rounded
    assert BacktestSpec(AS_OF, "1y").window_days == 365
    assert BacktestSpec(AS_OF, "12w").window_end == AS_OF + dt.timedelta(days=84)


def test_a_run_not_made_for_the_backtest(files):
    result = run_rfm(files[0])
    with pytest.raises(DataError, match="the run was not made for this backtest"):
        backtest(result, BacktestSpec(AS_OF))


def test_separation_and_deciles_by_hand():
    assert separation(pl.Series([True, True]), pl.Series([0.1, 0.2])) is None
    assert separation(pl.Series([True, False, False]), pl.Series([0.9, 0.1, 0.9])) == 0.75
    frame = pl.DataFrame({
        "p_alive": [0.5, 0.2, 0.9, 0.1, 0.2],
        "bought": [True, False, True, False, True],
        "expected_transactions": [1.0, 0.5, 2.0, 0.25, 0.5],
        "actual_transactions": [1, 0, 3, 0, 2],
    })  # fmt: skip
    # smallest ranks 4, 2, 5, 1, 2 of 5: deciles (r - 1) * 10 // 5 + 1 = 7, 3, 9, 1, 3
    deciles = p_alive_deciles(frame)
    assert deciles.rows() == [
        (1, 1, 0.1, 0.1, 0.1, 0, 0.0, 0.25, 0),
        (3, 2, 0.2, 0.2, 0.2, 1, 0.5, 1.0, 2),
        (7, 1, 0.5, 0.5, 0.5, 1, 1.0, 1.0, 1),
        (9, 1, 0.9, 0.9, 0.9, 1, 1.0, 2.0, 3),
    ]


def test_one_decile_for_all_is_said(files):
    """A fit that gives every customer the same P(alive) (as BG/NBD does on UCI Online
    Retail as of 2011-06-30) shows one decile, and says so."""
    import io

    from rich.console import Console

    from custseg.report.backtest import backtest_view

    out = hand_run(files)
    out.deciles = p_alive_deciles(pl.DataFrame({
        "p_alive": [1.0] * 3, "bought": [True, False, True],
        "expected_transactions": [1.0] * 3, "actual_transactions": [1, 0, 2],
    }))  # fmt: skip
    console = Console(file=io.StringIO(), width=120, record=True)
    console.print(backtest_view(out, "en"))
    text = console.export_text()
    assert "│      1 │         3 │ 1.00-1.00 │ 1.00 │      2 │    66.7% │" in text
    assert "Every customer has the same P(alive): the model tells none apart" in text


def test_p_alive_refused_when_the_model_cannot_be_fitted(files):
    with pytest.raises(ModelError) as err:  # nobody bought on two days before the day
        hand_run(files, p_alive=True)
    assert str(err.value).startswith("P(alive) cannot be given: the bgnbd model cannot be "
                                     "fitted on the orders up to 2024-06-30 (no customer "
                                     "bought on a second day")  # fmt: skip
    assert str(err.value).endswith("pick a later `as_of` or another `model`, or leave out "
                                   "`p_alive`")  # fmt: skip


def test_p_alive_refused_when_the_fit_breaks_down(monkeypatch):
    """A fit that fails with an arithmetic error (the BG/NBD fit can divide by zero on a
    handful of customers) is refused as a ModelError, not a traceback."""
    import custseg.predict.run

    def broken(*args, **kwargs):
        raise ZeroDivisionError("float division by zero")

    monkeypatch.setattr(custseg.predict.run, "predict_customers", broken)
    with pytest.raises(ModelError, match=r"up to 2025-09-30 \(float division by zero\)"):
        run_backtest(SAMPLE, BacktestSpec(dt.date(2025, 9, 30), p_alive=True))


# --- the sample, checked against the raw CSV ---------------------------------------------

SAMPLE_DAY = dt.date(2025, 9, 30)
SAMPLE_END = SAMPLE_DAY + dt.timedelta(days=90)


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def window_from_csv() -> pd.DataFrame:
    """Per customer, purchases (amount >= 0) and the sum of amounts dated after the day
    and up to the window's end, straight from the CSV (the sample has one row per order,
    no status, no duplicate rows)."""
    raw = pd.read_csv(SAMPLE, dtype={"customer_id": str})
    day = pd.to_datetime(raw["order_date"]).dt.date
    rows = raw[(day > SAMPLE_DAY) & (day <= SAMPLE_END)]
    return rows.groupby("customer_id").agg(
        orders=("amount", lambda a: int((a >= 0).sum())), revenue=("amount", "sum")
    )


def segments_from_rfm(tmp_path, scheme: str) -> pd.DataFrame:
    out = tmp_path / f"{scheme}.csv"
    res = run("rfm", SAMPLE, "--as-of", SAMPLE_DAY, "--scheme", scheme, "-o", out, "-q")
    assert res.exit_code == 0, res.output
    return pd.read_csv(out, dtype={"customer_id": str})[["customer_id", "segment"]]


def expected_figures(segments: pd.DataFrame, window: pd.DataFrame) -> tuple[dict, float]:
    """Per segment (customers, buyers, orders, revenue) and the AUC of the segments ordered
    by buy rate, from the pairs of buyers and non-buyers (ties count half)."""
    joined = segments.join(window, on="customer_id").fillna({"orders": 0, "revenue": 0.0})
    joined["bought"] = joined["orders"] > 0
    per = {}
    for name, rows in joined.groupby("segment"):
        per[name] = (len(rows), int(rows["bought"].sum()), int(rows["orders"].sum()),
                     round(float(rows["revenue"].sum()), 2))  # fmt: skip
    rate = {s: b / n for s, (n, b, _, _) in per.items()}
    wins = 0.0
    for s, (_, b, _, _) in per.items():
        for u, (m, c, _, _) in per.items():
            wins += b * (m - c) * (1.0 if rate[s] > rate[u] else 0.5 if rate[s] == rate[u] else 0)
    buyers = sum(b for _, b, _, _ in per.values())
    return per, wins / (buyers * (len(joined) - buyers))


def test_sample_against_the_raw_csv(tmp_path):
    res = run("backtest", SAMPLE, "--as-of", SAMPLE_DAY, "--window", "90d", "--scheme",
              "default", "--scheme", "cn8", "--json")  # fmt: skip
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert (data["window_start"], data["window_end"]) == ("2025-10-01", "2025-12-29")
    window = window_from_csv()
    for got in data["schemes"]:
        segments = segments_from_rfm(tmp_path, got["scheme"])
        per, auc = expected_figures(segments, window)
        rows = {r["segment"]: r for r in got["segments"] if r["customers"]}
        assert set(rows) == set(per)
        for name, (n, b, orders, revenue) in per.items():
            row = rows[name]
            assert (row["customers"], row["buyers"], row["orders"]) == (n, b, orders), name
            assert row["revenue"] == pytest.approx(revenue, abs=0.01)
            assert row["buy_rate"] == round(b / n, 4)
        assert got["auc"] == pytest.approx(auc, abs=5e-5)
    segmented = set(segments["customer_id"])
    new = window[(window["orders"] > 0) & ~window.index.isin(segmented)]
    assert data["newcomers"]["customers"] == len(new) > 0
    assert data["newcomers"]["orders"] == int(new["orders"].sum())
    assert data["newcomers"]["revenue"] == pytest.approx(float(new["revenue"].sum()), abs=0.01)
    total = segments.join(window, on="customer_id")
    assert data["overall"]["buyers"] == int((total["orders"] > 0).sum())
    assert data["overall"]["customers"] == len(segments) == data["customers"]
    best = max(data["schemes"], key=lambda s: s["auc"])["scheme"]
    assert data["best_scheme"] == best


def test_sample_in_memory_and_in_parts_identical():
    spec = BacktestSpec(SAMPLE_DAY, "90d")
    memory = run_backtest(SAMPLE, spec, chunked=False)
    parts = run_backtest(SAMPLE, spec, chunked=True, memory_limit=200_000)
    assert parts.result.parts > 1
    assert memory.schemes[0].figures.equals(parts.schemes[0].figures)
    assert memory.overall == parts.overall and memory.newcomers == parts.newcomers


def test_p_alive_deciles_against_predict(tmp_path):
    res = run("backtest", SAMPLE, "--as-of", SAMPLE_DAY, "--p-alive", "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)["p_alive"]
    assert data["model"] == "bgnbd" and data["notes"]
    # p_alive from the predict command, fitted up to the day; buyers from the raw CSV
    out = tmp_path / "pred.csv"
    res = run("predict", SAMPLE, "--calibration-end", SAMPLE_DAY, "--as-of", SAMPLE_END,
              "-o", out, "-q")  # fmt: skip
    assert res.exit_code == 0, res.output
    pred = pd.read_csv(out, dtype={"customer_id": str}).join(window_from_csv(), on="customer_id")
    pred["bought"] = pred["orders"].fillna(0) > 0
    n = len(pred)
    pred["decile"] = (pred["p_alive"].rank(method="min").astype(int) - 1) * 10 // n + 1
    groups = pred.groupby("decile")
    got = {d["decile"]: d for d in data["deciles"]}
    assert sorted(got) == sorted(groups.groups)
    assert sum(d["customers"] for d in data["deciles"]) == n
    for decile, rows in groups:
        row = got[decile]
        assert row["customers"] == len(rows) and row["buyers"] == int(rows["bought"].sum())
        assert row["p_alive_mean"] == pytest.approx(rows["p_alive"].mean(), abs=5e-5)
        assert row["actual_transactions"] == int(rows["actual_orders_holdout"].sum())
        expected = rows["expected_orders_holdout"].sum()
        assert row["expected_transactions"] == pytest.approx(expected, abs=0.01)
    assert data["auc"] is not None and 0 <= data["auc"] <= 1


# --- the command ----------------------------------------------------------------------------

JSON_KEYS = {"rows", "as_of", "window", "window_days", "window_start", "window_end", "customers",
             "overall", "newcomers", "best_scheme", "schemes", "p_alive"}  # fmt: skip
SEGMENT_KEYS = {"segment", "label", "customers", "buyers", "buy_rate", "buy_rate_low",
                "buy_rate_high", "lift", "orders", "revenue", "revenue_share",
                "orders_per_customer", "revenue_per_customer"}  # fmt: skip


def test_cli_json_keys(files):
    orders, rules = files
    res = run("backtest", orders, "--as-of", "2024-06-30", "--window", "30d", "--rules", rules,
              *EDGE_ARGS, "--scheme", "default", "--json")  # fmt: skip
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert set(data) == JSON_KEYS
    assert data["rows"]["as_of"] == "2024-07-30"  # the run's: the window's last day
    assert [s["scheme"] for s in data["schemes"]] == ["recent", "default"]  # --rules first
    first = data["schemes"][0]
    assert set(first) == {"scheme", "scoring", "cut_points", "auc", "segments_used", "segments"}
    assert [set(r) for r in first["segments"]] == [SEGMENT_KEYS] * 2
    assert [r["label"] for r in first["segments"]] == ["Recent", "Lapsed"]
    assert first["auc"] == round(6 / 9, 4) and data["p_alive"] is None


def test_cli_output_file_and_terminal(files, tmp_path):
    orders, rules = files
    out = tmp_path / "bt.csv"
    res = run("backtest", orders, "--as-of", "2024-06-30", "--window", "30d", "--rules", rules,
              *EDGE_ARGS, "-o", out)  # fmt: skip
    assert res.exit_code == 0, res.output
    assert out.read_text(encoding="utf-8").splitlines() == [
        "scheme,group,label,customers,buyers,buy_rate,buy_rate_low,buy_rate_high,lift,orders,"
        "revenue,revenue_share,orders_per_customer,revenue_per_customer",
        'recent,all,"",6,3,0.5,0.1876,0.8124,1.0,4,105.0,1.0,0.6667,17.5',
        "recent,recent,Recent,3,2,0.6667,0.2077,0.9385,1.3333,2,80.0,0.7619,0.6667,26.67",
        "recent,lapsed,Lapsed,3,1,0.3333,0.0615,0.7923,0.6667,2,25.0,0.2381,0.6667,8.33",
    ]
    lines = res.output.splitlines()
    assert lines[:7] == [
        f"Source: {orders}",
        "Segments as of: 2024-06-30 (6 customers, scheme recent)",
        "Window: 2024-07-01 .. 2024-07-30 (30 days)",
        "Rows: 15 read, 13 used, 2 left out",
        "  left out, cancelled: 1",
        "  left out, after the window: 1",
        "Overall: 3 of 6 customers bought in the window (50.0%): 4 orders, 105.00 revenue",
    ]
    assert "In no segment (first purchase in the window): customers 1, orders 1, revenue " \
           "25.00" in res.output  # fmt: skip
    assert "│ recent  │         3 │      2 │ 66.7% (20.8-93.8) │ 1.33 │" in res.output
    assert "AUC 0.667: the segments, ordered by their buy rate" in res.output
    assert "\x1b[" not in res.output  # plain when not a terminal
    parquet = tmp_path / "bt.parquet"
    assert run("backtest", orders, "--as-of", "2024-06-30", "--window", "30d", "--rules", rules,
               *EDGE_ARGS, "-o", parquet, "-q").exit_code == 0  # fmt: skip
    assert pl.read_parquet(parquet).equals(
        pl.read_csv(out).with_columns(pl.col("label").fill_null(""))
    )


def test_cli_in_chinese(files):
    orders, rules = files
    res = run("backtest", orders, "--as-of", "2024-06-30", "--window", "30d", "--rules", rules,
              *EDGE_ARGS, "--lang", "zh")  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "分群日期：2024-06-30（6 位客户，方案 recent）" in res.output
    assert "近期客户" in res.output and "购买率（95% 置信区间）" in res.output
    assert "剔除（检验窗口之后）：1" in res.output


def test_cli_scheme_comparison_table():
    res = run("backtest", SAMPLE, "--as-of", SAMPLE_DAY, "--scheme", "all")
    assert res.exit_code == 0, res.output
    assert "Schemes compared: which separates buyers from non-buyers best" in res.output
    for name in ("Scheme default:", "Scheme rfm11:", "Scheme cn8:"):
        assert name in res.output
    assert "(best)" in res.output


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        ((), 2, "Error: --as-of DATE is required: the day the segments are made"),
        (("--as-of", "2024-06-30", "--window", "9x"), 2,
         "Error: Invalid value for '--window': window '9x' is not a number and a unit"),
        (("--as-of", "2024-06-30", "--window", "32d"), 1,
         "Error: the 32-day window after 2024-06-30 runs to 2024-08-01, but the last order is "
         "dated 2024-07-31: the window is not complete and its buy rates would be too low; "
         "pick a --as-of of 2024-06-29 or earlier or a --window of 31d or less"),
        (("--as-of", "2023-12-31", "--window", "30d"), 1,
         "Error: no customer bought on or before --as-of 2023-12-31, so there are no segments "
         "to test; pick a later --as-of"),
        (("--as-of", "2024-06-30", "--window", "30d", "--p-alive"), 1,
         "Error: P(alive) cannot be given: the bgnbd model cannot be fitted on the orders up "
         "to 2024-06-30 (no customer bought on a second day"),
        (("--as-of", "2024-06-30", "--scheme", "nope"), 1, "Error: no built-in scheme 'nope'"),
        (("--as-of", "2024-06-30", "--by", "status"), 2,
         "Error: --by is not available with backtest; run without it"),
        (("--as-of", "2024-06-30", "--json", "-o", "-"), 2, "Error: --json prints"),
        (("--as-of", "2024-06-30", "-o", "out.what"), 1, "Error:"),
    ],
)  # fmt: skip
def test_cli_errors(files, args, code, message):
    res = run("backtest", files[0], *args)
    assert res.exit_code == code, res.output
    assert message in res.stderr and "Traceback" not in res.output


def test_help_and_the_shared_options_untouched():
    res = run("backtest", "--help")
    assert res.exit_code == 0
    assert "The day the segments are made" in res.output and "[required]" in res.output
    # the texts changed for backtest are its own
    cohort = run("cohort", "--help").output
    assert "Reference date" in cohort and "The day the segments are made" not in cohort
    assert "Print the measures as JSON" in run("summary", "--help").output


def test_python_api_exports():
    import custseg

    assert custseg.run_backtest is run_backtest and custseg.BacktestSpec is BacktestSpec
