"""The HTML report is safe whatever a rule table or an order file holds (issue 20, item 2).

A rule table and an order file whose texts are full of markup (segment names, labels,
actions, the scheme's name and description, customer ids, the file name) and colours that
try to fetch a URL: the page shows the text literally, runs none of it (no dialog,
``window.__pwned`` never set, after hovering every chart, tooltip and table cell in headless
Chromium) and makes no request beyond itself. Bad colours are injected both through the
CLI and past the rule-table parser (a RuleTable built in Python, and report data edited
directly), since the page must hold even if the parser let one through.
"""

from __future__ import annotations

import csv
import dataclasses
import html
import json
import re
import shutil

import pytest
from click.testing import CliRunner

from custseg.cli import main
from custseg.report.data import report_data
from custseg.report.html import CHART_IDS, render_report
from custseg.report.safety import css_color, script_json

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_browser = pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary on this machine")

PWN = "window.__pwned=1"
NAMES = (
    '<img src=x onerror="alert(1);window.__pwned=1">',
    f"</script><script>{PWN}</script><!--",
    f'" onmouseover="{PWN}" x="',
)
LABEL = f"</script><script>{PWN}</script> <img src=x onerror=alert(2)> <!-- \u2028 &amp;"
ACTION = (
    f'" onmouseover="{PWN}" <b onmouseover={PWN}>hover me</b> '
    f'<a href="javascript:{PWN}">javascript:alert(3)</a> <svg onload=alert(4)>'
)
BAD_COLORS = (
    "red;background:url(http://127.0.0.1:1/css)",
    f'#1b7837" onmouseover="{PWN}',
    "url(http://127.0.0.1:1/x)",
    "expression(alert(5))",
    "</style><img src=http://127.0.0.1:1/img>",
)
IDS = (
    "<img src=x onerror=alert(6)>",
    f"</script><script>{PWN}</script>",
    f'" onmouseover="{PWN}',
    "javascript:alert(7)",
    "\u2028<!--",
)
FILE_NAME = "<img src=x onerror=alert(8)>&'orders.csv"


def hostile_rules(path, colors=("#1b7837", "#d73027", "#bababa")):
    """A rule table whose every text is markup: three segments, the third the fallback."""
    q = json.dumps  # a TOML basic string is written as JSON writes one
    lines = [f"name = {q('<b>scheme</b><img src=x onerror=alert(9)>')}",
             f"description = {q(LABEL)}", f"fallback = {q(NAMES[2])}"]  # fmt: skip
    for name, color in zip(NAMES, colors, strict=True):
        lines += [f"[segments.{q(name)}]", f"label = {q(LABEL + name)}",
                  f"label_zh = {q(LABEL)}", f"action = {q(ACTION)}",
                  f"action_zh = {q(ACTION)}", f"color = {q(color)}"]  # fmt: skip
    lines += [f"[[rules]]\nsegment = {q(NAMES[0])}\nr = '>=4'",
              f"[[rules]]\nsegment = {q(NAMES[1])}\nf = '>=2'"]  # fmt: skip
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def hostile_orders(folder):
    """Orders of 60 customers, five of them with ids full of markup."""
    path = folder / FILE_NAME
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["order_id", "customer_id", "order_date", "amount"])
        ids = [*IDS, *(f"C{i:03d}" for i in range(55))]
        for i, cid in enumerate(ids):
            for k in range(1 + i % 4):
                out.writerow([f"o{i}-{k}", cid, f"2025-{1 + (i + k) % 12:02d}-{1 + i % 27:02d}",
                              f"{10 + i * 7 + k:.2f}"])  # fmt: skip
    return path


def cli_report(tmp_path, rules, *args):
    out = tmp_path / "report.html"
    res = CliRunner().invoke(main, ["report", str(hostile_orders(tmp_path)), "--rules",
                                    str(rules), "-o", str(out), "-q", *args])  # fmt: skip
    return res, out


def direct_report(tmp_path, lang="en"):
    """A report of a RuleTable built past the parser: its colours were never checked."""
    from custseg.engines.run import run_rfm
    from custseg.segments.rules import load_rules

    table = load_rules(hostile_rules(tmp_path / "rules.toml"))
    table.segments = {
        name: dataclasses.replace(info, color=color)
        for (name, info), color in zip(table.segments.items(), BAD_COLORS, strict=False)
    }
    result = run_rfm(hostile_orders(tmp_path), table=table)
    data = report_data(result, lang)
    assert {s["color"] for s in data["segments"]} == {"#888888"}
    return data


