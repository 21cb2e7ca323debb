"""The Gauss hypergeometric function ``2F1(1, b; c; y)`` with its first and second
derivatives in ``b``, ``c`` and ``y``, vectorised, for the Pareto/NBD gradient and Hessian
(:mod:`custseg.models.pnbd`); scipy has the function but no parameter derivatives.

For ``0 <= y < 1`` and ``c > b > 0`` the series ``S = sum_n a_n y^n`` with
``a_n = (b)_n / (c)_n`` has positive terms that fall at least as fast as ``y^n``. With
``D_b(n) = sum_{j<n} 1/(b+j)`` and ``P_b(n) = sum_{j<n} 1/(b+j)^2`` (and likewise for c, the
differences of digamma and trigamma functions ``psi(b+n) - psi(b)``...)::

    da_n/db = a_n D_b          d2a_n/db2 = a_n (D_b^2 - P_b)
    da_n/dc = -a_n D_c         d2a_n/dc2 = a_n (D_c^2 + P_c)      d2a_n/db dc = -a_n D_b D_c

so every derivative is a series with the same terms times sums that grow like log n, and the
derivatives in y are the termwise ones. All ten are summed in one pass; each row stops when
its remaining terms are below 1e-17 of the sum (at y <= 0.1, ~20 terms).
"""

from __future__ import annotations

import numpy as np

from custseg.errors import ModelError
from custseg.models.linalg import matmul

# the ten sums returned (divided by S, except S itself)
NAMES = ("S", "b", "c", "y", "bb", "bc", "cc", "by", "cy", "yy")
_TOL = 1e-17
_CHECK = 4  # test convergence every few terms: a test costs about as much as a term
_MAX_TERMS = 200_000  # y = 0.9998 still converges; y -> 1 means parameters ran off


