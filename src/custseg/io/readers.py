"""Read an order file into a raw DataFrame, whatever its format.

This module owns file formats only; it knows nothing of customers or orders.

==========  ==================================================================
format      detected from
==========  ==================================================================
csv         any other name: ``.csv``, ``.tsv``, ``.txt`` ... (delimiter sniffed:
            comma, tab, semicolon, pipe or runs of whitespace; UTF-8, UTF-8 with
            BOM or GB18030 detected), optionally ``.gz`` / ``.bz2`` / ``.xz`` /
            ``.zip`` compressed; ``-`` is CSV on stdin
parquet     ``.parquet`` / ``.pq``, a directory of Parquet files, or ``PAR1`` magic
excel       ``.xlsx`` / ``.xlsm`` / ``.xls`` or a zip holding ``xl/`` (first sheet)
jsonl       ``.jsonl`` / ``.ndjson`` / ``.json`` (one object per line)
==========  ==================================================================
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import lzma
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from custseg.errors import InputFileError, param
from custseg.frames import from_pandas

COMPRESSIONS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
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


HEAD_BYTES = 65536  # what format, encoding and delimiter sniffing look at


@dataclass
class Source:
    """An input: a path, or the bytes of stdin (``name == "-"``)."""

    name: str
    path: Path | None = None
    data: bytes | None = None
    encoding: str | None = None  # forced with --encoding
    _head: bytes | None = field(default=None, repr=False)  # the first bytes, read once
    _dialect: CsvDialect | None = field(default=None, repr=False)  # sniffed once

    @classmethod
    def open(cls, name: str | Path, encoding: str | None = None) -> Source:
        if str(name) == "-":
            return cls("<stdin>", data=sys.stdin.buffer.read(), encoding=encoding)
        path = Path(name)
        if not path.exists():
            raise InputFileError(f"{path}: no such file; check the path")
        return cls(str(path), path=path, encoding=encoding)

    @property
    def compression(self) -> str | None:
        if self.path is None:
            return None
        suffix = self.path.suffix.lower()
        return suffix if suffix in COMPRESSIONS or suffix == ".zip" else None

    def binary(self):
        """A binary file object of the (decompressed) content."""
        if self.data is not None:
            return io.BytesIO(self.data)
        comp = self.compression
        if comp in COMPRESSIONS:
            return COMPRESSIONS[comp](self.path, "rb")
        if comp == ".zip":
            archive = zipfile.ZipFile(self.path)
            members = [n for n in archive.namelist() if not n.endswith("/")]
            if not members:
                raise InputFileError(f"{self.name}: the zip archive is empty")
            return archive.open(members[0])
        return open(self.path, "rb")

    def head(self, size: int = HEAD_BYTES) -> bytes:
        """The first ``size`` (at most :data:`HEAD_BYTES`) decompressed bytes, read once."""
        if self._head is not None:
            return self._head[:size]
        try:
            with self.binary() as fh:
                self._head = fh.read(HEAD_BYTES)
            return self._head[:size]
        except InputFileError:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure here is a broken file
            problem = _first_line(exc)
            raise InputFileError(f"{self.name}: cannot read the file ({problem})") from None


@dataclass(frozen=True)
class CsvDialect:
    """What was detected about a delimited text file."""

    delimiter: str  # "," ";" "\t" "|" or "whitespace"
    encoding: str


@dataclass
class RawTable:
    """The file's rows as read (a Polars frame), and the lines the reader had to skip."""

    frame: pl.DataFrame
    format: str
    malformed: list[tuple[int | None, str]] = field(default_factory=list)

    def take_frame(self) -> pl.DataFrame:
        """The rows, handed over: the table no longer holds them, so that they are freed as
        soon as the taker is done with them."""
        frame, self.frame = self.frame, None  # type: ignore[assignment]
        return frame

    def line_numbers(self, rows: int) -> pl.Series:
        """File line (1-based, header = line 1) of each of the ``rows`` rows read.

        Skipped malformed lines are taken out of the count when the reader reported
        their numbers.
        """
        lines = pl.int_range(2, rows + len(self.malformed) + 2, dtype=pl.Int64, eager=True)
        skipped = [n for n, _ in self.malformed if n is not None]
        if skipped and len(skipped) == len(self.malformed):
            lines = lines.filter(~lines.is_in(skipped))
        return lines[:rows].alias("line")


