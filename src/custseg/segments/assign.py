"""The segment columns of a per-customer frame: ``segment`` from a rule table's first
matching rule (:func:`assign_segments`), and its label and action in a language
(:func:`label_segments`)."""

from __future__ import annotations

import polars as pl

from custseg.errors import RulesError
from custseg.frames import as_series, first_match, to_polars_series, with_columns
from custseg.segments.table import FIELDS, RuleTable

#: More rules than this: :func:`_first_rules` (a when-chain is faster for a few rules).
MANY_RULES = 20


def assign_segments(customers, table: RuleTable):
    """A copy of ``customers`` (pandas or Polars) with a ``segment`` column.

    Each customer gets the segment of the first rule that matches, or
    ``table.fallback`` when none does.
    """
    present = {key: col for key, col in FIELDS.items() if col in customers.columns}
    hits = _rule_hits(table, present)
    values = pl.DataFrame([to_polars_series(customers[c]) for c in present.values()]
                          or [pl.int_range(len(customers), eager=True)])  # fmt: skip
    if len(table.rules) > MANY_RULES:
        return with_columns(customers, {"segment": _first_rules(values, table, hits, present)})
    cases = [(hit, pl.lit(rule.segment)) for hit, rule in zip(hits, table.rules, strict=True)]
    segment = first_match(cases, pl.lit(table.fallback))  # the first rule that matches
    # with_columns broadcasts literals; streamed, no full-length temporaries
    out = values.lazy().with_columns(segment.alias("segment")).select("segment")
    return with_columns(customers, {"segment": out.collect(engine="streaming")["segment"]})


def _rule_hits(table: RuleTable, present: dict[str, str]) -> list[pl.Expr]:
    """Whether each rule matches, over the columns ``present`` (condition key -> column);
    raises RulesError for a condition on a column the frame lacks."""
    hits = []
    for rule in table.rules:
        hit = pl.lit(True)
        for cond in rule.conditions:
            if cond.key not in present:
                raise RulesError(
                    f"rule {rule.index} ({rule.segment}) uses {cond.key!r}, "
                    f"which the customer frame lacks ({FIELDS[cond.key]})"
                )
            hit = hit & cond.mask(pl.col(present[cond.key]))
        hits.append(hit)
    return hits


def _first_rules(values: pl.DataFrame, table: RuleTable, hits: list[pl.Expr],
                 present: dict[str, str]) -> pl.Series:  # fmt: skip
    """The segments of a long table: the position of the first rule that matches (one
    flat coalesce: Polars takes ~5 s to plan a when-chain of 1,000 rules, 0.2 s this),
    found once per distinct combination of the values the rules test when those are few
    (scores: at most 20 x 20 x 20) and joined back. 1,000 rules over 1M customers: 14 s
    as a when-chain, 1.2 s on scores and orders (64,000 combinations), ~6 s with a rule
    on ``monetary``."""
    first = pl.coalesce([pl.when(hit).then(pl.lit(i, pl.UInt32)) for i, hit in enumerate(hits)])
    used = sorted({present[c.key] for r in table.rules for c in r.conditions})
    frame = values.select(used) if used else values
    distinct = frame.unique() if used else frame.head(0)
    if used and distinct.height * 4 <= frame.height:
        lookup = distinct.with_columns(first.alias("rule"))
        index = frame.join(lookup, on=used, how="left", nulls_equal=True,
                           maintain_order="left")["rule"]  # fmt: skip
    else:
        index = frame.select(first.alias("rule"))["rule"]
    names = pl.Series([r.segment for r in table.rules], dtype=pl.String)
    return names.gather(index).fill_null(table.fallback).alias("segment")


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
