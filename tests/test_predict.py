"""``custseg predict`` and ``rfm --predict``: the published CDNOW figures through the whole
command, the holdout mechanics checked by a plain-Python count, the time unit, the
exports and the options."""

from __future__ import annotations

import collections
import csv
import datetime as dt
import json
import math

import polars as pl
import pytest
from click.testing import CliRunner

from conftest import REAL, SAMPLE
from custseg.cli import main
from custseg.predict.units import horizon_days

CDNOW_SAMPLE = REAL / "cdnow" / "CDNOW_sample.txt"
needs_real = pytest.mark.skipif(not REAL.is_dir(), reason="../shared/data/real is absent")


def run(*args: str) -> dict:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def cdnow_csv(tmp_path_factory):
    """The CDNOW 1/10 sample as a CSV with a header (sample customer id, date, dollars)."""
    path = tmp_path_factory.mktemp("cdnow") / "cdnow_sample.csv"
    with open(CDNOW_SAMPLE) as src, open(path, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["customer_id", "date", "cds", "amount"])
        for line in src:
            _, customer, day, cds, dollars = line.split()
            writer.writerow([customer, day, cds, dollars])
    return path


def published(got: dict, expected: dict, decimals: dict) -> None:
    """Each parameter equal to the published one within its rounding."""
    for name, value in expected.items():
        assert abs(got[name] - value) <= 0.5 * 10 ** -decimals[name] + 1e-12, (name, got[name])


@needs_real
def test_bgnbd_and_gamma_gamma_reproduce_the_published_figures(cdnow_csv):
    # Fader, Hardie & Lee (2005), Marketing Science 24(2) and JMR 42(4); the duplicated
    # rows are purchases (kept: the published mean repeat spend, $35.08, counts them)
    out = run("predict", str(cdnow_csv), "--as-of", "1997-09-30", "--time-unit", "week",
              "--keep-duplicates", "--json")  # fmt: skip
    model = out["model"]
    assert model["name"] == "bgnbd" and model["time_unit"] == "week"
    assert model["customers"] == 2357
    published(model["params"], {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426},
              {"r": 3, "alpha": 3, "a": 3, "b": 3})  # fmt: skip
    assert abs(model["log_likelihood"] - -9582.4) <= 0.1
    spend = out["spend_model"]
    assert spend["name"] == "gamma-gamma" and spend["customers"] == 946
    published(spend["params"], {"p": 6.25, "q": 3.74, "gamma": 15.44},
              {"p": 2, "q": 2, "gamma": 2})  # fmt: skip


@needs_real
def test_pareto_nbd_reproduces_the_published_figures(cdnow_csv):
    out = run("predict", str(cdnow_csv), "--as-of", "1997-09-30", "--model", "pnbd", "--json")
    model = out["model"]
    assert model["name"] == "pnbd"
    published(model["params"], {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669},
              {"r": 3, "alpha": 3, "s": 3, "beta": 3})  # fmt: skip
    assert abs(model["log_likelihood"] - -9595.0) <= 0.1


@needs_real
def test_customer_0001_model_inputs(cdnow_csv, tmp_path):
    out = tmp_path / "p.csv"
    run("predict", str(cdnow_csv), "--as-of", "1997-09-30", "-o", str(out), "--json")
    frame = pl.read_csv(out, schema_overrides={"customer_id": pl.String})
    row = frame.filter(pl.col("customer_id") == "0001").row(0, named=True)
    # the papers: x = 2, t_x = 30.43 weeks, T = 38.86 weeks
    assert row["repeat_orders"] == 2
    assert round(row["t_first_last"], 2) == 30.43 and round(row["T"], 2) == 38.86
    assert 0 <= row["p_alive"] <= 1


# --- the holdout, against a plain-Python count ----------------------------------------


