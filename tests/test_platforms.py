"""custseg on export-shaped files of every platform (``tests/fixtures/platforms``, made by
``scripts/platform_fixtures.py``), customer by customer, against the truth the generator's
model gives and ``scripts/platform_truth.py`` recomputes from the files in plain Python."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from custseg.engines.run import run_rfm
from custseg.orders.platforms import platforms, recognise

FIXTURES = Path(__file__).parent / "fixtures" / "platforms"
FILES = sorted(p for p in FIXTURES.rglob("*") if p.suffix in (".csv", ".xlsx", ".xls"))


def _truth(path: Path) -> dict:
    return json.loads(path.with_name(path.name + ".truth.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.name}" for p in FILES])
def test_platform_export_gives_the_true_figures(path):
    truth = _truth(path)
    result = run_rfm(path)
    frame = result.frame
    got = {
        row["customer_id"]: {
            "orders": row["frequency"],
            "revenue": f"{Decimal(str(row['monetary'])).quantize(Decimal('0.01'))}",
            "first": row["first_order"].date().isoformat(),
            "last": row["last_order"].date().isoformat(),
        }
        for row in frame.iter_rows(named=True)
    }
    assert got == truth["per_customer"]
    table = platforms().get(path.parent.name)
    expected = path.parent.name if table and table.signature else "generic"
    assert result.report.platform == expected
    assert result.report.orders == truth["orders"]
    assert result.report.as_of.isoformat() == truth["as_of"]
    assert sum(1 for v in got.values() if v["orders"] >= 2) == truth["repeat_buyers"]
    revenue = sum(Decimal(v["revenue"]) for v in got.values())
    assert f"{revenue:.2f}" == truth["revenue"]


def test_generic_headers_are_no_platform():
    assert recognise(["买家昵称", "买家会员名", "付款日期", "实付金额", "订单状态"]) is None
    assert recognise(["order_id", "customer_id", "order_date", "amount", "status"]) is None
    assert recognise(["订单号", "下单时间", "支付时间", "实付金额", "买家昵称", "售后状态"]) is None


def test_every_platform_has_a_fixture():
    named = {p.parent.name for p in FILES}
    assert set(platforms()) - {"generic"} <= named
