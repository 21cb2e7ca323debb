"""The whole job in one call: load -> measures -> scores -> segments, on either engine.

:func:`run_rfm` is what the CLI's ``rfm``, ``repeat``, ``summary`` and ``report`` call and
what notebooks call: it picks the engine (the whole input in memory, or in customer
partitions when it would not fit), which hands back every customer's measures and the row
accounting; scoring and segments are then made here, once, for both.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from custseg.engines.budget import memory_budget, needs_chunks
from custseg.engines.steps import Measured
from custseg.frames import is_polars, to_pandas
from custseg.io.database.url import database_kind
from custseg.io.writers import needs_quotes
from custseg.measures.breakdown import BY_COLUMN, MISSING
from custseg.measures.extras import Extras
from custseg.measures.history import HISTORY_COLUMNS, History
from custseg.measures.plan import Lifecycle, customer_measures
from custseg.orders.accounting import LoadReport
from custseg.orders.load import LoadOptions
from custseg.schema import CUSTOMER_COLUMNS
from custseg.segments.rules import (
    RuleTable,
    assign_segments,
    builtin_rules,
    label_segments,
    segment_texts,
)
from custseg.segments.scoring import ScoringSpec, apply_scores, compute_cuts, level_counts

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class RfmResult:
    """Everything a run produced: the per-customer frame and how it was made.

    ``frame`` is the Polars per-customer frame (:data:`custseg.schema.CUSTOMER_COLUMNS`, in
    the order of each customer's first row in use in the input, whichever engine ran);
    ``customers`` the same as pandas; ``rejects_frame`` the rows left out (when
    ``keep_rejects`` was asked for); ``parts`` how many parts the input was cut into;
    ``history``, when asked for, each customer's purchase history
    (:data:`custseg.measures.history.HISTORY_COLUMNS`), row for row with ``frame``, and
    ``history_days`` the daily purchase counts (:data:`custseg.measures.history.DAY_COLUMNS`);
    ``extras`` the aggregates asked for (:class:`custseg.measures.extras.Extras`), added up;
    ``by_values``, with ``LoadOptions.by``, each customer's value of that column, row for
    row with ``frame`` (:mod:`custseg.measures.breakdown`: the majority rule).
    """

    frame: pl.DataFrame
    cuts: dict[str, list[float]]
    scoring: ScoringSpec
    report: LoadReport
    table: RuleTable
    rejects_frame: pl.DataFrame | None = None
    parts: int = 1
    history: pl.DataFrame | None = None
    history_days: pl.DataFrame | None = None
    extras: dict[str, pl.DataFrame] | None = None
    by_values: pl.Series | None = None
    by_column: str | None = None  # the column named by ``LoadOptions.by``

    def breakdown(self, churn_days: int = 180,
                  lifespan_years: float | None = None) -> pl.DataFrame | None:  # fmt: skip
        """The customers per value of the ``by`` column
        (:func:`custseg.measures.breakdown.breakdown`); None without one."""
        if self.by_values is None:
            return None
        from custseg.measures.breakdown import breakdown

        return breakdown(self.frame, self.by_values, self.report.as_of, churn_days,
                         lifespan_years, self.table.segment_names())  # fmt: skip

    @property
    def customers(self) -> pd.DataFrame:
        return to_pandas(self.frame)

    @property
    def customer_count(self) -> int:
        return self.frame.height

    @property
    def summary(self) -> pl.DataFrame:
        """Customers and revenue per segment, every segment of the table listed."""
        from custseg.segments.summary import summary_table

        return summary_table(self.frame, self.table.segment_names())

    @property
    def levels(self) -> dict[str, list[int]]:
        """Customers per R, F and M score."""
        return level_counts(self.frame, self.cuts)

    def labelled(self, lang: str = "en", actions: bool = False,
                 segments: tuple[str, ...] = ()) -> pl.DataFrame:  # fmt: skip
        """The export's frame: ``frame`` (only ``segments``, when given) with
        ``segment_label`` in ``lang`` and, with ``actions``, ``action``; with a ``by``
        column, each customer's value (``by_value``) after the customer columns."""
        frame = self.frame
        if self.by_values is not None:
            frame = frame.with_columns(self.by_values.fill_null(MISSING))
        if segments:
            frame = frame.filter(frame["segment"].is_in(list(segments)))
        out = label_segments(frame, self.table, lang, actions)
        if self.by_values is None:
            return out
        # by_value last; built from the columns (an eager select would rechunk them)
        names = [c for c in out.columns if c != BY_COLUMN] + [BY_COLUMN]
        return pl.DataFrame({c: out[c] for c in names})

    def plain_text(self, lang: str = "en", actions: bool = False) -> list[str]:
        """The text columns of :meth:`labelled` that hold no value CSV quotes: the codes
        custseg makes (``rfm_code``, ``lifecycle``), and the segment columns when the rule
        table's texts need no quotes (looked at once, not per customer). The writer skips
        looking at them (:func:`custseg.io.writers.write_frame`): ~3% of a 10M-row run."""
        texts = segment_texts(self.table, lang, actions)
        quoted = {col for col, values in texts.items() if any(map(needs_quotes, values))}
        return ["rfm_code", "lifecycle", *(col for col in texts if col not in quoted)]


def run_rfm(
    source: str | Path,
    options: LoadOptions | None = None,
    *,
    scoring: ScoringSpec | None = None,
    table: RuleTable | None = None,
    lifecycle: Lifecycle | None = None,
    chunked: bool | None = None,
    memory_limit: int | None = None,
    on_phase: Callable[[str], None] | None = None,
    history: History | None = None,
    extras: Extras | None = None,
) -> RfmResult:
    """Load an order file and segment its customers; the CLI's ``rfm`` command in one call.

    ``chunked`` True processes the file in customer partitions within ``memory_limit``
    bytes (default: the cgroup limit, else the memory available now); None (the default)
    does so only when the file would not fit in memory; False never. Either way the
    result is the same, byte for byte. A PostgreSQL table or query is aggregated in the
    database when its columns allow and its rows would not fit in memory
    (:mod:`custseg.engines.database`; whenever they allow with ``options.pushdown``
    True; never with it False, a ``history``, ``extras`` or ``options.by``). ``on_phase(name)`` is
    called as each phase starts (read, clean, aggregate, score, segment; ``clean 3/11``
    for part 3 of 11).
    ``history`` adds each customer's purchase history as the models read it
    (:attr:`RfmResult.history`); ``extras`` the aggregates it asks for
    (:attr:`RfmResult.extras`).

    Raises
    ------
    InputFileError, ColumnError, DataError
    """
    opts = options or LoadOptions()
    if memory_limit and not opts.memory_limit:  # the readers' checks hold to it too
        opts = dataclasses.replace(opts, memory_limit=memory_limit)
    tell = on_phase or (lambda name: None)
    budget = memory_limit or memory_budget()
    measured = None
    if opts.pushdown is not False and not (history or extras or opts.by) and database_kind(source):
        # aggregated in the database's SQL when the rows would not fit in memory (or
        # always, with ``pushdown`` True); None when the rows are to be read
        from custseg.engines.database import measure_in_database

        measured = measure_in_database(source, opts, lifecycle, tell)
    if measured is None and (chunked or (chunked is None and needs_chunks(source, budget))):
        from custseg.engines.partitioned import measure_in_parts

        measured = measure_in_parts(source, opts, lifecycle, tell, budget, history, extras)
    elif measured is None:
        from custseg.engines.memory import measure_in_memory

        measured = measure_in_memory(source, opts, lifecycle, tell, history, extras)
    result = score_and_segment(measured, scoring or ScoringSpec(),
                               table or builtin_rules("default"), tell)  # fmt: skip
    result.by_column = opts.by if result.by_values is not None else None
    return result


def score_and_segment(measured: Measured, scoring: ScoringSpec, table: RuleTable,
                      tell: Callable[[str], None]) -> RfmResult:  # fmt: skip
    """Cut points from every customer's measures, then scores and segments."""
    phases = measured.report.phases
    clock = time.perf_counter()
    tell("score")
    measures, history, by_values = measured.measures, None, None
    if BY_COLUMN in measures.columns:
        by_values = measures[BY_COLUMN]
        measures = measures.drop(BY_COLUMN)
    if HISTORY_COLUMNS[0] in measures.columns:
        history = measures.select(HISTORY_COLUMNS)
        measures = measures.drop(HISTORY_COLUMNS)
    cuts = scoring.cuts(measures)
    scored = apply_scores(measures, cuts)
    phases["score"], clock = time.perf_counter() - clock, time.perf_counter()
    tell("segment")
    frame = segment_frame(scored, table)
    phases["segment"] = time.perf_counter() - clock
    return RfmResult(frame, cuts, scoring, measured.report, table, measured.rejects,
                     measured.parts, history, measured.history_days,
                     measured.extras, by_values)  # fmt: skip


def rfm_table(orders, as_of: dt.date | None = None, bins: int = 5):
    """Per-customer measures and quantile scores from a canonical order frame.

    Returns a new frame (the same kind as ``orders``) with
    :data:`custseg.schema.CUSTOMER_COLUMNS` minus ``segment``.
    """
    measured = customer_measures(orders, as_of)
    return apply_scores(measured, compute_cuts(measured, bins))


def segment_orders(orders, *, as_of: dt.date | None = None, bins: int = 5,
                   table: RuleTable | None = None):  # fmt: skip
    """Per-customer RFM frame with segments, from a canonical order frame."""
    scored = rfm_table(orders, as_of, bins)
    out = assign_segments(scored, table or builtin_rules("default"))
    return out.select(CUSTOMER_COLUMNS) if is_polars(out) else out[list(CUSTOMER_COLUMNS)]


def segment_frame(scored: pl.DataFrame, table: RuleTable) -> pl.DataFrame:
    """Segments assigned to a scored Polars frame, columns in
    :data:`custseg.schema.CUSTOMER_COLUMNS` order (assembled from the columns: an eager
    select would rechunk them)."""
    segmented = assign_segments(scored, table)
    return pl.DataFrame({c: segmented[c] for c in CUSTOMER_COLUMNS})
