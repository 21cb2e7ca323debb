#!/usr/bin/env python3
"""Byte-compare everything custseg writes, between a BASE build and a NEW build.

    .venv/bin/python scripts/compare_outputs.py [--quick] [--only NAME] [--base EXE] [--new EXE]

Every input (data/sample_orders.csv, the real datasets in ../shared/data/real, the bench files
bench/data/orders_{1M,10M}.csv and orders_10M.parquet, generated when missing) runs through the
same matrix of commands with both executables, each run in a fresh temporary folder with
relative output names. Compared: exit code, stdout, stderr, the names of the files written and
each file's bytes (.xlsx: the zip members but docProps/core.xml, which holds the creation time;
.parquet that differs: also whether the Polars frames are equal). A chunked run of NEW must equal
BASE's in-memory run, byte for byte (the results never depend on how the work was split; with
an 'order-only' verdict when they differ, the files' lines or rows sorted); BASE's chunked run
(customers ordered by partition, no --rejects) is compared as INFO only.

BASE, as it was before the redesign (a non-editable install, so edits here never leak in):
    git worktree add /tmp/custseg-base c7ca53b
    python3 -m venv /tmp/custseg-base/.venv
    /tmp/custseg-base/.venv/bin/pip install -q /tmp/custseg-base

Prints one SAME/DIFF line per (input, case), then the counts; exits 0 only when all are SAME.
Standard library only, plus Polars (imported lazily) for the Parquet frame checks: run it with
the project's .venv/bin/python.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT.parent / "shared" / "data" / "real"
SHARED_BENCH = ROOT.parent / "shared" / "bench"
BENCH = {"orders_1M.csv": 1_000_000, "orders_10M.csv": 10_000_000, "orders_10M.parquet": 10_000_000}
INPUTS = (
    [ROOT / "data" / "sample_orders.csv"]
    + [
        REAL / p
        for p in (
            "cdnow/CDNOW_master.txt",
            "cdnow/CDNOW_sample.txt",
            "cn_mingrisoft_tmall_2018_2019/orders_all.csv",
            "cn_mingrisoft_tmall_2018_2019/orders_all.xlsx",
            "cn_taobao_shop_2019h1/taobao_orders_2019h1.csv",
            "cn_taobao_shop_2019h1/taobao_orders_2019h1_gb18030.csv",
            "cn_taobao_shop_2019h1/taobao_orders_2019h1.xlsx",
            "r_rfm_sample/rfm_data_orders.csv",
            "uci_online_retail/online_retail.csv.gz",
        )
    ]
    + [ROOT / "bench" / "data" / name for name in BENCH]
)
TIMEOUT = 300
ENV = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES", "LANGUAGE")}
ENV.update(NO_COLOR="1", COLUMNS="120", LANG="C.UTF-8")

# (case name, command, arguments, files to compare); the chunked cases are added per input
CASES = [
    ("csv+json", "rfm", ["-o", "out.csv", "--json"], ["out.csv"]),
    ("parquet", "rfm", ["-o", "out.parquet", "-q"], ["out.parquet"]),
    ("jsonl", "rfm", ["-o", "out.jsonl", "-q"], ["out.jsonl"]),
    ("json", "rfm", ["-o", "out.json", "-q"], ["out.json"]),
    ("xlsx", "rfm", ["-o", "out.xlsx", "-q"], ["out.xlsx"]),
    ("plain", "rfm", [], []),
    ("rejects", "rfm", ["--rejects", "rej.csv", "-q", "-o", "out.csv"], ["rej.csv", "out.csv"]),
    ("actions-zh", "rfm", ["--actions", "--lang", "zh", "-o", "out.csv", "--json"], ["out.csv"]),
    (
        "cn8-actions-zh",
        "rfm",
        ["--scheme", "cn8", "--actions", "--lang", "zh", "-o", "out.csv", "--json"],
        ["out.csv"],
    ),
    ("excel-safe", "rfm", ["--excel-safe", "-o", "out.csv", "-q"], ["out.csv"]),
    ("repeat", "repeat", ["-o", "rep.csv", "--json"], ["rep.csv"]),
    ("summary", "summary", ["--json"], []),
]
# chunked case -> the in-memory case it must equal, and the files to compare
CHUNKED_VS = {
    "chunked-csv": ("csv+json", ["out.csv"]),
    "chunked-parquet": ("parquet", ["out.parquet"]),
    "chunked-rejects": ("rejects", ["rej.csv", "out.csv"]),
}


class Run:
    """One custseg run in its own folder: exit code, stdout, stderr, the files it wrote."""

    def __init__(self, exe: str, command: str, file: Path, args: list[str], parent: Path):
        self.dir = Path(tempfile.mkdtemp(prefix="run-", dir=parent))
        try:
            p = subprocess.run(
                [exe, command, str(file), *args],
                cwd=self.dir,
                env=ENV,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=TIMEOUT,
            )
            self.rc, self.stdout, self.stderr = str(p.returncode), p.stdout, p.stderr
        except subprocess.TimeoutExpired as e:
            self.rc, self.stdout, self.stderr = (
                f"timeout {TIMEOUT}s",
                e.stdout or b"",
                e.stderr or b"",
            )
        self.files = sorted(f.name for f in self.dir.iterdir())


def first_diff(a: bytes, b: bytes) -> str:
    """Where two byte strings part: the first differing line of each side (or byte, if binary)."""
    if b"\0" in a[:4096] + b[:4096]:
        i = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), len(a))
        return f"byte {min(i, len(b))} ({len(a)} vs {len(b)} bytes)"
    la, lb = a.splitlines(), b.splitlines()
    i = next((i for i, (x, y) in enumerate(zip(la, lb, strict=False)) if x != y), len(la))
    i = min(i, len(lb))

    def show(lines: list[bytes]) -> str:
        return repr(lines[i].decode("utf-8", "replace")[:90]) if i < len(lines) else "<end>"

    return f"line {i + 1}: {show(la)} vs {show(lb)}"


def xlsx_members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


def frames_equal(a: Path, b: Path, any_order: bool = False) -> str:
    try:
        import polars as pl
    except ImportError:
        return "frames: polars not importable (run with .venv/bin/python)"
    fa, fb = pl.read_parquet(a), pl.read_parquet(b)
    if any_order and fa.columns == fb.columns:
        fa, fb = fa.sort(fa.columns), fb.sort(fb.columns)
    return "polars frames equal" if fa.equals(fb) else "polars frames differ"


def compare_file(a: Path, b: Path) -> str | None:
    """None when the same, else what differs."""
    if a.suffix == ".xlsx":
        ma, mb = xlsx_members(a), xlsx_members(b)
        if ma.keys() != mb.keys():
            return f"members {sorted(ma.keys() ^ mb.keys())}"
        bad = [n for n in ma if ma[n] != mb[n]]
        return f"member {bad[0]} {first_diff(ma[bad[0]], mb[bad[0]])}" if bad else None
    da, db = a.read_bytes(), b.read_bytes()
    if da == db:
        return None
    if a.suffix == ".parquet":
        return f"{first_diff(da, db)}; {frames_equal(a, b)}"
    return first_diff(da, db)


def compare(a: Run, b: Run, files: list[str]) -> list[str]:
    out = []
    if a.rc != b.rc:
        out.append(f"exit {a.rc} vs {b.rc}")
    for name in ("stdout", "stderr"):
        if getattr(a, name) != getattr(b, name):
            out.append(f"{name} {first_diff(getattr(a, name), getattr(b, name))}")
    if a.files != b.files:
        out.append(f"files written {a.files} vs {b.files}")
    for f in files:
        if f in a.files and f in b.files and (d := compare_file(a.dir / f, b.dir / f)):
            out.append(f"{f} {d}")
    return out


def order_only(chunked: Run, mem: Run, f: str) -> str:
    """Whether two differing outputs hold the same rows in another order."""
    a, b = chunked.dir / f, mem.dir / f
    if f.endswith(".parquet"):
        same = frames_equal(a, b, any_order=True) == "polars frames equal"
    else:
        la, lb = a.read_bytes().splitlines(), b.read_bytes().splitlines()
        same = la[:1] == lb[:1] and sorted(la[1:]) == sorted(lb[1:])
    return "order-only (same rows once sorted)" if same else "NOT order-only (differ once sorted)"


def chunk_vs_mem(chunked: Run, mem: Run, files: list[str]) -> str | None:
    """None when chunked equals in-memory, else the difference with the order-only verdict."""
    diffs = compare(chunked, mem, files)
    if not diffs:
        return None
    for f in files:
        a, b = chunked.dir / f, mem.dir / f
        if chunked.rc == mem.rc == "0" and a.exists() and b.exists() and compare_file(a, b):
            return f"{order_only(chunked, mem, f)}; " + "; ".join(diffs)
    return "; ".join(diffs)


def ensure_bench(path: Path) -> None:
    if path.exists():
        return
    python = SHARED_BENCH / ".venv" / "bin" / "python"
    if not python.exists():
        subprocess.run(["bash", str(SHARED_BENCH / "setup_venvs.sh")], check=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    print(f"note: generating {path.relative_to(ROOT)}")
    gen, rows = SHARED_BENCH / "gen_orders.py", str(BENCH[path.name])
    cmd = [str(python), str(gen), "--rows", rows, "--seed", "1", str(path)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def compare_input(file: Path, opts: argparse.Namespace, tally: list[int]) -> None:
    """Run every case on one input with both builds and print the verdicts; tally = [same, diff]."""
    big, name = "10M" in file.name, file.name
    cases = [c for c in CASES if not (big and c[0] == "xlsx")]
    if file.suffix in (".csv", ".parquet"):
        chunk = ["--chunked", "--memory-limit", "300M" if big else "64K"]
        cases += [
            ("chunked-csv", "rfm", [*chunk, "-o", "out.csv", "--json"], ["out.csv"]),
            ("chunked-parquet", "rfm", [*chunk, "-o", "out.parquet", "-q"], ["out.parquet"]),
            (
                "chunked-rejects",
                "rfm",
                [*chunk, "--rejects", "rej.csv", "-q", "-o", "out.csv"],
                ["rej.csv", "out.csv"],
            ),
        ]
    tmp = Path(tempfile.mkdtemp(prefix="custseg-compare-"))
    try:
        runs: dict[tuple[str, str], Run] = {}
        for case, command, args, files in cases:
            n = runs["new", case] = Run(opts.new, command, file, args, tmp)
            if case.startswith("chunked-"):
                mem, fs = CHUNKED_VS[case]
                d = chunk_vs_mem(n, runs["base", mem], fs)
                checks = [(f"{case} vs in-memory (BASE)", [d] if d else [])]
                b = Run(opts.base, command, file, args, tmp)
                d = "; ".join(compare(b, n, files))
                print(f"INFO  {name}  {case}: BASE's chunked run vs NEW's: {d or 'same'}")
            else:
                b = runs["base", case] = Run(opts.base, command, file, args, tmp)
                checks = [(case, compare(b, n, files))]
            for label, diffs in checks:
                tally[bool(diffs)] += 1
                verdict = "DIFF" if diffs else "SAME"
                print(f"{verdict}  {name}  {label}" + (": " + "; ".join(diffs) if diffs else ""))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", default="/tmp/custseg-base/.venv/bin/custseg")
    ap.add_argument("--new", default=str(ROOT / ".venv" / "bin" / "custseg"))
    ap.add_argument("--quick", action="store_true", help="skip the 10M-row bench files")
    ap.add_argument("--only", metavar="NAME", help="only inputs whose path contains NAME")
    opts = ap.parse_args()
    for exe in (opts.base, opts.new):
        if not os.access(exe, os.X_OK):
            sys.exit(f"not an executable: {exe}")
    tally = [0, 0]
    start = time.monotonic()
    for file in INPUTS:
        if (opts.only and opts.only not in str(file)) or (opts.quick and "10M" in file.name):
            continue
        if file.name in BENCH:
            ensure_bench(file)
        if not file.exists():
            print(f"note: skipped {file} (absent)")
            continue
        t0 = time.monotonic()
        compare_input(file, opts, tally)
        print(f"note: {file.name} took {time.monotonic() - t0:.0f} s")
    print(f"{tally[0]} same, {tally[1]} different ({time.monotonic() - start:.0f} s)")
    if not tally[1]:
        print("ALL SAME")
    return 1 if tally[1] else 0


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)
    sys.exit(main())