def edited_data_report(tmp_path):
    """Report data whose segments were edited after report_data: bad colours and markup."""
    data = direct_report(tmp_path)
    for seg, color in zip(data["segments"], BAD_COLORS, strict=False):
        seg.update(color=color, label=LABEL, action=ACTION, name=NAMES[1],
                   rules=[f"r <img src=x onerror=alert(10)> {PWN}"])  # fmt: skip
    data["scheme"] = NAMES[0]
    return data


def assert_escaped(page: str) -> None:
    """No markup from the inputs is markup in the page, and no colour left its check."""
    assert page.count("<script") == 3 and page.count("</script") == 3
    page = re.sub(r"<script>.*?</script>", "", page, flags=re.S)  # ECharts and report.js
    for tag in ("<img", "<svg", "<iframe", "<b>", "<b ", "<a ", "<!--"):
        assert tag not in page, tag
    assert "127.0.0.1" not in page and "expression(" not in page
    assert "\u2028" not in page.split('<script type="application/json"')[1]
    assert page.count('<script type="application/json" id="custseg-options">') == 1
    for style in re.findall(r'style="([^"]*)"', page):
        assert re.fullmatch(r"(background:#[0-9a-fA-F]{3,8}|height:\d+px)", style), style


def test_cli_report_escapes_every_text(tmp_path):
    res, out = cli_report(tmp_path, hostile_rules(tmp_path / "rules.toml"))
    assert res.exit_code == 0, res.output
    page = out.read_text(encoding="utf-8")
    assert_escaped(page)
    # the text is there, literally: as HTML text in the page, as JSON for the charts
    assert html_text(LABEL + NAMES[0]) in page and html_text(ACTION) in page
    assert html_text(FILE_NAME) in page
    assert script_json(LABEL + NAMES[0])[1:-1] in page


def html_text(text: str) -> str:
    import html

    return html.escape(text)


def test_a_bad_colour_never_reaches_the_page(tmp_path):
    page = render_report(edited_data_report(tmp_path))
    assert_escaped(page)
    assert page.count('style="background:#888888"') == 3


def test_bad_colours_through_the_cli_are_refused_or_dropped(tmp_path):
    """Today's parser lets a bad colour through to the report, which drops it; a parser
    that refuses it must do so with one clear error and write no page."""
    rules = hostile_rules(tmp_path / "rules.toml", BAD_COLORS[:3])
    res, out = cli_report(tmp_path, rules)
    if res.exit_code == 0:
        assert_escaped(out.read_text(encoding="utf-8"))
    else:
        assert res.exit_code == 1 and "color" in res.output and "Traceback" not in res.output
        assert not out.exists()


@pytest.mark.parametrize(
    "value,shown",
    [("#1b7837", "#1b7837"), ("#abc", "#abc"), ("rgb(1, 2, 3)", "rgb(1, 2, 3)"),
     ("rebeccapurple", "rebeccapurple"), (" red ", "red"), ("", "#888888"), (None, "#888888"),
     *((bad, "#888888") for bad in BAD_COLORS),
     ("rgb(1,2,3);x:url(a)", "#888888"), ("red\n", "red"), ("red\nx", "#888888")],
)  # fmt: skip
def test_css_color_lets_only_a_colour_through(value, shown):
    assert css_color(value) == shown


def test_script_json_cannot_end_its_script():
    text = script_json({"a": "</script><!--<script>&\u2028\u2029"})
    assert not re.search("[<>&\u2028\u2029]", text)
    assert json.loads(text) == {"a": "</script><!--<script>&\u2028\u2029"}


# --- in a browser ---------------------------------------------------------------------

HOVER_STEP = 60  # pixels between the points hovered over each chart (showTip does the rest)


