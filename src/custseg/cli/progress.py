"""The progress bar, and the run of the in-memory engine that reports to it."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from custseg.cli.options import Loader
    from custseg.cli.scheme import Scheme
    from custseg.engines.run import RfmResult
    from custseg.measures.extras import Extras
    from custseg.measures.history import History
    from custseg.measures.plan import Lifecycle


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

            from custseg.cli.output import make_console
            from custseg.io.database.url import mask_url
            from custseg.report.safety import visible

            size = _size(source)
            # the file's name shown as it is (a database URL's password masked): no markup,
            # no control character, and no braces for the column's str.format to read
            label = visible(f"{mask_url(source)}{f' ({size})' if size else ''}")
            label = label.replace("{", "{{").replace("}", "}}")
            self.bar = Bar(
                TextColumn("{task.description:<12}"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}%"),
                TimeElapsedColumn(),
                TextColumn(label, markup=False),
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


def run_with_progress(file: str, load: Loader, lifecycle: Lifecycle, progress: Progress,
                      scheme: Scheme | None = None, *, chunked: bool | None = None,
                      memory_limit: int | None = None, quiet: bool = False,
                      lang: str | None = None, excel_safe: bool = False,
                      history: History | None = None,
                      extras: Extras | None = None) -> RfmResult:  # fmt: skip
    """:func:`custseg.engines.run.run_rfm` on ``file`` as ``load`` says, its phases shown
    on ``progress``, then the rows left out written to ``--rejects``; returns its result as
    outputs may show it (:func:`custseg.cli.privacy.apply_privacy`: pseudonyms, minimal
    rejects).
    Without a ``scheme``: run_rfm's default scoring and rule table. What custseg is not
    sure of in the input is printed as warnings on stderr (in ``lang``, else the scheme's or
    the locale's), unless ``quiet``; ``excel_safe``: the rows left out as ``--excel-safe``
    writes them; ``history``: each customer's purchase history too (``predict``);
    ``extras``: the aggregates it asks for (``cohort``, ``summary``)."""
    from custseg.cli.output import write_rejects
    from custseg.cli.privacy import apply_privacy, check_privacy_paths
    from custseg.engines.run import run_rfm

    check_privacy_paths(file, load)
    scoring, table = (scheme.scoring, scheme.table) if scheme else (None, None)
    with progress:
        result = run_rfm(file, load.options, scoring=scoring, table=table, lifecycle=lifecycle,
                         chunked=chunked, memory_limit=memory_limit,
                         on_phase=progress.phase, history=history,
                         extras=extras)  # fmt: skip
    result = apply_privacy(result, load)  # what outputs may show, from here on
    write_rejects(result, load.rejects, excel_safe)
    print_warnings(result.report, lang or (scheme.lang if scheme else None), quiet)
    return result


def print_warnings(report, lang: str | None, quiet: bool) -> None:
    """What custseg is not sure of in the input (``report``'s warnings), on stderr in
    ``lang`` (else the locale's), unless ``quiet``."""
    from custseg.cli.params import OPTIONS
    from custseg.errors import with_options
    from custseg.report.i18n import default_lang, say
    from custseg.report.safety import visible

    lang = lang or default_lang()
    prefix = "警告：" if lang == "zh" else "Warning: "
    if not quiet:
        for warning in report.all_warnings():
            text = visible(with_options(say(warning, lang), OPTIONS), newlines=True)
            click.echo(f"{prefix}{text}", err=True)
