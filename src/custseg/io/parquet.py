"""Parquet input: a file or a folder of files, its footer checked before it is read, and
the reader's panics turned into errors.

A folder is walked without following directory links (a ``latest`` link to a sibling
folder read every file twice, a link to a parent 41 times), and a file reached by two
names is read once. A file's footer (row groups, declared sizes) is read first, with
pyarrow (~65 ms of imports), then its page headers (:mod:`custseg.io.pages`), and a file
that declares more than its size can hold or than memory can take is refused; a damaged
file that makes Polars panic (a Rust panic, which ``except Exception`` does not catch) is
an InputFileError, its backtrace kept off the terminal.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import polars as pl

from custseg.errors import InputFileError, param
from custseg.io import pages
from custseg.io.limits import BOMB_FLOOR, PARQUET_RATIO, memory_budget, size_text
from custseg.io.panics import no_panic
from custseg.io.source import Source, first_line

#: Bytes of memory a declared uncompressed byte costs once read (Arrow buffers, copies).
MEMORY_PER_DECLARED = 2


def parquet_files(folder: Path) -> list[Path]:
    """The ``.parquet`` files under ``folder``, sorted, each once: links to directories
    are not followed, and a file reached by two names (a link) is taken once."""
    seen: set[str] = set()
    files: list[Path] = []
    for root, _dirs, names in os.walk(folder, followlinks=False):
        for name in names:
            path = Path(root) / name
            real = os.path.realpath(path)
            if name.endswith(".parquet") and real not in seen and os.path.isfile(real):
                seen.add(real)
                files.append(path)
    return sorted(files)


def input_files(source: Source) -> list[Path]:
    """The files of a Parquet input on disk (a file, or a folder's files)."""
    assert source.path is not None
    if not source.path.is_dir():
        return [source.path]
    files = parquet_files(source.path)
    if not files:
        raise InputFileError(f"{source.name}: a folder with no .parquet files in it; pass an "
                             f"order file, or a folder of Parquet files")  # fmt: skip
    return files


def read_parquet(source: Source, budget: int | None = None) -> pl.DataFrame:
    """The rows of a Parquet file or folder (stdin or a pipe: its bytes), after
    :func:`check_footer` on each file."""
    if source.data is not None or source.path is None:
        data = source.data or b""
        check_footer(source.name, io.BytesIO(data), len(data), budget)
        with no_panic(source.name, "PARQUET"):
            return pl.read_parquet(io.BytesIO(data))
    files = input_files(source)
    budget = budget or memory_budget()  # read whole: the memory must hold it
    for path in files:
        check_footer(source.name, path, path.stat().st_size, budget)
    with no_panic(source.name, "PARQUET"):
        return pl.read_parquet(files)


@contextlib.contextmanager
def _opened(target: Path | BinaryIO) -> Iterator[BinaryIO]:
    """A binary file object of ``target``: the one given, else the path opened."""
    if isinstance(target, (str, Path)):
        with open(target, "rb") as fh:
            yield fh
    else:
        yield target


def check_footer(name: str, target, size: int, budget: int | None = None) -> None:
    """Refuse a Parquet file whose footer or page headers cannot be read, whose row groups
    do not add up to its row count, a page of which lies outside the file or expands like
    a bomb (:mod:`custseg.io.pages`), or that declares (in its footer or its pages) more
    uncompressed bytes than :data:`PARQUET_RATIO` times its size (past :data:`BOMB_FLOOR`)
    or than ``budget`` bytes of memory can hold (None: read in parts, no budget to hold it
    whole). ``target``: a path or a binary file object."""
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(target).metadata
        groups = [meta.row_group(i) for i in range(meta.num_row_groups)]
    except Exception as exc:  # noqa: BLE001 - any failure here is a damaged footer
        raise InputFileError(f"{name}: cannot be read as PARQUET ({first_line(exc)}); check "
                             f"that the file is complete and in that format") from None  # fmt: skip
    try:
        with _opened(target) as fh:
            in_pages = pages.declared_by_pages(fh, meta, size)
    except pages.PageError as exc:
        raise InputFileError(f"{name}: a damaged or hostile Parquet file ({exc}); export it "
                             f"again") from None  # fmt: skip
    declared = max(in_pages, sum(max(g.total_byte_size, 0) for g in groups))
    if sum(g.num_rows for g in groups) != meta.num_rows or meta.num_rows < 0:
        raise InputFileError(f"{name}: a damaged Parquet file (its row groups do not add up "
                             f"to its {meta.num_rows} rows); export it again")  # fmt: skip
    if declared > max(BOMB_FLOOR, size * PARQUET_RATIO):
        raise InputFileError(
            f"{name}: the Parquet file declares {size_text(declared)} of data in "
            f"{size_text(size)}, more than it can hold: a damaged or hostile file; export "
            f"it again"
        )
    if budget is not None and declared * MEMORY_PER_DECLARED > budget:
        raise InputFileError(
            f"{name}: the Parquet file holds {size_text(declared)} of data, more than the "
            f"memory ({size_text(budget)}) can read at once; run with {param('chunked')}"
        )
