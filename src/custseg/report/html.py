"""Lay out :func:`custseg.report.data.report_data` as one self-contained, offline HTML page.

The charts use Apache ECharts (vendored in ``assets/``, inlined into the page): it
draws interactive charts (hover, legend toggles) from a JSON option per chart, renders
Chinese well, and at about 1 MB keeps the page small.

The page is safe to open whatever the rule table and the data hold: their text is
escaped where it is emitted (:mod:`custseg.report.safety`), the chart options are inlined
as escaped JSON in a data block that never runs, the tooltips set text (``report.js``),
a colour is emitted only if it is one, and a Content-Security-Policy lets the page run
its own two scripts (by hash) and fetch nothing at all.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
from importlib import resources

from custseg.report.i18n import reason, t
from custseg.report.safety import css_color, script_json

CHART_IDS = ("chart-segments", "chart-heatmap", "chart-recency_days", "chart-frequency",
             "chart-monetary", "chart-lifecycle")  # fmt: skip


def render_report(data: dict) -> str:
    """The whole page as a string."""
    lang = data["lang"]
    options = {
        "chart-segments": _segments_option(data, lang),
        "chart-heatmap": _heatmap_option(data, lang),
        "chart-lifecycle": _lifecycle_option(data, lang),
    }
    for dist in data["distributions"]:
        options[f"chart-{dist['measure']}"] = _distribution_option(dist, lang)
    prediction = ""
    if data.get("prediction"):
        from custseg.report.prediction_html import prediction_section

        prediction, more = prediction_section(data["prediction"], lang)
        options.update(more)
    cohort = ""
    if data.get("cohort"):
        from custseg.report.cohort_html import cohort_section

        cohort, more = cohort_section(data["cohort"], lang)
        options.update(more)
    if data.get("by"):
        from custseg.report.breakdown_html import by_section

        section, more = by_section(data["by"], lang)
        cohort, options = section + cohort, {**options, **more}
    if data.get("changes"):  # before the cohorts: what changed since the last run
        cohort = _changes(data["changes"], lang) + cohort
    if data.get("cluster"):
        from custseg.report.cluster_html import cluster_section

        section, more = cluster_section(data["cluster"], lang)
        prediction, options = prediction + section, {**options, **more}
    scripts = _scripts()
    return _PAGE.format(
        lang="zh-CN" if lang == "zh" else "en",
        csp=html.escape(content_security_policy(scripts)),
        title=html.escape(t("report_title", lang)),
        heading=html.escape(t("report_title", lang)),
        scheme=html.escape(_sub_line(data, lang)),
        kpis=_kpis(data, lang),
        rows=_rows(data, lang),
        seg_title=html.escape(t("seg_chart", lang)),
        seg_height=max(300, 70 * len(data["segments"]) + 80),
        heat_title=html.escape(t("heat_chart", lang)),
        dist_title=html.escape(t("dist_chart", lang)),
        dist_notes=_dist_notes(data, lang),
        repeat=_repeat(data, lang),
        life_title=html.escape(t("lifecycle_chart", lang, days=data["churn_days"])),
        rules_title=html.escape(t("rules_section", lang)),
        rules=_rules_table(data, lang),
        prediction=prediction,
        cohort=cohort,
        options=script_json(options),
        echarts=scripts[0],
        script=scripts[1],
    )


def _changes(data: dict, lang: str) -> str:
    """The section of ``report --previous`` (a table: no chart options)."""
    from custseg.report.changes_html import changes_section

    return changes_section(data, lang)[0]


@functools.cache
def _scripts() -> tuple[str, str]:
    """The page's two scripts: ECharts and ``report.js`` (which draws the charts)."""
    assets = resources.files("custseg.report") / "assets"
    echarts = (assets / "echarts.min.js").read_text("utf-8").replace("</script", "<\\/script")
    return echarts, (assets / "report.js").read_text("utf-8")


