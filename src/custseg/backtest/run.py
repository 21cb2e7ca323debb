"""The backtest: do the segments made on a day predict who buys in the days after it?

One run reads the input once with the window's last day as its as-of date and the
backtest's day as the history's calibration end (:class:`custseg.measures.history.History`):
the customers are then measured, scored and segmented as of the backtest's day, exactly as
``custseg rfm --as-of DAY`` does, and each customer's orders and revenue in the window come
from the same rows (:mod:`custseg.measures.window`, through
:class:`custseg.measures.extras.Extras`). :func:`backtest` turns such a run into the figures
(:mod:`custseg.backtest.tables`): per segment of each scheme compared, the separation of
buyers from non-buyers, and, with ``p_alive``, the model's P(alive) per decile.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from custseg.backtest import tables
from custseg.errors import DataError, ModelError, NoCustomersError, param
from custseg.measures.extras import Extras
from custseg.measures.history import History
from custseg.predict.units import horizon_days
from custseg.schema import MODELS

if TYPE_CHECKING:
    from custseg.engines.run import RfmResult
    from custseg.measures.plan import Lifecycle
    from custseg.orders.load import LoadOptions
    from custseg.predict.run import Prediction
    from custseg.segments.rules import RuleTable
    from custseg.segments.scoring import ScoringSpec

    #: A scheme to compare: a built-in scheme's name, a rule table (scored as it asks), or
    #: a rule table and its scoring.
    SchemeLike = str | RuleTable | tuple[RuleTable, ScoringSpec]


@dataclass(frozen=True)
class BacktestSpec:
    """What to test: the segments as of ``as_of`` (orders dated on it count) against the
    ``window`` after it (``90d``, ``12w``, ``3m``, ``1y``: days after ``as_of``, up to and
    including ``as_of`` + the window's days, rounded to whole days: 3m is 91); with
    ``p_alive``, the count ``model`` (:data:`custseg.schema.MODELS`) fitted as of
    ``as_of`` too."""

    as_of: dt.date
    window: str = "90d"
    p_alive: bool = False
    model: str = "bgnbd"

    def __post_init__(self) -> None:
        if not isinstance(self.as_of, dt.date) or isinstance(self.as_of, dt.datetime):
            raise DataError(f"{param('as_of')} must be a date, not {self.as_of!r}")
        if self.model not in MODELS:
            raise DataError(f"model {self.model!r} is not one of {', '.join(MODELS)}")
        if round(horizon_days(self.window, "window")) < 1:
            raise DataError(f"window {self.window!r} is shorter than a day; write e.g. 30d")
        if self.as_of > dt.date.max - dt.timedelta(days=self.window_days):
            raise DataError(f"the {param('window')} after {self.as_of} ends after the year 9999")

    @property
    def window_days(self) -> int:
        """The window's length in whole days (``m`` and ``y`` are 30.4375 and 365.25 days:
        3m is 91 days, 1y 365)."""
        return round(horizon_days(self.window, "window"))

    @property
    def window_end(self) -> dt.date:
        """The window's last day: the run's as-of date."""
        return self.as_of + dt.timedelta(days=self.window_days)

    def load_options(self, options: LoadOptions | None) -> LoadOptions:
        """``options`` with the window's last day as the as-of date."""
        from custseg.orders.load import LoadOptions

        return dataclasses.replace(options or LoadOptions(), as_of=self.window_end)

    def history(self) -> History:
        """The purchase histories asked of the run: measured up to ``as_of``."""
        return History(self.as_of)

    def extras(self) -> Extras:
        """The aggregates asked of the run: each customer's orders in the window."""
        return Extras(window_after=self.as_of)

    def no_customers(self) -> DataError:
        """The error for a day before every purchase."""
        day = param("as_of")
        return DataError(f"no customer bought on or before {day} {self.as_of}, so there are "
                         f"no segments to test; pick a later {day}")  # fmt: skip


@dataclass
class SchemeFigures:
    """One scheme's backtest: its ``name``, rule ``table``, ``scoring`` and ``cuts`` (as of
    the day), each customer's ``segments`` (row for row with the run's customers), the
    per-segment ``figures`` (:data:`custseg.backtest.tables.SEGMENT_COLUMNS`) and ``auc``:
    the separation of buyers from non-buyers by the segments' buy rates (None when all
    customers bought or none did)."""

    name: str
    table: RuleTable
    scoring: ScoringSpec
    cuts: dict[str, list[float]]
    segments: pl.Series
    figures: pl.DataFrame
    auc: float | None

    @property
    def segments_used(self) -> int:
        """Segments with at least one customer."""
        return int((self.figures["customers"] > 0).sum())


