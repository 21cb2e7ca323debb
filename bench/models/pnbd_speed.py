#!/usr/bin/env python3
"""Pareto/NBD fit times and parameter agreement (not part of the test suite).

    .venv/bin/python bench/models/pnbd_speed.py                 # CDNOW master, 1M simulated
    .venv/bin/python bench/models/pnbd_speed.py --rounds 1 --sizes 100000
    .venv/bin/python bench/models/pnbd_speed.py --reference     # + a reference fit (slow)
    CUSTSEG_SRC=/other/worktree/src .venv/bin/python bench/models/pnbd_speed.py  # another tree

Data:
- CDNOW master (../shared/data/real/cdnow/CDNOW_master.txt): the 23,570 customers at the
  calibration end 1997-09-30; x = distinct purchase days - 1, t_x and T in weeks.
- Simulated with ``simulate_pnbd`` at the published CDNOW parameters (r 0.553, alpha 10.578,
  s 0.606, beta 11.669), T uniform over 1..78 weeks: continuous times in weeks, and the same
  customers on a day grid (times in whole days: T rounded, t_x rounded up, x kept).

Each fit is timed in this process (the median of ``--rounds``, after one untimed fit that
pays for imports). With ``--reference``, the fit is checked against a reference point: one
Newton step from the fitted parameters on the value-only log-likelihood (no analytic
derivatives), with its gradient by 4th-order central differences.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, os.environ.get("CUSTSEG_SRC", str(ROOT / "src")))

from custseg.models import pnbd  # noqa: E402

CDNOW = ROOT.parent / "shared" / "data" / "real" / "cdnow" / "CDNOW_master.txt"
PUBLISHED = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}


def cdnow_master() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    import pandas as pd

    end = pd.Timestamp("1997-09-30")
    frame = pd.read_csv(CDNOW, sep=r"\s+", dtype={"customer_id": str, "date": str})
    frame["date"] = pd.to_datetime(frame["date"], format="%Y%m%d")
    days = frame[frame.date <= end].drop_duplicates(["customer_id", "date"]).groupby("customer_id")
    first, last = days.date.min(), days.date.max()
    x = (days.date.count() - 1).to_numpy(np.float64)
    return x, ((last - first).dt.days / 7).to_numpy(), ((end - first).dt.days / 7).to_numpy()


def simulated(n: int, day_grid: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from custseg.models import simulate_pnbd

    ages = np.random.default_rng(n).uniform(1.0, 78.0, n)
    frame = simulate_pnbd(n, PUBLISHED, ages, seed=1)
    x, t_x, T = (frame[c].to_numpy(np.float64) for c in ("repeat_orders", "t_first_last", "T"))
    if day_grid:
        T = np.round(T * 7)
        t_x = np.minimum(np.ceil(t_x * 7), T)
    return x, t_x, T


def timed_fit(arrays, rounds: int):
    pnbd.fit_arrays(*arrays)
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        model = pnbd.fit_arrays(*arrays)
        times.append(time.perf_counter() - start)
    return model, statistics.median(times), min(times)


def reference(model, arrays) -> dict:
    """One Newton step on the value-only log-likelihood: its gradient by 4th-order central
    differences in log-parameters (step 1e-3), its Hessian from the fit's objective."""
    from custseg.models.base import CountData
    from custseg.models.pnbd_fit import objective

    x, t_x, T = arrays

    def value(theta):
        params = dict(zip(pnbd.PARAMS, np.exp(theta), strict=True))
        return -float(np.sum(pnbd.log_likelihood(params, x, t_x, T))) / len(x)

    theta = np.log([model.params[k] for k in pnbd.PARAMS])
    h, grad = 1e-3, np.zeros(4)
    for i in range(4):
        e = np.eye(4)[i] * h
        grad[i] = (8 * (value(theta + e) - value(theta - e))
                   - (value(theta + 2 * e) - value(theta - 2 * e))) / (12 * h)  # fmt: skip
    hess = objective(theta, CountData.build(x, t_x, T, np.ones(len(x))))[2]
    ref = np.exp(theta - np.linalg.solve(hess, grad))
    return dict(zip(pnbd.PARAMS, ref.tolist(), strict=True))


def report(name: str, arrays, rounds: int, check: bool) -> None:
    model, median, best = timed_fit(arrays, rounds)
    shown = ", ".join(f"{k} {v:.6f}" for k, v in model.params.items())
    print(f"{name}: {len(arrays[0]):,} customers, fit {median:.3f} s (median of {rounds}; "
          f"best {best:.3f} s); {shown}; LL {model.log_likelihood:.4f}")  # fmt: skip
    if check:
        ref = reference(model, arrays)
        worst = max(abs(model.params[k] / ref[k] - 1) for k in ref)
        print(
            f"  reference {', '.join(f'{k} {v:.9g}' for k, v in ref.items())}; "
            f"max relative difference {worst:.1e}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sizes", default="1000000", help="simulated customers, comma-separated")
    parser.add_argument("--reference", action="store_true")
    args = parser.parse_args()
    if CDNOW.is_file():
        report("CDNOW master", cdnow_master(), args.rounds, args.reference)
    for n in (int(v) for v in args.sizes.split(",")):
        report("simulated, weeks", simulated(n, False), args.rounds, args.reference)
        report("simulated, days", simulated(n, True), args.rounds, args.reference)


if __name__ == "__main__":
    main()
