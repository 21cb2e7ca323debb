"""The "since the last run" section of the HTML report (``custseg report --previous``): the
counts and the migration matrix (customers and revenue per previous x current segment, new
and gone ones). Every text is escaped where it is emitted."""

from __future__ import annotations

import html

from custseg.report.changes import change_text


def changes_data(changes, table, lang: str, previous: str) -> dict:
    """The section's data: the file, its as-of day, the counts, the segments (name and
    label) and the cells ``[previous, current, customers, revenue]`` (None: new / gone)."""
    names = changes.segments
    labels = [table.info(n).label_in(lang) if table else n for n in names]
    day = changes.previous_as_of
    return {
        "previous": previous,
        "as_of": day.isoformat() if day else None,
        "counts": dict(changes.counts),
        "segments": [[n, label] for n, label in zip(names, labels, strict=True)],
        "cells": [list(row) for row in changes.matrix.iter_rows()],
        "cuts_source": changes.cuts_source,
    }


def changes_section(data: dict, lang: str) -> tuple[str, dict]:
    """The section's HTML (no chart: a table reads better here) and no chart options."""
    counts = {k: f"{v:,}" for k, v in data["counts"].items()}
    as_of = change_text("as_of", lang, day=data["as_of"]) if data["as_of"] else ""
    title = change_text("title", lang, file=data["previous"], as_of=as_of, **counts)
    found = {(p, c): (n, r) for p, c, n, r in data["cells"]}
    names = [n for n, _ in data["segments"]]
    heads = [html.escape(label) for _, label in data["segments"]]
    heads.append(html.escape(change_text("gone", lang)))
    head = "".join(f'<th class="num">{h}</th>' for h in heads)
    rows = []
    for row, label in [*data["segments"], [None, change_text("new", lang)]]:
        cells = []
        for col in [*names, None]:
            n, revenue = found.get((row, col), (0, 0.0))
            text = f"{n:,}<br><small>{revenue:,.2f}</small>" if n else "-"
            cells.append(f'<td class="num">{text}</td>')
        rows.append(f"<tr><th>{html.escape(label)}</th>{''.join(cells)}</tr>")
    corner = html.escape(change_text("corner", lang))
    parts = [
        f"<h2>{html.escape(title)}</h2>",
        f'<p class="note">{html.escape(change_text("cell_note", lang))}</p>',
        f"<table><thead><tr><th>{corner}</th>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>",
        f'<p class="note">{html.escape(change_text(data["cuts_source"], lang))}</p>',
    ]
    return "\n".join(parts), {}
