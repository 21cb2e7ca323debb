"""Predictive customer models: who will come back and what they are worth.

One module per model on a common base (:mod:`custseg.models.base`): BG/NBD
(:mod:`~custseg.models.bgnbd`), MBG/NBD (:mod:`~custseg.models.mbgnbd`), Pareto/NBD
(:mod:`~custseg.models.pnbd`), the Gamma-Gamma spend model
(:mod:`~custseg.models.gamma_gamma`), discounted lifetime value
(:mod:`~custseg.models.lifetime_value`) and BG/NBD and Pareto/NBD
simulators (:mod:`~custseg.models.simulate`). scipy is imported only when a model module is, so
``import custseg.models`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

_EXPORTS = {
    "BetaGeo": "bgnbd",
    "ModifiedBetaGeo": "mbgnbd",
    "ParetoNBD": "pnbd",
    "GammaGamma": "gamma_gamma",
    "clv": "lifetime_value",
    "simulate_bgnbd": "simulate",
    "simulate_pnbd": "simulate",
}
MODELS = {"bgnbd": "BetaGeo", "mbgnbd": "ModifiedBetaGeo", "pnbd": "ParetoNBD"}

__all__ = sorted(_EXPORTS) + ["MODELS"]

if TYPE_CHECKING:  # pragma: no cover
    from custseg.models.bgnbd import BetaGeo
    from custseg.models.gamma_gamma import GammaGamma
    from custseg.models.lifetime_value import clv
    from custseg.models.mbgnbd import ModifiedBetaGeo
    from custseg.models.pnbd import ParetoNBD
    from custseg.models.simulate import simulate_bgnbd, simulate_pnbd


def __getattr__(name: str):
    if name in _EXPORTS:
        module = importlib.import_module(f".{_EXPORTS[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module 'custseg.models' has no attribute {name!r}")
