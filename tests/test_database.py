"""Orders read from databases (custseg.io.database): the same rows, accounting and export
as the same orders in a CSV file, typed columns, --query, errors, and the password never
printed.

PostgreSQL tests run against the real server CUSTSEG_TEST_PG names (.ci/postgres starts
one on loopback and CI sets it); they skip when it is unset. SQLite needs no server. MySQL:
the URL handling and an unreachable server's error only (no server in CI).
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import sqlite3
from urllib.parse import urlsplit, urlunsplit

import polars as pl
import pytest
from click.testing import CliRunner

import custseg
from conftest import SAMPLE, pg_sample_schema
from custseg.cli import main
from custseg.errors import InputFileError
from custseg.io.database.drivers import failure, quote_name
from custseg.io.database.url import DatabaseUrl, database_kind, mask_text, mask_url
from custseg.orders.load import LoadOptions

PG = os.environ.get("CUSTSEG_TEST_PG")
needs_pg = pytest.mark.skipif(not PG, reason="CUSTSEG_TEST_PG is unset (see .ci/postgres)")


def _accounting(report) -> dict:
    """A run's row accounting, without what names the source or tells that it was
    aggregated in the database (tests/test_pushdown.py checks that note)."""
    out = {k: v for k, v in report.to_dict().items() if k not in ("source", "format")}
    out["notes"] = [n for n in out["notes"] if not n.startswith("aggregated in the database")]
    return out


def _sample_rows() -> list[list[str]]:
    with open(SAMPLE, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


# -- URLs and masking (no server) --------------------------------------------------------


def test_database_kinds():
    assert database_kind("postgresql://u@h/db") == "postgresql"
    assert database_kind("postgres://u@h/db") == "postgresql"
    assert database_kind("postgresql+psycopg://u@h/db") == "postgresql"
    assert database_kind("mysql://u:p@h:3306/db") == "mysql"
    assert database_kind("mariadb://u@h/db") == "mysql"
    assert database_kind("sqlite:///orders.db") == "sqlite"
    assert database_kind("orders.csv") is None
    assert database_kind("s3://bucket/orders.parquet") is None


def test_passwords_are_masked():
    assert mask_url("postgresql://ann:s3cr%40t@db:5432/shop") == "postgresql://ann:***@db:5432/shop"
    assert mask_url("mysql://ann@db/shop") == "mysql://ann@db/shop"
    assert mask_url("postgresql://db/shop?password=hunter2&sslmode=require") == (
        "postgresql://db/shop?password=***&sslmode=require"
    )
    assert mask_url("orders.csv") == "orders.csv"
    url = DatabaseUrl.parse("postgresql://ann:s3cr%40t@db/shop")
    # a driver may echo the password decoded, or in a connection string
    assert (
        url.mask("auth failed for s3cr@t (password=s3cr@t)") == "auth failed for *** (password=***)"
    )
    assert (
        mask_text("at mysql://root:toor@10.0.0.1/x, retry")
        == "at mysql://root:***@10.0.0.1/x, retry"
    )


def test_a_driver_error_is_one_masked_line():
    url = DatabaseUrl.parse("postgresql://ann:hunter2@db/shop")
    exc = RuntimeError(
        "IO: [libpq] failed for postgresql://ann:hunter2@db/shop\n  password hunter2"
    )
    err = failure(url, "connecting", exc, "check the URL")
    assert "hunter2" not in str(err) and "\n" not in str(err)
    assert str(err).startswith("postgresql://ann:***@db/shop: connecting failed (")


def test_table_names_are_quoted():
    assert quote_name("orders", "postgresql") == '"orders"'
    assert quote_name("sales.orders", "postgresql") == '"sales"."orders"'
    assert quote_name('we"ird', "sqlite") == '"we""ird"'
    assert quote_name("orders", "mysql") == "`orders`"
    assert quote_name('"Mixed.Case"', "postgresql") == '"Mixed.Case"'


def test_table_or_query_needs_a_database_url():
    with pytest.raises(InputFileError, match="reads from a database"):
        custseg.run_rfm(SAMPLE, LoadOptions(table="orders"))
    with pytest.raises(InputFileError, match="needs `table` NAME or `query` SQL"):
        custseg.run_rfm("sqlite:///x.db")


def test_mysql_unreachable_server_error_is_masked():
    pytest.importorskip("connectorx")
    res = CliRunner().invoke(main, ["rfm", "mysql://root:Sup3rSecret@127.0.0.1:1/shop",
                                    "--table", "orders"])  # fmt: skip
    assert res.exit_code == 1, res.output
    assert res.output.startswith("Error: mysql://root:***@127.0.0.1:1/shop: ")
    assert "Sup3rSecret" not in res.output and "Traceback" not in res.output


# -- SQLite (no server) ------------------------------------------------------------------


@pytest.fixture
def sqlite_db(tmp_path):
    pytest.importorskip("adbc_driver_sqlite")
    path = tmp_path / "shop.db"
    rows = _sample_rows()
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE orders (order_id TEXT, customer_id TEXT, order_date TEXT, "
                   "amount REAL)")  # fmt: skip
        db.executemany("INSERT INTO orders VALUES (?, ?, ?, ?)", rows[1:])
    return path


def test_sqlite_table_gives_what_the_csv_gives(sqlite_db, tmp_path):
    url = f"sqlite:///{sqlite_db}"
    from_db = custseg.run_rfm(url, LoadOptions(table="orders"))
    from_csv = custseg.run_rfm(SAMPLE)
    assert from_db.frame.equals(from_csv.frame)
    assert _accounting(from_db.report) == _accounting(from_csv.report)
    assert from_db.report.source == url and from_db.report.format == "sqlite"
    out_db, out_csv = tmp_path / "db.csv", tmp_path / "csv.csv"
    runner = CliRunner()
    assert (
        runner.invoke(main, ["rfm", url, "--table", "orders", "-q", "-o", str(out_db)]).exit_code
        == 0
    )
    assert runner.invoke(main, ["rfm", str(SAMPLE), "-q", "-o", str(out_csv)]).exit_code == 0
    assert out_db.read_bytes() == out_csv.read_bytes()


def test_sqlite_query_and_errors(sqlite_db, tmp_path):
    url = f"sqlite:///{sqlite_db}"
    query = "SELECT customer_id AS buyer, order_date, amount FROM orders WHERE amount >= 0"
    result = custseg.run_rfm(url, LoadOptions(query=query, columns={"customer": "buyer"}))
    assert result.report.rows_read == 4811 and result.report.returns == 0
    runner = CliRunner()
    missing = runner.invoke(main, ["rfm", f"sqlite:///{tmp_path}/none.db", "--table", "orders"])
    assert missing.exit_code == 1 and "no such file" in missing.output
    assert not (tmp_path / "none.db").exists()  # not made by asking
    unknown = runner.invoke(main, ["rfm", url, "--table", "nope"])
    assert unknown.exit_code == 1 and "reading the table nope failed" in unknown.output
    bad = runner.invoke(main, ["rfm", url, "--query", "SELEC 1"])
    assert bad.exit_code == 1 and "check the SQL of --query" in bad.output
    column = runner.invoke(main, ["rfm", url, "--table", "orders", "--amount-col", "total"])
    assert column.exit_code == 1 and "total" in column.output
    both = runner.invoke(main, ["rfm", url, "--table", "orders", "--query", "SELECT 1"])
    assert both.exit_code == 2


def test_a_table_too_big_for_memory_is_refused(sqlite_db):
    res = CliRunner().invoke(main, ["rfm", f"sqlite:///{sqlite_db}", "--table", "orders",
                                    "--memory-limit", "100K"])  # fmt: skip
    assert res.exit_code == 1
    assert "4,911 rows" in res.output and "more than the memory" in res.output


# -- PostgreSQL (a real server) ----------------------------------------------------------


@pytest.fixture(scope="module")
def pg():
    """A connection to the test server and a schema of this run's own, dropped after."""
    if not PG:
        pytest.skip("CUSTSEG_TEST_PG is unset (see .ci/postgres)")
    with pg_sample_schema(PG, "custseg_test") as found:
        yield found


