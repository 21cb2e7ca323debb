import json

import pandas as pd
import pytest
from click.testing import CliRunner

from conftest import SAMPLE
from custseg import __version__
from custseg.cli import main
from custseg.schema import EXPORT_COLUMNS

TINY = (
    "order_id,customer_id,order_date,amount\n"
    "1,a,2024-01-01,100\n2,a,2024-02-01,50\n3,b,2024-02-10,30\n"
    "4,c,2024-01-15,10\n5,d,2024-02-15,500\n6,d,2024-02-16,10\n"
)


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def tiny(write_csv):
    return write_csv(TINY)


def test_rfm_prints_summary(runner, tiny):
    res = runner.invoke(main, ["rfm", str(tiny)])
    assert res.exit_code == 0, res.output
    assert "As of: 2024-02-17" in res.output
    assert "Rows: 6 read, 6 used, 0 left out" in res.output
    assert "Score cut points" in res.output
    for seg in ("high-value", "new", "potential", "churn-risk", "dormant"):
        assert seg in res.output
    assert "\x1b[" not in res.output  # no colour codes when not a terminal


@pytest.mark.parametrize("suffix", ["csv", "parquet", "json", "jsonl"])
def test_output_formats(runner, tiny, tmp_path, suffix):
    out = tmp_path / f"c.{suffix}"
    res = runner.invoke(main, ["rfm", str(tiny), "-o", str(out)])
    assert res.exit_code == 0, res.output
    frame = {
        "csv": lambda p: pd.read_csv(p, dtype={"customer_id": str, "rfm_code": str}),
        "parquet": pd.read_parquet,
        "json": lambda p: pd.read_json(p, orient="records", dtype={"rfm_code": str}),
        "jsonl": lambda p: pd.read_json(p, lines=True, dtype={"rfm_code": str}),
    }[suffix](out)
    assert list(frame.columns) == list(EXPORT_COLUMNS)
    assert frame["customer_id"].tolist() == ["a", "b", "c", "d"]
    assert frame["frequency"].tolist() == [2, 1, 1, 2]
    assert frame["monetary"].tolist() == [150, 30, 10, 510]
    assert frame["rfm_code"].astype(str).str.len().eq(3).all()


def test_format_flag_overrides_suffix(runner, tiny, tmp_path):
    out = tmp_path / "c.txt"
    res = runner.invoke(main, ["rfm", str(tiny), "-o", str(out), "--format", "jsonl"])
    assert res.exit_code == 0
    assert json.loads(out.read_text().splitlines()[0])["customer_id"] == "a"


def test_unknown_suffix_is_error(runner, tiny, tmp_path):
    res = runner.invoke(main, ["rfm", str(tiny), "-o", str(tmp_path / "c.txt")])
    assert res.exit_code == 1
    assert "--format" in res.output
    assert not (tmp_path / "c.txt").exists()


def test_segment_filter_to_stdout(runner, tiny):
    res = runner.invoke(main, ["rfm", str(tiny), "-o", "-", "--segment", "dormant"])
    assert res.exit_code == 0
    lines = res.stdout.strip().splitlines()
    assert lines[0] == ",".join(EXPORT_COLUMNS)
    assert all(line.split(",")[11] == "dormant" for line in lines[1:])
    assert all(line.split(",")[13] == "Dormant" for line in lines[1:])
    assert "Segments" not in res.stdout  # the summary went to stderr


def test_unknown_segment_is_usage_error(runner, tiny):
    res = runner.invoke(main, ["rfm", str(tiny), "--segment", "vip"])
    assert res.exit_code == 2
    assert "not a segment" in res.output


def test_json_summary(runner, tiny):
    res = runner.invoke(main, ["rfm", str(tiny), "--json"])
    assert res.exit_code == 0
    data = json.loads(res.stdout)
    assert data["as_of"] == "2024-02-17"
    assert data["customers"] == 4
    assert data["rows"]["rows_read"] == 6
    assert sum(s["customers"] for s in data["segments"].values()) == 4
    # sorted [1, 1, 2, 2]: positions 0.6, 1.2, 1.8, 2.4 -> 1, 1.2, 1.8, 2
    assert data["cut_points"]["frequency"] == [1.0, 1.2, 1.8, 2.0]


def test_as_of_option(runner, tiny):
    res = runner.invoke(main, ["rfm", str(tiny), "--as-of", "2024-02-01", "--json"])
    data = json.loads(res.stdout)
    assert data["rows"]["left_out"] == {"after as-of": 3}
    assert runner.invoke(main, ["rfm", str(tiny), "--as-of", "yesterday"]).exit_code == 2
    assert runner.invoke(main, ["rfm", str(tiny), "--as-of", "today"]).exit_code == 0


