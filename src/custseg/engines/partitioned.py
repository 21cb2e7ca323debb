"""The partitioned engine: an input larger than memory, in customer partitions.

The file is read once into ``parts`` Parquet partitions keyed by a hash of the
normalised customer id, so every row of a customer (line items, duplicates, returns)
lands in the same partition. A CSV without quotes is read in batches of whole lines,
which lets the progress bar say how far the read is; one with quotes (a quoted field
may hold a line break) goes through one Polars streaming pass. Every row keeps its file
line.

Then the same steps as in memory (:mod:`custseg.engines.steps`), with what is decided
once for the whole input decided over all the partitions: the file's facts (day-first
dates, ``C`` cancellations, unique order ids) from a scan of every part before any row is
parsed, and the as-of date from every part's latest date before any part is measured.
The customers' measures are gathered and put in the order of each customer's first row
in the file: the result is the in-memory engine's, byte for byte. Peak memory is about
that of one partition plus the per-customer measures.
"""

from __future__ import annotations

import codecs
import itertools
import math
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import polars as pl

from custseg.engines.budget import MEMORY_PER_BYTE
from custseg.engines.steps import Measured, MeasuredPart, measure_part
from custseg.errors import DataError, InputFileError, param
from custseg.io import delimited, encodings, parquet, readers
from custseg.io.panics import no_panic
from custseg.measures.extras import Extras, add_up
from custseg.measures.history import History, add_days
from custseg.measures.plan import Lifecycle
from custseg.orders.accounting import decide_as_of
from custseg.orders.columns import Layout, read_layout
from custseg.orders.facts import decide_facts
from custseg.orders.load import (
    LoadOptions,
    ParsedPart,
    by_text_columns,
    facts_options,
    no_rows_left,
    open_input,
    parse_part,
)
from custseg.orders.values import id_expr

MAX_PARTS = 512
#: A CSV is read in batches of about this many bytes (whole lines) when cut into parts, at
#: most; less under a smaller budget (:func:`batch_bytes`).
BATCH_BYTES = 64 << 20
#: A batch costs up to about this many times its bytes while it is cut (the lines, their
#: frame with its keys, the frame split by part): measured ~10 for narrow rows (3 columns,
#: 14 bytes a row: a 64 MB batch took 620 MB). A batch gets the budget's share that keeps
#: it within the budget with room for the rest, never less than :data:`MIN_BATCH`.
BATCH_COST, MIN_BATCH = 16, 1 << 20
#: The UTF-8 copy of a compressed or re-encoded input is written in blocks of this size
#: (decoded, a block is held about three times: bytes, text, bytes again).
COPY_BLOCK = 1 << 22


def measure_in_parts(
    source: str | Path,
    opts: LoadOptions,
    lifecycle: Lifecycle | None,
    tell: Callable[[str], None],
    budget: int,
    history: History | None = None,
    extras: Extras | None = None,
) -> Measured:
    """Measure the customers of a file bigger than ``budget`` bytes of memory (phases
    ``read i/n``, ``clean i/n``, ``aggregate i/n``)."""
    src = open_input(source, opts).source  # the encoding, delimiter and header line found
    work = Path(tempfile.mkdtemp(prefix="custseg-", dir=os.environ.get("CUSTSEG_TMPDIR")))
    phases: dict[str, float] = {}
    try:
        clock = time.perf_counter()
        tell("read")
        layout, fmt, warnings = _read_parts(src, opts, work, budget, tell)
        roles = layout.roles
        phases["read"] = time.perf_counter() - clock
        clock = time.perf_counter()
        parsed = _parse_parts(work, layout, opts, src.name, tell)
        phases["clean"] = time.perf_counter() - clock
        clock = time.perf_counter()
        as_of = decide_as_of(opts.as_of, max((p.latest for p in parsed if p.latest), default=None))
        done: list[MeasuredPart] = []
        for i, part in enumerate(parsed, 1):
            tell(f"aggregate {i}/{len(parsed)}")
            done.append(measure_part(part.load(), as_of, opts, lifecycle, source=src.name,
                                     columns=roles, fmt=fmt, history=history,
                                     extras=extras))  # fmt: skip
        phases["aggregate"] = time.perf_counter() - clock
    finally:
        shutil.rmtree(work, ignore_errors=True)
    measured = _gather(done, src.name, phases)
    notes = delimited.reader_notes(src, readers.sniff_csv(src)) if fmt == "csv" else []
    measured.report.notes[:0] = notes
    measured.report.warnings[:0] = warnings
    return measured


class _NotUtf8(Exception):
    """A file taken for UTF-8 from its first bytes has a later byte that is not."""


