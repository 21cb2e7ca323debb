#!/usr/bin/env python3
"""Model benchmark of issue 21: custseg's BG/NBD + Gamma-Gamma against lifetimes and
pymc-marketing, each job a separate whole process, side by side in one run.

    bash bench/models/run.sh                # = .venv-lifetimes/bin/python run.py
    bash bench/models/run.sh --runs 1 --datasets 100k --methods lifetimes,pymc_marketing

Datasets (made once by gen_summaries.py, kept in data/): per-customer summaries of 100k and
1M customers simulated from the BG/NBD and Gamma-Gamma with the published CDNOW parameters
(time unit: weeks; T uniform over 1..78 weeks). Each (method, dataset) job runs
`PYTHON worker.py METHOD DATASET OUT.json` under /usr/bin/time -v (the timer of
shared/bench/bench.py): wall seconds and peak RSS of the whole process, and from the worker
the seconds of each phase inside it (import, read, fits, predictions), so import and compile
costs show apart from the fits. Rounds are interleaved (round 1 of every job, then round 2,
...); the tables give medians.

Interpreters: custseg runs with $CUSTSEG_PYTHON (default: the worktree's .venv) and
$CUSTSEG_SRC prepended to PYTHONPATH when set (e.g. another worktree's src); lifetimes and
pymc-marketing with .venv-lifetimes and .venv-pymc beside this file (setup_peers.sh). A
method whose environment cannot import it is reported as not available and skipped.

Checks (the issue's targets): custseg's whole-process time and fit time as a ratio of the
faster peer's (target <= 0.2), and the max relative difference of each parameter between
custseg and each peer (target <= 1e-4). Since the peers' optimisers stop at their own
tolerances, the log-likelihood of every method's parameters is also evaluated here with one
formula (the papers'), to show which parameters are nearer the maximum.

Results: results/<tag>/runs.jsonl (every run), summary.json, summary.md (printed too).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SHARED_BENCH = Path(os.environ.get("SHARED_BENCH", ROOT.parent / "shared" / "bench"))
DATASETS = {"100k": (100_000, 1), "1M": (1_000_000, 2)}  # name: (customers, seed)
METHODS = ["custseg", "lifetimes", "pymc_marketing"]
PEERS = ["lifetimes", "pymc_marketing"]
BG_KEYS = ("r", "alpha", "a", "b")
GG_KEYS = ("p", "q", "gamma")
TARGET_RATIO, TARGET_REL = 0.2, 1e-4


def load_timer():
    """run_once(cmd, timeout, time_file) from shared/bench/bench.py: /usr/bin/time -v."""
    spec = importlib.util.spec_from_file_location("shared_bench", SHARED_BENCH / "bench.py")
    if spec is None or spec.loader is None:
        sys.exit(f"cannot load the timer {SHARED_BENCH / 'bench.py'} (set SHARED_BENCH)")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.run_once


def interpreter(method: str) -> tuple[str, dict[str, str]]:
    env = dict(os.environ)
    if method == "custseg":
        py = os.environ.get("CUSTSEG_PYTHON", str(ROOT / ".venv" / "bin" / "python"))
        if os.environ.get("CUSTSEG_SRC"):
            env["PYTHONPATH"] = os.pathsep.join(
                p for p in (os.environ["CUSTSEG_SRC"], env.get("PYTHONPATH")) if p
            )
        return py, env
    venv = {"lifetimes": ".venv-lifetimes", "pymc_marketing": ".venv-pymc"}[method]
    return str(HERE / venv / "bin" / "python"), env


def available(method: str) -> str | None:
    """None if the method's interpreter imports it, else the reason."""
    py, env = interpreter(method)
    if not Path(py).exists():
        return f"no interpreter {py}"
    mod = {
        "custseg": "custseg.models",
        "lifetimes": "lifetimes",
        "pymc_marketing": "pymc_marketing.clv",
    }[method]
    check = f"import {mod}" + (
        "; custseg.models.BetaGeo; custseg.models.GammaGamma" if method == "custseg" else ""
    )
    p = subprocess.run([py, "-c", check], env=env, capture_output=True, text=True)
    if p.returncode != 0:
        return (p.stderr.strip().splitlines() or ["import failed"])[-1]
    return None


