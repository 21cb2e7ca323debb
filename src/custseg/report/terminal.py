"""Rich renderables for the terminal. Functions return renderables; they never print.

Text from the data and the rule table (the source's name, notes naming its columns,
customer ids, segment names, labels and actions) goes in as :func:`plain` text: Rich
markup in it is shown, not applied, and control characters are shown as escapes."""

from __future__ import annotations

import polars as pl
from rich.console import Group
from rich.table import Table
from rich.text import Text

from custseg.orders.accounting import LoadReport
from custseg.report.i18n import reason, say, t
from custseg.report.safety import plain, terminal_style, visible
from custseg.schema import MEASURES
from custseg.segments.rules import RuleTable

_SCORE_NAMES = {"r_score": "R", "f_score": "F", "m_score": "M"}


def run_header(report: LoadReport, customers: int, lang: str = "en") -> Text:
    """As-of date and the row accounting, one fact per line."""
    left = report.rows_read - report.rows_used
    lines = [
        f"{t('source', lang)}: {report.source}",
        *(_capital(say(note, lang)) for note in report.all_notes()),
        f"{t('as_of', lang)}: {report.as_of.isoformat()}",
        t("rows", lang, read=f"{report.rows_read:,}", used=f"{report.rows_used:,}",
          left=f"{left:,}"),
    ]  # fmt: skip
    for name, n in report.left_out.items():
        if n:
            lines.append(t("left_out", lang, reason=reason(name, lang), n=f"{n:,}"))
    returns = t("returns", lang, n=f"{report.returns:,}") if report.returns else ""
    lines.append(t("orders", lang, orders=f"{report.orders:,}", returns=returns,
                   customers=f"{customers:,}"))  # fmt: skip
    return Text("\n".join(visible(line) for line in lines))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def cuts_table(cuts: dict[str, list[float]], levels: dict[str, list[int]], method: str,
               lang: str = "en") -> Table:  # fmt: skip
    """Cut points per measure and customers per score level (empty levels show 0)."""
    title = t("cuts_title", lang, method=t(method, lang))
    table = Table(title=title, title_justify="left")
    table.add_column(t("score", lang))
    table.add_column(t("measure", lang), no_wrap=True)
    table.add_column(t("cut_points", lang))
    width = max(len(v) for v in levels.values())
    for level in range(1, width + 1):
        table.add_column(f"={level}", justify="right")
    for measure, score_col, higher in MEASURES:
        shown = ", ".join(_num(c) for c in cuts[measure])
        direction = t("more_better" if higher else "fewer_better", lang)
        counts = [f"{n:,}" for n in levels[score_col]]
        counts += [""] * (width - len(counts))
        table.add_row(_SCORE_NAMES[score_col], f"{t(measure, lang)} ({direction})", shown,
                      *counts)  # fmt: skip
    return table


def segment_table(summary: pl.DataFrame, rules: RuleTable, lang: str = "en") -> Table:
    """The per-segment summary table, with a bar of each segment's share of customers (the
    largest segment's bar is full width)."""
    table = Table(title=t("segments_title", lang), title_justify="left")
    headings = ["segment", "customers", "share", "bars", "revenue", "revenue_share",
                "avg_recency", "avg_orders", "avg_spend"]  # fmt: skip
    for key in headings:
        table.add_column(t(key, lang), justify="left" if key in ("segment", "bars") else "right",
                         no_wrap=True)  # fmt: skip
    widest = max(summary["customer_share"].max() or 0.0, 1e-9)
    for row in summary.iter_rows(named=True):
        info = rules.info(row["segment"])
        style = terminal_style(info.color)
        name = plain(info.label_in(lang) if lang == "zh" else row["segment"], style)
        cells = [
            name,
            f"{row['customers']:,}",
            f"{row['customer_share']:.1%}",
            Text(bar(row["customer_share"] / widest), style=style),
            f"{row['revenue']:,.2f}",
            f"{row['revenue_share']:.1%}",
            _fmt(row["mean_recency_days"], "{:,.0f}"),
            _fmt(row["mean_frequency"], "{:,.2f}"),
            _fmt(row["mean_monetary"], "{:,.2f}"),
        ]
        table.add_row(*cells)
    return table


def actions_table(summary: pl.DataFrame, rules: RuleTable, lang: str = "en") -> Table:
    """Each segment's suggested action."""
    table = Table(title=t("action", lang), title_justify="left")
    table.add_column(t("segment", lang), no_wrap=True)
    table.add_column(t("action", lang), overflow="fold")
    for name in summary["segment"]:
        info = rules.info(name)
        shown = info.label_in(lang) if lang == "zh" else name
        table.add_row(plain(shown, terminal_style(info.color)), plain(info.action_in(lang)))
    return table


def bar(share: float, width: int = 12) -> str:
    """A horizontal bar of ``share`` (0..1 of the full width) in eighths of a character cell."""
    eighths = round(max(0.0, min(1.0, share)) * width * 8)
    full, part = divmod(eighths, 8)
    return "█" * full + (" ▏▎▍▌▋▊▉"[part] if part else "")


