"""The same file gives the same result in memory and in parts: the facts of a file are
decided over all of it, never over a part or its first rows (issue 18's two cases)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from custseg.cli import main
from custseg.engines.run import run_rfm

PARTS = {"memory": [], "parts": ["--chunked", "--memory-limit", "200K"]}


def _run(path, tmp_path, mode: str) -> tuple[dict, bytes]:
    out = tmp_path / f"{mode}.csv"
    res = CliRunner().invoke(main, ["rfm", str(path), "-o", str(out), "--json", *PARTS[mode]])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout), out.read_bytes()


@pytest.fixture(scope="module")
def day_first_file(tmp_path_factory):
    """100,500 dates that read either way (day and month up to 12), then 2,000 whose day is
    above 12: the file is day first, which its first 100,000 rows cannot tell."""
    lines = ["customer,order,date,amount"]
    for i in range(100_500):
        day, month = i % 12 + 1, (i // 12) % 12 + 1
        lines.append(f"c{i % 997},{i},{day:02d}/{month:02d}/2024,10.00")
    for j in range(2_000):
        day, month = 13 + j % 15, j % 12 + 1  # days 13..27, the last 27/12/2024
        lines.append(f"c{j % 991},{100_500 + j},{day:02d}/{month:02d}/2024,20.00")
    path = tmp_path_factory.mktemp("dayfirst") / "dayfirst.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("mode", list(PARTS))
def test_day_first_decided_over_the_whole_file(day_first_file, tmp_path, mode):
    summary, _ = _run(day_first_file, tmp_path, mode)
    # the latest date read day first: 27 December (month first, 27/12 is no date at all)
    assert summary["as_of"] == "2024-12-28"
    assert summary["rows"]["rows_used"] == 102_500
    assert summary["rows"]["left_out"] == {}


def test_day_first_file_byte_identical_in_both_modes(day_first_file, tmp_path):
    whole, whole_out = _run(day_first_file, tmp_path, "memory")
    parts, parts_out = _run(day_first_file, tmp_path, "parts")
    assert parts_out == whole_out and parts == whole


def _uci_file(tmp_path):
    """40 customers with 3 orders each: customers 0-19 with plain invoice numbers,
    20-39 with ``C`` + number (UCI's cancellations), interleaved."""
    lines = ["InvoiceNo,CustomerID,InvoiceDate,Amount"]
    for k in range(3):
        for c in range(40):
            number = 500_000 + k * 100 + c
            invoice = f"C{number}" if c >= 20 else str(number)
            lines.append(f"{invoice},{10_000 + c},2024-0{k + 1}-15,{5 + c}")
    path = tmp_path / "uci.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("mode", list(PARTS))
def test_uci_cancellations_decided_over_the_whole_file(tmp_path, mode):
    path = _uci_file(tmp_path)
    out = tmp_path / f"{mode}.csv"
    extra = ["--chunked", "--memory-limit", "2K"] if mode == "parts" else []
    res = CliRunner().invoke(main, ["rfm", str(path), "-o", str(out), "--json", *extra])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["rows"]["left_out"] == {"cancelled": 60}
    assert summary["customers"] == 20
    ids = out.read_text().splitlines()[1:]
    assert [line.split(",")[0] for line in ids] == [str(10_000 + c) for c in range(20)]


def test_api_run_rfm_same_result_in_parts(tmp_path):
    path = _uci_file(tmp_path)
    whole = run_rfm(path, chunked=False)
    parts = run_rfm(path, chunked=True, memory_limit=2048)
    assert parts.parts > 1 and whole.parts == 1
    assert parts.frame.equals(whole.frame)
    assert parts.cuts == whole.cuts
    assert parts.report.to_dict() == whole.report.to_dict()
    assert whole.report.as_of == dt.date(2024, 3, 16)
