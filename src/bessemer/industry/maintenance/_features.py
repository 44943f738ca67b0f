"""Run segmentation, operating-regime normalisation and causal window features.

Everything here looks only at a row and the rows before it in the same run, so a
feature never changes when later rows change (no look-ahead).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.signal import lfilter

from bessemer.core import DataError, Frame

_MAX_LEVELS = 12
_SETPOINT = 2e-3  # within-regime spread / range below which a regime signal is a set-point


# ------------------------------------------------------------------ runs
def run_codes(frame: Frame) -> tuple[np.ndarray, np.ndarray]:
    """Integer run id per row and the time as float (cycles, or hours since the epoch).

    A run is one asset's history, or one ``(asset, life)`` when the frame has a ``life``
    meta column.
    """
    asset = frame.column("asset")
    if "life" in frame.meta:
        key = pd.Series(asset).astype(str) + "\x1f" + pd.Series(frame.column("life")).astype(str)
    else:
        key = pd.Series(asset)
    codes = pd.factorize(key, sort=False)[0].astype(np.int64)
    t = frame.column("time")
    if frame.time_kind == "timestamp":
        tt = pd.to_datetime(pd.Series(t), utc=True)
        t = (tt - pd.Timestamp("1970-01-01", tz="UTC")).dt.total_seconds().to_numpy() / 3600.0
    return codes, np.asarray(t, dtype=np.float64)


def run_order(codes: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Row order that makes each run contiguous and sorted by time."""
    return np.lexsort((t, codes))


def group_starts(codes_sorted: np.ndarray) -> np.ndarray:
    """Index of the first row of its run, for every row (runs contiguous)."""
    n = len(codes_sorted)
    new = np.ones(n, dtype=bool)
    new[1:] = codes_sorted[1:] != codes_sorted[:-1]
    first = np.flatnonzero(new)
    return np.repeat(first, np.diff(np.append(first, n)))


# --------------------------------------------------------------- regimes
def _levels_1d(x: np.ndarray) -> np.ndarray | None:
    """Level centres when ``x`` takes a few well separated discrete levels, else None.

    A signal is level-like when: its range is at least 1 % of its magnitude (not quantisation
    noise), sorted values split at gaps wider than 5 % of the range into 2-12 levels, the pooled
    spread inside the levels is under 1 % of the range, and the levels are not an evenly spaced
    lattice (an integer-valued sensor).
    """
    x = x[np.isfinite(x)]
    if len(x) < 10:
        return None
    lo, hi = float(x.min()), float(x.max())
    rng = hi - lo
    if rng <= 0 or rng < 0.01 * max(abs(lo), abs(hi)):
        return None
    xs = np.sort(x)
    cut = np.flatnonzero(np.diff(xs) > 0.05 * rng)
    if not 1 <= len(cut) <= _MAX_LEVELS - 1:
        return None
    parts = np.split(xs, cut + 1)
    centres = np.array([p.mean() for p in parts])
    within = np.sqrt(sum(((p - p.mean()) ** 2).sum() for p in parts) / len(xs))
    if within > 0.01 * rng:
        return None
    gaps = np.diff(centres)
    if len(gaps) >= 3 and np.ptp(gaps) < 0.02 * gaps.mean():
        return None
    return centres


def detect_regime_signals(values: np.ndarray, names: Sequence[str]) -> list[str]:
    """Signals whose values cluster into a few discrete levels (operating settings)."""
    rng = np.random.default_rng(0)
    idx = rng.choice(len(values), size=min(len(values), 20000), replace=False) if len(values) else []
    return [n for j, n in enumerate(names) if _levels_1d(values[idx, j]) is not None]


