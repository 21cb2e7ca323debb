"""``--engine spark``: the options that pick the engine, and ``rfm`` run on Spark.

The summary, ``--json``, ``--thresholds`` and the row accounting are rendered by the same
code as the default engine's (:mod:`custseg.cli.rfm`); only the per-customer file differs:
Spark writes it, as a Parquet folder sorted by customer id.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

from custseg.cli.options import option_group

if TYPE_CHECKING:
    from custseg.cli.options import Loader
    from custseg.cli.output import OutputOptions
    from custseg.cli.scheme import Scheme


@dataclass(frozen=True)
class Engine:
    """The engine a command runs on (``polars``: the default) and Spark's master URL."""

    name: str = "polars"
    master: str | None = None
    output_table: str | None = None  # Spark: write the customers to this catalog table

    @property
    def spark(self) -> bool:
        return self.name == "spark"


def _engine(engine: str, spark_master: str | None, output_table: str | None) -> Engine:
    for given, flag in ((spark_master, "--spark-master"), (output_table, "--output-table")):
        if given and engine != "spark":
            raise click.UsageError(f"{flag} is for --engine spark")
    return Engine(engine, spark_master, output_table)


_ENGINE = [
    click.option(
        "--engine",
        type=click.Choice(["polars", "spark"]),
        default="polars",
        show_default=True,
        help="'spark': run on Apache Spark (pip install 'custseg[spark]', Java 17) for "
        "data larger than one machine or in a lake; FILE is then a typed Parquet, ORC "
        "or CSV path or folder Spark reads (or --table NAME of the session's catalog), "
        "and -o a Parquet folder sorted by customer id.",
    ),
    click.option(
        "--spark-master",
        metavar="URL",
        help="Spark master (local[4], spark://host:7077, yarn...). Default: the session "
        "spark-submit set up, else SPARK_REMOTE (Spark Connect), else local[*].",
    ),
    click.option(
        "--output-table",
        metavar="NAME",
        help="With --engine spark: write the per-customer result (the -o columns, sorted "
        "by customer id) to this table of the Spark session's catalog, replacing it.",
    ),
]
#: The engine options: ``engine: Engine``.
engine_options = option_group("engine", _ENGINE, _engine)

#: What the Spark engine does not do, by parameter (refused before any work, exit 2).
_NOT_ON_SPARK = ("--chunked", "--memory-limit", "--ids-only", "--excel-safe", "--bom",
                 "--previous", "--changed-only", "--entered", "--left",
                 "--cuts-from", "--downgrade")  # fmt: skip


def check_source(file: str | None, load: Loader, engine: Engine) -> str:
    """FILE, needed but for ``--engine spark`` with ``--table`` or ``--query`` (rows of
    the Spark session's catalog; then no FILE, and ``""`` is returned). Usage errors, also
    for the privacy options, which Spark's outputs do not follow."""
    opts = load.options
    if engine.spark and (load.privacy.pseudonymize or load.privacy.private):
        flag = "--pseudonymize" if load.privacy.pseudonymize else "--private"
        raise click.UsageError(f"{flag} is not available with --engine spark")
    if engine.spark and (opts.table or opts.query):
        if file:
            which = "--table" if opts.table else "--query"
            raise click.UsageError(f"with --engine spark, {which} names rows of the Spark "
                                   f"session's catalog; leave out FILE")  # fmt: skip
        return ""
    if not file:
        raise click.UsageError(
            "Missing argument 'FILE|URL' (or, with --engine spark, "
            "--table NAME: a table of the Spark session's catalog)."
        )
    return file


def refuse_on_spark(**given: object) -> None:
    """Refuse (usage error) options the Spark engine does not run with."""
    for flag in _NOT_ON_SPARK:
        if given.get(flag.lstrip("-").replace("-", "_")):
            raise click.UsageError(f"{flag} is not available with --engine spark")


def check_spark_run(load: Loader, scheme: Scheme, segments: tuple[str, ...],
                    output: OutputOptions, **not_on_spark: object) -> None:  # fmt: skip
    """Before a Spark run of ``rfm`` or ``predict``: refuse (usage errors) what the engine
    does not do and a ``-o`` that is not a Parquet folder, check ``--segment``, and warn of
    the rule table as the default engine does."""
    from custseg.cli.rfm import check_segments
    from custseg.cli.scheme import warn_rules

    if load.options.by:
        raise click.UsageError("--by is not available with --engine spark; run without it")
    refuse_on_spark(**not_on_spark, ids_only=output.ids_only, excel_safe=output.excel_safe,
                    bom=output.bom)  # fmt: skip
    check_spark_output(output)
    check_segments(segments, scheme.table)
    if not output.quiet:
        warn_rules(scheme)


