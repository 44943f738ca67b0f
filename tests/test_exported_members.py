"""Pin each package's public names (httpx's tests/test_exported_members.py)."""

import importlib

import pytest

PACKAGES = ["bessemer.api", "bessemer.core", "bessemer.datasets", "bessemer.industry.battery",
            "bessemer.industry.maintenance", "bessemer.industry.energy", "bessemer.industry.process",
            "bessemer.industry.quality", "bessemer.ingest", "bessemer.sim", "bessemer.testing"]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_sorted_and_importable(name):
    mod = importlib.import_module(name)
    exported = mod.__all__
    assert exported == sorted(exported), f"{name}.__all__ must be sorted"
    for member in exported:
        assert hasattr(mod, member), f"{name}.__all__ names {member!r} but it is not defined"


def test_core_public_api():
    import bessemer.core as core

    assert set(core.__all__) >= {
        "AssetTree", "BaseModel", "BessemerError", "DataError", "Frame", "ModelRegistry", "NotFittedError",
        "Settings", "Tags", "register_model", "registered_models",
    }


def test_battery_public_api():
    import bessemer.industry.battery as battery

    assert set(battery.__all__) >= {
        "Cell", "Discharge", "EolForecast", "EolForecaster", "FEATURES", "SohEstimator", "cell_features",
        "discharge_features", "domain", "first_crossing", "format_battery_report", "make_cells", "read_cycler_csv",
        "run_battery_bench", "write_discharge_csv",
        "BatteryAssessment", "GradingConfig", "grade_battery", "build_passport", "validate_passport",
        "passport_schema", "expected_recovery", "load_targets", "typical_composition",
    }


def test_datasets_nasa_battery_names():
    import bessemer.datasets as datasets

    assert {"NASA_CUTOFF_V", "load_nasa_battery", "nasa_capacity_2v7", "read_nasa_discharge_csv", "read_nasa_mat",
            "read_nasa_metadata"} <= set(datasets.__all__)
