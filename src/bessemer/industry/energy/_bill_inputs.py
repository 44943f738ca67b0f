"""The inputs of a bill, checked: 15-minute kWh and kvarh series, contract power, earlier peaks.

Bad input is refused with a :class:`~bessemer.core.DataError` naming the series, and the time
and position of the first bad value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from bessemer.core import ConfigError, DataError

from ._tariff import Tariff
from ._tariff_schema import _MAX_KW, _short
from ._tariff_time import _in_seoul

_SLOT_MIN = 15  # demand is measured over 15 minutes: peak kW = kWh x 60 / 15
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
_MAX_KWH = 10_000_000.0  # per 15 minutes (40 GW): anything above is a unit mistake


@dataclass(frozen=True)
class _Series:
    times: pd.DatetimeIndex
    values: np.ndarray
    name: str

    def month_keys(self) -> np.ndarray:
        """``year * 100 + month`` of each time (Seoul calendar)."""
        return (self.times.year * 100 + self.times.month).to_numpy()


def _inputs(kwh: Any, tariff: Any, contract_kw: Any, lagging_kvarh: Any, leading_kvarh: Any, prior_peaks_kw: Any, *,
            one_month: bool) -> tuple[_Series, float, np.ndarray | None, np.ndarray | None, dict[str, float]]:
    """The checked arguments of :func:`monthly_bill` (``one_month``) or :func:`bills`, in the order they are checked."""
    if not isinstance(tariff, Tariff):
        raise ConfigError(f"tariff must be a Tariff from load_tariff(...), got {type(tariff).__name__}")
    series = _check_series(kwh, "kwh", "kWh")
    keys = np.unique(series.month_keys()) if one_month else ()
    if len(keys) > 1:
        months = sorted({f"{k // 100:04d}-{k % 100:02d}" for k in keys})
        raise DataError(f"kwh spans {len(months)} months ({months[0]} to {months[-1]}, Seoul time); monthly_bill bills "
                        "one calendar month: use bills() for several", column="kwh")
    return (series, _check_contract(contract_kw), _companion(lagging_kvarh, series, "lagging_kvarh"),
            _companion(leading_kvarh, series, "leading_kvarh"), _check_prior(prior_peaks_kw))


def _check_series(x: Any, name: str, unit: str) -> _Series:
    if not isinstance(x, pd.Series):
        raise DataError(f"{name} must be a pandas Series of {unit} per 15 minutes indexed by interval start, "
                        f"got {type(x).__name__}", column=name)
    if len(x) == 0:
        raise DataError(f"{name} is empty; a bill needs at least one 15-minute value", column=name)
    idx = x.index
    if not isinstance(idx, pd.DatetimeIndex):
        try:
            if idx.dtype.kind in "iufbc":
                raise TypeError(f"numbers ({idx.dtype}) are not timestamps")
            idx = pd.DatetimeIndex(idx)
        except (TypeError, ValueError) as err:
            raise DataError(f"{name} must be indexed by timestamps (interval starts), got a "
                            f"{type(x.index).__name__}: {err}", column=name) from err
    if idx.hasnans:
        first = int(np.flatnonzero(idx.isna())[0])
        raise DataError(f"{name} has a missing timestamp (NaT) at position {first + 1}", row=first + 1, column=name)
    idx = _in_seoul(idx)
    ns = idx.asi8 if idx.unit == "ns" else idx.as_unit("ns").asi8
    steps = np.diff(ns)
    if (steps == 0).any():
        first = int(np.flatnonzero(steps == 0)[0]) + 1
        raise DataError(f"{name} has the timestamp {idx[first]} twice (positions {first} and {first + 1}); "
                        "give one value per 15-minute interval", row=first + 1, column=name)
    if (steps < 0).any():
        first = int(np.flatnonzero(steps < 0)[0]) + 1
        raise DataError(f"{name} is out of order: {idx[first]} comes after {idx[first - 1]}; sort it by time",
                        row=first + 1, column=name)
    local = idx.tz_localize(None)
    misaligned = (local.minute.to_numpy() % _SLOT_MIN != 0) | (local.second.to_numpy() != 0) | (
        local.microsecond.to_numpy() != 0) | (local.nanosecond.to_numpy() != 0)
    if misaligned.any():
        first = int(np.flatnonzero(misaligned)[0])
        raise DataError(f"{name} has {idx[first]}, which is not a 15-minute interval start (:00, :15, :30 or :45); "
                        "give 15-minute values indexed by interval start (if your stamps mark interval ends, "
                        "subtract 15 minutes)", row=first + 1, column=name)
    try:
        values = pd.to_numeric(x, errors="raise").to_numpy(dtype=float)
    except (TypeError, ValueError) as err:
        raise DataError(f"{name} must hold numbers ({unit}): {err}", column=name) from err
    for bad, what in ((np.isnan(values), "is missing (NaN)"), (np.isinf(values), "is infinite"),
                      (values < 0, "is negative"), (values > _MAX_KWH, f"is implausibly large (> {_MAX_KWH:g})")):
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            raise DataError(f"{name} at {idx[first]} {what}: {values[first]!r} {unit}; expected a finite value >= 0 "
                            f"per 15 minutes (fill or drop the interval; check the unit)", row=first + 1, column=name)
    return _Series(idx, values, name)


def _companion(x: Any, kwh: _Series, name: str) -> np.ndarray | None:
    if x is None:
        return None
    s = _check_series(x, name, "kvarh")
    if len(s.times) != len(kwh.times) or not (s.times == kwh.times).all():
        extra = s.times.difference(kwh.times)
        lack = kwh.times.difference(s.times)
        where = f"{name} has {extra[0]} that kwh lacks" if len(extra) else f"{name} lacks {lack[0]}"
        raise DataError(f"{name} must have the same timestamps as kwh; {where}", column=name)
    return s.values


def _is_kw(value: Any, *, positive: bool) -> bool:
    """Whether ``value`` is a finite number of kW, >= 0 (> 0 when ``positive``) and not huge; booleans are not."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        return False
    x = float(value)
    return math.isfinite(x) and (0 < x if positive else 0 <= x) and x <= _MAX_KW


def _check_prior(prior: Mapping[str, float] | None) -> dict[str, float]:
    out: dict[str, float] = {}
    if prior is None:
        return out
    if not isinstance(prior, Mapping):
        raise DataError(f"prior_peaks_kw must map 'YYYY-MM' to kW, got {type(prior).__name__}", column="prior_peaks_kw")
    for k, v in prior.items():
        m = _MONTH_RE.match(k) if isinstance(k, str) else None
        if m is None or not 1 <= int(m.group(2)) <= 12:
            raise DataError(f"prior_peaks_kw keys are months 'YYYY-MM', got {_short(k)}", column="prior_peaks_kw")
        if not _is_kw(v, positive=False):
            raise DataError(f"prior_peaks_kw[{k!r}] must be a finite kW value >= 0, got {_short(v)}",
                            column="prior_peaks_kw")
        out[k] = float(v)
    return out


def _check_contract(contract_kw: Any) -> float:
    if not _is_kw(contract_kw, positive=True):
        raise DataError(f"contract_kw must be the contract power in kW (> 0), got {_short(contract_kw)}",
                        column="contract_kw")
    return float(contract_kw)
