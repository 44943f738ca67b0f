"""Turn pandas results into JSON-ready values (ISO-8601 UTC times, ``None`` for NaN)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd


def iso(ts: Any) -> str:
    """ISO-8601 UTC text with a ``Z`` suffix.

    Examples
    --------
    >>> iso(pd.Timestamp("2024-05-01 08:00", tz="Asia/Seoul"))
    '2024-04-30T23:00:00Z'
    """
    t = pd.Timestamp(ts)
    t = t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")
    text = t.isoformat()
    return text.replace("+00:00", "Z")


def jsonable(value: Any) -> Any:
    """One value made JSON-safe, recursing into lists and mappings.

    Examples
    --------
    >>> jsonable({"a": np.int64(3), "b": float("nan"), "c": [np.float32(0.5)]})
    {'a': 3, 'b': None, 'c': [0.5]}
    """
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray | pd.Series):
        return [jsonable(v) for v in value]
    if isinstance(value, pd.Timestamp | datetime | np.datetime64):
        return None if pd.isna(value) else iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, pd.Timedelta):
        return None if pd.isna(value) else value.total_seconds()
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        f = float(value)
        return None if math.isnan(f) or math.isinf(f) else f
    if value is pd.NA or value is pd.NaT:
        return None
    return str(value)


def _iso_column(col: pd.Series) -> list[Any]:
    """A datetime column as ISO-8601 UTC text (``Z``; microseconds only where there are some)."""
    ts = col.dt.tz_localize("UTC") if col.dt.tz is None else col.dt.tz_convert("UTC")
    return _iso_us(ts.dt.tz_localize(None).to_numpy(dtype="datetime64[us]"))


def iso_ns(t: np.ndarray) -> list[str]:
    """Nanoseconds since 1970 UTC (int64) as ISO-8601 UTC text, as :func:`records` writes times.

    Examples
    --------
    >>> iso_ns(np.array([0, 1_500_000], dtype=np.int64))
    ['1970-01-01T00:00:00Z', '1970-01-01T00:00:00.001500Z']
    """
    return _iso_us((np.asarray(t, dtype=np.int64) // 1000).astype("datetime64[us]"))  # type: ignore[return-value]


def finite_or_none(v: np.ndarray) -> list[float | None]:
    """Floats as a list, NaN and infinities as ``None``."""
    v = np.asarray(v, dtype=np.float64)
    out: list[float | None] = v.tolist()
    bad = ~np.isfinite(v)
    if bad.any():
        for i in np.flatnonzero(bad).tolist():
            out[i] = None
    return out


def _iso_us(us: np.ndarray) -> list[str | None]:
    ok = ~np.isnat(us)
    whole = us.astype(np.int64) % 1_000_000 == 0
    text = np.where(whole, np.datetime_as_string(us.astype("datetime64[s]"), unit="s"),
                    np.datetime_as_string(us, unit="us"))
    return [t + "Z" if k else None for t, k in zip(text.tolist(), ok.tolist(), strict=True)]


def _column(col: pd.Series) -> list[Any]:
    """One column as JSON-safe Python values."""
    if pd.api.types.is_datetime64_any_dtype(col):
        return _iso_column(col)
    if pd.api.types.is_float_dtype(col.dtype) and isinstance(col.dtype, np.dtype):
        return finite_or_none(col.to_numpy())
    if pd.api.types.is_integer_dtype(col.dtype) and isinstance(col.dtype, np.dtype):
        return col.to_numpy().tolist()
    return [jsonable(v) for v in col.tolist()]


def records(df: pd.DataFrame | None, columns: list[str] | None = None) -> list[dict[str, Any]]:
    """Rows of ``df`` (only ``columns``, when given) as JSON-safe dicts (empty list for ``None``).

    Examples
    --------
    >>> times = pd.to_datetime(["2024-05-01T08:00:00Z", "2024-05-01T08:00:00.5Z", None], format="ISO8601")
    >>> df = pd.DataFrame({"time": times, "value": [1.5, float("nan"), 2.0], "n": [1, 2, 3], "s": ["a", None, "c"]})
    >>> records(df)[0]
    {'time': '2024-05-01T08:00:00Z', 'value': 1.5, 'n': 1, 's': 'a'}
    >>> records(df)[1]
    {'time': '2024-05-01T08:00:00.500000Z', 'value': None, 'n': 2, 's': None}
    >>> records(df)[2]["time"] is None
    True
    """
    if df is None or len(df) == 0:
        return []
    if columns is None:
        names = [str(c) for c in df.columns]
        cols = [_column(df.iloc[:, i]) for i in range(df.shape[1])]
    else:
        names = [str(c) for c in columns]
        cols = [_column(df[c]) for c in columns]
    return [dict(zip(names, row, strict=True)) for row in zip(*cols, strict=True)]
