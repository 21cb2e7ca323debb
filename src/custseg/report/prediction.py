"""The terminal view of a prediction: the fitted models, the prediction per segment and the
holdout check. Functions return renderables; they never print."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text

from custseg.report.i18n import say, t
from custseg.report.safety import plain, terminal_style, visible
from custseg.report.terminal import run_header

if TYPE_CHECKING:
    from custseg.engines.run import RfmResult
    from custseg.engines.spark.run import SparkResult
    from custseg.predict.run import Prediction

_MODEL_NAMES = {"bgnbd": "BG/NBD", "mbgnbd": "MBG/NBD", "pnbd": "Pareto/NBD"}


def prediction_view(
    result: RfmResult | SparkResult, prediction: Prediction, lang: str = "en"
) -> Group:
    """``custseg predict``'s summary: the run header, then :func:`prediction_tables`."""
    header = run_header(result.report, result.customer_count, lang)
    return Group(header, Text(""), prediction_tables(result, prediction, lang))


def prediction_tables(
    result: RfmResult | SparkResult, prediction: Prediction, lang: str = "en"
) -> Group:
    """The fitted models, notes, the prediction per segment and the holdout check."""
    parts: list = [model_table(prediction, lang)]
    for note in prediction.notes:
        parts.append(Text(visible(f"{t('pred_note', lang)}{note_text(note, lang)}")))
    parts += [Text(""), segment_prediction_table(result, prediction, lang)]
    if prediction.holdout is not None:
        parts += [Text(""), *holdout_tables(result, prediction, lang)]
    return Group(*parts)


def note_text(note: str, lang: str) -> str:
    """A prediction note in ``lang``, the parameters it names shown as command-line options
    (``--model``)."""
    from custseg.cli.params import OPTIONS
    from custseg.errors import with_options

    return with_options(say(note, lang), OPTIONS)


def model_table(prediction: Prediction, lang: str = "en") -> Table:
    """The parameters and the fit of the count model and of Gamma-Gamma."""
    spec, model, spend = prediction.spec, prediction.model, prediction.spend_model
    title = t("pred_model_title", lang, unit=t(f"unit_{spec.time_unit}", lang))
    table = Table(title=title, title_justify="left")
    for key in ("pred_model", "pred_params", "pred_fit"):
        table.add_column(t(key, lang))
    params = ", ".join(f"{k} {_sig(v)}" for k, v in model.params.items())
    fit = t("pred_ll", lang, ll=f"{model.log_likelihood:,.2f}", n=f"{model.customers:,}")
    table.add_row(_MODEL_NAMES[model.name], params, fit)
    params = ", ".join(f"{k} {_sig(v)}" for k, v in spend.params.items())
    table.add_row("Gamma-Gamma", params, t("pred_gg_fit", lang, n=f"{spend.customers:,}"))
    return table


def segment_prediction_table(result: RfmResult | SparkResult, prediction: Prediction,
                             lang: str = "en") -> Table:  # fmt: skip
    """Per segment: customers, mean P(alive), expected orders and predicted value."""
    horizon = prediction.spec.horizon
    table = Table(title=t("pred_segments_title", lang, horizon=horizon), title_justify="left")
    for key in ("segment", "customers", "pred_p_alive", "pred_orders", "pred_value"):
        table.add_column(t(key, lang), justify="left" if key == "segment" else "right")
    for row in prediction.by_segment.iter_rows(named=True):
        info = result.table.info(row["segment"])
        name = plain(info.label_in(lang) if lang == "zh" else row["segment"],
                     terminal_style(info.color))  # fmt: skip
        table.add_row(name, f"{row['customers']:,}", f"{row['p_alive']:.2f}",
                      f"{row['expected_orders']:,.1f}", f"{row['predicted_clv']:,.2f}")  # fmt: skip
    return table


def holdout_tables(
    result: RfmResult | SparkResult, prediction: Prediction, lang: str = "en"
) -> list:
    """The holdout in total, by repeat transactions in the calibration period and by
    segment: actual against expected, with the error."""
    check = prediction.holdout
    assert check is not None
    error = "" if check.error is None else f" ({check.error:+.1%})"
    total = t("pred_holdout_total", lang, start=check.calibration_end.isoformat(),
              end=check.end.isoformat(), actual=f"{check.actual:,}",
              expected=f"{check.expected:,.1f}", error=error)  # fmt: skip
    by_repeat = _compare_table(t("pred_by_repeat", lang), t("pred_repeat_orders", lang),
                               check.by_repeat, "repeat_orders", lang)  # fmt: skip
    by_segment = _compare_table(t("pred_by_segment", lang), t("segment", lang),
                                check.by_segment, "segment", lang)  # fmt: skip
    return [Text(total), by_repeat, by_segment]


def _compare_table(title: str, heading: str, frame, key: str, lang: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(heading)
    for col in ("customers", "pred_actual", "pred_expected", "pred_error"):
        table.add_column(t(col, lang), justify="right")
    last = frame.height - 1
    for i, row in enumerate(frame.iter_rows(named=True)):
        label = row[key]
        label = f"{label}+" if key == "repeat_orders" and i == last and label >= 7 else label
        error = "" if row["error"] is None else f"{row['error']:+.1%}"
        table.add_row(plain(str(label)), f"{row['customers']:,}", f"{row['actual']:,}",
                      f"{row['expected']:,.1f}", error)  # fmt: skip
    return table


def _sig(value: float) -> str:
    """A parameter with four significant digits."""
    return f"{value:.4g}"
