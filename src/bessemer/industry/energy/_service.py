"""The energy service behind the dashboard: a site's load, forecasts, bills, schedule and carbon ledger.

:meth:`EnergyService.build` does the work once, from one meter's 15-minute history:

1. **Day-ahead forecasts.** A :class:`~bessemer.industry.energy.LoadForecaster` with
   ``horizon="day"`` is fitted on the history *before* the last ``holdout_days`` local days;
   those days (and the rest of the current day, which has no actuals yet) are then forecast as
   they would have been at each local midnight. The accuracy shown (MAE, RMSE, interval
   coverage) is measured on the held-out days only: none of them was seen in training.
2. **Bills.** Every calendar month of the meter is billed with
   :func:`~bessemer.industry.energy._bill.bills` (billing demand carried across months).
   Reactive energy feeds the power-factor charge when the tariff data has a power-factor rule
   for the period; otherwise the bills are made without it and a note says why.
3. **Schedule.** A realistic electric-arc-furnace instance
   (:func:`~bessemer.industry.energy._instances.make_eaf_instance`, ``heats`` heats over
   ``days`` days from the next local midnight) is priced with the tariff's unit cost and demand
   charge, then solved by MILP within ``time_limit_s`` and compared with the plant's usual
   practice (:func:`~bessemer.industry.energy._schedule.as_is`).
4. **Carbon.** The metered kWh of each calendar year are booked as Scope 2 with that year's
   published grid factor (:func:`~bessemer.industry.energy.grid_factor`); the scenario file's
   cases (by default the bundled, illustrative ``scenarios-demo.json``) give a baseline ledger
   and the pathway comparison per case. The case baselines are yearly plant figures, so they
   are kept apart from the meter's ledger rather than added to it.

Every reading method returns JSON-friendly values; times are ISO-8601 UTC strings (interval
starts) and ``site.tz`` names the local zone the tariff bands follow. The service is read-only
after it is built, so it is safe to share between server threads.
"""

from __future__ import annotations

import json
import math
import re
import time as _time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bessemer.core import ConfigError, DataError, Frame, NotFoundError

from ._meter import TZ, holiday_mask, load_type_2018

#: Forecaster settings of the service: fast enough for the demo (a few seconds on one core).
FORECASTER_PARAMS: dict[str, Any] = {"n_estimators": 200, "n_folds": 3, "n_jobs": 1}
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_STEP = pd.Timedelta(minutes=15)
_DAYS_MAX = 14
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _iso(t: Any) -> str:
    ts = pd.Timestamp(t)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def _num(v: Any, digits: int | None = None) -> float | None:
    """A float for JSON (None for NaN/inf), optionally rounded."""
    if v is None:
        return None
    f = float(v)
    if not math.isfinite(f):
        return None
    return round(f, digits) if digits is not None else f


def check_month(month: Any) -> str:
    """``month`` as ``"YYYY-MM"``, or a :class:`DataError` saying what is expected.

    Examples
    --------
    >>> check_month("2026-03")
    '2026-03'
    >>> check_month("2026-13")
    Traceback (most recent call last):
    ...
    bessemer.core._exceptions.DataError: column 'month': expected a month as YYYY-MM (e.g. 2026-03), got '2026-13'
    """
    if not isinstance(month, str) or not _MONTH.match(month):
        shown = repr(month)[:40]
        raise DataError(f"expected a month as YYYY-MM (e.g. 2026-03), got {shown}", column="month")
    return month


