"""AI4I 2020 loader: the CSV layout on small generated files, bad input, the shared file."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from bessemer.core import DataError, NotFoundError, SchemaError
from bessemer.datasets._ai4i import FAILURE_MODES, read_ai4i

DATA = Path(os.environ.get("BESSEMER_DATA") or Path(__file__).resolve().parents[2] / ".." / "shared" / "data")
REAL = DATA / "ai4i2020" / "ai4i2020.csv"
HEAD = ["UDI", "Product ID", "Type", "Air temperature [K]", "Process temperature [K]", "Rotational speed [rpm]",
        "Torque [Nm]", "Tool wear [min]", "Machine failure", "TWF", "HDF", "PWF", "OSF", "RNF"]
ROWS = [
    ["1", "M14860", "M", "298.1", "308.6", "1551", "42.8", "0", "0", "0", "0", "0", "0", "0"],
    ["2", "L47181", "L", "298.2", "308.7", "1408", "46.3", "3", "0", "0", "0", "0", "0", "0"],
    ["3", "H29424", "H", "298.4", "308.9", "1282", "60.7", "216", "1", "0", "0", "0", "1", "0"],
]


def _write(tmp_path: Path, rows: list[list[str]], head: list[str] = HEAD, *, bom: bool = True) -> Path:
    p = tmp_path / "ai4i.csv"
    text = "\n".join(",".join(r) for r in [head, *rows]) + "\n"
    p.write_bytes(("\ufeff" if bom else "").encode() + text.encode())
    return p


def test_layout_signals_and_labels(tmp_path):
    f = read_ai4i(_write(tmp_path, ROWS))
    assert f.signals == ["type_quality", "air_temperature", "process_temperature", "rotational_speed", "torque",
                         "tool_wear_min"]
    assert f.meta == ["machine_failure", *FAILURE_MODES]
    assert f.units == {"type_quality": "1", "air_temperature": "K", "process_temperature": "K",
                       "rotational_speed": "rpm", "torque": "N*m", "tool_wear_min": "1"}
    df = f.to_pandas().set_index("asset")
    assert df.loc["H29424", "type_quality"] == 2 and df.loc["L47181", "type_quality"] == 0
    assert df.loc["H29424", "osf"] == 1 and df.loc["H29424", "machine_failure"] == 1
    assert df.loc["M14860", "time"] == 1 and df.loc["H29424", "time"] == 3


def test_without_bom_and_without_labels(tmp_path):
    f = read_ai4i(_write(tmp_path, [r[1:8] for r in ROWS], HEAD[1:8], bom=False))
    assert f.meta == [] and len(f.signals) == 6


def test_missing_and_unknown_columns_are_listed(tmp_path):
    head = [h for h in HEAD if h != "Torque [Nm]"] + ["Operator"]
    rows = [[v for h, v in zip(HEAD, r, strict=True) if h != "Torque [Nm]"] + ["x"] for r in ROWS]
    with pytest.raises(SchemaError) as err:
        read_ai4i(_write(tmp_path, rows, head))
    msg = str(err.value)
    assert "missing column(s) ['Torque [Nm]']" in msg and "unknown column(s) ['Operator']" in msg
    assert "rename or drop" in msg and err.value.file == "ai4i.csv"


def test_some_label_columns_but_not_all(tmp_path):
    head = [h for h in HEAD if h not in ("TWF", "RNF")]
    rows = [[v for h, v in zip(HEAD, r, strict=True) if h not in ("TWF", "RNF")] for r in ROWS]
    with pytest.raises(SchemaError, match=r"missing column\(s\) \['TWF', 'RNF'\]"):
        read_ai4i(_write(tmp_path, rows, head))


@pytest.mark.parametrize(
    ("col", "value", "column", "match"),
    [
        (6, "4x.2", "Torque [Nm]", "'4x.2' is not a number"),
        (4, "", "Process temperature [K]", "is missing"),
        (2, "X", "Type", "not one of L, M, H"),
        (10, "2", "HDF", "must be 0 or 1"),
        (1, "M14860", "Product ID", "repeats row 1"),
    ],
)
def test_bad_cells_name_file_row_and_column(tmp_path, col, value, column, match):
    rows = [list(r) for r in ROWS]
    rows[2][col] = value
    with pytest.raises(DataError, match=match) as err:
        read_ai4i(_write(tmp_path, rows))
    assert (err.value.file, err.value.row, err.value.column) == ("ai4i.csv", 3, column)


def test_ragged_row_and_missing_file(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[1] = rows[1][:-2]
    with pytest.raises(DataError) as err:
        read_ai4i(_write(tmp_path, rows))
    assert err.value.file == "ai4i.csv" and err.value.row == 2
    with pytest.raises(NotFoundError, match="no AI4I file"):
        read_ai4i(tmp_path / "nope.csv")


@pytest.mark.data
@pytest.mark.skipif(not REAL.is_file(), reason=f"AI4I data absent at {REAL} (set BESSEMER_DATA to the shared data "
                    "folder holding ai4i2020/ai4i2020.csv)")
def test_shared_file():
    f = read_ai4i(REAL)
    assert len(f) == len(f.assets) == 8000
    failure = f.column("machine_failure")
    assert 0.02 < failure.mean() < 0.05
    modes = np.column_stack([f.column(m) for m in FAILURE_MODES])
    # a failure mode (other than the random one) always means a machine failure
    assert (failure[modes[:, :4].any(axis=1)] == 1).all()
    assert not set(FAILURE_MODES) & set(f.signals)
