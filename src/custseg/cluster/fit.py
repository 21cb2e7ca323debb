"""K-Means over k, and the choice of k by silhouette (scikit-learn's KMeans and
silhouette_score, imported here, never at the package's import).

Big bases are fitted on a seeded sample and every customer then gets the nearest centre
(``predict``): K-Means in three dimensions needs no more than :data:`FIT_SAMPLE` points
to place its centres, and MiniBatchKMeans on 2M customers (three runs) took 40 s on this
machine, where KMeans fits on the sample and a predict for all take under a second. The
silhouette, quadratic in the points it is computed on, is computed on another seeded
sample of :data:`SILHOUETTE_SAMPLE` customers (the same customers for every k).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from custseg.errors import DataError, param
from custseg.schema import CLUSTER_K_RANGE

#: The most customers K-Means is fitted on; more are a seeded sample of this size. Fits of
#: k = 2..10 on one thread: 0.45 s on 20,000 customers with 3 runs each, 1.7 s on 50,000
#: with 4; a centre of 20,000 points in three dimensions is already known to ~1% of a
#: standard deviation.
FIT_SAMPLE = 20_000
#: The customers the silhouette is computed on (a seeded sample when there are more). Its
#: cost grows with the square of this: on the 10M-row bench file scikit-learn took 0.6-0.8 s
#: per k on 10,000 customers (6 s for k = 2..10, more than the rfm run itself) and 0.2 s on
#: 5,000; the mean of 5,000 silhouettes is within about 0.004 of the whole base's.
SILHOUETTE_SAMPLE = 5_000
#: K-Means runs per fit, from different k-means++ seeds; the best (least inertia) is kept.
N_INIT = 3
#: The fewest customers a clustering takes.
MIN_CUSTOMERS = 3


@dataclass(frozen=True)
class Samples:
    """Positions (in the canonical order) of the customers the model is fitted on
    (``fit``) and of those the silhouette is computed on (``silhouette``), sorted."""

    fit: np.ndarray
    silhouette: np.ndarray

    @classmethod
    def of(cls, n: int, seed: int) -> Samples:
        """The samples of ``n`` customers: :data:`FIT_SAMPLE` and :data:`SILHOUETTE_SAMPLE`."""
        return cls(
            sample_positions(n, FIT_SAMPLE, seed, 1),
            sample_positions(n, SILHOUETTE_SAMPLE, seed, 2),
        )


def sample_positions(n: int, size: int, seed: int, stream: int) -> np.ndarray:
    """All positions when ``n <= size``, else ``size`` of them drawn without replacement
    by a generator seeded with (``seed``, ``stream``), sorted."""
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng([seed, stream]).choice(n, size, replace=False))


@dataclass
class KRow:
    """One k tried: the fitted model, its inertia (within-cluster sum of squared
    distances of the fitted customers, in the standardised units) and its silhouette on
    the silhouette sample (None when the sample fell into fewer than two clusters)."""

    k: int
    model: Any
    inertia: float
    silhouette: float | None

    def as_dict(self) -> dict[str, Any]:
        sil = None if self.silhouette is None else round(self.silhouette, 6)
        return {"k": self.k, "inertia": round(self.inertia, 6), "silhouette": sil}


def k_range(matrix: np.ndarray, samples: Samples, k: int | None) -> list[int]:
    """The k to try: ``[k]``, or :data:`CLUSTER_K_RANGE` cut to the distinct points of the
    fit sample. Raises DataError for too few customers or a ``k`` they cannot take."""
    n = matrix.shape[0]
    if n < MIN_CUSTOMERS:
        raise DataError(f"clustering needs at least {MIN_CUSTOMERS} customers; there are {n}")
    distinct = len(np.unique(matrix[samples.fit], axis=0))
    low, high = CLUSTER_K_RANGE
    if k is None:
        if distinct < low:
            raise DataError(f"all {n:,} customers have the same values of the features: "
                            "there is nothing to cluster")  # fmt: skip
        return list(range(low, min(high, distinct, n - 1) + 1))
    if k < low:
        raise DataError(f"{param('k')} must be at least {low}, not {k}")
    if k >= n:
        raise DataError(f"{param('k')} {k} needs more than {k} customers; there are {n}: "
                        f"choose at most {n - 1}")  # fmt: skip
    if k > distinct:
        raise DataError(f"{param('k')} {k} is more than the {distinct:,} distinct customer "
                        f"profiles of the features: choose at most {distinct}")  # fmt: skip
    return [k]


def fit_over_k(matrix: np.ndarray, samples: Samples, ks: list[int], seed: int) -> list[KRow]:
    """K-Means fitted on the fit sample for each k in ``ks`` (``N_INIT`` runs,
    ``random_state=seed``), with its inertia and its silhouette on the silhouette sample."""
    import sklearn
    from sklearn.cluster import KMeans
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import silhouette_score
    from threadpoolctl import threadpool_limits

    fit, sil = matrix[samples.fit], matrix[samples.silhouette]
    rows = []
    # 16 MB chunks of distances: the default (1 GB) holds a whole 10,000 x 10,000 matrix at
    # once, 0.8 GB more peak memory, and is slower; the nine silhouettes on 5,000 customers
    # took 1.5 CPU seconds in 64 MB chunks, 1.06 s in 16 MB ones (closer to the cache), 1.13
    # s in 4 MB ones. One thread
    # (OpenMP and BLAS): KMeans' threads meet at a barrier every iteration, and on a busy
    # 2-core machine they wait there far longer than they work (k = 2..10 on 50,000
    # customers: 1.0 s on one thread, 2.9 s on two; 6.8 s on two for 1,500 customers); the
    # silhouettes of k = 2..10 on 5,000 customers: 1.5 s on one thread, 2.4 s on two.
    with (warnings.catch_warnings(), sklearn.config_context(working_memory=16),
          threadpool_limits(limits=1)):  # fmt: skip
        warnings.simplefilter("ignore", ConvergenceWarning)  # duplicates: checked by k_range
        for k in ks:
            model = KMeans(n_clusters=k, n_init=N_INIT, random_state=seed).fit(fit)
            labels = model.predict(sil)
            score = None
            if 2 <= len(np.unique(labels)) <= len(labels) - 1:
                score = float(silhouette_score(sil, labels))
            rows.append(KRow(k, model, float(model.inertia_), score))
    return rows


def choose(rows: list[KRow]) -> KRow:
    """The row with the highest silhouette (the smaller k on a tie); the only row when
    one k was given."""
    scored = [r for r in rows if r.silhouette is not None]
    if len(rows) == 1 or not scored:
        return rows[0]
    return max(scored, key=lambda r: (r.silhouette, -r.k))
