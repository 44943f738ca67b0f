"""Battery passport: the schema is valid Draft 2020-12 with a source and an access level on every attribute,
a complete demo-cell passport validates, and a missing or wrong mandatory attribute is named by its path."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest
from jsonschema import Draft202012Validator

from bessemer.core import DataError
from bessemer.industry.battery._composition import declared_composition
from bessemer.industry.battery._grading import BatteryAssessment, grade_battery
from bessemer.industry.battery._passport import (
    ACCESS_LEVELS,
    PASSPORT_GROUPS,
    build_passport,
    passport_schema,
    passport_view,
    validate_passport,
)
from bessemer.industry.battery.testing import DEMO_PASSPORT_INPUTS as DEMO

ON = dt.date(2028, 3, 1)
LEVELS = {"public", "legitimate_interest", "notified_bodies"}


def demo_assessment(**kw) -> BatteryAssessment:
    base = dict(battery_id="DEMO-0001", chemistry="NMC622", rated_capacity_ah=2.0, soh_pct=84.0,
                soh_lower_pct=81.5, soh_upper_pct=86.2, resistance_growth_pct=18.0, cycles_to_80=60,
                cycles_to_80_lower=35, cycles_to_80_upper=90, mass_kg=0.046)
    base.update(kw)
    return BatteryAssessment(**base)


def demo_passport(**override) -> dict:
    a = demo_assessment()
    groups = copy.deepcopy(DEMO)
    groups.update(override)
    return build_passport(**groups, assessment=a, grade=grade_battery(a, on=ON), assessed_on=ON)


def leaves(node: dict, path: str = ""):
    """(path, spec) of every attribute under a group (nested objects included, items of arrays not)."""
    for name, spec in node.get("properties", {}).items():
        p = f"{path}.{name}" if path else name
        yield p, spec
        if spec.get("type") == "object" and "properties" in spec and "x-access" in spec:
            yield from leaves(spec, p)


# ------------------------------------------------------------------------------------------ schema
def test_the_schema_is_valid_draft_2020_12():
    schema = passport_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_every_attribute_has_a_description_a_source_and_an_access_level():
    schema = passport_schema()
    assert set(PASSPORT_GROUPS) <= set(schema["required"])
    n = 0
    for group in PASSPORT_GROUPS:
        g = schema["properties"][group]
        assert g["required"] and g["additionalProperties"] is False and g["x-source"], group
        for path, spec in leaves(g, group):
            n += 1
            assert spec.get("description"), path
            assert spec.get("x-access") in LEVELS, path
            src = spec.get("x-source", "")
            assert src.startswith("Regulation (EU) 2023/1542, ") or src.startswith("project addition"), path
    assert n > 60


def test_access_levels_follow_annex_xiii():
    s = passport_schema()["properties"]
    assert s["carbon_footprint"]["properties"]["total_kg_co2e_per_kwh"]["x-access"] == "public"
    assert s["chemistry_and_composition"]["properties"]["cathode_materials"]["x-access"] == "legitimate_interest"
    assert s["state_of_health"]["properties"]["soh_capacity_pct"]["x-access"] == "legitimate_interest"
    assert s["compliance"]["properties"]["test_reports"]["x-access"] == "notified_bodies"


# ----------------------------------------------------------------------------------------- passport
def test_a_demo_cell_passport_is_complete_and_validates():
    p = demo_passport()
    assert p["passport_status"] == "complete" and p["missing"] == []
    assert validate_passport(p) == []
    again = json.loads(json.dumps(p))  # it is plain JSON
    assert validate_passport(again) == []
    soh = p["state_of_health"]
    a = demo_assessment()
    assert (soh["soh_capacity_pct"], soh["soh_capacity_lower_pct"], soh["soh_capacity_upper_pct"]) == (
        a.soh_pct, a.soh_lower_pct, a.soh_upper_pct)
    assert soh["remaining_capacity_ah"] == pytest.approx(a.rated_capacity_ah * a.soh_pct / 100)
    assert soh["remaining_cycles_to_80pct"] == {"point": 60, "lower": 35, "upper": 90, "interval_level": 0.9}
    assert p["end_of_life"]["grade"]["grade"] == grade_battery(a, on=ON).grade
    assert p["chemistry_and_composition"]["composition_basis"] == "assumed"
    assert "illustrative" in p["chemistry_and_composition"]["composition_source"]
    assert p["end_of_life"]["recovery_estimate"]["composition"]["basis"] == "assumed"


def test_an_unbounded_interval_end_is_left_out_of_the_json():
    inf = float("inf")
    a = demo_assessment(cycles_to_80=inf, cycles_to_80_lower=35, cycles_to_80_upper=inf,
                        cycles_to_70=400, cycles_to_70_lower=200, cycles_to_70_upper=inf)
    p = build_passport(**DEMO, assessment=a, assessed_on=ON)
    assert p["state_of_health"]["remaining_cycles_to_80pct"] == {"lower": 35, "interval_level": 0.9}
    assert p["state_of_health"]["remaining_cycles_to_70pct"] == {"point": 400, "lower": 200, "interval_level": 0.9}
    json.dumps(p, allow_nan=False)


def test_a_declared_composition_is_marked_declared():
    a = demo_assessment()
    comp = declared_composition("NMC622", {"Li": 0.021, "Co": 0.018, "Ni": 0.054, "Cu": 0.11}, source="demo sheet")
    p = build_passport(**DEMO, assessment=a, grade=grade_battery(a, composition=comp, on=ON), assessed_on=ON)
    assert p["chemistry_and_composition"]["composition_basis"] == "declared"
    assert p["chemistry_and_composition"]["element_mass_fractions"]["Ni"] == 0.054


@pytest.mark.parametrize("group, attribute", [
    ("carbon_footprint", "total_kg_co2e_per_kwh"),
    ("identity", "qr_code_url"),
    ("due_diligence", "report_url"),
    ("recycled_content", "lead_pct"),
    ("end_of_life", "dismantling_information_url"),
])
def test_a_missing_mandatory_attribute_is_listed_and_fails_validation_by_name(group, attribute):
    values = {k: v for k, v in DEMO[group].items() if k != attribute}
    p = demo_passport(**{group: values})
    path = f"{group}.{attribute}"
    assert p["passport_status"] == "draft" and p["missing"] == [path]
    assert attribute not in p[group]  # listed, not invented
    with pytest.raises(DataError, match=path.replace(".", r"\.")) as info:
        validate_passport(p)
    assert info.value.paths == [path]
    assert validate_passport(p, raise_errors=False) == [f"{path}: missing mandatory attribute"]


def test_a_nested_missing_attribute_and_the_soh_without_an_assessment():
    ident = copy.deepcopy(DEMO["identity"])
    del ident["manufacturer"]["contact"]
    groups = {**copy.deepcopy(DEMO), "identity": ident}
    p = build_passport(**groups)  # no assessment: nothing about the SOH is invented
    assert "identity.manufacturer.contact" in p["missing"]
    assert "identity.battery_id" in p["missing"] and "state_of_health.soh_capacity_pct" in p["missing"]
    assert "soh_capacity_pct" not in p["state_of_health"]


def test_an_electric_vehicle_battery_must_state_its_capacity_threshold_for_exhaustion():
    ev = {**DEMO["identity"], "battery_category": "electric_vehicle"}
    p = demo_passport(identity=ev)
    assert p["missing"] == ["performance_and_durability.capacity_threshold_for_exhaustion_pct"]
    perf = {**DEMO["performance_and_durability"], "capacity_threshold_for_exhaustion_pct": 70.0}
    assert demo_passport(identity=ev, performance_and_durability=perf)["passport_status"] == "complete"


@pytest.mark.parametrize("group, change, path", [
    ("carbon_footprint", {"total_kg_co2e_per_kwh": -3.0}, "carbon_footprint.total_kg_co2e_per_kwh"),
    ("identity", {"manufacturing_date": "May 2024"}, "identity.manufacturing_date"),
    ("identity", {"battery_category": "car"}, "identity.battery_category"),
    ("recycled_content", {"cobalt_pct": "twelve"}, "recycled_content.cobalt_pct"),
    ("carbon_footprint", {"total_co2": 1.0}, "carbon_footprint"),  # unknown attribute
])
def test_a_wrong_value_is_refused_naming_its_path(group, change, path):
    with pytest.raises(DataError, match=path.replace(".", r"\.")):
        demo_passport(**{group: {**DEMO[group], **change}})
    p = demo_passport()
    p[group] = {**p[group], **change}
    errs = validate_passport(p, raise_errors=False)
    assert errs and all(e.startswith(path) for e in errs)


def test_a_complete_status_with_missing_entries_does_not_validate():
    p = demo_passport()
    p["missing"] = ["identity.battery_id"]
    assert validate_passport(p, raise_errors=False)


def test_views_by_access_level():
    p = demo_passport()
    public = passport_view(p, "public")
    assert "soh_capacity_pct" not in public["state_of_health"] and "test_reports" not in public["compliance"]
    assert public["carbon_footprint"] == p["carbon_footprint"]
    legit = passport_view(p, "legitimate_interest")
    assert legit["state_of_health"] == p["state_of_health"] and "test_reports" not in legit["compliance"]
    assert passport_view(p, "notified_bodies")["compliance"] == p["compliance"]
    assert passport_view(p, "commission") == p
    assert set(ACCESS_LEVELS) == {"public", "legitimate_interest", "notified_bodies", "commission"}
    draft = demo_passport(state_of_health={})
    assert not any(m.startswith("state_of_health.estimation") for m in passport_view(draft, "public")["missing"])
    with pytest.raises(DataError):
        passport_view(p, "anyone")
