"""Small writing helpers shared by the fixture writers (fixture_cn.py, fixture_intl.py)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

FULL_WIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")


@dataclass
class Fixture:
    """One generated export: where it goes, its bytes, and the model's truth."""

    path: str
    data: bytes
    truth: dict


def csv_bytes(header, rows, encoding="utf-8", title=(), delimiter=",", eol="\r\n") -> bytes:
    """``rows`` are dicts keyed by header name; missing keys are written blank."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=eol)
    for line in title:
        writer.writerow(line)
    writer.writerow(header)
    for row in rows:
        unknown = set(row) - set(header)
        if unknown:
            raise KeyError(f"columns not in the header: {sorted(unknown)}")
        writer.writerow([row.get(h, "") for h in header])
    return buf.getvalue().encode(encoding)


def money(value: Decimal) -> str:
    return f"{value:.2f}"


def ts(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    return "" if value is None else value.strftime(fmt)


def masked(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:]


def full_width(text: str) -> str:
    return text.translate(FULL_WIDTH)


def header(*parts: str) -> list[str]:
    """A header from comma-separated parts (kept as text so it reads like the export)."""
    return ",".join(parts).split(",")


def html_table_bytes(header, rows, encoding="utf-8", charset="utf-8") -> bytes:
    """An HTML page holding one table (what several back-ends save as ``.xls``)."""
    from html import escape

    def line(cells, tag):
        return "<tr>" + "".join(f"<{tag}>{escape(str(c))}</{tag}>" for c in cells) + "</tr>\n"

    head = (
        "<html><head>"
        f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
        '</head><body>\n<table border="1">\n'
    )
    body = line(header, "th") + "".join(line([r.get(h, "") for h in header], "td") for r in rows)
    return (head + body + "</table>\n</body></html>\n").encode(encoding)


def xlsx_bytes(header, rows, numbers=()) -> bytes:
    """A one-sheet workbook: ``numbers`` columns as numbers (blank stays blank), every other
    cell as text (ids keep their digits). Fixed document times: the same bytes on every run."""
    import xlsxwriter

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    book.set_properties({"created": datetime(2024, 4, 1, 9, 0, 0)})
    sheet = book.add_worksheet("Sheet1")
    sheet.write_row(0, 0, header)
    for r, row in enumerate(rows, start=1):
        for c, name in enumerate(header):
            value = row.get(name, "")
            if name in numbers and value != "":
                sheet.write_number(r, c, float(value))
            elif value != "":
                sheet.write_string(r, c, value)
    book.close()
    return buf.getvalue()
