"""An ``.xlsx`` workbook checked before it is read: the reader (calamine) lays the first
sheet out as a dense grid from A1 to its farthest cell and trusts the shared-strings
count, so a 3 KB file with one cell at XFD1048576 or ``uniqueCount="2147483648"`` aborted
the process, and one cell at XFD5000 cost 4.7 GB and 36 s.

Before it runs, :func:`check_workbook` opens the zip and refuses (InputFileError):

- a member that expands past :data:`~custseg.io.limits.BOMB_FLOOR` bytes and more than
  :data:`~custseg.io.limits.BOMB_RATIO` times its packed size, or members that together
  expand past the memory budget;
- a shared-strings table declaring more strings than its bytes can hold;
- a first sheet whose cells, found by one streamed pass over its XML (not the
  ``<dimension>`` it declares, which the reader does not use either), span an area that
  the memory cannot hold (:data:`~custseg.io.limits.BYTES_PER_CELL` a cell) or that is
  mostly empty (a stray far cell: :data:`~custseg.io.limits.SPARSE_RATIO`).

The pass reads ~250 MB of XML a second (the real Taobao export's 11 MB sheet: ~0.05 s).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from custseg.errors import InputFileError, param
from custseg.io.limits import (
    BOMB_FLOOR,
    BOMB_RATIO,
    BYTES_PER_CELL,
    EXCEL_COLUMNS,
    EXCEL_ROWS,
    SPARSE_FLOOR,
    SPARSE_RATIO,
    memory_budget,
    size_text,
)
from custseg.io.source import first_line

BLOCK = 1 << 20
_SHEET = re.compile(rb"<(?:\w+:)?sheet\s[^>]*?\b(?:\w+:)?id=\"([^\"]+)\"")
_REL = re.compile(rb"<(?:\w+:)?Relationship\s[^>]*>")
_SST = re.compile(rb"<(?:\w+:)?sst\b([^>]*)>")
#: a row or cell start tag and its attributes
_TAG = re.compile(rb"<(?:\w+:)?(row|c)(?=[\s/>])([^>]*)>")
_REF = re.compile(rb"(?:^|\s)r=\"([A-Z]*)(\d*)\"")
#: the fast pass: rows and cells as Excel writes them, their reference first
_ROW_REF = re.compile(rb"<row r=\"(\d+)\"")
_CELL_REF = re.compile(rb"<c r=\"([A-Z]{1,3})\d")


@dataclass
class Extent:
    """The farthest row and column of a sheet's cells (1-based) and its number of cells."""

    rows: int = 0
    columns: int = 0
    cells: int = 0


def check_workbook(name: str, target: Path | IO[bytes], budget: int | None = None) -> None:
    """Refuse an ``.xlsx`` that would make the reader allocate beyond reason (see the
    module's docstring). Raises InputFileError naming what the file declares."""
    budget = budget or memory_budget()
    try:
        with zipfile.ZipFile(target) as archive:
            _check_members(name, archive, budget)
            _check_strings(name, archive)
            sheet = _first_sheet(archive)
            if sheet is None:
                return  # the reader says what is missing
            extent = sheet_extent(archive, sheet)
    except InputFileError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, KeyError) as exc:
        raise InputFileError(f"{name}: a damaged .xlsx file ({first_line(exc)}); save it "
                             f"again from Excel, or as CSV") from None  # fmt: skip
    _check_extent(name, extent, budget)


def _check_members(name: str, archive: zipfile.ZipFile, budget: int) -> None:
    total = 0
    for info in archive.infolist():
        total += info.file_size
        if info.file_size > max(BOMB_FLOOR, BOMB_RATIO * max(info.compress_size, 1)):
            raise InputFileError(
                f"{name}: {info.filename} expands from {size_text(info.compress_size)} to "
                f"{size_text(info.file_size)}: not a real workbook (a decompression bomb?)"
            )
    if total > budget // 2:
        raise InputFileError(f"{name}: the workbook expands to {size_text(total)}, more than the "
                             f"memory ({size_text(budget)}) can read; save the sheet as CSV "
                             f"(read in parts with {param('chunked')})")  # fmt: skip