def ensure_data(name: str) -> Path:
    n, seed = DATASETS[name]
    path = HERE / "data" / f"bgnbd_{name}.parquet"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                str(HERE / "gen_summaries.py"),
                "--customers",
                str(n),
                "--seed",
                str(seed),
                str(path),
            ],
            check=True,
        )
    return path


# ----------------------------------------------------------------- log-likelihoods
def bgnbd_nll(x, t_x, T):
    """The BG/NBD log-likelihood of Fader, Hardie & Lee (2005), eq. (6), summed over the
    customers, as f(log params) = -LL / n (terms in x alone grouped by distinct x)."""
    from scipy.special import gammaln

    ux, cnt = np.unique(x, return_counts=True)
    rep = x > 0
    xr, txr, n = x[rep], t_x[rep], len(x)

    def f(lp):
        r, alpha, a, b = np.exp(lp)
        g = cnt @ (
            gammaln(r + ux)
            - gammaln(r)
            + r * np.log(alpha)
            + gammaln(a + b)
            + gammaln(b + ux)
            - gammaln(b)
            - gammaln(a + b + ux)
        )
        a3 = -(r + x) * np.log(alpha + T)
        a4 = np.full(n, -np.inf)
        a4[rep] = np.log(a) - np.log(b + xr - 1) - (r + xr) * np.log(alpha + txr)
        return -(g + np.logaddexp(a3, a4).sum()) / n

    return f


def gamma_gamma_nll(x, z):
    """The Gamma-Gamma log-likelihood of the mean spend z of x >= 1 repeat transactions,
    as f(log params) = -LL / n."""
    from scipy.special import gammaln

    lx, lz, n = np.log(x), np.log(z), len(x)

    def f(lp):
        p, q, g = np.exp(lp)
        px = p * x
        return (
            -np.sum(
                gammaln(px + q)
                - gammaln(px)
                - gammaln(q)
                + q * np.log(g)
                + px * lx
                + (px - 1) * lz
                - (px + q) * np.log(g + x * z)
            )
            / n
        )

    return f


def reference_mle(f, starts: list[np.ndarray], steps: int = 30) -> np.ndarray:
    """Polish the best of the given parameter vectors to the maximum of the likelihood:
    damped Newton steps on the log parameters, with central-difference gradient and
    Hessian, until a step moves every log parameter by less than 1e-10 (the figure each
    library's own optimiser approaches up to its stopping rule)."""
    theta = min((np.log(s) for s in starts), key=f)
    k = len(theta)
    hg, hh = 1e-5, 1e-4
    eye = np.eye(k)
    for _ in range(steps):
        f0 = f(theta)
        g = np.array([(f(theta + hg * e) - f(theta - hg * e)) / (2 * hg) for e in eye])
        H = np.empty((k, k))
        for i in range(k):
            for j in range(i, k):
                ei, ej = hh * eye[i], hh * eye[j]
                H[i, j] = H[j, i] = (
                    f(theta + ei + ej)
                    - f(theta + ei - ej)
                    - f(theta - ei + ej)
                    + f(theta - ei - ej)
                ) / (4 * hh * hh)
        step = -np.linalg.solve(H, g)
        while np.max(np.abs(step)) > 1e-12 and not f(theta + step) <= f0:
            step /= 2
        if not f(theta + step) <= f0:
            break
        theta = theta + step
        if np.max(np.abs(step)) < 1e-10:
            break
    return np.exp(theta)


# ----------------------------------------------------------------- summary
def rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-300)


def summarize(runs: list[dict]) -> dict:
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in runs:
        groups.setdefault((r["method"], r["dataset"]), []).append(r)
    out = {}
    for (m, d), rs in groups.items():
        ok = [r for r in rs if r["status"] == "ok" and "worker" in r]
        e: dict = {"method": m, "dataset": d, "runs": len(rs), "ok": len(ok)}
        if ok:
            w = ok[-1]["worker"]
            e.update(
                wall_s=statistics.median(r["wall_s"] for r in ok),
                maxrss_mib=statistics.median(r["maxrss_kb"] for r in ok) / 1024,
                cpu_s=statistics.median(r["user_s"] + r["sys_s"] for r in ok),
                wall_all=[round(r["wall_s"], 2) for r in ok],
                phases={
                    k: statistics.median(r["worker"]["phases"][k] for r in ok) for k in w["phases"]
                },
                fit_s=statistics.median(r["worker"]["fit_s"] for r in ok),
                compute_s=statistics.median(r["worker"]["compute_s"] for r in ok),
                version=w["version"],
                python=w["python"],
                bg_params=w["bg_params"],
                gg_params=w["gg_params"],
                bg_log_likelihood=w.get("bg_log_likelihood"),
                totals=w["totals"],
                sample=w["sample"],
            )
        else:
            bad = [r for r in rs if r["status"] != "ok"]
            e["error"] = (bad[-1].get("stderr_tail", bad[-1]["status"]) if bad else "?")[-600:]
            e["status"] = bad[-1]["status"] if bad else "error"
        out[f"{m}|{d}"] = e
    return out


