import json

import pytest
from click.testing import CliRunner
from rich.cells import cell_len

from conftest import SAMPLE
from custseg.cli import main
from custseg.segments.rules import builtin_rules


@pytest.fixture
def runner():
    return CliRunner()


def test_schemes_lists_all(runner):
    res = runner.invoke(main, ["schemes"])
    assert res.exit_code == 0
    for name in ("default", "rfm11", "cn8"):
        assert name in res.output
    assert "mean" in res.output  # cn8's scoring


def test_cn8_in_chinese_aligns(runner):
    res = runner.invoke(main, ["rfm", str(SAMPLE), "--scheme", "cn8", "--lang", "zh", "--actions"])
    assert res.exit_code == 0, res.output
    for label in (
        "重要价值客户",
        "重要发展客户",
        "重要保持客户",
        "重要挽留客户",
        "一般价值客户",
        "一般发展客户",
        "一般保持客户",
        "一般挽留客户",
    ):
        assert label in res.output
    assert "统计截止日" in res.output and "客户分群" in res.output and "建议动作" in res.output
    assert "评分分界点（均值）" in res.output
    lines = res.output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("客户分群"))
    table = [line for line in lines[start + 1 : start + 13] if line[:1] in "┃│┏┡└"]
    assert len(table) == 12  # 3 frame lines + heading + 8 segments, one line each
    widths = {cell_len(line) for line in table}
    assert len(widths) == 1, widths


def test_scheme_scoring_and_json(runner):
    res = runner.invoke(main, ["rfm", str(SAMPLE), "--scheme", "cn8", "--json", "--lang", "en"])
    data = json.loads(res.stdout)
    assert data["scoring"] == "mean" and data["bins"] == {
        "recency_days": 2,
        "frequency": 2,
        "monetary": 2,
    }
    assert len(data["cut_points"]["monetary"]) == 1
    assert data["segments"]["important-value"]["label"] == "Important value"
    assert sum(s["customers"] for s in data["segments"].values()) == data["customers"]


def test_edges_scoring_cli_and_thresholds_file(runner, write_csv, tmp_path):
    path = write_csv(
        "customer_id,date,amount\na,2024-01-01,50\nb,2024-03-01,120\n"
        "b,2024-03-20,200\nc,2024-03-30,5000\n"
    )
    out, thr = tmp_path / "o.csv", tmp_path / "t.json"
    res = runner.invoke(
        main,
        [
            "rfm",
            str(path),
            "--scoring",
            "edges",
            "--r-edges",
            "30,90,180,365",
            "--f-edges",
            "1,2,4,8",
            "--m-edges",
            "100,300,1000,3000",
            "-o",
            str(out),
            "--thresholds",
            str(thr),
        ],
    )
    assert res.exit_code == 0, res.output
    rows = {line.split(",")[0]: line.split(",") for line in out.read_text().splitlines()[1:]}
    # as of 2024-03-31: a 90 days -> (30,90] -> R4; b 11 days -> R5; c 1 day -> R5
    assert [rows[c][7] for c in "abc"] == ["4", "5", "5"]
    assert [rows[c][8] for c in "abc"] == ["1", "2", "1"]
    assert [rows[c][9] for c in "abc"] == ["1", "3", "5"]  # 50, 320, 5000
    saved = json.loads(thr.read_text())
    assert saved["scoring"] == "edges"
    assert saved["cut_points"]["recency_days"] == [30, 90, 180, 365]


def test_edges_without_edges_is_an_error(runner):
    res = runner.invoke(main, ["rfm", str(SAMPLE), "--scoring", "edges"])
    assert res.exit_code == 1 and "--r-edges" in res.output


def test_lang_follows_locale(runner):
    res = runner.invoke(main, ["rfm", str(SAMPLE)], env={"LANG": "zh_CN.UTF-8", "LC_ALL": ""})
    assert "客户分群" in res.output
    res = runner.invoke(main, ["rfm", str(SAMPLE)], env={"LANG": "en_US.UTF-8", "LC_ALL": ""})
    assert "Segments" in res.output


