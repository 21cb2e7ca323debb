"""custseg: RFM customer segmentation for e-commerce order exports.

The Python API takes and returns pandas DataFrames and never changes its inputs::

    import custseg
    orders = custseg.load_orders("orders.csv")          # canonical order frame
    rfm = custseg.rfm_table(orders)                      # measures + R/F/M scores
    segmented = custseg.assign_segments(rfm, custseg.builtin_rules("default"))

Heavy libraries are imported on first use, so ``custseg --help`` starts fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

_EXPORTS = {
    "load_orders": "engines.loading",
    "read_orders": "engines.loading",
    "normalize_orders": "engines.loading",
    "LoadOptions": "orders.load",
    "LoadReport": "orders.accounting",
    "LoadResult": "engines.loading",
    "customer_measures": "measures.plan",
    "compute_cuts": "segments.scoring",
    "ScoringSpec": "segments.scoring",
    "load_cuts": "segments.frozen",
    "compare_runs": "segments.changes",
    "Changes": "segments.changes",
    "read_previous": "io.previous",
    "days_to_downgrade": "segments.downgrade",
    "apply_scores": "segments.scoring",
    "score_customers": "segments.scoring",
    "rfm_table": "engines.run",
    "segment_orders": "engines.run",
    "run_rfm": "engines.run",
    "RfmResult": "engines.run",
    "assign_segments": "segments.rules",
    "load_rules": "segments.rules",
    "builtin_rules": "segments.rules",
    "RuleTable": "segments.rules",
    "segment_summary": "segments.summary",
    "CustsegError": "errors",
    "BetaGeo": "models.bgnbd",
    "ModifiedBetaGeo": "models.mbgnbd",
    "ParetoNBD": "models.pnbd",
    "GammaGamma": "models.gamma_gamma",
    "clv": "models.lifetime_value",
    "purchase_summary": "predict.run",
    "predict_customers": "predict.run",
    "PredictSpec": "predict.run",
    "History": "measures.history",
    "run_backtest": "backtest.run",
    "BacktestSpec": "backtest.run",
    "Backtest": "backtest.run",
    "cluster_customers": "cluster.run",
    "ClusterSpec": "cluster.run",
    "Clustering": "cluster.run",
}

__all__ = sorted(_EXPORTS) + ["__version__"]

if TYPE_CHECKING:  # pragma: no cover
    from custseg.backtest.run import Backtest, BacktestSpec, run_backtest
    from custseg.cluster.run import Clustering, ClusterSpec, cluster_customers
    from custseg.engines.loading import LoadResult, load_orders, normalize_orders, read_orders
    from custseg.engines.run import RfmResult, rfm_table, run_rfm, segment_orders
    from custseg.errors import CustsegError
    from custseg.io.previous import read_previous
    from custseg.measures.history import History
    from custseg.measures.plan import customer_measures
    from custseg.models.bgnbd import BetaGeo
    from custseg.models.gamma_gamma import GammaGamma
    from custseg.models.lifetime_value import clv
    from custseg.models.mbgnbd import ModifiedBetaGeo
    from custseg.models.pnbd import ParetoNBD
    from custseg.orders.accounting import LoadReport
    from custseg.orders.load import LoadOptions
    from custseg.predict.run import PredictSpec, predict_customers, purchase_summary
    from custseg.segments.changes import Changes, compare_runs
    from custseg.segments.downgrade import days_to_downgrade
    from custseg.segments.frozen import load_cuts
    from custseg.segments.rules import RuleTable, assign_segments, builtin_rules, load_rules
    from custseg.segments.scoring import ScoringSpec, apply_scores, compute_cuts, score_customers
    from custseg.segments.summary import segment_summary


from custseg import _moved  # noqa: E402

_moved.install()  # old module names (custseg.load, ...) for one more release


def __getattr__(name: str):
    if name in _EXPORTS:
        module = importlib.import_module(f".{_EXPORTS[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module 'custseg' has no attribute {name!r}")
