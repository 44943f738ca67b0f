"""Quick SOH on generated cells: held-out-cell accuracy, interval coverage, the current as input, no leakage."""

from __future__ import annotations

import numpy as np
import pytest

from bessemer.core import ConfigError, Frame, NotFittedError
from bessemer.industry.battery import SohEstimator, cell_features, discharge_features, make_cells

TRAIN = make_cells(6, seed=11, n_cycles=40, currents=(2.0, 4.0))
TEST = make_cells(2, seed=12, n_cycles=40, currents=(2.0, 4.0))
# quality floors (percentage points of rated capacity), as data
FLOORS = {"rmse_pp": 4.0, "vs_mean_factor": 0.6, "coverage": (0.7, 1.0)}


@pytest.fixture(scope="module")
def fitted():
    frame, y = cell_features(TRAIN)
    return SohEstimator(n_estimators=150).fit(frame, y)


def test_held_out_cells_beat_the_floor_and_the_mean(fitted):
    frame, y = cell_features(TEST)
    out = fitted.predict(frame)
    err = 100 * (out.capacity_ah.to_numpy() - y) / 2.0
    rmse = float(np.sqrt(np.mean(err ** 2)))
    _, y_train = cell_features(TRAIN)
    mean_rmse = float(np.sqrt(np.mean((100 * (y_train.mean() - y) / 2.0) ** 2)))
    assert rmse < FLOORS["rmse_pp"], f"held-out RMSE {rmse:.2f} pp"
    assert rmse < FLOORS["vs_mean_factor"] * mean_rmse, f"RMSE {rmse:.2f} vs predicting the mean {mean_rmse:.2f}"
    inside = np.mean((y >= out.capacity_ah_lower) & (y <= out.capacity_ah_upper))
    lo, hi = FLOORS["coverage"]
    assert lo <= inside <= hi, f"90 % interval covers {inside:.2f}"
    assert np.allclose(out.soh, out.capacity_ah / 2.0)


def test_the_estimate_uses_the_discharge_current(fitted):
    frame, _ = cell_features(TEST)
    df = frame.to_pandas()
    base = fitted.predict(frame).capacity_ah.to_numpy()
    df["current_a"] = np.where(df["current_a"] > 3.0, 2.0, 4.0)
    moved = fitted.predict(Frame(df, units=frame.units, time_kind="cycle")).capacity_ah.to_numpy()
    assert np.mean(np.abs(moved - base) > 1e-4) > 0.5, "changing only the current must change the estimate"


def test_features_see_only_the_window():
    d = TEST[0].discharges[5]
    full = discharge_features(d, cutoff_v=2.7)
    cut = discharge_features(d.truncated(600.0), cutoff_v=2.7)
    assert full.keys() == cut.keys()
    np.testing.assert_equal(np.array(list(full.values())), np.array(list(cut.values())))
    # and the capacity itself needs the whole discharge
    assert d.truncated(600.0).capacity_ah() < 0.5 * d.capacity_ah()


def test_a_discharge_that_ended_in_the_window_is_its_own_answer(fitted):
    short = make_cells(1, seed=5, n_cycles=4, currents=(4.0,), fade=(0.3, 0.3))  # 80 % faded: ends early
    frame, y = cell_features(short)
    ended = frame.to_pandas()["ended_ah"].to_numpy()
    assert np.isfinite(ended[-1])
    out = fitted.predict(frame)
    assert out.capacity_ah.iloc[-1] == pytest.approx(y[-1])
    assert out.capacity_ah_lower.iloc[-1] == out.capacity_ah_upper.iloc[-1]


def test_predict_before_fit_and_card():
    frame, y = cell_features(TEST)
    with pytest.raises(NotFittedError):
        SohEstimator().predict(frame)
    m = SohEstimator(n_estimators=20, folds=2).fit(frame, y)
    assert "whole cells" in m.calibration_ and m.card_.n_assets == 2


# ----------------------------------------------------------------- the candidates of the nested selection
@pytest.mark.parametrize("params", [
    {"model": "lgbm", "features": "all", "n_estimators": 60},
    {"model": "lgbm_mono", "features": "all", "n_estimators": 60},
    {"model": "ridge", "features": "physics", "target": "ratio"},
    {"model": "pls", "features": "physics_re"},
    {"model": "ridge", "features": "base", "drop_partial": True},
])
def test_every_candidate_beats_the_mean_on_held_out_cells(params):
    frame, y = cell_features(TRAIN)
    test, y_test = cell_features(TEST)
    out = SohEstimator(**params).fit(frame, y).predict(test)
    rmse = float(np.sqrt(np.mean((out.capacity_ah.to_numpy() - y_test) ** 2)))
    mean_rmse = float(np.sqrt(np.mean((y.mean() - y_test) ** 2)))
    assert rmse < FLOORS["vs_mean_factor"] * mean_rmse, f"{params}: RMSE {rmse:.3f} Ah vs the mean {mean_rmse:.3f}"
    assert np.all(out.capacity_ah_lower <= out.capacity_ah) and np.all(out.capacity_ah <= out.capacity_ah_upper)


def test_point_core_matches_the_fitted_estimator():
    frame, y = cell_features(TRAIN)
    test, _ = cell_features(TEST)
    est = SohEstimator(model="ridge", features="physics")
    point = est.point_fit_predict(frame, y, test)
    full = est.fit(frame, y).predict(test).capacity_ah.to_numpy()
    open_ = ~np.isfinite(test.to_pandas()["ended_ah"].to_numpy())
    np.testing.assert_allclose(point[open_], full[open_], rtol=1e-9)


def test_physics_features_scale_with_capacity():
    # at one current, a cell with more capacity gives more charge per volt fallen in the window
    frame, y = cell_features(TRAIN)
    df = frame.to_pandas()
    q = df["q_dv100"].to_numpy()
    ok = (df["current_a"].to_numpy() < 3.0) & np.isfinite(q) & np.isfinite(y)
    assert ok.sum() > 50, "q_dv100 should be reached within 600 s of a 2 A discharge"
    r = np.corrcoef(q[ok], y[ok])[0, 1]
    assert r > 0.5, f"q_dv100 vs capacity correlation {r:.2f}"


def test_drop_partial_leaves_partial_discharges_out_of_training_only():
    frame, y = cell_features(TRAIN)
    df = frame.to_pandas()
    df.loc[df.index[::3], "v_rest"] = 3.9  # a third of the discharges "did not start from full charge"
    partial = Frame(df, units=frame.units, time_kind="cycle")
    a = SohEstimator(model="ridge", features="base").fit(partial, y)
    b = SohEstimator(model="ridge", features="base", drop_partial=True).fit(partial, y)
    assert len(b.y_train_) < len(a.y_train_)
    assert len(b.predict(partial)) == len(partial)


def test_unknown_settings_are_refused():
    frame, y = cell_features(TEST)
    for bad in ({"model": "xgb"}, {"features": "everything"}, {"target": "soh"}, {"alpha": 1.5}):
        with pytest.raises(ConfigError, match="got|one of"):
            SohEstimator(**bad).fit(frame, y)
