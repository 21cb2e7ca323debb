#!/usr/bin/env python3
"""Render a benchmark run as a Markdown table with ratios to the peers.

    python bench/report.py SUMMARY.json PHASES.jsonl [ROUND_RUNS.jsonl ...]

SUMMARY.json is what ../shared/bench/bench.py wrote (median wall s and peak RSS per
method and dataset); PHASES.jsonl holds custseg's --profile lines, one per dataset; each
ROUND_RUNS.jsonl is the runs.jsonl of one round (every method run once, or a few times on
small files), from which the time ratios are also given as the median of the rounds' own
ratios (steadier when the machine's speed drifts during the run).
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path


def main(summary_path: str, phases_path: str, *round_paths: str) -> None:
    summary = json.loads(Path(summary_path).read_text())
    datasets = list(dict.fromkeys(key.split("|", 1)[1] for key in summary))
    methods = list(dict.fromkeys(key.split("|", 1)[0] for key in summary))
    names = [Path(d).name for d in datasets]
    print("Median wall seconds / peak RSS MiB of the whole process, same run, same machine.\n")
    print("| method | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for m in methods:
        cells = []
        for d in datasets:
            e = summary.get(f"{m}|{d}", {})
            cells.append(f"{e['wall_s']:.2f} / {e['maxrss_mib']:.0f}" if "wall_s" in e else "-")
        print(f"| {m} | " + " | ".join(cells) + " |")
    print("\n| ratio | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    rows = [
        ("custseg / polars (time)", "polars", "wall_s"),
        ("custseg / arrow_read floor (time)", "arrow_read", "wall_s"),
        ("custseg / duckdb (time)", "duckdb", "wall_s"),
        ("custseg / polars (peak memory)", "polars", "maxrss_mib"),
        ("custseg / custseg_base (time)", "custseg_base", "wall_s"),
        ("custseg_base / polars (time)", "polars", "wall_s"),
        ("custseg / custseg_base (peak memory)", "custseg_base", "maxrss_mib"),
    ]
    for label, peer, key in rows:
        if f"{peer}|{datasets[0]}" not in summary:
            continue  # a peer not in this run (custseg_base: only with BASE_CUSTSEG)
        me = label.split(" / ")[0]
        cells = []
        for d in datasets:
            mine, theirs = summary.get(f"{me}|{d}", {}), summary.get(f"{peer}|{d}", {})
            ok = key in mine and key in theirs and theirs[key]
            cells.append(f"{mine[key] / theirs[key]:.2f}" if ok else "-")
        print(f"| {label} | " + " | ".join(cells) + " |")
    if round_paths:
        pairs = [("custseg", "polars"), ("custseg", "arrow_read"), ("custseg", "custseg_base"),
                 ("custseg_base", "polars")]  # fmt: skip
        for me, peer in pairs:
            cells = [_round_ratio(round_paths, peer, d, me) for d in datasets]
            if all(c == "-" for c in cells):
                continue
            print(
                f"| {me} / {peer} (time), median of the rounds' ratios | "
                + " | ".join(cells)
                + " |"
            )
    lines = [json.loads(x) for x in Path(phases_path).read_text().splitlines() if x.strip()]
    if lines:
        phases = list(lines[0]["phases"])
        print(
            "\ncustseg phases (seconds, one --profile run; the process also spends time starting)\n"
        )
        print("| dataset | " + " | ".join(phases) + " |")
        print("|---|" + "---|" * len(phases))
        for entry in lines:
            cells = [f"{entry['phases'].get(p, 0):.2f}" for p in phases]
            print(f"| {entry['dataset']} | " + " | ".join(cells) + " |")


def _round_ratio(round_paths, peer: str, dataset: str, me: str = "custseg") -> str:
    """The median over rounds of ``me``'s wall time over ``peer``'s in the same round (each
    the median of its runs, when a round ran a method more than once)."""
    ratios = []
    for path in round_paths:
        walls: dict[str, list[float]] = {}
        for line in Path(path).read_text().splitlines():
            run = json.loads(line) if line.strip() else {}
            if run.get("dataset") == dataset and run.get("status") == "ok":
                walls.setdefault(run["method"], []).append(run["wall_s"])
        if walls.get(peer) and walls.get(me):
            ratios.append(statistics.median(walls[me]) / statistics.median(walls[peer]))
    return f"{statistics.median(ratios):.2f}" if ratios else "-"


if __name__ == "__main__":
    main(*sys.argv[1:])
