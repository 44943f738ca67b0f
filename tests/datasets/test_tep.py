"""Tennessee Eastman loader (tiny generated files, the real Braatz files when present) and the TEP benchmark."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from bessemer.core import DataError, NotFoundError
from bessemer.datasets import TepData, load_tep, read_tep_file
from bessemer.datasets._tep import N_VARIABLES, NAMES, TEST_ONSET
from bessemer.industry.process import ProcessMonitor
from bessemer.industry.process._bench import format_tep_report, run_tep_bench


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread():
    """Small SVDs: OpenBLAS's spinning threads only slow them down on a shared 2-core machine."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _rows(X: np.ndarray) -> str:
    return "".join("  " + "   ".join(f"{v:.7e}" for v in row) + "\n" for row in X)


def _table(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, N_VARIABLES)) + np.arange(N_VARIABLES)


def _write(folder: Path, name: str, X: np.ndarray, *, transposed: bool = False) -> Path:
    path = folder / name
    path.write_text(_rows(X.T if transposed else X), encoding="ascii")
    return path


# --------------------------------------------------------------------------- tiny files
def test_reads_transposed_d00_and_sample_rows(tmp_path):
    X = np.arange(40 * N_VARIABLES, dtype=float).reshape(40, N_VARIABLES)  # distinct values: orientation shows
    df = read_tep_file(_write(tmp_path, "d00.dat", X, transposed=True))
    assert df.shape == (40, 52) and list(df.columns) == NAMES
    np.testing.assert_allclose(df.to_numpy(), X)
    assert NAMES[0] == "XMEAS1" and NAMES[40] == "XMEAS41" and NAMES[41] == "XMV1" and NAMES[-1] == "XMV11"
    np.testing.assert_allclose(read_tep_file(_write(tmp_path, "d00b.dat", X)).to_numpy(), X)  # 40 x 52 too
    Y = _table(30, seed=1)
    np.testing.assert_allclose(read_tep_file(_write(tmp_path, "d01.dat", Y)).to_numpy(), Y, rtol=1e-7)


def test_load_tep_finds_every_file_and_ignores_others(tmp_path):
    _write(tmp_path, "d00.dat", _table(40), transposed=True)
    _write(tmp_path, "d01.dat", _table(24, 1))
    _write(tmp_path, "d12.dat", _table(24, 2))
    _write(tmp_path, "d00_te.dat", _table(20, 3))
    _write(tmp_path, "d12_te.dat", _table(20, 4))
    (tmp_path / "readme_braatz.txt").write_text("not data")
    (tmp_path / "d1.dat").write_text("not a TEP name")
    (tmp_path / "d01.dat.bak").write_text("x")
    data = load_tep(tmp_path)
    assert isinstance(data, TepData) and data.folder == tmp_path
    assert data.normal.shape == (40, 52)
    assert sorted(data.faults) == [1, 12] and sorted(data.test) == [0, 12]
    assert data.faults[12].shape == (24, 52) and data.test[0].shape == (20, 52)
    np.testing.assert_allclose(data.test[12].to_numpy(), _table(20, 4), rtol=1e-7)
    only_tests = tmp_path / "only"
    only_tests.mkdir()
    _write(only_tests, "d03_te.dat", _table(5))
    part = load_tep(only_tests)
    assert part.normal is None and part.faults == {} and list(part.test) == [3]


def test_missing_folder_or_files(tmp_path):
    with pytest.raises(NotFoundError, match="d00.dat"):
        load_tep(tmp_path / "absent")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(NotFoundError, match="no TEP files"):
        load_tep(tmp_path)
    with pytest.raises(NotFoundError):
        read_tep_file(tmp_path / "d05.dat")


def test_wrong_number_of_variables_names_file_and_row(tmp_path):
    lines = _rows(_table(6)).splitlines()
    lines[3] = " ".join(lines[3].split()[:51])
    (tmp_path / "d02.dat").write_text("\n".join(lines))
    with pytest.raises(DataError) as err:
        load_tep(tmp_path)
    assert (err.value.file, err.value.row) == ("d02.dat", 4) and "51 values" in str(err.value)
    (tmp_path / "d02.dat").write_text(_rows(np.ones((4, 53))))
    with pytest.raises(DataError, match="53 values"):
        read_tep_file(tmp_path / "d02.dat")


