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
    "load_orders": "load",
    "read_orders": "load",
    "normalize_orders": "load",
    "LoadReport": "load",
    "LoadResult": "load",
    "customer_measures": "rfm",
    "compute_cuts": "scoring",
    "apply_scores": "scoring",
    "score_customers": "scoring",
    "rfm_table": "pipeline",
    "segment_orders": "pipeline",
    "run_rfm": "pipeline",
    "RfmResult": "pipeline",
    "assign_segments": "rules",
    "load_rules": "rules",
    "builtin_rules": "rules",
    "RuleTable": "rules",
    "segment_summary": "summary",
    "CustsegError": "errors",
}

__all__ = sorted(_EXPORTS) + ["__version__"]

if TYPE_CHECKING:  # pragma: no cover
    from .errors import CustsegError
    from .load import LoadReport, LoadResult, load_orders, normalize_orders, read_orders
    from .pipeline import RfmResult, rfm_table, run_rfm, segment_orders
    from .rfm import customer_measures
    from .rules import RuleTable, assign_segments, builtin_rules, load_rules
    from .scoring import apply_scores, compute_cuts, score_customers
    from .summary import segment_summary


def __getattr__(name: str):
    if name in _EXPORTS:
        module = importlib.import_module(f".{_EXPORTS[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module 'custseg' has no attribute {name!r}")
