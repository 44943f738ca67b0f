"""Feature columns of :class:`~bessemer.industry.energy._forecast.LoadForecaster` (one asset on its 15-minute grid).

Every column of a row at grid position ``pos`` with ``lead`` steps ahead uses actuals only up
to ``pos - lead`` (the interval that ends at the issue time), the calendar (known in advance)
and the past of the other signals up to the same position; the leakage tests in
``tests/industry/energy/test_load_forecast.py`` check it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

_DAY = 96
_WEEK = 7 * _DAY
_CAL = ["slot", "dow", "holiday", "day_off", "load_type", "load_type_1d", "day_off_1d"]


@dataclass
class _Series:
    """One asset on the regular grid: actuals, calendar, and where the frame's rows sit."""

    rows: np.ndarray          # frame row numbers of this asset
    pos: np.ndarray           # grid position of each row
    lead: np.ndarray          # steps ahead L of each row
    y: np.ndarray             # target on the grid (NaN = no actual)
    past: dict[str, np.ndarray]  # other signals on the grid
    cal: dict[str, np.ndarray]   # calendar on the grid


def _mean_range(cs: np.ndarray, cn: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """NaN-aware mean of grid values over ``[a, b]`` (inclusive, clipped at 0) from prefix sums."""
    a = np.maximum(a, 0)
    ok = b >= a
    bb = np.where(ok, b + 1, 0)
    aa = np.where(ok, a, 0)
    s = cs[bb] - cs[aa]
    c = cn[bb] - cn[aa]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ok & (c > 0), s / np.maximum(c, 1), np.nan)


def _take(v: np.ndarray, idx: np.ndarray) -> np.ndarray:
    ok = idx >= 0
    out = np.full(len(idx), np.nan)
    out[ok] = v[idx[ok]]
    return out


def _row_mean(cols: list[np.ndarray]) -> np.ndarray:
    """Mean across columns ignoring NaN (NaN where all are NaN), without warnings."""
    stack = np.vstack(cols)
    fin = np.isfinite(stack)
    cnt = fin.sum(axis=0)
    return np.where(cnt > 0, np.where(fin, stack, 0.0).sum(axis=0) / np.maximum(cnt, 1), np.nan)


def _features(s: _Series, *, recent: bool = False) -> dict[str, np.ndarray]:
    """Feature columns for the rows of one series (only actuals before each row's issue time); ``recent``
    adds :func:`_recent_features` (the short horizons)."""
    p, L, y = s.pos, s.lead, s.y
    last = p - L  # grid position of the latest actual allowed
    fin = np.isfinite(y)
    cs = np.concatenate([[0.0], np.cumsum(np.where(fin, y, 0.0))])
    cn = np.concatenate([[0], np.cumsum(fin)])
    f: dict[str, np.ndarray] = {"lead": L.astype(np.float64)}
    for k in _CAL:
        v = s.cal[k]
        if k.endswith("_1d"):
            f[k] = _take(v.astype(np.float64), p - _DAY)
        else:
            f[k] = v[p].astype(np.float64)
    for j in range(4):
        f[f"last_{j}"] = _take(y, last - j)
    for name, w in (("mean_1h", 4), ("mean_4h", 16), ("mean_1d", _DAY), ("mean_7d", _WEEK)):
        f[name] = _mean_range(cs, cn, last - w + 1, last)
    day_start = p - s.cal["slot"][p]
    f["mean_today"] = _mean_range(cs, cn, day_start, last)
    f["mean_2h"] = _mean_range(cs, cn, last - 7, last)
    last8 = np.vstack([_take(y, last - j) for j in range(8)])
    fin8 = np.isfinite(last8)
    f["max_2h"] = np.where(fin8.any(axis=0), np.where(fin8, last8, -np.inf).max(axis=0), np.nan)
    f["min_2h"] = np.where(fin8.any(axis=0), np.where(fin8, last8, np.inf).min(axis=0), np.nan)
    f["change_1d"] = f["last_0"] - _take(y, last - _DAY)
    f["change_7d"] = f["last_0"] - _take(y, last - _WEEK)
    f["level_change_7d"] = f["mean_1d"] - _mean_range(cs, cn, last - _WEEK - _DAY + 1, last - _WEEK)
    same = []
    for d in (1, 2, 7, 14):
        back = d * _DAY
        v = np.where(back >= L, _take(y, p - back), np.nan)
        f[f"same_{d}d"] = v
        if d <= 7:
            same.append(v)
    for d in range(3, 7):
        same.append(np.where(d * _DAY >= L, _take(y, p - d * _DAY), np.nan))
    f["same_mean_7d"] = _row_mean(same)
    f["same_mean_4w"] = _row_mean([_take(y, p - w * _WEEK) for w in (1, 2, 3, 4)])
    # the same slot on the latest earlier day of the same kind (day off or working day, same band pattern)
    kind = s.cal["day_kind"]
    ref = np.full(len(p), np.nan)
    ref_last = np.full(len(p), np.nan)
    for d in range(7, 0, -1):
        back = d * _DAY
        same_kind = _take(kind.astype(np.float64), p - back) == kind[p]
        use = same_kind & (back >= L)
        ref = np.where(use, _take(y, p - back), ref)
        ref_last = np.where(use, _take(y, last - back), ref_last)
    f["same_kind"] = ref
    # mean of the same slot (and of its 5-slot neighbourhood) over the last 3 days of the same kind in 2 weeks
    acc = np.zeros(len(p))
    acc_near = np.zeros(len(p))
    n_near = np.zeros(len(p))
    got = np.zeros(len(p))
    for d in range(1, 15):
        back = d * _DAY
        use = (_take(kind.astype(np.float64), p - back) == kind[p]) & (back >= L) & (got < 3)
        v = _take(y, p - back)
        vn = _mean_range(cs, cn, p - back - 2, np.minimum(p - back + 2, last))
        ok_v = use & np.isfinite(v)
        acc += np.where(ok_v, v, 0.0)
        got += ok_v
        ok_n = use & np.isfinite(vn)
        acc_near += np.where(ok_n, vn, 0.0)
        n_near += ok_n
    f["kind_mean_3"] = np.where(got > 0, acc / np.maximum(got, 1), np.nan)
    f["kind_near_3"] = np.where(n_near > 0, acc_near / np.maximum(n_near, 1), np.nan)
    f["profile_kind"] = f["last_0"] + ref - ref_last
    f["profile_1d"] = f["last_0"] + f["same_1d"] - _take(y, last - _DAY)
    f["profile_7d"] = f["last_0"] + f["same_7d"] - _take(y, last - _WEEK)
    f["day_bands"] = s.cal["day_bands"][p].astype(np.float64)
    f["near_1d"] = _mean_range(cs, cn, p - _DAY - 2, np.minimum(p - _DAY + 2, last))
    f["near_7d"] = _mean_range(cs, cn, p - _WEEK - 2, np.minimum(p - _WEEK + 2, last))
    for name, v in s.past.items():
        fv = np.isfinite(v)
        pcs = np.concatenate([[0.0], np.cumsum(np.where(fv, v, 0.0))])
        pcn = np.concatenate([[0], np.cumsum(fv)])
        f[f"{name}_last"] = _take(v, last)
        f[f"{name}_mean_1h"] = _mean_range(pcs, pcn, last - 3, last)
    if recent:
        f.update(_recent_features(s, f))
    return f


