"""An input file and what was found out about it: :class:`Source` (the bytes, read once
at the head), :class:`CsvDialect` (a text file's encoding, delimiter and header line)
and :class:`RawTable` (the rows as read, with the reader's notes and warnings)."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from custseg.errors import InputFileError

if TYPE_CHECKING:
    from custseg.io.database.read import DatabaseSource

COMPRESSIONS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
HEAD_BYTES = 65536  # what format, encoding, delimiter and header sniffing look at
BLOCK = 1 << 22  # compressed content is measured in blocks of this many bytes


@dataclass
class Source:
    """An input: a path, the bytes of stdin (``name == "-"``), or a ``database`` (its
    ``name`` the URL with the password masked).

    ``encoding`` and ``header_row`` (1-based line of the header) are forced by the user
    when given; ``no_header``: the file has no header line, its columns are named by
    position (``1``, ``2``, ...); ``known`` tells whether a cell is a known column name (it
    helps find the header below title lines).
    """

    name: str
    path: Path | None = None
    data: bytes | None = None
    encoding: str | None = None  # forced with --encoding
    header_row: int | None = None  # forced with --header-row
    no_header: bool = False  # --no-header: every line is a row, columns named 1, 2, ...
    known: Callable[[str], bool] | None = field(default=None, repr=False)
    budget: int | None = None  # the memory a whole read may take (None: the machine's)
    database: DatabaseSource | None = None  # a table or query of a database
    _head: bytes | None = field(default=None, repr=False)  # the first bytes, read once
    _dialect: CsvDialect | None = field(default=None, repr=False)  # sniffed once

    @classmethod
    def open(cls, name: str | Path, encoding: str | None = None, *, header_row: int | None = None,
             no_header: bool = False,
             known: Callable[[str], bool] | None = None) -> Source:  # fmt: skip
        if str(name) == "-":
            return cls("<stdin>", data=sys.stdin.buffer.read(), encoding=encoding,
                       header_row=header_row, no_header=no_header, known=known)  # fmt: skip
        path = Path(name)
        if not path.exists():
            raise InputFileError(f"{path}: no such file; check the path")
        if not (path.is_file() or path.is_dir()):  # a named pipe, <(zcat f.gz), a device
            return cls(str(path), path=path, data=_read_once(path), encoding=encoding,
                       header_row=header_row, no_header=no_header, known=known)  # fmt: skip
        return cls(str(path), path=path, encoding=encoding, header_row=header_row,
                   no_header=no_header, known=known)  # fmt: skip

    @property
    def compression(self) -> str | None:
        if self.path is None:
            return None
        suffix = self.path.suffix.lower()
        return suffix if suffix in COMPRESSIONS or suffix == ".zip" else None

    @property
    def plain_file(self) -> bool:
        """Whether the content is a file on disk as it is (not compressed, not stdin, not
        a pipe)."""
        return (self.path is not None and self.data is None and self.compression is None
                and self.path.is_file())  # fmt: skip

    def binary(self):
        """A binary file object of the (decompressed) content."""
        raw = self.path if self.data is None else io.BytesIO(self.data)
        comp = self.compression
        if comp in COMPRESSIONS:
            return COMPRESSIONS[comp](raw, "rb")
        if comp == ".zip":
            archive = zipfile.ZipFile(raw)
            members = [n for n in archive.namelist() if not n.endswith("/")]
            if not members:
                raise InputFileError(f"{self.name}: the zip archive is empty")
            return archive.open(members[0])
        return open(self.path, "rb") if self.data is None else raw

    def expanded_size(self, cap: int) -> int:
        """The size of the decompressed content, counted in blocks up to ``cap`` (the
        count stops once past it); a content that fails to decompress counts up to the
        failure (the reader reports it)."""
        size = 0
        try:
            with self.binary() as fh:
                while size <= cap and (block := fh.read(BLOCK)):
                    size += len(block)
        except Exception:  # noqa: BLE001 - damaged: the reader names the problem
            pass
        return size

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
            problem = first_line(exc)
            raise InputFileError(f"{self.name}: cannot read the file ({problem})") from None


@dataclass(frozen=True)
class CsvDialect:
    """What was detected about a delimited text file."""

    delimiter: str  # "," ";" "\t" "|" or "whitespace"
    encoding: str
    header_line: int = 1  # 1-based line of the header; the lines above it are not rows
    # 0: no header line (--no-header), the rows start on line 1

    @property
    def has_header(self) -> bool:
        return self.header_line > 0

    @property
    def lines_above(self) -> int:
        """The lines before the header (or, without one, before the first row)."""
        return max(self.header_line - 1, 0)


@dataclass
class RawTable:
    """The file's rows as read (a Polars frame), the lines the reader had to skip, and
    what the reader has to say about the file.

    ``first_line`` is the file line (1-based) of the first row: 2 when the header is the
    first line. ``notes`` tell what was found out (``header on line 3 (2 lines above it
    skipped)``); ``warnings`` what may be wrong with the file (a last line without a line
    ending).
    """

    frame: pl.DataFrame
    format: str
    malformed: list[tuple[int | None, str]] = field(default_factory=list)
    first_line: int = 2
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def take_frame(self) -> pl.DataFrame:
        """The rows, handed over: the table no longer holds them, so that they are freed as
        soon as the taker is done with them."""
        frame, self.frame = self.frame, None  # type: ignore[assignment]
        return frame

    def line_numbers(self, rows: int) -> pl.Series:
        """File line (1-based) of each of the ``rows`` rows read, from :attr:`first_line`.

        Skipped malformed lines are taken out of the count when the reader reported
        their numbers.
        """
        start = self.first_line
        lines = pl.int_range(start, start + rows + len(self.malformed), dtype=pl.Int64, eager=True)
        skipped = [n for n, _ in self.malformed if n is not None]
        if skipped and len(skipped) == len(self.malformed):
            lines = lines.filter(~lines.is_in(skipped))
        return lines[:rows].alias("line")


def _read_once(path: Path) -> bytes:
    """All the bytes of a pipe or device, read once (it cannot be read again)."""
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        problem = first_line(exc)
        raise InputFileError(f"{path}: cannot be read ({problem}); check the path") from None


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (or its type's name)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
