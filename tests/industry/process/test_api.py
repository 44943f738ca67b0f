"""The /api/process routes over TestClient with FakeProcessService: reads, 404, 503, tokens, validation."""

from __future__ import annotations

import warnings

import pytest
from fastapi import FastAPI

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette prefers httpx2 (a UserWarning); not ours to fix
    from starlette.testclient import TestClient

from bessemer.api import create_app, create_token
from bessemer.api.testing import demo_store
from bessemer.core import Settings, load_domains
from bessemer.industry.process._api import MAX_LAST, ProcessServiceProtocol, process_routers
from bessemer.industry.process.testing import FakeProcessService

SECRET = "test-secret-not-for-production"
U = "/api/process/units/rhf-1"
GETS = ["/variables", "/scores", "/alarms", "/contributions", "/faults"]


def with_process_routes(app: FastAPI) -> FastAPI:
    """Include the process routes unless the installed domain plugs them in already."""
    dom = load_domains().get("process")
    if dom is None or dom.routers is None:
        for r in process_routers():
            app.include_router(r)
    return app


@pytest.fixture
def settings():
    return Settings(secret=SECRET)


@pytest.fixture
def store():
    s = demo_store(hours=6)
    yield s
    s.close()


@pytest.fixture
def service():
    return FakeProcessService()


@pytest.fixture
def client(settings, store, service):
    app = with_process_routes(create_app(settings, store=store, services={"process": service}))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def tokens(store, settings):
    return {role: create_token(store, name=f"t-{role}", role=role, settings=settings)
            for role in ("viewer", "operator", "admin")}


def _auth(tok):
    return {"Authorization": f"Bearer {tok}"}


def test_fake_has_every_protocol_method():
    wanted = {n for n in vars(ProcessServiceProtocol) if not n.startswith("_")}
    assert wanted == {"units", "variables", "scores", "alarms", "contributions", "faults", "inject", "clear",
                      "updated"}
    assert all(callable(getattr(FakeProcessService(), n, None)) for n in wanted)


