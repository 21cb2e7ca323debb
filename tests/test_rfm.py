import datetime as dt

import pandas as pd
import pytest

from conftest import orders_frame
from custseg import rfm_table, segment_orders
from custseg.errors import DataError
from custseg.measures.plan import customer_measures


@pytest.fixture
def orders():
    return orders_frame(
        [
            ("a", "1", "2024-01-01 10:00", 100.0),
            ("a", "2", "2024-03-01 09:00", 50.0),
            ("a", "R2", "2024-03-05 09:00", -20.0),  # a return: not an order
            ("b", "3", "2024-02-15 23:59", 30.0),
            ("c", "4", "2024-03-10 08:00", 0.0),  # a free order still counts
        ]
    )


def test_measures_by_hand(orders):
    out = customer_measures(orders, as_of=dt.date(2024, 3, 11)).set_index("customer_id")
    assert out.loc["a", "frequency"] == 2
    assert out.loc["a", "monetary"] == pytest.approx(130.0)
    assert out.loc["a", "aov"] == pytest.approx(65.0)
    # last purchase 2024-03-01 (the return on 03-05 does not make a the most recent)
    assert out.loc["a", "recency_days"] == 10
    assert out.loc["a", "first_order"] == pd.Timestamp("2024-01-01 10:00")
    assert out.loc["b", "recency_days"] == 25  # whole days from 2024-02-15 to 2024-03-11
    assert out.loc["c", "frequency"] == 1 and out.loc["c", "monetary"] == 0.0
    assert out.index.tolist() == ["a", "b", "c"]


def test_default_as_of_is_day_after_latest_order(orders):
    out = customer_measures(orders).set_index("customer_id")
    assert out.loc["a", "recency_days"] == (dt.date(2024, 3, 11) - dt.date(2024, 3, 1)).days
    assert out.loc["c", "recency_days"] == 1


def test_orders_after_as_of_are_ignored(orders):
    out = customer_measures(orders, as_of=dt.date(2024, 2, 20)).set_index("customer_id")
    assert sorted(out.index) == ["a", "b"]
    assert out.loc["a", "frequency"] == 1 and out.loc["a", "monetary"] == 100.0
    assert out.loc["b", "recency_days"] == 5


def test_no_purchase_before_as_of_is_an_error(orders):
    with pytest.raises(DataError, match="as-of"):
        customer_measures(orders, as_of=dt.date(2023, 1, 1))


def test_missing_column_is_a_clear_error(orders):
    with pytest.raises(DataError, match="amount"):
        customer_measures(orders.drop(columns="amount"))


def test_inputs_unchanged(orders):
    before = orders.copy()
    segment_orders(orders)
    rfm_table(orders, bins=3)
    pd.testing.assert_frame_equal(orders, before)


def test_segment_orders_columns(orders):
    out = segment_orders(orders)
    assert list(out.columns) == [
        "customer_id",
        "first_order",
        "last_order",
        "recency_days",
        "frequency",
        "monetary",
        "aov",
        "r_score",
        "f_score",
        "m_score",
        "rfm_code",
        "segment",
        "lifecycle",
    ]


def test_lifecycle_status_by_hand():
    # as of 2024-12-31, new within 30 days, churned after 180 days without a purchase
    orders = orders_frame(
        [
            ("churned", "1", "2024-01-10", 10.0),  # last purchase 356 days ago
            ("new", "2", "2024-12-20", 10.0),  # first purchase 11 days ago
            ("returning", "3", "2024-01-05", 10.0),
            ("returning", "4", "2024-11-01", 10.0),  # back after 301 days
            ("active", "5", "2024-06-01", 10.0),
            ("active", "6", "2024-10-01", 10.0),  # 122-day gap: not a lapse
            ("edge", "7", "2024-07-04", 10.0),  # exactly 180 days before as-of: not churned
            ("lapsed-back-long-ago", "8", "2023-01-01", 10.0),
            ("lapsed-back-long-ago", "9", "2024-05-01", 10.0),  # the comeback was 244 days ago
            ("lapsed-back-long-ago", "9b", "2024-06-15", 10.0),
            ("lapsed-back-long-ago", "10", "2024-12-01", 10.0),  # 169 days after the last
            ("refund", "11", "2024-12-28", -5.0),  # a return does not make anyone new
            ("refund", "12", "2024-02-01", 20.0),
        ]
    )
    out = customer_measures(orders, as_of=dt.date(2024, 12, 31)).set_index("customer_id")
    assert out["lifecycle"].to_dict() == {
        "active": "active",
        "churned": "churned",
        "edge": "active",
        "lapsed-back-long-ago": "active",
        "new": "new",
        "refund": "churned",
        "returning": "returning",
    }
    assert out.loc["edge", "recency_days"] == 180
