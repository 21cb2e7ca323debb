"""The ``repeat`` and ``summary`` commands: repeat buyers and the measures shops track."""

from __future__ import annotations

import json

import click

from custseg.cli.options import (
    emit,
    handle_errors,
    lifecycle_options,
    loader_options,
    make_console,
    output_options,
    repeat_options,
    resolve_scheme,
    run_with_progress,
    scheme_options,
)


@click.command()
@loader_options
@lifecycle_options
@repeat_options
@output_options
@click.option(
    "--top",
    type=click.IntRange(0),
    default=20,
    show_default=True,
    help="How many repeat buyers to list on screen (the file gets all).",
)
@handle_errors
def repeat(file, min_orders, min_spend, as_json, quiet, top, **kw):
    """List repeat buyers (老客户): at least --min-orders orders and more than --min-spend
    spent (defaults: 2 orders, more than 40), with orders, total spend, first and last
    order and average days between orders.

    Same loader, cleaning, --as-of and output formats as 'rfm'.

    \b
    Examples:
      custseg repeat orders.csv
      custseg repeat taobao.xlsx -o 老客户.xlsx
      custseg repeat orders.csv --min-orders 3 --min-spend 100 --ids-only -o ids.txt
    """
    from custseg.measures.repeat import RepeatRule, repeat_buyers, repeat_summary

    result = run_with_progress(file, kw, quiet or as_json)
    rule = RepeatRule(min_orders=min_orders, min_spend=min_spend)
    buyers = repeat_buyers(result.frame, rule)
    facts = repeat_summary(result.frame, buyers)
    to_stdout = kw["output"] == "-"
    emit(lambda: buyers, kw)
    if as_json:
        data = {
            "as_of": result.report.as_of.isoformat(),
            "rows": result.report.to_dict(),
            "rule": {"min_orders": min_orders, "min_spend_exclusive": min_spend},
            **facts,
        }
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    elif not quiet:
        from custseg.report.terminal import repeat_view

        view = repeat_view(result.report, rule, facts, buyers.head(top))
        make_console(stderr=to_stdout).print(view)


@click.command()
@loader_options
@scheme_options
@lifecycle_options
@click.option(
    "--lifespan-years",
    type=click.FloatRange(min=0, min_open=True),
    help="Expected customer lifespan for the lifetime value (default: estimated "
    "as 1 / churn rate of all customers).",
)
@click.option(
    "-o",
    "--output",
    metavar="PATH",
    help="Write the measures table (one row for all, then one per segment) to PATH.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "parquet", "json", "jsonl", "xlsx"]),
    help="Format of --output (default: from its suffix).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the measures as JSON on stdout.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@handle_errors
def summary(file, lifespan_years, output, fmt, as_json, quiet, **kw):
    """Report the customer measures shops track, for all customers and per segment:
    customers, orders, revenue, average order value, repurchase rate, purchase cycle,
    churn rate, historical lifetime value, top-20% revenue share and lifecycle counts.

    CLV = average order value x orders per customer per year x lifespan in years.

    \b
    Examples:
      custseg summary orders.csv
      custseg summary orders.csv --scheme cn8 --lang zh --churn-days 90
      custseg summary orders.csv --json > measures.json
    """
    from custseg.io.writers import format_for, write_frame
    from custseg.measures.shop import customer_metrics

    table, spec, lang = resolve_scheme(kw, quiet)
    if output:
        format_for(output, fmt)
    churn_days, new_days = kw["churn_days"], kw["new_days"]
    result = run_with_progress(file, kw, quiet or as_json, scoring=spec, table=table)
    measures = customer_metrics(result.frame, result.report.as_of, churn_days,
                                lifespan_years, table.segment_names())  # fmt: skip
    if output:
        write_frame(measures, output, format_for(output, fmt))
    if as_json:
        data = {
            "as_of": result.report.as_of.isoformat(),
            "rows": result.report.to_dict(),
            "scheme": table.name,
            "churn_days": churn_days,
            "new_days": new_days,
            "measures": measures.to_dicts(),
        }
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    elif not quiet:
        from custseg.report.terminal import metrics_view

        make_console(stderr=output == "-").print(metrics_view(result.report, measures, table, lang))


@click.command()
@loader_options
@scheme_options
@lifecycle_options
@click.option(
    "-o",
    "--output",
    default="report.html",
    show_default=True,
    metavar="PATH",
    help="Where to write the HTML report.",
)
@repeat_options
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@handle_errors
def report(file, output, min_orders, min_spend, quiet, **kw):
    """Write a one-page HTML report to open, share and print: key figures, row
    accounting, segment sizes and revenue, an R x F heatmap, the R/F/M distributions
    with their cut points, repeat buyers, lifecycle and the segment rules and actions.

    The file is self-contained and works offline (the charts are inlined).

    \b
    Examples:
      custseg report data/sample_orders.csv -o report.html
      custseg report taobao.xlsx --scheme cn8 --lang zh -o 报告.html
    """
    from custseg.io.writers import atomic_path
    from custseg.measures.repeat import RepeatRule
    from custseg.report.data import report_data
    from custseg.report.html import render_report

    table, spec, lang = resolve_scheme(kw, quiet)
    churn_days = kw["churn_days"]
    result = run_with_progress(file, kw, quiet, scoring=spec, table=table)
    data = report_data(result, lang, RepeatRule(min_orders, min_spend), churn_days)
    page = render_report(data)
    with atomic_path(output) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        fh.write(page)
    if not quiet:
        size = len(page.encode("utf-8")) / 1e6
        click.echo(f"Wrote {output} ({size:.1f} MB, {result.frame.height:,} customers)", err=True)
