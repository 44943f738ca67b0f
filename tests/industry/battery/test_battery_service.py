"""BatteryService on generated cells: held-out SOH figures, trajectories, end of life, grade, recovery, passports,
bad input."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from bessemer.core import DataError, NotFoundError
from bessemer.industry.battery import (
    GRADES,
    BatteryAssessment,
    BatteryService,
    Cell,
    EolForecaster,
    first_crossing,
    grade_battery,
    load_targets,
    make_cells,
    validate_passport,
)
from bessemer.industry.battery.testing import SMALL_FLEET_HISTORY, demo_passport_inputs

ON = dt.date(2028, 3, 1)
FAST = {"n_estimators": 40, "folds": 3}


@pytest.fixture(scope="module")
def cells() -> list[Cell]:
    return make_cells(5 + len(SMALL_FLEET_HISTORY), seed=1, n_cycles=80, fade=(0.002, 0.005))


@pytest.fixture(scope="module")
def train(cells) -> list[Cell]:
    return cells[:5]


@pytest.fixture(scope="module")
def fleet(cells) -> list[Cell]:
    return [Cell(c.cell_id, c.discharges[:k], rated_ah=c.rated_ah, cutoff_v=c.cutoff_v, source=c.source)
            for c, k in zip(cells[5:], SMALL_FLEET_HISTORY, strict=True)]


@pytest.fixture(scope="module")
def svc(train, fleet) -> BatteryService:
    stages: list[tuple[str, float]] = []
    s = BatteryService.build(fleet, train=train, mass_kg=0.046, on=ON, soh_params=FAST, seed=1,
                             passport_inputs={fleet[0].cell_id: demo_passport_inputs(fleet[0].cell_id)},
                             progress=lambda st, f: stages.append((st, f)))
    s.stages = stages  # type: ignore[attr-defined]
    return s


def test_the_list_has_every_fleet_cell_with_an_interval_and_a_grade(svc, fleet):
    body = svc.cells()
    assert body["count"] == len(body["data"]) == len(fleet)
    assert [r["cell"] for r in body["data"]] == [c.cell_id for c in fleet]
    assert body["assessed_on"] == ON.isoformat() and body["rated_ah"] == 2.0 and body["interval_level"] == 0.9
    assert body["soh_model"]["train_cells"] == ["cell-00", "cell-01", "cell-02", "cell-03", "cell-04"]
    for r, c in zip(body["data"], fleet, strict=True):
        assert r["discharges"] == len(c)
        assert r["soh_lower_pct"] <= r["soh_pct"] <= r["soh_upper_pct"]
        assert r["soh_upper_pct"] > r["soh_lower_pct"]  # an estimate, not a measurement
        assert r["grade"] in GRADES and r["passport_status"] in ("complete", "draft")
        assert r["measured_soh_pct"] == pytest.approx(100 * c.capacities()[-1] / 2.0, abs=0.01)
    assert body["grades"] == {g: sum(r["grade"] == g for r in body["data"]) for g in GRADES}
    assert [f for _, f in svc.stages] == sorted(f for _, f in svc.stages) and svc.stages[-1][1] == 1.0


def test_the_trajectory_has_every_discharge_measured_and_estimated(svc, fleet):
    for c in fleet:
        d = svc.cell(c.cell_id)
        traj = d["trajectory"]
        assert [t["discharge"] for t in traj] == [x.index for x in c.discharges]
        assert [t["measured_ah"] for t in traj] == pytest.approx(list(c.capacities()), abs=1e-4)
        assert all(t["lower_ah"] <= t["estimate_ah"] <= t["upper_ah"] for t in traj)
        last = traj[-1]
        assert d["soh_pct"] == pytest.approx(100 * last["estimate_ah"] / 2.0, abs=0.01)
        assert d["soh_lower_pct"] == pytest.approx(100 * last["lower_ah"] / 2.0, abs=0.01)


def test_the_held_out_figures_are_those_of_the_fleet_trajectories(svc, fleet):
    err, hit = [], []
    for c in fleet:
        for t in svc.cell(c.cell_id)["trajectory"]:
            err.append(t["estimate_ah"] - t["measured_ah"])
            hit.append(t["lower_ah"] <= t["measured_ah"] <= t["upper_ah"])
    m = svc.cells()["soh_model"]
    assert m["n_checked"] == len(err) == sum(SMALL_FLEET_HISTORY)
    assert m["rmse_pct"] == pytest.approx(100 * np.sqrt(np.mean(np.square(err))) / 2.0, abs=0.01)
    assert m["mae_pct"] == pytest.approx(100 * np.mean(np.abs(err)) / 2.0, abs=0.01)
    assert m["coverage"] == pytest.approx(np.mean(hit), abs=1e-3)
    assert m["rmse_pct"] < 4.0 and m["coverage"] > 0.7  # a floor for a small model on cells it never saw


def test_end_of_life_is_forecast_from_the_history_so_far(svc, train, fleet):
    eol = EolForecaster().fit([c.capacities() for c in train])
    statuses = set()
    for c in fleet:
        caps = c.capacities()
        d = svc.cell(c.cell_id)
        for t, key in ((0.8, "cycles_to_80"), (0.7, "cycles_to_70")):
            got, want = d[key], eol.forecast(caps, threshold=t)
            statuses.add(got["status"])
            assert got["seen"] == len(c) and got["threshold_ah"] == pytest.approx(2.0 * t)
            if got["status"] == "reached":
                assert got["cycle"] == first_crossing(caps, 2.0 * t) and got["remaining"] == 0.0
            elif got["status"] == "forecast":
                assert got["cycle"] == pytest.approx(want.cycle, abs=0.06)
                assert got["remaining_lower"] <= got["remaining"] <= got["remaining_upper"]
                assert got["remaining"] == pytest.approx(got["cycle"] - len(c), abs=0.11)
            else:
                assert got["remaining"] is None and not np.isfinite(want.cycle)
    assert "reached" in statuses and "forecast" in statuses  # the fleet spans young to spent cells


def test_the_grade_is_made_on_the_pessimistic_side_with_reasons(svc):
    for r in svc.cells()["data"]:
        d = svc.cell(r["cell"])
        a = BatteryAssessment(
            d["cell"], d["chemistry"], 2.0, soh_pct=d["soh_pct"], soh_lower_pct=d["soh_lower_pct"],
            soh_upper_pct=d["soh_upper_pct"], resistance_growth_pct=d["resistance_growth_pct"],
            **{f"cycles_to_{t}{s}": (np.inf if d[f"cycles_to_{t}"]["status"] == "not_reached"
                                      else d[f"cycles_to_{t}"][f"remaining{s}"])
               for t in ("80", "70") for s in ("", "_lower", "_upper")})
        assert d["grade"] == grade_battery(a, on=ON).grade
        soh = next(x for x in d["reasons"] if x["code"] == "soh_lower_bound")
        assert soh["value"] == pytest.approx(d["soh_lower_pct"], abs=0.01)
        assert any(x["decisive"] and x["allows"] == d["grade"] for x in d["reasons"])
        assert all(x["message_en"] and x["message_ko"] for x in d["reasons"])
        assert d["note_en"].startswith("Graded on the pessimistic side") and d["note_ko"]


def test_recovered_materials_against_the_2027_and_2031_targets(svc, fleet):
    rec = svc.cell(fleet[0].cell_id)["recovery"]
    comp = rec["composition"]
    assert rec["battery_mass_kg"] == 0.046 and comp["basis"] == "assumed" and rec["route"]["status"] == "assumed"
    targets = load_targets()
    for e in rec["elements"]:
        if e["element"] not in ("Li", "Co", "Ni"):
            continue
        assert e["recovered_kg"] == pytest.approx(0.046 * comp["mass_fractions"][e["element"]] * e["efficiency_pct"]
                                                  / 100, rel=1e-4)
        want = targets.schedule("material_recovery", e["element"])
        assert [(t["percent"], t["applies_from"][:4]) for t in e["targets"]] == [
            (t.percent, t.applies_from.isoformat()[:4]) for t in want]
        assert [t["applies_from"][:4] for t in e["targets"]] == ["2027", "2031"]
        assert all(t["meets"] == (e["efficiency_pct"] >= t["percent"]) and "2023/1542" in t["source"]
                   for t in e["targets"])
    assert {e["element"] for e in rec["elements"]} >= {"Li", "Co", "Ni"}


def test_one_complete_passport_and_drafts_that_list_what_is_missing(svc, fleet):
    complete = svc.passport(fleet[0].cell_id)
    assert complete["passport_status"] == "complete" and complete["missing"] == []
    assert validate_passport(complete) == []
    assert complete["identity"]["battery_id"] == fleet[0].cell_id
    row = svc.cell(fleet[0].cell_id)
    assert complete["state_of_health"]["soh_capacity_lower_pct"] == pytest.approx(row["soh_lower_pct"], abs=0.01)
    assert complete["end_of_life"]["grade"]["grade"] == row["grade"]
    for c in fleet[1:]:
        p = svc.passport(c.cell_id)
        assert p["passport_status"] == "draft" and "identity.passport_id" in p["missing"]
        assert "passport_id" not in p["identity"]  # listed, not invented
        assert svc.cell(c.cell_id)["missing"] == p["missing"]
        assert p["state_of_health"]["estimation_method"]  # what the service knows, it says
        with pytest.raises(DataError, match=r"identity\.passport_id"):
            validate_passport(p)
    assert svc.check_passports()[fleet[0].cell_id] == []


def test_unknown_cell_is_not_found_naming_it(svc):
    with pytest.raises(NotFoundError, match="ghost-9"):
        svc.cell("ghost-9")
    with pytest.raises(NotFoundError, match="ghost-9"):
        svc.passport("ghost-9")


def test_reads_are_copies(svc, fleet):
    d = svc.cell(fleet[0].cell_id)
    d["trajectory"].clear()
    svc.passport(fleet[0].cell_id)["identity"].clear()
    assert svc.cell(fleet[0].cell_id)["trajectory"] and svc.passport(fleet[0].cell_id)["identity"]


def test_bad_input_is_refused_with_the_cell_named(train, fleet):
    with pytest.raises(DataError, match="'cell-01' is both a training and a fleet cell"):
        BatteryService.build([train[1]], train=train, soh_params=FAST)
    with pytest.raises(DataError, match="'cell-05' appears twice"):
        BatteryService.build([fleet[0], fleet[0]], train=train, soh_params=FAST)
    with pytest.raises(DataError, match="no fleet cells"):
        BatteryService.build([], train=train, soh_params=FAST)
    with pytest.raises(DataError, match="'cell-99', which is not a fleet cell"):
        BatteryService.build(fleet, train=train, soh_params=FAST, passport_inputs={"cell-99": {}})
    odd = Cell("odd-1", fleet[0].discharges, rated_ah=2.5)
    with pytest.raises(DataError, match="different rated capacities"):
        BatteryService.build([odd], train=train, soh_params=FAST)
    bad = demo_passport_inputs(fleet[0].cell_id)
    bad["carbon_footprint"]["total_kg_co2e_per_kwh"] = -1.0
    with pytest.raises(DataError, match=r"carbon_footprint\.total_kg_co2e_per_kwh"):
        BatteryService.build(fleet[:1], train=train, soh_params=FAST, passport_inputs={fleet[0].cell_id: bad})
