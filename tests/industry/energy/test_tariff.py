"""KEPCO tariffs as versioned data: version choice, seasons, time bands, rates, file validation, a 갑-style file."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bessemer.core import ConfigError, DataError, NotFoundError
from bessemer.industry.energy._bill import monthly_bill
from bessemer.industry.energy._tariff import Tariff, load_tariff, tariff_families
from bessemer.industry.energy._tariff_schema import BANDS, STATUSES

REPO = Path(__file__).resolve().parents[3]
BUNDLED = REPO / "src/bessemer/industry/energy/data/tariffs/kepco-industrial-eul.json"
REFERENCE = REPO.parent / "shared/reference/energy-carbon-facts.md"
SEASONS = ("summer", "spring_fall", "winter")


def _bands(tariff: Tariff, *times: str) -> list[str]:
    return tariff.band(list(times)).tolist()


# ---------------------------------------------------------------------------------------------------------------
# versions


@pytest.mark.parametrize(("on", "start"), [
    ("2018-01-01", "2018-01-01"),
    (date(2018, 6, 1), "2018-01-01"),
    ("2020-12-31", "2018-01-01"),
    ("2024-10-24", "2024-10-24"),
    (date(2026, 4, 15), "2024-10-24"),
    ("2026-04-16", "2026-04-16"),
    (datetime(2030, 1, 1, 12), "2026-04-16"),
    # 2026-04-15 20:00 UTC is 2026-04-16 05:00 in Seoul: the reform's first day
    (datetime(2026, 4, 15, 20, 0, tzinfo=UTC), "2026-04-16"),
])
def test_the_version_in_force_on_the_date_is_chosen(on, start):
    assert load_tariff(on=on).effective_from.isoformat() == start


@pytest.mark.parametrize("on", ["2017-12-31", "2022-06-01", "2024-10-23"])
def test_a_date_without_a_version_names_the_versions_that_exist(on):
    with pytest.raises(NotFoundError) as err:
        load_tariff(on=on)
    msg = str(err.value)
    assert on in msg
    for label in ("2018-01-01 to 2020-12-31", "2024-10-24 to 2026-04-15", "2026-04-16 onwards"):
        assert label in msg


def test_bundled_family_voltage_and_option_errors_list_what_exists():
    assert "kepco-industrial-eul" in tariff_families()
    with pytest.raises(NotFoundError, match="bundled: .*kepco-industrial-eul"):
        load_tariff("kepco-industrial-nope", on="2018-01-01")
    with pytest.raises(ConfigError, match="lower-case"):
        load_tariff("../../etc/passwd", on="2018-01-01")
    with pytest.raises(NotFoundError, match="high_a, high_b, high_c"):
        load_tariff(voltage="low", on="2018-01-01")
    with pytest.raises(NotFoundError, match="I, II, III"):
        load_tariff(option="IV", on="2018-01-01")
    with pytest.raises(DataError, match="must be a date"):
        load_tariff(on="01/06/2018")
    with pytest.raises(ConfigError, match="assume accepts"):
        load_tariff(on="2018-01-01", assume={"vat": 0.0})
    with pytest.raises(ConfigError, match="finite"):
        load_tariff(on="2018-01-01", assume={"fuel_cost_adjustment": float("nan")})


def test_every_voltage_and_option_loads_with_its_own_demand_charge():
    raw = json.loads(BUNDLED.read_text(encoding="utf-8"))
    for version in raw["rates"]:
        on = version["effective_from"]
        for voltage, options in version["table"].items():
            for option, entry in options.items():
                t = load_tariff(voltage=voltage, option=option, on=on)
                assert t.demand_rate == entry["demand"]
                assert t.status == version["status"] and t.source == version["source"]
                assert t.to_dict()["energy_rates_won_per_kwh"] == entry["energy"]
                json.dumps(t.to_dict())  # JSON-friendly


def test_the_three_rate_tables_are_related_by_the_documented_step_changes():
    """§1.4: 2024-10-24 = 2026-04-16 with the reform reversed = 2018 + 54.8 (고압A) / 66.3 (고압B, C)."""
    raw = json.loads(BUNDLED.read_text(encoding="utf-8"))
    t18, t24, t26 = (v["table"] for v in raw["rates"])
    reform = {"light": 5.1, "medium": 0.0}
    checked = 0
    for voltage in ("high_a", "high_b", "high_c"):
        step = 54.8 if voltage == "high_a" else 66.3
        for option in ("I", "II", "III"):
            assert t18[voltage][option]["demand"] == t24[voltage][option]["demand"] == t26[voltage][option]["demand"]
            for season in SEASONS:
                for band in BANDS:
                    change = reform.get(band, -13.2 if season == "spring_fall" else -16.9)
                    a18, a24, a26 = (t[voltage][option]["energy"][season][band] for t in (t18, t24, t26))
                    assert round(a18 + step, 1) == a24
                    assert round(a24 + change, 1) == a26
                    checked += 1
    assert checked == 81


@pytest.mark.skipif(not REFERENCE.is_file(), reason=f"energy reference not found at {REFERENCE}")
def test_rate_tables_equal_the_reference_cell_by_cell():
    text = REFERENCE.read_text(encoding="utf-8")
    raw = json.loads(BUNDLED.read_text(encoding="utf-8"))
    sections = {"### 1.3": raw["rates"][2]["table"], "### 1.4": raw["rates"][1]["table"],
                "### 1.5": raw["rates"][0]["table"]}
    volt = {"A": "high_a", "B": "high_b", "C": "high_c"}
    for head, table in sections.items():
        block = text[text.index(head):]
        rows = re.findall(r"^\| 고압([ABC]) 선택(I+) \|(.+)\|$", block.split("\n### ")[0], flags=re.MULTILINE)
        assert len(rows) == 9
        for v, o, cells in rows:
            nums = [float(c.replace(",", "")) for c in cells.split("|")]
            entry = table[volt[v]][o]
            assert entry["demand"] == nums[0]
            assert [entry["energy"][s][b] for s in SEASONS for b in BANDS] == nums[1:]


def test_every_entry_of_the_bundled_file_has_a_source_and_a_status():
    raw = json.loads(BUNDLED.read_text(encoding="utf-8"))
    seen = 0
    for key in ("rates", "seasons", "day_rules", "discounts", "climate_environment", "fuel_cost_adjustment",
                "fund", "power_factor"):
        for entry in raw[key]:
            assert entry["source"].strip() and entry["status"] in STATUSES, (key, entry)
            seen += 1
    for schedule in raw["time_bands"]:
        for season in schedule["seasons"].values():
            assert season["source"].strip() and season["status"] in STATUSES
            seen += 1
    assert seen > 20


# ---------------------------------------------------------------------------------------------------------------
# seasons and bands


def test_seasons_by_month():
    t = load_tariff(on="2018-01-01")
    months = [f"2018-{m:02d}-15 12:00" for m in range(1, 13)]
    expected = ["winter", "winter"] + ["spring_fall"] * 3 + ["summer"] * 3 + ["spring_fall"] * 2 + ["winter"] * 2
    assert t.season(months).tolist() == expected


def test_2018_weekday_band_boundaries():
    t = load_tariff(on="2018-06-01")  # 2018-06-01 is a Friday, 2018-01-10 a Wednesday
    assert _bands(t, "2018-06-01 08:59", "2018-06-01 09:00", "2018-06-01 09:59", "2018-06-01 10:00") == [
        "light", "medium", "medium", "maximum"]
    assert _bands(t, "2018-06-01 11:59", "2018-06-01 12:00", "2018-06-01 13:00", "2018-06-01 16:59") == [
        "maximum", "medium", "maximum", "maximum"]
    assert _bands(t, "2018-06-01 17:00", "2018-06-01 22:59", "2018-06-01 23:00", "2018-06-01 00:00") == [
        "medium", "medium", "light", "light"]
    # winter: maximum 10-12, 17-20 and 22-23
    assert _bands(t, "2018-01-10 12:00", "2018-01-10 17:00", "2018-01-10 20:00", "2018-01-10 22:00",
                  "2018-01-10 22:59", "2018-01-10 23:00") == ["medium", "maximum", "medium", "maximum", "maximum",
                                                              "light"]


def test_2026_weekday_bands_differ_from_2018():
    old, new = load_tariff(on="2018-06-01"), load_tariff(on="2026-06-01")
    # same weekday clock times in summer: 2018-06-05 and 2026-06-02 are Tuesdays
    assert _bands(old, "2018-06-05 14:00", "2018-06-05 19:00", "2018-06-05 22:30", "2018-06-05 08:30") == [
        "maximum", "medium", "medium", "light"]
    assert _bands(new, "2026-06-02 14:00", "2026-06-02 19:00", "2026-06-02 22:30", "2026-06-02 08:30") == [
        "medium", "maximum", "light", "medium"]
    assert _bands(new, "2026-06-02 07:59", "2026-06-02 08:00", "2026-06-02 14:59", "2026-06-02 15:00",
                  "2026-06-02 20:59", "2026-06-02 21:00", "2026-06-02 21:59", "2026-06-02 22:00") == [
        "light", "medium", "medium", "maximum", "maximum", "medium", "medium", "light"]
    # winter 2026 (Unconfirmed in the reference): maximum 09-12 and 16-19
    assert _bands(new, "2026-12-01 08:59", "2026-12-01 09:00", "2026-12-01 12:00", "2026-12-01 16:00",
                  "2026-12-01 19:00") == ["medium", "maximum", "medium", "maximum", "medium"]


def test_weekend_and_holiday_rules():
    t = load_tariff(on="2018-06-01")
    # Friday, Saturday, Sunday at 14:00 (a maximum-load hour on weekdays)
    assert _bands(t, "2018-06-01 14:00", "2018-06-02 14:00", "2018-06-03 14:00") == ["maximum", "medium", "light"]
    assert _bands(t, "2018-06-02 09:00", "2018-06-02 03:00", "2018-06-03 18:00") == ["medium", "light", "light"]
    # Buddha's birthday (Tuesday 2018-05-22) and the local election day (Wednesday 2018-06-13) vs the day before
    assert _bands(t, "2018-05-21 14:00", "2018-05-22 14:00", "2018-06-12 18:00", "2018-06-13 18:00") == [
        "maximum", "light", "medium", "light"]


def test_times_in_any_zone_are_read_in_seoul_and_naive_times_are_seoul():
    t = load_tariff(on="2018-06-01")
    utc = pd.DatetimeIndex(["2018-06-01 05:00", "2018-05-31 23:59"], tz="UTC")  # 14:00 and 08:59 in Seoul
    assert t.band(utc).tolist() == ["maximum", "light"]
    assert t.band(pd.Timestamp("2018-06-01 14:00")).tolist() == t.band(pd.Timestamp("2018-06-01 14:00+09:00")).tolist()
    assert t.band(pd.Series(utc)).tolist() == ["maximum", "light"]


def test_times_the_data_does_not_cover_are_refused_naming_the_time():
    with pytest.raises(DataError, match=r"2021-01-01 10:00:00\+09:00 is outside this tariff version"):
        load_tariff(on="2018-06-01").band(["2018-06-01 10:00", "2021-01-01 10:00"])
    # 2024-10-24 to 2025-02-28: the rates are known but not the time bands
    with pytest.raises(DataError, match=r"no time-band schedule .* covers 2024-11-05 10:00"):
        load_tariff(on="2024-11-05").band(["2024-11-05 10:00"])
    # winter 2025-26: light 22-08 only; the other hours are not given
    t = load_tariff(on="2025-12-01")
    assert _bands(t, "2025-12-01 22:00", "2025-12-01 07:59") == ["light", "light"]
    with pytest.raises(DataError, match=r"do not define 08:00 on 2025-12-02 08:00"):
        t.band(["2025-12-01 23:00", "2025-12-02 08:00"])
    with pytest.raises(DataError, match="NaT"):
        t.band([pd.NaT])
    with pytest.raises(DataError, match="not times"):
        t.band(["tomorrow at nine"])


# ---------------------------------------------------------------------------------------------------------------
# rates


def test_energy_rate_is_the_table_cell_of_season_and_band():
    raw = json.loads(BUNDLED.read_text(encoding="utf-8"))
    cells = raw["rates"][0]["table"]["high_c"]["III"]["energy"]
    t = load_tariff(voltage="high_c", option="III", on="2018-01-01")
    times = ["2018-01-10 03:00", "2018-01-10 12:00", "2018-01-10 18:00", "2018-04-10 03:00", "2018-04-10 12:00",
             "2018-04-10 14:00", "2018-07-10 03:00", "2018-07-10 12:00", "2018-07-10 14:00"]
    assert t.energy_rate(times).tolist() == [cells[s][b] for s in ("winter", "spring_fall", "summer") for b in BANDS]


def test_unit_cost_adds_climate_and_fuel_charges():
    t = load_tariff(voltage="high_a", option="II", on="2025-06-01")
    frame = t.rates(["2025-06-02 14:00", "2025-06-02 03:00"])
    assert frame["band"].tolist() == ["maximum", "light"]
    assert frame["climate_environment"].tolist() == [9.0, 9.0]  # §1.8, from 2023-01-01
    assert frame["fuel_cost_adjustment"].tolist() == [5.0, 5.0]  # §1.8, 2022-Q3 to 2026-Q1
    np.testing.assert_allclose(t.unit_cost(frame.index), frame["energy_rate"] + 9.0 + 5.0)
    np.testing.assert_allclose(t.energy_rate(frame.index), [245.9, 110.9])
    # 2018: no separate climate charge, no fuel-cost adjustment
    t18 = load_tariff(on="2018-06-01")
    np.testing.assert_allclose(t18.unit_cost(["2018-06-01 14:00"]), t18.energy_rate(["2018-06-01 14:00"]))


def test_fuel_cost_adjustment_after_2026_q1_must_be_stated():
    t = load_tariff(on="2026-05-04")
    assert t.energy_rate(["2026-05-04 10:00"]).tolist() == [133.4]
    with pytest.raises(DataError, match=r"no fuel-cost-adjustment for 2026-05-04 10:00.*assume="):
        t.unit_cost(["2026-05-04 10:00"])
    stated = load_tariff(on="2026-05-04", assume={"fuel_cost_adjustment": 3.0})
    assert stated.unit_cost(["2026-05-04 10:00"]).tolist() == [pytest.approx(133.4 + 9.0 + 3.0)]


def test_spring_fall_weekend_midday_discount_from_2026_04_16():
    t = load_tariff(on="2026-05-01", assume={"fuel_cost_adjustment": 5.0})  # the data has none from 2026-Q2
    frame = t.rates(["2026-05-02 10:59", "2026-05-02 11:00", "2026-05-02 13:59", "2026-05-02 14:00",
                     "2026-05-03 12:00", "2026-05-05 12:00", "2026-05-06 12:00"])
    # Saturday 11-14 (medium), Sunday and Children's Day (light): 50 %; Wednesday: none
    assert frame["discount"].tolist() == [0.0, 0.5, 0.5, 0.0, 0.5, 0.5, 0.0]
    assert frame["band"].tolist() == ["medium", "medium", "medium", "medium", "light", "light", "medium"]
    np.testing.assert_allclose(t.energy_rate(frame.index), [133.4, 66.7, 66.7, 133.4, 58.0, 58.0, 133.4])
    # not in summer, and not before the reform
    summer = t.at("2026-06-01").rates(["2026-06-13 12:00"])  # a Saturday
    assert summer["discount"].tolist() == [0.0]
    before = t.at("2026-04-11").rates(["2026-04-11 12:00"])  # a Saturday
    assert before["discount"].tolist() == [0.0]


# ---------------------------------------------------------------------------------------------------------------
# files of one's own


def _gap_style() -> dict:
    """A small 산업용(갑)-style family: option I flat per season, option II time-of-use. Values are made up."""
    src = "test fixture"
    return {
        "schema_version": 1, "family": "test-industrial-gap", "name_en": "Test industrial (A)", "name_ko": "시험(갑)",
        "currency": "KRW", "timezone": "Asia/Seoul", "holiday_calendar": "KR",
        "eligibility": {"max_contract_kw": 300, "source": src, "status": "Unconfirmed"},
        "voltages": {"low": {"label_en": "Low voltage", "label_ko": "저압"},
                     "high_a": {"label_en": "High voltage A", "label_ko": "고압A"}},
        "options": {"I": {"label_en": "Option I", "label_ko": "선택 I"},
                    "II": {"label_en": "Option II", "label_ko": "선택 II"}},
        "rates": [{
            "effective_from": "2019-01-01", "effective_to": None, "source": src, "status": "Unconfirmed",
            "table": {
                "low": {"I": {"demand": 5000, "energy": {"summer": 90.0, "spring_fall": 60.0, "winter": 80.0}}},
                "high_a": {
                    "I": {"demand": 6000, "energy": {"summer": 85.0, "spring_fall": 55.0, "winter": 75.0}},
                    "II": {"demand": 6500, "energy": {
                        "summer": {"light": 50.0, "medium": 100.0, "maximum": 150.0},
                        "spring_fall": {"light": 40.0, "medium": 70.0, "maximum": 90.0},
                        "winter": {"light": 45.0, "medium": 95.0, "maximum": 130.0}}}}}}],
        "seasons": [{"effective_from": "2019-01-01", "effective_to": None, "source": src, "status": "Secondary",
                     "months": {"summer": [6, 7, 8], "spring_fall": [3, 4, 5, 9, 10], "winter": [11, 12, 1, 2]}}],
        "time_bands": [{"effective_from": "2019-01-01", "effective_to": None, "seasons": {
            s: {"light": [["22:00", "08:00"]], "medium": [["08:00", "11:00"], ["12:00", "13:00"], ["18:00", "22:00"]],
                "maximum": [["11:00", "12:00"], ["13:00", "18:00"]], "source": src, "status": "Secondary"}
            for s in ("summer", "spring_fall", "winter")}}],
        "climate_environment": [{"effective_from": "2019-01-01", "effective_to": None, "won_per_kwh": 0.0,
                                 "source": src, "status": "Secondary"}],
        "fuel_cost_adjustment": [{"effective_from": "2019-01-01", "effective_to": None, "won_per_kwh": 0.0,
                                  "source": src, "status": "Secondary"}],
        "vat": {"rate": 0.1, "rounding": "round_1", "source": src, "status": "Confirmed"},
        "fund": [{"effective_from": "2019-01-01", "effective_to": None, "rate": 0.037, "source": src,
                  "status": "Secondary"}],
        "rounding": {"fund": {"rule": "floor_10", "source": src, "status": "Secondary"},
                     "total": {"rule": "floor_10", "source": src, "status": "Secondary"}},
        "billing_demand": {"months": [12, 1, 2, 7, 8, 9], "window_months": 12, "floor_fraction": 0.3,
                           "source": src, "status": "Secondary"},
    }


def _write(tmp_path: Path, doc: dict | str, name: str = "tariff.json") -> Path:
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def test_a_gap_style_file_with_a_flat_option_and_a_time_of_use_option(tmp_path):
    path = _write(tmp_path, _gap_style())
    flat = load_tariff(path=path, voltage="high_a", option="I", on="2019-07-01")
    tou = load_tariff(path=path, voltage="high_a", option="II", on="2019-07-01")
    assert flat.family == "test-industrial-gap" and not flat.time_of_use and tou.time_of_use
    times = ["2019-07-02 03:00", "2019-07-02 11:00", "2019-07-02 19:00", "2019-10-02 11:00", "2019-12-02 11:00"]
    assert flat.energy_rate(times).tolist() == [85.0, 85.0, 85.0, 55.0, 75.0]
    assert tou.energy_rate(times).tolist() == [50.0, 150.0, 100.0, 90.0, 130.0]
    assert load_tariff(path=path, voltage="low", option="I", on="2019-07-01").demand_rate == 5000
    with pytest.raises(NotFoundError, match="high_a/I, high_a/II"):
        load_tariff(path=path, voltage="low", option="II", on="2019-07-01")
    with pytest.raises(ConfigError, match="holds 'test-industrial-gap'"):
        load_tariff("kepco-industrial-eul", path=path, on="2019-07-01")

    # a July bill on the flat option: one energy line at the summer rate, whatever the hour
    idx = pd.date_range("2019-07-01", "2019-08-01", freq="15min", tz="Asia/Seoul", inclusive="left")
    kwh = pd.Series(np.where(idx.hour < 12, 10.0, 20.0), index=idx)
    bill = monthly_bill(kwh, tariff=flat, contract_kw=250)
    assert [i.code for i in bill.items] == ["demand", "energy", "climate_environment", "fuel_cost_adjustment"]
    total_kwh = 31 * (48 * 10.0 + 48 * 20.0)
    assert bill.item("energy").quantity == pytest.approx(total_kwh)
    assert bill.item("energy").amount_won == pytest.approx(total_kwh * 85.0)
    assert bill.item("demand").amount_won == pytest.approx(80.0 * 6000)  # peak 20 kWh x 4 = 80 kW > 30 % x 250
    # a flat-only file needs no time bands
    doc = _gap_style()
    del doc["time_bands"]
    del doc["rates"][0]["table"]["high_a"]["II"]
    only_flat = load_tariff(path=_write(tmp_path, doc, "flat.json"), voltage="high_a", option="I", on="2019-07-01")
    assert only_flat.energy_rate(["2019-07-02 11:00"]).tolist() == [85.0]
    with pytest.raises(ConfigError, match="flat"):
        only_flat.band(["2019-07-02 11:00"])
    assert monthly_bill(kwh, tariff=only_flat, contract_kw=250).total_won == bill.total_won


def _set(doc: dict, path: str, value) -> dict:
    doc = copy.deepcopy(doc)
    keys = [int(k) if k.isdigit() else k for k in path.split(".")]
    target = doc
    for k in keys[:-1]:
        target = target[k]
    if value is _DELETE:
        del target[keys[-1]]
    else:
        target[keys[-1]] = value
    return doc


_DELETE = object()
_OVERLAPPING = {"effective_from": "2020-06-01", "effective_to": None, "source": "x", "status": "Secondary",
                "won_per_kwh": 1.0}


@pytest.mark.parametrize(("change", "column", "message"), [
    (("rates", _DELETE), "rates", "missing required key 'rates'"),
    (("vat.rate", _DELETE), "vat.rate", "missing required key"),
    (("rates.0.table.high_a.II.energy.summer.light", -50.0), "rates[0].table.high_a.II.energy.summer.light",
     "negative"),
    (("rates.0.table.high_a.II.demand", 6.5e9), "rates[0].table.high_a.II.demand", "check the unit"),
    (("rates.0.table.high_a.II.energy.summer.light", "50"), "rates[0].table.high_a.II.energy.summer.light",
     "expected a number, got a string"),
    (("rates.0.table.high_a.II.energy.summer", {"light": 1.0, "medium": 2.0}), "rates[0].table.high_a.II.energy.summer",
     "expected the bands"),
    (("rates.0.table.high_a.II.energy.winter", 45.0), "rates[0].table.high_a.II.energy", "not a mix"),
    (("rates.0.table.medium", {}), "rates[0].table.medium", "not declared in 'voltages'"),
    (("rates.0.status", "Probably"), "rates[0].status", "Confirmed, Secondary, Derived, Unconfirmed"),
    (("rates.0.source", ""), "rates[0].source", "non-empty string"),
    (("rates.0.source", "ok\x1b[31m"), "rates[0].source", "control characters"),
    (("rates.0.effective_from", "2019-02-30"), "rates[0].effective_from", "not a calendar date"),
    (("rates.0.effective_to", "2018-12-31"), "rates[0].effective_to", "before effective_from"),
    (("seasons.0.months.winter", [12, 1, 2]), "seasons[0].months", "belong to no season"),
    (("seasons.0.months.winter", [11, 12, 1, 2, 3]), "seasons[0].months.winter", "month 3 is in both"),
    (("time_bands.0.seasons.summer.maximum", [["11:00", "12:00"], ["13:00", "19:00"]]),
     "time_bands[0].seasons.summer.maximum", "18:00 is in two bands"),
    (("time_bands.0.seasons.summer.maximum", [["11:00", "12:00"]]), "time_bands[0].seasons.summer",
     "13:00 is in no band"),
    (("time_bands.0.seasons.summer.light", [["22:00", "25:00"]]), "time_bands[0].seasons.summer.light[0][1]",
     "HH:MM"),
    (("fuel_cost_adjustment", [{"effective_from": "2019-01-01", "effective_to": None, "source": "x",
                                "status": "Secondary", "won_per_kwh": 0.0}, _OVERLAPPING]),
     "fuel_cost_adjustment", "periods overlap"),
    (("fund.0.rate", 3.7), "fund[0].rate", "<= 1"),
    (("rounding.total.rule", "bankers"), "rounding.total.rule", "floor_10"),
    (("family", "../../etc/passwd"), "family", "lower-case"),
    (("schema_version", 2), "schema_version", "expected schema_version 1"),
    (("holiday_calendar", "ZZ"), "holiday_calendar", "no calendar"),
])
def test_bad_files_are_refused_naming_the_file_and_the_field(tmp_path, change, column, message):
    path = _write(tmp_path, _set(_gap_style(), *change))
    with pytest.raises(DataError) as err:
        load_tariff(path=path, voltage="high_a", option="II", on="2019-07-01")
    assert err.value.file == str(path)
    assert err.value.column == column
    assert message in str(err.value)


@pytest.mark.parametrize(("text", "message"), [
    ('{"schema_version": 1,', "not valid JSON"),
    ('{"schema_version": 1, "schema_version": 1}', "duplicate key 'schema_version'"),
    ('{"schema_version": 1, "x": NaN}', "NaN is not a number"),
    ("[1, 2]", "expected an object"),
])
def test_malformed_json_is_refused(tmp_path, text, message):
    path = _write(tmp_path, text)
    with pytest.raises(DataError, match=re.escape(message)) as err:
        load_tariff(path=path, on="2019-07-01")
    assert err.value.file == str(path)


def test_missing_or_huge_files_are_refused(tmp_path):
    with pytest.raises(NotFoundError, match="does not exist"):
        load_tariff(path=tmp_path / "nope.json", on="2019-07-01")
    big = tmp_path / "big.json"
    big.write_bytes(b" " * 2_000_001)
    with pytest.raises(DataError, match="small"):
        load_tariff(path=big, on="2019-07-01")
    bad = tmp_path / "latin1.json"
    bad.write_bytes('{"name_ko": "산업용"}'.encode("euc-kr"))
    with pytest.raises(DataError, match="UTF-8"):
        load_tariff(path=bad, on="2019-07-01")


def test_the_bundled_file_loads_from_a_copy(tmp_path):
    """The shipped file is a valid user file too: the schema has no hidden exceptions for it."""
    path = _write(tmp_path, BUNDLED.read_text(encoding="utf-8"), "copy.json")
    mine = load_tariff(path=path, on="2018-06-01")
    assert mine.energy_rate(["2018-06-01 14:00"]).tolist() == load_tariff(on="2018-06-01").energy_rate(
        ["2018-06-01 14:00"]).tolist()


def test_a_demand_charge_change_within_a_month_is_pro_rated_by_days(tmp_path):
    doc = _gap_style()
    first = doc["rates"][0]
    first["effective_to"] = "2019-07-15"
    second = copy.deepcopy(first)
    second.update(effective_from="2019-07-16", effective_to=None)
    second["table"]["high_a"]["I"]["demand"] = 9000
    second["table"]["high_a"]["I"]["energy"]["summer"] = 95.0
    doc["rates"].append(second)
    t = load_tariff(path=_write(tmp_path, doc), voltage="high_a", option="I", on="2019-07-01")
    idx = pd.date_range("2019-07-01", "2019-08-01", freq="15min", tz="Asia/Seoul", inclusive="left")
    bill = monthly_bill(pd.Series(25.0, index=idx), tariff=t, contract_kw=250)  # 100 kW
    assert [i.code for i in bill.items][:4] == ["demand_20190101", "demand_20190716", "energy_20190101",
                                                "energy_20190716"]
    assert bill.item("demand_20190101").amount_won == pytest.approx(100 * 6000 * 15 / 31)
    assert bill.item("demand_20190716").amount_won == pytest.approx(100 * 9000 * 16 / 31)
    assert bill.item("energy_20190101").quantity == pytest.approx(15 * 96 * 25.0)
    assert bill.item("energy_20190716").amount_won == pytest.approx(16 * 96 * 25.0 * 95.0)
    assert "pro-rated by calendar days" in "\n".join(bill.notes)
