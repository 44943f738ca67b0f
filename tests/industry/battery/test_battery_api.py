"""The /api/battery routes over TestClient with a small real BatteryService: list, detail, passport download,
schema, 404, hostile ids, 503 while preparing, site-limited and viewer tokens."""

from __future__ import annotations

import json
import warnings

import pytest
from fastapi import FastAPI
from jsonschema import Draft202012Validator

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette prefers httpx2 (a UserWarning); not ours to fix
    from starlette.testclient import TestClient

from bessemer.api import create_app, create_token
from bessemer.api.testing import demo_store, with_domain_routes
from bessemer.core import Settings, load_domains
from bessemer.industry.battery import passport_schema, validate_passport
from bessemer.industry.battery._api import BatteryServiceProtocol, battery_routers
from bessemer.industry.battery._service import BatteryService
from bessemer.industry.battery.testing import small_battery_service

B = "/api/battery"
SECRET = "test-secret-not-for-production"


def with_battery_routes(app: FastAPI) -> FastAPI:
    return with_domain_routes(app, "battery", battery_routers)


@pytest.fixture(scope="module")
def store():
    s = demo_store(hours=6)
    yield s
    s.close()


@pytest.fixture(scope="module")
def service() -> BatteryService:
    return small_battery_service()


@pytest.fixture(scope="module")
def client(store, service):
    app = with_battery_routes(create_app(Settings(), store=store, services={"battery": service}))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def ids(service) -> list[str]:
    return [r["cell"] for r in service.cells()["data"]]


def test_the_domain_plugs_its_routes_in():
    dom = load_domains()["battery"]
    assert dom.routers is battery_routers and dom.title_ko == "배터리"


def test_the_service_has_every_protocol_method():
    names = {n for n in vars(BatteryServiceProtocol) if not n.startswith("_")}
    assert names == {"cells", "cell", "passport", "updated"}
    assert all(callable(getattr(BatteryService, n, None)) for n in names)


def test_routes_are_get_only_under_the_battery_tag(client):
    paths = {p: v for p, v in client.get("/openapi.json").json()["paths"].items() if p.startswith(B)}
    assert set(paths) == {f"{B}/cells", f"{B}/cells/{{cell_id}}", f"{B}/cells/{{cell_id}}/passport", f"{B}/schema"}
    assert all(set(v) == {"get"} for v in paths.values())
    assert all(v["get"]["tags"] == ["battery"] for v in paths.values())


def test_list_of_cells(client, service):
    body = client.get(f"{B}/cells").json()
    assert body["count"] == len(body["data"]) == 3
    assert body == json.loads(json.dumps(service.cells()))  # the service's answer, as JSON
    r = body["data"][0]
    assert {"cell", "chemistry", "soh_pct", "soh_lower_pct", "soh_upper_pct", "grade", "cycles_to_80",
            "cycles_to_70", "passport_status"} <= set(r)
    assert r["soh_lower_pct"] <= r["soh_pct"] <= r["soh_upper_pct"]
    assert set(r["cycles_to_80"]) >= {"remaining", "remaining_lower", "remaining_upper", "status"}


def test_one_cell(client, ids):
    d = client.get(f"{B}/cells/{ids[1]}").json()
    assert d["cell"] == ids[1] and len(d["trajectory"]) == d["discharges"] == 40
    t = d["trajectory"][-1]
    assert set(t) == {"discharge", "measured_ah", "estimate_ah", "lower_ah", "upper_ah"}
    assert all(x["message_en"] and x["message_ko"] for x in d["reasons"])
    li = next(e for e in d["recovery"]["elements"] if e["element"] == "Li")
    assert [x["applies_from"][:4] for x in li["targets"]] == ["2027", "2031"]


def test_passport_download_of_a_complete_cell_validates(client, ids):
    r = client.get(f"{B}/cells/{ids[0]}/passport")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert r.headers["content-disposition"] == f'attachment; filename="{ids[0]}-passport.json"'
    doc = r.json()
    assert doc["passport_status"] == "complete" and doc["missing"] == []
    assert validate_passport(doc) == []


def test_passport_download_of_a_draft_lists_what_is_missing(client, ids):
    doc = client.get(f"{B}/cells/{ids[2]}/passport").json()
    assert doc["passport_status"] == "draft" and doc["missing"]
    problems = validate_passport(doc, raise_errors=False)
    assert problems == [f"{m}: missing mandatory attribute" for m in doc["missing"]]
    assert client.get(f"{B}/cells/{ids[2]}").json()["missing"] == doc["missing"]


def test_schema(client):
    s = client.get(f"{B}/schema").json()
    assert s == passport_schema()
    Draft202012Validator.check_schema(s)


@pytest.mark.parametrize("path", ["/cells/ghost-1", "/cells/ghost-1/passport"])
def test_unknown_cell_is_404_naming_it(client, path):
    r = client.get(B + path)
    assert r.status_code == 404
    assert r.json()["error"]["type"] == "NotFoundError" and "ghost-1" in r.json()["error"]["message"]


HOSTILE = ["..%2F..%2Fetc%2Fpasswd", "%3Cscript%3E", "cell-05%00", "' OR 1=1 --", "A" * 300, "%E2%80%AEcell",
           "cell 05", "%2e%2e", "-cell", 'a"b']


@pytest.mark.parametrize("cell", HOSTILE)
def test_hostile_cell_ids_are_4xx_never_500(client, cell):
    for suffix in ("", "/passport"):
        r = client.get(f"{B}/cells/{cell}{suffix}")
        assert 400 <= r.status_code < 500, (cell, r.status_code, r.text)


def test_503_while_the_service_is_prepared(store, service, ids):
    app = with_battery_routes(create_app(Settings(), store=store, services={}))
    app.state.progress = {"stage": "battery: fitting the state-of-health estimator", "fraction": 0.2}
    with TestClient(app, raise_server_exceptions=False) as c:
        for path in ["/cells", f"/cells/{ids[0]}", f"/cells/{ids[0]}/passport"]:
            r = c.get(B + path)
            assert r.status_code == 503, path
            assert "battery" in r.json()["error"]["message"] and "fitting" in r.json()["error"]["message"]
        assert c.get(f"{B}/schema").status_code == 200  # a fixed document: no service needed
        app.state.services["battery"] = service
        assert c.get(f"{B}/cells").status_code == 200


def test_tokens_site_limited_refused_viewer_allowed(store, service, ids):
    settings = Settings(secret=SECRET, auth_reads=True)
    site = create_token(store, name="battery-site-viewer", role="viewer", site="pohang", settings=settings)
    viewer = create_token(store, name="battery-viewer", role="viewer", settings=settings)
    app = with_battery_routes(create_app(settings, store=store, services={"battery": service}))
    with TestClient(app, raise_server_exceptions=False) as c:
        for path in ["/cells", f"/cells/{ids[0]}", f"/cells/{ids[0]}/passport", "/schema"]:
            assert c.get(B + path).status_code == 401, path  # reads need a token here
            r = c.get(B + path, headers={"Authorization": f"Bearer {site}"})
            assert r.status_code == 403 and "pohang" in r.json()["error"]["message"], path
            assert c.get(B + path, headers={"Authorization": f"Bearer {viewer}"}).status_code == 200, path


def test_a_broken_service_is_a_json_500_without_details(store):
    class Broken:
        def cells(self):
            raise RuntimeError("secret internals")

    app = with_battery_routes(create_app(Settings(), store=store, services={"battery": Broken()}))
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get(f"{B}/cells")
        assert r.status_code == 500 and "secret" not in r.text
        assert r.json()["error"]["type"] == "InternalError"