@dataclass
class Backtest:
    """What a backtest gives.

    ``spec``; ``result``: the run (its customers as of the day, segmented by the first
    scheme; its ``report`` accounts for the rows up to the window's end); ``outcome``: per
    customer, row for row with ``result.frame``, ``customer_id``, ``orders``, ``revenue``
    and ``bought`` in the window; ``overall``: the figures over all of them; ``newcomers``:
    the customers who bought in the window without a purchase before it (in no segment:
    ``customers``, ``orders``, ``revenue``); ``schemes``: a :class:`SchemeFigures` per
    scheme, in the order given; with ``p_alive``, the ``prediction``, the ``deciles``
    (:data:`custseg.backtest.tables.DECILE_COLUMNS`) and ``p_alive_auc``, the separation
    by P(alive) itself."""

    spec: BacktestSpec
    result: RfmResult
    outcome: pl.DataFrame
    overall: dict[str, Any]
    newcomers: dict[str, Any]
    schemes: list[SchemeFigures]
    prediction: Prediction | None = None
    deciles: pl.DataFrame | None = None
    p_alive_auc: float | None = None

    @property
    def best_scheme(self) -> str | None:
        """The scheme whose segments separate buyers from non-buyers best (the highest
        ``auc``; the first given on a tie), None when no scheme has one."""
        rated = [s for s in self.schemes if s.auc is not None]
        return max(rated, key=lambda s: s.auc or 0.0).name if rated else None


def run_backtest(
    source: str | Path,
    spec: BacktestSpec,
    options: LoadOptions | None = None,
    *,
    schemes: Sequence[SchemeLike] = ("default",),
    lifecycle: Lifecycle | None = None,
    chunked: bool | None = None,
    memory_limit: int | None = None,
    on_phase: Callable[[str], None] | None = None,
) -> Backtest:
    """Read ``source`` once and backtest ``schemes`` (the first segments the run) on it;
    ``options``' as-of date is replaced by the window's last day. The other arguments are
    :func:`custseg.engines.run.run_rfm`'s.

    Raises
    ------
    InputFileError, ColumnError, RulesError
        As :func:`custseg.engines.run.run_rfm`.
    DataError
        No purchase on or before the day; a window past the last order.
    ModelError
        With ``spec.p_alive``: a model that cannot be fitted as of the day.
    """
    from custseg.engines.run import run_rfm

    pairs = [scheme_pair(s) for s in schemes]
    if not pairs:
        raise DataError(f"{param('schemes')} is empty: give at least one scheme")
    try:
        result = run_rfm(source, spec.load_options(options), scoring=pairs[0][1],
                         table=pairs[0][0], lifecycle=lifecycle, chunked=chunked,
                         memory_limit=memory_limit, on_phase=on_phase,
                         history=spec.history(), extras=spec.extras())  # fmt: skip
    except NoCustomersError:
        raise spec.no_customers() from None
    return backtest(result, spec, pairs)


def scheme_pair(scheme: SchemeLike) -> tuple[RuleTable, ScoringSpec]:
    """A rule table and its scoring from a :data:`SchemeLike`: a table alone is scored as
    it asks (its method, its bins; else quantiles in 5 levels)."""
    from custseg.segments.rules import builtin_rules
    from custseg.segments.scoring import ScoringSpec

    if isinstance(scheme, tuple):
        return scheme
    table = builtin_rules(scheme) if isinstance(scheme, str) else scheme
    quantile = table.scoring in (None, "quantile")
    spec = ScoringSpec(method=table.scoring or "quantile",
                       bins=(table.bins if quantile else None) or 5)  # fmt: skip
    return table, spec


def backtest(result: RfmResult, spec: BacktestSpec,
             schemes: Sequence[SchemeLike] | None = None) -> Backtest:  # fmt: skip
    """The figures of a run made for ``spec`` (``run_rfm(..., spec.load_options(options),
    history=spec.history(), extras=spec.extras())``); ``schemes``: those to compare
    (default: the run's own). The run's scheme segments the customers; any other is
    scored and segmented on the same measures.

    Raises
    ------
    DataError
        A run not made for ``spec``; no customer; a window past the last order.
    ModelError
        With ``spec.p_alive``: a model that cannot be fitted as of the day.
    """
    window = _window_frame(result, spec)
    if result.frame.height == 0:
        raise spec.no_customers()
    check_window(result, window, spec)
    joined = result.frame.select("customer_id").join(
        window.select("customer_id", "orders", "revenue"), on="customer_id", how="left",
        maintain_order="left",
    )  # fmt: skip
    outcome = joined.with_columns(
        pl.col("orders").fill_null(0), pl.col("revenue").fill_null(0.0)
    ).with_columns(bought=pl.col("orders") > 0)
    pairs = [scheme_pair(s) for s in schemes] if schemes else [(result.table, result.scoring)]
    figures = [_scheme_figures(result, outcome, table, scoring) for table, scoring in pairs]
    out = Backtest(spec, result, outcome, tables.overall_figures(outcome),
                   _newcomers(window, result.frame), figures)  # fmt: skip
    if spec.p_alive:
        _add_p_alive(out)
    return out


