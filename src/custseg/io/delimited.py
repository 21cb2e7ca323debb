"""Delimited text files (CSV, TSV, semicolon, pipe or whitespace separated): their
dialect (encoding, delimiter, header line) and their rows.

The common case, a UTF-8 file on disk whose header is the first line, is read by Polars
straight from the file; any other text is decoded once into UTF-8 bytes first.
"""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import polars as pl

from custseg.errors import InputFileError, param
from custseg.io import encodings, layout
from custseg.io.source import HEAD_BYTES, CsvDialect, RawTable, Source
from custseg.notes import TEXTS, Note, plural

NO_LINE_END = TEXTS["no_line_end"]


def sniff(source: Source) -> CsvDialect:
    """Detect the encoding, delimiter and header line of a delimited text file from its
    first bytes (once per source: the header, the head rows and the reader all ask)."""
    if source._dialect is None:
        source._dialect = _sniff(source)
    return source._dialect


def _sniff(source: Source) -> CsvDialect:
    head = source.head()
    if not head.strip():
        raise InputFileError(f"{source.name}: the file is empty; export the orders again")
    utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
    if b"\x00" in head[:4096] and not (utf16 or source.encoding):
        raise InputFileError(
            f"{source.name}: this is a binary file, not CSV; pass a CSV, Parquet or .xlsx file"
        )
    enc = source.encoding or encodings.guess_encoding(head)
    if enc is None:
        raise encodings.undecided(source.name)
    text = _head_text(source, enc)
    if source.no_header:  # every line is a row
        return CsvDialect(delimiter=layout.rows_delimiter(text), encoding=enc, header_line=0)
    if source.header_row:
        delimiter, line = layout.forced_layout(text, source.header_row, source.name)
    else:
        delimiter, line = layout.find_layout(text, source.known)
    return CsvDialect(delimiter=delimiter, encoding=enc, header_line=line)


def _head_text(source: Source, encoding: str) -> str:
    """The whole lines of the file's first bytes, decoded."""
    head = source.head()
    try:
        text = head.decode(encoding, errors="replace").lstrip("\ufeff")
    except LookupError:
        raise InputFileError(
            f"{param('encoding')}={encoding!r}: unknown encoding; try utf-8, gb18030 or cp1252"
        ) from None
    if len(head) == HEAD_BYTES and "\n" in text:
        text = text[: text.rfind("\n") + 1]
    return text


def head_records(source: Source) -> list[layout.Record]:
    """The records of the file's first bytes, from its header (or first row) on."""
    dialect = sniff(source)
    records = layout.split_records(_head_text(source, dialect.encoding), dialect.delimiter)
    return [(n, cells) for n, cells in records if n >= dialect.header_line]


def read_header(source: Source) -> list[str]:
    """The column names of a delimited text file, from its first bytes; without a header
    line, ``1``, ``2``, ... for the fields of most of its first lines."""
    records = head_records(source)
    if not sniff(source).has_header:
        return layout.positional_names(layout.table_width(records))
    return [str(c) for c in records[0][1]] if records else []


def head_values(source: Source, column: str) -> list[str] | None:
    """The non-empty values of ``column`` in the whole lines of the file's first bytes
    (None when they cannot be read so). Python's CSV module reads them: a Polars reader
    started for 64 KiB costs more than reading them."""
    if sniff(source).delimiter == "whitespace":
        return None
    header = read_header(source)
    if column not in header:
        return None
    i = header.index(column)
    records = head_records(source)[1 if sniff(source).has_header else 0 :]
    return [row[i] for _, row in records if len(row) > i and row[i]]


def read_csv(source: Source, text_columns: list[str], date_columns: tuple[str, ...] = (),
             strict: bool = False) -> RawTable:  # fmt: skip
    """Read the whole file; ``text_columns`` are kept as strings, ``date_columns`` parsed
    as ``YYYY-MM-DD`` dates by the reader when every value is one. A file taken for UTF-8
    from its first bytes whose later bytes are not UTF-8 is read again in the encoding
    those bytes show (or fails, naming the line and ``--encoding``)."""
    dialect = sniff(source)
    try:
        return _read(source, dialect, text_columns, date_columns, strict)
    except InputFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - the readers' errors differ; the text tells
        if dialect.encoding != "utf-8" or "utf" not in str(exc).lower():
            raise
        encoding, _ = not_utf8(source)
    source._dialect = replace(dialect, encoding=encoding)
    # the note names the encoding, as in parts (reader_notes): the same run gives the same report
    return _read(source, source._dialect, text_columns, date_columns, strict)


