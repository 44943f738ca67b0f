"""Carbon factors: reference values with their sources and status, the grid-factor rule per year of
consumption, and broken factor files refused with file, row and field."""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path

import pytest

from bessemer.core import DataError, NotFoundError
from bessemer.industry.energy import grid_factor, load_factors

DATA_DIR = Path(str(resources.files("bessemer.industry.energy").joinpath("data/carbon")))


def test_fuel_factors_match_the_reference_derived_column():
    # t CO2 per t fuel, the reference's last column of section 5 (Derived: NCV x CO2 / 10^6)
    printed = {"coking-coal": 2.668, "other-bituminous-coal": 2.441, "anthracite": 2.625, "coke-oven-coke": 3.017,
               "coke-oven-gas": 1.718, "blast-furnace-gas": 0.642, "oxygen-steel-furnace-gas": 1.285,
               "natural-gas": 2.693, "naphtha": 3.262, "residual-fuel-oil": 3.127, "gas-diesel-oil": 3.186,
               "lpg": 2.985, "ethane": 2.858, "petroleum-coke": 3.169}
    fs = load_factors()
    assert set(fs.fuels) == set(printed)
    for fid, v in printed.items():
        assert round(fs.fuel(fid).co2_t_per_t, 3) == v, fid
    ng = fs.fuel("LNG")  # LNG has no row of its own: natural gas defaults
    assert (ng.id, ng.ncv.value, ng.co2.value, ng.ch4.value, ng.n2o.value) == ("natural-gas", 48.0, 56100.0, 1.0, 0.1)
    assert ng.co2_range == (54300.0, 58300.0) and fs.fuel("naphtha").co2_range is None
    assert ng.co2.status == "Confirmed" and ng.ch4.sources[0].endswith("V2_2_Ch2_Stationary_Combustion.pdf")
    assert fs.fuel("Heavy fuel oil").id == "residual-fuel-oil" and fs.fuel("bunker_c").id == "residual-fuel-oil"


def test_routes_and_pathways_carry_reference_values_and_sources():
    fs = load_factors()
    got = {r: (fs.route(r).factor.value, fs.route(r).product, fs.route(r).factor.status) for r in fs.routes}
    assert got == {"bf-bof": (2.3, "steel", "Secondary"), "eaf": (0.7, "steel", "Secondary"),
                   "naphtha-cracker": (1.2, "ethylene", "Secondary")}
    assert fs.route("NCC").id == "naphtha-cracker"
    pw = {p.id: (p.co2_reduction, p.status) for p in fs.pathways.values()}
    assert pw["electric-furnace"] == (0.9, "Confirmed")
    assert pw["bio-naphtha"] == (0.5, "Secondary")
    assert pw["catalytic-cracking"] == (0.2, "Secondary")
    assert pw["pyrolysis-oil"] == (None, "Secondary")  # no cracker-side reduction in the reference
    for p in fs.pathways.values():
        assert p.sources and all(s.startswith("http") for s in p.sources)


@pytest.mark.parametrize(("year", "value", "status", "rule"), [
    (2023, 0.4173, "Confirmed", "single-year factor for 2023"),
    (2022, 0.4312, "Secondary", "single-year factor for 2022"),
    (2021, 0.4509, "Secondary", "single-year factor for 2021"),
    (2020, 0.4541, "Confirmed", "2020–2022 average covers 2020"),
    (2015, 0.45941, "Secondary", "2014–2016 average covers 2015"),
    (2018, 0.45941, "Secondary", "latest published period before it (2014–2016, 2 year(s) earlier)"),
    (2026, 0.4173, "Confirmed", "latest published period before it (2023, 3 year(s) earlier)"),
])
def test_grid_factor_for_the_year_of_consumption(year, value, status, rule):
    f = grid_factor(year)
    assert (f.value, f.status, f.unit, f.gas) == (value, status, "tCO2eq/MWh", "CO2e")
    assert rule in f.applies
    assert f.sources and all(s.startswith("http") for s in f.sources)


def test_grid_factor_never_extrapolates_or_invents():
    with pytest.raises(NotFoundError, match="no published period covers or precedes"):
        grid_factor(2012)
    with pytest.raises(NotFoundError, match="strict=True"):
        grid_factor(2018, strict=True)
    assert grid_factor(2015, strict=True).value == 0.45941
    co2_only = grid_factor(2015, gas="CO2")
    assert (co2_only.value, co2_only.status) == (0.4567, "Unconfirmed")
    assert grid_factor(2011, basis="generation").value == 0.443
    with pytest.raises(NotFoundError, match="basis='market'"):
        grid_factor(2023, basis="market")
    for bad in ("2023", 2023.0, True, 1800):
        with pytest.raises(DataError, match="calendar year"):
            grid_factor(bad)


def _copy_factors(tmp_path: Path) -> Path:
    dst = tmp_path / "carbon"
    shutil.copytree(DATA_DIR, dst)
    return dst


@pytest.mark.parametrize(("file", "edit", "where"), [
    ("grid-kr.json", lambda d: d["factors"][0].update(status="Probably"), ("row 1", "'status'")),
    ("grid-kr.json", lambda d: d["factors"][1].update(value=float("nan")), ("row 2", "'value'")),
    ("grid-kr.json", lambda d: d["factors"][0].update(sources=[]), ("row 1", "'sources'")),
    ("grid-kr.json", lambda d: d["factors"][2].update(period=[2023, 2021]), ("row 3", "'period'")),
    ("fuels-ipcc2006.json", lambda d: d["fuels"][7].update(co2=57000), ("row 8", "derived_t_co2_per_t")),
    ("routes.json", lambda d: d["routes"][0].pop("unit"), ("row 1", "'unit'")),
    ("pathways.json", lambda d: d["pathways"][1].update(co2_reduction=1.5), ("row 2", "'co2_reduction'")),
])
def test_broken_factor_files_are_refused_with_file_row_and_field(tmp_path, file, edit, where):
    folder = _copy_factors(tmp_path)
    doc = json.loads((folder / file).read_text("utf-8"))
    edit(doc)
    (folder / file).write_text(json.dumps(doc), "utf-8")
    with pytest.raises(DataError) as err:
        load_factors(folder)
    msg = str(err.value)
    assert file in msg and all(w in msg for w in where), msg


def test_factor_folder_missing_file_or_not_json(tmp_path):
    folder = _copy_factors(tmp_path)
    (folder / "routes.json").write_text("{not json", "utf-8")
    with pytest.raises(DataError, match="routes.json.*not valid JSON"):
        load_factors(folder)
    (folder / "routes.json").unlink()
    with pytest.raises(DataError, match="cannot read the factor file"):
        load_factors(folder)
    assert load_factors(_copy_factors(tmp_path / "b")).fuel("lng").co2.value == 56100.0
