"""The terminal view of a backtest: what was read, then per scheme who bought in the window
by segment, the schemes compared and the P(alive) deciles. Renderers: they return rich
renderables and print nothing."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from custseg.report.i18n import reason, say, t
from custseg.report.safety import plain, terminal_style, visible

if TYPE_CHECKING:
    from custseg.backtest.run import Backtest, SchemeFigures

_MODEL_NAMES = {"bgnbd": "BG/NBD", "mbgnbd": "MBG/NBD", "pnbd": "Pareto/NBD"}


def backtest_view(out: Backtest, lang: str = "en", notes: tuple[str, ...] = ()) -> Group:
    """The whole view; ``notes``: the model's notes, in ``lang``."""
    parts: list[Any] = [header(out, lang), Text("")]
    for scheme in out.schemes:
        parts += [scheme_table(out, scheme, lang), _auc_line(scheme.auc, lang), Text("")]
    if len(out.schemes) > 1:
        parts += [comparison_table(out, lang), Text("")]
    if out.deciles is not None:
        parts += [deciles_table(out, lang)]
        parts += [Text(visible(f"{t('pred_note', lang)}{note}")) for note in notes]
    return Group(*parts)


def header(out: Backtest, lang: str) -> Text:
    """The source, the day and the window, the row accounting (rows after the window's
    end named so), the overall figures and the customers in no segment."""
    report, spec, overall, new = out.result.report, out.spec, out.overall, out.newcomers
    left = report.rows_read - report.rows_used
    lines = [
        f"{t('source', lang)}: {report.source}",
        *(say(note, lang) for note in report.all_notes()),
        t("bt_as_of", lang, as_of=spec.as_of, customers=f"{out.result.frame.height:,}",
          scheme=out.schemes[0].name),
        t("bt_window", lang, start=spec.as_of + dt.timedelta(days=1), end=spec.window_end,
          days=spec.window_days),
        t("rows", lang, read=f"{report.rows_read:,}", used=f"{report.rows_used:,}",
          left=f"{left:,}"),
    ]  # fmt: skip
    for name, n in report.left_out.items():
        if n:
            why = t("bt_after_window", lang) if name == "after as-of" else reason(name, lang)
            lines.append(t("left_out", lang, reason=why, n=f"{n:,}"))
    lines.append(t("bt_overall", lang, buyers=f"{overall['buyers']:,}",
                   customers=f"{overall['customers']:,}", rate=_pct(overall["buy_rate"]),
                   orders=f"{overall['orders']:,}",
                   revenue=_money(overall["revenue"])))  # fmt: skip
    if new["customers"]:
        lines.append(t("bt_newcomers", lang, n=f"{new['customers']:,}",
                       orders=f"{new['orders']:,}", revenue=_money(new["revenue"])))  # fmt: skip
    return Text("\n".join(visible(line) for line in lines))


#: The columns on screen (orders per customer are in -o and --json).
_COLUMNS = ("segment", "customers", "bt_buyers", "bt_rate_ci", "bt_lift", "bt_orders", "revenue",
            "revenue_share", "bt_rev_per")  # fmt: skip


def scheme_table(out: Backtest, scheme: SchemeFigures, lang: str) -> Table:
    """Per segment, then for all customers: customers, buyers, buy rate and its interval,
    lift, orders, revenue, its share, revenue per customer."""
    title = t("bt_title", lang, scheme=visible(scheme.name), as_of=out.spec.as_of)
    table = Table(title=title, title_justify="left")
    for key in _COLUMNS:
        table.add_column(t(key, lang), justify="left" if key == "segment" else "right",
                         no_wrap=True)  # fmt: skip
    for row in scheme.figures.iter_rows(named=True):
        info = scheme.table.info(row["segment"])
        name = plain(info.label_in(lang) if lang == "zh" else row["segment"],
                     terminal_style(info.color))  # fmt: skip
        table.add_row(name, *_cells(row))
    table.add_section()
    table.add_row(Text(t("bt_all", lang), style="bold"), *_cells(out.overall))
    return table


def _cells(row: dict[str, Any]) -> list[str]:
    low, high = row["buy_rate_low"], row["buy_rate_high"]
    rate = "-" if low is None else f"{row['buy_rate']:.1%} ({100 * low:.1f}-{100 * high:.1f})"
    return [
        f"{row['customers']:,}",
        f"{row['buyers']:,}",
        rate,
        "-" if row["lift"] is None else f"{row['lift']:.2f}",
        f"{row['orders']:,}",
        _money(row["revenue"]),
        _pct(row["revenue_share"]),
        _money(row["revenue_per_customer"]),
    ]


def _auc_line(auc: float | None, lang: str) -> Text:
    text = t("bt_no_auc", lang) if auc is None else t("bt_auc", lang, auc=f"{auc:.3f}")
    return Text(text, style="dim")


def comparison_table(out: Backtest, lang: str) -> Group:
    """The schemes by their AUC, the best first, with their segments in use."""
    table = Table()
    table.add_column(t("bt_scheme", lang))
    for key in ("bt_segments_used", "bt_auc_col"):
        table.add_column(t(key, lang), justify="right")
    best = out.best_scheme
    ranked = sorted(out.schemes, key=lambda s: -1.0 if s.auc is None else -s.auc)
    for scheme in ranked:
        name = visible(scheme.name) + (f" ({t('bt_best', lang)})" if scheme.name == best else "")
        auc = "-" if scheme.auc is None else f"{scheme.auc:.3f}"
        table.add_row(name, f"{scheme.segments_used}", auc)
    title = Text(t("bt_compare_title", lang), style="italic")
    return Group(title, table, Text(t("bt_compare_note", lang), style="dim"))


def deciles_table(out: Backtest, lang: str) -> Group:
    """Per decile of P(alive): its customers, range and mean of P(alive), buyers and buy
    rate in the window, the model's expected and the actual transactions."""
    assert out.deciles is not None
    title = t("bt_deciles_title", lang, model=_MODEL_NAMES[out.spec.model], as_of=out.spec.as_of)
    table = Table()
    keys = ("bt_decile", "customers", "bt_p_range", "bt_p_mean", "bt_buyers", "bt_rate",
            "bt_expected", "bt_actual")  # fmt: skip
    for key in keys:
        table.add_column(t(key, lang), justify="right")
    for row in out.deciles.iter_rows(named=True):
        table.add_row(
            f"{row['decile']}",
            f"{row['customers']:,}",
            f"{row['p_alive_min']:.2f}-{row['p_alive_max']:.2f}",
            f"{row['p_alive_mean']:.2f}",
            f"{row['buyers']:,}",
            _pct(row["buy_rate"]),
            f"{row['expected_transactions']:,.1f}",
            f"{row['actual_transactions']:,}",
        )
    auc = "-" if out.p_alive_auc is None else f"{out.p_alive_auc:.3f}"
    note = Text(t("bt_deciles_note", lang, auc=auc), style="dim")
    if out.deciles.height == 1:  # every customer's P(alive) is the same
        note.append("\n" + t("bt_one_decile", lang), style="bold")
    return Group(Text(title, style="italic"), table, note)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _money(value: float | None) -> str:
    return "-" if value is None else f"{value:,.2f}"
