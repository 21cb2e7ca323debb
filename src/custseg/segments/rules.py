"""Rule tables: ordered, first-match segment rules kept as data (TOML).

A table file::

    name = "default"
    fallback = "other"            # segment for customers no rule matches

    [segments.high-value]         # optional metadata per segment
    label = "High value"
    label_zh = "高价值客户"
    action = "Exclusive service and early access"
    action_zh = "专属服务，新品抢先体验"
    color = "#1b7837"

    [[rules]]                     # first match wins
    segment = "high-value"
    r = ">=3"                     # conditions: N, "A-B", ">=N", "<=N", ">N", "<N"
    f = ">=4"
    m = ">=4"

Conditions may use the scores ``r``, ``f``, ``m`` and the raw values ``orders``,
``recency_days`` and ``monetary``. All conditions of a rule must hold.

Limits, which keep every run (and ``custseg rules check``) fast: at most
:data:`MAX_RULES` rules, :data:`MAX_SEGMENTS` segments, ``bins`` up to :data:`MAX_BINS`
(as ``--bins``), and a file of at most :data:`MAX_TABLE_BYTES`. ``color`` takes colour values
only (:mod:`custseg.segments.colors`).
"""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path

from custseg.errors import RulesError
from custseg.io.limits import read_small
from custseg.segments.colors import is_color
from custseg.segments.table import (
    FIELDS,
    RULE_KEYS,
    SEGMENT_KEYS,
    TABLE_KEYS,
    Condition,
    Rule,
    RuleTable,
    SegmentInfo,
)

#: The most rules a table may hold (1,000 rules segment 1M customers in about a second:
#: :mod:`custseg.segments.assign`; ``rules check`` takes 0.4 s).
MAX_RULES = 1_000
#: The most segments (named by rules, described in [segments], and the fallback).
MAX_SEGMENTS = 200
#: The most score levels, as on the command line (``--bins``).
MAX_BINS = 20
#: The largest rule table file: 1 MiB, some 1,000 bytes for each rule and segment.
MAX_TABLE_BYTES = 1 << 20

_NUM = r"[+-]?\d+(?:\.\d+)?"
_RANGE = re.compile(rf"^({_NUM})\s*-\s*({_NUM})$")
_COMPARE = re.compile(rf"^(>=|<=|>|<|=|==)?\s*({_NUM})$")


