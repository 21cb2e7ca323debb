"""Cut the R, F and M measures into scores 1..N.

One rule for every method: a measure is cut at ascending cut points; a value equal
to a cut point falls in the lower-value bin (bins are ``(-inf, c1], (c1, c2], ...``).
F and M score the bins 1..N from low to high values; R scores them N..1, because
fewer days since the last order is better. Equal values therefore always get equal
scores, whatever the order of the rows.

Functions accept pandas or Polars frames and return the same kind.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .errors import CustsegError
from .frames import column, with_columns
from .schema import MEASURES


def quantile_cuts(values, bins: int) -> list[float]:
    """The ``bins - 1`` quantile cut points of ``values`` (linear interpolation).

    With heavy ties several cut points coincide and some score levels stay empty.
    """
    if bins < 2:
        raise CustsegError(f"--bins {bins}: need at least 2 score levels")
    probs = np.arange(1, bins) / bins
    data = np.asarray(values, dtype="float64")
    return [round(float(x), 6) for x in np.quantile(data, probs)]


def score_values(values, cuts: list[float], higher_is_better: bool) -> np.ndarray:
    """Scores 1..len(cuts)+1 for ``values`` cut at ``cuts`` (see the module docstring)."""
    edges = np.asarray(cuts, dtype="float64")
    position = np.searchsorted(edges, np.asarray(values, dtype="float64"), side="left")
    levels = len(edges) + 1
    score = position + 1 if higher_is_better else levels - position
    return score.astype("int64")


def compute_cuts(customers, bins: int = 5) -> dict[str, list[float]]:
    """Quantile cut points for each measure column (recency_days, frequency, monetary)."""
    return {m: quantile_cuts(column(customers, m), bins) for m, _, _ in MEASURES}


def apply_scores(customers, cuts: dict[str, list[float]]):
    """A copy of ``customers`` with ``r_score``, ``f_score``, ``m_score`` and ``rfm_code``."""
    scores = {
        score_col: score_values(column(customers, measure), cuts[measure], higher)
        for measure, score_col, higher in MEASURES
    }
    parts = pl.DataFrame(scores)
    code = parts.select(pl.concat_str(pl.all().cast(pl.String)).alias("rfm_code")).to_series()
    return with_columns(customers, {**{k: parts[k] for k in scores}, "rfm_code": code})


def score_customers(customers, bins: int = 5):
    """Quantile scores for a per-customer measures frame; returns a new frame."""
    return apply_scores(customers, compute_cuts(customers, bins))


def level_counts(scored, bins: int) -> dict[str, list[int]]:
    """Customers per score level 1..bins for each score column (empty levels show 0)."""
    return {
        score_col: np.bincount(column(scored, score_col, "int64"), minlength=bins + 1)[1:].tolist()
        for _, score_col, _ in MEASURES
    }
