"""Each customer's purchase history in Spark: the second implementation of
:mod:`custseg.measures.history` (held to
:func:`custseg.measures.definitions.reference_history` and ``reference_history_days`` by
the tests).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from custseg.engines.spark.measures import round_money
from custseg.measures.history import History


def spark_history(orders: Any, as_of: dt.date, spec: History) -> tuple[Any, pl.DataFrame]:
    """Per customer of ``orders`` (one row per order in use, on or before ``as_of``) with
    a purchase on or before the calibration end, keyed by ``customer_id``:
    :data:`custseg.measures.history.HISTORY_COLUMNS` (a Spark frame); and the daily
    counts (:data:`custseg.measures.history.DAY_COLUMNS`, one row per day, on the
    driver)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    end = spec.end(as_of)
    day = F.to_date("order_date")
    calibration = F.col("day") <= F.lit(end)
    days = orders.groupBy("customer_id", day.alias("day")).agg(
        F.max((F.col("amount") >= 0).cast("int")).alias("bought"),
        F.sum("amount").alias("spend"),
    )
    bought_day = F.when((F.col("bought") == 1) & calibration, F.col("day"))
    first = F.min(bought_day).over(Window.partitionBy("customer_id"))
    days = days.withColumn("first_day", first).where(F.col("first_day").isNotNull()).persist()
    after_first = calibration & (F.col("day") > F.col("first_day"))
    per = days.groupBy("customer_id").agg(
        F.first("first_day").alias("first_day"),
        F.max(bought_day).alias("last_day"),
        F.count(bought_day).alias("purchase_days"),
        F.sum(F.when(after_first, F.col("spend")).otherwise(F.lit(0.0))).alias("repeat_spend"),
        F.count_if((F.col("bought") == 1) & ~calibration).alias("holdout_orders"),
    )
    holdout = F.col("holdout_orders").cast("bigint") if spec.calibration_end else F.lit(None)
    customers = per.select(
        "customer_id",
        (F.col("purchase_days") - 1).cast("bigint").alias("repeat_orders"),
        F.datediff("last_day", "first_day").cast("bigint").alias("t_first_last_days"),
        F.datediff(F.lit(end), "first_day").cast("bigint").alias("T_days"),
        round_money(F.col("repeat_spend")).alias("repeat_spend"),
        holdout.cast("bigint").alias("holdout_orders"),
    )
    return customers, _daily(days)


def _daily(days: Any) -> pl.DataFrame:
    """Per day: the customers whose first purchase day it is, and the later purchase days
    of those customers that fall on it (calibration and holdout alike)."""
    from pyspark.sql import functions as F

    bought = days.where(F.col("bought") == 1)
    counts = bought.groupBy("day").agg(
        F.count_if(F.col("day") == F.col("first_day")).cast("bigint").alias("first_purchases"),
        F.count_if(F.col("day") > F.col("first_day")).cast("bigint").alias("repeat_purchases"),
    )
    found = pl.from_arrow(counts.toArrow())
    assert isinstance(found, pl.DataFrame)
    return found.filter((pl.col("first_purchases") + pl.col("repeat_purchases")) > 0).sort("day")
