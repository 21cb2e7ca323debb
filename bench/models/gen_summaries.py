#!/usr/bin/env python3
"""Per-customer summaries simulated from the BG/NBD and Gamma-Gamma models (Parquet).

    python gen_summaries.py --customers 100000 --seed 1 data/bgnbd_100k.parquet

Time unit: weeks. Parameters: the published CDNOW ones (Fader, Hardie & Lee 2005):
BG/NBD r 0.243, alpha 4.414, a 0.793, b 2.426; Gamma-Gamma p 6.25, q 3.74, gamma 15.44.

Each customer's first purchase is at time 0 and they are observed for T weeks, T drawn
uniformly from 1 to 78 weeks (customers acquired evenly over the 18 months before the
as-of date, each with at least a week of history). Purchases while alive follow a Poisson
process of rate lambda ~ Gamma(r, rate alpha); after each repeat purchase the customer
drops out with probability p ~ Beta(a, b) (no dropout at the first purchase, as in the
BG/NBD). Times are continuous (not rounded to days), so the data follow the model exactly.

Spend: each customer's transactions are Gamma(p, rate nu) with nu ~ Gamma(q, rate gamma);
`mean_repeat_spend` is the mean of the repeat transactions, rounded to cents (at least
0.01), and 0.0 for customers with no repeat purchase.

Columns: customer_id (int64), repeat_orders (int64), t_first_last (float64, weeks from
the first to the last purchase), T (float64, weeks from the first purchase to as-of),
mean_repeat_spend (float64).
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}
T_MIN, T_MAX = 1.0, 78.0


def simulate(n: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    T = rng.uniform(T_MIN, T_MAX, n)
    lam = rng.gamma(BGNBD["r"], 1.0 / BGNBD["alpha"], n)
    p = rng.beta(BGNBD["a"], BGNBD["b"], n)
    x = np.zeros(n, dtype=np.int64)
    t_x = np.zeros(n)
    t = np.zeros(n)
    active = np.arange(n)
    with np.errstate(divide="ignore"):
        scale = 1.0 / lam  # inf where lambda underflowed to 0: never buys again
    while active.size:
        t[active] += rng.exponential(scale[active])
        active = active[t[active] <= T[active]]
        x[active] += 1
        t_x[active] = t[active]
        active = active[rng.random(active.size) >= p[active]]

    nu = rng.gamma(GAMMA_GAMMA["q"], 1.0 / GAMMA_GAMMA["gamma"], n)
    spend = np.zeros(n)
    rep = x > 0
    # the mean of x iid Gamma(p, rate nu) draws is Gamma(p x, rate nu) / x
    spend[rep] = rng.gamma(GAMMA_GAMMA["p"] * x[rep], 1.0 / nu[rep]) / x[rep]
    spend[rep] = np.maximum(np.round(spend[rep], 2), 0.01)
    return {
        "customer_id": np.arange(1, n + 1, dtype=np.int64),
        "repeat_orders": x,
        "t_first_last": t_x,
        "T": T,
        "mean_repeat_spend": spend,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--customers", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("out")
    a = ap.parse_args(argv)

    import pyarrow as pa
    import pyarrow.parquet as pq

    cols = simulate(a.customers, a.seed)
    table = pa.table(cols)
    meta = {
        "bgnbd": str(BGNBD),
        "gamma_gamma": str(GAMMA_GAMMA),
        "seed": str(a.seed),
        "time_unit": "week",
        "T": f"uniform {T_MIN}..{T_MAX}",
    }
    table = table.replace_schema_metadata({k.encode(): v.encode() for k, v in meta.items()})
    pq.write_table(table, a.out)
    x = cols["repeat_orders"]
    print(
        f"{a.out}: {a.customers} customers, {np.mean(x > 0):.1%} repeat buyers, "
        f"mean repeat orders {x.mean():.3f}, max {x.max()}, "
        f"mean repeat spend {cols['mean_repeat_spend'][x > 0].mean():.2f}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
