"""The terminal is safe whatever the data and the rule table hold (issue 20, item 3).

Control characters, escape sequences and Rich markup in customer ids, segment names,
labels, actions, status values, file names and rule-table names are printed literally
(control characters as escapes such as ``\\x1b``), never interpreted: by ``rfm``'s summary
and ``--json``, ``repeat``'s table, ``summary``, ``rules show``, ``rules check``,
``schemes``, the ``Error:`` line and the warnings.
"""

from __future__ import annotations

import csv
import json
import re
import string

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from custseg.cli import main
from custseg.report.safety import plain, terminal_json, terminal_style, visible

#: What a terminal would act on: C0 controls but the newline, DEL, C1 controls, and the
#: line separators and bidirectional overrides.
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
MARKUP = "[bold red]x[/] [link=https://example.invalid/]click[/link]"
ESCAPES = "\x1b[31mred\x1b[0m \x1b]0;title\x07 \x1b[2J \r\b \x9b1m \u202eexe.txt"
HOSTILE = f"{ESCAPES} {MARKUP}"
FILE = "\x1b[31m\x1b]0;t\x07orders\r[bold]x[blink].csv"  # no "/" in a file name


def hostile_orders(folder, name: str = FILE):
    """40 customers, five with hostile ids, and a status value no table knows."""
    path = folder / name
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["order_id", "customer_id", "order_date", "amount", "status"])
        ids = [f"{HOSTILE} {i}" for i in range(5)] + [f"C{i:02d}" for i in range(35)]
        for i, cid in enumerate(ids):
            for k in range(2 + i % 3):
                out.writerow([f"o{i}-{k}", cid, f"2025-{1 + (i + k) % 12:02d}-{1 + i % 27:02d}",
                              f"{10 + i * 7 + k:.2f}", f"{HOSTILE} shipped"])  # fmt: skip
    return path


def hostile_rules(folder, name: str = "rules.toml"):
    """Every text markup and escapes; a rule that can never match (a warning)."""
    q = json.dumps  # TOML basic strings are written as JSON writes them
    names = [f"{HOSTILE} a", f"{HOSTILE} b", f"{HOSTILE} c"]
    lines = [f"name = {q(HOSTILE)}", f"description = {q(HOSTILE)}", f"fallback = {q(names[2])}"]
    for seg, color in zip(names, ("#abc", "rebeccapurple", "#1b7837"), strict=True):
        lines += [f"[segments.{q(seg)}]", f"label = {q('L ' + HOSTILE)}",
                  f"label_zh = {q('标签 ' + HOSTILE)}", f"action = {q('A ' + HOSTILE)}",
                  f"color = {q(color)}"]  # fmt: skip
    lines += [f"[[rules]]\nsegment = {q(names[0])}\nr = '>=4'",
              f"[[rules]]\nsegment = {q(names[1])}\nf = '>=2'",
              f"[[rules]]\nsegment = {q(names[1])}\nr = '>=4'\nf = '>=2'"]  # fmt: skip
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(*args, color: bool = False, env: dict | None = None):
    res = CliRunner().invoke(main, [str(a) for a in args], color=color, env=env)
    assert "Traceback" not in res.output, res.output
    if res.exception and not isinstance(res.exception, SystemExit):
        raise res.exception
    return res


def assert_literal(text: str, *shown: str) -> None:
    """No control character but newlines in ``text``, and each of ``shown`` in it."""
    found = sorted({hex(ord(c)) for c in CONTROL.findall(text)})
    assert found == [], f"control characters {found} in:\n{text}"
    for part in shown:
        assert part in text, f"{part!r} not in:\n{text}"


#: HOSTILE as it is shown: visible escapes, the markup as written (Rich may fold a long
#: cell, so the tests look for pieces of it).
SHOWN = ("\\x1b[31mred", "\\x1b]0;title\\x07", "\\r\\x08", "\\x9b1m", "\\u202eexe.txt",
         "[bold red]x[/]")  # fmt: skip