def test_text_is_refused_with_row_and_column(tmp_path):
    lines = [ln.split() for ln in _rows(_table(5)).splitlines()]
    lines[2][4] = "abc"
    (tmp_path / "d01_te.dat").write_text("\n".join(" ".join(r) for r in lines))
    with pytest.raises(DataError) as err:
        read_tep_file(tmp_path / "d01_te.dat")
    assert (err.value.file, err.value.row, err.value.column) == ("d01_te.dat", 3, "XMEAS5")
    assert "'abc'" in str(err.value)
    # in the transposed d00.dat, line = variable and position = sample
    t_lines = [ln.split() for ln in _rows(_table(30).T).splitlines()]
    t_lines[6][11] = "1.0x"
    (tmp_path / "d00.dat").write_text("\n".join(" ".join(r) for r in t_lines))
    with pytest.raises(DataError) as err:
        read_tep_file(tmp_path / "d00.dat")
    assert (err.value.row, err.value.column) == (12, "XMEAS7")


@pytest.mark.parametrize("token", ["nan", "NaN", "inf", "-Infinity"])
def test_non_finite_values_are_refused(tmp_path, token):
    lines = [ln.split() for ln in _rows(_table(4)).splitlines()]
    lines[1][51] = token
    (tmp_path / "d07.dat").write_text("\n".join(" ".join(r) for r in lines))
    with pytest.raises(DataError) as err:
        read_tep_file(tmp_path / "d07.dat")
    assert (err.value.file, err.value.row, err.value.column) == ("d07.dat", 2, "XMV11")
    t_lines = [ln.split() for ln in _rows(_table(30).T).splitlines()]
    t_lines[0][4] = token
    (tmp_path / "d00.dat").write_text("\n".join(" ".join(r) for r in t_lines))
    with pytest.raises(DataError) as err:
        read_tep_file(tmp_path / "d00.dat")
    assert (err.value.row, err.value.column) == (5, "XMEAS1")


def test_empty_and_non_ascii_files(tmp_path):
    (tmp_path / "d00.dat").write_text("")
    with pytest.raises(DataError, match="empty") as err:
        read_tep_file(tmp_path / "d00.dat")
    assert err.value.file == "d00.dat"
    (tmp_path / "d00.dat").write_text("  \n\n   \n")
    with pytest.raises(DataError, match="empty"):
        read_tep_file(tmp_path / "d00.dat")
    with pytest.raises(DataError, match="empty"):
        load_tep(tmp_path)
    (tmp_path / "d00.dat").unlink()
    (tmp_path / "d04.dat").write_bytes(_rows(_table(2)).encode() + "온도 1.0\n".encode())
    with pytest.raises(DataError, match="ASCII") as err:
        load_tep(tmp_path)
    assert err.value.file == "d04.dat"


def test_a_short_line_in_transposed_d00_is_named(tmp_path):
    lines = _rows(_table(40).T).splitlines()
    lines[9] = " ".join(lines[9].split()[:39])
    (tmp_path / "d00.dat").write_text("\n".join(lines))
    with pytest.raises(DataError) as err:
        read_tep_file(tmp_path / "d00.dat")
    assert err.value.column == "XMEAS10" or "10" in str(err.value).split(":", 1)[0]


# --------------------------------------------------------------------------- benchmark on generated files
def test_bench_on_generated_files(tmp_path):
    _write(tmp_path, "d00.dat", _table(400, seed=1), transposed=True)
    _write(tmp_path, "d00_te.dat", _table(300, seed=2))
    faulty = _table(300, seed=3)
    faulty[TEST_ONSET:, 8] += 6.0
    _write(tmp_path, "d01_te.dat", faulty)
    _write(tmp_path, "d03_te.dat", _table(300, seed=4))  # unobservable: scored, not counted
    r = run_tep_bench(tmp_path, n_jobs=1, monitor_params={"cv_folds": 4})
    json.dumps(r)
    assert r["faults_counted"] == [1] and set(r["per_fault"]) == {"0", "1", "3"}
    one = r["per_fault"]["1"]
    assert one["fdr"] > 0.9 and one["far"] < 0.05 and 1 <= one["delay"] <= 10
    assert "diagnosis_acc" not in one and r["diagnosis_acc"] is None and r["classifier_temperature"] is None
    assert r["mean_fdr"] == pytest.approx(one["fdr"]) and r["mean_delay"] == one["delay"]
    assert r["per_fault"]["0"] == {"far": r["far_d00"], "n_samples": 300} and r["far_d00"] < 0.05
    report = format_tep_report(r)
    assert "over faults [1]" in report and report.count("\n") == 6


