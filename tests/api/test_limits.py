"""Request limits: token-bucket rate limit (429 + Retry-After), body size (413 early), JSON depth (400)."""

from __future__ import annotations

import asyncio
import json
import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette prefers httpx2 (a UserWarning); not ours to fix
    from starlette.testclient import TestClient

from bessemer.api import create_app, create_token
from bessemer.api._limits import TokenBucket, caller_key, json_depth
from bessemer.api.testing import demo_store
from bessemer.core import Settings

SECRET = "test-secret-not-for-production"
READING = {"asset": "fan-1", "signal": "vibration", "time": "2024-05-03T00:00:00Z", "value": 1.0}


@pytest.fixture
def store():
    s = demo_store(hours=6)
    yield s
    s.close()


def _client(store, **kw):
    return TestClient(create_app(Settings(secret=SECRET, **kw), store=store), raise_server_exceptions=False)


# ---------------------------------------------------------------------------------------------- rate limit
def test_token_bucket_refills_at_the_rate():
    now = [100.0]
    bucket = TokenBucket(rate=2.0, burst=4, clock=lambda: now[0])
    assert [bucket.take("a") for _ in range(4)] == [0.0] * 4
    assert bucket.take("a") == pytest.approx(0.5)  # empty: one token comes in 1/rate s
    assert bucket.take("b") == 0.0  # keys are apart
    now[0] += 1.0  # two tokens back (the refused take did not consume one)
    assert [bucket.take("a") for _ in range(3)][:2] == [0.0, 0.0]
    now[0] += 60.0  # never more than the burst
    assert sum(bucket.take("a") == 0.0 for _ in range(10)) == 4


def test_token_bucket_keeps_a_bounded_number_of_keys():
    bucket = TokenBucket(rate=1.0, burst=1, clock=lambda: 0.0, max_keys=3)
    for k in "abcdef":
        bucket.take(k)
    assert len(bucket._buckets) == 3


def test_caller_key_hashes_the_token():
    key = caller_key({"headers": [(b"authorization", b"Bearer abcdef123")], "client": ("1.2.3.4", 1)})
    assert key.startswith("token:") and "abcdef123" not in key
    assert caller_key({"headers": [], "client": ("1.2.3.4", 1)}) == "addr:1.2.3.4"


def test_over_the_limit_is_429_with_retry_after(store):
    tok = create_token(store, name="v", role="viewer", settings=Settings(secret=SECRET))
    with _client(store, rate_limit_per_s=0.5, rate_limit_burst=3) as client:
        codes = [client.get("/api/health").status_code for _ in range(3)]
        assert codes == [200, 200, 200]
        r = client.get("/api/health")
        assert r.status_code == 429
        assert int(r.headers["retry-after"]) == 2  # one token at 0.5/s comes in 2 s
        err = r.json()["error"]
        assert err["type"] == "TooManyRequests" and "per second" in err["message"]
        # a token has its own bucket; static files are never limited
        assert client.get("/api/assets", headers={"Authorization": f"Bearer {tok}"}).status_code == 200
        assert client.get("/static/app.js").status_code == 200


def test_defaults_do_not_get_in_the_way(store):
    s = Settings(secret=SECRET)
    assert s.rate_limit_per_s >= 50 and s.rate_limit_burst >= 100
    with _client(store) as client:
        assert all(client.get("/api/health").status_code == 200 for _ in range(60))


def test_rate_limit_can_be_turned_off(store):
    with _client(store, rate_limit_per_s=0, rate_limit_burst=1) as client:
        assert all(client.get("/api/health").status_code == 200 for _ in range(20))


# ---------------------------------------------------------------------------------------------- body size
def test_declared_oversized_body_is_413(store):
    tok = create_token(store, name="op", role="operator", settings=Settings(secret=SECRET))
    body = json.dumps({"readings": [READING] * 400}).encode()
    assert len(body) > 20_000
    with _client(store, max_upload_mb=0.01) as client:
        r = client.post("/api/readings", content=body, headers={"Authorization": f"Bearer {tok}",
                                                                 "Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["type"] == "PayloadTooLarge"
    assert "BESSEMER_MAX_UPLOAD_MB" in r.json()["error"]["message"]


def _asgi_post(app, chunks, headers):
    """POST ``chunks`` straight to the ASGI app; returns (status, chunks the app pulled)."""
    pulled = 0
    sent: list[dict] = []

    async def receive():
        nonlocal pulled
        if pulled < len(chunks):
            pulled += 1
            return {"type": "http.request", "body": chunks[pulled - 1], "more_body": pulled < len(chunks)}
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/api/readings", "raw_path": b"/api/readings", "query_string": b"", "root_path": "",
             "headers": headers, "client": ("127.0.0.1", 1234), "server": ("testserver", 80)}
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], pulled


def test_oversized_body_is_refused_before_it_is_all_read(store):
    app = create_app(Settings(secret=SECRET, max_upload_mb=0.01), store=store)  # 10 485 bytes
    chunks = [b"x" * 1024] * 100
    status, pulled = _asgi_post(app, chunks, [(b"content-type", b"application/json")])  # streamed, no length
    assert status == 413 and pulled <= 11
    declared = [(b"content-type", b"application/json"), (b"content-length", b"102400")]
    status, pulled = _asgi_post(app, chunks, declared)
    assert status == 413 and pulled == 0  # refused from the header alone


# ---------------------------------------------------------------------------------------------- JSON depth
def test_json_depth_counts_only_structure():
    assert json_depth(b"") == 0 and json_depth(b'"[[[["') == 0
    assert json_depth(b'{"a": {"b": [1, 2, {"c": null}]}}') == 4
    assert json_depth(b'["\\"[[[", [["x"]]]') == 3  # an escaped quote does not end the string


@pytest.mark.parametrize("depth", [33, 200, 100_000])
def test_deep_json_is_400(store, depth):
    tok = create_token(store, name="op", role="operator", settings=Settings(secret=SECRET))
    body = b'{"readings": ' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"
    with _client(store) as client:
        r = client.post("/api/readings", content=body, headers={"Authorization": f"Bearer {tok}",
                                                                 "Content-Type": "application/json"})
    assert r.status_code == 400
    err = r.json()["error"]
    assert err["type"] == "BadRequest" and f"nested {depth} levels" in err["message"] and "32" in err["message"]


def test_json_at_the_limit_reaches_validation(store):
    tok = create_token(store, name="op", role="operator", settings=Settings(secret=SECRET))
    ok_depth = b'{"readings": [' + b"[" * 30 + b"]" * 30 + b"]}"
    assert json_depth(ok_depth) == 32
    brackets_in_text = json.dumps({"readings": [{**READING, "asset": "[" * 100}]}).encode()
    with _client(store) as client:
        headers = {"Authorization": f"Bearer {tok}", "Content-Type": "application/json"}
        assert client.post("/api/readings", content=ok_depth, headers=headers).status_code == 422
        r = client.post("/api/readings", content=brackets_in_text, headers=headers)
        assert r.status_code == 404 and "unknown asset" in r.json()["error"]["message"]  # not refused for depth
        r = client.post("/api/readings", json={"readings": [READING]}, headers=headers)
        assert r.status_code == 200 and r.json() == {"written": 1}


def test_depth_limit_is_a_setting(store):
    body = {"readings": [READING]}  # depth 3
    tok = create_token(store, name="op", role="operator", settings=Settings(secret=SECRET))
    with _client(store, max_json_depth=2) as client:
        r = client.post("/api/readings", json=body, headers={"Authorization": f"Bearer {tok}"})
    assert r.status_code == 400 and "at most 2" in r.json()["error"]["message"]
