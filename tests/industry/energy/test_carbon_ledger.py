"""Carbon ledger: hand-computed Scope 1, Scope 2 and route lines, intensity per product, provenance of every
line, the double-count guard, and activities refused with row and field."""

from __future__ import annotations

import json
from dataclasses import replace

import pandas as pd
import pytest

from bessemer.core import DataError, SchemaError, UnitError
from bessemer.industry.energy import Activity, Scenario, ledger, load_factors, parse_activities
from bessemer.industry.energy._factors import STATUSES


def fuel(item, amount, unit="t", process=None):
    return {"kind": "fuel", "item": item, "amount": amount, "unit": unit, "process": process}


def power(kwh, process=None, renewable_share=0.0):
    return {"kind": "electricity", "amount": kwh, "unit": "kWh", "process": process,
            "renewable_share": renewable_share}


def make(route, t, process=None, method="route-average"):
    return {"kind": "production", "route": route, "amount": t, "unit": "t", "process": process, "method": method}


def test_natural_gas_ledger_by_hand():
    # 1,000 t = 1 Gg; x NCV 48.0 TJ/Gg = 48 TJ; x 56,100 kg CO2/TJ = 2,692,800 kg = 2,692.8 t CO2
    # CH4: 48 TJ x 1 kg/TJ = 48 kg; N2O: 48 TJ x 0.1 kg/TJ = 4.8 kg
    for amount, unit in ((1000, "t"), (1, "kt"), (48, "TJ"), (48000, "GJ")):
        led = ledger([fuel("natural gas", amount, unit)], year=2023)
        (line,) = led.lines
        assert line.emissions_t == pytest.approx(2692.8)
        assert line.ch4_kg == pytest.approx(48.0) and line.n2o_kg == pytest.approx(4.8)
        assert (line.scope, line.gas, line.status, line.factor_id) == ("scope1", "CO2", "Confirmed",
                                                                     "ipcc2006/natural-gas")
        assert led.totals["total_t"] == pytest.approx(2692.8)
        assert led.quantities["fuels/natural-gas"] == pytest.approx(1000.0)  # priced in t whatever the input unit
    assert led.grid is None  # no electricity: no grid factor looked up


def test_scope2_uses_the_factor_of_the_consumption_year_and_ppa_share():
    # 1,000,000 kWh = 1,000 MWh
    assert ledger([power(1_000_000)], year=2023).totals["scope2_t"] == pytest.approx(417.3)   # x 0.4173
    assert ledger([power(1_000_000)], year=2018).totals["scope2_t"] == pytest.approx(459.41)  # x 0.45941
    led = ledger([power(1_000_000, renewable_share=0.25)], year=2022)
    grid_line, ppa_line = led.lines
    assert grid_line.amount == 750_000 and grid_line.emissions_t == pytest.approx(750 * 0.4312)
    assert grid_line.factor_id == "kr-grid-2022" and "single-year factor for 2022" in grid_line.note
    assert (ppa_line.emissions_t, ppa_line.status) == (0.0, "Assumption")
    assert led.quantities["electricity"] == 750_000 and led.quantities["electricity_renewable"] == 250_000
    mwh = ledger([{"kind": "electricity", "amount": 1, "unit": "GWh"}], year=2023)
    assert mwh.totals["scope2_t"] == pytest.approx(417.3)
    own = load_factors().grid_factor(2023)
    assert ledger([power(1_000_000)], year=2023, grid=replace(own, value=0.5)).totals["scope2_t"] == 500.0


