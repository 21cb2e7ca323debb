"""The scheme options: which rule table names the segments, how R, F and M become scores,
and the language of labels; handed to a command as one :class:`Scheme`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

from custseg.cli.options import option_group
from custseg.cli.params import BUILTIN_SCHEMES, SCORING_METHODS, NumberList
from custseg.report.i18n import LANGS

if TYPE_CHECKING:
    from custseg.segments.rules import RuleTable
    from custseg.segments.scoring import ScoringSpec


@dataclass(frozen=True)
class Scheme:
    """The rule table, the scoring spec (validated before any data is read) and the
    language of labels, headings and actions."""

    table: RuleTable
    scoring: ScoringSpec
    lang: str
    rules_file: str | None = None  # the --rules file, which no output may replace


def _scheme(scheme, rules_file, scoring, bins, r_edges, f_edges, m_edges, lang) -> Scheme:
    """Raises CustsegError (exit 1) for an unknown scheme, a malformed rule table and
    missing or unordered edges."""
    from custseg.report.i18n import default_lang
    from custseg.segments.rules import builtin_rules, load_rules
    from custseg.segments.scoring import ScoringSpec

    table = load_rules(rules_file) if rules_file else builtin_rules(scheme)
    edges = {"recency_days": r_edges, "frequency": f_edges, "monetary": m_edges}
    method = scoring or table.scoring or "quantile"
    bins = bins or (table.bins if table.scoring in (None, "quantile") else None) or 5
    spec = ScoringSpec(method=method, bins=bins, edges=edges)
    spec.levels()  # validates the edges before any data is read
    return Scheme(table, spec, lang or default_lang(), rules_file)


def warn_rules(scheme: Scheme) -> None:
    """Print the rule-table problems that change results as warnings on stderr."""
    from custseg.report.safety import visible
    from custseg.segments.rulecheck import check_table

    for problem in check_table(scheme.table, scheme.scoring.levels()):
        if problem.level == "warning":
            click.echo(f"Warning: {visible(problem.message, newlines=True)}", err=True)


_SCHEME = [
    click.option(
        "--scheme",
        default="default",
        show_default=True,
        metavar="NAME",
        help=f"Built-in segment scheme: {', '.join(BUILTIN_SCHEMES)} (see 'custseg schemes').",
    ),
    click.option(
        "--rules",
        "rules_file",
        type=click.Path(exists=True, dir_okay=False),
        help="Your own rule table (TOML) instead of --scheme.",
    ),
    click.option(
        "--scoring",
        type=click.Choice(SCORING_METHODS),
        help="How R, F, M become scores: quantile cut points (default), fixed "
        "--r/f/m-edges, or above/below the customers' mean (2 levels). "
        "Default: what the scheme asks for.",
    ),
    click.option(
        "--bins",
        type=click.IntRange(2, 20),
        default=None,
        help="Score levels for quantile scoring (default 5, or the scheme's).",
    ),
    click.option(
        "--r-edges",
        type=NumberList(),
        metavar="DAYS,...",
        help="Edges for --scoring edges, in days since the last order, e.g. "
        "30,90,180,365. N edges give N+1 scores; a value equal to an edge "
        "falls in the lower-value bin (30 days is 'within 30').",
    ),
    click.option(
        "--f-edges",
        type=NumberList(),
        metavar="N,...",
        help="Edges in orders, e.g. 1,2,4,8 (2 orders scores as '<= 2').",
    ),
    click.option(
        "--m-edges",
        type=NumberList(),
        metavar="X,...",
        help="Edges in money spent, e.g. 100,300,1000,3000.",
    ),
    click.option(
        "--lang",
        type=click.Choice(LANGS),
        default=None,
        help="Language of labels, headings and actions (default: from the "
        "locale; zh_* gives Chinese).",
    ),
]
#: Options that choose the rule table, the scoring and the language: ``scheme: Scheme``.
scheme_options = option_group("scheme", _SCHEME, _scheme)
