"""The clusters' section of the HTML report (``custseg report --cluster``): the clusters'
table, recency against spend coloured by cluster (a seeded sample of at most
:data:`MAX_POINTS` customers) and the choice of k (silhouette and inertia by k). Text is
escaped where it is emitted; the charts' tooltips are built as text by ``report.js``."""

from __future__ import annotations

import html

from custseg.report.i18n import t
from custseg.report.safety import css_color

#: The most customers the scatter shows: more make a page of megabytes and a slow chart.
MAX_POINTS = 5_000
#: Colours of clusters 1..10 (ColorBrewer's Paired, dark first).
PALETTE = ("#1f78b4", "#33a02c", "#e31a1c", "#ff7f00", "#6a3d9a", "#b15928", "#a6cee3",
           "#b2df8a", "#fb9a99", "#cab2d6")  # fmt: skip


def cluster_data(result, clustering, lang: str) -> dict:
    """The figures of the section, as plain data."""
    import polars as pl

    from custseg.cluster.features import canonical_order
    from custseg.cluster.fit import sample_positions
    from custseg.report.cluster import features_text

    frame = result.frame
    order = canonical_order(frame)
    shown = order[sample_positions(frame.height, MAX_POINTS, clustering.spec.seed, 3)]
    points = pl.concat([frame.select("recency_days", "monetary"), clustering.frame],
                       how="horizontal")[shown]  # fmt: skip
    # spend on a log scale, which cannot show a spend of 0 or less: those few left out
    positive = points["monetary"] > 0
    log = points.height > 0 and float(positive.mean() or 0) >= 0.95
    hidden = int((~positive).sum()) if log else 0
    points = points.filter(positive) if log else points
    clusters = []
    for row in clustering.clusters.iter_rows(named=True):
        info = result.table.info(row["segment"]) if row.get("segment") else None
        mine = points.filter(pl.col("cluster") == row["cluster"])
        clusters.append({
            **row,
            "segment_label": info.label_in(lang) if info else None,
            "segment_color": css_color(info.color) if info else None,
            "points": [[int(r), round(float(m), 2)] for r, m in
                       mine.select("recency_days", "monetary").iter_rows()],
        })  # fmt: skip
    return {
        "k": clustering.k,
        "given": clustering.spec.k is not None,
        "features": features_text(clustering, lang),
        "k_table": clustering.k_table.to_dicts(),
        "silhouette_customers": clustering.silhouette_ids.len(),
        "fit_customers": clustering.fit_customers,
        "customers": frame.height,
        "shown": len(shown) - hidden,
        "not_positive": hidden,
        "log": log,
        "clusters": clusters,
    }


def cluster_section(data: dict, lang: str) -> tuple[str, dict]:
    """The section's HTML and its charts' options (by element id)."""
    sizes = {"sil": f"{data['silhouette_customers']:,}", "fit": f"{data['fit_customers']:,}"}
    k_line = (t("cl_k_given", lang, k=data["k"], **sizes) if data["given"]
              else t("cl_k_title", lang, **sizes))  # fmt: skip
    title = t("cl_title", lang, k=data["k"], features=data["features"])
    sampled = t("cl_sampled", lang, shown=f"{data['shown']:,}", total=f"{data['customers']:,}")
    if data["not_positive"]:
        sampled += t("cl_not_positive", lang, n=f"{data['not_positive']:,}")
    parts = [
        f"<h2>{html.escape(t('cl_section', lang, k=data['k']))}</h2>",
        f"<p>{html.escape(title)}</p>",
        _table(data, lang),
        '<div class="two">',
        f"<div><h2>{html.escape(t('cl_scatter', lang))}</h2>"
        f'<div id="chart-clusters" class="chart"></div>'
        f'<p class="note">{html.escape(sampled)}</p></div>',
        f"<div><h2>{html.escape(t('cl_curve', lang))}</h2>"
        f'<div id="chart-kchoice" class="chart"></div>'
        f'<p class="note">{html.escape(k_line)}</p></div>',
        "</div>",
    ]
    options = {"chart-clusters": _scatter_option(data, lang),
               "chart-kchoice": _curve_option(data, lang)}  # fmt: skip
    return "\n".join(parts), options


def _table(data: dict, lang: str) -> str:
    keys = ("cl_cluster", "cl_name", "customers", "share", "revenue_share", "cl_median_recency",
            "cl_median_orders", "cl_median_spend", "cl_per_customer", "cl_segment")  # fmt: skip
    head = "".join(f"<th>{html.escape(t(k, lang))}</th>" for k in keys)
    rows = []
    for c in data["clusters"]:
        share = "-" if c["revenue_share"] is None else f"{c['revenue_share']:.1%}"
        segment = "-"
        if c["segment_label"] is not None:
            dot = f'<span class="dot" style="background:{css_color(c["segment_color"])}"></span>'
            segment = f"{dot}{html.escape(c['segment_label'])} ({c['segment_share']:.0%})"
        rows.append(
            "<tr>"
            f'<td><span class="dot" style="background:{_color(c["cluster"])}"></span>'
            f"{c['cluster']}</td><td>{html.escape(c['label'])}</td>"
            f'<td class="num">{c["customers"]:,}</td>'
            f'<td class="num">{c["customer_share"]:.1%}</td><td class="num">{share}</td>'
            f'<td class="num">{c["median_recency_days"]:,.0f}</td>'
            f'<td class="num">{c["median_frequency"]:,.1f}</td>'
            f'<td class="num">{c["median_monetary"]:,.2f}</td>'
            f'<td class="num">{c["revenue_per_customer"]:,.2f}</td><td>{segment}</td>'
            "</tr>"
        )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _color(cluster: int) -> str:
    return PALETTE[(cluster - 1) % len(PALETTE)]


def _scatter_option(data: dict, lang: str) -> dict:
    return {
        "tooltip": {"trigger": "item", "xLabel": t("cl_median_recency", lang),
                    "yLabel": t("cl_median_spend", lang)},
        "legend": {"type": "scroll", "bottom": 0},
        "grid": {"left": 8, "right": 24, "bottom": 48, "containLabel": True},
        "xAxis": {"type": "value", "name": t("recency_days", lang), "nameLocation": "middle",
                  "nameGap": 28},
        "yAxis": {"type": "log" if data["log"] else "value", "name": t("monetary", lang)},
        "series": [{"name": f"{c['cluster']} {c['label']}", "type": "scatter", "symbolSize": 4,
                    "itemStyle": {"color": _color(c["cluster"]), "opacity": 0.6},
                    "data": c["points"]} for c in data["clusters"]],
    }  # fmt: skip


def _curve_option(data: dict, lang: str) -> dict:
    rows = data["k_table"]
    chosen = {"symbol": "none", "silent": True, "label": {"formatter": f"k = {data['k']}"},
              "data": [{"xAxis": str(data["k"])}]}  # fmt: skip
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [t("cl_silhouette", lang), t("cl_inertia", lang)]},
        "grid": {"left": 8, "right": 8, "containLabel": True},
        "xAxis": {"type": "category", "name": "k", "data": [str(r["k"]) for r in rows]},
        "yAxis": [{"type": "value", "name": t("cl_silhouette", lang), "scale": True},
                  {"type": "value", "name": t("cl_inertia", lang), "scale": True}],
        "series": [
            {"name": t("cl_silhouette", lang), "type": "line", "markLine": chosen,
             "data": [r["silhouette"] for r in rows]},
            {"name": t("cl_inertia", lang), "type": "line", "yAxisIndex": 1,
             "lineStyle": {"type": "dashed"}, "data": [r["inertia"] for r in rows]},
        ],
    }  # fmt: skip
