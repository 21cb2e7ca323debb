"""What the count models (BG/NBD, MBG/NBD, Pareto/NBD) share: reading and checking the
per-customer summary, the maximum-likelihood driver, and the fitted-model object.

The summary has one row per customer and three columns in one time unit (weeks, days...):
``repeat_orders`` (x, the number of transactions after the first one; purchases on one day
are one transaction), ``t_first_last`` (t_x, last minus first purchase) and ``T`` (first
purchase to the end of the observation). Only the parameters depend on the time unit:
``alpha`` (and Pareto/NBD's ``beta``) are in time units, the others have none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from custseg.errors import ColumnError, DataError, ModelError

FREQUENCY = "repeat_orders"
RECENCY = "t_first_last"
AGE = "T"
# Likelihoods run over blocks of rows: a 1M-row evaluation ran 3-4x faster in blocks of 32k
# rows than on whole columns (5 ms against 13-23 ms for a few ufuncs over 1M rows, on the
# shared 2-core machine): each whole-column temporary is fresh memory, paid in page faults.
BLOCK = 32_768


def column(summary: Any, name: str) -> np.ndarray:
    """Column ``name`` of a pandas or Polars ``summary`` as a new float64 array (missing
    values become NaN). Raises :class:`ColumnError` or :class:`DataError`."""
    columns = getattr(summary, "columns", None)
    if columns is None:
        raise DataError(f"the summary must be a pandas or Polars DataFrame, not {type(summary)}")
    if name not in list(columns):
        raise ColumnError(f"the summary has no column {name!r} (it has: {', '.join(columns)})")
    values = summary[name]
    try:
        if type(values).__module__.startswith("polars"):
            import polars as pl

            return np.array(values.cast(pl.Float64).to_numpy(), dtype=np.float64)
        return np.array(values.to_numpy(dtype="float64", na_value=np.nan), dtype=np.float64)
    except Exception as exc:  # pandas/Polars raise several types for non-numeric data
        raise DataError(f"column {name!r} of the summary must be numeric ({exc})") from exc


def _refuse(bad: np.ndarray, what: str) -> None:
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise DataError(f"{what}: {int(bad.sum())} customer(s), the first at row {first}")


def check_frequency(x: Any, name: str = "x") -> np.ndarray:
    """Repeat-transaction counts as a float64 array; refuses missing, negative or
    fractional values (:class:`DataError`)."""
    x = np.array(x, dtype=np.float64, ndmin=1)
    _refuse(~np.isfinite(x), f"{name} is missing or infinite")
    _refuse(x < 0, f"{name} is negative")
    _refuse(x != np.floor(x), f"{name} (repeat transactions) is not a whole number")
    return x


def check_counts(
    x: Any, t_x: Any, T: Any, names: tuple[str, str, str] = ("x", "t_x", "T")
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``x, t_x, T`` as float64 arrays after the checks every count model needs.

    Raises
    ------
    DataError
        Empty, different lengths, missing or infinite values, negative values, ``x`` not a
        whole number, ``t_x > T``, ``t_x == 0`` with ``x > 0`` or ``t_x > 0`` with ``x == 0``.
    """
    fx, ft, fT = names
    arrays = [np.array(v, dtype=np.float64, ndmin=1) for v in (x, t_x, T)]
    x, t_x, T = arrays
    if not (len(x) == len(t_x) == len(T)):
        raise DataError(f"{fx}, {ft} and {fT} have different lengths")
    if len(x) == 0:
        raise DataError("the summary has no customers")
    x = check_frequency(x, fx)
    for name, values in zip(names[1:], arrays[1:], strict=True):
        _refuse(~np.isfinite(values), f"{name} is missing or infinite")
        _refuse(values < 0, f"{name} is negative")
    # a relative 1e-12 allowance: t_x and T are often computed as (days / 7) separately
    _refuse(t_x > T * (1 + 1e-12) + 1e-12, f"{ft} is greater than {fT}")
    _refuse((x > 0) & (t_x == 0), f"{ft} is 0 for customers with repeat transactions")
    _refuse((x == 0) & (t_x > 0), f"{ft} is not 0 for customers without repeat transactions")
    return x, np.minimum(t_x, T), T


