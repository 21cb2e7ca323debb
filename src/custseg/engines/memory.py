"""The in-memory engine: the whole input read at once, as one part."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import polars as pl

from custseg.engines.steps import Measured, MeasuredPart, measure_part
from custseg.measures.extras import Extras, add_up
from custseg.measures.history import History
from custseg.measures.plan import Lifecycle
from custseg.orders.accounting import decide_as_of
from custseg.orders.columns import Layout
from custseg.orders.load import (
    LoadOptions,
    no_rows_left,
    open_input,
    parse_part,
    read_whole,
    whole_facts,
)


def measure_in_memory(
    source: str | Path,
    opts: LoadOptions,
    lifecycle: Lifecycle | None,
    tell: Callable[[str], None],
    history: History | None = None,
    extras: Extras | None = None,
) -> Measured:
    """Read ``source`` whole, clean it and measure its customers (phases ``read``,
    ``clean``, ``aggregate``; their seconds in ``report.phases``)."""
    done = measure_whole(source, opts, lifecycle, tell, history=history, extras=extras)
    found = add_up([done.extras]) if done.extras is not None else None
    return Measured(done.measures.drop("row"), done.report, done.rejects,
                    history_days=done.history_days, extras=found)  # fmt: skip


def measure_whole(
    source: str | Path,
    opts: LoadOptions,
    lifecycle: Lifecycle | None,
    tell: Callable[[str], None],
    keep_rows: bool = False,
    history: History | None = None,
    extras: Extras | None = None,
) -> MeasuredPart:
    """:func:`custseg.engines.steps.measure_part` on all of ``source``, read at once."""
    clock = time.perf_counter()
    tell("read")
    inp = open_input(source, opts)
    raw = read_whole(inp, opts)
    assert inp.roles is not None  # read_whole found them
    phases = {"read": time.perf_counter() - clock}
    tell("clean")
    done = measure_frame(raw.take_frame(), inp.layout, opts, lifecycle, source=inp.name,
                         fmt=inp.format, malformed=raw.malformed, keep_rows=keep_rows,
                         tell=tell, phases=phases, first_line=raw.first_line,
                         history=history, extras=extras)  # fmt: skip
    done.report.phases = phases
    done.report.notes[:0] = raw.notes
    done.report.warnings[:0] = raw.warnings
    return done


def measure_frame(
    frame: pl.DataFrame,
    layout: Layout | dict[str, str],
    opts: LoadOptions,
    lifecycle: Lifecycle | None,
    *,
    source: str,
    fmt: str,
    malformed: list[tuple[int | None, str]] | None = None,
    keep_rows: bool = False,
    tell: Callable[[str], None] | None = None,
    phases: dict[str, float] | None = None,
    first_line: int = 2,
    history: History | None = None,
    extras: Extras | None = None,
) -> MeasuredPart:
    """The in-memory steps on raw rows held whole: the file's facts, parsing, the as-of
    date, then :func:`custseg.engines.steps.measure_part` (phases ``clean`` and
    ``aggregate``, their seconds put in ``phases``). Raises DataError when no row is
    usable."""
    phases = {} if phases is None else phases
    clock = time.perf_counter()
    facts = whole_facts(frame, layout, opts)
    roles = layout.roles if isinstance(layout, Layout) else layout
    part = parse_part(
        frame, roles, opts, facts, source=source, malformed=malformed, first_line=first_line
    )  # the file line of the first row
    del frame  # the raw rows are no longer needed here (part.raw keeps them for --rejects)
    as_of = decide_as_of(opts.as_of, part.latest)
    phases["clean"], clock = time.perf_counter() - clock, time.perf_counter()
    if tell:
        tell("aggregate")
    done = measure_part(part, as_of, opts, lifecycle, source=source, columns=roles, fmt=fmt,
                        keep_rows=keep_rows, history=history, extras=extras)  # fmt: skip
    if done.report.rows_used == 0:
        raise no_rows_left(source, done.report.left_out)
    phases["aggregate"] = time.perf_counter() - clock
    return done
