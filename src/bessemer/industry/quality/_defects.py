"""Defect prediction from process and inspection features: calibrated, imbalance-aware, explained.

A :class:`DefectClassifier` is a LightGBM classifier over the signals of a frame (one row per
product, plate or lot) with:

* **class imbalance** handled by class weights (``"balanced"``: each class weighs as much as
  the others in total);
* **calibrated probabilities**: the model's raw scores on *out-of-fold* predictions (stratified
  K folds of the training rows, each predicted by a model that did not see it) fit a Platt
  scaling (binary: ``sigmoid(a·s + b)``, which also undoes the prior shift of the class
  weights) or a temperature and a bias per class (multi-class: ``softmax(s / T + b)``, the bias takes back
  the prior shift of the class weights);
* **a decision rule** for binary targets: the threshold on the calibrated probability of the
  positive class that maximises F1 (``decision="f1"``) or balanced accuracy on those same
  out-of-fold predictions, or 0.5 (``"probability"``). Multi-class predictions are the most
  probable class;
* **explanations**: per prediction, the features with the largest SHAP values (LightGBM's exact
  TreeSHAP, ``pred_contrib``) toward the predicted class, in calibrated log-odds units, and a
  global importance (mean absolute SHAP value over the training rows);
* **a leakage guard**: ``forbidden`` names signals that define the label (AI4I's failure modes);
  ``fit`` refuses a frame whose signals include any of them.

Binary classes are ordered ``[negative, positive]``: numeric labels by value (``0``/``1``,
``-1``/``1``), else a label such as ``pass``, ``ok``, ``good``, ``normal`` or ``0`` is the
negative one, else the more frequent class is.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import expit, log_expit, log_softmax, softmax

from bessemer.core import BaseModel, DataError, Frame, SchemaError, Tags, register_model

_NEGATIVE = ("0", "-1", "pass", "ok", "good", "normal", "false", "no", "none", "negative", "healthy")
_NON_ALNUM = re.compile(r"[^a-z0-9]")
_SHAP_ROWS = 2000


def _key(name: str) -> str:
    return _NON_ALNUM.sub("", str(name).lower())


def order_classes(labels: np.ndarray) -> list[str]:
    """Class order: sorted for many classes, ``[negative, positive]`` for two (see the module docstring).

    Examples
    --------
    >>> order_classes(np.array(["fail", "pass", "pass"])), order_classes(np.array(["1", "0"]))
    (['pass', 'fail'], ['0', '1'])
    >>> order_classes(np.array(["worn", "new", "new"]))
    ['new', 'worn']
    """
    uniq, counts = np.unique(labels.astype(str), return_counts=True)
    if len(uniq) != 2:
        return [str(u) for u in uniq]
    try:
        return [str(u) for u in sorted(uniq, key=float)]
    except ValueError:
        pass
    neg = [u for u in uniq if u.strip().lower() in _NEGATIVE]
    if len(neg) == 1:
        return [str(neg[0]), str(uniq[uniq != neg[0]][0])]
    return [str(u) for u in uniq[np.argsort(-counts, kind="stable")]]


@register_model
class DefectClassifier(BaseModel):
    """Predicts the defect class of each row, with a calibrated probability and its reasons.

    Parameters
    ----------
    n_estimators, learning_rate, num_leaves, min_child_samples, feature_fraction : LightGBM settings
    max_bin : int
        Histogram bins per feature; fine bins keep sharp limits (a power or overstrain limit) exact.
    class_weight : "balanced", dict or None
        ``"balanced"`` weighs each class inversely to its frequency; a dict gives a weight per class.
    decision : {"f1", "balanced_accuracy", "probability"}
        Binary targets: how the threshold on the positive class's probability is chosen.
    calibrate : bool
        Fit the Platt scaling / temperature on out-of-fold predictions (else raw probabilities).
    forbidden : sequence of str
        Signal names (compared ignoring case and punctuation) that must not be features.
    folds : int
        Out-of-fold folds for calibration and threshold (fewer when a class is smaller).
    seed : int

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(300, 3))
    >>> df = pd.DataFrame({"asset": [f"p{i:03d}" for i in range(300)], "time": 0, "a": x[:, 0], "b": x[:, 1],
    ...                    "c": x[:, 2]})
    >>> y = np.where(x[:, 0] + 0.3 * rng.normal(size=300) > 1.2, "scrap", "ok")
    >>> clf = DefectClassifier(n_estimators=60, seed=0).fit(Frame(df), y)
    >>> clf.classes_, list(clf.predict(Frame(df)).columns)
    (['ok', 'scrap'], ['asset', 'time', 'defect', 'probability', 'p_ok', 'p_scrap'])
    >>> clf.importance().feature.iloc[0]
    'a'
    >>> ex = clf.explain(Frame(df.iloc[:1]), top=2)
    >>> ex["rank"].tolist(), ex.feature.iloc[0], len(ex)
    ([1, 2], 'a', 2)
    """

    name = "defect_classifier"
    version = "1"

    def __init__(self, *, n_estimators: int = 300, learning_rate: float = 0.05, num_leaves: int = 15,
                 min_child_samples: int = 10, feature_fraction: float = 0.8, max_bin: int = 1023,
                 class_weight: Any = "balanced",
                 decision: str = "f1", calibrate: bool = True, forbidden: tuple[str, ...] = (), folds: int = 5,
                 seed: int = 0) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.feature_fraction = feature_fraction
        self.max_bin = max_bin
        self.class_weight = class_weight
        self.decision = decision
        self.calibrate = calibrate
        self.forbidden = forbidden
        self.folds = folds
        self.seed = seed

    @classmethod
    def tags(cls) -> Tags:
        return Tags(task="classification", outputs=("defect", "probability"), requires_y=True, handles_nan=True,
                    explanations=True)

    @classmethod
    def test_params(cls) -> dict[str, Any]:
        return {"n_estimators": 20, "folds": 3}

    # ------------------------------------------------------------------ fitting
    def fit(self, frame: Frame, y: np.ndarray | None = None) -> DefectClassifier:
        """Fit on a frame and one label per row (text or integers); returns self."""
        super().fit(frame, y)
        self.card_.metrics.update(self.oof_metrics_)
        return self

    def _lgbm(self) -> Any:
        import lightgbm as lgb

        return lgb.LGBMClassifier(n_estimators=self.n_estimators, learning_rate=self.learning_rate,
                                  num_leaves=self.num_leaves, min_child_samples=self.min_child_samples,
                                  colsample_bytree=self.feature_fraction, subsample=0.8, subsample_freq=1,
                                  max_bin=self.max_bin, reg_lambda=1.0, n_jobs=1, random_state=self.seed,
                                  deterministic=True, force_col_wise=True, verbose=-1)

    def _check_params(self, frame: Frame) -> None:
        if self.decision not in ("f1", "balanced_accuracy", "probability"):
            raise ValueError(f"decision must be 'f1', 'balanced_accuracy' or 'probability', got {self.decision!r}")
        if isinstance(self.forbidden, str):
            raise ValueError(f"forbidden must be a sequence of names, got the string {self.forbidden!r}; "
                             f"write forbidden=({self.forbidden!r},)")
        keys = {_key(f) for f in self.forbidden}
        bad = [s for s in frame.signals if _key(s) in keys]
        if bad:
            raise SchemaError(f"the frame's signals include {bad}, which are forbidden as features (they define or "
                              "leak the label); carry them as meta columns (Frame(..., meta=[...])) or drop them "
                              "with frame.select([...]) before fit", file=frame.source, column=bad[0])

    def _fit(self, frame: Frame, y: np.ndarray | None) -> None:
        from sklearn.model_selection import StratifiedKFold

        assert y is not None
        self._check_params(frame)
        text = np.array(["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip() for v in y],
                        dtype=object)
        empty = np.flatnonzero(text == "")
        if empty.size:
            raise DataError("label is missing; every training row needs a class", file=frame.source,
                            row=int(empty[0]) + 1, column="y")
        self.classes_ = order_classes(text)
        if len(self.classes_) < 2:
            raise DataError(f"a defect classifier needs at least two classes, got {self.classes_}", file=frame.source)
        yi = np.searchsorted(np.array(self.classes_), text) if len(self.classes_) > 2 else \
            (text == self.classes_[1]).astype(int)
        X = frame.values()
        w = self._weights(yi)
        counts = np.bincount(yi, minlength=len(self.classes_))
        k = int(min(self.folds, counts.min()))
        binary = len(self.classes_) == 2
        raw = np.zeros((len(yi), 1 if binary else len(self.classes_)))
        if k >= 2:
            for tr, te in StratifiedKFold(k, shuffle=True, random_state=self.seed).split(X, yi):
                raw[te] = _raw(self._lgbm().fit(X[tr], yi[tr], sample_weight=w[tr]), X[te])
        self.n_folds_ = k if k >= 2 else 0
        self.scale_, self.bias_ = 1.0, 0.0
        if binary:
            if self.calibrate and k >= 2:
                self.scale_, self.bias_ = _fit_platt(raw[:, 0], yi)
            p = expit(self.scale_ * raw[:, 0] + self.bias_)
            self.threshold_ = _best_threshold(p, yi, self.decision) if k >= 2 else 0.5
            pred = (p >= self.threshold_).astype(int)
        else:
            if self.calibrate and k >= 2:
                self.scale_, self.bias_ = _fit_temperature_bias(raw, yi)
            else:
                self.bias_ = np.zeros(len(self.classes_))
            pred = raw.argmax(axis=1)
        self.oof_metrics_ = _oof_metrics(yi, pred, len(self.classes_)) if k >= 2 else {}
        self.model_ = self._lgbm().fit(X, yi, sample_weight=w)
        rows = np.random.default_rng(self.seed).permutation(len(X))[:_SHAP_ROWS]
        self.importance_ = np.abs(self._contrib(X[rows])).mean(axis=(0, 1))

    def _weights(self, yi: np.ndarray) -> np.ndarray:
        counts = np.bincount(yi, minlength=len(self.classes_))
        if self.class_weight is None:
            return np.ones(len(yi))
        if self.class_weight == "balanced":
            return (len(yi) / (len(counts) * counts))[yi]
        if isinstance(self.class_weight, dict):
            cw = {str(k): float(v) for k, v in self.class_weight.items()}
            unknown = sorted(set(cw) - set(self.classes_))
            if unknown:
                raise ValueError(f"class_weight names unknown class(es) {unknown}; classes are {self.classes_}")
            return np.array([cw.get(c, 1.0) for c in self.classes_])[yi]
        raise ValueError(f"class_weight must be 'balanced', a dict or None, got {self.class_weight!r}")

    # ------------------------------------------------------------------ predicting
    def _prepare(self, frame: Frame, what: str) -> Frame:
        self.check_is_fitted()
        if not isinstance(frame, Frame):
            self._check_frame(frame, what)
        frame = self._align(frame)
        self._check_frame(frame, what)
        return frame

    def _proba_decide(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Calibrated probabilities and the decided class index per row.

        Multi-class: the decision is the class with the highest class-weighted score (``raw``), which
        favours rare defects as the weights ask; the probabilities are calibrated by a temperature and
        a per-class bias, which undoes the weights' shift toward rare classes. So a rare defect can be
        the predicted class with a calibrated probability below that of "no defect".
        """
        raw = _raw(self.model_, X)
        if len(self.classes_) == 2:
            p = expit(self.scale_ * raw[:, 0] + self.bias_)
            return np.column_stack([1 - p, p]), (p >= self.threshold_).astype(int)
        return softmax(raw * self.scale_ + self.bias_, axis=1), raw.argmax(axis=1)

    def _proba(self, X: np.ndarray) -> np.ndarray:
        return self._proba_decide(X)[0]

    def _contrib(self, X: np.ndarray) -> np.ndarray:
        """SHAP values, shape (rows, classes or 1, features), in calibrated log-odds units."""
        C = np.asarray(self.model_.predict(X, pred_contrib=True))
        nf = X.shape[1]
        return C.reshape(len(X), -1, nf + 1)[:, :, :nf] * self.scale_

    def predict_proba(self, frame: Frame) -> pd.DataFrame:
        """Calibrated probability of every class: ``asset``, ``time``, one column per class."""
        frame = self._prepare(frame, "predict_proba")
        P = self._proba(frame.values())
        out = pd.DataFrame({"asset": frame.column("asset"), "time": frame.column("time")})
        for j, c in enumerate(self.classes_):
            out[c] = P[:, j]
        return out

    def _predict(self, frame: Frame) -> pd.DataFrame:
        P, pick = self._proba_decide(frame.values())
        out = pd.DataFrame({"asset": frame.column("asset"), "time": frame.column("time"),
                            "defect": np.asarray(self.classes_, dtype=object)[pick],
                            "probability": P[np.arange(len(P)), pick]})
        for j, c in enumerate(self.classes_):
            out[f"p_{c}"] = P[:, j]
        return out

    def explain(self, frame: Frame, top: int = 3) -> pd.DataFrame:
        """The ``top`` features behind each prediction, by absolute SHAP value toward the predicted class.

        Returns ``asset, time, rank, feature, value, contribution, direction``; ``contribution`` is in
        calibrated log-odds of the predicted class (binary: of the predicted side), ``direction`` is
        ``"raises"`` or ``"lowers"`` (its probability).
        """
        frame = self._prepare(frame, "explain")
        if top < 1:
            raise ValueError(f"top must be at least 1, got {top}")
        X = frame.values()
        pick = self._proba_decide(X)[1]
        C = self._contrib(X)
        if len(self.classes_) == 2:
            c = C[:, 0, :] * np.where(pick == 1, 1.0, -1.0)[:, None]
        else:
            c = C[np.arange(len(X)), pick, :]
        k = min(top, X.shape[1])
        order = np.argsort(-np.abs(c), axis=1, kind="stable")[:, :k]
        rows = np.repeat(np.arange(len(X)), k)
        cols = order.ravel()
        contrib = c[rows, cols]
        signals = np.asarray(self.signals_, dtype=object)
        return pd.DataFrame({"asset": frame.column("asset")[rows], "time": frame.column("time")[rows],
                             "rank": np.tile(np.arange(1, k + 1), len(X)), "feature": signals[cols],
                             "value": X[rows, cols], "contribution": contrib,
                             "direction": np.where(contrib > 0, "raises", "lowers")})

    def importance(self) -> pd.DataFrame:
        """Global importance: mean absolute SHAP value per feature over (up to 2000) training rows."""
        self.check_is_fitted()
        out = pd.DataFrame({"feature": self.signals_, "importance": self.importance_})
        return out.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------- helpers
