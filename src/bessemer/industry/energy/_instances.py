"""Realistic scheduling instances: an electric-arc-furnace meltshop over a few days.

Heat sizes, specific energy and tap-to-tap times follow the reference
(``energy-carbon-facts.md`` §3.3): heats of about 100-150 t, 350-450 kWh/t (typical ~400,
theoretical 350-370, actual 300-550), tap-to-tap 60-90 min. Each heat's energy is spread over
a profile of 15-minute slots: bore-in, the main-melt peak, melting, then refining and
tapping. Everything else (base load, shift pattern, windows, casting sequences, the power
limit) is an *illustrative* plant, not a published figure, and is documented below.

Prices are never invented here: pass the tariff's unit cost per slot (an array, or a function
of the slot times, e.g. a KEPCO time-of-use table) and its demand charge.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from bessemer.core import ConfigError, DataError

from ._schedule import SLOT, Job, SchedulingProblem

#: heat size range (t), reference §3.3: ~150 t modern EAF, > 100 t plant example
HEAT_TONNES = (100.0, 150.0)
#: specific electricity (kWh/t), reference §3.3: typical ~400, actual 300-550
KWH_PER_TONNE = (350.0, 450.0)
#: tap-to-tap (15-minute slots), reference §3.3: ~90 min (modern), < 60 min (plant example)
TAP_TO_TAP_SLOTS = (4, 5, 6)


def eaf_profile(tonnes: float, kwh_per_tonne: float, slots: int) -> np.ndarray:
    """Energy per 15-minute slot of one heat: bore-in, main-melt peak, melting, refining and tap.

    Examples
    --------
    >>> p = eaf_profile(120.0, 400.0, 4)
    >>> round(float(p.sum())), int(p.argmax())
    (48000, 1)
    """
    if slots < 3:
        raise DataError(f"an EAF heat needs at least 3 slots (bore-in, melt, refine), got {slots}", column="slots")
    shape = np.ones(slots)
    shape[0] = 0.65  # bore-in: short, unstable arc on a full basket
    shape[1] = 1.25  # main melt: long arc, full power
    shape[-1] = 0.35  # refining with a flat bath, then power off for tapping
    return tonnes * kwh_per_tonne * shape / shape.sum()


def _shifts(times: pd.DatetimeIndex, rng: np.random.Generator, n_gaps: int) -> np.ndarray:
    """Three 8-hour shifts (06-14, 14-22, 22-06) cover the day; ``n_gaps`` handovers are unstaffed for 30-60 min."""
    on = np.ones(len(times), dtype=bool)
    change = np.flatnonzero(np.isin(times.hour, (6, 14, 22)) & (times.minute == 0))
    for t in sorted(rng.choice(change, size=min(n_gaps, change.size), replace=False).tolist()):
        on[t:t + int(rng.integers(2, 5))] = False
    return on


def make_eaf_instance(
    *,
    days: int = 2,
    heats: int = 30,
    furnaces: int = 2,
    start: str | pd.Timestamp | datetime = "2026-08-03T00:00+09:00",
    price_won_per_kwh: np.ndarray | Callable[[pd.DatetimeIndex], Any] | None = None,
    demand_rate_won_per_kw: float | None = None,
    existing_peak_kw: float | None = None,
    seed: int = 0,
) -> SchedulingProblem:
    """An EAF meltshop: ``heats`` heats on ``furnaces`` furnaces over ``days`` days.

    The illustrative plant:

    * heats per the reference (see module docstring); releases (scrap baskets ready) spread
      evenly over the horizon with jitter; each heat due 6-12 h after its release;
    * casting sequences: about half the heats come in sequences of three that must be tapped
      in order, 15 min apart at least (ladle to the caster);
    * one melt crew on three shifts, with one or two unstaffed handovers;
    * base load of the rest of the works (ladle furnaces, casters, fume extraction) around
      18 MW with a day/night swing;
    * a power limit that lets both furnaces run but not both at main-melt peak;
    * ``existing_peak_kw`` (default): the base-load peak plus the largest heat's peak, the
      demand the month has already seen with one furnace at full power.

    Parameters
    ----------
    price_won_per_kwh : array or callable
        Required. Unit cost per slot (won/kWh), or a function of the slot times returning it.
    demand_rate_won_per_kw : float
        Required. Demand charge (won/kW per month).
    seed : int
        The same seed gives the same instance.

    Examples
    --------
    >>> p = make_eaf_instance(days=1, heats=6, price_won_per_kwh=lambda t: 100.0 + 50.0 * (t.hour >= 9),
    ...                       demand_rate_won_per_kw=8000.0, seed=1)
    >>> len(p.jobs), p.n_slots, p.machines
    (6, 96, {'eaf': 2})
    """
    if price_won_per_kwh is None:
        raise ConfigError("price_won_per_kwh is required: pass the tariff's unit cost per 15-minute slot (won/kWh) or "
                          "a function of the slot times; no default prices are built in")
    if demand_rate_won_per_kw is None:
        raise ConfigError("demand_rate_won_per_kw is required: pass the tariff's demand charge (won/kW per month)")
    for name, value, lo, hi in (("days", days, 1, 14), ("heats", heats, 1, 2000), ("furnaces", furnaces, 1, 20)):
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise ConfigError(f"{name} must be a whole number in [{lo}, {hi}], got {value!r}")
    rng = np.random.default_rng(seed)
    n_slots = days * 96
    times = pd.date_range(pd.Timestamp(start), periods=n_slots, freq=SLOT)
    if times.tz is None:
        raise DataError(f"start must be timezone-aware (e.g. '2026-08-03T00:00+09:00'), got {start!r}", column="start")
    if callable(price_won_per_kwh):
        price = np.asarray(price_won_per_kwh(times), dtype=float)
    else:
        price = np.asarray(price_won_per_kwh, dtype=float)
    capacity = furnaces * n_slots / (heats * np.mean(TAP_TO_TAP_SLOTS))
    if capacity < 1.3:
        raise ConfigError(f"{heats} heats do not fit {furnaces} furnaces in {days} days with room to shift them "
                          f"(capacity/demand {capacity:.2f} < 1.3); use fewer heats or more days")

    tonnes = np.round(rng.uniform(*HEAT_TONNES, size=heats))
    kwh_t = rng.uniform(*KWH_PER_TONNE, size=heats)
    slots = rng.choice(TAP_TO_TAP_SLOTS, size=heats)
    slack = rng.integers(24, 49, size=heats)  # due 6-12 h after the heat could be done
    # releases: evenly over the part of the horizon that leaves room for the window, plus jitter
    last = max(n_slots - int(slots.max()) - 24, 1)
    release = np.sort(np.clip(np.linspace(0, last, heats) + rng.normal(0, 2.0, heats), 0, last).round().astype(int))
    due = np.minimum(release + slots + slack, n_slots)

    # casting sequences: consecutive heats in threes, for about half of them
    preds: list[tuple[str, ...]] = [()] * heats
    gap = [0] * heats
    k = 0
    while k + 2 < heats:
        if rng.random() < 0.5:
            for j in (k + 1, k + 2):
                preds[j] = (f"H{j:02d}",)  # job j is named H{j+1}: its predecessor j-1 is H{j}
                gap[j - 1] = 1
            # a successor must still fit after its predecessor ends at its latest: stretch its due time
            for j in (k + 1, k + 2):
                due[j] = min(max(due[j], due[j - 1] + int(slots[j]) + 1), n_slots)
            k += 3
        else:
            k += 1

    on = _shifts(times, rng, n_gaps=int(rng.integers(1, 3)))
    hour = times.hour + times.minute / 60
    base = 18_000 + 3_000 * np.sin((hour - 8) / 24 * 2 * np.pi) + rng.normal(0, 400, n_slots)
    profiles = [eaf_profile(float(tonnes[i]), float(kwh_t[i]), int(slots[i])) for i in range(heats)]
    peaks = np.array([4.0 * p.max() for p in profiles])
    limit = float(base.max() + max(1.05 * peaks.max(), 1.5 * np.median(peaks)))
    if existing_peak_kw is None:
        existing_peak_kw = float(base.max() + peaks.max())
    jobs = [
        Job(id=f"H{i + 1:02d}", profile_kwh=profiles[i], machine_group="eaf", release=int(release[i]),
            due=int(due[i]), predecessors=preds[i], crew="melt", min_gap_after=gap[i], tonnes=float(tonnes[i]))
        for i in range(heats)
    ]
    return SchedulingProblem(
        start=times[0], n_slots=n_slots, price_won_per_kwh=price, demand_rate_won_per_kw=demand_rate_won_per_kw,
        existing_peak_kw=existing_peak_kw, base_load_kw=base, power_limit_kw=limit, machines={"eaf": furnaces},
        crews={"melt": on}, jobs=jobs)