def test_export_has_stable_segment_and_label(runner, tmp_path):
    out = tmp_path / "o.csv"
    runner.invoke(main, ["rfm", str(SAMPLE), "--lang", "zh", "-o", str(out)])
    header, first = out.read_text(encoding="utf-8").splitlines()[:2]
    assert header.endswith("segment,lifecycle,segment_label")
    assert first.split(",")[11] in {"high-value", "new", "potential", "churn-risk", "dormant"}
    assert first.split(",")[12] in {"new", "active", "returning", "churned"}
    assert any("\u4e00" <= ch <= "\u9fff" for ch in first.split(",")[13])
    # the action repeats the segment's on every row: only on request
    runner.invoke(main, ["rfm", str(SAMPLE), "--lang", "zh", "--actions", "-o", str(out)])
    header, first = out.read_text(encoding="utf-8").splitlines()[:2]
    assert header.endswith("segment,lifecycle,segment_label,action")
    segment, action = first.split(",")[11], first.split(",")[14]
    assert action == builtin_rules("default").info(segment).action_in("zh")


def test_rules_show_export_check(runner, tmp_path):
    res = runner.invoke(main, ["rules", "show", "rfm11"])
    assert res.exit_code == 0 and "cant-lose" in res.output and "R5" in res.output
    res = runner.invoke(main, ["rules", "export", "default"])
    assert res.exit_code == 0 and res.output.startswith("# The default custseg scheme")
    mine = tmp_path / "mine.toml"
    assert runner.invoke(main, ["rules", "export", "default", "-o", str(mine)]).exit_code == 0
    res = runner.invoke(main, ["rules", "check", str(mine)])
    assert res.exit_code == 0 and "no problems found" in res.output


def test_rules_check_reports_problems_and_syntax_line(runner, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rules]]\nsegment = "a"\nr = ">=3"\n[[rules]]\nsegment = "b"\nr = 4\n')
    res = runner.invoke(main, ["rules", "check", str(bad)])
    assert res.exit_code == 1
    assert "rule 2 (b) can never match" in res.output
    assert "match no rule" in res.output and "'other'" in res.output
    broken = tmp_path / "broken.toml"
    broken.write_text('[[rules]]\nsegment = "a"\nr = >=3\n')
    res = runner.invoke(main, ["rules", "check", str(broken)])
    assert res.exit_code == 1 and "not valid TOML" in res.output and "line 3" in res.output
    unknown = tmp_path / "unknown.toml"
    unknown.write_text('[[rules]]\nsegment = "a"\nrecency = 3\n')
    res = runner.invoke(main, ["rules", "check", str(unknown)])
    assert res.exit_code == 1 and "unknown key(s) ['recency']" in res.output


def test_loading_a_table_warns_on_stderr(runner, tmp_path):
    table = tmp_path / "t.toml"
    table.write_text('[[rules]]\nsegment = "a"\nr = ">=3"\n')
    res = runner.invoke(main, ["rfm", str(SAMPLE), "--rules", str(table), "--json"])
    assert res.exit_code == 0
    assert "Warning: 50 score cell(s) match no rule" in res.stderr
    json.loads(res.stdout)  # stdout stays clean JSON


def test_rfm11_catch_all_is_not_a_warning(runner):
    res = runner.invoke(main, ["rfm", str(SAMPLE), "--scheme", "rfm11", "--json"])
    assert res.exit_code == 0 and "Warning" not in res.stderr
    data = json.loads(res.stdout)
    assert set(data["segments"]) >= {"champions", "cant-lose", "lost", "others"}
    res = runner.invoke(main, ["rules", "show", "rfm11"])
    assert "note: 36 score cell(s) match no rule" in res.output


def test_share_bars_beside_the_table():
    from custseg.report.terminal import bar

    assert bar(1.0, width=4) == "████"
    assert bar(0.5, width=4) == "██"
    assert bar(0.0, width=4) == ""
    assert bar(1 / 32, width=4) == "▏"  # an eighth of one cell
    res = CliRunner().invoke(main, ["rfm", str(SAMPLE)])
    potential = next(line for line in res.output.splitlines() if "│ potential" in line)
    assert "████████████" in potential  # the largest segment gets the full bar
