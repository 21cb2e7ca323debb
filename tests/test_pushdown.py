"""The per-customer aggregation pushed down into PostgreSQL (custseg.engines.database):
the same customers, measures, order and row accounting as the row path (--no-pushdown)
and as the same orders in a CSV file; a table the row path refuses for memory; the note
in the summary and in --json; the cases left to the row path.

Against the real server CUSTSEG_TEST_PG names (.ci/postgres); skipped when it is unset.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import random

import pytest
from click.testing import CliRunner

import custseg
from conftest import SAMPLE, pg_sample_schema
from custseg.cli import main
from custseg.errors import InputFileError
from custseg.orders.load import LoadOptions

PG = os.environ.get("CUSTSEG_TEST_PG")
pytestmark = pytest.mark.skipif(not PG, reason="CUSTSEG_TEST_PG is unset (see .ci/postgres)")
NOTE = "aggregated in the database: only the per-customer rows were read"


def _accounting(report) -> dict:
    out = {k: v for k, v in report.to_dict().items() if k not in ("source", "format")}
    out["notes"] = [n for n in out["notes"] if n != NOTE]
    return out


@pytest.fixture(scope="module")
def pg():
    """A connection, a schema of this run's own (dropped after) holding the sample orders
    typed (``sample``: text order ids, timestamp, numeric); the tests make their own others."""
    with pg_sample_schema(PG, "custseg_pushdown") as found:
        yield found


def _runs(opts: LoadOptions, **kwargs):
    """The run pushed down and the row path's, on the same options."""
    down = custseg.run_rfm(PG, opts, **kwargs)
    rows = custseg.run_rfm(PG, dataclasses.replace(opts, pushdown=False), **kwargs)
    return down, rows


@pytest.mark.parametrize("as_of", [None, dt.date(2025, 6, 1)])
def test_sample_pushed_down_gives_the_row_path_and_the_csv(pg, as_of, tmp_path):
    _, schema = pg
    down, rows = _runs(LoadOptions(table=f"{schema}.sample", as_of=as_of, pushdown=True))
    csv = custseg.run_rfm(SAMPLE, LoadOptions(as_of=as_of))
    assert NOTE in down.report.notes and NOTE not in rows.report.notes
    assert down.frame.equals(rows.frame) and down.frame.equals(csv.frame)
    assert _accounting(down.report) == _accounting(rows.report) == _accounting(csv.report)
    assert down.cuts == csv.cuts
    # the exports, byte for byte
    runner, outs = CliRunner(), []
    extra = ["--as-of", as_of.isoformat()] if as_of else []
    for i, args in enumerate(
        [
            [PG, "--table", f"{schema}.sample", "--pushdown"],
            [PG, "--table", f"{schema}.sample", "--no-pushdown"],
            [str(SAMPLE)],
        ]
    ):
        out = tmp_path / f"out{i}.csv"
        result = runner.invoke(main, ["rfm", *args, *extra, "-q", "-o", str(out)])
        assert result.exit_code == 0, result.output
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] == outs[2]


def _tricky_rows(seed: int, n: int = 1500) -> list[tuple]:
    """Orders meant to trip an aggregation: returns-only customers, zero amounts, rows
    after an as-of date, nulls, ids with spaces, leading zeros and placeholders, times at
    midnight, dates before 1900 and far in the future, NaN, exact duplicate rows."""
    rnd = random.Random(seed)
    ids = ["007", " 007", "0042", "42", "a b", "x ", "guest", "", "N/A", "ret1", "ret2"]
    ids += [f"C{i:03d}" for i in range(60)]
    out: list[tuple] = []
    start = dt.datetime(2023, 1, 1)
    for _ in range(n):
        cust = rnd.choice(ids)
        when = start + dt.timedelta(days=rnd.randint(0, 800), minutes=rnd.choice([0, 0, 1, 754]))
        cents = rnd.choice([0, 0, 199, 1050, 4999, 12345, -500, -1999])
        amount = f"{cents / 100:.2f}"
        if cust.startswith("ret"):
            amount = f"{-abs(cents or 100) / 100:.2f}"
        roll = rnd.random()
        out.append((
            None if roll < 0.02 else cust,
            None if 0.02 <= roll < 0.04 else when.isoformat(sep=" "),
            None if 0.04 <= roll < 0.06 else ("NaN" if roll < 0.07 else amount),
        ))  # fmt: skip
        if rnd.random() < 0.05:
            out.append(out[-1])  # an exact copy
    out += [("C001", "1850-01-01 00:00:00", "5.00"), ("C002", "2999-01-01 00:00:00", "5.00"),
            ("C003", "1990-05-05 00:00:00", "5.00")]  # fmt: skip
    return out


