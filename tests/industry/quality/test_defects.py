"""DefectClassifier: imbalance, calibration, decision threshold, explanations and importance on generated data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bessemer.core import DataError, Frame, NotFittedError, SchemaError
from bessemer.industry.quality._defects import DefectClassifier, _best_threshold, order_classes


def _frame(x: np.ndarray, names=("a", "b", "c", "d")) -> Frame:
    df = pd.DataFrame(x, columns=list(names))
    df.insert(0, "time", 1)
    df.insert(0, "asset", [f"p{i:05d}" for i in range(len(x))])
    return Frame(df, units={"a": "degC"})


def _binary(n: int, seed: int) -> tuple[Frame, np.ndarray]:
    """A rare defect (about 8 %) driven up by ``a`` and down by ``b``; ``c``, ``d`` are noise."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    p = 1 / (1 + np.exp(-(2.5 * x[:, 0] - 1.5 * x[:, 1] - 4.0)))
    return _frame(x), np.where(rng.random(n) < p, "crack", "ok")


@pytest.fixture(scope="module")
def fitted():
    train, y = _binary(2000, 0)
    return DefectClassifier(n_estimators=80, num_leaves=7).fit(train, y)


def test_binary_output_contract(fitted):
    test, y = _binary(1000, 1)
    out = fitted.predict(test)
    assert list(out.columns) == ["asset", "time", "defect", "probability", "p_ok", "p_crack"]
    assert fitted.classes_ == ["ok", "crack"] and 0 < fitted.threshold_ < 1
    np.testing.assert_allclose(out.p_ok + out.p_crack, 1.0)
    picked = np.where(out.defect == "crack", out.p_crack, out.p_ok)
    np.testing.assert_allclose(out.probability, picked)
    assert ((out.p_crack >= fitted.threshold_) == (out.defect == "crack")).all()
    proba = fitted.predict_proba(test)
    assert list(proba.columns) == ["asset", "time", "ok", "crack"]
    np.testing.assert_allclose(proba.crack, out.p_crack)
    # the rare class is found: better than always saying "ok"
    from sklearn.metrics import balanced_accuracy_score, f1_score
    assert balanced_accuracy_score(y, out.defect) > 0.75 and f1_score(y, out.defect, pos_label="crack") > 0.4
    assert {"oof_f1", "oof_accuracy"} <= set(fitted.card_.metrics)


def test_calibrated_probabilities_match_frequencies(fitted):
    test, y = _binary(4000, 2)
    p = fitted.predict(test).p_crack.to_numpy()
    hit = (y == "crack").astype(float)
    assert abs(p.mean() - hit.mean()) < 0.02
    # the raw, class-weighted probabilities overstate the defect; calibration fixes it (lower Brier score)
    raw = DefectClassifier(n_estimators=80, num_leaves=7, calibrate=False).fit(*_binary(2000, 0))
    p_raw = raw.predict(test).p_crack.to_numpy()
    assert p_raw.mean() > 2 * hit.mean()
    assert np.mean((p - hit) ** 2) < np.mean((p_raw - hit) ** 2)


def test_explanations_name_the_drivers_with_their_direction(fitted):
    x = np.array([[3.0, -2.0, 0.0, 0.0], [-2.0, 2.0, 0.0, 0.0]])
    ex = fitted.explain(_frame(x), top=2)
    assert list(ex.columns) == ["asset", "time", "rank", "feature", "value", "contribution", "direction"]
    first = ex[ex.asset == "p00000"]
    assert set(first.feature) == {"a", "b"} and first["rank"].tolist() == [1, 2]
    pred = fitted.predict(_frame(x)).defect.tolist()
    assert pred == ["crack", "ok"]
    # both rows: a and b push toward the predicted class
    assert (ex.direction == "raises").all() and (ex.contribution > 0).all()
    assert first.set_index("feature").loc["a", "value"] == 3.0
    imp = fitted.importance()
    assert list(imp.columns) == ["feature", "importance"] and imp.feature.tolist()[:2] == ["a", "b"]
    assert imp.importance.is_monotonic_decreasing


def test_multiclass_with_integer_labels():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(900, 4))
    y = np.select([x[:, 0] > 1.0, x[:, 2] < -1.0], [2, 1], 0)
    clf = DefectClassifier(n_estimators=60, num_leaves=7).fit(_frame(x), y)
    assert clf.classes_ == ["0", "1", "2"] and not hasattr(clf, "threshold_")
    test = rng.normal(size=(600, 4))
    out = clf.predict(_frame(test))
    truth = np.select([test[:, 0] > 1.0, test[:, 2] < -1.0], ["2", "1"], "0")
    assert (out.defect.to_numpy() == truth).mean() > 0.9
    assert list(out.columns[4:]) == ["p_0", "p_1", "p_2"]
    np.testing.assert_allclose(out[["p_0", "p_1", "p_2"]].sum(axis=1), 1.0)
    picked = out[["p_0", "p_1", "p_2"]].to_numpy()[np.arange(len(out)), out.defect.astype(int).to_numpy()]
    np.testing.assert_allclose(out.probability, picked)
    ex = clf.explain(_frame(test[:5]), top=1)
    assert len(ex) == 5 and set(ex.feature) <= {"a", "c"}


