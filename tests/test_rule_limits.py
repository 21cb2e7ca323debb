"""Issue 20, rule tables: limits that keep a run fast (bins, rules, segments, file size),
colour values only, a file that is not UTF-8 or nested too deeply is one error, and
``rules check`` / segmenting with 1,000 rules take seconds."""

from __future__ import annotations

import random
import time

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner

from custseg.cli import main
from custseg.errors import RulesError
from custseg.segments import assign
from custseg.segments.rulecheck import cell_segments, check_table, rule_admits
from custseg.segments.rules import (
    MAX_RULES,
    MAX_SEGMENTS,
    assign_segments,
    builtin_names,
    builtin_rules,
    load_rules,
)


def table_text(rules: int, bins: int = 20, segments: int = 150, seed: int = 1) -> str:
    """A table of ``rules`` random score rules over ``segments`` names, every tenth also on
    ``orders``."""
    rng = random.Random(seed)
    lines = [f"bins = {bins}"]
    for i in range(rules):
        lines += ["[[rules]]", f'segment = "s{i % segments}"']
        for key in "rfm":
            lo = rng.randint(1, bins)
            lines.append(f'{key} = "{lo}-{rng.randint(lo, bins)}"')
        if i % 10 == 0:
            lines.append('orders = ">=2"')
    return "\n".join(lines) + "\n"


def check_file(tmp_path, text: str | bytes):
    path = tmp_path / "t.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return CliRunner().invoke(main, ["rules", "check", str(path)]), path


def one_error(res) -> str:
    assert res.exit_code == 1, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "Traceback" not in res.output
    return lines[0]


@pytest.mark.parametrize("bins", [21, 1, True, "5"])
def test_bins_at_most_20_as_on_the_command_line(tmp_path, bins):
    value = str(bins).lower() if isinstance(bins, bool) else repr(bins).replace("'", '"')
    res, path = check_file(tmp_path, f'bins = {value}\n[[rules]]\nsegment = "a"\n')
    assert "use a whole number from 2 to 20" in one_error(res)


def test_at_most_1000_rules(tmp_path):
    res, path = check_file(tmp_path, table_text(MAX_RULES + 1))
    assert one_error(res) == (
        f"Error: {path}: 1,001 rules; a table holds at most 1,000: merge rules (a condition "
        f'can be a range: r = "2-4")'
    )


def test_at_most_200_segments(tmp_path):
    res, path = check_file(tmp_path, table_text(MAX_SEGMENTS + 5, segments=MAX_SEGMENTS + 5))
    assert "206 segments; a table holds at most 200" in one_error(res)  # with the fallback


def test_a_file_over_1_mib_is_refused_unread(tmp_path):
    res, path = check_file(tmp_path, "# " + "x" * (1 << 20) + "\n")
    assert "more than 1 MiB" in one_error(res)


def test_a_rule_file_that_is_not_utf8_is_one_error(tmp_path):
    res, path = check_file(tmp_path, b'[[rules]]\nsegment = "vip"\n' + "# 重要".encode("gbk"))
    assert one_error(res) == (
        f"Error: {path}: line 3: byte 0xd6 is not UTF-8; save the rule table as UTF-8 (TOML "
        f"files are UTF-8)"
    )


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deeply_nested_toml_is_one_error(tmp_path, depth):
    res, path = check_file(tmp_path, "a = " + "[" * depth + "]" * depth + "\n")
    assert "nested too deeply to read" in one_error(res)


def test_lists_where_text_belongs_are_refused(tmp_path):
    res, _ = check_file(tmp_path, '[segments.a]\nlabel = [[1]]\n[[rules]]\nsegment = "a"\n')
    assert "label must be a text" in one_error(res)


@pytest.mark.parametrize(
    "color",
    ["#1b7837", "#abc", "#abcd", "#1b7837cc", "rgb(27, 120, 55)", "rgba(27,120,55,0.5)",
     "rgb(27 120 55 / 50%)", "hsl(140deg 63% 29%)", "hsla(140, 63%, 29%, .5)", "Teal",
     "rebeccapurple"],
)  # fmt: skip
def test_color_accepts_colour_values(tmp_path, color):
    path = tmp_path / "t.toml"
    path.write_text(f'[segments.a]\ncolor = "{color}"\n[[rules]]\nsegment = "a"\n')
    assert load_rules(path).info("a").color == color


