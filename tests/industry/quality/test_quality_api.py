"""The /api/quality routes over TestClient with FakeQualityService: reads, PNG, 404, hostile input 4xx, 503."""

from __future__ import annotations

import warnings

import pytest
from fastapi import FastAPI

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette prefers httpx2 (a UserWarning); not ours to fix
    from starlette.testclient import TestClient

from bessemer.api import create_app
from bessemer.api.testing import demo_store, with_domain_routes
from bessemer.core import Settings
from bessemer.industry.quality._api import MAX_COILS, QualityServiceProtocol, quality_routers
from bessemer.industry.quality.testing import FakeQualityService

Q = "/api/quality"


def with_quality_routes(app: FastAPI) -> FastAPI:
    return with_domain_routes(app, "quality", quality_routers)


@pytest.fixture(scope="module")
def store():
    s = demo_store(hours=6)
    yield s
    s.close()


@pytest.fixture(scope="module")
def service():
    return FakeQualityService()


@pytest.fixture(scope="module")
def client(store, service):
    app = with_quality_routes(create_app(Settings(), store=store, services={"quality": service}))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


PROTOCOL = {"overview", "coils", "coil", "importance", "surfaces", "surface_png", "spc", "updated"}


def test_fake_has_every_protocol_method():
    assert {n for n in vars(QualityServiceProtocol) if not n.startswith("_")} == PROTOCOL
    assert all(callable(getattr(FakeQualityService(), n, None)) for n in PROTOCOL)


def test_real_service_has_every_protocol_method():
    from bessemer.industry.quality._service import QualityService

    assert all(callable(getattr(QualityService, n, None)) for n in PROTOCOL)


def test_routes_are_get_only_under_the_quality_tag(client):
    paths = {p: v for p, v in client.get("/openapi.json").json()["paths"].items() if p.startswith(Q)}
    assert set(paths) == {f"{Q}/overview", f"{Q}/coils", f"{Q}/coils/{{coil}}", f"{Q}/importance", f"{Q}/surfaces",
                          f"{Q}/surfaces/{{image}}.png", f"{Q}/spc"}
    assert all(set(v) == {"get"} for v in paths.values())
    assert paths[f"{Q}/overview"]["get"]["tags"] == ["quality"]


def test_overview(client, service):
    o = client.get(f"{Q}/overview").json()
    assert o["line"] == {"name_en": "Test hot strip mill", "name_ko": "시험 열연 공장"}
    assert o["coils"]["n"] == 8 and o["coils"]["high_risk"] == 3 and o["coils"]["threshold"] == 0.5
    assert o["defect_model"]["classes"][0] == "none" and 0 <= o["defect_model"]["held_out_accuracy"] <= 1
    assert o["surface"] == {"n": 6, "flagged": 1, "held_out_accuracy": 0.9, "n_held_out": 30, "min_confidence": 0.6}
    assert o["spc"] == {"charts": 2, "violations": 2}
    assert o["updated"] == service.updated() == "2026-03-02T08:21:00Z"


def test_coils_sorted_by_risk_with_reasons(client):
    body = client.get(f"{Q}/coils").json()
    assert body["count"] == len(body["data"]) == body["total"] == 8
    risks = [r["risk"] for r in body["data"]]
    assert risks == sorted(risks, reverse=True) and risks[0] == pytest.approx(0.9)
    top = body["data"][0]
    assert top["coil"] == "C26-000104" and top["predicted"] == "scale" and top["actual"] == "scale"
    assert len(top["reasons"]) == 3
    assert set(top["reasons"][0]) == {"feature", "label_en", "label_ko", "value", "unit", "contribution", "direction"}
    assert all(r["direction"] in ("raises", "lowers") for r in top["reasons"])
    assert [r["coil"] for r in client.get(f"{Q}/coils", params={"limit": 2}).json()["data"]] == [
        "C26-000104", "C26-000107"]


def test_one_coil(client):
    c = client.get(f"{Q}/coils/C26-000103").json()
    assert c["predicted"] == "edge_crack" and len(c["reasons"]) == 5
    assert sum(p["probability"] for p in c["probabilities"]) == pytest.approx(1.0)
    assert [p["class"] for p in c["probabilities"]][0] == "edge_crack"
    assert {s["feature"] for s in c["signals"]} >= {"descaler_pressure", "finishing_temp", "sulphur"}
    assert next(s for s in c["signals"] if s["feature"] == "finishing_temp")["unit"] == "degC"


