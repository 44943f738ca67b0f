"""SurfaceClassifier, texture features and the generated surface images."""

from __future__ import annotations

import json

import numpy as np
import pytest
from skimage.feature import local_binary_pattern

from bessemer.core import DataError, ModelError, NotFittedError
from bessemer.datasets._neu import NEU_CLASSES
from bessemer.industry.quality._surface import C_GRID, SurfaceClassifier, as_image_batch
from bessemer.industry.quality._surface_synthetic import make_surface_images
from bessemer.industry.quality._texture import FAMILIES, feature_names, lbp_histogram, texture_features

SIZE = 64


@pytest.fixture(scope="module")
def train():
    return make_surface_images(10, seed=1, size=SIZE)


@pytest.fixture(scope="module")
def test_set():
    return make_surface_images(6, seed=2, size=SIZE)


@pytest.fixture(scope="module")
def fitted(train):
    return SurfaceClassifier().fit(*train)


# --------------------------------------------------------------------------- generated images
def test_generated_images_are_deterministic_and_stable_in_n():
    X, y = make_surface_images(3, seed=5, size=48)
    assert X.shape == (18, 48, 48) and X.dtype == np.uint8
    assert y.tolist() == [c for c in NEU_CLASSES for _ in range(3)]
    X2, _ = make_surface_images(3, seed=5, size=48)
    np.testing.assert_array_equal(X, X2)
    X5, _ = make_surface_images(5, seed=5, size=48)
    np.testing.assert_array_equal(X5[:3], X[:3])  # the first images do not depend on n_per_class
    X6, _ = make_surface_images(3, seed=6, size=48)
    assert not np.array_equal(X, X6)
    with pytest.raises(ValueError, match="size >= 32"):
        make_surface_images(2, size=16)


def test_generated_classes_look_different():
    X, y = make_surface_images(6, seed=0, size=96)
    dark = [(X[y == c] < 100).mean() for c in NEU_CLASSES]
    assert dark[NEU_CLASSES.index("Patches")] > 3 * dark[NEU_CLASSES.index("Scratches")]
    sd = {c: X[y == c].reshape(6, -1).std(axis=1).mean() for c in NEU_CLASSES}
    assert min(sd.values()) > 3  # every class has texture, none is flat


# --------------------------------------------------------------------------- features
def test_lbp_matches_scikit_image_inside_the_border():
    img = make_surface_images(1, seed=3, size=SIZE)[0][:2]
    for p, r in ((8, 1), (16, 2), (24, 3)):
        ref = []
        for im in img:
            codes = local_binary_pattern(im, p, r, method="uniform")[r:-r, r:-r].astype(int)
            h = np.bincount(codes.ravel(), minlength=p + 2)
            ref.append(h / h.sum())
        np.testing.assert_allclose(lbp_histogram(img, p, r), np.array(ref), atol=2e-3)


def test_texture_features_shape_names_and_parallel_agree():
    X, _ = make_surface_images(3, seed=4, size=SIZE)
    F = texture_features(X)
    assert F.shape == (18, len(feature_names())) and np.isfinite(F).all()
    np.testing.assert_allclose(texture_features(X, n_jobs=2), F)
    part = texture_features(X, families=("lbp", "gradient"))
    assert part.shape[1] == len(feature_names(("lbp", "gradient"))) < F.shape[1]
    flat = np.full((2, SIZE, SIZE), 128, dtype=np.uint8)  # no texture at all: still finite numbers
    assert np.isfinite(texture_features(flat)).all()
    with pytest.raises(ValueError, match="unknown feature families"):
        texture_features(X, families=("fourier",))
    assert set(FAMILIES) == {"lbp", "glcm", "gabor", "intensity", "gradient"}


def test_lbp_histograms_ignore_brightness_and_contrast():
    X, _ = make_surface_images(1, seed=4, size=SIZE)
    brighter = np.clip(X.astype(int) // 2 + 60, 0, 255).astype(np.uint8)  # monotone change of grey levels
    a, b = texture_features(X, families=("lbp",)), texture_features(brighter, families=("lbp",))
    assert np.abs(a - b).max() < 0.1


# --------------------------------------------------------------------------- classifier
def test_classifies_unseen_generated_images(fitted, test_set):
    X, y = test_set
    out = fitted.predict(X)
    assert list(out.columns) == ["label", "confidence", "flagged"] + [f"p_{c}" for c in fitted.classes_]
    assert fitted.classes_ == sorted(NEU_CLASSES)
    assert (out["label"] == y).mean() >= 0.9
    P = out[[f"p_{c}" for c in fitted.classes_]].to_numpy()
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-9)
    np.testing.assert_allclose(out["confidence"], P.max(axis=1))
    assert (out["label"] == np.asarray(fitted.classes_)[P.argmax(axis=1)]).all()
    assert out["flagged"].dtype == bool
    np.testing.assert_allclose(fitted.predict_proba(X), P)


