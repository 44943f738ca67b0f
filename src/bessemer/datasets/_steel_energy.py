"""Loader for the UCI "Steel Industry Energy Consumption" data (DAEWOO Steel, Gwangyang, 2018).

One CSV row per 15-minute interval (UCI 851; Sathishkumar, Shin & Cho; CC BY 4.0)::

    date,Usage_kWh,Lagging_Current_Reactive.Power_kVarh,Leading_Current_Reactive_Power_kVarh,CO2(tCO2),
    Lagging_Current_Power_Factor,Leading_Current_Power_Factor,NSM,WeekStatus,Day_of_week,Load_Type
    01/01/2018 00:15,3.17,2.95,0,0,73.21,100,900,Weekday,Monday,Light_Load

Quirks the loader survives: a UTF-8 byte-order mark, CRLF line ends, ``dd/mm/yyyy`` dates,
and **midnight rows that close the day**: each row is stamped at the *end* of its interval
in local time (Asia/Seoul, UTC+9, no daylight saving), and the interval 23:45–24:00 of a day
is written as ``00:00`` of that same day (``30/09/2018 00:00`` follows ``30/09/2018 23:45``).

The frame it returns follows the energy domain's time convention: ``time`` is the **UTC
start** of each 15-minute interval. Signals and units:

=============== ======= ===================================================
signal          unit    file column
=============== ======= ===================================================
usage_kwh       kWh     Usage_kWh
lagging_kvarh   kvarh   Lagging_Current_Reactive.Power_kVarh
leading_kvarh   kvarh   Leading_Current_Reactive_Power_kVarh
co2_t           tCO2    CO2(tCO2)
lagging_pf      %       Lagging_Current_Power_Factor
leading_pf      %       Leading_Current_Power_Factor
=============== ======= ===================================================

Meta columns (text): ``load_type`` (``"light"``, ``"medium"``, ``"maximum"``: KEPCO's time
band of the interval), ``week_status`` (``"weekday"``, ``"weekend"``) and ``day_of_week``
(``"monday"`` ... ``"sunday"``). ``NSM`` (seconds from midnight) is redundant with the
time and is not kept.

The time helpers :func:`parse_stamps` and :func:`interval_starts` are shared with the
energy domain's reader of users' own meter exports.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from bessemer.core import DataError, Frame, NotFoundError, SchemaError, read_table

#: the time zone of the UCI data (Gwangyang, Korea; no daylight saving since 1988)
TZ = "Asia/Seoul"
#: length of one interval
INTERVAL = pd.Timedelta(minutes=15)
#: signal -> (unit, file column)
SIGNALS: dict[str, tuple[str, str]] = {
    "usage_kwh": ("kWh", "Usage_kWh"),
    "lagging_kvarh": ("kvarh", "Lagging_Current_Reactive.Power_kVarh"),
    "leading_kvarh": ("kvarh", "Leading_Current_Reactive_Power_kVarh"),
    "co2_t": ("tCO2", "CO2(tCO2)"),
    "lagging_pf": ("%", "Lagging_Current_Power_Factor"),
    "leading_pf": ("%", "Leading_Current_Power_Factor"),
}
#: meta column -> file column
META: dict[str, str] = {"load_type": "Load_Type", "week_status": "WeekStatus", "day_of_week": "Day_of_week"}
LOAD_TYPES = ("light", "medium", "maximum")
WEEK_STATUS = ("weekday", "weekend")
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_UCI_FORMATS = ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S")
_NON_ALNUM = re.compile(r"[^a-z0-9]")


def _key(name: str) -> str:
    """Column-name key: lower case, letters and digits only (``CO2(tCO2)`` -> ``co2tco2``)."""
    return _NON_ALNUM.sub("", name.lower())


def _shown(value: object) -> str:
    text = "" if value is None else str(value)
    return repr(text[:40]) if text.strip() else "(empty)"


# --------------------------------------------------------------------------- time
def parse_stamps(
    text: pd.Series,
    *,
    formats: Sequence[str] = (),
    dayfirst: bool = False,
    file: str | None = None,
    column: str | None = None,
) -> pd.Series:
    """Parse a column of timestamps; a cell that is not a timestamp is an error naming its row.

    Parameters
    ----------
    text : pandas.Series
        The cells as read (text or already datetimes), in file order.
    formats : sequence of str
        ``strftime`` formats tried in turn; when empty, ISO 8601 is tried first and then any
        common layout (``dayfirst`` decides ``01/02/2018``).
    dayfirst : bool
        Read ``01/02/2018`` as 1 February when no format is given.
    file, column : str, optional
        Named in errors.

    Returns
    -------
    pandas.Series
        Naive timestamps (local wall time), or UTC timestamps when the cells carry offsets.

    Examples
    --------
    >>> parse_stamps(pd.Series(["30/09/2018 23:45"]), formats=["%d/%m/%Y %H:%M"]).iloc[0]
    Timestamp('2018-09-30 23:45:00')
    >>> parse_stamps(pd.Series(["31/02/2018 00:15"]), formats=["%d/%m/%Y %H:%M"], file="x.csv", column="date")
    Traceback (most recent call last):
    bessemer.core._exceptions.DataError: file x.csv, row 1, column 'date': ...
    """
    if pd.api.types.is_datetime64_any_dtype(text):
        out = text
    else:
        raw = text.astype(str).str.strip()
        out = None
        try:
            if formats:
                out = pd.to_datetime(raw, format=formats[0], errors="coerce")
                for fmt in formats[1:]:
                    miss = out.isna()
                    if not miss.any():
                        break
                    out = out.where(~miss, pd.to_datetime(raw.where(miss), format=fmt, errors="coerce"))
            else:
                iso = pd.to_datetime(raw, format="ISO8601", errors="coerce", utc=_has_offsets(raw))
                out = iso
                if iso.isna().any():
                    out = pd.to_datetime(raw, format="mixed", dayfirst=dayfirst, errors="coerce",
                                         utc=_has_offsets(raw))
        except (ValueError, TypeError, OverflowError) as err:
            raise DataError(f"timestamps could not be read consistently ({str(err)[:120]}); write every "
                            "stamp in one layout, all with or all without a UTC offset",
                            file=file, column=column) from err
    bad = out.isna().to_numpy()
    if bad.any():
        r = int(np.flatnonzero(bad)[0])
        want = " or ".join(formats) if formats else "a date and time such as 2018-01-31 23:45"
        raise DataError(f"time {_shown(text.iloc[r])} is not a valid timestamp; expected {want}",
                        file=file, row=r + 1, column=column)
    return out


def _has_offsets(raw: pd.Series) -> bool:
    """True when any cell ends in ``Z`` or a ``+hh:mm`` / ``-hhmm`` UTC offset."""
    return bool(raw.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True).any())


def _midnight_closes_day(local: pd.Series) -> bool:
    """Decide, from the file order, whether ``00:00`` rows close the day they are dated (the UCI quirk).

    Each ``00:00`` row is evidence for the quirk when the row before it has the same date (and a later
    time) or the row after it is dated the next day; evidence against when the row before it is from
    the day before or the row after it is from the same day. The majority wins; no evidence means no
    repair.
    """
    tod = local.dt.hour.to_numpy() * 60 + local.dt.minute.to_numpy()
    day = local.dt.normalize().to_numpy()
    mid = np.flatnonzero((tod == 0) & (local.dt.second.to_numpy() == 0))
    if mid.size == 0:
        return False
    one = np.timedelta64(1, "D")
    votes = 0
    n = len(local)
    prev = mid[mid > 0]
    votes += int(np.sum((day[prev - 1] == day[prev]) & (tod[prev - 1] > 0)))
    votes -= int(np.sum(day[prev - 1] == day[prev] - one))
    nxt = mid[mid < n - 1]
    votes += int(np.sum(day[nxt + 1] == day[nxt] + one))
    votes -= int(np.sum((day[nxt + 1] == day[nxt]) & (tod[nxt + 1] > 0)))
    return votes > 0


def interval_starts(
    stamps: pd.Series,
    *,
    stamp: str = "end",
    interval: pd.Timedelta | str = INTERVAL,
    tz: str = TZ,
    midnight: str = "auto",
    file: str | None = None,
    column: str | None = None,
) -> tuple[pd.Series, int]:
    """Turn interval stamps (file order) into UTC interval starts.

    Parameters
    ----------
    stamps : pandas.Series
        Output of :func:`parse_stamps`: naive local wall times, or tz-aware times.
    stamp : {"end", "start"}
        Whether a stamp marks the end (meters, the UCI file) or the start of its interval.
    interval : Timedelta or str
        Interval length (``"15min"``).
    tz : str
        Time zone of naive stamps (IANA name).
    midnight : {"auto", "closes_day", "next_day"}
        For end stamps: ``"closes_day"`` reads ``D 00:00`` as the end of day ``D`` (the UCI
        quirk), ``"next_day"`` as the start of day ``D`` (the usual convention), ``"auto"``
        decides from the file order.
    file, column : str, optional
        Named in errors.

    Returns
    -------
    starts : pandas.Series
        ``datetime64[ns, UTC]`` interval starts, in file order.
    repaired : int
        Number of midnight rows moved to the end of the day they are dated.

    Examples
    --------
    >>> s = pd.Series(pd.to_datetime(["2018-09-30 23:45", "2018-09-30 00:00", "2018-10-01 00:15"]))
    >>> starts, n = interval_starts(s)
    >>> [str(t) for t in starts], n
    (['2018-09-30 14:30:00+00:00', '2018-09-30 14:45:00+00:00', '2018-09-30 15:00:00+00:00'], 1)
    """
    if stamp not in ("end", "start"):
        raise ValueError(f"stamp must be 'end' or 'start', got {stamp!r}")
    if midnight not in ("auto", "closes_day", "next_day"):
        raise ValueError(f"midnight must be 'auto', 'closes_day' or 'next_day', got {midnight!r}")
    step = pd.Timedelta(interval)
    if step <= pd.Timedelta(0):
        raise ValueError(f"interval must be positive, got {interval!r}")
    s = pd.Series(stamps).reset_index(drop=True)
    aware = isinstance(s.dtype, pd.DatetimeTZDtype)
    repaired = 0
    if stamp == "end" and not aware:
        closes = _midnight_closes_day(s) if midnight == "auto" else midnight == "closes_day"
        if closes:
            is_mid = ((s.dt.hour == 0) & (s.dt.minute == 0) & (s.dt.second == 0)).to_numpy()
            repaired = int(is_mid.sum())
            s = s + pd.to_timedelta(is_mid.astype(np.int64), unit="D")
    if not aware:
        try:
            s = s.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
        except (KeyError, ValueError) as err:  # unknown zone name
            raise DataError(f"unknown time zone {tz!r}; use an IANA name such as 'Asia/Seoul'",
                            file=file, column=column) from err
        bad = s.isna().to_numpy()
        if bad.any():
            r = int(np.flatnonzero(bad)[0])
            raise DataError(f"local time {stamps.iloc[r]} does not exist or is ambiguous in {tz} (a daylight-"
                            "saving change); export the meter data in UTC and read it with tz='UTC'",
                            file=file, row=r + 1, column=column)
    s = s.dt.tz_convert("UTC")
    if stamp == "end":
        s = s - step
    try:
        return s.astype("datetime64[ns, UTC]"), repaired
    except (OverflowError, pd.errors.OutOfBoundsDatetime):
        # pandas reads text at second or microsecond resolution, which reaches years ns timestamps cannot
        out = ((s < pd.Timestamp.min.tz_localize("UTC")) | (s > pd.Timestamp.max.tz_localize("UTC"))).to_numpy()
        r = int(np.flatnonzero(out)[0]) if out.any() else 0
        raise DataError(f"time {_shown(stamps.iloc[r])} is outside the years 1677-2262 that timestamps can hold",
                        file=file, row=r + 1, column=column) from None


def check_increasing(starts: pd.Series, *, file: str | None, column: str | None, local: pd.Series) -> None:
    """Raise a :class:`DataError` at the first interval start that does not follow the previous one."""
    t = starts.to_numpy()
    if len(t) < 2:
        return
    bad = np.flatnonzero(t[1:] <= t[:-1])
    if bad.size:
        r = int(bad[0]) + 1  # 0-based index of the offending row
        what = "repeats" if t[r] == t[r - 1] else "comes before"
        raise DataError(
            f"time {local.iloc[r]} {what} the interval of row {r} ({local.iloc[r - 1]}) after the "
            "midnight repair; rows must be unique and in time order (remove the duplicate or sort the file)",
            file=file, row=r + 1, column=column)


# --------------------------------------------------------------------------- loader
def _numbers(df: pd.DataFrame, col: str, name: str, file: str, *, low: float = 0.0,
             high: float = np.inf) -> np.ndarray:
    """A column as float64; text, missing, non-finite or out-of-range cells raise naming row and column."""
    s = df[col]
    num = pd.to_numeric(s, errors="coerce") if not pd.api.types.is_numeric_dtype(s) else s
    arr = np.asarray(num, dtype=np.float64)
    bad = ~np.isfinite(arr)
    if bad.any():
        r = int(np.flatnonzero(bad)[0])
        cell = s.iloc[r]
        missing = cell is None or (isinstance(cell, float) and np.isnan(cell)) or not str(cell).strip() \
            or str(cell).strip().lower() in ("nan", "na", "n/a", "null", "none")
        why = "is missing (empty or NaN)" if missing else f"value {_shown(cell)} is not a finite number"
        raise DataError(f"{name} {why}; every interval needs a reading (fill or drop the row)",
                        file=file, row=r + 1, column=col)
    out = (arr < low) | (arr > high)
    if out.any():
        r = int(np.flatnonzero(out)[0])
        rng = f"≥ {low:g}" if np.isinf(high) else f"between {low:g} and {high:g}"
        raise DataError(f"{name} is {arr[r]:g}; it must be {rng}", file=file, row=r + 1, column=col)
    return arr


def _labels(df: pd.DataFrame, col: str, allowed: Sequence[str], file: str, *, strip_suffix: str = "") -> np.ndarray:
    s = df[col].astype(str).str.strip().str.lower()
    if strip_suffix:
        s = s.str.removesuffix(strip_suffix)
    bad = ~s.isin(allowed).to_numpy()
    if bad.any():
        r = int(np.flatnonzero(bad)[0])
        raise DataError(f"value {_shown(df[col].iloc[r])} is not one of {list(allowed)}", file=file,
                        row=r + 1, column=col)
    return s.to_numpy(dtype=object)


def read_steel_energy(path: str | Path, *, asset: str = "daewoo-steel-gwangyang") -> Frame:
    """Read the UCI steel-industry energy CSV into a frame of 15-minute intervals.

    Parameters
    ----------
    path : str or Path
        ``Steel_industry_data.csv`` or a file in the same layout (any months).
    asset : str
        Asset id given to every row.

    Returns
    -------
    Frame
        Keyed by ``(asset, time)`` with ``time`` the UTC start of each interval; the signals
        and meta columns of the module docstring.

    Raises
    ------
    NotFoundError
        When the file does not exist.
    SchemaError
        When a required column is missing.
    DataError
        Malformed dates, text or NaN in a number, negative energy, power factors outside
        0–100 %, unknown labels, or stamps that repeat or go back in time after the
        midnight repair; the message names the file, the 1-based data row and the column.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "steel.csv"
    >>> head = ("date,Usage_kWh,Lagging_Current_Reactive.Power_kVarh,Leading_Current_Reactive_Power_kVarh,"
    ...         "CO2(tCO2),Lagging_Current_Power_Factor,Leading_Current_Power_Factor,NSM,WeekStatus,"
    ...         "Day_of_week,Load_Type")
    >>> rows = ["01/01/2018 23:45,3.67,3.96,0,0,67.97,100,85500,Weekday,Monday,Light_Load",
    ...         "01/01/2018 00:00,3.42,3.46,0,0,70.3,100,0,Weekday,Monday,Light_Load"]
    >>> _ = p.write_bytes(("\\ufeff" + "\\r\\n".join([head, *rows]) + "\\r\\n").encode("utf-8"))
    >>> f = read_steel_energy(p)
    >>> [str(t) for t in f.column("time")], f.column("usage_kwh").tolist()
    (['2018-01-01 14:30:00+00:00', '2018-01-01 14:45:00+00:00'], [3.67, 3.42])
    >>> f.units["usage_kwh"], f.meta
    ('kWh', ['load_type', 'week_status', 'day_of_week'])
    """
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise NotFoundError(f"no steel energy file at {path}; expected the UCI Steel_industry_data.csv "
                            "(set --data or BESSEMER_DATA to the shared data folder)")
    try:
        df = read_table(path, fmt="csv", text_columns=("date", *META.values()))
    except DataError as err:
        raise DataError(err.reason, file=name, row=err.row, column=err.column) from err
    by_key = {_key(c): c for c in df.columns}
    need = {"date": "date", **{s: col for s, (_, col) in SIGNALS.items()}, **META}
    cols: dict[str, str] = {}
    missing = []
    for k, want in need.items():
        found = by_key.get(_key(want))
        if found is None:
            missing.append(want)
        else:
            cols[k] = found
    if missing:
        raise SchemaError(f"missing column(s) {missing}; the UCI steel energy file has {list(need.values())} "
                          f"(found {list(df.columns)[:20]})", file=name, column=missing[0])
    local = parse_stamps(df[cols["date"]], formats=_UCI_FORMATS, file=name, column=cols["date"])
    starts, _ = interval_starts(local, stamp="end", interval=INTERVAL, tz=TZ, midnight="auto", file=name,
                                column=cols["date"])
    check_increasing(starts, file=name, column=cols["date"], local=df[cols["date"]].astype(str))
    data: dict[str, object] = {"asset": asset, "time": starts}
    limits = {"lagging_pf": 100.0, "leading_pf": 100.0}
    for sig in SIGNALS:
        data[sig] = _numbers(df, cols[sig], sig, name, high=limits.get(sig, np.inf))
    data["load_type"] = _labels(df, cols["load_type"], LOAD_TYPES, name, strip_suffix="_load")
    data["week_status"] = _labels(df, cols["week_status"], WEEK_STATUS, name)
    data["day_of_week"] = _labels(df, cols["day_of_week"], DAYS, name)
    return Frame(pd.DataFrame(data), units={s: u for s, (u, _) in SIGNALS.items()},
                 meta=list(META), time_kind="timestamp", source=name)
