from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bessemer.core import DataError, Frame, NotFittedError, registered_models
from bessemer.core._model import _MODELS
from bessemer.industry.maintenance._features import RegimeNormalizer, detect_regime_signals
from bessemer.industry.maintenance._rul import RULModel

FAST = {**RULModel.test_params(), "windows": (5, 20), "n_estimators": 80}


@pytest.fixture(scope="module")
def fitted(runs_frame):
    return RULModel(**FAST).fit(runs_frame)


def test_registered_with_tags():
    assert _MODELS["rul"] is RULModel
    assert "rul" in registered_models() or _MODELS["rul"] is RULModel
    tags = RULModel.tags()
    assert tags.task == "rul" and tags.intervals
    assert tags.outputs == ("rul", "rul_lower", "rul_upper", "health")


def test_predict_before_fit_is_clear(runs_frame):
    with pytest.raises(NotFittedError, match="call fit"):
        RULModel().predict(runs_frame)


def test_output_contract(fitted, runs_frame):
    out = fitted.predict(runs_frame)
    assert len(out) == len(runs_frame)
    assert out["asset"].tolist() == runs_frame.column("asset").tolist()
    assert (out.rul_lower >= 0).all() and (out.rul_lower <= out.rul).all() and (out.rul <= out.rul_upper).all()
    assert out.health.between(0, 1).all()
    np.testing.assert_allclose(out.health, out.rul / 125.0)
    # a fresh run looks healthy, its last row looks near failure
    first = out.groupby("asset").head(1).rul.mean()
    last = out.groupby("asset").tail(1).rul.mean()
    assert first > 90 and last < 25


def test_deterministic(runs_frame):
    a = RULModel(**FAST).fit(runs_frame).predict(runs_frame)
    b = RULModel(**FAST).fit(runs_frame).predict(runs_frame)
    pd.testing.assert_frame_equal(a, b)


def test_no_look_ahead(fitted, make_runs):
    df = make_runs(3, seed=7)
    base = fitted.predict(Frame(df))
    cut = 50
    changed = df.copy()
    future = changed["time"] > cut
    changed.loc[future, ["temp", "press"]] += 50.0
    after = fitted.predict(Frame(changed))
    past = (base["time"] <= cut).to_numpy()
    np.testing.assert_array_equal(base[past].to_numpy(), after[past].to_numpy())
    assert not np.allclose(base.rul[~past], after.rul[~past])
    # truncating the history gives the same prediction for the rows kept
    trunc = fitted.predict(Frame(df[df["time"] <= cut]))
    np.testing.assert_array_equal(trunc.rul.to_numpy(), base[past].rul.to_numpy())


def test_predict_last_matches_predict(fitted, make_runs):
    f = Frame(make_runs(4, seed=8))
    full = fitted.predict(f).groupby("asset").tail(1).reset_index(drop=True)
    last = fitted.predict_last(f)
    pd.testing.assert_frame_equal(full, last)


def test_interval_coverage_on_new_runs(make_runs):
    model = RULModel(**{**FAST, "n_calib_points": 20, "n_folds": 4, "n_bins": 3}).fit(Frame(make_runs(50, seed=2)))
    test = make_runs(60, seed=3, prefix="t")
    rng = np.random.default_rng(0)
    out = model.predict(Frame(test))
    true = np.minimum(test.groupby("asset")["time"].transform("max") - test["time"], 125).to_numpy()
    pick = np.concatenate([rng.choice(np.flatnonzero(test["asset"] == a), 5, replace=False)
                           for a in test["asset"].unique()])
    inside = (true[pick] >= out.rul_lower.to_numpy()[pick]) & (true[pick] <= out.rul_upper.to_numpy()[pick])
    assert 0.82 <= inside.mean() <= 0.98
    width = (out.rul_upper - out.rul_lower).to_numpy()[pick]
    assert width.mean() < 60
    # heteroscedastic: narrower near failure than far from it
    assert width[out.rul.to_numpy()[pick] < 30].mean() < width[out.rul.to_numpy()[pick] > 100].mean()


