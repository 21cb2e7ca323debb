"""The whole job on Spark: :func:`run_spark`, what ``custseg rfm --engine spark`` calls.

Only small frames come back to the driver (the cut points, the summary per segment, the
customers per score level, the row accounting); the per-customer result stays in Spark
and is written by Spark as a Parquet folder sorted by customer id.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from custseg.engines.spark.extras import spark_extras
from custseg.engines.spark.history import spark_history
from custseg.engines.spark.measures import measure
from custseg.engines.spark.rows import parse_rows
from custseg.engines.spark.scores import (
    labelled,
    scored,
    spark_cuts,
    summary_frames,
    write_customers,
)
from custseg.engines.spark.session import spark_session
from custseg.engines.spark.source import open_source, with_facts
from custseg.measures.extras import Extras
from custseg.measures.history import History
from custseg.measures.plan import Lifecycle
from custseg.orders.accounting import LoadReport
from custseg.orders.load import LoadOptions
from custseg.segments.rules import RuleTable, builtin_rules
from custseg.segments.scoring import ScoringSpec


@dataclass
class SparkResult:
    """What a Spark run gives the driver: the row accounting, the cut points, the
    summary per segment, customers per score level and in all; ``frame`` is the
    per-customer Spark DataFrame (:data:`custseg.schema.CUSTOMER_COLUMNS`), persisted."""

    report: LoadReport
    cuts: dict[str, list[float]]
    scoring: ScoringSpec
    table: RuleTable
    summary: pl.DataFrame
    levels: dict[str, list[int]]
    customer_count: int
    frame: Any = field(repr=False, default=None)
    extras: dict[str, pl.DataFrame] | None = None
    #: the columns written after the export's (the prediction's, once predicted)
    columns: tuple[str, ...] = ()
    #: with a history: the daily purchase counts (:data:`custseg.measures.history.DAY_COLUMNS`)
    history_days: pl.DataFrame | None = None
    # no --by on Spark (refused before the run): the default engine's result's answers
    by_values: pl.Series | None = None
    by_column: str | None = None

    def breakdown(self, churn_days: int = 180,
                  lifespan_years: float | None = None) -> pl.DataFrame | None:  # fmt: skip
        """None: the Spark engine refuses ``--by``."""
        return None

    def customers(self, columns: list[str], where: Any = None) -> pl.DataFrame:
        """``columns`` of the customers (those ``where``, a Spark condition, holds for),
        brought to the driver as a Polars frame sorted by customer id: for what needs them
        whole there (``summary``: about 60 bytes a customer; ``repeat``: the repeat buyers)."""
        frame = (self.frame if where is None else self.frame.where(where)).select(*columns)
        if "customer_id" in columns:
            frame = frame.orderBy("customer_id")
        out = pl.from_arrow(frame.toArrow())
        assert isinstance(out, pl.DataFrame)
        return out

    def write(self, path: str | None, lang: str = "en", actions: bool = False,
              segments: tuple[str, ...] = (), table: str | None = None) -> float:  # fmt: skip
        """Write the export's columns (``segments`` only, when given) as a Parquet folder
        at ``path``, or as the catalog ``table`` (replaced), sorted by customer id;
        returns the seconds it took."""
        from pyspark.sql import functions as F

        clock = time.perf_counter()
        frame = self.frame
        if segments:
            frame = frame.where(F.col("segment").isin(list(segments)))
        export = labelled(frame, self.table, lang, actions, self.columns)
        write_customers(export, path, table)
        return time.perf_counter() - clock


def run_spark(
    source: str | None,
    options: LoadOptions | None = None,
    *,
    scoring: ScoringSpec | None = None,
    table: RuleTable | None = None,
    lifecycle: Lifecycle | None = None,
    master: str | None = None,
    extras: Extras | None = None,
    history: History | None = None,
    on_phase: Callable[[str], None] | None = None,
) -> SparkResult:
    """Segment the customers of a typed source on Spark (``source``: a path, or None with
    ``options.table`` or ``options.query``, rows of the session's catalog; the session:
    :func:`custseg.engines.spark.session.spark_session`); the same results as
    :func:`custseg.engines.run.run_rfm`; ``extras``: the aggregates it asks for
    (:attr:`SparkResult.extras`, as the default engine's); ``history``: each customer's
    purchase history (:data:`custseg.measures.history.HISTORY_COLUMNS`) on the
    per-customer frame, for :func:`custseg.engines.spark.predict.predict_on_spark`; with a
    calibration end, the customers are measured and segmented as of that day, the later
    orders being the holdout (as the default engine does).

    Raises
    ------
    InputFileError (``Refused`` for what only the default engine reads), ColumnError,
    DataError, CustsegError
    """
    opts, scoring = options or LoadOptions(), scoring or ScoringSpec()
    table = table or builtin_rules("default")
    tell = on_phase or (lambda name: None)
    phases: dict[str, float] = {}
    clock = time.perf_counter()
    tell("read")
    spark = spark_session(master)
    inp = with_facts(open_source(spark, str(source) if source else "", opts), opts)
    phases["read"], clock = time.perf_counter() - clock, time.perf_counter()
    tell("clean")
    canon = parse_rows(inp, opts)
    phases["clean"], clock = time.perf_counter() - clock, time.perf_counter()
    tell("aggregate")
    measured = measure(canon, inp, opts, lifecycle, history)
    days = None
    if history is not None:
        histories, days = spark_history(measured.orders, measured.report.as_of, history)
        measured.measures = measured.measures.join(histories, on="customer_id", how="left")
    phases["aggregate"], clock = time.perf_counter() - clock, time.perf_counter()
    tell("score")
    cuts = spark_cuts(measured.measures, scoring)
    frame = scored(measured.measures, cuts, table).persist()
    phases["score"], clock = time.perf_counter() - clock, time.perf_counter()
    tell("segment")
    summary, levels, customers = summary_frames(frame, cuts, table)
    found = spark_extras(measured.orders, measured.report.as_of, extras) if extras else None
    canon.rows.unpersist()
    phases["segment"] = time.perf_counter() - clock
    measured.report.phases = phases
    return SparkResult(measured.report, cuts, scoring, table, summary, levels, customers,
                       frame, found, history_days=days)  # fmt: skip