def _read_parts(src: readers.Source, opts: LoadOptions, work: Path, budget: int,
                tell: Callable[[str], None]) -> tuple[Layout, str, list[str]]:  # fmt: skip
    """Cut the input into partitions in ``work / "raw"``; the column layout, the format and
    the reader's warnings. A file found not to be UTF-8 past its first bytes is read again
    in its encoding."""
    for attempt in (1, 2):
        path, fmt, warnings = _plain_input(src, work, opts.strict)
        size = sum(f.stat().st_size for f in _files(path))
        parts = min(MAX_PARTS, max(2, math.ceil(size * MEMORY_PER_BYTE * 2 / budget)))
        try:
            return _partition(src, path, fmt, opts, (parts, batch_bytes(budget)), work / "raw",
                              tell), fmt, warnings  # fmt: skip
        except _NotUtf8:
            if attempt == 2:
                raise InputFileError(f"{src.name}: cannot be read as UTF-8; pass its "
                                     f"{param('encoding')}") from None  # fmt: skip
            encoding, _ = delimited.not_utf8(src)  # or a clear InputFileError
            src._dialect = replace(readers.sniff_csv(src), encoding=encoding)
            shutil.rmtree(work / "raw", ignore_errors=True)
    raise AssertionError("unreachable")


def _gather(done: list[MeasuredPart], source: str, phases: dict[str, float]) -> Measured:
    """The parts' measures in the order of each customer's first row in the file, their
    accounting summed and their rows left out in file order."""
    report = sum((d.report for d in done[1:]), done[0].report)
    if report.rows_used == 0:
        raise no_rows_left(source, report.left_out)
    report.phases = phases
    measures = pl.concat([d.measures for d in done]).sort("line").drop("row", "line")
    rejects = None
    if done[0].rejects is not None:
        rejects = pl.concat([d.rejects for d in done if d.rejects is not None],
                            how="diagonal_relaxed").sort("line", maintain_order=True)  # fmt: skip
    daily = None
    if done[0].history_days is not None:
        daily = add_days([d.history_days for d in done if d.history_days is not None])
    found = None
    if done[0].extras is not None:
        found = add_up([d.extras for d in done if d.extras is not None])
    return Measured(measures, report, rejects, len(done), daily, found)


class _StoredPart:
    """A parsed part kept on disk between the passes (the as-of date needs them all)."""

    def __init__(self, folder: Path, i: int, part: ParsedPart):
        self.rows_path = folder / f"rows-{i:05d}.parquet"
        part.rows.write_parquet(self.rows_path)
        self.raw_path = None
        if part.raw is not None:
            self.raw_path = folder / f"raw-{i:05d}.parquet"
            part.raw.write_parquet(self.raw_path)
        self.one_row_per_order, self.latest = part.one_row_per_order, part.latest
        self.facts, self.findings = part.facts, part.findings

    def load(self) -> ParsedPart:
        raw = pl.read_parquet(self.raw_path) if self.raw_path else None
        rows = pl.read_parquet(self.rows_path)
        return ParsedPart(rows, self.one_row_per_order, [], self.latest, raw, self.facts,
                          self.findings)  # fmt: skip


def _parse_parts(work: Path, layout: Layout, opts: LoadOptions, source: str,
                 tell: Callable[[str], None]) -> list[_StoredPart]:  # fmt: skip
    """Parse each partition with the facts of the whole file; keep the results on disk."""
    files = sorted((work / "raw").rglob("*.parquet"))
    if not files:  # a header and no rows, as in memory
        raise DataError(f"{source}: the file has a header but no rows; export the orders again")
    roles = layout.roles
    facts = decide_facts(pl.scan_parquet(files), layout, order_by="__row",
                         **facts_options(opts))  # fmt: skip
    folders = sorted({path.parent for path in files})
    (work / "parsed").mkdir()
    stored = []
    for i, folder in enumerate(folders, 1):
        tell(f"clean {i}/{len(folders)}")
        part_files = sorted(folder.glob("*.parquet"))
        frame = pl.read_parquet(part_files)
        lines = frame["__row"]
        part = parse_part(frame.drop("__row"), roles, opts, facts, source=source, lines=lines)
        del frame
        stored.append(_StoredPart(work / "parsed", i, part))
        for path in part_files:
            path.unlink()
    return stored