def not_utf8(source: Source) -> tuple[str, int]:
    """The encoding of a file taken for UTF-8 whose reader found a byte that is not, and
    the line of that byte; raises InputFileError when it cannot be told."""
    with source.binary() as fh:
        bad = encodings.find_bad_byte(fh, "utf-8")
    if bad is None:
        raise InputFileError(f"{source.name}: cannot be read as CSV (invalid text); check "
                             f"{param('encoding')}")  # fmt: skip
    _, line, rest = bad
    if source.encoding or not source.head().isascii():
        raise encodings.bad_byte_error(source.name, "utf-8", line, rest)
    encoding = encodings.legacy_encoding(rest)
    if encoding is None:
        raise encodings.undecided(source.name, f" (line {line} is not UTF-8)")
    return encoding, line


def _read(source: Source, dialect: CsvDialect, text_columns: list[str],
          date_columns: tuple[str, ...], strict: bool) -> RawTable:  # fmt: skip
    data = _content(source, dialect)
    warnings, cut = check_end(source.name, data, strict)
    if cut:  # read without the cut line
        data = (data if isinstance(data, bytes) else data.read_bytes())[: cut[0]]
    header = read_header(source)
    names = None if dialect.has_header else header  # without a header line: 1, 2, ...
    if dialect.delimiter == "whitespace":
        table = RawTable(_read_whitespace(data, dialect, text_columns, names), "csv")
    else:
        try:
            frame = _read_polars(data, dialect, text_columns, date_columns, names)
            table = RawTable(_named(frame, header), "csv")
        except pl.exceptions.PolarsError:
            # ragged lines or a column whose type guess failed: the careful reader
            table = _read_arrow(data, dialect, header)
    if cut:
        table.malformed.append(cut[1:])
    table.first_line = dialect.header_line + 1
    table.warnings.extend(warnings)
    table.notes.extend(reader_notes(source, dialect))
    return table


def reader_notes(source: Source, dialect: CsvDialect) -> list[str]:
    """What the reader found out about a text file: its encoding, its header's line."""
    notes: list[str] = []
    if dialect.encoding not in ("utf-8", "utf-8-sig") and not source.encoding:
        notes.append(Note("encoding", label=encodings.label(dialect.encoding)))
    if dialect.header_line > 1:
        above = dialect.header_line - 1
        notes.append(Note("header_line", line=dialect.header_line, above=above, s=plural(above)))
    return notes


def _content(source: Source, dialect: CsvDialect) -> Path | bytes:
    """The file as UTF-8: its path when it is a UTF-8 file on disk, else its bytes,
    decoded and encoded again (a byte that does not decode: InputFileError naming its
    line)."""
    if source.plain_file and dialect.encoding == "utf-8":
        return source.path  # type: ignore[return-value]
    with source.binary() as fh:
        raw = fh.read()
    if dialect.encoding == "utf-8":
        return raw
    try:
        return raw.decode(dialect.encoding).encode()
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        rest = raw[exc.start : exc.start + (1 << 16)]
        raise encodings.bad_byte_error(source.name, dialect.encoding, line, rest) from None


def _tail(data: Path | bytes, size: int = 1 << 16) -> bytes:
    if isinstance(data, bytes):
        return data[-size:]
    with open(data, "rb") as fh:
        fh.seek(max(0, fh.seek(0, io.SEEK_END) - size))
        return fh.read()


def check_end(name: str, data: Path | bytes, strict: bool) -> tuple[list[str], Cut | None]:
    """The warnings about the end of a UTF-8 text (a file or its bytes), and, when its last
    line ends inside a quoted value (cut short), that line: (its offset, its number, its
    text). With ``strict``, a last line without a line ending is an InputFileError."""
    tail = _tail(data)
    if _cut_character(tail, data):
        line = _count(data)[1] + 1
        raise InputFileError(f"{name}: the file ends in the middle of a character (line {line}): "
                             f"it was cut short, or is not UTF-8; export it again, or pass its "
                             f"{param('encoding')}")  # fmt: skip
    if not tail or tail.endswith((b"\n", b"\r")):
        return [], None
    if strict:
        raise InputFileError(f"{name}: {NO_LINE_END}; wait for the export to finish, or run "
                             f"without {param('strict')}")  # fmt: skip
    last = tail[tail.rfind(b"\n") + 1 :]
    if last.count(b'"') % 2 == 0:
        return _ending(), None
    quotes, newlines, size = _count(data)
    if (quotes - last.count(b'"')) % 2:  # the last line closes a value opened above it
        return _ending(), None
    line = newlines + 1
    cut = Note("cut_line", line=line)
    return [Note("no_line_end"), cut], (
        size - len(last),
        line,
        last.decode("utf-8", errors="replace"),
    )


Cut = tuple[int, int, str]


def _cut_character(tail: bytes, data: Path | bytes) -> bool:
    """Whether UTF-8 text ending with ``tail`` ends inside a multibyte character: a lead
    byte among the last three bytes without all of its continuation bytes. A lone high
    byte at the end of a file whose first bytes are ASCII is left to the encoding check
    (it may be Windows-1252, such as a last ``é``)."""
    for back in range(1, min(4, len(tail)) + 1):
        byte = tail[-back]
        if byte < 0x80:
            return False
        if byte >= 0xC0:  # a lead byte: 2, 3 or 4 bytes long
            cut = back < (2 if byte < 0xE0 else 3 if byte < 0xF0 else 4)
            return cut and (back > 1 or not _head(data).isascii())
    return False


