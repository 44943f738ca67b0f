"""Users' own meter exports: reading, validation report, and the calendar helpers of the energy domain.

Time convention of the whole energy domain: a :class:`~bessemer.core.Frame` keyed by
``(asset, time)`` where ``time`` is the **UTC start** of each interval (15 minutes unless
stated). Meters usually stamp the *end* of an interval in local time; :func:`read_meter_csv`
converts (and survives the "midnight closes the day" quirk of the UCI data, see
:mod:`bessemer.datasets._steel_energy`).

Validation (:func:`check_meter`) reports, without changing anything: gaps (intervals with no
reading), duplicated stamps, impossible values (negative, or above a physical cap) and stamps
off the interval grid.

Calendar helpers shared by the forecaster and the demo: :func:`local_index` (local interval
starts), :func:`holiday_mask` (public holidays from the ``holidays`` package) and
:func:`load_type_2018` (KEPCO's time band of each interval under the schedule in force in 2018).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from bessemer.core import DataError, Frame, SchemaError, read_table
from bessemer.datasets._steel_energy import TZ, interval_starts, parse_stamps

#: default cap for :func:`check_meter`: 2 GW. Not a published figure: a plausibility bound chosen to be
#: far above the demand of any single metering point of a steel works, so that a reading beyond it is a
#: unit error (Wh read as kWh) or a meter fault, not load.
MAX_KW = 2_000_000.0

#: KEPCO 산업용(을) time bands in force around 2018 (hours, local time, [start, end)), per season.
#: Source: https://home.kepco.co.kr/kepco/EN/F/htmlView/ENFBHP00109.do?menuCd=EN060201 (reference
#: energy-carbon-facts.md §1.7, status Confirmed). Winter is November to February.
BANDS_2018: dict[str, dict[str, tuple[tuple[int, int], ...]]] = {
    "summer_spring_fall": {"medium": ((9, 10), (12, 13), (17, 23)), "maximum": ((10, 12), (13, 17))},
    "winter": {"medium": ((9, 10), (12, 17), (20, 22)), "maximum": ((10, 12), (17, 20), (22, 23))},
}
#: all other hours (23:00–09:00) are light load
WINTER_MONTHS = (11, 12, 1, 2)
#: Sundays and public holidays are light load all day: status Unconfirmed in the reference (§1.7,
#: software implementations only), and what most Sundays of the 2018 UCI data show (Secondary).
LOAD_TYPE_CODES = {"light": 0, "medium": 1, "maximum": 2}


# --------------------------------------------------------------------------- calendar
def local_index(frame: Frame, *, tz: str = TZ) -> pd.DatetimeIndex:
    """Local interval starts of a frame's rows (``Asia/Seoul`` by default).

    Examples
    --------
    >>> f = Frame(pd.DataFrame({"asset": ["a"], "time": [pd.Timestamp("2018-01-01 15:00", tz="UTC")],
    ...                         "usage_kwh": [1.0]}))
    >>> local_index(f)[0]
    Timestamp('2018-01-02 00:00:00+0900', tz='Asia/Seoul')
    """
    if frame.time_kind != "timestamp":
        raise DataError(f"energy data needs timestamps, got a frame of {frame.time_kind!r} time",
                        file=frame.source, column="time")
    return pd.DatetimeIndex(frame.column("time")).tz_convert(tz)


@lru_cache(maxsize=32)
def _holiday_dates(country: str, years: tuple[int, ...]) -> frozenset[date]:
    import holidays

    try:
        cal = holidays.country_holidays(country, years=list(years))
    except NotImplementedError as err:
        raise DataError(f"no public-holiday calendar for country {country!r}; use an ISO code such as 'KR'") \
            from err
    return frozenset(cal.keys())


def holiday_mask(local: pd.DatetimeIndex, *, country: str = "KR") -> np.ndarray:
    """True for intervals that fall on a public holiday of ``country`` (local dates).

    Examples
    --------
    >>> idx = pd.DatetimeIndex(["2018-09-24 10:00", "2018-09-27 10:00"]).tz_localize("Asia/Seoul")
    >>> holiday_mask(idx).tolist()
    [True, False]
    """
    if len(local) == 0:
        return np.zeros(0, dtype=bool)
    days = local.normalize().tz_localize(None) if local.tz is not None else local.normalize()
    years = tuple(range(int(days.year.min()), int(days.year.max()) + 1))
    hol = _holiday_dates(country, years)
    if not hol:
        return np.zeros(len(local), dtype=bool)
    hol_days = pd.DatetimeIndex(sorted(pd.Timestamp(d) for d in hol))
    return np.asarray(days.isin(hol_days))


def load_type_2018(local: pd.DatetimeIndex, *, holidays: np.ndarray | None = None) -> np.ndarray:
    """KEPCO time band (``"light"``, ``"medium"``, ``"maximum"``) of each interval under the 2018 schedule.

    Parameters
    ----------
    local : pandas.DatetimeIndex
        Local interval starts.
    holidays : array of bool, optional
        Public-holiday flags (from :func:`holiday_mask` when omitted). Sundays and holidays are
        light load all day; Saturdays follow the weekday bands (as in the 2018 UCI labels).

    Examples
    --------
    >>> idx = pd.DatetimeIndex(["2018-07-02 08:45", "2018-07-02 10:00", "2018-07-02 12:15",
    ...                         "2018-01-02 17:30", "2018-07-01 10:00"]).tz_localize("Asia/Seoul")
    >>> load_type_2018(idx).tolist()
    ['light', 'maximum', 'medium', 'maximum', 'light']
    """
    hour = np.asarray(local.hour)
    winter = np.isin(np.asarray(local.month), WINTER_MONTHS)
    out = np.full(len(local), "light", dtype=object)
    for season, is_season in (("winter", winter), ("summer_spring_fall", ~winter)):
        for band, spans in BANDS_2018[season].items():
            for lo, hi in spans:
                out[is_season & (hour >= lo) & (hour < hi)] = band
    hol = holiday_mask(local) if holidays is None else np.asarray(holidays, dtype=bool)
    off = hol | (np.asarray(local.day_of_week) == 6)
    out[off] = "light"
    return out


# --------------------------------------------------------------------------- reading
def _signal_columns(kwh_col: str, kvarh_cols: Sequence[str] | Mapping[str, str] | None) -> dict[str, str]:
    cols = {"usage_kwh": kwh_col}
    if kvarh_cols is None:
        return cols
    if isinstance(kvarh_cols, Mapping):
        for sig, col in kvarh_cols.items():
            if sig not in ("lagging_kvarh", "leading_kvarh"):
                raise ValueError(f"kvarh_cols keys must be 'lagging_kvarh' or 'leading_kvarh', got {sig!r}")
            cols[sig] = col
        return cols
    if isinstance(kvarh_cols, str):
        kvarh_cols = [kvarh_cols]
    if len(kvarh_cols) > 2:
        raise ValueError("kvarh_cols names at most two columns: lagging, then leading reactive energy")
    for sig, col in zip(("lagging_kvarh", "leading_kvarh"), kvarh_cols, strict=False):
        cols[sig] = col
    return cols


def read_meter_table(
    path: str | Path,
    *,
    time_col: str,
    kwh_col: str,
    kvarh_cols: Sequence[str] | Mapping[str, str] | None = None,
    stamp: Literal["end", "start"] = "end",
    dayfirst: bool = False,
    tz: str = TZ,
    interval: str = "15min",
    asset: str = "meter",
) -> pd.DataFrame:
    """Read a meter export into a plain table (duplicates kept) for :func:`check_meter`.

    Same parameters as :func:`read_meter_csv`. Returns ``asset, time, usage_kwh`` (and the
    reactive columns asked for) in file order, ``time`` the UTC interval start; empty cells
    are NaN. Text in a number column or an unreadable stamp raises a :class:`DataError`
    naming the file, row and column.
    """
    path = Path(path)
    name = path.name
    sig_cols = _signal_columns(kwh_col, kvarh_cols)
    try:
        df = read_table(path, fmt="csv", text_columns=(time_col,))
    except DataError as err:
        raise DataError(err.reason, file=name, row=err.row, column=err.column) from err
    missing = [c for c in (time_col, *sig_cols.values()) if c not in df.columns]
    if missing:
        raise SchemaError(f"missing column(s) {missing}; the file has {list(df.columns)[:20]} (pass the right "
                          "time_col, kwh_col and kvarh_cols)", file=name, column=missing[0])
    stamps = parse_stamps(df[time_col], dayfirst=dayfirst, file=name, column=time_col)
    starts, _ = interval_starts(stamps, stamp=stamp, interval=interval, tz=tz, file=name, column=time_col)
    out = pd.DataFrame({"asset": asset, "time": starts})
    for sig, col in sig_cols.items():
        s = df[col]
        if not pd.api.types.is_numeric_dtype(s):
            text = s.astype(str).str.strip()
            num = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")
            blank = text.str.lower().isin(["", "nan", "na", "n/a", "null", "none", "-"])
            bad = (num.isna() & ~blank).to_numpy()
            if bad.any():
                r = int(np.flatnonzero(bad)[0])
                raise DataError(f"value {str(s.iloc[r])[:40]!r} is not a number (expected {sig} in kWh/kvarh)",
                                file=name, row=r + 1, column=col)
            s = num
        vals = np.asarray(s, dtype=np.float64)
        inf = np.isinf(vals)
        if inf.any():
            r = int(np.flatnonzero(inf)[0])
            raise DataError("value is infinite; expected a finite reading", file=name, row=r + 1, column=col)
        out[sig] = vals
    return out


def read_meter_csv(
    path: str | Path,
    *,
    time_col: str,
    kwh_col: str,
    kvarh_cols: Sequence[str] | Mapping[str, str] | None = None,
    stamp: Literal["end", "start"] = "end",
    dayfirst: bool = False,
    tz: str = TZ,
    interval: str = "15min",
    asset: str = "meter",
    on_duplicate: Literal["error", "last"] = "error",
) -> Frame:
    """Read a user's meter export (CSV) into an energy frame.

    Parameters
    ----------
    path : str or Path
        CSV file (``,``, ``;`` or tab; UTF-8 with or without BOM; LF or CRLF).
    time_col, kwh_col : str
        Columns of the stamp and of the active energy per interval (kWh).
    kvarh_cols : sequence or mapping, optional
        Reactive-energy columns (kvarh): ``[lagging, leading]`` or
        ``{"lagging_kvarh": col, "leading_kvarh": col}``.
    stamp : {"end", "start"}
        Whether the meter stamps the end (usual) or the start of each interval. ``00:00``
        rows that close the day they are dated (the UCI quirk) are detected and repaired.
    dayfirst : bool
        Read ``01/02/2026`` as 1 February.
    tz : str
        Time zone of stamps without a UTC offset (IANA name).
    interval : str
        Interval length (``"15min"``, ``"1h"``).
    asset : str
        Asset id of every row.
    on_duplicate : {"error", "last"}
        A repeated interval is an error naming both rows, or the later row wins.

    Returns
    -------
    Frame
        ``usage_kwh`` (kWh) and any reactive signals (kvarh); ``time`` the UTC interval start;
        empty cells are NaN (gaps). Run :func:`check_meter` on it (or on
        :func:`read_meter_table` to see duplicates) for the validation report.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "meter.csv"
    >>> _ = p.write_text("stamp;kWh\\n2026-01-05 00:15;410\\n2026-01-05 00:30;\\n", encoding="utf-8")
    >>> f = read_meter_csv(p, time_col="stamp", kwh_col="kWh")
    >>> [str(t) for t in f.column("time")], f.column("usage_kwh").tolist()
    (['2026-01-04 15:00:00+00:00', '2026-01-04 15:15:00+00:00'], [410.0, nan])
    """
    df = read_meter_table(path, time_col=time_col, kwh_col=kwh_col, kvarh_cols=kvarh_cols, stamp=stamp,
                          dayfirst=dayfirst, tz=tz, interval=interval, asset=asset)
    units = {c: ("kWh" if c == "usage_kwh" else "kvarh") for c in df.columns if c not in ("asset", "time")}
    return Frame(df, units=units, time_kind="timestamp", on_duplicate=on_duplicate, source=Path(path).name)


# --------------------------------------------------------------------------- validation
@dataclass
class MeterReport:
    """What :func:`check_meter` found in one asset's meter readings (nothing is changed).

    Attributes
    ----------
    asset, signal : str
    interval : str
        Expected interval length.
    start, end : pandas.Timestamp or None
        First and last interval start seen (UTC).
    n_rows : int
        Rows checked.
    n_expected : int
        Intervals between ``start`` and ``end`` inclusive on the grid.
    gaps : list of (Timestamp, Timestamp)
        Runs of intervals without a valid reading (no row, or NaN): start of the first
        missing interval, end of the last one (UTC).
    duplicates : list of (Timestamp, int)
        Interval starts that occur more than once, with their count.
    impossible : list of (Timestamp, float, str)
        Readings that cannot be load: negative, infinite, or above ``cap_kwh``.
    irregular : list of Timestamp
        Stamps off the interval grid (not a whole number of intervals from local midnight).
    cap_kwh : float
        The cap applied (``max_kw`` times the interval in hours).
    """

    asset: str
    signal: str
    interval: str
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    n_rows: int
    n_expected: int
    cap_kwh: float
    gaps: list[tuple[pd.Timestamp, pd.Timestamp]] = field(default_factory=list)
    duplicates: list[tuple[pd.Timestamp, int]] = field(default_factory=list)
    impossible: list[tuple[pd.Timestamp, float, str]] = field(default_factory=list)
    irregular: list[pd.Timestamp] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing was found."""
        return not (self.gaps or self.duplicates or self.impossible or self.irregular)

    @property
    def missing_intervals(self) -> int:
        """Intervals covered by the gaps."""
        step = pd.Timedelta(self.interval)
        return int(sum((b - a) // step for a, b in self.gaps))

    def to_dict(self, *, limit: int = 100) -> dict[str, Any]:
        """Plain data for JSON: counts, and at most ``limit`` items of each list (ISO 8601 UTC times)."""
        def iso(t: pd.Timestamp | None) -> str | None:
            return None if t is None else t.isoformat()

        return {
            "asset": self.asset, "signal": self.signal, "interval": self.interval, "ok": self.ok,
            "start": iso(self.start), "end": iso(self.end), "n_rows": self.n_rows,
            "n_expected": self.n_expected, "cap_kwh": self.cap_kwh,
            "missing_intervals": self.missing_intervals,
            "n_gaps": len(self.gaps), "n_duplicates": len(self.duplicates),
            "n_impossible": len(self.impossible), "n_irregular": len(self.irregular),
            "gaps": [[iso(a), iso(b)] for a, b in self.gaps[:limit]],
            "duplicates": [[iso(t), n] for t, n in self.duplicates[:limit]],
            "impossible": [[iso(t), v if np.isfinite(v) else str(v), why] for t, v, why in self.impossible[:limit]],
            "irregular": [iso(t) for t in self.irregular[:limit]],
        }


def check_meter(
    data: Frame | pd.DataFrame,
    signal: str = "usage_kwh",
    *,
    asset: str | None = None,
    interval: str = "15min",
    max_kw: float = MAX_KW,
    tz: str = TZ,
) -> MeterReport:
    """Validate one asset's interval energy readings: gaps, duplicates, impossible values, off-grid stamps.

    Parameters
    ----------
    data : Frame or pandas.DataFrame
        A frame, or a table with ``time`` (UTC interval starts), ``signal`` and optionally
        ``asset`` columns (e.g. from :func:`read_meter_table`, which keeps duplicates).
    signal : str
        The energy column (kWh per interval).
    asset : str, optional
        Which asset to check when there are several.
    interval : str
        Expected interval.
    max_kw : float
        Physical cap on average demand (kW); a reading above ``max_kw`` × interval hours is
        impossible (default :data:`MAX_KW`, 2 GW).
    tz : str
        Local zone that defines the grid (intervals start a whole number of intervals after
        local midnight).

    Examples
    --------
    >>> t = pd.to_datetime(["2026-01-05 00:00", "2026-01-05 00:15", "2026-01-05 00:15",
    ...                     "2026-01-05 01:00"]).tz_localize("Asia/Seoul").tz_convert("UTC")
    >>> rep = check_meter(pd.DataFrame({"time": t, "usage_kwh": [5.0, -1.0, 6.0, 7.0]}))
    >>> rep.ok, len(rep.gaps), rep.duplicates[0][1], rep.impossible[0][2]
    (False, 1, 2, 'negative')
    >>> rep.to_dict()["missing_intervals"]
    2
    """
    if isinstance(data, Frame):
        if data.time_kind != "timestamp":
            raise DataError("meter readings need timestamps", file=data.source, column="time")
        df = data.to_pandas()
        source = data.source
    elif isinstance(data, pd.DataFrame):
        df = data
        source = None
    else:
        raise TypeError(f"check_meter needs a Frame or a pandas DataFrame, got {type(data).__name__}")
    for col in ("time", signal):
        if col not in df.columns:
            raise SchemaError(f"no column {col!r}; have {list(df.columns)[:20]}", file=source, column=col)
    if "asset" in df.columns:
        assets = list(pd.unique(df["asset"]))
        if asset is None:
            if len(assets) > 1:
                raise ValueError(f"the data hold {len(assets)} assets; name one with asset=... "
                                 f"(e.g. {assets[0]!r})")
            asset = str(assets[0]) if assets else "meter"
        df = df[df["asset"] == asset]
    asset = asset or "meter"
    step = pd.Timedelta(interval)
    if step <= pd.Timedelta(0):
        raise ValueError(f"interval must be positive, got {interval!r}")
    cap = float(max_kw) * step / pd.Timedelta(hours=1)
    t = pd.to_datetime(df["time"], utc=True)
    v = pd.to_numeric(df[signal], errors="coerce").to_numpy(dtype=np.float64)
    order = np.argsort(t.to_numpy(), kind="stable")
    t = pd.DatetimeIndex(t.to_numpy()[order]).tz_localize("UTC") if t.dt.tz is None else \
        pd.DatetimeIndex(t.iloc[order])
    v = v[order]
    report = MeterReport(asset=str(asset), signal=signal, interval=interval, start=None, end=None,
                         n_rows=len(t), n_expected=0, cap_kwh=cap)
    if len(t) == 0:
        return report
    report.start, report.end = t[0], t[-1]
    # duplicates
    counts = pd.Series(1, index=t).groupby(level=0).size()
    report.duplicates = [(ts, int(n)) for ts, n in counts[counts > 1].items()]
    # impossible values
    for ts, val in zip(t, v, strict=True):
        if np.isnan(val):
            continue
        if np.isinf(val):
            report.impossible.append((ts, float(val), "not finite"))
        elif val < 0:
            report.impossible.append((ts, float(val), "negative"))
        elif val > cap:
            report.impossible.append((ts, float(val), f"above the cap of {cap:g} kWh ({max_kw:g} kW)"))
    # off-grid stamps
    local = t.tz_convert(tz)
    offset = (local - local.normalize()) % step
    report.irregular = list(t[np.asarray(offset != pd.Timedelta(0))])
    # gaps: grid intervals without a valid reading
    origin = local[0].normalize().tz_convert("UTC")
    k = np.asarray((t - origin) // step, dtype=np.int64)
    n = int(k.max()) + 1
    first = int(k.min())
    have = np.zeros(n, dtype=bool)
    valid = ~np.isnan(v)
    have[k[valid]] = True
    report.n_expected = n - first
    hole = ~have[first:]
    if hole.any():
        edges = np.diff(np.concatenate([[0], hole.astype(np.int8), [0]]))
        for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
            report.gaps.append((origin + (first + a) * step, origin + (first + b) * step))
    return report
