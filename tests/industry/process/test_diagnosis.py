"""FaultClassifier: learns synthetic faults, calibrated probabilities, "unknown", bad labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import softmax

from bessemer.core import BaseModel, DataError, NotFittedError, SchemaError
from bessemer.industry.process import FaultClassifier, fault_features
from bessemer.industry.process._diagnosis import UNKNOWN, _fit_temperature

P = 5
NAMES = [f"v{i}" for i in range(P)]
_LOADINGS = np.random.default_rng(42).normal(size=(2, P))
FAULTS = ("normal", "leak", "noisy", "offset")
WARM = 40  # the moving-window features need a few dozen samples to see a fault


def run(n: int, seed: int, fault: str = "normal") -> pd.DataFrame:
    """Two AR(1) latent factors through fixed loadings; a fault changes the picture from the first sample."""
    rng = np.random.default_rng(seed)
    e = rng.normal(size=(n + 50, 2))
    f = np.zeros_like(e)
    for t in range(1, len(e)):
        f[t] = 0.7 * f[t - 1] + np.sqrt(1 - 0.49) * e[t]
    X = f[50:] @ _LOADINGS + 0.3 * rng.normal(size=(n, P))
    if fault == "leak":
        X[:, 1] += 3.0
    elif fault == "noisy":
        X[:, 3] += 3.0 * rng.normal(size=n)
    elif fault == "offset":
        X[:, 4] -= 2.5
        X[:, 2] += 1.5
    return pd.DataFrame(X, columns=NAMES)


@pytest.fixture(scope="module")
def clf() -> FaultClassifier:
    runs = {name: run(400, seed=i + 1, fault=name) for i, name in enumerate(FAULTS)}
    return FaultClassifier(n_estimators=40, calibration_folds=3).fit_runs(runs)


@pytest.fixture(scope="module")
def held_out(clf):
    """Fresh runs of every class: (true label, diagnosis, probabilities), after the warm-up."""
    out = []
    for i, name in enumerate(FAULTS):
        X = run(300, seed=100 + i, fault=name)
        out.append((name, clf.diagnose(X).iloc[WARM:], clf.predict_proba(X).iloc[WARM:]))
    return out


def test_learns_the_classes(clf):
    assert list(clf.classes_) == sorted(FAULTS)
    assert 0.05 <= clf.temperature_ <= 20
    assert clf.oof_accuracy_ > 0.7
    assert clf.card_.n_assets == len(FAULTS) and clf.signals_ == NAMES


def test_diagnoses_fresh_runs(held_out):
    right = np.concatenate([(d["fault"] == name).to_numpy() for name, d, _ in held_out])
    assert right.mean() > 0.8
    for name, d, _ in held_out:
        if name != "normal":  # clear faults are named almost always
            assert (d["fault"] == name).mean() > 0.75, name


def test_probabilities_sum_to_one_and_match_diagnose(held_out, clf):
    for _, d, proba in held_out:
        assert list(proba.columns) == list(clf.classes_)
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-9)
        assert ((proba >= 0) & (proba <= 1)).all().all()
        np.testing.assert_allclose(proba.max(axis=1), d["probability"])
        assert (proba.idxmax(axis=1) == d["best"]).all()


def test_confidence_is_calibrated(held_out):
    best_right = np.concatenate([(d["best"] == name).to_numpy() for name, d, _ in held_out])
    confidence = np.concatenate([d["probability"].to_numpy() for _, d, _ in held_out])
    assert abs(confidence.mean() - best_right.mean()) < 0.15
    # more confident answers are right more often
    hi = confidence >= np.median(confidence)
    assert best_right[hi].mean() > best_right[~hi].mean()


def test_unknown_for_a_sample_unlike_anything_known(clf):
    X = run(120, seed=7)
    X["v0"] += 9.0  # a fault never seen in training
    d = clf.diagnose(X).iloc[WARM:]
    assert (d["fault"] == UNKNOWN).mean() > 0.9
    assert d["novel"].mean() > 0.9 and not d["known"].any()
    normal = clf.diagnose(run(120, seed=8, fault="leak")).iloc[WARM:]
    assert normal["novel"].mean() < 0.1


def test_min_probability_decides_known(clf):
    X = run(200, seed=9, fault="noisy")
    base = clf.diagnose(X)
    old = clf.min_probability
    try:
        for mp in (0.0, 0.5, 0.9, 1.01):
            clf.min_probability = mp
            d = clf.diagnose(X)
            np.testing.assert_array_equal(d["known"], (d["probability"] >= mp) & ~d["novel"])
            np.testing.assert_array_equal(d["fault"], np.where(d["known"], d["best"], UNKNOWN))
            pd.testing.assert_series_equal(d["probability"], base["probability"])
        assert (d["fault"] == UNKNOWN).all()  # nothing reaches 1.01
        clf.min_probability = 0.9
        strict = (clf.diagnose(X)["fault"] == UNKNOWN).mean()
        clf.min_probability = 0.0
        lax = (clf.diagnose(X)["fault"] == UNKNOWN).mean()
        assert strict > lax
    finally:
        clf.min_probability = old


def test_temperature_scaling_recovers_overconfidence():
    rng = np.random.default_rng(0)
    logits = rng.normal(scale=2.0, size=(4000, 3))
    y = np.array([rng.choice(3, p=p) for p in softmax(logits, axis=1)])
    assert _fit_temperature(3.0 * logits, y) == pytest.approx(3.0, rel=0.15)
    assert _fit_temperature(0.5 * logits, y) == pytest.approx(0.5, rel=0.15)


def test_two_classes_and_per_sample_labels():
    normal, leak = run(300, seed=11), run(300, seed=12, fault="leak")
    X = pd.concat([normal, leak], ignore_index=True)
    labels = ["normal"] * 300 + ["leak"] * 300
    clf = FaultClassifier(n_estimators=20, calibration_folds=2).fit_runs([(X, labels), (run(200, seed=13), "normal")])
    assert list(clf.classes_) == ["leak", "normal"]
    proba = clf.predict_proba(run(100, seed=14, fault="leak"))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (proba["leak"].iloc[WARM:] > 0.5).mean() > 0.9


def test_bad_labels_are_refused():
    X = run(100, seed=15)
    with pytest.raises(DataError, match="two classes"):
        FaultClassifier(n_estimators=5).fit_runs({"normal": X})
    with pytest.raises(DataError) as err:
        FaultClassifier(n_estimators=5).fit_runs([(X, ["normal"] * 99), (run(100, seed=16, fault="leak"), "leak")])
    assert "100 samples but 99 labels" in str(err.value)
    with pytest.raises(DataError, match="labels"):
        FaultClassifier(n_estimators=5).fit_runs([(X, ["normal"] * 50 + ["leak"] * 51)])
    bad = X.astype(object)
    bad.iloc[4, 2] = "oops"
    with pytest.raises(DataError) as err:
        FaultClassifier(n_estimators=5).fit_runs({"normal": bad, "leak": run(100, seed=16, fault="leak")})
    assert (err.value.row, err.value.column) == (5, "v2")


def test_needs_fit_and_the_right_variables(clf):
    with pytest.raises(NotFittedError, match="fit_runs"):
        FaultClassifier().diagnose(run(10, seed=17))
    with pytest.raises(NotFittedError):
        FaultClassifier().predict_proba(run(10, seed=17))
    with pytest.raises(SchemaError, match="'v3'"):
        clf.diagnose(run(30, seed=18).drop(columns="v3"))


def test_save_load_and_no_input_mutation(clf, tmp_path):
    X = run(80, seed=19, fault="offset")
    X.iloc[10, 0] = np.nan  # tolerated: features treat it as the normal centre
    before = X.copy()
    d = clf.diagnose(X)
    pd.testing.assert_frame_equal(X, before)
    loaded = BaseModel.load(clf.save(tmp_path / "clf"))
    pd.testing.assert_frame_equal(loaded.diagnose(X), d)


def test_fault_features_are_causal():
    X = np.random.default_rng(0).normal(size=(60, 3))
    full = fault_features(X, X.mean(0), X.std(0), window=10)
    part = fault_features(X[:40], X.mean(0), X.std(0), window=10)
    np.testing.assert_allclose(full[:40], part)  # later samples do not change earlier features
    assert full.shape == (60, 12) and np.isfinite(full).all()
