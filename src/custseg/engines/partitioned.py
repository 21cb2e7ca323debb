"""Segment a CSV or Parquet file larger than memory, in customer partitions.

The file is read once into ``parts`` Parquet partitions keyed by a hash of the
normalised customer id, so every row of a customer (line items, duplicates, returns)
lands in the same partition. A CSV without quotes is read in batches of whole lines,
which lets the progress bar say how far the read is; one with quotes (a quoted field
may hold a line break) goes through one Polars streaming pass. Each partition then
goes through the same in-memory code as a small file
(:func:`custseg.orders.load.normalize_orders`, :func:`custseg.measures.plan.measures`); cut
points come
from all customers' measures; scores, segments and the output are made partition by
partition. Peak memory is about that of one partition plus three numbers per customer.

The results equal the in-memory path's, customer for customer (a test checks it); the
output rows are ordered by partition, then by first appearance in the file.
"""

from __future__ import annotations

import itertools
import math
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from custseg.engines.memory import segment_frame
from custseg.errors import DataError, InputFileError
from custseg.io import readers
from custseg.measures.plan import Lifecycle, measures
from custseg.orders.columns import resolve_columns
from custseg.orders.load import LoadOptions, LoadReport, normalize_orders
from custseg.orders.values import day_first, id_expr
from custseg.segments.rules import RuleTable, builtin_rules, label_segments
from custseg.segments.scoring import ScoringSpec, apply_scores, level_counts

#: The in-memory path peaks at about this many times the CSV's size.
MEMORY_PER_BYTE = 4.0
MAX_PARTS = 512
#: A CSV is read in batches of about this many bytes (whole lines) when cut into parts.
BATCH_BYTES = 64 << 20
#: Whether dates are day first is decided from this many first rows of the file.
DAYFIRST_ROWS = 100_000


def memory_budget() -> int:
    """Bytes this process may use: the cgroup limit, else the memory available now."""
    for limit in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            value = Path(limit).read_text().strip()
            if value.isdigit() and int(value) < 1 << 50:
                return int(value)
        except OSError:
            pass
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 8 << 30


def needs_chunks(path: Path, budget: int) -> bool:
    """Whether the in-memory path would likely pass ``budget`` bytes on this file."""
    return path.is_file() and path.stat().st_size * MEMORY_PER_BYTE > budget


@dataclass
class ChunkedResult:
    """What a chunked run produced; the per-customer rows are in ``output``."""

    report: LoadReport
    cuts: dict[str, list[float]]
    scoring: ScoringSpec
    table: RuleTable
    summary: pl.DataFrame
    levels: dict[str, list[int]]
    customers: int
    parts: int
    phases: dict[str, float] = field(default_factory=dict)


