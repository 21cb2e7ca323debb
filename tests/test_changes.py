"""What changed since the last run (issue 25, items 1, 2 and 6): two hand-built runs in which
every kind of reason occurs, the expected reasons and matrix written by hand.

The runs: 10 customers each, 3 score levels by quantile, so that the cut points are the 4th
and 7th smallest values (linear interpolation lands on them: positions 9/3 and 18/3).

previous run, as of 2026-11-01 (rec, orders, spend -> scores, segment):
  P1 (20, 2, 200) R3 F1 M1 active      P6 (200, 1, 1100) R1 F1 M3 big
  P2 (150, 1, 40) R1 F1 M1 lapsed      P7 (5, 6, 900)    R3 F3 M3 champion
  P3 (15, 4, 480) R3 F3 M2 champion    P8 (100, 1, 60)   R1 F1 M1 lapsed
  P4 (18, 3, 300) R3 F2 M2 active      P9 (40, 2, 150)   R2 F1 M1 fading
  P5 (25, 5, 700) R2 F3 M3 champion    P10 (60, 3, 500)  R2 F2 M2 fading (gone since)
  cut points: recency 20, 60; orders 2, 3; spend 200, 500

current run, as of 2026-12-01:
  P1 (50, 2, 200) R2 F1 M1 fading      P6 (230, 1, 900)  R1 F1 M3 lapsed
  P2 (3, 2, 320)  R3 F1 M2 active      P7 (1, 7, 1000)   R3 F3 M3 champion
  P3 (45, 4, 480) R2 F3 M2 champion    P8 (130, 1, 60)   R1 F1 M1 lapsed
  P4 (48, 3, 300) R2 F2 M1 fading      P9 (20, 3, 495)   R3 F2 M3 active
  P5 (55, 3, 470) R1 F2 M2 lapsed      N1 (10, 1, 80)    R3 F1 M1 active (new)
  cut points: recency 20, 50; orders 2, 3; spend 300, 480
"""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

from custseg.errors import ColumnError, DataError
from custseg.io.previous import read_previous
from custseg.segments.changes import compare_runs
from custseg.segments.rules import parse_table
from custseg.segments.scoring import ScoringSpec, apply_scores, compute_cuts

TABLE = parse_table(
    {
        "name": "t",
        "fallback": "lapsed",
        "rules": [
            {"segment": "champion", "r": ">=2", "f": 3, "m": ">=2"},
            {"segment": "big", "monetary": ">=1000"},
            {"segment": "active", "r": 3},
            {"segment": "fading", "r": 2},
        ],
    },
    "t.toml",
)
SCORING = ScoringSpec(method="quantile", bins=3)
PREV_AS_OF, AS_OF = dt.date(2026, 11, 1), dt.date(2026, 12, 1)

PREVIOUS = [  # id, recency, orders, spend, R, F, M, segment
    ("P1", 20, 2, 200.0, 3, 1, 1, "active"),
    ("P2", 150, 1, 40.0, 1, 1, 1, "lapsed"),
    ("P3", 15, 4, 480.0, 3, 3, 2, "champion"),
    ("P4", 18, 3, 300.0, 3, 2, 2, "active"),
    ("P5", 25, 5, 700.0, 2, 3, 3, "champion"),
    ("P6", 200, 1, 1100.0, 1, 1, 3, "big"),
    ("P7", 5, 6, 900.0, 3, 3, 3, "champion"),
    ("P8", 100, 1, 60.0, 1, 1, 1, "lapsed"),
    ("P9", 40, 2, 150.0, 2, 1, 1, "fading"),
    ("P10", 60, 3, 500.0, 2, 2, 2, "fading"),
]
CURRENT = [
    ("P1", 50, 2, 200.0, 2, 1, 1, "fading"),
    ("P2", 3, 2, 320.0, 3, 1, 2, "active"),
    ("P3", 45, 4, 480.0, 2, 3, 2, "champion"),
    ("P4", 48, 3, 300.0, 2, 2, 1, "fading"),
    ("P5", 55, 3, 470.0, 1, 2, 2, "lapsed"),
    ("P6", 230, 1, 900.0, 1, 1, 3, "lapsed"),
    ("P7", 1, 7, 1000.0, 3, 3, 3, "champion"),
    ("P8", 130, 1, 60.0, 1, 1, 1, "lapsed"),
    ("P9", 20, 3, 495.0, 3, 2, 3, "active"),
    ("N1", 10, 1, 80.0, 3, 1, 1, "active"),
]
PREV_CUTS = {"recency_days": [20.0, 60.0], "frequency": [2.0, 3.0], "monetary": [200.0, 500.0]}
CUTS = {"recency_days": [20.0, 50.0], "frequency": [2.0, 3.0], "monetary": [300.0, 480.0]}

