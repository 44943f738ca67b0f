"""ProcessMonitor: calibration, batch = stream, detection with contributions, sensor faults, bad input, persistence."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from bessemer.core import BaseModel, DataError, Frame, NotFittedError, SchemaError
from bessemer.industry.process import ProcessMonitor
from bessemer.industry.process._monitor import STATISTICS, as_matrix, run_lengths

P = 6
NAMES = [f"v{i}" for i in range(P)]
_LOADINGS = np.random.default_rng(42).normal(size=(2, P))
_OFFSET = np.arange(P) * 10.0


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread():
    """Small SVDs: OpenBLAS's spinning threads only slow them down on a shared 2-core machine."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def process(n: int, seed: int, *, phi: float = 0.7) -> pd.DataFrame:
    """Normal operation: two AR(1) latent factors seen through fixed loadings, plus sensor noise."""
    rng = np.random.default_rng(seed)
    e = rng.normal(size=(n + 50, 2))
    f = np.zeros_like(e)
    for t in range(1, len(e)):
        f[t] = phi * f[t - 1] + np.sqrt(1 - phi**2) * e[t]
    X = f[50:] @ _LOADINGS + 0.3 * rng.normal(size=(n, P)) + _OFFSET
    return pd.DataFrame(X, columns=NAMES)


@pytest.fixture(scope="module")
def train() -> pd.DataFrame:
    return process(2000, seed=1)


@pytest.fixture(scope="module")
def monitor(train) -> ProcessMonitor:
    return ProcessMonitor().fit_normal(train)


def _sd(train: pd.DataFrame, j: int) -> float:
    return float(train.iloc[:, j].std())


def stream(mon: ProcessMonitor, X) -> pd.DataFrame:
    mon.reset()
    rows = [mon.score_one(x) for x in np.asarray(X, dtype=float)]
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- helpers
def test_run_lengths_semantics():
    f = np.array([0, 1, 1, 0, 1, 1, 1, 0], bool)
    assert run_lengths(f).tolist() == [0, 1, 2, 0, 1, 2, 3, 0]
    assert run_lengths(np.zeros(4, bool)).tolist() == [0, 0, 0, 0]
    assert run_lengths(np.ones(4, bool)).tolist() == [1, 2, 3, 4]
    assert run_lengths(np.array([], bool)).tolist() == []
    two = np.array([[1, 0], [1, 1], [0, 1], [1, 1]], bool)  # per column, along axis 0
    assert run_lengths(two).tolist() == [[1, 0], [2, 1], [0, 2], [1, 3]]


def test_as_matrix_inputs_and_errors():
    df = pd.DataFrame({"b": [1.0, 2.0], "a": [3, 4]})
    X, names = as_matrix(df, ["a", "b"])  # reordered to the requested variables
    assert names == ["a", "b"] and X.tolist() == [[3.0, 1.0], [4.0, 2.0]]
    X, names = as_matrix(np.array([1.0, 2.0, 3.0]))  # one sample
    assert X.shape == (1, 3) and names == ["x1", "x2", "x3"]
    frame = Frame(pd.DataFrame({"asset": "a", "time": [0, 1], "s": [1.0, np.nan]}))
    X, names = as_matrix(frame)
    assert names == ["s"] and np.isnan(X[1, 0])
    with pytest.raises(DataError, match="2-D"):
        as_matrix(np.zeros((2, 2, 2)))
    with pytest.raises(DataError) as err:
        as_matrix(pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [1.0, "oops", 3.0]}))
    assert err.value.row == 2 and err.value.column == "b" and "oops" in str(err.value)
    with pytest.raises(DataError) as err:
        as_matrix(pd.DataFrame({"a": [1.0, np.nan]}), allow_nan=False)
    assert err.value.row == 2 and err.value.column == "a"
    with pytest.raises(DataError) as err:
        as_matrix(pd.DataFrame({"a": [1.0, 2.0], "b": [-np.inf, 1.0]}))
    assert err.value.row == 1 and err.value.column == "b"
    with pytest.raises(SchemaError, match="'c'"):
        as_matrix(df, ["a", "c"])


