"""BG/NBD: Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way: An
Alternative to the Pareto/NBD Model", Marketing Science 24(2).

While alive a customer buys at Poisson rate lambda ~ Gamma(r, alpha); after each repeat
transaction she drops out with probability p ~ Beta(a, b). A customer with no repeat
transaction is certainly alive. Per customer (x, t_x, T), equation (6)::

    L = B(a, b+x)/B(a, b) * G(r+x) alpha^r / (G(r) (alpha+T)^(r+x))
        + [x > 0] B(a+1, b+x-1)/B(a, b) * G(r+x) alpha^r / (G(r) (alpha+t_x)^(r+x))

computed as ``log`` of the first term plus ``softplus(z)``, with
``z = log(a/(b+x-1)) + (r+x) log((alpha+T)/(alpha+t_x))``; P(alive) = 1/(1+e^z).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import betaln, digamma, gammaln, hyp2f1, polygamma

from custseg.models.base import CountData, CountModel
from custseg.models.linalg import dot

PARAMS = ("r", "alpha", "a", "b")


def softplus_sigmoid(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``log(1 + e^z)`` and ``1/(1 + e^-z)``, without overflow for large |z|."""
    e = np.exp(-np.abs(z))
    soft = np.maximum(z, 0.0) + np.log1p(e)
    sig = np.where(z >= 0, 1.0, e) / (1.0 + e)
    return soft, sig


def _dropout_z(params: dict, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, shift: float):
    """z of the dropped-out term (BG/NBD shift = 1: b+x-1; MBG/NBD shift = 0: b+x)."""
    r, alpha, a, b = (params[k] for k in PARAMS)
    ratio = np.log(alpha + T) - np.log(alpha + t_x)
    return np.log(a) - np.log(b + x - shift) + (r + x) * ratio, ratio


def count_objective(
    theta: np.ndarray, data: CountData, shift: float
) -> tuple[float, np.ndarray, np.ndarray]:
    """Negative mean log-likelihood, its gradient and Hessian in log-parameters, for BG/NBD
    (``shift`` 1: a dropped-out term for x > 0 only) and MBG/NBD (``shift`` 0: for all)."""
    p = np.exp(theta)
    r, alpha, a, b = (float(v) for v in p)
    ll, g, h = _x_terms(r, alpha, a, b, data, shift)
    for block in data.blocks(everyone=True):
        ll += _alive_terms(r, alpha, block, g, h)
    for block in data.blocks(everyone=not shift):
        ll += _dropout_terms(r, alpha, a, b, block, shift, g, h)
    h = np.triu(h) + np.triu(h, 1).T
    # to log-parameters: d/dtheta = p d/dp; d2/dtheta2 = p p' d2/dp dp' + diag(p d/dp)
    W = data.total
    return -ll / W, -g * p / W, -(h * np.outer(p, p) + np.diag(g * p)) / W


def _alive_terms(r: float, alpha: float, block: tuple, g: np.ndarray, h: np.ndarray) -> float:
    """Add the gradient and Hessian of the "alive at T" term of every row,
    -(r + x) log(alpha + T), to ``g`` and ``h``; return its log-likelihood."""
    x, t_x, T, w, wx = block
    log_T, inv_T = np.log(alpha + T), 1.0 / (alpha + T)
    w_log, w_inv, wx_inv = dot(w, log_T), dot(w, inv_T), dot(wx, inv_T)
    g[0] -= w_log
    g[1] -= r * w_inv + wx_inv
    h[0, 1] -= w_inv
    inv_T *= inv_T
    h[1, 1] += r * dot(w, inv_T) + dot(wx, inv_T)
    return -(r * w_log + dot(wx, log_T))


def _dropout_terms(r: float, alpha: float, a: float, b: float, block: tuple, shift: float,
                   g: np.ndarray, h: np.ndarray) -> float:  # fmt: skip
    """Add the gradient and Hessian of the "dropped out after t_x" term, softplus(z), to
    ``g`` and ``h``; return its log-likelihood."""
    x, t_x, T, w, _ = block
    params = {"r": r, "alpha": alpha, "a": a, "b": b}
    z, ratio = _dropout_z(params, x, t_x, T, shift)
    soft, sig = softplus_sigmoid(z)
    inv_T, inv_t, inv_b = 1.0 / (alpha + T), 1.0 / (alpha + t_x), 1.0 / (b + x - shift)
    dz = np.stack([ratio, (r + x) * (inv_T - inv_t), np.full_like(z, 1.0 / a), -inv_b])
    ws = w * sig
    g += dz @ ws
    h += (dz * (ws * (1.0 - sig))) @ dz.T
    h[0, 1] += dot(ws, inv_T - inv_t)
    h[1, 1] += dot(ws, (r + x) * (inv_t * inv_t - inv_T * inv_T))
    h[2, 2] -= ws.sum() / a**2
    h[3, 3] += dot(ws, inv_b * inv_b)
    return float(dot(w, soft))


