"""Recovered masses against Regulation (EU) 2023/1542: targets are data with sources, looked up by date."""

from __future__ import annotations

import datetime as dt
import tomllib
from importlib import resources

import pytest

from bessemer.core import DataError
from bessemer.industry.battery._composition import chemistries, declared_composition, typical_composition
from bessemer.industry.battery._recovery import (
    RecyclingRoute,
    check_recycled_content,
    expected_recovery,
    load_routes,
    load_targets,
)

DATA = resources.files("bessemer.industry.battery").joinpath("data")


def raw(name: str) -> dict:
    return tomllib.loads(DATA.joinpath(name).read_text("utf-8"))


# ----------------------------------------------------------------------------------- the targets file
def test_every_target_names_the_regulation_the_point_and_the_date():
    doc = raw("eu_2023_1542_targets.toml")
    entries = doc["material_recovery"] + doc["recycling_efficiency"] + doc["recycled_content"]
    for e in entries:
        assert "Regulation (EU) 2023/1542" in e["source"] and "OJ L 191, 28.7.2023" in e["source"], e
        assert ("Annex XII" in e["source"]) or ("Article 8(" in e["source"]), e
        year = str(e["applies_from"])[:4]
        assert year in e["source"], e


# The figures the issue states (Annex XII Parts B and C, Article 8), checked against the data file.
@pytest.mark.parametrize("kind, key, schedule", [
    ("material_recovery", "Li", [("2027-12-31", 50.0), ("2031-12-31", 80.0)]),
    ("material_recovery", "Co", [("2027-12-31", 90.0), ("2031-12-31", 95.0)]),
    ("material_recovery", "Ni", [("2027-12-31", 90.0), ("2031-12-31", 95.0)]),
    ("material_recovery", "Cu", [("2027-12-31", 90.0), ("2031-12-31", 95.0)]),
    ("material_recovery", "Pb", [("2027-12-31", 90.0), ("2031-12-31", 95.0)]),
    ("recycling_efficiency", "lithium-based", [("2025-12-31", 65.0), ("2030-12-31", 70.0)]),
    ("recycled_content", "Co", [("2031-08-18", 16.0), ("2036-08-18", 26.0)]),
    ("recycled_content", "Li", [("2031-08-18", 6.0), ("2036-08-18", 12.0)]),
    ("recycled_content", "Ni", [("2031-08-18", 6.0), ("2036-08-18", 15.0)]),
    ("recycled_content", "Pb", [("2031-08-18", 85.0), ("2036-08-18", 85.0)]),
])
def test_the_data_file_holds_the_regulation_figures(kind, key, schedule):
    got = [(t.applies_from.isoformat(), t.percent) for t in load_targets().schedule(kind, key)]
    assert got == schedule


def test_which_target_applies_on_a_date():
    t = load_targets()
    first, second = t.schedule("material_recovery", "Li")
    day = dt.timedelta(days=1)
    assert t.applicable("material_recovery", "Li", first.applies_from - day) == (None, first)
    assert t.applicable("material_recovery", "Li", first.applies_from) == (first, second)
    assert t.applicable("material_recovery", "Li", second.applies_from - day) == (first, second)
    assert t.applicable("material_recovery", "Li", second.applies_from) == (second, None)
    assert t.passport_applies_from == dt.date(2027, 2, 18) and "Article 77(1)" in t.passport_source


def test_the_code_reads_the_file(tmp_path):
    """Change a figure in a copy of the file: the result follows, so nothing is written in the code."""
    text = DATA.joinpath("eu_2023_1542_targets.toml").read_text("utf-8")
    mine = tmp_path / "t.toml"
    mine.write_text(text.replace("percent = 50.0", "percent = 99.0"))
    comp = typical_composition("NMC811")
    on = dt.date(2029, 1, 1)
    bundled = expected_recovery(1.0, comp, "hydrometallurgical", on=on).element("Li")
    changed = expected_recovery(1.0, comp, "hydrometallurgical", on=on, targets=load_targets(mine)).element("Li")
    assert bundled.target.percent != changed.target.percent == 99.0
    assert bundled.meets and not changed.meets


@pytest.mark.parametrize("text, match", [
    ("[[material_recovery]]\nelement = 'Li'\npercent = 50.0\napplies_from = 2027-12-31\nsource = ''\n", "source"),
    ("[[material_recovery]]\nelement = 'Li'\npercent = 150.0\napplies_from = 2027-12-31\nsource = 'x'\n", "0-100"),
    ("[[material_recovery]]\nelement = 'Li'\npercent = 50.0\napplies_from = 'soon'\nsource = 'x'\n", "YYYY-MM-DD"),
    ("[[material_recovery]]\nelement = 'Li'\napplies_from = 2027-12-31\nsource = 'x'\n", "percent"),
    ("not = [toml", "TOML"),
    ("schema_version = 1\n", "no targets"),
])
def test_a_malformed_targets_file_is_a_data_error_naming_the_file(tmp_path, text, match):
    f = tmp_path / "bad.toml"
    f.write_text(text)
    with pytest.raises(DataError, match=match) as info:
        load_targets(f)
    assert info.value.file == str(f)