# --------------------------------------------------------------------------- calibration
def test_false_alarm_rate_on_fresh_normal_data(monitor):
    s = monitor.score(process(8000, seed=2))
    assert s["alarm"].mean() < 3 * monitor.false_alarm_rate
    assert s["exceed"].mean() > s["alarm"].mean()  # persistence=3 filters single crossings
    assert set(s["state"]) <= {"normal", "alarm"}
    cal = monitor.calibration_
    assert cal["calibration_alarm_rate"] <= monitor.false_alarm_rate
    assert cal["calibration_samples"] > 1000
    assert monitor.card_.metrics["calibration_alarm_rate"] == cal["calibration_alarm_rate"]


def test_larger_false_alarm_rate_gives_lower_limits(train):
    strict = ProcessMonitor(false_alarm_rate=0.005).fit_normal(train)
    loose = ProcessMonitor(false_alarm_rate=0.05).fit_normal(train)
    for s in STATISTICS:
        assert loose.limits_[s] < strict.limits_[s], s
    fresh = process(6000, seed=3)
    assert loose.score(fresh)["alarm"].mean() > strict.score(fresh)["alarm"].mean()
    assert loose.limits_theory_["t2"] < strict.limits_theory_["t2"]
    assert loose.limits_theory_["spe"] < strict.limits_theory_["spe"]


def test_persistence_one_alarms_on_every_crossing_and_three_needs_a_run(train):
    one = ProcessMonitor(persistence=1).fit_normal(train)
    three = ProcessMonitor(persistence=3).fit_normal(train)
    fresh = process(4000, seed=4)
    s1, s3 = one.score(fresh), three.score(fresh)
    assert (s1["alarm"] == s1["exceed"]).all()
    np.testing.assert_array_equal(s3["alarm"], run_lengths(s3["exceed"].to_numpy()) >= 3)
    # the calibration compensates: a persistence rule allows tighter limits for the same target
    for s in STATISTICS:
        assert three.limits_[s] < one.limits_[s], s
    # a two-sample spike: an alarm with persistence 1, none with persistence 3
    spike = process(300, seed=5)
    spike.iloc[200:202, 2] += 4 * _sd(train, 2)  # SPE crosses twice, the smoothed window stays below
    a1, a3 = one.score(spike)["alarm"], three.score(spike)["alarm"]
    assert a1.iloc[200:202].all() and not a3.iloc[195:240].any()


def test_theoretical_limits_hold_on_iid_gaussian_data():
    A = np.random.default_rng(5).normal(size=(P, P))
    mon = ProcessMonitor(false_alarm_rate=0.05, persistence=1).fit_normal(np.random.default_rng(1).normal(
        size=(3000, P)) @ A)
    s = mon.score(np.random.default_rng(2).normal(size=(20000, P)) @ A)
    th = mon.limits_theory_
    assert set(th) == {"t2", "spe"} and all(np.isfinite(v) and v > 0 for v in th.values())
    assert 0.03 < (s["t2"] > th["t2"]).mean() < 0.08
    assert 0.03 < (s["spe"] > th["spe"]).mean() < 0.08


# --------------------------------------------------------------------------- batch = stream
@pytest.mark.parametrize("lags", [0, 2])
def test_batch_and_stream_give_the_same_numbers(train, lags):
    mon = ProcessMonitor(lags=lags, window=10, flat_after=8).fit_normal(train)
    X = process(260, seed=6).to_numpy(copy=True)
    X[40:45, 1] = np.nan                 # a sensor dropout
    X[60, :] = np.nan                    # a whole sample missing
    X[100:130, 4] = X[100, 4]            # a frozen sensor (dead from sample 107 on)
    X[150:, 3] += 3 * _sd(train, 3)      # a process fault: alarms
    batch = mon.score(X)
    live = stream(mon, X)
    for s in STATISTICS:
        np.testing.assert_allclose(live[s], batch[s], rtol=1e-6, atol=1e-8, err_msg=s)
    np.testing.assert_array_equal(live["alarm"], batch["alarm"])
    np.testing.assert_array_equal(live["exceed"], batch["exceed"])
    np.testing.assert_array_equal(live["state"], batch["state"])
    np.testing.assert_array_equal(live["dead_sensors"].map(len), batch["sensor_fault"])
    assert batch["alarm"].iloc[160:].all() and (batch["sensor_fault"].iloc[40:45] == 1).all()
    assert batch["sensor_fault"].iloc[60] == P
    assert batch["sensor_fault"].iloc[106] == 0 and (batch["sensor_fault"].iloc[107:130] == 1).all()
    assert live["dead_sensors"].iloc[110] == ["v4"]


