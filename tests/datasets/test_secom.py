"""SECOM loader: the two-file layout on small generated folders, bad input, the shared folder."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bessemer.core import DataError, NotFoundError
from bessemer.datasets._secom import N_SENSORS, read_secom

DATA = Path(os.environ.get("BESSEMER_DATA") or Path(__file__).resolve().parents[2] / ".." / "shared" / "data")
REAL = DATA / "secom"


def _write(folder: Path, rows: list[list[str]], labels: list[str]) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "secom.data").write_bytes(("\r\n".join(" ".join(r) for r in rows) + "\r\n").encode())
    (folder / "secom_labels.data").write_bytes(("\r\n".join(labels) + "\r\n").encode())
    return folder


def _rows(n: int) -> list[list[str]]:
    rng = np.random.default_rng(0)
    rows = [[f"{v:.4f}" for v in rng.normal(size=N_SENSORS)] for _ in range(n)]
    rows[0][5] = "NaN"
    return rows


LABELS = ['-1 "19/07/2008 11:55:00"', '1 "19/07/2008 12:32:00"', '-1 "19/07/2008 12:32:00"']


def test_folder_reads_with_nan_kept_and_repeated_stamps(tmp_path):
    f = read_secom(_write(tmp_path / "s", _rows(3), LABELS))
    assert len(f.signals) == 590 and f.signals[0] == "s001" and f.signals[-1] == "s590"
    assert np.isnan(f.column("s006")[0]) and np.isnan(f.values()).sum() == 1
    assert f.column("result").tolist() == ["pass", "fail", "pass"]
    assert f.time_kind == "cycle" and f.assets == ["lot-00001", "lot-00002", "lot-00003"]
    assert pd.Timestamp(f.column("timestamp")[1]) == pd.Timestamp("2008-07-19 12:32")
    assert f.meta == ["result", "timestamp"]


@pytest.mark.parametrize(
    ("fix", "file", "row", "column", "match"),
    [
        (lambda r, lab: (r[:1] + [r[1][:-1]] + r[2:], lab), "secom.data", 2, None, "589 readings, expected 590"),
        (lambda r, lab: (r[:1] + [[*r[1][:9], "n/a?", *r[1][10:]]] + r[2:], lab), "secom.data", 2, "s010",
         r"'n/a\?' is not a number"),
        (lambda r, lab: (r, lab[:2] + ['0 "19/07/2008 12:40:00"']), "secom_labels.data", 3, "label", "not a label"),
        (lambda r, lab: (r, lab[:2] + ['1 "31/02/2008 12:40:00"']), "secom_labels.data", 3, "timestamp",
         "not a date and time"),
        (lambda r, lab: (r, lab[:2]), "secom_labels.data", None, None, "3 lots but secom_labels.data has 2"),
    ],
)
def test_bad_input_names_file_row_and_column(tmp_path, fix, file, row, column, match):
    rows, labels = fix(_rows(3), list(LABELS))
    with pytest.raises(DataError, match=match) as err:
        read_secom(_write(tmp_path / "s", rows, labels))
    assert (err.value.file, err.value.row, err.value.column) == (file, row, column)


def test_missing_folder_or_file(tmp_path):
    with pytest.raises(NotFoundError, match="no SECOM folder"):
        read_secom(tmp_path / "nope")
    d = _write(tmp_path / "s", _rows(2), LABELS[:2])
    (d / "secom_labels.data").unlink()
    with pytest.raises(NotFoundError, match="secom_labels.data"):
        read_secom(d)


@pytest.mark.data
@pytest.mark.skipif(not (REAL / "secom.data").is_file(), reason=f"SECOM data absent at {REAL} (set BESSEMER_DATA to "
                    "the shared data folder holding secom/)")
def test_shared_folder():
    f = read_secom(REAL)
    assert len(f) == 1253 and len(f.signals) == 590
    assert (f.column("result") == "fail").sum() == 83
    assert 0.03 < np.isnan(f.values()).mean() < 0.1
    # the label timestamps repeat, which is why time is the line number
    assert pd.Series(f.column("timestamp")).duplicated().any()
