"""Cut the R, F and M measures into scores 1..N.

One rule for every method: a measure is cut at ascending cut points; a value equal
to a cut point falls in the lower-value bin (bins are ``(-inf, c1], (c1, c2], ...``).
F and M score the bins 1..N from low to high values; R scores them N..1, because
fewer days since the last order is better. Equal values therefore always get equal
scores, whatever the order of the rows.

Functions accept pandas or Polars frames and return the same kind.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from custseg.errors import CustsegError, NoCustomersError, param
from custseg.frames import to_polars_series, with_columns
from custseg.schema import MEASURES, SCORING_METHODS

_NO_CUSTOMERS = "no customers to compute score cut points from"


def quantile_cuts(values, bins: int) -> list[float]:
    """The ``bins - 1`` quantile cut points of ``values`` (linear interpolation).

    With heavy ties several cut points coincide and some score levels stay empty.
    """
    return _quantile_cuts(_frame(values), bins)["v"]


def _quantile_cuts(frame: pl.DataFrame, bins: int) -> dict[str, list[float]]:
    """:func:`quantile_cuts` of every column of ``frame``, in one parallel pass."""
    if bins < 2:
        raise CustsegError(f"{param('bins')}={bins}: need at least 2 score levels")
    if frame.is_empty():
        raise NoCustomersError(_NO_CUSTOMERS)
    probs = [i / bins for i in range(1, bins)]
    quantiles = pl.all().cast(pl.Float64).quantile(probs, interpolation="linear")
    found = frame.lazy().select(quantiles).collect(engine="streaming")  # no sorted copies
    return {name: [round(float(x), 6) for x in found[name][0]] for name in frame.columns}


def score_expr(measure: str, cuts: list[float], higher_is_better: bool) -> pl.Expr:
    """Scores 1..len(cuts)+1 of the column ``measure`` cut at ``cuts`` (see the module
    docstring): 1 + the number of cut points below the value, or the reverse for R.
    (With no cut points it is a literal: evaluate it in ``with_columns``.)"""
    below = pl.sum_horizontal((pl.col(measure) > c).cast(pl.Int64) for c in cuts) if cuts \
        else pl.lit(0, pl.Int64)  # fmt: skip
    score = below + 1 if higher_is_better else len(cuts) + 1 - below
    return score.cast(pl.Int64).alias(measure)


def score_values(values, cuts: list[float], higher_is_better: bool) -> pl.Series:
    """:func:`score_expr` applied to one Series (pandas accepted)."""
    return _frame(values).with_columns(score_expr("v", cuts, higher_is_better))["v"]


def _frame(values) -> pl.DataFrame:
    return to_polars_series(values).alias("v").to_frame()


@dataclass(frozen=True)
class ScoringSpec:
    """How scores are cut: the method, the levels of ``quantile``, the ``edges`` of ``edges``;
    ``frozen``: cut points to score with instead of computing them (``--cuts-from``, read
    and checked by :func:`custseg.segments.frozen.load_cuts`)."""

    method: str = "quantile"
    bins: int = 5
    edges: dict[str, list[float]] | None = None
    frozen: dict[str, list[float]] | None = None

    def cuts(self, customers) -> dict[str, list[float]]:
        if self.frozen is not None:
            return {m: list(self.frozen[m]) for m, _, _ in MEASURES}
        return compute_cuts(customers, self.bins, self.method, self.edges)

    def levels(self) -> dict[str, int]:
        """Score levels per score key (r, f, m) before seeing any data."""
        if self.method == "mean":
            return dict.fromkeys("rfm", 2)
        if self.method == "edges":
            measures = {"r": "recency_days", "f": "frequency", "m": "monetary"}
            return {
                k: len(check_edges(m, (self.edges or {}).get(m))) + 1 for k, m in measures.items()
            }
        return dict.fromkeys("rfm", self.bins)


def compute_cuts(
    customers,
    bins: int = 5,
    method: str = "quantile",
    edges: dict[str, list[float]] | None = None,
) -> dict[str, list[float]]:
    """Cut points for each measure column (recency_days, frequency, monetary).

    Parameters
    ----------
    method:
        ``quantile``: the ``bins - 1`` quantiles of the customers' values.
        ``edges``: fixed thresholds from ``edges`` (measure -> ascending list; N edges
        give N + 1 scores). ``mean``: one cut at the customers' mean (2 scores:
        better than the mean or not).

    Raises
    ------
    CustsegError
        For an unknown method, or ``edges`` missing a measure or not ascending.
    """
    if method == "quantile":
        return _quantile_cuts(_measures(customers), bins)
    if method == "mean":
        if len(customers) == 0:
            raise NoCustomersError(_NO_CUSTOMERS)
        means = (
            _measures(customers)
            .lazy()
            .select(pl.col(m).cast(pl.Float64).mean() for m, _, _ in MEASURES)
            .collect(engine="streaming")
        )
        return {
            m: [round(float(x), 6)] for (m, _, _), x in zip(MEASURES, means.row(0), strict=True)
        }
    if method == "edges":
        return {m: check_edges(m, (edges or {}).get(m)) for m, _, _ in MEASURES}
    raise CustsegError(
        f"{param('scoring')}={method!r}: unknown; choose one of {', '.join(SCORING_METHODS)}"
    )


def check_edges(measure: str, edges: list[float] | None) -> list[float]:
    """Validated fixed edges for one measure (ascending, at least one)."""
    flag = param(f"edges.{measure}")
    if not edges:
        raise CustsegError(
            f"{param('scoring')}='edges' needs {flag}, e.g. {flag}="
            + {
                "recency_days": "30,90,180,365",
                "frequency": "1,2,4,8",
                "monetary": "100,300,1000,3000",
            }[measure]
        )
    if any(b <= a for a, b in zip(edges, edges[1:], strict=False)):
        raise CustsegError(f"{flag}={','.join(map(str, edges))}: edges must be strictly ascending")
    return [float(e) for e in edges]


def apply_scores(customers, cuts: dict[str, list[float]]):
    """A copy of ``customers`` with ``r_score``, ``f_score``, ``m_score`` and ``rfm_code``."""
    scores = [score_expr(m, cuts[m], higher).alias(col) for m, col, higher in MEASURES]
    if all(len(c) < 9 for c in cuts.values()):  # one digit per score: "545" = 5*100+4*10+5
        digits = pl.col("r_score") * 100 + pl.col("f_score") * 10 + pl.col("m_score")
        code = digits.cast(pl.String)
    else:  # 10+ levels: keep the scores apart, "10-4-5"
        code = pl.concat_str("r_score", "f_score", "m_score", separator="-")
    parts = _measures(customers).lazy().with_columns(scores).with_columns(rfm_code=code).collect()
    return with_columns(
        customers, {k: parts[k] for k in ("r_score", "f_score", "m_score", "rfm_code")}
    )


def _measures(customers) -> pl.DataFrame:
    """The measure columns of a pandas or Polars frame, as Polars."""
    return pl.DataFrame([to_polars_series(customers[m]).alias(m) for m, _, _ in MEASURES])


def score_customers(customers, bins: int = 5):
    """Quantile scores for a per-customer measures frame; returns a new frame."""
    return apply_scores(customers, compute_cuts(customers, bins))


def level_counts(scored, cuts: dict[str, list[float]]) -> dict[str, list[int]]:
    """Customers per score level 1..len(cuts)+1 of each score column (empty levels show 0)."""
    levels = {col: range(1, len(cuts[measure]) + 2) for measure, col, _ in MEASURES}
    scores = pl.DataFrame([to_polars_series(scored[col]).alias(col) for col in levels])
    counts = scores.lazy().select(
        (pl.col(col) == level).sum().alias(f"{col}={level}")
        for col, numbers in levels.items()
        for level in numbers
    )
    found = counts.collect(engine="streaming").row(0, named=True)
    return {col: [found[f"{col}={level}"] for level in numbers] for col, numbers in levels.items()}
