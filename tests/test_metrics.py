"""Customer measures, repeat buyers and lifecycle, pinned by hand on small frames."""

import datetime as dt

import polars as pl
import pytest

from conftest import orders_frame
from custseg.measures.plan import customer_measures
from custseg.measures.repeat import RepeatRule, repeat_buyers, repeat_summary
from custseg.measures.shop import customer_metrics

AS_OF = dt.date(2024, 12, 31)


@pytest.fixture
def customers():
    orders = orders_frame(
        [
            ("one", "1", "2024-12-20", 100.0),  # one order: no purchase cycle, new
            ("sameday", "2", "2024-06-01 09:00", 30.0),
            ("sameday", "3", "2024-06-01 18:00", 10.0),  # same day: 0 days apart
            ("refund", "4", "2024-03-01", 50.0),
            ("refund", "5", "2024-03-11", 50.0),
            ("refund", "6", "2024-03-21", 50.0),  # cycle (20 days) / 2 = 10 days
            ("refund", "R6", "2024-03-25", -50.0),  # a return: not an order
        ]
    )
    return pl.from_pandas(customer_measures(orders, as_of=AS_OF)).with_columns(
        segment=pl.Series(["a", "b", "a"])  # one, refund, sameday (sorted ids)
    )


def test_measures_by_hand(customers):
    out = customer_metrics(customers, AS_OF, churn_days=150, segments=["a", "b", "c"])
    rows = {r["group"]: r for r in out.iter_rows(named=True)}
    everyone = rows["all"]
    assert everyone["customers"] == 3
    assert everyone["orders"] == 1 + 2 + 3
    assert everyone["revenue"] == pytest.approx(100 + 40 + 100)
    assert everyone["aov"] == pytest.approx(40.0)  # 240 / 6
    assert everyone["repurchase_rate"] == pytest.approx(2 / 3)
    # cycles: sameday 0 / 1 = 0 days, refund 20 / 2 = 10 days
    assert everyone["cycle_mean_days"] == pytest.approx(5.0)
    assert everyone["cycle_median_days"] == pytest.approx(5.0)
    # last orders: 11, 213 and 285 days ago -> 2 of 3 churned (more than 150 days)
    assert everyone["churn_rate"] == pytest.approx(2 / 3)
    assert everyone["lifespan_years"] == pytest.approx(1.5)
    # years observed: 2024-03-01 .. 2024-12-31 = 305 days
    per_year = 6 / 3 / (305 / 365.25)
    assert everyone["orders_per_year"] == pytest.approx(per_year)
    assert everyone["clv"] == pytest.approx(round(40.0 * per_year * 1.5, 2))
    # top 20% of 3 customers = ceil(0.6) = 1 customer: 100 of 240
    assert everyone["top20_revenue_share"] == pytest.approx(100 / 240)
    assert (everyone["new"], everyone["active"], everyone["returning"], everyone["churned"]) == (
        1,
        0,
        0,
        2,
    )
    assert rows["a"]["customers"] == 2 and rows["b"]["customers"] == 1
    assert rows["c"]["customers"] == 0  # a listed segment with nobody stays, with zeros
    assert [r for r in rows] == ["all", "a", "b", "c"]


def test_given_lifespan(customers):
    out = customer_metrics(customers, AS_OF, lifespan_years=2.0)
    first = out.row(0, named=True)
    assert first["lifespan_years"] == 2.0
    assert first["clv"] == pytest.approx(round(first["aov"] * first["orders_per_year"] * 2, 2))


def test_a_window_shorter_than_twice_churn_days_gives_no_lifespan(customers):
    # the data spans 305 days: churn over 180 days cannot be observed well enough
    first = customer_metrics(customers, AS_OF, churn_days=180).row(0, named=True)
    assert first["lifespan_years"] is None and first["clv"] is None
    assert first["churn_rate"] == pytest.approx(2 / 3)


def test_no_churn_means_no_estimated_lifetime(customers):
    out = customer_metrics(customers, AS_OF, churn_days=400)
    assert out.row(0, named=True)["clv"] is None


def repeat_frame(rows):
    return pl.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "frequency": [r[1] for r in rows],
            "monetary": [r[2] for r in rows],
            "first_order": [dt.datetime(2024, 1, 1)] * len(rows),
            "last_order": [dt.datetime(2024, 1, 21)] * len(rows),
            "lifecycle": ["active"] * len(rows),
        }
    )


def test_repeat_rule_boundaries():
    frame = repeat_frame(
        [
            ("two-orders-41", 2, 41.0),
            ("one-order-500", 1, 500.0),
            ("exactly-40", 3, 40.0),
            ("just-over", 2, 40.01),
        ]
    )
    out = repeat_buyers(frame)
    assert out["customer_id"].to_list() == ["two-orders-41", "just-over"]
    assert out["avg_days_between_orders"].to_list() == [20.0, 20.0]  # 20 days / (2 - 1)
    facts = repeat_summary(frame, out)
    assert facts["repeat_buyers"] == 2 and facts["customer_share"] == 0.5
    assert facts["revenue_share"] == pytest.approx(81.01 / 621.01)
    stricter = repeat_buyers(frame, RepeatRule(min_orders=3, min_spend=39.99))
    assert stricter["customer_id"].to_list() == ["exactly-40"]


def test_money_sums_do_not_depend_on_chunks():
    """The repeat buyers' revenue and share: the same customers in other chunks (as another
    split of the work makes them) give the same figures to the last digit."""
    import math
    import random

    import polars as pl

    from custseg.measures.money import money_sum
    from custseg.measures.repeat import repeat_buyers, repeat_summary

    rng = random.Random(7)
    values = [round(rng.uniform(0.01, 5000), 2) for _ in range(20_000)]
    whole = pl.Series("monetary", values)
    split = pl.concat([whole[i : i + 777] for i in range(0, len(values), 777)], rechunk=False)
    assert split.n_chunks() > 1 and whole.n_chunks() == 1
    assert money_sum(split) == money_sum(whole)
    assert abs(money_sum(whole) - math.fsum(values)) < 1e-6  # the sum, by a second method
    customers = pl.DataFrame(
        {
            "customer_id": [str(i) for i in range(len(values))],
            "frequency": [2] * len(values),
            "monetary": values,
            "first_order": [None] * len(values),
            "last_order": [None] * len(values),
            "lifecycle": ["active"] * len(values),
        },
        schema_overrides={"first_order": pl.Datetime("us"), "last_order": pl.Datetime("us")},
    )
    parts = pl.concat([customers[i : i + 999] for i in range(0, customers.height, 999)],
                      rechunk=False)  # fmt: skip
    one = repeat_summary(customers, repeat_buyers(customers))
    assert repeat_summary(parts, repeat_buyers(parts)) == one
    spend = math.fsum(v for v in values if v > 40)
    assert abs(one["revenue_share"] - spend / math.fsum(values)) < 1e-12
