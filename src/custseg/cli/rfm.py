"""The custseg command line: parse options, call the library, render, pick the exit code.

Exit codes: 0 success, 1 data or file error, 2 usage error.
"""

from __future__ import annotations

import json

import click

from custseg.cli.options import (
    ByteSize,
    Progress,
    emit,
    handle_errors,
    in_background,
    lifecycle_of,
    lifecycle_options,
    load_options,
    loader_options,
    make_console,
    output_options,
    preload,
    resolve_scheme,
    run_with_progress,
    scheme_options,
)


@click.command()
@loader_options
@scheme_options
@lifecycle_options
@click.option(
    "--segment",
    "segments",
    multiple=True,
    metavar="NAME",
    help="Keep only customers of this segment in the output (repeatable).",
)
@output_options
@click.option(
    "--actions",
    is_flag=True,
    help="Show the suggested action of each segment, and add an action column to -o.",
)
@click.option(
    "--thresholds", metavar="FILE", help="Write the cut points or edges used (JSON) to FILE."
)
@click.option(
    "--chunked",
    is_flag=True,
    help="Process the file in customer partitions, within --memory-limit (automatic "
    "when the file would not fit: about 4 bytes of memory per byte of CSV).",
)
@click.option(
    "--memory-limit",
    type=ByteSize(),
    metavar="SIZE",
    help="Memory this run may use, e.g. 3G (default: the cgroup limit, else the "
    "memory available now). Files that would not fit are processed in parts.",
)
@click.option(
    "--profile",
    is_flag=True,
    help="Print the seconds spent in each phase (read, clean, aggregate, score, "
    "segment, write) as JSON on stderr.",
)
@handle_errors
def rfm(segments, as_json, quiet, actions, thresholds, profile, file, **kw):
    """Score every customer's recency, frequency and monetary value and assign segments.

    FILE is an order export (CSV/TSV/TXT, gz/bz2/xz/zip, Parquet, .xlsx, JSON
    Lines, or '-' for CSV on stdin) with a customer, a date and an amount column
    (or quantity and unit price); columns are found by common English and Chinese
    names or named with the --*-col options. Every row is used or left out with a
    reason, and the summary shows the counts.

    Exports have one row per customer, in the order of the customer's first row:
    customer_id, first_order, last_order, recency_days, frequency, monetary, aov,
    r_score, f_score, m_score, rfm_code, segment (stable name), lifecycle (new,
    active, returning, churned), segment_label (in --lang) and, with --actions,
    action.

    \b
    Examples:
      custseg rfm data/sample_orders.csv
      custseg rfm orders.csv -o customers.parquet
      custseg rfm orders.csv --as-of today --segment churn-risk -o churn.csv
      custseg rfm orders.csv --scheme cn8 --lang zh --actions
      custseg rfm orders.csv --scoring edges --r-edges 30,90,180,365 \\
          --f-edges 1,2,4,8 --m-edges 100,300,1000,3000
    """
    from custseg.io.writers import format_for, write_json

    table, spec, lang = resolve_scheme(kw, quiet)
    _check_segments(segments, table)
    if kw["output"] and not kw["ids_only"]:
        format_for(kw["output"], kw["fmt"])  # a bad suffix fails before any work
    to_stdout = kw["output"] == "-"
    chunked, budget = kw.pop("chunked"), kw.pop("memory_limit")
    silent = quiet or as_json
    in_parts = _use_chunks(file, chunked, budget)  # (imports the loader's modules first)
    if not silent:  # the summary's renderer, ready by the time the work is done
        preload("rich.console", "rich.table", "rich.text")
    rendered = None  # the summary, when laid out while the file was written
    if in_parts:
        with Progress(silent, file) as progress:
            view = _rfm_chunked(file, kw, table, spec, (lang, actions), segments, budget,
                                progress)  # fmt: skip
    else:
        view, write = _rfm_in_memory(file, kw, table, spec, (lang, actions), segments, silent)
        if not silent:  # laid out while Polars writes the file
            rendered = in_background(lambda: _render_summary(view, to_stdout, lang, actions))
        view.report.phases["write"] = emit(write, kw, _plain_text(table, lang, actions))
    if thresholds:
        write_json(_thresholds(view), thresholds)
    if profile:
        phases = {k: round(v, 3) for k, v in view.report.phases.items()}
        click.echo(json.dumps({"phases": phases}), err=True)
    if as_json:
        click.echo(json.dumps(_summary_dict(view, lang), ensure_ascii=False, indent=2))
    elif not quiet:
        console, text = rendered() if rendered else _render_summary(view, to_stdout, lang, actions)
        console.file.write(text)
        console.file.flush()


