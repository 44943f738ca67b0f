from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import bessemer.datasets as ds
from bessemer.core import DataError, NotFoundError
from bessemer.datasets import load_cmapss


def _row(unit: int, cycle: int, value: float = 1.0) -> str:
    return f"{unit} {cycle} " + " ".join([f"{value}"] * 24) + "  \n"


def _write(d: Path, subset: str = "FD002", train: str | None = None, test: str | None = None,
           rul: str | None = None) -> Path:
    (d / f"train_{subset}.txt").write_text(train if train is not None else
                                           "".join(_row(u, c) for u in (1, 2, 10) for c in (1, 2, 3)))
    (d / f"test_{subset}.txt").write_text(test if test is not None else
                                          "".join(_row(u, c) for u in (1, 2) for c in (1, 2)))
    (d / f"RUL_{subset}.txt").write_text(rul if rul is not None else "12\n150\n")
    return d


def test_exports_pinned():
    assert ds.__all__ == ["CmapssData", "ImageSet", "NASA_CUTOFF_V", "NEU_CLASSES", "TepData", "load_cmapss",
                          "load_nasa_battery", "load_tep", "nasa_capacity_2v7", "read_ai4i", "read_image",
                          "read_image_dir", "read_nasa_discharge_csv", "read_nasa_mat", "read_nasa_metadata",
                          "read_secom", "read_steel_energy", "read_steel_plates", "read_tep_file"]


def test_loads_any_subset_and_orders_assets(tmp_path):
    data = load_cmapss(_write(tmp_path, "FD002"), "fd002")
    assert data.subset == "FD002"
    assert data.train.assets == ["FD002-train-001", "FD002-train-002", "FD002-train-010"]
    assert len(data.train) == 9 and data.train.time_kind == "cycle"
    assert data.test.assets == ["FD002-test-001", "FD002-test-002"]
    np.testing.assert_array_equal(data.test_rul, [12.0, 150.0])
    assert data.train.units["P30"] == "psia" and data.train.units["Nc"] == "rpm"
    assert data.train.units["setting1"] == "1" and data.train.units["T50"] == "degR"
    assert len(data.train.signals) == 24


@pytest.mark.parametrize(
    ("train", "column", "row"),
    [
        (_row(1, 1) + "1 2 3\n", None, 2),
        (_row(1, 1) + _row(1, 2).replace(" 1.0 ", " abc ", 1), "setting1", 2),
        (_row(1, 1) + _row(1, 2).replace("1 2 ", "1 2.5 ", 1), "cycle", 2),
        (_row(1, 1).replace("1.0  ", "nan  "), "W32", 1),
    ],
)
def test_malformed_train_names_row_and_column(tmp_path, train, column, row):
    _write(tmp_path, "FD001", train=train)
    with pytest.raises(DataError) as err:
        load_cmapss(tmp_path, "FD001")
    assert err.value.row == row
    assert err.value.column == column
    assert err.value.file.endswith("train_FD001.txt")


def test_bad_rul_file(tmp_path):
    _write(tmp_path, "FD001", rul="12\nx\n")
    with pytest.raises(DataError, match="row 2") as err:
        load_cmapss(tmp_path, "FD001")
    assert err.value.file.endswith("RUL_FD001.txt")
    _write(tmp_path, "FD001", rul="12\n")
    with pytest.raises(DataError, match="expected 2 RUL values"):
        load_cmapss(tmp_path, "FD001")


def test_missing_file_names_expected_path(tmp_path):
    with pytest.raises(NotFoundError, match=str(tmp_path / "train_FD003.txt")):
        load_cmapss(tmp_path, "FD003")
    with pytest.raises(DataError, match="unknown C-MAPSS subset"):
        load_cmapss(tmp_path, "FD009")


def _real() -> Path | None:
    root = Path(os.environ.get("BESSEMER_DATA") or Path(__file__).resolve().parents[2] / ".." / "shared" / "data")
    d = root / "cmapss"
    return d if (d / "train_FD001.txt").is_file() else None


@pytest.mark.data
@pytest.mark.skipif(_real() is None, reason="C-MAPSS data absent (set BESSEMER_DATA or provide ../shared/data)")
def test_real_fd001_shape():
    data = load_cmapss(_real(), "FD001")
    assert len(data.train) == 20631 and len(data.train.assets) == 100
    assert len(data.test.assets) == 100 and len(data.test_rul) == 100
    assert data.test_rul[0] == 112
