"""The orders of a file, cleaned and accounted for, without segmenting them: the Python
API's :func:`read_orders`, :func:`load_orders` and :func:`normalize_orders`.

They run the in-memory engine's steps up to the measures: the same rows are used and left
out, with the same reasons, as in :func:`custseg.run_rfm`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from custseg.frames import from_pandas, to_pandas
from custseg.measures.plan import customer_pass
from custseg.orders import cleaning
from custseg.orders.accounting import (
    LoadReport,
    decide_as_of,
    mark_after_as_of,
    mark_returns_only,
    part_report,
)
from custseg.orders.load import (
    LoadOptions,
    no_rows_left,
    open_input,
    parse_part,
    read_whole,
    used_orders,
    whole_facts,
)

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
    started = time.perf_counter()
    tell("read")
    inp = open_input(source, opts)
    raw = read_whole(inp, opts)
    read_s = time.perf_counter() - started
    tell("clean")
    assert inp.roles is not None
    result = _load(raw.frame, inp.roles, opts, inp.name, inp.format, raw.malformed)
    result.report.phases = {"read": read_s, "clean": time.perf_counter() - started - read_s}
    return result


def load_orders(source: str | Path, **kwargs: Any) -> pd.DataFrame:
    """Load an order file and return only the canonical order frame (see :func:`read_orders`)."""
    return read_orders(source, **kwargs).orders


def normalize_orders(frame: Any, roles: dict[str, str], options: LoadOptions | None = None, *,
                     source: str = "<frame>") -> LoadResult:  # fmt: skip
    """Canonical orders from a raw frame (pandas or Polars) whose columns ``roles`` maps
    (``{"customer": ..., "date": ..., "amount": ...}``; see
    :func:`custseg.orders.columns.resolve_columns`). The input frame is not modified.

    Raises DataError when no row is usable."""
    if not isinstance(frame, pl.DataFrame):
        frame = from_pandas(frame)
    return _load(frame, roles, options or LoadOptions(), source, "frame", [])


def _load(frame: pl.DataFrame, roles: dict[str, str], opts: LoadOptions, source: str,
          fmt: str, malformed: list[tuple[int | None, str]]) -> LoadResult:  # fmt: skip
    facts = whole_facts(frame, roles, opts)
    part = parse_part(frame, roles, opts, facts, source=source, malformed=malformed)
    as_of = decide_as_of(opts.as_of, part.latest)
    rows = mark_after_as_of(part.rows, as_of)
    orders = used_orders(rows, part.one_row_per_order)
    passed = customer_pass(orders, as_of, allow_empty=True)
    rows = mark_returns_only(rows, passed.unbought)
    report = part_report(rows, orders, malformed=len(malformed),
                         returns_only=(0, passed.unbought_orders), source=source,
                         columns=roles, as_of=as_of, fmt=fmt)  # fmt: skip
    if report.rows_used == 0:
        raise no_rows_left(source, report.left_out)
    if not passed.unbought.is_empty():
        orders = orders.filter(~pl.col("customer_id").is_in(passed.unbought.implode()))
    rejects = cleaning.rejected_rows(frame, rows, malformed) if opts.keep_rejects else None
    return LoadResult(rows, report, orders.drop("line", strict=False), rejects)
