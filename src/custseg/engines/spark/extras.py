"""The aggregates ``summary`` needs beside the customers' measures, in Spark: the Spark
translation of :func:`custseg.measures.repurchase.repurchase_parts` (the repurchase
counts). Only counts come back to the driver (one row, one row per gap in days, one row
per window), as the frames :func:`custseg.measures.repurchase.repurchase_figures` reads;
they are integers, so they are the default engine's to the last digit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from custseg.measures.extras import Extras


def spark_extras(orders: Any, as_of: dt.date, extras: Extras) -> dict[str, pl.DataFrame]:
    """The aggregates ``extras`` asks for, from ``orders`` (one row per order in use, on or
    before ``as_of``). Raises CustsegError for what the Spark engine does not compute."""
    from custseg.errors import CustsegError

    if extras.cohort_period:
        raise CustsegError("cohort cells are not computed on the Spark engine yet")
    if not extras.window_days:
        return {}
    return repurchase_counts(orders, as_of, extras.window_days)


def repurchase_counts(orders: Any, as_of: dt.date, window_days: int) -> dict[str, pl.DataFrame]:
    """``buyers``, ``gaps`` and ``windows`` of
    :func:`custseg.measures.repurchase.repurchase_parts`, computed in Spark."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    day = F.to_date("order_date")
    days = (
        orders.where((F.col("amount") >= 0) & (day <= F.lit(as_of)))
        .groupBy(F.col("customer_id").alias("key"), day.alias("day"))
        .agg(F.count(F.lit(1)).alias("n"))
        .persist()
    )
    per = days.groupBy("key").agg(F.sum("n").alias("purchases"), F.count(F.lit(1)).alias("days"))
    buyers = per.select(
        F.count(F.lit(1)).alias("buyers"),
        F.count_if(F.col("purchases") >= 2).cast("bigint").alias("repeat_buyers"),
        F.count_if(F.col("days") >= 2).cast("bigint").alias("repeat_day_buyers"),
        F.coalesce(F.sum("purchases"), F.lit(0)).cast("bigint").alias("orders"),
        F.coalesce(F.sum("days"), F.lit(0)).cast("bigint").alias("purchase_days"),
    )
    previous = F.lag("day").over(Window.partitionBy("key").orderBy("day"))
    gaps = (
        days.select(F.datediff("day", previous).cast("bigint").alias("gap"))
        .dropna()
        .groupBy("gap")
        .agg(F.count(F.lit(1)).alias("count"))
    )
    back = F.datediff(F.lit(as_of), "day")
    window = ((back - F.pmod(back, F.lit(window_days))) / window_days).cast("bigint")
    seen = days.select("key", window.alias("window")).distinct()
    later = seen.select("key", (F.col("window") + 1).alias("window"), F.lit(1).alias("back"))
    windows = (
        seen.join(later, on=["key", "window"], how="left")
        .groupBy("window")
        .agg(
            F.count(F.lit(1)).alias("buyers"),
            F.coalesce(F.sum("back"), F.lit(0)).cast("bigint").alias("returned"),
        )
    )
    found = {name: _small(frame) for name, frame in
             (("buyers", buyers), ("gaps", gaps), ("windows", windows))}  # fmt: skip
    days.unpersist()
    found["gaps"] = found["gaps"].sort("gap")
    found["windows"] = found["windows"].sort("window")
    return found


def _small(frame: Any) -> pl.DataFrame:
    """A small Spark frame on the driver, as Polars."""
    out = pl.from_arrow(frame.toArrow())
    assert isinstance(out, pl.DataFrame)
    return out
