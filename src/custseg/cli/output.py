"""What the commands print and write: consoles, the error handler, the output options and
the per-customer files."""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import click

from custseg.cli.options import option_group
from custseg.cli.params import FORMATS, OPTIONS


def make_console(stderr: bool = False):
    """A rich console: colour only on a terminal (NO_COLOR honoured), 120 columns when piped."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else 120
    return Console(file=stream, width=width, highlight=False)


def in_background(work: Callable[[], Any]) -> Callable[[], Any]:
    """Start ``work()`` in a thread; returns a function that waits for it and gives its
    result (or raises what it raised). Python work done this way (importing rich, laying
    out the summary) overlaps the main thread's Polars calls, which let go of the
    interpreter while they run: on the 1M-row bench file the rfm command's summary is laid
    out while its CSV is written (~0.09 s of 1.1 s, measured with bench/run.sh)."""
    import threading

    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = work()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller of result()
            box["error"] = exc

    thread = threading.Thread(target=run, name="custseg-background", daemon=True)
    thread.start()

    def result() -> Any:
        thread.join()
        if "error" in box:
            raise box["error"]
        return box["value"]

    return result


def handle_errors(func):
    """Turn library errors into one line on stderr and exit code 1 (130 when interrupted).

    The first decorator after ``click.command``: the option groups' objects are built inside
    it, so that a CustsegError raised while building one is handled too."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from custseg.errors import CustsegError

        try:
            return func(*args, **kwargs)
        except CustsegError as exc:
            from custseg.errors import with_options

            click.echo(f"Error: {with_options(str(exc), OPTIONS)}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)

    return wrapper


@dataclass(frozen=True)
class OutputOptions:
    """Where a command's results go: the file (``path``, '-' for stdout, None for none) in
    ``fmt`` (None: from the suffix), and what is printed."""

    path: str | None = None
    fmt: str | None = None
    ids_only: bool = False
    excel_safe: bool = False
    as_json: bool = False  # the summary as JSON on stdout instead of tables
    quiet: bool = False

    @property
    def silent(self) -> bool:
        """No tables and no progress bar: --quiet or --json."""
        return self.quiet or self.as_json

    @property
    def to_stdout(self) -> bool:
        """The file goes to stdout (``-o -``): what is printed goes to stderr."""
        return self.path == "-"

    def file_format(self) -> str:
        """The format of ``path``: ``fmt``, else its suffix's. Raises OutputError (exit 1)
        for a suffix that tells none."""
        from custseg.io.writers import format_for

        return format_for(self.path, self.fmt)


def _output(output: str | None, as_json: bool, quiet: bool, **flags: Any) -> OutputOptions:
    return OutputOptions(path=output, as_json=as_json, quiet=quiet, **flags)


quiet_option = click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")

_OUTPUT = [
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
        type=click.Choice(FORMATS),
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
    quiet_option,
]
#: Options of every command that writes a per-customer list: ``output: OutputOptions``.
output_options = option_group("output", _OUTPUT, _output)

_TABLE_OUTPUT = [
    click.option(
        "-o",
        "--output",
        metavar="PATH",
        help="Write the measures table (one row for all, then one per segment) to PATH.",
    ),
    click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        help="Format of --output (default: from its suffix).",
    ),
    click.option("--json", "as_json", is_flag=True, help="Print the measures as JSON on stdout."),
    quiet_option,
]
#: The output options of a measures table (``summary``): ``output: OutputOptions``.
table_output_options = option_group("output", _TABLE_OUTPUT, _output)


def check_format(output: OutputOptions) -> None:
    """Fail (exit 1) on an output file whose format cannot be told, before any work."""
    if output.path and not output.ids_only:
        output.file_format()


def emit(make_frame: Callable[[], Any], output: OutputOptions,
         plain_text: Sequence[str] = ()) -> float:  # fmt: skip
    """Write the per-customer frame that ``make_frame()`` builds as ``output`` says (nothing
    without a path; ``plain_text``: see :func:`custseg.io.writers.write_frame`); returns
    the seconds it took."""
    from custseg.io.writers import excel_safe, write_frame, write_ids

    if not output.path:
        return 0.0
    clock = time.perf_counter()
    frame = make_frame()
    if output.ids_only:
        write_ids(frame["customer_id"], output.path)
    else:
        fmt = output.file_format()
        frame = excel_safe(frame) if output.excel_safe and fmt == "csv" else frame
        write_frame(frame, output.path, fmt, plain_text)
    return time.perf_counter() - clock


def write_rejects(result, path: str | None) -> None:
    """Write the rows left out (``--rejects``), atomically."""
    if path and result.rejects_frame is not None:
        from custseg.io.writers import write_frame

        write_frame(result.rejects_frame, path, "csv")
