"""Cut the R, F and M measures into scores 1..N.

One rule for every method: a measure is cut at ascending cut points; a value equal
to a cut point falls in the lower-value bin (bins are ``(-inf, c1], (c1, c2], ...``).
F and M score the bins 1..N from low to high values; R scores them N..1, because
fewer days since the last order is better. Equal values therefore always get equal
scores, whatever the order of the rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import CustsegError
from .schema import MEASURES


def quantile_cuts(values: pd.Series, bins: int) -> list[float]:
    """The ``bins - 1`` quantile cut points of ``values`` (linear interpolation).

    With heavy ties several cut points coincide and some score levels stay empty.
    """
    if bins < 2:
        raise CustsegError(f"--bins {bins}: need at least 2 score levels")
    probs = np.arange(1, bins) / bins
    return [round(float(x), 6) for x in np.quantile(values.to_numpy(dtype="float64"), probs)]


def score_values(values: pd.Series, cuts: list[float], higher_is_better: bool) -> pd.Series:
    """Scores 1..len(cuts)+1 for ``values`` cut at ``cuts`` (see the module docstring)."""
    edges = np.asarray(cuts, dtype="float64")
    position = np.searchsorted(edges, values.to_numpy(dtype="float64"), side="left")
    levels = len(edges) + 1
    score = position + 1 if higher_is_better else levels - position
    return pd.Series(score.astype("int64"), index=values.index)


def compute_cuts(customers: pd.DataFrame, bins: int = 5) -> dict[str, list[float]]:
    """Quantile cut points for each measure column (recency_days, frequency, monetary)."""
    return {measure: quantile_cuts(customers[measure], bins) for measure, _, _ in MEASURES}


def apply_scores(customers: pd.DataFrame, cuts: dict[str, list[float]]) -> pd.DataFrame:
    """A copy of ``customers`` with ``r_score``, ``f_score``, ``m_score`` and ``rfm_code``."""
    out = customers.copy()
    for measure, score_col, higher in MEASURES:
        out[score_col] = score_values(out[measure], cuts[measure], higher)
    out["rfm_code"] = (
        out["r_score"].astype(str) + out["f_score"].astype(str) + out["m_score"].astype(str)
    )
    return out


def score_customers(customers: pd.DataFrame, bins: int = 5) -> pd.DataFrame:
    """Quantile scores for a per-customer measures frame; returns a new frame."""
    return apply_scores(customers, compute_cuts(customers, bins))


def level_counts(scored: pd.DataFrame, bins: int) -> pd.DataFrame:
    """Customers per score level for R, F and M (index 1..bins; empty levels show 0)."""
    return pd.DataFrame(
        {
            score_col: scored[score_col].value_counts().reindex(range(1, bins + 1), fill_value=0)
            for _, score_col, _ in MEASURES
        }
    )