def _rare_multiclass(n: int, seed: int) -> tuple[Frame, np.ndarray]:
    """Two rare, noisy defects (about 6 % and 4 %) beside "none"."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    logits = np.column_stack([np.zeros(n), 2.0 * x[:, 0] - 3.5, -2.0 * x[:, 2] - 4.0])
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    pick = (rng.random(n)[:, None] > p.cumsum(axis=1)).sum(axis=1)
    return _frame(x), np.array(["none", "scale", "crack"])[pick]


def test_multiclass_probabilities_are_calibrated_despite_class_weights():
    clf = DefectClassifier(n_estimators=60, num_leaves=7).fit(*_rare_multiclass(3000, 4))
    test, y = _rare_multiclass(6000, 5)
    out = clf.predict(test)
    raw = DefectClassifier(n_estimators=60, num_leaves=7, calibrate=False).fit(*_rare_multiclass(3000, 4))
    out_raw = raw.predict(test)
    for c in ("scale", "crack"):
        freq = float((y == c).mean())
        assert abs(out[f"p_{c}"].mean() - freq) < 0.015, c
        assert out_raw[f"p_{c}"].mean() > 1.5 * freq, c  # the balanced weights alone overstate rare defects
    # the decision still follows the class-weighted scores: calibration does not change it
    assert (out.defect == out_raw.defect).all()


def test_threshold_rules():
    p = np.array([0.1, 0.2, 0.3, 0.35, 0.8, 0.9])
    y = np.array([0, 0, 1, 0, 1, 1])
    assert _best_threshold(p, y, "f1") == pytest.approx(0.25)
    assert _best_threshold(p, y, "balanced_accuracy") == pytest.approx(0.25)
    assert _best_threshold(p, y, "probability") == 0.5
    assert _best_threshold(np.array([0.5, 0.5, 0.1]), np.array([1, 0, 0]), "f1") == pytest.approx(0.3)


def test_class_order():
    assert order_classes(np.array(["1", "-1", "-1"])) == ["-1", "1"]
    assert order_classes(np.array(["fail", "pass"])) == ["pass", "fail"]
    assert order_classes(np.array(["b", "a", "a", "a"])) == ["a", "b"]
    assert order_classes(np.array(["a", "b", "b", "b"])) == ["b", "a"]


def test_bad_use_is_refused():
    train, y = _binary(200, 4)
    with pytest.raises(NotFittedError, match="fit"):
        DefectClassifier().predict(train)
    with pytest.raises(NotFittedError):
        DefectClassifier().importance()
    with pytest.raises(DataError, match="at least two classes"):
        DefectClassifier(n_estimators=5).fit(train, np.full(len(y), "ok"))
    holed = y.astype(object)
    holed[7] = None
    with pytest.raises(DataError, match="label is missing") as err:
        DefectClassifier(n_estimators=5).fit(train, holed)
    assert err.value.row == 8
    with pytest.raises(ValueError, match="decision must be"):
        DefectClassifier(decision="recall").fit(train, y)
    with pytest.raises(ValueError, match="unknown class"):
        DefectClassifier(class_weight={"scrap": 3}).fit(train, y)
    with pytest.raises(ValueError, match="forbidden must be a sequence"):
        DefectClassifier(forbidden="c").fit(train, y)
    with pytest.raises(SchemaError, match=r"\['c'\]"):
        DefectClassifier(forbidden=("C",)).fit(train, y)
    clf = DefectClassifier(n_estimators=5).fit(train, y)
    with pytest.raises(SchemaError, match="lacks"):
        clf.explain(train.select(["a", "b"]))
    with pytest.raises(ValueError, match="top must be"):
        clf.explain(train, top=0)


def test_tiny_class_skips_out_of_fold_work():
    train, _ = _binary(60, 5)
    y = np.array(["ok"] * 59 + ["crack"])
    clf = DefectClassifier(n_estimators=5).fit(train, y)
    assert clf.n_folds_ == 0 and clf.threshold_ == 0.5 and clf.scale_ == 1.0
    assert len(clf.predict(train)) == 60


def test_nan_is_accepted_and_save_load_round_trip(tmp_path):
    train, y = _binary(300, 6)
    df = train.to_pandas()
    df.loc[::7, "b"] = np.nan
    holed = Frame(df, units=train.units)
    clf = DefectClassifier(n_estimators=20).fit(holed, y)
    back = DefectClassifier.load(clf.save(tmp_path / "m"))
    pd.testing.assert_frame_equal(clf.predict(holed), back.predict(holed))
    pd.testing.assert_frame_equal(clf.explain(holed), back.explain(holed))
