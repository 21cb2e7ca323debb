"""Each customer's purchase history in Spark: the second implementation of
:mod:`custseg.measures.history` (held to
:func:`custseg.measures.definitions.reference_history` by the tests), without a
calibration end: the model window ends on the as-of date.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from custseg.engines.spark.measures import round_money


def spark_history(orders: Any, as_of: dt.date) -> Any:
    """Per customer of ``orders`` (one row per order in use, on or before ``as_of``) with
    a purchase, keyed by ``customer_id``: :data:`custseg.measures.history.HISTORY_COLUMNS`
    (``holdout_orders`` null: no calibration end)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    day = F.to_date("order_date")
    days = orders.groupBy("customer_id", day.alias("day")).agg(
        F.max((F.col("amount") >= 0).cast("int")).alias("bought"),
        F.sum("amount").alias("spend"),
    )
    bought_day = F.when(F.col("bought") == 1, F.col("day"))
    first = F.min(bought_day).over(Window.partitionBy("customer_id"))
    days = days.withColumn("first_day", first).where(F.col("first_day").isNotNull())
    after_first = F.col("day") > F.col("first_day")
    per = days.groupBy("customer_id").agg(
        F.first("first_day").alias("first_day"),
        F.max(bought_day).alias("last_day"),
        F.count(bought_day).alias("purchase_days"),
        F.sum(F.when(after_first, F.col("spend")).otherwise(F.lit(0.0))).alias("repeat_spend"),
    )
    return per.select(
        "customer_id",
        (F.col("purchase_days") - 1).cast("bigint").alias("repeat_orders"),
        F.datediff("last_day", "first_day").cast("bigint").alias("t_first_last_days"),
        F.datediff(F.lit(as_of), "first_day").cast("bigint").alias("T_days"),
        round_money(F.col("repeat_spend")).alias("repeat_spend"),
        F.lit(None).cast("bigint").alias("holdout_orders"),
    )
