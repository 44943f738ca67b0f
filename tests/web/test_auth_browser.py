"""The dashboard on a server that needs a token for reads: the token bar, then the data (real chromium)."""

from __future__ import annotations

import pytest

from bessemer.api import create_app
from bessemer.api._tokens import create_token
from bessemer.api.testing import FakeMaintenanceService, demo_store
from bessemer.core import Settings

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_token_bar_then_data_and_the_token_stays_out_of_urls(browser, serve_app, shots, new_page):
    from playwright.sync_api import expect

    settings = Settings(language="en", auth_reads=True, secret="browser-test-key")
    store = demo_store(hours=12)
    viewer = create_token(store, name="nurse-desk", role="viewer", settings=settings)
    app = create_app(settings, store=store, services={"maintenance": FakeMaintenanceService(store)})
    try:
        with serve_app(app) as url:
            problems: list[str] = []
            ctx, page = new_page(browser, problems)
            requests: list[tuple[str, str | None]] = []
            page.on("request", lambda r: requests.append((r.url, r.headers.get("authorization"))))
            page.goto(url + "/")
            expect(page.locator("#auth-bar")).to_be_visible()
            expect(page.locator("#auth-msg")).to_contain_text("needs an API token")
            expect(page.locator("#fleet-table tbody tr")).to_have_count(0)
            page.screenshot(path=str(shots / "auth_bar_en.png"), full_page=True)

            page.fill("#auth-token", "not-a-token")
            page.click("#auth-bar button")
            expect(page.locator("#auth-msg")).to_contain_text("refused")

            page.fill("#auth-token", viewer)
            page.click("#auth-bar button")
            expect(page.locator("#fleet-table tbody tr")).to_have_count(3)
            expect(page.locator("#auth-bar")).to_be_hidden()
            page.click("a.asset-link:text-is('fan-1')")  # the next page reads with the tab's token too
            page.wait_for_selector("#trends svg.chart")
            expect(page.locator("#auth-bar")).to_be_hidden()
            ctx.close()
    finally:
        store.close()
    assert all(viewer not in u for u, _ in requests)  # never in a URL
    api_calls = [a for u, a in requests if "/api/assets" in u]
    assert api_calls and api_calls[-1] == f"Bearer {viewer}"
    # the only failures are the refused reads before a good token was typed
    assert problems and all(p.startswith("401 ") for p in problems if not p.startswith("Failed to load")), problems
