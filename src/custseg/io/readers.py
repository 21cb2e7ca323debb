"""Read an order file into a raw DataFrame, whatever its format.

This package owns file formats only; it knows nothing of customers or orders (the
caller may say which cells are known column names, to find a header below title lines).

==========  ==================================================================
format      detected from
==========  ==================================================================
csv         any other name: ``.csv``, ``.tsv``, ``.txt`` ... (delimiter sniffed:
            comma, tab, semicolon, pipe or runs of whitespace; UTF-8, UTF-8 with
            BOM, UTF-16 with BOM, GB18030 or Windows-1252 detected; title lines
            above the header skipped), optionally ``.gz`` / ``.bz2`` / ``.xz`` /
            ``.zip`` compressed; ``-`` is CSV on stdin (:mod:`.delimited`)
parquet     ``.parquet`` / ``.pq``, a directory of Parquet files, or ``PAR1`` magic
excel       ``.xlsx`` / ``.xlsm`` / ``.xls`` holding a workbook (``PK`` or OLE2 magic),
            or a zip holding ``xl/`` (first sheet) (:mod:`.sheets`)
html        an ``.xls`` (or ``.xlsx``) name on an HTML page: its first table
csv         an ``.xls`` (or ``.xlsx``) name on any other text (a TSV, a CSV)
jsonl       ``.jsonl`` / ``.ndjson`` / ``.json`` (one object per line)
postgresql  a ``postgresql://``, ``mysql://`` or ``sqlite:///`` URL with a table or
mysql       a query (:mod:`.database`): typed columns, read whole like Parquet
sqlite
==========  ==================================================================
"""

from __future__ import annotations

from pathlib import Path

from custseg.errors import InputFileError
from custseg.frames import from_pandas
from custseg.io import delimited, parquet, sheets
from custseg.io.panics import no_panic
from custseg.io.source import COMPRESSIONS, HEAD_BYTES, CsvDialect, RawTable, Source, first_line
from custseg.notes import Note

__all__ = ["COMPRESSIONS", "HEAD_BYTES", "CsvDialect", "RawTable", "Source", "detect_format",
           "head_values", "read_header", "read_raw", "sniff_csv"]  # fmt: skip

_FORMATS = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".xls": "excel",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}
_OLE2 = b"\xd0\xcf\x11\xe0"  # an old-format .xls workbook
_MARKUP = (b"<html", b"<table", b"<!doctype html", b"<?xml", b"<meta", b"<head", b"<body")


def detect_format(source: Source) -> str:
    """``csv``, ``parquet``, ``excel``, ``html`` or ``jsonl`` from the name, then the
    content: an Excel name on a file that holds no workbook is read for what it holds; a
    database: its kind (``postgresql``, ``mysql``, ``sqlite``)."""
    if source.database is not None:
        return source.database.kind
    if source.path is not None and source.path.is_dir():
        return "parquet"
    name = source.name.lower()
    if source.compression:
        name = name[: -len(source.compression)]
    fmt = _FORMATS.get(Path(name).suffix, "csv")
    if fmt == "csv" and source.compression != ".zip":
        head = source.head(4096)
        if head.startswith(b"PAR1"):
            return "parquet"
        if head.startswith(b"PK\x03\x04") and b"xl/" in head:
            return "excel"
    if fmt == "excel":
        return _excel_content(source)
    return fmt


def _excel_content(source: Source) -> str:
    """What a file with an Excel name holds: ``excel`` (a zip or OLE2 workbook), ``html``
    (a page or an XML table saved as .xls) or ``csv`` (tab- or comma-separated text)."""
    head = source.head(4096)
    if head.startswith((b"PK\x03\x04", _OLE2)) or not head.strip():
        return "excel"
    text = head.lstrip(b"\xef\xbb\xbf").lstrip().lower()
    if text.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in text:
        raise InputFileError(f"{source.name}: an Excel 2003 XML spreadsheet, which cannot be "
                             f"read; open it in Excel and save it as .xlsx or CSV")  # fmt: skip
    if text.startswith(_MARKUP):
        return "html"
    return "csv"


def sniff_csv(source: Source) -> CsvDialect:
    """Detect the encoding, delimiter and header line of a delimited text file from its
    first bytes (once per source)."""
    return delimited.sniff(source)


def read_header(source: Source, fmt: str) -> list[str] | None:
    """The column names of a text file without reading it all, or of a database table or
    query (its first rows); None for other formats."""
    if source.database is not None:
        return source.database.header()
    return delimited.read_header(source) if fmt == "csv" else None


def head_values(source: Source, column: str) -> list[str] | None:
    """The non-empty values of ``column`` in the whole lines of a delimited text file's
    first bytes (None when they cannot be read so)."""
    return delimited.head_values(source, column)


def read_raw(source: Source, fmt: str, text_columns: list[str],
             date_columns: tuple[str, ...] = (), strict: bool = False) -> RawTable:  # fmt: skip
    """Read the whole file into a Polars frame; ``text_columns`` are kept as strings.

    ``date_columns`` (CSV) are parsed as ``YYYY-MM-DD`` dates by the reader itself, if
    every value is one; a file with another value in them is read by the careful reader,
    as text. With ``strict``, a text file whose last line has no line ending fails
    instead of being read with a warning.

    Raises
    ------
    InputFileError
        When the file cannot be parsed in its format (truncated, binary, wrong format,
        a byte that is not text in its encoding).
    """
    try:
        with no_panic(source.name, fmt.upper()):  # a Rust panic on a damaged file
            return _read_format(source, fmt, text_columns, date_columns, strict)
    except InputFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure is a problem with the file
        raise InputFileError(
            f"{source.name}: cannot be read as {fmt.upper()} ({first_line(exc)}); check that "
            f"the file is complete and in that format"
        ) from None


def _read_format(source: Source, fmt: str, text_columns: list[str],
                 date_columns: tuple[str, ...], strict: bool) -> RawTable:  # fmt: skip
    if source.database is not None:  # rows numbered from 1 (no header line)
        return RawTable(source.database.read(source.budget), fmt, first_line=1)
    if fmt == "parquet":
        return RawTable(parquet.read_parquet(source, source.budget), fmt)
    if fmt == "excel":
        return sheets.read_excel(source)
    if fmt == "html":
        return sheets.read_html(source)
    if fmt == "jsonl":
        import pandas as pd

        with source.binary() as fh:
            frame = pd.read_json(fh, lines=True, dtype=False, encoding="utf-8")
        return RawTable(from_pandas(frame), fmt)
    table = delimited.read_csv(source, text_columns, date_columns, strict)
    if _FORMATS.get(Path(source.name.lower()).suffix) == "excel":
        table.notes.insert(0, Note("xls_text"))
    return table
