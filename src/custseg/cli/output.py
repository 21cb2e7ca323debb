"""What the commands print and write: consoles, the error handler, the output options and
the per-customer files."""

from __future__ import annotations

import errno
import functools
import io
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import click

from custseg.cli.options import option_group
from custseg.cli.params import FORMATS, OPTIONS
from custseg.cli.privacy import AUDIENCE, audience_spec
from custseg.report.i18n import LANGS


class ClosedStream(io.TextIOBase):
    """Stands for a closed stdout (``>&-``: Python sees None): writing to it raises an
    OSError, which the commands report as one ``Error:`` line (click would drop the text)."""

    encoding = "utf-8"
    errors = "strict"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "it is closed")


def guard_streams() -> None:
    """Make the standard streams safe to print to, once, at the start of the console
    script: a closed stdout becomes a :class:`ClosedStream`, a closed stderr a sink, and
    text the terminal's encoding cannot show (Chinese labels with ``PYTHONIOENCODING=ascii``)
    is written as ``\\uXXXX`` escapes instead of failing."""
    import os

    if sys.stdout is None:
        sys.stdout = ClosedStream()
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - for the life of the process
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


def stdout_closed() -> bool:
    """Whether stdout is closed (``>&-``)."""
    return sys.stdout is None or isinstance(sys.stdout, ClosedStream)


def make_console(stderr: bool = False):
    """A rich console: colour only on a terminal (NO_COLOR honoured), 120 columns when piped.
    Raises OutputError when stdout is closed (``>&-``); a closed stderr swallows what is
    printed there."""
    import os

    from rich.console import Console

    from custseg.errors import OutputError

    stream = sys.stderr if stderr else sys.stdout
    if stream is None:
        if not stderr:
            raise OutputError("cannot write to stdout (it is closed); write to a file with -o")
        stream = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the console
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
    """Turn library errors into one line on stderr and exit code 1 (130 when interrupted),
    introduced in the command's ``--lang`` (``Error:``, ``错误：``; default: the locale).

    The first decorator after ``click.command``: the option groups' objects are built inside
    it, so that a CustsegError raised while building one is handled too."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from custseg.errors import CustsegError
        from custseg.io.atomic import owner_only
        from custseg.report.i18n import default_lang, t

        lang = kwargs.get("lang") or default_lang()
        try:
            with owner_only(False):  # --private (cli.privacy) sets it for this command only
                return func(*args, **kwargs)
        except CustsegError as exc:
            from custseg.errors import with_options
            from custseg.io.database.url import mask_text
            from custseg.report.safety import visible

            # a database URL's password never shown, whatever raised the error
            message = visible(mask_text(with_options(str(exc), OPTIONS)), newlines=True)
            click.echo(t("error", lang, message=message), err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo(t("interrupted", lang), err=True)
            sys.exit(130)
        except OSError as exc:  # a stream the command printed to: stdout full or closed
            click.echo(t("error", lang, message=os_error_message(exc)), err=True)
            sys.exit(1)

    return wrapper


def os_error_message(exc: OSError) -> str:
    """What an OSError that reached a command means: a file's (named) or, unnamed, stdout's
    (full, closed or a broken pipe: what the library writes itself is named)."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    if exc.filename:
        return f"{exc.filename}: {reason}"
    return f"cannot write to stdout ({reason})"