def _plain_text(table, lang: str, actions: bool) -> list[str]:
    """The text columns of the rfm export that hold no value CSV quotes: the codes custseg
    makes, and the segment columns when the rule table's texts need no quotes."""
    from custseg.io.writers import needs_quotes
    from custseg.segments.rules import segment_texts

    texts = segment_texts(table, lang, actions)
    quoted = {col for col, values in texts.items() if any(map(needs_quotes, values))}
    return ["rfm_code", "lifecycle", *(col for col in texts if col not in quoted)]


def _use_chunks(file: str, chunked: bool, budget: int | None) -> bool:
    from pathlib import Path

    from custseg.engines.partitioned import memory_budget, needs_chunks

    if chunked or file == "-":
        return chunked
    return needs_chunks(Path(file), budget or memory_budget())


def _rfm_in_memory(file, kw, table, spec, labels, segments, silent):
    from types import SimpleNamespace

    from custseg.segments.rules import label_segments
    from custseg.segments.scoring import level_counts
    from custseg.segments.summary import summary_table

    result = run_with_progress(file, kw, silent, scoring=spec, table=table)
    customers = result.frame
    if segments:
        customers = customers.filter(customers["segment"].is_in(list(segments)))
    lang, actions = labels
    write = lambda: label_segments(customers, table, lang, actions)  # noqa: E731
    view = SimpleNamespace(report=result.report, cuts=result.cuts, scoring=result.scoring,
                           table=table, customers=result.frame.height,
                           summary=summary_table(result.frame, table.segment_names()),
                           levels=level_counts(result.frame, result.cuts))  # fmt: skip
    return view, write


def _rfm_chunked(file, kw, table, spec, labels, segments, budget, progress):
    import polars as pl

    from custseg.engines.partitioned import memory_budget, run_rfm_chunked
    from custseg.io.writers import excel_safe, format_for, sink_frame

    if kw["rejects"]:
        raise click.UsageError("--rejects is not available when the file is processed in parts")
    output, fmt, ids_only, safe = (kw.pop(k) for k in ("output", "fmt", "ids_only", "excel_safe"))
    out_fmt = format_for(output, fmt) if output and not ids_only else "csv"
    if output and (output == "-" or out_fmt not in ("csv", "parquet", "jsonl")):
        raise click.UsageError(
            "a file processed in parts is written to a .csv, .parquet or "
            ".jsonl file (-o), not to stdout, .json or .xlsx"
        )

    def write(plan):
        if output:
            sink_frame(excel_safe(plan) if safe and out_fmt == "csv" else plan, output, out_fmt,
                       ids_only)  # fmt: skip

    keep = (lambda plan: plan.filter(pl.col("segment").is_in(list(segments)))) if segments else None
    return run_rfm_chunked(file, write, load_options(kw), budget=budget or memory_budget(),
                           scoring=spec, table=table, lifecycle=lifecycle_of(kw), labels=labels,
                           keep=keep, on_phase=progress.phase)  # fmt: skip


def _check_segments(segments, table) -> None:
    known = table.segment_names()
    for name in segments:
        if name not in known:
            raise click.BadParameter(
                f"{name!r} is not a segment of scheme {table.name!r}; choose from "
                f"{', '.join(known)}",
                param_hint="--segment",
            )


def _thresholds(result) -> dict:
    return {"scoring": result.scoring.method, "cut_points": result.cuts,
            "rule": "a value equal to a cut point falls in the lower-value bin"}  # fmt: skip


def _summary_dict(result, lang: str) -> dict:
    summary = result.summary
    info = result.table.info
    return {
        "as_of": result.report.as_of.isoformat(),
        "rows": result.report.to_dict(),
        "customers": result.customers,
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
    }


def _render_summary(result, to_stderr: bool, lang: str, actions: bool):
    """The rich summary as text for its stream (colour only on a terminal), and the
    console to print it with."""
    from custseg.report.terminal import rfm_summary

    console = make_console(stderr=to_stderr)
    with console.capture() as capture:
        console.print(
            rfm_summary(
                result.report,
                result.cuts,
                result.levels,
                result.summary,
                result.table,
                result.scoring.method,
                lang,
                actions,
            )  # fmt: skip
        )
    return console, capture.get()
