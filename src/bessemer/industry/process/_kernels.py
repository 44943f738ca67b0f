"""Compiled inner loops of the process monitor (numba).

The monitor's sequential parts (dead-sensor scan, exponentially weighted means, moving
variances, one live sample) run here, compiled once per machine (``cache=True``). The
batch path uses them for the per-sample recursions and BLAS for the projections; the
streaming path runs :func:`stream_step` for one sample. Both share the same recursions,
so a history scored at once and the same history fed one sample at a time agree.
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: exact recomputation of the moving sums every this many samples (bounds rounding drift)
RESUM_EVERY = 1024


@njit(cache=True, nogil=True)
def dead_scan(X, varies, flat_after, last, same, dead):  # pragma: no cover - compiled
    """Mark NaN and frozen entries of ``X`` (rows in time order), continuing from ``last``/``same``."""
    n, p = X.shape
    for i in range(n):
        for j in range(p):
            x = X[i, j]
            if x != x:
                same[j] = 0
                dead[i, j] = True
            else:
                if x == last[j]:
                    same[j] += 1
                else:
                    same[j] = 0
                dead[i, j] = varies[j] and same[j] >= flat_after - 1
            last[j] = x


@njit(cache=True, nogil=True, inline="always")
def _window_row(z, dead_row, alpha, window, ewma, ring, sums, count, ewma_sd, logsd_mu, logsd_sd, var_levels, varies,
                mean_z_out, var_win_out, exact):  # pragma: no cover - compiled
    # The log-sd z-score of variable j exceeds the level L only when its variance exceeds
    # var_levels[L, j] = exp(2 (L * logsd_sd_j + logsd_mu_j)). Once the largest |mean z| of the row
    # is known, variables below that level cannot win the max and their logarithm is skipped
    # (unless ``exact``, when every part is wanted).
    p = z.shape[0]
    c = count[0]
    slot = c % window
    full = c >= window
    best = 0.0
    for j in range(p):
        zj = z[j]
        ewma[j] = (1.0 - alpha) * ewma[j] + alpha * zj
        if full:
            old = ring[slot, j]
            sums[0, j] -= old
            sums[1, j] -= old * old
        ring[slot, j] = zj
        sums[0, j] += zj
        sums[1, j] += zj * zj
        mz = 0.0 if dead_row[j] else ewma[j] / ewma_sd[j]
        mean_z_out[j] = mz
        w = abs(mz)
        var_win_out[j] = w
        if w > best:
            best = w
    c += 1
    count[0] = c
    if c % 1024 == 0:  # RESUM_EVERY: exact sums again, so rounding cannot drift
        m = min(c, window)
        for j in range(p):
            a = 0.0
            b = 0.0
            for r in range(m):
                a += ring[r, j]
                b += ring[r, j] * ring[r, j]
            sums[0, j] = a
            sums[1, j] = b
    if c < window:
        return best
    level = 0 if exact else min(int(best), var_levels.shape[0] - 1)
    inv_w = 1.0 / window
    inv_w1 = 1.0 / (window - 1)
    for j in range(p):
        if dead_row[j] or not varies[j]:
            continue
        var = (sums[1, j] - sums[0, j] * sums[0, j] * inv_w) * inv_w1
        if var > var_levels[level, j]:
            sz = (0.5 * np.log(var) - logsd_mu[j]) / logsd_sd[j]
            if sz > var_win_out[j]:
                var_win_out[j] = sz
                if sz > best:
                    best = sz
    return best


@njit(cache=True, nogil=True)
def window_scan(Z, dead, alpha, window, ewma, ring, sums, count, ewma_sd, logsd_mu, logsd_sd, var_levels, varies,
                keep_parts):  # pragma: no cover - compiled
    """The window statistic per row (and, with ``keep_parts``, the per-variable parts)."""
    n, p = Z.shape
    win = np.empty(n)
    mean_z = np.zeros((n if keep_parts else 1, p))
    var_win = np.zeros((n if keep_parts else 1, p))
    for i in range(n):
        r = i if keep_parts else 0
        win[i] = _window_row(Z[i], dead[i], alpha, window, ewma, ring, sums, count, ewma_sd, logsd_mu, logsd_sd,
                             var_levels, varies, mean_z[r], var_win[r], keep_parts)
    return win, mean_z, var_win


@njit(cache=True, nogil=True)
def stream_step(v, mu, sd, varies, flat_after, last, same, dead_row, zrow):  # pragma: no cover - compiled
    """Dead-sensor update and standardisation of one sample; returns the number of dead sensors."""
    p = v.shape[0]
    nd = 0
    for j in range(p):
        x = v[j]
        if x != x:
            same[j] = 0
            dead_row[j] = True
        else:
            if x == last[j]:
                same[j] += 1
            else:
                same[j] = 0
            dead_row[j] = varies[j] and same[j] >= flat_after - 1
        last[j] = x
        if dead_row[j]:
            nd += 1
        zrow[j] = (x - mu[j]) / sd[j] if varies[j] else 0.0
    return nd


@njit(cache=True, nogil=True)
def stream_stats(zrow, dead_row, lagbuf, n_seen, lags, loadings, eigvals, alpha, window, ewma, ring, sums, count,
                 ewma_sd, logsd_mu, logsd_sd, var_levels, varies, mean_z, var_win, out):  # pragma: no cover - compiled
    """T², SPE and the window statistic of one standardised sample; fills ``out[0:3]``."""
    p = zrow.shape[0]
    # lag buffer: row 0 newest; before the start, rows repeat the first sample
    if n_seen == 0:
        for r in range(lags + 1):
            for j in range(p):
                lagbuf[r, j] = zrow[j]
    else:
        for r in range(lags, 0, -1):
            for j in range(p):
                lagbuf[r, j] = lagbuf[r - 1, j]
        for j in range(p):
            lagbuf[0, j] = zrow[j]
    k = eigvals.shape[0]
    t2 = 0.0
    tt = 0.0
    for a in range(k):
        t = 0.0
        for r in range(lags + 1):
            for j in range(p):
                t += lagbuf[r, j] * loadings[r * p + j, a]
        t2 += t * t / eigvals[a]
        tt += t * t
    zz = 0.0
    for r in range(lags + 1):
        for j in range(p):
            zz += lagbuf[r, j] * lagbuf[r, j]
    spe = zz - tt
    if spe < 0.0:
        spe = 0.0
    out[0] = t2
    out[1] = spe
    out[2] = _window_row(zrow, dead_row, alpha, window, ewma, ring, sums, count, ewma_sd, logsd_mu, logsd_sd,
                         var_levels, varies, mean_z, var_win, False)


def var_levels(logsd_mu: np.ndarray, logsd_sd: np.ndarray, levels: int = 8) -> np.ndarray:
    """``exp(2 (L * logsd_sd + logsd_mu))`` for L = 0 .. levels-1: the variance above which the log-sd
    z-score of each variable exceeds L."""
    L = np.arange(levels, dtype=float)[:, None]
    return np.exp(2.0 * (L * logsd_sd[None, :] + logsd_mu[None, :]))
