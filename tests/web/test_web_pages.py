"""Dashboard pages and static files over TestClient (no browser)."""

from __future__ import annotations

import re
import warnings

import pytest

from bessemer.api import create_app
from bessemer.api.testing import FakeMaintenanceService, demo_store
from bessemer.core import Settings
from bessemer.web import STATIC_DIR, TEMPLATES_DIR

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette prefers httpx2 (a UserWarning); not ours to fix
    from starlette.testclient import TestClient


@pytest.fixture
def client():
    store = demo_store(hours=6)
    app = create_app(Settings(language="ko"), store=store, services={"maintenance": FakeMaintenanceService(store)})
    with TestClient(app) as c:
        yield c
    store.close()


def test_fleet_page_is_html_with_csp(client):
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert 'data-page="fleet"' in r.text and 'id="fleet-table"' in r.text and 'id="lang-toggle"' in r.text


def test_language_from_settings_and_query(client):
    assert 'data-lang="ko"' in client.get("/").text  # Settings(language="ko")
    assert 'data-lang="en"' in client.get("/?lang=en").text
    assert 'data-lang="ko"' in client.get("/?lang=xx").text  # unknown falls back to the setting


def test_asset_page_and_missing_asset(client):
    r = client.get("/assets/fan-1")
    assert r.status_code == 200 and 'data-asset="fan-1"' in r.text and 'id="rul-chart"' in r.text
    r = client.get("/assets/ghost")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "ghost" in r.text


def test_asset_id_is_escaped(client):
    r = client.get("/assets/%22onmouseover=alert(1)")
    assert r.status_code == 404
    assert '"onmouseover' not in r.text


def test_static_files_are_served(client):
    for name in ["app.js", "i18n.js", "charts.js", "app.css"]:
        r = client.get(f"/static/{name}")
        assert r.status_code == 200, name
        assert len(r.text) > 500


def test_no_cdn_or_external_urls():
    ext = re.compile(r"""(src|href)\s*=\s*["']?(https?:)?//""", re.I)
    for path in [*STATIC_DIR.rglob("*"), *TEMPLATES_DIR.rglob("*")]:
        if path.is_file() and path.suffix in {".html", ".js", ".css"}:
            text = path.read_text(encoding="utf-8")
            assert not ext.search(text), f"{path.name} loads something from another host"
            assert "fetch(\"http" not in text and "url(http" not in text, path.name


def test_every_ui_string_has_both_languages():
    text = (STATIC_DIR / "i18n.js").read_text(encoding="utf-8")
    blocks = re.findall(r"(en|ko): \{(.*?)\n    \}", text, re.S)
    keys = {lang: {a or b for a, b in re.findall(r'(?:"([^"]+)"|\b([A-Za-z_]+))\s*:\s*"', body)}
            for lang, body in blocks}
    assert keys["en"] and keys["en"] == keys["ko"], keys["en"] ^ keys["ko"]
    used = set()
    for tpl in TEMPLATES_DIR.glob("*.html"):
        used |= set(re.findall(r'data-i18n="([^"]+)"', tpl.read_text(encoding="utf-8")))
    used |= set(re.findall(r'T\("([a-z_]+)"\)', (STATIC_DIR / "app.js").read_text(encoding="utf-8")))
    assert used <= keys["en"], used - keys["en"]
    for ko in ["잔여 수명", "건전성", "위험도", "설비", "정비 계획"]:
        assert ko in text
