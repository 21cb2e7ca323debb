"""The in-memory engine: the whole input read at once, as one part."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from custseg.engines.steps import Measured, measure_part
from custseg.measures.plan import Lifecycle
from custseg.orders.accounting import decide_as_of
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
) -> Measured:
    """Read ``source`` whole, clean it and measure its customers (phases ``read``,
    ``clean``, ``aggregate``; their seconds in ``report.phases``)."""
    clock = time.perf_counter()
    tell("read")
    inp = open_input(source, opts)
    raw = read_whole(inp, opts)
    frame, raw.frame = raw.frame, None  # owned here only: freed once parsed
    assert inp.roles is not None  # read_whole found them
    phases = {"read": time.perf_counter() - clock}
    clock = time.perf_counter()
    tell("clean")
    facts = whole_facts(frame, inp.roles, opts)
    part = parse_part(frame, inp.roles, opts, facts, source=inp.name, malformed=raw.malformed)
    del frame  # the raw rows are no longer needed (part.raw keeps them for --rejects)
    as_of = decide_as_of(opts.as_of, part.latest)
    phases["clean"] = time.perf_counter() - clock
    clock = time.perf_counter()
    tell("aggregate")
    done = measure_part(part, as_of, opts, lifecycle, source=inp.name, columns=inp.roles,
                        fmt=inp.format)  # fmt: skip
    del part
    if done.report.rows_used == 0:
        raise no_rows_left(inp.name, done.report.left_out)
    phases["aggregate"] = time.perf_counter() - clock
    done.report.phases = phases
    return Measured(done.measures.drop("row"), done.report, done.rejects)
