"""Issue 20, the output side: an output never replaces an input, every path is checked before
the first file is replaced, id lists read back whole, a full disk or a closed stdout is one
``Error:`` line, and temporary files are named so that the next run removes what a killed
one left."""

from __future__ import annotations

import csv
import errno
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from custseg.cli import main
from custseg.io import atomic
from custseg.io.writers import write_frame

ORDERS = (
    "customer_id,order_id,order_date,amount\n"
    "007,A1,2024-01-05,30.00\n"
    "张三,A3,2024-01-10,25\n"
    "c9,A5,2024-01-11,20\n"
    "c9,A6,2024-01-12,oops\n"  # left out: unparseable amount
)
YESTERDAY = b"yesterday's file\n"


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def orders(tmp_path) -> Path:
    path = tmp_path / "orders.csv"
    path.write_text(ORDERS, encoding="utf-8")
    return path


def yesterday(path: Path) -> tuple[bytes, int]:
    """``path`` written the day before: its bytes and mtime, to compare afterwards."""
    path.write_bytes(YESTERDAY)
    stamp = time.time_ns() - 86_400 * 10**9
    os.utime(path, ns=(stamp, stamp))
    return path.read_bytes(), path.stat().st_mtime_ns


def state(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


def one_error_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), text
    assert "Traceback" not in text
    return lines[0]


def console(*args: str, **kwargs) -> subprocess.CompletedProcess:
    """The console script (``entry``, as installed) in a subprocess."""
    code = "from custseg.cli import entry; entry()"
    kwargs.setdefault("stdout", subprocess.PIPE)
    return subprocess.run([sys.executable, "-c", code, *args], stderr=subprocess.PIPE, **kwargs)


# -- 6. output never destroys input ---------------------------------------------------------


@pytest.mark.parametrize("option", ["-o", "--rejects", "--thresholds"])
@pytest.mark.parametrize("link", ["same", "symlink", "hardlink"])
def test_an_output_naming_the_input_is_an_error_before_anything_is_written(
    runner, orders, tmp_path, option, link
):
    target = {"same": orders, "symlink": tmp_path / "sym.csv", "hardlink": tmp_path / "hard.csv"}
    if link == "symlink":
        target[link].symlink_to(orders)
    elif link == "hardlink":
        os.link(orders, target[link])
    before = state(orders)
    other = tmp_path / "other.json" if option != "--thresholds" else tmp_path / "other.csv"
    other_option = "--thresholds" if option != "--thresholds" else "-o"
    res = runner.invoke(
        main, ["rfm", str(orders), option, str(target[link]), other_option, str(other), "-q"]
    )
    assert res.exit_code == 1
    line = one_error_line(res.stderr)
    assert f"names the input file {orders}" in line and option in line
    assert state(orders) == before
    assert not other.exists()  # nothing written: the check comes before any work


def test_report_and_repeat_and_summary_check_their_outputs_too(runner, orders):
    for args in (["report", "-o", str(orders)], ["repeat", "-o", str(orders)],
                 ["summary", "--rejects", str(orders)]):  # fmt: skip
        res = runner.invoke(main, [args[0], str(orders), *args[1:], "-q"])
        assert res.exit_code == 1, args
        assert "names the input file" in one_error_line(res.stderr)
    assert orders.read_text(encoding="utf-8") == ORDERS


