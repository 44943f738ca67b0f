"""Compiled inner loops of the process monitor (numba).

The monitor's sequential parts (dead-sensor scan and standardisation, exponentially weighted means, moving
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


@njit(cache=True, nogil=True, inline="always")
def _window_row(z, dead_row, alpha, window, ewma, ring, sums, count, inv_esd, logsd_mu, logsd_sd, var_levels, varies,
                mean_z_out, var_win_out, exact):  # pragma: no cover - compiled
    # The log-sd z-score of variable j exceeds the level L only when its variance exceeds
    # var_levels[L, j] = exp(2 (L * logsd_sd_j + logsd_mu_j)). Once the largest |mean z| of the row
    # is known, variables below that level cannot win the max and their logarithm is skipped
    # (unless ``exact``, when every part is wanted).
    p = z.shape[0]
    c = count[0]
    slot = c % window
    s0 = sums[0]
    s1 = sums[1]
    rr = ring[slot]
    beta = 1.0 - alpha
    if c >= window:
        for j in range(p):
            old = rr[j]
            s0[j] -= old
            s1[j] -= old * old
    best = 0.0
    if exact:
        for j in range(p):
            zj = z[j]
            e = beta * ewma[j] + alpha * zj
            ewma[j] = e
            rr[j] = zj
            s0[j] += zj
            s1[j] += zj * zj
            mz = 0.0 if dead_row[j] else e * inv_esd[j]
            mean_z_out[j] = mz
            var_win_out[j] = abs(mz)
            best = max(best, abs(mz))
    else:
        for j in range(p):
            zj = z[j]
            e = beta * ewma[j] + alpha * zj
            ewma[j] = e
            rr[j] = zj
            s0[j] += zj
            s1[j] += zj * zj
            if not dead_row[j]:
                best = max(best, abs(e * inv_esd[j]))
    c += 1
    count[0] = c
    if c % 1024 == 0:
        m = min(c, window)
        for j in range(p):
            a = 0.0
            b = 0.0
            for r in range(m):
                a += ring[r, j]
                b += ring[r, j] * ring[r, j]
            s0[j] = a
            s1[j] = b
    if c < window:
        return best
    level = 0 if exact else min(int(best), var_levels.shape[0] - 1)
    lv = var_levels[level]
    inv_w = 1.0 / window
    inv_w1 = 1.0 / (window - 1)
    for j in range(p):
        var = (s1[j] - s0[j] * s0[j] * inv_w) * inv_w1
        if var > lv[j] and not dead_row[j] and varies[j]:
            sz = (0.5 * np.log(var) - logsd_mu[j]) / logsd_sd[j]
            if exact:
                if sz > var_win_out[j]:
                    var_win_out[j] = sz
            if sz > best:
                best = sz
    return best


@njit(cache=True, nogil=True)
def projection_stats(L, T, inv_eig, t2, spe):  # pragma: no cover - compiled
    """Hotelling T² and SPE (= |l|² - |t|², never below 0) of rows ``L`` with PCA scores ``T``."""
    n, q = L.shape
    k = T.shape[1]
    for i in range(n):
        a = 0.0
        b = 0.0
        for m in range(k):
            v = T[i, m] * T[i, m]
            a += v * inv_eig[m]
            b += v
        zz = 0.0
        for j in range(q):
            zz += L[i, j] * L[i, j]
        t2[i] = a
        spe[i] = max(zz - b, 0.0)


@njit(cache=True, nogil=True)
def window_scan(Z, dead, alpha, window, ewma, ring, sums, count, inv_esd, logsd_mu, logsd_sd, var_levels, varies,
                keep_parts):  # pragma: no cover - compiled
    """The window statistic per row (and, with ``keep_parts``, the per-variable parts)."""
    n, p = Z.shape
    win = np.empty(n)
    mean_z = np.zeros((n if keep_parts else 1, p))
    var_win = np.zeros((n if keep_parts else 1, p))
    for i in range(n):
        r = i if keep_parts else 0
        win[i] = _window_row(Z[i], dead[i], alpha, window, ewma, ring, sums, count, inv_esd, logsd_mu, logsd_sd,
                             var_levels, varies, mean_z[r], var_win[r], keep_parts)
    return win, mean_z, var_win


@njit(cache=True, nogil=True, inline="always")
def stream_step(v, mu, inv_sd, varies, flat_after, last, same, dead_row, zrow):  # pragma: no cover - compiled
    """Dead-sensor update and standardisation (``inv_sd`` = 1 / sd) of one sample; returns the dead count.

    An infinite value leaves the state untouched and returns ``-(j + 1)`` for variable ``j``.
    """
    p = v.shape[0]
    for j in range(p):
        if v[j] - v[j] != 0.0 and v[j] == v[j]:  # inf - inf is NaN; a NaN itself is a dead sensor
            return -(j + 1)
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
        zrow[j] = (x - mu[j]) * inv_sd[j] if varies[j] else 0.0
    return nd


@njit(cache=True, nogil=True)
def prepare_scan(X, mu, inv_sd, varies, flat_after, last, same, dead, Z, n_dead):  # pragma: no cover - compiled
    """:func:`stream_step` over the rows of ``X``: dead-sensor flags, standardised rows, dead count per row."""
    for i in range(X.shape[0]):
        n_dead[i] = stream_step(X[i], mu, inv_sd, varies, flat_after, last, same, dead[i], Z[i])


@njit(cache=True, nogil=True, inline="always")
def stream_stats(zrow, dead_row, lagbuf, n_seen, lags, loadings, eigvals, alpha, window, ewma, ring, sums, count,
                 inv_esd, logsd_mu, logsd_sd, var_levels, varies, mean_z, var_win, out):  # pragma: no cover - compiled
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
    scores = np.zeros(k)
    for r in range(lags + 1):  # scores[a] sums over (r, j) in order; the inner loop runs along a row
        for j in range(p):
            zj = lagbuf[r, j]
            row = loadings[r * p + j]
            for a in range(k):
                scores[a] += zj * row[a]
    t2 = 0.0
    tt = 0.0
    for a in range(k):
        t = scores[a]
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
    out[2] = _window_row(zrow, dead_row, alpha, window, ewma, ring, sums, count, inv_esd, logsd_mu, logsd_sd,
                         var_levels, varies, mean_z, var_win, False)


def var_levels(logsd_mu: np.ndarray, logsd_sd: np.ndarray, levels: int = 8) -> np.ndarray:
    """``exp(2 (L * logsd_sd + logsd_mu))`` for L = 0 .. levels-1: the variance above which the log-sd
    z-score of each variable exceeds L."""
    L = np.arange(levels, dtype=float)[:, None]
    return np.exp(2.0 * (L * logsd_sd[None, :] + logsd_mu[None, :]))


@njit(cache=True, nogil=True)
def stream_one(v, mu, inv_sd, flat_after, last, same, dead_row, zrow, lagbuf, n_seen, lags, loadings, eigvals, alpha,
               window, ewma, ring, sums, count, inv_esd, logsd_mu, logsd_sd, var_levels, varies, mean_z, var_win,
               out):  # pragma: no cover - compiled
    """:func:`stream_step`, then (when no sensor is dead) :func:`stream_stats`, in one call.

    Returns the number of dead sensors (their statistics wait for the imputation), or the
    negative code of :func:`stream_step` for an infinite value.
    """
    nd = stream_step(v, mu, inv_sd, varies, flat_after, last, same, dead_row, zrow)
    if nd == 0:
        stream_stats(zrow, dead_row, lagbuf, n_seen, lags, loadings, eigvals, alpha, window, ewma, ring, sums, count,
                     inv_esd, logsd_mu, logsd_sd, var_levels, varies, mean_z, var_win, out)
    return nd