def browse(path, *, mouse_grid: bool = False, tooltips_of: str = "chart-segments",
           charts: tuple[str, ...] = CHART_IDS) -> dict:  # fmt: skip
    """Open ``path`` in headless Chromium with every request but the page's own refused,
    show every data point's tooltip, hover every table cell and text and, with
    ``mouse_grid``, move the mouse over each chart on a grid too (about 7 s); returns what
    happened."""
    sync_api = pytest.importorskip("playwright.sync_api")
    seen: dict = {"requests": [], "routed": [], "blocked": [], "dialogs": [], "errors": []}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])  # fmt: skip
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.add_init_script(
            "window.__violations = []; document.addEventListener('securitypolicyviolation',"
            " e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"
        )
        uri = path.as_uri()
        page.on("request", lambda r: seen["requests"].append(r.url) if r.url != uri else None)
        page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: seen["errors"].append(str(e)))
        page.on("requestfailed", lambda r: seen["blocked"].append((r.url, r.failure)))

        def serve_nothing(route):  # the page itself, and nothing that gets past the policy
            if route.request.url == uri:
                return route.continue_()
            seen["routed"].append(route.request.url)
            return route.abort()

        page.route("**/*", serve_nothing)
        page.goto(uri)
        page.wait_for_function(f"window.custsegChartsReady === {len(charts)}", timeout=15_000)
        for chart in charts if mouse_grid else ():
            page.locator(f"#{chart}").scroll_into_view_if_needed()
            box = page.locator(f"#{chart}").bounding_box()
            for x in range(4, int(box["width"]), HOVER_STEP):
                for y in range(4, int(box["height"]), HOVER_STEP):
                    page.mouse.move(box["x"] + x, box["y"] + y)
        seen["tooltips"] = page.evaluate(_SHOW_EVERY_TIP, [list(charts), tooltips_of])
        for cell in page.locator("td, th, code, li, p, h1, h2, td .dot").all():
            if cell.is_visible():
                cell.hover(timeout=5_000)
        seen["pwned"] = page.evaluate("typeof window.__pwned")
        seen["violations"] = page.evaluate("window.__violations")
        seen["rules_text"] = page.locator("table").last.inner_text()
        seen["sub"] = page.locator(".sub").inner_text()
        browser.close()
    return seen


_SHOW_EVERY_TIP = """([ids, watch]) => {
  const texts = [];
  for (const id of ids) {
    const box = document.getElementById(id);
    box.scrollIntoView();
    const chart = echarts.getInstanceByDom(box);
    chart.getOption().series.forEach((s, si) => (s.data || []).forEach((_, di) => {
      chart.dispatchAction({ type: "showTip", seriesIndex: si, dataIndex: di });
      if (id === watch) texts.push(box.textContent);
    }));
    chart.dispatchAction({ type: "hideTip" });
  }
  return texts;
}"""


def assert_safe(seen: dict) -> None:
    assert seen["dialogs"] == []
    assert seen["pwned"] == "undefined"
    assert seen["requests"] == [] and seen["routed"] == []
    assert seen["violations"] == []
    assert seen["errors"] == []


@needs_browser
def test_hostile_report_from_the_cli_is_safe_in_a_browser(tmp_path):
    res, out = cli_report(tmp_path, hostile_rules(tmp_path / "rules.toml"))
    assert res.exit_code == 0, res.output
    seen = browse(out, mouse_grid=True)
    assert_safe(seen)
    # the text is shown as text: in the rules table, the sub-heading and the tooltips
    for name in NAMES:
        assert name in seen["rules_text"]
    assert LABEL.replace("\u2028", "").split(" ")[0] in seen["rules_text"]
    assert "<b onmouseover=window.__pwned=1>hover me</b>" in seen["rules_text"]
    assert FILE_NAME in seen["sub"]
    assert any("<svg onload=alert(4)>" in text for text in seen["tooltips"])


@needs_browser
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_bad_colours_past_the_parser_are_safe_in_a_browser(tmp_path, lang):
    out = tmp_path / "direct.html"
    out.write_text(render_report(direct_report(tmp_path, lang)), encoding="utf-8")
    assert_safe(browse(out))


@needs_browser
def test_edited_report_data_is_safe_in_a_browser_even_without_the_policy(tmp_path):
    """The escaping holds by itself: with the Content-Security-Policy taken out, nothing
    runs and nothing is fetched either."""
    page = render_report(edited_data_report(tmp_path))
    page, n = re.subn(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page)
    assert n == 1
    out = tmp_path / "no-policy.html"
    out.write_text(page, encoding="utf-8")
    seen = browse(out)
    assert_safe(seen)
    assert any(ACTION in text for text in seen["tooltips"])


