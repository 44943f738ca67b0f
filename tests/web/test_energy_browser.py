"""The energy page in a real browser (Debian chromium driven by Playwright) with FakeEnergyService.

Skipped when chromium is not installed, unless ``BESSEMER_REQUIRE_BROWSER=1``. Set
``BESSEMER_SCREENSHOTS=<dir>`` to keep the screenshots; otherwise they go to pytest's tmp dir.
Every check waits with ``expect(...)``: the page loads asynchronously, so a read-once assert would race it.
"""

from __future__ import annotations

import re

import pytest

from bessemer.industry.energy.testing import FakeEnergyService

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def served(serve_service):
    with serve_service("energy", FakeEnergyService()) as s:
        yield s


def _won(v: float) -> str:
    return f"₩{v:,.0f}"


def test_charts_bill_switch_schedule_toggle_and_korean(browser, served, shots, new_page):
    from playwright.sync_api import expect

    problems: list[str] = []
    ctx, page = new_page(browser, problems)
    svc = served["service"]
    page.goto(served["url"] + "/energy?lang=en")

    # header cards
    expect(page.locator("#e-site")).to_have_text("Test EAF shop")
    expect(page.locator("#e-bill")).to_have_text(_won(svc.bill("2026-02")["total_won"]))
    expect(page.locator("#e-saving")).to_have_text(_won(svc.schedule()["saving_won"]))
    expect(page.locator("#updated")).not_to_have_text("–")

    # load chart: 3 days of 96 slots, an actual and a forecast line, the interval band, tariff-band shading
    chart = page.locator("#load-chart svg.chart.load")
    expect(chart).to_have_attribute("data-points", str(3 * 96))
    expect(chart.locator("path.line.actual")).to_have_attribute("data-points", str(3 * 96 - 24))
    expect(chart.locator("path.line.forecast")).to_have_attribute("data-points", str(3 * 96))
    expect(chart.locator("path.band")).to_have_count(1)
    bands = chart.locator("rect.tou")
    assert bands.count() > 6
    assert {bands.nth(i).get_attribute("data-band") for i in range(bands.count())} == {"light", "medium", "maximum"}
    # the time axis is on Seoul's clock: midnight ticks show the date (the browser runs in another zone)
    expect(chart.locator("text.day-tick").first).to_have_text(re.compile(r"^0[23]-\d\d$"))
    page.select_option("#days-select", "7")
    expect(chart.or_(page.locator("#load-chart svg.chart.load"))).to_have_attribute("data-points", str(7 * 96))

    # the bill: the latest full month first; switching months reloads the items
    expect(page.locator("#month-select")).to_have_value("2026-02")
    expect(page.locator("#month-select option")).to_have_count(3)
    total = page.locator("#bill-table tfoot tr[data-code=total] td.num")
    expect(total).to_have_text(_won(svc.bill("2026-02")["total_won"]))
    expect(page.locator("#bill-table tbody tr")).to_have_count(len(svc.bill("2026-02")["items"]))
    expect(page.locator("#bill-table tbody tr[data-code=demand]")).to_contain_text("Demand charge")
    expect(page.locator("#bill-partial")).to_be_hidden()
    page.select_option("#month-select", "2026-01")
    expect(page.locator("#bill-table")).to_have_attribute("data-month", "2026-01")
    expect(total).to_have_text(_won(svc.bill("2026-01")["total_won"]))
    expect(page.locator("#bill-partial")).to_be_visible()
    page.screenshot(path=str(shots / "energy_en.png"), full_page=True)

    # the schedule: the optimised Gantt first, then the as-is one; the load chart shows both and the limit
    gantt = page.locator("#gantt-chart svg.chart.gantt")
    expect(gantt).to_have_attribute("data-items", "8")
    expect(gantt).to_have_class(re.compile("optimised"))
    first_opt = {r["job"]: r["start"] for r in svc.schedule()["optimised"]["records"]}
    expect(gantt.locator("g.job[data-job=H01]")).to_have_count(1)
    expect(gantt.locator("g.job[data-row=eaf-1]")).to_have_count(4)
    x_opt = gantt.locator("g.job[data-job=H01] rect").get_attribute("x")
    page.click("#show-as-is")
    expect(page.locator("#show-as-is")).to_have_attribute("aria-pressed", "true")
    expect(gantt).to_have_class(re.compile("as-is"))
    x_as_is = gantt.locator("g.job[data-job=H01] rect").get_attribute("x")
    assert float(x_as_is) > float(x_opt), (first_opt["H01"], x_opt, x_as_is)  # the optimum starts H01 earlier
    sched = page.locator("#schedule-load-chart svg.chart.load")
    expect(sched.locator("path.line.as-is")).to_have_count(1)
    expect(sched.locator("path.line.optimised")).to_have_count(1)
    expect(sched.locator("line.limit")).to_have_count(1)

    # carbon: the ledger line with its source, the scenarios table and bars
    expect(page.locator("#ledger-table tbody tr[data-scope=scope2]")).to_contain_text("made up for tests")
    expect(page.locator("#scenario-table tbody tr")).to_have_count(3)
    expect(page.locator("#scenario-table tr[data-scenario=eaf-30]")).to_have_class(re.compile("better"))
    expect(page.locator("#scenario-chart svg.chart.bars")).to_have_attribute("data-bars", "3")
    expect(page.locator("#scenario-chart g.bar-row[data-key=baseline]")).to_have_attribute("data-dir", "base")
    expect(page.locator("#price-list li")).to_have_count(1)
    expect(page.locator("#price-list li").first).to_contain_text("assumption")

    # Korean: labels, the bill's Korean item names, the bands
    page.click("#lang-toggle")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    for ko in ["에너지·탄소", "부하와 익일 예측", "월별 전기요금", "생산 일정", "탄소중립 경로", "경부하", "최대부하"]:
        expect(page.locator("body")).to_contain_text(ko)
    expect(page.locator("#bill-table tbody tr[data-code=demand]")).to_contain_text("기본요금")
    expect(page.locator("#bill-table tfoot tr[data-code=total]")).to_contain_text("청구금액")
    expect(page.locator("#show-as-is")).to_have_text("현행")
    expect(page.locator("#bill-table")).to_have_attribute("data-month", "2026-01")  # the choice survives
    page.screenshot(path=str(shots / "energy_ko.png"), full_page=True)
    ctx.close()
    assert not problems, problems


