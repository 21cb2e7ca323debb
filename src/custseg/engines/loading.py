"""The orders of a file, cleaned and accounted for, without segmenting them: the Python
API's :func:`read_orders`, :func:`load_orders` and :func:`normalize_orders`.

They run the in-memory engine's steps (:func:`custseg.engines.memory.measure_frame`): the
same rows are used and left out, with the same reasons, as in :func:`custseg.run_rfm`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from custseg.engines.memory import measure_frame, measure_whole
from custseg.engines.steps import MeasuredPart
from custseg.frames import from_pandas, to_pandas
from custseg.orders.accounting import LoadReport
from custseg.orders.load import LoadOptions

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class LoadResult:
    """The parsed rows with their reasons, the row accounting and (optionally) the
    rejected rows.

    ``rows`` has one row per input row read: the canonical order columns and ``reason``
    (0 when the row is used, see :mod:`custseg.orders.cleaning`). ``frame`` gives the
    canonical orders (used rows, line items merged) as Polars, ``orders`` as pandas.
    """

    rows: pl.DataFrame
    report: LoadReport
    frame: pl.DataFrame
    rejects_frame: pl.DataFrame | None = None

    @property
    def orders(self) -> pd.DataFrame:
        return to_pandas(self.frame)

    @property
    def rejects(self) -> pd.DataFrame | None:
        return None if self.rejects_frame is None else to_pandas(self.rejects_frame)


def read_orders(source: str | Path, options: LoadOptions | None = None, *,
                on_phase: Callable[[str], None] | None = None,
                **kwargs: Any) -> LoadResult:  # fmt: skip
    """Load an order file into the canonical order frame and account for every row.

    Parameters
    ----------
    source:
        Path to an order file (CSV/TSV/TXT, compressed or not, Parquet file or folder,
        ``.xlsx``, JSON Lines) or ``"-"`` for CSV on stdin.
    options:
        A :class:`custseg.orders.load.LoadOptions`; keyword arguments set its fields
        instead (``as_of=``, ``columns=``, ``returns=``, ...).
    on_phase:
        Called with ``"read"`` and ``"clean"`` as those phases start (for progress).

    Returns
    -------
    LoadResult
        ``orders`` follows :data:`custseg.schema.ORDER_COLUMNS`, one row per order;
        ``report`` counts the rows used and left out by reason.

    Raises
    ------
    InputFileError, ColumnError, DataError
    """
    opts = options or LoadOptions(**kwargs)
    tell = on_phase or (lambda name: None)
    done = measure_whole(source, opts, None, tell, keep_rows=True)
    return _result(done)


def load_orders(source: str | Path, options: LoadOptions | None = None,
                **kwargs: Any) -> pd.DataFrame:  # fmt: skip
    """Load an order file and return only the canonical order frame (see :func:`read_orders`;
    ``options`` or keyword arguments as there)."""
    return read_orders(source, options, **kwargs).orders


def normalize_orders(frame: Any, roles: dict[str, str], options: LoadOptions | None = None, *,
                     source: str = "<frame>") -> LoadResult:  # fmt: skip
    """Canonical orders from a raw frame (pandas or Polars) whose columns ``roles`` maps
    (``{"customer": ..., "date": ..., "amount": ...}``; see
    :func:`custseg.orders.columns.resolve_columns`). The input frame is not modified.

    Raises DataError when no row is usable."""
    if not isinstance(frame, pl.DataFrame):
        frame = from_pandas(frame)
    done = measure_frame(frame, roles, options or LoadOptions(), None, source=source,
                         fmt="frame", keep_rows=True)  # fmt: skip
    done.report.phases = {}
    return _result(done)


def _result(done: MeasuredPart) -> LoadResult:
    assert done.rows is not None and done.orders is not None  # keep_rows
    orders = done.orders.drop("line", strict=False)
    return LoadResult(done.rows, done.report, orders, done.rejects)
