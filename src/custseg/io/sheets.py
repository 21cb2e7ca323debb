"""Tables that are not delimited text: Excel workbooks (``.xlsx``, ``.xlsm``, old
``.xls``; the first sheet) and HTML tables saved with an ``.xls`` name (JD and other
back-ends do so). In both, title rows above the header are found and skipped as in text
files (:mod:`custseg.io.layout`)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from html.parser import HTMLParser
from pathlib import Path

import polars as pl

from custseg.errors import InputFileError
from custseg.io import layout, workbook
from custseg.io.source import RawTable, Source
from custseg.notes import Note, plural


def read_excel(source: Source) -> RawTable:
    """The first sheet, from its header row on. The sheet is read once, without a header;
    the cells below the header are then typed per column as pandas would (all numbers:
    numbers; all dates: dates), and text cells stay text (``00123`` keeps its zeros)."""
    import pandas as pd

    from custseg.frames import from_pandas

    target: Path | io.BytesIO = io.BytesIO(source.data or b"")
    if source.data is None and source.path is not None:
        target = source.path
    if source.head(4).startswith(b"PK"):  # an .xlsx: its declared sizes checked first
        workbook.check_workbook(source.name, target, source.budget)
        if isinstance(target, io.BytesIO):
            target.seek(0)
    sheet = pd.read_excel(target, engine="calamine", header=None)
    top = [[_cell_text(v) for v in row] for row in sheet.head(layout.SEARCH_LINES).itertuples(
        index=False)]  # fmt: skip
    row = _header_index(source, top)
    if row >= len(sheet):
        raise InputFileError(f"{source.name}: header row {row + 1} is beyond the sheet's "
                             f"{len(sheet)} rows; pass the row number of the header")  # fmt: skip
    if row < 0:  # no header row: the columns are named by position
        names = layout.positional_names(sheet.shape[1])
    else:
        names = _column_names([_cell_text(v) for v in sheet.iloc[row]])
    frame = sheet.iloc[row + 1 :].reset_index(drop=True)
    frame.columns = names
    table = RawTable(from_pandas(frame.infer_objects()), "excel", first_line=row + 2)
    if row > 0:
        table.notes.append(_skipped_note(row + 1))
    return table


def read_html(source: Source) -> RawTable:
    """The first table of an HTML page (cells as text), from its header row on."""
    with source.binary() as fh:
        raw = fh.read()
    parser = _TableParser()
    parser.feed(raw.decode(_html_encoding(raw), errors="replace"))
    parser.close()
    rows = [r for r in parser.tables[0] if any(c.strip() for c in r)] if parser.tables else []
    if not rows:
        raise InputFileError(f"{source.name}: an HTML page with no table rows; export the "
                             f"orders as CSV or .xlsx")  # fmt: skip
    row = _header_index(source, rows[: layout.SEARCH_LINES])
    width = max(len(r) for r in rows)
    names = layout.positional_names(width) if row < 0 else _column_names(rows[row])
    width = len(names)
    body = [(r + [""] * width)[:width] for r in rows[row + 1 :]]
    frame = pl.DataFrame({n: [r[i] or None for r in body] for i, n in enumerate(names)},
                         schema=dict.fromkeys(names, pl.String))  # fmt: skip
    table = RawTable(frame, "html", first_line=row + 2)
    if row > 0:
        table.notes.append(_skipped_note(row + 1))
    return table


def _skipped_note(header: int) -> str:
    above = header - 1
    return Note("header_row", line=header, above=above, s=plural(above))


def _header_index(source: Source, rows: list[list[str]]) -> int:
    """The 0-based index of the header among the first rows of a sheet or table; -1 when
    it has none (``source.no_header``)."""
    if source.no_header:
        return -1
    if source.header_row:
        return source.header_row - 1
    found = layout.find_header(list(enumerate(rows, 1)), source.known)
    return found.line - 1 if found else 0


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):  # NaN: an empty cell
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _column_names(cells: Sequence[str]) -> list[str]:
    """Header cells as column names: empty ones ``Unnamed: i``, repeated ones ``name.1``
    (as pandas names them)."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for i, cell in enumerate(cells):
        name = cell.strip() and cell or f"Unnamed: {i}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        seen.setdefault(name, 0)
        names.append(name)
    return names


def _html_encoding(raw: bytes) -> str:
    """The charset an HTML page declares (``gbk`` and ``gb2312`` read as GB18030)."""
    import re

    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    found = re.search(rb"charset\s*=\s*[\"']?([\w-]+)", raw[:4096], re.IGNORECASE)
    name = found.group(1).decode("ascii").lower() if found else "utf-8"
    return "gb18030" if name in ("gbk", "gb2312", "gb18030") else name


class _TableParser(HTMLParser):
    """The rows of each ``<table>``: the text of every ``<td>`` and ``<th>``, by row."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self._end_cell()
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables:
            self._end_cell()
            if not self.tables[-1]:
                self.tables[-1].append([])
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th", "tr", "table"):
            self._end_cell()

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def _end_cell(self) -> None:
        if self._cell is not None and self.tables and self.tables[-1]:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
        self._cell = None