def test_unknown_coil_is_404(client):
    r = client.get(f"{Q}/coils/C26-999999")
    assert r.status_code == 404
    assert r.json()["error"]["type"] == "NotFoundError" and "C26-999999" in r.json()["error"]["message"]


def test_importance_and_surfaces(client):
    imp = client.get(f"{Q}/importance").json()
    assert imp["count"] == len(imp["data"]) == 6 and imp["data"][0]["feature"] == "descaler_pressure"
    s = client.get(f"{Q}/surfaces").json()
    assert s["count"] == 6 and [d["flagged"] for d in s["data"]].count(True) == 1
    cm = s["confusion"]
    assert len(cm["matrix"]) == len(cm["classes"]) == 6 and sum(map(sum, cm["matrix"])) == cm["n"] == 30


def test_surface_png(client):
    r = client.get(f"{Q}/surfaces/S-0002.png")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert r.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert client.get(f"{Q}/surfaces/S-0099.png").status_code == 404


def test_spc(client):
    charts = client.get(f"{Q}/spc").json()["charts"]
    assert [c["variable"] for c in charts] == ["descaler_pressure", "finishing_temp"]
    p = charts[0]
    assert len(p["points"]) == 40 and p["lcl"] < p["center"] < p["ucl"]
    flagged = {i for i, pt in enumerate(p["points"]) if pt["status"] == "violation"}
    assert flagged == {v["index"] for v in p["violations"]} == {38, 39}
    assert all(v["description_ko"] and v["rule"].startswith("nelson-") for v in p["violations"])
    assert isinstance(charts[1]["ucl"], list) and len(charts[1]["ucl"]) == 40


@pytest.mark.parametrize("limit", [0, -1, MAX_COILS + 1, "ten", 2.5, "1;DROP TABLE"])
def test_coils_refuses_bad_limit(client, limit):
    r = client.get(f"{Q}/coils", params={"limit": limit})
    assert r.status_code == 422 and r.json()["error"]["column"] == "limit"


HOSTILE = ["..%2F..%2Fetc%2Fpasswd", "%3Cscript%3Ealert(1)%3C%2Fscript%3E", "C26-00010%00", "' OR 1=1 --",
           "C26-0001031", "c26-000103", "C26_000103", "A" * 300, "%E2%80%AE103", "C26-%20000103", "%2e%2e"]


@pytest.mark.parametrize("coil", HOSTILE)
def test_hostile_coil_ids_are_4xx_never_500(client, coil):
    r = client.get(f"{Q}/coils/{coil}")
    assert 400 <= r.status_code < 500, (coil, r.status_code, r.text)
    assert "error" in r.json()


@pytest.mark.parametrize("image", ["..%2Fsecret", "S-1", "S-00001", "s-0001", "%00", "S-0001.png%00", "S-000a",
                                   "<img src=x>", "B" * 300])
def test_hostile_image_ids_are_4xx_never_500(client, image):
    r = client.get(f"{Q}/surfaces/{image}.png")
    assert 400 <= r.status_code < 500, (image, r.status_code, r.text)


def test_503_while_the_service_is_prepared(store):
    app = with_quality_routes(create_app(Settings(), store=store, services={}))
    app.state.progress = {"stage": "quality: training the defect model", "fraction": 0.4}
    with TestClient(app, raise_server_exceptions=False) as c:
        for path in ["/overview", "/coils", "/coils/C26-000101", "/importance", "/surfaces", "/surfaces/S-0001.png",
                     "/spc"]:
            r = c.get(Q + path)
            assert r.status_code == 503, path
            assert "quality" in r.json()["error"]["message"] and "training" in r.json()["error"]["message"]
        app.state.services["quality"] = FakeQualityService()
        assert c.get(f"{Q}/overview").status_code == 200


def test_a_broken_service_is_a_json_500_without_details(store):
    class Broken(FakeQualityService):
        def spc(self):
            raise RuntimeError("secret internals")

    app = with_quality_routes(create_app(Settings(), store=store, services={"quality": Broken()}))
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get(f"{Q}/spc")
        assert r.status_code == 500 and "secret" not in r.text
        assert r.json()["error"]["type"] == "InternalError"
