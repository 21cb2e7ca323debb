"""The ``repeat`` and ``summary`` commands: repeat buyers and the measures shops track."""

from __future__ import annotations

import click

from custseg.cli.changes import report_tracking_options
from custseg.cli.cluster import cluster_options
from custseg.cli.options import (
    Loader,
    lifecycle_options,
    loader_options,
    order_file,
    repeat_options,
    source_file,
)
from custseg.cli.output import (
    OutputOptions,
    check_format,
    check_paths,
    emit,
    handle_errors,
    lang_option,
    make_console,
    output_options,
    quiet_option,
    rows_dict,
    table_output_options,
)
from custseg.cli.params import Days
from custseg.cli.predict import predict_options
from custseg.cli.progress import Progress, run_with_progress
from custseg.cli.scheme import Scheme, scheme_options, warn_rules
from custseg.cli.spark import Engine, check_source, engine_options, report_on_spark
from custseg.report.safety import terminal_json


@click.command()
@handle_errors
@source_file
@loader_options
@lifecycle_options
@repeat_options
@output_options
@lang_option
@click.option(
    "--top",
    type=click.IntRange(0),
    default=20,
    show_default=True,
    help="How many repeat buyers to list on screen (the file gets all).",
)
@engine_options
def repeat(file: str | None, load: Loader, lifecycle, rule, output: OutputOptions, lang: str | None,
           top: int, engine: Engine) -> None:  # fmt: skip
    """List repeat buyers (老客户): at least --min-orders orders and more than --min-spend
    spent (defaults: 2 orders, more than 40), with orders, total spend, first and last
    order and average days between orders.

    Same loader, cleaning, --as-of and output formats as 'rfm'; with --engine spark,
    the customers are measured in Spark and only the repeat buyers come to this machine.

    \b
    Examples:
      custseg repeat orders.csv
      custseg repeat taobao.xlsx -o 老客户.xlsx
      custseg repeat orders.csv --min-orders 3 --min-spend 100 --ids-only -o ids.txt
      custseg repeat orders.csv --lang zh
    """
    from custseg.measures.breakdown import MISSING, repeat_by
    from custseg.measures.repeat import repeat_buyers, repeat_summary
    from custseg.report.i18n import default_lang

    file = check_source(file, load, engine)
    check_format(output)  # a bad suffix fails before any work
    check_paths(file, load.output_paths(output.path), output=output)
    if engine.spark:
        from custseg.engines.spark.shop import repeat_frames

        result = report_on_spark(file, load, lifecycle, engine, lang, output.quiet)
        candidates, customers = repeat_frames(result, rule)
    else:
        result = run_with_progress(file, load, lifecycle, Progress(output.silent, file),
                                   quiet=output.quiet, lang=lang,
                                   excel_safe=output.excel_safe)  # fmt: skip
        candidates = customers = result.frame
    by_values = result.by_values
    if by_values is not None:
        candidates = customers = customers.with_columns(by_values.fill_null(MISSING))
    buyers = repeat_buyers(candidates, rule)
    facts = repeat_summary(customers, buyers)
    per_value = repeat_by(customers, buyers) if by_values is not None else None
    emit(lambda: buyers, output)
    if output.as_json:
        data = {
            "as_of": result.report.as_of.isoformat(),
            "rows": rows_dict(result.report),
            "rule": {"min_orders": rule.min_orders, "min_spend_exclusive": rule.min_spend},
            **facts,
        }
        data |= _repeat_by_dict(per_value, result.by_column)
        click.echo(terminal_json(data, indent=2))
    elif not output.quiet:
        from custseg.report.terminal import repeat_view

        view = repeat_view(result.report, rule, facts, buyers.head(top), lang or default_lang())
        _print(output, view, per_value, by_column=result.by_column,
               lang=lang or default_lang())  # fmt: skip


