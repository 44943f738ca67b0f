"""An unsupervised health index: distance of smoothed, regime-normalised sensors from early life.

The first ``healthy_share`` of each run (asset, or ``(asset, life)``) is taken as healthy.
Each row's sensors are z-scored per operating regime, smoothed causally (exponential
smoothing, ``span`` rows) and compared with the healthy rows by Mahalanobis distance ``D``.
``health = clip(1 - (D - D_new) / (D_end - D_new), 0, 1)`` where ``D_new`` is the median
distance of the healthy rows and ``D_end`` the median distance over the last
``healthy_share`` of each run (the end-of-life state when the runs are run-to-failure).
1 means like new, 0 means as worn as the training runs' ends. No labels are used.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from bessemer.core import BaseModel, DataError, Frame, Tags, register_model

from ._features import RegimeNormalizer, _ewm, group_starts, run_codes, run_order


@register_model
class HealthIndex(BaseModel):
    """Unsupervised health index in ``[0, 1]`` (1 = new, 0 = worn out).

    Parameters
    ----------
    healthy_share : float
        Share of each run's first rows taken as healthy (and of its last rows as worn).
    span : int
        Exponential smoothing span in rows (causal: no look-ahead).
    regime_signals : "auto", None or list of str
        Operating-regime signals, as in :class:`RULModel`.
    ridge : float
        Added to the covariance diagonal for stability.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from bessemer.core import Frame
    >>> rng = np.random.default_rng(0)
    >>> rows = [{"asset": f"m{u}", "time": c, "wear": (c / 80) ** 2 + rng.normal(0, .05)}
    ...         for u in range(5) for c in range(1, 81)]
    >>> frame = Frame(pd.DataFrame(rows))
    >>> h = HealthIndex().fit(frame).predict(frame)
    >>> bool(h.health.iloc[5] > 0.8 and h.health.iloc[79] < 0.2)
    True
    """

    name = "health_index"
    version = "1"

    def __init__(self, *, healthy_share: float = 0.2, span: int = 10,
                 regime_signals: str | list[str] | None = "auto", ridge: float = 1e-3) -> None:
        self.healthy_share = healthy_share
        self.span = span
        self.regime_signals = regime_signals
        self.ridge = ridge

    @classmethod
    def tags(cls) -> Tags:
        """Unsupervised health task."""
        return Tags(task="health", outputs=("health",))

    @classmethod
    def test_params(cls) -> dict[str, Any]:
        """Fast settings for the conformance suite."""
        return {"span": 5}

    def _smoothed(self, frame: Frame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        codes, t = run_codes(frame)
        order = run_order(codes, t)
        starts = group_starts(codes[order])
        z, _ = self.normalizer_.transform(frame.values(self.signals_)[order])
        return _ewm(z, starts, 2.0 / (self.span + 1.0)), order, codes[order]

    def _distance(self, s: np.ndarray) -> np.ndarray:
        d = s - self.centre_
        return np.sqrt(np.einsum("ij,jk,ik->i", d, self.precision_, d))

    def _fit(self, frame: Frame, y: np.ndarray | None) -> None:
        if not 0 < self.healthy_share < 0.5:
            raise ValueError(f"healthy_share must be in (0, 0.5), got {self.healthy_share}")
        self.normalizer_ = RegimeNormalizer.fit(frame.values(self.signals_), self.signals_, self.regime_signals)
        if not self.normalizer_.keep:
            raise DataError("every signal is constant within its regime; no health to measure", file=frame.source)
        s, _, codes = self._smoothed(frame)
        pos = pd.Series(np.ones(len(codes))).groupby(codes).cumsum().to_numpy()
        size = pd.Series(codes).map(pd.Series(codes).value_counts()).to_numpy()
        early = pos <= np.maximum(1, self.healthy_share * size)
        late = pos > size - np.maximum(1, self.healthy_share * size)
        ref = s[early]
        self.centre_ = ref.mean(axis=0)
        cov = np.atleast_2d(np.cov(ref, rowvar=False)) if len(ref) > 1 else np.eye(s.shape[1])
        self.precision_ = np.linalg.pinv(cov + self.ridge * np.eye(s.shape[1]))
        dist = self._distance(s)
        self.d_new_ = float(np.median(dist[early]))
        self.d_end_ = float(max(np.median(dist[late]), self.d_new_ + 1e-9))

    def _predict(self, frame: Frame) -> pd.DataFrame:
        s, order, _ = self._smoothed(frame)
        h = np.clip(1.0 - (self._distance(s) - self.d_new_) / (self.d_end_ - self.d_new_), 0.0, 1.0)
        out = np.empty(len(h))
        out[order] = h
        return pd.DataFrame({"asset": frame.column("asset"), "time": frame.column("time"), "health": out})
