"""The quality page in a real browser (Debian chromium driven by Playwright) with FakeQualityService.

Skipped when chromium is not installed, unless ``BESSEMER_REQUIRE_BROWSER=1``. Set
``BESSEMER_SCREENSHOTS=<dir>`` to keep the screenshots; otherwise they go to pytest's tmp dir.
Every check waits with ``expect(...)``: the page loads asynchronously, so a read-once assert would race it.
"""

from __future__ import annotations

import re

import pytest

from bessemer.industry.quality.testing import FakeQualityService

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def served(serve_service):
    with serve_service("quality", FakeQualityService()) as s:
        yield s


def test_risk_table_detail_images_spc_and_korean(browser, served, shots, new_page):
    from playwright.sync_api import expect

    problems: list[str] = []
    ctx, page = new_page(browser, problems)
    page.goto(served["url"] + "/quality?lang=en")

    # header cards
    expect(page.locator("#q-line")).to_have_text("Test hot strip mill")
    expect(page.locator("#q-high-risk")).to_have_text("3 / 8")
    expect(page.locator("#q-flagged")).to_contain_text("1")
    expect(page.locator("#q-violations")).to_have_text("2")
    expect(page.locator("#updated")).not_to_have_text("–")

    # the risk table: riskiest first, a risk bar, the predicted defect and readable reason chips
    rows = page.locator("#risk-table tbody tr.coil-row")
    expect(rows).to_have_count(8)
    first = rows.first
    expect(first).to_have_attribute("data-coil", "C26-000104")
    expect(first.locator("td.risk")).to_contain_text("90%")
    expect(first.locator("td.risk .fill.bad")).to_have_count(1)
    expect(first.locator("td.predicted")).to_contain_text("Scale")
    chip = first.locator("li.chip").first
    expect(chip).to_have_text(re.compile(r"^descaler pressure [\d.]+ MPa ↑$"))
    expect(first.locator("li.chip")).to_have_count(3)
    expect(page.locator("#risk-table tr[data-coil=C26-000108] td.risk .fill.good")).to_have_count(1)
    expect(page.locator("#coil-detail")).to_be_hidden()

    # a click shows the coil's class probabilities, five reasons and its process values
    page.click("#risk-table tr[data-coil=C26-000103]")
    detail = page.locator("#coil-detail")
    expect(detail).to_be_visible()
    expect(detail).to_have_attribute("data-coil", "C26-000103")
    expect(page.locator("#detail-coil")).to_have_text("C26-000103")
    probs = page.locator("#detail-probs svg.chart.bars")
    expect(probs).to_have_attribute("data-bars", "4")
    expect(probs.locator("g.bar-row").first).to_have_attribute("data-key", "edge_crack")
    expect(page.locator("#detail-reasons li.chip")).to_have_count(5)
    expect(page.locator("#detail-reasons li.chip").first).to_contain_text("sulphur")
    expect(page.locator("#detail-signals tbody tr")).to_have_count(6)
    expect(page.locator("#detail-signals tr[data-feature=finishing_temp]")).to_contain_text("°C")
    expect(page.locator("#risk-table tr.selected")).to_have_attribute("data-coil", "C26-000103")

    # global importance
    imp = page.locator("#importance-chart svg.chart.bars")
    expect(imp).to_have_attribute("data-bars", "6")
    expect(imp.locator("g.bar-row").first).to_have_attribute("data-key", "descaler_pressure")

    # image verdicts: six thumbnails that load, one flagged for a person; the confusion matrix
    figs = page.locator("#image-grid figure.surface")
    expect(figs).to_have_count(6)
    expect(page.locator("#image-grid figure.flagged")).to_have_count(1)
    flagged = page.locator("#image-grid figure.flagged")
    expect(flagged).to_have_attribute("data-image", "S-0003")
    expect(flagged.locator(".badge.person")).to_have_text("Needs a person")
    expect(flagged.locator(".confidence")).to_contain_text("45%")
    expect(page.locator("#image-grid .badge.person")).to_have_count(1)
    page.wait_for_function("Array.from(document.querySelectorAll('#image-grid img'))"
                           ".every(i => i.complete && i.naturalWidth === 64)")
    expect(page.locator("#confusion-table tbody tr")).to_have_count(6)
    expect(page.locator("#confusion-table tbody td.diag")).to_have_count(6)
    expect(page.locator("#confusion-note")).to_contain_text("90")

    # SPC: two charts with center line and limits; the descaler chart marks its two violations and lists them
    charts = page.locator("#spc-charts .spc-chart")
    expect(charts).to_have_count(2)
    desc = page.locator(".spc-chart[data-variable=descaler_pressure]")
    svg = desc.locator("svg.chart.spc")
    expect(svg).to_have_attribute("data-points", "40")
    expect(svg).to_have_attribute("data-violations", "2")
    expect(svg.locator("circle.violation")).to_have_count(2)
    expect(svg.locator("path.limit")).to_have_count(2)
    expect(svg.locator("path.center")).to_have_count(1)
    expect(desc.locator("ul.violations li")).to_have_count(2)
    expect(desc.locator("ul.violations li").first).to_have_attribute("data-index", "39")  # the newest first
    expect(desc.locator("ul.violations li[data-rule=nelson-1]")).to_contain_text("beyond the 3-sigma")
    ewma = page.locator(".spc-chart[data-variable=finishing_temp]")
    expect(ewma.locator("svg.chart.spc")).to_have_attribute("data-violations", "0")
    expect(ewma.locator("ul.violations li.none")).to_contain_text("in control")
    page.screenshot(path=str(shots / "quality_en.png"), full_page=True)

    # Korean: labels, class names, chips and badges
    page.click("#lang-toggle")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    for ko in ["품질", "결함 위험도 순 코일", "표면 검사 영상", "통계적 공정 관리", "관리상한"]:
        expect(page.locator("body")).to_contain_text(ko)
    expect(first.locator("td.predicted")).to_contain_text("스케일")
    expect(first.locator("li.chip").first).to_contain_text("디스케일러 압력")
    expect(page.locator("#image-grid .badge.person")).to_have_text("사람 확인 필요")
    expect(desc.locator("ul.violations li[data-rule=nelson-1]")).to_contain_text("관리 한계")
    expect(page.locator("#coil-detail")).to_have_attribute("data-coil", "C26-000103")  # the choice survives
    page.screenshot(path=str(shots / "quality_ko.png"), full_page=True)
    ctx.close()
    assert not problems, problems


