"""Split-conformal prediction intervals, binned by the predicted value (heteroscedastic).

Calibration residuals ``y - prediction`` come from runs the predicting model did not fit.
They are grouped into bins of the prediction (quantile edges, each bin at least
``min_per_bin`` points); in each bin the lower and upper ``alpha/2`` quantiles of the signed
residuals (with the finite-sample correction ``ceil((n+1)(1-a))/n``) give an asymmetric interval.
A bin left with fewer than ``min_in_bin`` points (ties in the quantile edges) uses all residuals.
Shared by every model that gives intervals (RUL, load forecasts).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def _conformal_quantile(r: np.ndarray, q: float) -> float:
    n = len(r)
    level = min(1.0, np.ceil((n + 1) * q) / n) if q >= 0.5 else max(0.0, np.floor((n + 1) * q - 1) / n)
    return float(np.quantile(r, level, method="higher" if q >= 0.5 else "lower"))


@dataclass
class BinnedConformal:
    """Asymmetric split-conformal offsets per bin of the prediction.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> pred = rng.uniform(0, 100, 4000)
    >>> y = pred + rng.normal(0, 1 + pred / 10)
    >>> cal = BinnedConformal.fit(pred[:2000], y[:2000], alpha=0.1)
    >>> lo, hi = cal.interval(pred[2000:])
    >>> bool(0.87 < np.mean((y[2000:] >= lo) & (y[2000:] <= hi)) < 0.93)
    True
    """

    edges: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    alpha: float

    @classmethod
    def fit(cls, pred: np.ndarray, y: np.ndarray, *, alpha: float = 0.1, n_bins: int = 5,
            min_per_bin: int = 100, min_in_bin: int = 2) -> BinnedConformal:
        """Calibrate on held-out predictions ``pred`` and truths ``y``."""
        if not 0 < alpha < 1:
            raise ValueError(f"alpha must be in (0, 1), got {alpha}")
        pred = np.asarray(pred, dtype=np.float64)
        r = np.asarray(y, dtype=np.float64) - pred
        if len(r) < 2:
            raise ValueError("conformal calibration needs at least 2 held-out points")
        bins = max(1, min(n_bins, len(r) // max(1, min_per_bin)))
        edges = np.unique(np.quantile(pred, np.linspace(0, 1, bins + 1)[1:-1]))
        idx = np.searchsorted(edges, pred, side="right")
        lower = np.empty(len(edges) + 1)
        upper = np.empty(len(edges) + 1)
        for b in range(len(edges) + 1):
            rb = r[idx == b]
            if len(rb) < max(2, min_in_bin):
                rb = r
            lower[b] = min(0.0, _conformal_quantile(rb, alpha / 2))
            upper[b] = max(0.0, _conformal_quantile(rb, 1 - alpha / 2))
        return cls(edges=edges, lower=lower, upper=upper, alpha=alpha)

    def interval(self, pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds around ``pred``."""
        pred = np.asarray(pred, dtype=np.float64)
        idx = np.searchsorted(self.edges, pred, side="right")
        return pred + self.lower[idx], pred + self.upper[idx]