def test_c_is_chosen_by_cross_validation_or_taken_as_given(fitted, train):
    assert fitted.C_ in C_GRID and 0.5 < fitted.cv_accuracy_ <= 1.0 and fitted.cv_folds_ == 5
    fixed = SurfaceClassifier(C=3.0).fit(*train)
    assert fixed.C_ == 3.0 and fixed.cv_accuracy_ is None
    with pytest.raises(ValueError, match="C must be a positive number or 'auto'"):
        SurfaceClassifier(C=-1).fit(*train)


def test_unsure_and_unfamiliar_images_are_flagged(train, test_set, fitted):
    X, _ = test_set
    assert SurfaceClassifier(min_confidence=1.0, C=10.0).fit(*train).predict(X)["flagged"].all()
    never = SurfaceClassifier(min_confidence=0.0, novelty_quantile=None, C=10.0).fit(*train)
    assert not never.predict(X)["flagged"].any()
    # images unlike any defect it learnt: a flat grey plate and a checkerboard
    flat = np.full((SIZE, SIZE), 140, dtype=np.uint8)
    checker = ((np.indices((SIZE, SIZE)).sum(axis=0) // 8) % 2 * 200 + 20).astype(np.uint8)
    strange = np.stack([flat, checker])
    assert (fitted.novelty(strange) > fitted.novelty_threshold_).all()
    assert fitted.predict(strange)["flagged"].all()
    assert fitted.predict(X)["flagged"].mean() < 0.3


def test_fit_is_deterministic_and_does_not_change_its_input(train, test_set):
    X, y = train
    X0, y0 = X.copy(), y.copy()
    a = SurfaceClassifier(seed=3).fit(X, y).predict(test_set[0])
    b = SurfaceClassifier(seed=3).fit(X, y).predict(test_set[0])
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)
    assert a.equals(b)


def test_accepts_one_image_a_list_and_integer_arrays(fitted, test_set):
    X, _ = test_set
    assert len(fitted.predict(X[0])) == 1
    assert fitted.predict(list(X[:3]))["label"].tolist() == fitted.predict(X[:3])["label"].tolist()
    assert fitted.predict(X[:2].astype(np.int64))["label"].tolist() == fitted.predict(X[:2])["label"].tolist()


def test_bad_images_and_labels_are_refused_with_the_fix(fitted, train):
    X, y = train
    with pytest.raises(NotFittedError, match="call fit"):
        SurfaceClassifier().predict(X)
    with pytest.raises(DataError, match=r"trained on 64x64; read them with read_image\(path, size=64\)"):
        fitted.predict(np.zeros((1, 80, 80), dtype=np.uint8))
    with pytest.raises(DataError, match="expected 8-bit grey values .*got float64"):
        fitted.predict(X[:2] / 255.0)
    with pytest.raises(DataError, match="image 1 has values from 4000 to 4000"):
        fitted.predict(np.stack([X[0].astype(np.uint16), np.full((SIZE, SIZE), 4000, np.uint16)]))
    with pytest.raises(DataError, match="colour images must be made grey"):
        fitted.predict(np.zeros((2, SIZE, SIZE, 3), dtype=np.uint8))
    with pytest.raises(DataError, match="images of different shapes"):
        as_image_batch([X[0], X[0][:40, :40]])
    with pytest.raises(DataError, match="at least 32"):
        fitted.predict(np.zeros((1, 20, 20), dtype=np.uint8))
    with pytest.raises(DataError, match="no image given"):
        fitted.predict(np.zeros((0, SIZE, SIZE), dtype=np.uint8))
    with pytest.raises(DataError, match="59 labels for 60 images"):
        SurfaceClassifier().fit(X, y[:-1])
    with pytest.raises(DataError, match="only one class"):
        SurfaceClassifier().fit(X[:5], y[:5])
    with pytest.raises(DataError, match=r"Scratches \(2\) have fewer than 3 images"):
        SurfaceClassifier().fit(X[:52], y[:52])


def test_save_and_load_round_trip_and_detect_tampering(fitted, test_set, tmp_path):
    folder = fitted.save(tmp_path / "surface")
    card = json.loads((folder / "card.json").read_text())
    assert card["classes"] == fitted.classes_ and card["image_shape"] == [SIZE, SIZE]
    assert card["C"] == fitted.C_ and len(card["artifact_sha256"]) == 64
    again = SurfaceClassifier.load(folder)
    assert again.predict(test_set[0]).equals(fitted.predict(test_set[0]))
    blob = (folder / "model.pkl").read_bytes()
    (folder / "model.pkl").write_bytes(blob[:-1] + bytes([blob[-1] ^ 1]))
    with pytest.raises(ModelError, match="does not match its card.json"):
        SurfaceClassifier.load(folder)
    with pytest.raises(ModelError, match="cannot read a surface classifier"):
        SurfaceClassifier.load(tmp_path / "nothing")
    with pytest.raises(NotFittedError):
        SurfaceClassifier().save(tmp_path / "unfitted")
