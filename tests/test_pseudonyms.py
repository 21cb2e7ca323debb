"""Pseudonymous ids (issue 26, item 2): ``--pseudonymize`` replaces the customer id in
every output by HMAC-SHA256(key, id)[:16], stable for one key, different across keys.

Expected pseudonyms are computed here with :mod:`hmac` on the ids as written in the file."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat

import polars as pl
import pytest
from click.testing import CliRunner

from conftest import SAMPLE
from custseg.cli import main
from custseg.errors import DataError
from custseg.privacy import pseudonyms as module
from custseg.privacy.pseudonyms import id_map

KEY = "0123456789abcdef0123456789abcdef"
OTHER_KEY = "fedcba9876543210fedcba9876543210"
ENGLISH = {"LC_ALL": None, "LC_MESSAGES": None, "LANG": "C.UTF-8"}


def run(*args: str, key: str | None = KEY):
    env = {**ENGLISH, "CUSTSEG_PSEUDONYM_KEY": key}
    return CliRunner().invoke(main, list(args), env=env)


def pseudonym(customer: str, key: str = KEY) -> str:
    return hmac.new(key.encode(), customer.encode(), hashlib.sha256).hexdigest()[:16]


@pytest.fixture(scope="module")
def sample_ids() -> list[str]:
    return pl.read_csv(SAMPLE, columns=["customer_id"])["customer_id"].unique().to_list()


def test_export_ids_are_the_keyed_hashes_stable_across_runs(tmp_path):
    plain, first, again, other = (tmp_path / f"{n}.csv" for n in ("p", "a", "b", "c"))
    assert run("rfm", str(SAMPLE), "-o", str(plain), "-q").exit_code == 0
    assert run("rfm", str(SAMPLE), "-o", str(first), "-q", "--pseudonymize").exit_code == 0
    assert run("rfm", str(SAMPLE), "-o", str(again), "-q", "--pseudonymize").exit_code == 0
    res = run("rfm", str(SAMPLE), "-o", str(other), "-q", "--pseudonymize", key=OTHER_KEY)
    assert res.exit_code == 0, res.output
    ids = pl.read_csv(plain)["customer_id"]
    a, c = pl.read_csv(first), pl.read_csv(other)
    assert a["customer_id"].to_list() == [pseudonym(i) for i in ids]
    assert first.read_bytes() == again.read_bytes()  # stable
    assert c["customer_id"].to_list() == [pseudonym(i, OTHER_KEY) for i in ids]
    assert not set(a["customer_id"]) & set(c["customer_id"])  # another key, other names
    # everything but the id as before
    assert a.drop("customer_id").equals(pl.read_csv(plain).drop("customer_id"))


def test_a_key_file_gives_the_same_pseudonyms_as_the_variable(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text(KEY + "\n")
    by_file, by_env = tmp_path / "f.txt", tmp_path / "e.txt"
    res = run("rfm", str(SAMPLE), "--ids-only", "-o", str(by_file), "--pseudonymize",
              "--pseudonym-key-file", str(key_file), key=None)  # fmt: skip
    assert res.exit_code == 0, res.output
    assert run("rfm", str(SAMPLE), "--ids-only", "-o", str(by_env), "--pseudonymize").exit_code == 0
    assert by_file.read_bytes() == by_env.read_bytes()


@pytest.mark.parametrize(
    ("args", "key", "message"),
    [
        (["--pseudonymize"], None, "--pseudonymize needs a key: set CUSTSEG_PSEUDONYM_KEY, or "
         "give --pseudonym-key-file FILE (never on the command line, where other users see it)"),
        (["--pseudonymize"], "short", "the pseudonym key in CUSTSEG_PSEUDONYM_KEY has 5 bytes; "
         "use at least 16 random ones (e.g. 'openssl rand -hex 32')"),
        (["--pseudonym-map", "m.csv"], KEY, "--pseudonym-map is for --pseudonymize; add it"),
        (["--pseudonymize", "--pseudonym-key-file", "/no/such/key"], None,
         "Invalid value for --pseudonym-key-file: /no/such/key: cannot read it (No such file "
         "or directory)"),
    ],
)  # fmt: skip
def test_key_errors_are_usage_errors(args, key, message):
    res = run("rfm", str(SAMPLE), *args, key=key)
    assert res.exit_code == 2
    assert res.stderr.endswith(f"Error: {message}\n")


def test_the_map_joins_back_and_is_owner_only(tmp_path, sample_ids):
    out, table = tmp_path / "out.csv", tmp_path / "map.csv"
    res = run("rfm", str(SAMPLE), "-o", str(out), "-q", "--pseudonymize", "--pseudonym-map",
              str(table))  # fmt: skip
    assert res.exit_code == 0, res.output
    assert stat.S_IMODE(os.stat(table).st_mode) == 0o600
    pairs = pl.read_csv(table)
    assert pairs.columns == ["customer_id", "pseudonym"]
    assert sorted(pairs["customer_id"]) == sorted(sample_ids)
    assert all(pseudonym(i) == p for i, p in pairs.iter_rows())
    joined = pl.read_csv(out).join(pairs, left_on="customer_id", right_on="pseudonym")
    assert joined.height == len(sample_ids)


def test_every_command_shows_pseudonyms_only(tmp_path, sample_ids):
    """Files, --ids-only, --rejects, screens and --json of every command that lists ids."""
    runs = {
        "rfm": ["rfm", "-o", "{d}/rfm.csv", "--rejects", "{d}/rej.csv", "--as-of", "2025-06-01"],
        "ids": ["rfm", "--ids-only", "-o", "{d}/ids.txt"],
        "predict": ["predict", "-o", "{d}/predict.parquet", "--json"],
        "rfm_predict": ["rfm", "--predict", "-o", "{d}/rp.jsonl"],
        "cluster": ["cluster", "-o", "{d}/cluster.json", "--k", "3"],
        "repeat": ["repeat", "-o", "{d}/repeat.xlsx", "--top", "50"],
        "summary": ["summary", "-o", "{d}/summary.csv", "--json"],
        "cohort": ["cohort", "-o", "{d}/cohort.csv"],
        "report": ["report", "-o", "{d}/report.html", "--include-ids", "--cluster", "--k", "3"],
    }
    printed = []
    for name, args in runs.items():
        res = run(args[0], str(SAMPLE), *(a.format(d=tmp_path) for a in args[1:]),
                  "--pseudonymize")  # fmt: skip
        assert res.exit_code == 0, (name, res.output)
        printed.append(res.stdout + res.stderr)
    texts = printed + [_text(p) for p in tmp_path.iterdir()]
    everything = "\n".join(texts)
    assert not [i for i in sample_ids if i in everything]
    wanted = {pseudonym(i) for i in sample_ids}
    shown = set(pl.read_csv(tmp_path / "rfm.csv")["customer_id"])
    assert shown == wanted - {pseudonym(i) for i in _after(sample_ids, "2025-06-01")}
    assert set((tmp_path / "ids.txt").read_text().split()) == wanted
    rejected = set(pl.read_csv(tmp_path / "rej.csv")["customer_id"])
    assert rejected and rejected <= wanted  # the rows after as-of, under the same names
    assert "repeat buyers who spent most" in (tmp_path / "report.html").read_text()


def _after(ids: list[str], day: str) -> set[str]:
    """The sample's customers with no order up to ``day`` (included: as-of's own orders
    count) but later ones."""
    orders = pl.read_csv(SAMPLE, try_parse_dates=True)
    upto = orders.filter(pl.col("order_date").dt.date() <= pl.lit(day).str.to_date())
    return set(ids) - set(upto["customer_id"])


def _text(path) -> str:
    if path.suffix == ".parquet":
        return pl.read_parquet(path).write_csv()
    if path.suffix == ".xlsx":
        from python_calamine import CalamineWorkbook

        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        return "\n".join(",".join(map(str, row)) for row in rows)
    return path.read_text(encoding="utf-8")


def test_rejected_rows_carry_the_pseudonym_of_the_id_as_read(write_csv, tmp_path):
    path = write_csv("customer_id,order_date,amount\n 17850.0 ,2024-01-05,30\n17850,2024-01-06,x\n"
                     "guest,2024-01-07,5\n", "ids.csv")  # fmt: skip
    out, rejects = tmp_path / "o.csv", tmp_path / "r.csv"
    res = run("rfm", str(path), "-o", str(out), "--rejects", str(rejects), "-q", "--pseudonymize")
    assert res.exit_code == 0, res.output
    assert pl.read_csv(out)["customer_id"].to_list() == [pseudonym("17850")]
    assert pl.read_csv(rejects)["customer_id"].to_list() == [pseudonym("17850"), pseudonym("guest")]


def test_no_audience_list_of_pseudonyms(tmp_path):
    res = run("rfm", str(SAMPLE), "--ids-only", "--audience-hash", "md5", "--pseudonymize", "-o",
              str(tmp_path / "a.txt"))  # fmt: skip
    assert res.exit_code == 1
    assert res.stderr.endswith(
        "Error: the customer ids are pseudonyms (16 hex digits, as --pseudonymize writes them): "
        "an audience list hashes the phone numbers or emails themselves; leave out "
        "--pseudonymize or --audience-hash\n"
    )


def test_a_collision_stops_rather_than_merges(monkeypatch):
    ids = pl.Series([f"c{i}" for i in range(100)])
    assert id_map(ids, KEY.encode()).height == 100
    monkeypatch.setattr(module, "LENGTH", 1)  # 16 possible pseudonyms for 100 ids
    with pytest.raises(DataError, match="two customer ids share a pseudonym"):
        id_map(ids, KEY.encode())


def test_json_summaries_hold_no_ids(tmp_path, sample_ids):
    res = run("rfm", str(SAMPLE), "--json", "--pseudonymize")
    data = json.loads(res.stdout)
    assert data["customers"] == 1500 and not [i for i in sample_ids if i in res.stdout]


@pytest.mark.parametrize("command", ["rfm", "predict", "repeat", "summary", "cohort"])
def test_the_map_never_replaces_another_output(tmp_path, command):
    """--pseudonym-map naming -o's file would have replaced the pseudonymous export with
    the table that undoes it: refused before any work (exit 1), nothing written."""
    same = tmp_path / "out.csv"
    result = run(command, str(SAMPLE), "--pseudonymize", "--pseudonym-map", str(same),
                 "-o", str(same))  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "-o and --pseudonym-map name the same file" in result.output
    assert not same.exists()
