"""Modules of custseg 0.1 that moved in 0.2 (one package per stage of the flow).

``import custseg.load`` still works for one release, with a DeprecationWarning naming the
new place; the module object is the new one, so monkeypatching through either name agrees.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import sys
import warnings

MOVED: dict[str, str] = {
    "readers": "io.readers",
    "export": "io.writers",
    "columns": "orders.columns",
    "values": "orders.values",
    "cleaning": "orders.cleaning",
    "load": "orders.load",
    "rfm": "measures.plan",
    "metrics": "measures.shop",
    "repeat": "measures.repeat",
    "scoring": "segments.scoring",
    "rules": "segments.rules",
    "rulecheck": "segments.rulecheck",
    "summary": "segments.summary",
    "pipeline": "engines.run",
    "chunked": "engines.partitioned",
    "render": "report.terminal",
    "render_rules": "report.rules_grid",
    "report_html": "report.html",
    "i18n": "report.i18n",
}


class _MovedFinder:
    """Answers ``custseg.<old>`` with the module at its new place (a meta path finder and
    its loader; no importlib.abc base: importing it would cost ``--help`` 10 ms)."""

    def find_spec(self, fullname, path=None, target=None):
        package, _, name = fullname.rpartition(".")
        if package != "custseg" or name not in MOVED:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec):
        old = spec.name.rpartition(".")[2]
        new = f"custseg.{MOVED[old]}"
        warnings.warn(
            f"{spec.name} moved to {new}; the old name goes in the next release",
            DeprecationWarning,
            stacklevel=4,
        )
        return importlib.import_module(new)

    def exec_module(self, module):  # the new module is already executed
        pass


def install() -> None:
    if not any(isinstance(f, _MovedFinder) for f in sys.meta_path):
        sys.meta_path.append(_MovedFinder())