def fmt_s(x: float) -> str:
    return f"{x:.2f}" if x < 100 else f"{x:.0f}"


def render(
    summary: dict,
    methods: list[str],
    datasets: list[str],
    data_paths: dict,
    skipped: dict[str, str],
    reference: bool = True,
) -> str:
    L = [
        "whole process: median wall s / peak RSS MiB (/usr/bin/time -v); inside the process: "
        "fit = BG/NBD fit + Gamma-Gamma fit (then each apart), compute = fits + predictions, "
        "import = the library's import",
        "",
    ]
    L.append(
        "| method | dataset | whole process | fit | BG/NBD fit | GG fit | compute | import "
        "| runs (wall s) |"
    )
    L.append("|---|---|---|---|---|---|---|---|---|")
    for d in datasets:
        for m in methods:
            e = summary.get(f"{m}|{d}")
            if m in skipped:
                L.append(f"| {m} | {d} | not available: {skipped[m][:80]} | | | | | | |")
            elif e is None:
                L.append(f"| {m} | {d} | not run | | | | | | |")
            elif "wall_s" in e:
                ph = e["phases"]
                L.append(
                    f"| {m} | {d} | {fmt_s(e['wall_s'])} s / {e['maxrss_mib']:.0f} MiB | "
                    f"{fmt_s(e['fit_s'])} s | {fmt_s(ph['bg_fit'])} s | "
                    f"{fmt_s(ph['gg_fit'])} s | {fmt_s(e['compute_s'])} s | "
                    f"{e['phases'].get('import', float('nan')):.2f} s | "
                    f"{', '.join(f'{w:.2f}' for w in e['wall_all'])} |"
                )
            else:
                L.append(f"| {m} | {d} | {e['status']}: {e['error'][-120:]!r} | | | | | | |")
    L.append("")

    # ratios: custseg / the faster peer
    L.append(f"custseg / faster peer (target <= {TARGET_RATIO}):")
    L.append("")
    L.append(
        "| dataset | faster peer (whole) | whole-process ratio | faster peer (fit) | "
        "fit ratio | peak-memory ratio |"
    )
    L.append("|---|---|---|---|---|---|")
    for d in datasets:
        c = summary.get(f"custseg|{d}", {})
        peers = [
            summary[f"{p}|{d}"]
            for p in PEERS
            if f"{p}|{d}" in summary and "wall_s" in summary[f"{p}|{d}"]
        ]
        if "wall_s" not in c or not peers:
            L.append(f"| {d} | | n/a (custseg or peers not measured) | | | |")
            continue
        fw = min(peers, key=lambda e: e["wall_s"])
        ff = min(peers, key=lambda e: e["fit_s"])
        fm = min(peers, key=lambda e: e["maxrss_mib"])
        rw, rf = c["wall_s"] / fw["wall_s"], c["fit_s"] / ff["fit_s"]
        L.append(
            f"| {d} | {fw['method']} {fmt_s(fw['wall_s'])} s | {rw:.3f} "
            f"{'ok' if rw <= TARGET_RATIO else 'MISSED'} | {ff['method']} "
            f"{fmt_s(ff['fit_s'])} s | {rf:.3f} {'ok' if rf <= TARGET_RATIO else 'MISSED'} | "
            f"{c['maxrss_mib'] / fm['maxrss_mib']:.2f} (vs {fm['method']}) |"
        )
    L.append("")

    # parameters
    L.append(
        "Parameters; LL = the log-likelihood of those parameters on the dataset, evaluated "
        "here with one formula (the papers'); gap = LL - the reference's LL (the "
        "reference: the maximum of the likelihood, polished here from the best of the "
        "methods' points by Newton steps):"
    )
    L.append("")
    L.append(
        "| dataset | method | r | alpha | a | b | BG/NBD LL | gap | p | q | gamma | GG LL | gap |"
    )
    L.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    pairs = []
    for d in datasets:
        got = [m for m in methods if "bg_params" in summary.get(f"{m}|{d}", {})]
        if not got:
            continue
        import pyarrow.parquet as pq

        t = pq.read_table(data_paths[d]).to_pandas()
        x = t["repeat_orders"].to_numpy(np.float64)
        tx, T, z = (t[c].to_numpy(np.float64) for c in ("t_first_last", "T", "mean_repeat_spend"))
        rep = z > 0
        fb, fg = bgnbd_nll(x, tx, T), gamma_gamma_nll(x[rep], z[rep])
        nb, ng = len(x), int(rep.sum())
        rows = {m: summary[f"{m}|{d}"] for m in got}
        if reference:
            rb = reference_mle(
                fb, [np.array([e["bg_params"][k] for k in BG_KEYS]) for e in rows.values()]
            )
            rg = reference_mle(
                fg, [np.array([e["gg_params"][k] for k in GG_KEYS]) for e in rows.values()]
            )
            ref = {
                "method": "reference",
                "bg_params": dict(zip(BG_KEYS, map(float, rb), strict=True)),
                "gg_params": dict(zip(GG_KEYS, map(float, rg), strict=True)),
            }
            summary[f"reference|{d}"] = ref
            rows["reference"] = ref
        for e in rows.values():
            e["bg_ll_eval"] = -nb * fb(np.log([e["bg_params"][k] for k in BG_KEYS]))
            e["gg_ll_eval"] = -ng * fg(np.log([e["gg_params"][k] for k in GG_KEYS]))
        top = rows.get("reference", max(rows.values(), key=lambda e: e["bg_ll_eval"]))
        for m, e in rows.items():
            bp, gp = e["bg_params"], e["gg_params"]
            L.append(
                f"| {d} | {m} | "
                + " | ".join(f"{bp[k]:.7g}" for k in BG_KEYS)
                + f" | {e['bg_ll_eval']:.4f} | {e['bg_ll_eval'] - top['bg_ll_eval']:.1e} | "
                + " | ".join(f"{gp[k]:.7g}" for k in GG_KEYS)
                + f" | {e['gg_ll_eval']:.4f} | {e['gg_ll_eval'] - top['gg_ll_eval']:.1e} |"
            )
        names = list(rows)
        for i, m1 in enumerate(names):
            for m2 in names[i + 1 :]:
                pairs.append((d, m1, m2))
    L.append("")
    if pairs:
        L.append(
            f"Agreement: max relative difference of the parameters (target <= "
            f"{TARGET_REL:g} between custseg and each peer), and of the predictions over "
            "the first customers of the dataset (as sampled by the workers):"
        )
        L.append("")
        L.append(
            "| dataset | pair | BG/NBD params | GG params | P(alive) | expected orders | "
            "expected spend | params within 1e-4 |"
        )
        L.append("|---|---|---|---|---|---|---|---|")
        for d, m1, m2 in pairs:
            e1, e2 = summary[f"{m1}|{d}"], summary[f"{m2}|{d}"]
            rb = max(rel(e1["bg_params"][k], e2["bg_params"][k]) for k in BG_KEYS)
            rg = max(rel(e1["gg_params"][k], e2["gg_params"][k]) for k in GG_KEYS)
            worst_b = max(BG_KEYS, key=lambda k: rel(e1["bg_params"][k], e2["bg_params"][k]))
            worst_g = max(GG_KEYS, key=lambda k: rel(e1["gg_params"][k], e2["gg_params"][k]))
            preds = []
            for k in ("p_alive", "expected", "spend"):
                if "sample" in e1 and "sample" in e2:
                    a1, a2 = np.asarray(e1["sample"][k]), np.asarray(e2["sample"][k])
                    preds.append(f"{np.max(np.abs(a1 - a2) / np.maximum(np.abs(a2), 1e-12)):.1e}")
                else:
                    preds.append("")
            e1.setdefault("agreement", {})[m2] = {"bg": rb, "gg": rg}
            ok = "yes" if max(rb, rg) <= TARGET_REL else "no"
            L.append(
                f"| {d} | {m1} vs {m2} | {rb:.2e} ({worst_b}) | {rg:.2e} ({worst_g}) | "
                + " | ".join(preds)
                + f" | {ok} |"
            )
        L.append("")
    vers = {}
    for e in summary.values():
        if "version" in e:
            vers[e["method"]] = f"{e['version']}, Python {e['python']}"
    L.append("Versions: " + "; ".join(f"{m} {v}" for m, v in vers.items()))
    return "\n".join(L) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--runs", type=int, default=int(os.environ.get("RUNS", 3)))
    ap.add_argument("--datasets", default=os.environ.get("DATASETS", "100k,1M"))
    ap.add_argument("--methods", default=os.environ.get("METHODS", ",".join(METHODS)))
    ap.add_argument("--timeout", type=float, default=1200)
    ap.add_argument("--horizon", type=float, default=13.0, help="weeks (13 ~ 90 days)")
    ap.add_argument("--tag", default=os.environ.get("TAG"))
    ap.add_argument("--only-table", action="store_true", help="re-render from runs.jsonl")
    ap.add_argument(
        "--no-reference",
        action="store_true",
        help="skip polishing the maximum-likelihood reference (some seconds at 1M)",
    )
    a = ap.parse_args(argv)

    import time

    tag = a.tag or time.strftime("models-%Y%m%d-%H%M%S")
    methods = [m for m in a.methods.split(",") if m]
    datasets = [d for d in a.datasets.split(",") if d]
    for m in methods:
        if m not in METHODS:
            sys.exit(f"unknown method {m}; one of {METHODS}")
    for d in datasets:
        if d not in DATASETS:
            sys.exit(f"unknown dataset {d}; one of {list(DATASETS)}")
    res_dir = HERE / "results" / tag
    res_dir.mkdir(parents=True, exist_ok=True)
    runs_path = res_dir / "runs.jsonl"
    data_paths = {d: ensure_data(d) for d in datasets}
    skipped: dict[str, str] = {}

    if not a.only_table:
        run_once = load_timer()
        for m in methods:
            why = available(m)
            if why:
                skipped[m] = why
                print(f"{m}: not available ({why}); skipped", file=sys.stderr)
        live = [m for m in methods if m not in skipped]
        failed: set[tuple[str, str]] = set()
        for i in range(a.runs):
            for d in datasets:
                for m in live:
                    if (m, d) in failed:
                        continue
                    py, env = interpreter(m)
                    out = res_dir / f"{m}__{d}__{i}.json"
                    cmd = [
                        py,
                        str(HERE / "worker.py"),
                        m,
                        str(data_paths[d]),
                        str(out),
                        "--horizon",
                        str(a.horizon),
                    ]
                    old = dict(os.environ)
                    os.environ.clear()
                    os.environ.update(env)  # run_once inherits the environment
                    try:
                        r = run_once(cmd, a.timeout, res_dir / ".time.txt")
                    finally:
                        os.environ.clear()
                        os.environ.update(old)
                    r.update(method=m, dataset=d, run=i, cmd=" ".join(cmd))
                    if r["status"] == "ok" and out.exists():
                        r["worker"] = json.loads(out.read_text())
                    else:
                        failed.add((m, d))
                        r["status"] = r["status"] if r["status"] != "ok" else "error"
                    with open(runs_path, "a") as f:
                        f.write(json.dumps(r) + "\n")
                    fit = r.get("worker", {}).get("fit_s", float("nan"))
                    print(
                        f"round {i}  {m:15s} {d:5s} {r['status']:7s} "
                        f"{r.get('wall_s', float('nan')):8.2f} s  fit {fit:7.2f} s  "
                        f"{r.get('maxrss_kb', 0) / 1024:7.0f} MiB",
                        file=sys.stderr,
                        flush=True,
                    )
        (res_dir / "skipped.json").write_text(json.dumps(skipped))
    elif (res_dir / "skipped.json").exists():
        skipped = json.loads((res_dir / "skipped.json").read_text())

    runs = (
        [json.loads(line) for line in runs_path.read_text().splitlines() if line.strip()]
        if runs_path.exists()
        else []
    )
    summary = summarize(runs)
    table = render(summary, methods, datasets, data_paths, skipped, not a.no_reference)
    for e in summary.values():
        e.pop("sample", None)
    (res_dir / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    rounds = len({r["run"] for r in runs})
    head = (
        f"# Model benchmark ({tag})\n\nHorizon {a.horizon:g} weeks; medians of "
        f"{rounds} interleaved round(s); machine: {os.cpu_count()} cores.\n\n"
    )
    (res_dir / "summary.md").write_text(head + table)
    print(head + table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