REASONS = {
    "P1": "R 3->2: last order 50 days ago (cut 20)",
    "P2": "R 1->3: ordered again on 2026-11-28, 3 days ago (cut 20); "
    "M 1->2: spend up from 40.00 to 320.00 (cut 300.00)",
    "P3": None,  # R 3->2, but still a champion
    "P4": "R 3->2: last order 48 days ago (cut 20); "
    "M 2->1: cut points moved: M cut 1 from 200.00 to 300.00",
    "P5": "R 2->1: cut points moved: R cut 2 from 60 to 50; "
    "F 3->2: orders down from 5 to 3 (cut 3); "
    "M 3->2: spend down from 700.00 to 470.00 (cut 480.00)",
    "P6": "same scores; last order 230 days ago (was 200), spend 1100.00->900.00",
    "P7": None,
    "P8": None,
    "P9": "R 2->3: ordered again on 2026-11-11, 20 days ago (cut 20); "
    "F 1->2: 3rd order on 2026-11-11 (cut 2); "
    "M 1->3: spend up from 150.00 to 495.00 (cut 480.00), "
    "and cut points moved: M cut 2 from 500.00 to 480.00",
    "N1": "new since the last run: first order on 2026-11-21",
}
REASONS_ZH = {
    "P4": "R 3->2：最近一次下单在 48 天前（分界 20）；"
    "M 2->1：分界点移动：M 第 1 个分界点从 200.00 变为 300.00",
    "P9": "R 2->3：2026-11-11 再次下单，距今 20 天（分界 20）；"
    "F 1->2：第 3 单，下单于 2026-11-11（分界 2）；"
    "M 1->3：消费金额从 150.00 增加到 495.00（分界 480.00），"
    "且分界点移动：M 第 2 个分界点从 500.00 变为 480.00",
    "N1": "上次运行后的新客户：首次下单于 2026-11-21",
}
MATRIX = {  # (previous, current): (customers, revenue); None: new / gone
    ("active", "fading"): (2, 500.0),
    ("lapsed", "active"): (1, 320.0),
    ("champion", "champion"): (2, 1480.0),
    ("champion", "lapsed"): (1, 470.0),
    ("big", "lapsed"): (1, 900.0),
    ("lapsed", "lapsed"): (1, 60.0),
    ("fading", "active"): (1, 495.0),
    (None, "active"): (1, 80.0),
    ("fading", None): (1, 500.0),  # gone: their spend at the last run
}


def frame(rows, as_of: dt.date) -> pl.DataFrame:
    ids, rec, orders, spend, r, f, m, seg = map(list, zip(*rows, strict=True))
    last = [dt.datetime.combine(as_of - dt.timedelta(days=d), dt.time(12)) for d in rec]
    first = [dt.datetime(2026, 11, 21, 9) if i == "N1" else dt.datetime(2026, 1, 5) for i in ids]
    aov = [s / o for s, o in zip(spend, orders, strict=True)]
    return pl.DataFrame(
        {"customer_id": ids, "first_order": first, "last_order": last, "recency_days": rec,
         "frequency": orders, "monetary": spend, "aov": aov, "r_score": r, "f_score": f,
         "m_score": m, "segment": seg}
    )  # fmt: skip


@pytest.fixture
def runs():
    return frame(CURRENT, AS_OF), frame(PREVIOUS, PREV_AS_OF)