def test_bench_needs_normal_and_test_files(tmp_path):
    _write(tmp_path, "d01_te.dat", _table(20))
    with pytest.raises(DataError, match="d00.dat"):
        run_tep_bench(tmp_path, n_jobs=1)
    (tmp_path / "d01_te.dat").unlink()
    _write(tmp_path, "d00.dat", _table(300), transposed=True)
    with pytest.raises(DataError, match="_te.dat"):
        run_tep_bench(tmp_path, n_jobs=1)


# --------------------------------------------------------------------------- the real Braatz files
def _real() -> Path | None:
    root = Path(os.environ.get("BESSEMER_DATA") or Path(__file__).resolve().parents[2] / ".." / "shared" / "data")
    d = root / "tep_braatz"
    return d if (d / "d00.dat").is_file() else None


REAL = _real()
needs_real = pytest.mark.skipif(REAL is None, reason="TEP Braatz data absent: set BESSEMER_DATA to the shared data "
                                "folder holding tep_braatz/ (or provide ../shared/data/tep_braatz)")


@pytest.fixture(scope="module")
def real() -> TepData:
    return load_tep(REAL)


@pytest.mark.data
@needs_real
def test_real_files_load(real):
    assert real.normal.shape == (500, 52) and list(real.normal.columns) == NAMES
    assert real.faults and all(df.shape == (480, 52) for df in real.faults.values())
    assert real.test and all(df.shape == (960, 52) for df in real.test.values())
    assert 0 in real.test and 1 in real.test
    # d00.dat is stored transposed: after reading, the reactor pressure (XMEAS7) sits near 2705 kPa
    assert 2650 < real.normal["XMEAS7"].mean() < 2750


@pytest.mark.data
@needs_real
def test_monitor_on_real_d00_detects_fault_1(real):
    mon = ProcessMonitor().fit_normal(real.normal, source="d00.dat")
    s1 = mon.score(real.test[1])["alarm"].to_numpy()
    assert s1[TEST_ONSET:].mean() > 0.9
    assert s1[:TEST_ONSET].mean() < 0.05
    assert mon.score(real.test[0])["alarm"].mean() < 0.05


@pytest.mark.data
@needs_real
def test_bench_smoke_on_real_subset(tmp_path):
    names = ["d00.dat", "d01.dat", "d02.dat", "d00_te.dat", "d01_te.dat", "d02_te.dat"]
    if not all((REAL / n).is_file() for n in names):
        pytest.skip(f"the TEP folder {REAL} lacks one of {names}")
    for n in names:
        shutil.copy(REAL / n, tmp_path / n)
    r = run_tep_bench(tmp_path, n_jobs=1, classifier_params={"n_estimators": 30, "calibration_folds": 2})
    json.loads(json.dumps(r))
    assert set(r) == {"mean_fdr", "mean_far", "far_d00", "mean_delay", "diagnosis_acc", "diagnosis_acc_alarmed",
                      "faults_counted", "per_fault", "fit_monitor_s", "fit_classifier_s", "score_rows_s",
                      "calibration_alarm_rate", "classifier_temperature", "peak_mb"}
    assert r["faults_counted"] == [1, 2] and set(r["per_fault"]) == {"0", "1", "2"}
    for k in ("1", "2"):
        row = r["per_fault"][k]
        for key in ("fdr", "far", "diagnosis_acc", "diagnosis_acc_alarmed", "unknown_share"):
            assert 0.0 <= row[key] <= 1.0, (k, key)
        assert row["known_class"] is True and isinstance(row["delay"], int) and row["delay"] >= 1
        assert row["fdr"] > 0.8 and row["diagnosis_acc"] > 0.7
    for key in ("mean_fdr", "mean_far", "far_d00", "diagnosis_acc", "diagnosis_acc_alarmed",
                "calibration_alarm_rate"):
        assert 0.0 <= r[key] <= 1.0, key
    assert r["far_d00"] < 0.05 and r["per_fault"]["0"]["n_samples"] == 960
    assert r["fit_monitor_s"] > 0 and r["fit_classifier_s"] > 0 and r["score_rows_s"] > 0 and r["peak_mb"] > 0
    assert 0.05 <= r["classifier_temperature"] <= 20
    lines = format_tep_report(r).splitlines()
    assert [ln.split()[0] for ln in lines[2:5]] == ["0", "1", "2"] and lines[5].split()[0] == "mean"
