"""One reading from a plant system, the error a bad message raises, and quality codes.

A :class:`Reading` is the unit that crosses every ingest boundary: a connector (MQTT, OPC UA)
makes readings, the :class:`~bessemer.ingest.DiskBuffer` keeps them durable, and the
:class:`~bessemer.ingest.ReadingSink` writes them to a store. Its invariants hold from the
moment it is built: a safe asset and signal id, a tz-aware UTC time, a finite value within
±1e15, a unit string and a quality in :data:`QUALITIES`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import Any

import numpy as np
import pandas as pd

from .._compat import text_is_safe
from ..core import DataError

#: a reading as a plain tuple ``(asset, signal, time in ns since the epoch UTC, value, unit, quality, source)``:
#: what the MQTT fast path carries to the disk buffer (no per-reading object to build)
Row = tuple[str, str, int, float, str, str, str]

#: quality codes a reading may carry, best first
QUALITIES = ("good", "uncertain", "bad")
_MAX_ABS = 1e15  # the same bound the Frame puts on readings
_QUALITY_WORDS = {"good": "good", "ok": "good", "uncertain": "uncertain", "bad": "bad"}
_SEEN_SAFE: set[str] = set()  # strings already checked (ids, units, sources repeat across readings)


def _safe(v: object, max_len: int) -> bool:
    if v in _SEEN_SAFE:
        return isinstance(v, str) and len(v) <= max_len
    ok = isinstance(v, str) and text_is_safe(v, max_len=400)
    if ok:
        if len(_SEEN_SAFE) > 100_000:
            _SEEN_SAFE.clear()
        _SEEN_SAFE.add(v)  # type: ignore[arg-type]
    return ok and len(v) <= max_len  # type: ignore[arg-type]


class ParseError(DataError):
    """A message (or one field of it) that cannot become readings.

    Parameters
    ----------
    reason : str
        What was expected, what came, and the fix.
    topic : str, optional
        The MQTT topic (or OPC UA node) the message came from.
    field : str, optional
        The payload field at fault (``None`` when the whole message is at fault).
    """

    def __init__(self, reason: str, *, topic: str | None = None, field: str | None = None) -> None:
        self.topic = topic
        self.field = field
        where = []
        if topic is not None:
            where.append(f"topic {topic!r}")
        if field is not None:
            where.append(f"field {field!r}")
        super().__init__((", ".join(where) + ": " if where else "") + reason)
        self.reason = reason

    def to_dict(self) -> dict[str, Any]:
        """The topic, field and reason as a JSON-friendly mapping."""
        return {"topic": self.topic, "field": self.field, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Reading:
    """One value of one signal of one asset at one time.

    Parameters
    ----------
    asset, signal : str
        Equipment id and signal name (1-120 printable characters, no ``< >``).
    time : pandas.Timestamp
        Source time; must be tz-aware (converted to UTC).
    value : float
        Finite, at most 1e15 in magnitude (ints are converted).
    unit : str
        Unit symbol (the tag map normalises it).
    quality : {"good", "uncertain", "bad"}
    source : str
        Where it came from, e.g. ``"mqtt:plant/rhf-1/telemetry"`` or ``"opcua:ns=2;s=T1"``.

    Examples
    --------
    >>> import pandas as pd
    >>> r = Reading("rhf-1", "zone1_temp", pd.Timestamp("2024-05-01T08:00:00+09:00"), 812, "degC")
    >>> r.time, r.value, r.quality
    (Timestamp('2024-04-30 23:00:00+0000', tz='UTC'), 812.0, 'good')
    >>> Reading("rhf-1", "t", pd.Timestamp("2024-05-01"), 1.0, "degC")
    Traceback (most recent call last):
    ...
    bessemer.core._exceptions.DataError: column 'time': reading time 2024-05-01 00:00:00 has no time zone; ...
    """

    asset: str
    signal: str
    time: pd.Timestamp
    value: float
    unit: str
    quality: str = "good"
    source: str = ""

    def __post_init__(self) -> None:
        for name in ("asset", "signal"):
            v = getattr(self, name)
            if not v or not _safe(v, 120):
                raise DataError(f"{name} {str(v)[:40]!r} must be 1-120 printable characters without < >",
                                column=name)
        if self.signal in ("asset", "time"):
            raise DataError(f"signal name {self.signal!r} is reserved; rename the signal", column="signal")
        t = self.time
        if not isinstance(t, pd.Timestamp) or t is pd.NaT:
            raise DataError(f"reading time must be a pandas Timestamp, got {type(t).__name__}", column="time")
        if t.tzinfo is None:
            raise DataError(f"reading time {t} has no time zone; give a UTC time (e.g. tz='UTC')", column="time")
        if t.tzinfo is not UTC and str(t.tzinfo) != "UTC":
            object.__setattr__(self, "time", t.tz_convert("UTC"))
        v = self.value
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise DataError(f"value must be a number, got {type(v).__name__}", column=self.signal)
        fv = float(v)
        if not math.isfinite(fv) or abs(fv) > _MAX_ABS:
            raise DataError(f"value {fv!r} is not finite or beyond ±1e15", column=self.signal)
        if fv is not v:
            object.__setattr__(self, "value", fv)
        if not _safe(self.unit, 32):
            raise DataError(f"unit {str(self.unit)[:40]!r} is not a unit symbol", column=self.signal)
        if self.quality not in QUALITIES:
            raise DataError(f"quality {str(self.quality)[:20]!r} is not one of {QUALITIES}", column=self.signal)
        if not _safe(self.source, 400):
            raise DataError("source must be at most 400 printable characters", column="source")

    @property
    def key(self) -> tuple[str, str, int]:
        """``(asset, signal, time in ns since the epoch)``: what makes a reading unique in a store."""
        return (self.asset, self.signal, int(self.time.value))


@dataclass(frozen=True, slots=True)
class ReadingColumns:
    """Many readings as columns: what the disk buffer hands to the sink in one batch.

    ``time_ns`` is int64 nanoseconds since the epoch (UTC), ``value`` float64; the string columns are
    object arrays. Build it from :class:`Reading` s (:meth:`from_readings`) or from rows
    (:meth:`from_rows`); the checks of a :class:`Reading` hold for every row (its producers make sure).

    Examples
    --------
    >>> import pandas as pd
    >>> cols = ReadingColumns.from_rows([("fan-1", "temp", 0, 20.5, "degC", "good", "mqtt:p/fan-1")])
    >>> len(cols), cols.to_readings()[0].time
    (1, Timestamp('1970-01-01 00:00:00+0000', tz='UTC'))
    >>> ReadingColumns.from_readings(cols.to_readings()) == cols
    True
    """

    asset: np.ndarray
    signal: np.ndarray
    time_ns: np.ndarray
    value: np.ndarray
    unit: np.ndarray
    quality: np.ndarray
    source: np.ndarray

    @classmethod
    def from_rows(cls, rows: Sequence[Row]) -> ReadingColumns:
        """Columns of ``(asset, signal, time_ns, value, unit, quality, source)`` rows."""
        if not rows:
            return cls.empty()
        a, g, t, v, u, q, src = zip(*rows, strict=True)
        return cls(_obj(a), _obj(g), np.array(t, dtype=np.int64), np.array(v, dtype=np.float64), _obj(u), _obj(q),
                   _obj(src))

    @classmethod
    def from_readings(cls, readings: Sequence[Reading]) -> ReadingColumns:
        """Columns of :class:`Reading` objects."""
        return cls.from_rows([(r.asset, r.signal, int(r.time.value), r.value, r.unit, r.quality, r.source)
                              for r in readings])

    @classmethod
    def empty(cls) -> ReadingColumns:
        """No readings."""
        e = np.array([], dtype=object)
        return cls(e, e, np.array([], dtype=np.int64), np.array([], dtype=np.float64), e, e, e)

    @classmethod
    def concat(cls, parts: Sequence[ReadingColumns]) -> ReadingColumns:
        """The readings of ``parts``, one after the other."""
        if len(parts) == 1:
            return parts[0]
        if not parts:
            return cls.empty()
        return cls(*(np.concatenate([getattr(p, f) for p in parts]) for f in _FIELDS))

    def __len__(self) -> int:
        return len(self.time_ns)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ReadingColumns) and all(
            np.array_equal(getattr(self, f), getattr(other, f)) for f in _FIELDS)

    __hash__ = None  # type: ignore[assignment]

    def take(self, index: np.ndarray) -> ReadingColumns:
        """The readings at ``index`` (positions or a boolean mask), in that order."""
        return ReadingColumns(*(getattr(self, f)[index] for f in _FIELDS))

    def to_readings(self) -> list[Reading]:
        """One :class:`Reading` per row (validated again)."""
        times = pd.to_datetime(self.time_ns, unit="ns", utc=True)
        return [Reading(a, g, t, float(v), u, q, src) for a, g, t, v, u, q, src in
                zip(self.asset, self.signal, times, self.value, self.unit, self.quality, self.source, strict=True)]


_FIELDS = ("asset", "signal", "time_ns", "value", "unit", "quality", "source")


def _obj(values: Sequence[str]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def quality_from_code(code: object) -> str:
    """Map a quality code to ``"good"``, ``"uncertain"`` or ``"bad"``.

    Words (``good``, ``ok``, ``uncertain``, ``bad``; any case) map to themselves. Whole
    numbers 0-255 are OPC DA (classic) quality bytes: the top two bits ``0xC0`` are good
    (192), ``0x40`` uncertain (64), anything else bad (0). Numbers above 255 are OPC UA
    status codes: severity bits ``00`` good, ``01`` uncertain, ``1x`` bad.

    Raises
    ------
    ValueError
        For anything else (the caller names the field).

    Examples
    --------
    >>> [quality_from_code(c) for c in ("GOOD", 192, 216, 64, 0, 0x80000000, 0x40000000)]
    ['good', 'good', 'good', 'uncertain', 'bad', 'bad', 'uncertain']
    """
    if isinstance(code, str):
        q = _QUALITY_WORDS.get(code.strip().lower())
        if q is None:
            raise ValueError(f"quality {code[:20]!r} is not one of good, uncertain, bad or an OPC code")
        return q
    if isinstance(code, bool) or not isinstance(code, int | float) or code != code or code != int(code):
        raise ValueError(f"quality {str(code)[:20]!r} is not a word or a whole-number OPC code")
    c = int(code)
    if c < 0 or c > 0xFFFFFFFF:
        raise ValueError(f"quality code {c} is outside 0..0xFFFFFFFF")
    if c <= 255:
        top = c & 0xC0
        return "good" if top == 0xC0 else "uncertain" if top == 0x40 else "bad"
    sev = c >> 30
    return "good" if sev == 0 else "uncertain" if sev == 1 else "bad"


__all__ = ["QUALITIES", "ParseError", "Reading", "ReadingColumns", "Row", "quality_from_code"]
