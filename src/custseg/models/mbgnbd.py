"""MBG/NBD: Batislam, Denizel & Filiztekin (2007), "Empirical validation and comparison of
models for customer base analysis", IJRM 24(3).

BG/NBD with one change: a customer may also drop out right after her first purchase, so a
customer without repeat transactions is not certainly alive. Per customer::

    L = G(r+x) alpha^r / G(r) * [ B(a, b+x+1)/B(a, b) (alpha+T)^-(r+x)
                                  + B(a+1, b+x)/B(a, b) (alpha+t_x)^-(r+x) ]

for every x (the second term is there for x = 0 too), i.e. BG/NBD's computation with
``z = log(a/(b+x)) + (r+x) log((alpha+T)/(alpha+t_x))``; P(alive) = 1/(1+e^z).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import betaln, gammaln

from custseg.models.base import CountModel
from custseg.models.bgnbd import PARAMS, _dropout_z, count_objective, growth, softplus_sigmoid


def log_likelihood(params: dict, x: Any, t_x: Any, T: Any) -> np.ndarray:
    """Per-customer log-likelihood."""
    r, alpha, a, b = (params[k] for k in PARAMS)
    x, t_x, T = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    base = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x + 1) - betaln(a, b)
    z, _ = _dropout_z(params, x, t_x, T, 0.0)
    return base - (r + x) * np.log(alpha + T) + softplus_sigmoid(z)[0]


def p_alive(params: dict, x: Any, t_x: Any, T: Any) -> np.ndarray:
    """P(alive at T | x, t_x, T); below 1 for customers without repeat transactions too."""
    x, t_x, T = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    z, _ = _dropout_z(params, x, t_x, T, 0.0)
    return softplus_sigmoid(-z)[1]


def expected_orders(params: dict, t: Any, x: Any, t_x: Any, T: Any) -> np.ndarray:
    """E[transactions in (T, T+t] | x, t_x, T]: ``(a+b+x)/(a-1) * (1 - ((alpha+T)/(alpha+T+t))
    ^(r+x) 2F1(r+x, b+x+1; a+b+x; t/(alpha+T+t))) * P(alive)`` (Batislam et al.)."""
    r, alpha, a, b = (params[k] for k in PARAMS)
    x, t_x, T = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    y = t / (alpha + T + t)
    return growth(a, a + b - r, a + b + x, y) * p_alive(params, x, t_x, T)


def fit_arrays(x: Any, t_x: Any, T: Any, weights: Any = None) -> ModifiedBetaGeo:
    """Fit MBG/NBD on arrays (``weights``: customers per row)."""
    return ModifiedBetaGeo.fit_arrays(x, t_x, T, weights)  # type: ignore[return-value]


class ModifiedBetaGeo(CountModel):
    """MBG/NBD (Batislam et al. 2007); parameters ``r, alpha, a, b``."""

    name = "mbgnbd"
    label = "MBG/NBD"
    PARAMS = PARAMS
    _objective = staticmethod(lambda theta, data: count_objective(theta, data, 0.0))
    _p_alive = staticmethod(p_alive)
    _expected = staticmethod(expected_orders)
