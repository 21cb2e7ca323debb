"""The shortcuts that make big files fast give the same answers as the plain way."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custseg.engines.loading import read_orders
from custseg.errors import DataError
from custseg.io.writers import days_when_no_times
from custseg.measures import plan as rfm
from custseg.orders import cleaning
from custseg.orders.facts import order_id_facts
from custseg.orders.load import LoadOptions
from custseg.orders.values import complete, parse_amounts, parse_dates


@pytest.mark.parametrize(
    ("ids", "unique"),
    [
        (["A1", "A2", "A3", "B0"], True),  # increasing: neighbours only
        (["B0", "A1", "A3", "A2"], True),  # unsorted: hashed
        (["A1", "A2", "A2", "A3"], False),  # sorted with a repeat
        (["A2", "A1", "A2"], False),
        (["A1", None, "A3"], False),
        (["A1"], True),
    ],
)
def test_ids_unique(ids, unique):
    unique_ids, _ = order_id_facts(pl.LazyFrame({"id": pl.Series(ids, dtype=pl.String)}))
    assert unique_ids is unique


def test_complete_equals_the_careful_parse_on_every_value():
    raw = pl.Series(
        ["2024-01-02", " 2024-01-03 ", "2024年3月5日", "2024/02/01", None, "", "soon", "2024-02-30"]
        + ["2024-01-05"] * 20
    )
    fast = raw.str.to_datetime("%Y-%m-%d", strict=False, exact=True, time_unit="us")
    assert fast.null_count() > raw.null_count()  # the quick pass misses some
    assert complete(fast, raw, parse_dates).equals(parse_dates(raw))
    amounts = pl.Series(["12.5", "¥1,234.00", "(3.50)", " 7 ", "abc", None, "-2"])
    quick = amounts.cast(pl.Float64, strict=False)
    assert complete(quick, amounts, parse_amounts).to_list() == [
        12.5, 1234.0, -3.5, 7.0, None, None, -2.0,
    ]  # fmt: skip


def test_blank_where_looks_only_at_cells_that_did_not_parse():
    raw = pl.Series(["x", "  ", None, "", "y"])
    failed = pl.Series([True, True, False, True, False])
    assert cleaning.blank_where(raw, failed).to_list() == [False, True, True, True, False]


def _rows(ids: list[str]) -> pl.LazyFrame:
    n = len(ids)
    orders = pl.DataFrame(
        {
            "customer_id": ids,
            "order_date": [dt.datetime(2024, 1, 1 + i) for i in range(n)],
            "amount": [10.0] * n,
        }
    )
    values = rfm.row_values(pl.lit(True), dt.date(2024, 3, 1), rfm.Lifecycle())
    return (
        orders.lazy()
        .with_row_index("row")
        .select("customer_id", **values)
        .with_columns(check=rfm.check_hash(pl.col("customer_id")))
    )


def test_two_ids_sharing_a_hash_are_caught():
    rows = _rows(["a", "b", "a", "c"])
    as_of, life = dt.date(2024, 3, 1), rfm.Lifecycle()
    keyed = rows.with_columns(key=pl.col("customer_id").hash(seed=0))
    honest = rfm._per_customer(keyed, as_of, life, check=True)
    ids = pl.Series(["a", "b", "a", "c"]).gather(honest["row"])
    assert not rfm.shared_hash(honest, ids)
    # every id in one group, as if all shared one 64-bit hash
    clash = rfm._per_customer(rows.with_columns(key=pl.lit(0, pl.UInt64)), as_of, life, check=True)
    assert rfm.shared_hash(clash, pl.Series(["a"]))
    # a group without a used row (null id) is not looked at
    assert not rfm.shared_hash(honest, ids.scatter(0, None))


def test_customers_in_order_of_first_used_row(write_csv):
    path = write_csv(
        "customer,order,date,amount,status\n"
        "z,1,2024-01-01,10,closed\n"  # z's first row is not used
        "m,2,2024-01-02,10,paid\n"
        "z,3,2024-01-03,10,paid\n"
        "a,4,2024-01-04,10,paid\n"
        "m,5,2024-01-05,10,paid\n"
    )
    loaded = read_orders(path)
    out = rfm.measures(loaded.rows, loaded.report.as_of)
    assert out["customer_id"].to_list() == ["m", "z", "a"]
    assert out["frequency"].to_list() == [2, 1, 1]
    # the merged orders (line items) give the same customers in the same order
    merged = rfm.measures(loaded.frame, loaded.report.as_of)
    assert merged.equals(out)


@pytest.mark.parametrize("r", ["r", "rr"])  # ids of one width (exact key) or not (hash)
def test_returns_only_customers_are_counted_and_left_out(write_csv, r):
    path = write_csv(
        "customer,order,date,amount\n"
        f"{r},1,2024-01-01,-5\n"  # only returns
        f"{r},2,2024-01-02,-6\n"
        "b,3,2024-01-03,20\n"
        "b,4,2024-01-04,-2\n"  # a return of a buyer stays (lowers monetary)
    )
    loaded = read_orders(path)
    assert loaded.report.left_out["returns only"] == 2
    assert (loaded.report.orders, loaded.report.returns) == (1, 1)
    out = rfm.measures(loaded.rows, loaded.report.as_of)
    assert out.select("customer_id", "frequency", "monetary").rows() == [("b", 1, 18.0)]
    # the per-customer pass is where the rule lives: on the rows before marking, it
    # finds the same customer and its two orders
    only = cleaning.code("returns only")
    assert loaded.rows["reason"].to_list() == [only] * 2 + [0, 0]
    unmarked = loaded.rows.with_columns(reason=pl.col("reason").replace(only, 0))
    passed = rfm.customer_pass(unmarked, loaded.report.as_of)
    assert passed.unbought.to_list() == [r] and passed.unbought_orders == 2
    assert passed.measures.drop("row").equals(out)
    assert loaded.frame["customer_id"].to_list() == ["b", "b"]


def test_run_rfm_counts_returns_only_like_the_loader(write_csv):
    from custseg.engines.run import run_rfm

    path = write_csv(
        "customer,order,date,amount\n"
        "r,1,2024-01-01,-5\n"
        "b,2,2024-01-03,20\n"
        "b,3,2024-01-04,-2\n"
        "q,4,2024-01-05,-1\n"
        "q,5,2024-01-06,-1\n"
        "q,6,2024-01-07,-1\n"
    )
    report = run_rfm(path).report
    assert report.left_out["returns only"] == 4 and report.rows_used == 2
    assert (report.orders, report.returns) == (1, 1)
    assert report.to_dict() == read_orders(path).report.to_dict()
    # with the rejected rows kept, the loader marks them (they are listed) and counts alike
    kept = run_rfm(path, LoadOptions(keep_rejects=True))
    assert kept.report.to_dict() == report.to_dict()
    assert kept.rejects_frame["reason"].to_list() == ["returns only"] * 4


def test_days_when_no_times():
    frame = pl.DataFrame(
        {
            "day": [dt.datetime(2024, 1, 1), dt.datetime(2024, 5, 2)],
            "time": [dt.datetime(2024, 1, 1), dt.datetime(2024, 5, 2, 13, 5)],
        }
    )
    out = days_when_no_times(frame)
    assert out.schema["day"] == pl.Date and out.schema["time"] == pl.Datetime("us")
    assert days_when_no_times(frame.lazy()).collect().equals(out)
    assert "2024-05-02\n" in out.select("day").write_csv()


def test_measures_regroup_on_the_ids_when_hashes_clash(monkeypatch, write_csv):
    # ids of different lengths: grouped on a hash (see customer_key)
    path = write_csv(
        "customer,order,date,amount\n"
        "a,1,2024-01-01,10\nbb,2,2024-01-02,20\na,3,2024-01-03,5\nc,4,2024-01-04,-1\n"
        "c,5,2024-01-05,7\n"
    )
    loaded = read_orders(path)
    plain = rfm.measures(loaded.rows, loaded.report.as_of)
    seen = []

    def clash(groups, ids):  # as if two ids had shared a hash
        seen.append(len(groups))
        return len(seen) == 1

    monkeypatch.setattr(rfm, "shared_hash", clash)
    regrouped = rfm.measures(loaded.rows, loaded.report.as_of)
    assert len(seen) == 1  # the second grouping, on the ids, is not checked again
    assert regrouped.equals(plain)
    assert plain.select("customer_id", "frequency", "monetary").rows() == [
        ("a", 2, 15.0), ("bb", 1, 20.0), ("c", 1, 6.0),
    ]  # fmt: skip


def test_customer_key_is_exact_only_for_ids_of_one_width():
    ids = pl.Series("customer_id", ["AB12", "ZZ99", "AB12", None, "0007"])
    expr, exact = rfm.customer_key(ids)
    key = ids.to_frame().select(expr).to_series()
    assert exact and key.dtype == pl.UInt64
    # the bytes read as a little-endian number: equal ids, equal keys; others differ
    assert key[0] == key[2] == int.from_bytes(b"AB12", "little")
    assert key[4] == int.from_bytes(b"0007", "little") and key[3] is None
    assert key.drop_nulls().n_unique() == 3
    for mixed in (["a", "bb"], ["abc", "def"], ["12345678", "1234567"]):  # widths 1+2, 3, 8+7
        ids = pl.Series("customer_id", mixed)
        expr, exact = rfm.customer_key(ids)
        key = ids.to_frame().select(expr).to_series()
        assert not exact and key.to_list() == ids.hash(seed=0).to_list()


@settings(max_examples=120, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 12), st.integers(0, 90), st.integers(-500, 5000)),
        min_size=1,
        max_size=60,
    )
)
def test_exact_and_hashed_keys_agree_with_plain_python(rows):
    """Per-customer values on 8-byte ids (exact key) and on ids of mixed width (hash),
    against a plain Python aggregation, customers in order of their first purchase."""
    start = dt.datetime(2024, 1, 1)
    expected = {}
    for c, day, cents in rows:
        when = start + dt.timedelta(days=day)
        e = expected.setdefault(c, {"n": 0, "money": 0, "first": None, "last": None})
        e["money"] += cents
        if cents >= 0:
            e["n"] += 1
            e["first"] = min(e["first"] or when, when)
            e["last"] = max(e["last"] or when, when)
    buyers = [c for c in dict.fromkeys(c for c, _, _ in rows) if expected[c]["n"]]
    as_of = dt.date(2024, 4, 1)
    for name in (lambda c: f"{c:08d}", lambda c: "x" * (c % 3 + 1) + str(c)):
        orders = pl.DataFrame(
            {
                "customer_id": [name(c) for c, _, _ in rows],
                "order_id": [str(i) for i in range(len(rows))],
                "order_date": [start + dt.timedelta(days=d) for _, d, _ in rows],
                "amount": [cents / 100 for _, _, cents in rows],
            }
        )
        if not buyers:
            with pytest.raises(DataError):
                rfm.measures(orders, as_of)
            continue
        out = rfm.measures(orders, as_of)
        assert out["customer_id"].to_list() == [name(c) for c in buyers]
        got = out.select("frequency", "monetary", "first_order", "last_order").rows()
        want = [
            (expected[c]["n"], round(expected[c]["money"] / 100, 2), expected[c]["first"],
             expected[c]["last"])
            for c in buyers
        ]  # fmt: skip
        assert got == want


def test_dates_as_text_matches_formatting_each_value():
    from custseg.io.writers import _dates_as_text

    days = [dt.date(1969, 12, 30), None, dt.date(2024, 2, 29), dt.date(1969, 12, 30)]
    frame = pl.DataFrame({"d": days, "e": [dt.date(2030, 1, 1)] * 4, "n": [1, 2, 3, 4]})
    out = _dates_as_text(frame.lazy()).collect()
    assert out["d"].to_list() == ["1969-12-30", None, "2024-02-29", "1969-12-30"]
    assert out["e"].to_list() == ["2030-01-01"] * 4 and out["n"].to_list() == [1, 2, 3, 4]
    # a span wider than the table allows is left as dates (the writer formats them)
    wide = _dates_as_text(frame.lazy(), widest=10).collect()
    assert wide.schema["d"] == pl.Date and wide.equals(frame)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 8), st.booleans()), min_size=1, max_size=40))
def test_returns_only_rows_match_plain_python(rows):
    """Rows of customers with returns but no purchase, on ids of one width (exact key)
    and of several widths (hash), against a plain Python count."""
    from custseg.engines.loading import normalize_orders

    buyers = {c for c, is_return in rows if not is_return}
    expected = sum(1 for c, is_return in rows if c not in buyers)
    for name in (lambda c: f"C{c:03d}", lambda c: "c" * (c % 3 + 1) + str(c)):
        frame = pl.DataFrame(
            {
                "customer": [name(c) for c, _ in rows],
                "order": [str(i) for i in range(len(rows))],
                "date": ["2024-01-02"] * len(rows),
                "amount": [-5.0 if is_return else 10.0 for _, is_return in rows],
            }
        )
        roles = {"customer": "customer", "order": "order", "date": "date", "amount": "amount"}
        if not buyers:
            with pytest.raises(DataError):
                normalize_orders(frame, roles)
            continue
        result = normalize_orders(frame, roles)
        assert result.report.left_out["returns only"] == expected
        assert result.report.rows_used == len(rows) - expected
        # the per-customer pass on the rows before marking: the same count
        only = cleaning.code("returns only")
        unmarked = result.rows.with_columns(reason=pl.col("reason").replace(only, 0))
        passed = rfm.customer_pass(unmarked, result.report.as_of)
        assert passed.unbought_orders == expected
        assert sorted(passed.unbought.to_list()) == sorted(
            {name(c) for c, _ in rows if c not in buyers}
        )


def test_purchases_and_returns_in_use_counted_by_hand():
    """The per-customer tally: rows left out (reason not 0) and rows without an amount
    count neither as purchases nor as returns."""
    day = dt.datetime(2024, 2, 1)
    orders = pl.DataFrame(
        {
            "customer_id": ["A", "A", "A", "B", "B", "B", "C", "C", "D", "D"],
            "order_id": [str(i) for i in range(10)],
            "order_date": [day] * 10,
            "amount": [10.0, -3.0, 5.0, -4.0, -2.0, 7.0, None, 6.0, None, -1.0],
            "reason": pl.Series([0, 0, 3, 0, 0, 2, 0, 0, 0, 0], dtype=pl.UInt8),
        }
    )
    passed = rfm.customer_pass(orders, dt.date(2024, 3, 1))
    out, unbought = passed.measures, passed.unbought_orders
    assert passed.unbought.to_list() == ["B", "D"]
    assert out.select("customer_id", "frequency", "monetary").rows() == [
        ("A", 1, 7.0),
        ("C", 1, 6.0),
    ]
    assert unbought == 3  # B's two returns, D's one (its row without an amount is not in use)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.from_regex(r"[Cc]?\d{1,4}", fullmatch=True),
            st.from_regex(r"[A-Za-z ]{1,3}\d{0,2}", fullmatch=True),
        ),
        min_size=1,
        max_size=30,
    ),
    st.booleans(),
)
def test_order_id_facts_match_plain_python(ids, sort):
    """Unique ids and UCI's C convention, sorted (binary search) or not (a scan), in input
    order or from parts, against a plain Python reading of the rules."""
    if sort:
        ids = sorted(set(ids))
    unique = len(set(ids)) == len(ids)
    some_c = any(i.startswith(("C", "c")) for i in ids)
    digits = sum(i.strip().isdigit() for i in ids) / len(ids)
    expected = (unique, some_c and digits >= 0.5)
    frame = pl.LazyFrame({"id": pl.Series(ids, dtype=pl.String)})
    assert order_id_facts(frame) == expected
    assert order_id_facts(frame, in_order=False) == expected
