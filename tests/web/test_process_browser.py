"""The process-monitoring page in a real browser (Debian chromium driven by Playwright).

Skipped when chromium is not installed, unless ``BESSEMER_REQUIRE_BROWSER=1``. Set
``BESSEMER_SCREENSHOTS=<dir>`` to keep the screenshots; otherwise they go to pytest's tmp dir.
Every check waits with ``expect(...)``: the page polls, so a read-once assert would race it.
"""

from __future__ import annotations

import re

import pytest

from bessemer.api import create_app, create_token
from bessemer.api.testing import demo_store
from bessemer.core import Settings
from bessemer.industry.process.testing import FakeProcessService

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SECRET = "browser-test-secret-not-for-production"


@pytest.fixture(scope="module")
def served(serve_app):
    store = demo_store(hours=6)
    service = FakeProcessService()
    settings = Settings(language="en", secret=SECRET)
    app = create_app(settings, store=store, services={"process": service})
    tokens = {role: create_token(store, name=f"ui-{role}", role=role, settings=settings)
              for role in ("viewer", "operator")}
    with serve_app(app) as url:
        yield {"url": url, "app": app, "service": service, "tokens": tokens}
    store.close()


def test_charts_inject_alarm_korean_and_clear(browser, served, shots, new_page):
    from playwright.sync_api import expect

    problems: list[str] = []
    ctx, page = new_page(browser, problems)
    tokens = served["tokens"]
    page.goto(served["url"] + "/process?poll=700&lang=en")

    # three control charts with their limit lines; the history's air-leak alarm is highlighted
    charts = page.locator("#stat-charts svg.chart.control")
    expect(charts).to_have_count(3)
    for i in range(3):
        expect(charts.nth(i)).to_have_attribute("data-points", "120")
        expect(charts.nth(i).locator("line.limit")).to_have_count(1)
        expect(charts.nth(i).locator("path.line")).to_have_count(1)
    t2 = page.locator("#stat-charts svg.stat-t2")
    expect(t2).to_have_attribute("data-limit", "20.09")
    expect(t2.locator("circle.alarm")).to_have_count(10)
    expect(t2.locator("rect.alarm-span")).to_have_count(1)
    expect(page.locator("#unit-select")).to_have_value("rhf-1")
    expect(page.locator("#p-state")).to_have_text("Normal")
    expect(page.locator("#p-diagnosis")).to_have_text("No fault detected")
    expect(page.locator("#p-fault")).to_have_text("None")
    alarms = page.locator("#alarm-table tbody tr")
    expect(alarms).to_have_count(1)
    expect(alarms.first).to_contain_text("Air leakage (probability 78%)")
    expect(alarms.first).to_have_class(re.compile("alarm-closed"))
    expect(page.locator("#contrib-chart svg.chart.bars")).to_have_attribute("data-bars", "8")
    expect(page.locator("#fault-select option")).to_have_count(4)
    expect(page.locator("#updated")).not_to_have_text("–")
    page.screenshot(path=str(shots / "process_en.png"), full_page=True)

    # without a token nothing is sent; a viewer token is refused by the API and the page says so
    page.click("#inject-btn")
    expect(page.locator("#inject-msg")).to_have_text("Type an operator token first.")
    page.fill("#token", tokens["viewer"])
    page.click("#inject-btn")
    expect(page.locator("#inject-msg")).to_contain_text("The request was refused")
    expect(page.locator("#inject-msg")).to_contain_text("operator")

    # an operator injects a burner failure through the UI
    page.fill("#token", tokens["operator"])
    page.select_option("#fault-select", "burner_failure")
    page.click("#inject-btn")
    expect(page.locator("#inject-msg")).to_have_text("Fault injected: Burner failure")
    expect(page.locator("#p-fault")).to_have_text("Burner failure")
    assert tokens["operator"] not in page.url
    assert page.evaluate("sessionStorage.getItem('bessemer.token')") == tokens["operator"]

    # the live unit moves on; the next samples exceed the limits and an alarm opens
    served["service"].advance(4)
    expect(page.locator("#p-state")).to_have_text("Alarm")
    expect(page.locator("#p-diagnosis")).to_have_text("Burner failure (probability 87%)")
    expect(alarms).to_have_count(2)
    newest = alarms.first
    expect(newest).to_have_class(re.compile("alarm-active"))
    expect(newest).to_contain_text("Active")
    expect(newest.locator("li").first).to_have_attribute("data-variable", "zone2_temp")
    expect(newest.locator("li").first).to_contain_text("▼ Heating zone 2 temperature")
    expect(newest.locator("li")).to_have_count(5)
    expect(t2.locator("circle.alarm")).to_have_count(14)
    bar = page.locator("#contrib-chart g.bar-row").first
    expect(bar).to_have_attribute("data-key", "zone2_temp")
    expect(bar).to_have_attribute("data-dir", "down")
    page.screenshot(path=str(shots / "process_alarm_en.png"), full_page=True)

    # Korean
    page.click("#lang-toggle")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    for ko in ["공정 감시", "감시 통계량", "경보 이력", "주요 기여 변수", "고장 주입"]:
        expect(page.locator("body")).to_contain_text(ko)
    expect(page.locator("#p-state")).to_have_text("경보")
    expect(page.locator("#p-diagnosis")).to_have_text("버너 고장 (확률 87%)")
    expect(newest).to_contain_text("진행 중")
    expect(newest.locator("li").first).to_contain_text("가열대 2 온도")
    expect(page.locator("#contrib-chart text.bar-label").first).to_have_text("가열대 2 온도")
    expect(page.locator("#inject-msg")).to_have_text("고장을 주입했습니다: 버너 고장")
    page.screenshot(path=str(shots / "process_alarm_ko.png"), full_page=True)

    # clear: the alarm closes and the unit is normal again
    page.click("#clear-btn")
    expect(page.locator("#inject-msg")).to_have_text("고장을 해제했습니다")
    expect(page.locator("#p-state")).to_have_text("정상")
    expect(page.locator("#p-fault")).to_have_text("없음")
    expect(newest).to_have_class(re.compile("alarm-closed"))
    expect(newest).not_to_contain_text("진행 중")
    page.screenshot(path=str(shots / "process_cleared_ko.png"), full_page=True)
    ctx.close()
    # the viewer's refused injection (403) is expected; anything else is a problem
    assert problems and all("403" in p for p in problems), problems


def test_preparing_then_ready(browser, served, new_page):
    from playwright.sync_api import expect

    problems: list[str] = []
    app = served["app"]
    service = app.state.services.pop("process")
    app.state.progress = {"stage": "fitting the monitors", "fraction": 0.25}
    try:
        ctx, page = new_page(browser, problems)
        page.goto(served["url"] + "/process/rhf-1?lang=en&poll=700")
        page.wait_for_selector("#preparing:not([hidden])")
        expect(page.locator("#progress-stage")).to_contain_text("fitting")
        expect(page.locator("#process")).to_be_hidden()
        app.state.services["process"] = service
        expect(page.locator("#stat-charts svg.chart.control")).to_have_count(3)
        expect(page.locator("#preparing")).to_be_hidden()
        ctx.close()
    finally:
        app.state.services["process"] = service
    assert all("503" in p for p in problems), problems
