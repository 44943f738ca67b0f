"""The process-monitoring page over TestClient (no browser): shell, CSP, missing unit, strings."""

from __future__ import annotations

import re
import warnings

import pytest

from bessemer.api import create_app
from bessemer.api.testing import demo_store
from bessemer.core import Settings
from bessemer.industry.process.testing import FakeProcessService
from bessemer.web import STATIC_DIR, TEMPLATES_DIR

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette prefers httpx2 (a UserWarning); not ours to fix
    from starlette.testclient import TestClient


@pytest.fixture
def store():
    s = demo_store(hours=6)
    yield s
    s.close()


@pytest.fixture
def client(store):
    app = create_app(Settings(language="en"), store=store, services={"process": FakeProcessService()})
    with TestClient(app) as c:
        yield c


def test_process_page_is_html_with_csp(client):
    r = client.get("/process")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    for part in ['data-page="process"', 'data-unit=""', 'id="stat-charts"', 'id="contrib-chart"', 'id="alarm-table"',
                 'id="fault-select"', 'id="inject-btn"', 'id="clear-btn"', 'type="password" id="token"',
                 '<script defer src="/static/process.js']:
        assert part in r.text, part
    assert "<script>" not in r.text and " style=" not in r.text  # nothing inline: the CSP would block it


def test_unit_page_and_missing_unit(client):
    r = client.get("/process/rhf-1")
    assert r.status_code == 200 and 'data-unit="rhf-1"' in r.text
    r = client.get("/process/ghost")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "ghost" in r.text and 'data-page="missing"' in r.text
    assert "default-src 'self'" in r.headers["content-security-policy"]


def test_unit_is_escaped(client):
    r = client.get("/process/%22onmouseover=alert(1)")
    assert r.status_code == 404 and '"onmouseover' not in r.text


def test_unit_page_renders_while_the_service_is_prepared(store):
    app = create_app(Settings(), store=store, services={})
    with TestClient(app) as c:
        r = c.get("/process/rhf-1")  # no service yet: cannot tell, the page shows progress instead
        assert r.status_code == 200 and 'id="preparing"' in r.text


def test_nav_links_to_the_process_page(client):
    assert 'href="/process"' in client.get("/").text


def test_process_script_and_chart_functions_are_served(client):
    r = client.get("/static/process.js")
    assert r.status_code == 200 and "/api/process/units" in r.text
    assert "sessionStorage" in r.text and "Authorization" in r.text
    charts = client.get("/static/charts.js").text
    assert "BChart.control = control" in charts and "BChart.bars = bars" in charts


def test_token_never_goes_into_a_url():
    js = (STATIC_DIR / "process.js").read_text(encoding="utf-8")
    assert "localStorage" not in js  # the token is kept per tab only
    assert not re.search(r"[?&]token=", js)
    html = (TEMPLATES_DIR / "process.html").read_text(encoding="utf-8")
    assert "<form" not in html  # a GET form would put the token into the URL



def test_every_process_string_is_in_both_languages(i18n_keys):
    js = (STATIC_DIR / "process.js").read_text(encoding="utf-8")
    used = set(re.findall(r'T\("([a-z_0-9]+)"\)', js))
    used |= set(re.findall(r'key: "([a-z_]+)"', js))  # messages shown through T(message.key)
    used |= {f"state_{s}" for s in ("normal", "alarm", "sensor_fault", "warming_up")}  # T("state_" + state)
    used |= {f"kind_{k}" for k in ("process", "sensor")}  # T("kind_" + kind)
    used |= set(re.findall(r'data-i18n="([^"]+)"', (TEMPLATES_DIR / "process.html").read_text(encoding="utf-8")))
    assert {"process_title", "need_token", "injected", "unknown_fault"} <= used
    for lang in ("en", "ko"):
        assert used <= i18n_keys(lang), (lang, used - i18n_keys(lang))
    ko = (STATIC_DIR / "i18n.js").read_text(encoding="utf-8")
    for word in ["공정 감시", "경보", "관리 한계", "주요 기여 변수", "고장 주입"]:
        assert word in ko
