"""Reading a tariff family file: the bundled ones in ``data/tariffs/`` and the user's own.

A file is parsed strictly (no duplicate keys, no NaN or Infinity) and validated section by
section against the schema in ``data/tariffs/README.md``; the first error found names the file
and the JSON path of the bad value.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import holidays
import numpy as np

from bessemer.core import DataError, NotFoundError

from ._tariff_schema import (
    _ADDERS,
    _MAX_KW,
    _MAX_RATE,
    BANDS,
    TZ,
    _BandSchedule,
    _BandSeason,
    _BillingDemand,
    _DayRule,
    _Discount,
    _Family,
    _hhmm,
    _PowerFactorRule,
    _RateEntry,
    _RateVersion,
    _Reader,
    _SeasonPeriod,
    _short,
    _Value,
)

_FAMILY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_ROUNDING = ("none", "round_1", "floor_1", "floor_10")
_MAX_FILE_BYTES = 2_000_000


def _bundled_dir() -> Any:
    return resources.files("bessemer.industry.energy").joinpath("data", "tariffs")


@lru_cache(maxsize=16)
def _bundled(family: str) -> _Family:
    entry = _bundled_dir().joinpath(f"{family}.json")
    return _parse(entry.read_text(encoding="utf-8"), f"data/tariffs/{family}.json")


def _read_user_file(path: str | Path) -> _Family:
    p = Path(path)
    if not p.is_file():
        raise NotFoundError(f"tariff file {str(p)!r} does not exist or is not a file")
    size = p.stat().st_size
    if size > _MAX_FILE_BYTES:
        raise DataError(f"a tariff file is expected to be small (at most {_MAX_FILE_BYTES} bytes), got {size} bytes",
                        file=str(p))
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DataError(f"expected UTF-8 text, got undecodable bytes at offset {err.start}", file=str(p)) from err
    return _parse(text, str(p))


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a number; write a finite value")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate key {k!r}")
        out[k] = v
    return out


def _parse(text: str, file: str) -> _Family:
    try:
        raw = json.loads(text, parse_constant=_no_constants, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as err:
        raise DataError(f"not valid JSON: {err.msg} (line {err.lineno}, character {err.colno})", file=file,
                        row=err.lineno) from err
    except ValueError as err:
        raise DataError(f"not valid tariff JSON: {err}", file=file) from err
    r = _Reader(file)
    top = r.obj(raw, "(top level)")
    version = r.req(top, "schema_version", "")
    if version != 1:
        raise r.fail("schema_version", f"expected schema_version 1, got {_short(version)}")
    family = r.req(top, "family", "")
    if not isinstance(family, str) or not _FAMILY_RE.match(family):
        raise r.fail("family", f"expected a family name of lower-case letters, digits and '-', got {_short(family)}")
    tz = top.get("timezone", TZ)
    if tz != TZ:
        raise r.fail("timezone", f"only {TZ!r} is supported, got {_short(tz)}")
    cal = top.get("holiday_calendar", "KR")
    if not isinstance(cal, str) or not re.match(r"^[A-Z]{2}$", cal):
        raise r.fail("holiday_calendar", f"expected a two-letter country code such as 'KR', got {_short(cal)}")
    try:
        holidays.country_holidays(cal, years=2020)
    except NotImplementedError as err:
        raise r.fail("holiday_calendar", f"the holidays package has no calendar {cal!r}") from err

    voltages = _labelled(r, r.req(top, "voltages", ""), "voltages")
    options = _labelled(r, r.req(top, "options", ""), "options")
    elig = r.obj(top.get("eligibility", {}), "eligibility")
    min_kw = r.num(elig["min_contract_kw"], "eligibility.min_contract_kw", hi=_MAX_KW) \
        if "min_contract_kw" in elig else None
    max_kw = r.num(elig["max_contract_kw"], "eligibility.max_contract_kw", hi=_MAX_KW) \
        if "max_contract_kw" in elig else None

    seasons = _seasons(r, top)
    names = tuple(dict.fromkeys(n for s in seasons for n in s.of_month[1:]))
    rates = _rates(r, top, voltages, options, names)
    time_bands = _time_bands(r, top, names, any(e.time_of_use for v in rates for e in v.table.values()))
    day_rules = _day_rules(r, top)
    discounts = _discounts(r, top, names)
    adders = {name: _values(r, top.get(name, []), name, "won_per_kwh",
                            lo=-_MAX_RATE if name == "fuel_cost_adjustment" else 0.0)
              for name in _ADDERS}
    fund = _values(r, r.req(top, "fund", ""), "fund", "rate", empty=False, hi=1.0)
    vat, vat_rate, rounding = _vat_and_rounding(r, top)
    pf_rules = _power_factor(r, top)
    billing = _billing_demand(r, r.obj(r.req(top, "billing_demand", ""), "billing_demand"))

    return _Family(
        file=file, family=family,
        name_en=r.text(r.req(top, "name_en", ""), "name_en", max_len=200),
        name_ko=r.text(r.req(top, "name_ko", ""), "name_ko", max_len=200),
        currency=r.text(top.get("currency", "KRW"), "currency", max_len=8),
        holiday_calendar=cal, min_contract_kw=min_kw, max_contract_kw=max_kw,
        voltages=voltages, options=options, rates=sorted(rates, key=lambda v: v.p.start),
        seasons=sorted(seasons, key=lambda s: s.p.start), season_names=names,
        time_bands=sorted(time_bands, key=lambda s: s.p.start), day_rules=day_rules, discounts=discounts,
        adders={k: sorted(v, key=lambda e: e.p.start) for k, v in adders.items()},
        fund=sorted(fund, key=lambda e: e.p.start), vat_rate=vat_rate, vat=vat, rounding=rounding,
        power_factor=sorted(pf_rules, key=lambda p: p.p.start), billing_demand=billing)


# --------------------------------------------------------------------------------------------------------------
# the sections of the file, in the order they are validated


def _labelled(r: _Reader, value: Any, path: str) -> dict[str, dict[str, Any]]:
    out = {}
    for k, v in r.obj(value, path).items():
        r.key(k, path)
        v = r.obj(v, f"{path}.{k}")
        r.text(r.req(v, "label_ko", f"{path}.{k}"), f"{path}.{k}.label_ko", max_len=200)
        r.text(r.req(v, "label_en", f"{path}.{k}"), f"{path}.{k}.label_en", max_len=200)
        out[k] = v
    if not out:
        raise r.fail(path, "expected at least one entry")
    return out


def _seasons(r: _Reader, top: dict[str, Any]) -> list[_SeasonPeriod]:
    seasons = []
    for path, s in r.entries(r.req(top, "seasons", ""), "seasons", empty=False):
        months = r.obj(r.req(s, "months", path), f"{path}.months")
        of_month = [""] * 13
        for name, ms in months.items():
            r.key(name, f"{path}.months")
            for j, m in enumerate(r.arr(ms, f"{path}.months.{name}", empty=False)):
                r.month(m, f"{path}.months.{name}[{j}]")
                if of_month[m]:
                    raise r.fail(f"{path}.months.{name}", f"month {m} is in both {of_month[m]!r} and {name!r}")
                of_month[m] = name
        missing = [m for m in range(1, 13) if not of_month[m]]
        if missing:
            raise r.fail(f"{path}.months", f"months {missing} belong to no season; every month needs one")
        seasons.append(_SeasonPeriod(r.period(s, path), tuple(of_month)))
    r.no_overlap([s.p for s in seasons], "seasons")
    return seasons


def _rates(r: _Reader, top: dict[str, Any], voltages: dict[str, Any], options: dict[str, Any],
           names: tuple[str, ...]) -> list[_RateVersion]:
    rates = []
    for path, v in r.entries(r.req(top, "rates", ""), "rates", empty=False):
        table: dict[tuple[str, str], _RateEntry] = {}
        for volt, opts in r.obj(r.req(v, "table", path), f"{path}.table").items():
            if volt not in voltages:
                raise r.fail(f"{path}.table.{volt}", f"voltage {volt!r} is not declared in 'voltages' "
                                                     f"({', '.join(voltages)})")
            for opt, entry in r.obj(opts, f"{path}.table.{volt}").items():
                if opt not in options:
                    raise r.fail(f"{path}.table.{volt}.{opt}", f"option {opt!r} is not declared in 'options' "
                                                               f"({', '.join(options)})")
                table[(volt, opt)] = _rate_entry(r, entry, f"{path}.table.{volt}.{opt}", names)
        if not table:
            raise r.fail(f"{path}.table", "expected at least one voltage with one option")
        rates.append(_RateVersion(r.period(v, path), table))
    r.no_overlap([v.p for v in rates], "rates")
    return rates


def _rate_entry(r: _Reader, entry: Any, path: str, seasons: tuple[str, ...]) -> _RateEntry:
    entry = r.obj(entry, path)
    demand = r.num(r.req(entry, "demand", path), f"{path}.demand")
    energy = r.obj(r.req(entry, "energy", path), f"{path}.energy")
    if set(energy) != set(seasons):
        raise r.fail(f"{path}.energy", f"expected one energy charge per season ({', '.join(seasons)}), got "
                                       f"{', '.join(energy) or 'none'}")
    flat = [isinstance(v, int | float) and not isinstance(v, bool) for v in energy.values()]
    if any(flat) and not all(flat):
        raise r.fail(f"{path}.energy", "give every season either one flat rate or a rate per band, not a mix")
    out: dict[str, Any] = {}
    for s, v in energy.items():
        if all(flat):
            out[s] = r.num(v, f"{path}.energy.{s}")
            continue
        v = r.obj(v, f"{path}.energy.{s}")
        if set(v) != set(BANDS):
            raise r.fail(f"{path}.energy.{s}", f"expected the bands {', '.join(BANDS)}, got {', '.join(v) or 'none'}")
        out[s] = {b: r.num(v[b], f"{path}.energy.{s}.{b}") for b in BANDS}
    return _RateEntry(demand, out, time_of_use=not all(flat))


def _time_bands(r: _Reader, top: dict[str, Any], names: tuple[str, ...], any_tou: bool) -> list[_BandSchedule]:
    time_bands = []
    bands_raw = top.get("time_bands", [])
    if any_tou and not bands_raw:
        raise r.fail("time_bands", "time-of-use rates need at least one time-band schedule; add 'time_bands'")
    for path, sch in r.entries(bands_raw, "time_bands"):
        per = r.obj(r.req(sch, "seasons", path), f"{path}.seasons")
        if set(per) != set(names):
            raise r.fail(f"{path}.seasons", f"expected one entry per season ({', '.join(names)}), got "
                                            f"{', '.join(per) or 'none'}")
        time_bands.append(_BandSchedule(r.bare_period(sch, path),
                                        {n: _band_season(r, per[n], f"{path}.seasons.{n}") for n in names}))
    r.no_overlap([s.p for s in time_bands], "time_bands")
    return time_bands


def _band_season(r: _Reader, value: Any, path: str) -> _BandSeason:
    value = r.obj(value, path)
    minutes = np.full(1440, -1, dtype=np.int8)
    for code, band in enumerate(BANDS):
        mask = r.ranges(r.req(value, band, path), f"{path}.{band}")
        if (minutes[mask] >= 0).any():
            first = int(np.flatnonzero(mask & (minutes >= 0))[0])
            raise r.fail(f"{path}.{band}", f"{_hhmm(first)} is in two bands ({BANDS[minutes[first]]} and {band})")
        minutes[mask] = code
    incomplete = value.get("incomplete", False)
    if not isinstance(incomplete, bool):
        raise r.fail(f"{path}.incomplete", f"expected true or false, got {_short(incomplete)}")
    if not incomplete and (minutes < 0).any():
        first = int(np.flatnonzero(minutes < 0)[0])
        raise r.fail(path, f"{_hhmm(first)} is in no band; cover all 24 h or mark the season \"incomplete\": true")
    return _BandSeason(minutes, r.text(r.req(value, "source", path), f"{path}.source"),
                       r.status(r.req(value, "status", path), f"{path}.status"),
                       r.note(value, path), incomplete)


def _day_rules(r: _Reader, top: dict[str, Any]) -> list[_DayRule]:
    day_rules = []
    for path, d in r.entries(top.get("day_rules", []), "day_rules"):
        mapping = np.arange(3, dtype=np.int8)
        for a, b in r.obj(r.req(d, "map", path), f"{path}.map").items():
            if a not in BANDS or b not in BANDS:
                raise r.fail(f"{path}.map", f"expected band names among {', '.join(BANDS)}, got {a!r} -> {b!r}")
            mapping[BANDS.index(a)] = BANDS.index(b)
        day_rules.append(_DayRule(r.period(d, path), r.key(r.req(d, "code", path), f"{path}.code"),
                                  r.days(r.req(d, "days", path), f"{path}.days"), mapping))
    return day_rules


def _discounts(r: _Reader, top: dict[str, Any], names: tuple[str, ...]) -> list[_Discount]:
    discounts = []
    for path, d in r.entries(top.get("discounts", []), "discounts"):
        ss = frozenset(r.arr(r.req(d, "seasons", path), f"{path}.seasons", empty=False))
        if not ss <= set(names):
            raise r.fail(f"{path}.seasons", f"unknown season(s) {sorted(ss - set(names))}; seasons are {names}")
        discounts.append(_Discount(
            r.period(d, path), r.key(r.req(d, "code", path), f"{path}.code"),
            r.text(r.req(d, "label_en", path), f"{path}.label_en"),
            r.text(r.req(d, "label_ko", path), f"{path}.label_ko"),
            ss, r.days(r.req(d, "days", path), f"{path}.days"), r.ranges(r.req(d, "hours", path), f"{path}.hours"),
            r.num(r.req(d, "fraction", path), f"{path}.fraction", hi=1.0)))
    if len({d.code for d in discounts}) != len(discounts):
        raise r.fail("discounts", "discount codes must be unique")
    return discounts


def _values(r: _Reader, value: Any, name: str, key: str, *, empty: bool = True, lo: float = 0.0,
            hi: float = _MAX_RATE) -> list[_Value]:
    """A list of dated values (the per-kWh adders, the fund rate), periods not overlapping."""
    entries = []
    for path, a in r.entries(value, name, empty=empty):
        entries.append(_Value(r.period(a, path), r.num(r.req(a, key, path), f"{path}.{key}", lo=lo, hi=hi)))
    r.no_overlap([e.p for e in entries], name)
    return entries


def _vat_and_rounding(r: _Reader, top: dict[str, Any]) -> tuple[dict[str, Any], float, dict[str, dict[str, Any]]]:
    vat = r.obj(r.req(top, "vat", ""), "vat")
    vat_rate = r.num(r.req(vat, "rate", "vat"), "vat.rate", hi=1.0)
    _rounding_rule(r, r.req(vat, "rounding", "vat"), "vat.rounding")
    r.text(r.req(vat, "source", "vat"), "vat.source")
    r.status(r.req(vat, "status", "vat"), "vat.status")
    rounding = {}
    rnd = r.obj(r.req(top, "rounding", ""), "rounding")
    for part in ("fund", "total"):
        entry = r.obj(r.req(rnd, part, "rounding"), f"rounding.{part}")
        _rounding_rule(r, r.req(entry, "rule", f"rounding.{part}"), f"rounding.{part}.rule")
        r.text(r.req(entry, "source", f"rounding.{part}"), f"rounding.{part}.source")
        r.status(r.req(entry, "status", f"rounding.{part}"), f"rounding.{part}.status")
        rounding[part] = entry
    return vat, vat_rate, rounding


def _rounding_rule(r: _Reader, value: Any, path: str) -> str:
    if value not in _ROUNDING:
        raise r.fail(path, f"expected a rounding rule among {', '.join(_ROUNDING)}, got {_short(value)}")
    return str(value)


def _power_factor(r: _Reader, top: dict[str, Any]) -> list[_PowerFactorRule]:
    pf_rules = []
    for path, pf in r.entries(top.get("power_factor", []), "power_factor"):
        lag = r.obj(r.req(pf, "lagging", path), f"{path}.lagging")
        lead = r.obj(r.req(pf, "leading", path), f"{path}.leading")
        no_meter = pf.get("no_meter_lagging_pct")
        pf_rules.append(_PowerFactorRule(
            r.period(pf, path),
            r.num(r.req(lag, "reference_pct", f"{path}.lagging"), f"{path}.lagging.reference_pct", hi=100),
            r.ranges([r.req(lag, "window", f"{path}.lagging")], f"{path}.lagging.window"),
            r.num(r.req(lead, "reference_pct", f"{path}.leading"), f"{path}.leading.reference_pct", hi=100),
            r.ranges([r.req(lead, "window", f"{path}.leading")], f"{path}.leading.window"),
            r.num(r.req(pf, "surcharge_per_point", path), f"{path}.surcharge_per_point", hi=1.0),
            None if no_meter is None else r.num(no_meter, f"{path}.no_meter_lagging_pct", hi=100),
            {k: pf[k] for k in ("window_source", "window_status", "no_meter_source", "no_meter_status") if k in pf}))
    r.no_overlap([p.p for p in pf_rules], "power_factor")
    return pf_rules


def _billing_demand(r: _Reader, bd: dict[str, Any]) -> _BillingDemand:
    months = set()
    for j, m in enumerate(r.arr(r.req(bd, "months", "billing_demand"), "billing_demand.months")):
        months.add(r.month(m, f"billing_demand.months[{j}]"))
    window = r.req(bd, "window_months", "billing_demand")
    if isinstance(window, bool) or not isinstance(window, int) or not 1 <= window <= 36:
        raise r.fail("billing_demand.window_months", f"expected a whole number of months 1-36, got {_short(window)}")
    return _BillingDemand(
        frozenset(months), window, r.num(r.req(bd, "floor_fraction", "billing_demand"), "billing_demand.floor_fraction",
                                         hi=1.0),
        r.text(r.req(bd, "source", "billing_demand"), "billing_demand.source"),
        r.status(r.req(bd, "status", "billing_demand"), "billing_demand.status"),
        r.text(bd.get("floor_source", bd["source"]), "billing_demand.floor_source"),
        r.status(bd.get("floor_status", bd["status"]), "billing_demand.floor_status"),
        r.note(bd, "billing_demand"))
