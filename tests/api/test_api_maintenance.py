"""The maintenance router over the fake service; 503 while the service is being prepared."""

from __future__ import annotations


def test_fleet_sorted_by_rank(client):
    body = client.get("/api/maintenance/fleet").json()
    assert body["count"] == 3 and body["time_unit"] == "h"
    assert [r["rank"] for r in body["data"]] == [1, 2, 3]
    risks = [r["risk"] for r in body["data"]]
    assert risks == sorted(risks, reverse=True)
    row = body["data"][0]
    assert {"asset", "name", "name_ko", "kind", "area", "time", "rul", "rul_lower", "rul_upper", "health",
            "risk", "rank"} <= set(row)
    assert row["time"].endswith("Z") and row["rul_lower"] <= row["rul"] <= row["rul_upper"]


def test_rul_history_and_range(client):
    body = client.get("/api/maintenance/assets/fan-1/rul").json()
    assert body["count"] == 48 and body["asset"] == "fan-1"
    ruls = [r["rul"] for r in body["data"]]
    assert ruls == sorted(ruls, reverse=True)
    part = client.get("/api/maintenance/assets/fan-1/rul",
                      params={"start": "2024-05-02T00:00:00Z", "end": "2024-05-02T05:00:00Z"}).json()
    assert part["count"] == 6


def test_health_is_latest(client):
    h = client.get("/api/maintenance/assets/fan-2/health").json()
    assert h["asset"] == "fan-2" and h["rank"] == 1 and 0 <= h["health"] <= 1 and h["time_unit"] == "h"


def test_unknown_asset_is_404(client):
    for url in ["/api/maintenance/assets/ghost/rul", "/api/maintenance/assets/ghost/health"]:
        r = client.get(url)
        assert r.status_code == 404 and r.json()["error"]["type"] == "NotFoundError", url


def test_plan_and_parameters(client):
    p = client.get("/api/maintenance/plan").json()
    assert p["currency"] == "KRW" and p["horizon"] == 168.0 and len(p["actions"]) == 3
    assert {a["action"] for a in p["actions"]} <= {"replace now", "schedule", "monitor"}
    cheap_failure = client.get("/api/maintenance/plan", params={"cost_failure": 1000, "horizon": 24}).json()
    assert cheap_failure["horizon"] == 24 and all(a["action"] != "replace now" for a in cheap_failure["actions"])
    bad = client.get("/api/maintenance/plan", params={"horizon": -1})
    assert bad.status_code == 422 and bad.json()["error"]["column"] == "horizon"


def test_updated_changes_with_live_data(client, service):
    first = client.get("/api/maintenance/fleet").json()["updated"]
    service.advance(2)
    second = client.get("/api/maintenance/fleet").json()
    assert second["updated"] != first
    assert client.get("/api/maintenance/assets/fan-1/rul").json()["count"] == 50


def test_not_ready_is_503(client, app):
    app.state.services.pop("maintenance")
    app.state.progress = {"stage": "training", "fraction": 0.25}
    r = client.get("/api/maintenance/fleet")
    assert r.status_code == 503
    err = r.json()["error"]
    assert err["type"] == "NotReadyError" and "training" in err["message"] and "25%" in err["message"]
