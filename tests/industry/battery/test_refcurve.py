"""Reference-curve quick SOH (``_refcurve``): recovers known capacities on generated cells, reads the test's
own cut-off, never looks past the window, and blends with SohEstimator in ``bessemer bench battery``."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from bessemer.industry.battery import SohEstimator, cell_features, make_cells, run_battery_bench, write_discharge_csv
from bessemer.industry.battery._refcurve import CurveBlendSoh, CurveReferences


def _rmse(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2)))


def test_recovers_capacity_of_an_unseen_cell():
    cells = make_cells(5, seed=3, n_cycles=60, fade=(0.002, 0.006))
    refs = CurveReferences(k=3).fit(cells[:4])
    test = cells[4]
    est = np.array([refs.estimate(d, test.cutoff_v) for d in test.discharges])
    y = test.capacities()
    naive = np.median(np.concatenate([c.capacities() for c in cells[:4]]))
    assert np.all(np.isfinite(est))
    # the unseen cell is 0.15 Ah larger than any training cell: the training median misses it by 0.2 Ah
    assert _rmse(est, y) < 0.1
    assert _rmse(est, y) < 0.5 * _rmse(np.full_like(y, naive), y)
    # and the estimate follows the fade within the cell
    assert np.corrcoef(est, y)[0, 1] > 0.9


def test_reads_the_test_cells_own_cutoff():
    train = make_cells(4, seed=5, n_cycles=40, cutoffs=(2.5,))
    test = make_cells(5, seed=5, n_cycles=40, cutoffs=(2.7,))[4]
    refs = CurveReferences(k=3).fit(train)
    to_27 = np.array([refs.estimate(d, 2.7) for d in test.discharges])
    to_25 = np.array([refs.estimate(d, 2.5) for d in test.discharges])
    assert _rmse(to_27, test.capacities()) < 0.05
    assert np.all(to_25 > to_27)  # a lower cut-off, more charge


def test_never_reads_past_the_window():
    cells = make_cells(3, seed=1, n_cycles=20)
    refs = CurveReferences(k=3).fit(cells[:2])
    d = cells[2].discharges[10]
    late = (d.time - d.time[0]) > 600.0
    tampered = replace(d, voltage=np.where(late, d.voltage - 0.5, d.voltage),
                       current=np.where(late, d.current * 3.0, d.current))
    assert refs.estimate(tampered, 2.7) == refs.estimate(d, 2.7)
    # a window too short to compare gives no estimate
    assert np.isnan(CurveReferences(k=3, window_s=20.0).fit(cells[:2]).estimate(d, 2.7))
    # an unknown cut-off: the neighbours' own capacities (here all cut off at the same 2.7 V)
    assert abs(refs.estimate(d, float("nan")) - refs.estimate(d, 2.7)) < 0.02


def test_blend_fits_predicts_and_weight_zero_is_the_feature_model():
    cells = make_cells(4, seed=0, n_cycles=30, currents=(2.0, 4.0))
    params = {"n_estimators": 40}
    blend = CurveBlendSoh(weight=0.5, soh_params=params).fit(cells[:3])
    out = blend.predict(cells[3:])
    y = cells[3].capacities()
    assert list(out.columns) == ["asset", "time", "capacity_ah", "capacity_ah_lower", "capacity_ah_upper", "soh"]
    assert np.all(out.capacity_ah_lower <= out.capacity_ah) and np.all(out.capacity_ah <= out.capacity_ah_upper)
    assert _rmse(out.capacity_ah, y) < 0.1
    assert "3 folds of 3 cells" in blend.calibration_
    alone = CurveBlendSoh(weight=0.0, soh_params=params).fit(cells[:3]).predict(cells[3:])
    frame, yt = cell_features(cells[:3])
    ref = SohEstimator(**params, folds=5).fit(frame, yt).predict(cell_features(cells[3:])[0])
    np.testing.assert_allclose(alone.capacity_ah.to_numpy(), ref.capacity_ah.to_numpy())
    with pytest.raises(ValueError, match="weight"):
        CurveBlendSoh(weight=1.5)


def test_bench_runs_the_curve_blend(tmp_path):
    cells = make_cells(4, seed=2, n_cycles=24, currents=(2.0, 4.0))
    train = write_discharge_csv(cells[:3], tmp_path / "train")
    test = write_discharge_csv(cells[3:], tmp_path / "test")
    r = run_battery_bench(train, test, method="curve_blend", params={"n_estimators": 40})
    assert r["method"] == "curve_blend" and r["soh_rmse"] < 10.0 and 0.0 <= r["coverage90"] <= 1.0
    with pytest.raises(ValueError, match="method"):
        run_battery_bench(train, test, method="nope")
