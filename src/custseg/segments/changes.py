"""What changed since the last run (``rfm --previous``): each customer's previous segment,
whether it changed and why (:mod:`custseg.segments.reasons`), and the migration matrix.

The previous run is its per-customer export (:func:`custseg.io.previous.read_previous`).
Its cut points are not in it, so they are found from it, in this order:

1. ``recomputed`` (unless this run's are frozen, ``--cuts-from``): the cut points this
   run's scoring method (quantile or mean, at this run's levels; fixed edges are
   today's) computes from the previous customers' measures,
   when they give every previous customer the score the file holds (the whole export of a
   run with the same method: the exact cut points it used);
2. ``current``: today's cut points, when they give every previous score (``--cuts-from``
   the same file, fixed edges: the cut points did not move);
3. ``inferred``: from the previous scores alone: each cut lies between the largest value
   scored below it and the smallest scored above it (a filtered export, another method).
   A reason then shows that range (``M cut 4 from between 502.80 and 510.00 to 540.10``),
   and a measure inside it is taken as above the cut.

Customers are matched on the id as text, exactly. Revenue in the matrix is today's spend
of the customers in a cell; for those gone since, their spend in the previous run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from custseg.errors import DataError
from custseg.io.previous import as_previous, read_previous
from custseg.schema import MEASURES
from custseg.segments.reasons import PREV, cut_text, reason_expr, say
from custseg.segments.scoring import apply_scores, compute_cuts

#: The columns the comparison adds to the run's per-customer frame.
CHANGE_COLUMNS: tuple[str, ...] = ("previous_segment", "segment_changed", "change_reason")
CUT_SOURCES = ("recomputed", "current", "inferred")


@dataclass
class Changes:
    """The comparison of a run with the previous one.

    ``frame``: :data:`CHANGE_COLUMNS`, row for row with the run's frame
    (``previous_segment`` null for a customer new since the last run, who counts as
    changed); ``matrix``: customers and revenue per (``previous_segment``, ``segment``),
    null standing for new (previous) and gone (current); ``gone``: the previous
    customers no longer present (``customer_id``, ``previous_segment``, ``monetary``
    then); ``previous_cuts`` and ``cuts_source`` (see the module docstring);
    ``previous_as_of``: the previous run's as-of day, when its export has ``last_order``;
    ``counts``: customers ``previous``, ``current``, ``stayed``, ``moved``, ``new``,
    ``gone``; ``segments``: the matrix's segments in order (the rule table's first);
    ``warnings``: what makes the comparison doubtful (:func:`doubts`).
    """

    frame: pl.DataFrame
    matrix: pl.DataFrame
    gone: pl.DataFrame
    previous_cuts: dict[str, list[float]]
    cuts_source: str
    previous_as_of: dt.date | None = None
    counts: dict[str, int] = field(default_factory=dict)
    segments: list[str] = field(default_factory=list)  # the matrix's, in its order
    warnings: list[str] = field(default_factory=list)

    def mask(
        self,
        segments: pl.Series,
        changed_only: bool = False,
        entered: tuple[str, ...] = (),
        left: tuple[str, ...] = (),
    ) -> pl.Series:
        """Which customers (``segments``: their current segment, row for row) to keep:
        ``changed_only`` the movers; ``entered``: now in one of these segments and not
        before (new customers included); ``left``: before in one of these and not now.
        The options hold together (and); each lists alternatives (or)."""
        previous, changed = self.frame["previous_segment"], self.frame["segment_changed"]
        keep = changed if changed_only else pl.repeat(True, len(segments), eager=True)
        if entered:
            keep = keep & segments.is_in(list(entered)) & changed
        if left:
            keep = keep & previous.is_in(list(left)).fill_null(False) & changed
        return keep


def compare_runs(
    current, previous, lang: str = "en", *, cuts=None, scoring=None, table=None
) -> Changes:
    """Compare a run (an :class:`custseg.engines.run.RfmResult`, or a per-customer frame
    with ``cuts``) with the previous one (a file path, or its per-customer frame, pandas
    or Polars: an rfm export or a result's ``frame``); the reasons in ``lang``.

    ``scoring`` (:class:`custseg.segments.scoring.ScoringSpec`) and ``table`` (the rule
    table, for the order of segments) default to the result's. Never changes its inputs.

    Raises
    ------
    InputFileError, ColumnError, DataError
        The previous file cannot be read, is not an rfm export, or was scored on more
        levels than this run.
    """
    frame = getattr(current, "frame", current)
    cuts = cuts or current.cuts
    scoring = scoring or getattr(current, "scoring", None)
    table = table or getattr(current, "table", None)
    prev = (
        read_previous(previous)
        if isinstance(previous, str | bytes) or hasattr(previous, "__fspath__")
        else as_previous(previous)
    )
    _check_levels(prev, cuts)
    old, texts, source, ranges = previous_cuts(prev, cuts, scoring, lang)
    joined = _joined(frame, prev)
    changed = ~joined["present"] | (joined["segment"] != joined["previous_segment"])
    out = pl.DataFrame(
        [joined["previous_segment"], changed.alias("segment_changed"),
         _reasons(joined, changed, reason_expr(old, cuts, texts, lang, ranges))]
    )  # fmt: skip
    gone = prev.join(
        frame.select("customer_id"), on="customer_id", how="anti", maintain_order="left"
    ).select("customer_id", pl.col("segment").alias("previous_segment"), "monetary")
    matrix, names = _matrix(joined, gone, table.segment_names() if table else [])
    counts = {
        "previous": prev.height,
        "current": frame.height,
        "new": int((~joined["present"]).sum()),
        "gone": gone.height,
        "moved": int((joined["present"] & out["segment_changed"]).sum()),
    }
    counts["stayed"] = frame.height - counts["new"] - counts["moved"]
    warnings = doubts(prev, cuts, source, table.segment_names() if table else None)
    return Changes(out, matrix, gone, old, source, _as_of(prev), counts, names, warnings)


def doubts(prev: pl.DataFrame, cuts: dict[str, list[float]], source: str,
           known: list[str] | None) -> list[str]:  # fmt: skip
    """Warnings on a comparison: previous segments today's rule table does not have (another
    scheme?), and, when the previous cut points had to be inferred, an M score that never
    reaches today's top level (a run on fewer levels? its scores then mean other things)."""
    out = []
    if known is not None:
        unknown = sorted(set(prev["segment"].unique().drop_nulls()) - set(known))
        if unknown:
            shown = ", ".join(unknown[:5]) + (", ..." if len(unknown) > 5 else "")
            out.append(f"the previous run has segments this rule table lacks ({shown}): was it "
                       f"made with another scheme or rule table?")  # fmt: skip
    levels = len(cuts["monetary"]) + 1
    top = prev["m_score"].max()
    if source == "inferred" and prev.height >= 2 * levels and isinstance(top, int) and top < levels:
        out.append(f"the previous run's highest M score is {top}, this run scores 1 to "
                   f"{levels}: if it was scored on {top} levels (--bins), its scores are not "
                   f"comparable")  # fmt: skip
    return out


