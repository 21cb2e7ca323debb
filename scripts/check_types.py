#!/usr/bin/env python3
"""Run mypy and fail on any error that is not in mypy-baseline.txt.

    .venv/bin/python scripts/check_types.py            # CI: new errors fail
    .venv/bin/python scripts/check_types.py --update   # rewrite the baseline (after fixes)

The baseline lists the errors found when type checking joined CI, without line numbers
(``path: error: message  [code]``, one per line, repeated as often as it occurs), so that
edits elsewhere in a file do not disturb it. Errors fixed since are reported, so that the
list only shrinks.
"""

from __future__ import annotations

import collections
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "mypy-baseline.txt"


def current() -> list[str]:
    run = subprocess.run([sys.executable, "-m", "mypy", "--no-error-summary"], cwd=ROOT,
                         capture_output=True, text=True)  # fmt: skip
    if run.returncode not in (0, 1):
        sys.exit(f"mypy failed to run:\n{run.stderr or run.stdout}")
    found = []
    for line in run.stdout.splitlines():
        match = re.match(r"([^:]+):\d+: error: (.*)$", line)
        if match:
            found.append(f"{match[1]}: error: {match[2]}")
    return sorted(found)


def main() -> int:
    found = current()
    if "--update" in sys.argv:
        BASELINE.write_text("".join(f"{e}\n" for e in found))
        print(f"{BASELINE.name}: {len(found)} error(s)")
        return 0
    known = collections.Counter(BASELINE.read_text().splitlines() if BASELINE.exists() else [])
    now = collections.Counter(found)
    new, fixed = now - known, known - now
    for error in sorted(new.elements()):
        print(f"new: {error}")
    if fixed:
        print(f"{sum(fixed.values())} listed error(s) are fixed: run with --update to shrink "
              f"{BASELINE.name}")  # fmt: skip
    print(f"mypy: {len(found)} error(s), {sum(new.values())} not in {BASELINE.name}")
    return 1 if new else 0


if __name__ == "__main__":
    sys.exit(main())
