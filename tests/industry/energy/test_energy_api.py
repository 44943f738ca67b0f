"""The /api/energy routes over TestClient with FakeEnergyService: reads, 404, 422, 503, OpenAPI."""

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
from bessemer.industry.energy._api import MAX_DAYS, EnergyServiceProtocol, energy_routers
from bessemer.industry.energy.testing import FakeEnergyService

E = "/api/energy"


def with_energy_routes(app: FastAPI) -> FastAPI:
    return with_domain_routes(app, "energy", energy_routers)


@pytest.fixture(scope="module")
def store():
    s = demo_store(hours=6)
    yield s
    s.close()


@pytest.fixture(scope="module")
def service():
    return FakeEnergyService()


@pytest.fixture(scope="module")
def client(store, service):
    app = with_energy_routes(create_app(Settings(), store=store, services={"energy": service}))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_fake_has_every_protocol_method():
    wanted = {n for n in vars(EnergyServiceProtocol) if not n.startswith("_")}
    assert wanted == {"overview", "load", "bills", "bill", "schedule", "carbon", "updated"}
    assert all(callable(getattr(FakeEnergyService(), n, None)) for n in wanted)


def test_real_service_has_every_protocol_method():
    from bessemer.industry.energy import EnergyService

    wanted = {n for n in vars(EnergyServiceProtocol) if not n.startswith("_")}
    assert all(callable(getattr(EnergyService, n, None)) for n in wanted)


def test_routes_are_get_only_under_the_energy_tag(client):
    paths = {p: v for p, v in client.get("/openapi.json").json()["paths"].items() if p.startswith(E)}
    assert set(paths) == {f"{E}/overview", f"{E}/load", f"{E}/bills", f"{E}/bills/{{month}}", f"{E}/schedule",
                          f"{E}/carbon"}
    assert all(set(v) == {"get"} for v in paths.values())
    assert paths[f"{E}/overview"]["get"]["tags"] == ["energy"]


def test_overview(client, service):
    r = client.get(f"{E}/overview")
    assert r.status_code == 200
    o = r.json()
    assert o["site"] == {"asset": "fake-eaf-shop", "name_en": "Test EAF shop", "name_ko": "시험 전기로 공장",
                         "tz": "Asia/Seoul"}
    assert o["updated"] == service.updated() == "2026-03-01T08:45:00Z"  # 17:45 in Seoul
    assert o["period"] == {"start": "2026-01-25T15:00:00Z", "end": "2026-03-01T09:00:00Z",
                           "intervals": 34 * 96 + 72}  # 26 Jan to 28 Feb, then 1 Mar 00:00-18:00
    assert o["bill"]["month"] == "2026-02" and o["bill"]["total_won"] == service.bill("2026-02")["total_won"]
    assert o["schedule"]["saving_won"] == pytest.approx(o["schedule"]["as_is_won"] - o["schedule"]["optimised_won"])
    f = o["forecast"]
    assert f["horizon"] == "day" and f["days"] == 7 and 0 <= f["coverage"] <= 1 and f["mae_kwh"] > 0


def test_load_rows_have_forecast_band_and_tariff_band(client):
    body = client.get(f"{E}/load").json()
    assert body["days"] == 3 and body["count"] == len(body["data"]) == 3 * 96  # to the end of the current day
    rows = body["data"]
    assert rows[0]["time"] == "2026-02-26T15:00:00Z" and rows[-1]["time"] == "2026-03-01T14:45:00Z"
    assert {r["band"] for r in rows} == {"light", "medium", "maximum"}
    future = [r for r in rows if r["actual"] is None]
    assert len(future) == 6 * 4 and future[0]["time"] == "2026-03-01T09:00:00Z"  # 18:00-24:00 in Seoul
    assert all(r["lower"] <= r["forecast"] <= r["upper"] for r in rows)
    week = client.get(f"{E}/load", params={"days": 14}).json()["data"]
    assert len(week) == 14 * 96
    assert week[0]["forecast"] is None and week[-1]["forecast"] is not None  # none before the held-out days


