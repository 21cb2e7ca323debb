import itertools

import numpy as np
import pandas as pd
import pytest

from custseg.errors import RulesError
from custseg.segments.rules import assign_segments, builtin_rules, load_rules, parse_condition

DEFAULT_EXPECTED = {
    # (r, f, m, orders) -> segment, straight from the table in the README
    (5, 5, 5, 9): "high-value",
    (3, 4, 4, 5): "high-value",
    (2, 5, 5, 9): "churn-risk",
    (5, 1, 1, 1): "new",
    (4, 1, 5, 1): "new",
    (5, 3, 3, 2): "potential",
    (3, 1, 1, 1): "potential",
    (2, 3, 1, 2): "churn-risk",
    (1, 1, 4, 1): "churn-risk",
    (2, 2, 3, 2): "dormant",
    (1, 1, 1, 1): "dormant",
}


def frame_of(cells):
    rows = [
        {
            "customer_id": str(i),
            "r_score": r,
            "f_score": f,
            "m_score": m,
            "frequency": o,
            "recency_days": 10,
            "monetary": 100.0,
        }
        for i, (r, f, m, o) in enumerate(cells)
    ]
    return pd.DataFrame(rows)


def test_default_table_by_hand():
    cells = list(DEFAULT_EXPECTED)
    out = assign_segments(frame_of(cells), builtin_rules("default"))
    assert out["segment"].tolist() == list(DEFAULT_EXPECTED.values())


def test_default_table_covers_every_score_cell_exactly_once():
    table = builtin_rules("default")
    cells = [(r, f, m, o) for r, f, m in itertools.product(range(1, 6), repeat=3) for o in (1, 2)]
    frame = frame_of(cells)
    cols = {
        "r": frame["r_score"],
        "f": frame["f_score"],
        "m": frame["m_score"],
        "orders": frame["frequency"],
    }
    first = np.full(len(frame), -1)
    for i, rule in enumerate(table.rules):
        hit = np.ones(len(frame), dtype=bool)
        for cond in rule.conditions:
            hit &= cond.mask(cols[cond.key].to_numpy(dtype=float))
        first = np.where((first == -1) & hit, i, first)
    assert (first >= 0).all(), "a score cell matches no rule"
    segments = assign_segments(frame, table)["segment"]
    assert set(segments) == {"high-value", "new", "potential", "churn-risk", "dormant"}
    assert segments.notna().all()


@pytest.mark.parametrize(
    "text,inside,outside",
    [
        (3, [3], [2, 4]),
        ("2-4", [2, 3, 4], [1, 5]),
        (">=3", [3, 5], [2]),
        ("<=2", [1, 2], [3]),
        (">40", [40.01], [40]),
        ("<1", [0.5], [1]),
    ],
)
def test_condition_grammar(text, inside, outside):
    cond = parse_condition("r", text, "here")
    assert all(cond.admits(v) for v in inside)
    assert not any(cond.admits(v) for v in outside)


def test_custom_table_first_match_and_raw_values(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(
        'fallback = "rest"\n'
        '[[rules]]\nsegment = "vip"\nmonetary = ">1000"\n'
        '[[rules]]\nsegment = "repeat"\norders = ">=2"\n'
        '[[rules]]\nsegment = "vip"\nrecency_days = "<=3"\n',
        encoding="utf-8",
    )
    table = load_rules(path)
    frame = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "frequency": [5, 2, 1, 1],
            "recency_days": [100, 100, 2, 50],
            "monetary": [2000.0, 50.0, 10.0, 10.0],
            "r_score": 1,
            "f_score": 1,
            "m_score": 1,
        }
    )
    assert assign_segments(frame, table)["segment"].tolist() == ["vip", "repeat", "vip", "rest"]
    assert table.segment_names() == ["vip", "repeat", "rest"]


@pytest.mark.parametrize(
    "body,message",
    [
        ('[[rules]]\nsegment = "x"\nr = "high"\n', r"rule 1 \(x\): r = 'high' is not a condition"),
        ("[[rules]]\nr = 3\n", "rule 1 has no segment"),
        ('[[rules]]\nsegment = "x"\nq = 3\n', r"rule 1 \(x\): unknown key\(s\) \['q'\]"),
        ('[[rules]]\nsegment = "x"\nr = "4-2"\n', "empty range"),
        ("rules = [\n", "not valid TOML"),
        ('name = "x"\n', "no \\[\\[rules\\]\\] entries"),
    ],
)
def test_malformed_tables_name_the_entry(tmp_path, body, message):
    path = tmp_path / "bad.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(RulesError, match=message):
        load_rules(path)


def test_unknown_builtin():
    with pytest.raises(RulesError, match="no built-in scheme"):
        builtin_rules("nope")
