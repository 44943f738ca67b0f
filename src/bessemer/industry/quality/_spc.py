"""Statistical process control charts on any quality variable: Shewhart (individuals, x̄-R), EWMA, CUSUM.

:func:`control_chart` is the one entry point. It returns a :class:`ControlChart` with the
plotted statistic, its center line and control limits, the process sigma and every rule that
fired (a :class:`~bessemer.industry.quality._spc_rules.Violation` with English and Korean text).

Phase I and Phase II. Control limits are only meaningful when they come from data that was in
control. Pass ``baseline`` (the first ``n`` points, or a slice) with such a stretch: center and
sigma are estimated there (Phase I) and the whole series is charted against them (Phase II).
With ``baseline=None`` every point is used, out-of-control ones included, which widens the
limits; the chart says so in its notes. Known standards can be given as ``center=`` and
``sigma=`` (the process mean and standard deviation of one observation) instead.

Kinds

``individuals``
    I chart: sigma = average moving range / d2 (d2 = 1.128 for ranges of two); limits
    center ± 3σ. The moving-range chart (center MR̄, limits 0 and D4·MR̄ = 3.267·MR̄) is
    attached as ``secondary``. Run rules: Nelson or Western Electric.
``xbar_r``
    Subgroups as rows (``values`` of shape subgroups × size, size 2 to 10): x̄ chart with
    limits x̄̄ ± A2·R̄ and the R chart (D3·R̄, D4·R̄) as ``secondary``. Run rules on the x̄ chart.
``ewma``
    z_t = λ·x_t + (1-λ)·z_{t-1}, z_0 = center; exact time-varying limits
    center ± L·σ·√(λ/(2-λ)·(1-(1-λ)^{2t})) (parameters ``lam`` = λ, default 0.2, and ``L``, default 3).
``cusum``
    Tabular CUSUM C⁺ = max(0, C⁺ + x - μ0 - kσ), C⁻ = max(0, C⁻ + μ0 - kσ - x), signal when
    either exceeds hσ (``k`` default 0.5, ``h`` default 5). The plotted statistic is the larger
    of the two, with C⁻ negative; both are in ``series``; center 0, limits ±hσ.

For EWMA and CUSUM only the "beyond the control limit" rule applies: the run rules assume
independent points, and these statistics are autocorrelated by construction.

Missing values (NaN) are skipped: not plotted, not rule violations, counted in ``n_missing``.
A subgroup with a missing value is skipped whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from bessemer.core import DataError

from ._spc_rules import NELSON_RULES, WESTERN_ELECTRIC_RULES, Violation, apply_rules, beyond_limits

__all__ = ["KINDS", "XBAR_R_CONSTANTS", "ControlChart", "Violation", "control_chart"]

KINDS = ("individuals", "xbar_r", "ewma", "cusum")

# Montgomery, Introduction to Statistical Quality Control, Appendix Table VI: n -> (A2, D3, D4, d2).
XBAR_R_CONSTANTS: dict[int, tuple[float, float, float, float]] = {
    2: (1.880, 0.0, 3.267, 1.128), 3: (1.023, 0.0, 2.574, 1.693), 4: (0.729, 0.0, 2.282, 2.059),
    5: (0.577, 0.0, 2.114, 2.326), 6: (0.483, 0.0, 2.004, 2.534), 7: (0.419, 0.076, 1.924, 2.704),
    8: (0.373, 0.136, 1.864, 2.847), 9: (0.337, 0.184, 1.816, 2.970), 10: (0.308, 0.223, 1.777, 3.078),
}
"""Control chart constants for subgroup size n = 2..10: (A2, D3, D4, d2)."""

_PARAMS = {"individuals": {"center", "sigma"}, "xbar_r": {"center", "sigma"},
           "ewma": {"center", "sigma", "lam", "L"}, "cusum": {"center", "sigma", "k", "h"}}
_TITLES = {"individuals": ("Individuals chart", "개별값 관리도"), "mr": ("Moving-range chart", "이동범위 관리도"),
           "xbar_r": ("X-bar chart", "X-bar 관리도"), "r": ("Range chart", "범위 관리도"),
           "ewma": ("EWMA chart", "EWMA 관리도"), "cusum": ("Tabular CUSUM chart", "CUSUM 관리도")}
_MIN_RECOMMENDED = 20


def _json(x: Any) -> Any:
    """Floats, lists and None (for NaN) all the way down."""
    if isinstance(x, dict):
        return {str(k): _json(v) for k, v in x.items()}
    if isinstance(x, (list, tuple, np.ndarray)):
        return [_json(v) for v in x]
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return None if not np.isfinite(x) else float(x)
    return x


@dataclass
class ControlChart:
    """A control chart: statistic, center line, limits, sigma and the rules that fired.

    Attributes
    ----------
    kind : str
        ``"individuals"``, ``"xbar_r"``, ``"ewma"``, ``"cusum"`` (or ``"mr"``, ``"r"`` for a
        secondary chart).
    statistic : numpy.ndarray
        The plotted series (NaN where missing): the values, subgroup means, EWMA or signed CUSUM.
    center : float
        Center line of the plotted statistic (0 for CUSUM; the target is ``params["target"]``).
    lcl, ucl : float or numpy.ndarray
        Control limits (arrays for EWMA, whose limits widen over time).
    sigma : float
        One sigma of the process (one observation) from the baseline; for ``xbar_r`` it is the
        sigma of a subgroup mean, so the zones of the run rules are ``center ± k·sigma``.
    violations : list of Violation
        Every rule that fired, by point.
    rules : str
        The rule set applied: ``"nelson"``, ``"western_electric"``, ``"custom"`` or ``"limit"``.
    params : dict
        Chart parameters (λ, L, k, h, target, subgroup size and constants, baseline).
    n_missing : int
        Points (subgroups) skipped because they were missing.
    series : dict of numpy.ndarray
        Further plotted series (``c_plus``/``c_minus`` for CUSUM, ``values`` for EWMA).
    secondary : ControlChart or None
        The moving-range chart of an individuals chart, the range chart of an x̄-R chart.
    notes : list of str
        What to keep in mind when reading the chart.
    """

    kind: str
    statistic: np.ndarray
    center: float
    lcl: float | np.ndarray
    ucl: float | np.ndarray
    sigma: float
    violations: list[Violation]
    rules: str = "limit"
    params: dict[str, Any] = field(default_factory=dict)
    n_missing: int = 0
    series: dict[str, np.ndarray] = field(default_factory=dict)
    secondary: ControlChart | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def status(self) -> np.ndarray:
        """Per point: ``"missing"``, ``"out_of_control"`` (a rule fired there) or ``"in_control"``."""
        out = np.where(np.isnan(self.statistic), "missing", "in_control").astype(object)
        out[sorted({v.index for v in self.violations})] = "out_of_control"
        return out

    def to_dict(self) -> dict[str, Any]:
        """The chart as a JSON-ready mapping (floats, lists, ``None`` for NaN).

        Examples
        --------
        >>> d = control_chart([1.0, 2.0, float("nan"), 1.5]).to_dict()
        >>> d["status"], d["n_missing"]
        (['in_control', 'in_control', 'missing', 'in_control'], 1)
        """
        title_en, title_ko = _TITLES[self.kind]
        return _json({
            "kind": self.kind, "title_en": title_en, "title_ko": title_ko, "n_points": len(self.statistic),
            "n_missing": self.n_missing, "center": self.center, "sigma": self.sigma, "lcl": self.lcl,
            "ucl": self.ucl, "statistic": self.statistic, "status": list(self.status), "rules": self.rules,
            "violations": [v.to_dict() for v in self.violations], "params": self.params,
            "series": self.series, "notes": self.notes,
            "secondary": None if self.secondary is None else self.secondary.to_dict(),
        })

    def summary(self) -> str:
        """One paragraph: size, center, sigma, limits and the violations.

        Examples
        --------
        >>> print(control_chart([1.0, 2.0, 1.0, 2.0]).summary())  # doctest: +ELLIPSIS
        Individuals chart of 4 points: center 1.5, sigma 0.8865, limits -1.16 to 4.16; no rule violations. ...
        """
        lo, hi = (float(np.asarray(b).ravel()[-1]) for b in (self.lcl, self.ucl))
        which = "limits" if np.ndim(self.ucl) == 0 else "limits (last point)"
        missing = f" ({self.n_missing} missing)" if self.n_missing else ""
        text = (f"{_TITLES[self.kind][0]} of {len(self.statistic)} points{missing}: center {self.center:.4g}, "
                f"sigma {self.sigma:.4g}, {which} {lo:.4g} to {hi:.4g}; ")
        if not self.violations:
            text += "no rule violations."
        else:
            first = self.violations[0]
            points = len({v.index for v in self.violations})
            text += (f"{len(self.violations)} violation(s) at {points} point(s) "
                     f"({', '.join(sorted({v.rule for v in self.violations}))}); "
                     f"first at point {first.index}: {first.description_en}.")
        if self.secondary is not None:
            text += " " + self.secondary.summary()
        return text + "".join(f" Note: {n}" for n in self.notes)


# --------------------------------------------------------------------------- input
def _as_array(values: Any, *, two_d: bool) -> tuple[np.ndarray, list[str] | None]:
    """A float array (NaN kept) from a list, array, Series or DataFrame; text, inf and bad shapes refused."""
    columns = [str(c) for c in values.columns] if isinstance(values, pd.DataFrame) else None
    if isinstance(values, pd.Series) and values.name is not None:
        columns = [str(values.name)]
    raw = values.to_numpy() if isinstance(values, (pd.Series, pd.DataFrame)) else np.asarray(values, dtype=object)
    if raw.dtype.kind == "b" or (raw.dtype == object and any(isinstance(v, (bool, np.bool_)) for v in raw.flat)):
        raise DataError("values: expected numbers, got booleans; pass the measured values (convert flags to 0/1 "
                        "first if that is really meant)")
    if raw.dtype.kind in "fiu":
        arr = raw.astype(float)
    else:
        flat = pd.Series(raw.ravel(), dtype=object)
        num = pd.to_numeric(flat, errors="coerce")
        bad = np.flatnonzero(num.isna().to_numpy() & flat.notna().to_numpy())
        if bad.size:
            r, c = np.unravel_index(bad[0], raw.shape) if raw.ndim == 2 else (bad[0], 0)
            raise DataError(f"values: {flat.iloc[bad[0]]!r} is not a number; remove or correct it (use NaN for a "
                            "missing measurement)", row=int(r) + 1,
                            column=columns[c] if columns and c < len(columns) else None)
        arr = num.to_numpy(dtype=float).reshape(raw.shape)
    if two_d:
        if arr.ndim != 2 or not 2 <= arr.shape[1] <= 10:
            raise DataError(f"values: an x-bar-R chart needs a 2-D table of subgroups x size with size 2 to 10, got "
                            f"shape {arr.shape}; put one subgroup per row, or use kind='individuals' for single values")
    elif arr.ndim != 1:
        raise DataError(f"values: expected a 1-D series of values, got shape {arr.shape}; pass one column "
                        "(e.g. values[:, 0]) or use kind='xbar_r' for subgroups as rows")
    if arr.shape[0] == 0:
        raise DataError("values: the series is empty; pass at least the baseline points")
    inf = np.argwhere(np.isinf(arr))
    if inf.size:
        r, c = (int(inf[0][0]), int(inf[0][1])) if arr.ndim == 2 else (int(inf[0][0]), 0)
        raise DataError("values: infinite value; correct it or replace it with NaN (missing)", row=r + 1,
                        column=columns[c] if columns and c < len(columns) else None)
    return arr, columns


def _baseline(baseline: Any, n: int) -> tuple[np.ndarray, str]:
    """Row positions of the baseline and a description of it."""
    if baseline is None:
        return np.arange(n), "all points"
    if isinstance(baseline, slice):
        rows = np.arange(n)[baseline]
        return rows, f"points {baseline.start or 0}:{baseline.stop if baseline.stop is not None else n}"
    if isinstance(baseline, (int, np.integer)) and not isinstance(baseline, bool):
        if not 1 <= baseline <= n:
            raise ValueError(f"baseline={baseline} must be between 1 and the number of points ({n})")
        return np.arange(int(baseline)), f"first {int(baseline)} points"
    raise ValueError(f"baseline must be None, an int (first n points) or a slice, got {baseline!r}")


def _check_sigma(sigma: float, scale: float, what: str) -> None:
    if not np.isfinite(sigma):
        raise DataError(f"{what}: the estimated sigma is not finite ({sigma}); the values are too large to chart, "
                        "rescale them (e.g. change the unit)")
    if sigma <= 8 * np.finfo(float).eps * max(scale, np.finfo(float).tiny):
        raise DataError(f"{what}: sigma is zero because the baseline values do not vary (sigma {sigma:g}); "
                        "control limits need variation: choose a baseline where the variable varies, or give "
                        "sigma= from process knowledge")


def _rule_names(rules: Any) -> tuple[list[str], str]:
    if rules == "nelson":
        return list(NELSON_RULES), "nelson"
    if rules in ("western_electric", "we"):
        return list(WESTERN_ELECTRIC_RULES), "western_electric"
    if isinstance(rules, str):
        raise ValueError(f"rules must be 'nelson', 'western_electric' or a list of rule names, got {rules!r}")
    names = list(rules)
    known = set(NELSON_RULES) | set(WESTERN_ELECTRIC_RULES)
    if not names or any(r not in known for r in names):
        raise ValueError(f"unknown rule(s) in {names}; known: {sorted(known)}")
    return names, "custom"


# --------------------------------------------------------------------------- kinds
def _center_sigma(x: np.ndarray, rows: np.ndarray, params: dict[str, Any], kind: str) -> tuple[float, float, float]:
    """Center, sigma and average moving range from the baseline (or from the given standards)."""
    xb = x[rows]
    observed = int(np.count_nonzero(~np.isnan(xb)))
    mr = np.abs(np.diff(xb))
    mr = mr[~np.isnan(mr)]
    if params.get("sigma") is None and mr.size == 0:
        raise DataError(f"{kind} chart: sigma comes from the moving range and needs at least 2 consecutive "
                        f"non-missing baseline points; the baseline has {len(xb)} point(s), {observed} non-missing. "
                        "Give a longer baseline (20 or more in-control points are recommended) or sigma=")
    if params.get("center") is None and observed == 0:
        raise DataError(f"{kind} chart: the baseline has no non-missing point to estimate the center from")
    center = float(params["center"]) if params.get("center") is not None else float(np.nanmean(xb))
    sigma = float(params["sigma"]) if params.get("sigma") is not None else float(mr.mean() / 1.128)
    _check_sigma(sigma, float(np.nanmax(np.abs(xb))) if observed else abs(center), f"{kind} chart")
    return center, sigma, sigma * 1.128


def _individuals(x, rows, params, names, label):
    center, sigma, mrbar = _center_sigma(x, rows, params, "individuals")
    violations = apply_rules((x - center) / sigma, names)
    mr = np.concatenate([[np.nan], np.abs(np.diff(x))])
    ucl_mr = 3.267 * mrbar
    mr_chart = ControlChart("mr", mr, mrbar, 0.0, ucl_mr, mrbar / 1.128,
                            beyond_limits(mr, -np.inf, ucl_mr, "mr-limit", "moving range", "이동범위"),
                            params={"d2": 1.128, "D4": 3.267}, n_missing=int(np.isnan(mr[1:]).sum()))
    return ControlChart("individuals", x, center, center - 3 * sigma, center + 3 * sigma, sigma, violations, label,
                        secondary=mr_chart)


def _xbar_r(x, rows, params, names, label):
    m, n = x.shape
    a2, d3, d4, d2 = XBAR_R_CONSTANTS[n]
    complete = ~np.isnan(x).any(axis=1)
    xbar = np.where(complete, x.mean(axis=1), np.nan)
    rng = np.where(complete, x.max(axis=1) - x.min(axis=1), np.nan)
    base = rows[complete[rows]]
    if base.size < 2 and (params.get("sigma") is None or params.get("center") is None):
        raise DataError(f"xbar_r chart: needs at least 2 complete baseline subgroups to estimate the center and "
                        f"R-bar, got {base.size} (of {rows.size} baseline rows); give a longer baseline (20-25 "
                        "subgroups are recommended) or center= and sigma=")
    rbar = float(params["sigma"]) * d2 if params.get("sigma") is not None else float(rng[base].mean())
    center = float(params["center"]) if params.get("center") is not None else float(xbar[base].mean())
    _check_sigma(rbar / d2, float(np.abs(x[base]).max()) if base.size else abs(center), "xbar_r chart")
    sigma = a2 * rbar / 3  # sigma of a subgroup mean as the table rounds it, so zone 3 = the A2 limits
    violations = apply_rules((xbar - center) / sigma, names)
    r_chart = ControlChart("r", rng, rbar, d3 * rbar, d4 * rbar, rbar / d2,
                           beyond_limits(rng, d3 * rbar, d4 * rbar, "r-limit", "range", "범위"),
                           params={"n": n, "D3": d3, "D4": d4, "d2": d2}, n_missing=int((~complete).sum()))
    return ControlChart("xbar_r", xbar, center, center - a2 * rbar, center + a2 * rbar, sigma, violations, label,
                        params={"n": n, "A2": a2, "D3": d3, "D4": d4, "d2": d2, "sigma_process": rbar / d2},
                        n_missing=int((~complete).sum()), secondary=r_chart)


def _ewma(x, rows, params, names, label):
    lam, big_l = float(params.get("lam", 0.2)), float(params.get("L", 3.0))
    if not 0 < lam <= 1 or not big_l > 0:
        raise ValueError(f"ewma chart needs 0 < lam <= 1 and L > 0, got lam={lam}, L={big_l}")
    center, sigma, _ = _center_sigma(x, rows, params, "ewma")
    stat = np.full(x.shape, np.nan)
    steps = np.cumsum(~np.isnan(x))
    z = center
    for i, v in enumerate(x):
        if not np.isnan(v):
            z = lam * v + (1 - lam) * z
            stat[i] = z
    width = big_l * sigma * np.sqrt(lam / (2 - lam) * (1 - (1 - lam) ** (2 * np.maximum(steps, 1))))
    lcl, ucl = center - width, center + width
    return ControlChart("ewma", stat, center, lcl, ucl, sigma,
                        beyond_limits(stat, lcl, ucl, "ewma-limit", "EWMA", "EWMA"), "limit",
                        params={"lam": lam, "L": big_l,
                                "limit_asymptotic": big_l * sigma * float(np.sqrt(lam / (2 - lam)))},
                        series={"values": x})


def _cusum(x, rows, params, names, label):
    k, h = float(params.get("k", 0.5)), float(params.get("h", 5.0))
    if not k >= 0 or not h > 0:
        raise ValueError(f"cusum chart needs k >= 0 and h > 0 (in sigma units), got k={k}, h={h}")
    target, sigma, _ = _center_sigma(x, rows, params, "cusum")
    cp, cm = np.full(x.shape, np.nan), np.full(x.shape, np.nan)
    up = down = 0.0
    for i, v in enumerate(x):
        if not np.isnan(v):
            up = max(0.0, up + v - target - k * sigma)
            down = max(0.0, down + target - k * sigma - v)
            cp[i], cm[i] = up, down
    stat = np.where(cp >= cm, cp, -cm)
    big_h = h * sigma
    out = [Violation(int(i), "cusum-limit", "upper CUSUM C+ beyond h: the mean has shifted up",
                     "상측 CUSUM C+가 h를 넘음: 평균이 위로 이동") for i in np.flatnonzero(cp > big_h)]
    out += [Violation(int(i), "cusum-limit", "lower CUSUM C- beyond h: the mean has shifted down",
                      "하측 CUSUM C-가 h를 넘음: 평균이 아래로 이동") for i in np.flatnonzero(cm > big_h)]
    return ControlChart("cusum", stat, 0.0, -big_h, big_h, sigma, sorted(out, key=lambda v: v.index), "limit",
                        params={"k": k, "h": h, "target": target, "K": k * sigma, "H": big_h},
                        series={"c_plus": cp, "c_minus": cm})


_BUILD = {"individuals": _individuals, "xbar_r": _xbar_r, "ewma": _ewma, "cusum": _cusum}


def control_chart(values: Any, *, kind: str = "individuals", rules: Any = "nelson", baseline: Any = None,
                  **params: Any) -> ControlChart:
    """Chart a quality variable and report every rule that fired.

    Parameters
    ----------
    values : array-like
        1-D values in time order (NaN = missing); for ``kind="xbar_r"`` a 2-D table with one
        subgroup per row (size 2 to 10). A pandas Series or DataFrame works too.
    kind : {"individuals", "xbar_r", "ewma", "cusum"}
        The chart (see the module docstring for the formulas).
    rules : {"nelson", "western_electric"} or list of str
        Run rules for the Shewhart charts (individuals, x̄); or a list of rule names such as
        ``["nelson-1", "nelson-2"]``. EWMA and CUSUM use only their limit rule.
    baseline : None, int or slice
        The in-control points (Phase I) that center and sigma are estimated from: the first
        ``n`` points, a slice, or None for all points. Limits should come from in-control data.
    **params
        ``center``, ``sigma``: known process mean and standard deviation (instead of estimates);
        ``lam`` (λ, 0.2), ``L`` (3) for EWMA; ``k`` (0.5), ``h`` (5) in sigma units for CUSUM.

    Returns
    -------
    ControlChart

    Raises
    ------
    DataError
        Text, infinite values, a wrong shape, too short a baseline or a constant baseline.
    ValueError
        An unknown kind, rule or parameter.

    Examples
    --------
    >>> x = [10.0, 10.2, 9.9, 10.1, 9.8, 10.0, 10.3, 9.9, 10.1, 13.0]
    >>> chart = control_chart(x, baseline=9)
    >>> round(chart.center, 3), [(v.index, v.rule) for v in chart.violations]
    (10.033, [(9, 'nelson-1')])
    >>> control_chart(x, kind="cusum", baseline=9, k=0.5, h=4).violations[0].rule
    'cusum-limit'
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    unknown = set(params) - _PARAMS[kind]
    if unknown:
        raise ValueError(f"unknown parameter(s) {sorted(unknown)} for a {kind} chart; known: {sorted(_PARAMS[kind])}")
    names, label = _rule_names(rules)
    x, _ = _as_array(values, two_d=kind == "xbar_r")
    rows, described = _baseline(baseline, x.shape[0])
    chart = _BUILD[kind](x, rows, params, names, label)
    chart.params = {**chart.params, "baseline": described, "n_baseline": int(rows.size)}
    if kind != "xbar_r":
        chart.n_missing = int(np.isnan(x).sum())
    notes = []
    if baseline is None and params.get("sigma") is None:
        notes.append("Limits were estimated from all points, out-of-control ones included; limits should come from "
                     "in-control data: pass baseline= (Phase I) and chart new data against it (Phase II).")
    if rows.size < _MIN_RECOMMENDED and params.get("sigma") is None:
        notes.append(f"The baseline has only {rows.size} {'subgroups' if kind == 'xbar_r' else 'points'}; "
                     f"{_MIN_RECOMMENDED} or more are recommended for reliable limits.")
    if chart.n_missing:
        notes.append(f"{chart.n_missing} missing {'subgroup(s)' if kind == 'xbar_r' else 'point(s)'} skipped.")
    if kind in ("ewma", "cusum"):
        notes.append(f"Only the beyond-limit rule applies to {kind.upper()} charts: run rules assume independent "
                     "points and this statistic is autocorrelated by construction.")
    chart.notes = notes
    return chart
