"""The ``schemes`` and ``rules`` commands: list, show, export and check rule tables."""

from __future__ import annotations

import click

from custseg.cli.output import handle_errors, make_console
from custseg.report.i18n import LANGS


@click.command()
@handle_errors
def schemes():
    """List the built-in segment schemes.

    \b
    Example:
      custseg schemes
      custseg rfm orders.csv --scheme rfm11
    """
    from rich.table import Table

    from custseg.report.safety import plain
    from custseg.segments.rules import builtin_names, builtin_rules

    table = Table(title="Built-in schemes", title_justify="left")
    for name in ("Scheme", "Scoring", "Segments", "Description"):
        table.add_column(name)
    for name in builtin_names():
        rules = builtin_rules(name)
        scoring = rules.scoring or "quantile"
        if scoring == "quantile" and rules.bins:
            scoring += f" ({rules.bins} levels)"
        table.add_row(plain(name), scoring, str(len(rules.segment_names())),
                      plain(rules.description))  # fmt: skip
    make_console().print(table)


@click.group()
def rules():
    """Show, export and check rule tables (segment schemes).

    \b
    Example:
      custseg rules show rfm11
      custseg rules export default > mine.toml
      custseg rules check mine.toml
    """


@rules.command("show")
@click.argument("name_or_file", default="default")
@click.option(
    "--lang",
    type=click.Choice(LANGS),
    default=None,
    help="Language of labels and actions (default: from the locale).",
)
@handle_errors
def rules_show(name_or_file, lang):
    """Print a rule table (a built-in NAME or a FILE) as a readable grid.

    \b
    Example:
      custseg rules show cn8 --lang zh
    """
    from custseg.report.i18n import default_lang
    from custseg.report.rules_grid import rules_grid
    from custseg.segments.rules import find_rules

    table = find_rules(name_or_file)
    make_console().print(rules_grid(table, lang or default_lang()))


@rules.command("export")
@click.argument("name")
@click.option(
    "-o", "--output", default="-", metavar="FILE", help="Write the TOML to FILE (default: stdout)."
)
@handle_errors
def rules_export(name, output):
    """Write a built-in scheme's TOML, to start a custom rule table from.

    \b
    Example:
      custseg rules export default -o mine.toml
    """
    from custseg.io.writers import atomic_path
    from custseg.segments.rules import builtin_rules

    text = builtin_rules(name).source_text
    if output == "-":
        click.echo(text, nl=False)
        return
    with atomic_path(output) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)


@rules.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--bins",
    type=click.IntRange(2, 20),
    default=None,
    help="Score levels to check against (default: the table's, else 5).",
)
@handle_errors
def rules_check(file, bins):
    """Check a rule table: syntax (with the line), unknown keys, ranges outside the score
    levels, rules that can never match, and score cells no rule covers.

    Exits 0 when nothing is found, 1 otherwise.

    \b
    Example:
      custseg rules check mine.toml
    """
    import sys

    from custseg.report.safety import visible
    from custseg.segments.rulecheck import check_table
    from custseg.segments.rules import load_rules
    from custseg.segments.scoring import ScoringSpec

    table = load_rules(file)
    method = table.scoring if table.scoring in ("quantile", "mean") else "quantile"
    spec = ScoringSpec(method=method, bins=bins or table.bins or 5)
    problems = check_table(table, spec.levels())
    for problem in problems:
        click.echo(f"{problem.level}: {visible(problem.message, newlines=True)}")
    if not problems:
        click.echo(
            f"{visible(file)}: {len(table.rules)} rules, {len(table.segment_names())} segments, "
            f"every score cell covered; no problems found"
        )
    sys.exit(1 if any(p.level == "warning" for p in problems) else 0)