# -------------------------------------------------------------------------------------- compositions
def test_typical_compositions_follow_the_stoichiometry_and_are_marked_assumed():
    doc = raw("compositions.toml")
    w = doc["atomic_weights"]
    assert set(chemistries()) == {"LCO", "NMC111", "NMC532", "NMC622", "NMC811", "NCA", "LFP", "LMO"}
    for name in chemistries():
        entry = doc["chemistry"][name]
        c = typical_composition(name)
        assert c.basis == "assumed" and c.note == "illustrative, replace with the manufacturer's declared composition"
        assert 0 < sum(c.mass_fractions.values()) < 1
        # lithium share of the cathode active material, from the formula
        st = entry["stoichiometry"]
        molar = sum(n * w[el] for el, n in st.items())
        assert c.fraction("Li") == pytest.approx(entry["cathode_active_mass_fraction"] * w["Li"] / molar)
        for el in ("Co", "Ni"):
            assert (c.fraction(el) > 0) == (el in st)
    assert typical_composition("NCM-811") == typical_composition("nmc811")
    with pytest.raises(DataError, match="known"):
        typical_composition("sodium-ion")


@pytest.mark.parametrize("fractions", [{"Li": 2.0, "Co": 15.0}, {"Li": -0.1}, {"Li": 0.6, "Co": 0.6}, {"Li": "a"}])
def test_a_declared_composition_must_be_fractions(fractions):
    with pytest.raises(DataError):
        declared_composition("NMC622", fractions, source="sheet")


def test_a_composition_needs_a_source():
    with pytest.raises(DataError, match="source"):
        declared_composition("NMC622", {"Li": 0.02}, source=" ")


# ------------------------------------------------------------------------------------------ recovery
def test_recovered_mass_is_mass_times_fraction_times_efficiency():
    comp = typical_composition("NMC622")
    route = load_routes()["hydrometallurgical"]
    on = dt.date(2032, 3, 1)
    est = expected_recovery(300.0, comp, route, on=on)
    t = load_targets()
    assert [r.element for r in est.elements] == ["Li", "Co", "Ni", "Cu"]
    for row in est.elements:
        assert row.mass_in_kg == pytest.approx(300.0 * comp.fraction(row.element))
        assert row.recovered_kg == pytest.approx(row.mass_in_kg * route.recovery[row.element])
        target, _ = t.applicable("material_recovery", row.element, on)
        assert row.target == target and row.meets == (100 * route.recovery[row.element] >= target.percent)
    re_target, _ = t.applicable("recycling_efficiency", "lithium-based", on)
    assert est.recycling_efficiency_meets == (100 * route.recycling_efficiency >= re_target.percent)
    d = est.to_dict()
    assert d["composition"]["basis"] == "assumed" and d["route"]["status"] == "assumed"


def test_before_any_target_applies_there_is_nothing_to_meet_but_the_next_target_is_named():
    est = expected_recovery(1.0, typical_composition("LFP"), "pyrometallurgical", on=dt.date(2026, 6, 1))
    li = est.element("Li")
    assert li.target is None and li.meets is None and li.next_target.percent == 50.0
    assert est.element("Co").mass_in_kg == 0.0  # LFP holds no cobalt
    assert est.recycling_efficiency_target is not None  # Part B applies from 31 Dec 2025


def test_a_route_of_your_own_and_its_checks():
    mine = RecyclingRoute("mine", {"Li": 0.5, "Co": 0.9}, recycling_efficiency=0.8, source="plant test 2025")
    est = expected_recovery(2.0, typical_composition("LCO"), mine, on=dt.date(2028, 1, 1))
    assert est.element("Li").meets and est.element("Co").meets
    assert est.element("Ni").efficiency is None and est.element("Ni").meets is None
    with pytest.raises(DataError, match="fraction"):
        RecyclingRoute("bad", {"Li": 85.0})
    with pytest.raises(DataError, match="unknown recycling route"):
        expected_recovery(1.0, typical_composition("LCO"), "smelter", on=dt.date(2028, 1, 1))
    with pytest.raises(DataError, match="positive"):
        expected_recovery(0.0, typical_composition("LCO"), on=dt.date(2028, 1, 1))


def test_recycled_content_against_article_8():
    before = check_recycled_content({"Co": 10.0, "Li": None}, on=dt.date(2030, 1, 1))
    assert all(r.minimum is None and r.meets is None for r in before)
    assert before[0].next_minimum.applies_from == dt.date(2031, 8, 18)
    rows = {r.element: r for r in check_recycled_content({"Co": 20.0, "Li": None, "Ni": 14.0},
                                                         on=dt.date(2036, 8, 18))}
    t = load_targets()
    co_min, _ = t.applicable("recycled_content", "Co", dt.date(2036, 8, 18))
    assert rows["Co"].minimum == co_min and rows["Co"].meets == (20.0 >= co_min.percent)
    assert rows["Li"].meets is None
    assert rows["Ni"].meets is False
    with pytest.raises(DataError):
        check_recycled_content({"Co": 120.0}, on=dt.date(2032, 1, 1))
