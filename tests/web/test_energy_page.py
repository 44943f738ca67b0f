"""The energy page over TestClient (no browser): shell, CSP, nav link, scripts, strings in both languages."""

from __future__ import annotations

import re
import warnings

import pytest

from bessemer.api import create_app
from bessemer.api.testing import demo_store
from bessemer.core import Settings
from bessemer.industry.energy.testing import FakeEnergyService
from bessemer.web import STATIC_DIR, TEMPLATES_DIR

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette prefers httpx2 (a UserWarning); not ours to fix
    from starlette.testclient import TestClient


@pytest.fixture(scope="module")
def client():
    store = demo_store(hours=6)
    app = create_app(Settings(language="en"), store=store, services={"energy": FakeEnergyService()})
    with TestClient(app) as c:
        yield c
    store.close()


def test_energy_page_is_html_with_csp(client):
    r = client.get("/energy")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    for part in ['data-page="energy"', 'id="load-chart"', 'id="month-select"', 'id="bill-table"', 'id="gantt-chart"',
                 'id="schedule-load-chart"', 'id="show-as-is"', 'id="ledger-table"', 'id="scenario-table"',
                 'id="scenario-chart"', 'id="preparing"', 'id="error"', '<script defer src="/static/energy.js']:
        assert part in r.text, part
    assert "<script>" not in r.text and " style=" not in r.text  # nothing inline: the CSP would block it


def test_language_from_the_query(client):
    assert 'data-lang="ko"' in client.get("/energy?lang=ko").text
    assert 'data-lang="en"' in client.get("/energy?lang=en").text


def test_page_renders_while_the_service_is_prepared():
    store = demo_store(hours=6)
    app = create_app(Settings(), store=store, services={})
    with TestClient(app) as c:
        r = c.get("/energy")  # the page shows progress until the API answers
        assert r.status_code == 200 and 'id="preparing"' in r.text
    store.close()


@pytest.mark.parametrize("page", ["/", "/process", "/energy"])
def test_every_page_links_to_the_energy_page(client, page):
    assert 'href="/energy"' in client.get(page).text


def test_energy_script_and_chart_functions_are_served(client, starts_shared_progress):
    r = client.get("/static/energy.js")
    assert r.status_code == 200
    for call in ["/api/energy/overview", "/api/energy/load?days=", "/api/energy/bills", "/api/energy/schedule",
                 "/api/energy/carbon"]:
        assert call in r.text, call
    charts = client.get("/static/charts.js").text
    for fn in ["BChart.load = load", "BChart.gantt = gantt", "BChart.control = control", "BChart.bars = bars",
               "BChart = {line: line}"]:
        assert fn in charts, fn  # the new charts, and the ones other pages use
    assert "innerHTML" not in r.text and "innerHTML" not in charts  # text only: no markup from the API
    starts_shared_progress(client, r.text, "energy")



def test_every_energy_string_is_in_both_languages(i18n_keys):
    js = (STATIC_DIR / "energy.js").read_text(encoding="utf-8")
    used = set(re.findall(r'T\("([a-z_0-9]+)"\)', js))
    used |= {f"band_{b}" for b in ("light", "medium", "maximum")}  # T("band_" + band)
    used |= {f"scope_{s}" for s in ("one", "two", "route", "memo")}  # SCOPE_KEYS
    used |= {f"e_adder_{a}" for a in ("climate_environment", "fuel_cost_adjustment")}  # T("e_adder_" + key)
    used |= {f"status_{s}" for s in ("confirmed", "secondary", "derived", "unconfirmed", "optimal", "time_limit",
                                     "feasible")}  # statusText(s)
    html = (TEMPLATES_DIR / "energy.html").read_text(encoding="utf-8")
    used |= set(re.findall(r'data-i18n="([^"]+)"', html))
    used |= set(re.findall(r'data-i18n="([^"]+)"', (TEMPLATES_DIR / "base.html").read_text(encoding="utf-8")))
    assert {"energy_title", "e_load_title", "e_bill_title", "e_schedule_title", "e_ledger_title", "energy_nav"} <= used
    for lang in ("en", "ko"):
        missing = used - i18n_keys(lang)
        assert not missing, (lang, missing)
    ko = (STATIC_DIR / "i18n.js").read_text(encoding="utf-8")
    for word in ["에너지", "경부하", "중간부하", "최대부하", "전기요금계", "청구금액", "탄소중립 경로", "기본요금"]:
        assert word in ko, word
