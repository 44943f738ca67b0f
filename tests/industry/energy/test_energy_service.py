"""EnergyService on generated meter data: honest day-ahead forecasts, bills, schedule, carbon, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bessemer.core import ConfigError, DataError, Frame, NotFoundError
from bessemer.industry.energy import EnergyService, bills, grid_factor, load_tariff
from bessemer.industry.energy._service import bills_with_pf, by_version
from bessemer.industry.energy._synthetic import make_plant_load

FAST = {"n_estimators": 40, "n_folds": 3, "num_leaves": 15}
TZ = "Asia/Seoul"
CUT = pd.Timestamp("2025-07-06 13:30", tz=TZ)  # the meter's last interval ends here (mid-afternoon)


def _meter(scale_after: pd.Timestamp | None = None, factor: float = 1.0) -> Frame:
    """42 days from Monday 2025-05-26 (Seoul) cut at CUT; optionally scale kWh from ``scale_after`` on."""
    f = make_plant_load(42, start="2025-05-26", seed=3)
    d = f.to_pandas()
    d = d[d["time"] + pd.Timedelta(minutes=15) <= CUT.tz_convert("UTC")].reset_index(drop=True)
    if scale_after is not None:
        late = d["time"] >= scale_after.tz_convert("UTC")
        d.loc[late, "usage_kwh"] *= factor
    return Frame(d, units=f.units, time_kind="timestamp", meta=f.meta, source="meter.csv")


def _build(frame: Frame, **kw) -> EnergyService:
    args = {"tariff": load_tariff(on="2025-05-26"), "contract_kw": 80_000, "holdout_days": 5, "heats": 8, "days": 1,
            "time_limit_s": 10, "forecaster_params": FAST, "name_en": "Test shop", "name_ko": "시험 공장"}
    return EnergyService.build(frame, **{**args, **kw})


@pytest.fixture(scope="module")
def meter() -> Frame:
    return _meter()


@pytest.fixture(scope="module")
def svc(meter) -> EnergyService:
    stages: list[tuple[str, float]] = []
    s = _build(meter, progress=lambda stage, frac: stages.append((stage, frac)))
    s.stages = stages  # type: ignore[attr-defined]
    return s


def test_overview_names_the_site_period_tariff_and_last_full_month(svc, meter):
    o = svc.overview()
    t = meter.column("time")
    assert o["site"] == {"asset": "pohang-eaf-shop", "name_en": "Test shop", "name_ko": "시험 공장", "tz": TZ}
    assert o["period"] == {"start": "2025-05-25T15:00:00Z", "end": "2025-07-06T04:30:00Z", "intervals": len(meter)}
    assert o["latest"]["time"] == svc.updated() == pd.Timestamp(t[-1]).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert o["latest"]["kwh"] == pytest.approx(meter.column("usage_kwh")[-1])
    assert o["latest"]["kw"] == pytest.approx(4 * meter.column("usage_kwh")[-1])
    assert o["tariff"]["label_ko"] == "산업용(을) 고압A 선택 II" and o["tariff"]["contract_kw"] == 80_000
    assert o["tariff"]["effective_from"] == "2024-10-24" and o["tariff"]["source"]
    assert o["bill"]["month"] == "2025-06"  # May and July are partial
    assert o["schedule"]["saving_won"] == pytest.approx(o["schedule"]["as_is_won"] - o["schedule"]["optimised_won"])


def test_progress_is_reported_in_order(svc):
    fracs = [f for _, f in svc.stages]
    assert fracs == sorted(fracs) and fracs[-1] == 1.0
    assert any("forecaster" in s for s, _ in svc.stages) and any("schedule" in s for s, _ in svc.stages)


def test_forecasts_cover_only_the_held_out_days_and_the_rest_of_today(svc):
    load = svc.load(days=14)
    rows = load["data"]
    assert load["train_end"] == "2025-07-01T15:00:00Z"  # local midnight starting 2 July: 5 days up to 6 July
    times = [r["time"] for r in rows]
    assert times[-1] == "2025-07-06T14:45:00Z"  # 23:45 in Seoul: the forecast runs to the end of the day
    held = [r for r in rows if r["time"] >= load["train_end"]]
    before = [r for r in rows if r["time"] < load["train_end"]]
    assert len(held) == 5 * 96 and len(before) == 9 * 96
    assert all(r["forecast"] is None for r in before)  # trained on: no in-sample forecast is shown
    assert all(r["lower"] <= r["forecast"] <= r["upper"] for r in held)
    future = [r for r in rows if r["actual"] is None]
    assert len(future) == (24 - 13.5) * 4 and future[0]["time"] == "2025-07-06T04:30:00Z"
    assert {r["band"] for r in rows} == {"light", "medium", "maximum"}
    # the accuracy in the overview is measured on exactly the held-out actuals
    y = np.array([r["actual"] for r in held if r["actual"] is not None])
    f = np.array([r["forecast"] for r in held if r["actual"] is not None])
    acc = svc.overview()["forecast"]
    assert acc["n"] == len(y) and acc["days"] == 5
    assert acc["mae_kwh"] == pytest.approx(np.mean(np.abs(y - f)), rel=1e-6)
    assert 0.5 <= acc["coverage"] <= 1.0 and acc["nominal"] == 0.9
    assert len(svc.load()["data"]) == 3 * 96


def test_held_out_actuals_never_reach_the_forecast_issued_before_them(meter, svc):
    # scale every actual from 14:00 on 2 July (a held-out day) by 10: the model never trained on them, and the
    # forecasts of 2 July were issued at its midnight, so they must not move; those of 3 July on may
    issued = pd.Timestamp("2025-07-02 14:00", tz=TZ)
    other = _build(_meter(scale_after=issued, factor=10.0), heats=4)
    a = {r["time"]: r["forecast"] for r in svc.load(days=5)["data"]}
    b = {r["time"]: r["forecast"] for r in other.load(days=5)["data"]}
    day2 = [t for t in a if "2025-07-01T15:00:00Z" <= t < "2025-07-02T15:00:00Z"]
    assert len(day2) == 96 and all(a[t] == b[t] for t in day2)
    later = [t for t in a if t >= "2025-07-02T15:00:00Z"]
    assert any(a[t] != b[t] for t in later)  # the check can fail: later days do see the change


def test_bills_match_the_tariff_engine(svc, meter):
    t = pd.DatetimeIndex(meter.column("time"))
    kwh = pd.Series(meter.column("usage_kwh"), index=t)
    lag = pd.Series(meter.column("lagging_kvarh"), index=t)
    lead = pd.Series(meter.column("leading_kvarh"), index=t)
    ref = bills(kwh, tariff=load_tariff(on="2025-05-26"), contract_kw=80_000, lagging_kvarh=lag, leading_kvarh=lead)
    got = svc.bills()
    assert [b["month"] for b in got] == ["2025-05", "2025-06", "2025-07"]
    assert [b["partial"] for b in got] == [True, False, True]
    assert [b["total_won"] for b in got] == [b.total_won for b in ref]
    june = svc.bill("2025-06")
    assert june == ref[1].to_dict()
    assert {i["code"] for i in june["items"]} >= {"demand", "energy_light", "energy_medium", "energy_maximum"}


def test_bill_month_errors(svc):
    with pytest.raises(NotFoundError, match="2025-06"):
        svc.bill("2024-01")
    for bad in ("2025-6", "2025-13", "June", 202506, None):
        with pytest.raises(DataError, match="YYYY-MM"):
            svc.bill(bad)


def test_schedule_of_the_next_day_is_priced_by_the_tariff(svc):
    s = svc.schedule()
    assert s["start"] == "2025-07-06T15:00:00Z" and s["end"] == "2025-07-07T15:00:00Z"  # 7 July in Seoul
    assert len(s["slots"]) == 96 and s["heats"] == 8
    times = pd.DatetimeIndex([x["time"] for x in s["slots"]])
    tariff = load_tariff(on="2025-07-07")
    assert [x["price_won_per_kwh"] for x in s["slots"]] == pytest.approx(tariff.unit_cost(times).tolist())
    assert [x["band"] for x in s["slots"]] == tariff.band(times).tolist()
    assert s["demand_rate_won_per_kw"] == tariff.demand_rate
    for key in ("as_is", "optimised"):
        recs = s[key]["records"]
        assert sorted(r["job"] for r in recs) == [f"H{i:02d}" for i in range(1, 9)]
        assert all(s["start"] <= r["start"] < r["end"] <= s["end"] for r in recs)
    assert s["saving_won"] == pytest.approx(s["as_is"]["total_cost_won"] - s["optimised"]["total_cost_won"], abs=0.02)
    assert s["saving_won"] >= 0 and s["status"] in ("optimal", "time_limit")
    assert 0 <= s["mip_gap"] <= 1 and s["solve_s"] <= s["time_limit_s"] + 5


def test_carbon_books_the_metered_kwh_with_the_years_grid_factor(svc, meter):
    c = svc.carbon()
    gf = grid_factor(2025)
    line = c["ledger"]["lines"][0]
    assert line["scope"] == "scope2" and line["factor_id"] == gf.id and line["sources"]
    kwh = float(meter.column("usage_kwh").sum())
    assert line["amount"] == pytest.approx(kwh)
    assert c["ledger"]["totals"]["scope2_t"] == pytest.approx(kwh * gf.value / 1000)
    assert c["grid_factors"][0]["year"] == 2025 and c["grid_factors"][0]["applies"]
    cases = {x["name"]: x for x in c["cases"]}
    assert {"gwangyang-steel", "yeosu-ncc"} <= set(cases)
    steel = cases["gwangyang-steel"]
    assert steel["scenarios"][0]["scenario"] == "baseline"
    assert steel["baseline"]["totals"]["total_t"] == pytest.approx(steel["scenarios"][0]["total_t"])
    assert c["prices"] and all(p["assumption"] is True and p["note"] for p in c["prices"])


def test_ledger_with_production_reports_intensity(meter):
    s = _build(meter, production_t=5_000.0, scenarios=None, heats=4)
    c = s.carbon()
    inten = c["ledger"]["intensity"]["2025"]["steel"]
    assert inten["t_per_t"] == pytest.approx(c["ledger"]["totals"]["scope2_t"] / 5_000.0)
    assert c["cases"] == [] and c["prices"] == []


def test_power_factor_charge_left_out_with_a_note_where_the_tariff_has_no_rule():
    idx = pd.date_range("2026-05-01", "2026-06-01", freq="15min", tz=TZ, inclusive="left")
    kwh = pd.Series(100.0, index=idx)
    kvarh = pd.Series(60.0, index=idx)
    t = load_tariff(on="2026-05-01", assume={"fuel_cost_adjustment": 5.0})
    got, note = bills_with_pf(kwh, tariff=t, contract_kw=1000, lagging_kvarh=kvarh, leading_kvarh=kvarh * 0)
    assert note is not None and "power-factor" in note.lower()
    assert not any(i.code.startswith("pf") or "power" in i.code for i in got[0].items)
    same, none = bills_with_pf(kwh, tariff=t, contract_kw=1000)
    assert none is None and same[0].total_won == got[0].total_won


def test_by_version_prices_times_across_a_tariff_change():
    t = load_tariff(on="2026-04-15")
    times = pd.date_range("2026-04-15 12:00", "2026-04-16 12:00", freq="6h", tz=TZ)
    got = by_version(t, times, "band")
    want = np.concatenate([t.band(times[:2]), t.at("2026-04-16").band(times[2:])])
    assert got.tolist() == want.tolist()


def _frame(df: pd.DataFrame, like: Frame) -> Frame:
    return Frame(df.reset_index(drop=True), units=like.units, time_kind="timestamp", meta=like.meta, source="m.csv")


def test_bad_input_is_refused_before_any_work(meter):
    d = meter.to_pandas()
    two = pd.concat([d, d.assign(asset="other")])
    with pytest.raises(DataError, match="one meter"):
        _build(_frame(two, meter))
    nan = d.copy()
    nan.loc[100, "usage_kwh"] = np.nan
    with pytest.raises(DataError, match="usage_kwh") as err:
        _build(_frame(nan, meter))
    assert err.value.row == 101 and err.value.file == "m.csv"
    neg = d.copy()
    neg.loc[5, "lagging_kvarh"] = -1.0
    with pytest.raises(DataError, match="lagging_kvarh"):
        _build(_frame(neg, meter))
    with pytest.raises(DataError, match="at least 7"):
        _build(_frame(d.iloc[-10 * 96:], meter))
    with pytest.raises(DataError, match="usage_kwh"):
        _build(meter.select(["lagging_kvarh"]))
    for bad in (0, -5, float("nan"), "80000", True):
        with pytest.raises(ConfigError, match="contract_kw"):
            _build(meter, contract_kw=bad)
    for bad in (0, 15, 2.5):
        with pytest.raises(ConfigError, match="holdout_days"):
            _build(meter, holdout_days=bad)
    with pytest.raises(ConfigError, match="Tariff"):
        _build(meter, tariff="kepco")


def test_load_refuses_bad_days(svc):
    for bad in (0, 15, -1, 2.5, "3", True):
        with pytest.raises(DataError, match="days"):
            svc.load(days=bad)