def test_intensity_per_product_by_hand():
    acts = [
        make("naphtha-cracker", 2000, process="ncc", method="fuel-based"),
        fuel("natural-gas", 1000, process="ncc"),                # 2,692.8 t
        power(2_000_000, process="ncc"),                         # 2,000 MWh x 0.4173 = 834.6 t
        make("bf-bof", 100, process="bf"),                       # 100 x 2.3 = 230 t
        make("eaf", 100, process="eaf"),                         # 100 x 0.7 = 70 t
        fuel("lpg", 10, process="canteen"),                      # 10 x 2.98 = 29.8 t, unallocated
    ]
    led = ledger(acts, year=2023)
    t = led.totals
    assert t["scope1_t"] == pytest.approx(2692.8 + 10 * 47.3 * 63.1 / 1000)
    assert t["scope2_t"] == pytest.approx(834.6) and t["route_t"] == pytest.approx(300.0)
    assert t["total_t"] == pytest.approx(t["scope1_t"] + t["scope2_t"] + t["route_t"])
    inten = led.intensity()
    assert inten["ethylene"]["t_per_t"] == pytest.approx((2692.8 + 834.6) / 2000)
    assert inten["steel"]["t_per_t"] == pytest.approx(300.0 / 200)  # the two routes blended by output
    assert sorted(inten["steel"]["processes"]) == ["bf", "eaf"]
    assert inten["unallocated"]["emissions_t"] == pytest.approx(10 * 47.3 * 63.1 / 1000)


def test_every_emitting_line_names_its_factor_source_and_status():
    acts = [make("naphtha-cracker", 10, process="ncc", method="fuel-based"), fuel("naphtha", 5, process="ncc"),
            power(1000, process="ncc", renewable_share=0.5), make("bf-bof", 3),
            {"kind": "feedstock", "material": "naphtha", "amount": 30, "unit": "t", "process": "ncc"}]
    sc = Scenario("bio", changes=[{"op": "pathway", "pathway": "bio-naphtha", "process": "ncc", "share": 0.5}])
    for acts_ in (acts, sc.apply(acts)):
        led = ledger(acts_, year=2019)
        for ln in led.lines:
            if ln.scope == "memo":
                assert ln.emissions_t == 0.0
                continue
            assert ln.factor_id and ln.status in (*STATUSES, "Assumption")
            assert ln.sources and all(s.startswith("http") or s.startswith("assumption") for s in ln.sources)
            if ln.status != "Assumption":
                assert any(s.startswith("http") for s in ln.sources)
    adjusted = next(ln for ln in ledger(sc.apply(acts), year=2019).lines if ln.kind == "fuel")
    assert adjusted.status == "Secondary"  # the weakest of IPCC (Confirmed) and the bio figure (Secondary)
    assert "https://fnnews.com/ampNews/202106221725115563" in adjusted.sources


def test_ledger_exports_are_json_and_one_row_per_line():
    led = ledger([make("eaf", 10), fuel("lng", 1, process="furnace"), power(5, process="furnace")], year=2023)
    d = json.loads(json.dumps(led.to_dict()))
    assert d["totals"]["total_t"] == pytest.approx(led.totals["total_t"]) and len(d["lines"]) == 3
    assert d["grid_factor"]["id"] == "kr-grid-2023" and any("GWP" in n for n in d["notes"])
    df = led.to_frame()
    assert len(df) == 3 and {"scope", "emissions_t", "factor_id", "status", "sources"} <= set(df.columns)
    assert df["emissions_t"].sum() == pytest.approx(led.totals["total_t"])


def test_route_average_and_fuel_lines_of_the_same_route_are_not_both_counted():
    acts = [make("bf-bof", 1000, process="bf"), fuel("coking coal", 500, process="bf")]
    with pytest.raises(DataError, match="counted twice") as err:
        ledger(acts, year=2023)
    assert (err.value.row, err.value.column) == (2, "process")
    with pytest.raises(DataError, match="counted twice"):
        ledger([make("eaf", 10, process="eaf"), power(4000, process="eaf")], year=2023)
    # fuel-based: the fuel lines are the route's emissions, the production line only the denominator
    ok = ledger([make("bf-bof", 1000, process="bf", method="fuel-based"), fuel("coking coal", 500, process="bf")],
                year=2023)
    assert ok.totals["route_t"] == 0.0 and ok.totals["scope1_t"] == pytest.approx(500 * 2.66772)
    # lines outside the route are fine beside a route average
    both = ledger([make("bf-bof", 1000, process="bf"), power(10_000, process="rolling-mill")], year=2023)
    assert both.totals["route_t"] == 2300.0 and both.totals["scope2_t"] == pytest.approx(4.173)
    with pytest.raises(DataError, match="already has a production line"):
        ledger([make("eaf", 1, process="x"), make("bf-bof", 1, process="x")], year=2023)


