"""The Pareto/NBD log-likelihood with its exact gradient and Hessian, for the fit.

Per customer (notation of :mod:`custseg.models.pnbd`), with the x-only head apart::

    L' = A + (s/k) F(t_x) - (s/k) F(T),     A = (alpha+T)^-(r+x) (beta+T)^-s

a signed sum of three products of powers and 2F1. For each product phi its log-gradient
``g`` and ``M = (d2 phi)/phi`` (the log-Hessian plus ``g g'``) are closed forms in the
derivatives of ``log 2F1`` (:mod:`custseg.models.hypergeometric`); with the shares
``w = phi / L'`` (each at most ~1/(1-y), so nothing cancels badly)::

    d log L' = sum w g,      d2 log L' = sum w M - (d log L')(d log L')'

Parameters are indexed r 0, alpha 1, s 2, beta 3; symmetric 4x4 matrices per customer are
summed as they come (weighted sums of per-customer parts, never a 4x4 per customer). The
customers without repeat transactions share t_x = 0, hence one F(t_x): computed once.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from scipy.special import digamma, gammaln, polygamma

from custseg.models.base import BLOCK, CountData
from custseg.models.hypergeometric import hyp2f1_derivatives
from custseg.models.linalg import dot, matmul

R, ALPHA, S, BETA = range(4)


def log1mexp(d: np.ndarray) -> np.ndarray:
    """``log(1 - e^d)`` for ``d <= 0`` (``-inf`` at 0), accurate on both sides of -log 2."""
    with np.errstate(divide="ignore"):
        return np.where(d > -np.log(2), np.log(-np.expm1(d)), np.log1p(-np.exp(d)))


def objective(theta: np.ndarray, data: CountData) -> tuple[float, np.ndarray, np.ndarray]:
    """Negative mean log-likelihood at log-parameters ``theta``, its gradient and Hessian."""
    p = np.exp(theta)
    r, alpha, s, beta = (float(v) for v in p)
    ll, g, h = _head(r, alpha, s, beta, data)
    zero = np.zeros(1)
    at_zero = _LogF(r, alpha, s, beta, zero, zero)  # F(t_x) of every customer with x = 0
    for x, t_x, T, w in _blocks(data):
        first = at_zero if x[0] == 0 else _LogF(r, alpha, s, beta, x, t_x)
        ll += _customers(r, alpha, s, beta, (x, T, w), first, g, h)
    W = data.total
    h = (h + h.T) / 2  # the products g w g' are symmetric up to rounding
    if not np.isfinite(ll):
        return np.inf, np.zeros(4), np.eye(4)
    # to log-parameters: d/dtheta = p d/dp; d2/dtheta2 = p p' d2/dp dp' + diag(p d/dp)
    return -ll / W, -g * p / W, -(h * np.outer(p, p) + np.diag(g * p)) / W


def _blocks(data: CountData) -> Iterator[tuple[np.ndarray, ...]]:
    """(x, t_x, T, w) in blocks of at most :data:`BLOCK` rows, each block either all x = 0
    or all x > 0."""
    zero = data.x == 0
    for rows in (np.flatnonzero(zero), np.flatnonzero(~zero)):
        for start in range(0, len(rows), BLOCK):
            take = rows[start : start + BLOCK]
            yield data.x[take], data.t_x[take], data.T[take], data.w[take]


def _add(h: np.ndarray, i: int, j: int, value: float) -> None:
    """Add ``value`` to the symmetric ``h`` at (i, j) and (j, i)."""
    h[i, j] += value
    if i != j:
        h[j, i] += value


def _outer(g: np.ndarray, w: np.ndarray) -> np.ndarray:
    """sum over the rows of w g g' (g: 4 x rows)."""
    return matmul(g * w, g.T)


def _head(r: float, alpha: float, s: float, beta: float, data: CountData):
    """log G(r+x) - log G(r) + r log alpha + s log beta summed over the customers (once
    per distinct x), its gradient and Hessian."""
    ux, wx, W = data.ux, data.wx, data.total
    ll = float(wx @ (gammaln(r + ux) - gammaln(r))) + W * (r * np.log(alpha) + s * np.log(beta))
    g = np.array([wx @ (digamma(r + ux) - digamma(r)) + W * np.log(alpha), W * r / alpha,
                  W * np.log(beta), W * s / beta])  # fmt: skip
    h = np.zeros((4, 4))
    h[R, R] = wx @ (polygamma(1, r + ux) - polygamma(1, r))
    _add(h, R, ALPHA, W / alpha)
    h[ALPHA, ALPHA] = -W * r / alpha**2
    _add(h, S, BETA, W / beta)
    h[BETA, BETA] = -W * s / beta**2
    return ll, g, h


class _Powers:
    """``(alpha+t)^-a (beta+t)^-b``, a rising with r and b with s (a = r + x + const,
    b = s + const): its log, log-gradient, and weighted sums of its log-Hessian."""

    def __init__(self, a: np.ndarray, b: float, alpha: float, beta: float, t: np.ndarray):
        u, v = alpha + t, beta + t
        log_u, log_v = np.log(u), np.log(v)
        self.inv_u, self.inv_v, self.a, self.b = 1.0 / u, 1.0 / v, a, b
        self.log = -a * log_u - b * log_v
        self.g = np.stack([-log_u, -a * self.inv_u, -log_v, -b * self.inv_v])

    def second(self, w: np.ndarray, h: np.ndarray, sign: float) -> None:
        """Add ``sign * sum w H`` to ``h``."""
        wu, wv = w * self.inv_u, w * self.inv_v
        _add(h, R, ALPHA, -sign * wu.sum())
        h[ALPHA, ALPHA] += sign * dot(wu * self.inv_u, np.broadcast_to(self.a, wu.shape))
        _add(h, S, BETA, -sign * wv.sum())
        h[BETA, BETA] += sign * self.b * dot(wv, self.inv_v)


