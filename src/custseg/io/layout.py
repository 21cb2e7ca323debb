"""Where a table starts: the delimiter of a text file and the line of its header.

Exports from Youzan, WeChat shops, ERPs and Excel often put a title or notes above the
header (``有赞微商城 — 订单导出``, ``导出时间：2024-03-01 10:00:00``, a blank line). The
header is the line, among the first :data:`SEARCH_LINES`, that looks like one: as many
fields as most of the lines (one fewer allowed), mostly filled, mostly not numbers or
dates; of several, the one with the most known column names, then the first.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import NamedTuple

SEARCH_LINES = 20  # the header is looked for among the first lines only
SAMPLE_RECORDS = 200  # the records whose field counts tell the table's width
DELIMITERS = (",", "\t", ";", "|")
#: a cell that starts like a number, an amount or a date
_NUMERIC = re.compile(r"\s*[-+(]?\s*[$¥€£￥]?\s*\d")

Record = tuple[int, Sequence[str]]  # (1-based line of its start, cells)


def guess_delimiter(line: str) -> str:
    """The delimiter of a header line: the most frequent of comma, tab, semicolon and
    pipe; else ``whitespace`` when the line has several words; else comma."""
    counts = {d: line.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] > 0:
        return best
    if len(line.split()) > 1:
        return "whitespace"
    return ","


def split_records(text: str, delimiter: str, limit: int = SAMPLE_RECORDS) -> list[Record]:
    """The first ``limit`` records of ``text`` (whole lines) with the line each starts on;
    a quoted field may hold line breaks. Stops at the first record that cannot be parsed."""
    if delimiter == "whitespace":
        return [(i, line.split()) for i, line in enumerate(text.splitlines()[:limit], 1)]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[Record] = []
    start = 1
    try:
        for row in reader:
            records.append((start, row))
            start = reader.line_num + 1
            if len(records) >= limit:
                break
    except csv.Error:  # e.g. a quote left open by the end of the sample
        pass
    return records


def looks_like_header(cells: Sequence[str]) -> bool:
    """At least two cells, at least half of them filled, at most a fifth of the filled
    ones starting like a number or a date."""
    filled = [c for c in (str(c).strip() for c in cells) if c]
    if len(filled) < 2 or 2 * len(filled) < len(cells):
        return False
    return 5 * sum(bool(_NUMERIC.match(c)) for c in filled) <= len(filled)


class Header(NamedTuple):
    """A line that looks like the header: its line, how many of its cells are known
    column names, how many records after it have the table's width, and whether it has
    that width itself."""

    line: int
    known: int
    support: int
    fits: bool


def table_width(records: list[Record]) -> int:
    """The number of fields of most of the non-empty ``records`` (of several, the widest);
    0 when there are none."""
    widths = Counter(len(cells) for _, cells in records if any(str(c).strip() for c in cells))
    return max(widths, key=lambda w: (widths[w], w)) if widths else 0


def positional_names(width: int) -> list[str]:
    """The column names of a table without a header line: ``1``, ``2``, ... ``width``."""
    return [str(i) for i in range(1, width + 1)]


def find_header(records: list[Record],
                known: Callable[[str], bool] | None = None) -> Header | None:  # fmt: skip
    """The header among ``records`` (:class:`Header`), or None when no line among the
    first :data:`SEARCH_LINES` looks like a header."""
    width = table_width(records)
    if not width:
        return None
    best: Header | None = None
    for line, cells in records:
        if line > SEARCH_LINES:
            break
        if len(cells) < max(2, width - 1) or not looks_like_header(cells):
            continue
        score = sum(bool(known(str(c))) for c in cells) if known else 0
        if best is None or score > best.known:
            support = sum(len(c) == width for n, c in records if n > line)
            best = Header(line, score, support, len(cells) == width)
    return best


def find_layout(text: str, known: Callable[[str], bool] | None = None) -> tuple[str, int]:
    """The delimiter and the header line of a delimited text whose first whole lines are
    ``text``. The common case costs one parse of the first records: the delimiter of the
    first line, with a header on that line as wide as the table. Else every delimiter is
    tried, and the one whose header has the most known names, then the table's width,
    then the most rows of that width, wins; with no header found, the first line is the
    header, as it always was."""
    first = text.split("\n", 1)[0].rstrip("\r")
    guess = guess_delimiter(first)
    found = find_header(split_records(text, guess), known)
    if found is not None and found.line == 1 and found.fits:
        return guess, 1
    headers = {d: find_header(split_records(text, d), known) for d in DELIMITERS}
    headers[guess] = found
    ranked = [(h.known, h.fits, h.support, -h.line, d != "whitespace", d)
              for d, h in headers.items() if h is not None]  # fmt: skip
    if not ranked:
        return guess, 1
    best = max(ranked)
    return best[-1], -best[3]


def rows_delimiter(text: str) -> str:
    """The delimiter of a text without a header line, whose first whole lines are
    ``text``: of the first line's guess (:func:`guess_delimiter`) and the others, the one
    that cuts the most lines into as many fields (at least two) as the first line."""

    def fit(delimiter: str) -> tuple[int, bool]:
        records = [cells for _, cells in split_records(text, delimiter) if cells]
        width = len(records[0]) if records else 0
        agree = sum(len(cells) == width for cells in records) if width > 1 else 0
        return agree, delimiter == guess

    guess = guess_delimiter(text.split("\n", 1)[0].rstrip("\r"))
    return max((guess, *DELIMITERS, "whitespace"), key=fit)


def forced_layout(text: str, line: int, name: str) -> tuple[str, int]:
    """The delimiter of a header forced onto ``line`` (1-based)."""
    lines = text.splitlines()
    if line > len(lines):
        from custseg.errors import InputFileError

        raise InputFileError(
            f"{name}: header row {line} is beyond the lines read ({len(lines)}); pass the "
            f"line number of the header (1 for the first line)"
        )
    return guess_delimiter(lines[line - 1]), line