@needs_browser
def test_the_policy_blocks_what_escaping_would_miss(tmp_path):
    """Markup put into the page by hand (as a bug in escaping would) neither runs nor
    fetches: the policy lets only the page's own scripts run and fetches nothing."""
    page = render_report(direct_report(tmp_path))
    injected = (
        f'<img src="http://127.0.0.1:1/img" onerror="{PWN}"><script>{PWN}</script>'
        '<link rel="stylesheet" href="http://127.0.0.1:1/css">'
        f'<div style="background:url(http://127.0.0.1:1/bg)" onmouseover="{PWN}">x</div>'
    )
    out = tmp_path / "injected.html"
    out.write_text(page.replace("<body>", "<body>" + injected, 1), encoding="utf-8")
    seen = browse(out)
    assert seen["dialogs"] == [] and seen["pwned"] == "undefined"
    # the image, the style sheet and the background were asked for, and the policy
    # refused each before it reached the network
    assert len(seen["requests"]) == 3 and seen["routed"] == []
    assert sorted(seen["blocked"]) == sorted((url, "csp") for url in seen["requests"])
    assert seen["violations"]


@needs_browser
def test_hostile_report_with_predictions_is_safe_in_a_browser(tmp_path):
    """The prediction section (its table, its two charts and their tooltips) shows the
    rule table's texts as text too."""
    from conftest import SAMPLE

    out = tmp_path / "report.html"
    rules = hostile_rules(tmp_path / "rules.toml")
    args = ["--rules", str(rules), "-o", str(out), "-q", "--predict",
            "--calibration-end", "2025-09-30"]  # fmt: skip
    res = CliRunner().invoke(main, ["report", str(SAMPLE), *args])
    assert res.exit_code == 0, res.output
    assert_escaped(out.read_text(encoding="utf-8"))
    seen = browse(out, charts=(*CHART_IDS, "chart-predict", "chart-holdout"),
                  tooltips_of="chart-predict")  # fmt: skip
    assert_safe(seen)
    assert any(LABEL.split(" ")[0] in text for text in seen["tooltips"])


@needs_browser
def test_report_with_cohorts_is_safe_in_a_browser(tmp_path):
    """The cohort heatmap (report --cohort) draws, and its tooltips are text."""
    from conftest import SAMPLE

    out = tmp_path / "report.html"
    rules = hostile_rules(tmp_path / "rules.toml")
    args = ["--rules", str(rules), "-o", str(out), "-q", "--cohort", "--lang", "zh"]
    res = CliRunner().invoke(main, ["report", str(SAMPLE), *args])
    assert res.exit_code == 0, res.output
    page = out.read_text(encoding="utf-8")
    assert_escaped(page)
    assert "同期群" in page
    seen = browse(out, charts=(*CHART_IDS, "chart-cohort"), tooltips_of="chart-cohort")
    assert_safe(seen)
    assert any("2025-01 (128) +1" in text and "34.4%" in text for text in seen["tooltips"])


@needs_browser
def test_hostile_report_with_clusters_is_safe_in_a_browser(tmp_path):
    """The clusters' section (its table, with the rule table's segment labels and colours,
    the scatter and the k curve, and their tooltips) shows every text as text."""
    res, out = cli_report(tmp_path, hostile_rules(tmp_path / "rules.toml"), "--cluster",
                          "--k", "3")  # fmt: skip
    assert res.exit_code == 0, res.output
    page = out.read_text(encoding="utf-8")
    assert_escaped(page)
    assert html_text(LABEL) in page.split('id="chart-clusters"')[0]  # the main segment's label
    seen = browse(out, charts=(*CHART_IDS, "chart-clusters", "chart-kchoice"),
                  tooltips_of="chart-clusters")  # fmt: skip
    assert_safe(seen)
    assert any("Days: " in text for text in seen["tooltips"])


