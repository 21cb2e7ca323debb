"""The Spark engine against the default engine: the same per-customer values, cut points,
levels, summary and row accounting, on generated orders, hand-made edge cases and typed
Parquet copies of the real datasets. One local Spark session for the whole module."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from conftest import REAL

pytest.importorskip("pyspark")

from custseg.engines.run import run_rfm  # noqa: E402
from custseg.errors import InputFileError  # noqa: E402
from custseg.measures.definitions import reference_measures  # noqa: E402
from custseg.orders.load import LoadOptions  # noqa: E402
from custseg.segments.scoring import compute_cuts  # noqa: E402


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    """One local session, small: two cores, four shuffle partitions, no adaptive
    execution, no UI, its catalog's tables in a temporary folder; it also serves Spark
    Connect on a free loopback port (``spark.connect.grpc.binding.port``), for the Connect
    test's client process."""
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("custseg-tests")
        .config("spark.plugins", "org.apache.spark.sql.connect.SparkConnectPlugin")
        .config("spark.connect.grpc.binding.address", "127.0.0.1")
        .config("spark.connect.grpc.binding.port", str(_free_port()))
        .config("spark.sql.warehouse.dir", str(tmp_path_factory.mktemp("warehouse")))
        .config("spark.sql.shuffle.partitions", "4")
        # adaptive execution re-plans after each shuffle: on these tiny inputs that is most
        # of the work (the module: 207 s with it, 145 s without, at a load of ~3)
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session


def both(spark, tmp_path, frame: pl.DataFrame, name: str = "orders.parquet", **options):
    """Run both engines on ``frame`` written as Parquet; assert that they agree on
    everything and return the Spark result and the Polars export (sorted by id)."""
    from custseg.engines.spark.run import run_spark

    source = tmp_path / name
    frame.write_parquet(source)
    opts = LoadOptions(**options)
    expected = run_rfm(source, opts)
    got = run_spark(str(source), opts)
    out = tmp_path / f"{name}.out"
    got.write(str(out))
    written = pl.read_parquet(out / "*.parquet")
    export = expected.labelled().sort("customer_id")
    assert written["customer_id"].to_list() == sorted(written["customer_id"].to_list())
    assert written.schema == export.schema
    assert written.equals(export), _first_difference(written, export)
    assert got.cuts == expected.cuts
    assert got.levels == expected.levels
    _same_summary(got.summary, expected.summary)
    assert got.customer_count == expected.frame.height
    assert got.report.to_dict() == expected.report.to_dict()
    return got, export


def _same_summary(got: pl.DataFrame, expected: pl.DataFrame) -> None:
    """Customers and revenue (rounded to the cent) identical; the means and shares equal
    but for the last bits (floats summed in another order)."""
    from polars.testing import assert_frame_equal

    exact = ["segment", "customers", "revenue"]
    assert got.select(exact).equals(expected.select(exact))
    assert_frame_equal(got, expected, check_exact=False, rel_tol=1e-12)


def _first_difference(a: pl.DataFrame, b: pl.DataFrame) -> str:
    if a.height != b.height:
        return f"{a.height} vs {b.height} customers"
    for col in a.columns:
        diff = a.with_row_index().filter(a[col].ne_missing(b[col]))
        if diff.height:
            i = diff["index"][0]
            return f"{col}: {a.row(i, named=True)} vs {b.row(i, named=True)}"
    return ""


def orders(rows: list[tuple], order_ids: bool = True) -> pl.DataFrame:
    """(customer, order, 'YYYY-MM-DD HH:MM', amount) rows as a typed frame."""
    cols = {"customer_id": [r[0] for r in rows],
            "order_date": [dt.datetime.fromisoformat(r[2]) if r[2] else None for r in rows],
            "amount": [r[3] for r in rows]}  # fmt: skip
    if order_ids:
        cols = {"order_id": [r[1] for r in rows], **cols}
    return pl.DataFrame(cols, schema_overrides={"amount": pl.Float64,
                                                "order_date": pl.Datetime("us")})  # fmt: skip