def test_the_hand_built_runs_are_what_custseg_computes(runs):
    """The fixture itself: its cut points, scores and segments are what custseg computes
    from its measures (so the comparison below starts from two real runs)."""
    from custseg.segments.rules import assign_segments

    for run, cuts in zip(runs, (CUTS, PREV_CUTS), strict=True):
        assert compute_cuts(run, 3) == cuts
        scored = apply_scores(run.drop("r_score", "f_score", "m_score"), cuts)
        for col in ("r_score", "f_score", "m_score"):
            assert scored[col].to_list() == run[col].to_list()
        segments = assign_segments(run.drop("segment"), TABLE)["segment"]
        assert segments.to_list() == run["segment"].to_list()


def test_every_kind_of_reason(runs):
    current, previous = runs
    changes = compare_runs(current, previous, cuts=CUTS, scoring=SCORING, table=TABLE)
    assert changes.cuts_source == "recomputed"
    assert changes.previous_cuts == PREV_CUTS
    assert changes.previous_as_of == PREV_AS_OF
    got = dict(zip(current["customer_id"], changes.frame["change_reason"], strict=True))
    assert got == REASONS
    assert changes.frame["previous_segment"].to_list() == [
        "active", "lapsed", "champion", "active", "champion", "big", "champion", "lapsed",
        "fading", None]  # fmt: skip
    assert changes.frame["segment_changed"].to_list() == [True, True, False, True, True, True,
                                                          False, False, True, True]  # fmt: skip
    assert changes.counts == {"previous": 10, "current": 10, "new": 1, "gone": 1, "moved": 6,
                              "stayed": 3}  # fmt: skip


def test_reasons_in_chinese(runs):
    current, previous = runs
    changes = compare_runs(current, previous, "zh", cuts=CUTS, scoring=SCORING, table=TABLE)
    got = dict(zip(current["customer_id"], changes.frame["change_reason"], strict=True))
    assert {k: got[k] for k in REASONS_ZH} == REASONS_ZH


def test_the_migration_matrix(runs):
    current, previous = runs
    changes = compare_runs(current, previous, cuts=CUTS, scoring=SCORING, table=TABLE)
    cells = {(p, c): (n, r) for p, c, n, r in changes.matrix.iter_rows()}
    assert cells == MATRIX
    assert changes.segments == ["champion", "big", "active", "fading", "lapsed"]
    assert changes.gone.to_dicts() == [{"customer_id": "P10", "previous_segment": "fading",
                                        "monetary": 500.0}]  # fmt: skip


def test_selections(runs):
    current, previous = runs
    changes = compare_runs(current, previous, cuts=CUTS, scoring=SCORING, table=TABLE)
    seg, ids = current["segment"], current["customer_id"]
    assert ids.filter(changes.mask(seg, changed_only=True)).to_list() == [
        "P1", "P2", "P4", "P5", "P6", "P9", "N1"]  # fmt: skip
    assert ids.filter(changes.mask(seg, entered=("active",))).to_list() == ["P2", "P9", "N1"]
    assert ids.filter(changes.mask(seg, left=("champion", "big"))).to_list() == ["P5", "P6"]
    both = changes.mask(seg, entered=("lapsed",), left=("big",))
    assert ids.filter(both).to_list() == ["P6"]


def test_the_rules_changed(runs):
    """The same run, segmented by other rules: the same scores and measures."""
    current, _ = runs
    other = current.with_columns(pl.lit("old-name").alias("segment"))
    changes = compare_runs(current, other, cuts=CUTS, scoring=SCORING, table=TABLE)
    assert changes.cuts_source == "recomputed"
    assert set(changes.frame["change_reason"]) == {
        "same scores and measures: the segment rules differ from the last run's"
    }


