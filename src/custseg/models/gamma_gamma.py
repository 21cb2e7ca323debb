"""Gamma-Gamma model of spend per transaction: Fader, Hardie & Lee (2005), "RFM and CLV:
Using Iso-Value Curves for Customer Base Analysis", JMR 42(4), and Fader & Hardie's note
"The Gamma-Gamma Model of Monetary Value" (2013).

A customer's transaction values are Gamma(p, nu) with nu ~ Gamma(q, gamma) across
customers. For a repeat buyer with x repeat transactions of mean value m::

    L = G(px+q) / (G(px) G(q)) * gamma^q m^(px-1) x^(px) / (gamma + m x)^(px+q)

It is fitted on the customers with x > 0 and a positive mean repeat spend only, and it
assumes that spend is independent of the number of transactions: :attr:`GammaGamma.notes`
says when the data put that in doubt.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import digamma, gammaln, polygamma

from custseg.errors import DataError, ModelError
from custseg.models.base import FREQUENCY, check_frequency, column, maximize

MONETARY = "mean_repeat_spend"
PARAMS = ("p", "q", "gamma")
# Below this many repeat buyers the three parameters are poorly determined (a note, not an
# error: the fit still runs).
MIN_BUYERS = 50
# |Pearson correlation| between frequency and mean spend among repeat buyers above which
# the independence assumption is in doubt: the level lifetimes' and pymc-marketing's docs
# use (CDNOW: 0.11).
MAX_CORRELATION = 0.3


def _spend_data(x: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct x of the buyers, their weights and each buyer's index into them."""
    ux, index = np.unique(x, return_inverse=True)
    return ux, np.bincount(index, minlength=len(ux)).astype(np.float64), index


def objective(theta: np.ndarray, x: np.ndarray, m: np.ndarray, log_mx: np.ndarray,
              log_m: float, grouped: tuple) -> tuple[float, np.ndarray, np.ndarray]:  # fmt: skip
    """Negative mean log-likelihood of repeat buyers (x > 0, m > 0), gradient and Hessian
    in log-parameters; ``log_mx`` is log(m x), ``log_m`` the sum of log(m), ``grouped``
    from :func:`_spend_data`."""
    P = np.exp(theta)
    p, q, gamma = P
    ux, wx, _ = grouped
    n = len(x)
    px = p * ux  # the terms in x alone, over its distinct values
    d_pq, d_px, t_pq = digamma(px + q), digamma(px), polygamma(1, px + q)
    ll = wx @ (gammaln(px + q) - gammaln(px)) + n * (q * np.log(gamma) - gammaln(q))
    log_g = np.log(gamma + m * x)
    inv_g = 1.0 / (gamma + m * x)
    ll += p * (x @ log_mx) - log_m - (p * x + q) @ log_g
    g = np.array([
        (wx * ux) @ (d_pq - d_px) + x @ (log_mx - log_g),
        wx @ d_pq - n * digamma(q) + n * np.log(gamma) - log_g.sum(),
        n * q / gamma - (p * x + q) @ inv_g,
    ])  # fmt: skip
    h = np.empty((3, 3))
    h[0, 0] = (wx * ux**2) @ (t_pq - polygamma(1, px))
    h[0, 1] = h[1, 0] = (wx * ux) @ t_pq
    h[0, 2] = h[2, 0] = -(x @ inv_g)
    h[1, 1] = wx @ t_pq - n * polygamma(1, q)
    h[1, 2] = h[2, 1] = n / gamma - inv_g.sum()
    h[2, 2] = -n * q / gamma**2 + (p * x + q) @ inv_g**2
    return -ll / n, -g * P / n, -(h * np.outer(P, P) + np.diag(g * P)) / n


def _buyers(x: np.ndarray, m: np.ndarray, name: str) -> np.ndarray:
    """Rows of repeat buyers with positive mean spend (refusing missing spend for them)."""
    bad = (x > 0) & ~np.isfinite(m)
    if bad.any():
        raise DataError(f"{name} is missing or infinite for {int(bad.sum())} repeat buyer(s), "
                        f"the first at row {int(np.flatnonzero(bad)[0])}")  # fmt: skip
    return (x > 0) & (np.nan_to_num(m) > 0)


def _notes(x: np.ndarray, m: np.ndarray, excluded: int) -> list[str]:
    """What to be wary of in the fit, as :class:`custseg.notes.Note` (English text, kept
    with its key so that the terminal can say it in Chinese)."""
    from custseg.notes import Note

    notes: list[str] = []
    if len(x) < MIN_BUYERS:
        notes.append(Note("gg_few", n=len(x), least=MIN_BUYERS))
    if len(x) > 2 and np.std(x) > 0 and np.std(m) > 0:
        corr = float(np.corrcoef(x, m)[0, 1])
        if abs(corr) > MAX_CORRELATION:
            notes.append(Note("gg_correlated", corr=corr, most=MAX_CORRELATION))
    if excluded:
        notes.append(Note("gg_excluded", n=excluded))
    return notes


