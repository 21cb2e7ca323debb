"""Time units of the models and horizons of the predictions.

The models count time in one unit (``--time-unit``); their predictions do not depend on
it, only their parameters' scale does (alpha and beta grow with the unit). A month is
365.25 / 12 = 30.4375 days and a year 365.25 days, so that twelve months make a year.
"""

from __future__ import annotations

import re

from custseg.errors import CustsegError

#: Days in each time unit (``--time-unit``), the default first.
TIME_UNITS: dict[str, float] = {"week": 7.0, "day": 1.0, "month": 365.25 / 12}
#: Days in each horizon suffix: ``90d``, ``12w``, ``6m``, ``1y``.
HORIZON_UNITS: dict[str, float] = {"d": 1.0, "w": 7.0, "m": 365.25 / 12, "y": 365.25}
#: The default horizon of ``expected_orders`` and ``predicted_clv``.
DEFAULT_HORIZON = "90d"

_HORIZON = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([dwmy])\s*", re.IGNORECASE)


def horizon_days(text: str, what: str = "horizon") -> float:
    """Days in a horizon written as a number and a unit: ``90d``, ``12w``, ``6m``, ``1y``;
    ``what`` names it in the errors (``window`` for a backtest's).

    Raises
    ------
    CustsegError
        When ``text`` is not such a horizon, or is zero or longer than 100 years.
    """
    match = _HORIZON.fullmatch(str(text))
    if not match:
        raise CustsegError(
            f"{what} {text!r} is not a number and a unit; write e.g. 90d, 12w, 6m or 1y"
        )
    days = float(match[1]) * HORIZON_UNITS[match[2].lower()]
    if not 0 < days <= 100 * 365.25:
        raise CustsegError(f"{what} {text!r} must be more than 0 days and at most 100y")
    return days


def unit_days(unit: str) -> float:
    """Days in a time unit of :data:`TIME_UNITS`.

    Raises
    ------
    CustsegError
        For a unit not in :data:`TIME_UNITS`.
    """
    if unit not in TIME_UNITS:
        raise CustsegError(f"time unit {unit!r} is not one of {', '.join(TIME_UNITS)}")
    return TIME_UNITS[unit]
