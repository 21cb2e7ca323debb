"""Platform tables (``custseg/platforms/*.toml``): read, checked, and recognised from a header.

A platform table is data: its column names for each role (most preferred first), the header
names that mark its exports, its status values, its placeholder customer ids and where its
order-level values sit on item rows. Every input is read with the generic table; a platform
recognised from the header (or forced with ``platform``) puts its own names and values first.
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources

from custseg.errors import ColumnError, param

#: The roles a table may name columns for, in the order they are resolved.
ROLE_NAMES = (
    "customer", "order", "date", "amount", "quantity", "price", "status", "after_sale", "refunded",
)  # fmt: skip
#: Status categories, from the one that leaves a row out first.
STATUS_CATEGORIES = ("not_paid", "cancelled", "partly_refunded", "sale")
LAYOUTS = ("repeated", "first_row")
#: The least number of a platform's signature names a header must hold to be its export.
MIN_SIGNATURE = 2

_DROP = re.compile(r"[\s_\-.]+")
_SPACES = re.compile(r"[\s_\-]+")


def normalize_header(name: object) -> str:
    """The comparison key of a header: NFKC (full-width forms become ASCII), lower case,
    no spaces, underscores, hyphens or dots."""
    text = unicodedata.normalize("NFKC", str(name)).strip().lower()
    return _DROP.sub("", text)


def normalize_value(value: object) -> str:
    """The comparison key of a status or id value: NFKC, lower case, trimmed, runs of
    spaces, underscores and hyphens read as one space (``partially_refunded`` is
    ``partially refunded``)."""
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    return _SPACES.sub(" ", text).strip()


@dataclass(frozen=True)
class Platform:
    """One platform table, its names normalised (:func:`normalize_header`,
    :func:`normalize_value`)."""

    name: str
    title: str
    title_zh: str
    signature: frozenset[str]
    columns: dict[str, tuple[str, ...]]  # role -> header keys, most preferred first
    order_level: dict[str, str]  # header key -> "repeated" | "first_row"
    statuses: dict[str, frozenset[str]]  # category -> value keys
    placeholders: frozenset[str]
    written: dict = field(default_factory=dict, compare=False, repr=False)  # the TOML as is

    def display(self, lang: str = "en") -> str:
        return self.title_zh if lang == "zh" else self.title


@functools.cache
def platforms() -> dict[str, Platform]:
    """Every table shipped with custseg, by name (``generic`` included)."""
    folder = resources.files("custseg.platforms")
    found = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            table = _parse(entry.name, tomllib.loads(entry.read_text(encoding="utf-8")))
            found[table.name] = table
    return found


def generic() -> Platform:
    return platforms()["generic"]


def platform_named(name: str) -> Platform:
    """The table called ``name`` (``--platform``); ColumnError naming the known ones."""
    known = platforms()
    key = name.strip().lower()
    if key not in known:
        raise ColumnError(
            f"{param('platform')} {name!r}: no such platform; known: {', '.join(sorted(known))}"
        )
    return known[key]


def recognise(header: Iterable[str]) -> Platform | None:
    """The platform whose export ``header`` is: the one with the most of its signature names
    in it (at least :data:`MIN_SIGNATURE`); None when no platform, or two equally, match."""
    keys = {normalize_header(h) for h in header}
    scores = sorted(
        ((len(p.signature & keys), p.name) for p in platforms().values() if p.signature),
        reverse=True,
    )
    if not scores or scores[0][0] < MIN_SIGNATURE:
        return None
    if len(scores) > 1 and scores[1][0] == scores[0][0]:
        return None
    return platforms()[scores[0][1]]


@functools.cache
def known_headers() -> frozenset[str]:
    """Every header key some table names a column or a signature with."""
    return frozenset(
        key
        for table in platforms().values()
        for keys in (*table.columns.values(), table.signature)
        for key in keys
    )


def candidates(role: str, platform: Platform | None) -> tuple[str, ...]:
    """The header keys that can play ``role``, most preferred first: the platform's own,
    then the generic ones."""
    own = platform.columns.get(role, ()) if platform else ()
    return tuple(dict.fromkeys(own + generic().columns.get(role, ())))


def _parse(filename: str, raw: dict) -> Platform:
    """A table from its TOML; ValueError naming the file and the problem (a packaging bug)."""

    def fail(problem: str) -> ValueError:
        return ValueError(f"platform table {filename}: {problem}")

    columns = raw.get("columns", {})
    unknown = set(columns) - set(ROLE_NAMES)
    if unknown:
        raise fail(f"unknown roles {sorted(unknown)}")
    levels = raw.get("order_level", {})
    if any(v not in LAYOUTS for v in levels.values()):
        raise fail(f"order_level values must be one of {LAYOUTS}")
    statuses = dict(raw.get("statuses", {}))
    # written after [statuses], placeholder_customers is a key of that table in TOML
    placeholders = raw.get("placeholder_customers", []) + statuses.pop("placeholder_customers", [])
    if set(statuses) - set(STATUS_CATEGORIES):
        raise fail(f"unknown status categories {sorted(set(statuses) - set(STATUS_CATEGORIES))}")
    return Platform(
        name=raw["name"],
        title=raw.get("title", raw["name"]),
        title_zh=raw.get("title_zh", raw.get("title", raw["name"])),
        signature=frozenset(normalize_header(s) for s in raw.get("signature", [])),
        columns={
            role: tuple(dict.fromkeys(normalize_header(n) for n in names))
            for role, names in columns.items()
        },
        order_level={normalize_header(k): v for k, v in levels.items()},
        statuses={
            c: frozenset(normalize_value(v) for v in statuses.get(c, [])) for c in STATUS_CATEGORIES
        },  # fmt: skip
        written=raw,
        placeholders=frozenset(
            unicodedata.normalize("NFKC", str(v)).strip().lower() for v in placeholders
        ),  # fmt: skip
    )
