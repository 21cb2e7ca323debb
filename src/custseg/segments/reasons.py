"""Why a customer's segment changed since the last run, in plain words (``change_reason``),
built as one Polars expression over the current run joined with the previous one.

The rule, for each of R, F and M whose score changed (named in that order, ``; ``
between them: ``；`` in Chinese):

- the customer's current measure is scored again with the **previous** cut points (the
  counterfactual). If that gives the previous score, the customer did not move: the
  **cut points moved** past them (``M 5->4: cut points moved: M cut 4 from 503.29 to
  540.10``, the first cut between the two scores, counted from 1 in ascending order);
- if it gives the current score, the cut points do not matter: the **customer changed**,
  said with the measure (``R 4->2: last order 95 days ago (cut 90)``, ``F 2->3: 3rd
  order on 2026-11-30 (cut 2)``, ``M 3->4: spend up from 480.00 to 620.00 (cut 503.29)``;
  the cut is today's cut point the measure crossed);
- otherwise both: the customer's change, then ``, and cut points moved: ...``;
- when the previous cut points are known only as ranges (inferred:
  :mod:`custseg.segments.changes`) and the measure lies inside one, either could be
  true: the customer's change, then ``, or cut points moved: ...``.

A customer whose segment changed with the same three scores (a rule on the raw orders,
spend or days) gets ``same scores; `` and the measures that changed; with the same
measures too, the rules themselves differ. A customer absent from the previous run gets
``new since the last run: first order on DATE``. The texts are data
(:data:`TEXTS`, English and Chinese), filled with ``pl.format``.
"""

from __future__ import annotations

import polars as pl

from custseg.schema import MEASURES

#: key -> (English, Chinese); the ``{}`` are filled in the same order in both.
TEXTS: dict[str, tuple[str, str]] = {
    "prefix": ("{} {}->{}: ", "{} {}->{}："),
    "r_older": ("last order {} days ago", "最近一次下单在 {} 天前"),
    "r_newer": ("ordered again on {}, {} days ago", "{} 再次下单，距今 {} 天"),
    "f_more": ("{} order on {}", "第 {} 单，下单于 {}"),
    "f_fewer": ("orders down from {} to {}", "订单数从 {} 减少到 {}"),
    "m_more": ("spend up from {} to {}", "消费金额从 {} 增加到 {}"),
    "m_less": ("spend down from {} to {}", "消费金额从 {} 减少到 {}"),
    "cut_note": (" (cut {})", "（分界 {}）"),
    "cuts": (
        "cut points moved: {} cut {} from {} to {}",
        "分界点移动：{} 第 {} 个分界点从 {} 变为 {}",
    ),
    "and": (", and ", "，且"),
    "or": (", or ", "，或"),
    "sep": ("; ", "；"),
    "list": (", ", "，"),
    "new": ("new since the last run: first order on {}", "上次运行后的新客户：首次下单于 {}"),
    "same_scores": ("same scores; ", "评分未变；"),
    "orders_changed": ("orders {}->{}", "订单数 {}->{}"),
    "recency_changed": ("last order {} days ago (was {})", "最近一次下单在 {} 天前（上次 {} 天）"),
    "spend_changed": ("spend {}->{}", "消费金额 {}->{}"),
    "rules": (
        "same scores and measures: the segment rules differ from the last run's",
        "评分和指标均未变：分群规则与上次不同",
    ),
    "between": ("between {} and {}", "{} 至 {} 之间"),
    "above": ("above {}", "高于 {}"),
    "below": ("below {}", "低于 {}"),
}
#: The letter of each score column.
LETTERS = {"r_score": "R", "f_score": "F", "m_score": "M"}
#: The previous run's columns in the joined frame: ``prev_`` + the column.
PREV = "prev_"


def say(key: str, lang: str) -> str:
    """The text of ``key`` in ``lang`` (its ``{}`` unfilled)."""
    en, zh = TEXTS[key]
    return zh if lang == "zh" else en


def _fill(key: str, lang: str, *values: pl.Expr | str) -> pl.Expr:
    args = [pl.lit(v) if isinstance(v, str) else v for v in values]
    return pl.format(say(key, lang), *args) if args else pl.lit(say(key, lang))