def log_hyp2f1(b: np.ndarray, c: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``log 2F1(1, b; c; y)`` for arrays of one length with ``0 <= y < 1``, ``c > b > 0``
    (scipy's ``hyp2f1`` loses digits there for large b: 1e-7 at b = 100, c = 121,
    y = 0.906, and returns -inf at b = 143, c = 164).

    Raises
    ------
    ModelError
        ``y`` is so close to 1 that the series does not converge in 200,000 terms.
    """
    out = np.empty(len(y))
    state = np.ones((6, len(y)))  # the sum, the term, b, c, y, a scratch row
    state[2], state[3], state[4] = b, c, y
    rows = np.arange(len(y))
    n = 0
    while rows.size:
        total, term, b_, c_, y_, ratio = state
        np.add(b_, n, out=ratio)
        ratio *= y_
        term *= ratio
        np.add(c_, n, out=ratio)
        term /= ratio
        total += term
        n += 1
        if n % _CHECK:
            continue
        done = term <= _TOL * (1.0 - y_)  # the rest is at most term * y / (1 - y)
        if done.any():
            out[rows[done]] = total[done]
            rows, state = rows[~done], state[:, ~done]
        elif n > _MAX_TERMS:
            raise ModelError("2F1 series did not converge: the parameters ran off")
    return np.log(out)


def hyp2f1_derivatives(b: np.ndarray, c: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``S = 2F1(1, b; c; y)`` and its derivatives, for arrays of one length with
    ``0 <= y < 1`` and ``c > b > 0``; fastest when rows with equal (b, c) are adjacent.

    Returns
    -------
    numpy.ndarray
        Shape ``(10, len(y))``, rows in the order of :data:`NAMES`: ``log S``, then
        ``dS/db / S``, ``dS/dc / S``, ``dS/dy / S`` and the second derivatives
        ``bb, bc, cc, by, cy, yy``, each divided by ``S``.

    Raises
    ------
    ModelError
        ``y`` is so close to 1 that the series does not converge in 200,000 terms.
    """
    m = len(y)
    cut = np.flatnonzero((b[1:] != b[:-1]) | (c[1:] != c[:-1])) + 1
    starts, ends = np.r_[0, cut], np.r_[cut, m]
    if len(starts) * 8 > m:  # mostly distinct (b, c): no run worth a table
        sums = _by_recurrence(b, c, y)
    else:
        sums = np.empty((10, m))
        tables, bounds = _tables(b[starts], c[starts])
        for table, bound, lo, hi in zip(tables, bounds, starts, ends, strict=True):
            _run(table, bound, b, c, y, slice(lo, hi), sums)
    sums[1:] /= sums[0]
    np.log(sums[0], out=sums[0])
    return sums


# Rows with y <= 0.4 sum their series as a product of a table of coefficients per (b, c)
# (their ten series are polynomials in y with the same terms) by the powers of y: one
# matrix product per run of equal (b, c). 1M Pareto/NBD customers (1.4M values of 2F1,
# y <= 0.1): 0.07 s, against 0.59 s term by term on the shared 2-core machine.
_TABLE_Y = 0.4
_TABLE_TERMS = 64  # at y = 0.4 the bound of _converged needs ~60


def _tables(b: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per (b, c): the coefficients of the ten sums at powers y^0..y^64, shape (K, 10, 65),
    and the bound of every coefficient used to choose how many terms a run needs."""
    N = _TABLE_TERMS + 1
    j = np.arange(N + 1, dtype=np.float64)
    inv_b, inv_c = 1.0 / (b[:, None] + j), 1.0 / (c[:, None] + j)
    a, D_b, D_c, P_b, P_c = (np.zeros((len(b), N + 2)) for _ in range(5))
    a[:, 0] = 1.0
    np.cumprod((b[:, None] + j) * inv_c, axis=1, out=a[:, 1:])
    for total, step in ((D_b, inv_b), (D_c, inv_c), (P_b, inv_b * inv_b), (P_c, inv_c * inv_c)):
        np.cumsum(step, axis=1, out=total[:, 1:])
    n1 = j[1:]  # n + 1 for the powers n = 0..N-1
    low, up = slice(0, N), slice(1, N + 1)  # a_n and a_{n+1} at power n
    table = np.empty((len(b), 10, N))
    table[:, 0] = a[:, low]
    table[:, 1] = a[:, low] * D_b[:, low]
    table[:, 2] = -a[:, low] * D_c[:, low]
    table[:, 3] = n1 * a[:, up]
    table[:, 4] = a[:, low] * (D_b[:, low] ** 2 - P_b[:, low])
    table[:, 5] = -a[:, low] * D_b[:, low] * D_c[:, low]
    table[:, 6] = a[:, low] * (D_c[:, low] ** 2 + P_c[:, low])
    table[:, 7] = n1 * a[:, up] * D_b[:, up]
    table[:, 8] = -n1 * a[:, up] * D_c[:, up]
    table[:, 9] = n1 * (n1 + 1.0) * a[:, 2 : N + 2]
    bound = a[:, low] * (j[:N] + 2.0) ** 2 * (1.0 + D_b[:, low]) ** 2
    return table, bound


def _run(table: np.ndarray, bound: np.ndarray, b: np.ndarray, c: np.ndarray, y: np.ndarray,
         rows: slice, sums: np.ndarray) -> None:  # fmt: skip
    """Fill ``sums`` for a run of rows with one (b, c): by the table where y <= 0.4, term
    by term elsewhere."""
    part = y[rows]
    far = part > _TABLE_Y
    near = np.arange(rows.start, rows.stop)
    if far.any():
        far_rows, near = near[far], near[~far]
        sums[:, far_rows] = _by_recurrence(b[far_rows], c[far_rows], y[far_rows])
        if not len(near):
            return
        part = y[near]
    top = float(part.max())
    n = np.arange(_TABLE_TERMS + 1)
    with np.errstate(divide="ignore"):  # y = 0
        ok = bound * top ** (n - 2.0) <= _TOL * (1.0 - top) ** 3
    if not ok[2:].any():  # tiny b: D_b, hence the sums' factors, are large
        sums[:, near] = _by_recurrence(b[near], c[near], y[near])
        return
    terms = int(np.argmax(ok[2:])) + 3  # powers y^0 .. y^(terms-1)
    powers = np.empty((terms, len(part)))
    powers[0] = 1.0
    for k in range(1, terms):
        np.multiply(powers[k - 1], part, out=powers[k])
    sums[:, near] = matmul(table[:, :terms], powers)


def _by_recurrence(b: np.ndarray, c: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The ten sums (not divided by S), term by term with each row stopping on its own."""
    m = len(y)
    out = np.empty((10, m))
    acc = np.zeros((10, m))  # the sums, in the order of NAMES
    acc[0] = 1.0
    # a_n, three powers of y (rotated: y^n, y^(n-1), y^(n-2)), D_b, D_c, Q_b = D_b^2 - P_b,
    # Q_c = D_c^2 + P_c, then b, c, y
    state = np.zeros((11, m))
    state[0] = state[1] = 1.0
    state[8], state[9], state[10] = b, c, y
    rows = np.arange(m)
    power = [1, 2, 3]  # rows of state holding y^n, y^(n-1), y^(n-2)
    tmp = np.empty((3, m))
    n = 0
    while rows.size:
        n += 1
        power = [power[2], power[0], power[1]]
        _term(n, state, power, acc, tmp)
        if n % _CHECK:
            continue
        done = _converged(n, state, power)
        if not done.any():
            if n > _MAX_TERMS:
                raise ModelError("2F1 series did not converge: the parameters ran off")
            continue
        out[:, rows[done]] = acc[:, done]
        live = ~done
        rows, acc, state, tmp = rows[live], acc[:, live], state[:, live], tmp[:, live]
    return out


def _term(n: int, state: np.ndarray, power: list[int], acc: np.ndarray, tmp: np.ndarray) -> None:
    """Move ``state`` from term n-1 to term n and add term n to the sums (in place:
    32k-row temporaries cost 2-3x the arithmetic)."""
    a, D_b, D_c, Q_b, Q_c, b, c, y = (state[i] for i in (0, 4, 5, 6, 7, 8, 9, 10))
    y_n, y_n1, y_n2 = (state[i] for i in power)
    inv_b, inv_c, t = tmp
    j = n - 1
    np.add(b, j, out=inv_b)
    np.multiply(a, inv_b, out=a)  # a_n = a_{n-1} (b+j) / (c+j)
    np.reciprocal(inv_b, out=inv_b)
    np.add(c, j, out=inv_c)
    np.reciprocal(inv_c, out=inv_c)
    np.multiply(a, inv_c, out=a)
    np.multiply(inv_b, D_b, out=t)  # Q_b += 2 D_b / (b+j)
    Q_b += t
    Q_b += t
    np.add(D_c, inv_c, out=t)  # Q_c += 2 (D_c + 1/(c+j)) / (c+j)
    t *= inv_c
    Q_c += t
    Q_c += t
    D_b += inv_b
    D_c += inv_c
    np.multiply(y_n1, y, out=y_n)  # y_n held y^(n-3): now y^n
    np.multiply(a, y_n, out=inv_b)  # the term a_n y^n; inv_b, inv_c are free from here
    acc[0] += inv_b
    _add(acc[4], inv_b, Q_b, t)
    _add(acc[6], inv_b, Q_c, t)
    np.multiply(inv_b, D_c, out=inv_c)
    acc[2] -= inv_c
    np.multiply(inv_b, D_b, out=inv_b)
    acc[1] += inv_b
    _add(acc[5], inv_b, D_c, t, -1.0)
    np.multiply(a, y_n1, out=inv_b)  # d/dy: n a_n y^(n-1)
    inv_b *= n
    acc[3] += inv_b
    _add(acc[7], inv_b, D_b, t)
    _add(acc[8], inv_b, D_c, t, -1.0)
    if n >= 2:
        np.multiply(a, y_n2, out=inv_b)
        inv_b *= n * (n - 1)
        acc[9] += inv_b


def _add(total: np.ndarray, u: np.ndarray, v: np.ndarray, t: np.ndarray, sign: float = 1.0):
    np.multiply(u, v, out=t)
    if sign > 0:
        total += t
    else:
        total -= t


def _converged(n: int, state: np.ndarray, power: list[int]) -> np.ndarray:
    """Rows whose remaining terms add less than 1e-17 of S (S >= 1) to every sum: term
    n+m is at most y^m times term n, and the factors n^2, D^2 grow slower than y^-m falls."""
    a, D_b, y = state[0], state[4], state[10]
    bound = a * state[power[2]] * ((n + 2.0) ** 2) * (1.0 + D_b) ** 2
    slack = 1.0 - y
    return bound <= _TOL * slack * slack * slack