def plain_holdout(path, end: dt.date, last: dt.date) -> dict[str, tuple[int, int]]:
    """Per customer with a purchase on or before ``end``: (repeat purchase days up to
    ``end``, purchase days after ``end`` up to ``last``), read with the csv module."""
    days = collections.defaultdict(set)
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            day = dt.date.fromisoformat(row["order_date"][:10])
            if float(row["amount"]) >= 0 and day <= last:
                days[row["customer_id"]].add(day)
    out = {}
    for customer, bought in days.items():
        before = [d for d in bought if d <= end]
        if before:
            out[customer] = (len(before) - 1, len(bought) - len(before))
    return out


def test_holdout_columns_and_totals_match_a_plain_count(tmp_path):
    end = dt.date(2025, 9, 30)
    out_file = tmp_path / "p.csv"
    out = run("predict", str(SAMPLE), "--calibration-end", end.isoformat(), "-o",
              str(out_file), "--json")  # fmt: skip
    last = dt.date.fromisoformat(out["as_of"]) - dt.timedelta(days=1)
    expected = plain_holdout(SAMPLE, end, last)
    frame = pl.read_csv(out_file, schema_overrides={"customer_id": pl.String})
    got = {r[0]: (r[1], r[2]) for r in frame.select(
        "customer_id", "repeat_orders", "actual_orders_holdout").iter_rows()}  # fmt: skip
    assert got == expected  # customers who first bought after the calibration end: not in it
    check = out["holdout"]
    assert check["calibration_end"] == end.isoformat() and check["end"] == last.isoformat()
    assert check["actual_orders"] == sum(h for _, h in expected.values())
    total = frame["expected_orders_holdout"].sum()
    assert check["expected_orders"] == pytest.approx(total, abs=0.01 * frame.height)
    assert sum(r["actual"] for r in check["by_repeat_orders"]) == check["actual_orders"]
    assert sum(r["customers"] for r in check["by_segment"]) == frame.height
    # the segments are those of the calibration end: recency counts to it
    assert (frame["last_order"].str.slice(0, 10) <= end.isoformat()).all()


def test_holdout_needs_a_calibration_end_before_as_of():
    result = CliRunner().invoke(main, ["predict", str(SAMPLE), "--as-of", "2025-06-01",
                                       "--calibration-end", "2025-06-01"])  # fmt: skip
    assert result.exit_code == 2
    assert "--calibration-end" in result.output and "Traceback" not in result.output


# --- conventions ------------------------------------------------------------------------


def test_predictions_do_not_depend_on_the_time_unit(tmp_path):
    frames = {}
    for unit in ("day", "week", "month"):
        path = tmp_path / f"{unit}.csv"
        run("predict", str(SAMPLE), "--time-unit", unit, "-o", str(path), "--json")
        frames[unit] = pl.read_csv(path)
    for unit in ("day", "month"):
        for col in ("p_alive", "expected_orders", "expected_spend"):
            a, b = frames["week"][col].to_numpy(), frames[unit][col].to_numpy()
            assert abs(a - b).max() <= 1e-6 * max(1.0, abs(a).max()), (unit, col)
    # only the parameters scale: T in days is 7 times T in weeks
    assert (frames["day"]["T"] - 7 * frames["week"]["T"]).abs().max() < 1e-3


def test_horizons():
    assert horizon_days("90d") == 90 and horizon_days("12w") == 84
    assert horizon_days("6m") == pytest.approx(365.25 / 2) and horizon_days("1y") == 365.25
    for bad in ("0d", "90", "x", "-3d", "1000y"):
        result = CliRunner().invoke(main, ["predict", str(SAMPLE), "--horizon", bad])
        assert result.exit_code == 2 and "--horizon" in result.output


def test_expected_orders_grow_with_the_horizon(tmp_path):
    values = []
    for horizon in ("30d", "90d", "1y"):
        path = tmp_path / f"{horizon}.csv"
        run("predict", str(SAMPLE), "--horizon", horizon, "-o", str(path), "--json")
        values.append(pl.read_csv(path)["expected_orders"].to_numpy())
    assert (values[0] <= values[1]).all() and (values[1] <= values[2]).all()
    assert values[2].sum() > values[0].sum()


