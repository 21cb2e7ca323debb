"""The custseg command line: parse options, call the library, render, pick the exit code.

Exit codes: 0 success, 1 data or file error, 2 usage error. Each command lives in its own
module (``rfm``, ``predict``, ``cluster``, ``cohort``, ``backtest``, ``reports``: repeat,
summary, report; ``rules``:
schemes, rules) and is registered here; the building blocks they share are in ``options``
and ``output``.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys

import click

from custseg import __version__
from custseg.cli.backtest import backtest
from custseg.cli.cluster import cluster
from custseg.cli.cohort import cohort
from custseg.cli.output import guard_streams
from custseg.cli.platforms import platforms
from custseg.cli.predict import predict
from custseg.cli.reports import repeat, report, summary
from custseg.cli.rfm import rfm
from custseg.cli.rules import rules, schemes


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="custseg")
def main() -> None:
    """RFM customer segmentation for e-commerce order exports.

    \b
    Example:
      custseg rfm data/sample_orders.csv
      custseg rfm orders.csv --as-of today --segment churn-risk -o churn.csv
      custseg predict orders.csv --horizon 6m -o predictions.csv
      custseg cohort orders.csv --period month
      custseg backtest orders.csv --as-of 2025-09-30 --window 90d
      custseg cluster orders.csv -o clusters.csv
    """


for command in (rfm, predict, cluster, cohort, backtest, repeat, summary, report, schemes, rules,
                platforms):  # fmt: skip
    main.add_command(command)


def entry() -> None:
    """The ``custseg`` console script: :func:`main`, then a quick exit.

    Once the command is done (its files renamed into place, its output flushed), the
    process leaves with ``os._exit`` instead of tearing the interpreter down module by
    module, which takes longer than a small job itself (~0.04 s with Polars loaded).
    """
    gc.disable()  # a short run: the collector would spend ~10 ms on what Polars' import makes
    guard_streams()
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        pass  # a closed pipe (custseg ... | head) has taken all it wanted
    except (OSError, ValueError) as exc:  # a full disk: what was printed is not all there
        if code == 0:
            with contextlib.suppress(OSError, ValueError):
                print(f"Error: cannot write to stdout ({exc})", file=sys.stderr)
            code = 1
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.flush()
    os._exit(code)