def _password() -> str:
    return urlsplit(PG).password or "" if PG else ""


@needs_pg
@pytest.mark.parametrize("table", ["sample_text", "sample"])
def test_postgres_table_gives_what_the_csv_gives(pg, table, tmp_path):
    _, schema = pg
    from_db = custseg.run_rfm(PG, LoadOptions(table=f"{schema}.{table}"))
    from_csv = custseg.run_rfm(SAMPLE)
    assert from_db.frame.equals(from_csv.frame)
    assert _accounting(from_db.report) == _accounting(from_csv.report)
    assert from_db.report.format == "postgresql"
    assert _password() not in from_db.report.source
    out_db, out_csv = tmp_path / "db.csv", tmp_path / "csv.csv"
    runner = CliRunner()
    args = ["rfm", PG, "--table", f"{schema}.{table}", "-q", "-o", str(out_db)]
    assert runner.invoke(main, args).exit_code == 0
    assert runner.invoke(main, ["rfm", str(SAMPLE), "-q", "-o", str(out_csv)]).exit_code == 0
    assert out_db.read_bytes() == out_csv.read_bytes()


@needs_pg
def test_postgres_typed_columns_read_like_the_csv(pg, tmp_path):
    """timestamptz, timestamp and date columns, numeric amounts, text ids with spaces and
    leading zeros, a null amount and a NaN: the same customers, measures and reasons as
    the same values written in a CSV file."""
    conn, schema = pg
    rows = [
        (" 007", "A1", "2024-03-01 23:30:00+00", "2024-03-01 23:30:00", "2024-03-01", "12.50"),
        ("007 ", "A2", "2024-03-05 08:00:00+00", "2024-03-05 08:00:00", "2024-03-05", "7.25"),
        ("0042", "A3", "2024-02-10 12:00:00+00", "2024-02-10 12:00:00", "2024-02-10", "-3.10"),
        ("0042", "A4", "2024-01-10 12:00:00+00", "2024-01-10 12:00:00", "2024-01-10", "100.005"),
        ("9 9", "A5", "2024-03-02 00:00:00+00", "2024-03-02 00:00:00", "2024-03-02", None),
        ("9 9", "A6", "2024-03-03 00:00:00+00", "2024-03-03 00:00:00", "2024-03-03", "NaN"),
        ("", "A7", "2024-03-03 00:00:00+00", "2024-03-03 00:00:00", "2024-03-03", "1"),
    ]
    cur = conn.cursor()
    cur.execute(f"CREATE TABLE {schema}.typed (customer text, order_no text, "
                f"ts_tz timestamptz, ts timestamp, day date, amount numeric)")  # fmt: skip
    for row in rows:
        values = ", ".join("NULL" if v is None else f"'{v}'" for v in row)
        cur.execute(f"INSERT INTO {schema}.typed VALUES ({values})")
    conn.commit()
    text = "customer,order_no,ts_tz,ts,day,amount\n" + "".join(
        ",".join(f'"{v}"' if v else "" for v in r) + "\n" for r in rows
    )
    path = tmp_path / "typed.csv"
    path.write_text(text.replace("+00", "+00:00"), encoding="utf-8")
    for date in ("ts_tz", "ts", "day"):
        opts = LoadOptions(columns={"customer": "customer", "order": "order_no", "date": date})
        from_db = custseg.run_rfm(PG, LoadOptions(**{**opts.__dict__, "table": f"{schema}.typed"}))
        from_csv = custseg.run_rfm(path, opts)
        assert from_db.frame.equals(from_csv.frame), date
        assert _accounting(from_db.report) == _accounting(from_csv.report), date
    ids = from_db.frame["customer_id"].to_list()
    assert ids == ["007", "0042"]  # trimmed, leading zeros kept; "9 9" bought nothing valid
    assert from_db.frame["monetary"].to_list() == [19.75, 96.9]
    left_out = from_db.report.left_out
    assert (left_out["missing amount"], left_out["unparseable amount"]) == (1, 1)  # null, NaN
    assert left_out["missing customer"] == 1


