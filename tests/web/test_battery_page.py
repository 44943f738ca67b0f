"""The battery page over TestClient (no browser): shell, CSP, nav link, script, strings in both languages."""

from __future__ import annotations

import re
import warnings

import pytest

from bessemer.api import create_app
from bessemer.api.testing import demo_store
from bessemer.core import Settings
from bessemer.industry.battery import GRADES, load_routes
from bessemer.web import STATIC_DIR, TEMPLATES_DIR

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette prefers httpx2 (a UserWarning); not ours to fix
    from starlette.testclient import TestClient


@pytest.fixture(scope="module")
def client():
    store = demo_store(hours=6)
    app = create_app(Settings(language="en"), store=store, services={})  # the page is a shell: no service needed
    with TestClient(app) as c:
        yield c
    store.close()


def test_battery_page_is_html_with_csp(client):
    r = client.get("/battery")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    for part in ['data-page="battery"', 'id="cell-table"', 'id="cell-detail"', 'id="soh-chart"', 'id="eol-list"',
                 'id="grade-reasons"', 'id="recovery-table"', 'id="passport-link"', 'id="passport-missing"',
                 'id="preparing"', 'id="error"', '<script defer src="/static/battery.js']:
        assert part in r.text, part
    assert "<script>" not in r.text and " style=" not in r.text  # nothing inline: the CSP would block it


def test_language_from_the_query(client):
    assert 'data-lang="ko"' in client.get("/battery?lang=ko").text
    assert 'data-lang="en"' in client.get("/battery?lang=en").text


@pytest.mark.parametrize("page", ["/", "/process", "/energy", "/quality", "/battery"])
def test_every_page_links_to_the_battery_page(client, page):
    text = client.get(page).text
    assert '<a href="/battery" data-i18n="battery_nav">Batteries</a>' in text


def test_battery_script_is_served_and_reads_the_api(client, starts_shared_progress):
    r = client.get("/static/battery.js")
    assert r.status_code == 200
    for call in ["/api/battery/cells", "/api/battery/cells/", "/passport"]:
        assert call in r.text, call
    assert "innerHTML" not in r.text  # text only: no markup from the API
    starts_shared_progress(client, r.text, "battery")



def test_every_battery_string_is_in_both_languages(i18n_keys):
    js = (STATIC_DIR / "battery.js").read_text(encoding="utf-8")
    used = set(re.findall(r'T\("([A-Za-z_0-9]+)"\)', js))
    used |= {f"b_grade_{g}" for g in GRADES}  # T("b_grade_" + g)
    used |= {f"b_status_{r.status}" for r in load_routes().values()} | {"b_status_measured", "b_status_declared"}
    used |= {"b_basis_assumed", "b_basis_declared"}  # T("b_basis_" + basis)
    used |= {f"b_el_{e}" for e in ("Li", "Co", "Ni", "Cu")}  # T("b_el_" + element)
    html = (TEMPLATES_DIR / "battery.html").read_text(encoding="utf-8")
    used |= set(re.findall(r'data-i18n="([^"]+)"', html))
    used |= set(re.findall(r'data-i18n="([^"]+)"', (TEMPLATES_DIR / "base.html").read_text(encoding="utf-8")))
    assert {"battery_nav", "battery_title", "b_fleet_title", "b_trajectory", "b_download", "b_missing_hint"} <= used
    for lang in ("en", "ko"):
        missing = used - i18n_keys(lang)
        assert not missing, (lang, missing)
    ko = (STATIC_DIR / "i18n.js").read_text(encoding="utf-8")
    for word in ["배터리", "재사용", "용도 전환", "재활용", "배터리 여권", "필수 항목", "리튬"]:
        assert word in ko, word