# ---------------------------------------------------------------------------------------
# hand-made edge cases


def test_line_items_duplicates_returns_and_spaces(spark, tmp_path):
    rows = [
        ("A1", "o1", "2024-01-05 10:00", 10.0),
        ("A1", "o1", "2024-01-05 10:05", 5.125),  # a line item of o1
        ("A1", "o2", "2024-03-01 09:00", 20.0),
        ("A1", "o2", "2024-03-01 09:00", 20.0),  # an exact duplicate row
        (" A1 ", "o3", "2024-04-01 09:00", -7.5),  # a return, id with spaces
        ("B2", "o4", "2024-02-01 12:00", -3.0),  # returns only
        ("B2", "o5", "2024-02-03 12:00", -4.0),
        ("17850.0", "o6", "2023-06-01 08:00", 1.005),
        ("17850", "o7", "2024-06-01 08:00", 2.675),
        ("", "o8", "2024-06-01 08:00", 5.0),  # missing customer
        ("guest", "o9", "2024-06-01 08:00", 5.0),  # placeholder
        ("C3", "o10", None, 5.0),  # missing date
        ("C3", "o11", "1850-01-01 00:00", 5.0),  # unparseable (too early)
        ("C3", "o12", "2024-05-01 00:00", None),  # missing amount
        ("C3", "o13", "2024-05-02 00:00", float("nan")),  # unparseable amount
        ("C3", "o14", "2024-05-03 00:00", 0.0),  # a purchase of zero
        ("D4", "o15", "2024-07-01 00:00", 99.99),  # after --as-of
    ]
    got, export = both(spark, tmp_path, orders(rows), as_of=dt.date(2024, 6, 30))
    left = got.report.left_out
    assert left["duplicate row"] == 1 and left["returns only"] == 2
    assert left["after as-of"] == 1 and left["placeholder customer"] == 1
    assert export["customer_id"].to_list() == ["17850", "A1", "C3"]


def test_keep_duplicates_and_returns_drop(spark, tmp_path):
    rows = [("A", "1", "2024-01-01 00:00", 5.0), ("A", "1", "2024-01-01 00:00", 5.0),
            ("A", "2", "2024-01-03 00:00", -2.0), ("B", "3", "2024-01-02 00:00", 7.0)]  # fmt: skip
    both(spark, tmp_path, orders(rows), "keep.parquet", keep_duplicates=True)
    both(spark, tmp_path, orders(rows), "drop.parquet", returns="drop")


def test_cancelled_statuses_and_no_order_ids(spark, tmp_path):
    frame = orders([("A", "1", "2024-01-01 00:00", 5.0), ("A", "2", "2024-01-02 00:00", 6.0),
                    ("B", "3", "2024-01-03 00:00", 7.0), ("B", "4", "2024-01-04 00:00", 8.0),
                    ("C", "5", "2024-01-05 00:00", 9.0)], order_ids=False)  # fmt: skip
    frame = frame.with_columns(status=pl.Series(["paid", "Cancelled", "待付款", None, "weird"]))
    got, _ = both(spark, tmp_path, frame, "status.parquet", cancel_status=("weird",))
    assert got.report.left_out["cancelled"] == 2 and got.report.left_out["not paid"] == 1


def test_heavy_ties_and_uci_cancellations(spark, tmp_path):
    rows = [(f"c{i % 7}", f"{500 + i}", f"2024-0{1 + i % 6}-1{i % 9} 00:00", 10.0)
            for i in range(40)]  # fmt: skip
    rows += [("c1", "C500", "2024-02-01 00:00", -10.0)]
    got, _ = both(spark, tmp_path, orders(rows), "ties.parquet")
    assert got.report.left_out["cancelled"] == 1


