"""NASA PCoE battery loaders: tiny hand-written files and bad input; the real shared files (data marker)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import scipy.io

from bessemer.core import DataError, NotFoundError, SchemaError
from bessemer.datasets import (
    load_nasa_battery,
    nasa_capacity_2v7,
    read_nasa_discharge_csv,
    read_nasa_mat,
    read_nasa_metadata,
)

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("BESSEMER_DATA") or ROOT / ".." / "shared" / "data") / "nasa_battery"
HEAD = "Voltage_measured,Current_measured,Temperature_measured,Current_load,Voltage_load,Time,cycle_idx"
GOOD = ["4.2,0.0,24,0,0,0,1", "4.0,-2.0,25,2,3,10,1", "3.6,-2.0,26,2,3,1800,1", "3.3,0.0,26,0,0,1820,1",
        "4.2,0.0,24,0,0,0,2", "3.9,-2.0,25,2,3,10,2", "3.5,-2.0,26,2,3,1500,2", "3.3,0.0,26,0,0,1520,2"]


def _csv(tmp_path: Path, rows: list[str], head: str = HEAD, name: str = "B0099_discharge.csv") -> Path:
    p = tmp_path / name
    p.write_text("\n".join([head, *rows]) + "\n", encoding="utf-8")
    return p


def test_discharge_csv_parses_and_counts_coulombs(tmp_path):
    cell = read_nasa_discharge_csv(_csv(tmp_path, GOOD))
    assert cell.cell_id == "B0099" and len(cell) == 2
    # trapezoids of 2 A from 10 s to 1800 s (plus the ramp from the rest sample), to the last loaded sample
    assert cell.capacities()[0] == pytest.approx((2.0 * 1790 + 0.5 * 2.0 * 10) / 3600)
    assert cell.discharges[1].time[0] == 0.0 and cell.discharges[0].current.max() == 2.0  # discharge positive


@pytest.mark.parametrize(("rows", "head", "where"), [
    (GOOD, HEAD.replace("Time", "Seconds"), "Time"),
    ([GOOD[0], "nan,-2.0,25,2,3,10,1", *GOOD[2:]], HEAD, "row 2, column 'Voltage_measured'"),
    ([GOOD[0], "4.0,<script>,25,2,3,10,1", *GOOD[2:]], HEAD, "row 2, column 'Current_measured'"),
    ([GOOD[0], GOOD[1], "3.6,-2.0,26,2,3,5,1", *GOOD[3:]], HEAD, "row 3, column 'Time'"),
    ([GOOD[0], "4.0,-2.0,25,2,3,1e999,1", *GOOD[2:]], HEAD, "column 'Time'"),
    ([*GOOD[:4], *GOOD[4:6], "3.5,-2.0,26,2,3,1500,1", GOOD[7]], HEAD, "cycle_idx"),
])
def test_bad_discharge_csv_names_file_row_and_column(tmp_path, rows, head, where):
    path = _csv(tmp_path, rows, head)
    with pytest.raises(DataError, match="B0099_discharge.csv") as err:
        read_nasa_discharge_csv(path)
    assert where in str(err.value)


def test_empty_csv_and_missing_folder_are_clear(tmp_path):
    empty = tmp_path / "B0001_discharge.csv"
    empty.write_text("")
    with pytest.raises(DataError, match="empty"):
        read_nasa_discharge_csv(empty)
    with pytest.raises(NotFoundError, match="no such folder"):
        load_nasa_battery(tmp_path / "nope")
    with pytest.raises(NotFoundError, match="no cell files"):
        load_nasa_battery(_empty_dir(tmp_path))


def _empty_dir(tmp_path: Path) -> Path:
    d = tmp_path / "empty"
    d.mkdir()
    return d


def _mat(path: Path, *, bad_time: bool = False) -> Path:
    t = np.arange(0.0, 400.0, 10.0)
    i = np.where(t > 0, -2.0, 0.0)
    dis = {"Voltage_measured": 4.1 - 0.001 * t, "Current_measured": i, "Temperature_measured": 24 + 0.01 * t,
           "Current_load": -i, "Voltage_load": 4.0 - 0.001 * t, "Time": t[::-1] if bad_time else t, "Capacity": 0.2}
    imp = {"Re": 0.05, "Rct": 0.08}
    cycles = np.empty((1, 3), dtype=object)
    for k, (typ, data) in enumerate([("impedance", imp), ("charge", {"Time": t}), ("discharge", dis)]):
        cycles[0, k] = {"type": typ, "ambient_temperature": 24, "time": np.zeros(6), "data": data}
    scipy.io.savemat(path, {path.stem: {"cycle": cycles}})
    return path


def test_mat_parses_and_attaches_the_impedance_before(tmp_path):
    cell = read_nasa_mat(_mat(tmp_path / "B0098.mat"))
    assert cell.cell_id == "B0098" and len(cell) == 1
    d = cell.discharges[0]
    assert d.re_ohm == pytest.approx(0.05) and d.rct_ohm == pytest.approx(0.08) and d.ambient_c == 24.0
    assert cell.capacities()[0] == pytest.approx(2.0 * 390 / 3600, rel=0.02)


def test_truncated_or_bad_mat_is_a_data_error_naming_the_file(tmp_path):
    good = _mat(tmp_path / "B0097.mat")
    cut = tmp_path / "B0096.mat"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(DataError, match="B0096.mat"):
        read_nasa_mat(cut)
    with pytest.raises(DataError, match="B0095.mat.*Time"):
        read_nasa_mat(_mat(tmp_path / "B0095.mat", bad_time=True))
    junk = tmp_path / "B0094.mat"
    junk.write_bytes(b"\x00\x01not a mat file at all" * 10)
    with pytest.raises(DataError, match="B0094.mat"):
        read_nasa_mat(junk)


def test_metadata_survives_empty_capacity_and_complex_fits(tmp_path):
    p = tmp_path / "metadata.csv"
    p.write_text("type,start_time,ambient_temperature,battery_id,test_id,uid,filename,Capacity,Re,Rct\n"
                 "impedance,x,24,B0099,0,1,a.csv,,0.05,0.09\n"
                 "discharge,x,24,B0099,1,2,b.csv,[],,\n"
                 "impedance,x,24,B0099,2,3,c.csv,,(0.05-0.02j),(0.05+0.02j)\n"
                 "discharge,x,24,B0099,3,4,d.csv,1.7,,\n")
    md = read_nasa_metadata(p)
    assert np.isnan(md.capacity_ah.iloc[1]) and np.isnan(md.re_ohm.iloc[2])
    cell = read_nasa_discharge_csv(_csv(tmp_path, GOOD), metadata=md)
    # both discharges see the last *valid* impedance test before them (the complex fit is skipped)
    assert [d.re_ohm for d in cell.discharges] == [0.05, 0.05]
    bad = tmp_path / "bad.csv"
    bad.write_text("type,battery_id\ndischarge,B0005\n")
    with pytest.raises(SchemaError, match="test_id"):
        read_nasa_metadata(bad)


@pytest.mark.data
@pytest.mark.skipif(not (DATA / "discharge_csv").is_dir(), reason=f"NASA battery data absent at {DATA} (set "
                    "BESSEMER_DATA to the folder holding nasa_battery/)")
def test_real_discharge_csv_cells_agree_with_the_metadata():
    cells = load_nasa_battery(DATA, cells=["B0005", "B0006", "B0007", "B0033", "B0034", "B0036"])
    assert [c.cell_id for c in cells] == ["B0005", "B0006", "B0007", "B0033", "B0034", "B0036"]
    assert [len(c) for c in cells] == [168, 168, 168, 197, 197, 197]
    md = read_nasa_metadata(DATA / "metadata_kaggle_cleaned.csv")
    for cell in cells:
        meta = md[(md.battery_id == cell.cell_id) & (md.type == "discharge")].capacity_ah.to_numpy()
        # NASA's figure stops at the first sample below 2.7 V: equal to ours with that rule ...
        ours_2v7 = np.array([nasa_capacity_2v7(d) for d in cell.discharges])
        np.testing.assert_allclose(ours_2v7, meta, atol=1e-4)
        # ... and the whole-discharge capacity runs on to the cell's own cut-off (never less)
        assert np.all(cell.capacities() >= meta - 1e-4)
    whole = {c.cell_id: float(np.mean(c.capacities() - np.array([nasa_capacity_2v7(d) for d in c.discharges])))
             for c in cells}
    assert whole["B0005"] < 1e-3 and whole["B0036"] < 1e-3 and whole["B0033"] > 0.05


@pytest.mark.data
@pytest.mark.skipif(not (DATA / "mat").is_dir(), reason=f"NASA battery .mat files absent at {DATA}")
def test_real_mat_cell_has_impedance_and_current_from_the_data():
    cell = load_nasa_battery(DATA, cells=["B0029"])[0]
    assert len(cell) == 40 and cell.cutoff_v == 2.0
    assert np.isfinite([d.re_ohm for d in cell.discharges]).all()
    assert {d.ambient_c for d in cell.discharges} == {43.0}