def cut_text(value: float, measure: str) -> str:
    """A cut point as the reasons show it: a whole number as one, else two decimals."""
    if float(value).is_integer() and measure != "monetary":
        return f"{value:.0f}"
    return f"{value:.2f}"


def money(expr: pl.Expr) -> pl.Expr:
    """Money as text with two decimals (``540.10``, ``-3.05``), from whole cents."""
    cents = (expr * 100).round(0).cast(pl.Int64)
    whole, part = cents.abs() // 100, (cents.abs() % 100).cast(pl.String).str.zfill(2)
    sign = pl.when(cents < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    return pl.concat_str(sign, whole.cast(pl.String), pl.lit("."), part)


def ordinal(expr: pl.Expr, lang: str) -> pl.Expr:
    """``3rd``, ``11th``, ``21st`` (in Chinese the number, which the text surrounds)."""
    if lang == "zh":
        return expr.cast(pl.String)
    tens, ones = expr % 100, expr % 10
    suffix = (
        pl.when((tens >= 11) & (tens <= 13))
        .then(pl.lit("th"))
        .when(ones == 1)
        .then(pl.lit("st"))
        .when(ones == 2)
        .then(pl.lit("nd"))
        .when(ones == 3)
        .then(pl.lit("rd"))
        .otherwise(pl.lit("th"))
    )
    return pl.concat_str(expr.cast(pl.String), suffix)


def below(measure: str, cuts: list[float]) -> pl.Expr:
    """How many of ``cuts`` lie below the column ``measure`` (the bin, 0 = the lowest)."""
    if not cuts:
        return pl.lit(0, pl.Int64)
    return pl.sum_horizontal((pl.col(measure) > c).cast(pl.Int64) for c in cuts)


def _pick(index: pl.Expr, texts: list[str]) -> pl.Expr:
    """``texts[index]``, null outside it (a few cut points: a short chain)."""
    cases: list[pl.Expr] = [pl.when(index == i).then(pl.lit(s)) for i, s in enumerate(texts)]
    return pl.coalesce(cases or [pl.lit(None, pl.String)])


def _day(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.Date).dt.strftime("%Y-%m-%d")


def _own(measure: str, lang: str) -> pl.Expr:
    """The customer's own change of ``measure``, in words."""
    value, before = pl.col(measure), pl.col(PREV + measure)
    up = value > before
    if measure == "recency_days":  # fewer days: a later order, or an earlier as-of day
        bought = pl.col("last_order").cast(pl.Date) > pl.col(PREV + "last_order")
        return (
            pl.when(up)
            .then(_fill("r_older", lang, value))
            .when(bought.fill_null(True))
            .then(_fill("r_newer", lang, _day("last_order"), value))
            .otherwise(_fill("recency_changed", lang, value, before))
        )
    if measure == "frequency":
        return (
            pl.when(up)
            .then(_fill("f_more", lang, ordinal(value, lang), _day("last_order")))
            .otherwise(_fill("f_fewer", lang, before, value))
        )
    return (
        pl.when(up)
        .then(_fill("m_more", lang, money(before), money(value)))
        .otherwise(_fill("m_less", lang, money(before), money(value)))
    )


def score_reason(
    measure: str,
    score: str,
    higher: bool,
    previous: dict[str, list[float]],
    current: dict[str, list[float]],
    previous_texts: dict[str, list[str]],
    lang: str,
    ranges: dict[str, list[tuple]] | None = None,
) -> pl.Expr:
    """The reason for one score (null when it did not change): see the module docstring.
    ``ranges``: the previous cut points known only as (low, high) ranges (inferred)."""
    old, new = previous[measure], current[measure]
    now_texts = [cut_text(c, measure) for c in new]
    b_old, b_new = below(measure, old), below(measure, new)
    counterfactual = b_old + 1 if higher else len(old) + 1 - b_old
    own = counterfactual != pl.col(PREV + score)
    moved = counterfactual != pl.col(score)
    crossed = pl.when(pl.col(measure) > pl.col(PREV + measure)).then(b_new - 1).otherwise(b_new)
    cut = _pick(crossed, now_texts)
    own_text = pl.concat_str(
        _own(measure, lang),
        pl.when(cut.is_not_null()).then(_fill("cut_note", lang, cut)),
        ignore_nulls=True,
    )

    def cuts_text(k: pl.Expr) -> pl.Expr:  # cut k (from 0) of both runs
        return _fill("cuts", lang, LETTERS[score], (k + 1).cast(pl.String),
                     _pick(k, previous_texts[measure]), _pick(k, now_texts))  # fmt: skip

    only_cuts = cuts_text(pl.min_horizontal(b_old, b_new))
    body = (
        pl.when(own & moved)
        .then(pl.concat_str(own_text, pl.lit(say("and", lang)), only_cuts))
        .when(own)
        .then(own_text)
        .otherwise(only_cuts)
    )
    unsure = _unsure(measure, (ranges or {}).get(measure, []))
    if unsure is not None:  # the measure lies where the previous cut may be: say both
        either = pl.concat_str(own_text, pl.lit(say("or", lang)), cuts_text(unsure))
        body = pl.when(unsure.is_not_null()).then(either).otherwise(body)
    prefix = _fill("prefix", lang, LETTERS[score], pl.col(PREV + score), pl.col(score))
    return pl.when(pl.col(PREV + score) != pl.col(score)).then(pl.concat_str(prefix, body))


def _unsure(measure: str, ranges: list[tuple]) -> pl.Expr | None:
    """The first inferred previous cut (from 0) whose range holds the measure strictly
    inside it (null for none); None when no cut is a range."""
    value = pl.col(measure)
    cases = [pl.when((value > lo) & (value < hi)).then(pl.lit(k, pl.Int64))
             for k, (lo, hi) in enumerate(ranges) if lo is not None and hi is not None]  # fmt: skip
    return pl.coalesce(cases) if cases else None


def _measure_changes(lang: str) -> pl.Expr:
    """``same scores; `` and the measures that changed, or that the rules differ."""
    rec, freq, mon = (pl.col(m) for m, _, _ in MEASURES)
    pieces = [
        pl.when(freq != pl.col(PREV + "frequency")).then(
            _fill("orders_changed", lang, pl.col(PREV + "frequency"), freq)
        ),
        pl.when(rec != pl.col(PREV + "recency_days")).then(
            _fill("recency_changed", lang, rec, pl.col(PREV + "recency_days"))
        ),
        pl.when(money(mon) != money(pl.col(PREV + "monetary"))).then(
            _fill("spend_changed", lang, money(pl.col(PREV + "monetary")), money(mon))
        ),
    ]
    changed = pl.concat_str(pieces, separator=say("list", lang), ignore_nulls=True)
    return (
        pl.when(changed != "")
        .then(pl.concat_str(pl.lit(say("same_scores", lang)), changed))
        .otherwise(pl.lit(say("rules", lang)))
    )


def reason_expr(
    previous: dict[str, list[float]],
    current: dict[str, list[float]],
    previous_texts: dict[str, list[str]],
    lang: str = "en",
    ranges: dict[str, list[tuple]] | None = None,
) -> pl.Expr:
    """``change_reason`` of the joined frame (the run's columns, the previous run's as
    ``prev_*`` and ``previous_segment``, ``present``: whether the customer was in it):
    null for a customer whose segment did not change."""
    scores = [
        score_reason(m, s, h, previous, current, previous_texts, lang, ranges)
        for m, s, h in MEASURES
    ]
    by_score = pl.concat_str(scores, separator=say("sep", lang), ignore_nulls=True)
    same = pl.all_horizontal(pl.col(s) == pl.col(PREV + s) for _, s, _ in MEASURES)
    moved = pl.when(same).then(_measure_changes(lang)).otherwise(by_score)
    return (
        pl.when(~pl.col("present"))
        .then(_fill("new", lang, _day("first_order")))
        .when(pl.col("segment") != pl.col("previous_segment"))
        .then(moved)
        .otherwise(pl.lit(None, pl.String))
        .alias("change_reason")
    )
