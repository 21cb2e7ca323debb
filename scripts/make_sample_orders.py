#!/usr/bin/env python3
"""Regenerate data/sample_orders.csv: a synthetic online shop's orders for one year.

    python scripts/make_sample_orders.py [--seed 7] [--customers 1500] [OUT]

Each customer arrives on a random day of 2025, buys at their own rate (a few buy
often, most once) while they stay active (an exponential lifetime), and spends
lognormal amounts in yuan around their own typical basket. About 2% of orders are
later refunded: the refund is a separate row with the same customer, its own
order id (``R`` + original id) and a negative amount. Deterministic for a seed.
"""

from __future__ import annotations

import argparse
import datetime as dt

import numpy as np
import pandas as pd

START = dt.datetime(2025, 1, 1)
DAYS = 365


def generate(customers: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    order_no = 100000
    for i in range(customers):
        cid = f"C{i + 1:05d}"
        arrive = rng.uniform(0, DAYS)
        lifetime = rng.exponential(160)
        rate = rng.gamma(0.7, 1 / 30)  # orders per day while active
        basket = rng.lognormal(np.log(90), 0.6)  # the customer's typical spend
        end = min(DAYS, arrive + lifetime)
        t = arrive
        while t < end:
            order_no += 1
            amount = round(float(basket * rng.lognormal(0, 0.45)), 2)
            when = START + dt.timedelta(days=float(t))
            when = when.replace(second=0, microsecond=0)
            rows.append((f"{order_no}", cid, when, amount))
            if rng.random() < 0.02:
                later = when + dt.timedelta(days=float(rng.uniform(1, 14)))
                if later < START + dt.timedelta(days=DAYS):
                    later = later.replace(second=0, microsecond=0)
                    rows.append((f"R{order_no}", cid, later, -amount))
            t += rng.exponential(1 / rate) + 1
    frame = pd.DataFrame(rows, columns=["order_id", "customer_id", "order_date", "amount"])
    return frame.sort_values(["order_date", "order_id"]).reset_index(drop=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="data/sample_orders.csv")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--customers", type=int, default=1500)
    args = parser.parse_args()
    frame = generate(args.customers, args.seed)
    frame.to_csv(args.out, index=False, date_format="%Y-%m-%d %H:%M:%S")
    print(f"{args.out}: {len(frame)} rows, {frame['customer_id'].nunique()} customers")


if __name__ == "__main__":
    main()
