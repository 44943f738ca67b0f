"""Which grid factor a rounded CO2 column was computed with (the UCI steel file's ``CO2(tCO2)``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from bessemer.core import DataError

from ._factor_files import load_factors
from ._factors import FactorSet, _show


def reproduce_co2_column(kwh: Any, co2_t: Any, *, resolution: float = 0.01,
                         factors: FactorSet | None = None) -> dict[str, Any]:
    """Find the grid factor that reproduces a CO2 column rounded to ``resolution`` from its kWh.

    A row matches a factor ``f`` (t/MWh) when ``|kWh x f / 1000 - CO2| <= resolution / 2``, i.e. when
    rounding ``kWh x f`` could give the recorded value. Each row with kWh > 0 allows an interval of
    factors; a sweep over the interval ends finds the interval of factors that the most rows allow,
    exactly. The factor returned is its midpoint. (The plain ratio sum(CO2) / sum(kWh) is biased low
    by rounding and is reported only for contrast.)

    Parameters
    ----------
    kwh, co2_t : array-like
        Energy per row in kWh and the rounded CO2 column in t.
    resolution : float
        The rounding step of the CO2 column (0.01 t in the UCI steel file).

    Returns
    -------
    dict
        ``factor_t_per_mwh``, ``interval_t_per_mwh``, ``rows``, ``matched``, ``match_share``,
        ``unmatched_count``, ``unmatched_rows`` (1-based, first 50), ``rmse_t`` and ``max_abs_error_t``
        of the rounded reproduction, ``ratio_t_per_mwh``, ``nearest_published`` (the grid factor in the
        data files closest to the fitted one, with its status and its own match share) and ``published``
        (every grid factor's match share).

    Examples
    --------
    >>> kwh = np.array([10.0, 50.0, 120.0, 3.0, 80.0])
    >>> co2 = np.round(kwh * 0.4594 / 1000, 2)
    >>> r = reproduce_co2_column(kwh, co2)
    >>> r["match_share"], r["interval_t_per_mwh"][0] <= 0.4594 <= r["interval_t_per_mwh"][1]
    (1.0, True)
    """
    fs = factors or load_factors()
    k = _column(kwh, "kwh")
    c = _column(co2_t, "co2_t")
    if len(k) != len(c):
        raise DataError(f"kwh has {len(k)} rows but co2_t has {len(c)}; give two columns of one table",
                        column="co2_t")
    if not (isinstance(resolution, int | float) and 0 < resolution < 1e6):
        raise DataError(f"resolution must be a positive number, got {_show(resolution)}", column="resolution")
    h = resolution / 2 * (1 + 1e-9)
    pos = k > 0
    if not pos.any():
        raise DataError("every kWh value is 0: no factor can be inferred", column="kwh")
    lo = np.maximum(c[pos] - h, 0.0) / k[pos] * 1000.0
    hi = (c[pos] + h) / k[pos] * 1000.0
    starts, ends = np.sort(lo), np.sort(hi)
    cand = np.unique(lo)
    cover = np.searchsorted(starts, cand, side="right") - np.searchsorted(ends, cand, side="left")
    best = cover.max()
    regions = []
    for x in cand[cover == best]:
        inside = (lo <= x) & (hi >= x)
        regions.append((float(x), float(hi[inside].min())))
    regions = sorted(set(regions))

    def rounded(f: float) -> np.ndarray:
        return np.round(k * f / 1000.0 / resolution) * resolution

    def rmse(f: float) -> float:
        return float(np.sqrt(np.mean((rounded(f) - c) ** 2)))

    lo_f, hi_f = min(regions, key=lambda r: rmse((r[0] + r[1]) / 2))
    f = (lo_f + hi_f) / 2

    def matches(f: float) -> np.ndarray:
        return np.abs(k * f / 1000.0 - c) <= h

    ok = matches(f)
    pred = rounded(f)
    bad = np.flatnonzero(~ok) + 1
    published = []
    for g in fs.grid:
        published.append({"id": g.id, "value": g.value, "unit": g.unit, "status": g.status, "gas": g.gas,
                          "basis_text": g.basis_text, "period": list(g.period) if g.period else None,
                          "sources": list(g.sources), "match_share": float(matches(g.value).mean()),
                          "difference_t_per_mwh": g.value - f})
    nearest = min(published, key=lambda p: (abs(p["difference_t_per_mwh"]), -p["match_share"]))
    return {
        "factor_t_per_mwh": f,
        "interval_t_per_mwh": [lo_f, hi_f],
        "status": "Derived (fitted to the rounded column)",
        "rows": len(k),
        "matched": int(ok.sum()),
        "match_share": float(ok.mean()),
        "unmatched_count": len(bad),
        "unmatched_rows": bad[:50].tolist(),
        "rmse_t": rmse(f),
        "max_abs_error_t": float(np.abs(pred - c).max()),
        "ratio_t_per_mwh": float(c.sum() / k.sum() * 1000.0),
        "resolution_t": resolution,
        "nearest_published": nearest,
        "published": published,
    }


def _column(v: Any, name: str) -> np.ndarray:
    try:
        a = np.asarray(v, dtype=float)
    except (TypeError, ValueError) as err:
        raise DataError(f"expected numbers, got {_show(v)}", column=name) from err
    if a.ndim != 1 or a.size == 0:
        raise DataError(f"expected a non-empty 1-D column, got shape {a.shape}", column=name)
    bad = np.flatnonzero(~np.isfinite(a))
    if bad.size:
        raise DataError(f"value {a[bad[0]]} is not finite; drop or fill such rows first", row=int(bad[0]) + 1,
                        column=name)
    neg = np.flatnonzero(a < 0)
    if neg.size:
        raise DataError(f"value {a[neg[0]]} is negative; expected >= 0", row=int(neg[0]) + 1, column=name)
    return a