@click.command()
@handle_errors
@source_file
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
    "--window",
    type=Days(),
    default="30d",
    show_default=True,
    help="Window of the buy-back rate (回购率): of the buyers of one window, the share "
    "who bought again in the next; windows end on --as-of (30d, 4w, 90).",
)
@table_output_options
@engine_options
def summary(file: str | None, load: Loader, scheme: Scheme, lifecycle, lifespan_years: float | None,
            window: int, output: OutputOptions, engine: Engine) -> None:  # fmt: skip
    """Report the customer measures shops track, for all customers and per segment:
    customers, orders, revenue, average order value, repurchase rate, purchase cycle,
    churn rate, historical lifetime value, top-20% revenue share and lifecycle counts.

    CLV = average order value x orders per customer per year x lifespan in years.

    Then the repurchase measures side by side, each with its formula: 复购率 by
    people (buyers with 2+ orders / buyers) and by orders (orders after each buyer's
    first / orders), each also with purchases on one day counted once (按天去重);
    回购率 for the latest 6 pairs of consecutive --window windows; the days between a
    buyer's consecutive purchase days (median, quartiles); and a churn window
    suggested from them: their 90th percentile, rounded up.

    \b
    Examples:
      custseg summary orders.csv
      custseg summary orders.parquet --engine spark --json
      custseg summary orders.csv --scheme cn8 --lang zh --churn-days 90
      custseg summary orders.csv --json > measures.json
      custseg summary orders.csv --window 4w
    """
    from custseg.measures.extras import Extras
    from custseg.measures.repurchase import repurchase_figures
    from custseg.measures.shop import customer_metrics

    file = check_source(file, load, engine)
    if not output.quiet:
        warn_rules(scheme)
    check_format(output)
    check_paths(file, load.output_paths(output.path), scheme.rules_file,
                output)  # fmt: skip
    result, customers = _measured(file, load, scheme, lifecycle, engine, output,
                                  Extras(window_days=window))  # fmt: skip
    assert result.extras is not None
    figures = repurchase_figures(result.extras, result.report.as_of, window)
    measures = customer_metrics(customers, result.report.as_of, lifecycle.churn_days,
                                lifespan_years, scheme.table.segment_names())  # fmt: skip
    by = result.breakdown(lifecycle.churn_days, lifespan_years)
    emit(lambda: _with_breakdown(measures, by), output)
    if output.as_json:
        data = _summary_json(result, scheme, lifecycle, measures, figures, lifespan_years)
        click.echo(terminal_json(data, indent=2, default=str))
    elif not output.quiet:
        from custseg.report.cohort import repurchase_view
        from custseg.report.terminal import metrics_view

        view = metrics_view(result.report, measures, scheme.table, scheme.lang)
        _print(output, view, repurchase_view(figures, scheme.lang), by,
               by_column=result.by_column, lang=scheme.lang,
               rules=scheme.table)  # fmt: skip


def _summary_json(result, scheme: Scheme, lifecycle, measures, figures,
                  lifespan_years: float | None) -> dict:  # fmt: skip
    """``summary --json``: the accounting, the measures, the repurchase figures and, with
    ``--by``, the breakdown."""
    from custseg.cli.rfm import by_dict

    by = by_dict(result, lifecycle.churn_days, lifespan_years)
    return {
        "as_of": result.report.as_of.isoformat(),
        "rows": rows_dict(result.report),
        "scheme": scheme.table.name,
        "churn_days": lifecycle.churn_days,
        "new_days": lifecycle.new_days,
        "measures": measures.to_dicts(),
        "repurchase": repurchase_dict(figures),
        **by,
    }


def _print(output: OutputOptions, *views, by_column: str | None = None, lang: str = "en",
           rules=None) -> None:  # fmt: skip
    """``views`` on the console of the summary (stderr when the file went to stdout); a
    breakdown frame among them (``--by``) shown by value: customers per value
    (:func:`custseg.report.breakdown.by_view`) when it has segments, else repeat buyers."""
    import polars as pl

    from custseg.report.breakdown import by_view, repeat_by_view

    console = make_console(stderr=output.to_stdout)
    for view in views:
        if isinstance(view, pl.DataFrame) and "repeat_buyers" in view.columns:
            view = repeat_by_view(view, by_column or "", lang)
        elif isinstance(view, pl.DataFrame):
            view = by_view(view, by_column or "", rules, lang)
        if view is not None:
            console.print(view)


def _repeat_by_dict(per_value, column: str | None) -> dict:
    """``{"by": ...}`` of ``repeat --json``: repeat buyers per value; {} without ``--by``."""
    from custseg.measures.breakdown import RULE

    if per_value is None:
        return {}
    return {"by": {"column": column, "rule": RULE, "values": per_value.to_dicts()}}


def _with_breakdown(measures, by):
    """The measures' file: all customers and each segment (``group``), then, with
    ``--by``, a row per value (``group`` ``by``, the value in ``by_value``)."""
    import polars as pl

    if by is None:
        return measures
    rows = by.with_columns(group=pl.lit("by")).select(pl.exclude(r"^segment:.*$"))
    return pl.concat([measures, rows], how="diagonal_relaxed")


def _measured(file, load, scheme, lifecycle, engine, output, extras):
    """The run of ``summary`` on its engine, and the per-customer frame (Polars, on this
    machine) the shop measures are computed from."""
    if engine.spark:
        from custseg.engines.spark.shop import shop_customers

        result = report_on_spark(file, load, lifecycle, engine, scheme.lang, output.quiet,
                                 scheme, extras)  # fmt: skip
        return result, shop_customers(result)
    result = run_with_progress(file, load, lifecycle, Progress(output.silent, file), scheme,
                               quiet=output.quiet, extras=extras)  # fmt: skip
    return result, result.frame


