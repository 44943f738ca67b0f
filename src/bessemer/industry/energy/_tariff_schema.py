"""The parsed form of a tariff file, and the validating reader that builds it.

:mod:`._tariff_data` reads a tariff JSON file (schema in ``data/tariffs/README.md``) into the
frozen records below; :class:`_Reader` is the set of checks it is built with, each error naming
the file and the JSON path of the bad value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from bessemer.core import DataError

#: the timezone of every tariff: naive times are read as local time here
TZ = "Asia/Seoul"
#: the time bands, cheapest first
BANDS = ("light", "medium", "maximum")
#: the status of a data entry, from the strongest to the weakest
STATUSES = ("Confirmed", "Secondary", "Derived", "Unconfirmed")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_NAMES = (*_WEEKDAYS, "holiday")
_ADDERS = ("climate_environment", "fuel_cost_adjustment")
_KEY_RE = re.compile(r"^[A-Za-z0-9_]{1,32}$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_HHMM_RE = re.compile(r"^(\d{2}):(\d{2})$")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_MAX_RATE = 1_000_000.0  # won/kWh or won/kW·month; anything above is a unit mistake
_MAX_KW = 100_000_000.0


@dataclass(frozen=True)
class _Period:
    start: date
    end: date | None
    source: str
    status: str
    note: str
    where: str

    def label(self) -> str:
        return f"{self.start} to {self.end}" if self.end is not None else f"{self.start} onwards"

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class _RateEntry:
    demand: float
    energy: dict[str, Any]  # season -> won/kWh (flat) or {band: won/kWh}
    time_of_use: bool


@dataclass(frozen=True)
class _RateVersion:
    p: _Period
    table: dict[tuple[str, str], _RateEntry]


@dataclass(frozen=True)
class _SeasonPeriod:
    p: _Period
    of_month: tuple[str, ...]  # index 1..12 -> season name (index 0 unused)


@dataclass(frozen=True)
class _BandSeason:
    minutes: np.ndarray  # int8[1440]: band code per minute of day, -1 where the data gives none
    source: str
    status: str
    note: str
    incomplete: bool


@dataclass(frozen=True)
class _BandSchedule:
    p: _Period
    seasons: dict[str, _BandSeason]


@dataclass(frozen=True)
class _DayRule:
    p: _Period
    code: str
    days: frozenset[str]
    mapping: np.ndarray  # int8[3]: band code -> band code


@dataclass(frozen=True)
class _Discount:
    p: _Period
    code: str
    label_en: str
    label_ko: str
    seasons: frozenset[str]
    days: frozenset[str]
    minutes: np.ndarray  # bool[1440]
    fraction: float


@dataclass(frozen=True)
class _Value:
    p: _Period
    value: float


@dataclass(frozen=True)
class _PowerFactorRule:
    p: _Period
    lagging_ref: float
    lagging_window: np.ndarray  # bool[1440]
    leading_ref: float
    leading_window: np.ndarray
    per_point: float
    no_meter_lagging: float | None
    extra: dict[str, Any]


@dataclass(frozen=True)
class _BillingDemand:
    months: frozenset[int]
    window: int
    floor: float
    source: str
    status: str
    floor_source: str
    floor_status: str
    note: str


@dataclass(frozen=True)
class _Family:
    file: str
    family: str
    name_en: str
    name_ko: str
    currency: str
    holiday_calendar: str
    min_contract_kw: float | None
    max_contract_kw: float | None
    voltages: dict[str, dict[str, Any]]
    options: dict[str, dict[str, Any]]
    rates: list[_RateVersion]
    seasons: list[_SeasonPeriod]
    season_names: tuple[str, ...]
    time_bands: list[_BandSchedule]
    day_rules: list[_DayRule]
    discounts: list[_Discount]
    adders: dict[str, list[_Value]]
    fund: list[_Value]
    vat_rate: float
    vat: dict[str, Any]
    rounding: dict[str, dict[str, Any]]
    power_factor: list[_PowerFactorRule]
    billing_demand: _BillingDemand


class _Reader:
    """Validating accessors over the parsed JSON; every error names the file and the JSON path."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, path: str, message: str) -> DataError:
        return DataError(message, file=self.file, column=path)

    def obj(self, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected an object {{...}}, got {_kind(value)}")
        return value

    def arr(self, value: Any, path: str, *, empty: bool = True) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(path, f"expected a list [...], got {_kind(value)}")
        if not empty and not value:
            raise self.fail(path, "expected at least one entry, got an empty list")
        return value

    def entries(self, value: Any, path: str, *, empty: bool = True) -> Iterator[tuple[str, dict[str, Any]]]:
        """``("path[i]", entry)`` for each entry of a list of objects, each entry checked when it is reached."""
        for i, v in enumerate(self.arr(value, path, empty=empty)):
            yield f"{path}[{i}]", self.obj(v, f"{path}[{i}]")

    def req(self, d: dict[str, Any], key: str, path: str) -> Any:
        if key not in d:
            raise self.fail(f"{path}.{key}" if path else key,
                            f"missing required key {key!r}; add it (see data/tariffs/README.md for the schema)")
        return d[key]

    def num(self, value: Any, path: str, *, lo: float = 0.0, hi: float = _MAX_RATE) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(path, f"expected a number, got {_kind(value)}")
        x = float(value)
        if not math.isfinite(x):
            raise self.fail(path, f"expected a finite number, got {value!r}")
        if x < lo:
            what = "negative" if lo == 0 else f"below {lo:g}"
            raise self.fail(path, f"expected a number >= {lo:g}, got {x:g} ({what}); "
                                  f"rates and charges cannot be {what}")
        if x > hi:
            raise self.fail(path, f"expected a number <= {hi:g}, got {x:g}; check the unit (won/kWh, won/kW per month)")
        return x

    def text(self, value: Any, path: str, *, max_len: int = 4000) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(path, f"expected a non-empty string, got {_kind(value)}")
        if len(value) > max_len:
            raise self.fail(path, f"expected at most {max_len} characters, got {len(value)}")
        if _CONTROL_RE.search(value):
            raise self.fail(path, "control characters are not allowed in text")
        return value

    def key(self, value: Any, path: str) -> str:
        if not isinstance(value, str) or not _KEY_RE.match(value):
            raise self.fail(path, f"expected a name of 1-32 letters, digits or '_', got {_short(value)}")
        return value

    def day(self, value: Any, path: str) -> date:
        if not isinstance(value, str) or not _DATE_RE.match(value):
            raise self.fail(path, f"expected a date 'YYYY-MM-DD', got {_short(value)}")
        try:
            return date.fromisoformat(value)
        except ValueError as err:
            raise self.fail(path, f"not a calendar date: {value!r} ({err})") from err

    def status(self, value: Any, path: str) -> str:
        if value not in STATUSES:
            raise self.fail(path, f"expected a status among {', '.join(STATUSES)}, got {_short(value)}")
        return str(value)

    def hhmm(self, value: Any, path: str) -> int:
        m = _HHMM_RE.match(value) if isinstance(value, str) else None
        if m is None or int(m.group(2)) > 59 or int(m.group(1)) * 60 + int(m.group(2)) > 1440:
            raise self.fail(path, f"expected a time 'HH:MM' between 00:00 and 24:00, got {_short(value)}")
        return int(m.group(1)) * 60 + int(m.group(2))

    def month(self, value: Any, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 12:
            raise self.fail(path, f"expected a month 1-12, got {_short(value)}")
        return value

    def ranges(self, value: Any, path: str) -> np.ndarray:
        """A list of ["HH:MM", "HH:MM") ranges (a range may wrap past midnight) -> bool[1440]."""
        mask = np.zeros(1440, dtype=bool)
        for i, r in enumerate(self.arr(value, path)):
            rp = f"{path}[{i}]"
            if not isinstance(r, list) or len(r) != 2:
                raise self.fail(rp, f"expected a pair [\"HH:MM\", \"HH:MM\"], got {_short(r)}")
            a, b = self.hhmm(r[0], f"{rp}[0]"), self.hhmm(r[1], f"{rp}[1]")
            if a == 1440 or b == 0:
                raise self.fail(rp, f"write a range that starts before 24:00 and ends after 00:00, got {r[0]}-{r[1]}")
            if a == b:
                raise self.fail(rp, f"empty range {r[0]}-{r[1]}; write the hours the rule covers")
            part = np.zeros(1440, dtype=bool)
            if a < b:
                part[a:b] = True
            else:  # wraps past midnight
                part[a:] = True
                part[:b] = True
            if (mask & part).any():
                raise self.fail(rp, f"range {r[0]}-{r[1]} overlaps another range of the same list")
            mask |= part
        return mask

    def days(self, value: Any, path: str) -> frozenset[str]:
        out = set()
        for i, d in enumerate(self.arr(value, path, empty=False)):
            if d not in _DAY_NAMES:
                raise self.fail(f"{path}[{i}]", f"expected a day among {', '.join(_DAY_NAMES)}, got {_short(d)}")
            out.add(d)
        return frozenset(out)

    def period(self, d: dict[str, Any], path: str) -> _Period:
        start = self.day(self.req(d, "effective_from", path), f"{path}.effective_from")
        end_raw = self.req(d, "effective_to", path)
        end = None if end_raw is None else self.day(end_raw, f"{path}.effective_to")
        if end is not None and end < start:
            raise self.fail(f"{path}.effective_to", f"effective_to {end} is before effective_from {start}")
        return _Period(
            start=start,
            end=end,
            source=self.text(self.req(d, "source", path), f"{path}.source"),
            status=self.status(self.req(d, "status", path), f"{path}.status"),
            note=self.note(d, path),
            where=path,
        )

    def note(self, d: dict[str, Any], path: str) -> str:
        """The optional ``note`` of an object; "" when absent or empty."""
        return self.text(d["note"], f"{path}.note") if d.get("note") else ""

    def bare_period(self, d: dict[str, Any], path: str) -> _Period:
        """A period whose source and status are given per part (time-band schedules)."""
        return self.period({**d, "source": d.get("source", "(per season)"), "status": d.get("status", "Confirmed")},
                           path)

    def no_overlap(self, periods: list[_Period], path: str) -> None:
        ordered = sorted(periods, key=lambda p: p.start)
        for a, b in zip(ordered, ordered[1:], strict=False):
            if a.end is None or a.end >= b.start:
                raise self.fail(path, f"periods overlap: {a.where} ({a.label()}) and {b.where} ({b.label()}); "
                                      "end one period the day before the next one starts")


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), f"{type(value).__name__} {_short(value)}")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
