"""`bessemer bench neu`: surface defect classification on NEU-style image folders.

Protocol:

* ``train_dir`` and ``test_dir`` each hold one sub-folder of images per class
  (:func:`bessemer.datasets._neu.read_image_dir`; 200x200 grey, others are resized with a note);
* a :class:`SurfaceClassifier` with its default settings is fitted on the training images only
  (its ``C`` is chosen by 5-fold cross-validation inside them); ``train_s`` is the wall time of
  that fit, feature extraction included, with 2 worker processes;
* every test image is classified once. ``accuracy`` and ``macro_f1`` count every test image;
  ``flagged_rate`` is the share flagged for a person (calibrated confidence below 0.6, or unlike
  any training image) and ``accuracy_unflagged`` the accuracy on the others;
* test images with the same pixels as a training image are counted (``n_test_in_train``): such
  a leak makes the figures look better than they are.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

from bessemer._compat import peak_rss_mb
from bessemer.core import DataError
from bessemer.datasets._neu import read_image_dir

from ._plots import write_confusion_svg
from ._surface import SurfaceClassifier


def _hashes(images: np.ndarray) -> list[bytes]:
    return [hashlib.sha256(img.tobytes()).digest() for img in images]


def run_neu_bench(train_dir: str | Path, test_dir: str | Path, *, progress: Any = None, plot: str | Path | None = None,
                  n_jobs: int = 2, classifier_params: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run the protocol above; returns the figures (fractions in [0, 1], times in s).

    Keys: ``accuracy``, ``macro_f1``, ``train_s``, ``flagged_rate``, ``accuracy_unflagged``, ``n_flagged``,
    ``n_train``, ``n_test``, ``classes``, ``per_class`` (class -> precision, recall, f1, n),
    ``confusion`` (rows true, columns predicted, in ``classes`` order), ``cv_accuracy``, ``C``,
    ``predict_ms_per_image``, ``n_test_in_train``, ``notes``, ``peak_mb`` and ``plot`` (the SVG path
    or None).
    """
    say = progress or (lambda msg: None)
    say(f"reading training images from {train_dir}")
    train = read_image_dir(train_dir)
    say(f"reading test images from {test_dir}")
    test = read_image_dir(test_dir)
    unknown = sorted(set(test.labels.tolist()) - set(train.labels.tolist()))
    if unknown:
        raise DataError(f"test classes {unknown} have no training images (training classes: "
                        f"{sorted(set(train.labels.tolist()))}); add them to the training folder or remove them",
                        file=str(test_dir))
    seen = set(_hashes(train.images))
    leaked = sum(h in seen for h in _hashes(test.images))
    notes = list(train.notes) + list(test.notes)
    if leaked:
        notes.append(f"{leaked} test image(s) have the same pixels as a training image")

    say(f"fitting the surface classifier on {len(train)} images ({len(set(train.labels.tolist()))} classes)")
    t0 = time.perf_counter()
    clf = SurfaceClassifier(n_jobs=n_jobs, **(classifier_params or {})).fit(train.images, train.labels)
    train_s = time.perf_counter() - t0
    say(f"classifying {len(test)} test images")
    t1 = time.perf_counter()
    out = clf.predict(test.images)
    predict_s = time.perf_counter() - t1

    y, pred = test.labels.astype(str), out["label"].to_numpy().astype(str)
    flagged = out["flagged"].to_numpy(dtype=bool)
    classes = clf.classes_
    prec, rec, f1, _ = precision_recall_fscore_support(y, pred, labels=classes, zero_division=0)
    counts = {c: int((y == c).sum()) for c in classes}
    cm = confusion_matrix(y, pred, labels=classes)
    kept = ~flagged
    result: dict[str, Any] = {
        "accuracy": float((pred == y).mean()),
        "macro_f1": float(f1_score(y, pred, labels=sorted(set(y)), average="macro", zero_division=0)),
        "train_s": train_s,
        "flagged_rate": float(flagged.mean()),
        "accuracy_unflagged": float((pred[kept] == y[kept]).mean()) if kept.any() else None,
        "n_flagged": int(flagged.sum()),
        "n_train": len(train),
        "n_test": len(test),
        "classes": list(classes),
        "per_class": {c: {"precision": float(prec[k]), "recall": float(rec[k]), "f1": float(f1[k]), "n": counts[c]}
                      for k, c in enumerate(classes)},
        "confusion": cm.tolist(),
        "cv_accuracy": clf.cv_accuracy_,
        "C": clf.C_,
        "cv_folds": clf.cv_folds_,
        "predict_ms_per_image": 1000.0 * predict_s / len(test),
        "n_test_in_train": int(leaked),
        "notes": notes,
        "peak_mb": peak_rss_mb(),
        "plot": None,
    }
    if plot is not None:
        title = f"NEU surface defects: accuracy {result['accuracy']:.3f} on {len(test)} test images"
        result["plot"] = str(write_confusion_svg(cm, classes, plot, title=title))
    return result


def format_neu_report(r: dict[str, Any]) -> str:
    """Headline figures, then precision and recall per class.

    Examples
    --------
    >>> print(format_neu_report({"accuracy": 0.99, "macro_f1": 0.98, "train_s": 61.2, "flagged_rate": 0.01,
    ...     "accuracy_unflagged": 0.995, "n_flagged": 1, "n_train": 60, "n_test": 100, "cv_accuracy": 0.97, "C": 10.0,
    ...     "per_class": {"Pitted": {"precision": 1.0, "recall": 0.98, "f1": 0.99, "n": 50},
    ...                   "Scratches": {"precision": 0.98, "recall": 1.0, "f1": 0.99, "n": 50}},
    ...     "n_test_in_train": 0, "notes": [], "plot": None}))
    NEU surface defects: 60 training images, 100 test images
    accuracy 0.990  macro-F1 0.980  train 61.2 s  (C=10, 5-fold CV accuracy on training 0.970)
    flagged for a person: 1 (1.0%); accuracy on the others 0.995
     class        precision  recall     f1     n
     Pitted           1.000   0.980  0.990    50
     Scratches        0.980   1.000  0.990    50
    """
    def f(v: Any) -> str:
        return "-" if v is None else f"{v:.3f}"

    cv = "" if r.get("cv_accuracy") is None else \
        f", {r.get('cv_folds', 5)}-fold CV accuracy on training {r['cv_accuracy']:.3f}"
    lines = [f"NEU surface defects: {r['n_train']} training images, {r['n_test']} test images",
             f"accuracy {f(r['accuracy'])}  macro-F1 {f(r['macro_f1'])}  train {r['train_s']:.1f} s  "
             f"(C={r['C']:g}{cv})",
             f"flagged for a person: {r['n_flagged']} ({r['flagged_rate']:.1%}); accuracy on the others "
             f"{f(r['accuracy_unflagged'])}",
             " class        precision  recall     f1     n"]
    for c, m in r["per_class"].items():
        lines.append(f" {c:<12} {m['precision']:>9.3f}  {m['recall']:>6.3f}  {m['f1']:>5.3f}  {m['n']:>4}")
    if r.get("n_test_in_train"):
        lines.append(f"warning: {r['n_test_in_train']} test image(s) also in the training folder (leak)")
    if r.get("plot"):
        lines.append(f"confusion matrix: {r['plot']}")
    return "\n".join(lines)
