"""Building blocks of the command line: shared options, progress, output, errors.

The commands themselves live in ``cli`` (rfm), ``cli_reports`` (repeat, summary,
report) and ``cli_rules`` (schemes, rules).
"""

from __future__ import annotations

import datetime as dt
import functools
import sys
import time
from collections.abc import Callable, Collection
from typing import TypeVar

import click


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
        click.option(
            "--dayfirst",
            is_flag=True,
            help="Read 5/3/2019 as 5 March (D/M/YYYY). Default: month first, unless more "
            "of the file's dates read day first (as 13/3/2019 does).",
        ),
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
    from custseg.orders.load import LoadOptions

    columns = {
        role: kw.pop(f"{role}_col")
        for role in ("customer", "order", "date", "amount", "quantity", "price", "status")
    }
    return LoadOptions(
        as_of=kw.pop("as_of"),
        columns=columns,
        encoding=kw.pop("encoding"),
        dayfirst=kw.pop("dayfirst") or None,  # not given: decided from the dates
        returns=kw.pop("returns"),
        keep_duplicates=kw.pop("keep_duplicates"),
        cancel_status=tuple(kw.pop("cancel_status")),
        strict=kw.pop("strict"),
        keep_rejects=kw["rejects"] is not None,
    )


def write_rejects(result, path: str | None) -> None:
    """Write the rows left out (``--rejects``), atomically."""
    if path and result.rejects_frame is not None:
        from custseg.io.writers import write_frame

        write_frame(result.rejects_frame, path, "csv")