@pytest.mark.parametrize("color", [False, True])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_rfm_summary_and_warnings(tmp_path, color, lang):
    """``color``: click does not strip what looks like ANSI styles, as on a terminal."""
    res = run("rfm", hostile_orders(tmp_path), "--rules", hostile_rules(tmp_path),
              "--actions", "--lang", lang, color=color)  # fmt: skip
    assert res.exit_code == 0, res.output
    assert_literal(res.stdout, *SHOWN, "\\x1b]0;t\\x07orders\\r[bold]x[blink].csv")
    # the warnings: a status value no table knows, a rule that never matches
    assert_literal(res.stderr, "\\x1b[31mred", "[bold red]x[/]")
    assert res.stderr.count("Warning: ") + res.stderr.count("警告：") >= 2


def test_rfm_json_escapes_controls_json_lets_through(tmp_path):
    res = run("rfm", hostile_orders(tmp_path), "--rules", hostile_rules(tmp_path), "--json",
              "-q", color=True)  # fmt: skip
    assert res.exit_code == 0, res.output
    assert_literal(res.stdout, "[bold red]x[/]")
    names = set(json.loads(res.stdout)["segments"])
    assert f"{HOSTILE} a" in names  # the same value, read back


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_repeat_table(tmp_path, lang):
    res = run("repeat", hostile_orders(tmp_path), "--lang", lang, color=True)
    assert res.exit_code == 0, res.output
    assert_literal(res.output, *SHOWN)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_summary(tmp_path, lang):
    res = run("summary", hostile_orders(tmp_path), "--rules", hostile_rules(tmp_path),
              "--lang", lang, color=True)  # fmt: skip
    assert res.exit_code == 0, res.output
    assert_literal(res.output, *SHOWN)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_rules_show_and_check(tmp_path, lang):
    rules = hostile_rules(tmp_path, "\x1b]0;t\x07[bold]rules[blink].toml")
    res = run("rules", "show", rules, "--lang", lang, color=True)
    assert res.exit_code == 0, res.output
    assert_literal(res.output, *SHOWN)
    res = run("rules", "check", rules, color=True)
    assert res.exit_code == 1  # the rule that never matches
    assert_literal(res.output, "\\x1b[31mred", "[bold red]x[/]")


def test_schemes():
    res = run("schemes", color=True)
    assert res.exit_code == 0
    assert_literal(res.output, "default", "cn8")


@pytest.mark.parametrize(
    "args",
    [
        ["rfm", "{folder}/missing \x1b[31m\x1b]0;t\x07[bold]x[blink]\r.csv"],
        ["repeat", "{folder}/missing \x1b[2J\b.csv"],
        ["report", "{folder}/missing \x1b[2J.csv", "-o", "{folder}/r.html"],
        ["rfm", "{orders}", "--rules", "{folder}/bad \x1b]0;t\x07[bold]x[blink].toml"],
        ["rfm", "{orders}", "--segment", "\x1b[31mnone\x1b]0;t\x07"],
    ],
)
def test_errors(tmp_path, args):
    bad = tmp_path / "bad \x1b]0;t\x07[bold]x[blink].toml"
    bad.write_text("[[rules]]\nsegment = 3\n", encoding="utf-8")
    orders = hostile_orders(tmp_path, "orders.csv")
    res = run(*(a.format(folder=tmp_path, orders=orders) for a in args), color=True)
    assert res.exit_code in (1, 2), res.output
    assert_literal(res.output, "Error")
    assert "[bold]x[blink]" in res.output or "x1b" in res.output


def test_the_report_command_names_its_file_literally(tmp_path):
    out = tmp_path / "r\x1b]0;t\x07[bold]x[blink].html"
    res = run("report", hostile_orders(tmp_path), "--rules", hostile_rules(tmp_path), "-o",
              out, color=True)  # fmt: skip
    assert res.exit_code == 0, res.output
    assert_literal(res.output, "\\x1b]0;t\\x07[bold]x[blink].html")


