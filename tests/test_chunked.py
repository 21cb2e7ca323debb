"""Files bigger than memory are processed in customer partitions with the same results."""

import json
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from conftest import REAL, SAMPLE
from custseg.cli import main
from custseg.engines.budget import needs_chunks

QUIRKS = (
    "InvoiceNo,CustomerID,InvoiceDate,Sales,Status\n"
    "100,17850.0,2024-01-01 08:00,10,ok\n"
    "100,17850,2024-01-01 08:05,5,ok\n"  # a second line item of order 100
    "101,17850,2024-02-01,7,ok\n"
    "101,17850,2024-02-01,7,ok\n"  # an exact duplicate row
    "C102,17850,2024-02-02,-7,ok\n"  # a UCI cancellation
    "103,00042,2024-03-01,20,ok\n"
    "104,00042,2024-03-05,-5,ok\n"  # a return
    "105,,2024-03-06,9,ok\n"  # no customer
    "106,77,not a date,9,ok\n"
    "107,77,2024-03-07,nine,ok\n"
    "108,88,2024-03-08,-3,ok\n"  # returns only
    "109,99,2024-03-09,12,cancelled\n"
    "110,55,2024-03-10,30,ok\n"
    "111,56,2024-03-11,31,ok\n"
    "112,57,2024-03-12,32,ok\n"
)


def run(runner, path, tmp_path, *extra):
    out = tmp_path / f"out{len(extra)}.csv"
    res = runner.invoke(main, ["rfm", str(path), "-o", str(out), "--json", *extra])
    assert res.exit_code == 0, res.output
    frame = pl.read_csv(out, infer_schema=False).sort("customer_id")
    return frame, json.loads(res.stdout)


@pytest.mark.parametrize(
    ("name", "batch"),
    [("quirks", None), ("quirks", 120), ("quoted", None), ("sample", None), ("sample", 20_000)],
)
def test_chunked_equals_in_memory(write_csv, tmp_path, monkeypatch, name, batch):
    if batch:  # read the CSV in many small batches of lines
        monkeypatch.setattr("custseg.engines.partitioned.BATCH_BYTES", batch)
    quoted = QUIRKS.replace(",ok\n", ',"ok, paid"\n')  # quotes: one streaming pass instead
    path = {"quirks": write_csv(QUIRKS, "quirks.csv"), "quoted": write_csv(quoted, "q.csv"),
            "sample": SAMPLE}[name]  # fmt: skip
    runner = CliRunner()
    whole, whole_json = run(runner, path, tmp_path)
    limit = "64K" if name == "sample" else "2K"  # 28 and 4 partitions
    parts, parts_json = run(runner, path, tmp_path, "--chunked", "--memory-limit", limit)
    assert parts.equals(whole)
    for key in ("rows", "cut_points", "segments", "as_of", "customers"):
        assert parts_json[key] == whole_json[key], key
    left = sum(whole_json["rows"]["left_out"].values())
    assert whole_json["rows"]["rows_read"] == whole_json["rows"]["rows_used"] + left


def test_chunked_segment_filter_and_ids(write_csv, tmp_path):
    runner = CliRunner()
    ids = tmp_path / "ids.txt"
    res = runner.invoke(
        main,
        [
            "rfm",
            str(SAMPLE),
            "--chunked",
            "--memory-limit",
            "100K",
            "--segment",
            "new",
            "--ids-only",
            "-o",
            str(ids),
            "-q",
        ],
    )
    assert res.exit_code == 0, res.output
    whole = tmp_path / "whole.txt"
    runner.invoke(
        main, ["rfm", str(SAMPLE), "--segment", "new", "--ids-only", "-o", str(whole), "-q"]
    )
    assert sorted(ids.read_text().split()) == sorted(whole.read_text().split())


def test_automatic_when_the_file_would_not_fit(tmp_path):
    assert needs_chunks(SAMPLE, budget=10_000)
    assert not needs_chunks(SAMPLE, budget=10 << 30)
    res = CliRunner().invoke(
        main, ["rfm", str(SAMPLE), "--memory-limit", "100K", "--profile", "-q"]
    )
    assert res.exit_code == 0
    assert '"read"' in res.stderr