def test_exports_and_options(tmp_path):
    out = tmp_path / "p.parquet"
    summary = run("predict", str(SAMPLE), "--segment", "high-value", "-o", str(out), "--json")
    frame = pl.read_parquet(out)
    assert set(frame["segment"]) == {"high-value"}
    assert frame.columns[-7:] == ["repeat_orders", "t_first_last", "T", "p_alive",
                                  "expected_orders", "expected_spend", "predicted_clv"]  # fmt: skip
    assert frame.columns[:3] == ["customer_id", "first_order", "last_order"]
    by_segment = summary["prediction_by_segment"]["high-value"]
    assert by_segment["customers"] == frame.height
    assert by_segment["p_alive"] == pytest.approx(frame["p_alive"].mean(), abs=1e-4)
    ids = CliRunner().invoke(main, ["predict", str(SAMPLE), "--segment", "high-value",
                                    "--ids-only", "-q"])  # fmt: skip
    assert ids.exit_code == 0
    assert ids.stdout.split() == frame["customer_id"].to_list()


def test_rfm_predict_adds_the_columns(tmp_path):
    plain, predicted = tmp_path / "plain.csv", tmp_path / "predicted.csv"
    run("rfm", str(SAMPLE), "-o", str(plain), "--json")
    out = run("rfm", str(SAMPLE), "--predict", "-o", str(predicted), "--json")
    a, b = pl.read_csv(plain), pl.read_csv(predicted)
    assert b.select(a.columns).equals(a)  # rfm's columns unchanged
    assert "predicted_clv" in b.columns and out["model"]["name"] == "bgnbd"


def test_clv_discounting_and_margin(tmp_path):
    paths = {}
    for name, args in {"base": [], "margin": ["--margin", "0.5"],
                       "nodiscount": ["--discount", "0"]}.items():  # fmt: skip
        paths[name] = tmp_path / f"{name}.csv"
        run("predict", str(SAMPLE), "-o", str(paths[name]), "--json", *args)
    base, margin, flat = (pl.read_csv(paths[k])["predicted_clv"] for k in paths)
    assert (margin - base / 2).abs().max() <= 0.01
    assert (flat >= base - 0.005).all() and flat.sum() > base.sum()


def test_terminal_and_chinese():
    result = CliRunner().invoke(main, ["predict", str(SAMPLE), "--lang", "zh"])
    assert result.exit_code == 0, result.output
    assert "模型" in result.output and "平均存活概率" in result.output
    english = CliRunner().invoke(main, ["predict", str(SAMPLE)])
    assert "BG/NBD" in english.output and "Gamma-Gamma" in english.output
    assert "Mean P(alive)" in english.output


def test_no_finite_nonsense_in_json():
    out = run("predict", str(SAMPLE), "--json")
    for value in out["model"]["params"].values():
        assert math.isfinite(value) and value > 0


