"""Invariants of the count models over random customers and parameters (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from custseg.models import BetaGeo, ModifiedBetaGeo, ParetoNBD, simulate_bgnbd

positive = st.floats(0.05, 20.0)


@st.composite
def customers(draw) -> pd.DataFrame:
    rows = []
    for _ in range(draw(st.integers(1, 6))):
        T = draw(st.floats(0.0, 200.0))
        x = draw(st.integers(0, 300))
        t_x = draw(st.floats(0.0, 1.0)) * T if x and T > 0 else 0.0
        rows.append((x if t_x > 0 else 0, t_x, T))
    return pd.DataFrame(rows, columns=["repeat_orders", "t_first_last", "T"])


@st.composite
def models(draw):
    kind = draw(st.sampled_from([BetaGeo, ModifiedBetaGeo, ParetoNBD]))
    values = [draw(positive) for _ in kind.PARAMS]
    return kind(dict(zip(kind.PARAMS, values, strict=True)))


@settings(max_examples=60, deadline=None)
@given(models(), customers(), st.floats(0.0, 100.0), st.floats(0.0, 100.0))
def test_p_alive_is_a_probability_and_orders_grow(model, frame, h1, h2):
    before = frame.copy()
    alive = model.p_alive(frame)
    assert ((alive >= 0) & (alive <= 1)).all()
    short, long = model.predict(min(h1, h2), frame), model.predict(max(h1, h2), frame)
    assert (short >= 0).all() and (long >= short * (1 - 1e-9) - 1e-12).all()
    pd.testing.assert_frame_equal(frame, before)


@settings(max_examples=60, deadline=None)
@given(st.tuples(positive, positive, positive, positive), st.integers(1, 200),
       st.floats(1.0, 100.0), st.floats(0.001, 1.0), st.floats(0.001, 1.0))  # fmt: skip
def test_a_more_recent_buyer_is_not_less_alive(params, x, T, u, v):
    model = BetaGeo(dict(zip(BetaGeo.PARAMS, params, strict=True)))
    frame = pd.DataFrame({"repeat_orders": [x, x], "t_first_last": [min(u, v) * T, max(u, v) * T],
                          "T": [T, T]})  # fmt: skip
    earlier, later = model.p_alive(frame)
    assert later >= earlier * (1 - 1e-12)


def test_fitting_leaves_the_frame_alone():
    frame = simulate_bgnbd(500, {"r": 0.5, "alpha": 5.0, "a": 0.8, "b": 2.0}, 30.0, seed=1)
    before = frame.copy()
    model = BetaGeo.fit(frame)
    model.predict(10.0)
    model.p_alive(frame)
    pd.testing.assert_frame_equal(frame, before)
    assert np.isfinite(model.log_likelihood)


def test_expected_orders_are_never_negative_at_a_tiny_horizon():
    """Found by the property test in CI: over a horizon of 1e-115 weeks the closed form gave
    -2.4e-16; a count is never below zero."""
    model = BetaGeo({"r": 3.5, "alpha": 1.0, "a": 1.504, "b": 0.05})
    frame = pd.DataFrame({"repeat_orders": [0], "t_first_last": [0.0], "T": [0.0]})
    assert model.predict(1.172224577615578e-115, frame)[0] == 0.0
    assert model.expected_orders_new(1e-300) >= 0.0
    assert model.predict(1.0, frame)[0] > 0