def test_inferred_cut_points_from_a_filtered_export(runs):
    """A previous export holding only some customers: its cut points are inferred from its
    scores, each between the largest value scored below it and the smallest above it."""
    current, previous = runs
    part = previous.filter(pl.col("customer_id").is_in(["P2", "P4", "P5", "P9", "P8"]))
    changes = compare_runs(current, part, cuts=CUTS, scoring=SCORING, table=TABLE)
    assert changes.cuts_source == "inferred"
    # recency: R3 {18}, R2 {25, 40}, R1 {100, 150}: cut 1 in [18, 25), cut 2 in [40, 100)
    assert changes.previous_cuts["recency_days"] == [18.0, 40.0]
    got = dict(zip(current["customer_id"], changes.frame["change_reason"], strict=True))
    # P5 at 55 days lies inside [40, 100), where the previous cut 2 may be: either
    # M: M1 {40, 60, 150}, M2 {300}, M3 {700}: cut 1 in [150, 300), cut 2 in [300, 700);
    # 470 is inside the second: either too
    assert got["P5"] == (
        "R 2->1: last order 55 days ago (cut 50), or cut points moved: R cut 2 from between "
        "40 and 100 to 50; F 3->2: orders down from 5 to 3 (cut 3); M 3->2: spend down from "
        "700.00 to 470.00 (cut 480.00), or cut points moved: M cut 2 from between 300.00 and "
        "700.00 to 480.00"
    )
    # P4: 48 days lies inside [40, 100) too (R1 or R2 under the previous cut points); its
    # spend, 300, is the smallest M2 value: certainly above the previous cut 1, now not
    assert got["P4"] == (
        "R 3->2: last order 48 days ago (cut 20), or cut points moved: R cut 2 from between "
        "40 and 100 to 50; M 2->1: cut points moved: M cut 1 from between 150.00 and 300.00 "
        "to 300.00"
    )
    # a customer the filtered export does not hold is new to it
    assert got["P1"] == "new since the last run: first order on 2026-01-05"


def test_today_s_cut_points_when_they_did_not_move(runs):
    """Frozen cut points: the previous scores follow today's cut points, and every reason is
    the customer's own."""
    current, previous = runs
    frozen = ScoringSpec(method="quantile", bins=3, frozen=PREV_CUTS)
    rescored = apply_scores(current.drop("r_score", "f_score", "m_score"), PREV_CUTS)
    changes = compare_runs(rescored, previous, cuts=PREV_CUTS, scoring=frozen, table=TABLE)
    assert changes.cuts_source == "current"
    assert not any("cut points moved" in r for r in changes.frame["change_reason"].drop_nulls())


def test_inputs_are_not_changed(runs):
    current, previous = runs
    before = current.clone(), previous.clone()
    compare_runs(current, previous, cuts=CUTS, scoring=SCORING, table=TABLE)
    assert current.equals(before[0]) and previous.equals(before[1])


def test_pandas_previous_and_more_levels_refused(runs):
    current, previous = runs
    changes = compare_runs(current, previous.to_pandas(), cuts=CUTS, scoring=SCORING, table=TABLE)
    assert changes.frame["change_reason"][0] == REASONS["P1"]
    five = previous.with_columns(pl.lit(5).alias("r_score"))
    with pytest.raises(DataError, match="r_score 5, this run scores 1 to 3"):
        compare_runs(current, five, cuts=CUTS, scoring=SCORING, table=TABLE)


def test_not_an_rfm_export(tmp_path):
    path = tmp_path / "ids.csv"
    path.write_text("customer_id\nC1\nC2\n", encoding="utf-8")
    with pytest.raises(ColumnError) as err:
        read_previous(path)
    assert str(err.value) == (
        f"{path}: not a custseg rfm export: it lacks the column(s) segment, recency_days, "
        "frequency, monetary, r_score, f_score, m_score; pass the file a previous "
        "'custseg rfm -o FILE' wrote (not --ids-only)"
    )


def test_bad_values_and_repeated_ids(tmp_path, runs):
    _, previous = runs
    path = tmp_path / "p.csv"
    previous.with_columns(pl.col("frequency").cast(pl.String).replace("6", "six")).write_csv(path)
    with pytest.raises(DataError, match=r"frequency = 'six' is not a whole number"):
        read_previous(path)
    pl.concat([previous, previous.head(1)]).write_csv(path)
    with pytest.raises(DataError, match="customer_id 'P1' appears more than once"):
        read_previous(path)


