"""Multivariate statistical process monitoring: one fitted monitor, batch or one sample at a time.

A :class:`ProcessMonitor` is trained on normal operation only. It standardises every
variable and runs three detectors side by side:

``t2``
    Hotelling's T² in the principal subspace of a PCA. With ``lags > 0`` the PCA is
    fitted on the current sample stacked with its ``lags`` predecessors (dynamic PCA),
    so auto- and cross-correlation in time is part of the normal model.
``spe``
    The squared prediction error (Q) of the same PCA: what the principal subspace cannot
    explain, such as a broken correlation.
``window``
    A per-variable moving-window detector for the faults PCA misses: the exponentially
    weighted mean of each standardised variable (a slow drift or a shift that control
    loops hide in all but one variable) and the log standard deviation over the last
    ``window`` samples (a variable that starts to oscillate or becomes noisier). The
    statistic is the largest of these z-scores over the variables.

Control limits are calibrated on normal data the detectors did not fit: the normal
history is cut into ``cv_folds`` contiguous blocks, each block is scored by detectors
fitted on the others, and the limits are the quantiles at which the alarm rule (all of
the last ``persistence`` samples beyond a limit) fires on ``false_alarm_rate`` of those
held-out samples. The textbook limits (F distribution for T², Jackson–Mudholkar for Q)
are kept in ``limits_theory_`` for reference.

Sensor faults are kept apart from process faults: a variable that is missing (NaN) or
frozen (the same value for ``flat_after`` samples although it varied in training) is
reported as a sensor fault, and for the process statistics it is replaced by its
estimate from the other variables, so a dead sensor does not raise a process alarm.

The same fitted monitor scores a whole history with :meth:`ProcessMonitor.score` and a
live stream with :meth:`ProcessMonitor.score_one`; both give the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import signal as sps
from scipy import stats

from bessemer.core import BaseModel, DataError, Frame, NotFittedError, SchemaError, Tags, register_model

from . import _kernels as K

STATISTICS = ("t2", "spe", "window")
_TINY = 1e-12


# --------------------------------------------------------------------------- helpers
def as_matrix(data: Any, variables: list[str] | None = None, *, what: str = "data",
              source: str | None = None, allow_nan: bool = True) -> tuple[np.ndarray, list[str]]:
    """A float matrix (rows = samples) and its variable names from a DataFrame, Frame or array.

    Text, infinities and (unless ``allow_nan``) NaN are refused with the row and column named.

    Examples
    --------
    >>> X, names = as_matrix(pd.DataFrame({"a": [1.0, 2.0], "b": [3, 4]}))
    >>> X.shape, names
    ((2, 2), ['a', 'b'])
    >>> as_matrix(pd.DataFrame({"a": [1.0, "x"]}))
    Traceback (most recent call last):
    bessemer.core._exceptions.DataError: row 2, column 'a': data: variable 'a' holds text ('x'), not a number
    """
    if isinstance(data, np.ndarray) and data.dtype.kind in "fiu" and data.ndim == 2 and (
            variables is None or data.shape[1] == len(variables)):
        fast = np.asarray(data, dtype=float)  # the fast path for numeric arrays: only the value checks
        names = list(variables) if variables is not None else [f"x{i + 1}" for i in range(fast.shape[1])]
        return _checked(fast, names, what, source, allow_nan), names
    if isinstance(data, pd.DataFrame) and variables is not None and all(v in data.columns for v in variables) \
            and all(data[v].dtype.kind in "fiu" for v in variables):
        return _checked(data[variables].to_numpy(dtype=float, na_value=np.nan), list(variables), what, source,
                        allow_nan), list(variables)
    if isinstance(data, Frame):
        source = source or data.source
        df = data.to_pandas()[data.signals]
    elif isinstance(data, pd.DataFrame):
        df = data
    else:
        arr = np.asarray(data)
        if arr.ndim == 1:
            arr = arr[None, :]
        if arr.ndim != 2:
            raise DataError(f"{what}: expected a 2-D table of samples x variables, got shape {arr.shape}",
                            file=source)
        names = variables or [f"x{i + 1}" for i in range(arr.shape[1])]
        df = pd.DataFrame(arr, columns=names[: arr.shape[1]] if len(names) >= arr.shape[1] else None)
    if variables is not None:
        missing = [v for v in variables if v not in df.columns]
        if missing:
            raise SchemaError(f"{what} lacks the variable(s) {missing} that the monitor was fitted on "
                              f"(it has {len(df.columns)} columns)", file=source)
        df = df[variables]
    names = [str(c) for c in df.columns]
    out = np.empty(df.shape, dtype=float)
    for j, col in enumerate(df.columns):
        s = df[col]
        num = pd.to_numeric(s, errors="coerce")
        bad = num.isna() & s.notna()
        if bad.any():
            r = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(f"{what}: variable {names[j]!r} holds text ({s.iloc[r]!r}), not a number",
                            file=source, row=r + 1, column=names[j])
        out[:, j] = num.to_numpy(dtype=float, na_value=np.nan)
    return _checked(out, names, what, source, allow_nan), names


def _checked(out: np.ndarray, names: list[str], what: str, source: str | None, allow_nan: bool) -> np.ndarray:
    if not np.isfinite(out.sum()):  # one pass in the common, clean case
        inf = np.isinf(out)
        if inf.any():
            r, c = np.argwhere(inf)[0]
            raise DataError(f"{what}: variable {names[c]!r} is infinite", file=source, row=int(r) + 1,
                            column=names[c])
        if not allow_nan and np.isnan(out).any():
            r, c = np.argwhere(np.isnan(out))[0]
            raise DataError(f"{what}: variable {names[c]!r} is missing (NaN); the normal-operation data a monitor "
                            "learns from must be complete", file=source, row=int(r) + 1, column=names[c])
    return out


def run_lengths(flags: np.ndarray) -> np.ndarray:
    """Length of the run of True ending at each position (along axis 0).

    Examples
    --------
    >>> run_lengths(np.array([1, 1, 0, 1, 1, 1], bool)).tolist()
    [1, 2, 0, 1, 2, 3]
    """
    f = np.asarray(flags, bool)
    n = len(f)
    idx = np.arange(n).reshape((n,) + (1,) * (f.ndim - 1))
    last_false = np.where(~f, idx, -1)
    np.maximum.accumulate(last_false, axis=0, out=last_false)
    return np.where(f, idx - last_false, 0)


def _lagged(Z: np.ndarray, lags: int) -> np.ndarray:
    """``[z_t, z_{t-1}, ..., z_{t-lags}]`` per row; rows before the start repeat the first row."""
    if lags == 0:
        return Z
    n, p = Z.shape
    out = np.empty((n, p * (lags + 1)))
    for i in range(lags + 1):
        block = out[:, i * p:(i + 1) * p]
        if i:
            block[:i] = Z[0]
            block[i:] = Z[:n - i]
        else:
            block[:] = Z
    return out


def _ewma(Z: np.ndarray, alpha: float) -> np.ndarray:
    """Causal exponential smoothing from a zero (in-control) start."""
    return sps.lfilter([alpha], [1.0, alpha - 1.0], Z, axis=0)


def _rolling_logsd(Z: np.ndarray, window: int) -> np.ndarray:
    """log of the sample standard deviation over the last ``window`` rows; NaN while warming up."""
    n, p = Z.shape
    out = np.full((n, p), np.nan)
    if n < window:
        return out
    c1 = np.vstack([np.zeros((1, p)), np.cumsum(Z, axis=0)])
    c2 = np.vstack([np.zeros((1, p)), np.cumsum(Z * Z, axis=0)])
    s1 = c1[window:] - c1[:-window]
    s2 = c2[window:] - c2[:-window]
    var = np.maximum((s2 - s1 * s1 / window) / (window - 1), 0.0)
    with np.errstate(divide="ignore"):
        out[window - 1:] = 0.5 * np.log(var)
    return out


@dataclass
class _Core:
    """The fitted detectors (standardisation, PCA, window model) without limits."""

    mu: np.ndarray
    sd: np.ndarray
    loadings: np.ndarray      # (p*(lags+1), k)
    eigvals: np.ndarray       # (k,)
    all_eigvals: np.ndarray   # residual eigenvalues, for the theoretical Q limit
    imputer: np.ndarray       # (p, k0) loadings of a lag-0 PCA, to estimate a dead sensor
    ewma_sd: np.ndarray       # sd of each variable's EWMA under normal operation
    logsd_mu: np.ndarray
    logsd_sd: np.ndarray
    varies: np.ndarray        # bool: the variable moved in training (a flat run means a dead sensor)


def _fit_core(X: np.ndarray, *, variance: float, lags: int, alpha: float, window: int) -> _Core:
    mu = X.mean(axis=0)
    sd = X.std(axis=0, ddof=1)
    varies = sd > _TINY * np.maximum(1.0, np.abs(mu))
    sd = np.where(varies, sd, 1.0)
    Z = (X - mu) / sd
    Z[:, ~varies] = 0.0
    L = _lagged(Z, lags)
    _, s, vt = np.linalg.svd(L - L.mean(axis=0), full_matrices=False)
    ev = s**2 / max(len(L) - 1, 1)
    share = np.cumsum(ev) / max(ev.sum(), _TINY)
    k = int(min(np.searchsorted(share, variance) + 1, len(ev) - 1 if len(ev) > 1 else 1))
    _, s0, vt0 = np.linalg.svd(Z, full_matrices=False)
    ev0 = s0**2 / max(len(Z) - 1, 1)
    k0 = int(min(np.searchsorted(np.cumsum(ev0) / max(ev0.sum(), _TINY), variance) + 1, len(ev0)))
    E = _ewma(Z, alpha)
    skip = min(len(Z) // 4, int(3 / alpha))  # leave out the EWMA's start-up from its spread
    ewma_sd = np.maximum(E[skip:].std(axis=0), 1e-6)
    R = _rolling_logsd(Z, window)[window - 1:]
    ok = np.isfinite(R)
    cnt = np.maximum(ok.sum(axis=0), 1)
    Rz = np.where(ok, R, 0.0)
    logsd_mu = Rz.sum(axis=0) / cnt
    logsd_var = np.where(ok, (R - logsd_mu) ** 2, 0.0).sum(axis=0) / cnt
    logsd_sd = np.where(ok.sum(axis=0) > 1, np.maximum(np.sqrt(logsd_var), 1e-3), 1.0)
    return _Core(mu=mu, sd=sd, loadings=vt[:k].T.copy(), eigvals=np.maximum(ev[:k], _TINY), all_eigvals=ev,
                 imputer=vt0[:k0].T.copy(), ewma_sd=ewma_sd, logsd_mu=logsd_mu, logsd_sd=logsd_sd, varies=varies)


_ROW0 = np.zeros(1, dtype=np.intp)
#: the states of a scored sample (``score``'s ``state`` column is a categorical of these)
STATES = ("normal", "sensor_fault", "alarm")


def _impute(Z: np.ndarray, dead: np.ndarray, imputer: np.ndarray, rows: np.ndarray | None = None,
            cache: dict[bytes, tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None) -> np.ndarray:
    """Replace dead entries of standardised rows by their PCA estimate from the live ones (in place).

    The estimate is the least-squares fit of the live entries by the imputer's loadings; the map
    from live to dead entries depends only on which sensors are dead, so it is kept in ``cache``.
    ``rows`` are the rows with a dead entry, when the caller already knows them.
    """
    if rows is None:
        rows = np.flatnonzero(dead.any(axis=1))
    if not len(rows):
        return Z
    cache = {} if cache is None else cache
    groups: dict[bytes, np.ndarray] = {}
    packed = np.packbits(dead[rows], axis=1)
    if packed.shape[1] <= 8:  # up to 64 variables: one integer per pattern, grouped by numpy
        wide = np.zeros((len(rows), 8), dtype=np.uint8)
        wide[:, :packed.shape[1]] = packed
        keys, inverse = np.unique(wide.view(np.uint64).ravel(), return_inverse=True)
        order = np.argsort(inverse, kind="stable")
        bounds = np.searchsorted(inverse[order], np.arange(len(keys) + 1))
        for u in range(len(keys)):
            members = rows[order[bounds[u]:bounds[u + 1]]]
            groups[packed[order[bounds[u]]].tobytes()] = members
    else:
        lists: dict[bytes, list[int]] = {}
        for r, key in zip(rows.tolist(), packed, strict=True):
            lists.setdefault(key.tobytes(), []).append(r)
        groups = {k: np.asarray(v) for k, v in lists.items()}
    for key, members in groups.items():
        if key not in cache:
            mask = dead[members[0]]
            live = np.flatnonzero(~mask)
            P = imputer[live]
            M = imputer[mask] @ np.linalg.pinv(P) if len(live) else np.zeros((int(mask.sum()), 0))
            cache[key] = (live, np.flatnonzero(mask), M)
        live, gone, M = cache[key]
        Z[np.ix_(members, gone)] = np.nan_to_num(Z[np.ix_(members, live)]) @ M.T
    return Z


def _statistics(core: _Core, Z: np.ndarray, lags: int, alpha: float, window: int,
                dead: np.ndarray | None = None, keep_parts: bool = True) -> dict[str, np.ndarray]:
    """t2, spe and window statistics (with ``keep_parts``, the per-variable parts) of standardised rows.

    A stream from an in-control start: the moving window and the exponentially weighted means
    start empty, and lags before the first row repeat it. A dead sensor's own window statistics
    say nothing about the process and are left out.
    """
    n, p = Z.shape
    Z = np.ascontiguousarray(Z)
    L = _lagged(Z, lags)
    T = L @ core.loadings
    T2 = T * T
    t2 = T2 @ (1.0 / core.eigvals)
    spe = np.maximum(np.einsum("ij,ij->i", L, L) - T2.sum(axis=1), 0.0)
    dead = np.zeros((n, p), dtype=bool) if dead is None else dead
    win, mean_z, var_win = K.window_scan(Z, dead, float(alpha), int(window), np.zeros(p), np.zeros((window, p)),
                                         np.zeros((2, p)), np.zeros(1, dtype=np.int64), 1.0 / core.ewma_sd,
                                         core.logsd_mu, core.logsd_sd, K.var_levels(core.logsd_mu, core.logsd_sd),
                                         core.varies, keep_parts)
    out = {"t2": t2, "spe": spe, "window": win}
    if keep_parts:
        out.update(_T=T, _R=L - T @ core.loadings.T, _mean_z=mean_z, _var_win=var_win)
    return out


# --------------------------------------------------------------------------- model
@register_model
class ProcessMonitor(BaseModel):
    """PCA (optionally dynamic) T² and SPE plus a moving-window detector, with calibrated alarms.

    Parameters
    ----------
    variance : float
        Share of the standardised variance the principal subspace keeps.
    lags : int
        Past samples stacked with each sample (0: static PCA; 1–3: dynamic PCA).
    ewma_alpha : float
        Smoothing weight of the window detector's exponentially weighted mean.
    window : int
        Samples in the window detector's moving standard deviation.
    false_alarm_rate : float
        Target share of normal samples that end up in an alarm (after the persistence rule).
    persistence : int
        An alarm needs this many consecutive samples beyond a limit.
    cv_folds : int
        Contiguous blocks of the normal history used to calibrate the limits out of sample.
    flat_after : int
        A variable that keeps exactly the same value this many samples is a frozen sensor.
    adapt_rate : float
        Forgetting factor of :meth:`learn_one` (0 keeps the trained centre and scale).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> latent = rng.normal(size=(600, 2))
    >>> normal = latent @ rng.normal(size=(2, 6)) + 0.3 * rng.normal(size=(600, 6))
    >>> mon = ProcessMonitor(persistence=2).fit_normal(normal)
    >>> faulty = normal[:100].copy()
    >>> faulty[50:, 3] += 4.0                     # a step in one variable from sample 50
    >>> s = mon.score(faulty)
    >>> bool(s.alarm[:50].mean() < 0.1), bool(s.alarm[55:].mean() > 0.9)
    (True, True)
    >>> mon.contributions(faulty[60])[0]["variable"]
    'x4'
    """

    name = "process_monitor"
    version = "1"

    def __init__(self, *, variance: float = 0.9, lags: int = 0, ewma_alpha: float = 0.1, window: int = 20,
                 false_alarm_rate: float = 0.01, persistence: int = 3, cv_folds: int = 5, flat_after: int = 30,
                 adapt_rate: float = 0.0) -> None:
        self.variance = variance
        self.lags = lags
        self.ewma_alpha = ewma_alpha
        self.window = window
        self.false_alarm_rate = false_alarm_rate
        self.persistence = persistence
        self.cv_folds = cv_folds
        self.flat_after = flat_after
        self.adapt_rate = adapt_rate

    @classmethod
    def tags(cls) -> Tags:
        return Tags(task="anomaly", outputs=("alarm", "t2", "spe", "window", "sensor_fault"), streaming=True,
                    explanations=True, handles_nan=True, time_kinds=("cycle", "timestamp"))

    @classmethod
    def test_params(cls) -> dict[str, Any]:
        return {"cv_folds": 3, "window": 8}

    # ------------------------------------------------------------------ checks
    def _check_params(self, n: int) -> None:
        if not 0 < self.variance <= 1:
            raise ValueError(f"variance must be in (0, 1], got {self.variance}")
        if not 0 < self.false_alarm_rate < 0.5:
            raise ValueError(f"false_alarm_rate must be in (0, 0.5), got {self.false_alarm_rate}")
        if self.lags < 0 or self.persistence < 1 or self.window < 3 or self.cv_folds < 2:
            raise ValueError("need lags >= 0, persistence >= 1, window >= 3 and cv_folds >= 2")
        if self.flat_after < 2:
            raise ValueError(f"flat_after must be at least 2 samples, got {self.flat_after}")
        if not 0 <= self.adapt_rate < 1:
            raise ValueError(f"adapt_rate must be in [0, 1), got {self.adapt_rate}")
        if not 0 < self.ewma_alpha <= 1:
            raise ValueError(f"ewma_alpha must be in (0, 1], got {self.ewma_alpha}")
        need = max(self.cv_folds * (2 * self.window + self.lags + 2), 30)
        if n < need:
            raise DataError(f"{n} normal samples are too few to fit and calibrate a monitor with window="
                            f"{self.window} and cv_folds={self.cv_folds}; give at least {need}")

    # ------------------------------------------------------------------ fitting
    def fit_normal(self, data: Any, *, source: str | None = None) -> ProcessMonitor:
        """Fit on a normal-operation history (DataFrame, Frame or array; rows in time order).

        A list of such tables is taken as separate runs (windows do not cross between them).
        """
        runs = data if isinstance(data, list) else [data]
        mats, names = [], None
        for run in runs:
            X, nm = as_matrix(run, names, what="normal data", source=source, allow_nan=False)
            names = names or nm
            mats.append(X)
        parts = []
        for i, X in enumerate(mats):
            df = pd.DataFrame(X, columns=names)
            df.insert(0, "time", np.arange(len(X)))
            df.insert(0, "asset", f"run{i:04d}")
            parts.append(df)
        return self.fit(Frame(pd.concat(parts, ignore_index=True), source=source))

    def _fit(self, frame: Frame, y: np.ndarray | None) -> None:
        runs = [frame.for_assets([a]).values() for a in frame.assets]
        runs = [np.where(np.isnan(r), np.nanmean(r, axis=0), r) for r in runs]  # fill holes in training data
        runs = [np.nan_to_num(r) for r in runs]
        self._fit_arrays(runs, list(frame.signals))

    def fit(self, frame: Frame, y: np.ndarray | None = None) -> ProcessMonitor:
        """Fit on a normal-operation frame (each asset is a separate run); ``y`` is ignored."""
        super().fit(frame, None)
        self.card_.metrics.update(self.calibration_)
        return self

    def _fit_arrays(self, runs: list[np.ndarray], names: list[str]) -> None:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1):  # small SVDs: threads only add overhead, and thrash on a busy machine
            self._fit_arrays_1(runs, names)

    def _fit_arrays_1(self, runs: list[np.ndarray], names: list[str]) -> None:
        X = np.vstack(runs)
        self._check_params(len(X))
        self.variables_ = list(names)
        kw = {"variance": self.variance, "lags": self.lags, "alpha": self.ewma_alpha, "window": self.window}
        # out-of-sample statistics: each contiguous block scored by detectors fitted on the rest
        blocks = _blocks(runs, self.cv_folds)
        oof: list[np.ndarray] = []
        for i, block in enumerate(blocks):
            rest = [b for j, b in enumerate(blocks) if j != i]
            core = _fit_core(np.vstack(rest), **kw)
            st = _statistics(core, (block - core.mu) / core.sd * core.varies, self.lags, self.ewma_alpha,
                             self.window, keep_parts=False)
            warm = min(len(block) // 2, int(2 / self.ewma_alpha))  # the block's EWMA start-up is not normal life
            oof.append(np.column_stack([st[s] for s in STATISTICS])[warm:])
        self.core_ = _fit_core(X, **kw)
        self.limits_, self.calibration_ = _calibrate(oof, self.false_alarm_rate, self.persistence)
        self.limits_theory_ = _theory_limits(self.core_, len(X), self.false_alarm_rate)
        self.reset()

    # ------------------------------------------------------------------ batch
    def score(self, data: Any, *, source: str | None = None) -> pd.DataFrame:
        """Score a history (rows in time order) as one stream from an in-control start.

        Returns one row per sample: ``t2``, ``spe``, ``window``, ``exceed`` (a limit is
        crossed), ``alarm`` (the persistence rule holds), ``sensor_fault`` (count of dead
        sensors) and ``state`` (``normal``, ``alarm`` or ``sensor_fault``).
        """
        self._require_fitted()
        X, _ = as_matrix(data, self.variables_, what="data to score", source=source)
        out = self._score_arrays(X)
        index = data.index if isinstance(data, pd.DataFrame) else None
        return pd.DataFrame({k: out[k] for k in ("t2", "spe", "window", "exceed", "alarm", "sensor_fault", "state")},
                            index=index, copy=False)

    def _score_arrays(self, X: np.ndarray, keep_parts: bool = False) -> dict[str, np.ndarray]:
        c = self.core_
        n, p = X.shape
        X = np.asarray(X, dtype=float)  # any layout: the kernels read it row by row, a copy costs more
        if keep_parts:
            dead = np.zeros((n, p), dtype=bool)
            Z = np.empty((n, p))
            n_dead = np.zeros(n, dtype=np.int64)
            K.prepare_scan(X, c.mu, 1.0 / c.sd, c.varies, int(self.flat_after), np.full(p, np.nan),
                           np.zeros(p, dtype=np.int64), dead, Z, n_dead)
            rows = np.flatnonzero(n_dead)
            if len(rows):
                _impute(Z, dead, c.imputer, rows, self._imputations)
            st = _statistics(c, Z, self.lags, self.ewma_alpha, self.window, dead, True)
            st.update(_dead=dead, _Z=Z)
        else:
            st = self._scan_blocks(X)
            n_dead = st["sensor_fault"]
        lim = self.limits_
        exceed = (st["t2"] > lim["t2"]) | (st["spe"] > lim["spe"]) | (st["window"] > lim["window"])
        alarm = run_lengths(exceed) >= self.persistence
        codes = np.zeros(n, dtype=np.int8)
        codes[n_dead > 0] = 1
        codes[alarm] = 2
        state = pd.Categorical.from_codes(codes, categories=STATES)
        st.update(exceed=exceed, alarm=alarm, sensor_fault=n_dead, state=state)
        return st

    def _scan_blocks(self, X: np.ndarray, block: int = 2048) -> dict[str, np.ndarray]:
        """t2, spe, window and dead-sensor count per row; the projections a block of rows at a time.

        The same recursions as one pass over the whole history (their state runs on from block
        to block), but the projections' working arrays stay in the processor's cache.
        """
        c, lags = self.core_, self.lags
        n, p = X.shape
        dead = np.zeros((n, p), dtype=bool)
        Z = np.empty((n, p))
        n_dead = np.zeros(n, dtype=np.int64)
        K.prepare_scan(X, c.mu, 1.0 / c.sd, c.varies, int(self.flat_after), np.full(p, np.nan),
                       np.zeros(p, dtype=np.int64), dead, Z, n_dead)
        rows = np.flatnonzero(n_dead)
        if len(rows):
            _impute(Z, dead, c.imputer, rows, self._imputations)
        t2, spe, win = np.empty(n), np.empty(n), np.empty(n)
        ewma, ring, sums, count = np.zeros(p), np.zeros((self.window, p)), np.zeros((2, p)), np.zeros(1, np.int64)
        levels = K.var_levels(c.logsd_mu, c.logsd_sd)
        inv_eig, inv_esd = 1.0 / c.eigvals, 1.0 / c.ewma_sd
        for b0 in range(0, n, block):
            b1 = min(b0 + block, n)
            if lags:  # rows before the block give its lags; before the start, the first row repeats
                L = _lagged(Z[max(b0 - lags, 0):b1], lags)[min(b0, lags):]
            else:
                L = Z[b0:b1]
            K.projection_stats(L, L @ c.loadings, inv_eig, t2[b0:b1], spe[b0:b1])
            win[b0:b1] = K.window_scan(Z[b0:b1], dead[b0:b1], float(self.ewma_alpha), int(self.window), ewma, ring,
                                       sums, count, inv_esd, c.logsd_mu, c.logsd_sd, levels, c.varies, False)[0]
        return {"t2": t2, "spe": spe, "window": win, "sensor_fault": n_dead}

    def _predict(self, frame: Frame) -> pd.DataFrame:
        df = frame.to_pandas()
        parts = []
        for asset, idx in df.groupby("asset", sort=False).indices.items():
            st = self._score_arrays(frame.values()[idx])
            parts.append(pd.DataFrame({"asset": asset, "time": df["time"].to_numpy()[idx], "alarm": st["alarm"],
                                       "t2": st["t2"], "spe": st["spe"], "window": st["window"],
                                       "sensor_fault": st["sensor_fault"], "state": st["state"]}))
        return pd.concat(parts, ignore_index=True)

    # ------------------------------------------------------------------ explanations
    def contributions(self, data: Any, *, top: int = 10) -> list[dict[str, Any]]:
        """The variables that contribute most to the last sample of ``data`` (or to one sample).

        Each detector's per-variable part is divided by its control limit (SPE: the variable's
        squared residual; T²: its share of the score; window: its own z-score), and a variable's
        score is its largest ratio. ``contribution`` is its share of the total; ``direction``
        is the sign of its smoothed deviation from normal.
        """
        self._require_fitted()
        X, _ = as_matrix(data, self.variables_, what="data to explain")
        st = self._score_arrays(X, keep_parts=True)
        return self._explain(st, -1, top)

    def _explain(self, st: dict[str, np.ndarray], i: int, top: int) -> list[dict[str, Any]]:
        c, p = self.core_, len(self.variables_)
        R = st["_R"][i].reshape(-1, p)
        spe_part = (R**2).sum(axis=0)
        T = st["_T"][i]
        Lrow = _lagged(st["_Z"], self.lags)[i] if self.lags else st["_Z"][i]
        t2_part = (Lrow[:, None] * c.loadings * (T / c.eigvals)[None, :]).sum(axis=1).reshape(-1, p).sum(axis=0)
        win_part = st["_var_win"][i]
        score = np.maximum.reduce([spe_part / self.limits_["spe"], np.maximum(t2_part, 0) / self.limits_["t2"],
                                   (win_part / self.limits_["window"]) ** 2])
        total = float(score.sum()) or 1.0
        order = np.argsort(-score)[:top]
        mean_z = st["_mean_z"][i]
        zi = st["_Z"][i]
        out = []
        for j in order:
            if score[j] <= 0:
                break
            d = mean_z[j] if abs(mean_z[j]) > 1e-9 else zi[j]
            out.append({"variable": self.variables_[j], "contribution": float(score[j] / total),
                        "direction": "up" if d >= 0 else "down", "z": float(zi[j])})
        return out

    # ------------------------------------------------------------------ streaming
    def reset(self) -> None:
        """Forget the live stream's memory (lags, moving windows, persistence): a fresh start."""
        p = len(self.variables_)
        self._lagbuf = np.zeros((self.lags + 1, p))
        self._n = 0
        self._ewma = np.zeros(p)
        self._ring = np.zeros((self.window, p))
        self._sums = np.zeros((2, p))
        self._count = np.zeros(1, dtype=np.int64)
        self._run = 0
        self._last = np.full(p, np.nan)
        self._same = np.zeros(p, dtype=np.int64)
        self._dead_row = np.zeros(p, dtype=bool)
        self._zrow = np.zeros(p)
        self._mean_z = np.zeros(p)
        self._var_win = np.zeros(p)
        self._out = np.zeros(3)
        c = self.core_
        self._lim = (float(self.limits_["t2"]), float(self.limits_["spe"]), float(self.limits_["window"]))
        self._kargs = (c.loadings, c.eigvals, float(self.ewma_alpha), int(self.window))
        self._inv_sd = 1.0 / c.sd
        self._wargs = (1.0 / c.ewma_sd, c.logsd_mu, c.logsd_sd, K.var_levels(c.logsd_mu, c.logsd_sd), c.varies)

    def score_one(self, x: Any) -> dict[str, Any]:
        """Score one new sample and advance the stream (lags, windows, persistence).

        ``x`` is a mapping from variable name to value, or a sequence in ``variables_`` order.
        A missing or NaN value is a dead sensor for that sample. Returns the statistics,
        ``exceed``, ``alarm``, ``state`` and the names of dead sensors.
        """
        self._require_fitted()
        c = self.core_
        v = self._vector(x)
        loadings, eigvals, alpha, window = self._kargs
        inv_esd, logsd_mu, logsd_sd, var0, varies = self._wargs
        out = self._out
        nd = K.stream_one(v, c.mu, self._inv_sd, self.flat_after, self._last, self._same, self._dead_row, self._zrow,
                          self._lagbuf, self._n, self.lags, loadings, eigvals, alpha, window, self._ewma, self._ring,
                          self._sums, self._count, inv_esd, logsd_mu, logsd_sd, var0, varies, self._mean_z,
                          self._var_win, out)
        if nd < 0:  # an infinite value: refused before the stream moved on
            name = self.variables_[-nd - 1]
            raise DataError(f"variable {name!r} is infinite", column=name)
        if nd:  # dead sensors: estimate them from the live ones, then the statistics
            _impute(self._zrow[None, :], self._dead_row[None, :], c.imputer, _ROW0, self._imputations)
            K.stream_stats(self._zrow, self._dead_row, self._lagbuf, self._n, self.lags, loadings, eigvals, alpha,
                           window, self._ewma, self._ring, self._sums, self._count, inv_esd, logsd_mu, logsd_sd, var0,
                           varies, self._mean_z, self._var_win, out)
        self._n += 1
        t2, spe, win = float(out[0]), float(out[1]), float(out[2])
        lt, ls, lw = self._lim
        exceed = t2 > lt or spe > ls or win > lw
        self._run = self._run + 1 if exceed else 0
        alarm = self._run >= self.persistence
        if nd:
            dead_names = [self.variables_[j] for j in np.flatnonzero(self._dead_row)]
            state = "alarm" if alarm else "sensor_fault"
        else:
            dead_names = []
            state = "alarm" if alarm else "normal"
        return {"t2": t2, "spe": spe, "window": win, "exceed": exceed, "alarm": alarm, "state": state,
                "dead_sensors": dead_names}

    def learn_one(self, x: Any) -> ProcessMonitor:
        """Adapt the normal centre and scale to one sample known to be normal (``adapt_rate`` > 0).

        Slow, legitimate drift (catalyst ageing, seasonal cooling water) then does not turn
        into alarms. With ``adapt_rate=0`` (the default) this does nothing.
        """
        self._require_fitted()
        if self.adapt_rate <= 0:
            return self
        v = self._vector(x)
        ok = ~np.isnan(v) & self.core_.varies
        c, r = self.core_, self.adapt_rate
        d = v - c.mu
        c.mu[ok] += r * d[ok]
        c.sd[ok] = np.sqrt((1 - r) * c.sd[ok] ** 2 + r * d[ok] ** 2)
        self._inv_sd = 1.0 / c.sd
        return self

    def _vector(self, x: Any) -> np.ndarray:
        if isinstance(x, dict):
            unknown = [k for k in x if k not in self._index]
            if unknown:
                raise SchemaError(f"sample has variables the monitor does not know: {unknown[:5]}")
            v = np.full(len(self.variables_), np.nan)
            for k, val in x.items():
                try:
                    v[self._index[k]] = np.nan if val is None else float(val)
                except (TypeError, ValueError):
                    raise DataError(f"variable {k!r} is {str(val)[:40]!r}, not a number", column=str(k)) from None
            if np.isinf(v).any():
                j = int(np.flatnonzero(np.isinf(v))[0])
                raise DataError(f"variable {self.variables_[j]!r} is infinite", column=self.variables_[j])
            return v
        if isinstance(x, np.ndarray) and x.dtype == np.float64 and x.ndim == 1 and x.shape[0] == len(self.variables_):
            return x  # read, never written; the kernel refuses infinities (see score_one)
        v = np.array(x, dtype=float).ravel()
        if v.shape[0] != len(self.variables_):
            raise SchemaError(f"sample has {v.shape[0]} values but the monitor was fitted on "
                              f"{len(self.variables_)} variables")
        if np.isinf(v).any():
            j = int(np.flatnonzero(np.isinf(v))[0])
            raise DataError(f"variable {self.variables_[j]!r} is infinite", column=self.variables_[j])
        return v

    @property
    def _index(self) -> dict[str, int]:
        idx = getattr(self, "_index_cache", None)
        if idx is None or list(idx) != self.variables_:
            idx = {v: i for i, v in enumerate(self.variables_)}
            self._index_cache = idx
        return idx

    @property
    def _imputations(self) -> dict[bytes, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Live-to-dead maps per pattern of dead sensors, for the fitted core (see :func:`_impute`)."""
        held = self.__dict__.get("_imputation_cache")
        if held is None or held[0] is not self.core_:
            held = (self.core_, {})
            self.__dict__["_imputation_cache"] = held
        return held[1]

    def _require_fitted(self) -> None:
        if not hasattr(self, "core_"):
            raise NotFittedError("this ProcessMonitor is not fitted yet; call fit_normal(normal_data) first")


def _blocks(runs: list[np.ndarray], folds: int) -> list[np.ndarray]:
    """Contiguous calibration blocks: split the concatenated runs into ``folds`` parts."""
    if len(runs) >= folds:
        sizes = [len(r) for r in runs]
        groups: list[list[np.ndarray]] = [[] for _ in range(folds)]
        for i in np.argsort(sizes)[::-1]:
            g = int(np.argmin([sum(len(a) for a in grp) for grp in groups]))
            groups[g].append(runs[i])
        return [np.vstack(g) for g in groups]
    X = np.vstack(runs)
    return [X[idx] for idx in np.array_split(np.arange(len(X)), folds)]


def _calibrate(oof: list[np.ndarray], rate: float, persistence: int) -> tuple[dict[str, float], dict[str, float]]:
    """Limits at a common tail probability so the alarm rule fires on ``rate`` of held-out normal samples."""
    allv = np.vstack(oof)
    n = len(allv)
    grid = np.geomspace(0.5, 0.5 / n, 80)

    def alarm_rate(a: float) -> tuple[float, np.ndarray]:
        lim = np.quantile(allv, 1 - a, axis=0)
        hits = sum(int((run_lengths((b > lim).any(axis=1)) >= persistence).sum()) for b in oof)
        return hits / n, lim

    chosen, lim, achieved = grid[-1], None, 1.0
    for a in grid:  # loosest limits first; stop at the first that meets the target
        r, lim_a = alarm_rate(a)
        if r <= rate:
            chosen, lim, achieved = a, lim_a, r
            break
    if lim is None:  # even the largest held-out value alarms too often: go just beyond it
        lim = allv.max(axis=0) * 1.05
        achieved = 0.0
    limits = {s: float(v) for s, v in zip(STATISTICS, lim, strict=True)}
    return limits, {"calibration_tail_prob": float(chosen), "calibration_alarm_rate": float(achieved),
                    "calibration_samples": float(n)}


def _theory_limits(core: _Core, n: int, alpha: float) -> dict[str, float]:
    """Textbook limits: T² from the F distribution, Q from Jackson and Mudholkar (1979)."""
    k = len(core.eigvals)
    t2 = k * (n - 1) * (n + 1) / (n * (n - k)) * stats.f.ppf(1 - alpha, k, max(n - k, 1))
    res = core.all_eigvals[k:]
    th1, th2, th3 = (float(np.sum(res**i)) for i in (1, 2, 3))
    if th1 <= 0 or th2 <= 0:
        return {"t2": float(t2), "spe": float("nan")}
    h0 = 1 - 2 * th1 * th3 / (3 * th2**2)
    ca = stats.norm.ppf(1 - alpha)
    spe = th1 * (ca * np.sqrt(2 * th2 * h0**2) / th1 + 1 + th2 * h0 * (h0 - 1) / th1**2) ** (1 / h0)
    return {"t2": float(t2), "spe": float(spe)}
