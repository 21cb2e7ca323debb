"""A rule table as a readable grid (``custseg rules show``).

Every text from the table (its name and description, segment names, labels, conditions,
actions, the problems found) goes in as :func:`plain` text: shown literally, never as Rich
markup or control characters."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from custseg.report.safety import plain, terminal_style
from custseg.segments.rulecheck import cell_segments, check_table
from custseg.segments.rules import RuleTable
from custseg.segments.scoring import ScoringSpec


def rules_grid(table: RuleTable, lang: str = "en") -> Group:
    """The rules in order, then which segment each R x F cell gets per M level."""
    grid = Table(title=plain(f"{table.name}: {table.description}"), title_justify="left")
    for name in ("#", "Segment", "Label", "R", "F", "M", "Other conditions", "Action"):
        grid.add_column(name, overflow="fold")
    for rule in table.rules:
        info = table.info(rule.segment)
        score = {k: (rule.condition(k).text if rule.condition(k) else "any") for k in "rfm"}
        raw = " and ".join(f"{c.key} {c.text}" for c in rule.conditions if c.key not in "rfm")
        cells = (info.label_in(lang), score["r"], score["f"], score["m"], raw,
                 info.action_in(lang))  # fmt: skip
        grid.add_row(str(rule.index), plain(rule.segment, terminal_style(info.color)),
                     *(plain(c) for c in cells))  # fmt: skip
    fallback = table.info(table.fallback)
    grid.add_row("-", plain(table.fallback), plain(fallback.label_in(lang)), "", "", "",
                 "(no rule matches)", plain(fallback.action_in(lang)))  # fmt: skip
    method = table.scoring if table.scoring in ("quantile", "mean") else "quantile"
    levels = ScoringSpec(method=method, bins=table.bins or 5).levels()
    parts = [grid, Text(""), _cell_map(table, levels)]
    for problem in check_table(table, levels):
        parts.append(plain(f"{problem.level}: {problem.message}"))
    return Group(*parts)


def _cell_map(table: RuleTable, levels: dict[str, int]) -> Table:
    """Rows R (best first), columns F x M: the segment of each score cell."""
    cells = cell_segments(table, levels)
    out = Table(
        title="Segment of each score cell (rules testing raw values aside)", title_justify="left"
    )
    out.add_column("R \\ F,M")
    combos = [(f, m) for f in range(1, levels["f"] + 1) for m in range(1, levels["m"] + 1)]
    short = len(combos) > 8
    columns = [(f, None) for f in range(1, levels["f"] + 1)] if short else combos
    for f, m in columns:
        out.add_column(f"F{f}" if m is None else f"F{f} M{m}", overflow="fold")
    for r in range(levels["r"], 0, -1):
        row: list[str | Text] = [f"R{r}"]
        for f, m in columns:
            if m is None:
                names = [cells[(r, f, mm)] for mm in range(1, levels["m"] + 1)]
                row.append(plain(_runs(names)))
            else:
                row.append(plain(cells[(r, f, m)]))
        out.add_row(*row)
    return out


def _runs(names: list[str]) -> str:
    """``M1-2 lost, M3-5 others``: the segments along M, as runs."""
    parts, start = [], 0
    for i in range(1, len(names) + 1):
        if i == len(names) or names[i] != names[start]:
            span = f"M{start + 1}" if i - start == 1 else f"M{start + 1}-{i}"
            parts.append(f"{span} {names[start]}")
            start = i
    return parts[0].split(" ", 1)[1] if len(parts) == 1 else ", ".join(parts)
