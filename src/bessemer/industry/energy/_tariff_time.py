"""Looking tariff data up by time: Seoul local times, holidays, and the dated period covering each time.

Times are interval starts. Timezone-aware times in any zone are converted to Asia/Seoul; naive
times are taken as Asia/Seoul local time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import holidays
import numpy as np
import pandas as pd

from bessemer.core import DataError

from ._tariff_schema import _DATE_RE, _WEEKDAYS, TZ, _Period, _short


def _as_day(on: Any, what: str = "on") -> date:
    if isinstance(on, pd.Timestamp | datetime):
        ts = pd.Timestamp(on)
        return (ts.tz_convert(TZ) if ts.tzinfo is not None else ts).date()
    if isinstance(on, date):
        return on
    if isinstance(on, str) and _DATE_RE.match(on):
        try:
            return date.fromisoformat(on)
        except ValueError as err:
            raise DataError(f"{what} must be a calendar date, got {on!r} ({err})", column=what) from err
    raise DataError(f"{what} must be a date (datetime.date, 'YYYY-MM-DD' or a timestamp), got {_short(on)}",
                    column=what)


def _in_seoul(idx: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """``idx`` in Asia/Seoul; naive times are taken as Seoul local time."""
    return idx.tz_localize(TZ) if idx.tz is None else idx.tz_convert(TZ)


def _to_local(times: Any) -> pd.DatetimeIndex:
    """Interval starts as a DatetimeIndex in Asia/Seoul (naive times are taken as local time)."""
    if isinstance(times, str | datetime | date | pd.Timestamp | np.datetime64):
        times = [times]
    try:
        idx = pd.DatetimeIndex(times)
    except (TypeError, ValueError) as err:
        raise DataError(f"expected timestamps (interval starts), got values that are not times: {err}. "
                        "Give a DatetimeIndex, or strings with one UTC offset (or none, for Seoul local time)",
                        column="time") from err
    if idx.hasnans:
        first = int(np.flatnonzero(idx.isna())[0])
        raise DataError(f"time {first + 1} is missing (NaT); every interval needs a start time",
                        row=first + 1, column="time")
    return _in_seoul(idx)


@dataclass(frozen=True)
class _Slots:
    times: pd.DatetimeIndex
    days: np.ndarray  # int64 days since 1970-01-01 (local date)
    minute: np.ndarray  # minute of the local day
    month: np.ndarray
    weekday: np.ndarray  # 0 = Monday
    holiday: np.ndarray  # bool

    @classmethod
    def of(cls, times: pd.DatetimeIndex, calendar_code: str) -> _Slots:
        local = times.tz_localize(None)
        days = local.to_numpy().astype("datetime64[D]").astype(np.int64)
        years = sorted(set(local.year.tolist()))
        hol = np.array(sorted(set().union(*(_holiday_days(calendar_code, y) for y in years))), dtype=np.int64)
        return cls(times=times, days=days,
                   minute=(local.hour * 60 + local.minute).to_numpy().astype(np.int64),
                   month=local.month.to_numpy().astype(np.int64),
                   weekday=local.day_of_week.to_numpy().astype(np.int64),
                   holiday=np.isin(days, hol))

    def day_mask(self, names: frozenset[str]) -> np.ndarray:
        wd = [i for i, n in enumerate(_WEEKDAYS) if n in names]
        mask = np.isin(self.weekday, wd)
        return mask | self.holiday if "holiday" in names else mask


@lru_cache(maxsize=256)
def _holiday_days(calendar_code: str, year: int) -> frozenset[int]:
    return frozenset(_day_number(d) for d in holidays.country_holidays(calendar_code, years=year))


def _day_number(d: date) -> int:
    return int(np.datetime64(d, "D").astype(np.int64))


def _period_index(periods: list[_Period], days: np.ndarray) -> np.ndarray:
    """Index of the period covering each day, -1 where none (periods sorted and disjoint)."""
    if not periods:
        return np.full(len(days), -1, dtype=np.int64)
    starts = np.array([_day_number(p.start) for p in periods], dtype=np.int64)
    ends = np.array([_day_number(p.end) if p.end is not None else np.iinfo(np.int64).max for p in periods],
                    dtype=np.int64)
    idx = np.searchsorted(starts, days, side="right") - 1
    ok = (idx >= 0) & (days <= ends[np.maximum(idx, 0)])
    return np.where(ok, idx, -1)


def _covering(what: str, periods: list[_Period], s: _Slots, family: str) -> np.ndarray:
    """:func:`_period_index` of every slot; a slot that no period covers is an error naming its time."""
    idx = _period_index(periods, s.days)
    if (idx < 0).any():
        first = int(np.flatnonzero(idx < 0)[0])
        raise DataError(f"no {what} of {family} covers {s.times[first]}; the data covers {_describe(periods)}. "
                        "Use times in those periods or load a tariff file that covers them with load_tariff(path=...)",
                        row=first + 1, column="time")
    return idx


def _describe(periods: list[_Period]) -> str:
    return "; ".join(p.label() for p in periods) if periods else "no period at all"


class _Usage:
    """The data entries a computation used, for the bill's notes and sources."""

    def __init__(self) -> None:
        self.entries: dict[str, dict[str, str]] = {}
        self.assumed: dict[str, float] = {}

    def add(self, what: str, source: str, status: str, note: str = "") -> None:
        self.entries.setdefault(what, {"what": what, "source": source, "status": status, "note": note})