def test_routes_are_in_openapi_under_process_tag(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert set(paths["/api/process/units/{unit}/faults"]) == {"get", "post", "delete"}
    assert paths["/api/process/units"]["get"]["tags"] == ["process"]


def test_units(client, service):
    r = client.get("/api/process/units")
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 1 and body["updated"] == service.updated() == "2026-01-01T01:59:00Z"
    u = body["data"][0]
    assert (u["unit"], u["name_ko"], u["state"], u["active_fault"], u["diagnosis"], u["n_variables"]) == \
        ("rhf-1", "가열로 1", "normal", None, None, 8)


def test_variables_have_korean_names(client):
    body = client.get(U + "/variables").json()
    assert body["count"] == 8 and body["unit"] == "rhf-1"
    v = {x["name"]: x for x in body["data"]}
    assert v["zone2_temp"]["name_ko"] == "가열대 2 온도" and v["zone2_temp"]["unit"] == "degC"


def test_scores_with_limits_and_last(client):
    body = client.get(U + "/scores").json()
    assert body["statistics"] == ["t2", "spe", "window"] and set(body["limits"]) == {"t2", "spe", "window"}
    data = body["data"]
    assert len(data) == 120  # the whole history: fewer than the default 240
    assert data[0]["time"] == "2026-01-01T00:00:00Z" and data[-1]["time"] == "2026-01-01T01:59:00Z"
    assert [i for i, d in enumerate(data) if d["alarm"]] == list(range(70, 80))  # the air leak in the history
    assert all(d["t2"] > body["limits"]["t2"] for d in data[70:80])
    last = client.get(U + "/scores", params={"last": 5}).json()["data"]
    assert last == data[-5:]


@pytest.mark.parametrize("last", [0, -3, MAX_LAST + 1, "many"])
def test_scores_refuses_bad_last(client, last):
    r = client.get(U + "/scores", params={"last": last})
    assert r.status_code == 422
    assert r.json()["error"]["column"] == "last"


def test_alarms_and_contributions(client):
    body = client.get(U + "/alarms").json()
    assert body["count"] == 1
    a = body["data"][0]
    assert (a["fault"], a["kind"], a["probability"], a["end"]) == ("air_leak", "process", 0.78, "2026-01-01T01:19:00Z")
    assert [t["variable"] for t in a["top"][:2]] == ["flue_o2", "furnace_pressure"]
    assert [t["direction"] for t in a["top"][:2]] == ["up", "down"]
    assert len(a["top"]) == 5 and sum(t["contribution"] for t in a["top"]) <= 1
    assert client.get(U + "/alarms", params={"limit": 0}).status_code == 422
    c = client.get(U + "/contributions").json()["data"]
    shares = [x["contribution"] for x in c]
    assert 1 <= len(c) <= 10 and shares == sorted(shares, reverse=True) and sum(shares) <= 1 + 1e-6
    assert {x["direction"] for x in c} <= {"up", "down"}


def test_fault_catalogue(client):
    faults = {f["name"]: f for f in client.get(U + "/faults").json()["data"]}
    assert {"burner_failure", "air_leak", "thermocouple_drift"} <= set(faults)
    assert faults["burner_failure"]["title_ko"] == "버너 고장" and faults["thermocouple_drift"]["kind"] == "sensor"


@pytest.mark.parametrize("path", GETS)
def test_unknown_unit_is_json_404(client, path):
    r = client.get("/api/process/units/ghost" + path)
    assert r.status_code == 404
    err = r.json()["error"]
    assert err["type"] == "NotFoundError" and "ghost" in err["message"]


def test_503_while_the_service_is_prepared(settings, store):
    app = with_process_routes(create_app(settings, store=store, services={}))
    app.state.progress = {"stage": "fitting PCA", "fraction": 0.5}
    with TestClient(app, raise_server_exceptions=False) as c:
        for path in ["/api/process/units", U + "/scores", U + "/alarms"]:
            r = c.get(path)
            assert r.status_code == 503, path
            assert "process" in r.json()["error"]["message"] and "fitting PCA" in r.json()["error"]["message"]
        app.state.services["process"] = FakeProcessService()
        assert c.get("/api/process/units").status_code == 200


def test_inject_needs_a_token(client, service):
    r = client.post(U + "/faults", json={"fault": "burner_failure"})
    assert r.status_code == 401 and r.json()["error"]["type"] == "AuthError"
    assert r.headers["www-authenticate"] == "Bearer"
    assert client.post(U + "/faults", json={"fault": "burner_failure"}, headers=_auth("made-up")).status_code == 401
    assert client.delete(U + "/faults").status_code == 401
    # the token is checked before the body: a bad body without a token is still 401
    assert client.post(U + "/faults", json={"fault": "NOT OK"}).status_code == 401
    assert service.units()[0]["active_fault"] is None


def test_viewer_cannot_inject_or_clear(client, tokens, service):
    r = client.post(U + "/faults", json={"fault": "burner_failure"}, headers=_auth(tokens["viewer"]))
    assert r.status_code == 403 and "operator" in r.json()["error"]["message"]
    assert client.delete(U + "/faults", headers=_auth(tokens["viewer"])).status_code == 403
    assert service.units()[0]["active_fault"] is None


def test_operator_injects_then_alarm_then_clear(client, tokens, service):
    r = client.post(U + "/faults", json={"fault": "burner_failure", "magnitude": 2}, headers=_auth(tokens["operator"]))
    assert r.status_code == 201, r.text
    assert r.json() == {"unit": "rhf-1", "fault": "burner_failure", "magnitude": 2.0,
                        "started": "2026-01-01T01:59:00Z"}
    assert client.get("/api/process/units").json()["data"][0]["active_fault"] == "burner_failure"
    service.advance(3)
    u = client.get("/api/process/units").json()["data"][0]
    assert u["state"] == "alarm"
    assert u["diagnosis"] == {"fault": "burner_failure", "title_en": "Burner failure", "title_ko": "버너 고장",
                              "probability": 0.87}
    a = client.get(U + "/alarms").json()["data"][0]
    assert a["end"] is None and a["top"][0]["variable"] == "zone2_temp" and a["top"][0]["direction"] == "down"
    assert client.get(U + "/scores", params={"last": 3}).json()["data"][-1]["alarm"] is True
    r = client.delete(U + "/faults", headers=_auth(tokens["admin"]))  # admin outranks operator
    assert r.status_code == 200 and r.json() == {"unit": "rhf-1", "cleared": "burner_failure"}
    assert client.get(U + "/alarms").json()["data"][0]["end"] == "2026-01-01T02:02:00Z"
    assert client.get("/api/process/units").json()["data"][0]["state"] == "normal"
    assert client.delete(U + "/faults", headers=_auth(tokens["operator"])).json()["cleared"] is None


def test_unknown_fault_gives_unknown_diagnosis_for_untrained_fault(client, tokens, service):
    r = client.post(U + "/faults", json={"fault": "fuel_pressure_drop"}, headers=_auth(tokens["operator"]))
    assert r.status_code == 201 and r.json()["magnitude"] == 1.0  # the default magnitude
    service.advance(2)
    d = client.get("/api/process/units").json()["data"][0]["diagnosis"]
    assert d["fault"] == "unknown" and d["probability"] is None


@pytest.mark.parametrize(("body", "column"), [
    ({"fault": "Burner Failure"}, "fault"),            # pattern ^[a-z0-9_]+$
    ({"fault": "a" * 65}, "fault"),                    # longer than 64
    ({"fault": ""}, "fault"),
    ({}, "fault"),                                     # missing
    ({"fault": "burner_failure", "magnitude": 0}, "magnitude"),
    ({"fault": "burner_failure", "magnitude": 5.01}, "magnitude"),
    ({"fault": "burner_failure", "magnitude": -1}, "magnitude"),
    ({"fault": "burner_failure", "magnitude": "big"}, "magnitude"),
    ({"fault": "burner_failure", "extra": 1}, "extra"),  # unknown fields are refused
    ({"fault": "no_such_fault"}, "fault"),             # valid name, not in the catalogue (DataError)
])
def test_bad_body_is_422_naming_the_field(client, tokens, service, body, column):
    r = client.post(U + "/faults", json=body, headers=_auth(tokens["operator"]))
    assert r.status_code == 422, r.text
    assert r.json()["error"]["column"] == column
    assert service.units()[0]["active_fault"] is None


def test_magnitude_five_is_allowed(client, tokens):
    r = client.post(U + "/faults", json={"fault": "air_leak", "magnitude": 5}, headers=_auth(tokens["operator"]))
    assert r.status_code == 201


def test_inject_into_unknown_unit_is_404(client, tokens):
    r = client.post("/api/process/units/ghost/faults", json={"fault": "air_leak"}, headers=_auth(tokens["operator"]))
    assert r.status_code == 404 and r.json()["error"]["type"] == "NotFoundError"
    assert client.delete("/api/process/units/ghost/faults", headers=_auth(tokens["operator"])).status_code == 404
