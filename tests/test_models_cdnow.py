"""The published figures on the CDNOW 1/10 sample (Fader, Hardie & Lee 2005; Fader &
Hardie's notes), from a summary built here in plain Python (skipped only when
../shared/data/real is absent)."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict

import pandas as pd
import pytest

from conftest import REAL
from custseg.models import BetaGeo, GammaGamma, ParetoNBD

pytestmark = pytest.mark.skipif(not REAL.is_dir(), reason="../shared/data/real is absent")

END = dt.date(1997, 9, 30)


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    """Calibration 1997-01-01..1997-09-30; one transaction per customer-day (spend summed);
    x = purchase days - 1, t_x and T in weeks; mean spend over the repeat days."""
    days: dict[str, dict[dt.date, float]] = defaultdict(lambda: defaultdict(float))
    with open(REAL / "cdnow" / "CDNOW_sample.txt", encoding="ascii") as handle:
        for line in handle:
            fields = line.split()
            if fields:
                day = dt.datetime.strptime(fields[2], "%Y%m%d").date()
                if day <= END:
                    days[fields[1]][day] += float(fields[4])
    rows = []
    for customer, spend in sorted(days.items()):
        order = sorted(spend)
        x = len(order) - 1
        repeat = sum(spend[d] for d in order[1:]) / x if x else 0.0
        rows.append((customer, x, (order[-1] - order[0]).days / 7, (END - order[0]).days / 7,
                     repeat))  # fmt: skip
    return pd.DataFrame(rows, columns=["customer", "repeat_orders", "t_first_last", "T",
                                       "mean_repeat_spend"])  # fmt: skip


def close_to_published(fitted: dict, published: dict) -> None:
    """Each fitted value rounds to the published one: within half a unit of its last digit."""
    for name, text in published.items():
        decimals = len(text.split(".")[1])
        assert abs(fitted[name] - float(text)) <= 0.5 * 10**-decimals, (name, fitted[name])


def test_the_sample(cdnow):
    assert len(cdnow) == 2357
    assert (cdnow.repeat_orders > 0).sum() == 946
    buyers = cdnow[cdnow.repeat_orders > 0]
    assert round(buyers.mean_repeat_spend.mean(), 2) == 35.08


def test_bgnbd_published(cdnow):
    model = BetaGeo.fit(cdnow)
    close_to_published(model.params, {"r": "0.243", "alpha": "4.414", "a": "0.793", "b": "2.426"})
    assert model.log_likelihood == pytest.approx(-9582.4, abs=0.1)
    assert model.customers == 2357 and model.name == "bgnbd"


def test_bgnbd_log_likelihood_is_the_papers(cdnow):
    """The reported log-likelihood is equation (6) of the paper, evaluated here in plain
    math at the fitted parameters."""
    model = BetaGeo.fit(cdnow)
    r, alpha, a, b = (model.params[k] for k in ("r", "alpha", "a", "b"))

    def beta(u, v):
        return math.exp(math.lgamma(u) + math.lgamma(v) - math.lgamma(u + v))

    total = 0.0
    for x, t_x, T in cdnow[["repeat_orders", "t_first_last", "T"]].itertuples(index=False):
        common = math.exp(math.lgamma(r + x) - math.lgamma(r)) * alpha**r
        value = beta(a, b + x) / beta(a, b) * common / (alpha + T) ** (r + x)
        if x > 0:
            value += beta(a + 1, b + x - 1) / beta(a, b) * common / (alpha + t_x) ** (r + x)
        total += math.log(value)
    assert model.log_likelihood == pytest.approx(total, abs=1e-6)


def test_pareto_nbd_published(cdnow):
    model = ParetoNBD.fit(cdnow)
    close_to_published(
        model.params, {"r": "0.553", "alpha": "10.578", "s": "0.606", "beta": "11.669"}
    )
    assert model.log_likelihood == pytest.approx(-9595.0, abs=0.1)
    assert model.name == "pnbd"


def test_gamma_gamma_published(cdnow):
    model = GammaGamma.fit(cdnow)
    close_to_published(model.params, {"p": "6.25", "q": "3.74", "gamma": "15.44"})
    assert model.customers == 946
    assert model.notes == []  # CDNOW: Pearson 0.11 between frequency and spend


def test_customer_0001_under_the_published_bgnbd():
    """Fader, Hardie & Lee: customer 0001 (x 2, t_x 30.43, T 38.86) expects 1.226
    transactions in the next 39 weeks and is alive with probability 0.727."""
    model = BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    one = pd.DataFrame({"repeat_orders": [2], "t_first_last": [30.43], "T": [38.86]})
    assert round(float(model.predict(39, one)[0]), 3) == 1.226
    assert round(float(model.p_alive(one)[0]), 3) == 0.727


def test_customer_0001_in_the_sample(cdnow):
    first = cdnow.iloc[0]
    assert first.customer == "0001" and first.repeat_orders == 2
    assert round(first.t_first_last, 2) == 30.43 and round(first["T"], 2) == 38.86
