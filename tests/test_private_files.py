"""Private files (issue 26, item 5): ``--private`` writes every output owner-only (0600),
from the temporary name to the rename; the HTML report holds no customer id unless
``--include-ids``."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from conftest import SAMPLE
from custseg.cli import main
from custseg.io.atomic import atomic_path, owner_only, private_files
from custseg.io.writers import write_frame

ENGLISH = {"LC_ALL": None, "LC_MESSAGES": None, "LANG": "C.UTF-8"}


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, list(args), env={**ENGLISH, **(env or {})})


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def open_umask():
    """A umask that lets new files be read by all (0644), as on most machines."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_the_temporary_file_is_owner_only_before_the_rename(tmp_path, open_umask):
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    os.chmod(target, 0o644)  # an old file others may read
    seen = []
    with owner_only(), atomic_path(str(target)) as tmp:
        seen.append(mode(tmp))
        Path(tmp).write_text("new\n")
    assert seen == [0o600] and mode(target) == 0o600
    assert target.read_text() == "new\n"
    # without it: the old file's permissions, as before
    with atomic_path(str(target)) as tmp:
        seen.append(mode(tmp))
        Path(tmp).write_text("newer\n")
    assert seen[1] == 0o600 and mode(target) == 0o600  # kept from the file it replaced
    other = tmp_path / "other.csv"
    with atomic_path(str(other)) as tmp:
        Path(tmp).write_text("x\n")
    assert mode(other) == 0o644  # a new file: the umask's


@pytest.mark.parametrize("fmt", ["csv", "parquet", "json", "jsonl", "xlsx"])
def test_every_writer_keeps_owner_only(tmp_path, open_umask, fmt):
    path = tmp_path / f"out.{fmt}"
    with owner_only():
        write_frame(pl.DataFrame({"customer_id": ["a"], "x": [1]}), str(path), fmt)
    assert mode(path) == 0o600
    assert not private_files()  # the scope ended


def test_private_makes_every_output_of_every_command_owner_only(tmp_path, open_umask):
    key = tmp_path / "key"
    key.write_text("0123456789abcdef0123456789abcdef\n")
    names = ("rfm.xlsx", "rejects.csv", "thresholds.json", "map.csv", "predict.parquet",
             "cluster.jsonl", "cohort.csv", "repeat.json", "summary.csv", "report.html",
             "ids.txt")  # fmt: skip
    outs = {name: tmp_path / name for name in names}
    pseudo = ["--pseudonymize", "--pseudonym-key-file", str(key)]
    runs = [
        ["rfm", "-o", outs["rfm.xlsx"], "--rejects", outs["rejects.csv"], "--thresholds",
         outs["thresholds.json"], "--pseudonym-map", outs["map.csv"], *pseudo],
        ["predict", "-o", outs["predict.parquet"]],
        ["cluster", "-o", outs["cluster.jsonl"], "--k", "3"],
        ["cohort", "-o", outs["cohort.csv"]],
        ["repeat", "-o", outs["repeat.json"]],
        ["summary", "-o", outs["summary.csv"]],
        ["report", "-o", outs["report.html"]],
        ["rfm", "--ids-only", "-o", outs["ids.txt"]],
    ]  # fmt: skip
    for args in runs:
        res = run(args[0], str(SAMPLE), *map(str, args[1:]), "--private", "-q")
        assert res.exit_code == 0, (args, res.output)
    assert {name: mode(path) for name, path in outs.items()} == dict.fromkeys(outs, 0o600)
    assert not [p.name for p in tmp_path.iterdir() if ".custseg-tmp-" in p.name]
    # without --private, the umask's (the pseudonym map is always owner-only)
    res = run("rfm", str(SAMPLE), "-o", str(tmp_path / "open.csv"), "-q", *pseudo,
              "--pseudonym-map", str(tmp_path / "map2.csv"))  # fmt: skip
    assert res.exit_code == 0, res.output
    assert mode(tmp_path / "open.csv") == 0o644 and mode(tmp_path / "map2.csv") == 0o600


def test_the_report_holds_no_customer_id_unless_asked(tmp_path):
    ids = pl.read_csv(SAMPLE, columns=["customer_id"])["customer_id"].unique().to_list()
    page = tmp_path / "report.html"
    res = run("report", str(SAMPLE), "-o", str(page), "-q", "--cohort", "--cluster", "--predict")
    assert res.exit_code == 0, res.output
    text = page.read_text(encoding="utf-8")
    assert len(ids) == 1500 and not [i for i in ids if i in text]
    res = run("report", str(SAMPLE), "-o", str(page), "-q", "--include-ids")
    assert res.exit_code == 0, res.output
    text = page.read_text(encoding="utf-8")
    shown = [i for i in ids if i in text]
    assert len(shown) == 20  # the 20 repeat buyers who spent most
    repeat = tmp_path / "repeat.csv"
    run("repeat", str(SAMPLE), "-o", str(repeat), "-q")
    assert set(shown) == set(pl.read_csv(repeat)["customer_id"].head(20).to_list())
    assert "The 20 repeat buyers who spent most" in text
