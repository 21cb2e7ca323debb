"""The platform export fixtures (tests/fixtures/platforms): regenerating them gives the same
bytes, the independent checker (scripts/platform_truth.py) agrees with every stored truth, and
each platform table (src/custseg/platforms/<name>.toml) fits its fixture: the table is
well-formed, its signature is found in the fixture's header, its columns are in the header and
it puts every status value in the fixture in the category the checker does."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from custseg.orders.platforms import MIN_SIGNATURE, normalize_header, recognise

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "platforms"
SCRIPTS = ROOT / "scripts"
TABLES = ROOT / "src" / "custseg" / "platforms"
ROLES = {
    "customer",
    "order",
    "date",
    "amount",
    "quantity",
    "price",
    "status",
    "after_sale",
    "refunded",
}
CATEGORIES = ("sale", "not_paid", "cancelled", "partly_refunded")


def _checker():
    spec = importlib.util.spec_from_file_location("platform_truth", SCRIPTS / "platform_truth.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


truth = _checker()
PLATFORM_FILES = sorted(name for name in truth.RULES if not name.startswith("generic/"))
PLATFORMS = sorted({name.split("/")[0] for name in PLATFORM_FILES})


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_regenerating_gives_the_committed_bytes(tmp_path):
    script = SCRIPTS / "platform_fixtures.py"
    run = subprocess.run(
        [sys.executable, script, "--out", tmp_path], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    fresh, committed = _files(tmp_path), _files(FIXTURES)
    assert sorted(fresh) == sorted(committed)
    changed = [name for name in fresh if fresh[name] != committed[name]]
    assert changed == [], "run scripts/platform_fixtures.py and commit the result"
    assert all(len(data) < 60_000 for data in committed.values())


def test_independent_checker_agrees_with_every_truth():
    assert truth.check(FIXTURES) == []


def test_checker_runs_as_a_script():
    run = subprocess.run(
        [sys.executable, SCRIPTS / "platform_truth.py", FIXTURES], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr


def _table(platform: str) -> dict:
    return tomllib.loads((TABLES / f"{platform}.toml").read_text(encoding="utf-8"))


def _header_and_rows(name: str) -> tuple[list[str], list[dict]]:
    """The header (names trimmed) and rows of a fixture, read as the checker reads it."""
    rule = truth.RULES[name]
    lines = truth.read_lines(FIXTURES / name, rule)[rule.title_rows :]
    header = [h.strip() for h in lines[0]]
    return header, [dict(zip(header, line, strict=True)) for line in lines[1:]]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_table_is_well_formed(platform):
    table = _table(platform)
    assert table["name"] == platform
    assert table["title"] and table["title_zh"]
    assert set(table["columns"]) <= ROLES
    assert {"customer", "order", "date", "amount", "status"} <= set(table["columns"])
    assert all(isinstance(v, list) and v for v in table["columns"].values())
    assert set(table["order_level"].values()) <= {"repeated", "first_row"}
    assert set(table["statuses"]) == set(CATEGORIES)
    assert set(table) <= {
        "name",
        "title",
        "title_zh",
        "signature",
        "columns",
        "order_level",
        "statuses",
        "placeholder_customers",
    }
    seen: dict[str, str] = {}
    for category in CATEGORIES:
        for value in table["statuses"][category]:
            assert seen.setdefault(truth.norm(value), category) == category, value


@pytest.mark.parametrize("name", PLATFORM_FILES)
def test_table_fits_its_fixture(name):
    platform = name.split("/")[0]
    table, rule = _table(platform), truth.RULES[name]
    header, rows = _header_and_rows(name)
    if table["signature"]:  # none: recognised only with --platform (an unverified layout)
        assert len(set(table["signature"]) & set(header)) >= 2
    first_found = {
        role: next((c for c in names if c in header), None)
        for role, names in table["columns"].items()
    }
    assert first_found["customer"] == rule.customer
    assert first_found["date"] == rule.paid
    assert first_found["amount"] == rule.amount
    assert first_found["order"] in (rule.order[0], None)  # None: a generic name finds it
    assert rule.placeholders <= set(table.get("placeholder_customers", []))
    statuses = [first_found[r] for r in ("status", "after_sale") if first_found.get(r)]
    assert tuple(statuses) == rule.statuses + rule.item_statuses
    category = {truth.norm(v): c for c in CATEGORIES for v in table["statuses"][c]}
    generic = _table("generic")["statuses"]
    for c in CATEGORIES:  # the generic table reads what the platform's does not name
        for v in generic[c]:
            category.setdefault(truth.norm(v), c)
    expected = {
        "sale": rule.sale,
        "not_paid": rule.not_paid,
        "cancelled": rule.cancelled,
        "partly_refunded": rule.partly,
    }
    for value in {truth.norm(row[col]) for row in rows for col in statuses} - {""}:
        assert value in category, f"{name}: {value!r} is in no table"
        assert value in expected[category[value]], f"{name}: {value!r}"


def _signature(platform: str) -> set[str]:
    return {normalize_header(n) for n in _table(platform).get("signature", [])}


def _generic_names() -> set[str]:
    return {normalize_header(n) for names in _table("generic")["columns"].values() for n in names}


@pytest.mark.parametrize("name", sorted(truth.RULES))
def test_each_fixture_is_recognised_as_its_platform_only(name):
    header, _ = _header_and_rows(name)
    platform = name.split("/")[0]
    found = recognise(header)
    expected = platform if platform != "generic" and _table(platform)["signature"] else None
    assert (found.name if found else None) == expected
    keys = {normalize_header(h) for h in header}
    for other in PLATFORMS:
        if other != platform:
            assert len(_signature(other) & keys) < MIN_SIGNATURE, (other, _signature(other) & keys)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_signature_is_not_made_of_generic_names(platform):
    """At most one generic name in a signature: a generic export is no platform's."""
    assert len(_signature(platform) & _generic_names()) < MIN_SIGNATURE
    assert recognise(sorted(_generic_names())) is None


def test_xlsx_copy_holds_the_cells_of_its_csv_twin():
    header, rows = _header_and_rows("taobao/tmall_orders.csv")
    xheader, xrows = _header_and_rows("taobao/tmall_orders.xlsx")
    assert xheader == header

    def same(a: str, b: str) -> bool:
        try:
            return truth.Decimal(a) == truth.Decimal(b)
        except ArithmeticError:
            return a == b

    assert len(xrows) == len(rows)
    for x, c in zip(xrows, rows, strict=True):
        assert all(same(x[h], c[h].strip()) for h in header), c["订单编号"]