def test_preparing_then_ready(browser, served, new_page):
    from playwright.sync_api import expect

    problems: list[str] = []
    app = served["app"]
    service = app.state.services.pop("energy")
    app.state.progress = {"stage": "energy: optimising the schedule", "fraction": 0.6}
    try:
        ctx, page = new_page(browser, problems)
        page.goto(served["url"] + "/energy?lang=en&poll=700")
        page.wait_for_selector("#preparing:not([hidden])")
        expect(page.locator("#progress-stage")).to_contain_text("optimising")
        expect(page.locator("#energy")).to_be_hidden()
        app.state.services["energy"] = service
        expect(page.locator("#load-chart svg.chart.load")).to_have_attribute("data-points", str(3 * 96))
        expect(page.locator("#preparing")).to_be_hidden()
        ctx.close()
    finally:
        app.state.services["energy"] = service
    assert problems and all("503" in p for p in problems), problems


def test_an_api_error_is_shown(browser, served, new_page):
    from playwright.sync_api import expect

    class Broken(FakeEnergyService):
        def carbon(self):
            raise RuntimeError("boom")

    problems: list[str] = []
    app = served["app"]
    service = app.state.services["energy"]
    app.state.services["energy"] = Broken()
    try:
        ctx, page = new_page(browser, problems)
        page.goto(served["url"] + "/energy?lang=en")
        expect(page.locator("#error")).to_be_visible()
        expect(page.locator("#error")).to_contain_text("Could not load data")
        expect(page.locator("#load-chart svg.chart.load")).to_have_attribute("data-points", str(3 * 96))
        ctx.close()
    finally:
        app.state.services["energy"] = service
    assert problems and all("500" in p for p in problems), problems
