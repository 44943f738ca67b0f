"""Pin each package's public names (httpx's tests/test_exported_members.py)."""

import importlib

import pytest

PACKAGES = ["bessemer.api", "bessemer.core", "bessemer.datasets", "bessemer.industry.maintenance",
            "bessemer.industry.energy", "bessemer.industry.process",
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