def handle_errors(func):
    """Turn library errors into one line on stderr and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from custseg.errors import CustsegError

        try:
            return func(*args, **kwargs)
        except CustsegError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)

    return wrapper


class ByteSize(click.ParamType):
    """``3G``, ``500M``, ``2048K`` or bytes."""

    name = "SIZE"
    _UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        text = str(value).strip().upper().removesuffix("B").removesuffix("I")
        unit = text[-1:] if text[-1:] in self._UNITS else ""
        try:
            number = float(text[: len(text) - len(unit)])
        except ValueError:
            self.fail(f"{value!r} is not a size; write e.g. 3G or 500M", param, ctx)
        return int(number * self._UNITS[unit])


class NumberList(click.ParamType):
    """Comma-separated numbers, e.g. ``30,90,180,365``."""

    name = "N,N,..."

    def convert(self, value, param, ctx):
        if isinstance(value, list):
            return value
        try:
            return [float(x) for x in str(value).split(",") if x.strip()]
        except ValueError:
            self.fail(f"{value!r} is not a comma-separated list of numbers", param, ctx)


def scheme_options(func):
    """Options that choose the rule table, the scoring and the language."""
    options = [
        click.option(
            "--scheme",
            default="default",
            show_default=True,
            metavar="NAME",
            help="Built-in segment scheme: default, rfm11, cn8 (see 'custseg schemes').",
        ),
        click.option(
            "--rules",
            "rules_file",
            type=click.Path(exists=True, dir_okay=False),
            help="Your own rule table (TOML) instead of --scheme.",
        ),
        click.option(
            "--scoring",
            type=click.Choice(["quantile", "edges", "mean"]),
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
            type=click.Choice(["en", "zh"]),
            default=None,
            help="Language of labels, headings and actions (default: from the "
            "locale; zh_* gives Chinese).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def resolve_scheme(kw: dict, quiet: bool = False):
    """Pop the scheme flags: the rule table, the scoring spec and the language."""
    from custseg.report.i18n import default_lang
    from custseg.segments.rules import builtin_rules, load_rules
    from custseg.segments.scoring import ScoringSpec

    rules_file, scheme = kw.pop("rules_file"), kw.pop("scheme")
    table = load_rules(rules_file) if rules_file else builtin_rules(scheme)
    edges = {"recency_days": kw.pop("r_edges"), "frequency": kw.pop("f_edges"),
             "monetary": kw.pop("m_edges")}  # fmt: skip
    method = kw.pop("scoring") or table.scoring or "quantile"
    bins = kw.pop("bins") or (table.bins if table.scoring in (None, "quantile") else None) or 5
    spec = ScoringSpec(method=method, bins=bins, edges=edges)
    spec.levels()  # validates the edges before any data is read
    if not quiet:
        warn_rules(table, spec)
    return table, spec, kw.pop("lang") or default_lang()


def warn_rules(table, spec) -> None:
    """Print the rule-table problems that change results as warnings on stderr."""
    from custseg.segments.rulecheck import check_table

    for problem in check_table(table, spec.levels()):
        if problem.level == "warning":
            click.echo(f"Warning: {problem.message}", err=True)


def output_options(func):
    """Options of every command that writes a per-customer list."""
    options = [
        click.option(
            "-o",
            "--output",
            metavar="PATH",
            help="Write one row per customer to PATH ('-' for stdout). Written to a "
            "temporary file and renamed: never half a file.",
        ),
        click.option(
            "--format",
            "fmt",
            type=click.Choice(["csv", "parquet", "json", "jsonl", "xlsx"]),
            help="Output file format (default: from the suffix of --output).",
        ),
        click.option(
            "--ids-only", is_flag=True, help="Write just the customer ids, one per line, no header."
        ),
        click.option(
            "--excel-safe",
            is_flag=True,
            help="In CSV, put a ' before text starting with = + - @ so that a "
            "spreadsheet shows it as text instead of running it as a formula "
            "(off by default: ids reach machines unchanged; .xlsx output is "
            "always safe).",
        ),
        click.option(
            "--json",
            "as_json",
            is_flag=True,
            help="Print the run summary as JSON on stdout instead of tables.",
        ),
        click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def lifecycle_options(func):
    """The windows of the lifecycle status (new / active / returning / churned)."""
    options = [
        click.option(
            "--new-days",
            type=click.IntRange(0),
            default=30,
            show_default=True,
            help="A customer whose first order is this recent is 'new'.",
        ),
        click.option(
            "--churn-days",
            type=click.IntRange(1),
            default=180,
            show_default=True,
            help="A customer without an order for longer is 'churned'; one who came "
            "back after such a gap is 'returning'.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def repeat_options(func):
    """The repeat-buyer rule (老客户): at least N orders and more than X spent."""
    options = [
        click.option(
            "--min-orders",
            type=click.IntRange(1),
            default=2,
            show_default=True,
            help="Repeat buyers: at least this many orders (inclusive: 2 means 2 or more).",
        ),
        click.option(
            "--min-spend",
            type=float,
            default=40.0,
            show_default=True,
            help="Repeat buyers: spent strictly more than this (40 means more than "
            "40; exactly 40 is out).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def run_with_progress(file: str, kw: dict, quiet: bool, **options):
    """:func:`custseg.engines.memory.run_rfm` with the loader flags of ``kw``, a progress bar,
    and ``--rejects`` written."""
    from custseg.engines.memory import run_rfm

    with Progress(quiet, file) as progress:
        result = run_rfm(file, load_options(kw), lifecycle=lifecycle_of(kw),
                         on_phase=progress.phase, **options)  # fmt: skip
    write_rejects(result, kw.pop("rejects"))
    return result


def lifecycle_of(kw: dict):
    from custseg.measures.plan import Lifecycle

    return Lifecycle(new_days=kw.pop("new_days"), churn_days=kw.pop("churn_days"))


def emit(make_frame, kw: dict, plain_text: Collection[str] = ()) -> float:
    """Write the per-customer frame that ``make_frame()`` builds, as the output flags say;
    returns the seconds it took. ``plain_text``: see :func:`custseg.io.writers.write_frame`."""
    from custseg.io.writers import excel_safe, format_for, write_frame, write_ids

    output, fmt = kw.pop("output"), kw.pop("fmt")
    ids_only, safe = kw.pop("ids_only"), kw.pop("excel_safe")
    if not output:
        return 0.0
    clock = time.perf_counter()
    frame = make_frame()
    if ids_only:
        write_ids(frame["customer_id"], output)
    else:
        out_fmt = format_for(output, fmt)
        frame = excel_safe(frame) if safe and out_fmt == "csv" else frame
        write_frame(frame, output, out_fmt, plain_text)
    return time.perf_counter() - clock


class Progress:
    """A progress bar on stderr: the phase, the share of the job done and the time taken;
    on a terminal only, never with --quiet or when piped.

    The share comes from each phase's usual part of a run (reading about a quarter,
    aggregating about a third, ...); with a big file processed in parts, reading moves
    it on batch by batch (``read 12/60``) and cleaning part by part (``clean 3/11``).
    """

    #: Each phase's usual share of a run, in per cent (profiled on 10M-row files).
    WEIGHTS = {"read": 25, "clean": 15, "aggregate": 35, "score": 10, "segment": 5, "write": 10}

    def __init__(self, quiet: bool, source: str):
        self.bar = None
        if not quiet and sys.stderr.isatty() and source != "-":
            from rich.progress import BarColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as Bar

            size = _size(source)
            label = f"{source}{f' ({size})' if size else ''}"
            self.bar = Bar(
                TextColumn("{task.description:<12}"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}%"),
                TimeElapsedColumn(),
                TextColumn(label),
                console=make_console(stderr=True),
                transient=True,
            )
            self.task = self.bar.add_task("read", total=100)

    def __enter__(self):
        if self.bar:
            self.bar.__enter__()
        return self

    def __exit__(self, *exc):
        if self.bar:
            self.bar.__exit__(*exc)

    def phase(self, name: str) -> None:
        """Show that ``name`` (``clean 3/11`` for part 3 of 11) has started."""
        if not self.bar:
            return
        base, _, part = name.partition(" ")
        done = 0.0
        for phase, weight in self.WEIGHTS.items():
            if phase == base:
                if part:  # a part of this phase: move on within it
                    i, n = (int(x) for x in part.split("/"))
                    done += weight * (i - 1) / n
                break
            done += weight
        self.bar.update(self.task, description=name, completed=done)


def _size(path: str) -> str:
    import os

    try:
        return f"{os.path.getsize(path) / 1e6:,.0f} MB"
    except OSError:
        return ""


T = TypeVar("T")


def in_background(work: Callable[[], T]) -> Callable[[], T]:
    """Start ``work()`` in a background thread; returns a function that waits for it and
    gives its result (or raises what it raised). Python work done this way overlaps the
    main thread's Polars calls, which let go of the interpreter while they run."""
    import threading

    box: dict = {}

    def run() -> None:
        try:
            box["value"] = work()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller of result()
            box["error"] = exc

    thread = threading.Thread(target=run, name="custseg-background", daemon=True)
    thread.start()

    def result() -> T:
        thread.join()
        if "error" in box:
            raise box["error"]
        return box["value"]

    return result


def preload(*modules: str) -> None:
    """Import ``modules`` in the background (:func:`in_background`), to have them ready when
    the command gets to them. Only third-party modules that custseg's own do not import
    at the same time (an import of one module from two threads waits, it does not fail,
    but two imports waiting on each other's modules could)."""
    import importlib

    in_background(lambda: [importlib.import_module(name) for name in modules])


def make_console(stderr: bool = False):
    """A rich console: colour only on a terminal (NO_COLOR honoured), 120 columns when piped."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else 120
    return Console(file=stream, width=width, highlight=False)
