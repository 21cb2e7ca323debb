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
_DECIMALS = {"t_first_last": 6, "T": 6, "p_alive": 6, "expected_orders": 6,
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
    from custseg.models import BetaGeo, ModifiedBetaGeo, ParetoNBD

    if result.history is None:
        raise DataError("the run has no purchase history; run it with history=History()")
    known = result.history["repeat_orders"].is_not_null()
    inputs = model_inputs(result.history.filter(known), spec)
    if inputs.height == 0:
        raise DataError("no customer bought in the model window; pick a later "
                        f"{param('calibration_end')}")  # fmt: skip
    if int((inputs["repeat_orders"] > 0).sum()) == 0:
        raise DataError("no customer bought on a second day, so the models cannot tell how "
                        "often customers come back; use a longer period of orders")  # fmt: skip
    count_model = {"bgnbd": BetaGeo, "mbgnbd": ModifiedBetaGeo, "pnbd": ParetoNBD}[spec.model]
    with np.errstate(all="ignore"):  # what does not come out finite is refused below
        return _predict(result, inputs, known, (model or count_model, spend_model), spec,
                        holdout_end)  # fmt: skip


def _predict(result: RfmResult, inputs: pl.DataFrame, known: pl.Series, models: tuple,
             spec: PredictSpec, holdout_end: dt.date | None) -> Prediction:  # fmt: skip
    """:func:`predict_customers` once the inputs are checked; ``models``: the count model
    (a class to fit, or a model) and the spend model (None: fitted)."""
    from custseg.models import GammaGamma

    assert result.history is not None  # checked by predict_customers
    distinct = Distinct.of(result.history.filter(known), spec.unit)
    model, spend_model = models
    if isinstance(model, type):
        try:
            fit = model.fit_arrays  # type: ignore[attr-defined]  # a CountModel subclass
            model = fit(*distinct.arrays(), distinct.weights, names=_COUNT_INPUTS)
        except ModelError as exc:
            raise ModelError(f"{exc}; try another {param('model')}, or a longer period of "
                             "orders") from None  # fmt: skip
    spend_model = spend_model or GammaGamma.fit(inputs)
    columns = _columns(inputs, distinct, model, spend_model, spec)
    notes = list(getattr(spend_model, "notes", []))
    once = int((inputs["repeat_orders"] == 0).sum())
    if model.name == "bgnbd" and once:
        notes.append(Note("bgnbd_alive", n=once))
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
    _check_finite(columns, model)
    columns.pop("the weekly curve", None)
    frame = _aligned(pl.DataFrame(columns), known)
    return Prediction(spec, frame, model, spend_model, notes, holdout)


def _check_finite(columns: dict[str, Any], model) -> None:
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


#: The model inputs the count models read; customers alike in them get the same predictions.
_COUNT_INPUTS = ("repeat_orders", "t_first_last", "T")


@dataclass
class Distinct:
    """The distinct rows of the count models' inputs (``rows``, sorted, with the customers
    each stands for in ``weights``) and, per customer, the row that is theirs (``index``).

    The count models are fitted and evaluated on these rows, then spread to the customers:
    on whole days the 2M customers of the 10M-row bench file have 398k distinct rows, and
    the prediction (fits, P(alive), expected orders, CLV) took 1.3 s instead of 3.0 s.
    Sorted, so that the fit adds its terms in one order whatever the input's.
    """

    rows: pl.DataFrame
    weights: np.ndarray
    index: np.ndarray

    @classmethod
    def of(cls, history: pl.DataFrame, unit: float) -> Distinct:
        """From purchase histories in whole days (:data:`HISTORY_COLUMNS`, customers in
        the model only), the rows in ``unit`` days. The three counts are packed into one
        integer (21 bits each: 5,700 years of days) and numpy's ``unique`` sorts them:
        0.15 s for 2M customers, against 0.58 s for a Polars group-by and join."""
        counts = [history[c].to_numpy().astype(np.int64)
                  for c in ("repeat_orders", "t_first_last_days", "T_days")]  # fmt: skip
        if max(int(c.max()) for c in counts) >= 1 << 21:
            raise DataError("more than 2 million repeat purchase days or days of history")
        packed = (counts[0] << 42) | (counts[1] << 21) | counts[2]
        keys, index, weights = np.unique(packed, return_inverse=True, return_counts=True)
        mask = (1 << 21) - 1
        rows = pl.DataFrame({
            "repeat_orders": (keys >> 42).astype(np.int64),
            "t_first_last": ((keys >> 21) & mask) / unit,
            "T": (keys & mask) / unit,
        })  # fmt: skip
        return cls(rows, weights.astype(np.float64), index.reshape(-1))

    def arrays(self) -> tuple[np.ndarray, ...]:
        return tuple(self.rows[name].to_numpy().astype(np.float64) for name in _COUNT_INPUTS)

    def spread(self, values: Any) -> np.ndarray:
        """Per-row ``values`` to per-customer ones."""
        return np.asarray(values, dtype=np.float64)[self.index]


def _columns(inputs: pl.DataFrame, distinct: Distinct, model, spend_model,
             spec: PredictSpec) -> dict[str, Any]:  # fmt: skip
    """The prediction columns of the customers in the model (unrounded)."""
    from custseg.models import clv

    horizon, rows = spec.horizon_units, distinct.rows
    expected_spend = np.asarray(spend_model.expected_spend(inputs), dtype=np.float64)
    # the discounted expected orders per row; spend and margin are the customer's own
    value = clv(model, 1.0, horizon, unit_days=spec.unit, discount=spec.discount,
                margin=1.0, summary=rows)  # fmt: skip
    return {
        "repeat_orders": inputs["repeat_orders"],
        "t_first_last": inputs["t_first_last"],
        "T": inputs["T"],
        "p_alive": pl.Series(distinct.spread(model.p_alive(rows))),
        "expected_orders": pl.Series(distinct.spread(model.predict(horizon, rows))),
        "expected_spend": pl.Series(expected_spend),
        "predicted_clv": pl.Series(spec.margin * expected_spend * distinct.spread(value)),
    }


def _aligned(frame: pl.DataFrame, known: pl.Series) -> pl.DataFrame:
    """``frame`` (a row per customer in the model) rounded and spread over every customer
    of the run: nulls where ``known`` is false."""
    rounded = frame.with_columns(
        pl.col(name).round(d) for name, d in _DECIMALS.items() if name in frame.columns
    )
    if bool(known.all()):
        return rounded
    index = pl.Series(np.cumsum(known.to_numpy()) - 1).cast(pl.Int64)
    positions = pl.when(pl.Series(known)).then(index)
    return rounded.select(pl.all().gather(pl.select(positions).to_series()))


def by_segment(result: RfmResult, prediction: Prediction) -> pl.DataFrame:
    """Per segment of the rule table (its order; segments without a customer in the model
    left out): ``customers`` in the model, mean ``p_alive``, and the sums of
    ``expected_orders`` and ``predicted_clv`` over the horizon."""
    frame = pl.concat([result.frame.select("segment"), prediction.frame], how="horizontal")
    order = {name: i for i, name in enumerate(result.table.segment_names())}
    return (
        frame.filter(pl.col("p_alive").is_not_null())
        .group_by("segment")
        .agg(
            customers=pl.len(),
            p_alive=pl.col("p_alive").mean().round(4),
            expected_orders=pl.col("expected_orders").sum().round(2),
            predicted_clv=pl.col("predicted_clv").sum().round(2),
        )
        .sort(pl.col("segment").replace_strict(order, default=len(order), return_dtype=pl.Int64))
    )


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
