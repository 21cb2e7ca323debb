"""Predicted customer lifetime value over a horizon: discounted expected transactions times
expected spend times margin.

The horizon is cut into steps of one calendar month (365.25/12 days; the last step ends at
the horizon). For customer i, with E_i(t) the model's expected transactions in (T, T+t]::

    CLV_i = margin * spend_i * sum_k [E_i(t_k) - E_i(t_(k-1))] * (1 + d)^(-years(t_k))

with t_k = min(k * step, horizon), t_0 = 0, d the annual discount rate and years(t) the
step's end in years of 365.25 days: each month's transactions are discounted from the end
of that month, as lifetimes' ``customer_lifetime_value`` does (it uses 30-day months and a
monthly rate). The steps are calendar days, not model time units, so the result does not
depend on the time unit the model was fitted in. With d = 0 it is
margin * spend * E_i(horizon).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from custseg.errors import ModelError
from custseg.models.base import CountModel

DAYS_PER_YEAR = 365.25
STEP_DAYS = DAYS_PER_YEAR / 12


def clv(
    model: CountModel,
    spend: Any,
    horizon: float,
    *,
    unit_days: float,
    discount: float = 0.10,
    margin: float = 1.0,
    summary: Any = None,
    step_days: float = STEP_DAYS,
) -> np.ndarray:
    """Predicted value per customer over ``horizon`` (model time units).

    Parameters
    ----------
    model
        A fitted or given count model (BG/NBD, MBG/NBD, Pareto/NBD).
    spend
        Expected spend per transaction: one per customer (e.g.
        ``GammaGamma.expected_spend(summary)``) or one number for all.
    horizon
        Length of the future period, in the model's time units.
    unit_days
        Days in one model time unit (1 for days, 7 for weeks).
    discount
        Annual discount rate (0.10: a value one year ahead is worth 1/1.1 today).
    margin
        Share of spend kept as profit (1.0: value in revenue).
    summary
        The customers (default: those the model was fitted on).
    step_days
        Length of a discounting step in days (default one month, 365.25/12).

    Returns
    -------
    numpy.ndarray
        One value per customer, in the currency of ``spend``.

    Raises
    ------
    ModelError
        Negative horizon, unit or step, a discount rate <= -1, a margin not finite.
    """
    for name, value in (("horizon", horizon), ("unit_days", unit_days), ("step_days", step_days),
                        ("margin", margin), ("discount", discount)):  # fmt: skip
        if not math.isfinite(float(value)):
            raise ModelError(f"`{name}` must be a finite number, not {value!r}")
    if horizon < 0 or unit_days <= 0 or step_days <= 0 or discount <= -1:
        raise ModelError("clv needs horizon >= 0, unit_days > 0, step_days > 0, discount > -1")
    step = step_days / unit_days
    ends = [min(k * step, horizon) for k in range(1, max(1, math.ceil(horizon / step)) + 1)]
    total: Any = 0.0
    before: Any = 0.0
    for end in ends:  # a loop over months, each step vectorised over customers
        now = model.predict(end, summary)
        total = total + (now - before) * (1.0 + discount) ** (-end * unit_days / DAYS_PER_YEAR)
        before = now
    return np.asarray(margin * np.asarray(spend, dtype=np.float64) * total, dtype=np.float64)