def check_weights(weights: Any, n: int) -> np.ndarray:
    """Row weights (customers per row of a compressed summary): ones when ``None``."""
    if weights is None:
        return np.ones(n)
    w = np.array(weights, dtype=np.float64, ndmin=1)
    if len(w) != n:
        raise DataError(f"weights has {len(w)} values for {n} customers")
    _refuse(~np.isfinite(w) | (w < 0), "a weight is negative, missing or infinite")
    return w


@dataclass(frozen=True)
class CountData:
    """The fitting data of a count model, with what the likelihoods precompute.

    ``ux``/``wx``: the distinct values of x and their total weights, for the terms that
    depend on x alone (log-gamma, beta functions): a few hundred evaluations instead of one
    per customer. ``wx_row``: w * x per row. ``pos``: x, t_x, T, w of the rows with x > 0
    (the only ones with a "dropped out" term in BG/NBD), taken once."""

    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    w: np.ndarray
    total: float
    ux: np.ndarray
    wx: np.ndarray
    wx_row: np.ndarray
    pos: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]

    @classmethod
    def build(cls, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, w: np.ndarray) -> CountData:
        keep = w > 0
        if not keep.all():
            x, t_x, T, w = x[keep], t_x[keep], T[keep], w[keep]
        xi = x.astype(np.int64)
        if len(xi) and xi.max() <= 4 * len(xi) + 1000:
            wx = np.bincount(xi, weights=w)
            ux = np.flatnonzero(wx)
            wx = wx[ux]
        else:
            ux, inverse = np.unique(xi, return_inverse=True)
            wx = np.bincount(inverse, weights=w)
        rows = np.flatnonzero(x > 0)
        pos = (x[rows], t_x[rows], T[rows], w[rows], w[rows] * x[rows])
        return cls(x, t_x, T, w, float(w.sum()), ux.astype(np.float64), wx, w * x, pos)

    def blocks(self, everyone: bool) -> Iterator[tuple[np.ndarray, ...]]:
        """(x, t_x, T, w, w * x) in blocks of :data:`BLOCK` rows, of all rows or those with
        x > 0 only."""
        arrays = (self.x, self.t_x, self.T, self.w, self.wx_row) if everyone else self.pos
        for start in range(0, len(arrays[0]), BLOCK):
            yield tuple(a[start : start + BLOCK] for a in arrays)

    def canonical(self) -> CountData:
        """The same customers with identical (x, t_x, T) rows merged (weights summed) and
        sorted by x, t_x, T, w: sums over them, hence a fit, do not depend on the order of
        the rows, and on whole-day times there are several times fewer rows (1M simulated
        customers, times in days: 634k rows). Sorting 1M rows takes ~0.25 s."""
        order = np.lexsort((self.w, self.T, self.t_x, self.x))
        x, t_x, T, w = (a[order] for a in (self.x, self.t_x, self.T, self.w))
        new = np.empty(len(x), dtype=bool)
        new[:1] = True
        new[1:] = (x[1:] != x[:-1]) | (t_x[1:] != t_x[:-1]) | (T[1:] != T[:-1])
        starts = np.flatnonzero(new)
        return CountData.build(x[starts], t_x[starts], T[starts], np.add.reduceat(w, starts))

    def subset(self, rows: np.ndarray) -> CountData:
        return CountData.build(self.x[rows], self.t_x[rows], self.T[rows], self.w[rows])


def maximize(
    objective: Callable[[np.ndarray], Any], start: np.ndarray, label: str
) -> tuple[np.ndarray, float]:
    """Maximum-likelihood estimate of the log-parameters, and the objective there.

    ``objective(theta)`` returns the negative mean log-likelihood per customer, its
    gradient and Hessian, used by scipy's ``trust-exact`` (Newton steps in a trust region:
    from a warm start a 1M-customer BG/NBD fit takes ~4 evaluations, where L-BFGS-B took
    ~30 and stalled short of 1e-7 agreement).

    Raises
    ------
    ModelError
        The optimiser did not converge, the likelihood is not finite at the start, or a
        parameter runs off to 0 or infinity (the data do not identify the model).
    """
    from scipy.optimize import minimize

    cache: dict[bytes, Any] = {}

    def part(i: int) -> Callable[[np.ndarray], Any]:
        def get(theta: np.ndarray) -> Any:
            key = theta.tobytes()
            if key not in cache:
                cache.clear()
                cache[key] = objective(theta)
            return cache[key][i]

        return get

    if not np.isfinite(part(0)(start)):
        raise ModelError(f"the {label} likelihood is not finite at the starting values")
    options = {"gtol": 1e-8, "maxiter": 500}
    try:
        result = minimize(part(0), start, jac=part(1), hess=part(2), method="trust-exact",
                          options=options)  # fmt: skip
    except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
        # a step into parameters where the likelihood or its Hessian is not finite (a few
        # customers, or none who came back twice): scipy stops with a ValueError
        raise ModelError(f"the {label} fit broke down ({type(exc).__name__}: "
                         f"{str(exc)[:80]}): the data do not identify the model (too few "
                         "customers or repeat purchases?)") from None  # fmt: skip
    _polish(result, objective)
    return _converged(result, label)


