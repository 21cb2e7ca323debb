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
import datetime as dt
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from custseg.errors import CustsegError
from custseg.predict.holdout import REPEAT_CAP, Holdout, finish_holdout
from custseg.predict.rows import DAY_INPUTS, Distinct, row_values
from custseg.predict.run import (
    DECIMALS,
    HOLDOUT_COLUMNS,
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


def predict_on_spark(result: SparkResult, spec: PredictSpec,
                     holdout_end: dt.date | None = None, *, model=None,
                     spend_model=None) -> tuple[SparkResult, Prediction]:  # fmt: skip
    """Fit the models on a Spark run's purchase histories (``run_spark(...,
    history=History(spec.calibration_end))``) and predict every customer: the run with
    the columns of :data:`custseg.predict.run.PREDICTION_COLUMNS` (and, with a calibration
    end, :data:`custseg.predict.run.HOLDOUT_COLUMNS`) on its per-customer frame (what
    :meth:`SparkResult.write` writes), and the prediction (its ``frame``: that Spark
    frame; with a calibration end, its holdout check up to ``holdout_end``, by default the
    run's as-of date). ``model``, ``spend_model``: as
    :func:`custseg.predict.run.predict_customers`.

    Raises
    ------
    CustsegError
        A run without purchase histories.
    DataError, ModelError
        As :func:`custseg.predict.run.predict_customers`.
    """
    from pyspark.sql import functions as F

    frame = result.frame
    if "repeat_orders" not in frame.columns:
        raise CustsegError("the run has no purchase history; run it with history=History()")
    counts = _small(frame.groupBy(*DAY_INPUTS).agg(F.count(F.lit(1)).alias("customers")))
    repeat = int(counts.filter(pl.col("repeat_orders") > 0)["customers"].sum())
    check_customers(int(counts["customers"].sum()), repeat)
    distinct = Distinct.of_counts(counts, spec.unit)
    model, spend_model = fit_models(distinct, _spend_inputs(frame), (model, spend_model), spec)
    end = holdout_end or result.report.as_of
    with np.errstate(all="ignore"):  # what does not come out finite is refused here
        found = row_values(model, distinct.rows, spec)
        if spec.calibration_end is not None:
            span = (end - spec.calibration_end).days / spec.unit
            found["holdout"] = (np.asarray(model.predict(span, distinct.rows), dtype=np.float64)
                                if span > 0 else np.zeros(distinct.rows.height))  # fmt: skip
    check_finite(dict(found, mean_spend=[spend_model.mean_spend]), model)
    # the rows of ``distinct`` are sorted as the day counts are (one packed key)
    keys = counts.sort(list(DAY_INPUTS)).select(DAY_INPUTS)
    values = pl.concat([keys, pl.DataFrame(found)], how="horizontal")
    rows = frame.sparkSession.createDataFrame(values.to_arrow())
    joined = frame.join(rows, on=list(DAY_INPUTS), how="left")
    out = joined.withColumns(_columns(spend_model, spec)).persist()
    holdout, columns = None, PREDICTION_COLUMNS
    if spec.calibration_end is not None:
        holdout = _holdout(out, result, model, spec, end)
        columns = PREDICTION_COLUMNS + HOLDOUT_COLUMNS
    once = int(counts.filter(pl.col("repeat_orders") == 0)["customers"].sum())
    notes = prediction_notes(model, spend_model, once)
    segments = _segment_figures(out, result.table.segment_names())
    done = dataclasses.replace(result, frame=out, columns=columns)
    return done, Prediction(spec, out, model, spend_model, notes, holdout, segments)


def _spend_inputs(frame: Any) -> pl.DataFrame:
    """The repeat buyers' counts and mean repeat spend, on the driver, for Gamma-Gamma."""
    from pyspark.sql import functions as F

    buyers = _small(frame.where(F.col("repeat_orders") > 0).select("repeat_orders",
                                                                    "repeat_spend"))  # fmt: skip
    return buyers.select(
        "repeat_orders", mean_repeat_spend=pl.col("repeat_spend") / pl.col("repeat_orders")
    )


def _holdout(frame: Any, result: SparkResult, model, spec: PredictSpec,
             end: dt.date) -> Holdout:  # fmt: skip
    """The holdout check: actual and expected transactions added up in Spark by repeat
    transactions (capped) and by segment; the weekly curve from the daily counts."""
    from pyspark.sql import functions as F

    def sums(by: Any, name: str) -> pl.DataFrame:
        return _small(frame.groupBy(by.alias(name)).agg(
            F.count(F.lit(1)).alias("customers"),
            F.sum("holdout_orders").alias("actual"),
            F.sum("holdout").alias("expected"),
        ))  # fmt: skip

    capped = F.least(F.col("repeat_orders"), F.lit(REPEAT_CAP))
    by_repeat, by_segment = sums(capped, "repeat"), sums(F.col("segment"), "segment")
    totals = (int(by_repeat["actual"].sum()), float(by_repeat["expected"].sort().sum()))
    check = finish_holdout(result, model, spec, end, by_repeat, by_segment, totals)
    check_finite({"the weekly curve": check.weekly["expected"]}, model)
    return check


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
    if spec.calibration_end is not None:
        unrounded["actual_orders_holdout"] = F.col("holdout_orders")
        unrounded["expected_orders_holdout"] = F.col("holdout")
    return {name: _round(value, DECIMALS[name]) if name in DECIMALS else value
            for name, value in unrounded.items()}  # fmt: skip


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
