"""Surface defect classification of grey strip images, with a flag for the images a person should see.

:class:`SurfaceClassifier` describes each image by classical texture features
(:mod:`._texture`: LBP, GLCM, log-Gabor energies, grey levels, gradients), standardises them and
classifies them with an RBF support-vector machine. Nothing is downloaded: it trains from scratch on
the CPU in a minute or two for the 1,656 NEU images.

* **Settings from the training images only.** With ``C="auto"`` the SVM's ``C`` is chosen by
  stratified k-fold cross-validation on the training images (``cv_accuracy_`` keeps the best
  fold-mean accuracy).
* **Calibrated confidence.** Class probabilities come from Platt scaling (one-vs-rest sigmoids)
  fitted on out-of-fold SVM scores of the training images, then the SVM is refitted on all of
  them (scikit-learn's ``CalibratedClassifierCV(..., ensemble=False)``). The label is the most probable class and
  ``confidence`` its probability.
* **Flagged for a person.** An image is ``flagged`` when its confidence is below ``min_confidence``,
  or when it lies further from every training image than ``novelty_quantile`` of the training images
  lie from their nearest other training image (standardised features): something the model has not
  seen, such as another camera or a defect type it was not taught, is not forced into a class.
"""

from __future__ import annotations

import hashlib
import io
import json
import pickle
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from bessemer import __version__
from bessemer.core import DataError, ModelError, NotFittedError

from ._texture import FAMILIES, MIN_SIDE, texture_features

#: candidate values of the SVM's C when ``C="auto"``
C_GRID: tuple[float, ...] = (1.0, 3.0, 10.0, 30.0, 100.0)
MIN_PER_CLASS = 3


def as_image_batch(images: Any, *, what: str = "images") -> np.ndarray:
    """A (n, height, width) ``uint8`` array from one grey image, a list of them, or a 3-D array.

    Integer images with values in 0-255 are accepted as they are; anything else is refused with
    the fix (read files with :func:`bessemer.datasets._neu.read_image`).

    Examples
    --------
    >>> as_image_batch(np.zeros((40, 40), dtype=np.uint8)).shape
    (1, 40, 40)
    """
    if isinstance(images, np.ndarray):
        x = images[None] if images.ndim == 2 else images
    else:
        try:
            items = [np.asarray(im) for im in images]
        except TypeError as err:
            raise DataError(f"{what}: expected an array of grey images, got {type(images).__name__}") from err
        shapes = {im.shape for im in items}
        if len(shapes) > 1:
            raise DataError(f"{what}: images of different shapes {sorted(shapes)[:3]}; read them with "
                            "read_image(path, size=...) so they share one size")
        x = np.stack(items) if items else np.empty((0, 0, 0), dtype=np.uint8)
    if x.ndim != 3:
        raise DataError(f"{what}: expected grey images of shape (n, height, width), got shape {x.shape}; "
                        "colour images must be made grey first (read_image does it)")
    if len(x) == 0:
        raise DataError(f"{what}: no image given")
    if min(x.shape[1:]) < MIN_SIDE:
        raise DataError(f"{what}: images are {x.shape[2]}x{x.shape[1]} px; each side must be at least {MIN_SIDE}")
    if x.dtype != np.uint8:
        if not np.issubdtype(x.dtype, np.integer):
            raise DataError(f"{what}: expected 8-bit grey values (uint8, 0-255), got {x.dtype}; scale floats to "
                            "0-255 and convert with .astype(np.uint8), or read files with read_image")
        if int(x.min()) < 0 or int(x.max()) > 255:
            bad = int(np.flatnonzero(((x < 0) | (x > 255)).reshape(len(x), -1).any(axis=1))[0])
            lo, hi = int(x[bad].min()), int(x[bad].max())
            raise DataError(f"{what}: image {bad} has values from {lo} to {hi}; expected 8-bit grey 0-255 "
                            "(read 16-bit files with read_image, which scales them)")
        x = x.astype(np.uint8)
    return x