def _polish(result: Any, objective: Callable[[np.ndarray], Any]) -> None:
    """One Newton step from the optimiser's answer, kept if its gradient is smaller. Near
    the optimum of a 1M-customer fit the objective changes less than its rounding, so
    trust-exact rejects steps it should take: at gradient 5e-9 parameters are still ~1e-6
    off; one step brings the gradient to ~1e-13 (parameters to ~1e-10)."""
    try:
        step = np.linalg.solve(result.hess, result.jac)
    except (np.linalg.LinAlgError, AttributeError):
        return
    theta = result.x - step
    value, grad, hess = objective(theta)
    if np.isfinite(value) and np.max(np.abs(grad)) < np.max(np.abs(result.jac)):
        result.x, result.fun, result.jac, result.hess = theta, value, grad, hess


def _converged(result: Any, label: str) -> tuple[np.ndarray, float]:
    theta = np.asarray(result.x, dtype=np.float64)
    grad = np.max(np.abs(result.jac)) if hasattr(result, "jac") else np.inf
    # the optimisers may stop on "precision loss" / "ABNORMAL_TERMINATION_IN_LNSRCH" at the
    # optimum, when the objective no longer changes in float64: a small gradient is what counts
    if not np.isfinite(result.fun) or (not result.success and not grad < 1e-7):
        raise ModelError(
            f"the {label} fit did not converge after {result.nit} iterations "
            f"({result.message}); the data may not suit the model"
        )
    if np.any(np.abs(theta) > 30):
        raise ModelError(
            f"the {label} fit did not converge: a parameter ran off to 0 or infinity "
            f"(log-parameters {np.round(theta, 1).tolist()}); the data do not identify the model"
        )
    return theta, float(result.fun)


def _check_params(names: tuple[str, ...], params: Mapping[str, float], label: str) -> dict:
    if set(params) != set(names):
        raise ModelError(f"{label} takes the parameters {', '.join(names)}, not {sorted(params)}")
    out = {name: float(params[name]) for name in names}
    bad = [name for name, value in out.items() if not (np.isfinite(value) and value > 0)]
    if bad:
        raise ModelError(f"{label} parameters must be positive numbers: {', '.join(bad)}")
    return out