def test_days_to_downgrade_by_hand():
    """R cut points 26, 83, 160, 240 (R 5 up to 26 days, R 4 to 83, R 3 to 160, R 2 to 240),
    the default rules: the first day the segment changes without a purchase."""
    from custseg.segments.downgrade import change_points, days_to_downgrade
    from custseg.segments.rules import builtin_rules

    cuts = {"recency_days": [26.0, 83.0, 160.0, 240.0], "frequency": [1.0, 1.0, 2.0, 4.0],
            "monetary": [69.83, 126.26, 229.96, 503.29]}  # fmt: skip
    rows = pl.DataFrame(
        {"recency_days": [135, 10, 300, 100, 26], "frequency": [9, 1, 1, 1, 5],
         "monetary": [900.0, 80.0, 50.0, 60.0, 600.0], "r_score": [3, 5, 1, 3, 5],
         "f_score": [5, 1, 1, 1, 5], "m_score": [5, 2, 1, 1, 5],
         "segment": ["high-value", "new", "dormant", "potential", "high-value"]}
    )  # fmt: skip
    table = builtin_rules("default")
    assert change_points(cuts, table) == [27, 84, 161, 241]
    got = days_to_downgrade(rows, cuts, table)
    # 135 days: R 2 at 161 -> churn-risk (f >= 3); 10 days, 1 order: still new at R 4 (27
    # days), potential at R 3 (84); 300: R 1 already; 100: dormant at R 2 (161); 26: still
    # high-value at R 4 and R 3, churn-risk at R 2 (161)
    assert got["days_to_downgrade"].to_list() == [26, 74, None, 61, 135]
    assert got["next_segment"].to_list() == ["churn-risk", "potential", None, "dormant",
                                             "churn-risk"]  # fmt: skip


def test_days_to_downgrade_with_a_rule_on_days():
    from custseg.segments.downgrade import change_points, days_to_downgrade

    rules = [{"segment": "hot", "recency_days": "<=14"}, {"segment": "warm", "r": ">=3"}]
    table = parse_table({"fallback": "cold", "rules": rules}, "x")
    cuts = {"recency_days": [26.0, 83.0, 160.0, 240.0], "frequency": [1.0, 1.0, 2.0, 4.0],
            "monetary": [1.0, 2.0, 3.0, 4.0]}  # fmt: skip
    assert change_points(cuts, table) == [15, 27, 84, 161, 241]
    rows = pl.DataFrame({"recency_days": [10, 50, 200], "frequency": [1, 1, 1],
                         "monetary": [1.0, 1.0, 1.0], "r_score": [5, 4, 2], "f_score": [1, 1, 1],
                         "m_score": [1, 1, 1], "segment": ["hot", "warm", "cold"]})  # fmt: skip
    got = days_to_downgrade(rows, cuts, table)
    assert got["days_to_downgrade"].to_list() == [5, 111, None]
    assert got["next_segment"].to_list() == ["warm", "cold", None]


def test_a_nightly_run_through_the_api(tmp_path):
    """The Python API: yesterday's export and cut points, today's run frozen on them."""
    import custseg
    from conftest import SAMPLE

    before = custseg.run_rfm(SAMPLE, custseg.LoadOptions(as_of=dt.date(2025, 12, 1)))
    path = tmp_path / "cuts.json"
    path.write_text(json.dumps({"scoring": "quantile", "cut_points": before.cuts}), "utf-8")
    cuts = custseg.load_cuts(path)
    today = custseg.run_rfm(SAMPLE, scoring=custseg.ScoringSpec(frozen=cuts))
    assert today.cuts == before.cuts
    changes = custseg.compare_runs(today, before.customers)  # pandas in
    # frozen: yesterday's cut points are today's, and no reason says they moved
    assert changes.cuts_source == "current" and changes.previous_cuts == cuts
    reasons = changes.frame["change_reason"].drop_nulls()
    assert reasons.len() == changes.counts["moved"] + changes.counts["new"] > 0
    assert not reasons.str.contains("cut points moved").any()
    drop = custseg.days_to_downgrade(today.frame, today.cuts, today.table)
    assert drop.height == today.frame.height


def test_an_earlier_as_of_day_is_no_purchase(runs):
    """Compared the other way round (the later run as the previous one), P1's recency falls
    from 50 to 20 days with the same last order: not 'ordered again'."""
    later, earlier = runs
    changes = compare_runs(earlier, later, cuts=PREV_CUTS, scoring=SCORING, table=TABLE)
    got = dict(zip(earlier["customer_id"], changes.frame["change_reason"], strict=True))
    assert got["P1"] == "R 2->3: last order 20 days ago (was 50) (cut 20)"
    assert got["P10"] == "new since the last run: first order on 2026-01-05"
