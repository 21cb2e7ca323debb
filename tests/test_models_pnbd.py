"""The Pareto/NBD fit: its analytic gradient and Hessian against central differences of
the log-likelihood, the 2F1 series against scipy and against each other, the simulator,
and a fit that does not depend on the order of the rows."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import hyp2f1

from custseg.models import ParetoNBD, pnbd, simulate_pnbd
from custseg.models.base import CountData
from custseg.models.hypergeometric import NAMES, _by_recurrence, hyp2f1_derivatives, log_hyp2f1
from custseg.models.pnbd_fit import objective

PN = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}


@pytest.fixture(scope="module")
def customers() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ages = np.random.default_rng(3).uniform(1.0, 78.0, 2000)
    frame = simulate_pnbd(2000, PN, ages, seed=4)
    return tuple(frame[c].to_numpy(np.float64) for c in ("repeat_orders", "t_first_last", "T"))


def mean_loglik(theta: np.ndarray, arrays) -> float:
    params = dict(zip(pnbd.PARAMS, np.exp(theta), strict=True))
    return -float(np.mean(pnbd.log_likelihood(params, *arrays)))


@pytest.mark.parametrize(
    "params",
    [
        PN,
        {"r": 0.8, "alpha": 15.0, "s": 1.3, "beta": 4.0},  # alpha > beta
        {"r": 0.3, "alpha": 2.0, "s": 0.2, "beta": 30.0},  # alpha < beta, y up to 0.93
        {"r": 2.0, "alpha": 5.0, "s": 0.5, "beta": 5.0},  # alpha = beta: y = 0
    ],
)
@pytest.mark.parametrize("canonical", [False, True])  # 2F1 term by term, or by tables
def test_gradient_and_hessian_against_central_differences(customers, params, canonical):
    data = CountData.build(*customers, np.ones(len(customers[0])))
    data = data.canonical() if canonical else data
    theta = np.log([params[k] for k in pnbd.PARAMS])
    value, grad, hess = objective(theta, data)
    assert value == pytest.approx(mean_loglik(theta, customers), rel=1e-13)
    h, eye = 1e-5, np.eye(4)
    numeric = [(mean_loglik(theta + h * e, customers) - mean_loglik(theta - h * e, customers))
               / (2 * h) for e in eye]  # fmt: skip
    assert np.abs(grad - numeric).max() < 1e-8
    numeric_hess = np.array([objective(theta + h * e, data)[1] - objective(theta - h * e, data)[1]
                             for e in eye]) / (2 * h)  # fmt: skip
    assert np.abs(hess - numeric_hess).max() < 1e-7
    assert np.array_equal(hess, hess.T)


def test_2f1_series_against_scipy_and_its_own_differences():
    rng = np.random.default_rng(1)
    b = rng.uniform(0.05, 30.0, 500)
    c = b + rng.uniform(0.05, 20.0, 500)
    y = rng.uniform(0.0, 0.9, 500)
    out = hyp2f1_derivatives(b, c, y)
    assert np.abs(out[0] - np.log(hyp2f1(1.0, b, c, y))).max() < 1e-13
    assert np.abs(log_hyp2f1(b, c, y) - out[0]).max() < 1e-13
    h = 1e-6
    for name, step in (("b", (h, 0, 0)), ("c", (0, h, 0)), ("y", (0, 0, h))):
        up = log_hyp2f1(b + step[0], c + step[1], y + step[2])
        down = log_hyp2f1(b - step[0], c - step[1], y - step[2])
        assert np.abs(out[NAMES.index(name)] - (up - down) / (2 * h)).max() < 1e-7, name


def test_2f1_tables_agree_with_the_terms():
    """Runs of equal (b, c) use tables of coefficients where y <= 0.4, the recurrence
    elsewhere: both give the same ten sums."""
    rng = np.random.default_rng(2)
    x = np.sort(rng.geometric(0.3, 5000) - 1).astype(np.float64)
    y = rng.uniform(0.0, 0.8, 5000)
    for b, c in ((0.4 + x, 2.1 + x), (np.full_like(x, 1.7), 2.1 + x)):
        by_runs = hyp2f1_derivatives(b, c, y)
        terms = _by_recurrence(b, c, y)
        terms[1:] /= terms[0]
        terms[0] = np.log(terms[0])
        assert np.abs(by_runs - terms).max() < 1e-12


def test_large_counts_where_scipy_fails():
    """scipy's hyp2f1(1, 143, 164, 0.906) is -inf (and 1e-7 off at b = 100): the series is
    checked against the likelihood's defining integral."""
    from scipy.integrate import quad

    params = {"r": 13.0, "alpha": 15.0, "s": 20.0, "beta": 0.5}
    x, t_x, T = 130, 0.4, 1.0
    r, alpha, s, beta = params.values()
    gone = quad(lambda u: (alpha + u) ** -(r + x) * (beta + u) ** -(s + 1), t_x, T,
                epsabs=0, epsrel=1e-13)[0]  # fmt: skip
    alive = (alpha + T) ** -(r + x) * (beta + T) ** -s
    assert pnbd.p_alive(params, [x], [t_x], [T])[0] == pytest.approx(
        alive / (alive + s * gone), rel=1e-9
    )


def test_the_simulator_recovers_its_parameters():
    frame = simulate_pnbd(100_000, PN, 39.0, seed=7)
    assert (frame.t_first_last <= frame["T"]).all()
    assert ((frame.repeat_orders > 0) == (frame.t_first_last > 0)).all()
    fitted = ParetoNBD.fit(frame).params
    for name, value in PN.items():
        assert fitted[name] == pytest.approx(value, rel=0.1), name


def test_the_order_of_the_rows_does_not_change_the_fit(customers):
    x, t_x, T = customers
    days = np.round(T * 7), np.minimum(np.ceil(t_x * 7), np.round(T * 7))  # repeated rows
    arrays = (x, days[1], days[0])
    fitted = pnbd.fit_arrays(*arrays)
    order = np.random.default_rng(9).permutation(len(x))
    shuffled = pnbd.fit_arrays(*(a[order] for a in arrays))
    assert shuffled.params == fitted.params  # bit for bit
    assert shuffled.log_likelihood == fitted.log_likelihood
    weights = pnbd.fit_arrays(*(np.repeat(a[:1000], 2) for a in arrays))
    halves = pnbd.fit_arrays(*(a[:1000] for a in arrays), weights=np.full(1000, 2.0))
    assert weights.params == halves.params