def repurchase_dict(figures: dict) -> dict:
    """The repurchase figures for ``--json``, and each as printed: its name, value and
    formula in English and Chinese."""
    from custseg.report.cohort import repurchase_rows

    rows = zip(repurchase_rows(figures, "en"), repurchase_rows(figures, "zh"), strict=True)
    printed = [{"name": en[0], "name_zh": zh[0], "value": en[1], "formula": en[2],
                "formula_zh": zh[2]} for en, zh in rows]  # fmt: skip
    return {**figures, "printed": printed}


@click.command()
@handle_errors
@order_file
@loader_options
@scheme_options
@lifecycle_options
@click.option(
    "-o",
    "--output",
    "path",
    default="report.html",
    show_default=True,
    metavar="PATH",
    help="Where to write the HTML report.",
)
@repeat_options
@click.option(
    "--predict",
    "with_prediction",
    is_flag=True,
    help="Add a section with the predictions of 'custseg predict': the fitted models, "
    "P(alive) and predicted value by segment and, with --calibration-end, the weekly "
    "cumulative repeat transactions, actual against the model.",
)
@predict_options
@click.option(
    "--cohort",
    "with_cohort",
    is_flag=True,
    help="Add a heatmap of the monthly cohorts (同期群): the share of each month's new "
    "customers who bought in each later month, as 'custseg cohort' computes it.",
)
@click.option(
    "--cluster",
    "with_cluster",
    is_flag=True,
    help="Add a section with the clusters of 'custseg cluster': their table, recency "
    "against spend coloured by cluster (at most 5,000 customers, a seeded sample) and "
    "the choice of k; the clustering options below apply only with it.",
)
@cluster_options
@click.option(
    "--include-ids",
    is_flag=True,
    help="List the 20 repeat buyers who spent most by customer id (pseudonyms with "
    "--pseudonymize). Default: the report holds no customer id.",
)
@report_tracking_options
@quiet_option
def report(file: str, load: Loader, scheme: Scheme, lifecycle, path: str, rule,
           with_prediction: bool, predict, with_cohort: bool, with_cluster: bool, cluster,
           include_ids: bool, tracking, quiet: bool) -> None:  # fmt: skip
    """Write a one-page HTML report to open, share and print: key figures, row
    accounting, segment sizes and revenue, an R x F heatmap, the R/F/M distributions
    with their cut points, repeat buyers, lifecycle and the segment rules and actions.

    The file is self-contained and works offline (the charts are inlined). It holds
    no customer id, unless --include-ids.

    \b
    Examples:
      custseg report data/sample_orders.csv -o report.html
      custseg report taobao.xlsx --scheme cn8 --lang zh -o 报告.html
      custseg report orders.csv --cohort --predict
      custseg report orders.csv --cluster --k 4 -o report.html
      custseg report orders.csv --previous last.csv -o report.html
    """
    from custseg.io.writers import atomic_path
    from custseg.measures.extras import Extras
    from custseg.report.data import report_data
    from custseg.report.html import render_report

    if not quiet:
        warn_rules(scheme)
    check_paths(file, load.output_paths(path), scheme.rules_file)
    scheme, previous = tracking.prepare(scheme)
    prediction, extras = None, Extras(cohort_period="month") if with_cohort else None
    if with_prediction or predict.calibration_end:
        from custseg.cli.output import OutputOptions
        from custseg.cli.predict import run_prediction

        result, prediction = run_prediction(file, load, scheme, lifecycle, predict,
                                            OutputOptions(quiet=quiet),
                                            extras=extras)  # fmt: skip
    else:
        result = run_with_progress(file, load, lifecycle, Progress(quiet, file), scheme,
                                   quiet=quiet, extras=extras)  # fmt: skip
    clustering = None
    if with_cluster:
        from custseg.cluster.run import cluster_customers

        clustering = cluster_customers(result, cluster.k, cluster.features, cluster.on,
                                       cluster.seed, lang=scheme.lang)  # fmt: skip
    changes = tracking.follow(result, previous, scheme.lang).changes
    data = report_data(result, scheme.lang, rule, lifecycle.churn_days, prediction, clustering,
                       include_ids, changes, tracking.previous or "")  # fmt: skip
    page = render_report(data)
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        fh.write(page)
    if not quiet:
        from custseg.report.i18n import t
        from custseg.report.safety import visible

        size = f"{len(page.encode('utf-8')) / 1e6:.1f}"
        click.echo(t("wrote_report", scheme.lang, path=visible(path), size=size,
                     customers=f"{result.frame.height:,}"), err=True)  # fmt: skip