def test_refuses_what_only_the_default_engine_reads(spark, tmp_path):
    from custseg.engines.spark.run import run_spark

    path = tmp_path / "odd.csv"
    path.write_text('customer_id,order_date,amount\nA,05/03/2024,"1,234.50"\n')
    with pytest.raises(InputFileError, match="default engine"):
        run_spark(str(path))
    with pytest.raises(InputFileError, match="default engine"):
        run_spark(str(path), LoadOptions(decimal=","))


def test_plain_csv(spark, tmp_path):
    from custseg.engines.spark.run import run_spark

    path = tmp_path / "plain.csv"
    path.write_text("order_id,customer_id,order_date,amount\n1, 007 ,2024-01-02 10:00:00,5.5\n"
                    "2,007,2024-01-03,-1\n3,8,2024-02-01T08:00,12\n4,,2024-02-01,3\n")  # fmt: skip
    expected, got = run_rfm(path), run_spark(str(path))
    assert got.report.to_dict() == {**expected.report.to_dict(), "format": "csv"}
    assert got.cuts == expected.cuts
    _same_summary(got.summary, expected.summary)


# ---------------------------------------------------------------------------------------
# generated orders

_ids = st.sampled_from(["a", "b", " b", "c1", "17850", "17850.0", "x y", "007", "Z"])
_amounts = st.one_of(st.sampled_from([0.0, 10.0, 10.005, -5.0, 0.125, 2.675, 99.99]),
                     st.floats(-50, 500, allow_nan=False).map(lambda x: round(x, 3)))  # fmt: skip
_rows = st.lists(
    st.tuples(_ids, st.integers(0, 12), st.integers(0, 400), st.integers(0, 23), _amounts),
    min_size=1, max_size=40,
)  # fmt: skip


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
)
@given(rows=_rows, with_orders=st.booleans())
def test_generated_orders_agree(spark, tmp_path_factory, rows, with_orders):
    start = dt.datetime(2023, 1, 1)
    typed = [(c, f"o{o}", (start + dt.timedelta(days=d, hours=h)).isoformat(" "), a)
             for c, o, d, h, a in rows]  # fmt: skip
    frame = orders(typed, with_orders)
    if not frame.filter(pl.col("amount") >= 0).height:
        return  # nobody bought: both engines refuse (tested elsewhere)
    tmp = tmp_path_factory.mktemp("gen")
    got, export = both(spark, tmp, frame)
    assert got.cuts == compute_cuts(export, 5)


def test_measures_equal_the_reference(spark, tmp_path):
    """The Spark plan is a second implementation of the measures' definition."""
    from custseg.engines.spark.measures import per_customer
    from custseg.measures.plan import Lifecycle

    day = dt.datetime
    rows = [
        ("a", "1", day(2024, 1, 1, 10), 10.005), ("a", "2", day(2024, 5, 1), -3.0),
        ("a", "3", day(2024, 9, 1), 2.675), ("b", "4", day(2023, 1, 1), 0.125),
        ("c", "5", day(2024, 9, 2), -1.0), ("d", "6", day(2024, 9, 20), 1.0),
    ]  # fmt: skip
    as_of = dt.date(2024, 10, 1)
    frame = spark.createDataFrame(
        [(c, o, d, a, 1) for c, o, d, a in rows],
        "customer_id string, order_id string, order_date timestamp_ntz, amount double, rows int",
    )
    per = per_customer(frame, as_of, Lifecycle()).where("frequency > 0").orderBy("customer_id")
    keys = ("customer_id", "first_order", "last_order", "recency_days", "frequency",
            "monetary", "aov", "lifecycle")  # fmt: skip
    got = [{k: r[k] for k in keys} for r in per.collect()]
    ref = reference_measures([dict(zip(("customer_id", "order_id", "order_date", "amount"), r,
                                       strict=True)) for r in rows], as_of)  # fmt: skip
    assert got == sorted(ref.customers, key=lambda c: c["customer_id"])
    assert all(math.isfinite(c["monetary"]) for c in got)


# ---------------------------------------------------------------------------------------
# typed copies of the real datasets


