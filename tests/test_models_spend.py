"""Gamma-Gamma (hand-checked expected spend, the notes, q <= 1), predicted CLV and the
BG/NBD simulator."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from custseg.errors import DataError, ModelError
from custseg.models import BetaGeo, GammaGamma, clv, simulate_bgnbd
from custseg.models.gamma_gamma import MAX_CORRELATION, MIN_BUYERS

GG = {"p": 6.25, "q": 3.74, "gamma": 15.44}
BG = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


def spend_frame(rng: np.random.Generator, n: int, link: float = 0.0) -> pd.DataFrame:
    x = rng.integers(0, 8, n)
    m = rng.gamma(4.0, 10.0, n) * (1 + link * x)
    return pd.DataFrame({"repeat_orders": x, "mean_repeat_spend": np.where(x > 0, m, 0.0)})


def test_expected_spend_by_hand():
    model = GammaGamma.from_params(**GG)
    frame = pd.DataFrame({"repeat_orders": [3, 0, 2], "mean_repeat_spend": [40.0, 0.0, -5.0]})
    p, q, gamma = GG.values()
    mean = p * gamma / (q - 1)
    weight = p * 3 / (p * 3 + q - 1)
    assert model.expected_spend(frame) == pytest.approx([(1 - weight) * mean + weight * 40.0,
                                                         mean, mean])  # fmt: skip
    assert model.mean_spend == pytest.approx(6.25 * 15.44 / 2.74)


def test_log_likelihood_by_hand():
    rng = np.random.default_rng(1)
    frame = spend_frame(rng, 400)
    model = GammaGamma.fit(frame)
    p, q, gamma = model.params.values()
    total = 0.0
    for x, m in frame[frame.repeat_orders > 0].itertuples(index=False):
        total += (math.lgamma(p * x + q) - math.lgamma(p * x) - math.lgamma(q) + q * math.log(gamma)
                  + (p * x - 1) * math.log(m) + p * x * math.log(x)
                  - (p * x + q) * math.log(gamma + m * x))  # fmt: skip
    assert model.log_likelihood == pytest.approx(total, abs=1e-7)
    assert model.customers == int((frame.repeat_orders > 0).sum())
    assert model.notes == []


def test_notes_when_spend_follows_frequency():
    frame = spend_frame(np.random.default_rng(2), 2000, link=0.5)
    buyers = frame[frame.repeat_orders > 0]
    assert np.corrcoef(buyers.repeat_orders, buyers.mean_repeat_spend)[0, 1] > MAX_CORRELATION
    notes = GammaGamma.fit(frame).notes
    assert len(notes) == 1 and "correlated" in notes[0]


def test_notes_when_few_buyers_or_some_left_out():
    frame = spend_frame(np.random.default_rng(3), 40)
    frame.loc[frame.repeat_orders > 0, "mean_repeat_spend"] = frame.mean_repeat_spend.where(
        frame.index != frame[frame.repeat_orders > 0].index[0], -3.0
    )
    model = GammaGamma.fit(frame)
    assert model.customers < MIN_BUYERS
    assert any("repeat buyers (fewer than 50)" in note for note in model.notes)
    assert any("1 repeat buyer(s) without positive" in note for note in model.notes)


def test_refusals():
    with pytest.raises(ModelError, match="q is 0.9 <= 1"):
        GammaGamma.from_params(p=2.0, q=0.9, gamma=3.0)
    with pytest.raises(DataError, match="found 0"):
        GammaGamma.fit(pd.DataFrame({"repeat_orders": [0, 0], "mean_repeat_spend": [0.0, 0.0]}))
    with pytest.raises(DataError, match="missing or infinite for 1 repeat buyer"):
        GammaGamma.fit(pd.DataFrame({"repeat_orders": [1, 2], "mean_repeat_spend": [np.nan, 3.0]}))


def summary() -> pd.DataFrame:
    return pd.DataFrame({"repeat_orders": [0, 2, 5], "t_first_last": [0.0, 30.43, 20.0],
                         "T": [38.86, 38.86, 39.0]})  # fmt: skip


def test_clv_by_hand():
    """Two months and a half: steps end at 1, 2 and 2.5 months (in weeks of 7 days)."""
    model, spend = BetaGeo.from_params(**BG), np.array([30.0, 40.0, 50.0])
    month = 365.25 / 12 / 7
    ends = [month, 2 * month, 2.5 * month]
    expected = np.zeros(3)
    before = np.zeros(3)
    for end in ends:
        now = model.predict(end, summary())
        expected += (now - before) * 1.1 ** (-end * 7 / 365.25)
        before = now
    got = clv(model, spend, 2.5 * month, unit_days=7, summary=summary(), margin=0.3)
    assert got == pytest.approx(0.3 * spend * expected, rel=1e-12)
    undiscounted = clv(model, spend, 20.0, unit_days=7, summary=summary(), discount=0.0)
    assert undiscounted == pytest.approx(spend * model.predict(20.0, summary()), rel=1e-12)


def test_clv_does_not_depend_on_the_time_unit():
    weeks = BetaGeo.from_params(**BG)
    days = BetaGeo.from_params(**{**BG, "alpha": BG["alpha"] * 7})
    in_days = summary().assign(t_first_last=lambda f: f.t_first_last * 7, T=lambda f: f["T"] * 7)
    a = clv(weeks, 25.0, 52.0, unit_days=7, summary=summary())
    b = clv(days, 25.0, 364.0, unit_days=1, summary=in_days)
    assert a == pytest.approx(b, rel=1e-10)
    with pytest.raises(ModelError):
        clv(weeks, 25.0, -1.0, unit_days=7, summary=summary())


def test_simulator():
    first = simulate_bgnbd(20_000, BG, 39.0, seed=4)
    assert first.equals(simulate_bgnbd(20_000, BG, 39.0, seed=4))
    assert list(first.columns) == ["repeat_orders", "t_first_last", "T"]
    assert ((first.t_first_last > 0) == (first.repeat_orders > 0)).all()
    assert (first.t_first_last <= first["T"]).all()
    mean = BetaGeo.from_params(**BG).expected_orders_new(39.0)
    spread = first.repeat_orders.std() / math.sqrt(len(first))
    assert abs(first.repeat_orders.mean() - mean) < 4 * spread
    fitted = BetaGeo.fit(first).params
    assert fitted["r"] == pytest.approx(BG["r"], rel=0.1)
    assert fitted["a"] == pytest.approx(BG["a"], rel=0.25)
