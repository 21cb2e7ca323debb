"""What a rule table is once read: its rules (each a list of :class:`Condition`), the
segments' labels, actions and colours, and the fallback (:class:`RuleTable`). Reading and
checking a table file: :mod:`custseg.segments.rules`."""

from __future__ import annotations

from dataclasses import dataclass, field

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
