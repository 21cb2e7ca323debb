"""``custseg predict --engine spark``: the models fitted on the driver from what Spark
counts, the predictions joined back onto the customers in Spark.

The count models read three whole numbers per customer (repeat purchase days, first to
last purchase day, first purchase day to the end), so customers come in a number of
distinct rows that grows far slower than the customers (398k for the 2M customers of the
10M-row bench file). Spark counts the customers per distinct row; the driver fits the
model on those rows and computes P(alive), expected orders and the discounted orders per
row with the code the default engine runs (:func:`custseg.predict.run.row_values`), and
Spark joins them back. Gamma-Gamma reads each repeat buyer's count and spend: those two
numbers come to the driver (16 bytes a repeat buyer). Per customer, the expected spend
and the value are the same arithmetic as numpy's, in the same order (Java's doubles are
IEEE's, without fused operations), so the output is the default engine's to the bit.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from custseg.errors import CustsegError, param
from custseg.predict.rows import DAY_INPUTS, Distinct, row_values
from custseg.predict.run import (
    DECIMALS,
    PREDICTION_COLUMNS,
    Prediction,
    PredictSpec,
    check_customers,
    check_finite,
    finish_segment_figures,
    fit_models,
    prediction_notes,
)

if TYPE_CHECKING:
    from custseg.engines.spark.run import SparkResult


def predict_on_spark(result: SparkResult, spec: PredictSpec, *, model=None,
                     spend_model=None) -> tuple[SparkResult, Prediction]:  # fmt: skip
    """Fit the models on a Spark run's purchase histories (``run_spark(...,
    history=History())``) and predict every customer: the run with the columns of
    :data:`custseg.predict.run.PREDICTION_COLUMNS` on its per-customer frame (what
    :meth:`SparkResult.write` writes), and the prediction (its ``frame``: that Spark
    frame). ``model``, ``spend_model``: as :func:`custseg.predict.run.predict_customers`.

    Raises
    ------
    CustsegError
        A calibration end (the holdout check runs on the default engine only).
    DataError, ModelError
        As :func:`custseg.predict.run.predict_customers`.
    """
    from pyspark.sql import functions as F

    if spec.calibration_end is not None:
        raise CustsegError(f"{param('calibration_end')} (the holdout check) is not available "
                           "with the Spark engine yet; run it on the default engine")  # fmt: skip
    frame = result.frame
    if "repeat_orders" not in frame.columns:
        raise CustsegError("the run has no purchase history; run it with history=History()")
    counts = _small(frame.groupBy(*DAY_INPUTS).agg(F.count(F.lit(1)).alias("customers")))
    repeat = int(counts.filter(pl.col("repeat_orders") > 0)["customers"].sum())
    check_customers(int(counts["customers"].sum()), repeat)
    distinct = Distinct.of_counts(counts, spec.unit)
    buyers = _small(frame.where(F.col("repeat_orders") > 0).select("repeat_orders",
                                                                    "repeat_spend"))  # fmt: skip
    spend_inputs = buyers.select(
        "repeat_orders", mean_repeat_spend=pl.col("repeat_spend") / pl.col("repeat_orders")
    )
    model, spend_model = fit_models(distinct, spend_inputs, (model, spend_model), spec)
    with np.errstate(all="ignore"):  # what does not come out finite is refused here
        found = row_values(model, distinct.rows, spec)
    check_finite(dict(found, mean_spend=[spend_model.mean_spend]), model)
    # the rows of ``distinct`` are sorted as the day counts are (one packed key)
    keys = counts.sort(list(DAY_INPUTS)).select(DAY_INPUTS)
    values = pl.concat([keys, pl.DataFrame(found)],
                       how="horizontal")  # fmt: skip
    session = frame.sparkSession
    rows = session.createDataFrame(values.to_arrow())
    joined = frame.join(rows, on=list(DAY_INPUTS), how="left")
    out = joined.withColumns(_columns(spend_model, spec)).drop("discounted_orders")
    out = out.persist()
    once = int(counts.filter(pl.col("repeat_orders") == 0)["customers"].sum())
    notes = prediction_notes(model, spend_model, once)
    segments = _segment_figures(out, result.table.segment_names())
    done = dataclasses.replace(result, frame=out, columns=PREDICTION_COLUMNS)
    return done, Prediction(spec, out, model, spend_model, notes, None, segments)


def _columns(spend_model, spec: PredictSpec) -> dict[str, Any]:
    """The prediction columns from the joined row values, rounded as the default engine
    rounds them; the expected spend is :meth:`GammaGamma.expected_spend`'s arithmetic."""
    from pyspark.sql import functions as F

    p, q, gamma = (spend_model.params[k] for k in ("p", "q", "gamma"))
    mean_spend = spend_model.mean_spend
    x = F.col("repeat_orders").cast("double")
    m = F.when(F.col("repeat_orders") > 0, F.col("repeat_spend") / x).otherwise(F.lit(0.0))
    weight = F.lit(p) * x / (F.lit(p) * x + F.lit(q) - F.lit(1.0))
    spend = F.when(
        (F.col("repeat_orders") > 0) & (m > 0),
        (F.lit(1.0) - weight) * F.lit(mean_spend) + weight * m,
    ).otherwise(F.lit(mean_spend))
    unrounded = {
        "t_first_last": F.col("t_first_last_days") / F.lit(spec.unit),
        "T": F.col("T_days") / F.lit(spec.unit),
        "p_alive": F.col("p_alive"),
        "expected_orders": F.col("expected_orders"),
        "expected_spend": spend,
        "predicted_clv": F.lit(spec.margin) * spend * F.col("discounted_orders"),
    }
    return {name: _round(value, DECIMALS[name]) for name, value in unrounded.items()}


def _round(col: Any, decimals: int) -> Any:
    """Polars' ``round``: the binary product, rounded half to even, divided back."""
    from pyspark.sql import functions as F

    scale = 10.0**decimals
    return F.rint(col * F.lit(scale)) / F.lit(scale)


def _segment_figures(frame: Any, names: list[str]) -> pl.DataFrame:
    """:func:`custseg.predict.run.segment_figures` added up in Spark."""
    from pyspark.sql import functions as F

    sums = frame.groupBy("segment").agg(
        F.count(F.lit(1)).alias("customers"),
        F.sum("p_alive").alias("p_alive"),
        F.sum("expected_orders").alias("expected_orders"),
        F.sum("predicted_clv").alias("predicted_clv"),
    )
    return finish_segment_figures(_small(sums), names)


def _small(frame: Any) -> pl.DataFrame:
    out = pl.from_arrow(frame.toArrow())
    assert isinstance(out, pl.DataFrame)
    return out
