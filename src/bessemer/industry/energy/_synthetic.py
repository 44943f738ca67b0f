"""Generated 15-minute load of an electric-arc-furnace (EAF) melt shop, for tests and the demo.

:func:`make_plant_load` simulates, interval by interval (Asia/Seoul local time):

* **Auxiliaries** (fans, pumps, cranes, water treatment): about 3 MW, half on days off, with a
  slow random walk.
* **EAF heats**: a 150 t furnace (reference §3.3: ~150 t per heat, ~90 min tap-to-tap; ~400 kWh/t)
  drawing ~48 MW while the arc is on: a heat is four 15-minute intervals of power-on (bore-in,
  melting, melting, refining at 80/100/100/60 %), then one or two intervals power-off for tapping
  and charging. The shop avoids starting heats in maximum-load hours on most weekdays (the usual
  response to time-of-use prices), pauses for the shift change at 06:00, 14:00 and 22:00, and runs
  a ladle furnace (8 MW) for two intervals after each tap.
* **Rolling mill**: 15 MW over the day and evening shifts (06:00–22:00) on working days.
* **Calendar**: Monday–Friday are full working days; Saturdays run the melt shop on light- and
  medium-load hours only; Sundays and Korean public holidays (``holidays`` package) are days off
  (maintenance) except that one Sunday in five is worked to catch up.
* **Outages**: on about one day in twenty a breakdown stops the EAF and the mill for 2 to 8 hours.
* **Noise**: 5 % multiplicative noise on every component.

Signals and meta match :func:`bessemer.datasets._steel_energy.read_steel_energy`. Reactive energy
comes from component power factors (EAF 0.80, mill 0.88, auxiliaries 0.92) less a fixed capacitor
bank of 2,000 kvar, which leads at light load; ``co2_t`` is kWh times :data:`GRID_FACTOR`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from bessemer.core import Frame, SchemaError
from bessemer.datasets._steel_energy import DAYS, SIGNALS, TZ

from ._meter import holiday_mask, load_type_2018

#: tCO2 per kWh: Korea's grid emission factor for 2023, consumption side, 0.4173 tCO2eq/MWh
#: (기후에너지환경부, approved 2025-12-17; https://www.ajunews.com/view/20251218111433736; reference
#: energy-carbon-facts.md §2, status Confirmed), used here for generated 2026 data.
GRID_FACTOR = 0.4173 / 1000.0
_EAF_KW = 48_000.0
_LF_KW = 8_000.0
_MILL_KW = 15_000.0
_AUX_KW = 3_000.0
_CAP_KVAR = 2_000.0
_HEAT = (0.8, 1.0, 1.0, 0.6)  # share of EAF power in the four power-on intervals
_PF = {"eaf": 0.80, "mill": 0.88, "aux": 0.92, "lf": 0.85}


def make_plant_load(days: int = 28, *, start: str = "2026-01-05", seed: int = 0,
                    asset: str = "pohang-eaf-shop") -> Frame:
    """Generate a realistic 15-minute load history of an EAF melt shop (deterministic per seed).

    Parameters
    ----------
    days : int
        Whole days to generate (``days * 96`` intervals).
    start : str
        First local day (Asia/Seoul), e.g. ``"2026-01-05"``.
    seed : int
        Random seed; the same seed gives the same frame.
    asset : str
        Asset id.

    Returns
    -------
    Frame
        ``usage_kwh`` (kWh), ``lagging_kvarh``, ``leading_kvarh`` (kvarh), ``co2_t`` (tCO2),
        ``lagging_pf``, ``leading_pf`` (%), with meta ``load_type``, ``week_status``,
        ``day_of_week``; ``time`` is the UTC start of each interval.

    Examples
    --------
    >>> f = make_plant_load(7, seed=1)
    >>> len(f), f.units["usage_kwh"], sorted(set(f.column("load_type")))
    (672, 'kWh', ['light', 'maximum', 'medium'])
    >>> bool(f.column("usage_kwh").min() > 0)
    True
    >>> make_plant_load(2, seed=1).fingerprint() == make_plant_load(2, seed=1).fingerprint()
    True
    """
    if int(days) < 1:
        raise ValueError(f"days must be at least 1, got {days!r}")
    n = int(days) * 96
    rng = np.random.default_rng(seed)
    day0 = pd.Timestamp(start).normalize()
    if day0.tzinfo is None:
        day0 = day0.tz_localize(TZ)
    local = pd.date_range(day0, periods=n, freq="15min")
    hol = holiday_mask(local)
    band = load_type_2018(local, holidays=hol)
    hour = np.asarray(local.hour)
    dow = np.asarray(local.day_of_week)
    day_idx = np.arange(n) // 96

    # day modes: 0 off, 1 Saturday (reduced), 2 full
    mode = np.where(dow == 5, 1, 2)
    sunday_worked = rng.random(days) < 0.2
    off = (dow == 6) & ~sunday_worked[day_idx]
    mode = np.where(off | hol, 0, mode)
    outage = np.zeros(n, dtype=bool)
    for d in np.flatnonzero(rng.random(days) < 0.05):
        s = d * 96 + int(rng.integers(0, 96))
        outage[s: s + int(rng.integers(8, 33))] = True
    tou_shy = rng.random(days) < 0.75  # days on which the shop avoids maximum-load hours

    shift_change = np.isin(hour * 4 + np.asarray(local.minute) // 15, [6 * 4, 14 * 4, 22 * 4])
    eaf = np.zeros(n)
    lf = np.zeros(n)
    i = 0
    while i < n:
        m = mode[i]
        can = m > 0 and not outage[i] and not shift_change[i]
        if m == 1 and band[i] == "maximum":
            can = False
        if m == 2 and band[i] == "maximum" and tou_shy[day_idx[i]]:
            can = False
        if not can or rng.random() < 0.1:
            i += 1
            continue
        for j, share in enumerate(_HEAT):
            if i + j < n and not outage[i + j]:
                eaf[i + j] = share
        tap = i + len(_HEAT)
        lf[tap: tap + 2] = 1.0
        i = tap + 1 + int(rng.integers(0, 2))
    lf = lf[:n]
    mill = ((mode == 2) & (hour >= 6) & (hour < 22) & ~outage & ~shift_change).astype(float)
    aux_level = _AUX_KW * np.exp(np.cumsum(rng.normal(0.0, 0.01, n)) * 0.5)
    aux = np.where(mode == 0, 0.5, 1.0) * np.clip(aux_level, 0.6 * _AUX_KW, 1.5 * _AUX_KW)

    def noisy(x: np.ndarray) -> np.ndarray:
        return x * rng.lognormal(0.0, 0.05, n)

    kw = {"eaf": noisy(eaf * _EAF_KW), "lf": noisy(lf * _LF_KW), "mill": noisy(mill * _MILL_KW),
          "aux": noisy(aux)}
    kwh = sum(kw.values()) / 4.0
    kvar = sum(v * np.tan(np.arccos(_PF[k])) for k, v in kw.items())
    lag = np.maximum(kvar - _CAP_KVAR, 0.0) / 4.0
    lead = np.maximum(_CAP_KVAR - kvar, 0.0) / 4.0
    kwh = np.round(kwh, 2)
    lag, lead = np.round(lag, 2), np.round(lead, 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        lag_pf = np.where(lag > 0, 100.0 * kwh / np.hypot(kwh, lag), 100.0)
        lead_pf = np.where(lead > 0, 100.0 * kwh / np.hypot(kwh, lead), 100.0)
    df = pd.DataFrame({
        "asset": asset,
        "time": local.tz_convert("UTC"),
        "usage_kwh": kwh,
        "lagging_kvarh": lag,
        "leading_kvarh": lead,
        "co2_t": np.round(kwh * GRID_FACTOR, 4),
        "lagging_pf": np.round(lag_pf, 2),
        "leading_pf": np.round(lead_pf, 2),
        "load_type": band,
        "week_status": np.where(dow >= 5, "weekend", "weekday").astype(object),
        "day_of_week": np.asarray(DAYS, dtype=object)[dow],
    })
    return Frame(df, units={s: u for s, (u, _) in SIGNALS.items()}, time_kind="timestamp",
                 meta=["load_type", "week_status", "day_of_week"], source=f"make_plant_load(seed={seed})")


def write_uci_csv(frame: Frame, path: str | Path) -> Path:
    """Write an energy frame in the layout of the UCI steel-industry file, quirks included.

    UTF-8 with a byte-order mark, CRLF line ends, ``dd/mm/yyyy HH:MM`` stamps at the interval
    **end** in Asia/Seoul time, with the interval 23:45–24:00 written as ``00:00`` of the day it
    closes (as the real file does). Used to test the loader and the benchmark on generated data.

    Examples
    --------
    >>> import tempfile
    >>> from bessemer.datasets._steel_energy import read_steel_energy
    >>> f = make_plant_load(2, seed=0)
    >>> p = write_uci_csv(f, Path(tempfile.mkdtemp()) / "plant.csv")
    >>> p.read_bytes()[:8]
    b'\\xef\\xbb\\xbfdate,'
    >>> back = read_steel_energy(p, asset="pohang-eaf-shop")
    >>> bool((back.column("time") == f.column("time")).all())
    True
    """
    need = ["usage_kwh", "lagging_kvarh", "leading_kvarh", "co2_t", "lagging_pf", "leading_pf"]
    missing = [s for s in need if s not in frame.signals]
    if missing:
        raise SchemaError(f"the frame lacks {missing}; the UCI layout needs {need}", file=frame.source)
    df = frame.to_pandas()
    end = pd.DatetimeIndex(df["time"]).tz_convert(TZ) + pd.Timedelta(minutes=15)
    midnight = (end.hour == 0) & (end.minute == 0)
    shown = end - pd.to_timedelta(np.asarray(midnight, dtype=np.int64), unit="D")
    start_local = pd.DatetimeIndex(df["time"]).tz_convert(TZ)
    dow = np.asarray(start_local.day_of_week)
    if "load_type" in df.columns:
        lt = df["load_type"].astype(str).to_numpy()
    else:
        lt = load_type_2018(start_local)
    nsm = np.asarray(end.hour * 3600 + end.minute * 60)
    out = pd.DataFrame({
        "date": shown.strftime("%d/%m/%Y %H:%M"),
        "Usage_kWh": df["usage_kwh"].to_numpy(),
        "Lagging_Current_Reactive.Power_kVarh": df["lagging_kvarh"].to_numpy(),
        "Leading_Current_Reactive_Power_kVarh": df["leading_kvarh"].to_numpy(),
        "CO2(tCO2)": df["co2_t"].to_numpy(),
        "Lagging_Current_Power_Factor": df["lagging_pf"].to_numpy(),
        "Leading_Current_Power_Factor": df["leading_pf"].to_numpy(),
        "NSM": nsm,
        "WeekStatus": np.where(dow >= 5, "Weekend", "Weekday"),
        "Day_of_week": np.asarray([d.capitalize() for d in DAYS])[dow],
        "Load_Type": [f"{v.capitalize()}_Load" for v in lt],
    })
    path = Path(path)
    text = out.to_csv(index=False, lineterminator="\r\n")
    path.write_bytes(("\ufeff" + text).encode("utf-8"))
    return path
