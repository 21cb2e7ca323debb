"""The ``--by`` tables on the terminal: customers, revenue, shop measures and the largest
segment per value (:func:`custseg.measures.breakdown.breakdown`), and repeat buyers per
value (:func:`custseg.measures.breakdown.repeat_by`)."""

from __future__ import annotations

import polars as pl
from rich.console import Group
from rich.table import Table
from rich.text import Text

from custseg.report.i18n import t
from custseg.report.safety import plain, visible
from custseg.segments.rules import RuleTable

#: The columns of the breakdown table: (column, heading key, format).
_COLUMNS = (
    ("customers", "m_customers", "{:,.0f}"),
    ("customer_share", "by_share", "{:.1%}"),
    ("revenue", "m_revenue", "{:,.0f}"),
    ("revenue_share", "by_revenue_share", "{:.1%}"),
    ("aov", "m_aov", "{:,.2f}"),
    ("repurchase_rate", "m_repeat", "{:.1%}"),
    ("churn_rate", "m_churn", "{:.1%}"),
    ("clv", "m_clv", "{:,.0f}"),
)
_REPEAT_COLUMNS = (
    ("customers", "m_customers", "{:,.0f}"),
    ("repeat_buyers", "by_repeat", "{:,.0f}"),
    ("repeat_share", "by_share", "{:.1%}"),
    ("spend", "m_revenue", "{:,.0f}"),
)


def by_view(table: pl.DataFrame, column: str, rules: RuleTable | None, lang: str = "en",
            top: int = 20) -> Group:  # fmt: skip
    """The breakdown ``table`` (its first ``top`` values) titled by ``column``."""
    columns = _COLUMNS if "top_segment" not in table.columns else (
        *_COLUMNS, ("top_segment", "by_top_segment", "{}"))  # fmt: skip
    view = _table(t("by_title", lang, column=visible(column)), table.head(top), columns, lang,
                  rules)  # fmt: skip
    note = t("by_note", lang, values=table.height, shown=min(top, table.height))
    return Group(view, Text(note))


def repeat_by_view(table: pl.DataFrame, column: str, lang: str = "en", top: int = 20) -> Table:
    """Repeat buyers per value (:func:`custseg.measures.breakdown.repeat_by`)."""
    title = t("by_repeat_title", lang, column=visible(column))
    return _table(title, table.head(top), _REPEAT_COLUMNS, lang, None)


def _table(title: str, rows: pl.DataFrame, columns, lang: str,
           rules: RuleTable | None) -> Table:  # fmt: skip
    view = Table(title=Text(title), title_justify="left")  # Text: no markup in a name
    view.add_column(t("group", lang), no_wrap=True)
    for _, heading, _ in columns:
        view.add_column(t(heading, lang), justify="right", no_wrap=True)
    for row in rows.iter_rows(named=True):
        cells = [_cell(key, row[key], fmt, lang, rules) for key, _, fmt in columns]
        view.add_row(plain(row["by_value"]), *cells)
    return view


def _cell(key: str, value, fmt: str, lang: str, rules: RuleTable | None) -> str | Text:
    if value is None or value != value:
        return "-"
    if key == "top_segment":
        if rules is not None and lang == "zh" and value in rules.segment_names():
            return plain(rules.info(value).label_in(lang))
        return plain(value)
    return fmt.format(value)
