"""Static checks of a rule table over every score cell (``custseg rules check``).

A *cell* is one combination of R, F and M scores. Rules that also test raw values
(``orders``, ``recency_days``, ``monetary``) may or may not match a customer of a
cell, so they never count as taking or covering a cell.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from custseg.segments.rules import Rule, RuleTable

SCORE_KEYS = ("r", "f", "m")


@dataclass(frozen=True)
class Problem:
    """One finding: ``warning`` changes results; ``note`` is for information."""

    level: str
    message: str


def cells(levels: dict[str, int]) -> list[tuple[int, int, int]]:
    """Every (r, f, m) score cell for the given number of levels per score."""
    return list(itertools.product(*(range(1, levels[k] + 1) for k in SCORE_KEYS)))


def rule_admits(rule: Rule, cell: tuple[int, int, int]) -> bool:
    """Whether a rule's score conditions admit a cell (raw-value conditions ignored)."""
    return all(
        rule.condition(k) is None or rule.condition(k).admits(v)
        for k, v in zip(SCORE_KEYS, cell, strict=True)
    )


def cell_segments(table: RuleTable, levels: dict[str, int]) -> dict[tuple, str]:
    """The segment each cell gets when no raw-value rule intervenes."""
    out = {}
    for cell in cells(levels):
        rule = next((r for r in table.rules if not r.uses_raw_values and rule_admits(r, cell)),
                    None)  # fmt: skip
        out[cell] = rule.segment if rule else table.fallback
    return out


def check_table(table: RuleTable, levels: dict[str, int]) -> list[Problem]:
    """Problems that change results: conditions outside the score levels, rules that
    can never match, and score cells no rule covers (a ``note`` rather than a
    ``warning`` when the fallback segment is described in ``[segments]``, i.e. a
    deliberate catch-all)."""
    return [*_out_of_levels(table, levels), *_shadowed_and_uncovered(table, levels)]


def _out_of_levels(table: RuleTable, levels: dict[str, int]) -> list[Problem]:
    """Conditions outside the score levels (the rule never matches) or reaching beyond."""
    problems = []
    for rule in table.rules:
        for key in SCORE_KEYS:
            cond = rule.condition(key)
            if cond is None:
                continue
            where = f"rule {rule.index} ({rule.segment}): {key} {cond.text}"
            if not any(cond.admits(v) for v in range(1, levels[key] + 1)):
                problems.append(
                    Problem(
                        "warning",
                        f"{where} is outside the score levels "
                        f"1..{levels[key]}, so the rule never matches",
                    )  # fmt: skip
                )
            elif (cond.lo != float("-inf") and cond.lo < 1) or (
                cond.hi != float("inf") and cond.hi > levels[key]
            ):
                problems.append(
                    Problem(
                        "warning", f"{where} reaches beyond the score levels 1..{levels[key]}"
                    )  # fmt: skip
                )
    return problems


def _shadowed_and_uncovered(table: RuleTable, levels: dict[str, int]) -> list[Problem]:
    """Rules earlier rules leave no score cell to, and score cells no rule covers."""
    problems = []
    taken: set[tuple] = set()
    for rule in table.rules:
        mine = {c for c in cells(levels) if rule_admits(rule, c)}
        if mine and mine <= taken:
            earlier = sorted(
                {
                    r.index
                    for r in table.rules
                    if r.index < rule.index
                    and not r.uses_raw_values
                    and mine & _cells_of(r, levels)
                }
            )
            problems.append(
                Problem(
                    "warning",
                    f"rule {rule.index} ({rule.segment}) can never "
                    f"match: earlier rule(s) {', '.join(map(str, earlier))} take "
                    f"all of its {len(mine)} score cell(s)",
                )
            )
        if not rule.uses_raw_values:
            taken |= mine
    uncovered = [c for c in cells(levels) if c not in taken]
    if uncovered:
        shown = ", ".join("".join(map(str, c)) for c in uncovered[:12])
        more = f" and {len(uncovered) - 12} more" if len(uncovered) > 12 else ""
        # a fallback the table describes in [segments] is a deliberate catch-all
        level = "note" if table.fallback in table.segments else "warning"
        problems.append(
            Problem(
                level,
                f"{len(uncovered)} score cell(s) match no rule "
                f"(rfm codes {shown}{more}); those customers get the "
                f"fallback segment {table.fallback!r}",
            )
        )
    return problems


def _cells_of(rule: Rule, levels: dict[str, int]) -> set[tuple]:
    return {c for c in cells(levels) if rule_admits(rule, c)}