def by_version(tariff: Any, times: pd.DatetimeIndex, what: str) -> np.ndarray:
    """``tariff.<what>(times)`` where ``times`` may span several versions of the tariff.

    A :class:`~bessemer.industry.energy._tariff.Tariff` prices only times inside its own version;
    this asks each version in force (``tariff.at(day)``) for the times it covers.

    Examples
    --------
    >>> from bessemer.industry.energy._tariff import load_tariff
    >>> t = load_tariff(on="2026-04-15")
    >>> times = pd.DatetimeIndex(["2026-04-15 14:00", "2026-04-16 14:00"]).tz_localize("Asia/Seoul")
    >>> by_version(t, times, "energy_rate").round(1).tolist()  # the 2026-04-16 reform moved the bands
    [164.1, 133.4]
    """
    times = pd.DatetimeIndex(times)
    local = times.tz_convert(TZ) if times.tz is not None else times.tz_localize(TZ)
    days = np.asarray(local.normalize().date)
    out: np.ndarray | None = None
    versions: dict[Any, tuple[Any, list[int]]] = {}
    for day in sorted(set(days)):
        v = tariff.at(day)
        key = v.effective_from
        versions.setdefault(key, (v, []))[1].append(day)
    for v, ds in versions.values():
        mask = np.isin(days, ds)
        vals = np.asarray(getattr(v, what)(local[mask]))
        if out is None:
            out = np.empty(len(times), dtype=vals.dtype if vals.dtype != object else object)
        out[mask] = vals
    return out if out is not None else np.empty(0)


def bills_with_pf(kwh: pd.Series, *, tariff: Any, contract_kw: float, lagging_kvarh: pd.Series | None = None,
                  leading_kvarh: pd.Series | None = None) -> tuple[list[Any], str | None]:
    """Bill every month; with the reactive energy when the tariff data has a power-factor rule for it.

    Returns the bills and, when the power-factor charge had to be left out, the reason (the
    tariff data's own message). Any other error is raised.
    """
    from ._bill import bills

    if lagging_kvarh is not None or leading_kvarh is not None:
        try:
            return bills(kwh, tariff=tariff, contract_kw=contract_kw, lagging_kvarh=lagging_kvarh,
                         leading_kvarh=leading_kvarh), None
        except DataError as err:
            if "power-factor" not in str(err):
                raise
            note = (f"Power-factor charge left out: {err.reason} The bills below have no power-factor item.")
    else:
        note = None
    return bills(kwh, tariff=tariff, contract_kw=contract_kw), note


@dataclass(frozen=True)
class _Forecast:
    times: pd.DatetimeIndex  # UTC starts, holdout days + the rest of the current day
    actual: np.ndarray  # NaN where the interval has not ended
    forecast: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    band: np.ndarray
    train_end: pd.Timestamp
    coverage: float
    fit_s: float
    cv: dict[str, Any] = field(default_factory=dict)


