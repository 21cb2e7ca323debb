"""Frozen cut points (``rfm --cuts-from FILE``): score with the cut points a previous run
wrote with ``--thresholds`` instead of computing new ones, so that a nightly list moves only
when customers do.

The file is the JSON ``--thresholds`` writes::

    {"scoring": "quantile",
     "cut_points": {"recency_days": [26.0, 83.0, 160.0, 240.0], "frequency": [...],
                    "monetary": [...]},
     "rule": "a value equal to a cut point falls in the lower-value bin"}

It is checked against the run before any data is read: the three measures and only them,
numbers in ascending order (equal neighbours allowed: quantiles of tied values), the
scoring method the run uses, and as many levels per measure as the run scores.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from custseg.errors import CustsegError, InputFileError
from custseg.io.limits import read_small
from custseg.schema import MEASURES
from custseg.segments.scoring import ScoringSpec

#: The largest cut point file read (a real one is a few hundred bytes).
MAX_BYTES = 1 << 20


def load_cuts(path: str | Path, scoring: ScoringSpec | None = None) -> dict[str, list[float]]:
    """The cut points of a ``--thresholds`` file, checked against ``scoring`` (default:
    quantiles on 5 levels); use them with ``ScoringSpec(..., frozen=cuts)``.

    Raises
    ------
    InputFileError
        The file is missing, too large or not JSON.
    CustsegError
        It is not a cut point file, or does not fit ``scoring`` (the message says how).
    """
    path = Path(path)
    raw = read_small(path, MAX_BYTES, InputFileError, "cut points", "--cuts-from takes the "
                     "small JSON file 'custseg rfm --thresholds' writes")  # fmt: skip
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputFileError(
            f"{path}: not JSON ({exc}); --cuts-from takes the file "
            f"'custseg rfm --thresholds' writes"
        ) from None
    return check_cuts(data, scoring or ScoringSpec(), str(path))


def check_cuts(
    data: object, scoring: ScoringSpec, source: str = "cut points"
) -> dict[str, list[float]]:
    """The cut points of ``data`` (a parsed ``--thresholds`` file), checked (see the module
    docstring). Raises CustsegError naming what does not fit and the fix."""
    data = data if isinstance(data, dict) else {}
    cuts = data.get("cut_points")
    if not isinstance(cuts, dict):
        raise CustsegError(
            f'{source}: no "cut_points" object; --cuts-from takes the file '
            f"'custseg rfm --thresholds FILE' writes"
        )
    names = [m for m, _, _ in MEASURES]
    missing, extra = [m for m in names if m not in cuts], sorted(set(cuts) - set(names))
    if missing or extra:
        raise CustsegError(
            f"{source}: cut_points must hold {', '.join(names)}"
            + (f"; missing {', '.join(missing)}" if missing else "")
            + (f"; unknown {', '.join(map(str, extra))}" if extra else "")
        )
    method = data.get("scoring", scoring.method)
    if "edges" in (method, scoring.method):
        raise CustsegError(
            f"{source}: fixed edges need no freezing: score with --scoring edges "
            f"and --r-edges, --f-edges, --m-edges instead of --cuts-from"
        )
    if method != scoring.method:
        raise CustsegError(
            f"{source}: cut points of {method!r} scoring; this run scores by "
            f"{scoring.method!r}: pass --scoring {method}"
        )
    levels = scoring.levels()
    out = {}
    for (measure, _, _), key in zip(MEASURES, "rfm", strict=True):
        out[measure] = _values(cuts[measure], f"{source}: cut_points.{measure}")
        if len(out[measure]) + 1 != levels[key]:
            raise CustsegError(
                f"{source}: {len(out[measure])} cut points for {measure} make "
                f"{len(out[measure]) + 1} score levels; this run scores {levels[key]}: pass "
                f"--bins {len(out[measure]) + 1} (or the cut points of a run like this one)"
            )
    return out


def _values(values: object, where: str) -> list[float]:
    if (
        not isinstance(values, list)
        or not values
        or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
            for v in values
        )
    ):
        raise CustsegError(f"{where}: must be a list of numbers, e.g. [26, 83, 160, 240]")
    numbers = [float(v) for v in values]
    if any(b < a for a, b in zip(numbers, numbers[1:], strict=False)):
        raise CustsegError(f"{where}: {numbers} are not in ascending order")
    return numbers
