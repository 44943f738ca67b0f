"""A deterministic fake energy service for testing the API and the dashboard.

:class:`FakeEnergyService` follows
:class:`bessemer.industry.energy._api.EnergyServiceProtocol` with no model, no solver and no
tariff engine: a site whose 15-minute load is a fixed function of the time band, from
2026-01-26 00:00 (Asia/Seoul) to the reading of 2026-03-01 17:45, a day-ahead "forecast" of
the last seven days, bills for January (partial), February (full) and March (partial) priced at
fixed illustrative rates, a one-day schedule of eight heats on two furnaces, and a carbon
ledger with one steel case. Every number is made up for tests; none is a tariff or a factor.

Examples
--------
>>> svc = FakeEnergyService()
>>> o = svc.overview()
>>> o["site"]["asset"], o["bill"]["month"], o["schedule"]["status"]
('fake-eaf-shop', '2026-02', 'optimal')
>>> [b["month"] for b in svc.bills()], svc.bill("2026-02")["items"][0]["code"]
(['2026-01', '2026-02', '2026-03'], 'demand')
>>> svc.schedule()["saving_won"] > 0
True
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from bessemer.core import DataError, NotFoundError

__all__ = ["FakeEnergyService"]

_TZ = "Asia/Seoul"
_STEP = pd.Timedelta(minutes=15)
_START = pd.Timestamp("2026-01-26 00:00", tz=_TZ)  # Monday; January is partial on purpose
_END = pd.Timestamp("2026-03-01 18:00", tz=_TZ)  # exclusive: the last reading is 17:45 local
_HOLDOUT = pd.Timestamp("2026-02-23 00:00", tz=_TZ)  # forecasts from here (7 local days)
_LEVEL = {"light": 5000.0, "medium": 9000.0, "maximum": 7000.0}  # kWh per 15 min
_RATE = {"light": 100.0, "medium": 120.0, "maximum": 150.0}  # won/kWh, illustrative for the fake
_ADDERS = (("climate_environment", "Climate-environment charge", "기후환경요금", 9.0),
           ("fuel_cost_adjustment", "Fuel-cost adjustment", "연료비조정요금", 5.0))
_DEMAND_RATE = 8000.0  # won/kW·month, illustrative
_CONTRACT_KW = 50_000.0
_FACTOR = 0.4173  # tCO2e/MWh, as the bundled 2023 factor; the fake does not read the data file
_BAND_KO = {"light": "경부하", "medium": "중간부하", "maximum": "최대부하"}


def _iso(t: pd.Timestamp) -> str:
    return t.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def _band(local: pd.DatetimeIndex) -> np.ndarray:
    """Light 23-09 h and all Sunday; maximum 10-12 and 13-17 h; medium otherwise."""
    h = np.asarray(local.hour)
    out = np.where((h >= 23) | (h < 9), "light", np.where(((h >= 10) & (h < 12)) | ((h >= 13) & (h < 17)),
                                                          "maximum", "medium")).astype(object)
    out[np.asarray(local.day_of_week) == 6] = "light"
    return out


class FakeEnergyService:
    """Deterministic stand-in for :class:`~bessemer.industry.energy.EnergyService`.

    Parameters
    ----------
    seed : int, default 5
        Seed of the small noise on the load; two services built alike give the same numbers.
    """

    def __init__(self, *, seed: int = 5) -> None:
        rng = np.random.default_rng(seed)
        local = pd.date_range(_START, _END, freq=_STEP, inclusive="left")
        self._times = local.tz_convert("UTC")
        self._bands = _band(local)
        lvl = np.array([_LEVEL[b] for b in self._bands])
        weekend = np.asarray(local.day_of_week) >= 5
        self._kwh = np.round(lvl * np.where(weekend, 0.6, 1.0) * rng.uniform(0.9, 1.1, len(local)), 1)
        # the rest of the last day: no actuals, a forecast only
        future_local = pd.date_range(_END, _END.normalize() + pd.Timedelta(days=1), freq=_STEP, inclusive="left")
        self._future = future_local.tz_convert("UTC")
        self._future_bands = _band(future_local)
        self._bills = self._make_bills(local)
        self._schedule = self._make_schedule()

    # ------------------------------------------------------------------ building the fixed answers
    def _make_bills(self, local: pd.DatetimeIndex) -> dict[str, dict[str, Any]]:
        months = np.asarray(local.strftime("%Y-%m"))
        out: dict[str, dict[str, Any]] = {}
        for month in sorted(set(months)):
            at = months == month
            kwh = self._kwh[at]
            bands = self._bands[at]
            peak_i = int(np.argmax(kwh))
            peak_kw = float(kwh[peak_i] * 4)
            billing = max(peak_kw, 0.3 * _CONTRACT_KW)
            items = [{"code": "demand", "label_en": "Demand charge", "label_ko": "기본요금", "quantity": billing,
                      "unit": "kW", "rate": _DEMAND_RATE, "amount_won": round(billing * _DEMAND_RATE, 2)}]
            for b in ("light", "medium", "maximum"):
                q = float(kwh[bands == b].sum())
                items.append({"code": f"energy_{b}", "label_en": f"Energy charge, {b} load",
                              "label_ko": f"전력량요금({_BAND_KO[b]})", "quantity": round(q, 1), "unit": "kWh",
                              "rate": _RATE[b], "amount_won": round(q * _RATE[b], 2)})
            total_kwh = float(kwh.sum())
            for code, en, ko, rate in _ADDERS:
                items.append({"code": code, "label_en": en, "label_ko": ko, "quantity": round(total_kwh, 1),
                              "unit": "kWh", "rate": rate, "amount_won": round(total_kwh * rate, 2)})
            subtotal = round(sum(i["amount_won"] for i in items), 2)
            vat = int(round(subtotal * 0.1))
            fund = int(math.floor(subtotal * 0.027 / 10) * 10)
            total = int(math.floor((subtotal + vat + fund) / 10) * 10)
            days_in = pd.Period(month).days_in_month
            partial = int(at.sum()) < days_in * 96
            notes = ["Fake bill for tests: illustrative rates, not a KEPCO tariff."]
            if partial:
                notes.append(f"Partial month: {int(at.sum())} of {days_in * 96} intervals.")
            out[month] = {
                "month": month, "items": items, "subtotal_won": subtotal, "vat_won": vat, "fund_won": fund,
                "total_won": total, "peak_kw": peak_kw, "billing_demand_kw": billing, "notes": notes,
                "kwh": round(total_kwh, 1), "peak_time": _iso(local[at][peak_i]), "contract_kw": _CONTRACT_KW,
                "partial": partial, "power_factor_pct": {},
                "tariff": {"family": "fake", "label_en": "Fake tariff", "label_ko": "시험용 요금제", "vat_rate": 0.1,
                           "fund_rate": 0.027},
                "sources": [{"what": "rates", "source": "made up for tests", "status": "Unconfirmed"}],
            }
        return out

    def _make_schedule(self) -> dict[str, Any]:
        start = pd.Timestamp("2026-03-02 00:00", tz=_TZ)
        slots = pd.date_range(start, periods=96, freq=_STEP)
        bands = _band(slots)
        price = np.array([_RATE[b] + 14.0 for b in bands])  # energy rate + the two adders
        base = np.full(96, 18_000.0)
        profile = np.array([8_000.0, 12_000.0, 12_000.0, 6_000.0])  # kWh per slot of a heat
        # (job, machine, as-is start slot, optimised start slot): the optimum moves heats to light load
        plan = [("H01", "eaf-1", 36, 0), ("H02", "eaf-1", 41, 5), ("H03", "eaf-1", 46, 10), ("H04", "eaf-1", 51, 15),
                ("H05", "eaf-2", 38, 2), ("H06", "eaf-2", 43, 7), ("H07", "eaf-2", 48, 24), ("H08", "eaf-2", 53, 92)]

        def build(col: int) -> dict[str, Any]:
            load = base.copy()
            recs = []
            for job, machine, *starts in plan:
                s = starts[col]
                load[s:s + 4] += profile * 4
                cost = float((profile * price[s:s + 4]).sum())
                recs.append({"job": job, "machine": machine, "start": _iso(slots[s]), "end": _iso(slots[s] + 4 * _STEP),
                             "kwh": float(profile.sum()), "cost_won": cost})
            energy = float((load / 4 * price).sum())
            peak = float(load.max())
            demand = _DEMAND_RATE * max(0.0, peak - 60_000.0)
            return {"records": sorted(recs, key=lambda r: (r["start"], r["job"])), "energy_cost_won": energy,
                    "demand_cost_won": demand, "total_cost_won": energy + demand,
                    "jobs_cost_won": sum(r["cost_won"] for r in recs) + demand, "peak_kw": peak,
                    "status": "feasible" if col == 0 else "optimal", "solve_s": 0.01 if col == 0 else 1.234}, load

        as_is, load0 = build(0)
        best, load1 = build(1)
        won = as_is["total_cost_won"] - best["total_cost_won"]
        return {
            "start": _iso(slots[0]), "end": _iso(slots[-1] + _STEP), "tz": _TZ, "days": 1, "heats": len(plan),
            "machines": ["eaf-1", "eaf-2"], "power_limit_kw": 100_000.0, "existing_peak_kw": 60_000.0,
            "demand_rate_won_per_kw": _DEMAND_RATE,
            "tariff": {"label_en": "Fake tariff", "label_ko": "시험용 요금제", "effective_from": "2026-01-01",
                       "status": "Unconfirmed"},
            "slots": [{"time": _iso(t), "price_won_per_kwh": float(p), "band": str(b), "as_is_kw": float(a),
                       "optimised_kw": float(o)}
                      for t, p, b, a, o in zip(slots, price, bands, load0, load1, strict=True)],
            "as_is": as_is, "optimised": best, "saving_won": won, "saving_pct": 100.0 * won / as_is["total_cost_won"],
            "saving_pct_of_jobs": 100.0 * won / as_is["jobs_cost_won"],
            "energy_saving_won": as_is["energy_cost_won"] - best["energy_cost_won"],
            "demand_saving_won": as_is["demand_cost_won"] - best["demand_cost_won"],
            "status": "optimal", "objective": best["jobs_cost_won"], "best_bound": best["jobs_cost_won"] * 0.9995,
            "mip_gap": 0.0005, "solve_s": 1.234, "time_limit_s": 20.0,
        }

    # ------------------------------------------------------------------ the forecast of one interval
    def _forecast(self, i: int) -> tuple[float, float, float]:
        """Forecast, lower and upper of row ``i`` of the held-out days (a fixed wobble around the level)."""
        bands = np.concatenate([self._bands, self._future_bands])
        f = _LEVEL[bands[i]] * (1.0 + 0.05 * math.sin(i / 7.0))
        return round(f, 1), round(0.8 * f, 1), round(1.2 * f, 1)

    # ------------------------------------------------------------------ protocol
    def overview(self) -> dict[str, Any]:
        """Site, period, tariff, latest reading, forecast accuracy, the last full bill, saving and carbon."""
        acc = self._accuracy()
        feb = self._bills["2026-02"]
        led = self._ledger()
        return {
            "site": {"asset": "fake-eaf-shop", "name_en": "Test EAF shop", "name_ko": "시험 전기로 공장", "tz": _TZ},
            "period": {"start": _iso(self._times[0]), "end": _iso(self._times[-1] + _STEP),
                       "intervals": len(self._times)},
            "tariff": {"family": "fake", "label_en": "Fake tariff", "label_ko": "시험용 요금제", "voltage": "high_a",
                       "option": "II", "effective_from": "2026-01-01", "status": "Unconfirmed",
                       "source": "made up for tests", "contract_kw": _CONTRACT_KW, "assumed": {}},
            "latest": {"time": _iso(self._times[-1]), "kwh": float(self._kwh[-1]), "kw": float(self._kwh[-1] * 4)},
            "forecast": acc,
            "bill": {"month": "2026-02", "total_won": feb["total_won"], "kwh": feb["kwh"], "peak_kw": feb["peak_kw"]},
            "schedule": {k: self._schedule[k] for k in ("saving_won", "saving_pct", "status", "mip_gap")}
            | {"as_is_won": self._schedule["as_is"]["total_cost_won"],
               "optimised_won": self._schedule["optimised"]["total_cost_won"]},
            "carbon": {"years": [2026], "scope2_t": led["totals"]["scope2_t"], "total_t": led["totals"]["total_t"],
                       "grid_factor": self._factor()},
            "updated": self.updated(),
        }

    def _held(self) -> np.ndarray:
        return np.flatnonzero(self._times >= _HOLDOUT.tz_convert("UTC"))

    def _accuracy(self) -> dict[str, Any]:
        idx = self._held()
        f = np.array([self._forecast(int(i))[0] for i in idx])
        y = self._kwh[idx]
        lo, hi = 0.8 * f, 1.2 * f
        return {"horizon": "day", "issued": "local midnight", "train_end": _iso(_HOLDOUT), "days": 7,
                "n": len(idx), "mae_kwh": float(np.mean(np.abs(y - f))),
                "rmse_kwh": float(np.sqrt(np.mean((y - f) ** 2))),
                "mean_kwh": float(np.mean(y)), "coverage": float(np.mean((y >= lo) & (y <= hi))), "nominal": 0.9}

    def load(self, days: int = 3) -> dict[str, Any]:
        """The last ``days`` local days (the current one to its end): actual, forecast band and tariff band."""
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 14:
            raise DataError(f"days must be a whole number in [1, 14], got {days!r}", column="days")
        times = self._times.append(self._future)
        bands = np.concatenate([self._bands, self._future_bands])
        start = (times[-1] + _STEP).tz_convert(_TZ) - pd.Timedelta(days=days)
        first_fc = _HOLDOUT.tz_convert("UTC")
        rows = []
        for i in np.flatnonzero(times >= start.tz_convert("UTC")):
            actual = float(self._kwh[i]) if i < len(self._kwh) else None
            if times[i] >= first_fc:
                f, lo, hi = self._forecast(int(i))
            else:
                f = lo = hi = None
            rows.append({"time": _iso(times[i]), "actual": actual, "forecast": f, "lower": lo, "upper": hi,
                         "band": str(bands[i])})
        return {"days": days, "unit": "kWh", "tz": _TZ, "coverage": 0.9, "horizon": "day",
                "train_end": _iso(_HOLDOUT), "data": rows, "count": len(rows)}

    def bills(self) -> list[dict[str, Any]]:
        """Every month, oldest first."""
        return [{k: b[k] for k in ("month", "total_won", "subtotal_won", "kwh", "peak_kw", "billing_demand_kw",
                                   "partial")} for b in self._bills.values()]

    def bill(self, month: str) -> dict[str, Any]:
        """The itemised bill of ``month``."""
        if not isinstance(month, str) or len(month) != 7 or month[4] != "-":
            raise DataError(f"expected a month as YYYY-MM, got {month!r}", column="month")
        if month not in self._bills:
            raise NotFoundError(f"no bill for {month}; billed months: {', '.join(self._bills)}")
        b = self._bills[month]
        return {**b, "items": [dict(i) for i in b["items"]], "notes": list(b["notes"])}

    def schedule(self) -> dict[str, Any]:
        """A one-day schedule of eight heats, as-is and optimised."""
        s = self._schedule
        return {**s, "slots": [dict(x) for x in s["slots"]],
                "as_is": {**s["as_is"], "records": [dict(r) for r in s["as_is"]["records"]]},
                "optimised": {**s["optimised"], "records": [dict(r) for r in s["optimised"]["records"]]}}

    def _factor(self) -> dict[str, Any]:
        return {"year": 2026, "id": "fake-grid", "value": _FACTOR, "unit": "tCO2eq/MWh", "status": "Confirmed",
                "sources": ["made up for tests"], "period": [2023, 2023], "basis": "consumption", "gas": "CO2e",
                "applies": "fake: the latest published period before 2026"}

    def _ledger(self) -> dict[str, Any]:
        kwh = float(self._kwh.sum())
        t = kwh * _FACTOR / 1000.0
        line = {"row": 1, "kind": "electricity", "item": "grid", "process": None, "scope": "scope2", "amount": kwh,
                "unit": "kWh", "factor": _FACTOR / 1000.0, "factor_unit": "tCO2eq/kWh", "factor_id": "fake-grid",
                "gas": "CO2e", "emissions_t": t, "ch4_kg": 0.0, "n2o_kg": 0.0, "status": "Confirmed",
                "sources": ["made up for tests"], "note": "metered at fake-eaf-shop"}
        return {"asset": "fake-eaf-shop", "years": [2026], "lines": [line],
                "totals": {"scope1_t": 0.0, "scope2_t": t, "route_t": 0.0, "total_t": t, "ch4_kg": 0.0, "n2o_kg": 0.0},
                "intensity": {}, "notes": ["Fake ledger for tests."]}

    def carbon(self) -> dict[str, Any]:
        """A ledger of the metered kWh and one steel case with two EAF-share scenarios."""
        base_line = {"row": 1, "kind": "production", "item": "bf-bof", "process": "bf-bof", "scope": "route",
                     "amount": 1_000_000.0, "unit": "t", "factor": 2.3, "factor_unit": "tCO2/t", "factor_id": "bf-bof",
                     "gas": "CO2", "emissions_t": 2_300_000.0, "ch4_kg": 0.0, "n2o_kg": 0.0, "status": "Secondary",
                     "sources": ["made up for tests"], "note": ""}

        def row(name: str, desc: str, total: float) -> dict[str, Any]:
            d = total - 2_300_000.0
            return {"scenario": name, "description": desc, "scope1_t": 0.0, "scope2_t": 0.0, "route_t": total,
                    "total_t": total, "delta_t": d, "delta_pct": 100.0 * d / 2_300_000.0,
                    "t_per_t_crude-steel": total / 1_000_000.0, "energy_cost_delta_won": 0.0,
                    "carbon_cost_delta_won": d * 10_000.0, "cost_delta_won": d * 10_000.0}

        case = {"name": "test-steel", "description": "A 1 Mt steel works (test case).", "year": 2023,
                "notes": ["Illustrative."],
                "baseline": {"year": 2023, "lines": [base_line],
                             "totals": {"scope1_t": 0.0, "scope2_t": 0.0, "route_t": 2_300_000.0,
                                        "total_t": 2_300_000.0, "ch4_kg": 0.0, "n2o_kg": 0.0},
                             "intensity": {"crude-steel": {"product_t": 1_000_000.0, "emissions_t": 2_300_000.0,
                                                           "processes": ["bf-bof"], "t_per_t": 2.3}},
                             "notes": []},
                "scenarios": [row("baseline", "as is", 2_300_000.0), row("eaf-30", "30 % by EAF", 1_820_000.0),
                              row("eaf-50", "50 % by EAF", 1_500_000.0)]}
        return {"ledger": self._ledger(), "grid_factors": [self._factor()], "cases": [case],
                "prices": [{"key": "carbon", "value": 10_000, "unit": "KRW/tCO2", "assumption": True,
                            "note": "illustrative carbon price (test)"}],
                "scenario_file": "fake"}

    def updated(self) -> str:
        """ISO time of the latest reading."""
        return _iso(self._times[-1])
