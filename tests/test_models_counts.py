"""BG/NBD, MBG/NBD and Pareto/NBD on tiny inputs, against the papers' closed forms
evaluated here in plain math (original 2F1 by its series, Pareto/NBD by integrating its
defining integral), the time unit, and the refusals."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import polars as pl
import pytest
from scipy.integrate import quad

from custseg.errors import ColumnError, DataError, ModelError
from custseg.models import BetaGeo, ModifiedBetaGeo, ParetoNBD, bgnbd, mbgnbd, pnbd, simulate_bgnbd
from custseg.models.base import maximize

BG = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PN = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
CUSTOMERS = [(0, 0.0, 38.86), (2, 30.43, 38.86), (1, 2.0, 30.0), (7, 35.0, 39.0)]


def series_2f1(a: float, b: float, c: float, z: float) -> float:
    term = total = 1.0
    for n in range(100_000):
        term *= (a + n) * (b + n) / ((c + n) * (n + 1)) * z
        total += term
        if abs(term) < 1e-17 * abs(total):
            return total
    raise AssertionError("series did not converge")


def beta_fn(u: float, v: float) -> float:
    return math.exp(math.lgamma(u) + math.lgamma(v) - math.lgamma(u + v))


def frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["repeat_orders", "t_first_last", "T"])


def bg_closed_forms(x, t_x, T, t, shift):
    """Likelihood, P(alive) and E[Y(t)] of BG/NBD (shift 1) or MBG/NBD (shift 0) as
    printed in Fader, Hardie & Lee (2005) and Batislam et al. (2007)."""
    r, alpha, a, b = BG.values()
    common = math.exp(math.lgamma(r + x) - math.lgamma(r)) * alpha**r
    dropped = x > 0 or shift == 0
    odds = a / (b + x - shift) * ((alpha + T) / (alpha + t_x)) ** (r + x) if dropped else 0.0
    like = beta_fn(a, b + x + 1 - shift) / beta_fn(a, b) * common / (alpha + T) ** (r + x)
    like += beta_fn(a, b + x + 1 - shift) / beta_fn(a, b) * odds * common / (alpha + T) ** (r + x)
    c = a + b + x - shift
    hyp = series_2f1(r + x, b + x + 1 - shift, c, t / (alpha + T + t))
    expect = c / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp) / (1 + odds)
    return like, 1 / (1 + odds), expect


@pytest.mark.parametrize(("module", "shift"), [(bgnbd, 1.0), (mbgnbd, 0.0)])
@pytest.mark.parametrize(("x", "t_x", "T"), CUSTOMERS)
def test_beta_geometric_closed_forms(module, shift, x, t_x, T):
    like, alive, expect = bg_closed_forms(x, t_x, T, 39.0, shift)
    assert module.log_likelihood(BG, [x], [t_x], [T])[0] == pytest.approx(math.log(like), 1e-10)
    assert module.p_alive(BG, [x], [t_x], [T])[0] == pytest.approx(alive, rel=1e-10)
    assert module.expected_orders(BG, 39.0, [x], [t_x], [T])[0] == pytest.approx(expect, 1e-9)


def test_new_customer_expectations():
    r, alpha, a, b = BG.values()
    z = 39 / (alpha + 39)
    bg = (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + 39)) ** r * series_2f1(r, b, a + b - 1, z))
    mbg = b / (a - 1) * (1 - (alpha / (alpha + 39)) ** r * series_2f1(r, b + 1, a + b, z))
    assert BetaGeo(BG).expected_orders_new(39.0) == pytest.approx(bg, rel=1e-10)
    assert ModifiedBetaGeo(BG).expected_orders_new(39.0) == pytest.approx(mbg, rel=1e-10)
    r, alpha, s, beta = PN.values()
    pn = r * beta / (alpha * (s - 1)) * (1 - (beta / (beta + 39)) ** (s - 1))
    assert ParetoNBD(PN).expected_orders_new(39.0) == pytest.approx(pn, rel=1e-10)
    assert list(BetaGeo(BG).expected_orders_new([0.0, 1.0]))[0] == 0.0


def test_who_is_alive():
    none_repeat = frame([(0, 0.0, 30.0)])
    assert BetaGeo(BG).p_alive(none_repeat)[0] == 1.0  # BG/NBD: no repeat, no dropout
    r, alpha, a, b = BG.values()
    mbg = 1 / (1 + a / b * ((alpha + 30) / alpha) ** r)
    assert ModifiedBetaGeo(BG).p_alive(none_repeat)[0] == pytest.approx(mbg, rel=1e-12)
    assert mbg < 1


@pytest.mark.parametrize(
    "params",
    [PN, {"r": 0.8, "alpha": 15.0, "s": 1.3, "beta": 4.0}],  # alpha < / >= beta
)
@pytest.mark.parametrize(("x", "t_x", "T"), [*CUSTOMERS, (60, 38.0, 39.0), (3, 39.0, 39.0)])
def test_pareto_nbd_against_its_integral(params, x, t_x, T):
    r, alpha, s, beta = params.values()
    gone = quad(lambda u: (alpha + u) ** -(r + x) * (beta + u) ** -(s + 1), t_x, T,
                epsabs=0, epsrel=1e-13)[0]  # fmt: skip
    alive = (alpha + T) ** -(r + x) * (beta + T) ** -s
    head = math.lgamma(r + x) - math.lgamma(r) + r * math.log(alpha) + s * math.log(beta)
    expected = head + math.log(alive + s * gone)
    assert pnbd.log_likelihood(params, [x], [t_x], [T])[0] == pytest.approx(expected, 1e-9)
    assert pnbd.p_alive(params, [x], [t_x], [T])[0] == pytest.approx(
        alive / (alive + s * gone), rel=1e-9
    )
    grow = (r + x) * (beta + T) / ((alpha + T) * (s - 1)) * (1 - ((beta + T) / (beta + T + 39))
                                                              ** (s - 1))  # fmt: skip
    assert pnbd.expected_orders(params, 39.0, [x], [t_x], [T])[0] == pytest.approx(
        grow * alive / (alive + s * gone), rel=1e-9
    )


def log_series_2f1(a: float, b: float, c: float, z: float) -> float:
    """log 2F1 by its series in logs (positive terms), for values past float range."""
    log_term, logs = 0.0, [0.0]
    for n in range(1_000_000):
        log_term += math.log((a + n) * (b + n) / ((c + n) * (n + 1)) * z)
        logs.append(log_term)
        if log_term < max(logs) - 40:
            top = max(logs)
            return top + math.log(sum(math.exp(v - top) for v in logs))
    raise AssertionError("series did not converge")


@pytest.mark.parametrize(("x", "t_x"), [(5000, 38.9), (800, 38.0), (300, 30.0)])
def test_large_counts(x, t_x):
    """Frequent buyers: the papers' 2F1 exceeds float range (e^2366 at x = 5000); the
    transformed form agrees with its series summed in logs."""
    r, alpha, a, b = BG.values()
    T, t = 39.0, 39.0
    log_hyp = log_series_2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t))
    log_rest = (r + x) * math.log((alpha + T) / (alpha + T + t)) + log_hyp
    odds = a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x)
    expect = (a + b + x - 1) / (a - 1) * (1 - math.exp(log_rest)) / (1 + odds)
    rows = frame([(x, t_x, T)])
    assert BetaGeo(BG).predict(t, rows)[0] == pytest.approx(expect, rel=1e-8)
    rows = frame([(x, t_x, T), (x, 1.0, T)])  # the second has surely left: P(alive) ~ 0
    for model in (BetaGeo(BG), ModifiedBetaGeo(BG), ParetoNBD(PN)):
        assert np.isfinite(model.predict(t, rows)).all()
        assert (model.p_alive(rows) >= 0).all() and model.p_alive(rows)[1] < 1e-100


@pytest.fixture(scope="module")
def weeks() -> pd.DataFrame:
    ages = np.random.default_rng(5).integers(1, 40, 3000) * 1.0
    return simulate_bgnbd(3000, BG, ages, seed=11)


@pytest.mark.parametrize("model", [BetaGeo, ModifiedBetaGeo, ParetoNBD])
def test_the_time_unit_only_scales_the_parameters(weeks, model):
    days = weeks.assign(t_first_last=weeks.t_first_last * 7, T=weeks["T"] * 7)
    in_weeks, in_days = model.fit(weeks), model.fit(days)
    for name, value in in_weeks.params.items():
        scale = 7 if name in ("alpha", "beta") else 1
        assert in_days.params[name] == pytest.approx(value * scale, rel=1e-5), name
    assert in_days.predict(91.0) == pytest.approx(in_weeks.predict(13.0), rel=1e-5)
    assert in_days.p_alive() == pytest.approx(in_weeks.p_alive(), rel=1e-5)


def test_a_polars_summary_and_other_column_names(weeks):
    renamed = weeks.rename(columns={"repeat_orders": "f", "t_first_last": "rec", "T": "age"})
    fitted = BetaGeo.fit(pl.from_pandas(renamed), frequency="f", recency="rec", T="age")
    assert fitted.params == pytest.approx(BetaGeo.fit(weeks).params, rel=1e-9)
    assert fitted.predict(10.0).shape == (3000,)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([(-1, 0.0, 3.0)], "repeat_orders is negative"),
        ([(1.5, 1.0, 3.0)], "not a whole number"),
        ([(2, 4.0, 3.0)], "t_first_last is greater than T"),
        ([(2, 0.0, 3.0)], "t_first_last is 0 for customers with repeat"),
        ([(0, 1.0, 3.0)], "is not 0 for customers without repeat"),
        ([(1, float("nan"), 3.0)], "t_first_last is missing"),
        ([(0, 0.0, 3.0), (0, 0.0, 5.0)], "no customer has a repeat transaction"),
        ([], "no customers"),
    ],
)
def test_bad_summaries_are_refused(rows, message):
    with pytest.raises(DataError, match=message):
        BetaGeo.fit(frame(rows))


def test_missing_column_and_unknown_params():
    with pytest.raises(ColumnError, match="no column 'T'"):
        BetaGeo.fit(pd.DataFrame({"repeat_orders": [1], "t_first_last": [1.0]}))
    with pytest.raises(ModelError, match="r, alpha, a, b"):
        BetaGeo({"r": 1.0})
    with pytest.raises(ModelError, match="built from parameters"):
        BetaGeo(BG).p_alive()
    with pytest.raises(ModelError, match="horizon"):
        BetaGeo(BG).predict(-1.0, frame([(0, 0.0, 1.0)]))


def test_an_optimiser_that_runs_off_is_reported():
    def runaway(theta):  # decreasing towards 0 as theta grows: no finite optimum
        value = 1 / (1 + np.exp(theta[0] / 10))
        slope = value * (1 - value)
        return value, np.array([-slope / 10]), np.array([[slope * (1 - 2 * value) / 100]])

    with pytest.raises(ModelError, match="ran off"):
        maximize(runaway, np.array([0.0]), "test")
