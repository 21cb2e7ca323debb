"""The sample data, checked against an independent plain-Python computation."""

import csv
import datetime as dt
from collections import defaultdict

import pytest

from conftest import SAMPLE
from custseg.engines.run import run_rfm


def plain_python_rfm(path):
    last, orders, spend = {}, defaultdict(set), defaultdict(float)
    with open(path, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    latest = max(dt.datetime.fromisoformat(r["order_date"]).date() for r in rows)
    as_of = latest + dt.timedelta(days=1)
    for r in rows:
        cid, amount = r["customer_id"], float(r["amount"])
        day = dt.datetime.fromisoformat(r["order_date"]).date()
        spend[cid] += amount
        if amount >= 0:  # refunds are separate negative rows, not orders
            orders[cid].add(r["order_id"])
            last[cid] = max(last.get(cid, day), day)
    return as_of, {c: ((as_of - last[c]).days, len(orders[c]), round(spend[c], 2)) for c in last}


def test_sample_matches_plain_python():
    as_of, expected = plain_python_rfm(SAMPLE)
    result = run_rfm(SAMPLE)
    assert result.report.as_of == as_of
    got = {
        r.customer_id: (r.recency_days, r.frequency, r.monetary)
        for r in result.customers.itertuples(index=False)
    }
    assert got.keys() == expected.keys()
    for cid, (rec, freq, mon) in expected.items():
        assert got[cid][:2] == (rec, freq), cid
        assert got[cid][2] == pytest.approx(mon, abs=0.005), cid


def test_sample_has_every_default_segment_and_refunds():
    result = run_rfm(SAMPLE)
    counts = result.customers["segment"].value_counts()
    assert all(counts.get(s, 0) > 0 for s in result.table.segment_names())
    assert result.report.returns > 0
    assert result.report.rows_used == result.report.rows_read