@pytest.mark.parametrize(("activity", "error", "column", "match"), [
    (fuel("unobtainium", 1), DataError, "item", "unknown fuel"),
    (fuel("natural-gas", 1, "barrels of oil"), UnitError, "unit", "not a fuel unit"),
    (fuel("natural-gas", 1000, "Nm3"), UnitError, "unit", "density"),
    (fuel("natural-gas", 1000, "m³"), UnitError, "unit", "density"),
    (fuel("natural-gas", -5), DataError, "amount", ">= 0"),
    (fuel("natural-gas", float("nan")), DataError, "amount", "NaN"),
    (fuel("natural-gas", float("inf")), DataError, "amount", "finite"),
    (fuel("natural-gas", 1e20), DataError, "amount", "implausibly large"),
    (fuel("natural-gas", True), DataError, "amount", "expected a number"),
    (fuel("natural-gas", "lots"), DataError, "amount", "expected a number"),
    (power(10, renewable_share=1.5), DataError, "renewable_share", r"\[0, 1\]"),
    ({"kind": "steam", "item": "x", "amount": 1, "unit": "t"}, DataError, "kind", "unknown kind"),
    ({"kind": "fuel", "fule": "lng", "amount": 1, "unit": "t"}, SchemaError, "fule", "unknown field"),
    ({"kind": "fuel", "item": "lng", "unit": "t"}, DataError, "amount", "missing 'amount'"),
    ({"kind": "fuel", "item": "lng", "amount": 1, "unit": "t", "method": "fuel-based"}, DataError, "method",
     "production lines only"),
    (make("blast furnace 2", 10), DataError, "item", "unknown route"),
    (make("eaf", 10, method="guess"), DataError, "method", "unknown method"),
    (fuel("lng\x00; DROP TABLE", 1), DataError, "item", "unknown fuel"),
    (fuel("x" * 5000, 1), DataError, "item", "short name"),
    (fuel("lng", 1, process="bad process/../"), DataError, "process", "process id"),
    (power(10) | {"item": "solar"}, DataError, "item", "renewable_share"),
])
def test_bad_activities_are_refused_with_row_and_field(activity, error, column, match):
    with pytest.raises(error, match=match) as err:
        ledger([fuel("lng", 1), activity], year=2023)
    assert (err.value.row, err.value.column) == (2, column)
    assert len(str(err.value)) < 700  # hostile strings are shown cut short


def test_activity_files_csv_with_bom_and_json(tmp_path):
    csv = tmp_path / "acts.csv"
    csv.write_bytes("kind,item,amount,unit,process,method\r\nfuel,LNG,\"1,000\",t,ncc,\r\n"
                    "production,naphtha-cracker,2000,t,ncc,fuel-based\r\n".encode("utf-8-sig"))
    led = ledger(csv, year=2023)
    assert led.totals["scope1_t"] == pytest.approx(2692.8)
    js = tmp_path / "acts.json"
    js.write_text(json.dumps({"activities": [fuel("lng", 1000), make("eaf", 1)]}), "utf-8")
    assert ledger(js, year=2023).totals["total_t"] == pytest.approx(2692.8 + 0.7)
    bad = tmp_path / "bad.csv"
    bad.write_text("kind,item,amount,unit\nfuel,lng,1,t\nfuel,lng,,t\n", "utf-8")
    with pytest.raises(DataError) as err:
        ledger(bad, year=2023)
    assert (err.value.file, err.value.row, err.value.column) == (str(bad), 2, "amount")
    with pytest.raises(SchemaError, match="unknown columns"):
        parse_activities(pd.DataFrame({"kind": ["fuel"], "amount": [1], "colour": ["red"]}))
    with pytest.raises(DataError, match=".json or .csv"):
        ledger(tmp_path / "acts.xlsx", year=2023)


def test_parse_does_not_touch_its_input_and_canonicalises():
    raw = [fuel("LNG", 2, "kt")]
    before = json.dumps(raw)
    (a,) = parse_activities(raw)
    assert json.dumps(raw) == before
    assert isinstance(a, Activity) and (a.item, a.amount, a.unit) == ("natural-gas", 2000.0, "t")
