"""From predicted remaining useful life to decisions: fleet risk and a maintenance plan.

The RUL model gives, per asset, a point prediction and a (1 - alpha) interval. We read
them as a *split-normal* distribution of the time to failure ``T``: median ``rul``, left
spread ``(rul - lower) / z`` and right spread ``(upper - rul) / z`` with ``z`` the normal
quantile of the interval. A point at the cap (e.g. 125 cycles) means "at least that".

*Risk* is ``P(T <= horizon)``.

The *plan* uses the classic age-replacement trade-off, conditioned on the asset having
survived to its current age ``a``: replacing at ``tau`` from now costs ``c_p`` if the
asset is still running then and ``c_f`` if it failed first; the expected cost per unit of
operating time over the whole life is::

    g(tau) = (c_p * S(tau) + c_f * F(tau)) / (a + integral_0^tau S(t) dt)

with ``F`` the failure CDF and ``S = 1 - F``. The plan picks ``tau*`` minimising ``g``:
replace now when ``tau*`` is within the lead time, schedule it when it falls inside the
horizon, otherwise keep monitoring. The saving is the expected cost avoided over the
horizon against running to failure: ``(g(inf) - g(tau*)) * horizon``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from bessemer.core import DataError

_MIN_SPREAD = 1e-6


def failure_cdf(t: np.ndarray | float, rul: float, lower: float, upper: float, *, alpha: float = 0.1) -> np.ndarray:
    """P(time to failure <= t) under the split-normal reading of an interval.

    Examples
    --------
    >>> round(float(failure_cdf(50.0, rul=50.0, lower=30.0, upper=80.0)), 3)
    0.5
    >>> bool(failure_cdf(10.0, 50.0, 30.0, 80.0) < failure_cdf(40.0, 50.0, 30.0, 80.0))
    True
    """
    z = norm.ppf(1 - alpha / 2)
    left = max((rul - lower) / z, _MIN_SPREAD)
    right = max((upper - rul) / z, _MIN_SPREAD)
    t = np.asarray(t, dtype=float)
    # split normal: each half is scaled so that the median stays at rul
    below = norm.cdf((t - rul) / left)
    above = norm.cdf((t - rul) / right)
    cdf = np.where(t <= rul, below, above)
    # the time to failure is >= 0: renormalise the mass below zero away
    f0 = norm.cdf((0.0 - rul) / left)
    return np.clip((cdf - f0) / max(1.0 - f0, 1e-12), 0.0, 1.0) * (t >= 0)


def fleet_risk(predictions: pd.DataFrame, *, horizon: float, alpha: float = 0.1) -> pd.DataFrame:
    """Rank assets by the probability of failing within ``horizon``.

    Parameters
    ----------
    predictions : DataFrame
        One row per asset with ``asset, rul, rul_lower, rul_upper`` (other columns kept).
    horizon : float
        In the model's time unit (hours or cycles).

    Returns
    -------
    DataFrame
        The input plus ``risk`` (0..1) and ``rank`` (1 = riskiest), sorted by rank.

    Examples
    --------
    >>> p = pd.DataFrame({"asset": ["a", "b"], "rul": [200.0, 20.0],
    ...                   "rul_lower": [150.0, 5.0], "rul_upper": [260.0, 40.0]})
    >>> fleet_risk(p, horizon=48)["asset"].tolist()
    ['b', 'a']
    """
    _need(predictions, ["asset", "rul", "rul_lower", "rul_upper"])
    if not horizon > 0:
        raise DataError(f"horizon must be > 0, got {horizon!r}", column="horizon")
    out = predictions.copy()
    out["risk"] = [
        float(failure_cdf(horizon, r, lo, hi, alpha=alpha))
        for r, lo, hi in out[["rul", "rul_lower", "rul_upper"]].itertuples(index=False)
    ]
    # ties broken by the smaller predicted RUL, then by asset id
    out = out.sort_values(["risk", "rul", "asset"], ascending=[False, True, True], kind="stable")
    out["rank"] = np.arange(1, len(out) + 1)
    return out.reset_index(drop=True)


@dataclass(frozen=True)
class Costs:
    """Costs of a planned replacement and of a failure for one kind of equipment."""

    planned: float
    failure: float

    def __post_init__(self) -> None:
        if not (np.isfinite(self.planned) and np.isfinite(self.failure)) or self.planned <= 0:
            raise DataError(f"costs must be finite and positive, got planned={self.planned}, failure={self.failure}")
        if self.failure <= self.planned:
            raise DataError(
                f"a failure (₩{self.failure:,.0f}) must cost more than a planned replacement "
                f"(₩{self.planned:,.0f}); otherwise running to failure is always best"
            )


@dataclass(frozen=True)
class CostTable:
    """Costs per equipment kind, read from a versioned data file."""

    default: Costs
    kinds: dict[str, Costs]
    currency: str = "KRW"
    lead_time: float = 24.0
    version: str = ""

    def for_kind(self, kind: str) -> Costs:
        """Costs of ``kind``, or the default."""
        return self.kinds.get(kind, self.default)

    @classmethod
    def load(cls, path: str | Path | None = None) -> CostTable:
        """Read a cost file (the bundled illustrative one when ``path`` is None)."""
        try:
            if path is None:
                text = resources.files("bessemer.industry.maintenance").joinpath("data/costs.json").read_text("utf-8")
            else:
                text = Path(path).read_text(encoding="utf-8")
            raw: dict[str, Any] = json.loads(text)
            return cls(
                default=Costs(**raw["default"]),
                kinds={k: Costs(**v) for k, v in raw.get("kinds", {}).items()},
                currency=raw.get("currency", "KRW"),
                lead_time=float(raw.get("lead_time_h", 24.0)),
                version=str(raw.get("version", "")),
            )
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise DataError(f"cannot read cost table: {err}", file=str(path) if path else "costs.json") from err


def optimal_replacement(
    rul: float, lower: float, upper: float, *, age: float, costs: Costs, alpha: float = 0.1, grid: int = 400
) -> tuple[float, float, float]:
    """Best replacement delay ``tau*`` with its cost rate and the run-to-failure cost rate.

    Returns
    -------
    (tau, rate, rate_run_to_failure)

    Examples
    --------
    >>> tau, rate, rtf = optimal_replacement(100, 60, 150, age=400, costs=Costs(1.0, 10.0))
    >>> 0 <= tau < 100 and rate < rtf
    True
    """
    hi = max(upper, rul, 1.0) * 2.0
    t = np.linspace(0.0, hi, grid)
    cdf = failure_cdf(t, rul, lower, upper, alpha=alpha)
    surv = 1.0 - cdf
    # cumulative expected running time up to t (trapezoid)
    run = np.concatenate([[0.0], np.cumsum((surv[1:] + surv[:-1]) / 2 * np.diff(t))])
    denom = max(age, 0.0) + run
    denom[denom <= 0] = np.nan
    rate = (costs.planned * surv + costs.failure * cdf) / denom
    i = int(np.nanargmin(rate))
    rtf = costs.failure / (max(age, 0.0) + run[-1]) if (max(age, 0.0) + run[-1]) > 0 else np.inf
    return float(t[i]), float(rate[i]), float(rtf)


def maintenance_plan(
    fleet: pd.DataFrame,
    *,
    costs: CostTable,
    horizon: float,
    alpha: float = 0.1,
    cost_failure: float | None = None,
    cost_replacement: float | None = None,
    time_unit: str = "h",
) -> dict[str, Any]:
    """A maintenance plan for the fleet.

    Parameters
    ----------
    fleet : DataFrame
        One row per asset: ``asset, kind, age, time, rul, rul_lower, rul_upper``
        (``age`` = time since the current life began, in the model's unit).
    costs : CostTable
        Costs per kind; ``cost_failure`` / ``cost_replacement`` override every kind.
    horizon : float
        Planning horizon in the model's unit.

    Returns
    -------
    dict
        ``horizon, currency, time_unit, total_expected_cost, total_saving, actions`` with
        one action per asset (``replace now`` / ``schedule`` / ``monitor``), most urgent first.

    Examples
    --------
    >>> f = pd.DataFrame({"asset": ["a", "b"], "kind": ["pump", "pump"], "age": [900.0, 50.0],
    ...                   "time": [0, 0], "rul": [5.0, 400.0], "rul_lower": [0.0, 300.0],
    ...                   "rul_upper": [20.0, 500.0]})
    >>> table = CostTable(default=Costs(1e6, 2e7), kinds={})
    >>> [a["action"] for a in maintenance_plan(f, costs=table, horizon=168)["actions"]]
    ['replace now', 'monitor']
    """
    _need(fleet, ["asset", "kind", "age", "rul", "rul_lower", "rul_upper"])
    if not horizon > 0:
        raise DataError(f"horizon must be > 0, got {horizon!r}", column="horizon")
    actions = []
    total_cost = 0.0
    total_saving = 0.0
    for row in fleet.to_dict("records"):
        c = costs.for_kind(str(row["kind"]))
        c = Costs(
            planned=float(cost_replacement) if cost_replacement is not None else c.planned,
            failure=float(cost_failure) if cost_failure is not None else c.failure,
        )
        rul, lo, hi = float(row["rul"]), float(row["rul_lower"]), float(row["rul_upper"])
        tau, rate, rtf = optimal_replacement(rul, lo, hi, age=float(row["age"]), costs=c, alpha=alpha)
        p_fail_h = float(failure_cdf(horizon, rul, lo, hi, alpha=alpha))
        p_fail_tau = float(failure_cdf(tau, rul, lo, hi, alpha=alpha))
        if tau <= costs.lead_time:
            action = "replace now"
            due = 0.0
        elif tau <= horizon:
            action = "schedule"
            due = tau
        else:
            action = "monitor"
            due = None
        wait_cost = c.failure * p_fail_h  # expected cost inside the horizon if nothing is done
        if action == "monitor":
            exp_cost = wait_cost
            reason = (f"P(failure within {horizon:g} {time_unit}) = {p_fail_h:.0%}; the best replacement time "
                      f"({tau:.0f} {time_unit} from now) is beyond the horizon")
        else:
            exp_cost = c.planned * (1 - p_fail_tau) + c.failure * p_fail_tau
            reason = (f"RUL {rul:.0f} {time_unit} [{lo:.0f}, {hi:.0f}]; replacing in {due:.0f} {time_unit} "
                      f"minimises cost per operating {time_unit} (P(fail first) = {p_fail_tau:.0%})")
        saving = max(rtf - rate, 0.0) * horizon
        total_cost += exp_cost
        total_saving += saving
        actions.append({
            "asset": row["asset"],
            "kind": row["kind"],
            "action": action,
            "due": due,
            "p_fail_horizon": p_fail_h,
            "expected_cost_now": c.planned,
            "expected_cost_wait": wait_cost,
            "expected_cost": exp_cost,
            "saving": saving,
            "reason": reason,
        })
    order = {"replace now": 0, "schedule": 1, "monitor": 2}
    actions.sort(key=lambda a: (order[a["action"]], a["due"] if a["due"] is not None else np.inf,
                                -a["p_fail_horizon"], a["asset"]))
    return {
        "horizon": horizon,
        "time_unit": time_unit,
        "currency": costs.currency,
        "cost_table_version": costs.version,
        "total_expected_cost": total_cost,
        "total_saving": total_saving,
        "actions": actions,
    }


def _need(df: pd.DataFrame, cols: list[str]) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise DataError(f"missing column(s) {missing}; have {list(df.columns)}")
