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