def check_spark_output(output: OutputOptions) -> None:
    """The Spark engine writes a Parquet folder: refuse stdout and other formats."""
    if not output.path:
        return
    fmt = output.fmt or ("parquet" if output.path.rstrip("/").lower().endswith(
        (".parquet", ".pq")) or "." not in output.path.rsplit("/", 1)[-1] else None)  # fmt: skip
    if output.path == "-" or fmt != "parquet":
        raise click.UsageError(
            "with --engine spark, -o is a Parquet folder (e.g. -o customers.parquet): the "
            "per-customer result is written by Spark, sorted by customer id"
        )


def run_on_spark(file: str, load: Loader, scheme: Scheme, lifecycle, engine: Engine,
                 output: OutputOptions, actions: bool, segments: tuple[str, ...]):  # fmt: skip
    """The Spark run of ``rfm``: the result (for the summary) after the per-customer
    folder is written; warnings on stderr as the default engine prints them."""
    from custseg.cli.progress import print_warnings
    from custseg.engines.spark.run import run_spark

    result = run_spark(file, load.options, scoring=scheme.scoring, table=scheme.table,
                       lifecycle=lifecycle, master=engine.master)  # fmt: skip
    _write(result, output, engine, scheme.lang, actions, segments)
    print_warnings(result.report, scheme.lang, output.quiet)
    return result


def _write(result, output: OutputOptions, engine: Engine, lang: str, actions: bool,
           segments: tuple[str, ...]) -> None:  # fmt: skip
    """The per-customer result to ``-o`` (a Parquet folder) and ``--output-table``."""
    seconds = 0.0
    if output.path:
        seconds += result.write(output.path, lang, actions, segments)
    if engine.output_table:
        seconds += result.write(None, lang, actions, segments, table=engine.output_table)
    if seconds:
        result.report.phases["write"] = seconds


def report_on_spark(file: str | None, load: Loader, lifecycle, engine: Engine, lang: str | None,
                    quiet: bool, scheme: Scheme | None = None, extras=None):  # fmt: skip
    """The Spark run of ``summary`` and ``repeat``: the result (its per-customer frame
    stays in Spark), warnings on stderr as the default engine prints them."""
    from custseg.cli.progress import print_warnings
    from custseg.engines.spark.run import run_spark

    if engine.output_table:
        raise click.UsageError("--output-table is for rfm and predict (the per-customer "
                               "result); summary and repeat write no such table")  # fmt: skip
    result = run_spark(file or "", load.options, lifecycle=lifecycle, master=engine.master,
                       extras=extras, scoring=scheme.scoring if scheme else None,
                       table=scheme.table if scheme else None)  # fmt: skip
    print_warnings(result.report, lang, quiet)
    return result


def predict_on_spark_cli(file: str, load: Loader, scheme: Scheme, lifecycle, engine: Engine,
                         spec, output: OutputOptions, actions: bool,
                         segments: tuple[str, ...]):  # fmt: skip
    """The Spark run of ``predict`` and ``rfm --predict``: the run with each customer's
    purchase history, the models fitted on the driver, the predictions joined on in Spark
    and written with rfm's columns; the result and the prediction, for the summary."""
    from custseg.cli.progress import print_warnings
    from custseg.engines.spark.predict import predict_on_spark
    from custseg.engines.spark.run import run_spark
    from custseg.measures.history import History

    result = run_spark(file, load.options, scoring=scheme.scoring, table=scheme.table,
                       lifecycle=lifecycle, master=engine.master,
                       history=History(spec.calibration_end))  # fmt: skip
    end = None
    if spec.calibration_end:  # the holdout ends on --as-of, else on the last order date
        end = load.options.as_of or result.report.as_of - dt.timedelta(days=1)
    result, prediction = predict_on_spark(result, spec, end)
    _write(result, output, engine, scheme.lang, actions, segments)
    print_warnings(result.report, scheme.lang, output.quiet)
    return result, prediction