def _reasons(joined: pl.DataFrame, changed: pl.Series, reason: pl.Expr) -> pl.Series:
    """``reason`` worked out for the movers only (a few of a nightly run's customers), in
    a lazy plan (which shares its repeated parts: 3x faster than eagerly), and put back in
    place: null for the others. 1M customers, two thirds of them movers: ~3.7 s (8 s
    eagerly, all of them); compare_runs in all ~4 s."""
    movers = joined.with_row_index("row").filter(changed)
    found = movers.lazy().select("row", reason).collect()
    empty = pl.repeat(None, joined.height, dtype=pl.String, eager=True).alias("change_reason")
    return empty.scatter(found["row"], found["change_reason"])


def _check_levels(prev: pl.DataFrame, cuts: dict[str, list[float]]) -> None:
    for measure, score, _ in MEASURES:
        levels = len(cuts[measure]) + 1
        bad = prev.filter((pl.col(score) > levels) | (pl.col(score) < 1))[score]
        if bad.len():
            top = bad.cast(pl.String)[0]
            raise DataError(
                f"the previous run has {score} {top}, this run scores 1 to {levels}: the runs "
                f"cannot be compared; score this run on the previous run's levels (--bins)"
            )


def previous_cuts(
    prev: pl.DataFrame, cuts: dict[str, list[float]], scoring=None, lang: str = "en"
) -> tuple[dict, dict, str, dict | None]:
    """The previous run's cut points (see the module docstring), their texts in reasons,
    in ``lang``, how they were found (one of :data:`CUT_SOURCES`) and, inferred, the
    (low, high) range of each (else None)."""
    method = scoring.method if scoring is not None else "quantile"
    candidates = []
    if prev.height and method in ("quantile", "mean") and not getattr(scoring, "frozen", None):
        levels = len(cuts["recency_days"]) + 1
        candidates.append((compute_cuts(prev, levels, method), "recomputed"))
    candidates.append((cuts, "current"))
    for found, source in candidates:
        if _reproduces(prev, found):
            texts = {m: [cut_text(c, m) for c in v] for m, v in found.items()}
            return found, texts, source, None
    found, texts, ranges = _inferred(prev, cuts, lang)
    return found, texts, "inferred", ranges


def _reproduces(prev: pl.DataFrame, cuts: dict[str, list[float]]) -> bool:
    if any(len(cuts[m]) != len(c) for m, c in cuts.items()):
        return False
    scored = apply_scores(prev.select(m for m, _, _ in MEASURES), cuts)
    return all((scored[s] == prev[s]).all() for _, s, _ in MEASURES)