class EnergyService:
    """A site's energy: load with day-ahead forecasts, monthly bills, a schedule and a carbon ledger.

    Build it with :meth:`build`; the reading methods are the dashboard's contract
    (:class:`bessemer.industry.energy._api.EnergyServiceProtocol`).

    Examples
    --------
    >>> from bessemer.industry.energy._synthetic import make_plant_load
    >>> from bessemer.industry.energy._tariff import load_tariff
    >>> meter = make_plant_load(21, start="2025-05-05", seed=1)
    >>> svc = EnergyService.build(meter, tariff=load_tariff(on="2025-05-05"), contract_kw=80_000,
    ...                           holdout_days=3, heats=6, days=1, time_limit_s=5,
    ...                           forecaster_params={"n_estimators": 40, "n_folds": 3}, scenarios=None)
    >>> o = svc.overview()
    >>> o["period"]["start"], o["tariff"]["label_en"]
    ('2025-05-04T15:00:00Z', 'KEPCO industrial tariff (B), High voltage A, Option II')
    >>> [b["month"] for b in svc.bills()]
    ['2025-05']
    >>> svc.schedule()["saving_won"] >= 0
    True
    """

    def __init__(self, *, site: dict[str, Any], meter: pd.DataFrame, tariff: Any, contract_kw: float,
                 forecast: _Forecast, bills: list[Any], bill_note: str | None, schedule: dict[str, Any],
                 carbon: dict[str, Any], timings: dict[str, float]) -> None:
        self._site = site
        self._meter = meter
        self._tariff = tariff
        self._contract_kw = float(contract_kw)
        self._fc = forecast
        self._bills = {b.month: b for b in bills}
        self._bill_note = bill_note
        self._schedule = schedule
        self._carbon = carbon
        self.timings = dict(timings)

    # ------------------------------------------------------------------ building
    @classmethod
    def build(cls, frame: Frame, *, tariff: Any = None, contract_kw: float, name_en: str | None = None,
              name_ko: str | None = None, holdout_days: int = 7, coverage: float = 0.9,
              forecaster_params: Mapping[str, Any] | None = None, heats: int = 30, days: int = 2,
              furnaces: int = 2, time_limit_s: float = 20.0, seed: int = 0, production_t: float | None = None,
              scenarios: str | Path | None = "bundled",
              progress: Callable[[str, float], None] | None = None) -> EnergyService:
        """Fit, bill, schedule and book one meter's history (see the module docstring).

        Parameters
        ----------
        frame : Frame
            One asset's 15-minute history with ``usage_kwh`` (kWh) and optionally
            ``lagging_kvarh`` / ``leading_kvarh``; ``time`` the UTC interval start. Rows may be
            missing (gaps), values may not be NaN.
        tariff : Tariff, optional
            From :func:`~bessemer.industry.energy._tariff.load_tariff` (family, voltage, option and
            any stated assumptions); the version in force on the meter's last day when omitted.
            Each interval is priced with the version in force at its time.
        contract_kw : float
            Contract power (계약전력, kW) of the site: the bills' billing-demand floor.
        name_en, name_ko : str, optional
            The site's name (the asset id when omitted).
        holdout_days : int
            Local days at the end of the history that are forecast day-ahead and not trained on.
        coverage : float
            Nominal coverage of the forecast interval.
        forecaster_params : mapping, optional
            Extra :class:`LoadForecaster` settings; default :data:`FORECASTER_PARAMS`.
        heats, days, furnaces, seed : int
            The EAF scheduling instance (from the next local midnight after the last reading).
        time_limit_s : float
            Solver time limit for the schedule.
        production_t : float, optional
            Tonnes of product made over the metered period (crude steel by EAF); with it the
            ledger reports the electricity's Scope 2 intensity per tonne.
        scenarios : path, "bundled" or None
            Scenario file for the pathway comparison (:func:`load_scenarios`); ``"bundled"`` reads
            the bundled illustrative demo file, None leaves the comparison out.
        progress : callable, optional
            ``progress(stage, fraction)`` as the work advances.

        Returns
        -------
        EnergyService
        """
        from ._forecast import LoadForecaster
        from ._tariff import Tariff, load_tariff

        say = progress or (lambda stage, frac: None)
        timings: dict[str, float] = {}
        meter = _meter_table(frame)
        asset = str(meter["asset"].iloc[0])
        if not (isinstance(contract_kw, int | float) and not isinstance(contract_kw, bool)
                and math.isfinite(contract_kw) and contract_kw > 0):
            raise ConfigError(f"contract_kw must be a positive number of kW (the site's contract power), "
                              f"got {contract_kw!r}")
        if isinstance(holdout_days, bool) or not isinstance(holdout_days, int) or not 1 <= holdout_days <= _DAYS_MAX:
            raise ConfigError(f"holdout_days must be a whole number of days in [1, {_DAYS_MAX}], got {holdout_days!r}")
        local = pd.DatetimeIndex(meter["time"]).tz_convert(TZ)
        if tariff is None:
            tariff = load_tariff(on=local[-1].date())
        if not isinstance(tariff, Tariff):
            raise ConfigError(f"tariff must be a Tariff from load_tariff(...), got {type(tariff).__name__}")

        # 1. day-ahead forecasts of the held-out days
        say("energy: fitting the day-ahead load forecaster", 0.05)
        t0 = _time.perf_counter()
        last_end = local[-1] + _STEP
        last_day = (local[-1]).normalize()  # the local day of the last reading
        holdout_start = last_day - pd.Timedelta(days=holdout_days - 1)
        train_rows = local < holdout_start
        trained_days = (holdout_start - local[0]).total_seconds() / 86400
        if trained_days < 7:
            raise DataError(f"the meter holds {trained_days:.1f} days before the {holdout_days} held-out days; the "
                            "forecaster needs at least 7 (give a longer history or fewer holdout_days)",
                            file=frame.source, column="time")
        params = {**FORECASTER_PARAMS, **dict(forecaster_params or {})}
        model = LoadForecaster(horizon="day", coverage=coverage, seed=seed, **params)
        model.fit(_frame_of(meter[train_rows], frame))
        day_end = last_day + pd.Timedelta(days=1)
        future = pd.date_range(last_end, day_end, freq=_STEP, inclusive="left")
        full = _extend(meter, future, frame)
        pred = model.predict(full)
        ptimes = pd.DatetimeIndex(pred["time"]).tz_convert(TZ)
        keep = np.asarray(ptimes >= holdout_start)
        p = pred[keep]
        times = pd.DatetimeIndex(p["time"]).tz_convert("UTC")
        actual = pd.Series(meter["usage_kwh"].to_numpy(), index=pd.DatetimeIndex(meter["time"]))
        fc = _Forecast(times=times, actual=actual.reindex(times).to_numpy(dtype=float),
                       forecast=p["forecast"].to_numpy(dtype=float), lower=p["forecast_lower"].to_numpy(dtype=float),
                       upper=p["forecast_upper"].to_numpy(dtype=float),
                       band=by_version(tariff, times, "band").astype(str),
                       train_end=holdout_start.tz_convert("UTC"), coverage=float(coverage),
                       fit_s=_time.perf_counter() - t0, cv=dict(getattr(model, "cv_", {})))
        timings["forecast_s"] = fc.fit_s

        # 2. bills
        say("energy: billing every month", 0.3)
        t0 = _time.perf_counter()
        idx = pd.DatetimeIndex(meter["time"])
        kwh = pd.Series(meter["usage_kwh"].to_numpy(), index=idx)
        lag = pd.Series(meter["lagging_kvarh"].to_numpy(), index=idx) if "lagging_kvarh" in meter else None
        lead = pd.Series(meter["leading_kvarh"].to_numpy(), index=idx) if "leading_kvarh" in meter else None
        bills, note = bills_with_pf(kwh, tariff=tariff, contract_kw=float(contract_kw), lagging_kvarh=lag,
                                    leading_kvarh=lead)
        timings["bills_s"] = _time.perf_counter() - t0

        # 3. schedule of the next days
        t0 = _time.perf_counter()
        schedule = plan_schedule(tariff, start=day_end, days=days, heats=heats, furnaces=furnaces, seed=seed,
                         time_limit_s=time_limit_s, say=say)
        timings["schedule_s"] = _time.perf_counter() - t0

        # 4. carbon
        say("energy: booking the carbon ledger", 0.95)
        t0 = _time.perf_counter()
        carbon = _carbon(meter, asset, production_t=production_t, scenarios=scenarios)
        timings["carbon_s"] = _time.perf_counter() - t0
        site = {"asset": asset, "name_en": name_en or asset, "name_ko": name_ko or name_en or asset, "tz": TZ}
        say("energy: ready", 1.0)
        return cls(site=site, meter=meter, tariff=tariff, contract_kw=float(contract_kw), forecast=fc,
                   bills=bills, bill_note=note, schedule=schedule, carbon=carbon, timings=timings)

    # ------------------------------------------------------------------ reading (the protocol)
    def overview(self) -> dict[str, Any]:
        """Site, period, tariff, latest reading, forecast accuracy, last full bill, saving and carbon."""
        m = self._meter
        t = self._tariff
        last = m.iloc[-1]
        full = [b for b in self._bills.values() if not b.partial]
        bill = full[-1] if full else None
        sch = self._schedule
        tot = self._carbon["ledger"]["totals"]
        return {
            "site": dict(self._site),
            "period": {"start": _iso(m["time"].iloc[0]), "end": _iso(m["time"].iloc[-1] + _STEP),
                       "intervals": len(m)},
            "tariff": {"family": t.family, "label_en": t.label_en, "label_ko": t.label_ko, "voltage": t.voltage,
                       "option": t.option, "effective_from": t.effective_from.isoformat(), "status": t.status,
                       "source": t.source, "contract_kw": self._contract_kw,
                       "assumed": dict(t.to_dict().get("assumed") or {})},
            "latest": {"time": _iso(last["time"]), "kwh": _num(last["usage_kwh"]),
                       "kw": _num(4.0 * float(last["usage_kwh"]))},
            "forecast": self._accuracy(),
            "bill": None if bill is None else {"month": bill.month, "total_won": int(bill.total_won),
                                               "kwh": _num(bill.kwh), "peak_kw": _num(bill.peak_kw)},
            "schedule": {k: sch[k] for k in ("saving_won", "saving_pct", "status", "mip_gap")}
            | {"as_is_won": sch["as_is"]["total_cost_won"], "optimised_won": sch["optimised"]["total_cost_won"]},
            "carbon": {"years": self._carbon["ledger"]["years"], "scope2_t": tot["scope2_t"],
                       "total_t": tot["total_t"],
                       "grid_factor": (self._carbon["grid_factors"] or [None])[-1]},
            "updated": self.updated(),
        }

    def _accuracy(self) -> dict[str, Any]:
        fc = self._fc
        ok = np.isfinite(fc.actual)
        y, f = fc.actual[ok], fc.forecast[ok]
        inside = (y >= fc.lower[ok]) & (y <= fc.upper[ok])
        return {"horizon": "day", "issued": "local midnight", "train_end": _iso(fc.train_end),
                "days": int(len(np.unique(fc.times.tz_convert(TZ).normalize()))), "n": int(ok.sum()),
                "mae_kwh": _num(np.mean(np.abs(y - f))) if ok.any() else None,
                "rmse_kwh": _num(np.sqrt(np.mean((y - f) ** 2))) if ok.any() else None,
                "mean_kwh": _num(np.mean(y)) if ok.any() else None,
                "coverage": _num(np.mean(inside)) if ok.any() else None, "nominal": fc.coverage}

    def load(self, days: int = 3) -> dict[str, Any]:
        """The last ``days`` local days: actual kWh, the day-ahead forecast with its interval, tariff band.

        Forecasts exist for the held-out days only (earlier days were trained on, so a forecast
        of them would flatter the model); their ``forecast`` is None.
        """
        if isinstance(days, bool) or not isinstance(days, int | np.integer) or not 1 <= days <= _DAYS_MAX:
            raise DataError(f"days must be a whole number in [1, {_DAYS_MAX}], got {days!r}", column="days")
        fc = self._fc
        end = fc.times[-1] + _STEP
        start = (end.tz_convert(TZ) - pd.Timedelta(days=int(days))).tz_convert("UTC")
        m = self._meter
        mt = pd.DatetimeIndex(m["time"])
        before = mt[(mt >= start) & (mt < fc.times[0])]
        rows: list[dict[str, Any]] = []
        if len(before):
            bands = by_version(self._tariff, before, "band").astype(str)
            vals = m.loc[(mt >= start) & (mt < fc.times[0]), "usage_kwh"].to_numpy(dtype=float)
            rows += [{"time": _iso(t), "actual": _num(v, 3), "forecast": None, "lower": None, "upper": None,
                      "band": b} for t, v, b in zip(before, vals, bands, strict=True)]
        sel = fc.times >= start
        for i in np.flatnonzero(sel):
            rows.append({"time": _iso(fc.times[i]), "actual": _num(fc.actual[i], 3),
                         "forecast": _num(fc.forecast[i], 3), "lower": _num(fc.lower[i], 3),
                         "upper": _num(fc.upper[i], 3), "band": str(fc.band[i])})
        return {"days": int(days), "unit": "kWh", "tz": TZ, "coverage": fc.coverage, "horizon": "day",
                "train_end": _iso(fc.train_end), "data": rows, "count": len(rows)}

    def bills(self) -> list[dict[str, Any]]:
        """Every billed month, oldest first, with its totals."""
        return [{"month": b.month, "total_won": int(b.total_won), "subtotal_won": _num(b.subtotal_won, 2),
                 "kwh": _num(b.kwh, 2), "peak_kw": _num(b.peak_kw, 2),
                 "billing_demand_kw": _num(b.billing_demand_kw, 2), "partial": bool(b.partial)}
                for b in self._bills.values()]

    def bill(self, month: str) -> dict[str, Any]:
        """The itemised bill of ``month`` (``"YYYY-MM"``), labels in English and Korean."""
        check_month(month)
        b = self._bills.get(month)
        if b is None:
            raise NotFoundError(f"no bill for {month}; billed months: {', '.join(self._bills) or 'none'}")
        out = b.to_dict()
        if self._bill_note:
            out["notes"] = [*out["notes"], self._bill_note]
        return out

    def schedule(self) -> dict[str, Any]:
        """As-is and optimised schedules (Gantt records), per-slot price and load, costs and the saving."""
        return json.loads(json.dumps(self._schedule))

    def carbon(self) -> dict[str, Any]:
        """The meter's carbon ledger, the grid factors used, and the scenario comparison per case."""
        return json.loads(json.dumps(self._carbon))

    def updated(self) -> str:
        """ISO time of the latest reading (its interval start)."""
        return _iso(self._meter["time"].iloc[-1])


