"""Every shipped scheme: hand-built customers per segment, full coverage, scoring methods."""

import itertools

import pandas as pd
import polars as pl
import pytest

from custseg.errors import CustsegError
from custseg.schema import BUILTIN_SCHEMES
from custseg.segments.rulecheck import cell_segments, check_table
from custseg.segments.rules import assign_segments, builtin_names, builtin_rules, label_segments
from custseg.segments.scoring import ScoringSpec, apply_scores, compute_cuts


def cell_frame(cells, orders=2):
    return pd.DataFrame(
        [
            {
                "customer_id": str(i),
                "r_score": r,
                "f_score": f,
                "m_score": m,
                "frequency": orders,
                "recency_days": 10,
                "monetary": 100.0,
            }
            for i, (r, f, m) in enumerate(cells)
        ]
    )


def segments_of(scheme, cells):
    return assign_segments(cell_frame(cells), builtin_rules(scheme))["segment"].tolist()


def test_builtin_schemes_listed():
    assert builtin_names() == ["cn8", "default", "rfm11"]
    # the list the command line offers (custseg.schema) is the files shipped
    assert sorted(BUILTIN_SCHEMES) == builtin_names() and BUILTIN_SCHEMES[0] == "default"


@pytest.mark.parametrize("scheme", ["default", "rfm11", "cn8"])
def test_every_score_cell_gets_exactly_one_segment(scheme):
    table = builtin_rules(scheme)
    levels = ScoringSpec(method=table.scoring, bins=table.bins).levels()
    cells = list(itertools.product(*(range(1, levels[k] + 1) for k in "rfm")))
    out = assign_segments(cell_frame(cells), table)
    assert len(out) == len(cells)
    assert out["segment"].notna().all()
    assert set(out["segment"]) <= set(table.segment_names())
    # first match: the segment is the one of the first rule whose conditions admit the cell
    for cell, seg in zip(cells, out["segment"], strict=True):
        first = next(
            (
                r.segment
                for r in table.rules
                if all(
                    c.admits({"r": cell[0], "f": cell[1], "m": cell[2], "orders": 2}[c.key])
                    for c in r.conditions
                )
            ),
            table.fallback,
        )
        assert seg == first


RFM11_EXPECTED = {
    (5, 5, 5): "champions",
    (4, 4, 4): "champions",
    (3, 5, 5): "loyal",
    (2, 3, 3): "loyal",
    (5, 1, 1): "new",
    (4, 1, 1): "new",
    (3, 1, 1): "promising",
    (5, 2, 3): "potential-loyalist",
    (3, 3, 2): "potential-loyalist",
    (2, 2, 2): "need-attention",
    (2, 3, 2): "need-attention",
    (2, 1, 1): "about-to-sleep",
    (2, 1, 2): "about-to-sleep",
    (1, 5, 5): "cant-lose",
    (1, 4, 5): "cant-lose",
    (1, 3, 3): "at-risk",
    (2, 5, 2): "at-risk",
    (1, 1, 1): "lost",
    (1, 1, 2): "lost",
    (1, 2, 1): "hibernating",
    (5, 1, 5): "others",
}


def test_rfm11_hand_built_customers_reach_all_eleven():
    cells = list(RFM11_EXPECTED)
    assert segments_of("rfm11", cells) == list(RFM11_EXPECTED.values())
    reached = set(cell_segments(builtin_rules("rfm11"), dict.fromkeys("rfm", 5)).values())
    assert reached == set(builtin_rules("rfm11").segment_names())  # 11 + the catch-all


CN8 = {
    (2, 2, 2): ("important-value", "重要价值客户"),
    (2, 1, 2): ("important-develop", "重要发展客户"),
    (1, 2, 2): ("important-keep", "重要保持客户"),
    (1, 1, 2): ("important-retain", "重要挽留客户"),
    (2, 2, 1): ("general-value", "一般价值客户"),
    (2, 1, 1): ("general-develop", "一般发展客户"),
    (1, 2, 1): ("general-keep", "一般保持客户"),
    (1, 1, 1): ("general-retain", "一般挽留客户"),
}


def test_cn8_eight_types_with_chinese_labels():
    out = assign_segments(cell_frame(list(CN8)), builtin_rules("cn8"))
    labelled = label_segments(out, builtin_rules("cn8"), "zh")
    assert list(zip(labelled["segment"], labelled["segment_label"], strict=True)) == list(
        CN8.values()
    )
    english = label_segments(out, builtin_rules("cn8"), "en")
    assert english["segment_label"].iloc[0] == "Important value"
    assert english["action"].str.len().gt(10).all()


def test_every_segment_has_labels_and_actions_in_both_languages():
    for name in builtin_names():
        table = builtin_rules(name)
        for seg in table.segment_names():
            info = table.info(seg)
            assert info.label and info.label_zh and info.action and info.action_zh, (name, seg)