def _real(path):
    if not path.exists():
        pytest.skip(f"{path} is absent")
    return path


def test_cdnow_master_typed(spark, tmp_path):
    src = _real(REAL / "cdnow" / "CDNOW_master.txt")
    lines = [line.split() for line in src.read_text().splitlines()[1:] if line.strip()]
    frame = pl.DataFrame(
        {"customer_id": [x[0] for x in lines],
         "order_date": [dt.datetime.strptime(x[1], "%Y%m%d").date() for x in lines],
         "quantity": [int(x[2]) for x in lines], "amount": [float(x[3]) for x in lines]}
    )  # fmt: skip
    got, _ = both(spark, tmp_path, frame, "cdnow.parquet")
    assert got.customer_count > 23_000


def test_uci_online_retail_typed(spark, tmp_path):
    src = _real(REAL / "uci_online_retail" / "online_retail.csv.gz")
    frame = pl.read_csv(src, infer_schema_length=0, encoding="utf8-lossy").with_columns(
        pl.col("InvoiceDate").str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False),
        pl.col("Quantity").cast(pl.Int64, strict=False),
        pl.col("UnitPrice").cast(pl.Float64, strict=False),
        # integer ids: on float ids with repeated order ids the default engine's order-id
        # check fails in Polars 2.1 (reported apart)
        pl.col("CustomerID").cast(pl.Float64, strict=False).cast(pl.Int64),
    )
    got, _ = both(spark, tmp_path, frame, "uci.parquet")
    assert got.report.left_out["cancelled"] > 0 and got.report.left_out["duplicate row"] > 0


# ---------------------------------------------------------------------------------------
# the command line


def test_cli_rfm_engine_spark(spark, tmp_path):
    """``rfm --engine spark``: the same --json and --thresholds as the default engine, the
    export as a Parquet folder sorted by customer id; a CSV output is a usage error."""
    import json

    from click.testing import CliRunner

    from conftest import SAMPLE
    from custseg.cli import main

    source = tmp_path / "sample.parquet"
    pl.read_csv(SAMPLE, try_parse_dates=True).write_parquet(source)
    runner = CliRunner()
    default = runner.invoke(main, ["rfm", str(source), "--json", "-o", str(tmp_path / "d.parquet"),
                                   "--thresholds", str(tmp_path / "d.json")])  # fmt: skip
    on_spark = runner.invoke(main, ["rfm", str(source), "--json", "--engine", "spark",
                                    "-o", str(tmp_path / "s.parquet"),
                                    "--thresholds", str(tmp_path / "s.json")])  # fmt: skip
    assert default.exit_code == 0 and on_spark.exit_code == 0, on_spark.output
    assert json.loads(on_spark.stdout) == json.loads(default.stdout)
    assert (tmp_path / "s.json").read_text() == (tmp_path / "d.json").read_text()
    written = pl.read_parquet(tmp_path / "s.parquet" / "*.parquet")
    assert written.equals(pl.read_parquet(tmp_path / "d.parquet").sort("customer_id"))
    wrong = runner.invoke(main, ["rfm", str(source), "--engine", "spark", "-o", "x.csv"])
    assert wrong.exit_code == 2 and "Parquet folder" in wrong.output
    # --output-table: the same rows in a table of the session's catalog, replaced each run
    for _ in range(2):
        to_table = runner.invoke(main, ["rfm", str(source), "--engine", "spark", "--quiet",
                                        "--output-table", "rfm_customers"])  # fmt: skip
        assert to_table.exit_code == 0, to_table.output
    table = pl.from_arrow(spark.table("rfm_customers").orderBy("customer_id").toArrow())
    assert table.equals(written)
    for args in (["rfm", "--output-table", "t"], ["summary", "--engine", "spark",
                                                  "--output-table", "t"]):  # fmt: skip
        refused = runner.invoke(main, [args[0], str(source), *args[1:]])
        assert refused.exit_code == 2 and "--output-table" in refused.output


