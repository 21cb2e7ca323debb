"""Pareto/NBD: Schmittlein, Morrison & Colombo (1987), "Counting Your Customers: Who Are
They and What Will They Do Next?", Management Science 33(1); the likelihood as derived in
Fader & Hardie's note "A Note on Deriving the Pareto/NBD Model and Related Expressions"
(2005).

While alive a customer buys at Poisson rate lambda ~ Gamma(r, alpha); her lifetime is
exponential with rate mu ~ Gamma(s, beta). Per customer (x, t_x, T), k = r + s + x::

    L = G(r+x) alpha^r beta^s / G(r) * { (alpha+T)^-(r+x) (beta+T)^-s + s/k * A0 }
    A0 = F(t_x) - F(T),   F(t) = k * integral_t^inf (alpha+u)^-(r+x) (beta+u)^-(s+1) du

The note writes F with 2F1(k, s+1; k+1; .) when alpha >= beta and 2F1(k, r+x; k+1; .)
when alpha < beta; the latter overflows for large x. Euler's and Pfaff's transformations
give, in the two cases, a 2F1(1, b; k+1; y) with 0 <= y < 1 and b < k+1, whose terms fall
at least as fast as y^n (1 <= 2F1 <= 1/(1-y)):

    alpha >= beta: F(t) = (alpha+t)^-(r+x) (beta+t)^-s 2F1(1, r+x; k+1; (alpha-beta)/(alpha+t))
    alpha <  beta: F(t) = (alpha+t)^(1-r-x) (beta+t)^-(s+1) 2F1(1, s+1; k+1; (beta-alpha)/(beta+t))

everything in logs; A0 = F(t_x) (1 - F(T)/F(t_x)) with log1p/expm1.

2F1 is summed as its series (:mod:`custseg.models.hypergeometric`; scipy's ``hyp2f1`` is
wrong for large x: -inf at x = 130 in one case). The fit needs the derivatives of 2F1 in
its parameters too, which scipy lacks: :mod:`custseg.models.pnbd_fit` sums their series
with that of 2F1 in one pass, for an exact gradient and Hessian.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import gammaln

from custseg.models.base import CountModel
from custseg.models.hypergeometric import log_hyp2f1
from custseg.models.pnbd_fit import log1mexp, objective

PARAMS = ("r", "alpha", "s", "beta")


def _log_F(r: float, alpha: float, s: float, beta: float, x: np.ndarray, t: np.ndarray):
    """log F(t) of the module docstring, in the branch that keeps 2F1 well-behaved."""
    x, t = np.broadcast_arrays(x, t)
    shape, x, t = x.shape, x.ravel(), t.ravel()
    k = r + s + x
    if alpha >= beta:
        head = -(r + x) * np.log(alpha + t) - s * np.log(beta + t)
        log_S = log_hyp2f1(r + x, k + 1.0, (alpha - beta) / (alpha + t))
    else:
        head = (1 - r - x) * np.log(alpha + t) - (s + 1) * np.log(beta + t)
        log_S = log_hyp2f1(s + 1.0 + np.zeros_like(x), k + 1.0, (beta - alpha) / (beta + t))
    return (head + log_S).reshape(shape)


def _parts(params: dict, x: Any, t_x: Any, T: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """log of the alive term, of s/k A0 (``-inf`` when t_x == T) and their log-sum."""
    r, alpha, s, beta = (params[k] for k in PARAMS)
    x, t_x, T = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    at_tx, at_T = _log_F(r, alpha, s, beta, x, t_x), _log_F(r, alpha, s, beta, x, T)
    d = np.minimum(at_T - at_tx, 0.0)  # F decreases in t; rounding aside d <= 0
    gone = np.log(s) - np.log(r + s + x) + at_tx + log1mexp(d)
    return alive, gone, np.logaddexp(alive, gone)


def log_likelihood(params: dict, x: Any, t_x: Any, T: Any) -> np.ndarray:
    """Per-customer log-likelihood."""
    r, alpha, s, beta = (params[k] for k in PARAMS)
    x = np.asarray(x, dtype=np.float64)
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    return head + _parts(params, x, t_x, T)[2]


def p_alive(params: dict, x: Any, t_x: Any, T: Any) -> np.ndarray:
    """P(alive at T | x, t_x, T)."""
    alive, _, total = _parts(params, x, t_x, T)
    return np.exp(alive - total)


def expected_orders(params: dict, t: Any, x: Any, t_x: Any, T: Any) -> np.ndarray:
    """E[transactions in (T, T+t] | x, t_x, T] = (r+x)(beta+T)/((alpha+T)(s-1))
    * (1 - ((beta+T)/(beta+T+t))^(s-1)) * P(alive), with its limit at s = 1."""
    r, alpha, s, beta = (params[k] for k in PARAMS)
    x, T = np.asarray(x, dtype=np.float64), np.asarray(T, dtype=np.float64)
    span = np.log1p(t / (beta + T))  # log((beta+T+t)/(beta+T))
    c = s - 1.0
    grow = span if abs(c) < 1e-12 else -np.expm1(-c * span) / c
    return (r + x) * (beta + T) / (alpha + T) * grow * p_alive(params, x, t_x, T)


def fit_arrays(x: Any, t_x: Any, T: Any, weights: Any = None) -> ParetoNBD:
    """Fit Pareto/NBD on arrays (``weights``: customers per row)."""
    return ParetoNBD.fit_arrays(x, t_x, T, weights)  # type: ignore[return-value]


class ParetoNBD(CountModel):
    """Pareto/NBD (Schmittlein et al. 1987); parameters ``r, alpha, s, beta``."""

    name = "pnbd"
    label = "Pareto/NBD"
    PARAMS = PARAMS
    _canonical = True
    _objective = staticmethod(objective)
    _p_alive = staticmethod(p_alive)
    _expected = staticmethod(expected_orders)
