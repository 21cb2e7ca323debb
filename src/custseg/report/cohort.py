"""The terminal views of ``cohort`` (a shaded 同期群 table) and of the repurchase figures
``summary`` prints. Renderers: they return rich renderables and print nothing; colour
reaches only a terminal (the console decides)."""

from __future__ import annotations

from typing import Any

import polars as pl

from custseg.report.i18n import t
from custseg.report.safety import visible

#: Offsets shown on screen at most (the file has them all).
SCREEN_OFFSETS = 13


def measure_text(measure: str, cumulative: bool, lang: str) -> str:
    """What a cell of ``measure`` is, in words."""
    return t(f"cohort_{measure}{'_cum' if cumulative else ''}", lang)


def cell_text(value: float | None, measure: str) -> str:
    """A cell as printed: a share in %, orders with two decimals, money with thousands."""
    if value is None:
        return "-"
    if measure == "customers":
        return f"{value:.1%}"
    return f"{value:,.2f}"


def _shade(value: float | None, top: float) -> str:
    """A background from dark to green by ``value`` / ``top``."""
    if value is None or top <= 0:
        return ""
    share = max(0.0, min(1.0, value / top))
    green = int(60 + 140 * share)
    return f"on rgb({int(20 + 20 * share)},{green},{int(40 + 30 * share)})"


def cohort_view(long: pl.DataFrame, period: str, measure: str, cumulative: bool,
                as_of: str, lang: str) -> Any:  # fmt: skip
    """The table: a row per cohort (its label, new customers), a column per offset; cells
    shaded by value (the +0 column of customer shares, always 100%, apart)."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    offsets = len(long["period_offset"].unique())
    shown = min(offsets, SCREEN_OFFSETS)
    rest = long.filter(pl.col("period_offset") > 0) if measure == "customers" else long
    top = max((v for v in rest["value"].to_list() if v is not None), default=0.0)
    title = t("cohort_title", lang, period=t(f"period_{period}", lang),
              measure=measure_text(measure, cumulative, lang))  # fmt: skip
    table = Table()
    table.add_column(t("cohort_col", lang))
    table.add_column(t("cohort_new", lang), justify="right")
    for k in range(shown):
        table.add_column(f"+{k}", justify="right")
    for (label,), rows in long.group_by("cohort", maintain_order=True):
        values = rows.sort("period_offset")["value"].to_list()
        cells = []
        for k in range(shown):
            value = values[k] if k < len(values) else None
            plain = measure == "customers" and k == 0 and not cumulative
            style = "" if plain or k >= len(values) else _shade(value, top)
            cells.append(Text(cell_text(value, measure) if k < len(values) else "", style=style))
        table.add_row(visible(str(label)), f"{rows['customers'][0]:,}", *cells)
    notes = [t("cohort_last", lang, as_of=as_of)]
    if shown < offsets:
        notes.append(t("cohort_more", lang, n=offsets - shown))
    return Group(Text(title, style="bold"), table, *(Text(note, style="dim") for note in notes))


def repurchase_rows(figures: dict[str, Any], lang: str) -> list[tuple[str, str, str]]:
    """(measure, value, formula) per figure, in ``lang``."""

    def pct(value: float | None) -> str:
        return "-" if value is None else f"{value:.1%}"

    def num(value: float | None) -> str:
        return "-" if value is None else f"{value:,.1f}".removesuffix(".0")

    f = figures
    rows = [
        (t("rep_people", lang), pct(f["repurchase_rate_people"]),
         t("rep_people_f", lang, a=f"{f['repeat_buyers']:,}", b=f"{f['buyers']:,}")),
        (t("rep_people_day", lang), pct(f["repurchase_rate_people_by_day"]),
         t("rep_people_day_f", lang, a=f"{f['repeat_day_buyers']:,}", b=f"{f['buyers']:,}")),
        (t("rep_orders", lang), pct(f["repurchase_rate_orders"]),
         t("rep_orders_f", lang, a=f"{f['repeat_orders']:,}", b=f"{f['orders']:,}")),
        (t("rep_orders_day", lang), pct(f["repurchase_rate_orders_by_day"]),
         t("rep_orders_day_f", lang, a=f"{f['repeat_days']:,}", b=f"{f['purchase_days']:,}")),
        (t("rep_gap", lang), num(f["gap_median_days"]),
         t("rep_gap_f", lang, median=num(f["gap_median_days"]), q1=num(f["gap_q1_days"]),
           q3=num(f["gap_q3_days"]), n=f"{f['gaps']:,}")),
        (t("rep_churn", lang), num(f["suggested_churn_days"]), t("rep_churn_f", lang)),
    ]  # fmt: skip
    for w in f["windows"]:
        rows.append((t("rep_back", lang, start=w["from"], end=w["until"]), pct(w["rate"]),
                     t("rep_back_f", lang, next=w["next_until"], a=f"{w['returned']:,}",
                       b=f"{w['buyers']:,}")))  # fmt: skip
    return rows


def repurchase_view(figures: dict[str, Any], lang: str) -> Any:
    """The repurchase figures, each with its formula."""
    from rich.table import Table

    table = Table(title=t("rep_title", lang), title_justify="left")
    table.add_column(t("rep_measure", lang))
    table.add_column(t("rep_value", lang), justify="right")
    table.add_column(t("rep_formula", lang), style="dim")
    for row in repurchase_rows(figures, lang):
        table.add_row(*row)
    return table