@pytest.fixture(scope="module")
def tricky(pg, tmp_path_factory):
    """The tricky orders in PostgreSQL (``tricky``: no order column, so duplicates are
    looked for; ``tricky_ids``: unique order ids; ``tricky_tz``: timestamptz, date and
    float columns) and the first as a CSV file."""
    conn, schema = pg
    rows = _tricky_rows(7)
    cur = conn.cursor()
    cur.execute(f"CREATE TABLE {schema}.tricky (customer text, ordered timestamp, "
                f"amount numeric(12, 2))")  # fmt: skip
    for cust, when, amount in rows:
        values = ", ".join("NULL" if v is None else "'" + v + "'" for v in (cust, when, amount))
        cur.execute(f"INSERT INTO {schema}.tricky VALUES ({values})")
    cur.execute(f"CREATE TABLE {schema}.tricky_ids AS SELECT 'o' || row_number() OVER () AS "
                f"order_id, * FROM {schema}.tricky")  # fmt: skip
    cur.execute(f"CREATE TABLE {schema}.tricky_tz AS SELECT customer, "
                f"(ordered::text || '+08')::timestamptz AS ordered, ordered::date AS day, "
                f"amount::float8 AS amount FROM {schema}.tricky")  # fmt: skip
    conn.commit()
    path = tmp_path_factory.mktemp("tricky") / "tricky.csv"
    text = "customer,ordered,amount\n" + "".join(
        ",".join("" if v is None else f'"{v}"' for v in r) + "\n" for r in rows
    )
    path.write_text(text, encoding="utf-8")
    return schema, path


OPTIONS = [
    {},
    {"as_of": dt.date(2024, 6, 30)},
    {"returns": "drop"},
    {"keep_duplicates": True, "as_of": dt.date(2024, 1, 31)},
    {"keep_placeholder_ids": True},
]


@pytest.mark.parametrize("kw", OPTIONS)
def test_tricky_orders_pushed_down_give_the_row_path(tricky, kw):
    schema, path = tricky
    columns = {"customer": "customer", "date": "ordered", "amount": "amount"}
    for table in ("tricky", "tricky_ids"):
        opts = LoadOptions(table=f"{schema}.{table}", columns=columns, pushdown=True, **kw)
        down, rows = _runs(opts)
        assert NOTE in down.report.notes, table
        assert down.frame.equals(rows.frame), table
        assert _accounting(down.report) == _accounting(rows.report), table
    # the table without order ids is the CSV file: duplicates and all
    csv = custseg.run_rfm(path, LoadOptions(columns=columns, **kw))
    opts = LoadOptions(table=f"{schema}.tricky", columns=columns, pushdown=True, **kw)
    down = custseg.run_rfm(PG, opts)
    left_out = down.report.left_out
    assert left_out["returns only"] or left_out["return dropped"]
    assert left_out["unparseable amount"] and left_out["missing date"]
    assert left_out["placeholder customer"] or kw.get("keep_placeholder_ids")
    assert left_out["missing customer"] and left_out["unparseable date"]
    assert left_out["duplicate row"] > 0 or "keep_duplicates" in kw
    assert down.frame.equals(csv.frame)
    assert _accounting(down.report) == _accounting(csv.report)