def rfm_summary(
    report: LoadReport,
    cuts,
    levels,
    summary: pl.DataFrame,
    rules: RuleTable,
    method: str = "quantile",
    lang: str = "en",
    actions: bool = False,
) -> Group:
    """Header, cut points and segment table, stacked."""
    customers = int(summary["customers"].sum())
    parts = [run_header(report, customers, lang), Text(""), cuts_table(cuts, levels, method, lang),
             Text(""), segment_table(summary, rules, lang)]  # fmt: skip
    if actions:
        parts += [Text(""), actions_table(summary, rules, lang)]
    return Group(*parts)


def _num(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"


def repeat_view(report: LoadReport, rule, facts: dict, buyers: pl.DataFrame,
                lang: str = "en") -> Group:  # fmt: skip
    """The repeat-buyer figures and the first rows of the list, headings and lifecycle
    statuses in ``lang`` (the ids, numbers and dates as they are)."""
    title = t("repeat_title", lang, orders=rule.min_orders, spend=_num(rule.min_spend))
    table = Table(title=title, title_justify="left")
    headings = ("customer_id", "orders", "spend", "first_order", "last_order",
                "avg_days_between_orders", "lifecycle")  # fmt: skip
    for name in headings:
        table.add_column(t(f"col_{name}", lang),
                         justify="right" if name in ("orders", "spend") else "left")  # fmt: skip
    for row in buyers.iter_rows(named=True):
        gap = row["avg_days_between_orders"]
        table.add_row(plain(row["customer_id"]), f"{row['orders']:,}", f"{row['spend']:,.2f}",
                      f"{row['first_order']:%Y-%m-%d}", f"{row['last_order']:%Y-%m-%d}",
                      "-" if gap is None else f"{gap:,.1f}", t(row["lifecycle"], lang))  # fmt: skip
    line = t(
        "repeat_facts",
        lang,
        n=f"{facts['repeat_buyers']:,}",
        share=f"{facts['customer_share']:.1%}",
        revenue_share=f"{facts['revenue_share']:.1%}",
    )
    parts = [run_header(report, facts["customers"], lang), Text(""), Text(line), Text(""), table]
    hidden = facts["repeat_buyers"] - buyers.height
    if hidden > 0:
        parts.append(Text(t("more_rows", lang, n=f"{hidden:,}")))
    return Group(*parts)


_METRICS = (
    ("customers", "m_customers", "{:,.0f}"),
    ("orders", "m_orders", "{:,.0f}"),
    ("revenue", "m_revenue", "{:,.0f}"),
    ("aov", "m_aov", "{:,.2f}"),
    ("repurchase_rate", "m_repeat", "{:.1%}"),
    ("cycle_mean_days", "m_cycle", "{:,.1f}"),
    ("cycle_median_days", "m_median", "{:,.1f}"),
    ("churn_rate", "m_churn", "{:.1%}"),
    ("clv", "m_clv", "{:,.0f}"),
    ("top20_revenue_share", "m_top20", "{:.1%}"),
)


def metrics_view(report: LoadReport, measures: pl.DataFrame, rules: RuleTable,
                 lang: str = "en") -> Group:  # fmt: skip
    """The measures table (all customers, then each segment) and the lifecycle counts."""
    table = Table(title=t("metrics_title", lang), title_justify="left")
    table.add_column(t("group", lang), no_wrap=True)
    for _, heading, _ in _METRICS:
        table.add_column(t(heading, lang), justify="right", no_wrap=True)
    life = Table(title=t("lifecycle_title", lang), title_justify="left")
    life.add_column(t("group", lang), no_wrap=True)
    for status in ("new", "active", "returning", "churned"):
        life.add_column(t(status, lang), justify="right")
    for row in measures.iter_rows(named=True):
        group = row["group"]
        name = (
            t("all", lang)
            if group == "all"
            else (rules.info(group).label_in(lang) if lang == "zh" else group)
        )
        shown = plain(name)
        table.add_row(shown, *[_fmt(row[key], fmt) for key, _, fmt in _METRICS])
        life.add_row(shown, *[f"{row[s]:,}" for s in ("new", "active", "returning", "churned")])
    first = measures.row(0, named=True)
    lifespan = first["lifespan_years"]
    note = t("metrics_note", lang) + "\n"
    if lifespan is None:
        note += t("clv_none", lang)
    else:
        note += t("clv_note", lang, years=f"{lifespan:.2f}")
    return Group(run_header(report, int(first["customers"]), lang), Text(""), table, Text(note),
                 Text(""), life)  # fmt: skip


def _fmt(value, fmt: str) -> str:
    """``fmt`` applied to ``value``; ``-`` for a missing or NaN value."""
    return "-" if value is None or value != value else fmt.format(value)