def _plain_input(src: readers.Source, work: Path,
                 strict: bool) -> tuple[Path, str, list[str]]:  # fmt: skip
    """The input as a file Polars can scan, its format and the warnings about its end
    (:func:`_checked_end`): the file itself when it is
    Parquet or a plain UTF-8 CSV; else (compressed, stdin, another encoding such as
    GB18030) a UTF-8 copy in ``work``, written in blocks: memory stays bounded."""
    fmt = readers.detect_format(src)
    if fmt == "parquet" and src.data is not None:  # a pipe: its bytes, once, to a file
        (work / "input.parquet").write_bytes(src.data)
        src = replace(src, path=work / "input.parquet", data=None)
    if fmt == "parquet" and src.path is not None and not src.compression:
        for path in _files(src.path):
            parquet.check_footer(src.name, path, path.stat().st_size)
        return src.path, fmt, []
    if fmt != "csv":
        raise InputFileError(f"{src.name}: only CSV or Parquet files can be processed in parts")
    dialect = readers.sniff_csv(src)
    if dialect.delimiter == "whitespace":
        raise InputFileError(f"{src.name}: processing in parts needs a comma-, tab- or "
                             f"semicolon-separated file")  # fmt: skip
    plain = src.path if src.plain_file else None
    if plain is not None and dialect.encoding == "utf-8" and dialect.lines_above == 0:
        return plain, fmt, _checked_end(src, plain, strict)
    copy = work / "input.csv"
    try:
        _utf8_copy(src, dialect, copy)
    except UnicodeDecodeError:
        with src.binary() as fh:
            _, line, rest = encodings.find_bad_byte(fh, dialect.encoding) or (0, 0, b"")
        raise encodings.bad_byte_error(src.name, dialect.encoding, line, rest) from None
    except (OSError, EOFError) as exc:
        raise InputFileError(f"{src.name}: cannot be read ({exc}); check the file") from None
    return copy, fmt, _checked_end(src, copy, strict)


def _checked_end(src: readers.Source, path: Path, strict: bool) -> list[str]:
    """The warnings about the end of ``path``: with ``strict``, a last line without a line
    ending fails, as in memory; a last line cut inside a quoted value always does (in
    memory it is left out as malformed)."""
    warnings, cut = delimited.check_end(src.name, path, strict)
    if cut:
        raise InputFileError(f"{src.name}: the last line (line {cut[1]}) ends inside a quoted "
                             f"value: the file may still be being written; wait for the export "
                             f"to finish, or run without {param('chunked')}")  # fmt: skip
    return warnings


def _utf8_copy(src: readers.Source, dialect: readers.CsvDialect, copy: Path) -> None:
    """Write the input, from its header line (or first row) on, to ``copy`` in UTF-8, in
    blocks."""
    decoder = codecs.getincrementaldecoder(dialect.encoding)()
    skip = dialect.lines_above  # the lines above the header
    with src.binary() as fh, open(copy, "wb") as out:
        while True:
            block = fh.read(COPY_BLOCK)
            text = decoder.decode(block, final=not block)
            while skip and text:
                end = text.find("\n")
                text, skip = ("", skip) if end < 0 else (text[end + 1 :], skip - 1)
            out.write(text.encode("utf-8"))
            if not block:
                break


