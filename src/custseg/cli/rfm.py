"""The custseg command line: parse options, call the library, render, pick the exit code.

Exit codes: 0 success, 1 data or file error, 2 usage error.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from custseg.cli.changes import Tracked, Tracking, tracking_options
from custseg.cli.options import (
    Loader,
    chunked_option,
    lifecycle_options,
    loader_options,
    memory_limit_option,
    segment_option,
    source_file,
)
from custseg.cli.output import (
    OutputOptions,
    check_format,
    check_paths,
    emit,
    handle_errors,
    in_background,
    make_console,
    output_options,
    rows_dict,
)
from custseg.cli.predict import predict_options
from custseg.cli.progress import Progress, run_with_progress
from custseg.cli.scheme import Scheme, scheme_options, warn_rules
from custseg.cli.spark import Engine, check_source, engine_options
from custseg.report.safety import terminal_json, visible

if TYPE_CHECKING:
    from custseg.engines.run import RfmResult
    from custseg.engines.spark.run import SparkResult

    Result = RfmResult | SparkResult


@click.command()
@handle_errors
@source_file
@loader_options
@scheme_options
@lifecycle_options
@segment_option
@output_options
@click.option(
    "--actions",
    is_flag=True,
    help="Show the suggested action of each segment, and add an action column to -o.",
)
@click.option(
    "--thresholds", metavar="FILE", help="Write the cut points or edges used (JSON) to FILE."
)
@chunked_option
@memory_limit_option
@click.option(
    "--predict",
    "with_prediction",
    is_flag=True,
    help="Add the predictions of 'custseg predict' (p_alive, expected_orders, "
    "expected_spend, predicted_clv...) to the export, the summary and --json; the "
    "prediction options below apply only with it.",
)
@predict_options
@tracking_options
@engine_options
@click.option(
    "--profile",
    is_flag=True,
    help="Print the seconds spent in each phase (read, clean, aggregate, score, "
    "segment, write) as JSON on stderr.",
)
def rfm(file: str | None, load: Loader, scheme: Scheme, lifecycle, segments: tuple[str, ...],
        output: OutputOptions, actions: bool, thresholds: str | None, chunked: bool,
        memory_limit: int | None, with_prediction: bool, predict, tracking: Tracking,
        engine: Engine, profile: bool) -> None:  # fmt: skip
    """Score every customer's recency, frequency and monetary value and assign segments.

    FILE is an order export (CSV/TSV/TXT, gz/bz2/xz/zip, Parquet, .xlsx, JSON
    Lines, or '-' for CSV on stdin), or a database URL (postgresql://, mysql://,
    sqlite:///) with --table or --query, with a customer, a date and an amount column
    (or quantity and unit price); columns are found by common English and Chinese
    names or named with the --*-col options. Every row is used or left out with a
    reason, and the summary shows the counts.

    Exports have one row per customer, in the order of the customer's first row:
    customer_id, first_order, last_order, recency_days, frequency, monetary, aov,
    r_score, f_score, m_score, rfm_code, segment (stable name), lifecycle (new,
    active, returning, churned), segment_label (in --lang) and, with --actions,
    action; with --previous, previous_segment, segment_changed and change_reason;
    with --downgrade, days_to_downgrade and next_segment.

    \b
    Examples:
      custseg rfm data/sample_orders.csv
      custseg rfm orders.csv -o customers.parquet
      custseg rfm orders.csv --as-of today --segment churn-risk -o churn.csv
      custseg rfm postgresql://ann@db/shop --table sales.orders -o customers.csv
      custseg rfm orders.csv --scheme cn8 --lang zh --actions
      custseg rfm orders.csv --previous last.csv --changed-only -o moves.csv
      custseg rfm orders.csv --previous last.csv --entered churn-risk --ids-only
      custseg rfm orders.csv --scoring edges --r-edges 30,90,180,365 \\
          --f-edges 1,2,4,8 --m-edges 100,300,1000,3000
    """
    file = check_source(file, load, engine)
    if engine.spark:
        spec = predict if with_prediction else None
        return _rfm_on_spark(file, load, scheme, lifecycle, engine, segments, output, actions,
                             thresholds, profile, spec, chunked=chunked, memory_limit=memory_limit,
                             **tracking.flags())  # fmt: skip
    if not output.quiet:
        warn_rules(scheme)
    check_before_work(file, load, scheme, segments, output, thresholds)
    scheme, previous = tracking.prepare(scheme, with_prediction)
    if with_prediction:
        return _rfm_with_prediction(file, load, scheme, lifecycle, predict, segments, output,
                                    actions, thresholds, chunked, memory_limit)  # fmt: skip
    if not output.silent:  # the summary's renderer, imported while the job runs
        in_background(_import_renderer)
    progress = Progress(output.silent, file)
    result = run_with_progress(file, load, lifecycle, progress, scheme,
                               chunked=chunked or None, memory_limit=memory_limit,
                               quiet=output.quiet, excel_safe=output.excel_safe)  # fmt: skip
    tracked = tracking.follow(result, previous, scheme.lang)
    _write_and_print(result, tracked, scheme, output, actions, segments, profile, thresholds,
                     lifecycle.churn_days)  # fmt: skip


def _write_and_print(result: RfmResult, tracked: Tracked, scheme: Scheme, output: OutputOptions,
                     actions: bool, segments: tuple[str, ...], profile: bool,
                     thresholds: str | None, churn_days: int) -> None:  # fmt: skip
    """The export written (with what ``tracked`` adds) while the summary is laid out in a
    thread, then the summary printed."""
    rendered = None
    if not output.silent:  # laid out while the file is written
        # the Polars work here, not in the thread: there it would compete with the write
        tables = result.summary, result.levels, result.breakdown(churn_days)
        rendered = in_background(lambda: _render_summary(result, tables, scheme,
                                                         output.to_stdout, actions,
                                                         tracked))  # fmt: skip
    result.report.phases["write"] = emit(
        lambda: tracked.export(result, scheme.lang, actions, segments),
        output,
        result.plain_text(scheme.lang, actions),
    )
    _print_summary(result, scheme.lang, output, rendered, profile, thresholds, churn_days,
                   tracked)  # fmt: skip


def _rfm_on_spark(file, load, scheme, lifecycle, engine, segments, output, actions, thresholds,
                  profile, spec, **not_on_spark) -> None:  # fmt: skip
    """``rfm --engine spark``: Spark writes the per-customer folder; the summary, ``--json``
    and ``--thresholds`` as with the default engine (with ``spec``: ``--predict``'s)."""
    from custseg.cli.spark import check_spark_run, predict_on_spark_cli, run_on_spark

    check_spark_run(load, scheme, segments, output, **not_on_spark)
    if spec is not None:
        result, prediction = predict_on_spark_cli(file, load, scheme, lifecycle, engine, spec,
                                                  output, actions, segments)  # fmt: skip
        return _print_prediction(result, prediction, scheme, output, thresholds)
    result = run_on_spark(file, load, scheme, lifecycle, engine, output, actions, segments)
    tables = result.summary, result.levels
    rendered = None if output.silent else (
        lambda: _render_summary(result, tables, scheme, False, actions))  # fmt: skip
    _print_summary(result, scheme.lang, output, rendered, profile, thresholds)


def _print_summary(result: Result, lang: str, output: OutputOptions, rendered,
                   profile: bool, thresholds: str | None = None,
                   churn_days: int = 180, tracked: Tracked | None = None) -> None:  # fmt: skip
    """The cut points to ``--thresholds``, the phases' seconds (``--profile``, stderr), then
    the summary: JSON, or the tables ``rendered()`` laid out."""
    if thresholds:
        from custseg.io.writers import write_json

        write_json(_thresholds(result), thresholds)
    if profile:
        phases = {k: round(v, 3) for k, v in result.report.phases.items()}
        click.echo(json.dumps({"phases": phases}), err=True)
    if output.as_json:
        extra = tracked.summary() if tracked else {}
        click.echo(terminal_json(summary_dict(result, lang, churn_days) | extra, indent=2))
    elif rendered is not None:
        console, text = rendered()
        console.file.write(text)
        console.file.flush()


def _rfm_with_prediction(file, load, scheme, lifecycle, spec, segments, output, actions,
                         thresholds, chunked, memory_limit) -> None:  # fmt: skip
    """``rfm --predict``: the run with its purchase histories, the models fitted, and the
    prediction columns beside rfm's in the export, the summary and ``--json``."""
    from custseg.cli.predict import export_frame, run_prediction

    result, prediction = run_prediction(file, load, scheme, lifecycle, spec, output,
                                        chunked, memory_limit)  # fmt: skip
    emit(lambda: export_frame(result, prediction, scheme.lang, actions, segments), output)
    _print_prediction(result, prediction, scheme, output, thresholds, actions)


def _print_prediction(result: Result, prediction, scheme: Scheme, output: OutputOptions,
                      thresholds: str | None, actions: bool = False) -> None:  # fmt: skip
    """``rfm --predict``'s ``--thresholds``, then its summary: rfm's with the prediction's
    tables, or ``--json``."""
    from custseg.cli.predict import summary_dict as predict_dict
    from custseg.io.writers import write_json

    if thresholds:
        write_json(_thresholds(result), thresholds)
    if output.as_json:
        click.echo(terminal_json(predict_dict(result, prediction, scheme.lang), indent=2))
    elif not output.silent:
        from custseg.report.prediction import prediction_tables

        console, text = _render_summary(result, (result.summary, result.levels), scheme,
                                        output.to_stdout, actions)  # fmt: skip
        console.file.write(text + "\n")
        console.print(prediction_tables(result, prediction, scheme.lang))


def _import_renderer() -> None:
    import rich.console  # noqa: F401
    import rich.table  # noqa: F401
    import rich.text  # noqa: F401


def check_before_work(file: str, load: Loader, scheme: Scheme, segments: tuple[str, ...],
                       output: OutputOptions, thresholds: str | None) -> None:  # fmt: skip
    """Fail before any work on an unknown segment (exit 2), an output suffix that tells no
    format or an output path that cannot be written or names an input (exit 1)."""
    check_segments(segments, scheme.table)
    check_format(output)
    outputs = {**load.output_paths(output.path), "thresholds": thresholds}
    check_paths(file, outputs, scheme.rules_file, output)


def check_segments(segments, table) -> None:
    known = table.segment_names()
    for name in segments:
        if name not in known:
            raise click.BadParameter(
                f"{name!r} is not a segment of scheme {table.name!r}; choose from "
                f"{visible(', '.join(known))}",
                param_hint="--segment",
            )


def _thresholds(result: Result) -> dict:
    return {"scoring": result.scoring.method, "cut_points": result.cuts,
            "rule": "a value equal to a cut point falls in the lower-value bin"}  # fmt: skip


def summary_dict(result: Result, lang: str, churn_days: int = 180) -> dict:
    summary = result.summary
    info = result.table.info
    return {
        "as_of": result.report.as_of.isoformat(),
        "rows": rows_dict(result.report),
        "customers": result.customer_count,
        "scheme": result.table.name,
        "scoring": result.scoring.method,
        "bins": {k: len(v) + 1 for k, v in result.cuts.items()},
        "cut_points": result.cuts,
        "segments": {
            row["segment"]: {
                "customers": row["customers"],
                "revenue": row["revenue"],
                "label": info(row["segment"]).label_in(lang),
                "action": info(row["segment"]).action_in(lang),
            }
            for row in summary.iter_rows(named=True)
        },
    } | by_dict(result, churn_days)


def _render_summary(result: Result, tables: tuple, scheme: Scheme, to_stdout: bool,
                    actions: bool, tracked: Tracked | None = None):  # fmt: skip
    """The rich summary as text for its stream (stdout, or stderr when the file went to
    stdout; colour only on a terminal), and the console to print it with; ``tables``:
    the result's ``summary`` and ``levels``."""
    from custseg.report.terminal import rfm_summary

    console = make_console(stderr=to_stdout)
    per_segment, levels, *by = tables
    summary = rfm_summary(result.report, result.cuts, levels, per_segment, result.table,
                          result.scoring.method, scheme.lang, actions)  # fmt: skip
    with console.capture() as capture:
        console.print(summary)
        if by and by[0] is not None:
            from custseg.report.breakdown import by_view

            column = result.by_column or ""
            console.print(by_view(by[0], column, result.table, scheme.lang))
        if tracked is not None:
            console.print(tracked.view(result.table, scheme.lang))
    return console, capture.get()


def by_dict(result: Result, churn_days: int = 180, lifespan_years: float | None = None) -> dict:
    """``{"by": ...}`` for ``--json`` with a ``by`` column: the column, the majority rule
    and a row per value (its measures and ``segments``: customers per segment); else {}."""
    from custseg.measures.breakdown import RULE

    table = result.breakdown(churn_days, lifespan_years)
    if table is None:
        return {}
    values = []
    for row in table.iter_rows(named=True):
        mix = {k.removeprefix("segment:"): row.pop(k) for k in list(row) if
               k.startswith("segment:")}  # fmt: skip
        values.append({**row, "segments": mix})
    return {"by": {"column": result.by_column, "rule": RULE, "values": values}}
