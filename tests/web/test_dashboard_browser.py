"""The dashboard in a real browser (Debian chromium driven by Playwright).

Skipped when chromium is not installed, unless ``BESSEMER_REQUIRE_BROWSER=1``. Set
``BESSEMER_SCREENSHOTS=<dir>`` to keep the screenshots; otherwise they go to pytest's tmp dir.
"""

from __future__ import annotations

import pytest

from bessemer.api import create_app
from bessemer.api.testing import FakeMaintenanceService, demo_store
from bessemer.core import Settings

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def served(serve_app):
    store = demo_store(hours=48)
    service = FakeMaintenanceService(store)
    app = create_app(Settings(language="en"), store=store, services={"maintenance": service})
    with serve_app(app) as url:
        yield {"url": url, "app": app, "service": service}
    store.close()


def test_fleet_to_asset_rul_chart_and_korean(browser, served, shots, new_page):
    from playwright.sync_api import expect

    problems: list[str] = []
    ctx, page = new_page(browser, problems)
    base = served["url"]
    page.goto(base + "/?poll=700")
    page.wait_for_selector("#fleet-table tbody tr")
    rows = page.locator("#fleet-table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_have_attribute("data-asset", "fan-2")  # riskiest first
    # the plan arrives by its own request, after the fleet: wait for it rather than race it
    expect(page.locator("#plan-table tbody tr")).to_have_count(3)
    expect(page.locator("#plan-table")).to_contain_text("Replace now")
    expect(page.locator("#updated")).not_to_have_text("")
    expect(page.locator("#updated")).not_to_have_text("–")
    first_updated = page.locator("#updated").inner_text()
    page.screenshot(path=str(shots / "fleet_en.png"), full_page=True)

    # live update: the service refreshes, the page picks it up by polling
    served["service"].advance(5)
    expect(page.locator("#updated")).not_to_have_text(first_updated)

    page.click("a.asset-link:text-is('fan-1')")
    page.wait_for_url("**/assets/fan-1")
    page.wait_for_selector("#rul-chart svg.chart.rul path.band")
    rul = page.locator("#rul-chart svg.chart.rul")
    expect(rul).to_have_attribute("data-points", "53")  # 48 hourly + 5 after advance
    assert page.locator("#rul-chart path.line").get_attribute("d").count("L") == 52
    trends = page.locator("#trends svg.chart")
    expect(trends).to_have_count(2)
    for i in range(2):  # default window: the last 168 h hold all 48 readings
        expect(trends.nth(i)).to_have_attribute("data-points", "48")
    page.select_option("#window", "24")
    expect(trends.first).to_have_attribute("data-points", "25")  # inclusive 24 h window
    expect(page.locator("#s-rank")).to_have_text("2")
    page.screenshot(path=str(shots / "asset_en.png"), full_page=True)

    page.click("#lang-toggle")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    for ko in ["잔여 수명", "건전성", "위험도", "센서 추이"]:
        expect(page.locator("body")).to_contain_text(ko)
    expect(page.locator("#asset-title")).to_contain_text("주 송풍기 1")
    expect(page.locator("#lang-toggle")).to_have_text("English")
    page.screenshot(path=str(shots / "asset_ko.png"), full_page=True)

    # the choice persists (localStorage) when going back to the fleet page without ?lang
    page.goto(base + "/")
    page.wait_for_selector("#fleet-table tbody tr")
    expect(page.locator("h1")).to_have_text("설비 현황")
    expect(page.locator("#plan h2")).to_contain_text("정비 계획")
    expect(page.locator("#plan-table")).to_contain_text("즉시 교체")
    page.screenshot(path=str(shots / "fleet_ko.png"), full_page=True)
    ctx.close()
    assert not problems, problems


def test_preparing_page_then_ready(browser, served, shots, new_page):
    from playwright.sync_api import expect

    problems: list[str] = []
    app = served["app"]
    service = app.state.services.pop("maintenance")
    app.state.progress = {"stage": "training RUL models", "fraction": 0.4}
    try:
        ctx, page = new_page(browser, problems)
        page.goto(served["url"] + "/?lang=en&poll=700")
        page.wait_for_selector("#preparing:not([hidden])")
        expect(page.locator("#progress-stage")).to_contain_text("training")
        expect(page.locator("#progress-pct")).to_have_text("40%")
        expect(page.locator("#fleet")).to_be_hidden()
        page.screenshot(path=str(shots / "preparing_en.png"))
        app.state.services["maintenance"] = service
        page.wait_for_selector("#fleet-table tbody tr")
        expect(page.locator("#preparing")).to_be_hidden()
        ctx.close()
    finally:
        app.state.services["maintenance"] = service
    # the 503 of the first fleet call is expected (and logged by chromium); anything else is a problem
    assert all("503" in p for p in problems), problems


def test_asset_trends_ring_the_readings_marked_uncertain(browser, served, shots, new_page):
    import pandas as pd
    from playwright.sync_api import expect

    store = served["service"].store
    t = pd.Timestamp(store.latest_time("fan-2")) - pd.Timedelta(hours=3)
    f = store.read_frame(assets=["fan-2"], start=t, end=t)
    store.write_frame(f, quality=pd.DataFrame({"asset": ["fan-2"], "signal": ["temperature"], "time": [t],
                                               "quality": ["uncertain"]}))
    problems: list[str] = []
    ctx, page = new_page(browser, problems)
    page.goto(served["url"] + "/assets/fan-2")
    page.wait_for_selector("#trends svg.chart")
    expect(page.locator("#trends svg.chart circle.mark")).to_have_count(1)
    expect(page.locator("#trend-temperature circle.mark")).to_have_count(1)  # on the signal that was marked
    expect(page.locator("#uncertain-note")).to_be_visible()
    page.screenshot(path=str(shots / "asset_uncertain_en.png"), full_page=True)
    page.goto(served["url"] + "/assets/fan-1")  # no flagged reading: no ring, no note
    page.wait_for_selector("#trends svg.chart")
    expect(page.locator("#trends circle.mark")).to_have_count(0)
    expect(page.locator("#uncertain-note")).to_be_hidden()
    ctx.close()
    assert not problems, problems