def test_regime_detection_and_normalisation(make_runs):
    df = make_runs(20, seed=4, regimes=6)
    names = ["temp", "press", "const", "noise", "setting_a", "setting_b"]
    vals = df[names].to_numpy()
    found = detect_regime_signals(vals, names)
    assert {"setting_a", "setting_b"} <= set(found) and "noise" not in found and "press" not in found
    norm = RegimeNormalizer.fit(vals, names, "auto")
    assert norm.n_regimes == 6
    assert norm.keep == ["temp", "press", "noise"]  # settings and the constant are dropped
    z, regime = norm.transform(vals)
    truth = pd.factorize(df["setting_a"].round(0))[0]
    assert pd.crosstab(regime, truth).gt(0).sum(axis=1).eq(1).all()  # one true regime per found regime
    for r in range(6):
        np.testing.assert_allclose(z[regime == r].mean(axis=0), 0.0, atol=1e-9)
    # quantised or single-level signals are not settings
    rng = np.random.default_rng(0)
    q = np.column_stack([rng.choice([21.60, 21.61], 500), rng.integers(388, 401, 500).astype(float),
                         rng.normal(0, 0.002, 500), np.full(500, 100.0)])
    assert detect_regime_signals(q, ["p15", "bleed", "s1", "s3"]) == []
    assert RegimeNormalizer.fit(q, ["p15", "bleed", "s1", "s3"], "auto").n_regimes == 1


def test_multi_regime_rul_beats_ignoring_regimes(make_runs):
    train, test = Frame(make_runs(40, seed=5, regimes=6)), make_runs(20, seed=6, regimes=6, prefix="t")
    true = np.minimum(test.groupby("asset")["time"].transform("max") - test["time"], 125).to_numpy()

    def rmse(**kw):
        m = RULModel(**{**FAST, **kw}).fit(train)
        return float(np.sqrt(np.mean((m.predict(Frame(test)).rul.to_numpy() - true) ** 2))), m

    auto, m = rmse()
    assert m.n_regimes_ == 6
    plain, _ = rmse(regime_signals=None)
    assert auto < 0.8 * plain
    assert auto < 20


def test_censored_runs_are_not_failures(make_runs):
    full = make_runs(40, seed=9, lengths=(150, 200))
    # half the runs were stopped by preventive maintenance at 40 % of their life
    keep, failed = [], []
    for i, (a, g) in enumerate(full.groupby("asset", sort=True)):
        if i % 2:
            g = g.iloc[: int(len(g) * 0.4)]
        keep.append(g)
        failed.append(np.full(len(g), i % 2 == 0))
    df = pd.concat(keep, ignore_index=True)
    flags = np.concatenate(failed)
    aware = RULModel(**FAST).fit(Frame(df.assign(failed=flags), meta=["failed"]))
    naive = RULModel(**FAST).fit(Frame(df))
    test = make_runs(10, seed=10, lengths=(150, 200), prefix="t")
    mid = test.groupby("asset").head(70).groupby("asset").tail(1)  # RUL > 80 at these rows
    true = np.minimum((test.groupby("asset")["time"].max() - mid.set_index("asset")["time"]).to_numpy(), 125)
    f = Frame(test.groupby("asset").head(70))
    err_aware = np.abs(aware.predict_last(f).rul.to_numpy() - true).mean()
    err_naive = np.abs(naive.predict_last(f).rul.to_numpy() - true).mean()
    assert err_aware < 0.5 * err_naive


def test_lives_and_timestamps_and_given_y(make_runs):
    df = make_runs(12, seed=11)
    # two lives per asset: merge pairs of runs into one asset with a life column and hourly stamps
    df["life"] = df["asset"].str[-3:].astype(int) % 2
    df["asset"] = "m" + (df["asset"].str[-3:].astype(int) // 2).astype(str)
    df = df.sort_values(["asset", "life", "time"]).reset_index(drop=True)
    df["time"] = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(np.arange(len(df)) * 2, unit="h")
    f = Frame(df, meta=["life"])
    m = RULModel(**FAST, rul_cap_hours=200.0).fit(f)
    out = m.predict(f)
    assert m.cap_ == 200.0 and out.rul.max() <= 200.0
    last = out.groupby(df["asset"] + df["life"].astype(str)).tail(1)
    assert last.rul.mean() < 60  # hours, near the end of each life
    default_cap = RULModel(**FAST).fit(f).cap_
    assert 100 < default_cap < 400  # median failed-run duration in hours (2 h per row)
    y = np.full(len(f), 42.0)
    assert np.allclose(RULModel(**FAST).fit(f, y).predict(f).rul, 42.0, atol=1.0)


def test_needs_two_runs(make_runs):
    one = Frame(make_runs(1, seed=0))
    with pytest.raises(DataError, match="at least 2 runs"):
        RULModel(**FAST).fit(one)


def test_fast_test_params(runs_frame, make_runs):
    import time

    t0 = time.perf_counter()
    RULModel(**RULModel.test_params()).fit(Frame(make_runs(8, seed=0, lengths=(40, 60))))
    assert time.perf_counter() - t0 < 2.0