# ---------------------------------------------------------------------------------------------- helpers
def _meter_table(frame: Frame) -> pd.DataFrame:
    if not isinstance(frame, Frame):
        raise DataError(f"expected a Frame of 15-minute meter readings, got {type(frame).__name__}", column="frame")
    if frame.time_kind != "timestamp":
        raise DataError("the meter frame must be keyed by timestamps (time_kind='timestamp'), got cycles",
                        file=frame.source, column="time")
    if "usage_kwh" not in frame.signals:
        raise DataError(f"the meter frame has no 'usage_kwh' signal (kWh per 15 minutes); it has {frame.signals}",
                        file=frame.source, column="usage_kwh")
    if len(frame.assets) != 1:
        raise DataError(f"the energy service reads one meter; the frame holds {len(frame.assets)} assets "
                        f"({frame.assets[:5]}): select one with frame.for_assets([...])",
                        file=frame.source, column="asset")
    df = frame.to_pandas()
    t = pd.DatetimeIndex(df["time"])
    off = (t.asi8 % _STEP.value) != 0
    if off.any():
        r = int(np.flatnonzero(off)[0])
        raise DataError(f"time {t[r]} is not the start of a 15-minute interval; resample the meter to 15 minutes",
                        file=frame.source, row=r + 1, column="time")
    for col in ("usage_kwh", "lagging_kvarh", "leading_kvarh"):
        if col in df:
            v = df[col].to_numpy(dtype=float)
            bad = ~np.isfinite(v) | (v < 0)
            if bad.any():
                r = int(np.flatnonzero(bad)[0])
                raise DataError(f"{col} at {t[r]} is {v[r]!r}; expected a finite, non-negative reading (drop the "
                                "row to leave a gap)", file=frame.source, row=r + 1, column=col)
    if len(df) < 2 * 96:
        raise DataError(f"the meter holds {len(df)} intervals; the energy service needs some weeks of 15-minute "
                        "readings", file=frame.source, column="time")
    return df.reset_index(drop=True)