def test_errors_are_one_line_exit_1(runner, tmp_path, write_csv):
    res = runner.invoke(main, ["rfm", str(tmp_path / "missing.csv")])
    assert res.exit_code == 1
    assert res.output.startswith("Error: ") and "no such file" in res.output
    assert "Traceback" not in res.output
    bad = write_csv("a,b\n1,2\n", name="bad.csv")
    res = runner.invoke(main, ["rfm", str(bad)])
    assert res.exit_code == 1
    assert res.output.count("\n") == 1 and "no customer column found" in res.output


def test_explicit_columns(runner, write_csv):
    path = write_csv("buyer,paid_on,paid\nx,2024-01-01,3\ny,2024-01-02,4\n")
    res = runner.invoke(
        main,
        [
            "rfm",
            str(path),
            "--customer-col",
            "buyer",
            "--date-col",
            "paid_on",
            "--amount-col",
            "paid",
            "-o",
            "-",
        ],
    )
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines()[1].startswith("x,")


def test_custom_rules_and_malformed_rules(runner, tiny, tmp_path):
    good = tmp_path / "r.toml"
    good.write_text('fallback = "rest"\n[[rules]]\nsegment = "big"\nmonetary = ">=150"\n')
    res = runner.invoke(main, ["rfm", str(tiny), "--rules", str(good), "-o", "-"])
    assert res.exit_code == 0
    rows = [line.split(",") for line in res.stdout.strip().splitlines()[1:]]
    assert {r[0]: r[11] for r in rows} == {"a": "big", "b": "rest", "c": "rest", "d": "big"}
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rules]]\nsegment = "big"\nm = "lots"\n')
    res = runner.invoke(main, ["rfm", str(tiny), "--rules", str(bad)])
    assert res.exit_code == 1
    assert "rule 1 (big): m = 'lots' is not a condition" in res.output


def test_version_and_help_on_every_command(runner):
    assert __version__ in runner.invoke(main, ["--version"]).output
    for name, cmd in main.commands.items():
        res = runner.invoke(main, [name, "--help"])
        assert res.exit_code == 0
        assert "Example" in res.output, f"{name} --help has no example"
        assert cmd.help


def test_sample_end_to_end(runner, tmp_path):
    out = tmp_path / "sample.csv"
    res = runner.invoke(main, ["rfm", str(SAMPLE), "-o", str(out)])
    assert res.exit_code == 0
    frame = pd.read_csv(out)
    counts = frame["segment"].value_counts()
    assert set(counts.index) == {"high-value", "new", "potential", "churn-risk", "dormant"}
    assert (counts > 0).all()


def test_rejects_file_and_accounting_in_summary(runner, write_csv, tmp_path):
    path = write_csv(
        "order_id,customer_id,date,amount\n1,a,2024-01-01,5\n2,,2024-01-02,3\n3,b,bad,4\n"
    )
    rejects = tmp_path / "rejects.csv"
    res = runner.invoke(main, ["rfm", str(path), "--rejects", str(rejects)])
    assert res.exit_code == 0, res.output
    assert "left out, missing customer: 1" in res.output
    assert "left out, unparseable date: 1" in res.output
    frame = pd.read_csv(rejects, dtype=str)
    assert frame[["line", "reason"]].values.tolist() == [
        ["3", "missing customer"],
        ["4", "unparseable date"],
    ]


def test_strict_exit_1_and_no_output(runner, write_csv, tmp_path):
    path = write_csv("order_id,customer_id,date,amount\n1,a,2024-01-01,5\n3,b,bad,4\n")
    out = tmp_path / "out.csv"
    res = runner.invoke(main, ["rfm", str(path), "--strict", "-o", str(out)])
    assert res.exit_code == 1
    assert "line 3: unparseable date 'bad'" in res.output
    assert not out.exists()


def test_stdin_dash(runner):
    res = runner.invoke(main, ["rfm", "-", "--json"], input=TINY)
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["customers"] == 4


def test_nothing_left_is_error_without_output(runner, write_csv, tmp_path):
    path = write_csv("customer_id,date,amount\n,2024-01-01,1\n")
    out = tmp_path / "out.csv"
    res = runner.invoke(main, ["rfm", str(path), "-o", str(out)])
    assert res.exit_code == 1 and "no usable rows" in res.output
    assert not out.exists()
