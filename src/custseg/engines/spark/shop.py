"""What ``summary`` and ``repeat`` need of a Spark run, brought to the driver for the
engine-free code (:mod:`custseg.measures.shop`, :mod:`custseg.measures.repeat`).

Why collect rather than aggregate in Spark: the shop measures are floats (means, shares,
the median purchase cycle, the top-20% revenue) that :func:`custseg.measures.shop.
customer_metrics` sums over the values sorted; a sum in Spark adds in the order of its
partitions and would differ from the default engine in the last digits. So the narrow
columns the definitions read come to the driver once and the same code computes the same
bits: ``summary`` brings 7 columns (about 60 bytes a customer in Arrow: 600 MB for 10M
customers); ``repeat`` brings only the repeat buyers (the rule applied in Spark) and one
column (``monetary``, 8 bytes a customer) for their revenue share. The repurchase counts
are integers and are computed in Spark (:mod:`custseg.engines.spark.extras`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from custseg.engines.spark.run import SparkResult
    from custseg.measures.repeat import RepeatRule

#: The per-customer columns :func:`custseg.measures.shop.customer_metrics` reads.
SHOP_COLUMNS = ["frequency", "monetary", "first_order", "last_order", "recency_days",
                "lifecycle", "segment"]  # fmt: skip
#: The per-customer columns :func:`custseg.measures.repeat.repeat_buyers` reads.
REPEAT_COLUMNS = ["customer_id", "frequency", "monetary", "first_order", "last_order",
                  "lifecycle"]  # fmt: skip


def shop_customers(result: SparkResult) -> pl.DataFrame:
    """The columns of every customer that the shop measures read, on the driver."""
    return result.customers(SHOP_COLUMNS)


def repeat_frames(result: SparkResult, rule: RepeatRule) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The customers who meet ``rule`` (:data:`REPEAT_COLUMNS`, filtered in Spark) and
    every customer's ``monetary``, on the driver."""
    from pyspark.sql import functions as F

    meets = (F.col("frequency") >= rule.min_orders) & (F.col("monetary") > rule.min_spend)
    return result.customers(REPEAT_COLUMNS, meets), result.customers(["monetary"])
