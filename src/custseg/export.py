"""Write per-customer frames to files, completely or not at all."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

import pandas as pd

from .errors import OutputError

FORMATS = ("csv", "parquet", "json", "jsonl")
_SUFFIXES = {
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}


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


def write_frame(frame: pd.DataFrame, path: str, fmt: str) -> None:
    """Write ``frame`` to ``path`` (``-`` is stdout) in ``fmt``.

    A file is written to a temporary name in the same folder and renamed into
    place, so readers never see a half-written file.
    """
    if path == "-":
        if fmt == "parquet":
            raise OutputError("Parquet cannot be written to stdout; give a file name with -o")
        sys.stdout.write(_to_text(frame, fmt))
        sys.stdout.flush()
        return
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"{path}: folder {folder} does not exist; create it first")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        _write(frame, tmp, fmt)
        os.replace(tmp, target)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror})") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _write(frame: pd.DataFrame, path: str, fmt: str) -> None:
    if fmt == "parquet":
        frame.to_parquet(path, index=False)
    else:
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write(_to_text(frame, fmt))


def _to_text(frame: pd.DataFrame, fmt: str) -> str:
    if fmt == "csv":
        return frame.to_csv(index=False, date_format="%Y-%m-%d %H:%M:%S")
    if fmt == "json":
        return frame.to_json(orient="records", date_format="iso", force_ascii=False, indent=1)
    if fmt == "jsonl":
        return frame.to_json(orient="records", lines=True, date_format="iso", force_ascii=False)
    raise OutputError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
