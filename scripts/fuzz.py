"""A longer fuzz campaign than the suite's (``tests/test_fuzz.py``): mutated small order files
in every input format through the CLI (in memory and in parts) and the Python API, for as
long as asked. Not part of CI; its figures go in the README's Reliability section.

    .venv/bin/python scripts/fuzz.py --minutes 20 --seed 1

Prints the cases run per format and every failure (a traceback, an exit code other than 0, 1
or 2, or an API error that is not a CustsegError), with the edits that reproduce it.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fuzzing import FORMATS, run_case, seed_texts  # noqa: E402


def one_case(rng: random.Random, seeds: dict[str, bytes], fmt: str) -> tuple[str, list]:
    """Run one random case; returns its problem ('' when it passed) and how to redo it."""
    seed = rng.choice(sorted(seeds))
    edits = [(rng.randrange(6), rng.randrange(1 << 20), rng.randrange(1 << 16))
             for _ in range(rng.randint(1, 8))]  # fmt: skip
    after = rng.random() < 0.5
    return run_case(seeds[seed], fmt, edits, after), [fmt, seed, edits, after]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng, seeds = random.Random(args.seed), seed_texts()
    runs, failures = Counter(), []
    stop = time.monotonic() + args.minutes * 60
    while time.monotonic() < stop:
        fmt = FORMATS[sum(runs.values()) % len(FORMATS)]
        problem, case = one_case(rng, seeds, fmt)
        runs[fmt] += 1
        if problem:
            failures.append((case, problem))
            print(f"FAIL {case}\n{problem}\n", flush=True)
    total = sum(runs.values())
    print(
        f"{total:,} cases ({3 * total:,} runs: CLI in memory, CLI in parts, API) in "
        f"{args.minutes:g} min, seed {args.seed}: {len(failures)} failures"
    )
    print(", ".join(f"{fmt} {n:,}" for fmt, n in sorted(runs.items())))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