def _edge_orders() -> pl.DataFrame:
    """Line items, duplicates, a return, returns only, float-like ids, same-day orders."""
    return orders([
        ("A1", "o1", "2024-01-05 10:00", 10.0), ("A1", "o1", "2024-01-05 10:05", 5.125),
        ("A1", "o2", "2024-03-01 09:00", 60.0), ("A1", "o2", "2024-03-01 09:00", 60.0),
        (" A1 ", "o3", "2024-04-01 09:00", -7.5), ("B2", "o4", "2024-02-01 12:00", -3.0),
        ("17850.0", "o6", "2023-06-01 08:00", 41.005), ("17850", "o7", "2024-06-01 08:00", 2.675),
        ("17850", "o8", "2024-06-01 18:00", 9.0), ("C3", "o9", "2022-05-03 00:00", 0.0),
        ("C3", "o10", "2024-05-03 00:00", 100.0), ("D4", "o11", "2024-06-20 00:00", 3.0),
    ])  # fmt: skip


@pytest.mark.parametrize("case", ["sample", "edges"])
def test_cli_summary_and_repeat_engine_spark(spark, tmp_path, case):
    """``summary`` and ``repeat`` with ``--engine spark``: the same --json, and the same
    files (the measures table, the repeat buyers) as the default engine."""
    from click.testing import CliRunner

    from conftest import SAMPLE
    from custseg.cli import main

    source = tmp_path / f"{case}.parquet"
    frame = pl.read_csv(SAMPLE, try_parse_dates=True) if case == "sample" else _edge_orders()
    frame.write_parquet(source)
    runner = CliRunner()
    for command, extra in (("summary", ["--window", "60d"]), ("repeat", ["--min-spend", "20"])):
        outs = {}
        for engine in ("polars", "spark"):
            path = tmp_path / f"{command}-{engine}.csv"
            args = [command, str(source), "--json", "-o", str(path), "--engine", engine, *extra]
            run = runner.invoke(main, args)
            assert run.exit_code == 0, run.output
            outs[engine] = (run.stdout, path.read_bytes())
        assert outs["spark"] == outs["polars"], command


def test_cli_table_of_the_spark_catalog(spark, tmp_path):
    """``--engine spark --table NAME`` (a table saved in the session's warehouse, a temporary
    view) and ``--query``: the same --json as the default engine on the file; FILE and
    --table together, or no FILE without Spark, are usage errors; a missing table exit 1."""
    import json

    from click.testing import CliRunner

    from conftest import SAMPLE
    from custseg.cli import main

    source = tmp_path / "sample.parquet"
    pl.read_csv(SAMPLE, try_parse_dates=True).write_parquet(source)
    spark.read.parquet(str(source)).write.mode("overwrite").saveAsTable("orders_saved")
    spark.createDataFrame(pl.read_parquet(source).to_pandas()).createOrReplaceTempView(
        "orders_view"
    )
    runner = CliRunner()

    def summary(*args: str) -> dict:
        run = runner.invoke(main, ["rfm", *args, "--json"])
        assert run.exit_code == 0, run.output
        found = json.loads(run.stdout)
        del found["rows"]["source"], found["rows"]["format"]
        return found

    expected = summary(str(source))
    assert summary("--engine", "spark", "--table", "orders_saved") == expected
    assert summary("--engine", "spark", "--table", "orders_view") == expected
    assert summary("--engine", "spark", "--query", "SELECT * FROM orders_saved") == expected
    both = runner.invoke(main, ["rfm", str(source), "--engine", "spark", "--table", "orders"])
    assert both.exit_code == 2 and "leave out FILE" in both.output
    no_file = runner.invoke(main, ["rfm", "--table", "orders_saved"])
    assert no_file.exit_code == 2 and "Missing argument" in no_file.output
    missing = runner.invoke(main, ["rfm", "--engine", "spark", "--table", "nope"])
    assert missing.exit_code == 1 and "Spark cannot read table 'nope'" in missing.output


