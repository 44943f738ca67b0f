"""Access: reads need a token where settings say so, site scope on every read, writes need a role, no secret in logs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
import warnings

import httpx
import numpy as np
import pandas as pd
import pytest
from fastapi import routing
from fastapi.routing import APIRoute

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette prefers httpx2 (a UserWarning); not ours to fix
    from starlette.testclient import TestClient

from bessemer.api import create_app, create_token
from bessemer.api.deps import read_access
from bessemer.api.testing import FakeMaintenanceService, demo_store
from bessemer.core import AssetTree, Frame, Node, Settings, Signal
from bessemer.industry.energy.testing import FakeEnergyService
from bessemer.industry.process.testing import FakeProcessService
from bessemer.industry.quality.testing import FakeQualityService

SECRET = "test-secret-not-for-production"
OPEN = {"/api/health", "/api/progress"}


def _auth(tok: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tok}"}


def two_site_store():
    """The demo plant at site ``pohang`` plus ``gwangyang`` with one mill motor, and rhf-1 under pohang."""
    store = demo_store(hours=24)
    tree = AssetTree()
    tree.add(Node("gwangyang", "site", "Gwangyang works"))
    tree.add(Node("gy-mill", "area", "Plate mill", parent="gwangyang"))
    tree.add(Node("gy-stand", "unit", "Stand 1", parent="gy-mill"))
    tree.add(Node("mill-1", "equipment", "Mill motor 1", parent="gy-stand", kind="motor"))
    tree.add_signal(Signal("mill-1", "vibration", "mm/s", "motor vibration"))
    tree.add(Node("pohang", "site", "Pohang works"))
    tree.add(Node("hsm", "area", "Hot strip mill", parent="pohang"))
    tree.add(Node("rhf-line", "unit", "Furnace line", parent="hsm"))
    tree.add(Node("rhf-1", "equipment", "Reheating furnace 1", parent="rhf-line", kind="furnace"))
    store.put_assets(tree)
    t = pd.Timestamp("2024-05-01T00:00:00Z") + pd.to_timedelta(np.arange(24), unit="h")
    store.write_frame(Frame(pd.DataFrame({"asset": "mill-1", "time": t, "vibration": np.linspace(1, 2, 24)}),
                            units={"vibration": "mm/s"}))
    return store


def build(settings: Settings, store):
    services = {"maintenance": FakeMaintenanceService(store), "process": FakeProcessService(history=30),
                "energy": FakeEnergyService(), "quality": FakeQualityService()}
    return create_app(settings, store=store, services=services)


@pytest.fixture(scope="module")
def world():
    settings = Settings(secret=SECRET)
    store = two_site_store()
    toks = {name: create_token(store, name=name, role=role, site=site, settings=settings)
            for name, role, site in [("viewer-a", "viewer", "pohang"), ("viewer-b", "viewer", "gwangyang"),
                                     ("operator-b", "operator", "gwangyang"), ("admin", "admin", None),
                                     ("viewer", "viewer", None)]}
    app = build(settings, store)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, toks, app
    store.close()


# ---------------------------------------------------------------------------------------------- site scope
def test_viewer_of_site_a_lists_only_site_a(world):
    client, toks, _ = world
    ids = {n["id"] for n in client.get("/api/assets", headers=_auth(toks["viewer-a"])).json()["data"]}
    assert {"pohang", "fan-1", "rhf-1"} <= ids
    assert not ids & {"gwangyang", "gy-mill", "mill-1"}
    ids_b = {n["id"] for n in client.get("/api/assets", headers=_auth(toks["viewer-b"])).json()["data"]}
    assert ids_b == {"gwangyang", "gy-mill", "gy-stand", "mill-1"}
    eq = client.get("/api/assets", params={"level": "equipment"}, headers=_auth(toks["viewer-b"])).json()
    assert [n["id"] for n in eq["data"]] == ["mill-1"] and eq["count"] == 1


@pytest.mark.parametrize("path", ["/api/assets/{a}", "/api/assets/{a}/signals", "/api/assets/{a}/readings",
                                  "/api/assets/{a}/quality", "/api/maintenance/assets/{a}/rul",
                                  "/api/maintenance/assets/{a}/health"])
def test_other_site_is_404_like_a_missing_asset(world, path):
    client, toks, _ = world
    hidden = client.get(path.format(a="mill-1"), headers=_auth(toks["viewer-a"]))
    missing = client.get(path.format(a="no-such-asset"), headers=_auth(toks["viewer-a"]))
    assert hidden.status_code == missing.status_code == 404
    # same type and wording: the answer does not tell that mill-1 exists elsewhere
    assert hidden.json()["error"]["type"] == missing.json()["error"]["type"] == "NotFoundError"
    assert hidden.json()["error"]["message"].replace("mill-1", "X") == \
        missing.json()["error"]["message"].replace("no-such-asset", "X")
    assert "gwangyang" not in hidden.text
    # the site's own viewer and an unscoped admin read it
    assert client.get(path.format(a="mill-1"), headers=_auth(toks["viewer-b"])).status_code == 200
    assert client.get(path.format(a="mill-1"), headers=_auth(toks["admin"])).status_code == 200
    assert client.get(path.format(a="fan-1"), headers=_auth(toks["viewer-b"])).status_code == 404


def test_readings_of_the_own_site_come_back(world):
    client, toks, _ = world
    r = client.get("/api/assets/mill-1/readings", headers=_auth(toks["viewer-b"]))
    assert r.status_code == 200 and r.json()["count"] == 24
    r = client.get("/api/assets/fan-1/readings", params={"signal": "vibration"}, headers=_auth(toks["viewer-a"]))
    assert r.status_code == 200 and r.json()["count"] == 24


def test_fleet_and_plan_keep_to_the_site(world):
    client, toks, _ = world
    everything = {r["asset"] for r in client.get("/api/maintenance/fleet", headers=_auth(toks["admin"])).json()["data"]}
    assert {"fan-1", "fan-2", "pump-1", "mill-1", "rhf-1"} <= everything
    a = client.get("/api/maintenance/fleet", headers=_auth(toks["viewer-a"])).json()
    assert {r["asset"] for r in a["data"]} == everything - {"mill-1"} and a["count"] == len(everything) - 1
    b = client.get("/api/maintenance/fleet", headers=_auth(toks["viewer-b"])).json()
    assert [r["asset"] for r in b["data"]] == ["mill-1"]
    plan_b = client.get("/api/maintenance/plan", headers=_auth(toks["viewer-b"])).json()
    assert [x["asset"] for x in plan_b["actions"]] == ["mill-1"]
    plan_all = client.get("/api/maintenance/plan", headers=_auth(toks["admin"])).json()
    assert len(plan_all["actions"]) == len(everything)


def test_process_units_keep_to_the_site(world):
    client, toks, _ = world
    assert [u["unit"] for u in client.get("/api/process/units", headers=_auth(toks["viewer-a"])).json()["data"]] \
        == ["rhf-1"]
    assert client.get("/api/process/units", headers=_auth(toks["viewer-b"])).json()["data"] == []
    assert client.get("/api/process/units/rhf-1/scores", headers=_auth(toks["viewer-b"])).status_code == 404
    assert client.get("/api/process/units/rhf-1/scores", headers=_auth(toks["viewer-a"])).status_code == 200
    # an operator of another site cannot inject a fault into this site's furnace
    r = client.post("/api/process/units/rhf-1/faults", json={"fault": "air_leak"}, headers=_auth(toks["operator-b"]))
    assert r.status_code == 404


@pytest.mark.parametrize("path", ["/api/energy/overview", "/api/quality/overview"])
def test_data_of_no_site_needs_an_unscoped_token(world, path):
    client, toks, _ = world
    r = client.get(path, headers=_auth(toks["viewer-a"]))
    assert r.status_code == 403 and "site" in r.json()["error"]["message"]
    assert client.get(path, headers=_auth(toks["viewer"])).status_code == 200


def test_writes_stay_in_the_site(world):
    client, toks, _ = world
    body = {"readings": [{"asset": "fan-1", "signal": "vibration", "time": "2024-06-01T00:00:00Z", "value": 1.0}]}
    r = client.post("/api/readings", json=body, headers=_auth(toks["operator-b"]))
    assert r.status_code == 403


# ---------------------------------------------------------------------------------------------- reads need tokens
@pytest.mark.parametrize("kw", [{"environment": "production"}, {"auth_reads": True}])
def test_reads_need_a_token_when_settings_say_so(kw):
    settings = Settings(secret=SECRET, **kw)
    assert settings.reads_need_token
    store = two_site_store()
    tok = create_token(store, name="v", role="viewer", settings=settings)
    with TestClient(build(settings, store), raise_server_exceptions=False) as client:
        for path in ["/api/assets", "/api/assets/fan-1/readings", "/api/maintenance/fleet", "/api/process/units",
                     "/api/energy/overview", "/api/quality/coils"]:
            r = client.get(path)
            assert r.status_code == 401, path
            assert r.headers["www-authenticate"] == "Bearer" and "token" in r.json()["error"]["message"]
            assert client.get(path, headers=_auth(tok)).status_code == 200, path
        assert client.get("/api/health").status_code == 200  # liveness stays open
    store.close()


def test_reads_are_open_in_development_but_a_bad_token_is_not():
    assert not Settings().reads_need_token
    assert not Settings(environment="production", secret=SECRET, auth_reads=False).reads_need_token
    store = two_site_store()
    with TestClient(build(Settings(secret=SECRET), store), raise_server_exceptions=False) as client:
        assert client.get("/api/assets").status_code == 200
        assert client.get("/api/assets", headers=_auth("guessed-token")).status_code == 401
        assert client.get("/api/assets", headers={"Authorization": "Basic dXNlcjpwYXNz"}).status_code == 401
    store.close()


# ---------------------------------------------------------------------------------------------- every route
def _calls(dependant):
    for d in dependant.dependencies:
        yield d.call
        yield from _calls(d)


def _api_routes(app):
    """Every API route as served, with the dependencies of the routers that include it."""
    if hasattr(routing, "iter_route_contexts"):  # FastAPI >= 0.13x includes routers lazily
        routes = [rc._effective_route for rc in routing.iter_route_contexts(app.routes)]
    else:  # pragma: no cover - older FastAPI flattens on include
        routes = [r for r in app.routes if isinstance(r, APIRoute)]
    return [r for r in routes if getattr(r, "dependant", None) is not None and r.path.startswith("/api")]


def test_every_route_is_guarded(world):
    _, _, app = world
    routes = _api_routes(app)
    writes = [r for r in routes if r.methods - {"GET", "HEAD"}]
    assert len(writes) >= 2 and len(routes) >= 20  # the domain routes are in there
    for r in routes:
        calls = list(_calls(r.dependant))
        if r.path in OPEN:
            continue
        assert read_access in calls, f"{sorted(r.methods)} {r.path} does not go through read_access"
        if r.methods - {"GET", "HEAD"}:
            roles = [getattr(c, "bessemer_role", None) for c in calls]
            assert any(role in ("operator", "admin") for role in roles), \
                f"{sorted(r.methods)} {r.path} has no require_role('operator' or higher)"


def _fill(path: str) -> str:
    return (path.replace("{unit}", "rhf-1").replace("{asset_id}", "fan-1").replace("{month}", "2024-05")
            .replace("{coil}", "C26-000001").replace("{image}", "S-0001"))


def test_every_write_route_refuses_no_token_and_a_viewer(world):
    client, toks, app = world
    writes = [(m, r.path) for r in _api_routes(app) for m in sorted(r.methods - {"GET", "HEAD"})]
    for method, path in writes:
        url = _fill(path)
        r = client.request(method, url, json={})
        assert r.status_code == 401, f"{method} {path} without a token gave {r.status_code}"
        r = client.request(method, url, json={}, headers=_auth(toks["viewer"]))
        assert r.status_code == 403, f"{method} {path} with a viewer token gave {r.status_code}"


# ---------------------------------------------------------------------------------------------- logs
def test_no_token_or_password_in_logs(world, caplog):
    client, toks, _ = world
    secret_pw = "hunter2-password-xyz"
    body = {"readings": [{"asset": "mill-1", "signal": "vibration", "time": "2024-06-01T00:00:00Z", "value": 1.0}]}
    with caplog.at_level(logging.DEBUG):
        client.get("/api/assets", headers=_auth(toks["viewer-a"]))
        client.get("/api/assets/mill-1", headers=_auth(toks["viewer-a"]))
        client.get("/api/energy/overview", headers=_auth(toks["viewer-a"]))
        client.post("/api/readings", json=body, headers=_auth(toks["operator-b"]))
        client.post("/api/readings", json=body, headers=_auth(toks["viewer-b"]))
        client.post("/api/readings", json={"readings": [{"asset": "x"}]}, headers=_auth(toks["admin"]))
        client.get("/api/assets", headers=_auth(toks["admin"] + "x"))
        client.get("/api/assets", headers={"Authorization": f"Basic user:{secret_pw}"})
        client.get(f"/api/assets?token={toks['admin']}&password={secret_pw}")
    # what the server logged (httpx's own lines are the test client's, not the server's)
    server = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    text = "\n".join(f"{r.name} {r.getMessage()} {r.args!r}" for r in server)
    assert any("refused" in r.getMessage() for r in server) and any("'admin'" in r.getMessage() for r in server), \
        "expected audit lines of refused and accepted tokens to search"
    for tok in toks.values():
        assert tok not in text
    assert secret_pw not in text and "user:" not in text


def test_access_log_of_uvicorn_drops_query_strings(caplog):
    """Run the app under uvicorn with its access log on and read what it prints."""
    uvicorn = pytest.importorskip("uvicorn")
    store = two_site_store()
    app = build(Settings(secret=SECRET), store)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, log_level="info", access_log=True,
                            lifespan="off")
    server = uvicorn.Server(config)
    levels = {n: logging.getLogger(n).level for n in ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")}
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    try:
        with caplog.at_level(logging.INFO):
            thread.start()
            deadline = time.monotonic() + 10
            while not server.started and time.monotonic() < deadline:
                time.sleep(0.02)
            assert server.started, "uvicorn did not start within 10 s"
            port = server.servers[0].sockets[0].getsockname()[1]
            secret = "tok-in-query-0123456789"
            r = httpx.get(f"http://127.0.0.1:{port}/api/assets?token={secret}&level=site",
                          headers=_auth("another-secret-token"))
            assert r.status_code == 401
            time.sleep(0.1)
        access = [rec.getMessage() for rec in caplog.records if rec.name == "uvicorn.access"]
        assert any("GET /api/assets HTTP" in line for line in access), access
        said = "\n".join(rec.getMessage() for rec in caplog.records if not rec.name.startswith(("httpx", "httpcore")))
        assert secret not in said and "another-secret-token" not in said
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
        with contextlib.suppress(Exception):
            store.close()