def batch_bytes(budget: int) -> int:
    """The bytes of lines a CSV is read in per batch under a memory ``budget``: its share
    (:data:`BATCH_COST`), at least :data:`MIN_BATCH`, at most :data:`BATCH_BYTES`."""
    return min(BATCH_BYTES, max(MIN_BATCH, budget // BATCH_COST))


def _files(path: Path) -> list[Path]:
    """The Parquet files of an input: each once, directory links not followed."""
    return parquet.parquet_files(path) if path.is_dir() else [path]


def _partition(src: readers.Source, path: Path, fmt: str, opts: LoadOptions,
               cut: tuple[int, int], folder: Path,
               tell: Callable[[str], None]) -> Layout:  # fmt: skip
    """Write the rows of ``path`` (``src``, read as plain UTF-8 CSV or Parquet) and their
    file lines (``__row``) into ``parts`` folders of Parquet files keyed by the customer's
    hash, a CSV read in batches of ``batch`` bytes (``cut``: parts, batch); returns the
    layout of its columns. A text ``path`` starts at the header, which is on line
    ``header_line`` of the input: file lines count from it (without a header line, ``path``
    starts at the first row, line 1). What Polars fails on, its
    schema included (a Parquet footer pyarrow reads and Polars does not), is an
    InputFileError; a CSV found not to be UTF-8, :class:`_NotUtf8`."""
    try:
        with no_panic(src.name, fmt.upper()):  # a Rust panic on a damaged file
            return _partition_rows(src, path, fmt, opts, cut, folder, tell)
    except pl.exceptions.PolarsError as exc:
        if fmt == "csv" and "utf" in str(exc).lower() and not src.encoding:
            raise _NotUtf8() from None
        raise InputFileError(
            f"{src.name}: cannot be read in parts ({str(exc).splitlines()[0]});"
            f" fix the file or run without {param('chunked')}"
        ) from None


def _partition_rows(src: readers.Source, path: Path, fmt: str, opts: LoadOptions,
                    cut: tuple[int, int], folder: Path,
                    tell: Callable[[str], None]) -> Layout:  # fmt: skip
    """:func:`_partition`, Polars' errors let through."""
    if fmt == "parquet":
        plan = pl.scan_parquet(_files(path))
        header = plan.collect_schema().names()
    else:
        separator = readers.sniff_csv(src).delimiter
        header = readers.read_header(src, fmt)
        plan = None
    has_header = fmt != "csv" or readers.sniff_csv(src).has_header
    first = readers.sniff_csv(src).header_line + 1 if fmt == "csv" else 2
    layout = read_layout(header, opts.columns, opts.platform)
    roles = layout.roles
    text = [roles[r] for r in ("customer", "order") if r in roles]
    text += by_text_columns(header, opts.by)
    if opts.keep_rejects:  # the rows left out are echoed as written, as in memory
        text = list(dict.fromkeys(header))
    if plan is None:
        plan = pl.scan_csv(path, separator=separator, has_header=has_header,
                           schema_overrides=dict.fromkeys(text, pl.String),
                           with_column_names=delimited.header_names(header),
                           infer_schema_length=10_000)  # fmt: skip
    schema = plan.collect_schema()
    folder.mkdir(parents=True)
    parts, batch = cut
    keyed = _Keys(roles, schema, parts)
    if fmt == "csv" and _partition_csv(path, separator, schema, keyed, folder, tell, first,
                                       has_header, batch):  # fmt: skip
        return layout
    # one streaming pass (a quoted field may hold a line break: no cutting by lines)
    keyed(plan.with_row_index("__row", offset=first)).sink_parquet(
        pl.PartitionBy(folder, key="__part", include_key=False),
        mkdir=True,
        engine="streaming",
    )
    return layout


class _Keys:
    """The partition of each row: its customer's hash, so that a customer's rows are in one
    part. A row without a customer that continues the order of the row above it (a
    Shopify line item: the email on the order's first line only) goes with that row, so
    that the parts can fill it in as the whole input does. ``carry``: the rows are one
    batch of a file read in batches; the last row of the batch before continues into it."""

    def __init__(self, roles: dict[str, str], schema, parts: int):
        self.parts = parts
        self.customer = id_expr(roles["customer"], schema[roles["customer"]])
        self.order = id_expr(roles["order"], schema[roles["order"]]) if "order" in roles else None
        self.last: tuple[str | None, str | None] = (None, None)  # order, key

    def __call__(self, rows: pl.LazyFrame, carry: bool = False) -> pl.LazyFrame:
        key = self.customer
        if self.order is not None:
            last_order, last_key = self.last if carry else (None, None)
            above = self.order.shift(1, fill_value=pl.lit(last_order, pl.String))
            inherited = self.customer.forward_fill().fill_null(pl.lit(last_key, pl.String))
            key = pl.when(self.customer.is_null() & (self.order == above)).then(inherited)
            key = key.otherwise(self.customer)
        keyed = rows.with_columns(__key=key)
        if carry and self.order is not None:
            keyed = keyed.collect().lazy()
            self.last = keyed.select(self.order.last(), pl.col("__key").last()).collect().row(0)
        part = (pl.col("__key").hash(seed=7) % self.parts).cast(pl.Int32)
        return keyed.with_columns(__part=part).drop("__key")


def _partition_csv(path: Path, separator: str, schema, keyed, folder: Path, tell,
                   first: int = 2, has_header: bool = True,
                   batch: int = BATCH_BYTES) -> bool:  # fmt: skip
    """Read a CSV in batches of about ``batch`` bytes of whole lines (``read i/n`` tells how
    far) and write each batch's rows to their partition's folder. At the first double quote
    (a quoted field may hold a line break) it stops, removes what it wrote and answers
    False."""
    batches = max(1, math.ceil(path.stat().st_size / batch))
    line = first  # the file line of the first row
    with open(path, "rb") as fh:
        if has_header:
            fh.readline()  # the header: the names come with the schema
        for i in itertools.count(1):
            lines = fh.read(batch)
            if not lines:
                break
            tell(f"read {min(i, batches)}/{batches}")
            lines += fh.readline()  # up to the end of the line
            if b'"' in lines:
                for written in folder.rglob("*.parquet"):
                    written.unlink()
                return False
            frame = pl.read_csv(lines, separator=separator, schema=schema, has_header=False)
            frame = keyed(frame.lazy().with_row_index("__row", offset=line), carry=True).collect()
            line += frame.height
            for (part,), rows in frame.partition_by("__part", as_dict=True,
                                                   include_key=False).items():  # fmt: skip
                target = folder / f"__part={part}"
                target.mkdir(exist_ok=True)
                rows.write_parquet(target / f"{i:05d}.parquet")
    return True
