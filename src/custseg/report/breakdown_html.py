"""The ``--by`` section of the HTML report (``custseg report --by COLUMN``): customers and
revenue per value, the top :data:`TOP` values and the rest added up as "other". Text is
escaped where it is emitted; the tooltip is built as text by ``report.js``."""

from __future__ import annotations

import html

from custseg.report.i18n import t

#: How many values the chart shows; the others are one bar.
TOP = 20


def by_data(result, lang: str, churn_days: int = 180) -> dict | None:
    """The chart's data of a run with a ``by`` column (None without): the column and
    ``[value, customers, revenue]`` per bar, most customers first."""
    from custseg.measures.breakdown import top_values

    table = result.breakdown(churn_days)
    if table is None:
        return None
    top = top_values(table, TOP, t("by_other", lang))
    rows = [[v, int(c), round(float(r), 2)] for v, c, r in
            top.select("by_value", "customers", "revenue").iter_rows()]  # fmt: skip
    return {"column": result.by_column, "values": rows, "count": table.height}


def by_section(data: dict, lang: str) -> tuple[str, dict]:
    """The section's HTML and its chart's options (by element id)."""
    rows = list(reversed(data["values"]))  # the largest on top
    height = max(260, 28 * len(rows) + 100)
    title = t("by_title", lang, column=data["column"])
    note = t("by_note", lang, values=data["count"], shown=min(TOP, data["count"]))
    parts = [f"<h2>{html.escape(title)}</h2>",
             f'<div id="chart-by" class="chart" style="height:{height}px"></div>',
             f'<p class="note">{html.escape(note)}</p>']  # fmt: skip
    names = [t("m_customers", lang), t("m_revenue", lang)]
    option = {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"data": names},
        "grid": {"left": 8, "right": 48, "containLabel": True},
        "xAxis": [{"type": "value", "name": names[0]},
                  {"type": "value", "name": names[1], "position": "top"}],
        "yAxis": {"type": "category", "data": [str(r[0]) for r in rows]},
        "series": [
            {"name": names[0], "type": "bar", "xAxisIndex": 0, "data": [r[1] for r in rows]},
            {"name": names[1], "type": "bar", "xAxisIndex": 1, "data": [r[2] for r in rows],
             "itemStyle": {"opacity": 0.55}},
        ],
    }  # fmt: skip
    return "\n".join(parts), {"chart-by": option}