@pytest.mark.parametrize("date", ["ordered", "day"])
@pytest.mark.parametrize("tz", [None, "Asia/Shanghai"])
def test_zoned_times_dates_and_floats_pushed_down(tricky, date, tz):
    schema, _ = tricky
    columns = {"customer": "customer", "date": date, "amount": "amount"}
    opts = LoadOptions(table=f"{schema}.tricky_tz", columns=columns, tz=tz, pushdown=True)
    down, rows = _runs(opts)
    assert NOTE in down.report.notes
    assert down.frame.equals(rows.frame)
    assert _accounting(down.report) == _accounting(rows.report)


def test_a_table_too_big_to_read_is_aggregated_in_the_database(pg):
    conn, schema = pg
    cur = conn.cursor()
    cur.execute(f"CREATE TABLE {schema}.big AS SELECT i AS order_id, "
                f"'c' || (i % 5000) AS customer_id, timestamp '2024-01-01' + i * interval "
                f"'1 minute' AS order_date, ((i % 997) / 10.0)::numeric(10, 2) AS amount "
                f"FROM generate_series(1, 200000) AS i")  # fmt: skip
    conn.commit()
    opts = LoadOptions(table=f"{schema}.big")
    limit = 8 * 2**20
    with pytest.raises(InputFileError, match="more than the memory"):
        custseg.run_rfm(PG, dataclasses.replace(opts, pushdown=False), memory_limit=limit)
    down = custseg.run_rfm(PG, opts, memory_limit=limit)  # by default: it does not fit
    assert down.frame.height == 5000 and down.report.rows_read == 200_000
    assert NOTE in down.report.notes
    rows = custseg.run_rfm(PG, dataclasses.replace(opts, pushdown=False))
    assert down.frame.equals(rows.frame)
    assert _accounting(down.report) == _accounting(rows.report)


def test_the_summary_and_json_say_it_was_aggregated_in_the_database(pg):
    _, schema = pg
    runner = CliRunner()
    args = ["rfm", PG, "--table", f"{schema}.sample", "--pushdown"]
    text = runner.invoke(main, args)
    assert text.exit_code == 0 and "Aggregated in the database" in text.output
    zh = runner.invoke(main, [*args, "--lang", "zh"])
    assert zh.exit_code == 0 and "在数据库中汇总" in zh.output
    data = json.loads(runner.invoke(main, [*args, "--json"]).output)
    assert NOTE in data["rows"]["notes"]
    data = json.loads(runner.invoke(main, [*args[:-1], "--json", "--no-pushdown"]).output)
    assert NOTE not in data["rows"]["notes"]


def test_what_is_left_to_the_row_path(pg, tmp_path):
    """Repeated order ids (line items), text dates, --rejects, --strict, and by default a
    table that fits in memory: the rows are read."""
    conn, schema = pg
    cur = conn.cursor()
    cur.execute(f"CREATE TABLE {schema}.items AS SELECT order_id || '' AS order_id, "
                f"customer_id, order_date, amount FROM {schema}.sample "
                f"UNION ALL SELECT * FROM {schema}.sample WHERE amount > 400")  # fmt: skip
    conn.commit()
    for opts in (
        LoadOptions(table=f"{schema}.items", pushdown=True),
        LoadOptions(table=f"{schema}.sample_text", pushdown=True),
        LoadOptions(table=f"{schema}.sample", keep_rejects=True, pushdown=True),
        LoadOptions(table=f"{schema}.sample", strict=True, pushdown=True),
        LoadOptions(table=f"{schema}.sample"),  # by default: it fits in memory
    ):
        assert NOTE not in custseg.run_rfm(PG, opts).report.notes
    query = f"SELECT * FROM {schema}.sample ORDER BY customer_id, order_date"
    down, rows = _runs(LoadOptions(query=query, pushdown=True))
    assert NOTE in down.report.notes
    assert down.frame.equals(rows.frame)  # in the order of the query's ORDER BY
    assert down.frame["customer_id"].to_list() == sorted(down.frame["customer_id"].to_list())
