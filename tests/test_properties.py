"""Invariants of scoring and segmenting, checked on generated order frames."""

import datetime as dt

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from custseg import segment_orders

START = dt.datetime(2024, 1, 1)

order_rows = st.lists(
    st.tuples(
        st.integers(0, 15),  # customer
        st.integers(0, 120),  # day offset
        st.floats(0, 1000, allow_nan=False).map(lambda x: round(x, 2)),
    ),
    min_size=1,
    max_size=80,
)


def to_orders(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["c", "day", "amount"])
    return pd.DataFrame(
        {
            "customer_id": frame["c"].map(lambda c: f"c{c:02d}").astype("string"),
            "order_id": pd.Series([f"o{i}" for i in range(len(frame))], dtype="string"),
            "order_date": START + pd.to_timedelta(frame["day"], unit="D"),
            "amount": frame["amount"].astype("float64"),
        }
    )


@settings(max_examples=150, deadline=None)
@given(order_rows, st.integers(2, 7))
def test_scores_in_range_and_monotone(rows, bins):
    out = segment_orders(to_orders(rows), bins=bins)
    for col in ("r_score", "f_score", "m_score"):
        assert out[col].between(1, bins).all()
    for measure, score, better in (
        ("recency_days", "r_score", -1),
        ("frequency", "f_score", 1),
        ("monetary", "m_score", 1),
    ):
        ordered = out.sort_values(measure, kind="stable")
        values, scores = ordered[measure].to_numpy(), ordered[score].to_numpy()
        for i in range(len(values) - 1):
            if values[i] == values[i + 1]:
                assert scores[i] == scores[i + 1]  # equal values, equal scores
            elif better == 1:
                assert scores[i] <= scores[i + 1]  # more is never scored lower
            else:
                assert scores[i] >= scores[i + 1]  # more days is never scored higher


@settings(max_examples=100, deadline=None)
@given(order_rows, st.randoms(use_true_random=False))
def test_shuffling_rows_changes_nothing(rows, rnd):
    orders = to_orders(rows)
    shuffled = orders.sample(frac=1, random_state=rnd.randint(0, 10_000)).reset_index(drop=True)
    a = segment_orders(orders)
    b = segment_orders(shuffled)
    # customers come in the order they first appear; what each one gets does not change
    first_seen = list(dict.fromkeys(shuffled["customer_id"]))
    assert b["customer_id"].tolist() == first_seen
    by_id = {"by": "customer_id", "ignore_index": True}
    pd.testing.assert_frame_equal(a.sort_values(**by_id), b.sort_values(**by_id))


@settings(max_examples=100, deadline=None)
@given(order_rows)
def test_every_customer_in_exactly_one_segment(rows):
    orders = to_orders(rows)
    out = segment_orders(orders)
    assert out["customer_id"].is_unique
    assert set(out["customer_id"]) == set(orders["customer_id"])
    assert out["segment"].notna().all()
