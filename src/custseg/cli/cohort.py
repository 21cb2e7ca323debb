"""The ``cohort`` command: the 同期群 table of customers by the period of their first
purchase."""

from __future__ import annotations

from typing import Any

import click

from custseg.cli.options import (
    Loader,
    chunked_option,
    loader_options,
    memory_limit_option,
    order_file,
)
from custseg.cli.output import (
    OutputOptions,
    check_format,
    check_paths,
    emit,
    handle_errors,
    lang_option,
    make_console,
    rows_dict,
    table_output_options,
)
from custseg.cli.progress import Progress, run_with_progress
from custseg.report.safety import terminal_json
from custseg.schema import COHORT_MEASURES, PERIODS


@click.command()
@handle_errors
@order_file
@loader_options
@click.option("--period", type=click.Choice(PERIODS), default=PERIODS[0], show_default=True,
              help="Period of the cohorts and of the columns (weeks start on Monday).")  # fmt: skip
@click.option(
    "--measure",
    type=click.Choice(COHORT_MEASURES),
    default=COHORT_MEASURES[0],
    show_default=True,
    help="What a cell holds, for the cohort's n customers in that period: customers = "
    "share of the n who bought (retention); orders = orders / n; revenue = net revenue / "
    "n; aov = net revenue / orders.",
)
@click.option(
    "--cumulative",
    is_flag=True,
    help="Cells up to the period: orders and revenue summed from +0; customers = share "
    "of the cohort who bought again (in a later period than their first) by then.",
)
@click.option("--wide", is_flag=True,
              help="Write -o as a grid (a row per cohort: cohort, customers, +0, +1...) "
              "instead of the long form (cohort, period_offset, customers, orders, "
              "revenue, value).")  # fmt: skip
@table_output_options
@lang_option
@chunked_option
@memory_limit_option
def cohort(file: str, load: Loader, period: str, measure: str, cumulative: bool, wide: bool,
           output: OutputOptions, lang: str | None, chunked: bool,
           memory_limit: int | None) -> None:  # fmt: skip
    """Show the cohort table (同期群): customers grouped by the period of their first
    purchase (rows, with their number), followed +0, +1, +2... periods later
    (columns).

    Same loader, cleaning and row accounting as 'rfm': a cohort is the customers whose
    first purchase (an order of amount 0 or more, up to --as-of) is in that period; a
    cell counts their orders in use dated in that period (a return nets the revenue
    of its period; one dated before the first purchase counts at +0). Columns run to
    the period of the last order in use, which may be partial.
    -o writes the long form (cohort, period_offset, customers, orders, revenue, value:
    the counts of the cell and its --measure value), or with --wide a grid of values.

    \b
    Examples:
      custseg cohort orders.csv
      custseg cohort orders.csv --period week --measure revenue --cumulative
      custseg cohort orders.csv -o cohorts.csv --wide
      custseg cohort taobao.xlsx --lang zh --json
    """
    from custseg.measures.cohort import cohort_table, wide_table
    from custseg.measures.extras import Extras
    from custseg.measures.plan import Lifecycle
    from custseg.report.i18n import default_lang

    lang = lang or default_lang()
    check_format(output)
    check_paths(file, load.output_paths(output.path), output=output)
    result = run_with_progress(file, load, Lifecycle(), Progress(output.silent, file),
                               chunked=chunked or None, memory_limit=memory_limit,
                               quiet=output.quiet, lang=lang,
                               extras=Extras(cohort_period=period))  # fmt: skip
    assert result.extras is not None
    long = cohort_table(result.extras["cohort"], period, measure, cumulative)
    emit(lambda: wide_table(long) if wide else long, output)
    as_of = result.report.as_of.isoformat()
    if output.as_json:
        data = cohort_dict(long, period, measure, cumulative)
        data = {"as_of": as_of, "rows": rows_dict(result.report), **data}
        click.echo(terminal_json(data, indent=2, default=str))
    elif not output.quiet:
        from custseg.report.cohort import cohort_view

        view = cohort_view(long, period, measure, cumulative, as_of, lang)
        make_console(stderr=output.to_stdout).print(view)


def cohort_dict(long, period: str, measure: str, cumulative: bool) -> dict[str, Any]:
    """The table for ``--json``: its definition and, per cohort, its customers and the
    cells in offset order (counts and value)."""
    from custseg.report.cohort import measure_text

    cohorts = []
    for (label,), rows in long.group_by("cohort", maintain_order=True):
        cells = rows.drop("cohort").to_dicts()
        cohorts.append({"cohort": label, "customers": cells[0]["customers"], "cells": cells})
    return {
        "period": period,
        "measure": measure,
        "cumulative": cumulative,
        "value": measure_text(measure, cumulative, "en"),
        "value_zh": measure_text(measure, cumulative, "zh"),
        "cohorts": cohorts,
    }
