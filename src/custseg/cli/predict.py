"""The ``predict`` command, and the prediction options ``rfm --predict`` shares."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import click

from custseg.cli.options import (
    Loader,
    chunked_option,
    lifecycle_options,
    loader_options,
    memory_limit_option,
    option_group,
    order_file,
    segment_option,
)
from custseg.cli.output import OutputOptions, emit, handle_errors, make_console, output_options
from custseg.cli.params import AsOfDate, Horizon
from custseg.cli.progress import Progress, run_with_progress
from custseg.cli.scheme import Scheme, scheme_options, warn_rules
from custseg.cli.spark import Engine, engine_options
from custseg.report.safety import terminal_json
from custseg.schema import MODELS, TIME_UNIT_NAMES

if TYPE_CHECKING:
    from custseg.engines.run import RfmResult
    from custseg.engines.spark.run import SparkResult
    from custseg.measures.extras import Extras
    from custseg.predict.run import Prediction, PredictSpec


def _spec(model: str, time_unit: str, horizon: str, discount: float, margin: float,
          calibration_end: dt.date | None) -> PredictSpec:  # fmt: skip
    from custseg.predict.run import PredictSpec

    return PredictSpec(model, time_unit, horizon, discount, margin, calibration_end)


_PREDICT = [
    click.option(
        "--model",
        type=click.Choice(MODELS),
        default=MODELS[0],
        show_default=True,
        help="Count model: bgnbd (BG/NBD), mbgnbd (MBG/NBD: one-time buyers are not "
        "certainly alive), pnbd (Pareto/NBD).",
    ),
    click.option(
        "--time-unit",
        type=click.Choice(TIME_UNIT_NAMES),
        default=TIME_UNIT_NAMES[0],
        show_default=True,
        help="Unit of t_first_last, T and the parameters (a month is 30.4375 days). "
        "Predictions do not depend on it; only the parameters scale.",
    ),
    click.option(
        "--horizon",
        type=Horizon(),
        default="90d",
        show_default=True,
        help="Span of expected_orders and predicted_clv: 30d, 12w, 6m, 1y...",
    ),
    click.option(
        "--discount",
        type=click.FloatRange(0, 10),
        default=0.10,
        show_default=True,
        help="Annual discount rate of predicted_clv (0.10 = 10%).",
    ),
    click.option(
        "--margin",
        type=click.FloatRange(0, 1, min_open=True),
        default=1.0,
        show_default=True,
        help="Share of spend that is profit, in predicted_clv.",
    ),
    click.option(
        "--calibration-end",
        type=AsOfDate(),
        metavar="DATE",
        help="Check the model: fit it on the orders up to DATE (customers are measured "
        "and segmented as of DATE) and compare its predictions with the orders after DATE, "
        "up to --as-of (default: the last order date).",
    ),
]
#: The prediction options (``predict``, ``rfm --predict``): ``predict: PredictSpec``.
predict_options = option_group("predict", _PREDICT, _spec)


@click.command()
@handle_errors
@order_file
@loader_options
@scheme_options
@lifecycle_options
@predict_options
@segment_option
@output_options
@engine_options
@chunked_option
@memory_limit_option
def predict(file: str, load: Loader, scheme: Scheme, lifecycle, predict: PredictSpec,
            segments: tuple[str, ...], output: OutputOptions, engine: Engine, chunked: bool,
            memory_limit: int | None) -> None:  # fmt: skip
    """Predict who will come back and what they are worth (BG/NBD, MBG/NBD or Pareto/NBD
    for transactions, Gamma-Gamma for spend), fitted by maximum likelihood.

    Same loader, cleaning, accounting and options as 'rfm'. Exports add to rfm's
    columns: repeat_orders, t_first_last, T (model inputs, in --time-unit),
    p_alive, expected_orders (over --horizon), expected_spend (per transaction),
    predicted_clv (over --horizon, discounted at --discount, times --margin); with
    --calibration-end also actual_orders_holdout and expected_orders_holdout.

    \b
    Conventions, as in the literature (Fader, Hardie & Lee 2005):
      purchases on one day are one transaction; repeat_orders counts the
      transactions after the first; t_first_last is last minus first purchase
      day; T runs from the first purchase day to --as-of (orders dated on
      the as-of day count), or to --calibration-end; returns net the spend;
      customers without a positive repeat spend get the population's mean.

    \b
    Examples:
      custseg predict orders.csv
      custseg predict orders.csv --horizon 6m -o predictions.csv
      custseg predict orders.csv --calibration-end 2025-06-30 --json
      custseg predict orders.csv --model pnbd --time-unit day --lang zh
    """
    from custseg.cli.rfm import check_before_work

    as_of = load.options.as_of
    if predict.calibration_end and as_of and predict.calibration_end >= as_of:
        raise click.BadParameter(
            f"{predict.calibration_end} is not before --as-of {as_of}: the holdout after "
            "it would be empty", param_hint="--calibration-end",
        )  # fmt: skip
    if engine.spark:
        return _predict_on_spark(file, load, scheme, lifecycle, predict, segments, output,
                                 engine, chunked=chunked, memory_limit=memory_limit)  # fmt: skip
    if not output.quiet:
        warn_rules(scheme)
    check_before_work(file, load, scheme, segments, output, None)
    result, prediction = run_prediction(file, load, scheme, lifecycle, predict, output,
                                        chunked, memory_limit)  # fmt: skip
    emit(lambda: export_frame(result, prediction, scheme.lang, False, segments), output)
    _print(result, prediction, scheme.lang, output)


def _predict_on_spark(file, load, scheme, lifecycle, spec, segments, output, engine,
                      **not_on_spark) -> None:  # fmt: skip
    """``predict --engine spark``: Spark writes the per-customer folder (rfm's columns and
    the prediction's); the summary and ``--json`` as with the default engine."""
    from custseg.cli.spark import check_spark_run, predict_on_spark_cli

    check_spark_run(load, scheme, segments, output, **not_on_spark)
    result, prediction = predict_on_spark_cli(file, load, scheme, lifecycle, engine, spec,
                                              output, False, segments)  # fmt: skip
    _print(result, prediction, scheme.lang, output)


def _print(result, prediction: Prediction, lang: str, output: OutputOptions) -> None:
    """The summary of ``predict``: JSON, or the run header and the prediction's tables."""
    if output.as_json:
        click.echo(terminal_json(summary_dict(result, prediction, lang), indent=2))
    elif not output.silent:
        from custseg.report.prediction import prediction_view

        console = make_console(stderr=output.to_stdout)
        console.print(prediction_view(result, prediction, lang))


def run_prediction(file: str, load: Loader, scheme: Scheme, lifecycle, spec: PredictSpec,
                   output: OutputOptions, chunked: bool = False,
                   memory_limit: int | None = None,
                   extras: Extras | None = None) -> tuple[RfmResult, Prediction]:  # fmt: skip
    """The run with each customer's purchase history (and ``extras``' aggregates), then
    the models fitted on it."""
    from custseg.measures.history import History
    from custseg.predict.run import predict_customers

    progress = Progress(output.silent, file)
    result = run_with_progress(file, load, lifecycle, progress, scheme,
                               chunked=chunked or None, memory_limit=memory_limit,
                               quiet=output.quiet, excel_safe=output.excel_safe,
                               history=History(spec.calibration_end),
                               extras=extras)  # fmt: skip
    end = None
    if spec.calibration_end:  # the holdout ends on --as-of, else on the last order date
        end = load.options.as_of or result.report.as_of - dt.timedelta(days=1)
    return result, predict_customers(result, spec, end)


def export_frame(result: RfmResult, prediction: Prediction, lang: str, actions: bool,
                 segments: tuple[str, ...]) -> Any:  # fmt: skip
    """rfm's export columns, then the prediction's (only ``segments``, when given)."""
    import polars as pl

    frame = pl.concat([result.labelled(lang, actions), prediction.frame], how="horizontal")
    return frame.filter(pl.col("segment").is_in(list(segments))) if segments else frame


def summary_dict(
    result: RfmResult | SparkResult, prediction: Prediction, lang: str
) -> dict[str, Any]:
    """rfm's ``--json`` with the fitted models, the prediction per segment and the holdout
    check."""
    from custseg.cli.rfm import summary_dict as rfm_dict

    out = rfm_dict(result, lang)
    out["model"] = prediction.model_dict()
    out["spend_model"] = prediction.spend_dict()
    out["horizon"] = prediction.spec.horizon
    out["prediction_by_segment"] = {
        row.pop("segment"): row for row in prediction.by_segment.iter_rows(named=True)
    }
    from custseg.report.prediction import note_text

    out["prediction_notes"] = [note_text(note, "en") for note in prediction.notes]
    if prediction.holdout is not None:
        out["holdout"] = prediction.holdout.as_dict()
    return out