def customers(recency, frequency, monetary):
    return pd.DataFrame(
        {
            "customer_id": [str(i) for i in range(len(recency))],
            "recency_days": recency,
            "frequency": frequency,
            "monetary": monetary,
        }
    )


def test_edges_scoring_by_hand():
    frame = customers([10, 30, 31, 400], [1, 2, 5, 9], [50.0, 100.0, 2999.0, 5000.0])
    edges = {
        "recency_days": [30, 90, 180, 365],
        "frequency": [1, 2, 4, 8],
        "monetary": [100, 300, 1000, 3000],
    }
    cuts = compute_cuts(frame, method="edges", edges=edges)
    scored = apply_scores(frame, cuts)
    # 10 and 30 days: within 30 -> 5; 31 days -> (30, 90] -> 4; 400 -> beyond 365 -> 1
    assert scored["r_score"].tolist() == [5, 5, 4, 1]
    # 1 order -> 1; 2 -> (1,2] -> 2; 5 -> (4,8] -> 4; 9 -> beyond 8 -> 5
    assert scored["f_score"].tolist() == [1, 2, 4, 5]
    # 50 -> 1; 100 -> <= 100 -> 1; 2999 -> (1000,3000] -> 4; 5000 -> 5
    assert scored["m_score"].tolist() == [1, 1, 4, 5]


def test_mean_scoring_by_hand():
    frame = customers([10, 20, 30, 100], [1, 1, 2, 4], [10.0, 20.0, 30.0, 140.0])
    cuts = compute_cuts(frame, method="mean")
    # means: recency 40, frequency 2, monetary 50
    assert cuts == {"recency_days": [40.0], "frequency": [2.0], "monetary": [50.0]}
    scored = apply_scores(frame, cuts)
    assert scored["r_score"].tolist() == [2, 2, 2, 1]  # fewer days than the mean is better
    assert scored["f_score"].tolist() == [1, 1, 1, 2]  # 2 orders is not above the mean of 2
    assert scored["m_score"].tolist() == [1, 1, 1, 2]


def test_edges_must_be_given_and_ascending():
    frame = customers([1], [1], [1.0])
    # the API names its own parameters; the command line shows its options instead
    with pytest.raises(CustsegError, match="`edges.recency_days`") as caught:
        compute_cuts(frame, method="edges", edges={"frequency": [1], "monetary": [1]})
    assert "--" not in str(caught.value)
    from custseg.cli.params import OPTIONS
    from custseg.errors import with_options

    assert with_options(str(caught.value), OPTIONS) == (
        "--scoring='edges' needs --r-edges, e.g. --r-edges=30,90,180,365"
    )
    with pytest.raises(CustsegError, match="strictly ascending"):
        compute_cuts(
            frame,
            method="edges",
            edges={"recency_days": [90, 30], "frequency": [1], "monetary": [1]},
        )


def write(tmp_path, text):
    path = tmp_path / "t.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_check_catches_each_problem(tmp_path):
    from custseg.segments.rules import load_rules

    table = load_rules(
        write(
            tmp_path,
            (
                'fallback = "rest"\n'
                '[[rules]]\nsegment = "top"\nr = ">=3"\n'
                '[[rules]]\nsegment = "hidden"\nr = "4-5"\nf = 5\n'  # inside rule 1
                '[[rules]]\nsegment = "nowhere"\nm = 7\n'  # outside 1..5
                '[[rules]]\nsegment = "wide"\nf = "4-9"\nr = "1-2"\n'  # reaches beyond 5
            ),
        )
    )
    messages = [p.message for p in check_table(table, dict.fromkeys("rfm", 5))]
    assert any(
        "rule 2 (hidden) can never match: earlier rule(s) 1 take all of its 10 " in m
        for m in messages
    )
    assert any("rule 3 (nowhere): m = 7 is outside the score levels 1..5" in m for m in messages)
    assert any("rule 4 (wide): f 4-9 reaches beyond the score levels 1..5" in m for m in messages)
    uncovered = [m for m in messages if "match no rule" in m]
    # r 1-2 with f 1-3: 2 x 3 x 5 = 30 cells fall to the fallback
    assert uncovered and uncovered[0].startswith("30 score cell(s)") and "'rest'" in uncovered[0]


def test_labels_of_segments_the_table_does_not_know():
    table = builtin_rules("default")
    frame = pl.DataFrame({"segment": ["new", "vip-custom", None, "dormant"]})
    out = label_segments(frame, table, "zh", actions=True)
    assert out["segment_label"].to_list() == [
        table.info("new").label_zh, "vip-custom", None, table.info("dormant").label_zh,
    ]  # fmt: skip
    assert out["action"].to_list() == [
        table.info("new").action_zh, "", None, table.info("dormant").action_zh,
    ]  # fmt: skip
