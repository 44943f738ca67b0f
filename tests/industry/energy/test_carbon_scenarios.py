"""Carbon scenarios: pathway, production-shift and renewable-power deltas by hand, cost deltas at given prices
(never defaults), refused changes, and the bundled demo cases."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from bessemer.core import ConfigError, DataError
from bessemer.industry.energy import Scenario, compare, ledger, load_scenarios, parse_activities

DATA_DIR = Path(str(resources.files("bessemer.industry.energy").joinpath("data/carbon")))


def fuel(item, amount, unit="t", process=None):
    return {"kind": "fuel", "item": item, "amount": amount, "unit": unit, "process": process}


def power(kwh, process=None, renewable_share=0.0):
    return {"kind": "electricity", "amount": kwh, "unit": "kWh", "process": process,
            "renewable_share": renewable_share}


def make(route, t, process=None, method="route-average"):
    return {"kind": "production", "route": route, "amount": t, "unit": "t", "process": process, "method": method}


NCC = [
    make("naphtha-cracker", 1000, process="ncc", method="fuel-based"),
    fuel("natural-gas", 400, process="ncc"),           # 400 x 2.6928 = 1,077.12 t
    power(500_000, process="ncc"),                     # 500 MWh x 0.4173 = 208.65 t (2023)
    {"kind": "feedstock", "material": "naphtha", "amount": 3000, "unit": "t", "process": "ncc"},
]
S1, S2 = 400 * 2.6928, 500 * 0.4173
PRICES = {"fuels": {"lng": 1_000_000}, "feedstocks": {"naphtha": 900_000, "bio-naphtha": 2_000_000,
                                                      "pyrolysis-oil": 1_300_000},
          "electricity": 150, "electricity_renewable": 180, "carbon": 10_000}


def _row(df, name):
    return df.set_index("scenario").loc[name]


def test_scenario_deltas_by_hand():
    scs = [
        Scenario("bio-20", "20 % bio-naphtha", [{"op": "pathway", "pathway": "bio-naphtha", "process": "ncc",
                                                 "share": 0.2}]),
        Scenario("cat-30", "", [{"op": "pathway", "pathway": "catalytic-cracking", "process": "ncc", "share": 0.3}]),
        Scenario("efurn-50-ppa", "", [{"op": "pathway", "pathway": "electric-furnace", "process": "ncc",
                                       "share": 0.5, "kwh": 1_000_000, "renewable_share": 1.0}]),
        Scenario("efurn-50-grid", "", [{"op": "pathway", "pathway": "electric-furnace", "process": "ncc",
                                        "share": 0.5, "kwh": 1_000_000}]),
        Scenario("ppa-40", "", [{"op": "renewable_power", "share": 0.4}]),
    ]
    df = compare(NCC, scs, year=2023, prices=PRICES)
    assert list(df["scenario"]) == ["baseline", "bio-20", "cat-30", "efurn-50-ppa", "efurn-50-grid", "ppa-40"]
    base = _row(df, "baseline")
    assert base["total_t"] == pytest.approx(S1 + S2) and base["delta_t"] == 0.0

    # bio-naphtha: scope 1 x (1 - 0.2 x 0.5) = 0.9; 600 t of naphtha bought as bio-naphtha
    bio = _row(df, "bio-20")
    assert bio["scope1_t"] == pytest.approx(0.9 * S1) and bio["scope2_t"] == pytest.approx(S2)
    assert bio["delta_t"] == pytest.approx(-0.1 * S1)
    assert bio["delta_pct"] == pytest.approx(-100 * 0.1 * S1 / (S1 + S2))
    assert bio["energy_cost_delta_won"] == pytest.approx(600 * (2_000_000 - 900_000))
    assert bio["carbon_cost_delta_won"] == pytest.approx(-0.1 * S1 * 10_000)
    assert bio["cost_delta_won"] == pytest.approx(600 * 1_100_000 - 0.1 * S1 * 10_000)

    # catalytic: fuel x (1 - 0.3 x 0.2) = 0.94 -> 24 t less gas
    cat = _row(df, "cat-30")
    assert cat["scope1_t"] == pytest.approx(0.94 * S1)
    assert cat["energy_cost_delta_won"] == pytest.approx(-24 * 1_000_000)

    # electric furnaces on half the duty: half the gas gone; 1,000 MWh added at 0 (PPA) or 0.4173 (grid)
    ppa, grid = _row(df, "efurn-50-ppa"), _row(df, "efurn-50-grid")
    assert ppa["scope1_t"] == pytest.approx(0.5 * S1) and ppa["scope2_t"] == pytest.approx(S2)
    assert grid["scope2_t"] == pytest.approx(S2 + 1000 * 0.4173)
    assert ppa["energy_cost_delta_won"] == pytest.approx(-200 * 1_000_000 + 1_000_000 * 180)
    assert grid["energy_cost_delta_won"] == pytest.approx(-200 * 1_000_000 + 1_000_000 * 150)

    # 40 % PPA on all power: scope 2 x 0.6; 200,000 kWh moved from grid to PPA price
    p = _row(df, "ppa-40")
    assert p["scope2_t"] == pytest.approx(0.6 * S2)
    assert p["energy_cost_delta_won"] == pytest.approx(200_000 * (180 - 150))
    assert p["t_per_t_ethylene"] == pytest.approx((S1 + 0.6 * S2) / 1000)


def test_eaf_share_and_route_average_pathways_by_hand():
    base = [make("bf-bof", 1000, process="bf")]
    scs = [Scenario("eaf-30", "", [{"op": "shift_production", "from": "bf", "to": "eaf", "share": 0.3,
                                    "route": "eaf"}])]
    df = compare(base, scs, year=2023, prices={"carbon": 10_000})
    eaf = _row(df, "eaf-30")
    # 700 t x 2.3 + 300 t x 0.7 = 1,610 + 210 = 1,820 t; -480 t = -20.87 %; x 10,000 won
    assert eaf["route_t"] == pytest.approx(1820.0) and eaf["delta_t"] == pytest.approx(-480.0)
    assert eaf["delta_pct"] == pytest.approx(-480 / 2300 * 100)
    assert eaf["t_per_t_steel"] == pytest.approx(1.82)
    assert eaf["cost_delta_won"] == pytest.approx(-4_800_000) and eaf["energy_cost_delta_won"] == 0.0
    # shifting into an existing fuel-based EAF scales its lines by its output
    base2 = [make("bf-bof", 1000, process="bf"), make("eaf", 100, process="eaf", method="fuel-based"),
             power(40_000, process="eaf")]
    sc2 = Scenario("more-eaf", changes=[{"op": "shift_production", "from": "bf", "to": "eaf", "share": 0.1}])
    led = ledger(sc2.apply(base2), year=2023)
    assert led.totals["route_t"] == pytest.approx(900 * 2.3)
    assert led.totals["scope2_t"] == pytest.approx(80 * 0.4173)  # 40 MWh x (100 + 100) / 100
    # route-average cracker: reported reductions on the route line
    ncc = [make("ncc", 1000)]
    for pathway, extra, mult in (("catalytic-cracking", {}, 1 - 0.3 * 0.2),
                                 ("electric-furnace", {"kwh": 0}, 1 - 0.3 * 0.9),
                                 ("bio-naphtha", {}, 1 - 0.3 * 0.5),
                                 ("pyrolysis-oil", {"reduction": 0.4}, 1 - 0.3 * 0.4)):
        sc = Scenario(pathway, changes=[{"op": "pathway", "pathway": pathway, "process": "naphtha-cracker",
                                         "share": 0.3} | extra])
        assert ledger(sc.apply(ncc), year=2023).totals["route_t"] == pytest.approx(1200 * mult), pathway
    # the electric furnaces' power is new equipment outside the route average: booked in scope 2, not refused
    sc = Scenario("e", changes=[{"op": "pathway", "pathway": "electric-furnace", "process": "naphtha-cracker",
                                 "share": 0.3, "kwh": 100_000, "renewable_share": 0.5}])
    led = ledger(sc.apply(ncc), year=2023)
    assert led.totals["scope2_t"] == pytest.approx(50 * 0.4173)
    assert led.intensity()["ethylene"]["t_per_t"] == pytest.approx((1200 * (1 - 0.27) + 50 * 0.4173) / 1000)


def test_scenario_does_not_change_the_baseline_and_compounds_in_order():
    base = parse_activities(NCC)
    sc = Scenario("two", changes=[{"op": "pathway", "pathway": "bio-naphtha", "process": "ncc", "share": 0.2},
                                  {"op": "pathway", "pathway": "catalytic-cracking", "process": "ncc", "share": 0.5}])
    out = sc.apply(base)
    assert base == parse_activities(NCC)
    assert ledger(out, year=2023).totals["scope1_t"] == pytest.approx(S1 * 0.9 * 0.9)
    feed = {a.item: a.amount for a in out if a.kind == "feedstock"}
    assert feed == pytest.approx({"naphtha": 2400.0, "bio-naphtha": 600.0})


@pytest.mark.parametrize(("change", "match"), [
    ({"op": "pathway", "pathway": "pyrolysis-oil", "process": "ncc", "share": 0.1}, "give 'reduction'"),
    ({"op": "pathway", "pathway": "electric-furnace", "process": "ncc", "share": 0.1}, "needs 'kwh'"),
    ({"op": "pathway", "pathway": "bio-naphtha", "process": "bf", "share": 0.1}, "no production line"),
    ({"op": "pathway", "pathway": "moonshine", "process": "ncc", "share": 0.1}, "unknown pathway"),
    ({"op": "shift_production", "from": "ncc", "to": "eaf", "share": 0.1, "route": "eaf"}, "makes ethylene"),
    ({"op": "shift_production", "from": "ncc", "to": "new", "share": 0.1}, "pass 'route'"),
    ({"op": "renewable_power", "share": 0.5, "process": "nowhere"}, "no electricity lines"),
])
def test_scenario_changes_that_cannot_apply_are_refused(change, match):
    with pytest.raises(DataError, match=match):
        Scenario("x", changes=[change]).apply(NCC)


@pytest.mark.parametrize(("change", "match"), [
    ({"op": "teleport"}, "unknown op"),
    ({"op": "pathway", "pathway": "bio-naphtha", "share": 0.1}, "needs 'process'"),
    ({"op": "pathway", "pathway": "bio-naphtha", "process": "ncc", "share": 1.5}, r"\[0, 1\]"),
    ({"op": "pathway", "pathway": "bio-naphtha", "process": "ncc", "share": float("nan")}, "NaN"),
    ({"op": "renewable_power", "share": 0.5, "colour": "green"}, "unknown key"),
])
def test_malformed_scenarios_are_refused(change, match):
    with pytest.raises(DataError, match=match):
        Scenario("x", changes=[change])
    with pytest.raises(DataError, match="scenario name"):
        Scenario("bad\nname")


def test_prices_are_inputs_never_defaults():
    sc = [Scenario("bio", changes=[{"op": "pathway", "pathway": "bio-naphtha", "process": "ncc", "share": 0.2}])]
    no_price = compare(NCC, sc, year=2023)
    assert "cost_delta_won" not in no_price.columns
    with pytest.raises(ConfigError, match="feedstocks/bio-naphtha"):
        compare(NCC, sc, year=2023, prices={"feedstocks": {"naphtha": 1}, "carbon": 1})
    with pytest.raises(ConfigError, match="carbon"):
        compare(NCC, sc, year=2023, prices={"feedstocks": {"naphtha": 1, "bio-naphtha": 2}})
    with pytest.raises(ConfigError, match="unknown price"):
        compare(NCC, sc, year=2023, prices={"diesel": 1})
    with pytest.raises(ConfigError, match="finite number"):
        compare(NCC, sc, year=2023, prices={"carbon": -1})
    with pytest.raises(DataError, match="unique"):
        compare(NCC, [sc[0], sc[0]], year=2023)


def test_demo_scenarios_load_and_refuse_unlabelled_prices(tmp_path):
    cases = load_scenarios()
    steel = cases["gwangyang-steel"].compare()
    assert _row(steel, "eaf-30")["delta_t"] == pytest.approx(-0.3 * 1_000_000 * (2.3 - 0.7))
    ncc = cases["yeosu-ncc"].compare().set_index("scenario")
    # electric furnaces on grid power emit more than they save at the 2023 factor; on a PPA, less
    assert ncc.loc["e-furnace-50-grid", "delta_t"] > 0 > ncc.loc["e-furnace-50-renewable", "delta_t"]
    doc = json.loads((DATA_DIR / "scenarios-demo.json").read_text("utf-8"))
    for p in (doc["prices"]["carbon"], *doc["prices"]["feedstocks"].values()):
        assert p["assumption"] is True and p["note"]
    doc["prices"]["carbon"] = 10_000
    bad = tmp_path / "demo.json"
    bad.write_text(json.dumps(doc), "utf-8")
    with pytest.raises(DataError, match="labelled") as err:
        load_scenarios(bad)
    assert err.value.column == "prices.carbon"