class _LogF:
    """log F(t) (module docstring of :mod:`custseg.models.pnbd`) with its gradient, and
    weighted sums of its Hessian. In the branch alpha >= beta, 2F1's b = r + x follows r;
    otherwise b = s + 1 follows s; c = k + 1 follows both; y = 1 - slow/fast follows the
    larger ("fast") and smaller ("slow") of alpha + t and beta + t."""

    def __init__(self, r: float, alpha: float, s: float, beta: float, x: np.ndarray,
                 t: np.ndarray):  # fmt: skip
        if alpha >= beta:
            self.main, self.other, self.fast, self.slow = R, S, ALPHA, BETA
            powers = _Powers(r + x, s, alpha, beta, t)
            b, fast, slow = r + x, alpha + t, beta + t
        else:
            self.main, self.other, self.fast, self.slow = S, R, BETA, ALPHA
            powers = _Powers(r + x - 1.0, s + 1.0, alpha, beta, t)
            b, fast, slow = np.full_like(x, s + 1.0), beta + t, alpha + t
        series = hyp2f1_derivatives(b, r + s + x + 1.0, 1.0 - slow / fast)
        self.inv_fast = 1.0 / fast
        self.dy = (slow * self.inv_fast * self.inv_fast, -self.inv_fast)  # in fast, slow
        u_b, u_c, u_y = series[1], series[2], series[3]
        gS = np.zeros((4, len(x)))
        gS[self.main], gS[self.other] = u_b + u_c, u_c
        gS[self.fast], gS[self.slow] = u_y * self.dy[0], u_y * self.dy[1]
        self.powers, self.series, self.gS = powers, series, gS
        self.log, self.g = powers.log + series[0], powers.g + gS

    def second(self, w: np.ndarray, h: np.ndarray, sign: float) -> None:
        """Add ``sign * sum w H`` to ``h`` (H: the Hessian of log F at each row)."""
        if len(self.log) == 1:  # one point for all rows: the sums are linear in w
            w = np.array([w.sum()])
        self.powers.second(w, h, sign)
        dy_f, dy_s = self.dy
        wf, ws = w * dy_f, w * dy_s
        # columns: w, w dy_f, w dy_s, w dy_f^2, w dy_f dy_s, w dy_s^2, w y_ff, w y_fs
        # (y_ff = -2 dy_f / fast, y_fs = 1 / fast^2, y_ss = 0)
        cols = np.stack([w, wf, ws, wf * dy_f, wf * dy_s, ws * dy_s, -2.0 * wf * self.inv_fast,
                         -ws * self.inv_fast], axis=1)  # fmt: skip
        z = sign * matmul(self.series, cols)  # z[k, j]: sum of series row k times column j
        main, other, fast, slow = self.main, self.other, self.fast, self.slow
        _, _, _, u_y, v_bb, v_bc, v_cc, v_by, v_cy, v_yy = z
        _add(h, main, main, v_bb[0] + 2.0 * v_bc[0] + v_cc[0])
        _add(h, main, other, v_bc[0] + v_cc[0])
        _add(h, other, other, v_cc[0])
        _add(h, main, fast, v_by[1] + v_cy[1])
        _add(h, main, slow, v_by[2] + v_cy[2])
        _add(h, other, fast, v_cy[1])
        _add(h, other, slow, v_cy[2])
        _add(h, fast, fast, v_yy[3] + u_y[6])
        _add(h, fast, slow, v_yy[4] + u_y[7])
        _add(h, slow, slow, v_yy[5])
        h -= sign * _outer(self.gS, w)


def _customers(r: float, alpha: float, s: float, beta: float, rows: tuple, first: _LogF,
               g: np.ndarray, h: np.ndarray) -> float:  # fmt: skip
    """Add the gradient and Hessian of sum w log L' over a block of customers to ``g`` and
    ``h``; return the sum. ``first`` is log F(t_x) (for x = 0, one value for all)."""
    x, T, w = rows
    inv_k = 1.0 / (r + s + x)
    log_sk = np.log(s) + np.log(inv_k)
    g_sk = np.zeros((4, len(x)))
    g_sk[R], g_sk[S] = -inv_k, 1.0 / s - inv_k
    alive = _Powers(r + x, s, alpha, beta, T)
    last = _LogF(r, alpha, s, beta, x, T)
    gone = log_sk + first.log + log1mexp(np.minimum(last.log - first.log, 0.0))
    total = np.logaddexp(alive.log, gone)
    # the shares of the three terms of L' and their log-gradients
    share_A = np.exp(alive.log - total)
    share_1 = np.exp(log_sk + first.log - total)
    share_2 = np.exp(log_sk + last.log - total)
    g_1, g_2 = first.g + g_sk, last.g + g_sk
    grad = share_A * alive.g + share_1 * g_1 - share_2 * g_2
    g += np.einsum("im,m->i", grad, w)
    w_A, w_1, w_2 = w * share_A, w * share_1, w * share_2
    alive.second(w_A, h, 1.0)
    first.second(w_1, h, 1.0)
    last.second(w_2, h, -1.0)
    h += _outer(alive.g, w_A) + _outer(g_1, w_1) - _outer(g_2, w_2) - _outer(grad, w)
    d = w_1 - w_2  # the Hessian of log(s/k)
    sum_k = dot(d, inv_k * inv_k)
    h[R, R] += sum_k
    _add(h, R, S, sum_k)
    h[S, S] += sum_k - d.sum() / s**2
    return dot(total, w)
