"""Write per-customer frames and summaries to files, completely or not at all."""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from .errors import OutputError

FORMATS = ("csv", "parquet", "json", "jsonl")
_SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".json": "json",
             ".jsonl": "jsonl", ".ndjson": "jsonl"}  # fmt: skip
_DATETIME = "%Y-%m-%d %H:%M:%S"


def format_for(path: str, explicit: str | None = None) -> str:
    """The output format: ``explicit`` if given, else from the file suffix."""
    if explicit:
        return explicit
    if path == "-":
        return "csv"
    fmt = _SUFFIXES.get(Path(path).suffix.lower())
    if fmt is None:
        raise OutputError(
            f"{path}: cannot tell the output format from the suffix; "
            f"use .csv, .parquet, .json or .jsonl, or pass --format"
        )
    return fmt


@contextlib.contextmanager
def atomic_path(path: str) -> Iterator[str]:
    """Yield a temporary file name beside ``path``; rename it to ``path`` on success.

    A crash, an error or a kill before the rename leaves no file at ``path``.
    """
    target = Path(path)
    if not target.parent.is_dir():
        raise OutputError(f"{path}: folder {target.parent} does not exist; create it first")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror})") from None
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, target)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror})") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def write_frame(frame, path: str, fmt: str) -> None:
    """Write ``frame`` (Polars or pandas) to ``path`` (``-`` is stdout) in ``fmt``, atomically."""
    if not isinstance(frame, pl.DataFrame):
        frame = pl.from_pandas(frame)
    if path == "-":
        if fmt == "parquet":
            raise OutputError("Parquet cannot be written to stdout; give a file name with -o")
        buffer = io.BytesIO()
        _write(frame, buffer, fmt)
        sys.stdout.write(buffer.getvalue().decode("utf-8"))
        sys.stdout.flush()
        return
    with atomic_path(path) as tmp:
        _write(frame, tmp, fmt)


def write_json(data: dict, path: str) -> None:
    """Write ``data`` as JSON to ``path`` (``-`` is stdout), atomically."""
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if path == "-":
        sys.stdout.write(text)
        return
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)


def _write(frame: pl.DataFrame, target, fmt: str) -> None:
    if fmt == "parquet":
        frame.write_parquet(target)
    elif fmt == "csv":
        frame.write_csv(target, datetime_format=_DATETIME)
    elif fmt == "jsonl":
        _text_times(frame).write_ndjson(target)
    elif fmt == "json":
        _text_times(frame).write_json(target)
    else:
        raise OutputError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def _text_times(frame: pl.DataFrame) -> pl.DataFrame:
    """Datetimes as ISO text for JSON, so that every consumer reads them the same way."""
    return frame.with_columns(pl.col(pl.Datetime).dt.strftime("%Y-%m-%dT%H:%M:%S"))