@pytest.mark.parametrize("days", [0, -1, MAX_DAYS + 1, "three", 1.5])
def test_load_refuses_bad_days(client, days):
    r = client.get(f"{E}/load", params={"days": days})
    assert r.status_code == 422 and r.json()["error"]["column"] == "days"


def test_bills_and_one_bill(client):
    body = client.get(f"{E}/bills").json()
    assert body["count"] == 3 and [b["month"] for b in body["data"]] == ["2026-01", "2026-02", "2026-03"]
    assert [b["partial"] for b in body["data"]] == [True, False, True]
    b = client.get(f"{E}/bills/2026-02").json()
    codes = [i["code"] for i in b["items"]]
    assert codes[0] == "demand" and {"energy_light", "energy_medium", "energy_maximum"} <= set(codes)
    assert all(i["label_ko"] and i["label_en"] for i in b["items"])
    assert b["subtotal_won"] == pytest.approx(sum(i["amount_won"] for i in b["items"]), abs=0.01)
    assert b["total_won"] == body["data"][1]["total_won"]


def test_unknown_month_is_404(client):
    r = client.get(f"{E}/bills/2025-12")
    assert r.status_code == 404
    err = r.json()["error"]
    assert err["type"] == "NotFoundError" and "2025-12" in err["message"] and "2026-02" in err["message"]


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "202602", "2026-02-01", "feb", "%3Cscript%3E"])
def test_malformed_month_is_422(client, month):
    r = client.get(f"{E}/bills/{month}")
    assert r.status_code == 422, r.text
    assert r.json()["error"]["column"] == "month"


def test_schedule(client):
    s = client.get(f"{E}/schedule").json()
    assert s["machines"] == ["eaf-1", "eaf-2"] and len(s["slots"]) == 96
    for key in ("as_is", "optimised"):
        recs = s[key]["records"]
        assert len(recs) == 8 and {r["machine"] for r in recs} <= set(s["machines"])
        assert all(r["start"] < r["end"] and r["kwh"] > 0 and r["cost_won"] > 0 for r in recs)
    assert s["saving_won"] == pytest.approx(s["as_is"]["total_cost_won"] - s["optimised"]["total_cost_won"])
    assert s["saving_won"] > 0 and s["status"] == "optimal" and 0 <= s["mip_gap"] < 0.01
    assert {"time", "price_won_per_kwh", "band", "as_is_kw", "optimised_kw"} == set(s["slots"][0])


def test_carbon(client):
    c = client.get(f"{E}/carbon").json()
    line = c["ledger"]["lines"][0]
    assert line["scope"] == "scope2" and line["sources"] and line["status"] == "Confirmed"
    assert line["emissions_t"] == pytest.approx(line["amount"] * line["factor"])
    case = c["cases"][0]
    assert [r["scenario"] for r in case["scenarios"]] == ["baseline", "eaf-30", "eaf-50"]
    assert case["scenarios"][1]["delta_t"] < 0
    assert c["prices"] and all(p["assumption"] is True for p in c["prices"])


def test_503_while_the_service_is_prepared(store):
    app = with_energy_routes(create_app(Settings(), store=store, services={}))
    app.state.progress = {"stage": "energy: optimising the schedule", "fraction": 0.6}
    with TestClient(app, raise_server_exceptions=False) as c:
        for path in ["/overview", "/load", "/bills", "/bills/2026-02", "/schedule", "/carbon"]:
            r = c.get(E + path)
            assert r.status_code == 503, path
            assert "energy" in r.json()["error"]["message"] and "optimising" in r.json()["error"]["message"]
        app.state.services["energy"] = FakeEnergyService()
        assert c.get(f"{E}/overview").status_code == 200


def test_a_broken_service_is_a_json_500_without_details(store):
    class Broken(FakeEnergyService):
        def schedule(self):
            raise RuntimeError("secret internals")

    app = with_energy_routes(create_app(Settings(), store=store, services={"energy": Broken()}))
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get(f"{E}/schedule")
        assert r.status_code == 500 and "secret" not in r.text
        assert r.json()["error"]["type"] == "InternalError"
