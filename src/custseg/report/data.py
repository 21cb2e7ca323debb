"""The figures behind ``custseg report``: plain data (dicts and lists), no HTML.

:func:`report_data` gathers everything the page shows from one segmentation run, so
the HTML renderer (:mod:`custseg.report.html`) only lays it out.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from custseg.engines.run import RfmResult
from custseg.measures.repeat import RepeatRule, repeat_buyers, repeat_summary
from custseg.measures.shop import LIFECYCLES, customer_metrics
from custseg.report.i18n import t
from custseg.report.safety import css_color
from custseg.schema import MEASURES

HISTOGRAM_BINS = 30


#: How many repeat buyers the report lists by id, with ``include_ids`` (``--include-ids``).
TOP_BUYERS = 20


def report_data(result: RfmResult, lang: str = "en", rule: RepeatRule | None = None,
                churn_days: int = 180, prediction=None, clustering=None,
                include_ids: bool = False, changes=None, previous: str = "") -> dict:  # fmt: skip
    """Key figures, segments, the R x F heatmap, distributions, repeat buyers, lifecycle;
    with a ``prediction`` (:class:`custseg.predict.run.Prediction`), a ``clustering``
    (:class:`custseg.cluster.run.Clustering`) or ``changes`` since the run ``previous``
    (:class:`custseg.segments.changes.Changes`), its section too. No customer id is among
    them unless ``include_ids``: then the :data:`TOP_BUYERS` repeat buyers who spent most
    (``top_buyers``)."""
    frame, table, report = result.frame, result.table, result.report
    everyone = customer_metrics(frame, report.as_of, churn_days).row(0, named=True)
    rule = rule or RepeatRule()
    buyers = repeat_buyers(frame, rule)
    repeat = repeat_summary(frame, buyers)
    top = buyers.head(TOP_BUYERS).select("customer_id", "orders", "spend", "last_order")
    return {
        "lang": lang,
        "scheme": table.name,
        "scoring": result.scoring.method,
        "source": report.source,
        "kpis": {
            "customers": frame.height,
            "orders": report.orders,
            "revenue": float(frame["monetary"].sum()),
            "aov": everyone["aov"],
            "repurchase_rate": everyone["repurchase_rate"],
            "as_of": report.as_of.isoformat(),
        },
        "rows": {
            "read": report.rows_read,
            "used": report.rows_used,
            "left_out": {k: v for k, v in report.left_out.items() if v},
        },
        "segments": _segments(frame, table, lang),
        "heatmap": _heatmap(frame, result.cuts),
        "distributions": [_distribution(frame, m, result.cuts[m]) for m, _, _ in MEASURES],
        "repeat": {"min_orders": rule.min_orders, "min_spend": rule.min_spend, **repeat},
        "lifecycle": {s: int(everyone[s]) for s in LIFECYCLES},
        "churn_days": churn_days,
        "prediction": _prediction(result, prediction, lang),
        "cohort": _cohort(result),
        "cluster": _cluster(result, clustering, lang),
        "by": by_data(result, lang, churn_days),
        "changes": _changes(result, changes, lang, previous),
        "top_buyers": top.to_dicts() if include_ids else None,
    }


def _changes(result: RfmResult, changes, lang: str, previous: str) -> dict | None:
    if changes is None:
        return None
    from custseg.report.changes_html import changes_data

    return changes_data(changes, result.table, lang, previous)


def by_data(result: RfmResult, lang: str, churn_days: int) -> dict | None:
    """The ``--by`` chart's data (:func:`custseg.report.breakdown_html.by_data`)."""
    from custseg.report.breakdown_html import by_data as data

    return data(result, lang, churn_days)


def _cohort(result: RfmResult) -> dict | None:
    """The cohort heatmap's data, when the run computed the cohort cells."""
    if not result.extras or "cohort" not in result.extras:
        return None
    from custseg.report.cohort_html import cohort_data

    return cohort_data(result.extras["cohort"])


def _cluster(result: RfmResult, clustering, lang: str) -> dict | None:
    if clustering is None:
        return None
    from custseg.report.cluster_html import cluster_data

    return cluster_data(result, clustering, lang)


def _prediction(result: RfmResult, prediction, lang: str) -> dict | None:
    if prediction is None:
        return None
    from custseg.report.prediction_html import prediction_data

    return prediction_data(result, prediction, lang)


def _segments(frame: pl.DataFrame, table, lang: str) -> list[dict]:
    from custseg.segments.summary import summary_table

    rules_of: dict[str, list[str]] = {}
    for rule in table.rules:
        rules_of.setdefault(rule.segment, []).append(rule.describe())
    rules_of.setdefault(table.fallback, []).append(t("fallback_rule", lang))
    out = []
    for row in summary_table(frame, table.segment_names()).iter_rows(named=True):
        info = table.info(row["segment"])
        out.append(
            {
                "name": row["segment"],
                "label": info.label_in(lang),
                "color": css_color(info.color),  # checked again where the page emits it
                "action": info.action_in(lang),
                "rules": rules_of.get(row["segment"], []),
                "customers": row["customers"],
                "customer_share": row["customer_share"],
                "revenue": row["revenue"],
                "revenue_share": row["revenue_share"],
            }
        )
    return out


def _heatmap(frame: pl.DataFrame, cuts: dict[str, list[float]]) -> dict:
    """Customers and their mean spend for every (R, F) score pair, empty pairs included."""
    r_levels = len(cuts["recency_days"]) + 1
    f_levels = len(cuts["frequency"]) + 1
    cells = frame.group_by("r_score", "f_score").agg(
        customers=pl.len(), mean_monetary=pl.col("monetary").mean()
    )
    found = {(r, f): (n, m) for r, f, n, m in cells.iter_rows()}
    data = [
        [f - 1, r - 1, *found.get((r, f), (0, None))]
        for r in range(1, r_levels + 1)
        for f in range(1, f_levels + 1)
    ]
    return {"r_levels": r_levels, "f_levels": f_levels, "cells": data}


def _distribution(frame: pl.DataFrame, measure: str, cuts: list[float]) -> dict:
    """A histogram of one measure (the top 1% folded into the last bar) and its cut points."""
    values = frame[measure].to_numpy().astype("float64")
    high = float(np.quantile(values, 0.99))
    low = float(values.min())
    if measure == "frequency":  # whole numbers: one bar per count
        top = int(max(high, low + 1))
        edges = np.arange(int(low), top + 2) - 0.5
    else:
        edges = np.linspace(low, max(high, low + 1), HISTOGRAM_BINS + 1)
    counts, _ = np.histogram(np.clip(values, edges[0], edges[-1]), bins=edges)
    centers = (edges[:-1] + edges[1:]) / 2
    return {
        "measure": measure,
        "bars": [[round(float(c), 2), int(n)] for c, n in zip(centers, counts, strict=True)],
        "cuts": cuts,
        "clipped_above": high if values.max() > edges[-1] else None,
    }
