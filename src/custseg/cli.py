"""The custseg command line: parse options, call the library, render, pick the exit code.

Exit codes: 0 success, 1 data or file error, 2 usage error.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import sys
import time

import click

from . import __version__


class AsOfDate(click.ParamType):
    """``YYYY-MM-DD`` or ``today``."""

    name = "DATE"

    def convert(self, value, param, ctx):
        if isinstance(value, dt.date):
            return value
        if str(value).lower() == "today":
            return dt.date.today()
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a date; use YYYY-MM-DD or 'today'", param, ctx)


def loader_options(func):
    """Options shared by every command that reads an order file."""
    options = [
        click.argument("file", type=click.Path(dir_okay=True, allow_dash=True)),
        click.option(
            "--as-of",
            type=AsOfDate(),
            default=None,
            help="Reference date (YYYY-MM-DD or 'today'). Orders after it are left "
            "out. Default: the day after the latest order.",
        ),
        click.option("--customer-col", metavar="NAME", help="Column holding the customer id."),
        click.option(
            "--order-col",
            metavar="NAME",
            help="Column holding the order id (default: one order per row if none).",
        ),
        click.option("--date-col", metavar="NAME", help="Column holding the order date."),
        click.option("--amount-col", metavar="NAME", help="Column holding the order amount."),
        click.option(
            "--quantity-col",
            metavar="NAME",
            help="Quantity column (amount = quantity x unit price when there is no amount column).",
        ),
        click.option("--price-col", metavar="NAME", help="Unit price column."),
        click.option(
            "--status-col",
            metavar="NAME",
            help="Order status column (cancelled/refunded orders are left out).",
        ),
        click.option(
            "--encoding",
            metavar="NAME",
            help="Force the text encoding (default: UTF-8, UTF-8 BOM or GB18030, detected).",
        ),
        click.option("--dayfirst", is_flag=True, help="Read 5/3/2019 as 5 March (D/M/YYYY)."),
        click.option(
            "--returns",
            type=click.Choice(["net", "drop"]),
            default="net",
            show_default=True,
            help="Negative amounts: 'net' lowers the customer's spend without counting "
            "as an order; 'drop' leaves those rows out.",
        ),
        click.option(
            "--keep-duplicates",
            is_flag=True,
            help="Keep exact duplicate rows (default: left out and counted).",
        ),
        click.option(
            "--cancel-status",
            multiple=True,
            metavar="TEXT",
            help="Another status text meaning 'not a sale' (repeatable), added to the "
            "built-in list (交易关闭, 退款成功, cancelled, refunded, ...).",
        ),
        click.option(
            "--strict",
            is_flag=True,
            help="Fail (exit 1) if any row is unparseable instead of leaving it out.",
        ),
        click.option(
            "--rejects",
            metavar="FILE",
            help="Write the rows left out, with line number and reason, to FILE (CSV).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def load_options(kw: dict):
    """Pop the loader flags from a command's keyword arguments into LoadOptions."""
    from .load import LoadOptions

    columns = {
        role: kw.pop(f"{role}_col")
        for role in ("customer", "order", "date", "amount", "quantity", "price", "status")
    }
    return LoadOptions(
        as_of=kw.pop("as_of"),
        columns=columns,
        encoding=kw.pop("encoding"),
        dayfirst=kw.pop("dayfirst"),
        returns=kw.pop("returns"),
        keep_duplicates=kw.pop("keep_duplicates"),
        cancel_status=tuple(kw.pop("cancel_status")),
        strict=kw.pop("strict"),
        keep_rejects=kw["rejects"] is not None,
    )


def write_rejects(result, path: str | None) -> None:
    """Write the rows left out (``--rejects``), atomically."""
    if path and result.rejects_frame is not None:
        from .export import write_frame

        write_frame(result.rejects_frame, path, "csv")