@pytest.mark.parametrize("lags", [0, 2])
@pytest.mark.parametrize("block", [1, 7, 1024])
def test_scoring_in_blocks_carries_the_stream_across_block_edges(train, lags, block):
    mon = ProcessMonitor(lags=lags, window=10, flat_after=8).fit_normal(train)
    X = process(90, seed=6).to_numpy(copy=True)
    X[5:9, 1] = np.nan
    X[20:40, 4] = X[20, 4]
    X[60:, 3] += 3 * _sd(train, 3)
    whole = mon._score_arrays(X, keep_parts=True)   # one pass over all rows
    parts = mon._scan_blocks(X, block=block)
    for s in (*STATISTICS, "sensor_fault"):
        np.testing.assert_allclose(parts[s], whole[s], rtol=1e-9, atol=1e-12, err_msg=s)


def test_score_one_accepts_mappings_and_none_is_a_dead_sensor(monitor, train):
    row = train.iloc[-1]
    monitor.reset()
    by_seq = monitor.score_one(row.to_numpy())
    monitor.reset()
    by_map = monitor.score_one(dict(reversed(list(row.items()))))
    assert by_seq == by_map
    monitor.reset()
    out = monitor.score_one({**row.to_dict(), "v2": None})
    assert out["dead_sensors"] == ["v2"] and out["state"] == "sensor_fault"
    monitor.reset()
    partial = {k: v for k, v in row.items() if k != "v5"}  # a variable left out is missing
    assert monitor.score_one(partial)["dead_sensors"] == ["v5"]


def test_reset_restarts_the_stream(monitor):
    X = process(50, seed=7).to_numpy(copy=True)
    X[:, 0] += 5 * np.arange(50) / 50
    first = stream(monitor, X)
    second = stream(monitor, X)
    pd.testing.assert_frame_equal(first, second)


def test_score_does_not_mutate_its_input_and_keeps_the_index(monitor):
    df = process(80, seed=8)
    df.iloc[5, 2] = np.nan
    df.index = pd.RangeIndex(1000, 1080)
    before = df.copy()
    s = monitor.score(df)
    pd.testing.assert_frame_equal(df, before)
    assert list(s.index) == list(df.index)
    assert list(s.columns) == ["t2", "spe", "window", "exceed", "alarm", "sensor_fault", "state"]
    shuffled = df[list(reversed(NAMES))]  # column order does not matter, names do
    pd.testing.assert_frame_equal(monitor.score(shuffled), s)


def test_predict_on_a_frame_scores_each_asset_as_its_own_stream(monitor):
    a, b = process(60, seed=9), process(70, seed=10)
    b.iloc[30:, 0] += 4 * b.iloc[:, 0].std()
    df = pd.concat([a.assign(asset="a", time=np.arange(60)), b.assign(asset="b", time=np.arange(70))])
    out = monitor.predict(Frame(df[["asset", "time", *NAMES]]))
    assert list(out.columns[:2]) == ["asset", "time"] and len(out) == 130
    for name, part in (("a", a), ("b", b)):
        got = out[out["asset"] == name]
        exp = monitor.score(part)
        np.testing.assert_allclose(got["t2"], exp["t2"])
        np.testing.assert_array_equal(got["alarm"], exp["alarm"])


# --------------------------------------------------------------------------- detection
def _late_alarm_share(mon: ProcessMonitor, X: pd.DataFrame, start: int) -> float:
    return float(mon.score(X)["alarm"].iloc[start:].mean())