def detect_format(source: Source) -> str:
    """``csv``, ``parquet``, ``excel`` or ``jsonl`` from the name, then the magic bytes."""
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
    return fmt


def sniff_csv(source: Source) -> CsvDialect:
    """Detect the delimiter and encoding of a delimited text file from its first bytes
    (once per source: the header, the head rows and the reader all ask)."""
    if source._dialect is None:
        source._dialect = _sniff(source)
    return source._dialect


def _sniff(source: Source) -> CsvDialect:
    head = source.head()
    if not head.strip():
        raise InputFileError(f"{source.name}: the file is empty; export the orders again")
    if b"\x00" in head[:4096]:
        raise InputFileError(
            f"{source.name}: this is a binary file, not CSV; pass a CSV, Parquet or .xlsx file"
        )
    enc = source.encoding or _guess_encoding(head)
    try:
        text = head.decode(enc, errors="replace")
    except LookupError:
        raise InputFileError(
            f"{param('encoding')}={enc!r}: unknown encoding; try utf-8 or gb18030"
        ) from None
    lines = text.lstrip("\ufeff").splitlines()
    return CsvDialect(delimiter=_guess_delimiter(lines[0] if lines else ""), encoding=enc)


def _guess_encoding(head: bytes) -> str:
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3 and exc.reason == "unexpected end of data":
            return "utf-8"  # a character cut by the end of the sample
    return "gb18030"


def _guess_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=counts.get)
    if counts[best] > 0:
        return best
    if len(header.split()) > 1:
        return "whitespace"
    return ","


def read_header(source: Source, fmt: str) -> list[str] | None:
    """The column names of a text file without reading it all (None for other formats)."""
    if fmt != "csv":
        return None
    dialect = sniff_csv(source)
    with source.binary() as fh:
        line = io.TextIOWrapper(fh, encoding=dialect.encoding, errors="replace").readline()
    line = line.lstrip("\ufeff").rstrip("\r\n")
    if dialect.delimiter == "whitespace":
        return line.split()
    return next(csv.reader([line], delimiter=dialect.delimiter), [])


def head_values(source: Source, column: str) -> list[str] | None:
    """The non-empty values of ``column`` in the whole lines of a delimited text file's
    first bytes (None when they cannot be read so). Python's CSV module reads them: a
    Polars reader started for 64 KiB costs more than reading them."""
    dialect = sniff_csv(source)
    head = source.head()
    head = head[: head.rfind(b"\n") + 1] if len(head) == HEAD_BYTES else head
    if dialect.delimiter == "whitespace" or not head:
        return None
    text = head.decode(dialect.encoding, errors="replace").lstrip("\ufeff")
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=dialect.delimiter)
    try:
        header = next(rows, [])
        if column not in header:
            return None
        i = header.index(column)
        return [row[i] for row in rows if len(row) > i and row[i]]
    except csv.Error:  # e.g. a quoted value cut by the end of the sample
        return None


def read_raw(source: Source, fmt: str, text_columns: list[str],
             date_columns: tuple[str, ...] = ()) -> RawTable:  # fmt: skip
    """Read the whole file into a Polars frame; ``text_columns`` are kept as strings.

    ``date_columns`` (CSV) are parsed as ``YYYY-MM-DD`` dates by the reader itself, if
    every value is one; a file with another value in them is read by the careful reader,
    as text. Other date columns stay text (see :func:`_read_csv_polars`).

    Raises
    ------
    InputFileError
        When the file cannot be parsed in its format (truncated, binary, wrong format).
    """
    try:
        if fmt == "parquet":
            return RawTable(_read_parquet(source), fmt)
        if fmt == "excel":
            return RawTable(from_pandas(_read_excel(source)), fmt)
        if fmt == "jsonl":
            import pandas as pd

            with source.binary() as fh:
                frame = pd.read_json(fh, lines=True, dtype=False, encoding="utf-8")
            return RawTable(from_pandas(frame), fmt)
        return _read_csv(source, sniff_csv(source), text_columns, date_columns)
    except InputFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure is a problem with the file
        raise InputFileError(
            f"{source.name}: cannot be read as {fmt.upper()} ({_first_line(exc)}); check that "
            f"the file is complete and in that format"
        ) from None


