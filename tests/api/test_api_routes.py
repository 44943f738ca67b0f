"""Read routes: health, progress, assets, signals, readings, OpenAPI."""

from __future__ import annotations

import pandas as pd

import bessemer


def test_health(client):
    r = client.get("/api/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "version": bessemer.__version__}


def test_openapi_and_docs(client):
    spec = client.get("/openapi.json").json()
    for path in ["/api/health", "/api/assets", "/api/assets/{asset_id}", "/api/assets/{asset_id}/readings",
                 "/api/readings", "/api/maintenance/fleet", "/api/maintenance/plan"]:
        assert path in spec["paths"], path
    assert "/" not in spec["paths"]  # pages stay out of the API contract
    assert client.get("/docs").status_code == 200


def test_list_assets_and_filter(client):
    body = client.get("/api/assets").json()
    assert body["count"] == len(body["data"]) == 6
    eq = client.get("/api/assets", params={"level": "equipment"}).json()
    assert [n["id"] for n in eq["data"]] == ["fan-1", "fan-2", "pump-1"]
    assert eq["data"][0]["name_ko"] == "주 송풍기 1"


def test_list_assets_bad_level_is_422(client):
    r = client.get("/api/assets", params={"level": "planet"})
    assert r.status_code == 422
    assert r.json()["error"]["column"] == "level"


def test_get_asset_has_path_and_signals(client):
    a = client.get("/api/assets/fan-1").json()
    assert a["path"] == ["pohang", "sinter", "sp1", "fan-1"]
    assert {s["name"]: s["unit"] for s in a["signals"]} == {"vibration": "mm/s", "temperature": "degC"}
    assert a["time_kind"] == "timestamp"
    assert a["latest_time"] == "2024-05-02T23:00:00Z"
    sig = client.get("/api/assets/fan-1/signals").json()
    assert sig["count"] == 2


def test_readings_shape_and_limit(client):
    body = client.get("/api/assets/fan-1/readings", params={"signal": "vibration", "limit": 5}).json()
    assert body["count"] == 5
    times = [row["time"] for row in body["data"]]
    assert times == sorted(times) and times[-1] == "2024-05-02T23:00:00Z"  # the LAST rows
    assert set(body["data"][0]) == {"time", "signal", "value"}
    assert isinstance(body["data"][0]["value"], float)


def test_readings_start_end_and_last(client):
    body = client.get("/api/assets/fan-1/readings",
                      params={"signal": "temperature", "start": "2024-05-01T10:00:00Z",
                              "end": "2024-05-01T12:00:00Z"}).json()
    assert [r["time"] for r in body["data"]] == ["2024-05-01T10:00:00Z", "2024-05-01T11:00:00Z",
                                                  "2024-05-01T12:00:00Z"]
    last = client.get("/api/assets/fan-1/readings", params={"signal": "temperature", "last": 5}).json()
    assert last["count"] == 6  # inclusive window of 5 hours
    both = client.get("/api/assets/fan-1/readings").json()
    assert both["count"] == 96 and {r["signal"] for r in both["data"]} == {"vibration", "temperature"}


def test_quality_lists_the_readings_marked_not_good(client, store):
    assert client.get("/api/assets/fan-1/quality").json()["count"] == 0  # the demo's readings are all good
    t = pd.Timestamp("2024-05-01T10:00:00Z")
    f = store.read_frame(assets=["fan-1"], start=t, end=t)
    store.write_frame(f, quality=pd.DataFrame({"asset": ["fan-1"], "signal": ["vibration"], "time": [t],
                                               "quality": ["uncertain"]}))
    body = client.get("/api/assets/fan-1/quality").json()
    assert body["data"] == [{"time": "2024-05-01T10:00:00Z", "signal": "vibration", "quality": "uncertain"}]
    assert client.get("/api/assets/fan-1/quality", params={"signal": "temperature"}).json()["count"] == 0
    assert client.get("/api/assets/fan-1/quality", params={"start": "2024-05-01T10:00:01Z"}).json()["count"] == 0
    assert client.get("/api/assets/fan-1/quality", params={"signal": "nope"}).status_code == 404
    assert client.get("/api/assets/pohang/quality").status_code == 404  # a site has no readings


def test_cycle_asset_returns_int_times(client, store):
    from bessemer.core import AssetTree, Frame, Node, Signal

    t = AssetTree([Node("s", "site", "S"), Node("a", "area", "A", parent="s"), Node("u", "unit", "U", parent="a"),
                   Node("eng-1", "equipment", "Engine 1", parent="u", kind="engine")],
                  [Signal("eng-1", "t30", "degR")])
    store.put_assets(t)
    store.write_frame(Frame(pd.DataFrame({"asset": "eng-1", "time": range(1, 11), "t30": range(10)}),
                            units={"t30": "degR"}))
    body = client.get("/api/assets/eng-1/readings", params={"start": 3, "end": 5}).json()
    assert [r["time"] for r in body["data"]] == [3, 4, 5] and body["time_kind"] == "cycle"
    assert client.get("/api/assets/eng-1/readings", params={"last": 2}).json()["count"] == 3
    bad = client.get("/api/assets/eng-1/readings", params={"start": "yesterday"})
    assert bad.status_code == 422 and bad.json()["error"]["column"] == "start"


def test_unknown_things_are_404(client):
    for url in ["/api/assets/nope", "/api/assets/nope/readings", "/api/assets/fan-1/readings?signal=nope",
                "/api/assets/sp1/readings", "/api/nothing-here"]:
        r = client.get(url)
        assert r.status_code == 404, url
        assert set(r.json()) == {"error"} and r.json()["error"]["type"] in ("NotFoundError",), url


def test_bad_time_is_422(client):
    r = client.get("/api/assets/fan-1/readings", params={"start": "not-a-time"})
    assert r.status_code == 422
    assert r.json()["error"] == {"type": "DataError", "column": "start",
                                 "message": "start='not-a-time' is not an ISO-8601 time (e.g. 2024-05-01T08:00:00Z)"}


def test_progress(client, app):
    assert client.get("/api/progress").json()["ready"] is True
    app.state.services.clear()
    app.state.progress = {"stage": "training fan models", "fraction": 0.4}
    p = client.get("/api/progress").json()
    assert p == {"stage": "training fan models", "fraction": 0.4, "ready": False, "services": []}


def test_create_app_opens_store_from_settings(tmp_path):
    import warnings

    from bessemer.api import create_app
    from bessemer.core import Settings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    settings = Settings(home=tmp_path / "home")
    app = create_app(settings)
    try:
        with TestClient(app) as c:
            assert c.get("/api/assets").json() == {"data": [], "count": 0}
            assert c.get("/api/progress").json()["ready"] is False
        assert settings.store_file.exists()
    finally:
        app.state.store.close()