def test_on_a_terminal_only_rich_styles_are_escape_sequences(tmp_path):
    """With Rich writing for a terminal (colours on), the only escape sequences are its
    own styles: none from the data, no hyperlink, no title."""
    res = run("rfm", hostile_orders(tmp_path), "--rules", hostile_rules(tmp_path), "--actions",
              color=True, env={"FORCE_COLOR": "1", "TERM": "xterm-256color"})  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "\x1b[" in res.stdout  # it did style the output
    styles = re.sub(r"\x1b\[[0-9;]*m", "", res.stdout)
    assert_literal(styles, *SHOWN)
    assert "\x1b]8;" not in res.stdout  # no hyperlink from [link=...]


# --- the functions ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,shown",
    [("plain 客户 text", "plain 客户 text"), ("\x1b[31m", "\\x1b[31m"), ("a\rb\bc", "a\\rb\\x08c"),
     ("\x1b]0;t\x07", "\\x1b]0;t\\x07"), ("\t\n", "\\t\\n"), ("\x9b\x7f", "\\x9b\\x7f"),
     ("\u202e\u2028", "\\u202e\\u2028"), ("[bold]x[/]", "[bold]x[/]")],
)  # fmt: skip
def test_visible(text, shown):
    assert visible(text) == shown


def test_visible_keeps_newlines_in_messages():
    assert visible("one\ntwo\x1b", newlines=True) == "one\ntwo\\x1b"


@given(st.text())
def test_plain_text_renders_without_controls_or_markup(text):
    from rich.console import Console

    console = Console(width=80, highlight=False, force_terminal=False, color_system=None)
    with console.capture() as capture:
        console.print(plain(text))
    out = capture.get()
    assert not CONTROL.search(out)
    if not CONTROL.search(text) and text.strip(string.whitespace) == text and "\n" not in text:
        assert out.replace("\n", "") == text.replace("\n", "") or len(text) > 80


@given(st.text())
def test_terminal_json_reads_back_the_same(text):
    out = terminal_json({"k": text})
    assert json.loads(out) == {"k": text}
    assert not CONTROL.search(out)


@pytest.mark.parametrize(
    "value,style",
    [("#1b7837", "#1b7837"), ("#abc", "#aabbcc"), ("red", "red"), ("", ""), (None, ""),
     ("red;background:url(x)", ""), ("bold red", ""), ("[link=x]", ""), ("notacolour", "")],
)  # fmt: skip
def test_terminal_style_is_a_colour_rich_knows_or_nothing(value, style):
    assert terminal_style(value) == style


def test_a_bad_colour_past_the_parser_does_not_break_the_tables():
    """A RuleTable built in Python with colours no parser checked still renders."""
    import polars as pl
    from rich.console import Console

    from custseg.report.terminal import actions_table, segment_table
    from custseg.segments.rules import RuleTable, SegmentInfo

    info = SegmentInfo(name=HOSTILE, label=HOSTILE, action=HOSTILE, color="red;[bold]x")
    table = RuleTable(name=HOSTILE, rules=[], segments={HOSTILE: info})
    summary = pl.DataFrame({"segment": [HOSTILE], "customers": [3], "customer_share": [1.0],
                            "revenue": [9.0], "revenue_share": [1.0], "mean_recency_days": [1.0],
                            "mean_frequency": [1.0], "mean_monetary": [3.0]})  # fmt: skip
    console = Console(width=200, force_terminal=True, color_system="truecolor")
    with console.capture() as capture:
        console.print(segment_table(summary, table), actions_table(summary, table))
    out = re.sub(r"\x1b\[[0-9;]*m", "", capture.get())
    assert_literal(out, "\\x1b[31mred", "[bold red]x[/]")


def test_the_progress_bar_shows_the_file_name_literally(tmp_path, monkeypatch):
    """On a terminal the bar names the file: markup, escapes and braces as they are (a
    ``{task}`` in a name was read as a format field)."""
    import io
    import sys

    from custseg.cli.progress import Progress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv("COLUMNS", "200")
    name = str(tmp_path / "{task} {0} [bold]x[blink] \x1b]0;t\x07.csv")
    with Progress(False, name) as progress:
        progress.phase("read")
        progress.bar.refresh()
    assert_literal(re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", screen.getvalue()).replace("\r", ""),
                   "{task} {0} [bold]x[blink] \\x1b]0;t\\x07.csv")  # fmt: skip