class GammaGamma:
    """The fitted spend model.

    Attributes
    ----------
    params : dict
        ``p, q, gamma``.
    log_likelihood : float or None
        Total log-likelihood of the repeat buyers fitted on.
    customers : int
        Repeat buyers with positive mean spend fitted on (0 when built from params).
    notes : list of str
        When the model's assumptions are in doubt (correlation, few buyers, buyers left out).
    """

    name = "gamma-gamma"

    def __init__(self, params: dict, *, log_likelihood: float | None = None,
                 customers: int = 0, notes: list[str] | None = None,
                 columns: tuple[str, str] = (FREQUENCY, MONETARY),
                 data: tuple[np.ndarray, np.ndarray] | None = None) -> None:  # fmt: skip
        if set(params) != set(PARAMS) or not all(float(params[k]) > 0 for k in PARAMS):
            raise ModelError(f"Gamma-Gamma takes positive parameters p, q, gamma, not {params}")
        self.params = {k: float(params[k]) for k in PARAMS}
        if self.params["q"] <= 1:
            raise ModelError(f"the Gamma-Gamma q is {self.params['q']:.3g} <= 1: mean spend is "
                             "undefined; spend varies too much between customers for this "
                             "model (use the historical average instead)")  # fmt: skip
        self.log_likelihood = log_likelihood
        self.customers = customers
        self.notes = notes or []
        self.columns = columns
        self._data = data

    @classmethod
    def from_params(cls, **params: float) -> GammaGamma:
        return cls(params)

    @classmethod
    def fit(cls, summary: Any, *, frequency: str = FREQUENCY,
            monetary: str = MONETARY) -> GammaGamma:  # fmt: skip
        """Fit on the repeat buyers (x > 0) with positive mean repeat spend of ``summary``.

        Raises
        ------
        ColumnError, DataError
            Missing column, bad frequency, missing spend of a repeat buyer, no repeat buyer.
        ModelError
            The fit does not converge, or q <= 1 (mean spend undefined).
        """
        x = column(summary, frequency)
        m = column(summary, monetary)
        return cls.fit_arrays(x, m, names=(frequency, monetary))

    @classmethod
    def fit_arrays(cls, x: Any, m: Any, *,
                   names: tuple[str, str] = ("x", "m")) -> GammaGamma:  # fmt: skip
        x, m = check_frequency(x, names[0]), np.array(m, dtype=np.float64, ndmin=1)
        if len(x) != len(m):
            raise DataError(f"{names[0]} and {names[1]} have different lengths")
        keep = _buyers(x, m, names[1])
        if keep.sum() < 2:
            raise DataError(f"the spend model needs repeat buyers with positive {names[1]}; "
                            f"found {int(keep.sum())}")  # fmt: skip
        # sorted, so that the sums add their terms in one order whatever the buyers' order
        # (the engines hand customers over in different orders): the same fit, to the bit
        order = np.lexsort((m[keep], x[keep]))
        xb, mb = x[keep][order], m[keep][order]
        log_m = np.log(mb)
        prepared = (xb, mb, log_m + np.log(xb), float(log_m.sum()), _spend_data(xb, mb))
        start = np.log([1.0, 2.0, float(mb.mean())])
        theta, value = maximize(lambda th: objective(th, *prepared), start, "Gamma-Gamma")
        notes = _notes(xb, mb, int((x > 0).sum() - keep.sum()))
        params = dict(zip(PARAMS, np.exp(theta).tolist(), strict=True))
        return cls(params, log_likelihood=-value * len(xb), customers=len(xb), notes=notes,
                   columns=names, data=(x, m))  # fmt: skip

    @property
    def mean_spend(self) -> float:
        """The population mean spend per transaction, p gamma / (q - 1)."""
        p, q, gamma = (self.params[k] for k in PARAMS)
        return p * gamma / (q - 1)

    def expected_spend(self, summary: Any = None) -> np.ndarray:
        """E[spend per transaction | x, m] per customer: ``(q-1)/(px+q-1) * p gamma/(q-1)
        + px/(px+q-1) * m``; customers without positive repeat spend get p gamma/(q-1)."""
        if summary is None:
            if self._data is None:
                raise ModelError("this Gamma-Gamma model was built from parameters: "
                                 "pass the `summary`")  # fmt: skip
            x, m = self._data
        else:
            x, m = (column(summary, name) for name in self.columns)
        p, q, gamma = (self.params[k] for k in PARAMS)
        keep = _buyers(x, m, self.columns[1])
        weight = p * x / (p * x + q - 1)
        return np.where(keep, (1 - weight) * self.mean_spend + weight * np.nan_to_num(m),
                        self.mean_spend)  # fmt: skip

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v:.4g}" for k, v in self.params.items())
        return f"<GammaGamma {shown}; customers={self.customers}>"