def run_rfm_chunked(
    source: str | Path,
    write: Callable[[pl.LazyFrame], None],
    options: LoadOptions | None = None,
    *,
    budget: int,
    scoring: ScoringSpec | None = None,
    table: RuleTable | None = None,
    lifecycle: Lifecycle | None = None,
    labels: tuple[str, bool] = ("en", False),
    keep: Callable[[pl.LazyFrame], pl.LazyFrame] | None = None,
    on_phase: Callable[[str], None] | None = None,
) -> ChunkedResult:
    """The ``rfm`` job on a file bigger than ``budget`` bytes of memory.

    ``write(lazy_frame)`` receives the labelled per-customer rows (filtered by ``keep``,
    if given) and sinks them to the output. Raises like :func:`custseg.orders.load.read_orders`.
    """
    opts = options or LoadOptions()
    scoring, table = scoring or ScoringSpec(), table or builtin_rules("default")
    tell = on_phase or (lambda name: None)
    src = readers.Source.open(source, opts.encoding)
    if src.path is None or src.compression:
        raise InputFileError(f"{src.name}: only plain CSV or Parquet files can be processed in "
                             f"parts; decompress it first")  # fmt: skip
    need = src.path.stat().st_size * MEMORY_PER_BYTE * 2 / budget
    parts = min(MAX_PARTS, max(2, math.ceil(need)))
    work = Path(tempfile.mkdtemp(prefix="custseg-", dir=os.environ.get("CUSTSEG_TMPDIR")))
    phases: dict[str, float] = {}
    try:
        clock = time.perf_counter()
        tell("read")
        roles, fmt, opts = _partition(src, opts, parts, work / "raw", tell)
        phases["read"] = time.perf_counter() - clock
        report, as_of = _clean(work, roles, opts, src.name, fmt, tell)
        phases["clean"] = time.perf_counter() - clock - phases["read"]
        clock = time.perf_counter()
        tell("aggregate")
        for path in sorted((work / "orders").glob("*.parquet")):
            out = measures(pl.read_parquet(path), as_of, lifecycle, allow_empty=True)
            out.write_parquet(work / "measures" / path.name)
        phases["aggregate"] = time.perf_counter() - clock
        clock = time.perf_counter()
        tell("score")
        numbers = (
            pl.scan_parquet(work / "measures" / "*.parquet")
            .select("recency_days", "frequency", "monetary")
            .collect()
        )
        cuts = scoring.cuts(numbers)
        customers = numbers.height
        del numbers
        levels = None
        for path in sorted((work / "measures").glob("*.parquet")):
            segmented = segment_frame(apply_scores(pl.read_parquet(path), cuts), table)
            counts = level_counts(segmented, cuts)
            levels = (
                counts
                if levels is None
                else {k: [a + b for a, b in zip(levels[k], counts[k], strict=True)] for k in counts}
            )
            labelled = label_segments(segmented, table, *labels)
            labelled.write_parquet(work / "scored" / path.name)
        phases["score"] = time.perf_counter() - clock
        clock = time.perf_counter()
        tell("write")
        scored = pl.scan_parquet(work / "scored" / "*.parquet")
        from custseg.segments.summary import summary_table

        summary = summary_table(scored, table.segment_names())
        write(keep(scored) if keep else scored)
        phases["write"] = time.perf_counter() - clock
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report.phases = phases
    return ChunkedResult(report, cuts, scoring, table, summary, levels, customers, parts, phases)


def _partition(src: readers.Source, opts: LoadOptions, parts: int, folder: Path, tell):
    """Write the file's rows into ``parts`` folders of Parquet files keyed by the
    customer's hash; returns the column roles, the format and ``opts`` with the order of
    day and month decided."""
    fmt = readers.detect_format(src)
    if fmt == "parquet":
        plan = pl.scan_parquet(src.path if not src.path.is_dir() else src.path / "**/*.parquet")
        header = plan.collect_schema().names()
    elif fmt == "csv":
        dialect = readers.sniff_csv(src)
        if dialect.delimiter == "whitespace" or dialect.encoding not in ("utf-8", "utf-8-sig"):
            raise InputFileError(f"{src.name}: processing in parts needs a comma-, tab- or "
                                 f"semicolon-separated UTF-8 file")  # fmt: skip
        header = readers.read_header(src, fmt)
        plan = None
    else:
        raise InputFileError(f"{src.name}: only CSV or Parquet files can be processed in parts")
    roles = resolve_columns(header, opts.columns)
    text = [roles[r] for r in ("customer", "order") if r in roles]
    if plan is None:
        plan = pl.scan_csv(src.path, separator=dialect.delimiter,
                           schema_overrides=dict.fromkeys(text, pl.String),
                           infer_schema_length=10_000)  # fmt: skip
    schema = plan.collect_schema()
    if opts.dayfirst is None:  # decided once, from the first rows: every part reads alike
        head = plan.select(roles["date"]).head(DAYFIRST_ROWS).collect().to_series()
        opts = replace(opts, dayfirst=day_first(head))
    customer = id_expr(roles["customer"], schema[roles["customer"]])
    folder.mkdir(parents=True)
    for sub in ("orders", "measures", "scored"):
        (folder.parent / sub).mkdir()

    def keyed(rows: pl.LazyFrame) -> pl.LazyFrame:
        return rows.with_columns(__part=(customer.hash(seed=7) % parts).cast(pl.Int32))

    try:
        if fmt == "csv" and _partition_csv(
            src.path, dialect.delimiter, schema, keyed, folder, tell
        ):
            return roles, fmt, opts
        # one streaming pass (a quoted field may hold a line break: no cutting by lines)
        keyed(plan.with_row_index("__row", offset=2)).sink_parquet(
            pl.PartitionBy(folder, key="__part", include_key=False),
            mkdir=True,
            engine="streaming",
        )
    except pl.exceptions.PolarsError as exc:
        raise InputFileError(
            f"{src.name}: cannot be read in parts ({str(exc).splitlines()[0]});"
            f" fix the file or run without --chunked"
        ) from None
    return roles, fmt, opts


