"""Complete, made-up passport inputs for a demo cell: the groups a manufacturer would declare.

:data:`DEMO_PASSPORT_INPUTS` holds every mandatory passport attribute that cannot come from the state-of-health,
end-of-life and grading models (identity, materials, carbon footprint, performance, due diligence, recycled
content, end-of-life information, test reports). With an assessment and a grade,
:func:`~bessemer.industry.battery.build_passport` makes a **complete** passport from them; the demo's battery
service gives one of its cells these inputs (:func:`demo_passport_inputs`) and leaves the others as drafts.

:func:`small_battery_service` builds a real :class:`~bessemer.industry.battery.BatteryService` on a few small
generated cells in a second or two, for API, page and fuzzing tests.

Every value is made up (a fictitious manufacturer and ``example.org`` addresses); nothing here describes a
real product.

Examples
--------
>>> import datetime as dt
>>> from bessemer.industry.battery import BatteryAssessment, build_passport, grade_battery
>>> a = BatteryAssessment("cell-9", "NMC622", 2.0, soh_pct=84.0, soh_lower_pct=81.5, soh_upper_pct=86.2,
...                       mass_kg=0.046)
>>> p = build_passport(**demo_passport_inputs("cell-9"), assessment=a, grade=grade_battery(a, on=dt.date(2028, 1, 1)),
...                    assessed_on=dt.date(2028, 1, 1))
>>> p["passport_status"], p["identity"]["passport_id"]
('complete', 'urn:demo:passport:cell-9')
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

__all__ = ["DEMO_PASSPORT_INPUTS", "SMALL_FLEET_HISTORY", "demo_passport_inputs", "small_battery_service"]

# A demo cell. Every value below is made up for the test (a fictitious manufacturer and example.org addresses).
DEMO_PASSPORT_INPUTS: dict[str, dict[str, Any]] = dict(
    identity={"passport_id": "urn:demo:passport:DEMO-0001", "battery_model_id": "DEMO-18650-2AH",
              "qr_code_url": "https://passport.example.org/DEMO-0001",
              "manufacturer": {"name": "Demo Cells Ltd", "postal_address": "1 Example Road, Gwangyang, KR",
                               "contact": "https://example.org/contact"},
              "battery_category": "industrial", "manufacturing_place": "Gwangyang, KR",
              "manufacturing_date": "2024-05"},
    chemistry_and_composition={"hazardous_substances": [{"name": "lithium hexafluorophosphate",
                                                         "cas_number": "21324-40-3"}],
                               "critical_raw_materials": ["cobalt", "lithium", "nickel", "natural graphite"],
                               "usable_extinguishing_agent": "water (large quantities)",
                               "cathode_materials": ["LiNi0.6Mn0.2Co0.2O2", "PVDF", "carbon black", "aluminium foil"],
                               "anode_materials": ["graphite", "copper foil"],
                               "electrolyte_materials": ["LiPF6", "ethylene carbonate", "dimethyl carbonate"]},
    carbon_footprint={"total_kg_co2e_per_kwh": 72.0,
                      "life_cycle_stages_kg_co2e_per_kwh": {"raw_material_acquisition_and_pre_processing": 45.0,
                                                            "main_product_production": 24.0, "distribution": 1.0,
                                                            "end_of_life_and_recycling": 2.0},
                      "manufacturing_facility_location": "Gwangyang, KR",
                      "eu_declaration_of_conformity_id": "DoC-DEMO-0001",
                      "public_study_url": "https://example.org/cfp-study"},
    performance_and_durability={"voltage_minimum_v": 2.7, "voltage_nominal_v": 3.6, "voltage_maximum_v": 4.2,
                                "original_power_capability_w": 30.0, "expected_lifetime_cycles": 500,
                                "cycle_life_reference_test": "IEC 62660-1 (demo)", "cycle_life_c_rate": 1.0,
                                "storage_temperature_min_c": -20.0, "storage_temperature_max_c": 45.0,
                                "commercial_warranty_calendar_life_years": 5, "initial_round_trip_efficiency_pct": 95.0,
                                "internal_resistance_cell_ohm": 0.035},
    state_of_health={"estimation_method": "quick partial-discharge test (first 600 s) and a fitted model"},
    due_diligence={"report_url": "https://example.org/due-diligence-2027",
                   "raw_materials_covered": ["cobalt", "lithium", "nickel", "natural graphite"]},
    recycled_content={"cobalt_pct": 12.0, "lead_pct": None, "lithium_pct": 4.0, "nickel_pct": 5.0,
                      "renewable_content_pct": 0.0},
    end_of_life={"battery_status": "original", "waste_prevention_and_collection_info_url": "https://example.org/eol",
                 "spare_parts": "none (single cell); contact https://example.org/contact",
                 "dismantling_information_url": "https://example.org/dismantling",
                 "safety_measures": "do not short-circuit; discharge before dismantling"},
    compliance={"test_reports": [{"title": "UN 38.3", "reference": "TR-DEMO-0001", "date": "2024-06-01"}]},
)


def demo_passport_inputs(battery_id: str | None = None) -> dict[str, dict[str, Any]]:
    """A deep copy of :data:`DEMO_PASSPORT_INPUTS`; with ``battery_id``, its passport id and QR address name it.

    Examples
    --------
    >>> demo_passport_inputs("B0005")["identity"]["qr_code_url"]
    'https://passport.example.org/B0005'
    >>> demo_passport_inputs()["identity"]["passport_id"]
    'urn:demo:passport:DEMO-0001'
    """
    out = copy.deepcopy(DEMO_PASSPORT_INPUTS)
    if battery_id is not None:
        out["identity"]["passport_id"] = f"urn:demo:passport:{battery_id}"
        out["identity"]["qr_code_url"] = f"https://passport.example.org/{battery_id}"
    return out


#: Discharges seen of each fleet cell of :func:`small_battery_service` (a young, a middle-aged and a spent cell).
SMALL_FLEET_HISTORY: tuple[int, ...] = (12, 40, 80)


def small_battery_service(*, seed: int = 1, on: dt.date = dt.date(2028, 3, 1), complete: bool = True) -> Any:
    """A real battery service on small generated cells: five training cells, three fleet cells.

    The fleet cells (``cell-05`` to ``cell-07``) are seen for their first :data:`SMALL_FLEET_HISTORY`
    discharges; with ``complete``, the first one gets :func:`demo_passport_inputs` (a complete passport) and
    the others are drafts. The models are small (40 trees, 3 folds): fast, not accurate.

    Examples
    --------
    >>> svc = small_battery_service()
    >>> [(r["cell"], r["discharges"], r["passport_status"]) for r in svc.cells()["data"]]
    [('cell-05', 12, 'complete'), ('cell-06', 40, 'draft'), ('cell-07', 80, 'draft')]
    """
    from ._cycles import Cell
    from ._service import BatteryService
    from ._synthetic import make_cells

    cells = make_cells(5 + len(SMALL_FLEET_HISTORY), seed=seed, n_cycles=80, fade=(0.002, 0.005))
    train = cells[:5]
    fleet = [Cell(c.cell_id, c.discharges[:k], rated_ah=c.rated_ah, cutoff_v=c.cutoff_v, source=c.source)
             for c, k in zip(cells[5:], SMALL_FLEET_HISTORY, strict=True)]
    inputs = {fleet[0].cell_id: demo_passport_inputs(fleet[0].cell_id)} if complete else {}
    return BatteryService.build(fleet, train=train, chemistry="NMC622", mass_kg=0.046, passport_inputs=inputs, on=on,
                                soh_params={"n_estimators": 40, "folds": 3}, seed=seed)