def _read_parquet(source: Source) -> pl.DataFrame:
    if source.path is not None and source.path.is_dir():
        if not any(source.path.rglob("*.parquet")):
            raise InputFileError(f"{source.name}: a folder with no .parquet files in it; pass an "
                                 f"order file, or a folder of Parquet files")  # fmt: skip
        return pl.read_parquet(str(source.path / "**" / "*.parquet"))
    return pl.read_parquet(source.path if source.path else io.BytesIO(source.data))


def _read_excel(source: Source):
    import pandas as pd

    target = source.path if source.path is not None else io.BytesIO(source.data)
    return pd.read_excel(target, engine="calamine")


def _read_csv(source: Source, dialect: CsvDialect, text_columns: list[str],
              date_columns: tuple[str, ...] = ()) -> RawTable:  # fmt: skip
    if dialect.delimiter == "whitespace":
        import pandas as pd

        with source.binary() as fh:
            frame = pd.read_csv(
                fh,
                sep=r"\s+",
                dtype=dict.fromkeys(text_columns, "string"),
                encoding=dialect.encoding,
            )
        return RawTable(from_pandas(frame), "csv")
    try:
        return RawTable(_read_csv_polars(source, dialect, text_columns, date_columns), "csv")
    except pl.exceptions.PolarsError:
        # ragged lines or a column whose type guess failed: the careful reader
        return _read_csv_arrow(source, dialect, text_columns)


def _read_csv_polars(source: Source, dialect: CsvDialect, text_columns: list[str],
                     date_columns: tuple[str, ...] = ()):  # fmt: skip
    """The fast path: Polars' multithreaded reader on UTF-8 input. Dates stay text, but
    for ``date_columns`` (read as dates, in parallel with the rest): the loader reads them
    in its own formats (Polars' guess would take ``05/03/2019`` as 5 March whatever
    ``--dayfirst`` says, and costs ~20 ms a file)."""
    if source.path is not None and source.compression is None and dialect.encoding == "utf-8":
        data = source.path
    else:
        with source.binary() as fh:
            raw = fh.read()
        data = raw if dialect.encoding == "utf-8" else raw.decode(dialect.encoding).encode()
    frame = pl.read_csv(
        data,
        separator=dialect.delimiter,
        schema_overrides=dict.fromkeys(text_columns, pl.String)
        | dict.fromkeys(date_columns, pl.Date),
        infer_schema_length=1000,  # a later surprise falls back to the careful reader
    )
    return frame.rename(lambda c: c.lstrip("\ufeff"))


def _read_csv_arrow(source: Source, dialect: CsvDialect, text_columns: list[str]) -> RawTable:
    """pyarrow's reader, which reports malformed lines; every column is read as text.

    ``text_columns`` is accepted for symmetry with the fast path: all columns are text.
    """
    import pyarrow as pa
    import pyarrow.csv as pcsv

    names = read_header(source, "csv") or []
    as_text = {n: pa.string() for name in names for n in (name, "\ufeff" + name)}
    malformed: list[tuple[int | None, str]] = []

    def skip(row) -> str:
        malformed.append((row.number, row.text))
        return "skip"

    encoding = "utf8" if dialect.encoding in ("utf-8", "utf-8-sig") else dialect.encoding
    for threads in (True, False):
        malformed.clear()
        with source.binary() as fh:
            table = pcsv.read_csv(
                fh,
                read_options=pcsv.ReadOptions(encoding=encoding, use_threads=threads),
                parse_options=pcsv.ParseOptions(
                    delimiter=dialect.delimiter, invalid_row_handler=skip, newlines_in_values=True
                ),
                convert_options=pcsv.ConvertOptions(strings_can_be_null=True, column_types=as_text),
            )
        # pyarrow gives line numbers of skipped lines only when reading serially
        if not any(number is None for number, _ in malformed):
            break
    frame = pl.from_arrow(table)
    return RawTable(frame.rename(lambda c: c.lstrip("\ufeff")), "csv", malformed)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