def _head(data: Path | bytes) -> bytes:
    if isinstance(data, bytes):
        return data[:HEAD_BYTES]
    with open(data, "rb") as fh:
        return fh.read(HEAD_BYTES)


def _ending() -> list[str]:
    return [Note("no_line_end")]


def _count(data: Path | bytes) -> tuple[int, int, int]:
    """The double quotes, line ends and bytes of a text, read in blocks."""
    if isinstance(data, bytes):
        return data.count(b'"'), data.count(b"\n"), len(data)
    quotes = newlines = size = 0
    with open(data, "rb") as fh:
        while block := fh.read(1 << 24):
            quotes, newlines = quotes + block.count(b'"'), newlines + block.count(b"\n")
            size += len(block)
    return quotes, newlines, size


def _read_whitespace(data: Path | bytes, dialect: CsvDialect, text_columns: list[str],
                     names: list[str] | None = None):  # fmt: skip
    """A whitespace-separated text (CDNOW); ``names``: the columns of a text without a
    header line."""
    import pandas as pd

    from custseg.frames import from_pandas

    frame = pd.read_csv(
        data if isinstance(data, Path) else io.BytesIO(data),
        sep=r"\s+",
        dtype=dict.fromkeys(text_columns, "string"),
        encoding="utf-8",
        skiprows=dialect.lines_above,
        header=None if names else "infer",
        names=names,
    )
    return from_pandas(frame)


def _named(frame: pl.DataFrame, header: list[str]) -> pl.DataFrame:
    """``frame`` with the header's names as Python's CSV module reads them, when Polars
    read a name otherwise (``"revenue" ,`` is ``revenue"`` to Polars, ``revenue `` to the
    module, whose names the columns were found by)."""
    if len(header) != frame.width or header == frame.columns or len(set(header)) < len(header):
        return frame
    return frame.rename(dict(zip(frame.columns, header, strict=True)))


def header_names(header: list[str]):
    """A ``with_column_names`` for Polars' CSV scan: the header's names as Python's CSV
    module reads them (see :func:`_named`)."""

    def rename(names: list[str]) -> list[str]:
        fits = len(header) == len(names) and len(set(header)) == len(header)
        return header if fits else names

    return rename


def _read_polars(data: Path | bytes, dialect: CsvDialect, text_columns: list[str],
                 date_columns: tuple[str, ...] = (),
                 names: list[str] | None = None) -> pl.DataFrame:  # fmt: skip
    """The fast path: Polars' multithreaded reader on UTF-8 input. Dates stay text, but
    for ``date_columns`` (read as dates, in parallel with the rest): the loader reads them
    in its own formats (Polars' guess would take ``05/03/2019`` as 5 March whatever
    ``--dayfirst`` says, and costs ~20 ms a file). ``names``: the columns of a text
    without a header line."""
    frame = pl.read_csv(
        data,
        separator=dialect.delimiter,
        has_header=names is None,
        new_columns=names,
        schema_overrides=dict.fromkeys(text_columns, pl.String)
        | dict.fromkeys(date_columns, pl.Date),
        infer_schema_length=1000,  # a later surprise falls back to the careful reader
        skip_lines=dialect.lines_above,
    )
    return frame.rename(lambda c: c.lstrip("\ufeff"))


def _read_arrow(data: Path | bytes, dialect: CsvDialect, names: list[str]) -> RawTable:
    """pyarrow's reader, which reports malformed lines (by file line: the lines above
    the header count); every column is read as text. Without a header line, ``names``
    name the columns."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    as_text = {n: pa.string() for name in names for n in (name, "\ufeff" + name)}
    malformed: list[tuple[int | None, str]] = []

    def skip(row) -> str:
        malformed.append((row.number, row.text))
        return "skip"

    for threads in (True, False):
        malformed.clear()
        table = pcsv.read_csv(
            str(data) if isinstance(data, Path) else io.BytesIO(data),
            read_options=pcsv.ReadOptions(
                use_threads=threads,
                skip_rows=dialect.lines_above,
                column_names=None if dialect.has_header else names,
            ),  # fmt: skip
            parse_options=pcsv.ParseOptions(
                delimiter=dialect.delimiter, invalid_row_handler=skip, newlines_in_values=True
            ),
            convert_options=pcsv.ConvertOptions(strings_can_be_null=True, column_types=as_text),
        )
        # pyarrow gives line numbers of skipped lines only when reading serially
        if not any(number is None for number, _ in malformed):
            break
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return RawTable(frame.rename(lambda c: c.lstrip("\ufeff")), "csv", malformed)