def test_spark_connect_smoke(spark, tmp_path):
    """``rfm --engine spark`` through Spark Connect: a client process (no JVM of its own)
    with ``SPARK_REMOTE=sc://127.0.0.1:PORT``, talking over gRPC to the Connect server
    the shared session runs: the same --json and export as the default engine."""
    import json
    import os
    import subprocess
    import sys

    from click.testing import CliRunner

    from conftest import SAMPLE
    from custseg.cli import main

    source = tmp_path / "sample.parquet"
    pl.read_csv(SAMPLE, try_parse_dates=True).write_parquet(source)
    default = CliRunner().invoke(main, ["rfm", str(source), "--json", "-o",
                                        str(tmp_path / "d.parquet")])  # fmt: skip
    args = ["rfm", str(source), "--json", "--engine", "spark", "-o", str(tmp_path / "c.parquet")]
    port = spark.conf.get("spark.connect.grpc.binding.port")
    env = {**os.environ, "SPARK_REMOTE": f"sc://127.0.0.1:{port}"}
    connect = subprocess.run([sys.executable, "-m", "custseg.cli", *args], env=env,
                             capture_output=True, text=True, timeout=300)  # fmt: skip
    assert connect.returncode == 0, connect.stderr[-2000:]
    assert json.loads(connect.stdout) == json.loads(default.stdout)
    written = pl.read_parquet(tmp_path / "c.parquet" / "*.parquet")
    assert written.equals(pl.read_parquet(tmp_path / "d.parquet").sort("customer_id"))


# ---------------------------------------------------------------------------------------
# predict on Spark


def test_history_equals_the_reference(spark):
    """The Spark purchase history is a second implementation of its definition."""
    from custseg.engines.spark.history import spark_history
    from custseg.measures.definitions import reference_history, reference_history_days
    from custseg.measures.history import History

    day = dt.datetime
    rows = [
        ("a", day(2024, 1, 1, 10), 10.005), ("a", day(2024, 1, 1, 18), 5.0),
        ("a", day(2024, 5, 1), -3.0), ("a", day(2024, 9, 1), 2.675),
        ("a", day(2024, 9, 1, 9), 1.0), ("b", day(2023, 1, 1), 0.125),
        ("c", day(2024, 9, 2), -1.0), ("c", day(2024, 9, 3), 4.0),
        ("d", day(2024, 2, 1), -2.0), ("d", day(2024, 3, 1), 7.0), ("d", day(2024, 4, 1), 8.0),
    ]  # fmt: skip
    as_of = dt.date(2024, 10, 1)
    frame = spark.createDataFrame(
        rows, "customer_id string, order_date timestamp_ntz, amount double"
    )
    named = [dict(zip(("customer_id", "order_date", "amount"), r, strict=True)) for r in rows]
    for end in (None, dt.date(2024, 3, 15), dt.date(2024, 1, 1)):
        found, days = spark_history(frame, as_of, History(end))
        got = {r["customer_id"]: {k: r[k] for k in r.asDict() if k != "customer_id"}
               for r in found.collect()}  # fmt: skip
        assert got == reference_history(named, as_of, end), end
        assert days.rows() == reference_history_days(named, as_of, end), end

    def by_id(end):
        found = spark_history(frame, as_of, History(end))[0].collect()
        return {r["customer_id"]: {k: v for k, v in r.asDict().items() if k != "customer_id"}
                for r in found}  # fmt: skip

    got = by_id(None)
    # as of Mar 15: a bought on Jan 1 only (then Sep 1: one holdout day); d from Mar 1
    late = by_id(dt.date(2024, 3, 15))
    assert (late["a"]["repeat_orders"], late["a"]["holdout_orders"]) == (0, 1)
    assert (late["d"]["T_days"], late["d"]["holdout_orders"]) == (14, 1) and "c" not in late
    # by hand: a bought on 2 days (Jan 1 twice, Sep 1 twice); after the first, the return
    # and Sep 1: -3 + 2.675 + 1 = 0.675, which in binary is just below 0.675: 0.67
    assert got["a"] == {"repeat_orders": 1, "t_first_last_days": 244, "T_days": 274,
                        "repeat_spend": 0.67, "holdout_orders": None}  # fmt: skip
    assert got["c"]["T_days"] == 28 and got["c"]["repeat_orders"] == 0


