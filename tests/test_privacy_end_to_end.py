"""Privacy by default, end to end (issue 26): every command on exports full of personal
data (:mod:`personal_exports`) writes and prints none of it (item 1; with
``--pseudonymize`` not the customer ids either, item 2), and no command opens a network
connection (item 6)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import personal_exports
import polars as pl
import pytest
from click.testing import CliRunner

from conftest import ROOT, SAMPLE
from custseg.cli import main

KEY = "0123456789abcdef0123456789abcdef"
ENV = {"LC_ALL": None, "LC_MESSAGES": None, "LANG": "C.UTF-8", "CUSTSEG_PSEUDONYM_KEY": KEY}

#: Every command that reads orders, with the outputs it can write ({d}: the folder).
COMMANDS = [
    ["rfm", "-o", "{d}/rfm.csv", "--rejects", "{d}/rfm_rejects.csv", "--thresholds",
     "{d}/cuts.json", "--actions"],
    ["rfm", "--json", "-o", "{d}/rfm.xlsx", "--scheme", "cn8", "--lang", "zh"],
    ["rfm", "--ids-only", "-o", "{d}/ids.txt"],
    ["rfm", "--predict", "-o", "{d}/rfm_predict.parquet"],
    ["rfm", "--segment", "new", "-o", "-"],
    ["predict", "-o", "{d}/predict.jsonl", "--json", "--rejects", "{d}/predict_rejects.csv"],
    ["predict", "--model", "mbgnbd", "--lang", "zh", "--horizon", "6m"],
    ["cluster", "-o", "{d}/cluster.json", "--k", "3"],
    ["cluster", "--json", "--k", "3", "--ids-only", "-o", "{d}/cluster_ids.txt"],
    ["cohort", "-o", "{d}/cohort.csv", "--json", "--rejects", "{d}/cohort_rejects.csv"],
    ["cohort", "--wide", "-o", "{d}/cohort_wide.xlsx"],
    ["repeat", "-o", "{d}/repeat.csv", "--top", "100"],
    ["repeat", "--json"],
    ["summary", "-o", "{d}/summary.csv", "--json"],
    ["summary", "--lang", "zh"],
    ["report", "-o", "{d}/report.html", "--cohort", "--cluster", "--k", "3", "--predict",
     "--include-ids"],
]  # fmt: skip


def _run_all(source: Path, folder: Path, extra: list[str]) -> list[str]:
    """Every command of :data:`COMMANDS` on ``source``; what they printed."""
    printed = []
    for args in COMMANDS:
        argv = [args[0], str(source), *(a.format(d=folder) for a in args[1:]), *extra]
        res = CliRunner().invoke(main, argv, env=ENV)
        assert res.exit_code == 0, (argv, res.output)
        printed.append(res.stdout + res.stderr)
    return printed


def _texts(folder: Path) -> dict[str, str]:
    """Every file in ``folder`` as text (Parquet and Excel through their readers)."""
    out = {}
    for path in sorted(folder.iterdir()):
        if path.suffix == ".parquet":
            out[path.name] = pl.read_parquet(path).write_csv()
        elif path.suffix == ".xlsx":
            from python_calamine import CalamineWorkbook

            rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
            out[path.name] = "\n".join(",".join(map(str, row)) for row in rows)
        else:
            out[path.name] = path.read_text(encoding="utf-8")
    return out


def _found(values: set[str], texts: dict[str, str]) -> dict[str, list[str]]:
    """Which of ``values`` each text holds (Aho-Corasick over the lines: 1,500 customers'
    values against megabytes of output)."""
    wanted = sorted(values)
    hits = {}
    for name, text in texts.items():
        lines = pl.Series(text.splitlines(), dtype=pl.String)
        if lines.str.contains_any(wanted).any():
            found = lines.str.extract_many(wanted).explode().drop_nulls().unique()
            hits[name] = sorted(found.to_list())[:5]
    return hits


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    folder = tmp_path_factory.mktemp("exports")
    return {"taobao": personal_exports.taobao(folder), "shopify": personal_exports.shopify(folder)}


def test_the_exports_hold_what_they_should(exports):
    """The check below can fail: the values are in the export, and custseg shows ids."""
    taobao = exports["taobao"]
    text = taobao.path.read_text(encoding="utf-8")
    assert len(taobao.personal) > 6000 and _found(taobao.personal, {"export": text})
    assert len(exports["shopify"].ids) == 1500


@pytest.mark.parametrize("which", ["taobao", "shopify"])
def test_personal_columns_never_reach_an_output(exports, tmp_path, which):
    export = exports[which]
    printed = _run_all(export.path, tmp_path, [])
    texts = {**_texts(tmp_path), **{f"printed {i}": t for i, t in enumerate(printed)}}
    assert len(texts) > 25
    assert _found(export.personal, texts) == {}
    # the member names (emails) are the customer ids: shown, as asked, and so found
    assert _found(export.ids, {"rfm.csv": texts["rfm.csv"]})


@pytest.mark.parametrize("which", ["taobao", "shopify"])
def test_with_pseudonyms_not_even_the_ids(exports, tmp_path, which):
    export = exports[which]
    table = tmp_path.parent / f"{which}_map.csv"  # the key's table: the ids, by design
    printed = _run_all(export.path, tmp_path, ["--pseudonymize"])
    res = CliRunner().invoke(main, ["rfm", str(export.path), "-q", "--pseudonymize",
                                    "--pseudonym-map", str(table)], env=ENV)  # fmt: skip
    assert res.exit_code == 0, res.output
    texts = {**_texts(tmp_path), **{f"printed {i}": t for i, t in enumerate(printed)}}
    assert _found(export.personal | export.ids, texts) == {}
    names = pl.read_csv(table)  # every id shown (customers with only rows left out: not)
    assert set(names["customer_id"]) <= export.ids and names.height > 1400
    shown = set(pl.read_csv(tmp_path / "rfm.csv")["customer_id"])
    assert shown == set(names["pseudonym"])  # joined back only with the table


# -- no network ------------------------------------------------------------------------

#: Run in a fresh interpreter: the audit hook is in place before custseg (or anything it
#: imports) is imported, and records every socket connection, name lookup and bind.
DRIVER = """
import json, sys
events = []
def hook(event, args):
    if event in ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname",
                 "socket.bind", "socket.sendto", "socket.sendmsg"):
        events.append([event, repr(args)[:120]])