@needs_pg
def test_postgres_query(pg):
    _, schema = pg
    query = (f"SELECT customer_id AS buyer, order_date AS paid_at, amount AS total "
             f"FROM {schema}.sample WHERE order_date < '2025-07-01';")  # fmt: skip
    opts = LoadOptions(query=query, columns={"customer": "buyer", "date": "paid_at",
                                             "amount": "total"})  # fmt: skip
    result = custseg.run_rfm(PG, opts)
    frame = pl.read_csv(SAMPLE, schema_overrides={"customer_id": pl.String})
    assert result.report.rows_read == frame.filter(pl.col("order_date") < "2025-07-01").height
    assert result.report.as_of <= dt.date(2025, 7, 1)


@needs_pg
def test_postgres_errors_name_the_problem(pg):
    _, schema = pg
    runner = CliRunner()
    unknown = runner.invoke(main, ["rfm", PG, "--table", f"{schema}.nope"])
    assert unknown.exit_code == 1
    assert f'relation "{schema}.nope" does not exist' in unknown.output
    column = runner.invoke(main, ["rfm", PG, "--table", f"{schema}.sample", "--date-col", "paid"])
    assert column.exit_code == 1 and "paid" in column.output
    bad = runner.invoke(main, ["rfm", PG, "--query", f"SELECT nope FROM {schema}.sample"])
    assert bad.exit_code == 1 and 'column "nope" does not exist' in bad.output
    assert "Traceback" not in unknown.output + column.output + bad.output


