"""POST /api/readings: tokens, roles, validation naming row and field, idempotent upsert."""

from __future__ import annotations

import logging

from bessemer.api import create_token, hash_token
from bessemer.core import DataError


def _auth(tok):
    return {"Authorization": f"Bearer {tok}"}


def _batch(*rows):
    return {"readings": [dict(zip(["asset", "signal", "time", "value"], r, strict=True)) for r in rows]}


NEW = _batch(("fan-1", "vibration", "2024-05-03T00:00:00Z", 4.5),
             ("fan-1", "temperature", "2024-05-03T00:00:00Z", 71.0),
             ("fan-2", "vibration", "2024-05-03T00:00:00+09:00", 3.0))


def test_token_is_stored_only_as_hmac(store, settings):
    tok = create_token(store, name="gateway", role="operator", settings=settings)
    rec = store.find_token(hash_token(tok, settings.secret))
    assert rec["name"] == "gateway" and rec["role"] == "operator"
    assert store.find_token(tok) is None
    assert tok not in repr(store.list_tokens())
    assert store.find_token(hash_token(tok, "another-secret")) is None


def test_create_token_refuses_unknown_role(store, settings):
    try:
        create_token(store, name="x", role="god", settings=settings)
    except DataError as err:
        assert "role" in str(err)
    else:
        raise AssertionError("expected DataError")


def test_write_needs_token(client):
    r = client.post("/api/readings", json=NEW)
    assert r.status_code == 401
    assert r.json()["error"]["type"] == "AuthError" and "Bearer" in r.json()["error"]["message"]
    assert r.headers["www-authenticate"] == "Bearer"


def test_unknown_token_is_401(client):
    r = client.post("/api/readings", json=NEW, headers=_auth("made-up-token"))
    assert r.status_code == 401 and r.json()["error"]["type"] == "AuthError"
    r = client.post("/api/readings", json=NEW, headers={"Authorization": "Basic abc"})
    assert r.status_code == 401


def test_viewer_is_403(client, tokens):
    r = client.post("/api/readings", json=NEW, headers=_auth(tokens["viewer"]))
    assert r.status_code == 403 and r.json()["error"]["type"] == "AuthError"


def test_revoked_token_is_401(client, store, tokens):
    store.revoke_token("t-operator")
    assert client.post("/api/readings", json=NEW, headers=_auth(tokens["operator"])).status_code == 401


def test_operator_writes_and_rewrite_is_idempotent(client, store, tokens, service):
    before = store.count_readings()
    updated = client.get("/api/maintenance/fleet").json()["updated"]
    r = client.post("/api/readings", json=NEW, headers=_auth(tokens["operator"]))
    assert r.status_code == 200, r.text
    assert r.json() == {"written": 3}
    assert service.refreshes == 1  # live data triggers a refresh of the predictions
    assert client.get("/api/maintenance/fleet").json()["updated"] != updated
    assert store.count_readings() == before + 2  # fan-2 at 15:00Z already existed: overwritten
    r = client.post("/api/readings", json=NEW, headers=_auth(tokens["admin"]))
    assert r.status_code == 200
    assert store.count_readings() == before + 2
    latest = client.get("/api/assets/fan-1/readings", params={"signal": "vibration", "limit": 1}).json()["data"]
    assert latest == [{"time": "2024-05-03T00:00:00Z", "signal": "vibration", "value": 4.5}]
    # +09:00 is converted to UTC
    fan2 = client.get("/api/assets/fan-2/readings", params={"signal": "vibration", "start": "2024-05-02T15:00:00Z",
                                                            "end": "2024-05-02T15:00:00Z"}).json()["data"]
    assert fan2[0]["value"] == 3.0


def test_token_never_logged(client, tokens, caplog):
    with caplog.at_level(logging.DEBUG):
        client.post("/api/readings", json=NEW, headers=_auth(tokens["operator"]))
        client.post("/api/readings", json={"readings": [{"asset": "x"}]}, headers=_auth(tokens["operator"]))
    assert tokens["operator"] not in caplog.text


def test_site_scoped_token(client, store, settings):
    tok = create_token(store, name="other-site", role="operator", site="gwangyang", settings=settings)
    r = client.post("/api/readings", json=NEW, headers=_auth(tok))
    assert r.status_code == 403 and "gwangyang" in r.json()["error"]["message"]
    tok = create_token(store, name="this-site", role="operator", site="pohang", settings=settings)
    assert client.post("/api/readings", json=NEW, headers=_auth(tok)).status_code == 200