def _raw(model: Any, X: np.ndarray) -> np.ndarray:
    raw = np.asarray(model.predict(X, raw_score=True))
    return raw[:, None] if raw.ndim == 1 else raw


def _fit_platt(s: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """``a, b`` minimising the negative log-likelihood of ``sigmoid(a·s + b)`` (a kept positive)."""
    def nll(ab: np.ndarray) -> float:
        z = ab[0] * s + ab[1]
        return float(-(y * log_expit(z) + (1 - y) * log_expit(-z)).mean())

    res = minimize(nll, np.array([1.0, 0.0]), method="L-BFGS-B", bounds=[(1e-3, 50.0), (-50.0, 50.0)])
    return float(res.x[0]), float(res.x[1])


def _fit_temperature_bias(raw: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """``a, b`` minimising the out-of-fold negative log-likelihood of ``softmax(a·raw + b)``.

    ``a`` is one inverse temperature (kept in [0.05, 20]); ``b`` a bias per class (the first fixed at 0),
    which takes back the prior shift of class weights.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 3, 600)
    >>> raw = 4.0 * np.eye(3)[y] + rng.normal(size=(600, 3)) + np.array([0.0, 1.0, 2.0])
    >>> a, b = _fit_temperature_bias(raw, y)
    >>> bool(b[2] < b[1] < 0.0)
    True
    """
    n, k = raw.shape
    rows = np.arange(n)

    def nll(theta: np.ndarray) -> float:
        b = np.r_[0.0, theta[1:]]
        return float(-log_softmax(np.exp(theta[0]) * raw + b, axis=1)[rows, y].mean())

    bounds = [(np.log(0.05), np.log(20.0))] + [(-20.0, 20.0)] * (k - 1)
    res = minimize(nll, np.zeros(k), method="L-BFGS-B", bounds=bounds)
    return float(np.exp(res.x[0])), np.r_[0.0, res.x[1:]]


def _best_threshold(p: np.ndarray, y: np.ndarray, decision: str) -> float:
    """Threshold on ``p`` (predict positive when ``p >= t``) maximising F1 or balanced accuracy.

    Examples
    --------
    >>> _best_threshold(np.array([0.1, 0.2, 0.3, 0.8]), np.array([0, 0, 1, 1]), "f1")
    0.25
    """
    if decision == "probability":
        return 0.5
    order = np.argsort(-p, kind="stable")
    ps, ys = p[order], y[order]
    tp, fp = np.cumsum(ys), np.cumsum(1 - ys)
    pos, neg = max(int(ys.sum()), 1), max(int((1 - ys).sum()), 1)
    last = np.r_[ps[1:] != ps[:-1], True]  # cut only between distinct probabilities
    if decision == "f1":
        score = 2 * tp / (tp + fp + pos)
    else:
        score = 0.5 * (tp / pos + 1 - fp / neg)
    score = np.where(last, score, -np.inf)
    i = int(np.argmax(score))
    lower = ps[i + 1] if i + 1 < len(ps) else 0.0
    return float((ps[i] + lower) / 2)


def _oof_metrics(y: np.ndarray, pred: np.ndarray, n_classes: int) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score

    out = {"oof_accuracy": float(accuracy_score(y, pred)),
           "oof_macro_f1": float(f1_score(y, pred, average="macro", labels=np.arange(n_classes), zero_division=0)),
           "oof_balanced_accuracy": float(balanced_accuracy_score(y, pred))}
    if n_classes == 2:
        out["oof_f1"] = float(f1_score(y, pred, zero_division=0))
    return out