def test_an_output_naming_the_rules_file_is_an_error(runner, orders, tmp_path):
    rules = tmp_path / "mine.toml"
    rules.write_text('[[rules]]\nsegment = "all"\n', encoding="utf-8")
    res = runner.invoke(main, ["rfm", str(orders), "--rules", str(rules), "--rejects", str(rules)])
    assert res.exit_code == 1
    assert f"names the input file {rules}" in one_error_line(res.stderr)
    assert rules.read_text(encoding="utf-8") == '[[rules]]\nsegment = "all"\n'


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("missing/r.csv", "does not exist; create it first"),
        ("folder", "names a folder; name a file"),
        ("out.csv", "-o and --rejects name the same file"),
    ],
)
def test_every_output_is_checked_before_the_first_is_replaced(runner, orders, tmp_path, bad,
                                                              message):  # fmt: skip
    out = tmp_path / "out.csv"
    before = yesterday(out)
    (tmp_path / "folder").mkdir()
    res = runner.invoke(main, ["rfm", str(orders), "-o", str(out), "--rejects",
                               str(tmp_path / bad), "-q"])  # fmt: skip
    assert res.exit_code == 1
    assert message in one_error_line(res.stderr)
    assert state(out) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to any folder")
def test_a_folder_that_cannot_be_written_is_refused_first(runner, orders, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    out = tmp_path / "out.csv"
    before = yesterday(out)
    res = runner.invoke(main, ["rfm", str(orders), "-o", str(out),
                               "--thresholds", str(locked / "t.json")])  # fmt: skip
    assert res.exit_code == 1 and "is not writable" in one_error_line(res.stderr)
    assert state(out) == before


# -- 7. id lists ------------------------------------------------------------------------------

AWKWARD = ["a,b", "line\nbreak", '"quoted', "=cmd()", "+86 138", "-1x", "@sum", "plain", "cr\rid"]


@pytest.fixture
def awkward(tmp_path) -> Path:
    """Orders (Parquet, so that every id arrives as it is) of customers with awkward ids."""
    path = tmp_path / "awkward.parquet"
    n = len(AWKWARD)
    pl.DataFrame({"customer_id": AWKWARD, "order_id": [f"o{i}" for i in range(n)],
                  "order_date": ["2024-01-0" + str(1 + i % 9) for i in range(n)],
                  "amount": [10.0 + i for i in range(n)]}).write_parquet(path)  # fmt: skip
    return path


def test_ids_with_a_delimiter_or_a_line_break_read_back_as_one_id(runner, awkward, tmp_path):
    res = runner.invoke(main, ["rfm", str(awkward), "--ids-only"])
    assert res.exit_code == 0
    ids = [row[0] for row in csv.reader(io.StringIO(res.stdout, newline=""))]
    assert sorted(ids) == sorted(AWKWARD)
    # an id without a comma, a line break or a leading quote is written as it is
    assert "plain\n" in res.stdout and "=cmd()\n" in res.stdout
    assert '"a,b"\n' in res.stdout and '"""quoted"\n' in res.stdout


@pytest.mark.parametrize("suffix", [".parquet", ".jsonl", ".json", ".xlsx", ".txt"])
def test_ids_read_back_whole_in_every_format(runner, awkward, tmp_path, suffix):
    out = tmp_path / f"ids{suffix}"
    assert runner.invoke(main, ["rfm", str(awkward), "--ids-only", "-o", str(out)]).exit_code == 0
    if suffix == ".parquet":
        ids = pl.read_parquet(out)["customer_id"].to_list()
    elif suffix == ".jsonl":
        ids = pl.read_ndjson(out)["customer_id"].to_list()
    elif suffix == ".json":
        ids = pl.read_json(out)["customer_id"].to_list()
    elif suffix == ".xlsx":
        from python_calamine import CalamineWorkbook

        rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
        ids = [row[0] for row in rows[1:]]
    else:
        ids = [row[0] for row in csv.reader(out.open(newline="", encoding="utf-8"))]
    assert sorted(ids) == sorted(AWKWARD)


def test_ids_only_honours_excel_safe(runner, awkward):
    res = runner.invoke(main, ["rfm", str(awkward), "--ids-only", "--excel-safe"])
    ids = [row[0] for row in csv.reader(io.StringIO(res.stdout, newline=""))]
    assert sorted(ids) == sorted(
        ["a,b", "line\nbreak", '"quoted', "'=cmd()", "'+86 138", "'-1x", "'@sum", "plain",
         "cr\rid"]
    )  # fmt: skip


def test_rejects_honour_excel_safe(runner, tmp_path):
    orders = tmp_path / "o.csv"
    orders.write_text("customer_id,order_date,amount\nb,2024-01-02,=1+1\nc,2024-01-03,5\n")
    for flag, cell in (([], "=1+1"), (["--excel-safe"], "'=1+1")):
        rejects = tmp_path / "r.csv"
        res = runner.invoke(main, ["rfm", str(orders), "-q", "--rejects", str(rejects), *flag])
        assert res.exit_code == 0
        assert rejects.read_text().splitlines()[1] == f"2,unparseable amount,b,2024-01-02,{cell}"


# -- 8. a full disk, a closed or full stdout, memory limits, encodings ------------------------


def test_a_full_disk_while_writing_parquet_is_one_error_and_keeps_yesterdays_file(
    runner, orders, tmp_path, monkeypatch
):
    out = tmp_path / "out.parquet"
    before = yesterday(out)

    def full(self, file, **kwargs):
        Path(file).write_bytes(b"PAR1 half a file")
        raise pl.exceptions.ComputeError(
            "parquet: underlying IO error: No space left on device (os error 28)"
        )

    monkeypatch.setattr(pl.DataFrame, "write_parquet", full)
    res = runner.invoke(main, ["rfm", str(orders), "-o", str(out), "-q"])
    assert res.exit_code == 1
    assert one_error_line(res.stderr) == (
        f"Error: {out}: cannot write (parquet: underlying IO error: No space left on device "
        f"(os error 28))"
    )
    assert state(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["orders.csv", "out.parquet"]


FULL_XLSX = """
import errno, zipfile
calls = [0]
real = zipfile.ZipFile.write
def write(self, *args, **kwargs):
    calls[0] += 1
    if calls[0] == 3:
        raise OSError(errno.ENOSPC, "No space left on device")
    return real(self, *args, **kwargs)
zipfile.ZipFile.write = write
from custseg.cli import entry
entry()
"""


def test_a_full_disk_while_writing_xlsx_is_one_error_and_no_scratch_file(orders, tmp_path):
    out = tmp_path / "out.xlsx"
    before = yesterday(out)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    run = subprocess.run([sys.executable, "-c", FULL_XLSX, "rfm", str(orders), "-o", str(out),
                          "-q"], capture_output=True, text=True, env=env)  # fmt: skip
    assert run.returncode == 1
    assert one_error_line(run.stderr) == f"Error: {out}: cannot write (No space left on device)"
    assert state(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["orders.csv", "out.xlsx", "tmp"]
    assert list(scratch.iterdir()) == []


def test_no_spreadsheet_scratch_file_is_left_after_a_write(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    write_frame(pl.DataFrame({"id": ["a", "=b"], "n": [1, 2]}), str(tmp_path / "x.xlsx"), "xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tmp", "x.xlsx"]
    assert list((tmp_path / "tmp").iterdir()) == []


@pytest.mark.parametrize(
    "args",
    [["--ids-only"], [], ["--json", "-o", "{tmp}/c.csv"], ["-o", "-"]],
    ids=["ids", "summary", "json", "csv"],
)
def test_a_closed_stdout_is_one_error_line(orders, tmp_path, args):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    code = "from custseg.cli import entry; entry()"
    # the shell closes stdout (>&-) before Python starts: Python then sees None
    run = subprocess.run(["sh", "-c", 'exec "$@" >&-', "sh", sys.executable, "-c", code, "rfm",
                          str(orders), *args], stderr=subprocess.PIPE, text=True)  # fmt: skip
    assert run.returncode == 1
    assert one_error_line(run.stderr).startswith("Error: cannot write to stdout (it is closed)")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
@pytest.mark.parametrize("args", [["--ids-only"], [], ["--json"], ["-o", "-"]])
def test_a_full_stdout_is_one_error_line(orders, args):
    with open("/dev/full", "wb") as full:
        run = console("rfm", str(orders), *args, stdout=full)
    assert run.returncode == 1
    line = one_error_line(run.stderr.decode())
    assert line == "Error: cannot write to stdout (No space left on device)"


@pytest.mark.parametrize("size", ["nan", "inf", "0", "-5G", "1e400", "0.1"])
def test_memory_limit_must_be_a_size_above_zero(runner, orders, size):
    res = runner.invoke(main, ["rfm", str(orders), "--memory-limit", size])
    assert res.exit_code == 2
    assert f"Invalid value for '--memory-limit': '{size}' is not a size" in res.stderr


def test_a_terminal_that_cannot_show_chinese_gets_escapes(orders):
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    run = console("rfm", str(orders), "--lang", "zh", env=env)
    assert run.returncode == 0 and run.stderr.decode() == ""
    text = run.stdout.decode("ascii")
    assert "\\u6f5c\\u529b\\u5ba2\\u6237" in text  # 潜力客户, escaped
    run = console("rfm", str(orders), "--lang", "zh", "--json", env=env)
    import json

    assert run.returncode == 0
    assert "潜力客户" in {s["label"] for s in json.loads(run.stdout)["segments"].values()}


# -- 10. temporary files ------------------------------------------------------------------


def test_temporary_names_are_recognisable(tmp_path, monkeypatch):
    seen = []
    real = atomic.temp_name

    def spy(target):
        seen.append(real(target))
        return seen[-1]

    monkeypatch.setattr(atomic, "temp_name", spy)
    write_frame(pl.DataFrame({"a": [1]}), str(tmp_path / "out.csv"), "csv")
    assert len(seen) == 1
    assert seen[0].name.startswith(f".out.csv.custseg-tmp-{os.getpid()}-")
    assert atomic._TAIL.fullmatch(seen[0].name[len(".out.csv.custseg-tmp-") :])
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_the_next_run_removes_what_a_killed_run_left(runner, orders, tmp_path):
    out = tmp_path / "out.csv"
    dead, alive = dead_pid(), os.getpid()
    killed = tmp_path / f".out.csv.custseg-tmp-{dead}-0123abcd"
    killed.write_bytes(b"half")
    scratch = tmp_path / f".out.csv.custseg-tmp-{dead}-89abcdef.d"
    scratch.mkdir()
    (scratch / "tmpxyz").write_bytes(b"sheet rows")
    running = tmp_path / f".out.csv.custseg-tmp-{alive}-00000000"  # another run, writing now
    running.write_bytes(b"busy")
    old = tmp_path / f".out.csv.custseg-tmp-{alive}-11111111"  # a pid reused: too old
    old.write_bytes(b"old")
    stamp = time.time() - atomic.STALE_SECONDS - 60
    os.utime(old, (stamp, stamp))
    others = [tmp_path / f".other.csv.custseg-tmp-{dead}-0123abcd",  # another target
              tmp_path / f".out.csv.custseg-tmp-{dead}-notmine",  # not custseg's pattern
              tmp_path / ".out.csv.tmp"]  # fmt: skip
    for path in others:
        path.write_bytes(b"keep")
    assert runner.invoke(main, ["rfm", str(orders), "-o", str(out), "-q"]).exit_code == 0
    assert not killed.exists() and not scratch.exists() and not old.exists()
    assert running.exists() and all(p.exists() for p in others)


def test_a_failed_write_removes_its_own_temporary_file(tmp_path, monkeypatch):
    out = tmp_path / "out.csv"
    before = yesterday(out)

    def fail(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pl.LazyFrame, "sink_csv", fail)
    with pytest.raises(Exception, match=r"out.csv: cannot write \(No space left on device\)"):
        write_frame(pl.DataFrame({"a": ["x"]}), str(out), "csv")
    assert state(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]
