"""Reuse / repurpose / recycle grade: thresholds from config, pessimistic side of the interval, structured reasons."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest

from bessemer.core import ConfigError, DataError
from bessemer.industry.battery._composition import declared_composition
from bessemer.industry.battery._grading import GRADES, BatteryAssessment, GradingConfig, grade_battery

CFG = GradingConfig.load()
DAY = dt.date(2028, 6, 1)
HANGUL = re.compile("[\uac00-\ud7a3]")


def cell(**kw) -> BatteryAssessment:
    """A cell that passes every reuse threshold of CFG by a margin; kw moves single values."""
    base = dict(battery_id="c1", chemistry="NMC622", rated_capacity_ah=2.0,
                soh_pct=CFG.reuse_min_soh_pct + 8, soh_lower_pct=CFG.reuse_min_soh_pct + 5,
                soh_upper_pct=CFG.reuse_min_soh_pct + 10,
                resistance_growth_pct=CFG.reuse_max_resistance_growth_pct / 2,
                cycles_to_80=CFG.reuse_min_cycles_to_80 * 3, cycles_to_80_lower=CFG.reuse_min_cycles_to_80 * 2,
                cycles_to_80_upper=CFG.reuse_min_cycles_to_80 * 4,
                cycles_to_70=CFG.repurpose_min_cycles_to_70 * 5, cycles_to_70_lower=CFG.repurpose_min_cycles_to_70 * 3,
                cycles_to_70_upper=CFG.repurpose_min_cycles_to_70 * 6, mass_kg=0.045)
    base.update(kw)
    return BatteryAssessment(**base)


# ------------------------------------------------------------------------------------------ config
def test_dataclass_defaults_equal_the_toml_file():
    assert GradingConfig() == GradingConfig.load()


def test_overrides_change_single_keys_and_a_file_of_your_own_is_read(tmp_path):
    cfg = GradingConfig.load(overrides={"reuse_min_soh_pct": 85})
    assert cfg.reuse_min_soh_pct == 85.0 and cfg.repurpose_min_soh_pct == CFG.repurpose_min_soh_pct
    f = tmp_path / "g.toml"
    f.write_text("reuse_min_soh_pct = 90.0\nrepurpose_min_soh_pct = 70.0\n")
    assert GradingConfig.load(f).repurpose_min_soh_pct == 70.0


@pytest.mark.parametrize("overrides, key", [
    ({"repurpose_min_soh_pct": -1}, "repurpose_min_soh_pct"),
    ({"reuse_max_capacity_spread_pct": float("nan")}, "reuse_max_capacity_spread_pct"),
    ({"reuse_min_soh_pct": 50.0}, "reuse_min_soh_pct"),  # below the repurpose threshold (60)
    ({"reuse_max_resistance_growth_pct": 150.0}, "reuse_max_resistance_growth_pct"),  # above repurpose's 100
    ({"reuse_min_soh_pct": 101.0}, "reuse_min_soh_pct"),
    ({"reuse_min_soh": 80.0}, "reuse_min_soh"),  # unknown key
    ({"safety_flag_forces_recycle": "yes"}, "safety_flag_forces_recycle"),
    ({"reuse_min_cycles_to_80": "many"}, "reuse_min_cycles_to_80"),
])
def test_bad_config_is_a_config_error_naming_the_key(overrides, key):
    with pytest.raises(ConfigError, match=re.escape(repr(key))):
        GradingConfig.load(overrides=overrides)


def test_unknown_key_in_a_file_names_key_and_file(tmp_path):
    f = tmp_path / "g.toml"
    f.write_text("reuse_min_soh_pct = 80.0\nrepurpose_threshold = 60.0\n")
    with pytest.raises(ConfigError, match="'repurpose_threshold'.*g.toml"):
        GradingConfig.load(f)


# ------------------------------------------------------------------------------------------ grades
def test_a_cell_past_every_reuse_threshold_is_reused_with_every_reason_structured():
    g = grade_battery(cell(), on=DAY)
    assert g.grade == "reuse" and g.point_estimate_grade == "reuse"
    assert {r.code for r in g.reasons} == {"soh_lower_bound", "resistance_growth", "cycles_to_80_lower_bound",
                                          "cycles_to_70_lower_bound"}
    for r in g.reasons:
        assert r.allows == "reuse" and r.decisive
        assert r.message_en and HANGUL.search(r.message_ko), r
        assert isinstance(r.value, float) and isinstance(r.threshold, float)
    d = g.to_dict()
    assert d["pessimistic_side"] is True and d["thresholds"] == CFG.to_dict()


def test_grade_is_made_at_the_lower_end_of_the_soh_interval_and_says_so():
    lo = CFG.reuse_min_soh_pct - 2  # the interval straddles the reuse threshold
    g = grade_battery(cell(soh_pct=CFG.reuse_min_soh_pct + 1, soh_lower_pct=lo), on=DAY)
    assert g.grade == "repurpose" and g.point_estimate_grade == "reuse"
    r = g.reason("soh_lower_bound")
    assert (r.value, r.threshold, r.allows, r.decisive) == (lo, CFG.reuse_min_soh_pct, "repurpose", True)
    assert "pessimistic" in g.note_en and "would give reuse" in g.note_en
    assert "하한" in g.note_ko
    assert not g.reason("resistance_growth").decisive


def test_soh_exactly_at_the_threshold_passes_and_just_below_fails():
    t = CFG.repurpose_min_soh_pct
    at = grade_battery(cell(soh_pct=t + 1, soh_lower_pct=t, soh_upper_pct=t + 2), on=DAY)
    below = grade_battery(cell(soh_pct=t + 1, soh_lower_pct=t - 0.01, soh_upper_pct=t + 2), on=DAY)
    assert at.grade == "repurpose" and below.grade == "recycle"
    assert below.reason("soh_lower_bound").threshold == t


@pytest.mark.parametrize("growth, expected", [
    (CFG.reuse_max_resistance_growth_pct, "reuse"),
    (CFG.reuse_max_resistance_growth_pct + 1, "repurpose"),
    (CFG.repurpose_max_resistance_growth_pct + 1, "recycle"),
])
def test_resistance_growth(growth, expected):
    g = grade_battery(cell(resistance_growth_pct=growth), on=DAY)
    r = g.reason("resistance_growth")
    assert g.grade == expected and r.value == growth and r.unit == "%"


def test_remaining_cycles_are_compared_at_their_lower_bound():
    need = CFG.reuse_min_cycles_to_80
    g = grade_battery(cell(cycles_to_80=need * 2, cycles_to_80_lower=need - 1, cycles_to_80_upper=need * 3), on=DAY)
    assert g.grade == "repurpose" and g.point_estimate_grade == "reuse"
    assert g.reason("cycles_to_80_lower_bound").value == need - 1
    need70 = CFG.repurpose_min_cycles_to_70
    a = cell(cycles_to_70=need70 * 2, cycles_to_70_lower=need70 / 2, cycles_to_70_upper=need70 * 3)
    g = grade_battery(a, on=DAY)
    assert g.grade == "recycle" and g.reason("cycles_to_70_lower_bound").threshold == need70


def test_remaining_cycles_without_interval_are_compared_as_given_and_flagged():
    a = cell(cycles_to_80=CFG.reuse_min_cycles_to_80 * 2, cycles_to_80_lower=None, cycles_to_80_upper=None)
    r = grade_battery(a, on=DAY).reason("cycles_to_80")
    assert "no interval given" in r.message_en and r.allows == "reuse"


def test_not_assessed_criteria_are_listed_and_do_not_grade():
    a = cell(resistance_growth_pct=None, cycles_to_80=None, cycles_to_80_lower=None, cycles_to_80_upper=None)
    g = grade_battery(a, on=DAY)
    for code in ("resistance_growth_not_assessed", "cycles_to_80_not_assessed"):
        r = g.reason(code)
        assert r.allows is None and r.value is None and not r.decisive
    assert g.grade == "reuse"


def test_a_safety_flag_sends_to_recycling_unless_configured_otherwise():
    g = grade_battery(cell(safety_flags=("swelling",)), on=DAY)
    r = g.reason("safety_flag")
    assert g.grade == "recycle" and r.value == "swelling" and r.decisive and HANGUL.search(r.message_ko)
    off = GradingConfig.load(overrides={"safety_flag_forces_recycle": False})
    g = grade_battery(cell(safety_flags=("swelling",)), off, on=DAY)
    assert g.grade == "reuse" and g.reason("safety_flag").allows is None


def test_capacity_spread_of_a_pack():
    caps = (2.00, 1.95, 1.80, 1.90)
    spread = 100 * (max(caps) - min(caps)) / (sum(caps) / len(caps))
    g = grade_battery(cell(cell_capacities_ah=caps), on=DAY)
    r = g.reason("capacity_spread")
    assert r.value == pytest.approx(spread)
    expected = ("reuse" if spread <= CFG.reuse_max_capacity_spread_pct
                else "repurpose" if spread <= CFG.repurpose_max_capacity_spread_pct else "recycle")
    assert g.grade == expected and expected != "reuse"


def test_the_grade_is_the_worst_route_any_criterion_allows():
    g = grade_battery(cell(soh_lower_pct=CFG.reuse_min_soh_pct - 1,
                           resistance_growth_pct=CFG.repurpose_max_resistance_growth_pct + 5), on=DAY)
    assert g.grade == "recycle"
    assert [r.code for r in g.reasons if r.decisive] == ["resistance_growth"]
    assert GRADES.index(g.grade) == max(GRADES.index(r.allows) for r in g.reasons if r.allows)


def test_the_grade_says_which_composition_was_used():
    assumed = grade_battery(cell(), on=DAY)
    assert assumed.composition.basis == "assumed" and "illustrative" in assumed.composition.note
    assert assumed.to_dict()["recovery"]["composition"]["basis"] == "assumed"
    comp = declared_composition("NMC622", {"Li": 0.02, "Co": 0.02, "Ni": 0.06, "Cu": 0.1}, source="datasheet")
    declared = grade_battery(cell(), composition=comp, on=DAY)
    assert declared.composition.basis == "declared"
    assert declared.recovery.element("Ni").mass_in_kg == pytest.approx(0.045 * 0.06)
    assert grade_battery(cell(mass_kg=None), on=DAY).recovery is None
    unknown = grade_battery(cell(chemistry="sodium-ion"), on=DAY)
    assert unknown.recovery is None and "declare one" in unknown.composition.source


@pytest.mark.parametrize("change", [
    dict(soh_lower_pct=90.0, soh_pct=85.0),          # lower above point
    dict(soh_upper_pct=80.0),                        # upper below point
    dict(rated_capacity_ah=0.0),
    dict(soh_pct=float("nan")),
    dict(cycles_to_80_lower=500.0),                  # lower above point
    dict(cell_capacities_ah=(2.0,)),
    dict(mass_kg=-1.0),
    dict(interval_level=90),
    dict(battery_id=" "),
])
def test_inconsistent_assessments_are_data_errors(change):
    with pytest.raises(DataError):
        cell(**change)


def test_assessment_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        cell().soh_pct = 1.0


def test_a_threshold_never_reached_is_infinite_remaining_cycles():
    inf = float("inf")
    g = grade_battery(cell(cycles_to_80=inf, cycles_to_80_lower=CFG.reuse_min_cycles_to_80 * 2,
                           cycles_to_80_upper=inf), on=DAY)
    assert g.grade == "reuse"
    with pytest.raises(DataError):
        cell(cycles_to_80=-inf, cycles_to_80_lower=None, cycles_to_80_upper=None)