@pytest.mark.parametrize("suffix", ["csv", "json", "jsonl", "parquet"])
def test_chunked_files_are_byte_identical(write_csv, tmp_path, suffix):
    """Every output of a run in parts, --rejects included, is the in-memory run's, byte
    for byte (customers in the order of their first row in the file, not by part)."""
    path = write_csv(QUIRKS, "quirks.csv")
    runner = CliRunner()
    files = {}
    for mode, extra in (("whole", []), ("parts", ["--chunked", "--memory-limit", "2K"])):
        out, rejects = tmp_path / f"{mode}.{suffix}", tmp_path / f"{mode}-rejects.csv"
        res = runner.invoke(main, ["rfm", str(path), "-o", str(out), "--rejects", str(rejects),
                                   "--json", *extra])  # fmt: skip
        assert res.exit_code == 0, res.output
        files[mode] = (out.read_bytes(), rejects.read_bytes(), json.loads(res.stdout))
    assert files["parts"][:2] == files["whole"][:2]
    summary = files["whole"][2]
    assert files["parts"][2] == summary
    # the rejects by hand: the duplicate, C102, no customer, bad date, bad amount, 108's
    # return (returns only) and 109 (cancelled); 17850's and 00042's rows in file order
    reasons = pl.read_csv(files["whole"][1], infer_schema=False)
    assert reasons.select("line", "reason").rows() == [
        ("5", "duplicate row"), ("6", "cancelled"), ("9", "missing customer"),
        ("10", "unparseable date"), ("11", "unparseable amount"), ("12", "returns only"),
        ("13", "cancelled"),
    ]  # fmt: skip
    assert (summary["rows"]["orders"], summary["rows"]["returns"]) == (6, 1)


@pytest.mark.parametrize("packing", ["gz", "zip", "gb18030", "bom"])
def test_chunked_reads_compressed_and_other_encodings(tmp_path, packing):
    """Compressed files, and text in GB18030 or with a BOM, are copied to plain UTF-8 in
    the work folder (in blocks) and give the in-memory result."""
    import gzip
    import zipfile

    text = QUIRKS.replace("ok\n", "已付款\n").replace("cancelled\n", "交易关闭\n")
    path = tmp_path / f"orders.{packing}"
    if packing == "gz":
        path.write_bytes(gzip.compress(text.encode()))
        path = path.rename(tmp_path / "orders.csv.gz")
    elif packing == "zip":
        path = tmp_path / "orders.zip"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("orders.csv", text)
    else:
        path = tmp_path / "orders.csv"
        path.write_bytes(
            text.encode("gb18030") if packing == "gb18030" else b"\xef\xbb\xbf" + text.encode()
        )
    runner = CliRunner()
    outs = []
    for extra in ([], ["--chunked", "--memory-limit", "2K"]):
        out = tmp_path / f"out{len(extra)}.csv"
        res = runner.invoke(main, ["rfm", str(path), "-o", str(out), "--json", *extra])
        assert res.exit_code == 0, res.output
        outs.append((out.read_bytes(), json.loads(res.stdout)))
    assert outs[1] == outs[0]
    assert outs[0][1]["rows"]["left_out"]["cancelled"] == 2  # C102 and 交易关闭
    assert outs[0][1]["customers"] == 5


def test_chunked_refuses_whitespace_columns(tmp_path):
    path = tmp_path / "orders.txt"
    path.write_text(
        "customer   date        amount\nc1   2024-01-01   11.77\nc2   2024-01-12   12.00\n"
    )
    assert CliRunner().invoke(main, ["rfm", str(path)]).exit_code == 0  # read in memory
    res = CliRunner().invoke(main, ["rfm", str(path), "--chunked"])
    assert res.exit_code == 1 and "comma-, tab- or semicolon-separated" in res.output


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/data/real is absent")
def test_chunked_on_a_real_export(tmp_path):
    path = REAL / "cn_taobao_shop_2019h1" / "taobao_orders_2019h1.csv"
    runner = CliRunner()
    whole, whole_json = run(runner, path, tmp_path)
    parts, parts_json = run(runner, path, tmp_path, "--chunked", "--memory-limit", "4M")
    assert parts.equals(whole)
    assert parts_json["rows"]["left_out"] == {"cancelled": 1040, "duplicate row": 1}


PLATFORM_FILES = sorted((Path(__file__).parent / "fixtures" / "platforms").rglob("*.csv"))


@pytest.mark.parametrize("path", PLATFORM_FILES, ids=[f"{p.parent.name}/{p.name}" for p in
                                                      PLATFORM_FILES])  # fmt: skip
def test_platform_exports_in_parts_equal_in_memory(path, tmp_path, monkeypatch):
    """Every export-shaped file gives the same customers and the same row accounting in
    parts, read in batches of a few lines (so that an order's lines, a Shopify order's
    first line with the email and the lines without it, fall into different batches)."""
    from custseg.engines import partitioned

    monkeypatch.setattr(partitioned, "BATCH_BYTES", 700)
    runner = CliRunner()
    whole, whole_json = run(runner, path, tmp_path)
    parts, parts_json = run(runner, path, tmp_path, "--chunked", "--memory-limit", "1K")
    assert parts.equals(whole)
    assert parts_json["rows"] == whole_json["rows"]
