"""The cohort section of the HTML report (``custseg report --cohort``): a heatmap of the
share of each monthly cohort who bought in each later month. Text is escaped where it is
emitted; the tooltip is built as text by ``report.js``."""

from __future__ import annotations

import html

import polars as pl

from custseg.report.i18n import t


def cohort_data(cells: pl.DataFrame) -> dict:
    """The monthly table of customer shares, as plain data: the cohorts (label, size)
    and ``[offset, row, percent, customers]`` per cell."""
    from custseg.measures.cohort import cohort_table

    long = cohort_table(cells, "month", "customers")
    labels = long.filter(pl.col("period_offset") == 0).select("cohort", "customers")
    row = {label: i for i, label in enumerate(labels["cohort"].to_list())}
    cells_out = [
        [offset, row[label], round(value * 100, 1), customers]
        for label, offset, customers, value in long.select(
            "cohort", "period_offset", "customers", "value"
        ).iter_rows()
    ]
    return {"cohorts": labels.rows(), "cells": cells_out,
            "offsets": long["period_offset"].n_unique()}  # fmt: skip


def cohort_section(data: dict, lang: str) -> tuple[str, dict]:
    """The section's HTML and its chart's options (by element id)."""
    height = max(260, 26 * len(data["cohorts"]) + 120)
    parts = [f"<h2>{html.escape(t('cohort_section', lang))}</h2>",
             f'<div id="chart-cohort" class="chart" style="height:{height}px"></div>']  # fmt: skip
    later = [c[2] for c in data["cells"] if c[0] > 0]
    option = {
        "tooltip": {"position": "top"},
        "grid": {"left": 8, "right": 16, "bottom": 60, "containLabel": True},
        "xAxis": {"type": "category", "splitArea": {"show": True},
                  "data": [f"+{k}" for k in range(data["offsets"])]},
        "yAxis": {"type": "category", "inverse": True, "splitArea": {"show": True},
                  "data": [f"{label} ({n:,})" for label, n in data["cohorts"]]},
        "visualMap": {"min": 0, "max": max(later, default=100) or 1, "calculable": True,
                      "orient": "horizontal", "left": "center", "bottom": 0,
                      "dimension": 2},
        "series": [{"type": "heatmap", "data": data["cells"], "label": {"show": True},
                    "customersLabel": t("customers", lang)}],
    }  # fmt: skip
    return "\n".join(parts), {"chart-cohort": option}