def check_paths(file: str, outputs: dict[str, str | None], rules: str | None = None,
                output: OutputOptions | None = None) -> None:  # fmt: skip
    """Before any work: every output path (``outputs``: parameter -> path) can be written
    and names neither the order ``file`` nor the ``rules`` file; data meant for stdout
    (``output`` says so) finds it open. Raises OutputError (exit 1)."""
    from custseg.errors import OutputError
    from custseg.io.atomic import check_outputs

    check_outputs(outputs, [file, rules])
    if output is not None and output.to_stdout and stdout_closed():
        raise OutputError("cannot write to stdout (it is closed); write to a file with -o")


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
    bom: bool = False  # a CSV starts with a UTF-8 BOM (for Excel on Windows)
    audience: Any = None  # --audience-hash: a custseg.privacy.audience.AudienceSpec

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
        for a suffix that tells none (with ``--ids-only``: none does; CSV, one id a line)."""
        from custseg.io.writers import format_for, ids_format

        if self.path is None:
            raise ValueError("no output path")
        return (ids_format if self.ids_only else format_for)(self.path, self.fmt)


def _output(output: str | None, as_json: bool, quiet: bool, audience_hash: str | None = None,
            audience_platform: str | None = None, country_code: str | None = None,
            **flags: Any) -> OutputOptions:  # fmt: skip
    """The output options; ``--ids-only`` without ``-o`` writes to stdout. Raises
    click.UsageError (exit 2) for options that contradict each other."""
    if flags.get("ids_only") and output is None:
        output = "-"
    audience = audience_spec(audience_hash, audience_platform, country_code,
                             bool(flags.get("ids_only")))  # fmt: skip
    options = OutputOptions(path=output, as_json=as_json, quiet=quiet, audience=audience,
                            **flags)  # fmt: skip
    if options.as_json and options.to_stdout:
        raise click.UsageError(
            "--json prints the run summary on stdout, and so does the data with -o - (or "
            "--ids-only without -o): write the data to a file (-o PATH) or leave out --json"
        )
    if options.bom:
        _check_bom(options)
    return options


def _check_bom(options: OutputOptions) -> None:
    """``--bom`` needs CSV output; a suffix that tells no format is left to check_format."""
    from custseg.errors import OutputError

    if options.path is None:
        raise click.UsageError("--bom marks a CSV output as UTF-8: give one with -o FILE.csv")
    try:
        fmt = options.file_format()
    except OutputError:
        return
    if fmt != "csv":
        raise click.UsageError(
            f"--bom applies to CSV output only; {fmt} files carry their encoding "
            f"themselves: leave out --bom, or write .csv"
        )


quiet_option = click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
#: ``--lang`` of a command without the scheme options (``repeat``): ``lang: str | None``.
lang_option = click.option(
    "--lang",
    type=click.Choice(LANGS),
    default=None,
    help="Language of headings, labels and messages (default: from the locale; zh_* "
    "gives Chinese).",
)

_BOM = click.option(
    "--bom",
    is_flag=True,
    help="Start the CSV output (file or stdout) with a UTF-8 BOM, so that Excel on "
    "Windows shows Chinese text right. CSV only: refused (exit 2) with another format.",
)

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
        "--ids-only",
        is_flag=True,
        help="Write just the customer ids: one per line, no header, to -o PATH or, "
        "without -o, to stdout (the summary then goes to stderr); an id holding a comma or "
        "a line break is quoted as CSV does. With -o x.xlsx, .parquet, .json or .jsonl: a "
        "one-column table customer_id in that format.",
    ),
    *AUDIENCE,
    click.option(
        "--excel-safe",
        is_flag=True,
        help="In CSV (the export, --ids-only and --rejects), put a ' before text starting "
        "with = + - @, a tab or a CR so that a spreadsheet shows it as text instead of "
        "running it as a formula (off by default: ids reach machines unchanged; .xlsx "
        "output is always safe).",
    ),
    _BOM,
    click.option(
        "--json",
        "as_json",
        is_flag=True,
        help="Print the run summary as JSON on stdout instead of tables. Not with the "
        "data on stdout too (-o -, or --ids-only without -o): a usage error (exit 2).",
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
    _BOM,
    click.option(
        "--json",
        "as_json",
        is_flag=True,
        help="Print the measures as JSON on stdout (not with -o -: exit 2).",
    ),
    quiet_option,
]
#: The output options of a measures table (``summary``): ``output: OutputOptions``.
table_output_options = option_group("output", _TABLE_OUTPUT, _output)


def rows_dict(report) -> dict:
    """The row accounting for ``--json``, its notes and warnings naming command-line options."""
    from custseg.cli.params import OPTIONS
    from custseg.errors import with_options

    rows = report.to_dict()
    for key in ("notes", "warnings"):
        rows[key] = [with_options(text, OPTIONS) for text in rows[key]]
    return rows


def check_format(output: OutputOptions) -> None:
    """Fail (exit 1) on an output file whose format cannot be told, before any work."""
    if output.path:
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
    fmt = output.file_format()
    if output.ids_only:
        ids = frame["customer_id"]
        if output.audience is not None:
            from custseg.cli.privacy import audience_ids

            ids = audience_ids(ids, output.audience, output.quiet)
        write_ids(ids, output.path, fmt, output.bom, output.excel_safe)
    else:
        frame = excel_safe(frame) if output.excel_safe and fmt == "csv" else frame
        write_frame(frame, output.path, fmt, plain_text, output.bom)
    return time.perf_counter() - clock


def write_rejects(result, path: str | None, safe: bool = False) -> None:
    """Write the rows left out (``--rejects``), atomically; with ``safe`` (``--excel-safe``)
    text a spreadsheet would run as a formula gets a leading ``'``."""
    if path and result.rejects_frame is not None:
        from custseg.io.writers import excel_safe, write_frame

        frame = result.rejects_frame
        write_frame(excel_safe(frame) if safe else frame, path, "csv")
