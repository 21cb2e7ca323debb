"""What changed since the last run, for the terminal (the migration matrix and a few lines)
and for ``--json``; the texts in English and Chinese. Segment names and the file's name
go in as :func:`plain` text."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from custseg.report.safety import plain, visible

if TYPE_CHECKING:
    from custseg.segments.changes import Changes
    from custseg.segments.rules import RuleTable

_TEXT: dict[str, tuple[str, str]] = {
    "title": (
        "Since the last run ({file}{as_of}): {stayed} stayed, {moved} moved, {new} new, "
        "{gone} gone",
        "与上次运行相比（{file}{as_of}）：未变 {stayed}，变动 {moved}，新增 {new}，消失 {gone}",
    ),
    "as_of": (", as of {day}", "，截止 {day}"),
    "corner": ("previous \\ now", "上次 \\ 本次"),
    "new": ("(new)", "（新客户）"),
    "gone": ("(gone)", "（已消失）"),
    "cell_note": (
        "Each cell: customers, then their revenue (today's; the gone: at the last run).",
        "每格：客户数，其下为消费金额（本次；已消失者为上次）。",
    ),
    "recomputed": (
        "Previous cut points: recomputed from the previous export (they give every "
        "score it holds).",
        "上次的分界点：由上次导出的指标重新计算（与其中每个评分一致）。",
    ),
    "current": (
        "Previous cut points: today's (they give every score the previous export "
        "holds: the cut points did not move).",
        "上次的分界点：与本次相同（与上次导出的每个评分一致：分界点未移动）。",
    ),
    "inferred": (
        "Previous cut points: inferred from the previous scores, each between two "
        "values (the export is not a whole run of this scoring).",
        "上次的分界点：由上次的评分推断，各在两个值之间（上次导出不是同一评分方式的完整结果）。",
    ),
    "frozen": (
        "Cut points frozen from {file} (--cuts-from).",
        "分界点沿用 {file}（--cuts-from）。",
    ),
    "downgrade": (
        "Without a purchase: {week} customers change segment within 7 days, {month} "
        "within 30, {quarter} within 90 (days_to_downgrade, next_segment in -o).",
        "若不再购买：{week} 位客户 7 天内变更分群，30 天内 {month} 位，90 天内 {quarter} 位"
        "（-o 中的 days_to_downgrade、next_segment）。",
    ),
}
#: The horizons the downgrade counts: 7, 30 and 90 days.
HORIZONS = {"week": 7, "month": 30, "quarter": 90}


def change_text(key: str, lang: str, **values: Any) -> str:
    """The text of ``key`` in ``lang``, formatted with ``values``."""
    en, zh = _TEXT[key]
    return (zh if lang == "zh" else en).format(**values)


def changes_dict(changes: Changes, previous: str) -> dict:
    """``--json``'s ``changes``: the file, its as-of day, the counts, the matrix (null:
    new / gone), customers who entered and left each segment, the previous cut points."""
    cells = changes.matrix
    moved = cells.filter(pl.col("previous_segment").ne_missing(pl.col("segment")))
    entered = (
        moved.filter(pl.col("segment").is_not_null())
        .group_by("segment")
        .agg(pl.col("customers").sum())
    )
    left = (
        moved.filter(pl.col("segment").is_not_null() & pl.col("previous_segment").is_not_null())
        .group_by("previous_segment")
        .agg(pl.col("customers").sum())
    )
    gone = cells.filter(pl.col("segment").is_null())
    as_of = changes.previous_as_of
    return {
        "previous": previous,
        "previous_as_of": as_of.isoformat() if as_of else None,
        "customers": changes.counts,
        "matrix": cells.to_dicts(),
        "entered": dict(entered.iter_rows()),
        "left": dict(left.iter_rows()),
        "gone": dict(gone.select("previous_segment", "customers").iter_rows()),
        "previous_cut_points": changes.previous_cuts,
        "previous_cut_points_found": changes.cuts_source,
        "warnings": changes.warnings,
    }


def downgrade_dict(drop: pl.DataFrame) -> dict:
    """``--json``'s ``downgrade``: customers whose segment changes within 7, 30 and 90
    days without a purchase, and per next segment."""
    days = drop["days_to_downgrade"]
    within = {f"within_{d}_days": int((days <= d).sum()) for d in HORIZONS.values()}
    per = drop.drop_nulls("next_segment").group_by("next_segment").len().sort("next_segment")
    return {**within, "never": days.null_count(), "next_segment": dict(per.iter_rows())}


def matrix_table(changes: Changes, table: RuleTable | None, lang: str = "en"):
    """Previous segment (rows, new last) x current segment (columns, gone last): each cell
    the customers and, below, their revenue."""
    from rich.table import Table

    names = changes.segments
    found = {(p, c): (n, r) for p, c, n, r in changes.matrix.iter_rows()}

    def shown(name: str | None, empty: str):
        if name is None:
            return change_text(empty, lang)
        return plain(table.info(name).label_in(lang) if table and lang == "zh" else name)

    view = Table(title=change_text("cell_note", lang), title_justify="left")
    view.add_column(change_text("corner", lang), no_wrap=True)
    columns = [*names, None]
    for name in columns:
        view.add_column(shown(name, "gone"), justify="right", no_wrap=True)
    for row in [*names, None]:
        cells = []
        for col in columns:
            n, revenue = found.get((row, col), (0, 0.0))
            cells.append(f"{n:,}\n{revenue:,.2f}" if n else "-")
        view.add_row(shown(row, "new"), *cells)
    return view


def tracked_view(tracked, table, lang: str = "en"):
    """The summary's additions: the frozen cut points, the moves since the last run
    (a title line, the matrix, how the previous cut points were found) and the counts of
    the days to the next segment change."""
    from rich.console import Group
    from rich.text import Text

    parts: list[Any] = []
    if tracked.tracking.cuts_from:
        frozen = change_text("frozen", lang, file=visible(tracked.tracking.cuts_from))
        parts += [Text(""), Text(frozen)]
    changes = tracked.changes
    if changes is not None:
        day = changes.previous_as_of
        counts = {k: f"{v:,}" for k, v in changes.counts.items()}
        title = change_text(
            "title",
            lang,
            file=visible(tracked.tracking.previous),
            as_of=change_text("as_of", lang, day=day.isoformat()) if day else "",
            **counts,
        )
        parts += [
            Text(""),
            Text(title),
            matrix_table(changes, table, lang),
            Text(change_text(changes.cuts_source, lang)),
            *(Text(f"Warning: {visible(w)}") for w in changes.warnings),
        ]
    if tracked.drop is not None:
        counts = downgrade_dict(tracked.drop)
        parts += [
            Text(""),
            Text(
                change_text(
                    "downgrade",
                    lang,
                    **{k: f"{counts[f'within_{d}_days']:,}" for k, d in HORIZONS.items()},
                )
            ),
        ]
    return Group(*parts)
