#!/usr/bin/env python3
"""Regenerate the platform export fixtures and their ground truth.

    python scripts/platform_fixtures.py [--out DIR]     (default tests/fixtures/platforms)

For each platform a seeded model (scripts/fixture_model.py) makes a small customer base and
its orders; a writer (fixture_cn_market.py, fixture_cn_social.py, fixture_intl.py) writes
them the way the platform exports them: its full header with fake personal data, its date,
money and encoding conventions, item rows with order-level columns repeated or on the first
row only, both status columns, title rows. Next to each file, ``<file>.truth.json`` holds the
truth computed from the MODEL, never from the file. Deterministic: same bytes on every run.

Truth semantics (``customers``, ``orders``, ``revenue``, ``repeat_buyers``, ``as_of``,
``per_customer``):

* A sale is an order whose statuses (in any status column: order status and after-sale /
  refund / financial status) are neither "not paid" nor "cancelled". A fully refunded order
  is cancelled, not a sale. An order with no payment time is unpaid, not a sale.
* A partly refunded order is a sale worth its amount minus its refunded amount.
* An order's amount is counted once: an order-level value is not summed over the order's
  item rows (repeated or first-row-only); item-level amounts are summed.
* An order's date is the wall-clock day of its payment time as written in the file; a UTC
  offset after it is ignored (2024-03-30 21:30:00 -0400 is 2024-03-30). Stripe writes only
  the charge's creation time, which is its payment time.
* Blank and placeholder customer ids (WooCommerce guest ``0``) are not customers; their
  orders count nowhere.
* ``orders`` and ``revenue`` add up the sales of customers; ``repeat_buyers`` are customers
  with at least two sales; ``as_of`` is the day after the latest sale date; ``revenue`` and
  per-customer revenue are strings with two decimals; ``first``/``last`` are sale dates.
* In generic/excel_mangled.csv every order id is ``3.51235E+18``; orders are the model's
  orders, which the file tells apart only by customer and order time.

At the end the independent checker (scripts/platform_truth.py: plain Python, the platform
rules written out again) re-reads every file and must reach the same truth, or this fails.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import fixture_cn_market as market
import fixture_cn_social as social
import fixture_intl as intl
import fixture_variants_cn as variants_cn
import fixture_variants_intl as variants_intl
import platform_truth

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "tests" / "fixtures" / "platforms"
WRITERS = (
    market.taobao,
    market.jd,
    market.pinduoduo,
    market.douyin,
    social.kuaishou,
    social.youzan,
    social.wechat,
    intl.shopify,
    intl.woocommerce,
    intl.stripe,
    intl.generic_decimal_comma,
    intl.generic_excel_mangled,
    *variants_cn.WRITERS,
    *variants_intl.WRITERS,
)
MAX_BYTES = 60_000


def write_all(out: Path) -> list[Path]:
    """Write every fixture and its truth under ``out``; return the fixture paths."""
    written = []
    for writer in WRITERS:
        fixture = writer()
        if len(fixture.data) > MAX_BYTES:
            raise SystemExit(f"{fixture.path} is {len(fixture.data)} bytes (limit {MAX_BYTES})")
        path = out / fixture.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(fixture.data)
        text = json.dumps(fixture.truth, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        path.with_name(path.name + ".truth.json").write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    args = parser.parse_args(argv)
    paths = write_all(args.out)
    for path in paths:
        print(f"wrote {path.relative_to(args.out)} ({path.stat().st_size} bytes)", file=sys.stderr)
    return platform_truth.main([str(args.out)])


if __name__ == "__main__":
    sys.exit(main())
