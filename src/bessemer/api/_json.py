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


def records(df: pd.DataFrame | None) -> list[dict[str, Any]]:
    """Rows of ``df`` as JSON-safe dicts (empty list for ``None``)."""
    if df is None or len(df) == 0:
        return []
    out = df.copy()
    for c in out.columns:
        col = out[c]
        if pd.api.types.is_datetime64_any_dtype(col):
            ts = col.dt.tz_localize("UTC") if col.dt.tz is None else col.dt.tz_convert("UTC")
            out[c] = ts.dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ").str.replace(".000000Z", "Z", regex=False)
            out[c] = out[c].astype(object).where(col.notna(), None)
    return [{str(k): jsonable(v) for k, v in row.items()} for row in out.to_dict("records")]