def test_mean_shift_in_one_variable_is_detected_and_named(monitor, train):
    X = process(300, seed=11)
    X.iloc[150:, 2] += 2.5 * _sd(train, 2)
    s = monitor.score(X)
    assert s["alarm"].iloc[:150].mean() < 0.05
    assert s["alarm"].iloc[170:].mean() > 0.9
    top = monitor.contributions(X.iloc[:260])
    assert top[0]["variable"] == "v2" and top[0]["direction"] == "up"
    shares = [t["contribution"] for t in top]
    assert shares == sorted(shares, reverse=True) and sum(shares) <= 1 + 1e-9 and all(0 < c <= 1 for c in shares)
    down = process(300, seed=11)
    down.iloc[150:, 2] -= 2.5 * _sd(train, 2)
    assert monitor.contributions(down)[0] | {"contribution": 0, "z": 0} == {
        "variable": "v2", "direction": "down", "contribution": 0, "z": 0}


def test_broken_correlation_raises_spe_and_names_the_variable(monitor, train):
    X = process(400, seed=12)
    j = 4
    centre = X.iloc[:200, j].mean()
    X.iloc[200:, j] = 2 * centre - X.iloc[200:, j]  # same mean and spread, the opposite correlation
    s = monitor.score(X)
    before, after = s.iloc[:200], s.iloc[200:]
    assert (after["spe"] > monitor.limits_["spe"]).mean() > 0.3
    assert (before["spe"] > monitor.limits_["spe"]).mean() < 0.05
    assert after["spe"].mean() > 4 * before["spe"].mean()
    assert after["t2"].mean() < 2 * before["t2"].mean()  # the principal subspace does not see it
    assert after["alarm"].mean() > 0.05 and before["alarm"].mean() < 0.02
    votes = [monitor.contributions(X.iloc[: i + 1], top=1)[0]["variable"] for i in range(200, 400)
             if s["spe"].iloc[i] > monitor.limits_["spe"]]
    assert len(votes) > 20 and max(set(votes), key=votes.count) == NAMES[j]


def test_variance_increase_is_seen_by_the_window_detector(monitor, train):
    X = process(400, seed=13)
    j = 4
    X.iloc[200:, j] += 3 * _sd(train, j) * np.random.default_rng(5).normal(size=200)
    s = monitor.score(X)
    assert (s["window"].iloc[230:] > monitor.limits_["window"]).mean() > 0.7
    assert s["alarm"].iloc[230:].mean() > 0.7
    assert monitor.contributions(X.iloc[:350])[0]["variable"] == NAMES[j]


def test_slow_drift_is_detected_with_its_direction(monitor, train):
    X = process(600, seed=14)
    j = 5
    X.iloc[200:, j] -= np.linspace(0, 3, 400) * _sd(train, j)  # three standard deviations over 400 samples
    s = monitor.score(X)
    alarms = np.flatnonzero(s["alarm"].to_numpy()[200:])
    assert s["alarm"].iloc[:200].mean() < 0.05
    assert len(alarms) and alarms[0] < 300, "the drift should be seen within 100 samples"
    assert s["alarm"].iloc[450:].mean() > 0.9
    top = monitor.contributions(X)[0]
    assert top["variable"] == NAMES[j] and top["direction"] == "down"


# --------------------------------------------------------------------------- sensor faults
def test_a_missing_variable_is_a_sensor_fault_not_a_process_alarm(monitor):
    X = process(300, seed=15)
    X.iloc[100:, 3] = np.nan
    s = monitor.score(X)
    assert (s["state"].iloc[100:] == "sensor_fault").all()
    assert (s["sensor_fault"].iloc[100:] == 1).all() and (s["sensor_fault"].iloc[:100] == 0).all()
    assert s["alarm"].iloc[100:].mean() < 0.05


def test_a_frozen_variable_is_a_sensor_fault_after_flat_after_samples(train):
    mon = ProcessMonitor(flat_after=10).fit_normal(train)
    X = process(300, seed=16)
    X.iloc[100:, 2] = X.iloc[100, 2]
    s = mon.score(X)
    assert (s["sensor_fault"].iloc[:109] == 0).all()
    assert (s["sensor_fault"].iloc[109:] == 1).all()  # the 10th identical value
    assert (s["state"].iloc[109:] == "sensor_fault").all()
    assert not s["alarm"].iloc[109:].any()
    mon.reset()
    out = [mon.score_one(x) for x in X.to_numpy()][-1]
    assert out["dead_sensors"] == ["v2"] and out["state"] == "sensor_fault" and not out["alarm"]