def test_bad_value_names_row_and_field(client, tokens):
    body = _batch(("fan-1", "vibration", "2024-05-03T00:00:00Z", 1.0), ("fan-1", "vibration", "2024-05-03T01:00:00Z",
                                                                       "lots"))
    r = client.post("/api/readings", json=body, headers=_auth(tokens["operator"]))
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["type"] == "ValidationError" and err["row"] == 2 and err["column"] == "value"


def test_missing_field_names_row_and_field(client, tokens):
    r = client.post("/api/readings", json={"readings": [{"asset": "fan-1", "signal": "vibration", "value": 1}]},
                    headers=_auth(tokens["operator"]))
    assert r.status_code == 422
    assert r.json()["error"]["row"] == 1 and r.json()["error"]["column"] == "time"


def test_bad_time_names_row(client, tokens):
    body = _batch(("fan-1", "vibration", "2024-05-03T00:00:00Z", 1.0),
                  ("fan-1", "vibration", "2024-05-03T01:00:00Z", 1.0),
                  ("fan-1", "vibration", "tuesday", 1.0))
    r = client.post("/api/readings", json=body, headers=_auth(tokens["operator"]))
    assert r.status_code == 422
    err = r.json()["error"]
    assert (err["type"], err["row"], err["column"]) == ("DataError", 3, "time")


def test_mixed_time_kinds_and_duplicates_are_422(client, tokens):
    mixed = _batch(("fan-1", "vibration", "2024-05-03T00:00:00Z", 1.0), ("fan-1", "vibration", 5, 1.0))
    r = client.post("/api/readings", json=mixed, headers=_auth(tokens["operator"]))
    assert r.status_code == 422 and r.json()["error"]["row"] == 2
    dup = _batch(("fan-1", "vibration", "2024-05-03T00:00:00Z", 1.0),
                 ("fan-1", "vibration", "2024-05-03T00:00:00Z", 2.0))
    r = client.post("/api/readings", json=dup, headers=_auth(tokens["operator"]))
    assert r.status_code == 422 and r.json()["error"]["row"] == 2


def test_time_kind_mismatch_with_store_is_422(client, tokens, store):
    before = store.count_readings()
    r = client.post("/api/readings", json=_batch(("fan-1", "vibration", 12, 1.0)), headers=_auth(tokens["operator"]))
    assert r.status_code == 422 and r.json()["error"]["type"] == "DataError"
    assert store.count_readings() == before


def test_unit_mismatch_is_422_and_writes_nothing(client, tokens, store):
    before = store.count_readings()
    body = {"readings": [{"asset": "fan-1", "signal": "vibration", "time": "2024-05-03T00:00:00Z", "value": 1.0,
                          "unit": "g"}]}
    r = client.post("/api/readings", json=body, headers=_auth(tokens["operator"]))
    assert r.status_code == 422 and r.json()["error"]["type"] == "UnitError"
    assert r.json()["error"]["column"] == "vibration"
    assert store.count_readings() == before


def test_unknown_asset_is_404(client, tokens):
    r = client.post("/api/readings", json=_batch(("ghost", "vibration", "2024-05-03T00:00:00Z", 1.0)),
                    headers=_auth(tokens["operator"]))
    assert r.status_code == 404 and "ghost" in r.json()["error"]["message"]


def test_empty_and_extra_fields_are_422(client, tokens):
    assert client.post("/api/readings", json={"readings": []}, headers=_auth(tokens["operator"])).status_code == 422
    extra = {"readings": [{"asset": "fan-1", "signal": "vibration", "time": "2024-05-03T00:00:00Z", "value": 1,
                           "oops": 1}]}
    r = client.post("/api/readings", json=extra, headers=_auth(tokens["operator"]))
    assert r.status_code == 422 and r.json()["error"]["column"] == "oops"
    r = client.post("/api/readings", content=b"{not json", headers={**_auth(tokens["operator"]),
                                                                   "Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["error"]["type"] == "ValidationError"


def test_failing_refresh_does_not_lose_the_write(client, store, tokens, service, monkeypatch, caplog):
    def broken():
        raise RuntimeError("model exploded")

    monkeypatch.setattr(service, "refresh", broken)
    before = store.count_readings()
    with caplog.at_level(logging.ERROR, logger="bessemer.api"):
        r = client.post("/api/readings", json=_batch(("pump-1", "vibration", "2024-05-04T00:00:00Z", 1.0)),
                        headers=_auth(tokens["operator"]))
    assert r.status_code == 200 and store.count_readings() == before + 1
    assert "refreshing service 'maintenance'" in caplog.text
