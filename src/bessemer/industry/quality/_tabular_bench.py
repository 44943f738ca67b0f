"""`bessemer bench plates|ai4i|secom`: defect prediction on the shared tabular sets.

Protocol (the same for the development split and the withheld part):

* the train file (or folder) is read with its loader, the derived features of
  :mod:`._tabular_features` are added (SECOM: the column filter is learnt on the train part);
* settings are **chosen on the train part only**: each candidate of :data:`GRID` is fitted as a
  :class:`~._defects.DefectClassifier`, whose stratified out-of-fold predictions give the
  selection score (plates: accuracy; AI4I: F1 of machine failure; SECOM: balanced accuracy),
  and the best candidate's model (already refitted on the whole train part) is kept. Ties go to
  the earlier, smaller candidate. ``train_s`` times all of this;
* the test part is predicted once. Accuracy and macro-F1 always; for binary targets also F1 of
  the positive class, ROC AUC (from the calibrated probability) and balanced accuracy.

AI4I: the target is ``machine_failure``; the failure-mode columns (TWF, HDF, PWF, OSF, RNF) are
meta columns and also ``forbidden`` features, so the model cannot see them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bessemer.core import DataError, Frame
from bessemer.datasets._ai4i import FAILURE_MODES, read_ai4i
from bessemer.datasets._plates import read_steel_plates
from bessemer.datasets._secom import read_secom

from ._defects import DefectClassifier
from ._tabular_features import ColumnFilter, ai4i_features, plates_features

#: candidate settings, smallest first (the selection prefers the earlier one on a tie)
GRID: tuple[dict[str, Any], ...] = (
    {"num_leaves": 7, "learning_rate": 0.05, "n_estimators": 200, "max_bin": 255, "min_child_samples": 10},
    {"num_leaves": 15, "learning_rate": 0.05, "n_estimators": 300, "max_bin": 1023, "min_child_samples": 5},
    {"num_leaves": 15, "learning_rate": 0.05, "n_estimators": 300, "max_bin": 4095, "min_child_samples": 5},
)


@dataclass(frozen=True)
class _Kind:
    reader: Callable[[Path], Frame]
    label: str
    select_on: str
    params: dict[str, Any]


KINDS: dict[str, _Kind] = {
    "plates": _Kind(read_steel_plates, "fault", "oof_accuracy", {}),
    "ai4i": _Kind(read_ai4i, "machine_failure", "oof_f1",
                  {"forbidden": (*FAILURE_MODES, "machine_failure"), "decision": "f1"}),
    "secom": _Kind(read_secom, "result", "oof_balanced_accuracy",
                   {"decision": "balanced_accuracy", "feature_fraction": 0.3}),
}


def _features(kind: str, frame: Frame, flt: ColumnFilter | None) -> Frame:
    if kind == "plates":
        return plates_features(frame)
    if kind == "ai4i":
        return ai4i_features(frame)
    assert flt is not None
    return flt.transform(frame)


def _labels(frame: Frame, label: str) -> np.ndarray:
    if label not in frame.meta:
        raise DataError(f"the file has no labels ({label!r}); a benchmark needs labelled train and test parts",
                        file=frame.source)
    return np.array([str(v) for v in frame.column(label)], dtype=object)


def run_tabular_bench(kind: str, train: str | Path, test: str | Path, *, progress: Any = None,
                      grid: tuple[dict[str, Any], ...] = GRID, seed: int = 0) -> dict[str, Any]:
    """Run the protocol above for ``kind`` in ``"plates"``, ``"ai4i"``, ``"secom"``; returns the figures.

    Keys: ``accuracy``, ``macro_f1`` (and for binary targets ``f1``, ``auc``, ``balanced_accuracy``),
    ``train_s``, ``predict_s``, ``n_train``, ``n_test``, ``classes``, ``per_class`` (precision, recall,
    f1, support), ``confusion`` (rows: true, columns: predicted, in ``classes`` order),
    ``importance`` (top 10 features by mean absolute SHAP), ``params`` (the chosen candidate),
    ``selection`` (out-of-fold score per candidate), ``threshold`` (binary) and ``oof`` metrics.
    """
    from sklearn.metrics import (
        accuracy_score,
        balanced_accuracy_score,
        confusion_matrix,
        f1_score,
        precision_recall_fscore_support,
        roc_auc_score,
    )

    if kind not in KINDS:
        raise ValueError(f"kind must be one of {sorted(KINDS)}, got {kind!r}")
    say = progress or (lambda msg: None)
    spec = KINDS[kind]
    t0 = time.perf_counter()
    tr_raw = spec.reader(Path(train))
    te_raw = spec.reader(Path(test))
    y_tr, y_te = _labels(tr_raw, spec.label), _labels(te_raw, spec.label)
    t1 = time.perf_counter()
    flt = ColumnFilter().fit(tr_raw) if kind == "secom" else None
    tr = _features(kind, tr_raw, flt)
    te = _features(kind, te_raw, flt)
    best: DefectClassifier | None = None
    selection = []
    for cand in grid:
        say(f"{kind}: fitting {cand} on {len(tr)} rows ({len(tr.signals)} features)")
        clf = DefectClassifier(**spec.params, **cand, seed=seed).fit(tr, y_tr)
        score = clf.oof_metrics_.get(spec.select_on, float("nan"))
        selection.append({**cand, spec.select_on: score})
        if best is None or score > best.oof_metrics_.get(spec.select_on, float("nan")):
            best = clf
    assert best is not None
    train_s = time.perf_counter() - t1
    t2 = time.perf_counter()
    out = best.predict(te)
    predict_s = time.perf_counter() - t2
    classes = best.classes_
    unknown = sorted(set(y_te) - set(classes))
    if unknown:
        raise DataError(f"the test part has class(es) {unknown} that the train part lacks; split by class",
                        file=te.source)
    pred = out["defect"].to_numpy().astype(str)
    truth = y_te.astype(str)
    p, r, f, s = precision_recall_fscore_support(truth, pred, labels=classes, zero_division=0)
    result: dict[str, Any] = {
        "kind": kind,
        "accuracy": float(accuracy_score(truth, pred)),
        "macro_f1": float(f1_score(truth, pred, labels=classes, average="macro", zero_division=0)),
    }
    if len(classes) == 2:
        pos = classes[1]
        result["f1"] = float(f1_score(truth, pred, pos_label=pos, zero_division=0))
        both = len(set(truth)) == 2
        result["auc"] = float(roc_auc_score(truth == pos, out[f"p_{pos}"])) if both else None
        result["balanced_accuracy"] = float(balanced_accuracy_score(truth, pred))
        result["positive"] = pos
        result["threshold"] = best.threshold_
    imp = best.importance().head(10)
    result.update({
        "train_s": train_s,
        "predict_s": predict_s,
        "read_s": t1 - t0,
        "n_train": len(tr),
        "n_test": len(te),
        "n_features": len(tr.signals),
        "classes": list(classes),
        "per_class": {c: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
                      for i, c in enumerate(classes)},
        "confusion": confusion_matrix(truth, pred, labels=classes).tolist(),
        "importance": [{"feature": str(a), "importance": float(b)} for a, b in imp.itertuples(index=False)],
        "params": {k: v for k, v in best.get_params().items() if k != "forbidden"},
        "forbidden": list(best.forbidden),
        "selection": selection,
        "oof": best.oof_metrics_,
        "dropped_columns": len(flt.dropped_) if flt is not None else 0,
    })
    return result


def format_tabular_report(result: dict[str, Any]) -> str:
    """A short text report: headline figures, per-class table, the top features.

    Examples
    --------
    >>> print(format_tabular_report({"kind": "ai4i", "accuracy": 0.99, "macro_f1": 0.95, "f1": 0.9, "auc": 0.97,
    ...     "balanced_accuracy": 0.93, "train_s": 1.5, "n_train": 60, "n_test": 20, "classes": ["0", "1"],
    ...     "per_class": {"0": {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 18},
    ...                   "1": {"precision": 0.9, "recall": 0.9, "f1": 0.9, "support": 2}},
    ...     "importance": [{"feature": "torque", "importance": 1.2}]}))
    ai4i: 60 train rows, 20 test rows, classes 0, 1
      accuracy           0.990
      macro-F1           0.950
      F1 (positive)      0.900
      ROC AUC            0.970
      balanced accuracy  0.930
      train time         1.5 s
    class    precision  recall  f1     support
    0        1.000      1.000   1.000  18
    1        0.900      0.900   0.900  2
    top features (mean |SHAP|): torque 1.20
    """
    lines = [f"{result['kind']}: {result['n_train']} train rows, {result['n_test']} test rows, classes "
             + ", ".join(result["classes"])]

    def fig(label: str, key: str) -> None:
        if key in result:
            v = result[key]
            lines.append(f"  {label:<18} " + ("n/a" if v is None else f"{v:.3f}"))

    fig("accuracy", "accuracy")
    fig("macro-F1", "macro_f1")
    fig("F1 (positive)", "f1")
    fig("ROC AUC", "auc")
    fig("balanced accuracy", "balanced_accuracy")
    lines.append(f"  {'train time':<18} {result['train_s']:.1f} s")
    width = max(8, *(len(c) + 1 for c in result["classes"]))
    lines.append(f"{'class':<{width}} precision  recall  f1     support")
    for c, m in result["per_class"].items():
        lines.append(f"{c:<{width}} {m['precision']:<10.3f} {m['recall']:<7.3f} {m['f1']:<6.3f} {m['support']}")
    top = ", ".join(f"{d['feature']} {d['importance']:.2f}" for d in result.get("importance", [])[:5])
    lines.append(f"top features (mean |SHAP|): {top}")
    return "\n".join(lines)