def test_a_sensor_fault_does_not_hide_a_process_fault(monitor, train):
    X = process(300, seed=17)
    X.iloc[100:, 0] = np.nan
    X.iloc[150:, 3] += 4 * _sd(train, 3)
    s = monitor.score(X)
    assert s["alarm"].iloc[160:].mean() > 0.9 and (s["state"].iloc[160:] == "alarm").mean() > 0.9
    assert (s["sensor_fault"].iloc[160:] == 1).all()


def test_a_variable_constant_in_training_is_not_a_frozen_sensor():
    tr = process(1000, seed=18)
    tr["const"] = 7.0
    mon = ProcessMonitor(flat_after=5).fit_normal(tr)
    X = process(200, seed=19)
    X["const"] = 7.0
    s = mon.score(X)
    assert (s["sensor_fault"] == 0).all() and s["alarm"].mean() < 0.05
    assert np.isfinite(mon.limits_theory_["t2"])
    mon.reset()
    assert all(mon.score_one(x)["dead_sensors"] == [] for x in X.to_numpy())


# --------------------------------------------------------------------------- bad input
def test_wrong_or_missing_variables_are_named(monitor):
    X = process(20, seed=20)
    with pytest.raises(SchemaError, match="'v3'"):
        monitor.score(X.drop(columns="v3"))
    with pytest.raises(SchemaError, match="'v5'"):
        monitor.score(X.to_numpy()[:, :5])  # an array with one variable too few
    with pytest.raises(SchemaError, match="7 columns"):
        monitor.score(np.hstack([X.to_numpy(), X.to_numpy()[:, :1]]))
    with pytest.raises(SchemaError, match="5 values"):
        monitor.score_one(X.to_numpy()[0, :5])
    with pytest.raises(SchemaError, match="'nope'"):
        monitor.score_one({**X.iloc[0].to_dict(), "nope": 1.0})
    with pytest.raises(SchemaError):
        monitor.contributions(X.drop(columns="v0"))


def test_text_and_infinite_values_are_refused_with_row_and_column(monitor, train):
    X = process(20, seed=21).astype(object)
    X.iloc[6, 4] = "n/a"
    with pytest.raises(DataError) as err:
        monitor.score(X, source="line.csv")
    assert (err.value.row, err.value.column, err.value.file) == (7, "v4", "line.csv")
    Y = process(20, seed=21)
    Y.iloc[3, 1] = np.inf
    with pytest.raises(DataError) as err:
        monitor.score(Y)
    assert (err.value.row, err.value.column) == (4, "v1")
    with pytest.raises(DataError) as err:
        monitor.score_one(np.r_[1.0, -np.inf, 1, 1, 1, 1])
    assert err.value.column == "v1"
    rows = process(5, seed=22).to_numpy()
    monitor.reset()
    fresh = [monitor.score_one(x)["t2"] for x in rows]
    monitor.reset()
    refused_on_the_way = []
    for x in rows:
        with pytest.raises(DataError, match="'v3' is infinite"):
            monitor.score_one(np.where(np.arange(len(x)) == 3, np.inf, x))  # refused: the stream does not move
        refused_on_the_way.append(monitor.score_one(x)["t2"])
    assert refused_on_the_way == fresh
    bad = train.copy()
    bad.iloc[11, 0] = np.nan
    with pytest.raises(DataError) as err:
        ProcessMonitor().fit_normal(bad)
    assert (err.value.row, err.value.column) == (12, "v0")


def test_too_few_samples_and_bad_parameters(train):
    with pytest.raises(DataError, match="too few"):
        ProcessMonitor().fit_normal(train.iloc[:100])
    for bad in ({"variance": 0}, {"variance": 1.5}, {"false_alarm_rate": 0}, {"false_alarm_rate": 0.5},
                {"lags": -1}, {"persistence": 0}, {"window": 2}, {"cv_folds": 1}, {"ewma_alpha": 0},
                {"ewma_alpha": 1.5}):
        with pytest.raises(ValueError):
            ProcessMonitor(**bad).fit_normal(train)