def _predict_both(source, spec, tmp_path):
    """The default engine's prediction export (sorted by id) and the Spark one, with both
    predictions."""
    from custseg.engines.spark.predict import predict_on_spark
    from custseg.engines.spark.run import run_spark
    from custseg.measures.history import History
    from custseg.predict.run import predict_customers

    history = History(spec.calibration_end)
    expected = run_rfm(source, LoadOptions(), history=history)
    end = expected.report.as_of - dt.timedelta(days=1) if spec.calibration_end else None
    prediction = predict_customers(expected, spec, end)
    export = pl.concat([expected.labelled(), prediction.frame], how="horizontal")
    got, on_spark = predict_on_spark(run_spark(str(source), LoadOptions(), history=history),
                                     spec, end)  # fmt: skip
    assert got.report.to_dict() == expected.report.to_dict()
    assert got.cuts == expected.cuts
    out = tmp_path / "predicted.parquet"
    got.write(str(out))
    return export.sort("customer_id"), pl.read_parquet(out / "*.parquet"), prediction, on_spark


def _pnbd_orders(n: int = 2000, seed: int = 3) -> pl.DataFrame:
    """Orders of ``n`` customers drawn from Pareto/NBD (CDNOW-like parameters, in weeks;
    observed 20 to 52 weeks): the first purchase, the last at t_x, the others between;
    each customer's spend around a mean of their own."""
    import numpy as np

    from custseg.models import simulate_pnbd

    rng = np.random.default_rng(seed)
    ages = rng.integers(20, 53, n).astype(float)
    drawn = simulate_pnbd(n, {"r": 0.55, "alpha": 10.6, "s": 0.61, "beta": 11.7}, ages, seed)
    end = dt.datetime(2025, 12, 31)
    rows = []
    for i, (x, t_x, T) in enumerate(drawn[["repeat_orders", "t_first_last", "T"]].to_numpy()):
        first = end - dt.timedelta(days=int(T * 7))
        days = {0} | ({int(t_x * 7)} if x else set())
        days |= {int(d) for d in rng.uniform(0, t_x * 7, max(int(x) - 1, 0))}
        mean = rng.gamma(3.0, 15.0)  # spend varies between customers, as Gamma-Gamma has it
        rows += [(f"c{i:05d}", first + dt.timedelta(days=d), float(rng.gamma(4.0, mean / 4)))
                 for d in sorted(days)]  # fmt: skip
    return pl.DataFrame(rows, schema=["customer_id", "order_date", "amount"], orient="row")


@pytest.mark.parametrize("model,data,end", [
    ("bgnbd", "sample", None), ("mbgnbd", "sample", None), ("pnbd", "generated", None),
    ("bgnbd", "sample", dt.date(2025, 9, 30)), ("pnbd", "generated", dt.date(2025, 8, 31)),
])  # fmt: skip
def test_predict_agrees_bit_for_bit(spark, tmp_path, model, data, end):
    """Every column of every customer, the fitted models, the notes and the figures per
    segment: the default engine's, to the bit, on the sample (1,500 customers) and on
    2,000 customers drawn from Pareto/NBD (which does not fit the sample)."""
    from conftest import SAMPLE
    from custseg.predict.run import PredictSpec

    source = tmp_path / "orders.parquet"
    frame = pl.read_csv(SAMPLE, try_parse_dates=True) if data == "sample" else _pnbd_orders()
    frame.write_parquet(source)
    spec = PredictSpec(model=model, horizon="6m", discount=0.15, margin=0.3, calibration_end=end)
    export, written, expected, got = _predict_both(source, spec, tmp_path)
    assert written.columns == export.columns
    assert written.equals(export), _first_difference(written, export)
    assert got.model.params == expected.model.params
    assert got.spend_model.params == expected.spend_model.params
    assert got.notes == expected.notes and (got.notes or model == "pnbd")
    assert got.by_segment.equals(expected.by_segment)
    if end is not None:  # the holdout check: per group, the weekly curve, the totals
        check, want = got.holdout, expected.holdout
        assert check.by_repeat.equals(want.by_repeat) and check.by_segment.equals(want.by_segment)
        assert check.weekly.equals(want.weekly) and check.actual == want.actual > 0
        assert check.expected == pytest.approx(want.expected, rel=1e-12)
        assert "expected_orders_holdout" in written.columns
    assert written["p_alive"].null_count() == 0
    if end is None:
        assert written.height == (1500 if data == "sample" else 2000)