def _with_password(password: str | None, port: int | None = None) -> str:
    parts = urlsplit(PG)
    host = f"{parts.username}:{password}@{parts.hostname}:{port or parts.port or 5432}"
    return urlunsplit(parts._replace(netloc=host))


@needs_pg
def test_the_password_is_never_printed(pg, tmp_path):
    """Every command that reads orders, succeeding (summary, --json, the report, the
    export) and failing (wrong password, unknown table, bad SQL, unreachable host)."""
    _, schema = pg
    secret = _password()
    wrong = "Wr0ng-Pa55word"
    table = ["--table", f"{schema}.sample"]
    report = tmp_path / "report.html"
    runs = [
        ["rfm", PG, *table],
        ["rfm", PG, *table, "--json"],
        ["rfm", PG, *table, "-o", "-"],
        ["summary", PG, *table],
        ["repeat", PG, *table, "--json"],
        ["report", PG, *table, "-o", str(report)],
        ["predict", PG, *table, "--json"],
    ]
    fails = [
        ["rfm", _with_password(wrong), *table],
        ["summary", PG, "--table", "no_such_table"],
        ["repeat", PG, "--query", "SELEC nonsense"],
        ["predict", _with_password(secret, port=1), *table],
        ["report", _with_password(secret).replace("127.0.0.1", "no-such-host.invalid"), *table,
         "-o", str(tmp_path / "r2.html")],
    ]  # fmt: skip
    runner = CliRunner()
    for args in runs + fails:
        res = runner.invoke(main, args)
        assert res.exit_code == (0 if args in runs else 1), (args[0], res.output)
        assert secret not in res.output and wrong not in res.output, args[0]
        assert "Traceback" not in res.output
        if args in fails:
            assert res.output.startswith("Error: ") and res.output.count("\n") == 1, res.output
    assert "custseg:***@" in report.read_text(encoding="utf-8")
    assert secret not in report.read_text(encoding="utf-8")


def test_the_progress_bar_masks_the_password(monkeypatch):
    import sys

    from custseg.cli.progress import Progress

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    progress = Progress(False, "postgresql://ann:hunter2@db/shop")
    assert progress.bar is not None
    label = progress.bar.columns[-1].text_format
    assert "hunter2" not in label and "ann:***@db/shop" in label


def test_rejects_are_numbered_from_the_first_row(tmp_path):
    pytest.importorskip("adbc_driver_sqlite")
    path = tmp_path / "few.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE o (customer_id TEXT, order_date TEXT, amount REAL)")
        db.executemany("INSERT INTO o VALUES (?, ?, ?)",
                       [("a", "2024-01-01", 5.0), ("", "2024-01-02", 1.0),
                        ("b", "not a date", 2.0)])  # fmt: skip
    rejects = tmp_path / "rejects.csv"
    res = CliRunner().invoke(main, ["rfm", f"sqlite:///{path}", "--table", "o", "-q",
                                    "--rejects", str(rejects)])  # fmt: skip
    assert res.exit_code == 0, res.output
    left = pl.read_csv(rejects)
    assert left["line"].to_list() == [2, 3]
