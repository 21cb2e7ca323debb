import numpy as np
import pandas as pd
import pytest

from custseg.errors import CustsegError
from custseg.segments.scoring import (
    apply_scores,
    compute_cuts,
    level_counts,
    quantile_cuts,
    score_values,
)


def test_quantile_cuts_by_hand():
    # 1..10: quantiles at 0.2, 0.4, 0.6, 0.8 with linear interpolation: 1 + 9p
    assert quantile_cuts(pd.Series(range(1, 11)), 5) == pytest.approx([2.8, 4.6, 6.4, 8.2])


def test_value_equal_to_cut_falls_in_lower_bin():
    cuts = [2.0, 4.0]
    values = pd.Series([1, 2, 3, 4, 5])
    assert score_values(values, cuts, higher_is_better=True).to_list() == [1, 1, 2, 2, 3]
    # recency: fewer days is better
    assert score_values(values, cuts, higher_is_better=False).to_list() == [3, 3, 2, 2, 1]
    assert score_values(values, [], higher_is_better=True).to_list() == [1] * 5


def test_heavy_ties_leave_levels_empty_and_equal_values_equal_scores():
    # 7 one-order customers, two with 2 orders, one with 9
    freq = pd.Series([1, 1, 1, 1, 1, 1, 1, 2, 2, 9])
    cuts = quantile_cuts(freq, 5)
    # sorted values: positions 0.2*9=1.8 -> 1, 3.6 -> 1, 5.4 -> 1, 7.2 -> 2 + 0.2*(2-2)=2
    assert cuts == pytest.approx([1.0, 1.0, 1.0, 2.0])
    scores = score_values(freq, cuts, higher_is_better=True)
    assert scores.to_list() == [1] * 7 + [4, 4, 5]
    frame = pd.DataFrame({"r_score": scores, "f_score": scores, "m_score": scores})
    counts = level_counts(frame, {"recency_days": cuts, "frequency": cuts, "monetary": cuts})[
        "f_score"
    ]
    assert counts == [7, 0, 0, 2, 1]


def test_apply_scores_builds_code_and_keeps_input():
    customers = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d", "e"],
            "recency_days": [1, 10, 20, 30, 40],
            "frequency": [5, 4, 3, 2, 1],
            "monetary": [500.0, 400.0, 300.0, 200.0, 100.0],
        }
    )
    before = customers.copy()
    scored = apply_scores(customers, compute_cuts(customers, 5))
    assert scored["rfm_code"].tolist() == ["555", "444", "333", "222", "111"]
    pd.testing.assert_frame_equal(customers, before)
    assert "r_score" not in customers.columns


def test_bins_below_two_is_an_error():
    with pytest.raises(CustsegError, match="at least 2"):
        quantile_cuts(pd.Series([1, 2, 3]), 1)


def test_scores_match_a_plain_python_definition():
    rng = np.random.default_rng(3)
    values = pd.Series(rng.integers(0, 50, 200))
    cuts = quantile_cuts(values, 4)
    expected = [1 + sum(1 for c in cuts if c < v) for v in values]
    assert score_values(values, cuts, True).to_list() == expected


def test_no_customers_is_a_clear_error():
    empty = pd.DataFrame({"recency_days": [], "frequency": [], "monetary": []})
    for method in ("quantile", "mean"):
        with pytest.raises(CustsegError, match="no customers"):
            compute_cuts(empty, 5, method)