def test_predict_on_edge_orders(spark, tmp_path):
    """Line items, returns, returns-only customers, same-day orders (among 400 drawn
    customers, for the models to fit): the same columns."""
    from custseg.predict.run import PredictSpec

    source = tmp_path / "edges.parquet"
    drawn = _pnbd_orders(400).with_columns(
        order_id=pl.format("g{}", pl.int_range(pl.len())),
        order_date=pl.col("order_date") - pl.duration(days=540),  # up to the edges' as-of
    )
    frame = pl.concat([_edge_orders(), drawn.select(_edge_orders().columns)])
    frame.write_parquet(source)
    export, written, expected, got = _predict_both(source, PredictSpec(model="pnbd"), tmp_path)
    assert written.equals(export), _first_difference(written, export)
    assert got.by_segment.equals(expected.by_segment)
    # A1 bought on 2024-01-05 and 2024-03-01 (o1 is two line items, o2 a duplicate row)
    a1 = written.filter(pl.col("customer_id") == "A1").row(0, named=True)
    assert (a1["repeat_orders"], a1["t_first_last"]) == (1, round(56 / 7, 6))


def test_cli_predict_engine_spark(spark, tmp_path):
    """``predict`` and ``rfm --predict`` with ``--engine spark``: the same --json and the
    same export as the default engine, with a calibration end too (the holdout check in
    --json); a calibration end not before --as-of is refused (exit 2)."""
    import json

    from click.testing import CliRunner

    from custseg.cli import main

    source = tmp_path / "generated.parquet"
    _pnbd_orders(800).write_parquet(source)
    runner = CliRunner()
    holding = ["--calibration-end", "2025-09-30", "--as-of", "2025-12-15"]
    for command, model in ((["predict"], "pnbd"), (["rfm", "--predict"], "pnbd"),
                           (["predict", *holding], "mbgnbd")):  # fmt: skip
        runs = {}
        for engine in ("polars", "spark"):
            out = tmp_path / f"{command[0]}-{len(command)}-{engine}.parquet"
            run = runner.invoke(main, [*command, str(source), "--json", "--model", model,
                                       "-o", str(out), "--engine", engine])  # fmt: skip
            assert run.exit_code == 0, run.output
            written = pl.read_parquet(out / "*.parquet" if out.is_dir() else out)
            runs[engine] = (json.loads(run.stdout), written.sort("customer_id"))
        assert runs["spark"][0] == runs["polars"][0]
        assert runs["spark"][0]["model"]["name"] == model
        assert runs["spark"][1].equals(runs["polars"][1])
    holdout = runs["spark"][0]["holdout"]  # the last: with a calibration end
    assert holdout["end"] == "2025-12-15" and holdout["actual_orders"] > 0
    late = ["--calibration-end", "2025-12-31", "--as-of", "2025-12-15"]
    refused = runner.invoke(main, ["predict", str(source), "--engine", "spark", *late])
    assert refused.exit_code == 2 and "--calibration-end" in refused.output