@dataclass
class RegimeNormalizer:
    """Per-regime z-scoring of sensors; regimes from discrete operating-setting levels.

    Fitted state: ``regime_signals`` (used to find regimes; dropped from the output when they
    barely move inside a regime, i.e. set-points),
    ``centres`` (regime centroids in scaled setting space), ``mean``/``std`` (regime x signal)
    and ``keep`` (signals that vary inside at least one regime).
    """

    regime_signals: list[str]
    scale: np.ndarray
    offset: np.ndarray
    centres: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    signals: list[str]
    keep: list[str]

    @classmethod
    def fit(cls, values: np.ndarray, names: Sequence[str], regime_signals: str | Sequence[str] | None,
            *, min_share: float = 0.002) -> RegimeNormalizer:
        """Find regimes and per-regime statistics on training ``values`` (rows x signals)."""
        names = list(names)
        if regime_signals is None or regime_signals == "none":
            reg: list[str] = []
        elif isinstance(regime_signals, str):
            if regime_signals != "auto":
                raise DataError(f"regime_signals must be 'auto', 'none', None or a list of signals; "
                                f"got {regime_signals!r}")
            reg = detect_regime_signals(values, names)
        else:
            reg = [str(s) for s in regime_signals]
            unknown = [s for s in reg if s not in names]
            if unknown:
                raise DataError(f"regime_signals {unknown} are not signals of the frame ({names})")
        cols = [names.index(s) for s in reg]
        if cols:
            sub = values[:, cols]
            offset = np.nanmin(sub, axis=0)
            scale = np.nanmax(sub, axis=0) - offset
            scale[scale <= 0] = 1.0
            z = (sub - offset) / scale
            # a regime is a combination of per-signal levels (rounding to the nearest level)
            lev = []
            for j in range(len(cols)):
                c = _levels_1d(z[:, j])
                c = np.array([np.nanmean(z[:, j])]) if c is None else c
                lev.append(np.argmin(np.abs(z[:, j][:, None] - c[None, :]), axis=1))
            combo = pd.factorize(pd.MultiIndex.from_arrays(lev))[0] if len(lev) > 1 else lev[0]
            ids, counts = np.unique(combo, return_counts=True)
            ids = ids[counts >= max(1, min_share * len(combo))]
            centres = np.array([np.nanmean(z[combo == i], axis=0) for i in ids])
        else:
            offset = np.zeros(0)
            scale = np.ones(0)
            centres = np.zeros((1, 0))
        self = cls(regime_signals=reg, scale=scale, offset=offset, centres=centres,
                   mean=np.zeros(0), std=np.zeros(0), signals=names, keep=[])
        regime = self.assign(values)
        k = len(centres)
        mean = np.zeros((k, len(names)))
        std = np.ones((k, len(names)))
        for r in range(k):
            m = regime == r
            if m.any():
                mean[r] = np.nanmean(values[m], axis=0)
                std[r] = np.nanstd(values[m], axis=0)
        scale_all = np.maximum(np.nanmax(np.abs(values), axis=0), 1e-12) if len(values) else np.ones(len(names))
        varies = (std > 1e-9 * scale_all[None, :]).any(axis=0)
        std[std <= 1e-9 * scale_all[None, :]] = 1.0
        self.mean, self.std = mean, std
        # a regime signal that barely moves inside its regimes is a set-point, not a sensor
        setpoint = set()
        for s in reg:
            j = names.index(s)
            spread = np.nanmax(values[:, j]) - np.nanmin(values[:, j])
            pooled = np.sqrt(np.nanmean((values[:, j] - mean[regime, j]) ** 2))
            if pooled <= _SETPOINT * spread:
                setpoint.add(s)
        self.keep = [n for j, n in enumerate(names) if varies[j] and n not in setpoint]
        return self

    @property
    def n_regimes(self) -> int:
        """Number of operating regimes found (1 when none)."""
        return len(self.centres)

    def assign(self, values: np.ndarray) -> np.ndarray:
        """Regime index per row (nearest centroid in scaled setting space)."""
        if not self.regime_signals:
            return np.zeros(len(values), dtype=np.int64)
        cols = [self.signals.index(s) for s in self.regime_signals]
        z = (values[:, cols] - self.offset) / self.scale
        z = np.nan_to_num(z, nan=0.0)
        d = ((z[:, None, :] - self.centres[None, :, :]) ** 2).sum(axis=2)
        return np.argmin(d, axis=1)

    def transform(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Z-scores of the kept signals (rows x keep) and the regime per row."""
        regime = self.assign(values)
        z = (values - self.mean[regime]) / self.std[regime]
        cols = [self.signals.index(s) for s in self.keep]
        return z[:, cols], regime


# --------------------------------------------------------------- windows
def _rolling_sum(x: np.ndarray, starts: np.ndarray, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Sum over the last ``w`` rows of the same run (fewer at the run's start), and the count."""
    n = len(x)
    cs = np.vstack([np.zeros((1,) + x.shape[1:]), np.cumsum(x, axis=0)])
    i = np.arange(n)
    lo = np.maximum(i - w + 1, starts)
    cnt = (i - lo + 1).astype(np.float64)
    return cs[i + 1] - cs[lo], cnt


def _ewm(x: np.ndarray, starts: np.ndarray, alpha: float) -> np.ndarray:
    out = np.empty_like(x)
    first = np.unique(starts)
    ends = np.append(first[1:], len(x))
    for a, b in zip(first, ends, strict=True):
        seg = x[a:b]
        zi = (1 - alpha) * seg[0]
        out[a:b] = lfilter([alpha], [1.0, -(1 - alpha)], seg, axis=0, zi=zi[None, :])[0]
    return out


def window_features(z: np.ndarray, t: np.ndarray, starts: np.ndarray, names: Sequence[str],
                    windows: Sequence[int], baseline: int) -> tuple[np.ndarray, list[str]]:
    """Causal features per row: rolling means, slope, smoothed level, drift from the run's start.

    ``z`` and ``t`` must be sorted so that runs are contiguous and in time order; ``starts``
    gives each row's run start (see :func:`group_starts`).
    """
    feats = [z]
    cols = [f"{n}" for n in names]
    for w in windows:
        s, c = _rolling_sum(z, starts, w)
        feats.append(s / c[:, None])
        cols += [f"{n}_mean{w}" for n in names]
    wmax = max(windows) if windows else 30
    # least-squares slope over the last wmax rows (per row-step)
    k = np.arange(len(z), dtype=np.float64) - starts
    sx, c = _rolling_sum(k[:, None], starts, wmax)
    sxx, _ = _rolling_sum((k * k)[:, None], starts, wmax)
    sy, _ = _rolling_sum(z, starts, wmax)
    sxy, _ = _rolling_sum(z * k[:, None], starts, wmax)
    den = c[:, None] * sxx - sx ** 2
    slope = np.where(den > 0, (c[:, None] * sxy - sx * sy) / np.where(den > 0, den, 1.0), 0.0)
    feats.append(slope)
    cols += [f"{n}_slope{wmax}" for n in names]
    feats.append(_ewm(z, starts, 0.05))
    cols += [f"{n}_ewm20" for n in names]
    # drift: recent mean minus the mean of the run's first `baseline` rows seen so far
    cs = np.vstack([np.zeros((1, z.shape[1])), np.cumsum(z, axis=0)])
    i = np.arange(len(z))
    hi = np.minimum(i, starts + baseline - 1)
    base = (cs[hi + 1] - cs[starts]) / (hi - starts + 1)[:, None]
    recent, cr = _rolling_sum(z, starts, wmax)
    feats.append(recent / cr[:, None] - base)
    cols += [f"{n}_drift" for n in names]
    # fleet-level summary: mean of the smoothed signals, and time since the run's start
    feats.append((t - t[starts])[:, None])
    cols.append("age")
    feats.append(k[:, None] + 1)
    cols.append("n_rows")
    return np.hstack(feats), cols
