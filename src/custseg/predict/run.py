"""Per-customer predictions for ``custseg predict`` and ``rfm --predict``.

From a run's purchase histories (:attr:`custseg.engines.run.RfmResult.history`, in days):
the model inputs in the chosen time unit, a count model (BG/NBD, MBG/NBD or Pareto/NBD)
and Gamma-Gamma fitted by maximum likelihood, and per customer the columns of
:data:`PREDICTION_COLUMNS`. With a calibration end the run is a check of the model: it is
fitted on the orders up to that day, and :mod:`custseg.predict.holdout` compares its
predictions with what happened after it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from custseg.errors import CustsegError, DataError, ModelError, param
from custseg.notes import Note
from custseg.predict.rows import COUNT_INPUTS, Distinct, row_values
from custseg.predict.units import DEFAULT_HORIZON, horizon_days, unit_days
from custseg.schema import MODELS

if TYPE_CHECKING:
    from custseg.engines.run import RfmResult
    from custseg.predict.holdout import Holdout


#: The columns a prediction adds to each customer, in this order:
#:
#: - ``repeat_orders``: purchase days after the first (same-day purchases are one);
#: - ``t_first_last``: first to last purchase day, in the time unit;
#: - ``T``: first purchase day to the end of the model window, in the time unit;
#: - ``p_alive``: the probability that the customer is still a customer;
#: - ``expected_orders``: transactions (purchase days) expected over the horizon;
#: - ``expected_spend``: the Gamma-Gamma expected spend per transaction;
#: - ``predicted_clv``: expected orders x expected spend x margin over the horizon,
#:   discounted at the annual rate.
PREDICTION_COLUMNS: tuple[str, ...] = (
    "repeat_orders",
    "t_first_last",
    "T",
    "p_alive",
    "expected_orders",
    "expected_spend",
    "predicted_clv",
)
#: With a calibration end, the holdout's purchase days and the model's expectation of them.
HOLDOUT_COLUMNS: tuple[str, ...] = ("actual_orders_holdout", "expected_orders_holdout")

#: Decimals the columns are rounded to: money to the cent, times, probabilities and counts
#: to six places (a millionth of a week is half a second), so that exports stay short and
#: compare exactly with other tools' figures to that precision.
DECIMALS = {"t_first_last": 6, "T": 6, "p_alive": 6, "expected_orders": 6,
             "expected_spend": 2, "predicted_clv": 2, "expected_orders_holdout": 6}  # fmt: skip


@dataclass(frozen=True)
class PredictSpec:
    """What to predict (the options of ``custseg predict``).

    ``model``: one of :data:`MODELS`; ``time_unit``: the models' unit (``week``, ``day``,
    ``month``; predictions do not depend on it); ``horizon``: e.g. ``90d``, ``12w``, ``6m``,
    ``1y``; ``discount``: the annual discount rate of ``predicted_clv``; ``margin``: the
    share of spend that is profit; ``calibration_end``: fit on the orders up to this day
    and compare with the orders after it.
    """

    model: str = "bgnbd"
    time_unit: str = "week"
    horizon: str = DEFAULT_HORIZON
    discount: float = 0.10
    margin: float = 1.0
    calibration_end: dt.date | None = None

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise CustsegError(f"model {self.model!r} is not one of {', '.join(MODELS)}")
        unit_days(self.time_unit)
        horizon_days(self.horizon)
        if not (np.isfinite(self.discount) and 0 <= self.discount <= 10):
            raise CustsegError(f"{param('discount')} must be an annual rate from 0 to 10 (0.10 "
                             f"is 10%), not {self.discount}")  # fmt: skip
        if not (np.isfinite(self.margin) and 0 < self.margin <= 1):
            raise CustsegError(f"{param('margin')} must be more than 0 and at most 1, "
                             f"not {self.margin}")  # fmt: skip

    @property
    def unit(self) -> float:
        """Days in the time unit."""
        return unit_days(self.time_unit)

    @property
    def horizon_units(self) -> float:
        """The horizon in the time unit."""
        return horizon_days(self.horizon) / self.unit


@dataclass
class Prediction:
    """What a prediction gives: ``frame``, row for row with the run's customers, the
    columns of :data:`PREDICTION_COLUMNS` (and :data:`HOLDOUT_COLUMNS` with a calibration
    end; nulls for a customer without a purchase in the model window); the fitted
    ``model`` and ``spend_model``; ``notes`` on what to be wary of; ``holdout``, the check
    against the orders after the calibration end."""

    spec: PredictSpec
    frame: pl.DataFrame
    model: Any
    spend_model: Any
    notes: list[str] = field(default_factory=list)
    holdout: Holdout | None = None
    #: per segment: customers in the model, mean ``p_alive``, the sums of
    #: ``expected_orders`` and ``predicted_clv`` (:func:`segment_figures`)
    by_segment: pl.DataFrame = field(default_factory=pl.DataFrame)

    def model_dict(self) -> dict[str, Any]:
        """The fitted count model as ``--json`` shows it."""
        return {
            "name": self.model.name,
            "params": {k: float(v) for k, v in self.model.params.items()},
            "log_likelihood": float(self.model.log_likelihood),
            "time_unit": self.spec.time_unit,
            "customers": int(self.model.customers),
        }

    def spend_dict(self) -> dict[str, Any]:
        """The fitted Gamma-Gamma model as ``--json`` shows it."""
        return {
            "name": "gamma-gamma",
            "params": {k: float(v) for k, v in self.spend_model.params.items()},
            "customers": int(self.spend_model.customers),
        }


def model_inputs(history: pl.DataFrame, spec: PredictSpec) -> pl.DataFrame:
    """The models' per-customer summary from purchase histories in days
    (:data:`custseg.measures.history.HISTORY_COLUMNS`): ``repeat_orders``,
    ``t_first_last`` and ``T`` in the time unit, and ``mean_repeat_spend`` (repeat spend
    per repeat transaction; 0 without one)."""
    unit = spec.unit
    repeat = pl.col("repeat_orders")
    return history.select(
        "repeat_orders",
        t_first_last=pl.col("t_first_last_days") / unit,
        T=pl.col("T_days") / unit,
        mean_repeat_spend=pl.when(repeat > 0)
        .then(pl.col("repeat_spend") / repeat)
        .otherwise(pl.lit(0.0)),
    )


def predict_customers(result: RfmResult, spec: PredictSpec, holdout_end: dt.date | None = None,
                      *, model=None, spend_model=None) -> Prediction:  # fmt: skip
    """Fit the models on a run's purchase histories and predict every customer.

    ``model`` and ``spend_model``: models to use instead of fitting them (fitted earlier, or
    given: ``BetaGeo.from_params(...)``, in ``spec.time_unit``), e.g. last month's.

    ``result`` must come from a run with a history (``run_rfm(..., history=History(...))``);
    ``holdout_end``: the last day of the holdout (with a calibration end), by default the
    run's as-of date.

    Raises
    ------
    DataError
        No customer in the model window, or none who came back (the models need repeat
        buyers).
    ModelError
        A fit that does not converge, or spend data Gamma-Gamma cannot describe.
    """
    if result.history is None:
        raise DataError("the run has no purchase history; run it with history=History()")
    known = result.history["repeat_orders"].is_not_null()
    inputs = model_inputs(result.history.filter(known), spec)
    check_customers(inputs.height, int((inputs["repeat_orders"] > 0).sum()))
    with np.errstate(all="ignore"):  # what does not come out finite is refused below
        return _predict(result, inputs, known, (model, spend_model), spec, holdout_end)


def check_customers(customers: int, repeat_buyers: int) -> None:
    """Refuse a model window without customers, or without one who came back."""
    if customers == 0:
        raise DataError("no customer bought in the model window; pick a later "
                        f"{param('calibration_end')}")  # fmt: skip
    if repeat_buyers == 0:
        raise DataError("no customer bought on a second day, so the models cannot tell how "
                        "often customers come back; use a longer period of orders")  # fmt: skip


def fit_models(distinct: Distinct, spend_inputs: pl.DataFrame, models: tuple,
               spec: PredictSpec) -> tuple[Any, Any]:  # fmt: skip
    """The count model fitted on the ``distinct`` rows and Gamma-Gamma on ``spend_inputs``
    (``repeat_orders``, ``mean_repeat_spend``), unless ``models`` gives them (a model, or
    None: fitted)."""
    from custseg.models import BetaGeo, GammaGamma, ModifiedBetaGeo, ParetoNBD

    model, spend_model = models
    if model is None or isinstance(model, type):
        kinds = {"bgnbd": BetaGeo, "mbgnbd": ModifiedBetaGeo, "pnbd": ParetoNBD}
        kind = model or kinds[spec.model]
        try:
            with np.errstate(all="ignore"):
                model = kind.fit_arrays(  # type: ignore[attr-defined]  # a CountModel
                    *distinct.arrays(), distinct.weights, names=COUNT_INPUTS
                )
        except ModelError as exc:
            raise ModelError(f"{exc}; try another {param('model')}, or a longer period of "
                             "orders") from None  # fmt: skip
    return model, spend_model or GammaGamma.fit(spend_inputs)


def prediction_notes(model, spend_model, once: int) -> list[str]:
    """What to be wary of: the spend model's notes, and BG/NBD's P(alive) of 1 for the
    ``once`` customers who never came back."""
    notes = list(getattr(spend_model, "notes", []))
    if model.name == "bgnbd" and once:
        notes.append(Note("bgnbd_alive", n=once))
    return notes


def _predict(result: RfmResult, inputs: pl.DataFrame, known: pl.Series, models: tuple,
             spec: PredictSpec, holdout_end: dt.date | None) -> Prediction:  # fmt: skip
    """:func:`predict_customers` once the inputs are checked; ``models``: the count model
    and the spend model (None: fitted)."""
    assert result.history is not None  # checked by predict_customers
    distinct = Distinct.of(result.history.filter(known), spec.unit)
    model, spend_model = fit_models(distinct, inputs, models, spec)
    columns = _columns(inputs, distinct, model, spend_model, spec)
    notes = prediction_notes(model, spend_model, int((inputs["repeat_orders"] == 0).sum()))
    holdout = None
    if spec.calibration_end is not None:
        from custseg.predict.holdout import holdout_check

        end = holdout_end or result.report.as_of
        span = (end - spec.calibration_end).days / spec.unit
        expected = (
            distinct.spread(model.predict(span, distinct.rows))
            if span > 0
            else (np.zeros(inputs.height))
        )
        columns["actual_orders_holdout"] = result.history["holdout_orders"].filter(known)
        columns["expected_orders_holdout"] = pl.Series(expected)
        holdout = holdout_check(result, inputs, columns, model, spec, end)
        columns["the weekly curve"] = holdout.weekly["expected"]
    check_finite(columns, model)
    columns.pop("the weekly curve", None)
    frame = _aligned(pl.DataFrame(columns), known)
    segments = segment_figures(result.frame["segment"], frame, result.table.segment_names())
    return Prediction(spec, frame, model, spend_model, notes, holdout, segments)


def check_finite(columns: dict[str, Any], model) -> None:
    """Refuse predictions a fit cannot give (a parameter run off so far that its
    formulas overflow) rather than write NaN."""
    for name, values in columns.items():
        array = pl.Series(values).cast(pl.Float64).to_numpy()
        if not np.isfinite(array).all():
            params = ", ".join(f"{k} {v:.4g}" for k, v in model.params.items())
            raise ModelError(
                f"the {model.label} fit ({params}) gives {name} that cannot be computed: "
                f"the orders do not identify the model (too few customers or repeat "
                f"purchases?); use a longer period of orders, or another {param('model')}"
            )


def _columns(inputs: pl.DataFrame, distinct: Distinct, model, spend_model,
             spec: PredictSpec) -> dict[str, Any]:  # fmt: skip
    """The prediction columns of the customers in the model (unrounded)."""
    expected_spend = np.asarray(spend_model.expected_spend(inputs), dtype=np.float64)
    # per row; spend and margin are the customer's own
    values = row_values(model, distinct.rows, spec)
    value = distinct.spread(values["discounted_orders"])
    return {
        "repeat_orders": inputs["repeat_orders"],
        "t_first_last": inputs["t_first_last"],
        "T": inputs["T"],
        "p_alive": pl.Series(distinct.spread(values["p_alive"])),
        "expected_orders": pl.Series(distinct.spread(values["expected_orders"])),
        "expected_spend": pl.Series(expected_spend),
        "predicted_clv": pl.Series(spec.margin * expected_spend * value),
    }


def _aligned(frame: pl.DataFrame, known: pl.Series) -> pl.DataFrame:
    """``frame`` (a row per customer in the model) rounded and spread over every customer
    of the run: nulls where ``known`` is false."""
    rounded = frame.with_columns(
        pl.col(name).round(d) for name, d in DECIMALS.items() if name in frame.columns
    )
    if bool(known.all()):
        return rounded
    index = pl.Series(np.cumsum(known.to_numpy()) - 1).cast(pl.Int64)
    positions = pl.when(pl.Series(known)).then(index)
    return rounded.select(pl.all().gather(pl.select(positions).to_series()))


def segment_figures(segment: pl.Series, frame: pl.DataFrame,
                    names: list[str]) -> pl.DataFrame:  # fmt: skip
    """Per segment (``segment``, row for row with the prediction ``frame``), in the order
    of ``names`` (the rule table's; segments without a customer in the model left out):
    ``customers`` in the model, mean ``p_alive``, and the sums of ``expected_orders`` and
    ``predicted_clv`` over the horizon."""
    both = pl.concat([segment.to_frame("segment"), frame], how="horizontal")
    sums = both.filter(pl.col("p_alive").is_not_null()).group_by("segment").agg(
        customers=pl.len(),
        p_alive=pl.col("p_alive").sum(),
        expected_orders=pl.col("expected_orders").sum(),
        predicted_clv=pl.col("predicted_clv").sum(),
    )  # fmt: skip
    return finish_segment_figures(sums, names)


def finish_segment_figures(sums: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    """:func:`segment_figures` from per-segment ``customers`` and sums, whichever engine
    added them: the mean and the rounding, in the rule table's order."""
    order = {name: i for i, name in enumerate(names)}
    return sums.select(
        "segment",
        pl.col("customers").cast(pl.Int64),
        p_alive=(pl.col("p_alive") / pl.col("customers")).round(4),
        expected_orders=pl.col("expected_orders").round(2),
        predicted_clv=pl.col("predicted_clv").round(2),
    ).sort(pl.col("segment").replace_strict(order, default=len(order), return_dtype=pl.Int64))


def purchase_summary(orders, as_of: dt.date | None = None,
                     calibration_end: dt.date | None = None, time_unit: str = "week"):  # fmt: skip
    """The models' per-customer summary of a canonical order frame (pandas or Polars; the
    same kind back): ``customer_id``, ``repeat_orders``, ``t_first_last`` and ``T`` (in
    ``time_unit``), ``mean_repeat_spend`` and, with ``calibration_end``,
    ``holdout_orders`` (purchase days after it, up to ``as_of``). What
    ``BetaGeo.fit(summary)`` and ``GammaGamma.fit(summary)`` read; the conventions of
    :func:`custseg.measures.definitions.reference_history`.

    Raises
    ------
    DataError
        When ``orders`` lacks a canonical column.
    """
    from custseg.frames import to_pandas
    from custseg.measures.history import History, history_measures
    from custseg.measures.plan import _polars, default_as_of
    from custseg.orders.accounting import mark_after_as_of

    frame = _polars(orders)
    day = as_of or default_as_of(frame)
    frame = mark_after_as_of(frame.with_columns(reason=pl.lit(0, pl.UInt8)), day)
    history = history_measures(frame, day, History(calibration_end)).sort("customer_id")
    spec = PredictSpec(time_unit=time_unit)
    out = pl.concat([history.select("customer_id"), model_inputs(history, spec)],
                    how="horizontal")  # fmt: skip
    if calibration_end:
        out = out.with_columns(history["holdout_orders"])
    return out if isinstance(orders, pl.DataFrame) else to_pandas(out)