class CountModel:
    """A fitted (or given) buy-till-you-die count model.

    Attributes
    ----------
    params : dict of str to float
        The parameters, named as in the papers.
    log_likelihood : float or None
        The papers' total log-likelihood of the fitting data (None when built from params).
    customers : int
        Customers fitted on (0 when built from params).
    name : str
        ``"bgnbd"``, ``"mbgnbd"`` or ``"pnbd"``.
    """

    name: ClassVar[str]
    label: ClassVar[str]
    PARAMS: ClassVar[tuple[str, ...]]
    # fit on the distinct rows, sorted (CountData.canonical): for models whose likelihood
    # costs more per row than sorting does
    _canonical: ClassVar[bool] = False

    # each model's array-level functions
    @staticmethod
    def _objective(theta: np.ndarray, data: CountData) -> Any:
        raise NotImplementedError

    @staticmethod
    def _p_alive(params: dict, x: Any, t_x: Any, T: Any) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def _expected(params: dict, t: Any, x: Any, t_x: Any, T: Any) -> np.ndarray:
        raise NotImplementedError

    def __init__(
        self,
        params: Mapping[str, float],
        *,
        log_likelihood: float | None = None,
        customers: int = 0,
        columns: tuple[str, str, str] = (FREQUENCY, RECENCY, AGE),
        data: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    ) -> None:
        self.params = _check_params(self.PARAMS, params, self.label)
        self.log_likelihood = log_likelihood
        self.customers = customers
        self.columns = columns
        self._data = data

    @classmethod
    def from_params(cls, **params: float) -> CountModel:
        """The model under known (e.g. published) parameters, for predictions."""
        return cls(params)

    @classmethod
    def fit(cls, summary: Any, *, frequency: str = FREQUENCY, recency: str = RECENCY,
            T: str = AGE) -> CountModel:  # fmt: skip
        """Fit by maximum likelihood on a pandas or Polars per-customer ``summary``.

        Raises
        ------
        ColumnError, DataError
            A column is missing or holds values the model cannot take.
        ModelError
            The fit does not converge.
        """
        names = (frequency, recency, T)
        arrays = [column(summary, name) for name in names]
        return cls.fit_arrays(*arrays, names=names)

    @classmethod
    def fit_arrays(cls, x: Any, t_x: Any, T: Any, weights: Any = None, *,
                   names: tuple[str, str, str] = ("x", "t_x", "T")) -> CountModel:  # fmt: skip
        """Fit on arrays; ``weights`` counts the customers each row stands for."""
        x, t_x, T = check_counts(x, t_x, T, names)
        w = check_weights(weights, len(x))
        if not (w[x > 0] > 0).any():
            raise DataError(f"no customer has a repeat transaction: {cls.label} cannot be fitted")
        data = CountData.build(x, t_x, T, w)
        if cls._canonical:
            data = data.canonical()
        start = cls._start(data)
        theta = np.log([start[p] for p in cls.PARAMS])
        if len(data.x) > 200_000:
            # warm start on a sample: the full fit then needs ~4 evaluations (1M customers:
            # 0.2-0.5 s in all on the shared 2-core machine, against ~1.5 s from cold)
            rows = np.random.default_rng(0).choice(len(data.x), 50_000, replace=False)
            theta, _ = cls._maximize(data.subset(np.sort(rows)), theta)
        theta, value = cls._maximize(data, theta)
        loglik = -value * data.total
        params = dict(zip(cls.PARAMS, np.exp(theta).tolist(), strict=True))
        return cls(params, log_likelihood=loglik, customers=int(round(data.total)),
                   columns=names, data=(x, t_x, T))  # fmt: skip

    @classmethod
    def _maximize(cls, data: CountData, theta: np.ndarray) -> tuple[np.ndarray, float]:
        return maximize(lambda th: cls._objective(th, data), theta, cls.label)

    @classmethod
    def _start(cls, data: CountData) -> dict[str, float]:
        rate = float(data.w @ data.x) / max(float(data.w @ data.T), 1e-12)
        return {"r": 1.0, "alpha": 1.0 / max(rate, 1e-12), "a": 1.0, "b": 1.0,
                "s": 1.0, "beta": float(data.w @ data.T) / data.total + 1.0}  # fmt: skip

    def _arrays(self, summary: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if summary is None:
            if self._data is None:
                raise ModelError(f"this {self.label} model was built from parameters: "
                                 "pass the `summary` to predict for")  # fmt: skip
            return self._data
        frequency, recency, age = (column(summary, name) for name in self.columns)
        return check_counts(frequency, recency, age, self.columns)

    def p_alive(self, summary: Any = None) -> np.ndarray:
        """P(alive at T) per customer of ``summary`` (default: the fitting data)."""
        return self._p_alive(self.params, *self._arrays(summary))

    def predict(self, horizon: float, summary: Any = None) -> np.ndarray:
        """Expected transactions per customer in (T, T + horizon], horizon in time units."""
        horizon = _check_horizon(horizon)
        # a count is never negative: at horizons near 0 the closed form can round to -1e-16
        return np.maximum(self._expected(self.params, horizon, *self._arrays(summary)), 0.0)

    def expected_orders_new(self, t: Any) -> Any:
        """Expected transactions of a new customer in (0, t] (the unconditional E[X(t)])."""
        t_arr = np.array(t, dtype=np.float64)
        _refuse(np.atleast_1d(~np.isfinite(t_arr) | (t_arr < 0)), "t is negative or missing")
        zero = np.zeros_like(t_arr)
        out = np.maximum(self._expected(self.params, t_arr, zero, zero, zero), 0.0)
        return float(out) if np.ndim(out) == 0 else out

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v:.4g}" for k, v in self.params.items())
        return f"<{type(self).__name__} {shown}; customers={self.customers}>"


def _check_horizon(horizon: float) -> float:
    value = float(horizon)
    if not (np.isfinite(value) and value >= 0):
        raise ModelError(f"the horizon must be a number of time units >= 0, not {horizon!r}")
    return value