def content_security_policy(scripts: tuple[str, ...]) -> str:
    """The page's policy: run only ``scripts`` (by their SHA-256, so that no injected
    script or event handler could run), inline styles, ``data:`` images (ECharts' own),
    and fetch nothing: no script, style sheet, font, image or connection from anywhere,
    no ``<base>``, no form submission."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode("utf-8")).digest()).decode() + "'"
        for s in scripts
    )
    return (
        f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


def _sub_line(data: dict, lang: str) -> str:
    line = t("scheme_line", lang, scheme=data["scheme"], scoring=t(data["scoring"], lang))
    if data.get("source"):
        line = f"{t('source', lang)}: {data['source']} · {line}"
    return line


def _kpis(data: dict, lang: str) -> str:
    k = data["kpis"]
    cards = [
        ("kpi_customers", f"{k['customers']:,}"),
        ("kpi_orders", f"{k['orders']:,}"),
        ("kpi_revenue", f"{k['revenue']:,.2f}"),
        ("kpi_aov", "-" if k["aov"] is None else f"{k['aov']:,.2f}"),
        ("kpi_repurchase", f"{k['repurchase_rate']:.1%}"),
        ("kpi_as_of", k["as_of"]),
    ]
    return "".join(
        f'<div class="kpi"><div class="v">{html.escape(v)}</div>'
        f'<div class="k">{html.escape(t(key, lang))}</div></div>'
        for key, v in cards
    )


def _rows(data: dict, lang: str) -> str:
    rows = data["rows"]
    line = t("rows_line", lang, read=f"{rows['read']:,}", used=f"{rows['used']:,}")
    items = "".join(f"<li>{html.escape(reason(r, lang))}: {n:,}</li>"
                    for r, n in rows["left_out"].items())  # fmt: skip
    if not items:
        items = f"<li>{html.escape(t('nothing_left_out', lang))}</li>"
    return f"<p>{html.escape(line)}</p><ul>{items}</ul>"


def _repeat(data: dict, lang: str) -> str:
    r = data["repeat"]
    rule = t("repeat_rule", lang, orders=r["min_orders"], spend=f"{r['min_spend']:g}")
    facts = t(
        "repeat_facts",
        lang,
        n=f"{r['repeat_buyers']:,}",
        share=f"{r['customer_share']:.1%}",
        revenue_share=f"{r['revenue_share']:.1%}",
    )
    return (
        f"<h2>{html.escape(t('repeat_section', lang))}</h2>"
        f'<p class="big">{html.escape(facts)}</p><p>{html.escape(rule)}</p>'
        + _top_buyers(data.get("top_buyers"), lang)
    )


def _top_buyers(buyers: list[dict] | None, lang: str) -> str:
    """The repeat buyers who spent most, by id (``--include-ids`` only)."""
    if not buyers:
        return ""
    keys = ("customer_id", "orders", "spend", "last_order")
    head = "".join(f"<th>{html.escape(t(f'col_{k}', lang))}</th>" for k in keys)
    body = "".join(
        f"<tr><td><code>{html.escape(str(b['customer_id']))}</code></td>"
        f'<td class="num">{b["orders"]:,}</td><td class="num">{b["spend"]:,.2f}</td>'
        f"<td>{html.escape(b['last_order'].date().isoformat())}</td></tr>"
        for b in buyers
    )
    title = html.escape(t("top_buyers", lang, n=len(buyers)))
    return f"<h3>{title}</h3><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _dist_notes(data: dict, lang: str) -> str:
    notes = []
    for dist in data["distributions"]:
        if dist["clipped_above"] is not None:
            clipped = t("clipped", lang, v=f"{dist['clipped_above']:,.2f}")
            notes.append(f"{t(dist['measure'], lang)}: {clipped}")
    return "".join(f'<p class="note">{html.escape(n)}</p>' for n in notes)


def _rules_table(data: dict, lang: str) -> str:
    head = "".join(f"<th>{html.escape(t(k, lang))}</th>"
                   for k in ("segment", "customers", "rules", "action"))  # fmt: skip
    body = "".join(
        "<tr>"
        f'<td><span class="dot" style="background:{css_color(s["color"])}"></span>'
        f"{html.escape(s['label'])} <code>{html.escape(s['name'])}</code></td>"
        f'<td class="num">{s["customers"]:,}</td>'
        f"<td>{'<br>'.join(html.escape(r) for r in s['rules'])}</td>"
        f"<td>{html.escape(s['action'])}</td>"
        "</tr>"
        for s in data["segments"]
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _segments_option(data: dict, lang: str) -> dict:
    segs = list(reversed(data["segments"]))  # the first segment on top
    labels = [s["label"] for s in segs]

    def series(key: str, name: str, opacity: float) -> dict:
        return {
            "name": name, "type": "bar", "itemStyle": {"color": "#666666", "opacity": opacity},
            "data": [{"value": round(s[key] * 100, 2),
                      "itemStyle": {"color": css_color(s["color"]), "opacity": opacity},
                      "action": s["action"]} for s in segs],
            "label": {"show": True, "position": "right", "formatter": "{c}%"},
        }  # fmt: skip

    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"data": [t("customer_share", lang), t("revenue_share_long", lang)]},
        "grid": {"left": 8, "right": 48, "containLabel": True},
        "xAxis": {"type": "value", "axisLabel": {"formatter": "{value}%"}},
        "yAxis": {"type": "category", "data": labels},
        "series": [
            series("customer_share", t("customer_share", lang), 1.0),
            series("revenue_share", t("revenue_share_long", lang), 0.55),
        ],
    }


def _heatmap_option(data: dict, lang: str) -> dict:
    heat = data["heatmap"]
    counts = [c[2] for c in heat["cells"]]
    return {
        "tooltip": {"position": "top"},
        "grid": {"left": 8, "right": 16, "bottom": 60, "containLabel": True},
        "xAxis": {"type": "category", "name": "F", "splitArea": {"show": True},
                  "data": [str(f) for f in range(1, heat["f_levels"] + 1)]},
        "yAxis": {"type": "category", "name": "R", "splitArea": {"show": True},
                  "data": [str(r) for r in range(1, heat["r_levels"] + 1)]},
        "visualMap": {"min": 0, "max": max(counts) or 1, "calculable": True,
                      "orient": "horizontal", "left": "center", "bottom": 0},
        "series": [{"type": "heatmap", "data": heat["cells"], "label": {"show": True},
                    "meanLabel": t("mean_spend", lang),
                    "customersLabel": t("customers", lang)}],
    }  # fmt: skip


def _distribution_option(dist: dict, lang: str) -> dict:
    cuts = ", ".join(f"{c:,.2f}".rstrip("0").rstrip(".") for c in dist["cuts"])
    return {
        "title": {"text": t(dist["measure"], lang), "left": "center",
                  "textStyle": {"fontSize": 13},
                  "subtext": f"{t('cut_points', lang)}: {cuts}"},
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 8, "right": 16, "top": 64, "containLabel": True},
        "xAxis": {"type": "value", "scale": True},
        "yAxis": {"type": "value", "name": t("customers", lang)},
        "series": [{
            "type": "bar", "data": dist["bars"], "barWidth": "90%",
            "itemStyle": {"color": "#4393c3"},
            "markLine": {"symbol": "none", "lineStyle": {"color": "#d73027", "type": "dashed"},
                         "label": {"show": False},
                         "data": [{"xAxis": c} for c in dist["cuts"]]},
        }],
    }  # fmt: skip


def _lifecycle_option(data: dict, lang: str) -> dict:
    colors = {"new": "#4393c3", "active": "#1b7837", "returning": "#fdae61", "churned": "#bababa"}
    return {
        "tooltip": {"trigger": "item"},
        "legend": {"bottom": 0},
        "series": [{
            "type": "pie", "radius": ["35%", "65%"],
            "label": {"formatter": "{b}: {c} ({d}%)"},
            "data": [{"name": t(s, lang), "value": n, "itemStyle": {"color": colors[s]}}
                     for s, n in data["lifecycle"].items()],
        }],
    }  # fmt: skip


_PAGE = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "Helvetica Neue",
  Arial, sans-serif; margin: 0 auto; max-width: 1100px; padding: 24px; color: #222; }}
h1 {{ margin: 0 0 4px; }} h2 {{ margin-top: 32px; border-bottom: 1px solid #ddd; }}
.sub {{ color: #666; margin: 0 0 16px; }}
.kpis {{ display: grid; grid-template-columns: repeat(6, 1fr); gap: 12px; }}
.kpi {{ background: #f5f7fa; border-radius: 8px; padding: 12px; }}
.kpi .v {{ font-size: 22px; font-weight: 600; }} .kpi .k {{ color: #666; font-size: 13px; }}
.chart {{ width: 100%; height: 380px; }}
.grid3 {{ display: grid; grid-template-columns: repeat(3, 1fr); gap: 12px; }}
.grid3 .chart {{ height: 300px; }}
.two {{ display: grid; grid-template-columns: 1fr 1fr; gap: 24px; align-items: start; }}
table {{ border-collapse: collapse; width: 100%; font-size: 14px; }}
th, td {{ text-align: left; border-bottom: 1px solid #eee; padding: 6px 8px;
  vertical-align: top; }}
td.num {{ text-align: right; }} code {{ color: #888; font-size: 12px; }}
.dot {{ display: inline-block; width: 10px; height: 10px; border-radius: 50%;
  margin-right: 6px; }}
.big {{ font-size: 18px; font-weight: 600; }} .note {{ color: #888; font-size: 12px; }}
@media print {{ .chart {{ break-inside: avoid; }} }}
</style>
</head>
<body>
<h1>{heading}</h1>
<p class="sub">{scheme}</p>
<div class="kpis">{kpis}</div>
{rows}
<h2>{seg_title}</h2>
<div id="chart-segments" class="chart" style="height:{seg_height}px"></div>
<div class="two">
<div><h2>{heat_title}</h2><div id="chart-heatmap" class="chart"></div></div>
<div>{repeat}<h2>{life_title}</h2><div id="chart-lifecycle" class="chart"></div></div>
</div>
<h2>{dist_title}</h2>
<div class="grid3">
<div id="chart-recency_days" class="chart"></div>
<div id="chart-frequency" class="chart"></div>
<div id="chart-monetary" class="chart"></div>
</div>
{dist_notes}
{cohort}
{prediction}
<h2>{rules_title}</h2>
{rules}
<script type="application/json" id="custseg-options">{options}</script>
<script>{echarts}</script>
<script>{script}</script>
</body>
</html>
"""
