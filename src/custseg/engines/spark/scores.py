"""Cut points, scores and segments in Spark, from custseg's own definitions: the exact
cut points (Spark's ``percentile``, never ``percentile_approx``, whose approximate cut
points changed 62 M scores at 1M rows), the "count the cut points below the value" rule
of :mod:`custseg.segments.scoring`, each rule's conditions of the rule table translated
into Spark columns by :meth:`custseg.segments.table.Condition.mask` itself; then the small
frames (summary, levels) for the driver, and the per-customer Parquet folder.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from custseg.errors import CustsegError, OutputError
from custseg.schema import EXPORT_COLUMNS, MEASURES
from custseg.segments.rules import RuleTable, segment_texts
from custseg.segments.scoring import ScoringSpec, check_edges, compute_cuts
from custseg.segments.summary import finish_summary
from custseg.segments.table import FIELDS


def spark_cuts(measures: Any, scoring: ScoringSpec) -> dict[str, list[float]]:
    """The cut points of :meth:`custseg.segments.scoring.ScoringSpec.cuts`, computed in
    Spark: the exact linear-interpolation quantiles (or the means), rounded as custseg
    rounds them; fixed edges as given."""
    from pyspark.sql import functions as F

    names = [m for m, _, _ in MEASURES]
    if scoring.method == "edges":
        return {m: check_edges(m, (scoring.edges or {}).get(m)) for m in names}
    if scoring.method == "quantile" and scoring.bins < 2:
        return compute_cuts(pl.DataFrame({m: [0] for m in names}), scoring.bins)  # raises
    if scoring.method == "quantile":
        probs = [i / scoring.bins for i in range(1, scoring.bins)]
        exprs = [F.percentile(F.col(m).cast("double"), F.lit(probs)).alias(m) for m in names]
    elif scoring.method == "mean":
        exprs = [F.avg(F.col(m).cast("double")).alias(m) for m in names]
    else:
        return compute_cuts(pl.DataFrame({m: [0] for m in names}), method=scoring.method)
    found = measures.select(*exprs).first()
    if found[names[0]] is None:
        raise CustsegError("no customers to compute score cut points from")
    as_list = (lambda v: v) if scoring.method == "quantile" else (lambda v: [v])
    return {m: [round(float(x), 6) for x in as_list(found[m])] for m in names}


def scored(measures: Any, cuts: dict[str, list[float]], table: RuleTable) -> Any:
    """``measures`` with the scores, ``rfm_code`` and ``segment`` (the first rule that
    matches, else the table's fallback)."""
    from pyspark.sql import functions as F

    cols = {}
    for measure, col, higher in MEASURES:
        below = F.lit(0).cast("bigint")
        for cut in cuts[measure]:
            below = below + (F.col(measure) > cut).cast("bigint")
        cols[col] = (below + 1 if higher else len(cuts[measure]) + 1 - below).cast("bigint")
    out = measures.withColumns(cols)
    if all(len(c) < 9 for c in cuts.values()):
        code = (F.col("r_score") * 100 + F.col("f_score") * 10 + F.col("m_score")).cast("string")
    else:
        code = F.concat_ws("-", "r_score", "f_score", "m_score")
    return out.withColumns({"rfm_code": code, "segment": segment_column(table)})


def segment_column(table: RuleTable) -> Any:
    """The segment of each customer from ``table``'s rules, as a Spark column."""
    from pyspark.sql import functions as F

    segment = F.lit(table.fallback)
    for rule in reversed(table.rules):
        hit = F.lit(True)
        for cond in rule.conditions:
            hit = hit & cond.mask(F.col(FIELDS[cond.key]))
        segment = F.when(hit, F.lit(rule.segment)).otherwise(segment)
    return segment


def labelled(frame: Any, table: RuleTable, lang: str, actions: bool,
             more: tuple[str, ...] = ()) -> Any:  # fmt: skip
    """``frame`` with ``segment_label`` (and ``action``), in export column order
    (:data:`custseg.schema.EXPORT_COLUMNS`), then the columns ``more``."""
    from pyspark.sql import functions as F

    texts = segment_texts(table, lang, actions)
    extra = ["segment_label", *(["action"] if actions else [])]
    cols = {}
    for col in extra:
        value = F.col("segment") if col == "segment_label" else F.lit("")
        for name, text in zip(reversed(texts["segment"]), reversed(texts[col]), strict=True):
            value = F.when(F.col("segment") == name, F.lit(text)).otherwise(value)
        cols[col] = value
    return frame.withColumns(cols).select(*EXPORT_COLUMNS, *extra[1:], *more)


def summary_frames(frame: Any, cuts: dict[str, list[float]],
                   table: RuleTable) -> tuple[pl.DataFrame, dict[str, list[int]], int]:  # fmt: skip
    """The small frames for the driver: the summary per segment
    (:func:`custseg.segments.summary.finish_summary`), customers per score level, and the
    number of customers."""
    from pyspark.sql import functions as F

    agg = frame.groupBy("segment").agg(
        F.count(F.lit(1)).alias("customers"),
        F.sum("monetary").alias("revenue"),
        F.avg("recency_days").alias("mean_recency_days"),
        F.avg("frequency").alias("mean_frequency"),
        F.avg("monetary").alias("mean_monetary"),
    )
    small = pl.from_arrow(agg.toArrow())
    assert isinstance(small, pl.DataFrame)
    summary = finish_summary(small, table.segment_names())
    levels = {col: range(1, len(cuts[m]) + 2) for m, col, _ in MEASURES}
    counts = frame.select(
        *(
            F.count_if(F.col(col) == n).alias(f"{col}={n}")
            for col, ns in levels.items()
            for n in ns
        )  # fmt: skip
    ).first()
    found = {col: [int(counts[f"{col}={n}"]) for n in ns] for col, ns in levels.items()}
    return summary, found, int(summary["customers"].sum())


def write_customers(frame: Any, path: str | None = None, table: str | None = None) -> None:
    """The per-customer frame as a Parquet folder at ``path``, or as the catalog table
    ``table``, sorted by customer id (replacing what is there). Raises OutputError when
    Spark cannot write it."""
    writer = frame.orderBy("customer_id").write.mode("overwrite")
    try:
        writer.saveAsTable(table) if table else writer.parquet(path)
    except Exception as exc:  # noqa: BLE001 - a path or table Spark cannot write
        where = f"table {table}" if table else path
        raise OutputError(f"{where}: cannot write ({str(exc).splitlines()[0][:300]})") from None
