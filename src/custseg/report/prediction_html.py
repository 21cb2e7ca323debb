"""The prediction section of the HTML report (``custseg report --predict``): the fitted
models, P(alive) and predicted value by segment, and with a calibration end the weekly
cumulative repeat transactions, actual against the model. Text is escaped where it is
emitted; the charts' tooltips are built as text by ``report.js``."""

from __future__ import annotations

import html

from custseg.report.i18n import t
from custseg.report.prediction import note_text
from custseg.report.safety import css_color

_MODEL_NAMES = {"bgnbd": "BG/NBD", "mbgnbd": "MBG/NBD", "pnbd": "Pareto/NBD"}


def prediction_data(result, prediction, lang: str) -> dict:
    """The figures of the section, as plain data."""
    segments = []
    for row in prediction.by_segment.iter_rows(named=True):
        info = result.table.info(row["segment"])
        segments.append({**row, "label": info.label_in(lang), "color": css_color(info.color)})
    out: dict = {
        "model": prediction.model_dict(),
        "spend_model": prediction.spend_dict(),
        "horizon": prediction.spec.horizon,
        "segments": segments,
        "notes": [note_text(note, lang) for note in prediction.notes],
        "holdout": None,
    }
    check = prediction.holdout
    if check is not None:
        out["holdout"] = {
            **{k: v for k, v in check.as_dict().items() if not k.startswith("by_")},
            "weekly": check.weekly.select("week", "actual", "expected").rows(),
            "calibration_week": _week_of(check.weekly, check.calibration_end),
        }
    return out


def _week_of(weekly, day) -> int | None:
    """The first week whose last day is on or after ``day``."""
    import polars as pl

    found = weekly.filter(pl.col("day") >= day)
    return int(found["week"][0]) if found.height else None


def prediction_section(data: dict, lang: str) -> tuple[str, dict]:
    """The section's HTML and its charts' options (by element id)."""
    model, spend = data["model"], data["spend_model"]
    params = ", ".join(f"{k} {v:.4g}" for k, v in model["params"].items())
    gg = ", ".join(f"{k} {v:.4g}" for k, v in spend["params"].items())
    unit = t(f"unit_{model['time_unit']}", lang)
    lines = [
        f"{_MODEL_NAMES[model['name']]} ({unit}): {params}; "
        + t("pred_ll", lang, ll=f"{model['log_likelihood']:,.2f}", n=f"{model['customers']:,}"),
        f"Gamma-Gamma: {gg}; " + t("pred_gg_fit", lang, n=f"{spend['customers']:,}"),
        *(f"{t('pred_note', lang)}{note}" for note in data["notes"]),
    ]
    parts = [f"<h2>{html.escape(t('pred_section', lang, horizon=data['horizon']))}</h2>",
             *(f"<p>{html.escape(line)}</p>" for line in lines),
             _table(data, lang),
             '<div id="chart-predict" class="chart"></div>']  # fmt: skip
    options = {"chart-predict": _value_option(data, lang)}
    check = data["holdout"]
    if check is not None:
        error = "" if check["error"] is None else f" ({check['error']:+.1%})"
        total = t("pred_holdout_total", lang, start=check["calibration_end"], end=check["end"],
                  actual=f"{check['actual_orders']:,}",
                  expected=f"{check['expected_orders']:,.1f}", error=error)  # fmt: skip
        parts += [f"<h2>{html.escape(t('pred_tracking', lang))}</h2>",
                  f"<p>{html.escape(total)}</p>",
                  '<div id="chart-holdout" class="chart"></div>']  # fmt: skip
        options["chart-holdout"] = _tracking_option(check, lang)
    return "\n".join(parts), options


def _table(data: dict, lang: str) -> str:
    keys = ("segment", "customers", "pred_p_alive", "pred_orders", "pred_value")
    head = "".join(f"<th>{html.escape(t(k, lang))}</th>" for k in keys)
    body = "".join(
        "<tr>"
        f'<td><span class="dot" style="background:{css_color(s["color"])}"></span>'
        f"{html.escape(s['label'])}</td>"
        f'<td class="num">{s["customers"]:,}</td>'
        f'<td class="num">{s["p_alive"]:.2f}</td>'
        f'<td class="num">{s["expected_orders"]:,.1f}</td>'
        f'<td class="num">{s["predicted_clv"]:,.2f}</td>'
        "</tr>"
        for s in data["segments"]
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _value_option(data: dict, lang: str) -> dict:
    segs = list(reversed(data["segments"]))  # the first segment on top
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 8, "right": 64, "containLabel": True},
        "xAxis": {"type": "value"},
        "yAxis": {"type": "category", "data": [s["label"] for s in segs]},
        "series": [{
            "name": t("pred_value", lang), "type": "bar",
            "data": [{"value": s["predicted_clv"], "itemStyle": {"color": css_color(s["color"])}}
                     for s in segs],
            "label": {"show": True, "position": "right"},
        }],
    }  # fmt: skip


def _tracking_option(check: dict, lang: str) -> dict:
    weeks = [str(w) for w, _, _ in check["weekly"]]
    mark = check["calibration_week"]
    cut = {"symbol": "none", "silent": True, "label": {"formatter": t("pred_cal_end", lang)},
           "data": [{"xAxis": str(mark)}] if mark is not None else []}  # fmt: skip
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [t("pred_actual", lang), t("pred_model_line", lang)]},
        "grid": {"left": 8, "right": 24, "containLabel": True},
        "xAxis": {"type": "category", "data": weeks, "name": t("pred_week", lang)},
        "yAxis": {"type": "value", "name": t("pred_cumulative", lang)},
        "series": [
            {"name": t("pred_actual", lang), "type": "line", "showSymbol": False,
             "data": [a for _, a, _ in check["weekly"]], "markLine": cut},
            {"name": t("pred_model_line", lang), "type": "line", "showSymbol": False,
             "lineStyle": {"type": "dashed"}, "data": [e for _, _, e in check["weekly"]]},
        ],
    }  # fmt: skip