def _x_terms(r: float, alpha: float, a: float, b: float, data: CountData, shift: float):
    """The terms in x alone (and constants): log-likelihood, gradient, upper Hessian."""
    ux, wx, W = data.ux, data.wx, data.total
    B = b + ux + 1 - shift
    ll = wx @ (gammaln(r + ux) - gammaln(r) + betaln(a, B)) + W * (r * np.log(alpha) - betaln(a, b))
    d_ab, t_ab = digamma(a + b), polygamma(1, a + b)
    g = np.array([
        wx @ (digamma(r + ux) - digamma(r)) + W * np.log(alpha),
        W * r / alpha,
        wx @ (d_ab - digamma(a + B)),
        wx @ (digamma(B) - digamma(a + B)) + W * (d_ab - digamma(b)),
    ])  # fmt: skip
    h = np.zeros((4, 4))
    h[0, 0] = wx @ (polygamma(1, r + ux) - polygamma(1, r))
    h[0, 1] = W / alpha
    h[1, 1] = -W * r / alpha**2
    h[2, 2] = h[2, 3] = wx @ (t_ab - polygamma(1, a + B))
    h[3, 3] = wx @ (polygamma(1, B) - polygamma(1, a + B)) + W * (t_ab - polygamma(1, b))
    return ll, g, h


def log_likelihood(params: dict, x: Any, t_x: Any, T: Any) -> np.ndarray:
    """Per-customer log-likelihood (the paper's equation 6, in logs)."""
    r, alpha, a, b = (params[k] for k in PARAMS)
    x, t_x, T = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    base = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x) - betaln(a, b)
    with np.errstate(divide="ignore", invalid="ignore"):
        z, _ = _dropout_z(params, x, t_x, T, 1.0)
    soft, _ = softplus_sigmoid(np.where(x > 0, z, -np.inf))
    return base - (r + x) * np.log(alpha + T) + soft


def p_alive(params: dict, x: Any, t_x: Any, T: Any) -> np.ndarray:
    """P(alive at T | x, t_x, T): 1 for customers without repeat transactions."""
    x, t_x, T = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    with np.errstate(divide="ignore", invalid="ignore"):
        z, _ = _dropout_z(params, x, t_x, T, 1.0)
    return np.where(x > 0, softplus_sigmoid(-np.where(x > 0, z, 0.0))[1], 1.0)


def growth(a: float, upper: Any, c: Any, y: Any) -> np.ndarray:
    """``c/(a-1) * (1 - (1-y)^(a-1) * 2F1(upper, a-1; c; y))``: the expected transactions of
    an alive customer. The papers write ``(1-y)^(r+x) 2F1(r+x, b+x; c; y)``, whose first two
    parameters grow with x and overflow; Euler's transformation gives this form, whose third
    parameter grows instead. At a = 1 (0/0), a is moved by 1e-7."""
    a = a if abs(a - 1.0) > 1e-7 else 1.0 + 1e-7
    return c / (a - 1.0) * (1.0 - np.exp((a - 1.0) * np.log1p(-y)) * hyp2f1(upper, a - 1, c, y))


def expected_orders(params: dict, t: Any, x: Any, t_x: Any, T: Any) -> np.ndarray:
    """E[transactions in (T, T+t] | x, t_x, T] (the paper's equation 10)."""
    r, alpha, a, b = (params[k] for k in PARAMS)
    x, t_x, T = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    y = t / (alpha + T + t)
    c = a + b + x - 1
    return growth(a, a + b - 1 - r, c, y) * p_alive(params, x, t_x, T)


def fit_arrays(x: Any, t_x: Any, T: Any, weights: Any = None) -> BetaGeo:
    """Fit BG/NBD on arrays (``weights``: customers per row)."""
    return BetaGeo.fit_arrays(x, t_x, T, weights)  # type: ignore[return-value]


class BetaGeo(CountModel):
    """BG/NBD (Fader, Hardie & Lee 2005); parameters ``r, alpha, a, b``."""

    name = "bgnbd"
    label = "BG/NBD"
    PARAMS = PARAMS
    _objective = staticmethod(lambda theta, data: count_objective(theta, data, 1.0))
    _p_alive = staticmethod(p_alive)
    _expected = staticmethod(expected_orders)