def clustered_report_data(tmp_path) -> dict:
    """Report data with clusters whose texts were edited to markup and colours to URLs."""
    from custseg.cluster.run import cluster_customers
    from custseg.engines.run import run_rfm
    from custseg.segments.rules import load_rules

    table = load_rules(hostile_rules(tmp_path / "rules.toml"))
    result = run_rfm(hostile_orders(tmp_path), table=table)
    data = report_data(result, "en", clustering=cluster_customers(result, k=3))
    for c, color in zip(data["cluster"]["clusters"], BAD_COLORS, strict=False):
        c.update(label=LABEL, segment_label=ACTION, segment_color=color)
    data["cluster"]["features"] = NAMES[1]
    return data


def test_edited_cluster_data_never_reaches_the_page_as_markup(tmp_path):
    page = render_report(clustered_report_data(tmp_path))
    assert_escaped(page)
    assert html_text(ACTION) in page and script_json(LABEL)[1:-1] in page


@needs_browser
def test_edited_cluster_data_is_safe_in_a_browser(tmp_path):
    out = tmp_path / "clusters.html"
    out.write_text(render_report(clustered_report_data(tmp_path)), encoding="utf-8")
    seen = browse(out, charts=(*CHART_IDS, "chart-clusters", "chart-kchoice"),
                  tooltips_of="chart-clusters")  # fmt: skip
    assert_safe(seen)
    assert any(LABEL.split(" ")[0] in text for text in seen["tooltips"])


def hostile_by_orders(folder):
    """Orders of 30 customers with a ``channel`` column full of markup (a value per
    customer, 25 values: 20 shown, the rest as "other")."""
    path = folder / "by_orders.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["order_id", "customer_id", "order_date", "amount", "channel"])
        names = [*IDS, *NAMES, LABEL, *(f"ch{i}" for i in range(17))]
        for i in range(30):
            out.writerow([f"o{i}", f"C{i}", f"2025-01-{1 + i % 27:02d}", f"{10 + i}.00",
                          names[i % len(names)]])  # fmt: skip
    return path


def test_by_chart_escapes_its_values(tmp_path):
    out = tmp_path / "report.html"
    res = CliRunner().invoke(main, ["report", str(hostile_by_orders(tmp_path)), "--by",
                                    "channel", "-o", str(out), "-q"])  # fmt: skip
    assert res.exit_code == 0, res.output
    page = out.read_text(encoding="utf-8")
    assert_escaped(page)
    assert 'id="chart-by"' in page and "Customers by channel" in page
    assert script_json(LABEL)[1:-1] in page and '"other"' in page


@needs_browser
def test_by_chart_is_safe_in_a_browser(tmp_path):
    """The --by chart draws, and its tooltips are text (the values' markup shown as is)."""
    out = tmp_path / "report.html"
    res = CliRunner().invoke(main, ["report", str(hostile_by_orders(tmp_path)), "--by",
                                    "channel", "-o", str(out), "-q"])  # fmt: skip
    assert res.exit_code == 0, res.output
    seen = browse(out, charts=(*CHART_IDS, "chart-by"), tooltips_of="chart-by")
    assert_safe(seen)
    assert any(IDS[0] in text for text in seen["tooltips"])


@needs_browser
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_with_changes_is_safe_in_a_browser(tmp_path, lang):
    """The section of report --previous: the segment names and labels (markup, from the
    rule table) and the previous file's name are shown as text."""
    rules, orders = hostile_rules(tmp_path / "rules.toml"), hostile_orders(tmp_path)
    prev = tmp_path / "<img src=x onerror=alert(11)>prev.csv"
    res = CliRunner().invoke(main, ["rfm", str(orders), "--rules", str(rules), "--as-of",
                                    "2025-06-01", "-o", str(prev), "-q"])  # fmt: skip
    assert res.exit_code == 0, res.output
    out = tmp_path / "report.html"
    res = CliRunner().invoke(main, ["report", str(orders), "--rules", str(rules), "--previous",
                                    str(prev), "-o", str(out), "-q", "--lang", lang])  # fmt: skip
    assert res.exit_code == 0, res.output
    page = out.read_text(encoding="utf-8")
    assert_escaped(page)
    shown = NAMES[0] if lang == "en" else LABEL.replace("\u2028", "\\u2028")
    assert html.escape(shown.split(" ")[0]) in page
    assert html.escape(str(prev)) in page
    assert_safe(browse(out))
