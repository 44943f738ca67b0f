"""Fault diagnosis: which known fault a process shows, with a calibrated probability, or "unknown".

A :class:`FaultClassifier` learns from labelled histories (normal operation and runs with
known faults). Each sample is described causally, from that sample and the ones before
it: the standardised values, two exponentially weighted means (fast and slow) and the
log standard deviation over a moving window. A gradient-boosted classifier (LightGBM)
maps these features to a class; its probabilities are calibrated by temperature scaling
on out-of-fold predictions (each run is cut into contiguous blocks, and a block is
predicted by models that did not see it).

"Unknown fault" is said when nothing known fits: the calibrated probability of the best
class is below ``min_probability``, or the sample lies further from that class's training
samples than ``novelty_margin`` times the ``novelty_quantile`` of their own distances
(Mahalanobis distance in a PCA-reduced feature space, with a shrunk covariance per class).
The margin leaves room for a known fault that keeps evolving beyond what training saw.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax

from bessemer.core import BaseModel, DataError, Frame, NotFittedError, Tags, register_model

from ._monitor import _ewma, _rolling_logsd, as_matrix

UNKNOWN = "unknown"
NORMAL = "normal"


def fault_features(X: np.ndarray, mu: np.ndarray, sd: np.ndarray, *, alphas: tuple[float, ...] = (0.1, 0.02),
                   window: int = 20) -> np.ndarray:
    """Causal features per sample: z-scores, EWMA means and the moving log standard deviation.

    Examples
    --------
    >>> X = np.random.default_rng(0).normal(size=(50, 3))
    >>> fault_features(X, X.mean(0), X.std(0)).shape
    (50, 12)
    """
    Z = np.nan_to_num((X - mu) / sd)
    parts = [Z] + [_ewma(Z, a) for a in alphas]
    R = _rolling_logsd(Z, window)
    R[:window - 1] = 0.0
    parts.append(np.where(np.isfinite(R), R, -10.0))
    return np.hstack(parts)


@register_model
class FaultClassifier(BaseModel):
    """Names the likely fault of a process sample, with a calibrated probability.

    Parameters
    ----------
    n_estimators, learning_rate, num_leaves : int, float, int
        LightGBM settings.
    window : int
        Moving-window length of the standard-deviation features.
    calibration_folds : int
        Contiguous blocks per run for the out-of-fold temperature scaling.
    min_probability : float
        Below this calibrated probability the answer is ``"unknown"``.
    novelty_quantile, novelty_margin : float
        A sample further from its class than ``novelty_margin`` times this quantile of the class's
        training distances is ``"unknown"`` (``novelty_quantile=1`` switches the check off).
    n_jobs : int
        Threads for LightGBM.
    random_state : int

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> runs = {"normal": rng.normal(size=(300, 4)), "leak": rng.normal(size=(300, 4)) + [0, 3, 0, 0],
    ...         "stuck": rng.normal(size=(300, 4)) * [1, 1, 4, 1]}
    >>> clf = FaultClassifier(n_estimators=40).fit_runs(runs)
    >>> test = rng.normal(size=(60, 4)) + [0, 3, 0, 0]
    >>> out = clf.diagnose(test)
    >>> out.fault.iloc[-1], bool(out.probability.iloc[-1] > 0.8)
    ('leak', True)
    >>> clf.diagnose(rng.normal(size=(60, 4)) + [9, 0, 0, 0]).fault.iloc[-1]   # like nothing it knows
    'unknown'
    """

    name = "fault_classifier"
    version = "1"

    def __init__(self, *, n_estimators: int = 300, learning_rate: float = 0.05, num_leaves: int = 15,
                 window: int = 20, calibration_folds: int = 3, min_probability: float = 0.3,
                 novelty_quantile: float = 0.999, novelty_margin: float = 10.0, n_jobs: int = 1,
                 random_state: int = 0) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.window = window
        self.calibration_folds = calibration_folds
        self.min_probability = min_probability
        self.novelty_quantile = novelty_quantile
        self.novelty_margin = novelty_margin
        self.n_jobs = n_jobs
        self.random_state = random_state

    @classmethod
    def tags(cls) -> Tags:
        return Tags(task="classification", outputs=("fault", "probability"), requires_y=True, handles_nan=True,
                    explanations=False)

    @classmethod
    def test_params(cls) -> dict[str, Any]:
        return {"n_estimators": 20, "window": 5, "calibration_folds": 2}

    # ------------------------------------------------------------------ fitting
    def fit_runs(self, runs: dict[str, Any] | list[tuple[Any, Any]], *, source: str | None = None
                 ) -> FaultClassifier:
        """Fit on labelled runs: ``{label: table}`` or ``[(table, label or per-sample labels), ...]``.

        Use the label ``"normal"`` for normal operation. Every run is a time-ordered table of
        the same variables (DataFrame, Frame or array).
        """
        items = list(runs.items()) if isinstance(runs, dict) else [(lab, tab) for tab, lab in runs]
        parts, labels, names = [], [], None
        for i, (lab, tab) in enumerate(items):
            X, nm = as_matrix(tab, names, what=f"run {i + 1}", source=source)
            names = names or nm
            df = pd.DataFrame(X, columns=names)
            df.insert(0, "time", np.arange(len(X)))
            df.insert(0, "asset", f"run{i:04d}")
            parts.append(df)
            lab_arr = np.asarray(lab, dtype=object)
            labels.append(np.full(len(X), lab, dtype=object) if lab_arr.ndim == 0 else lab_arr)
            if len(labels[-1]) != len(X):
                raise DataError(f"run {i + 1} has {len(X)} samples but {len(labels[-1])} labels", file=source)
        return self.fit(Frame(pd.concat(parts, ignore_index=True), source=source), np.concatenate(labels))

    def _fit(self, frame: Frame, y: np.ndarray | None) -> None:
        import lightgbm as lgb

        assert y is not None
        labels = np.asarray([str(v) for v in y], dtype=object)
        X = frame.values()
        df = frame.to_pandas()
        runs = list(df.groupby("asset", sort=False).indices.values())
        normal = labels == NORMAL
        ref = X[normal] if normal.sum() >= 10 else X
        self.mu_ = np.nanmean(ref, axis=0)
        sd = np.nanstd(ref, axis=0)
        self.sd_ = np.where(sd > 1e-12, sd, 1.0)
        F = np.vstack([self._features(X[idx]) for idx in runs])
        order = np.concatenate(runs)
        labels = labels[order]
        self.classes_ = np.array(sorted(set(labels)), dtype=object)
        if len(self.classes_) < 2:
            raise DataError(f"a fault classifier needs at least two classes, got {list(self.classes_)}")
        yi = np.searchsorted(self.classes_, labels)
        counts = np.bincount(yi, minlength=len(self.classes_))
        weight = (len(yi) / (len(counts) * counts))[yi]

        def model() -> Any:
            return lgb.LGBMClassifier(n_estimators=self.n_estimators, learning_rate=self.learning_rate,
                                      num_leaves=self.num_leaves, subsample=0.8, subsample_freq=1,
                                      colsample_bytree=0.5, min_child_samples=10, n_jobs=self.n_jobs,
                                      random_state=self.random_state, verbose=-1, deterministic=True,
                                      force_col_wise=True)

        # out-of-fold raw scores for temperature scaling: fold i holds out block i of every run
        fold = np.empty(len(yi), dtype=int)
        start = 0
        for idx in runs:
            n = len(idx)
            fold[start:start + n] = np.minimum(np.arange(n) * self.calibration_folds // max(n, 1),
                                               self.calibration_folds - 1)
            start += n
        oof = np.zeros((len(yi), len(self.classes_)))
        for f in range(self.calibration_folds):
            tr, te = fold != f, fold == f
            present = np.unique(yi[tr])
            raw = np.full((te.sum(), len(self.classes_)), -30.0)
            if len(present) < 2:  # the other blocks hold one class only: it is all a model could say
                raw[:, present] = 0.0
            else:
                m = model().fit(F[tr], yi[tr], sample_weight=weight[tr])
                raw[:, present] = _raw_scores(m, F[te], len(present))
            oof[te] = raw
        self.temperature_ = _fit_temperature(oof, yi)
        self.model_ = model().fit(F, yi, sample_weight=weight)
        self.oof_accuracy_ = float((oof.argmax(axis=1) == yi).mean())
        self._fit_novelty(F, yi)

    def _features(self, X: np.ndarray) -> np.ndarray:
        return fault_features(X, self.mu_, self.sd_, window=self.window)

    def _fit_novelty(self, F: np.ndarray, yi: np.ndarray) -> None:
        from sklearn.covariance import LedoitWolf

        self.f_mu_ = F.mean(axis=0)
        f_sd = F.std(axis=0)
        self.f_sd_ = np.where(f_sd > 1e-12, f_sd, 1.0)
        G = (F - self.f_mu_) / self.f_sd_
        _, s, vt = np.linalg.svd(G[:: max(1, len(G) // 5000)], full_matrices=False)
        share = np.cumsum(s**2) / (s**2).sum()
        k = int(min(np.searchsorted(share, 0.95) + 1, 30, len(s)))
        self.f_proj_ = vt[:k].T
        H = G @ self.f_proj_
        self.class_center_, self.class_prec_, self.class_limit_ = [], [], []
        for c in range(len(self.classes_)):
            Hc = H[yi == c]
            lw = LedoitWolf().fit(Hc)
            prec = np.linalg.pinv(lw.covariance_)
            d = Hc - lw.location_
            dist = np.einsum("ij,jk,ik->i", d, prec, d)
            self.class_center_.append(lw.location_)
            self.class_prec_.append(prec)
            self.class_limit_.append(self.novelty_margin * float(np.quantile(dist, self.novelty_quantile))
                                     if self.novelty_quantile < 1 else np.inf)

    # ------------------------------------------------------------------ predicting
    def predict_proba(self, data: Any) -> pd.DataFrame:
        """Calibrated class probabilities per sample of a time-ordered table."""
        X = self._matrix(data)
        F = self._features(X)
        P = softmax(_raw_scores(self.model_, F, len(self.classes_)) / self.temperature_, axis=1)
        return pd.DataFrame(P, columns=list(self.classes_), index=getattr(data, "index", None))

    def diagnose(self, data: Any) -> pd.DataFrame:
        """Per sample: ``fault`` (a class, or ``"unknown"``), ``probability`` and ``known``."""
        X = self._matrix(data)
        F = self._features(X)
        P = softmax(_raw_scores(self.model_, F, len(self.classes_)) / self.temperature_, axis=1)
        best = P.argmax(axis=1)
        prob = P[np.arange(len(P)), best]
        H = ((F - self.f_mu_) / self.f_sd_) @ self.f_proj_
        novel = np.zeros(len(F), dtype=bool)
        for c in np.unique(best):
            rows = best == c
            d = H[rows] - self.class_center_[c]
            novel[rows] = np.einsum("ij,jk,ik->i", d, self.class_prec_[c], d) > self.class_limit_[c]
        known = (prob >= self.min_probability) & ~novel
        fault = np.where(known, self.classes_[best], UNKNOWN)
        return pd.DataFrame({"fault": fault, "probability": prob, "known": known, "best": self.classes_[best],
                             "novel": novel}, index=getattr(data, "index", None))

    def _predict(self, frame: Frame) -> pd.DataFrame:
        df = frame.to_pandas()
        parts = []
        for asset, idx in df.groupby("asset", sort=False).indices.items():
            d = self.diagnose(frame.values()[idx])
            parts.append(pd.DataFrame({"asset": asset, "time": df["time"].to_numpy()[idx],
                                       "fault": d.fault.to_numpy(), "probability": d.probability.to_numpy()}))
        return pd.concat(parts, ignore_index=True)

    def _matrix(self, data: Any) -> np.ndarray:
        if not hasattr(self, "model_"):
            raise NotFittedError("this FaultClassifier is not fitted yet; call fit_runs(...) first")
        X, _ = as_matrix(data, list(self.signals_), what="data to diagnose")
        return X


def _raw_scores(model: Any, F: np.ndarray, n_classes: int) -> np.ndarray:
    raw = model.predict(F, raw_score=True)
    if n_classes == 2 and raw.ndim == 1:
        return np.column_stack([np.zeros_like(raw), raw])
    return raw


def _fit_temperature(raw: np.ndarray, y: np.ndarray) -> float:
    """The temperature that minimises the out-of-fold negative log-likelihood."""
    def nll(log_t: float) -> float:
        return float(-log_softmax(raw / np.exp(log_t), axis=1)[np.arange(len(y)), y].mean())

    res = minimize_scalar(nll, bounds=(np.log(0.05), np.log(20.0)), method="bounded")
    return float(np.exp(res.x))