def test_a_fit_whose_predictions_overflow_is_refused_not_nan(tmp_path):
    # 55 customers whose repeat purchases show no sign of anyone leaving: BG/NBD's a and b
    # run off to ~1e7, where its formulas overflow; one clear error, never NaN in a file
    path = tmp_path / "few.csv"
    with open(path, "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["order_id", "customer_id", "order_date", "amount"])
        for i in range(55):
            for k in range(1 + i % 4):
                out.writerow([f"o{i}-{k}", f"C{i:03d}",
                              f"2025-{1 + (i + k) % 12:02d}-{1 + i % 27:02d}",
                              f"{10 + i * 7 + k:.2f}"])  # fmt: skip
    result = CliRunner().invoke(main, ["predict", str(path), "--calibration-end", "2025-09-30",
                                       "-o", str(tmp_path / "o.csv")])  # fmt: skip
    if result.exit_code == 0:  # a fit that works must give finite numbers
        frame = pl.read_csv(tmp_path / "o.csv")
        assert frame.select(pl.col(pl.Float64).is_nan().any()).row(0) == (False,) * len(
            frame.select(pl.col(pl.Float64)).columns
        )
    else:
        assert result.exit_code == 1 and result.output.startswith("Error: ")
        assert result.output.count("\n") == 1 and "--model" in result.output
        assert not (tmp_path / "o.csv").exists()


# --- the Python API ----------------------------------------------------------------------


@needs_real
def test_api_purchase_summary_and_models_on_cdnow(cdnow_csv):
    import custseg

    orders = custseg.load_orders(str(cdnow_csv), keep_duplicates=True)
    before = orders.copy()
    summary = custseg.purchase_summary(orders, dt.date(1997, 9, 30))
    assert len(summary) == 2357 and (summary["repeat_orders"] > 0).sum() == 946
    row = summary.set_index("customer_id").loc["0001"]
    assert (row["repeat_orders"], round(row["t_first_last"], 2), round(row["T"], 2)) == (
        2, 30.43, 38.86)  # fmt: skip
    model = custseg.BetaGeo.fit(summary)
    assert round(model.params["r"], 3) == 0.243 and abs(model.log_likelihood + 9582.4) < 0.1
    alive = model.p_alive()
    assert alive.shape == (2357,) and ((alive >= 0) & (alive <= 1)).all()
    assert (model.predict(52) >= model.predict(39)).all()
    spend = custseg.GammaGamma.fit(summary)
    assert round(spend.params["p"], 2) == 6.25
    assert orders.equals(before)  # the caller's frame is unchanged


def test_api_predict_customers_matches_the_cli(tmp_path):
    import custseg

    spec = custseg.PredictSpec(horizon="6m")
    result = custseg.run_rfm(str(SAMPLE), history=custseg.History())
    prediction = custseg.predict_customers(result, spec)
    out = tmp_path / "p.csv"
    run("predict", str(SAMPLE), "--horizon", "6m", "-o", str(out), "--json")
    cli = pl.read_csv(out)
    assert cli["expected_orders"].to_list() == prediction.frame["expected_orders"].to_list()
    with pytest.raises(custseg.CustsegError, match="horizon"):
        custseg.PredictSpec(horizon="soon")


def test_predictions_on_distinct_rows_equal_per_customer_ones():
    """The models are evaluated once per distinct (repeat_orders, t_first_last, T) and
    spread to customers: the same as evaluating each customer."""
    import numpy as np

    import custseg
    from custseg.predict.run import model_inputs

    spec = custseg.PredictSpec()
    result = custseg.run_rfm(str(SAMPLE), history=custseg.History())
    prediction = custseg.predict_customers(result, spec)
    inputs = model_inputs(result.history, spec)
    direct = prediction.model.p_alive(inputs)
    assert np.allclose(prediction.frame["p_alive"].to_numpy(), np.round(direct, 6), atol=1e-12)
    expected = prediction.model.predict(spec.horizon_units, inputs)
    assert np.allclose(prediction.frame["expected_orders"].to_numpy(), np.round(expected, 6))
    # the fit on weighted distinct rows is the fit on the customers
    refit = custseg.BetaGeo.fit(inputs)
    for name, value in refit.params.items():
        assert prediction.model.params[name] == pytest.approx(value, rel=1e-6)


def test_row_order_changes_nothing(tmp_path):
    lines = SAMPLE.read_text().splitlines()
    shuffled = tmp_path / "shuffled.csv"
    body = lines[1:]
    body = body[::2] + body[1::2][::-1]  # a fixed reordering
    shuffled.write_text("\n".join([lines[0], *body]) + "\n")
    outs = []
    for path in (SAMPLE, shuffled):
        out = tmp_path / f"{path.stem}-predicted.csv"
        summary = run("predict", str(path), "-o", str(out), "--json")
        outs.append((pl.read_csv(out).sort("customer_id"), summary["model"]))
    assert outs[0][0].equals(outs[1][0])
    assert outs[0][1] == outs[1][1]


def test_holdout_mechanics_on_a_tiny_hand_built_file(tmp_path):
    """Four kinds of customer, ten of each, calibration end 2024-03-31, last order
    2024-06-29. By hand, per kind: repeat purchase days in the calibration (same-day orders
    are one), days from the first to the last of them and to the calibration end, and the
    purchase days of the holdout (2024-04-01..2024-06-29, 13 weeks)."""
    import numpy as np

    import custseg

    kinds = {  # dates of the orders; expected (x, t_x days, T days, holdout days)
        "a": (["2024-01-01", "2024-01-01", "2024-02-15", "2024-04-10", "2024-04-10",
               "2024-05-01"], (1, 45, 90, 2)),
        "b": (["2024-01-20"], (0, 0, 71, 0)),
        "c": (["2024-02-01", "2024-03-01", "2024-03-31", "2024-06-29"], (2, 59, 59, 1)),
        "d": (["2024-03-15", "2024-04-02"], (0, 0, 16, 1)),
    }  # fmt: skip
    path = tmp_path / "tiny.csv"
    with open(path, "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["order_id", "customer_id", "order_date", "amount"])
        n = 0
        for kind, (dates, _) in kinds.items():
            for i in range(10):
                for day in dates:
                    n += 1
                    out.writerow([f"o{n}", f"{kind}{i}", day, f"{20 + i}.50"])
        out.writerow(["late", "e0", "2024-05-05", "9.99"])  # first bought in the holdout
    end = dt.date(2024, 3, 31)
    result = custseg.run_rfm(str(path), history=custseg.History(end))
    assert "e0" not in result.frame["customer_id"].to_list()  # not in the model
    got = pl.concat([result.frame.select("customer_id"), result.history], how="horizontal")
    for row in got.iter_rows(named=True):
        x, t_days, T_days, holdout = kinds[row["customer_id"][0]][1]
        assert (row["repeat_orders"], row["t_first_last_days"], row["T_days"],
                row["holdout_orders"]) == (x, t_days, T_days, holdout)  # fmt: skip
    # the holdout columns under given models (40 customers do not identify a fit): the
    # published CDNOW BG/NBD and Gamma-Gamma, in weeks
    model = custseg.BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    spend = custseg.GammaGamma.from_params(p=6.25, q=3.74, gamma=15.44)
    spec = custseg.PredictSpec(calibration_end=end)
    last = dt.date(2024, 6, 29)
    prediction = custseg.predict_customers(result, spec, last, model=model, spend_model=spend)
    frame = pl.concat([result.frame.select("customer_id"), prediction.frame], how="horizontal")
    by_hand = pl.DataFrame({
        "repeat_orders": [kinds[c[0]][1][0] for c in frame["customer_id"]],
        "t_first_last": [kinds[c[0]][1][1] / 7 for c in frame["customer_id"]],
        "T": [kinds[c[0]][1][2] / 7 for c in frame["customer_id"]],
    })  # fmt: skip
    expected = model.predict(90 / 7, by_hand)  # 2024-04-01..2024-06-29: 90 days
    assert np.allclose(frame["expected_orders_holdout"].to_numpy(), np.round(expected, 6))
    assert np.allclose(frame["p_alive"].to_numpy(), np.round(model.p_alive(by_hand), 6))
    assert frame["actual_orders_holdout"].to_list() == [
        kinds[c[0]][1][3] for c in frame["customer_id"]]  # fmt: skip
    check = prediction.holdout
    assert check.actual == 10 * (2 + 0 + 1 + 1) and check.end == last
    assert check.expected == pytest.approx(float(expected.sum()), rel=1e-9)
    # the weekly curve ends at the holdout's total of repeat transactions (calibration: a
    # 1 and c 2 per customer; holdout: 4 per kind-set) and starts at zero
    assert check.weekly["actual"][-1] == 10 * (1 + 2) + check.actual
    assert check.weekly["actual"][0] == 0


def test_help_imports_no_heavy_library():
    """`custseg --help` and `custseg predict --help` stay instant: no scipy, Polars, pandas,
    numpy, pyarrow, pyspark, database driver or model code is imported (checked in a fresh
    interpreter)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from custseg.cli import main\n"
        "for args in (['--help'], ['predict', '--help'], ['rfm', '--help']):\n"
        "    assert CliRunner().invoke(main, args).exit_code == 0\n"
        "heavy = ('scipy', 'polars', 'pandas', 'numpy', 'pyarrow', 'custseg.models',\n"
        "         'custseg.predict.run', 'adbc_driver_manager', 'adbc_driver_postgresql',\n"
        "         'adbc_driver_sqlite', 'connectorx', 'custseg.io.database.drivers', 'pyspark')\n"
        "print([m for m in heavy if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


#: lifetimes 0.11.3 (BetaGeoFitter, in the bench's own environment, bench/models) on the
#: CDNOW master, calibration to 1997-09-30, holdout to 1998-06-30 (39 weeks), the summary
#: built with pandas (distinct purchase days): (customer, x, P(alive), expected holdout
#: transactions, actual holdout transactions). Its fit: r 0.251624, alpha 4.788945,
#: a 0.723433, b 2.161087; 19,684 holdout transactions, 16,873.74 expected.
LIFETIMES_CDNOW_MASTER = [
    ("00007", 0, 1.0, 0.2000898, 2), ("00021", 1, 0.2161066, 0.20732, 0),
    ("00025", 2, 0.7548278, 1.2758721, 5), ("00099", 3, 0.7227526, 1.7409172, 3),
    ("00164", 5, 0.6947252, 2.6893242, 2), ("00179", 8, 0.9170218, 5.4483728, 1),
    ("03051", 12, 0.9090638, 8.2160105, 6), ("11063", 20, 0.2298297, 3.6807445, 4),
]  # fmt: skip


@needs_real
def test_cdnow_master_holdout_matches_lifetimes_customer_by_customer(tmp_path):
    out = tmp_path / "p.csv"
    summary = run("predict", str(REAL / "cdnow" / "CDNOW_master.txt"), "--calibration-end",
                  "1997-09-30", "--as-of", "1998-06-30", "-o", str(out), "--json")  # fmt: skip
    params = summary["model"]["params"]
    for name, value in {"r": 0.251624, "alpha": 4.788945, "a": 0.723433, "b": 2.161087}.items():
        assert params[name] == pytest.approx(value, rel=2e-6)
    assert summary["holdout"]["actual_orders"] == 19684
    assert summary["holdout"]["expected_orders"] == pytest.approx(16873.74, abs=0.05)
    frame = pl.read_csv(out, schema_overrides={"customer_id": pl.String})
    rows = {r["customer_id"]: r for r in frame.iter_rows(named=True)}
    for customer, x, alive, expected, actual in LIFETIMES_CDNOW_MASTER:
        row = rows[customer]
        assert row["repeat_orders"] == x and row["actual_orders_holdout"] == actual
        assert row["p_alive"] == pytest.approx(alive, abs=2e-6)
        assert row["expected_orders_holdout"] == pytest.approx(expected, abs=2e-5)


@pytest.mark.parametrize("args", [[], ["--calibration-end", "2025-09-30"]])
def test_in_parts_and_in_memory_give_the_same_file_byte_for_byte(tmp_path, args):
    files = []
    for extra in ([], ["--chunked", "--memory-limit", "64M"]):
        out = tmp_path / f"p{len(extra)}.csv"
        run("predict", str(SAMPLE), *args, *extra, "-o", str(out), "--json")
        files.append(out.read_bytes())
    assert files[0] == files[1]


def test_calibration_end_on_line_items(tmp_path):
    """A file of line items (several rows per order id) with a calibration end gives the
    measures and histories of the same orders written one row each (it stopped with a
    ColumnNotFoundError before: merged orders carry no ``reason`` column to mark)."""
    import custseg

    orders = [("c1", "o1", "2024-01-05", 10.0), ("c1", "o2", "2024-02-05", 30.0),
              ("c1", "o3", "2024-04-05", 20.0), ("c2", "o4", "2024-03-01", 8.0),
              ("c2", "o5", "2024-03-20", 12.0), ("c2", "o6", "2024-05-01", -4.0),
              ("c3", "o7", "2024-04-02", 5.0)]  # fmt: skip
    items, whole = tmp_path / "items.csv", tmp_path / "whole.csv"
    header = "customer_id,order_id,order_date,amount\n"
    items.write_text(header + "".join(f"{c},{o},{d},{a / 4}\n{c},{o},{d},{a * 3 / 4}\n"
                                      for c, o, d, a in orders))  # fmt: skip
    whole.write_text(header + "".join(f"{c},{o},{d},{a}\n" for c, o, d, a in orders))
    end = dt.date(2024, 3, 31)
    runs = [custseg.run_rfm(str(p), history=custseg.History(end)) for p in (items, whole)]
    assert runs[0].frame.equals(runs[1].frame) and runs[0].history.equals(runs[1].history)
    assert runs[0].frame["customer_id"].to_list() == ["c1", "c2"]  # c3 first buys after
    assert runs[0].history["holdout_orders"].to_list() == [1, 0]  # c2's return is no order


def test_a_fit_that_breaks_down_is_one_error_line(tmp_path):
    """Three customers with a calibration end: BG/NBD's trust region steps where the
    Hessian is not finite and scipy raised a ValueError traceback; now one Error line."""
    from click.testing import CliRunner

    from custseg.cli import main

    path = tmp_path / "tiny.csv"
    path.write_text("customer_id,order_date,amount\na,2024-01-01,10\na,2024-02-01,20\n"
                    "b,2024-01-15,5\nc,2024-03-01,7\nc,2024-03-20,9\na,2024-05-01,3\n")  # fmt: skip
    run = CliRunner().invoke(main, ["predict", str(path), "--calibration-end", "2024-03-31"])
    assert run.exit_code == 1 and "Traceback" not in run.output
    lines = run.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: the BG/NBD fit broke down")
    assert "try another --model" in lines[0]


@pytest.mark.parametrize("items", [False, True])
def test_returns_only_up_to_the_calibration_end_are_counted_alike(tmp_path, items):
    """Customer b only returned up to the calibration end and bought after it: their
    return is 'returns only' (as of that day they were no customer), their two later
    purchases are holdout rows in use. The accounting was 1 or 3 rows left out depending
    on --rejects (the marking took every row of b); now the same either way."""
    import custseg

    orders = [("a", 1, "2024-01-01", 10), ("a", 2, "2024-02-01", 20), ("b", 3, "2024-01-15", -5),
              ("b", 4, "2024-04-15", 8), ("b", 5, "2024-04-20", 9), ("c", 6, "2024-03-01", 7),
              ("c", 7, "2024-03-20", 9), ("a", 8, "2024-05-01", 3), ("d", 9, "2024-02-01", 4),
              ("d", 10, "2024-02-03", 5)]  # fmt: skip
    per_order = 2 if items else 1  # each order as two line items: a quarter, three quarters
    shares = (0.25, 0.75) if items else (1.0,)
    path = tmp_path / "orders.csv"
    path.write_text("customer_id,order_id,order_date,amount\n" + "".join(
        f"{c},{o},{d},{a * k}\n" for c, o, d, a in orders for k in shares))  # fmt: skip
    end = dt.date(2024, 3, 31)
    runs = [custseg.run_rfm(str(path), custseg.LoadOptions(keep_rejects=keep),
                            history=custseg.History(end)) for keep in (False, True)]  # fmt: skip
    reports = [run.report for run in runs]
    for report in reports:
        assert report.left_out["returns only"] == 1 * per_order
        assert report.rows_used == 9 * per_order
        assert (report.orders, report.returns) == (9, 0)