def _recent_std(y: np.ndarray, last: np.ndarray, w: int) -> np.ndarray:
    """Sample standard deviation of the ``w`` actuals up to ``last`` (NaN-aware; NaN below two values)."""
    st = np.vstack([_take(y, last - j) for j in range(w)])
    fin = np.isfinite(st)
    cnt = fin.sum(axis=0)
    m = np.where(fin, st, 0.0).sum(axis=0) / np.maximum(cnt, 1)
    v = np.where(fin, (st - m) ** 2, 0.0).sum(axis=0) / np.maximum(cnt - 1, 1)
    return np.where(cnt >= 2, np.sqrt(v), np.nan)


def _recent_features(s: _Series, f: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The finer recent past for the 15-minute and 1-hour horizons (only actuals up to ``pos - lead``).

    Actuals 5 to 8 steps before the issue time and the last three steps (differences); the step
    from ``t - 1`` to ``t`` and the step before the issue time, a day and a week earlier; the
    standard deviation over the last 1, 2 and 4 hours; the other past signals 2 to 4 steps before
    the issue time; the quarter of the hour of ``t`` (alone and with the time band); the step an
    hour before the issue time and the last actual over the mean of the last hour. Chosen on
    January–July 2018 of the UCI steel data (``benchmarks/energy_validation.py``).
    """
    p, L, y = s.pos, s.lead, s.y
    last = p - L
    g: dict[str, np.ndarray] = {}
    for j in range(4, 8):
        g[f"last_{j}"] = _take(y, last - j)
    for j in range(3):
        g[f"step_{j}"] = _take(y, last - j) - _take(y, last - j - 1)
    for back in (_DAY, _WEEK):
        # p - back - 1 <= last whenever back >= L, so these end before the issue time
        g[f"step_t_{back}"] = np.where(back >= L, _take(y, p - back) - _take(y, p - back - 1), np.nan)
        g[f"step_0_{back}"] = _take(y, last - back) - _take(y, last - back - 1)
    for name, w in (("1h", 4), ("2h", 8), ("4h", 16)):
        g[f"std_{name}"] = _recent_std(y, last, w)
    for name, v in s.past.items():
        for j in range(1, 4):
            g[f"{name}_last_{j}"] = _take(v, last - j)
    quarter = (s.cal["slot"][p] % 4).astype(np.float64)
    g["quarter"] = quarter
    g["band_quarter"] = s.cal["load_type"][p].astype(np.float64) * 4 + quarter
    g["step_1h"] = _take(y, last - 3) - _take(y, last - 4)
    g["last_over_1h"] = f["last_0"] / np.maximum(f["mean_1h"], 1e-6)
    return g


def _baseline(X: pd.DataFrame) -> np.ndarray:
    """The level each forecast corrects: the last actual one or four steps ahead, else the same slot of
    the latest day of the same kind, else of yesterday, a week ago, or recent means (NaN: no history,
    the calendar-only model forecasts that row)."""
    lead = X["lead"].to_numpy()
    base = np.where(lead <= 4, X["last_0"].to_numpy(), np.nan)
    for k in ("same_kind", "same_1d", "same_7d", "mean_1d", "mean_7d", "last_0"):
        base = np.where(np.isfinite(base), base, X[k].to_numpy())
    return base