@pytest.mark.parametrize(
    "color",
    ["url(https://evil.example/x.png)", "red; background: url(//e)", '"><script>x()</script>',
     "#12345", "rgb(1, 2)", "rgb(var(--x), 1, 2)", "expression(alert(1))", "notacolour",
     "red url(x)", "#fff\\nbody{}"],
)  # fmt: skip
def test_color_refuses_anything_else_naming_the_segment_and_the_fix(tmp_path, color):
    text = f"[segments.\"high-value\"]\ncolor = '{color}'\n"  # a TOML literal string
    res, path = check_file(tmp_path, text + '[[rules]]\nsegment = "high-value"\n')
    line = one_error(res)
    assert line.startswith(f"Error: {path}: [segments.high-value]: color = ")
    assert line.endswith('is not a colour; use #rgb, #rrggbb, #rrggbbaa, rgb(...) or hsl(...) '
                         'of numbers, or a CSS colour name (color = "teal")')  # fmt: skip


def test_a_bad_color_is_refused_when_the_table_is_loaded_for_a_run(tmp_path):
    rules = tmp_path / "mine.toml"
    rules.write_text('[segments.a]\ncolor = "url(http://x)"\n[[rules]]\nsegment = "a"\n')
    orders = tmp_path / "o.csv"
    orders.write_text("customer_id,order_date,amount\na,2024-01-01,5\n")
    res = CliRunner().invoke(main, ["report", str(orders), "--rules", str(rules), "-o",
                                    str(tmp_path / "r.html")])  # fmt: skip
    assert "is not a colour" in one_error(res)
    assert not (tmp_path / "r.html").exists()


def test_rules_check_on_1000_rules_takes_seconds(tmp_path):
    path = tmp_path / "big.toml"
    path.write_text(table_text(MAX_RULES))
    clock = time.perf_counter()
    res = CliRunner().invoke(main, ["rules", "check", str(path)])
    assert time.perf_counter() - clock < 5  # 0.4 s here; over 100 s before
    assert res.exit_code == 1 and "can never match" in res.stdout


def naive_cells(table, levels):
    """The reference: every cell tested against every rule, in order."""
    out = {}
    for cell in np.ndindex(*(levels[k] for k in "rfm")):
        cell = tuple(v + 1 for v in cell)
        rule = next((r for r in table.rules if not r.uses_raw_values and rule_admits(r, cell)),
                    None)  # fmt: skip
        out[cell] = rule.segment if rule else table.fallback
    return out


@pytest.mark.parametrize("seed", range(5))
def test_the_bitset_check_agrees_with_testing_every_cell(tmp_path, seed):
    path = tmp_path / "t.toml"
    path.write_text(table_text(60, bins=4, segments=7, seed=seed))
    table = load_rules(path)
    levels = {"r": 4, "f": 4, "m": 4}
    assert cell_segments(table, levels) == naive_cells(table, levels)
    for name in builtin_names():
        builtin = builtin_rules(name)
        assert cell_segments(builtin, levels) == naive_cells(builtin, levels)
        assert check_table(builtin, levels) is not None


@pytest.mark.parametrize("seed", range(3))
def test_many_rules_segment_as_the_when_chain_does(tmp_path, monkeypatch, seed):
    path = tmp_path / "t.toml"
    path.write_text(table_text(300, bins=5, segments=40, seed=seed))
    table = load_rules(path)
    rng = np.random.default_rng(seed)
    n = 5_000
    frame = pl.DataFrame({
        "r_score": rng.integers(1, 6, n), "f_score": rng.integers(1, 6, n),
        "m_score": rng.integers(1, 6, n), "frequency": rng.integers(1, 5, n),
        "recency_days": rng.integers(0, 400, n), "monetary": rng.random(n) * 100,
    }).with_columns(pl.when(pl.int_range(n) % 97 == 0).then(None)
                    .otherwise(pl.col("r_score")).alias("r_score"))  # fmt: skip
    fast = assign_segments(frame, table)["segment"]
    monkeypatch.setattr(assign, "MANY_RULES", 10**6)
    assert fast.equals(assign_segments(frame, table)["segment"])
    assert frame.columns == ["r_score", "f_score", "m_score", "frequency", "recency_days",
                             "monetary"]  # fmt: skip


def test_a_table_at_the_limits_still_loads(tmp_path):
    path = tmp_path / "t.toml"
    path.write_text(table_text(MAX_RULES, segments=MAX_SEGMENTS - 1))
    assert len(load_rules(path).rules) == MAX_RULES
    with pytest.raises(RulesError):
        path.write_text(table_text(MAX_RULES, segments=MAX_SEGMENTS))  # + the fallback: 201
        load_rules(path)
