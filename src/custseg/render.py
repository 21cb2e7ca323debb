"""Rich renderables for the terminal. Functions return renderables; they never print."""

from __future__ import annotations

import polars as pl
from rich.console import Group
from rich.table import Table
from rich.text import Text

from .load import LoadReport
from .schema import MEASURES

_SCORE_NAMES = {"r_score": "R", "f_score": "F", "m_score": "M"}


def run_header(report: LoadReport, customers: int) -> Text:
    """As-of date and the row accounting, one fact per line."""
    lines = [
        f"Source: {report.source}",
        f"As of: {report.as_of.isoformat()}",
        f"Rows: {report.rows_read:,} read, {report.rows_used:,} used, "
        f"{report.rows_read - report.rows_used:,} left out",
    ]
    for reason, n in report.left_out.items():
        if n:
            lines.append(f"  left out, {reason}: {n:,}")
    returns = f" (+{report.returns:,} returns)" if report.returns else ""
    lines.append(f"Orders: {report.orders:,}{returns}   Customers: {customers:,}")
    return Text("\n".join(lines))


def cuts_table(cuts: dict[str, list[float]], levels: dict[str, list[int]]) -> Table:
    """Cut points per measure and customers per score level (empty levels show 0)."""
    table = Table(title="Score cut points", title_justify="left")
    table.add_column("Score")
    table.add_column("Measure", no_wrap=True)
    table.add_column("Cut points")
    for level in range(1, len(levels["r_score"]) + 1):
        table.add_column(f"={level}", justify="right")
    for measure, score_col, higher in MEASURES:
        shown = ", ".join(_num(c) for c in cuts[measure])
        direction = "more is better" if higher else "fewer is better"
        counts = [f"{int(n):,}" for n in levels[score_col]]
        table.add_row(_SCORE_NAMES[score_col], f"{measure} ({direction})", shown, *counts)
    return table


def segment_table(summary: pl.DataFrame, currency: str = "") -> Table:
    """The per-segment summary table."""
    table = Table(title="Segments", title_justify="left")
    for name in (
        "Segment",
        "Customers",
        "Share",
        "Revenue",
        "Rev. share",
        "Avg recency (d)",
        "Avg orders",
        "Avg spend",
    ):
        table.add_column(name, justify="left" if name == "Segment" else "right", no_wrap=True)
    for row in summary.iter_rows(named=True):
        table.add_row(
            str(row["segment"]),
            f"{row['customers']:,}",
            f"{row['customer_share']:.1%}",
            f"{currency}{row['revenue']:,.2f}",
            f"{row['revenue_share']:.1%}",
            _mean(row["mean_recency_days"], "{:,.0f}"),
            _mean(row["mean_frequency"], "{:,.2f}"),
            _mean(row["mean_monetary"], currency + "{:,.2f}"),
        )
    return table


def rfm_summary(report: LoadReport, cuts, levels, summary: pl.DataFrame) -> Group:
    """Header, cut points and segment table, stacked."""
    customers = int(summary["customers"].sum())
    return Group(
        run_header(report, customers),
        Text(""),
        cuts_table(cuts, levels),
        Text(""),
        segment_table(summary),
    )


def _num(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"


def _mean(value: float, fmt: str) -> str:
    return "-" if value is None or value != value else fmt.format(value)
