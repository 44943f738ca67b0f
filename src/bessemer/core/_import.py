"""Importing CSV and Parquet files of readings into the store, all or nothing.

Two layouts are understood (detected from the header when ``layout`` is not given):

* **wide** — ``asset, time, <signal>...``: one row per asset and time, one column per
  signal. A signal's unit may be written in its header as ``name[unit]``, e.g.
  ``vibration[mm/s]``, or given with ``units={"vibration": "mm/s"}``.
* **long** — ``asset, signal, time, value`` and optionally ``unit``: one reading per row.

Every rule is checked before anything is written, and the write is one transaction, so
a file that breaks a rule on its last row changes nothing. Errors name the file, the
1-based data row (header not counted) and the column. Repairs that keep the meaning of
the data (sorting, keeping the last of duplicated rows when asked, keeping empty cells
as gaps) are listed in :attr:`ImportReport.repairs`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from .._compat import text_is_safe
from ._exceptions import DataError, SchemaError, UnitError
from ._frame import Frame, _clean_assets, _clean_numeric, _clean_time
from ._io import MAX_BYTES, read_table
from ._units import normalize_unit

if TYPE_CHECKING:
    from ._store import Store

_HEADER_UNIT = re.compile(r"^(?P<name>.*?)\s*\[(?P<unit>[^\[\]]*)\]$")
_LONG = ("asset", "signal", "time", "value")
_ROW = "\x00row"  # carried row numbers; cannot clash with a file column (control characters are refused)


@dataclass
class ImportReport:
    """What an import did.

    Attributes
    ----------
    file : str
        The file read.
    rows : int
        Data rows in the file.
    readings : int
        Readings written (empty cells are gaps and are not written).
    assets, signals : list of str
        Assets and signals found in the file, sorted.
    repairs : list of str
        Changes made to the data on the way in, in words.
    layout : {"wide", "long"}
        The layout used.
    """

    file: str
    rows: int
    readings: int
    assets: list[str]
    signals: list[str]
    repairs: list[str] = field(default_factory=list)
    layout: str = "wide"

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return asdict(self)


def import_file(
    store: Store,
    path: str | Path,
    *,
    format: str | None = None,  # noqa: A002 - the public name of the option
    layout: Literal["wide", "long"] | None = None,
    units: Mapping[str, str] | None = None,
    create_assets: bool = False,
    on_duplicate: Literal["error", "last"] = "error",
    max_bytes: int = MAX_BYTES,
) -> ImportReport:
    """Validate a CSV or Parquet file of readings and write it to ``store`` in one transaction.

    Parameters
    ----------
    store : Store
        Where the readings go.
    path : str or Path
        The file.
    format : {"csv", "parquet"}, optional
        Taken from the suffix when omitted.
    layout : {"wide", "long"}, optional
        Detected from the header when omitted: ``signal`` and ``value`` columns mean long.
    units : mapping, optional
        Unit per signal (in addition to ``name[unit]`` headers or a ``unit`` column).
    create_assets : bool
        Create unknown assets under the ``imported`` site instead of refusing them.
    on_duplicate : {"error", "last"}
        A repeated (asset, time) — (asset, signal, time) in long files — is an error,
        or the later row wins (noted in the report).
    max_bytes : int
        Larger files are refused.

    Raises
    ------
    DataError, SchemaError, UnitError
        Naming file, row and column; nothing was written.
    NotFoundError
        An unknown asset without ``create_assets``; nothing was written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from bessemer.core._store import Store
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "fan.csv"
    >>> _ = p.write_text("asset,time,vibration[mm/s],temp[°C]\\n"
    ...                  "fan-1,2024-05-01T08:01:00Z,2.5,\\n"
    ...                  "fan-1,2024-05-01T08:00:00Z,2.4,40.1\\n")
    >>> store = Store()
    >>> rep = import_file(store, p, create_assets=True)
    >>> rep.rows, rep.readings, rep.signals
    (2, 3, ['temp', 'vibration'])
    >>> rep.repairs
    ['sorted 2 rows by (asset, time)', '1 empty cell(s) kept as gaps (not stored)']
    >>> store.read_frame().units
    {'vibration': 'mm/s', 'temp': 'degC'}
    """
    if on_duplicate not in ("error", "last"):
        raise ValueError(f"on_duplicate must be 'error' or 'last', got {on_duplicate!r}")
    source = str(path)
    df = read_table(path, fmt=format, max_bytes=max_bytes)
    columns = [str(c) for c in df.columns]
    for c in columns:
        if not text_is_safe(c, max_len=140):
            raise SchemaError("column names must be at most 120 printable characters without < or >",
                              file=source, column=c[:60])
    if layout is None:
        layout = "long" if {"signal", "value"} <= set(columns) else "wide"
    if layout not in ("wide", "long"):
        raise ValueError(f"layout must be 'wide' or 'long', got {layout!r}")
    if layout == "long":
        frame, repairs = _long_frame(df, columns, units, on_duplicate, source)
    else:
        frame, repairs = _wide_frame(df, columns, units, on_duplicate, source)
    nan_cells = int(np.isnan(frame.values()).sum()) if frame.signals and layout == "wide" else 0
    if nan_cells:
        repairs.append(f"{nan_cells} empty cell(s) kept as gaps (not stored)")
    written = store.write_frame(frame, create_assets=create_assets)
    return ImportReport(file=source, rows=len(df), readings=written, assets=sorted(frame.assets),
                        signals=sorted(frame.signals), repairs=repairs, layout=layout)


def _need(columns: list[str], need: tuple[str, ...], layout: str, source: str) -> None:
    missing = [c for c in need if c not in columns]
    if missing:
        raise SchemaError(
            f"missing column(s) {missing} for a {layout} file; found {columns[:20]} "
            f"(a {layout} file needs {list(need)}{' plus one column per signal' if layout == 'wide' else ''})",
            file=source,
        )


def _split_units(columns: list[str], units: Mapping[str, str] | None, source: str,
                 reserved: tuple[str, ...]) -> tuple[dict[str, str], dict[str, str]]:
    """Rename ``name[unit]`` headers; return (renames, units per signal)."""
    renames: dict[str, str] = {}
    found: dict[str, str] = {}
    for c in columns:
        if c in reserved:
            continue
        m = _HEADER_UNIT.match(c)
        if m:
            name = m.group("name").strip()
            if not name:
                raise SchemaError("column header has a unit but no signal name", file=source, column=c)
            found[name] = normalize_unit(m.group("unit"), column=name, file=source)
            renames[c] = name
    new_names = [renames.get(c, c) for c in columns]
    dup = sorted({n for n in new_names if new_names.count(n) > 1})
    if dup:
        raise SchemaError(f"signal {dup[0]!r} appears in more than one column", file=source, column=dup[0])
    for name, unit in (units or {}).items():
        if name not in new_names or name in reserved:
            raise SchemaError(f"units given for {name!r}, which is not a signal column of the file "
                              f"(signals: {[n for n in new_names if n not in reserved][:20]})", file=source)
        u = normalize_unit(unit, column=name, file=source)
        if found.setdefault(name, u) != u:
            raise UnitError(f"the header says {found[name]!r} but units= says {u!r}", file=source, column=name)
    return renames, found


def _sort_repair(order_rows: np.ndarray, n: int, what: str) -> list[str]:
    if len(order_rows) and bool((np.diff(order_rows) < 0).any()):
        return [f"sorted {n} rows by {what}"]
    return []


def _wide_frame(df: pd.DataFrame, columns: list[str], units: Mapping[str, str] | None,
                on_duplicate: str, source: str) -> tuple[Frame, list[str]]:
    _need(columns, ("asset", "time"), "wide", source)
    renames, found = _split_units(columns, units, source, ("asset", "time"))
    data = df.rename(columns=renames)
    signals = [c for c in data.columns if c not in ("asset", "time")]
    if not signals:
        raise SchemaError(f"a wide file needs at least one signal column besides asset and time; found {columns}",
                          file=source)
    data[_ROW] = np.arange(1, len(data) + 1)
    frame = Frame(data, units=found, meta=[_ROW], on_duplicate=on_duplicate,  # type: ignore[arg-type]
                  time_kind=_kind_of(data["time"]), source=source)
    repairs = _sort_repair(frame.column(_ROW), len(data), "(asset, time)")
    dropped = len(data) - len(frame)
    if dropped:
        repairs.append(f"kept the last of repeated (asset, time) rows: dropped {dropped} earlier row(s)")
    return frame, repairs


def _long_frame(df: pd.DataFrame, columns: list[str], units: Mapping[str, str] | None,
                on_duplicate: str, source: str) -> tuple[Frame, list[str]]:
    _need(columns, _LONG, "long", source)
    extra = [c for c in columns if c not in (*_LONG, "unit")]
    if extra:
        raise SchemaError(f"unexpected column(s) {extra[:10]} in a long file; expected {list(_LONG)} and "
                          "optionally 'unit'", file=source, column=extra[0][:60])
    asset = _clean_assets(df["asset"], source)
    signal = _clean_signals(df["signal"], source)
    time, kind = _clean_time(df["time"], _kind_of(df["time"]), source)
    value = _clean_numeric(df["value"], "value", source)
    sig_units = _long_units(df, signal, units, source)
    long = pd.DataFrame({"asset": asset, "signal": signal, "time": time, "value": value,
                         "row": np.arange(1, len(df) + 1)})
    repairs: list[str] = []
    order = np.lexsort((long["row"].to_numpy(), _time_key(long["time"], kind), long["signal"].to_numpy(),
                        long["asset"].to_numpy()))
    long = long.iloc[order]
    repairs += _sort_repair(long["row"].to_numpy(), len(long), "(asset, signal, time)")
    key = ["asset", "signal", "time"]
    dup = long.duplicated(key, keep=False).to_numpy()
    if dup.any():
        if on_duplicate != "last":
            first = long[dup].iloc[0]
            rows = sorted(long[dup & (long[key] == first[key]).all(axis=1).to_numpy()]["row"].tolist())[:2]
            raise DataError(
                f"duplicate (asset, signal, time) = ({first['asset']!r}, {first['signal']!r}, {first['time']}) "
                f"at rows {rows}; remove one or import with on_duplicate='last'",
                file=source, row=int(rows[-1]), column="time")
        keep = ~long.duplicated(key, keep="last").to_numpy()
        repairs.append(f"kept the last of repeated (asset, signal, time) rows: dropped {int((~keep).sum())} "
                       "earlier row(s)")
        long = long[keep]
    gaps = int(long["value"].isna().sum())
    if gaps:
        repairs.append(f"{gaps} empty value(s) kept as gaps (not stored)")
    wide = long.pivot(index=["asset", "time"], columns="signal", values="value").reset_index()
    wide.columns.name = None
    wide["asset"] = wide["asset"].astype(object)
    return Frame(wide, units={s: u for s, u in sig_units.items() if s in wide.columns},
                 time_kind=kind, source=source), repairs


def _kind_of(col: pd.Series) -> Literal["timestamp", "cycle"] | None:
    """Time kind of a text column, decided by its first cell (a whole number means cycles)."""
    if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_datetime64_any_dtype(col) or col.empty:
        return None
    first = str(col.iloc[0]).strip()
    return "cycle" if first.isdigit() else "timestamp"


def _time_key(time: pd.Series, kind: str) -> np.ndarray:
    if kind == "cycle":
        return time.to_numpy(dtype=np.int64)
    return time.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]").view(np.int64)


def _clean_signals(col: pd.Series, source: str) -> pd.Series:
    out = col.astype(str).str.strip()
    bad = col.isna().to_numpy() | (out == "").to_numpy()
    if bad.any():
        raise DataError("signal is empty; every row needs a signal name", file=source,
                        row=int(np.flatnonzero(bad)[0]) + 1, column="signal")
    for s in pd.unique(out):
        if not text_is_safe(s, max_len=120) or s in ("asset", "time"):
            row = int(np.flatnonzero((out == s).to_numpy())[0]) + 1
            raise DataError(f"signal name {s[:40]!r} is not allowed: use at most 120 printable characters "
                            "without control characters or < >, and not 'asset' or 'time'",
                            file=source, row=row, column="signal")
    return out.astype(object)


def _long_units(df: pd.DataFrame, signal: pd.Series, units: Mapping[str, str] | None,
                source: str) -> dict[str, str]:
    given = {k: normalize_unit(v, column=k, file=source) for k, v in (units or {}).items()}
    unknown = sorted(set(given) - set(pd.unique(signal)))
    if unknown:
        raise SchemaError(f"units given for signal(s) {unknown} that are not in the file", file=source)
    if "unit" not in df.columns:
        return given
    text = df["unit"].astype(object).where(df["unit"].notna(), "").astype(str)
    canon: dict[str, str] = {}
    for u in pd.unique(text):
        try:
            canon[u] = normalize_unit(u)
        except UnitError as err:
            row = int(np.flatnonzero((text == u).to_numpy())[0]) + 1
            raise UnitError(err.reason, file=source, row=row, column="unit") from err
    unit = text.map(canon)
    first = unit.groupby(signal.to_numpy(), sort=False).transform("first")
    differ = (unit != first).to_numpy()
    if differ.any():
        i = int(np.flatnonzero(differ)[0])
        raise UnitError(f"signal {signal.iloc[i]!r} has unit {first.iloc[i]!r} in an earlier row and "
                        f"{unit.iloc[i]!r} here; one signal has one unit", file=source, row=i + 1, column="unit")
    out = dict(zip(signal.to_numpy(), unit.to_numpy(), strict=True))
    for s, u in given.items():
        if out.get(s, u) != u:
            i = int(np.flatnonzero((signal == s).to_numpy())[0])
            raise UnitError(f"signal {s!r}: the file says {out[s]!r} but units= says {u!r}",
                            file=source, row=i + 1, column="unit")
    return {str(k): str(v) for k, v in out.items()}