def _check_strings(name: str, archive: zipfile.ZipFile) -> None:
    member = next((i for i in archive.infolist()
                   if i.filename.lower().endswith("sharedstrings.xml")), None)  # fmt: skip
    if member is None:
        return
    with archive.open(member) as fh:
        found = _SST.search(fh.read(1 << 16))
    attrs = dict(re.findall(rb"(\w+)=\"(\d+)\"", found.group(1))) if found else {}
    unique, count = int(attrs.get(b"uniqueCount", 0)), int(attrs.get(b"count", 0))
    if unique > max(1000, member.file_size // 5) or count > EXCEL_ROWS * EXCEL_COLUMNS:
        raise InputFileError(f"{name}: the workbook declares {max(unique, count):,} shared "
                             f"strings in {size_text(member.file_size)} of text: a damaged "
                             f"or hostile file; save it again from Excel")  # fmt: skip


def _first_sheet(archive: zipfile.ZipFile) -> str | None:
    """The member of the workbook's first sheet (as listed in ``xl/workbook.xml``)."""
    names = set(archive.namelist())
    sheets = sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml"))
    try:
        with archive.open("xl/workbook.xml") as fh:
            first = _SHEET.search(fh.read(1 << 20))
        with archive.open("xl/_rels/workbook.xml.rels") as fh:
            rels = fh.read(1 << 20)
    except KeyError:
        return sheets[0] if sheets else None
    for tag in _REL.findall(rels):
        attrs = dict(re.findall(rb"(\w+)=\"([^\"]*)\"", tag))
        if first is not None and attrs.get(b"Id") == first.group(1):
            target = attrs.get(b"Target", b"").decode("utf-8", "replace")
            member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            if member in names:
                return member
    return sheets[0] if sheets else None


def sheet_extent(archive: zipfile.ZipFile, member: str) -> Extent:
    """The farthest row and column of the cells of a sheet's XML, in one streamed pass:
    the cells' ``r`` references where every row and cell has one (what Excel writes),
    else their positions counted as the reader counts them."""
    extent = Extent()
    with archive.open(member) as fh:
        carry, row, col = b"", 0, 0
        while block := fh.read(BLOCK):
            text = carry + block
            cut = text.rfind(b"<")
            text, carry = (text[:cut], text[cut:]) if cut >= 0 else (text, b"")
            row, col = _scan(text, extent, row, col)
        _scan(carry, extent, row, col)
    return extent


def _scan(text: bytes, extent: Extent, row: int, col: int) -> tuple[int, int]:
    """Add the rows and cells of ``text`` (whole tags) to ``extent``; the current row and
    column are carried from block to block."""
    cells = text.count(b"<c ")
    row_refs, cell_refs = _ROW_REF.findall(text), _CELL_REF.findall(text)
    plain = b":c " not in text and b"<c>" not in text and b"<c/>" not in text
    if plain and len(row_refs) == text.count(b"<row") and len(cell_refs) == cells:
        extent.cells += cells
        if row_refs:
            row, col = max(map(int, row_refs)), 0
            extent.rows = max(extent.rows, row)
        letters = max(set(cell_refs), key=lambda c: (len(c), c), default=b"")
        extent.columns = max(extent.columns, column_number(letters))
        return row, col
    for match in _TAG.finditer(text):  # positions counted, as the reader does
        ref = _REF.search(match.group(2))
        if match.group(1) == b"row":
            row, col = (int(ref.group(2)) if ref and ref.group(2) else row + 1), 0
        else:
            extent.cells += 1
            col = column_number(ref.group(1)) if ref and ref.group(1) else col + 1
            extent.rows, extent.columns = max(extent.rows, row), max(extent.columns, col)
    return row, col


def column_number(letters: bytes) -> int:
    """``A`` -> 1, ``Z`` -> 26, ``AA`` -> 27, ``XFD`` -> 16384."""
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _check_extent(name: str, extent: Extent, budget: int) -> None:
    area = extent.rows * extent.columns
    far = f"{_letters(extent.columns)}{extent.rows}"
    if extent.rows > EXCEL_ROWS or extent.columns > EXCEL_COLUMNS:
        raise InputFileError(f"{name}: the first sheet has a cell at {far}, beyond what Excel "
                             f"allows: a damaged file; save it again from Excel")  # fmt: skip
    if area > SPARSE_RATIO * extent.cells + SPARSE_FLOOR:
        raise InputFileError(
            f"{name}: the first sheet reaches cell {far} ({area:,} cells from A1) but holds "
            f"{extent.cells:,}; delete the stray cells far from the table (or save the table "
            f"as CSV) and try again"
        )
    if area * BYTES_PER_CELL > budget:
        raise InputFileError(
            f"{name}: the first sheet spans {area:,} cells (A1:{far}), more than the memory "
            f"({size_text(budget)}) can read at once; save it as CSV (read in parts with "
            f"{param('chunked')})"
        )


def _letters(number: int) -> str:
    out = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        out = chr(65 + rest) + out
    return out or "A"