class SurfaceClassifier:
    """Classifies grey surface images into defect classes; unsure or unfamiliar images are flagged.

    Parameters
    ----------
    min_confidence : float
        Images whose calibrated top probability is below this are flagged for a person.
    C : float or "auto"
        The SVM's regularisation; ``"auto"`` picks it from ``C_GRID`` by cross-validation on
        the training images.
    families : sequence of str
        Texture feature families (:data:`bessemer.industry.quality._texture.FAMILIES`).
    novelty_quantile : float or None
        Flag images further from every training image than this quantile of the training images'
        nearest-neighbour distances; ``None`` turns the check off.
    cv_folds : int
        Folds of the cross-validation for ``C`` (fewer when a class has fewer images).
    n_jobs : int
        Worker processes for feature extraction.
    seed : int
        Seed of the cross-validation split and of the probability calibration.

    Attributes
    ----------
    classes_ : list of str
    C_ : float, the C used
    cv_accuracy_ : float or None, mean cross-validated accuracy of that C (None when C is fixed)
    cv_folds_ : int, folds used for choosing C and for the calibration
    novelty_threshold_ : float or None
    image_shape_ : tuple of int, (height, width) of the training images
    train_s_ : float, seconds spent in fit

    Examples
    --------
    >>> from bessemer.industry.quality._surface_synthetic import make_surface_images
    >>> X, y = make_surface_images(8, size=64)
    >>> clf = SurfaceClassifier(C=10.0).fit(X, y)
    >>> out = clf.predict(X[:2])
    >>> list(out.columns[:3]), out.shape
    (['label', 'confidence', 'flagged'], (2, 9))
    """

    def __init__(self, *, min_confidence: float = 0.6, C: float | str = "auto",
                 families: Sequence[str] = FAMILIES, novelty_quantile: float | None = 0.995,
                 cv_folds: int = 5, n_jobs: int = 1, seed: int = 0) -> None:
        self.min_confidence = min_confidence
        self.C = C
        self.families = families
        self.novelty_quantile = novelty_quantile
        self.cv_folds = cv_folds
        self.n_jobs = n_jobs
        self.seed = seed

    def __repr__(self) -> str:
        return (f"SurfaceClassifier(min_confidence={self.min_confidence}, C={self.C!r}, "
                f"novelty_quantile={self.novelty_quantile}, seed={self.seed})")

    # ------------------------------------------------------------------ fit
    def fit(self, images: Any, labels: Sequence[Any]) -> SurfaceClassifier:
        """Learn the classes from images and their labels; returns self."""
        t0 = time.perf_counter()
        x = as_image_batch(images)
        y = np.asarray([str(v) for v in labels])
        if len(y) != len(x):
            raise DataError(f"labels: {len(y)} labels for {len(x)} images; give one label per image")
        classes, counts = np.unique(y, return_counts=True)
        if len(classes) < 2:
            raise DataError(f"labels: only one class ({classes.tolist()}); a classifier needs at least two")
        if counts.min() < MIN_PER_CLASS:
            few = [f"{c} ({n})" for c, n in zip(classes, counts, strict=True) if n < MIN_PER_CLASS]
            raise DataError(f"labels: classes {', '.join(few)} have fewer than {MIN_PER_CLASS} images; "
                            "add images of them or leave them out")
        if not (0.0 <= self.min_confidence <= 1.0):
            raise ValueError(f"min_confidence must be in [0, 1], got {self.min_confidence}")
        feats = texture_features(x, families=self.families, n_jobs=self.n_jobs)
        scaler = StandardScaler().fit(feats)
        z = scaler.transform(feats)
        folds = int(min(self.cv_folds, counts.min()))
        cv_accuracy = None
        if self.C == "auto":
            cv = StratifiedKFold(folds, shuffle=True, random_state=self.seed)
            scores = [cross_val_score(SVC(C=c, gamma="scale"), z, y, cv=cv).mean() for c in C_GRID]
            best = int(np.argmax(scores))  # first best: the smallest C among ties
            c_used, cv_accuracy = C_GRID[best], float(scores[best])
        elif isinstance(self.C, int | float) and self.C > 0:
            c_used = float(self.C)
        else:
            raise ValueError(f"C must be a positive number or 'auto', got {self.C!r}")
        calib_cv = StratifiedKFold(folds, shuffle=True, random_state=self.seed + 1)
        svm = CalibratedClassifierCV(SVC(C=c_used, gamma="scale"), method="sigmoid", cv=calib_cv,
                                     ensemble=False).fit(z, y)
        threshold = None
        if self.novelty_quantile is not None:
            nn = _nearest_distance(z, z, exclude_self=True)
            threshold = float(np.quantile(nn, self.novelty_quantile))
        self.scaler_, self.svm_, self.train_z_ = scaler, svm, z.astype(np.float32)
        self.classes_ = [str(c) for c in svm.classes_]
        self.C_, self.cv_accuracy_, self.novelty_threshold_ = c_used, cv_accuracy, threshold
        self.cv_folds_ = folds
        self.image_shape_ = tuple(int(s) for s in x.shape[1:])
        self.n_train_ = len(x)
        self.train_s_ = time.perf_counter() - t0
        return self

    # -------------------------------------------------------------- predict
    def _check_fitted(self) -> None:
        if not hasattr(self, "svm_"):
            raise NotFittedError("this SurfaceClassifier is not fitted yet; call fit(images, labels) first "
                                 "or load a saved one with SurfaceClassifier.load(folder)")

    def _z(self, images: Any) -> np.ndarray:
        self._check_fitted()
        x = as_image_batch(images)
        if x.shape[1:] != self.image_shape_:
            h, w = self.image_shape_
            raise DataError(f"images: {x.shape[2]}x{x.shape[1]} px, but the model was trained on {w}x{h}; "
                            f"read them with read_image(path, size={h}) so they are resized the same way")
        return self.scaler_.transform(texture_features(x, families=self.families, n_jobs=self.n_jobs))

    def predict_proba(self, images: Any) -> np.ndarray:
        """Calibrated class probabilities, one row per image, columns in ``classes_`` order."""
        z = self._z(images)
        return self.svm_.predict_proba(z)

    def novelty(self, images: Any) -> np.ndarray:
        """Distance of each image to its nearest training image (standardised features; higher is stranger)."""
        return _nearest_distance(self._z(images), self.train_z_)

    def predict(self, images: Any) -> pd.DataFrame:
        """Label, confidence and flag of each image, then the probability of every class.

        Returns
        -------
        DataFrame with columns ``label`` (str), ``confidence`` (calibrated probability of the
        label), ``flagged`` (bool: for a person to look at), then ``p_<class>`` per class.
        """
        z = self._z(images)
        proba = self.svm_.predict_proba(z)
        top = proba.argmax(axis=1)
        confidence = proba[np.arange(len(z)), top]
        flagged = confidence < self.min_confidence
        if self.novelty_threshold_ is not None:
            flagged |= _nearest_distance(z, self.train_z_) > self.novelty_threshold_
        out = pd.DataFrame({"label": np.asarray(self.classes_, dtype=object)[top], "confidence": confidence,
                            "flagged": flagged})
        for k, c in enumerate(self.classes_):
            out[f"p_{c}"] = proba[:, k]
        return out

    # ---------------------------------------------------------- persistence
    def card(self) -> dict[str, Any]:
        """What the fitted model is and how it was trained, as plain data."""
        self._check_fitted()
        return {"model": "surface_classifier", "bessemer_version": __version__, "classes": self.classes_,
                "image_shape": list(self.image_shape_), "n_train": self.n_train_, "C": self.C_,
                "cv_accuracy": self.cv_accuracy_, "train_s": round(self.train_s_, 3),
                "params": {"min_confidence": self.min_confidence, "C": self.C, "families": list(self.families),
                           "novelty_quantile": self.novelty_quantile, "cv_folds": self.cv_folds,
                           "seed": self.seed}}

    def save(self, folder: str | Path) -> Path:
        """Write ``model.pkl`` and ``card.json`` (with the artifact's SHA-256) into ``folder``."""
        card = self.card()
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        buf = io.BytesIO()
        pickle.dump(self, buf, protocol=pickle.HIGHEST_PROTOCOL)
        blob = buf.getvalue()
        card |= {"created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
                 "artifact_sha256": hashlib.sha256(blob).hexdigest()}
        tmp = folder / "model.pkl.tmp"
        tmp.write_bytes(blob)
        tmp.replace(folder / "model.pkl")
        (folder / "card.json").write_text(json.dumps(card, indent=1), encoding="utf-8")
        return folder

    @staticmethod
    def load(folder: str | Path) -> SurfaceClassifier:
        """Load a classifier written by :meth:`save`, checking its hash; only load folders you trust."""
        folder = Path(folder)
        try:
            card = json.loads((folder / "card.json").read_text(encoding="utf-8"))
            blob = (folder / "model.pkl").read_bytes()
        except (OSError, ValueError) as err:
            raise ModelError(f"cannot read a surface classifier in {folder}: {err}; save one with "
                             "SurfaceClassifier.save(folder)") from err
        if hashlib.sha256(blob).hexdigest() != card.get("artifact_sha256"):
            raise ModelError(f"model.pkl in {folder} does not match its card.json (corrupt or changed); "
                             "train and save the model again")
        model = pickle.loads(blob)  # noqa: S301 - model folders are trusted local files
        if not isinstance(model, SurfaceClassifier):
            raise ModelError(f"{folder} does not hold a SurfaceClassifier")
        return model


def _nearest_distance(a: np.ndarray, b: np.ndarray, *, exclude_self: bool = False) -> np.ndarray:
    """Euclidean distance of each row of ``a`` to its nearest row of ``b`` (in blocks, float64)."""
    b = np.asarray(b, dtype=np.float64)
    b2 = (b ** 2).sum(axis=1)
    out = np.empty(len(a))
    for i in range(0, len(a), 512):
        blk = np.asarray(a[i:i + 512], dtype=np.float64)
        d2 = (blk ** 2).sum(axis=1)[:, None] + b2[None, :] - 2 * blk @ b.T
        if exclude_self:
            d2[np.arange(len(blk)), np.arange(i, i + len(blk))] = np.inf
        out[i:i + 512] = np.sqrt(np.maximum(d2.min(axis=1), 0.0))
    return out