def handle_errors(func):
    """Turn library errors into one line on stderr and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from .errors import CustsegError

        try:
            return func(*args, **kwargs)
        except CustsegError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="custseg")
def main() -> None:
    """RFM customer segmentation for e-commerce order exports.

    \b
    Example:
      custseg rfm data/sample_orders.csv
      custseg rfm orders.csv --as-of today --segment churn-risk -o churn.csv
    """


@main.command()
@loader_options
@click.option(
    "--bins",
    type=click.IntRange(2, 20),
    default=5,
    show_default=True,
    help="Number of score levels for R, F and M (quantile cut points).",
)
@click.option(
    "--rules",
    "rules_file",
    type=click.Path(exists=True, dir_okay=False),
    help="Rule table (TOML) to use instead of the default scheme.",
)
@click.option(
    "--segment",
    "segments",
    multiple=True,
    metavar="NAME",
    help="Keep only customers of this segment in the output (repeatable).",
)
@click.option(
    "-o", "--output", metavar="PATH", help="Write one row per customer to PATH ('-' for stdout)."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "parquet", "json", "jsonl"]),
    help="Output file format (default: from the suffix of --output).",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the run summary as JSON on stdout instead of tables.",
)
@click.option(
    "--profile",
    is_flag=True,
    help="Print the seconds spent in each phase (read, clean, aggregate, score, segment, "
    "write) as JSON on stderr.",
)
@handle_errors
def rfm(file, bins, rules_file, segments, output, fmt, as_json, profile, **kw):
    """Score every customer's recency, frequency and monetary value and assign segments.

    FILE is an order export (CSV/TSV/TXT, gz/bz2/xz/zip, Parquet, .xlsx, JSON
    Lines, or '-' for CSV on stdin) with a customer, a date and an amount column
    (or quantity and unit price); columns are found by common English and Chinese
    names or named with the --*-col options. Every row is used or left out with a
    reason, and the summary shows the counts.

    \b
    Examples:
      custseg rfm data/sample_orders.csv
      custseg rfm orders.csv -o customers.parquet
      custseg rfm orders.csv --as-of today --segment churn-risk -o churn.csv
    """
    from .export import format_for, write_frame
    from .pipeline import run_rfm
    from .rules import builtin_rules, load_rules

    table = load_rules(rules_file) if rules_file else builtin_rules("default")
    _check_segments(segments, table)
    out_fmt = format_for(output, fmt) if output else None
    result = run_rfm(file, load_options(kw), bins=bins, table=table)
    write_rejects(result, kw.pop("rejects"))
    customers = result.frame
    if segments:
        customers = customers.filter(customers["segment"].is_in(list(segments)))
    if output:
        clock = time.perf_counter()
        write_frame(customers, output, out_fmt)
        result.report.phases["write"] = time.perf_counter() - clock
    if profile:
        phases = {k: round(v, 3) for k, v in result.report.phases.items()}
        click.echo(json.dumps({"phases": phases}), err=True)
    if as_json:
        click.echo(json.dumps(_summary_dict(result), ensure_ascii=False, indent=2))
    else:
        _print_summary(result, to_stderr=output == "-")


def _check_segments(segments, table) -> None:
    known = table.segment_names()
    for name in segments:
        if name not in known:
            raise click.BadParameter(
                f"{name!r} is not a segment of scheme {table.name!r}; choose from "
                f"{', '.join(known)}",
                param_hint="--segment",
            )


def _summary_dict(result) -> dict:
    from .summary import summary_table

    summary = summary_table(result.frame, result.table.segment_names())
    return {
        "as_of": result.report.as_of.isoformat(),
        "rows": result.report.to_dict(),
        "customers": result.frame.height,
        "bins": result.bins,
        "cut_points": result.cuts,
        "segments": {
            row["segment"]: {"customers": row["customers"], "revenue": row["revenue"]}
            for row in summary.iter_rows(named=True)
        },
    }


def _print_summary(result, to_stderr: bool) -> None:
    from .render import rfm_summary
    from .scoring import level_counts
    from .summary import summary_table

    summary = summary_table(result.frame, result.table.segment_names())
    levels = level_counts(result.frame, result.bins)
    make_console(stderr=to_stderr).print(rfm_summary(result.report, result.cuts, levels, summary))


def make_console(stderr: bool = False):
    """A rich console: colour only on a terminal (NO_COLOR honoured), 120 columns when piped."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else 120
    return Console(file=stream, width=width, highlight=False)


if __name__ == "__main__":  # pragma: no cover
    main()
