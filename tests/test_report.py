"""The HTML report, opened in a real headless browser as a person would see it.

Needs Debian's chromium (installed by .ci/run) and the playwright package; the browser
test skips only when no chromium binary is found on this machine.
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import SAMPLE
from custseg.cli import main
from custseg.report.html import CHART_IDS

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHOTS = (
    Path(os.environ.get("CUSTSEG_SCREENSHOTS", ""))
    if os.environ.get("CUSTSEG_SCREENSHOTS")
    else None
)


def make_report(tmp_path, *args):
    out = tmp_path / "report.html"
    res = CliRunner().invoke(main, ["report", str(SAMPLE), "-o", str(out), *args])
    assert res.exit_code == 0, res.output
    return out


def test_report_is_self_contained_and_small(tmp_path):
    page = make_report(tmp_path).read_text(encoding="utf-8")
    assert 0.5e6 < len(page.encode()) < 3e6
    # nothing is fetched: no external scripts, stylesheets, images or fonts
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "@import" not in page and "url(http" not in page
    for chart in CHART_IDS:
        assert f'id="{chart}"' in page
    assert "high-value" in page and "4,911 rows read, 4,911 used" in page


def test_report_in_chinese_has_labels_and_actions(tmp_path):
    page = make_report(tmp_path, "--scheme", "cn8", "--lang", "zh").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page
    for label in ("重要价值客户", "一般挽留客户", "客户分群报告", "复购率", "老客户"):
        assert label in page


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary on this machine")
@pytest.mark.parametrize("lang,scheme", [("en", "default"), ("zh", "cn8")])
def test_report_renders_in_a_browser(tmp_path, lang, scheme):
    sync_api = pytest.importorskip("playwright.sync_api")
    out = make_report(tmp_path, "--lang", lang, "--scheme", scheme)
    errors, requests = [], []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(out.as_uri())
        page.wait_for_function("window.custsegChartsReady === 6", timeout=15_000)
        sizes = {}
        for chart in CHART_IDS:
            canvas = page.locator(f"#{chart} canvas")
            assert canvas.count() >= 1, f"{chart} drew nothing"
            box = canvas.first.bounding_box()
            sizes[chart] = (box["width"], box["height"])
            # a chart that drew something has non-blank pixels
            inked = page.evaluate(
                """id => { const c = document.querySelector('#' + id + ' canvas');
                    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                    let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
                    return n; }""",
                chart,
            )
            assert inked > 1000, f"{chart} is blank"
        shot = tmp_path / f"report-{lang}.png"
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    assert all(w > 100 and h > 100 for w, h in sizes.values()), sizes
    assert errors == []
    assert [u for u in requests if not u.startswith("file://")] == []
    assert shot.stat().st_size > 50_000
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, SHOTS / shot.name)
