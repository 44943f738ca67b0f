"""The battery page in a real browser (Debian chromium driven by Playwright) with a small real BatteryService.

Skipped when chromium is not installed, unless ``BESSEMER_REQUIRE_BROWSER=1``. Set
``BESSEMER_SCREENSHOTS=<dir>`` to keep the screenshots; otherwise they go to pytest's tmp dir.
Every check waits with ``expect(...)``: the page loads asynchronously, so a read-once assert would race it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bessemer.industry.battery import validate_passport
from bessemer.industry.battery.testing import small_battery_service

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def served(serve_service):
    with serve_service("battery", small_battery_service()) as s:
        yield s


def test_fleet_chart_reasons_recovery_passport_and_korean(browser, served, shots, new_page):
    from playwright.sync_api import expect

    svc = served["service"]
    body = svc.cells()
    ids = [r["cell"] for r in body["data"]]
    problems: list[str] = []
    ctx, page = new_page(browser, problems)
    page.goto(served["url"] + "/battery?lang=en")

    # header: the cells, the model's held-out figures, the passports
    expect(page.locator("#b-count")).to_have_text("3")
    expect(page.locator("#b-rmse")).to_contain_text("RMSE")
    expect(page.locator("#b-passports")).to_contain_text("1 / 3")

    # the fleet table: one row per cell with its SOH interval, grade badge and cycles left
    rows = page.locator("#cell-table tbody tr.cell-row")
    expect(rows).to_have_count(3)
    for r in body["data"]:
        row = page.locator(f"#cell-table tr[data-cell={r['cell']}]")
        expect(row.locator("td.grade .badge")).to_have_attribute("data-grade", r["grade"])
        expect(row.locator("td.soh")).to_contain_text(f"{r['soh_lower_pct']:.1f}–{r['soh_upper_pct']:.1f}")
        if r["cycles_to_80"]["status"] == "reached":
            expect(row.locator("td.to80")).to_have_text("already below")
    expect(page.locator(f"#cell-table tr[data-cell={ids[0]}] td.passport")).to_contain_text("Complete")
    expect(page.locator(f"#cell-table tr[data-cell={ids[2]}] td.passport")).to_contain_text("Draft")

    # the first cell is shown at once: its chart draws the trajectory, the band, the measured points and the lines
    detail = page.locator("#cell-detail")
    expect(detail).to_be_visible()
    expect(detail).to_have_attribute("data-cell", ids[0])
    svg = page.locator("#soh-chart svg.chart.soh")
    n0 = len(svc.cell(ids[0])["trajectory"])
    expect(svg).to_have_attribute("data-points", str(n0))
    expect(svg).to_have_attribute("data-measured", str(n0))
    expect(svg.locator("path.band")).to_have_count(1)
    expect(svg.locator("path.line.estimate")).to_have_count(1)
    expect(svg.locator("g.threshold")).to_have_count(2)
    expect(svg.locator("g.threshold[data-pct='80'] line.limit")).to_have_count(1)
    expect(svg.locator("circle.measured-point")).to_have_count(n0)
    expect(page.locator("#eol-list li")).to_have_count(2)

    # a click on the spent cell: its reasons, the recovered materials against 2027 / 2031 and the draft passport
    page.click(f"#cell-table tr[data-cell={ids[2]}]")
    expect(detail).to_have_attribute("data-cell", ids[2])
    d = svc.cell(ids[2])
    expect(svg).to_have_attribute("data-points", str(len(d["trajectory"])))
    expect(page.locator("#grade-reasons tbody tr")).to_have_count(len(d["reasons"]))
    expect(page.locator("#grade-reasons tr[data-code=soh_lower_bound]")).to_contain_text("SOH, lower end")
    expect(page.locator("#recovery-table tr[data-element=Li] td.target-2027")).to_contain_text("50%")
    expect(page.locator("#recovery-table tr[data-element=Li] td.target-2031")).to_contain_text("80%")
    expect(page.locator("#passport-missing li")).to_have_count(len(d["missing"]))
    expect(page.locator("#passport-missing li").first).to_have_text(d["missing"][0])
    expect(page.locator("#passport-status")).to_contain_text("Draft")
    page.screenshot(path=str(shots / "battery_en.png"), full_page=True)

    # the passport link downloads the draft as JSON, with its missing attributes listed
    with page.expect_download() as info:
        page.click("#passport-link")
    dl = info.value
    assert dl.suggested_filename == f"{ids[2]}-passport.json"
    doc = json.loads(Path(dl.path()).read_text(encoding="utf-8"))
    assert doc["passport_status"] == "draft" and doc["missing"] == d["missing"]

    # back to the complete cell: its passport downloads and validates
    page.click(f"#cell-table tr[data-cell={ids[0]}]")
    expect(detail).to_have_attribute("data-cell", ids[0])
    expect(page.locator("#passport-missing li")).to_have_count(0)
    with page.expect_download() as info:
        page.click("#passport-link")
    doc = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert doc["passport_status"] == "complete" and validate_passport(doc) == []

    # Korean: labels, grade names and the grade's reasons
    page.click("#lang-toggle")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    for ko in ["배터리", "건전성(SOH) 순 셀", "등급 판정 근거", "EU 목표 대비 예상 회수 물질", "여권 내려받기"]:
        expect(page.locator("body")).to_contain_text(ko)
    first_grade = body["data"][0]["grade_ko"]
    expect(page.locator(f"#cell-table tr[data-cell={ids[0]}] td.grade")).to_have_text(first_grade)
    expect(page.locator("#grade-reasons tr[data-code=soh_lower_bound]")).to_contain_text(re.compile("구간 하한"))
    expect(detail).to_have_attribute("data-cell", ids[0])  # the choice survives
    page.screenshot(path=str(shots / "battery_ko.png"), full_page=True)
    ctx.close()
    assert not problems, problems


def test_preparing_then_ready(browser, served, new_page):
    from playwright.sync_api import expect

    problems: list[str] = []
    app = served["app"]
    service = app.state.services.pop("battery")
    app.state.progress = {"stage": "battery: fitting the state-of-health estimator", "fraction": 0.2}
    try:
        ctx, page = new_page(browser, problems)
        page.goto(served["url"] + "/battery?lang=en&poll=700")
        page.wait_for_selector("#preparing:not([hidden])")
        expect(page.locator("#progress-stage")).to_contain_text("state-of-health")
        expect(page.locator("#battery")).to_be_hidden()
        app.state.services["battery"] = service
        expect(page.locator("#cell-table tbody tr.cell-row")).to_have_count(3)
        expect(page.locator("#preparing")).to_be_hidden()
        ctx.close()
    finally:
        app.state.services["battery"] = service
    assert problems and all("503" in p for p in problems), problems