def test_preparing_then_ready(browser, served, new_page):
    from playwright.sync_api import expect

    problems: list[str] = []
    app = served["app"]
    service = app.state.services.pop("quality")
    app.state.progress = {"stage": "quality: training the defect model", "fraction": 0.3}
    try:
        ctx, page = new_page(browser, problems)
        page.goto(served["url"] + "/quality?lang=en&poll=700")
        page.wait_for_selector("#preparing:not([hidden])")
        expect(page.locator("#progress-stage")).to_contain_text("defect model")
        expect(page.locator("#quality")).to_be_hidden()
        app.state.services["quality"] = service
        expect(page.locator("#risk-table tbody tr.coil-row")).to_have_count(8)
        expect(page.locator("#preparing")).to_be_hidden()
        ctx.close()
    finally:
        app.state.services["quality"] = service
    assert problems and all("503" in p for p in problems), problems


def test_an_api_error_is_shown(browser, served, new_page):
    from playwright.sync_api import expect

    class Broken(FakeQualityService):
        def importance(self):
            raise RuntimeError("boom")

    problems: list[str] = []
    app = served["app"]
    service = app.state.services["quality"]
    app.state.services["quality"] = Broken()
    try:
        ctx, page = new_page(browser, problems)
        page.goto(served["url"] + "/quality?lang=en")
        expect(page.locator("#error")).to_be_visible()
        expect(page.locator("#error")).to_contain_text("Could not load data")
        expect(page.locator("#risk-table tbody tr.coil-row")).to_have_count(8)
        ctx.close()
    finally:
        app.state.services["quality"] = service
    assert problems and all("500" in p for p in problems), problems