def parse_condition(key: str, value: object, where: str) -> Condition:
    """Parse one condition value (``3``, ``"2-4"``, ``">=3"``, ...)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise RulesError(f"{where}: {key} = {value!r} is not a number or a text condition")
    text = str(value).strip()
    if m := _RANGE.match(text):
        lo, hi = float(m.group(1)), float(m.group(2))
        if lo > hi:
            raise RulesError(f"{where}: {key} = {text!r} is an empty range; write it low-high")
        return Condition(key, lo, hi, text=text)
    if m := _COMPARE.match(text):
        op, num = m.group(1) or "=", float(m.group(2))
        bounds = {
            ">=": {"lo": num},
            ">": {"lo": num, "lo_open": True},
            "<=": {"hi": num},
            "<": {"hi": num, "hi_open": True},
        }.get(op, {"lo": num, "hi": num})
        shown = text if m.group(1) else f"= {text}"
        return Condition(key, text=shown, **bounds)
    raise RulesError(
        f"{where}: {key} = {text!r} is not a condition; use N, A-B, >=N, <=N, >N or <N"
    )


def parse_table(data: dict, source: str) -> RuleTable:
    """Build and validate a :class:`RuleTable` from parsed TOML."""
    unknown = sorted(set(data) - set(TABLE_KEYS))
    if unknown:
        raise RulesError(f"{source}: unknown key(s) {unknown}; allowed: {list(TABLE_KEYS)}")
    entries = data.get("rules")
    if not isinstance(entries, list) or not entries:
        raise RulesError(f"{source}: no [[rules]] entries; add at least one rule")
    if len(entries) > MAX_RULES:
        raise RulesError(f"{source}: {len(entries):,} rules; a table holds at most "
                         f"{MAX_RULES:,}: merge rules (a condition can be a range: "
                         f'r = "2-4")')  # fmt: skip
    segments = _parse_segments(data.get("segments", {}), source)
    rules = [_parse_rule(entry, i, source, segments) for i, entry in enumerate(entries, 1)]
    fallback = data.get("fallback", "other")
    if not isinstance(fallback, str) or not fallback:
        raise RulesError(f"{source}: fallback must be a segment name")
    scoring = data.get("scoring")
    if scoring is not None and scoring not in ("quantile", "edges", "mean"):
        raise RulesError(f"{source}: scoring = {scoring!r}; use quantile, edges or mean")
    bins = data.get("bins")
    if bins is not None and (
        not isinstance(bins, int) or isinstance(bins, bool) or not 2 <= bins <= MAX_BINS
    ):
        raise RulesError(f"{source}: bins = {bins!r}; use a whole number from 2 to {MAX_BINS}")
    _check_size(rules, segments, fallback, source)
    return RuleTable(
        name=_text(data, "name", source, Path(source).stem),
        rules=rules,
        segments=segments,
        fallback=fallback,
        description=_text(data, "description", source, ""),
        scoring=scoring,
        bins=bins,
    )


def _text(data: dict, key: str, where: str, default: str) -> str:
    """The text at ``data[key]`` (a number is written as text); raises RulesError for a
    list or a table."""
    value = data.get(key, default)
    if isinstance(value, list | dict):
        raise RulesError(f'{where}: {key} must be a text, e.g. {key} = "..."')
    return str(value)


def _check_size(rules: list[Rule], segments: dict, fallback: str, source: str) -> None:
    """At most MAX_SEGMENTS segments (MAX_RULES rules: checked before they are read)."""
    names = {r.segment for r in rules} | set(segments) | {fallback}
    if len(names) > MAX_SEGMENTS:
        raise RulesError(
            f"{source}: {len(names):,} segments; a table holds at most {MAX_SEGMENTS}: "
            f"merge segments"
        )


def _parse_segments(raw: object, source: str) -> dict[str, SegmentInfo]:
    if not isinstance(raw, dict):
        raise RulesError(f"{source}: [segments] must be a table of segment names")
    out = {}
    for name, meta in raw.items():
        where = f"{source}: [segments.{name}]"
        if not isinstance(meta, dict):
            raise RulesError(f"{where} must be a table")
        unknown = sorted(set(meta) - set(SEGMENT_KEYS))
        if unknown:
            raise RulesError(f"{where}: unknown key(s) {unknown}; allowed: {list(SEGMENT_KEYS)}")
        texts = {k: _text(meta, k, where, "") for k in meta}
        if texts.get("color") and not is_color(texts["color"]):
            raise RulesError(
                f"{where}: color = {texts['color']!r} is not a colour; use #rgb, #rrggbb, "
                f'#rrggbbaa, rgb(...) or hsl(...) of numbers, or a CSS colour name (color = "teal")'
            )
        out[name] = SegmentInfo(name=name, **texts)
    return out


def _parse_rule(entry: object, index: int, source: str, segments: dict) -> Rule:
    where = f"{source}: rule {index}"
    if not isinstance(entry, dict):
        raise RulesError(f"{where} must be a table ([[rules]])")
    segment = entry.get("segment")
    if not isinstance(segment, str) or not segment.strip():
        raise RulesError(f'{where} has no segment; add segment = "name"')
    where = f"{where} ({segment})"
    unknown = sorted(set(entry) - set(RULE_KEYS))
    if unknown:
        raise RulesError(f"{where}: unknown key(s) {unknown}; allowed: {list(RULE_KEYS)}")
    if "label" in entry or "action" in entry:
        info = segments.get(segment, SegmentInfo(name=segment))
        segments[segment] = SegmentInfo(
            name=segment,
            label=_text(entry, "label", where, info.label),
            label_zh=info.label_zh,
            action=_text(entry, "action", where, info.action),
            action_zh=info.action_zh,
            color=info.color,
        )
    conditions = tuple(parse_condition(k, entry[k], where) for k in FIELDS if k in entry)
    return Rule(segment=segment, conditions=conditions, index=index)


def load_rules(source: str | Path) -> RuleTable:
    """Load a rule table from a TOML file.

    Raises
    ------
    RulesError
        When the file is missing, is not valid TOML, or an entry is malformed; the
        message names the entry and the problem.
    """
    path = Path(source)
    data = read_small(path, MAX_TABLE_BYTES, RulesError, "rule table", f"a rule table holds "
                      f"at most {MAX_RULES:,} rules and {MAX_SEGMENTS} segments")  # fmt: skip
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RulesError(
            f"{path}: line {line}: byte {data[exc.start]:#04x} is not UTF-8; save the rule "
            f"table as UTF-8 (TOML files are UTF-8)"
        ) from None
    return _parse_text(text, str(path))


def builtin_rules(name: str = "default") -> RuleTable:
    """A rule table shipped with custseg (``custseg/schemes/NAME.toml``)."""
    resource = resources.files("custseg.segments") / "schemes" / f"{name}.toml"
    if not resource.is_file():
        raise RulesError(f"no built-in scheme {name!r}; choose one of {builtin_names()}")
    return _parse_text(resource.read_text(encoding="utf-8"), f"{name}.toml")


def builtin_names() -> list[str]:
    folder = resources.files("custseg.segments") / "schemes"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def _parse_text(text: str, source: str) -> RuleTable:
    try:
        data = tomllib.loads(text)
        table = parse_table(data, source)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{source}: not valid TOML ({exc})") from None
    except RecursionError:
        raise RulesError(
            f"{source}: arrays or tables nested too deeply to read; a rule table needs two "
            f"levels ([segments.NAME], [[rules]])"
        ) from None
    table.source_text = text
    return table


def find_rules(name_or_path: str) -> RuleTable:
    """A built-in scheme by name, or a rule table file by path."""
    if name_or_path in builtin_names():
        return builtin_rules(name_or_path)
    if Path(name_or_path).is_file():
        return load_rules(name_or_path)
    raise RulesError(
        f"{name_or_path!r} is neither a built-in scheme ({', '.join(builtin_names())}) "
        f"nor a rule table file"
    )


# the segment columns: their own module, kept importable from here
from custseg.segments.assign import (  # noqa: E402 - after the table's definitions
    assign_segments,
    label_segments,
    segment_texts,
)

__all__ = ["FIELDS", "MAX_BINS", "MAX_RULES", "MAX_SEGMENTS", "MAX_TABLE_BYTES", "Condition",
           "Rule", "RuleTable", "SegmentInfo", "assign_segments", "builtin_names",
           "builtin_rules", "find_rules", "label_segments", "load_rules", "parse_condition",
           "parse_table", "segment_texts"]  # fmt: skip