def _partition_csv(path: Path, separator: str, schema, keyed, folder: Path, tell) -> bool:
    """Read a CSV in batches of whole lines (``read i/n`` tells how far) and write each
    batch's rows to their partition's folder. At the first double quote (a quoted field
    may hold a line break) it stops, removes what it wrote and answers False."""
    batches = max(1, math.ceil(path.stat().st_size / BATCH_BYTES))
    line = 2  # the header is line 1
    with open(path, "rb") as fh:
        fh.readline()  # the header: the names come with the schema
        for i in itertools.count(1):
            lines = fh.read(BATCH_BYTES)
            if not lines:
                break
            tell(f"read {min(i, batches)}/{batches}")
            lines += fh.readline()  # up to the end of the line
            if b'"' in lines:
                for written in folder.rglob("*.parquet"):
                    written.unlink()
                return False
            frame = pl.read_csv(lines, separator=separator, schema=schema, has_header=False)
            frame = keyed(frame.lazy().with_row_index("__row", offset=line)).collect()
            line += frame.height
            for (part,), rows in frame.partition_by("__part", as_dict=True,
                                                   include_key=False).items():  # fmt: skip
                target = folder / f"__part={part}"
                target.mkdir(exist_ok=True)
                rows.write_parquet(target / f"{i:05d}.parquet")
    return True


def _clean(work: Path, roles: dict, opts: LoadOptions, source: str, fmt: str, tell):
    """Clean each partition like a small file; sum the row accounting."""
    folders = sorted({path.parent for path in (work / "raw").rglob("*.parquet")})
    total: LoadReport | None = None
    for i, folder in enumerate(folders, 1):
        tell(f"clean {i}/{len(folders)}")
        files = sorted(folder.glob("*.parquet"))
        frame = pl.read_parquet(files)
        lines = frame["__row"]
        raw = readers.RawTable(frame.drop("__row"), fmt, lines=lines)
        del frame  # the raw table owns the rows now: normalize_orders frees them early
        result = normalize_orders(None, roles, opts, source=source, raw=raw, allow_empty=True)
        result.measurable().write_parquet(work / "orders" / f"{i:05d}.parquet")
        total = _add(total, result.report)
        del raw, result  # before the next part is read: one part in memory at a time
        for path in files:
            path.unlink()
    if total is None or total.rows_used == 0:
        raise DataError(
            f"{source}: no usable rows left after cleaning; check the column "
            f"choices with --customer-col/--date-col/--amount-col"
        )
    return total, opts.as_of or total.as_of


def _add(total: LoadReport | None, part: LoadReport) -> LoadReport:
    if total is None:
        return replace(part, left_out=dict(part.left_out))
    total.rows_read += part.rows_read
    total.orders += part.orders
    total.returns += part.returns
    if part.rows_used:  # an empty partition's as-of says nothing
        total.as_of = max(total.as_of, part.as_of) if total.rows_used else part.as_of
    for reason, n in part.left_out.items():
        total.left_out[reason] = total.left_out.get(reason, 0) + n
    return total