def _window_frame(result: RfmResult, spec: BacktestSpec) -> pl.DataFrame:
    """The run's per-customer window frame, after checking the run was made for ``spec``."""
    history = result.history
    made_for = (
        result.extras is not None
        and "window" in result.extras
        and history is not None
        and result.report.as_of == spec.window_end
    )
    if not made_for:
        raise DataError("the run was not made for this backtest; run it with run_backtest, or "
                        "run_rfm(..., spec.load_options(options), history=spec.history(), "
                        "extras=spec.extras())")  # fmt: skip
    assert result.extras is not None
    return result.extras["window"]


def check_window(result: RfmResult, window: pl.DataFrame, spec: BacktestSpec) -> None:
    """Refuse a window that runs past the input's last order: its last days would hold no
    orders yet and the buy rates would be too low. The input reaches the window's end when
    a row in use is dated after it, or the window's last order is on its last day."""
    if result.report.left_out.get("after as-of", 0) > 0:
        return
    latest = window["last_date"].max()
    last = latest.date() if isinstance(latest, dt.datetime) else None
    if last == spec.window_end:
        return
    days = spec.window_days
    where = f"the last order is dated {last}" if last else f"no order is dated after {spec.as_of}"
    fixes = []
    if last and last - dt.timedelta(days=days) >= dt.date.min:
        fixes.append(f"a {param('as_of')} of {last - dt.timedelta(days=days)} or earlier")
    if last and (last - spec.as_of).days > 0:
        fixes.append(f"a {param('window')} of {(last - spec.as_of).days}d or less")
    raise DataError(
        f"the {days}-day window after {spec.as_of} runs to {spec.window_end}, but {where}: "
        f"the window is not complete and its buy rates would be too low; pick "
        + (" or ".join(fixes) if fixes else "an input that reaches past the window")
    )


def _scheme_figures(result: RfmResult, outcome: pl.DataFrame, table: RuleTable,
                    scoring: ScoringSpec) -> SchemeFigures:  # fmt: skip
    """One scheme's segments (the run's own, else scored and segmented on its measures)
    and figures."""
    from custseg.engines.run import segment_frame
    from custseg.segments.scoring import apply_scores

    if table is result.table and scoring == result.scoring:
        segments, cuts = result.frame["segment"], result.cuts
    else:
        measures = result.frame.drop("r_score", "f_score", "m_score", "rfm_code", "segment")
        cuts = scoring.cuts(measures)
        segments = segment_frame(apply_scores(measures, cuts), table)["segment"]
    with_segment = outcome.with_columns(segment=segments)
    figures = tables.segment_figures(with_segment, table.segment_names())
    auc = tables.separation(outcome["bought"], tables.segment_score(with_segment, figures))
    return SchemeFigures(table.name, table, scoring, cuts, segments, figures, auc)


def _newcomers(window: pl.DataFrame, customers: pl.DataFrame) -> dict[str, Any]:
    """The customers who bought in the window but had no purchase before it."""
    new = window.join(customers.select("customer_id"), on="customer_id", how="anti")
    new = new.filter(pl.col("orders") > 0)
    return {
        "customers": new.height,
        "orders": int(new["orders"].sum()),
        "revenue": round(float(new["revenue"].sum()), 2),
    }


def _add_p_alive(out: Backtest) -> None:
    """The default model fitted as of the day; P(alive) per decile against the window."""
    from custseg.predict.run import PredictSpec, predict_customers

    spec = out.spec
    predict = PredictSpec(model=spec.model, horizon=f"{spec.window_days}d",
                          calibration_end=spec.as_of)  # fmt: skip
    try:
        prediction = predict_customers(out.result, predict, spec.window_end)
    except (DataError, ModelError, ArithmeticError) as exc:  # a fit that breaks down too
        raise ModelError(f"P(alive) cannot be given: the {spec.model} model cannot be fitted "
                         f"on the orders up to {spec.as_of} ({exc}); pick a later "
                         f"{param('as_of')} or another {param('model')}, or leave out "
                         f"{param('p_alive')}") from None  # fmt: skip
    frame = pl.DataFrame({
        "p_alive": prediction.frame["p_alive"],
        "bought": out.outcome["bought"],
        "expected_transactions": prediction.frame["expected_orders_holdout"],
        "actual_transactions": prediction.frame["actual_orders_holdout"],
    }).filter(pl.col("p_alive").is_not_null())  # fmt: skip
    out.prediction = prediction
    out.deciles = tables.p_alive_deciles(frame)
    out.p_alive_auc = tables.separation(frame["bought"], frame["p_alive"])
