"""Per-customer summaries drawn from the BG/NBD and Pareto/NBD generative processes, for
tests and the benchmarks (vectorised numpy, deterministic for a seed)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from custseg.errors import ModelError


def simulate_bgnbd(n: int, params: Mapping[str, float], T: Any, seed: int = 0) -> Any:
    """``n`` customers from BG/NBD with ``params`` (``r, alpha, a, b``), observed for ``T``
    time units after their first purchase (a number, or one per customer).

    Each customer has a Poisson rate lambda ~ Gamma(r, 1/alpha) and a dropout probability
    p ~ Beta(a, b); after each repeat transaction she leaves with probability p, so she makes
    J ~ Geometric(p) repeat transactions in all. With N ~ Poisson(lambda T) arrivals in
    (0, T], x = min(J, N) are observed, and the x-th of N uniform arrival times is
    t_x = T * Beta(x, N - x + 1).

    Returns
    -------
    pandas.DataFrame
        Columns ``repeat_orders`` (int64), ``t_first_last`` and ``T`` (float64).
    """
    import pandas as pd

    if n < 1 or any(not params.get(k, 0) > 0 for k in ("r", "alpha", "a", "b")):
        raise ModelError("simulate_bgnbd needs n >= 1 and positive r, alpha, a, b")
    rng = np.random.default_rng(seed)
    ages = np.broadcast_to(np.asarray(T, dtype=np.float64), (n,)).copy()
    lam = rng.gamma(params["r"], 1.0 / params["alpha"], n)
    p = rng.beta(params["a"], params["b"], n)
    arrivals = rng.poisson(lam * ages)
    lifetime = rng.geometric(np.maximum(p, 1e-300))
    x = np.minimum(arrivals, lifetime)
    bought = x > 0
    t_x = np.zeros(n)
    t_x[bought] = ages[bought] * rng.beta(x[bought], arrivals[bought] - x[bought] + 1)
    return pd.DataFrame({"repeat_orders": x.astype(np.int64), "t_first_last": t_x, "T": ages})


def simulate_pnbd(n: int, params: Mapping[str, float], T: Any, seed: int = 0) -> Any:
    """``n`` customers from Pareto/NBD with ``params`` (``r, alpha, s, beta``), observed for
    ``T`` time units after their first purchase (a number, or one per customer).

    Each customer has a Poisson rate lambda ~ Gamma(r, 1/alpha) and a lifetime
    tau ~ Exponential(mu), mu ~ Gamma(s, 1/beta); she buys while alive, so x ~
    Poisson(lambda min(tau, T)) repeat transactions are observed, the last of x uniform
    times in (0, min(tau, T)) at t_x = min(tau, T) * U^(1/x).

    Returns
    -------
    pandas.DataFrame
        Columns ``repeat_orders`` (int64), ``t_first_last`` and ``T`` (float64).
    """
    import pandas as pd

    if n < 1 or any(not params.get(k, 0) > 0 for k in ("r", "alpha", "s", "beta")):
        raise ModelError("simulate_pnbd needs n >= 1 and positive r, alpha, s, beta")
    rng = np.random.default_rng(seed)
    ages = np.broadcast_to(np.asarray(T, dtype=np.float64), (n,)).copy()
    lam = rng.gamma(params["r"], 1.0 / params["alpha"], n)
    mu = rng.gamma(params["s"], 1.0 / params["beta"], n)
    with np.errstate(divide="ignore"):
        alive = np.minimum(rng.exponential(1.0 / mu), ages)  # mu may underflow to 0
    x = rng.poisson(lam * alive)
    bought = x > 0
    t_x = np.zeros(n)
    t_x[bought] = alive[bought] * rng.random(int(bought.sum())) ** (1.0 / x[bought])
    return pd.DataFrame({"repeat_orders": x.astype(np.int64), "t_first_last": t_x, "T": ages})