def _inferred(prev: pl.DataFrame, cuts: dict[str, list[float]], lang: str):
    """Each cut between the largest value scored below it and the smallest above it; the
    cut used is the former (the latter, just below it, when nothing scored below)."""
    found: dict[str, list[float]] = {}
    texts: dict[str, list[str]] = {}
    ranges: dict[str, list[tuple]] = {}
    for measure, score, higher in MEASURES:
        n = len(cuts[measure])
        bin_ = pl.col(score) - 1 if higher else n + 1 - pl.col(score)
        ends = prev.select(
            *(pl.col(measure).filter(bin_ < k).max().alias(f"lo{k}") for k in range(1, n + 1)),
            *(pl.col(measure).filter(bin_ >= k).min().alias(f"hi{k}") for k in range(1, n + 1)),
        ).row(0, named=True)
        found[measure], texts[measure], ranges[measure] = [], [], []
        for k in range(1, n + 1):
            lo, hi = ends[f"lo{k}"], ends[f"hi{k}"]
            found[measure].append(float(lo) if lo is not None else _just_below(hi))
            texts[measure].append(_range_text(lo, hi, measure, lang))
            ranges[measure].append((lo, hi))
    return found, texts, ranges


def _just_below(value) -> float:
    import math

    return math.nextafter(float(value), -math.inf) if value is not None else 0.0


def _range_text(lo, hi, measure: str, lang: str) -> str:
    """An inferred cut in words: between the two values, or above or below the one."""
    if lo is None:
        return say("below", lang).format(cut_text(hi, measure))
    if hi is None:
        return say("above", lang).format(cut_text(lo, measure))
    return say("between", lang).format(cut_text(lo, measure), cut_text(hi, measure))


def _joined(frame: pl.DataFrame, prev: pl.DataFrame) -> pl.DataFrame:
    """The run's columns the reasons read, the previous run's as ``prev_*``, row for row."""
    mine = ["customer_id", "first_order", "last_order", "segment", "monetary"] + [
        c for m, s, _ in MEASURES for c in (m, s) if c != "monetary"
    ]
    theirs = prev.select(
        "customer_id",
        pl.col("segment").alias("previous_segment"),
        pl.lit(True).alias("present"),
        *(pl.col(c).alias(PREV + c) for m, s, _ in MEASURES for c in (m, s)),
        (pl.col("last_order") if "last_order" in prev.columns else pl.lit(None, pl.Date))
        .cast(pl.Date).alias(PREV + "last_order"),
    )  # fmt: skip
    joined = frame.select(mine).join(theirs, on="customer_id", how="left", maintain_order="left")
    return joined.with_columns(pl.col("present").fill_null(False))


def _matrix(
    joined: pl.DataFrame, gone: pl.DataFrame, order: list[str]
) -> tuple[pl.DataFrame, list[str]]:
    """Customers and revenue per (previous, current) segment, every pair that occurs;
    segments in the rule table's order, others after them, new and gone last; and the
    segments that occur, in that order."""
    here = joined.group_by("previous_segment", "segment").agg(
        customers=pl.len(), revenue=pl.col("monetary").sum()
    )
    away = gone.group_by("previous_segment").agg(
        pl.lit(None, pl.String).alias("segment"),
        customers=pl.len(),
        revenue=pl.col("monetary").sum(),
    )
    cells = pl.concat([here, away.select(here.columns)], how="vertical_relaxed")
    names = list(
        dict.fromkeys(
            [
                *order,
                *sorted(
                    set(cells["previous_segment"].drop_nulls()) | set(cells["segment"].drop_nulls())
                ),
            ]
        )
    )
    rank = {name: i for i, name in enumerate(names)}
    present = set(cells["previous_segment"].drop_nulls()) | set(cells["segment"].drop_nulls())
    matrix = cells.with_columns(
        pl.col("customers").cast(pl.Int64), pl.col("revenue").cast(pl.Float64).round(2)
    ).sort(
        pl.col("previous_segment").replace_strict(rank, default=len(names)),
        pl.col("segment").replace_strict(rank, default=len(names)),
    )
    return matrix, [n for n in names if n in present]


def _as_of(prev: pl.DataFrame) -> dt.date | None:
    """The previous run's as-of day: each customer's last order plus their recency, when
    the export has ``last_order`` and all agree."""
    if "last_order" not in prev.columns or not prev.height:
        return None
    days = (
        prev.select((pl.col("last_order") + pl.duration(days=pl.col("recency_days"))).alias("d"))[
            "d"
        ]
        .drop_nulls()
        .unique()
    )
    return days[0] if days.len() == 1 else None
