"""KEPCO industrial tariffs as versioned data: the version in force, seasons, time bands and rates.

A tariff *family* (one JSON file in ``data/tariffs/``, schema in that folder's README) holds
rate tables with effective dates, the season and time-band schedules, weekend and holiday
rules, discounts, the per-kWh adders (climate-environment charge, fuel-cost adjustment), VAT,
the power industry fund, rounding, the power-factor rule and the billing-demand rule. Every
entry carries its ``source`` and ``status`` (Confirmed, Secondary, Derived, Unconfirmed), and
the bill (:mod:`._bill`) lists every Unconfirmed or Derived entry it used in its notes.

Times are **interval starts**. Timezone-aware times in any zone are converted to Asia/Seoul;
naive times are taken as Asia/Seoul local time. A time that no entry of the data covers is an
error naming the time: nothing is filled in that the data does not hold (a value can be stated
explicitly with ``load_tariff(..., assume={...})``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bessemer.core import ConfigError, DataError, NotFoundError

from ._tariff_data import _FAMILY_RE, _bundled, _bundled_dir, _read_user_file
from ._tariff_schema import _ADDERS, BANDS, _Family, _hhmm, _Period, _RateEntry, _short
from ._tariff_time import _as_day, _covering, _describe, _period_index, _Slots, _to_local, _Usage


def tariff_families() -> list[str]:
    """Names of the tariff families shipped with Bessemer.

    Examples
    --------
    >>> "kepco-industrial-eul" in tariff_families()
    True
    """
    return sorted(p.name[:-5] for p in _bundled_dir().iterdir() if p.name.endswith(".json"))


class Tariff:
    """One version of a tariff family for one voltage and option, as returned by :func:`load_tariff`.

    Methods taking ``times`` accept interval starts (a DatetimeIndex, a Series or list of times, or
    one time). Timezone-aware times in any zone are converted to Asia/Seoul; naive times are taken as
    Asia/Seoul local time. Every method returns one value per time, as a numpy array. A time outside
    this version's period, or that the data's schedules do not cover, raises :class:`DataError`
    naming the time.

    Attributes
    ----------
    family, voltage, option : str
    effective_from : datetime.date
    effective_to : datetime.date or None
        None while the version is the latest one.
    status : str
        Status of the rate table (Confirmed, Secondary, Derived or Unconfirmed).
    source : str
        Where the rate table comes from.
    demand_rate : float
        Demand charge in won per kW per month.
    time_of_use : bool
        False for a flat energy charge per season (for example 산업용(갑) I).
    """

    def __init__(self, fam: _Family, version: int, voltage: str, option: str,
                 assume: Mapping[str, float] | None = None) -> None:
        self._fam = fam
        self._v = version
        self._entry = fam.rates[version].table[(voltage, option)]
        self._assume = dict(assume or {})
        self.family = fam.family
        self.voltage = voltage
        self.option = option

    # -- description --------------------------------------------------------------------------------------
    @property
    def _p(self) -> _Period:
        return self._fam.rates[self._v].p

    @property
    def effective_from(self) -> date:
        return self._p.start

    @property
    def effective_to(self) -> date | None:
        return self._p.end

    @property
    def status(self) -> str:
        return self._p.status

    @property
    def source(self) -> str:
        return self._p.source

    @property
    def demand_rate(self) -> float:
        return self._entry.demand

    @property
    def time_of_use(self) -> bool:
        return self._entry.time_of_use

    @property
    def label_en(self) -> str:
        """For example ``KEPCO industrial tariff (B), High voltage A, Option II``."""
        f = self._fam
        return f"{f.name_en}, {f.voltages[self.voltage]['label_en']}, {f.options[self.option]['label_en']}"

    @property
    def label_ko(self) -> str:
        """For example ``산업용(을) 고압A 선택 II``."""
        f = self._fam
        return f"{f.name_ko} {f.voltages[self.voltage]['label_ko']} {f.options[self.option]['label_ko']}"

    def __repr__(self) -> str:
        return (f"Tariff({self.family!r}, voltage={self.voltage!r}, option={self.option!r}, "
                f"{self._p.label()}, {self.status})")

    def at(self, on: date | datetime | str) -> Tariff:
        """The version of the same family, voltage and option in force on ``on``."""
        return _select(self._fam, self.voltage, self.option, _as_day(on), self._assume)

    def to_dict(self) -> dict[str, Any]:
        """This version as a JSON-friendly mapping (rates, period, source, status)."""
        return {
            "family": self.family, "name_en": self._fam.name_en, "name_ko": self._fam.name_ko,
            "voltage": self.voltage, "option": self.option, "label_en": self.label_en, "label_ko": self.label_ko,
            "currency": self._fam.currency,
            "effective_from": self.effective_from.isoformat(),
            "effective_to": None if self.effective_to is None else self.effective_to.isoformat(),
            "status": self.status, "source": self.source, "note": self._p.note,
            "time_of_use": self.time_of_use, "demand_rate_won_per_kw_month": self.demand_rate,
            "energy_rates_won_per_kwh": json.loads(json.dumps(self._entry.energy)),
            "assumed": dict(self._assume), "file": self._fam.file,
        }

    # -- by time ------------------------------------------------------------------------------------------
    def season(self, times: Any) -> np.ndarray:
        """Season name of each time (``summer``, ``spring_fall``, ``winter`` for KEPCO).

        Examples
        --------
        >>> t = load_tariff(on="2018-06-01")
        >>> t.season(["2018-01-15 10:00", "2018-06-15 10:00", "2018-10-01 10:00"]).tolist()
        ['winter', 'summer', 'spring_fall']
        """
        s = self._slots(times)
        return np.asarray(self._fam.season_names, dtype=object)[self._season_codes(s)]

    def band(self, times: Any) -> np.ndarray:
        """Billing time band of each time: ``light``, ``medium`` or ``maximum``.

        Weekend and public-holiday rules of the data (Korean holidays from the ``holidays``
        package) are applied, so this is the band whose rate is charged.

        Examples
        --------
        >>> t = load_tariff(on="2018-06-01")
        >>> t.band(["2018-06-01 08:45", "2018-06-01 09:00", "2018-06-01 14:00", "2018-06-03 14:00"]).tolist()
        ['light', 'medium', 'maximum', 'light']
        """
        s = self._slots(times)
        return np.asarray(BANDS, dtype=object)[self._band_codes(s, self._season_codes(s))]

    def energy_rate(self, times: Any) -> np.ndarray:
        """Energy charge in won/kWh at each time, after time-of-use discounts (no adders, no VAT).

        Examples
        --------
        >>> t = load_tariff(voltage="high_a", option="II", on="2018-06-01")
        >>> t.energy_rate(["2018-06-01 03:00", "2018-06-01 14:00"]).tolist()
        [56.1, 191.1]
        """
        parts = self._parts(self._slots(times), _Usage(), adders=False)
        return parts["energy_rate"] * (1.0 - parts["discount"])

    def unit_cost(self, times: Any) -> np.ndarray:
        """Cost of one more kWh at each time in won/kWh, for schedulers.

        The discounted energy charge plus the per-kWh adders (climate-environment charge and
        fuel-cost adjustment). VAT and the power industry fund scale the whole bill and are left
        out, as is the demand charge (see :attr:`demand_rate`).

        Examples
        --------
        >>> t = load_tariff(voltage="high_a", option="II", on="2025-06-01")
        >>> t.unit_cost(["2025-06-02 14:00"]).tolist()  # summer maximum 245.9 + climate 9.0 + fuel 5.0
        [259.9]
        """
        parts = self._parts(self._slots(times), _Usage())
        return np.round(parts["energy_rate"] * (1.0 - parts["discount"]) + parts["climate_environment"]
                        + parts["fuel_cost_adjustment"], 10)

    def rates(self, times: Any) -> pd.DataFrame:
        """Everything that prices a kWh at each time, as a frame indexed by the (Seoul) times.

        Columns: ``season``, ``band`` (empty for a flat tariff), ``energy_rate`` (before discounts),
        ``discount`` (fraction), ``climate_environment``, ``fuel_cost_adjustment`` and ``unit_cost``,
        all in won/kWh except ``discount``.
        """
        s = self._slots(times)
        p = self._parts(s, _Usage())
        unit = p["energy_rate"] * (1.0 - p["discount"]) + p["climate_environment"] + p["fuel_cost_adjustment"]
        return pd.DataFrame({
            "season": np.asarray(self._fam.season_names, dtype=object)[p["season"]],
            "band": np.where(p["band"] >= 0, np.asarray(BANDS, dtype=object)[np.maximum(p["band"], 0)], ""),
            "energy_rate": p["energy_rate"], "discount": p["discount"],
            "climate_environment": p["climate_environment"], "fuel_cost_adjustment": p["fuel_cost_adjustment"],
            "unit_cost": np.round(unit, 10),
        }, index=pd.DatetimeIndex(s.times, name="time"))

    # -- internals ----------------------------------------------------------------------------------------
    def _slots(self, times: Any) -> _Slots:
        s = _Slots.of(_to_local(times), self._fam.holiday_calendar)
        own = _period_index([self._p], s.days)
        if (own < 0).any():
            first = int(np.flatnonzero(own < 0)[0])
            raise DataError(
                f"{s.times[first]} is outside this tariff version ({self._p.label()}); load the version in force "
                f"then with load_tariff(..., on=...) or tariff.at(...). Versions: {_describe(self._periods())}",
                row=first + 1, column="time")
        return s

    def _periods(self) -> list[_Period]:
        return [v.p for v in self._fam.rates]

    def _season_codes(self, s: _Slots, usage: _Usage | None = None) -> np.ndarray:
        fam = self._fam
        idx = _covering("season table", [x.p for x in fam.seasons], s, fam.family)
        codes = np.empty(len(s.days), dtype=np.int64)
        for k in np.unique(idx):
            sp = fam.seasons[k]
            at = idx == k
            lookup = np.array([fam.season_names.index(n) if n else -1 for n in sp.of_month], dtype=np.int64)
            codes[at] = lookup[s.month[at]]
            if usage is not None:
                usage.add(f"seasons {sp.p.label()}", sp.p.source, sp.p.status, sp.p.note)
        return codes

    def _band_codes(self, s: _Slots, season: np.ndarray, usage: _Usage | None = None) -> np.ndarray:
        fam = self._fam
        if not fam.time_bands:
            raise ConfigError(f"tariff {fam.family} has no time-band schedule: its energy charge is flat")
        idx = _covering("time-band schedule", [x.p for x in fam.time_bands], s, fam.family)
        band = np.empty(len(s.days), dtype=np.int8)
        for k in np.unique(idx):
            sch = fam.time_bands[k]
            for c, name in enumerate(fam.season_names):
                at = (idx == k) & (season == c)
                if not at.any():
                    continue
                bs = sch.seasons[name]
                band[at] = bs.minutes[s.minute[at]]
                if (band[at] < 0).any():
                    first = int(np.flatnonzero(at)[np.flatnonzero(band[at] < 0)[0]])
                    raise DataError(
                        f"the {name} time bands of {fam.family} ({sch.p.label()}) do not define "
                        f"{_hhmm(int(s.minute[first]))} on {s.times[first]}: {bs.note or 'the data gives no band'} "
                        f"({bs.status}). Load a tariff file that defines these hours with load_tariff(path=...)",
                        row=first + 1, column="time")
                if usage is not None:
                    usage.add(f"time bands, {name}, {sch.p.label()}", bs.source, bs.status, bs.note or sch.p.note)
        for rule in fam.day_rules:
            at = (_period_index([rule.p], s.days) >= 0) & s.day_mask(rule.days)
            if at.any():
                changed = rule.mapping[band[at]] != band[at]
                band[at] = rule.mapping[band[at]]
                if usage is not None and changed.any():
                    usage.add(f"day rule '{rule.code}'", rule.p.source, rule.p.status, rule.p.note)
        return band

    def _parts(self, s: _Slots, usage: _Usage, *, version: np.ndarray | None = None,
               adders: bool = True) -> dict[str, np.ndarray]:
        """Per-time season, band, base energy rate, discount and adders; ``version`` per time (default: own)."""
        fam = self._fam
        n = len(s.days)
        if version is None:
            version = np.full(n, self._v, dtype=np.int64)
        season = self._season_codes(s, usage)
        tou = [_entry_of(fam, int(v), self.voltage, self.option).time_of_use for v in np.unique(version)]
        band = self._band_codes(s, season, usage) if any(tou) else np.full(n, -1, dtype=np.int8)
        rate = np.empty(n, dtype=float)
        for v in np.unique(version):
            entry = _entry_of(fam, int(v), self.voltage, self.option)
            p = fam.rates[v].p
            usage.add(f"rates {p.label()}", p.source, p.status, p.note)
            for c, name in enumerate(fam.season_names):
                at = (version == v) & (season == c)
                if not at.any():
                    continue
                e = entry.energy[name]
                rate[at] = np.array([e[b] for b in BANDS])[band[at]] if entry.time_of_use else e
        discount = np.zeros(n, dtype=float)
        for d in fam.discounts:
            at = ((_period_index([d.p], s.days) >= 0) & s.day_mask(d.days) & d.minutes[s.minute]
                  & np.isin(season, [fam.season_names.index(x) for x in d.seasons]))
            if at.any():
                discount[at] = 1.0 - (1.0 - discount[at]) * (1.0 - d.fraction)
                usage.add(f"discount '{d.code}'", d.p.source, d.p.status, d.p.note)
        out = {"season": season, "band": band, "energy_rate": rate, "discount": discount}
        for name in _ADDERS if adders else ():
            out[name] = self._adder(name, s, usage)
        return out

    def _adder(self, name: str, s: _Slots, usage: _Usage) -> np.ndarray:
        entries = self._fam.adders[name]
        idx = _period_index([e.p for e in entries], s.days)
        values = np.array([e.value for e in entries] + [np.nan], dtype=float)[idx]
        for k in np.unique(idx[idx >= 0]):
            e = entries[k]
            usage.add(f"{name.replace('_', '-')} {e.value:g} won/kWh, {e.p.label()}", e.p.source, e.p.status, e.p.note)
        if (idx < 0).any():
            if name not in self._assume:
                first = int(np.flatnonzero(idx < 0)[0])
                raise DataError(
                    f"the data of {self._fam.family} gives no {name.replace('_', '-')} for {s.times[first]} "
                    f"(it covers {_describe([e.p for e in entries])}). State the value you assume with "
                    f"load_tariff(..., assume={{'{name}': WON_PER_KWH}})", row=first + 1, column="time")
            values[idx < 0] = self._assume[name]
            usage.assumed[name] = self._assume[name]
        return values


def _entry_of(fam: _Family, v: int, voltage: str, option: str) -> _RateEntry:
    try:
        return fam.rates[v].table[(voltage, option)]
    except KeyError:
        have = ", ".join(f"{a}/{b}" for a, b in fam.rates[v].table)
        raise NotFoundError(f"the {fam.family} rates of {fam.rates[v].p.label()} have no voltage {voltage!r} with "
                            f"option {option!r}; they have {have}") from None


def _select(fam: _Family, voltage: str, option: str, on: date, assume: Mapping[str, float]) -> Tariff:
    if voltage not in fam.voltages:
        raise NotFoundError(f"tariff {fam.family} has no voltage {voltage!r}; it has {', '.join(fam.voltages)}")
    if option not in fam.options:
        raise NotFoundError(f"tariff {fam.family} has no option {option!r}; it has {', '.join(fam.options)}")
    for i, v in enumerate(fam.rates):
        if v.p.covers(on):
            _entry_of(fam, i, voltage, option)
            return Tariff(fam, i, voltage, option, assume)
    raise NotFoundError(f"no version of tariff {fam.family} is in force on {on}; versions: "
                        f"{_describe([v.p for v in fam.rates])}")


def load_tariff(family: str | None = None, *, path: str | Path | None = None, voltage: str = "high_a",
                option: str = "II", on: date | datetime | str, assume: Mapping[str, float] | None = None) -> Tariff:
    """The version of a tariff in force on a date, for one voltage and option.

    Parameters
    ----------
    family : str, optional
        A bundled family (see :func:`tariff_families`); default ``"kepco-industrial-eul"``
        (KEPCO 산업용(을)). With ``path``, the family named in the file is used and ``family``,
        if given, must match it.
    path : str or Path, optional
        A tariff file of your own (schema in ``data/tariffs/README.md``), validated on load.
    voltage : str
        ``"high_a"`` (3.3-66 kV), ``"high_b"`` (154 kV) or ``"high_c"`` (345 kV and above) for KEPCO 을.
    option : str
        ``"I"``, ``"II"`` or ``"III"``.
    on : date, datetime or 'YYYY-MM-DD'
        The date whose version is wanted (a timezone-aware time is read in Asia/Seoul).
    assume : mapping, optional
        Values you assume where the data has none, in won/kWh: ``{"fuel_cost_adjustment": 5.0}``
        (the data has none from 2026-Q2), ``{"climate_environment": 9.0}``. A bill that uses one
        says so in its notes.

    Returns
    -------
    Tariff

    Raises
    ------
    NotFoundError
        Unknown family, voltage or option, or no version in force on ``on`` (the message lists
        the versions that exist).
    DataError
        A file that breaks the schema (missing keys, negative or huge rates, overlapping
        periods...), naming the file and the JSON path.

    Examples
    --------
    >>> t = load_tariff(voltage="high_a", option="II", on="2018-06-01")
    >>> t.demand_rate, t.effective_from.isoformat(), t.status
    (8320.0, '2018-01-01', 'Derived')
    >>> load_tariff(on="2026-05-01").effective_from.isoformat()
    '2026-04-16'
    """
    day = _as_day(on)
    if path is not None:
        fam = _read_user_file(path)
        if family is not None and family != fam.family:
            raise ConfigError(f"family {family!r} was asked for but {path} holds {fam.family!r}; leave family out "
                              "or name the file's family")
    else:
        family = "kepco-industrial-eul" if family is None else family
        if not isinstance(family, str) or not _FAMILY_RE.match(family):
            raise ConfigError(f"a tariff family name is lower-case letters, digits and '-', got {_short(family)}")
        known = tariff_families()
        if family not in known:
            raise NotFoundError(f"no bundled tariff family {family!r}; bundled: {', '.join(known)}. "
                                "For your own file use load_tariff(path=...)")
        fam = _bundled(family)
    checked = {}
    for k, v in (assume or {}).items():
        if k not in _ADDERS:
            raise ConfigError(f"assume accepts {', '.join(_ADDERS)}, got {k!r}")
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or abs(v) > 10_000:
            raise ConfigError(f"assume[{k!r}] must be a finite number of won/kWh, got {_short(v)}")
        checked[k] = float(v)
    return _select(fam, voltage, option, day, checked)
