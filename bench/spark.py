"""The Spark engine beside the default engine: ``custseg rfm FILE.parquet -o OUT`` as whole
processes (the JVM's start included), on the bench files, and the Spark engine's scaling
from ``local[1]`` to ``local[2]`` (the only scale-out one machine of 2 cores allows).

    .venv/bin/python bench/spark.py                    # 1M and 10M, one round each
    SIZES=1M RUNS=3 .venv/bin/python bench/spark.py

Parquet is the fair input for Spark (a CSV is parsed again on every read): the CSV bench
files are written once as Parquet beside them (bench/data, out of git). Not part of the
tests. Prints one line per run and the ratios.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent
DATA = Path(os.environ.get("BENCH_DATA", "/work/main/bench/data"))
CUSTSEG = str(HERE.parent / ".venv" / "bin" / "custseg")
ENGINES = {
    "polars": [],
    "spark local[1]": ["--engine", "spark", "--spark-master", "local[1]"],
    "spark local[2]": ["--engine", "spark", "--spark-master", "local[2]"],
}


def parquet_of(size: str) -> Path:
    """The bench file of ``size`` as Parquet (written once from the CSV if needed)."""
    found = DATA / f"orders_{size}.parquet"
    if found.exists():
        return found
    out = HERE / "data" / f"orders_{size}.parquet"
    if not out.exists():
        out.parent.mkdir(exist_ok=True)
        pl.read_csv(DATA / f"orders_{size}.csv", try_parse_dates=True).write_parquet(out)
    return out


def run(source: Path, args: list[str]) -> float:
    """Seconds of one whole ``custseg rfm`` process writing its Parquet output."""
    out = Path(tempfile.mkdtemp()) / "customers.parquet"
    clock = time.perf_counter()
    subprocess.run([CUSTSEG, "rfm", str(source), "-o", str(out), "-q", *args], check=True,
                   stderr=subprocess.DEVNULL)  # fmt: skip
    seconds = time.perf_counter() - clock
    shutil.rmtree(out.parent)
    return seconds


def main() -> None:
    sizes = os.environ.get("SIZES", "1M,10M").split(",")
    runs = int(os.environ.get("RUNS", "1"))
    for size in sizes:
        source = parquet_of(size)
        best = {}
        for name, args in ENGINES.items():
            best[name] = min(run(source, args) for _ in range(runs))
            print(f"{size:>4} {name:<15} {best[name]:7.1f} s", flush=True)
        base = best["polars"]
        one, two = best["spark local[1]"], best["spark local[2]"]
        print(f"{size:>4} spark local[2] / polars: {two / base:.1f}x the time; "
              f"local[1] -> local[2]: {one / two:.2f}x faster", flush=True)  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
