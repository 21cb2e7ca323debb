"""Scheduled jobs and shop-owner exports, through the command line."""

import io
import json
import os
import zipfile

import pandas as pd
import pytest
from click.testing import CliRunner

from conftest import SAMPLE
from custseg.cli import main
from custseg.io import writers as export

SHOP = (
    "买家昵称,付款日期,订单状态,实付金额\n"
    "00123,2024-01-05 10:00:00,交易成功,30\n"
    "00123,2024-02-05 10:00:00,交易成功,15\n"  # 2 orders, 45 yuan: a repeat buyer
    '=HYPERLINK("http://x"),2024-01-10 10:00:00,交易成功,25\n'
    '=HYPERLINK("http://x"),2024-03-10 10:00:00,交易成功,25\n'  # 2 orders, 50 yuan
    "+8613800000000,2024-01-11 10:00:00,交易成功,20\n"
    "+8613800000000,2024-01-12 10:00:00,交易成功,20\n"  # exactly 40: not enough
    "solo,2024-03-01 10:00:00,交易成功,999\n"  # one order
)


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def shop(write_csv):
    return write_csv(SHOP, "shop.csv")


def test_repeat_lists_and_json(runner, shop):
    res = runner.invoke(main, ["repeat", str(shop), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["repeat_buyers"] == 2 and data["customers"] == 4
    assert data["revenue_share"] == pytest.approx(95 / 1134)
    assert data["rule"] == {"min_orders": 2, "min_spend_exclusive": 40.0}
    res = runner.invoke(main, ["repeat", str(shop)])
    assert "2 repeat buyers: 50.0% of customers" in res.output


def test_ids_only_to_stdout_and_file(runner, shop, tmp_path):
    res = runner.invoke(main, ["repeat", str(shop), "--ids-only", "-o", "-"])
    assert res.exit_code == 0
    assert res.stdout.splitlines() == ['=HYPERLINK("http://x")', "00123"]
    ids = tmp_path / "ids.txt"
    res = runner.invoke(
        main, ["rfm", str(SAMPLE), "--segment", "new", "--ids-only", "-o", str(ids), "--quiet"]
    )
    assert res.exit_code == 0 and res.output == ""
    lines = ids.read_text().splitlines()
    assert lines and all(line.startswith("C") and "," not in line for line in lines)


def test_quiet_prints_nothing(runner, shop, tmp_path):
    res = runner.invoke(main, ["rfm", str(shop), "-q", "-o", str(tmp_path / "o.csv")])
    assert res.exit_code == 0 and res.output == ""
    res = runner.invoke(main, ["summary", str(shop), "-q"])
    assert res.exit_code == 0 and res.output == ""


def test_xlsx_keeps_ids_as_text_dates_as_dates_and_formulas_inert(runner, shop, tmp_path):
    out = tmp_path / "list.xlsx"
    res = runner.invoke(main, ["repeat", str(shop), "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    sheet = zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet  # no cell is a formula
    frame = pd.read_excel(out, engine="calamine", dtype={"customer_id": str})
    assert frame["customer_id"].tolist() == ['=HYPERLINK("http://x")', "00123"]
    assert str(frame["first_order"].dtype).startswith("datetime64")
    assert frame["orders"].tolist() == [2, 2]


def test_excel_safe_csv(runner, shop, tmp_path):
    plain, safe = tmp_path / "plain.csv", tmp_path / "safe.csv"
    runner.invoke(main, ["repeat", str(shop), "-o", str(plain), "-q"])
    runner.invoke(main, ["repeat", str(shop), "-o", str(safe), "--excel-safe", "-q"])
    assert pd.read_csv(plain, dtype=str)["customer_id"].tolist()[0] == '=HYPERLINK("http://x")'
    assert pd.read_csv(safe, dtype=str)["customer_id"].tolist() == [
        '\'=HYPERLINK("http://x")',
        "00123",
    ]


def test_summary_json(runner, shop):
    res = runner.invoke(main, ["summary", str(shop), "--json", "--churn-days", "60"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    everyone = data["measures"][0]
    assert everyone["group"] == "all" and everyone["customers"] == 4
    assert everyone["orders"] == 7 and everyone["revenue"] == pytest.approx(1134.0)
    assert data["churn_days"] == 60
    assert sum(everyone[s] for s in ("new", "active", "returning", "churned")) == 4


def test_summary_export_and_lifecycle_column(runner, tmp_path):
    out = tmp_path / "measures.csv"
    res = runner.invoke(main, ["summary", str(SAMPLE), "-o", str(out), "-q"])
    assert res.exit_code == 0
    frame = pd.read_csv(out)
    assert frame["group"].tolist()[0] == "all"
    customers = tmp_path / "c.csv"
    runner.invoke(main, ["rfm", str(SAMPLE), "-o", str(customers), "-q"])
    lifecycle = pd.read_csv(customers)["lifecycle"]
    assert set(lifecycle) <= {"new", "active", "returning", "churned"}
    assert frame.loc[0, ["new", "active", "returning", "churned"]].tolist() == [
        int((lifecycle == s).sum()) for s in ("new", "active", "returning", "churned")
    ]


def test_interrupted_write_leaves_no_file(tmp_path, monkeypatch):
    target = tmp_path / "out.csv"

    def crash(frame, path, fmt, *_args, **_kwargs):
        with open(path, "w") as fh:
            fh.write("customer_id,half")  # half a file, then the process dies
        raise KeyboardInterrupt

    monkeypatch.setattr(export, "_write", crash)
    frame = pd.DataFrame({"customer_id": ["a"]})
    with pytest.raises(KeyboardInterrupt):
        export.write_frame(frame, str(target), "csv")
    assert list(tmp_path.iterdir()) == []  # neither the target nor the temporary file


def test_existing_file_survives_a_failed_write(tmp_path, monkeypatch):
    target = tmp_path / "out.csv"
    target.write_text("yesterday's list\n")

    def fail(frame, path, fmt, *_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export, "_write", fail)
    with pytest.raises(export.OutputError, match="No space left"):
        export.write_frame(pd.DataFrame({"customer_id": ["a"]}), str(target), "csv")
    assert target.read_text() == "yesterday's list\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_progress_only_on_a_terminal_and_never_quiet(monkeypatch):
    from custseg.cli.options import Progress

    class Tty:
        def isatty(self):
            return True

        def write(self, text):
            return len(text)

        def flush(self):
            pass

    monkeypatch.setattr("sys.stderr", Tty())
    shown = Progress(quiet=False, source=str(SAMPLE))
    assert shown.bar is not None
    assert Progress(quiet=True, source=str(SAMPLE)).bar is None
    # the bar moves on by the phases' usual shares, and part by part within one
    done = lambda: shown.bar.tasks[0].completed  # noqa: E731
    shown.phase("aggregate")
    assert done() == 25 + 15
    shown.phase("clean 3/11")
    assert done() == pytest.approx(25 + 15 * 2 / 11)
    monkeypatch.setattr("sys.stderr", io.StringIO())  # not a terminal
    assert Progress(quiet=False, source=str(SAMPLE)).bar is None


def _console(*args, stdin=None):
    """The console script's code path (``custseg.cli.entry``) in a real process."""
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "custseg.cli", *args], capture_output=True,
                          text=True, input=stdin, check=False)  # fmt: skip


def test_console_script_exit_codes_and_complete_output(tmp_path):
    # the process leaves with os._exit: everything written must be flushed first
    out = _console("rfm", str(SAMPLE), "-o", "-", "-q")
    assert out.returncode == 0, out.stderr
    frame = pd.read_csv(io.StringIO(out.stdout))
    assert len(frame) == pd.read_csv(SAMPLE)["customer_id"].nunique()
    summary = _console("rfm", str(SAMPLE), "--json")
    assert json.loads(summary.stdout)["customers"] == len(frame)
    missing = _console("rfm", str(tmp_path / "nope.csv"))
    assert (missing.returncode, missing.stdout) == (1, "")
    assert missing.stderr.startswith("Error:") and "Traceback" not in missing.stderr
    usage = _console("rfm", "--no-such-flag")
    assert usage.returncode == 2 and "No such option" in usage.stderr
    written = _console("rfm", str(SAMPLE), "-o", str(tmp_path / "c.csv"), "-q")
    assert written.returncode == 0 and pd.read_csv(tmp_path / "c.csv").equals(frame)


@pytest.mark.parametrize(
    ("values", "plain"),
    [
        (["a", "b"], ()),  # nothing to quote: the writer is told so
        (["a", "b,c"], ()),
        (["a", 'say "hi"'], ()),
        (["a", "two\nlines"], ()),
        (["a", "cr\rhere"], ()),
        (["a", ""], ()),  # an empty text is written "" (a missing one as nothing)
        (["a", None], ()),
        (["a", "b,c"], ("other",)),  # vouching for another column changes nothing
    ],
)
def test_csv_quotes_only_what_needs_them(tmp_path, values, plain):
    import polars as pl

    frame = pl.DataFrame({"id": values, "n": [1.5, 2.0], "other": ["x", "y"]})
    path = tmp_path / "out.csv"
    export.write_frame(frame, str(path), "csv", plain_text=plain)
    # the same bytes as Polars' own writer, which looks at every value
    assert path.read_bytes() == frame.write_csv().encode()


def test_needs_quotes():
    assert [export.needs_quotes(t) for t in ["abc", "高价值", "a,b", 'a"', "a\n", "\r", ""]] == [
        False,
        False,
        True,
        True,
        True,
        True,
        True,
    ]


def test_rfm_export_quotes_ids_and_rule_texts_that_need_it(runner, tmp_path):
    import csv

    orders = tmp_path / "orders.csv"
    orders.write_text(
        "customer_id,order_date,amount\n"
        '"Smith, J",2024-01-05,30\n"Smith, J",2024-02-05,15\nplain,2024-03-01,99\n'
    )
    rules = tmp_path / "rules.toml"
    rules.write_text(
        'name = "mine"\nfallback = "rest"\n'
        '[segments.rest]\nlabel = "The rest, all of them"\naction = "say \\"hi\\""\n'
        '[segments.big]\nlabel = "Big"\n'
        '[[rules]]\nsegment = "big"\nm = ">=4"\n'
    )
    out = tmp_path / "out.csv"
    result = runner.invoke(
        main, ["rfm", str(orders), "--rules", str(rules), "--actions", "-o", str(out), "-q"]
    )
    assert result.exit_code == 0, result.output
    with open(out, newline="") as fh:
        rows = list(csv.DictReader(fh))
    got = {r["customer_id"]: (r["segment_label"], r["action"]) for r in rows}
    assert got == {"Smith, J": ("The rest, all of them", 'say "hi"'), "plain": ("Big", "")}
    text = out.read_text()
    assert '"Smith, J"' in text and '"say ""hi"""' in text and text.rstrip().endswith(',Big,""')


def test_errors_name_the_parameter_in_python_and_the_option_on_the_command_line(tmp_path):
    """rfm_table(bins=1) in a notebook names ``bins``; the command line names --bins."""
    import custseg
    from custseg.errors import CustsegError

    orders = custseg.load_orders(SAMPLE)
    with pytest.raises(CustsegError) as caught:
        custseg.rfm_table(orders, bins=1)
    assert str(caught.value) == "`bins`=1: need at least 2 score levels"
    res = CliRunner().invoke(main, ["rfm", str(SAMPLE), "--scoring", "edges"])
    assert res.exit_code == 1
    assert res.output == "Error: --scoring='edges' needs --r-edges, e.g. --r-edges=30,90,180,365\n"
    res = CliRunner().invoke(main, ["rfm", str(SAMPLE), "--date-col", "day"])
    assert res.exit_code == 1 and res.output.startswith("Error: --date-col 'day': no such column")


def test_parquet_bytes_do_not_depend_on_how_columns_are_chunked(tmp_path):
    """A frame gathered from parts (several chunks) and one made whole give the same file."""
    import polars as pl

    whole = pl.DataFrame({"id": [f"C{i:07d}" for i in range(300_000)], "n": range(300_000)})
    parts = pl.concat([whole[:1_000], whole[1_000:123_456], whole[123_456:]], rechunk=False)
    assert parts["id"].n_chunks() == 3 and whole["id"].n_chunks() == 1
    export.write_frame(whole, str(tmp_path / "a.parquet"), "parquet")
    export.write_frame(parts, str(tmp_path / "b.parquet"), "parquet")
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()
    assert pl.read_parquet(tmp_path / "a.parquet").equals(whole)


def test_a_device_as_output_is_written_to_not_replaced(tmp_path):
    """``-o /dev/null`` (a cron job discarding the list) must leave the device a device: the
    atomic rename would put a regular file in its place."""
    import stat

    from custseg.io.writers import atomic_path

    before = os.stat("/dev/null")
    res = CliRunner().invoke(main, ["rfm", str(SAMPLE), "-q", "-o", "/dev/null",
                                    "--format", "csv"])  # fmt: skip
    assert res.exit_code == 0, res.output
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
    with pytest.raises(Exception, match="is a folder"), atomic_path(str(tmp_path)):
        pass