def _frame_of(df: pd.DataFrame, like: Frame) -> Frame:
    return Frame(df.reset_index(drop=True), units=like.units, time_kind="timestamp",
                 meta=[c for c in like.meta if c in df.columns], source=like.source)


def _extend(meter: pd.DataFrame, future: pd.DatetimeIndex, like: Frame) -> Frame:
    """The meter plus empty rows for the rest of the current day (the forecast's future)."""
    if not len(future):
        return _frame_of(meter, like)
    utc = future.tz_convert("UTC")
    local = future.tz_convert(TZ)
    extra = pd.DataFrame({"asset": meter["asset"].iloc[0], "time": utc})
    for s in like.signals:
        extra[s] = np.nan
    dow = np.asarray(local.day_of_week)
    for c in like.meta:
        if c == "load_type":
            extra[c] = load_type_2018(local, holidays=holiday_mask(local))
        elif c == "week_status":
            extra[c] = np.where(dow >= 5, "weekend", "weekday").astype(object)
        elif c == "day_of_week":
            extra[c] = np.asarray(_WEEKDAYS, dtype=object)[dow]
        else:
            extra[c] = None
    return _frame_of(pd.concat([meter, extra], ignore_index=True), like)


def plan_schedule(tariff: Any, *, start: pd.Timestamp, days: int = 2, heats: int = 30, furnaces: int = 2,
                  seed: int = 0, time_limit_s: float = 60.0,
                  say: Callable[[str, float], None] | None = None) -> dict[str, Any]:
    """Generate an EAF instance priced by ``tariff`` from ``start``, solve it, and compare with the as-is schedule.

    The instance is :func:`~bessemer.industry.energy._instances.make_eaf_instance` with the
    tariff's unit cost per slot (each slot priced by the version in force then) and its demand
    charge. Returns the JSON-friendly mapping that :meth:`EnergyService.schedule` serves.

    Examples
    --------
    >>> from bessemer.industry.energy._tariff import load_tariff
    >>> out = plan_schedule(load_tariff(on="2025-07-07"), start=pd.Timestamp("2025-07-07", tz="Asia/Seoul"),
    ...                     days=1, heats=4, time_limit_s=10)
    >>> out["status"], len(out["optimised"]["records"]), out["saving_won"] >= 0
    ('optimal', 4, True)
    """
    from ._instances import make_eaf_instance

    say = say or (lambda stage, frac: None)
    from ._schedule import as_is, saving, solve

    say(f"energy: building a {days}-day, {heats}-heat EAF schedule", 0.35)
    at_start = tariff.at(start.date())
    problem = make_eaf_instance(days=days, heats=heats, furnaces=furnaces, start=start,
                                price_won_per_kwh=lambda times: by_version(tariff, times, "unit_cost").astype(float),
                                demand_rate_won_per_kw=at_start.demand_rate, seed=seed)
    base = as_is(problem)
    limit = float(time_limit_s)

    def on_improve(info: dict[str, float]) -> None:
        frac = min(1.0, float(info.get("time_s", 0.0)) / max(limit, 1e-9))
        gap = info.get("mip_gap")
        shown = f", gap {100 * gap:.1f} %" if gap is not None and math.isfinite(gap) else ""
        say(f"energy: optimising the schedule ({info.get('time_s', 0.0):.0f} s of {limit:.0f} s{shown})",
            0.4 + 0.5 * frac)

    say(f"energy: optimising the schedule (time limit {limit:.0f} s)", 0.4)
    best = solve(problem, time_limit_s=limit, progress=on_improve)
    gain = saving(base, best)
    times = problem.times
    bands = by_version(tariff, times, "band").astype(str)

    def sched(s: Any) -> dict[str, Any]:
        recs = [{**r, "start": _iso(r["start"]), "end": _iso(r["end"]), "kwh": _num(r["kwh"], 3),
                 "cost_won": _num(r["cost_won"], 2)} for r in s.to_records()]
        return {"records": recs, "energy_cost_won": _num(s.energy_cost_won, 2),
                "demand_cost_won": _num(s.demand_cost_won, 2), "total_cost_won": _num(s.total_cost_won, 2),
                "jobs_cost_won": _num(s.jobs_cost_won, 2), "peak_kw": _num(s.peak_kw, 2), "status": s.status,
                "solve_s": _num(s.solve_s, 3)}

    slots = [{"time": _iso(t), "price_won_per_kwh": _num(p, 4), "band": b, "as_is_kw": _num(a, 2),
              "optimised_kw": _num(o, 2)}
             for t, p, b, a, o in zip(times, problem.price_won_per_kwh, bands, base.load_kw, best.load_kw, strict=True)]
    return {
        "start": _iso(times[0]), "end": _iso(times[-1] + _STEP), "tz": TZ, "days": int(days), "heats": int(heats),
        "machines": sorted({r["machine"] for r in best.to_records()} | {r["machine"] for r in base.to_records()}),
        "power_limit_kw": _num(problem.power_limit_kw, 2), "existing_peak_kw": _num(problem.existing_peak_kw, 2),
        "demand_rate_won_per_kw": _num(problem.demand_rate_won_per_kw, 2),
        "tariff": {"label_en": at_start.label_en, "label_ko": at_start.label_ko,
                   "effective_from": at_start.effective_from.isoformat(), "status": at_start.status},
        "slots": slots, "as_is": sched(base), "optimised": sched(best),
        "saving_won": _num(gain["saving_won"], 2), "saving_pct": _num(gain["saving_pct"], 3),
        "saving_pct_of_jobs": _num(gain["saving_pct_of_jobs"], 3),
        "energy_saving_won": _num(gain["energy_saving_won"], 2),
        "demand_saving_won": _num(gain["demand_saving_won"], 2),
        "status": best.status, "objective": _num(best.objective, 2), "best_bound": _num(best.best_bound, 2),
        "mip_gap": _num(best.mip_gap, 6), "solve_s": _num(best.solve_s, 3), "time_limit_s": limit,
    }


