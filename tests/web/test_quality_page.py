"""The quality page over TestClient (no browser): shell, CSP, nav link, scripts, strings in both languages."""

from __future__ import annotations

import re
import warnings

import pytest

from bessemer.api import create_app
from bessemer.api.testing import demo_store
from bessemer.core import Settings
from bessemer.industry.quality.testing import FakeQualityService
from bessemer.web import STATIC_DIR, TEMPLATES_DIR

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette prefers httpx2 (a UserWarning); not ours to fix
    from starlette.testclient import TestClient


@pytest.fixture(scope="module")
def client():
    store = demo_store(hours=6)
    app = create_app(Settings(language="en"), store=store, services={"quality": FakeQualityService()})
    with TestClient(app) as c:
        yield c
    store.close()


def test_quality_page_is_html_with_csp(client):
    r = client.get("/quality")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "img-src 'self'" in csp
    for part in ['data-page="quality"', 'id="risk-table"', 'id="coil-detail"', 'id="detail-probs"',
                 'id="importance-chart"', 'id="image-grid"', 'id="confusion-table"', 'id="spc-charts"',
                 'id="preparing"', 'id="error"', '<script defer src="/static/quality.js']:
        assert part in r.text, part
    assert "<script>" not in r.text and " style=" not in r.text  # nothing inline: the CSP would block it


def test_language_from_the_query(client):
    assert 'data-lang="ko"' in client.get("/quality?lang=ko").text
    assert 'data-lang="en"' in client.get("/quality?lang=en").text


def test_page_renders_while_the_service_is_prepared():
    store = demo_store(hours=6)
    app = create_app(Settings(), store=store, services={})
    with TestClient(app) as c:
        r = c.get("/quality")  # the page shows progress until the API answers
        assert r.status_code == 200 and 'id="preparing"' in r.text
    store.close()


@pytest.mark.parametrize("page", ["/", "/process", "/energy", "/quality"])
def test_every_page_links_to_the_quality_page(client, page):
    assert 'href="/quality"' in client.get(page).text


def test_quality_script_and_chart_functions_are_served(client, starts_shared_progress):
    r = client.get("/static/quality.js")
    assert r.status_code == 200
    for call in ["/api/quality/overview", "/api/quality/coils?limit=", "/api/quality/coils/", "/api/quality/importance",
                 "/api/quality/surfaces", "/api/quality/spc"]:
        assert call in r.text, call
    charts = client.get("/static/charts.js").text
    for fn in ["BChart.spc = spc", "BChart.load = load", "BChart.gantt = gantt", "BChart.control = control",
               "BChart.bars = bars", "BChart = {line: line}"]:
        assert fn in charts, fn  # the new chart, and the ones other pages use
    assert "innerHTML" not in r.text and "innerHTML" not in charts  # text only: no markup from the API
    starts_shared_progress(client, r.text, "quality")



def test_every_quality_string_is_in_both_languages(i18n_keys):
    js = (STATIC_DIR / "quality.js").read_text(encoding="utf-8")
    used = set(re.findall(r'T\("([a-z_0-9]+)"\)', js))
    used |= {f"q_kind_{k}" for k in ("individuals", "ewma", "cusum", "xbar_r")}  # T("q_kind_" + kind)
    used |= {f"q_rules_{r}" for r in ("nelson", "western_electric", "limit", "custom")}  # T("q_rules_" + rules)
    used |= {f"q_class_{c}" for c in ("none", "scale", "edge_crack", "surface_scratch", "crazing", "inclusion",
                                      "patches", "pitted", "rolled", "scratches")}  # cls(c)
    html = (TEMPLATES_DIR / "quality.html").read_text(encoding="utf-8")
    used |= set(re.findall(r'data-i18n="([^"]+)"', html))
    used |= set(re.findall(r'data-i18n="([^"]+)"', (TEMPLATES_DIR / "base.html").read_text(encoding="utf-8")))
    assert {"quality_title", "quality_nav", "q_risk_title", "q_images_title", "q_spc_title", "q_needs_person"} <= used
    for lang in ("en", "ko"):
        missing = used - i18n_keys(lang)
        assert not missing, (lang, missing)
    ko = (STATIC_DIR / "i18n.js").read_text(encoding="utf-8")
    for word in ["품질", "결함 위험도", "사람 확인 필요", "관리상한", "혼동 행렬", "에지 크랙", "압입 스케일"]:
        assert word in ko, word


def test_classes_of_the_models_have_names_in_both_languages(i18n_keys):
    """Every class the coil generator and the surface images use has a translated name (no raw ids on the page)."""
    from bessemer.industry.quality._coils import DEFECTS

    keys_en, keys_ko = i18n_keys("en"), i18n_keys("ko")
    classes = list(DEFECTS)
    from bessemer.datasets._neu import NEU_CLASSES

    classes += list(NEU_CLASSES) + FakeQualityService().surfaces()["classes"]
    for c in classes:
        key = "q_class_" + re.sub(r"[^A-Za-z0-9]", "_", c).lower()
        assert key in keys_en and key in keys_ko, c
