"""Every error is JSON {"error": {...}} with the right status: 404, 405, 413, 422, 500, 503."""

from __future__ import annotations

import json

from fastapi import APIRouter

from bessemer.core import StoreError


def test_body_too_large_by_header_is_413(client, tokens):
    big = {"readings": [{"asset": "fan-1", "signal": "vibration", "time": f"2024-06-01T00:00:{i % 60:02d}Z",
                         "value": 1.0} for i in range(2000)]}
    r = client.post("/api/readings", json=big, headers={"Authorization": f"Bearer {tokens['operator']}"})
    assert r.status_code == 413
    err = r.json()["error"]
    assert err["type"] == "PayloadTooLarge" and "MB" in err["message"]


def test_body_too_large_when_streamed_is_413(client, tokens):
    payload = json.dumps({"readings": [{"asset": "fan-1", "signal": "vibration", "time": "2024-06-01T00:00:00Z",
                                        "value": 1.0}] * 2000}).encode()

    def chunks():
        for i in range(0, len(payload), 4096):
            yield payload[i:i + 4096]

    r = client.post("/api/readings", content=chunks(),
                    headers={"Authorization": f"Bearer {tokens['operator']}", "Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["type"] == "PayloadTooLarge"


def test_unexpected_error_is_500_without_traceback(app, client):
    boom = APIRouter()

    @boom.get("/api/boom")
    def _boom():
        raise ZeroDivisionError("secret internals here")

    @boom.get("/api/store-broke")
    def _store():
        raise StoreError("the store is locked by another process")

    app.include_router(boom)
    r = client.get("/api/boom")
    assert r.status_code == 500
    assert r.json() == {"error": {"type": "InternalError",
                                  "message": "an unexpected error happened; it has been logged"}}
    assert "Traceback" not in r.text and "secret internals" not in r.text
    r = client.get("/api/store-broke")
    assert r.status_code == 500 and r.json()["error"]["type"] == "StoreError"


def test_method_not_allowed_is_json(client):
    r = client.delete("/api/health")
    assert r.status_code == 405 and r.json()["error"]["type"] == "MethodNotAllowed"


def test_validation_of_query_is_json(client):
    r = client.get("/api/assets/fan-1/readings", params={"limit": 0})
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["type"] == "ValidationError" and err["column"] == "limit"