def _scenario_prices(path: str | Path | None) -> list[dict[str, Any]]:
    """The scenario file's prices with their units and notes, for display (all are assumptions)."""
    if path is None:
        text = resources.files("bessemer.industry.energy").joinpath("data/carbon/scenarios-demo.json").read_text(
            "utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    raw = json.loads(text).get("prices", {})
    out = []
    for key, v in raw.items():
        items = v.items() if key in ("fuels", "feedstocks") else [(None, v)]
        for item, p in items:
            out.append({"key": key if item is None else f"{key}/{item}", "value": p.get("value"), "unit": p.get("unit"),
                        "assumption": bool(p.get("assumption")), "note": str(p.get("note", ""))})
    return out


def _ledger_dict(led: Any) -> dict[str, Any]:
    d = led.to_dict()
    return {"year": d["year"], "lines": d["lines"], "totals": d["totals"], "intensity": d["intensity"],
            "notes": d["notes"]}


def _carbon(meter: pd.DataFrame, asset: str, *, production_t: float | None,
            scenarios: str | Path | None) -> dict[str, Any]:
    from . import ledger, load_scenarios

    local = pd.DatetimeIndex(meter["time"]).tz_convert(TZ)
    years = sorted(set(local.year))
    lines: list[dict[str, Any]] = []
    totals: dict[str, float] = {}
    factors: list[dict[str, Any]] = []
    notes: list[str] = []
    intensity: dict[str, Any] = {}
    for y in years:
        at = np.asarray(local.year == y)
        kwh = float(meter.loc[at, "usage_kwh"].sum())
        span = f"{local[at][0]:%Y-%m-%d %H:%M} to {(local[at][-1] + _STEP):%Y-%m-%d %H:%M} (Asia/Seoul)"
        acts: list[dict[str, Any]] = [{"kind": "electricity", "amount": kwh, "unit": "kWh",
                                       "note": f"metered at {asset}, {span}"}]
        if production_t is not None:
            share = kwh / float(meter["usage_kwh"].sum())
            acts[0]["process"] = asset
            acts.append({"kind": "production", "route": "eaf", "amount": float(production_t) * share, "unit": "t",
                         "process": asset, "method": "fuel-based",
                         "note": "stated production over the metered period, split by the year's share of kWh"})
        led = ledger(acts, year=int(y))
        d = _ledger_dict(led)
        lines += d["lines"]
        for k, v in d["totals"].items():
            totals[k] = totals.get(k, 0.0) + float(v)
        if d.get("intensity"):
            intensity[str(y)] = d["intensity"]
        for n in d["notes"]:
            if n not in notes:
                notes.append(n)
        if led.grid is not None:
            factors.append({"year": int(y), **led.grid.to_dict()})
    if production_t is not None:
        notes.append("Intensity per tonne here counts the metered electricity only (Scope 2); the shop's fuels and "
                     "electrodes are not metered.")
    cases: list[dict[str, Any]] = []
    prices: list[dict[str, Any]] = []
    source = None
    if scenarios is not None:
        path = None if scenarios == "bundled" else Path(scenarios)
        source = "scenarios-demo.json (bundled, illustrative)" if path is None else path.name
        for name, case in load_scenarios(path).items():
            table = case.compare()
            base = ledger(list(case.activities), year=case.year)
            rows = [{str(k): (v if not isinstance(v, float) else _num(v, 4)) for k, v in r.items()}
                    for r in table.to_dict("records")]
            cases.append({"name": name, "description": case.description, "year": case.year,
                          "notes": list(case.notes), "baseline": _ledger_dict(base), "scenarios": rows})
        prices = _scenario_prices(path)
    return {"ledger": {"asset": asset, "years": [int(y) for y in years], "lines": lines, "totals": totals,
                       "intensity": intensity, "notes": notes},
            "grid_factors": factors, "cases": cases, "prices": prices, "scenario_file": source}