sys.addaudithook(hook)
from click.testing import CliRunner
from custseg.cli import main
codes = [CliRunner().invoke(main, argv).exit_code for argv in json.loads(sys.argv[1])]
print(json.dumps({"events": events, "codes": codes}))
"""


def test_no_command_opens_a_network_connection(tmp_path):
    database = tmp_path / "shop.db"
    with sqlite3.connect(database) as conn:  # a database the user names: a local file
        conn.execute("CREATE TABLE orders (order_id, customer_id, order_date, amount)")
        rows = pl.read_csv(SAMPLE, schema_overrides={"order_id": pl.String}).rows()
        conn.executemany("INSERT INTO orders VALUES (?, ?, ?, ?)", rows)
    runs = [[a.format(d=tmp_path) for a in [args[0], str(SAMPLE), *args[1:]]]
            for args in COMMANDS]  # fmt: skip
    runs += [
        ["rfm", f"sqlite:///{database}", "--table", "orders", "-q"],
        ["rfm", str(SAMPLE), "--pseudonymize", "--private", "-o", f"{tmp_path}/p.csv", "-q"],
        ["schemes"], ["rules", "show", "rfm11"],
        ["rules", "export", "default"],
        ["platforms"], ["platforms", "taobao"], ["--help"], ["--version"],
    ]  # fmt: skip
    env = {"PYTHONPATH": str(ROOT / "src"), "CUSTSEG_PSEUDONYM_KEY": KEY, "LANG": "C.UTF-8",
           "PATH": "/usr/bin:/bin"}  # fmt: skip
    done = subprocess.run([sys.executable, "-c", DRIVER, json.dumps(runs)], env=env,
                          capture_output=True, text=True, timeout=600, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["codes"] == [0] * len(runs)
    assert report["events"] == []


def test_the_audit_hook_would_see_a_connection():
    """The driver's hook does see a connection attempt (to a closed local port)."""
    connect = ("import socket\ns = socket.socket()\ntry:\n    s.connect(('127.0.0.1', 9))\n"
               "except OSError:\n    pass\n")  # fmt: skip
    probe = DRIVER.replace("from click.testing", connect + "from click.testing")
    env = {"PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run([sys.executable, "-c", probe, "[]"], capture_output=True, text=True,
                          env=env, timeout=120, check=False)  # fmt: skip
    events = json.loads(done.stdout.strip().splitlines()[-1])["events"]
    assert [e[0] for e in events] == ["socket.connect"]
