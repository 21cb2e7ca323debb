"""Read an order file into a raw DataFrame, whatever its format.

This module owns file formats only: it knows nothing of customers or orders.
``read_raw`` returns the file's columns unchanged except that the columns named
in ``text_columns`` are read as text (ids keep their leading zeros).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import InputFileError

PARQUET_SUFFIXES = (".parquet", ".pq")


@dataclass(frozen=True)
class CsvDialect:
    """What was detected about a delimited text file."""

    delimiter: str  # "," ";" "\t" "|" or "whitespace"
    encoding: str


def detect_format(path: Path) -> str:
    """Return ``csv`` or ``parquet`` from the file name (a directory is Parquet)."""
    if path.is_dir():
        return "parquet"
    name = path.name.lower()
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    return "csv"


def sniff_csv(path: Path, encoding: str | None = None) -> CsvDialect:
    """Detect the delimiter and encoding of a delimited text file from its first bytes."""
    head = _head_bytes(path)
    if not head.strip():
        raise InputFileError(f"{path}: the file is empty; export the orders again")
    if b"\x00" in head[:4096]:
        raise InputFileError(f"{path}: this is a binary file, not CSV; pass a CSV or Parquet file")
    enc = encoding or _guess_encoding(head)
    text = head.decode(enc, errors="replace")
    first = text.splitlines()[0] if text.splitlines() else ""
    return CsvDialect(delimiter=_guess_delimiter(first), encoding=enc)


def _head_bytes(path: Path, size: int = 65536) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(size)
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read the file ({exc.strerror})") from None


def _guess_encoding(head: bytes) -> str:
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3:  # a character cut by the sample boundary
            return "utf-8"
    return "gb18030"


def _guess_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=counts.get)
    if counts[best] > 0:
        return best
    if len(header.split()) > 1:
        return "whitespace"
    return ","


def read_csv_header(path: Path, dialect: CsvDialect) -> list[str]:
    """The column names of a delimited text file."""
    with open(path, encoding=dialect.encoding, errors="replace", newline="") as fh:
        line = fh.readline()
    if dialect.delimiter == "whitespace":
        return line.split()
    row = next(csv.reader(io.StringIO(line), delimiter=dialect.delimiter), [])
    return [c.strip() for c in row]


def read_raw(path: Path, text_columns: list[str], dialect: CsvDialect | None = None) -> pd.DataFrame:
    """Read the whole file; ``text_columns`` are kept as strings.

    Raises
    ------
    InputFileError
        When the file cannot be parsed in its format.
    """
    fmt = detect_format(path)
    try:
        if fmt == "parquet":
            return pd.read_parquet(path)
        dialect = dialect or sniff_csv(path)
        return _read_csv(path, dialect, text_columns)
    except InputFileError:
        raise
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        kind = "Parquet" if fmt == "parquet" else "CSV"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputFileError(
            f"{path}: cannot be read as {kind} ({first}); check the file is complete "
            f"and in that format"
        ) from None


def _read_csv(path: Path, dialect: CsvDialect, text_columns: list[str]) -> pd.DataFrame:
    dtype = dict.fromkeys(text_columns, "string")
    if dialect.delimiter == "whitespace":
        return pd.read_csv(path, sep=r"\s+", dtype=dtype, encoding=dialect.encoding)
    return pd.read_csv(
        path,
        sep=dialect.delimiter,
        dtype=dtype,
        encoding=dialect.encoding,
        skipinitialspace=True,
    )
