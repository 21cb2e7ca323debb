"""The whole clustering job: :func:`cluster_customers` (``custseg cluster``, ``report
--cluster``, and the Python API).

features (:mod:`.features`) -> K-Means over k and the choice of k (:mod:`.fit`) -> every
customer's nearest centre -> clusters numbered, described and named
(:mod:`.describe`). The same customers give the same clusters, numbers and names whatever
their order: everything is computed on the customers sorted by id, with seeded samples
and a seeded K-Means.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from custseg.cluster import describe
from custseg.cluster.features import canonical_order, check_features, feature_matrix
from custseg.cluster.fit import Samples, choose, fit_over_k, k_range
from custseg.errors import DataError, param
from custseg.frames import as_series
from custseg.schema import CLUSTER_FEATURES

if TYPE_CHECKING:
    from custseg.segments.table import RuleTable

#: Decimals of the description's figures (shares, money; medians keep theirs).
_DECIMALS = {"customer_share": 4, "revenue_share": 4, "segment_share": 4, "revenue": 2,
             "revenue_per_customer": 2, "median_monetary": 2}  # fmt: skip


@dataclass(frozen=True)
class ClusterSpec:
    """What to cluster (the options of ``custseg cluster``): ``k`` (None: the k of
    :data:`custseg.schema.CLUSTER_K_RANGE` with the best silhouette), ``features`` (of
    :data:`custseg.schema.CLUSTER_FEATURES`), ``on`` (``values``: the measures through
    log1p; ``scores``: the R/F/M scores), ``seed`` (of the samples and of K-Means)."""

    k: int | None = None
    features: tuple[str, ...] = CLUSTER_FEATURES
    on: str = "values"
    seed: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "features", check_features(tuple(self.features), self.on))
        if not isinstance(self.seed, int | np.integer) or not 0 <= self.seed < 2**32:
            raise DataError(f"{param('seed')} must be a whole number from 0 to 2**32 - 1")
        if self.k is not None and not isinstance(self.k, int | np.integer):
            raise DataError(f"{param('k')} must be a whole number, not {self.k!r}")


@dataclass
class Clustering:
    """What a clustering gives.

    ``frame``: ``cluster`` (1..k, 1 the most revenue per customer) and ``cluster_label``,
    row for row with the customers; ``clusters``: per cluster in that order, its
    ``label``, ``customers``, ``customer_share``, ``revenue``, ``revenue_share``,
    ``revenue_per_customer``, ``median_recency_days``, ``median_frequency``,
    ``median_monetary`` and (when the customers have segments) ``segment``,
    ``segment_label`` and ``segment_share``; ``centres``: the K-Means centres in the
    features' units; ``k_table``: per k tried, ``inertia`` (on the ``fit_customers``) and
    ``silhouette`` (on the customers ``silhouette_ids``)."""

    spec: ClusterSpec
    k: int
    frame: pl.DataFrame
    clusters: pl.DataFrame
    centres: pl.DataFrame
    k_table: pl.DataFrame
    fit_customers: int
    silhouette_ids: pl.Series

    def as_dict(self) -> dict[str, Any]:
        """The clustering as ``--json`` shows it."""
        centres = {row.pop("cluster"): row for row in self.centres.iter_rows(named=True)}
        clusters = [{**row, "centre": centres[row["cluster"]]}
                    for row in self.clusters.iter_rows(named=True)]  # fmt: skip
        return {
            "on": self.spec.on,
            "features": list(self.spec.features),
            "seed": self.spec.seed,
            "k": self.k,
            "k_chosen_by": "given" if self.spec.k is not None else "silhouette",
            "fit_customers": self.fit_customers,
            "silhouette_customers": self.silhouette_ids.len(),
            "k_table": self.k_table.to_dicts(),
            "clusters": clusters,
        }


def cluster_customers(customers, k: int | None = None,
                      features: tuple[str, ...] | list[str] = CLUSTER_FEATURES,
                      on: str = "values", seed: int = 0, *, table: RuleTable | None = None,
                      lang: str = "en") -> Clustering:  # fmt: skip
    """K-Means clusters of a run's customers, described and named in ``lang``.

    ``customers``: an :class:`custseg.engines.run.RfmResult` (its rule table names the
    clusters' segments unless ``table`` is given) or a per-customer frame, pandas or Polars
    (``customer_id``, ``recency_days``, ``frequency``, ``monetary``; the scores with
    ``on="scores"``; ``segment`` for the segment of each cluster). Never changed.

    Raises
    ------
    DataError
        Fewer than 3 customers, a ``k`` they cannot take, unknown features, a missing column.
    """
    spec = ClusterSpec(k, tuple(features), on, seed)
    frame, table = _customers(customers, table)
    order = canonical_order(frame)
    matrix, scaling = feature_matrix(frame, spec.features, spec.on, order)
    samples = Samples.of(matrix.shape[0], spec.seed)
    rows = fit_over_k(matrix, samples, k_range(matrix, samples, spec.k), spec.seed)
    best = choose(rows)
    raw = np.empty(matrix.shape[0], dtype=np.int64)
    raw[order] = best.model.predict(matrix)
    described = describe.profiles(frame, raw)
    labels = describe.names(frame, described, spec.features, lang)
    described = described.with_columns(label=pl.Series(labels, dtype=pl.String))
    if "segment" in frame.columns:
        described = _with_segments(frame, raw, described, table, lang)
    lookup = np.empty(best.k, dtype=np.int64)
    lookup[described["raw"].to_numpy()] = described["cluster"].to_numpy()
    cluster = pl.Series("cluster", lookup[raw], dtype=pl.Int64)
    out = pl.DataFrame([cluster, pl.Series("cluster_label", labels).gather(cluster - 1)])
    return Clustering(
        spec, best.k, out, _rounded(described), describe.centres(best.model, scaling, described),
        pl.DataFrame([r.as_dict() for r in rows], schema={"k": pl.Int64, "inertia": pl.Float64,
                                                          "silhouette": pl.Float64}),
        len(samples.fit), frame["customer_id"].gather(order[samples.silhouette]),
    )  # fmt: skip


def _customers(customers, table: RuleTable | None) -> tuple[pl.DataFrame, RuleTable | None]:
    """The customers as a Polars frame of the columns clustering reads, and the table."""
    frame = getattr(customers, "frame", None)
    if isinstance(frame, pl.DataFrame):  # an RfmResult
        return frame, table or customers.table
    wanted = ("customer_id", "recency_days", "frequency", "monetary", "r_score", "f_score",
              "m_score", "segment")  # fmt: skip
    if "customer_id" not in customers.columns:
        raise DataError("the customer frame lacks customer_id: cluster a run's per-customer "
                        "frame (custseg.run_rfm(...).frame)")  # fmt: skip
    columns = [as_series(customers, c).alias(c) for c in wanted if c in customers.columns]
    frame = pl.DataFrame(columns)
    if frame["customer_id"].n_unique() != frame.height:
        raise DataError("customer_id repeats: cluster one row per customer")
    return frame, table


def _with_segments(frame: pl.DataFrame, raw: np.ndarray, described: pl.DataFrame,
                   table: RuleTable | None, lang: str) -> pl.DataFrame:  # fmt: skip
    """``described`` with each cluster's main segment, its share and (with a table) label."""
    order = table.segment_names() if table else []
    segments = describe.main_segments(frame, raw, described, order)
    if table is not None:
        labels = [table.info(s).label_in(lang) for s in segments["segment"]]
        segments = segments.with_columns(segment_label=pl.Series(labels, dtype=pl.String))
    return pl.concat([described, segments], how="horizontal")


def _rounded(clusters: pl.DataFrame) -> pl.DataFrame:
    columns = ["cluster", "label", "customers", "customer_share", "revenue", "revenue_share",
               "revenue_per_customer", *describe._MEDIANS]  # fmt: skip
    columns += [c for c in ("segment", "segment_label", "segment_share") if c in clusters.columns]
    return clusters.select(columns).with_columns(
        pl.col(c).round(d) for c, d in _DECIMALS.items() if c in clusters.columns
    )
