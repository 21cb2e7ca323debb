"""The as-of date, line items merged into orders, the per-customer measures and the row
accounting, in Spark: the second implementation of :mod:`custseg.measures.definitions`
(held to :func:`custseg.measures.definitions.reference_measures` by the tests).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from custseg.engines.spark.rows import CanonicalRows
from custseg.engines.spark.source import SparkInput
from custseg.measures.definitions import MONEY_DECIMALS
from custseg.measures.history import History
from custseg.measures.plan import Lifecycle
from custseg.orders.accounting import LoadReport, decide_as_of
from custseg.orders.cleaning import REASONS, code
from custseg.orders.load import LoadOptions, no_rows_left
from custseg.schema import MEASURE_COLUMNS


@dataclass
class SparkMeasured:
    """``measures``: one row per customer with a purchase (:data:`custseg.schema.
    MEASURE_COLUMNS` and ``lifecycle``), persisted; ``report``: every row accounted;
    ``orders``: one row per order in use (``customer_id``, ``order_date``, ``amount``)."""

    measures: Any
    report: LoadReport
    orders: Any = None


def round_money(col: Any) -> Any:
    """:func:`custseg.measures.definitions.round_money` in Spark: the binary product by
    100, rounded half to even (``rint``, which keeps the sign of zero), divided by 100.
    Not Spark's ``round`` (half up) nor ``bround`` (half even on the decimal value)."""
    from pyspark.sql import functions as F

    scale = 10.0**MONEY_DECIMALS
    return F.rint(col * scale) / scale


def measure(canon: CanonicalRows, inp: SparkInput, opts: LoadOptions,
            lifecycle: Lifecycle | None,
            history: History | None = None) -> SparkMeasured:  # fmt: skip
    """Decide the as-of date, mark the rows after it, merge line items, measure every
    customer and account for every row. With ``history``'s calibration end, the customers
    are measured as of that day (the later orders, up to as-of, stay in use: the holdout).
    Raises DataError when no row is usable."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    life = lifecycle or Lifecycle()
    rows = canon.rows
    latest = rows.where(F.col("reason") == 0).agg(F.max("order_date")).first()[0]
    as_of = decide_as_of(opts.as_of, latest)
    after = (F.col("reason") == 0) & (F.to_date("order_date") > F.lit(as_of))
    rows = rows.withColumn("reason", F.when(after, code("after as-of")).otherwise(F.col("reason")))
    used = rows.where(F.col("reason") == 0)
    if canon.one_row_per_order:
        orders = used.select("customer_id", "order_date", "amount", F.lit(1).alias("rows"))
    else:  # one row per (customer, order id): the earliest time, the amounts summed
        orders = used.groupBy("customer_id", "order_id").agg(
            F.min("order_date").alias("order_date"), F.sum("amount").alias("amount"),
            F.count(F.lit(1)).alias("rows"),
        )  # fmt: skip
    end = history.end(as_of) if history else as_of
    seen = orders.where(F.to_date("order_date") <= F.lit(end)) if end < as_of else orders
    per = per_customer(seen, end, life).persist(StorageLevel.MEMORY_AND_DISK)
    report = _report(rows, orders, per, inp, as_of, canon.findings)
    if report.rows_used == 0:
        raise no_rows_left(inp.name, report.left_out)
    measures = per.where(F.col("frequency") > 0).select(*MEASURE_COLUMNS, "lifecycle")
    return SparkMeasured(measures, report, orders)


def per_customer(orders: Any, as_of: dt.date, life: Lifecycle) -> Any:
    """Per customer of ``orders`` (one row per order in use, on or before ``as_of``): the
    measures and lifecycle of :mod:`custseg.measures.definitions` (``frequency`` 0 for a
    customer with returns only), and ``orders``/``rows``, their orders and rows in use."""
    from pyspark.sql import functions as F

    purchase = F.col("amount") >= 0
    day = F.to_date("order_date")
    window = F.lit(as_of - dt.timedelta(days=life.churn_days))
    per = orders.groupBy("customer_id").agg(
        F.min(F.when(purchase, F.col("order_date"))).alias("first_order"),
        F.max(F.when(purchase, F.col("order_date"))).alias("last_order"),
        F.count_if(purchase).cast("bigint").alias("frequency"),
        round_money(F.sum("amount")).alias("monetary"),
        F.count(F.lit(1)).alias("orders"),
        F.sum("rows").alias("rows"),
        F.max(F.when(purchase & (day < window), day)).alias("before"),
        F.min(F.when(purchase & (day >= window), day)).alias("within"),
    )
    recency = F.datediff(F.lit(as_of), F.to_date("last_order")).cast("bigint")
    per = per.withColumn("recency_days", recency)
    aov = F.when(F.col("frequency") > 0, round_money(F.col("monetary") / F.col("frequency")))
    per = per.withColumn("aov", aov)
    return per.withColumn("lifecycle", _lifecycle(as_of, life))


def _lifecycle(as_of: dt.date, life: Lifecycle) -> Any:
    """:func:`custseg.measures.definitions.lifecycle`, first status that applies."""
    from pyspark.sql import functions as F

    new_from = F.lit(as_of - dt.timedelta(days=life.new_days))
    gap = F.datediff("within", "before")
    return (
        F.when(F.col("recency_days") > life.churn_days, F.lit("churned"))
        .when(F.to_date("first_order") >= new_from, F.lit("new"))
        .when(gap > life.churn_days, F.lit("returning"))
        .otherwise(F.lit("active"))
    )


def _report(rows: Any, orders: Any, per: Any, inp: SparkInput, as_of: dt.date,
            findings: dict[str, dict[str, int]]) -> LoadReport:  # fmt: skip
    """The accounting: rows per reason (customers with returns only included), the
    purchases and returns in use."""
    from pyspark.sql import functions as F

    by_code = dict(rows.groupBy("reason").count().collect())
    only = (
        per.where(F.col("frequency") == 0)
        .agg(F.coalesce(F.sum("orders"), F.lit(0)), F.coalesce(F.sum("rows"), F.lit(0)))
        .first()
    )
    purchases, total = orders.agg(F.count_if(F.col("amount") >= 0), F.count(F.lit(1))).first()
    left_out = {label: int(by_code.get(code(label), 0)) for label in REASONS}
    left_out["returns only"] += int(only[1])
    facts = inp.facts
    return LoadReport(
        source=inp.name,
        rows_read=int(sum(by_code.values())),
        left_out=left_out,
        columns=dict(inp.roles),
        as_of=as_of,
        orders=int(purchases),
        returns=int(total) - int(purchases) - int(only[0]),
        format=inp.format,
        platform=facts.platform,
        notes=list(facts.notes),
        warnings=list(facts.warnings),
        findings={k: dict(v) for k, v in findings.items()},
    )