def test_everything_needs_a_fitted_monitor():
    mon = ProcessMonitor()
    x = np.zeros(P)
    for call in (lambda: mon.score(x[None, :]), lambda: mon.score_one(x), lambda: mon.learn_one(x),
                 lambda: mon.contributions(x[None, :])):
        with pytest.raises(NotFittedError, match="fit_normal"):
            call()


# --------------------------------------------------------------------------- learning, persistence
def test_learn_one_adapts_the_centre_only_when_asked(train):
    fixed = ProcessMonitor().fit_normal(train)
    adaptive = ProcessMonitor(adapt_rate=0.02).fit_normal(train)
    mu0 = fixed.core_.mu.copy()
    shifted = process(600, seed=22)
    shifted["v2"] += 2.0 * _sd(train, 2)
    x = shifted.iloc[0].to_dict()
    for row in shifted.to_numpy()[:400]:
        fixed.learn_one(row)
        adaptive.learn_one(row)
    np.testing.assert_array_equal(fixed.core_.mu, mu0)
    moved = adaptive.core_.mu - mu0
    assert moved[2] > 1.5 * _sd(train, 2)
    assert np.all(np.abs(np.delete(moved, 2)) < 1.0 * train.std().to_numpy()[np.arange(P) != 2])
    later = shifted.iloc[400:]
    assert adaptive.score(later)["alarm"].mean() < 0.2 < fixed.score(later)["alarm"].mean()
    before = dict(x)
    adaptive.learn_one(x)
    assert x == before  # the sample is not changed


def test_save_and_load_keep_the_scores(monitor, tmp_path):
    X = process(200, seed=23)
    X.iloc[100:, 1] += 3.0
    X.iloc[50:60, 0] = np.nan
    folder = monitor.save(tmp_path / "mon")
    loaded = BaseModel.load(folder)
    assert isinstance(loaded, ProcessMonitor) and loaded.limits_ == monitor.limits_
    pd.testing.assert_frame_equal(loaded.score(X), monitor.score(X))
    assert loaded.contributions(X) == monitor.contributions(X)
    assert stream(loaded, X.to_numpy()).equals(stream(monitor, X.to_numpy()))


def test_fit_normal_takes_several_runs(train):
    runs = [train.iloc[:700], train.iloc[700:1400][list(reversed(NAMES))], train.iloc[1400:].to_numpy()]
    mon = ProcessMonitor(cv_folds=3).fit_normal(runs)
    assert mon.variables_ == NAMES and mon.card_.n_assets == 3
    assert mon.score(process(3000, seed=24))["alarm"].mean() < 0.03


def test_refit_forgets_the_old_fit(train):
    mon = ProcessMonitor().fit_normal(train)
    other = train.rename(columns={c: c.upper() for c in NAMES}) * 2
    mon.fit_normal(other)
    assert mon.variables_ == [c.upper() for c in NAMES]
    with pytest.raises(SchemaError):
        mon.score(train)
    clone = copy.deepcopy(mon)
    clone.reset()
    assert clone.score_one(other.iloc[0].to_dict())["dead_sensors"] == []


def test_refit_on_renamed_variables_after_streaming_by_name(train):
    mon = ProcessMonitor().fit_normal(train)
    mon.score_one(train.iloc[0].to_dict())  # fills the name cache
    other = train.rename(columns={c: c.upper() for c in NAMES})
    mon.fit_normal(other)
    assert mon.score_one(other.iloc[0].to_dict())["dead_sensors"] == []


@pytest.mark.parametrize("bad", [{"flat_after": 1}, {"flat_after": 0}, {"adapt_rate": -0.1}, {"adapt_rate": 1.5}])
def test_unchecked_parameters_are_refused(train, bad):
    with pytest.raises(ValueError):
        ProcessMonitor(**bad).fit_normal(train)


def test_score_one_refuses_text_naming_the_variable(monitor, train):
    x = {**train.iloc[0].to_dict(), "v0": "abc"}
    with pytest.raises(DataError) as err:
        monitor.score_one(x)
    assert err.value.column == "v0"
