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
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import polars as pl

from custseg.errors import RulesError
from custseg.frames import as_series, first_match, to_polars_series, with_columns

#: condition key -> column of the per-customer frame
FIELDS: dict[str, str] = {
    "r": "r_score",
    "f": "f_score",
    "m": "m_score",
    "orders": "frequency",
    "recency_days": "recency_days",
    "monetary": "monetary",
}
SEGMENT_KEYS = ("label", "label_zh", "action", "action_zh", "color")
RULE_KEYS = ("segment", "label", "action", *FIELDS)
TABLE_KEYS = ("name", "description", "fallback", "segments", "rules", "scoring", "bins")

_NUM = r"[+-]?\d+(?:\.\d+)?"
_RANGE = re.compile(rf"^({_NUM})\s*-\s*({_NUM})$")
_COMPARE = re.compile(rf"^(>=|<=|>|<|=|==)?\s*({_NUM})$")


@dataclass(frozen=True)
class Condition:
    """``lo <= value <= hi`` with open or closed ends; ``text`` is how it was written."""

    key: str
    lo: float = float("-inf")
    hi: float = float("inf")
    lo_open: bool = False
    hi_open: bool = False
    text: str = ""

    def mask(self, values):
        """Whether ``values`` (a Polars expression or Series, a numpy array or a number)
        meet the condition."""
        above = values > self.lo if self.lo_open else values >= self.lo
        below = values < self.hi if self.hi_open else values <= self.hi
        return above & below

    def admits(self, value: float) -> bool:
        return bool(self.mask(float(value)))


@dataclass(frozen=True)
class Rule:
    segment: str
    conditions: tuple[Condition, ...]
    index: int  # 1-based position in the table

    def describe(self) -> str:
        return " and ".join(f"{c.key} {c.text}" for c in self.conditions) or "always"

    def condition(self, key: str) -> Condition | None:
        return next((c for c in self.conditions if c.key == key), None)

    @property
    def uses_raw_values(self) -> bool:
        return any(c.key not in ("r", "f", "m") for c in self.conditions)


@dataclass(frozen=True)
class SegmentInfo:
    name: str
    label: str = ""
    label_zh: str = ""
    action: str = ""
    action_zh: str = ""
    color: str = ""

    def label_in(self, lang: str) -> str:
        """The label in ``lang`` (``en`` or ``zh``), falling back to English, then the name."""
        return (self.label_zh if lang == "zh" else "") or self.label or self.name

    def action_in(self, lang: str) -> str:
        return (self.action_zh if lang == "zh" else "") or self.action


@dataclass
class RuleTable:
    name: str
    rules: list[Rule]
    segments: dict[str, SegmentInfo] = field(default_factory=dict)
    fallback: str = "other"
    description: str = ""
    scoring: str | None = None  # the scoring method the scheme is meant for
    bins: int | None = None
    source_text: str = ""  # the TOML it was read from

    def info(self, segment: str) -> SegmentInfo:
        return self.segments.get(segment, SegmentInfo(name=segment))

    def segment_names(self) -> list[str]:
        """Segment names in the order they first appear, fallback last."""
        names = list(dict.fromkeys(r.segment for r in self.rules))
        return names if self.fallback in names else [*names, self.fallback]


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
    segments = _parse_segments(data.get("segments", {}), source)
    rules = [_parse_rule(entry, i, source, segments) for i, entry in enumerate(entries, 1)]
    fallback = data.get("fallback", "other")
    if not isinstance(fallback, str) or not fallback:
        raise RulesError(f"{source}: fallback must be a segment name")
    scoring = data.get("scoring")
    if scoring is not None and scoring not in ("quantile", "edges", "mean"):
        raise RulesError(f"{source}: scoring = {scoring!r}; use quantile, edges or mean")
    bins = data.get("bins")
    if bins is not None and (not isinstance(bins, int) or isinstance(bins, bool) or bins < 2):
        raise RulesError(f"{source}: bins = {bins!r}; use a whole number of at least 2")
    return RuleTable(
        name=str(data.get("name", Path(source).stem)),
        rules=rules,
        segments=segments,
        fallback=fallback,
        description=str(data.get("description", "")),
        scoring=scoring,
        bins=bins,
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
        out[name] = SegmentInfo(name=name, **{k: str(v) for k, v in meta.items()})
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
            label=str(entry.get("label", info.label)),
            label_zh=info.label_zh,
            action=str(entry.get("action", info.action)),
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
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(f"{path}: cannot read the rule table ({exc.strerror})") from None
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
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{source}: not valid TOML ({exc})") from None
    table = parse_table(data, source)
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


def assign_segments(customers, table: RuleTable):
    """A copy of ``customers`` (pandas or Polars) with a ``segment`` column.

    Each customer gets the segment of the first rule that matches, or
    ``table.fallback`` when none does.
    """
    present = {key: col for key, col in FIELDS.items() if col in customers.columns}
    cases = []  # the first rule that matches gives the segment
    for rule in table.rules:
        hit = pl.lit(True)
        for cond in rule.conditions:
            if cond.key not in present:
                raise RulesError(
                    f"rule {rule.index} ({rule.segment}) uses {cond.key!r}, "
                    f"which the customer frame lacks ({FIELDS[cond.key]})"
                )
            hit = hit & cond.mask(pl.col(present[cond.key]))
        cases.append((hit, pl.lit(rule.segment)))
    segment = first_match(cases, pl.lit(table.fallback))
    values = pl.DataFrame([to_polars_series(customers[c]) for c in present.values()]
                          or [pl.int_range(len(customers), eager=True)])  # fmt: skip
    # with_columns broadcasts literals; streamed, no full-length temporaries
    out = values.lazy().with_columns(segment.alias("segment")).select("segment")
    return with_columns(customers, {"segment": out.collect(engine="streaming")["segment"]})


def segment_texts(table: RuleTable, lang: str = "en", actions: bool = True) -> dict[str, list[str]]:
    """The values the columns of :func:`label_segments` (and ``segment``) can hold for the
    segments of ``table``."""
    infos = [table.info(n) for n in table.segment_names()]
    texts = {"segment": [i.name for i in infos], "segment_label": [i.label_in(lang) for i in infos]}
    if actions:
        texts["action"] = [i.action_in(lang) for i in infos]
    return texts


def label_segments(customers, table: RuleTable, lang: str = "en", actions: bool = True):
    """A copy of a segmented frame with ``segment_label`` (and, with ``actions``,
    ``action``) in ``lang``.

    ``segment`` stays the stable machine-readable name.
    """
    segment = as_series(customers, "segment").cast(pl.String).alias("segment")
    name = pl.col("segment")
    known = segment_texts(table, lang, actions)

    def chain(col: str, otherwise: pl.Expr) -> pl.Expr:
        # a chain of comparisons: faster than a lookup table for a handful of segments
        pairs = zip(known["segment"], known[col], strict=True)
        return first_match([(name == n, pl.lit(text)) for n, text in pairs], otherwise)

    # a segment the table does not know is its own label, with no action
    texts = {"segment_label": chain("segment_label", name)}
    if actions:
        texts["action"] = chain("action", pl.when(name.is_not_null()).then(pl.lit("")))
    out = segment.to_frame().lazy().with_columns(**texts).collect(engine="streaming")
    return with_columns(customers, {col: out[col] for col in texts})
