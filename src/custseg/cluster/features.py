"""The matrix K-Means sees, and the way back from it to days, orders and money.

Each customer is a point with one coordinate per chosen feature: with ``on="values"`` the
measure through a signed log1p (``sign(x) * log1p(|x|)``: spend and order counts are
heavily skewed, and a net spend can be negative), with ``on="scores"`` the score as it is;
then every coordinate standardised (mean 0, standard deviation 1 over all customers) so
that no unit weighs more than another. The rows are in a canonical order, the customers
sorted by id, so that the same customers give the same matrix whatever the file's order
(sums, the seeded samples and K-Means' seeding all follow the rows' order).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from custseg.errors import DataError, param
from custseg.schema import CLUSTER_FEATURES, CLUSTER_ON

#: The column behind each feature, per ``on``.
FEATURE_COLUMNS: dict[str, dict[str, str]] = {
    "values": {"recency": "recency_days", "frequency": "frequency", "monetary": "monetary"},
    "scores": {"recency": "r_score", "frequency": "f_score", "monetary": "m_score"},
}


def check_features(features: tuple[str, ...], on: str) -> tuple[str, ...]:
    """``features`` in the canonical order, without repeats. Raises DataError for an
    unknown one, none at all, or an unknown ``on``."""
    if on not in CLUSTER_ON:
        raise DataError(f"{param('on')} must be one of {', '.join(CLUSTER_ON)}, not {on!r}")
    unknown = [f for f in features if f not in CLUSTER_FEATURES]
    if unknown or not features:
        given = ",".join(unknown) or "none"
        raise DataError(f"{param('features')} takes one or more of "
                        f"{', '.join(CLUSTER_FEATURES)}, not {given}")  # fmt: skip
    return tuple(f for f in CLUSTER_FEATURES if f in features)


@dataclass(frozen=True)
class Scaling:
    """How the raw columns became the matrix: ``log`` (the signed log1p, ``on="values"``),
    then ``(x - mean) / std`` per column."""

    columns: tuple[str, ...]
    log: bool
    mean: np.ndarray
    std: np.ndarray

    def original(self, points: np.ndarray) -> np.ndarray:
        """Points of the matrix (e.g. K-Means centres) back in the columns' units."""
        x = np.asarray(points, dtype=np.float64) * self.std + self.mean
        return np.sign(x) * np.expm1(np.abs(x)) if self.log else x


def canonical_order(customers: pl.DataFrame) -> np.ndarray:
    """The positions of the customers sorted by id (ids are unique in a run's frame)."""
    return customers["customer_id"].cast(pl.String).arg_sort().to_numpy()


def feature_matrix(customers: pl.DataFrame, features: tuple[str, ...], on: str,
                   order: np.ndarray) -> tuple[np.ndarray, Scaling]:  # fmt: skip
    """The standardised matrix of ``customers`` in ``order`` (one row per customer, one
    column per feature), and its :class:`Scaling`.

    Raises
    ------
    DataError
        A column missing (scores without ``on="scores"``'s columns) or a value that is not
        a finite number.
    """
    columns = tuple(FEATURE_COLUMNS[on][f] for f in features)
    missing = [c for c in columns if c not in customers.columns]
    if missing:
        raise DataError(f"the customer frame lacks {', '.join(missing)}: cluster a run's "
                        "per-customer frame (custseg.run_rfm(...).frame)")  # fmt: skip
    log = on == "values"
    index = pl.Series(order)
    # in Polars, on all cores: 0.25 s for the 2M customers of the 10M-row bench file, where
    # numpy's gather, sign and log1p took 0.64 s
    values = [pl.col(c).cast(pl.Float64).gather(index) for c in columns]
    if log:
        values = [v.sign() * v.abs().log1p() for v in values]
    x = customers.select(values).to_numpy(order="c")
    if not np.isfinite(x).all():
        raise DataError(f"{', '.join(columns)} must be finite numbers for every customer")
    mean, std = x.mean(axis=0), x.std(axis=0)
    std = np.where(std > 0, std, 1.0)  # a column alike for all: zeros, it tells no one apart
    return (x - mean) / std, Scaling(columns, log, mean, std)
