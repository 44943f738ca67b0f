"""The one frame type for multivariate sensor histories.

A :class:`Frame` holds a wide table keyed by ``(asset, time)``: one row per asset and
time, one float column per signal. Its invariants hold from the moment it is built:

* the key columns ``asset`` (text) and ``time`` exist and have no missing values;
* ``time`` is either a UTC timestamp (``time_kind="timestamp"``) or a non-negative
  integer operating cycle (``time_kind="cycle"``);
* rows are sorted by ``(asset, time)`` (the constructor sorts: a documented repair);
* ``(asset, time)`` is unique (a duplicate raises :class:`~bessemer.core.DataError`
  naming both rows, unless ``on_duplicate="last"`` keeps the later row);
* every signal column is numeric (float64); missing readings are NaN;
* every signal has a declared unit from :mod:`bessemer.core._units` (``"1"`` if none).

Extra non-signal columns (labels such as ``rul`` or ``regime``) may be carried as
``meta`` columns; they are not signals and have no unit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from .._compat import text_is_safe
from ._exceptions import DataError, SchemaError
from ._units import normalize_unit

if TYPE_CHECKING:
    from ._store import Store

TimeKind = Literal["timestamp", "cycle"]
ASSET = "asset"
TIME = "time"
_MAX_ABS = 1e15  # readings beyond this are refused as corrupt


class Frame:
    """Multivariate history keyed by ``(asset, time)``.

    Parameters
    ----------
    data : pandas.DataFrame
        Must hold ``asset`` and ``time`` columns plus one column per signal.
    units : mapping, optional
        Unit per signal; signals not named get ``"1"``.
    time_kind : {"timestamp", "cycle"}, optional
        Inferred from the ``time`` column when omitted.
    meta : sequence of str, optional
        Columns that are carried along but are not signals (labels, regimes).
    on_duplicate : {"error", "last"}
        What to do with a repeated ``(asset, time)``.
    source : str, optional
        File name used in error messages.

    Examples
    --------
    >>> import pandas as pd
    >>> f = Frame(pd.DataFrame({"asset": ["a", "a"], "time": [2, 1], "temp": [20.0, 21.0]}),
    ...           units={"temp": "°C"})
    >>> f.time_kind, f.units, f.to_pandas()["time"].tolist()
    ('cycle', {'temp': 'degC'}, [1, 2])
    """

    __slots__ = ("_df", "_units", "_time_kind", "_meta", "source")

    def __init__(
        self,
        data: pd.DataFrame,
        *,
        units: Mapping[str, str] | None = None,
        time_kind: TimeKind | None = None,
        meta: Sequence[str] = (),
        on_duplicate: Literal["error", "last"] = "error",
        source: str | None = None,
    ) -> None:
        self.source = source
        if not isinstance(data, pd.DataFrame):
            raise TypeError(f"Frame needs a pandas DataFrame, got {type(data).__name__}")
        missing = [c for c in (ASSET, TIME) if c not in data.columns]
        if missing:
            raise SchemaError(
                f"missing key column(s) {missing}; a frame needs 'asset' and 'time' columns "
                f"(found {list(map(str, data.columns))[:20]})",
                file=source,
            )
        df = data.reset_index(drop=True).copy()
        df.columns = [str(c) for c in df.columns]
        self._meta = tuple(str(m) for m in meta)
        for m in self._meta:
            if m not in df.columns:
                raise SchemaError(f"meta column {m!r} is not in the data", file=source, column=m)
        signals = [c for c in df.columns if c not in (ASSET, TIME) and c not in self._meta]
        for c in signals:
            if not text_is_safe(c, max_len=120):
                raise SchemaError(
                    "signal names must be at most 120 printable characters without < or >",
                    file=source,
                    column=c[:60],
                )
        df[ASSET] = _clean_assets(df[ASSET], source)
        df[TIME], kind = _clean_time(df[TIME], time_kind, source)
        for c in signals:
            df[c] = _clean_numeric(df[c], c, source)
        df = _sorted_unique(df, on_duplicate, source)
        units = dict(units or {})
        unknown = sorted(set(units) - set(signals))
        if unknown:
            raise SchemaError(f"units given for unknown signal(s) {unknown}", file=source)
        self._units = {c: normalize_unit(units.get(c), column=c, file=source) for c in signals}
        self._time_kind: TimeKind = kind
        self._df = df[[ASSET, TIME, *signals, *self._meta]]

    # ------------------------------------------------------------------ views
    @property
    def time_kind(self) -> TimeKind:
        """``"timestamp"`` or ``"cycle"``."""
        return self._time_kind

    @property
    def units(self) -> dict[str, str]:
        """Unit per signal (a copy)."""
        return dict(self._units)

    @property
    def signals(self) -> list[str]:
        """Signal column names in order."""
        return list(self._units)

    @property
    def meta(self) -> list[str]:
        """Carried non-signal columns."""
        return list(self._meta)

    @property
    def assets(self) -> list[str]:
        """Assets in sorted order."""
        return list(pd.unique(self._df[ASSET]))

    def __len__(self) -> int:
        return len(self._df)

    def __repr__(self) -> str:
        return (
            f"Frame({len(self)} rows, {len(self.assets)} assets, {len(self.signals)} signals, "
            f"time_kind={self.time_kind!r})"
        )

    def to_pandas(self) -> pd.DataFrame:
        """Return a copy of the table (changing it does not change the frame)."""
        return self._df.copy()

    def values(self, signals: Sequence[str] | None = None) -> np.ndarray:
        """Signal values as a float64 array (rows in frame order)."""
        cols = list(signals) if signals is not None else self.signals
        return self._df[cols].to_numpy(dtype=np.float64, copy=True)

    def column(self, name: str) -> np.ndarray:
        """One column (key, signal or meta) as a NumPy array copy."""
        if name not in self._df.columns:
            raise SchemaError(f"no column {name!r}; have {list(self._df.columns)}", column=name)
        return self._df[name].to_numpy(copy=True)

    def group_sizes(self) -> pd.Series:
        """Rows per asset, in frame order."""
        return self._df.groupby(ASSET, sort=False).size()

    # ---------------------------------------------------------- derivations
    def _derive(self, df: pd.DataFrame, *, units: Mapping[str, str] | None = None,
                meta: Sequence[str] | None = None) -> Frame:
        return Frame(
            df,
            units=self._units if units is None else units,
            time_kind=self._time_kind,
            meta=self._meta if meta is None else meta,
            source=self.source,
        )

    def select(self, signals: Sequence[str]) -> Frame:
        """A frame with only ``signals`` (and the meta columns)."""
        missing = [s for s in signals if s not in self._units]
        if missing:
            raise SchemaError(f"unknown signal(s) {missing}; have {self.signals}", file=self.source)
        df = self._df[[ASSET, TIME, *signals, *self._meta]]
        return self._derive(df, units={s: self._units[s] for s in signals})

    def for_assets(self, assets: Iterable[str]) -> Frame:
        """A frame with only the rows of ``assets``."""
        wanted = list(assets)
        df = self._df[self._df[ASSET].isin(wanted)]
        return self._derive(df)

    def head_per_asset(self, n: Mapping[str, int]) -> Frame:
        """Keep the first ``n[asset]`` rows of each asset (assets not named keep all)."""
        pos = self._df.groupby(ASSET, sort=False).cumcount()
        limit = self._df[ASSET].map(lambda a: n.get(a, np.iinfo(np.int64).max))
        return self._derive(self._df[pos.to_numpy() < limit.to_numpy()])

    def last_per_asset(self) -> Frame:
        """The last row of each asset."""
        return self._derive(self._df.groupby(ASSET, sort=False).tail(1))

    def with_meta(self, **columns: Any) -> Frame:
        """A frame with extra meta columns (arrays aligned with the rows)."""
        df = self._df.copy()
        for k, v in columns.items():
            df[k] = np.asarray(v)
        return self._derive(df, meta=[*self._meta, *[k for k in columns if k not in self._meta]])

    def fingerprint(self) -> str:
        """SHA-256 of the content, units and time kind: the training-data fingerprint."""
        h = hashlib.sha256()
        h.update(self._time_kind.encode())
        h.update(repr(sorted(self._units.items())).encode())
        h.update(pd.util.hash_pandas_object(self._df, index=False).to_numpy().tobytes())
        return h.hexdigest()

    def to_long(self) -> pd.DataFrame:
        """Readings as a long table ``asset, signal, time, value, unit`` without NaN values."""
        long = self._df.melt(id_vars=[ASSET, TIME], value_vars=self.signals,
                             var_name="signal", value_name="value")
        long = long.dropna(subset=["value"])
        long["unit"] = long["signal"].map(self._units)
        return long[[ASSET, "signal", TIME, "value", "unit"]].reset_index(drop=True)

    # ---------------------------------------------------------- constructors
    @classmethod
    def from_long(
        cls,
        long: pd.DataFrame,
        *,
        units: Mapping[str, str] | None = None,
        time_kind: TimeKind | None = None,
        source: str | None = None,
    ) -> Frame:
        """Build from a long table with ``asset, signal, time, value`` (and optional ``unit``)."""
        need = [ASSET, "signal", TIME, "value"]
        missing = [c for c in need if c not in long.columns]
        if missing:
            raise SchemaError(f"long table lacks column(s) {missing}", file=source)
        found_units: dict[str, str] = dict(units or {})
        if "unit" in long.columns:
            for sig, unit in long[["signal", "unit"]].drop_duplicates("signal").itertuples(index=False):
                found_units.setdefault(str(sig), unit)
        if long.empty:
            wide = pd.DataFrame({ASSET: pd.Series([], dtype=object), TIME: pd.Series([], dtype="int64")})
        else:
            if long.duplicated([ASSET, TIME, "signal"]).any():  # the last of repeated readings wins
                wide = long.pivot_table(index=[ASSET, TIME], columns="signal", values="value",
                                        aggfunc="last").reset_index()
            else:  # the usual case, and much cheaper than pivot_table
                wide = long.pivot(index=[ASSET, TIME], columns="signal", values="value").reset_index()
            wide.columns.name = None
        return cls(wide, units={k: v for k, v in found_units.items() if k in wide.columns},
                   time_kind=time_kind, source=source)

    @classmethod
    def from_csv(cls, path: str | Path, *, units: Mapping[str, str] | None = None,
                 time_kind: TimeKind | None = None, **read_kw: Any) -> Frame:
        """Read a wide CSV with ``asset``, ``time`` and signal columns."""
        from ._io import read_table

        df = read_table(path, fmt="csv", **read_kw)
        return cls(df, units=units, time_kind=time_kind, source=str(path))

    @classmethod
    def from_parquet(cls, path: str | Path, *, units: Mapping[str, str] | None = None,
                     time_kind: TimeKind | None = None) -> Frame:
        """Read a wide Parquet file with ``asset``, ``time`` and signal columns."""
        from ._io import read_table

        df = read_table(path, fmt="parquet")
        return cls(df, units=units, time_kind=time_kind, source=str(path))

    @classmethod
    def from_store(cls, store: Store, *, assets: Sequence[str] | None = None,
                   signals: Sequence[str] | None = None, start: Any = None, end: Any = None) -> Frame:
        """Read readings from a :class:`~bessemer.core.Store` into a frame."""
        return store.read_frame(assets=assets, signals=signals, start=start, end=end)


# ---------------------------------------------------------------- cleaning
def _row_of(mask: np.ndarray) -> int:
    """1-based data row number of the first True in ``mask``."""
    return int(np.flatnonzero(mask)[0]) + 1


def _shown(value: Any) -> str:
    """A cell for an error message: ``(empty)`` for missing, else its text quoted and cut to 40 characters."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return "(empty)"
    return repr(str(value)[:40])


def _clean_assets(col: pd.Series, source: str | None) -> pd.Series:
    bad = col.isna().to_numpy()
    if bad.any():
        raise DataError("asset is empty; every row needs an asset id", file=source,
                        row=_row_of(bad), column=ASSET)
    out = col.astype(str).str.strip()
    empty = (out == "").to_numpy()
    if empty.any():
        raise DataError("asset is empty; every row needs an asset id", file=source,
                        row=_row_of(empty), column=ASSET)
    uniq = pd.unique(out)
    for a in uniq:
        if not text_is_safe(a, max_len=120):
            row = _row_of((out == a).to_numpy())
            raise DataError(
                f"asset id {a[:40]!r} is not allowed: use at most 120 printable characters "
                "without control characters or < >",
                file=source, row=row, column=ASSET,
            )
    return out.astype(object)


def _clean_time(col: pd.Series, kind: TimeKind | None, source: str | None) -> tuple[pd.Series, TimeKind]:
    if kind is None:
        if pd.api.types.is_datetime64_any_dtype(col):
            kind = "timestamp"
        elif pd.api.types.is_numeric_dtype(col):
            kind = "cycle"
        else:
            kind = "timestamp"
    if kind == "cycle":
        num = pd.to_numeric(col, errors="coerce")
        bad = (num.isna() | (num < 0) | (num != np.floor(num.fillna(0)))).to_numpy()
        if bad.any():
            r = _row_of(bad)
            raise DataError(
                f"time {_shown(col.iloc[r - 1])} is not an operating cycle (a whole number ≥ 0)",
                file=source, row=r, column=TIME,
            )
        return num.astype("int64"), "cycle"
    if pd.api.types.is_datetime64_any_dtype(col):
        ts = col
    else:
        ts = pd.to_datetime(col, errors="coerce", utc=True, format="mixed")
    ts = ts.dt.tz_localize("UTC") if ts.dt.tz is None else ts.dt.tz_convert("UTC")
    bad = ts.isna().to_numpy()
    if bad.any():
        r = _row_of(bad)
        raise DataError(
            f"time {_shown(col.iloc[r - 1])} is not a timestamp (use ISO 8601, e.g. 2024-05-01T08:00:00Z)",
            file=source, row=r, column=TIME,
        )
    try:
        return ts.astype("datetime64[ns, UTC]"), "timestamp"
    except (OverflowError, pd.errors.OutOfBoundsDatetime):
        # a finer-than-ns column (Parquet) can hold times that nanosecond timestamps cannot
        out = ((ts < pd.Timestamp.min.tz_localize("UTC")) | (ts > pd.Timestamp.max.tz_localize("UTC"))).to_numpy()
        r = _row_of(out) if out.any() else 1
        raise DataError(f"time {_shown(col.iloc[r - 1])} is outside the years 1677-2262 that timestamps can hold",
                        file=source, row=r, column=TIME) from None


def _clean_numeric(col: pd.Series, name: str, source: str | None) -> pd.Series:
    if pd.api.types.is_bool_dtype(col):
        return col.astype("float64")
    if pd.api.types.is_numeric_dtype(col):
        num = col.astype("float64")
    else:
        num = pd.to_numeric(col, errors="coerce").astype("float64")
        blank = col.astype(str).str.strip().str.lower().isin(["", "nan", "na", "null", "none"])
        bad = (num.isna() & col.notna() & ~blank).to_numpy()
        if bad.any():
            r = _row_of(bad)
            raise DataError(
                f"value {str(col.iloc[r - 1])[:40]!r} is not a number",
                file=source, row=r, column=name,
            )
    arr = num.to_numpy()
    huge = ~np.isnan(arr) & ~(np.abs(arr) <= _MAX_ABS)
    if huge.any():
        r = _row_of(huge)
        raise DataError(
            f"value {float(arr[r - 1])!r} is out of range (|value| must be ≤ {_MAX_ABS:g}); "
            "is the unit or the decimal separator wrong?",
            file=source, row=r, column=name,
        )
    return num


def _sorted_unique(df: pd.DataFrame, on_duplicate: str, source: str | None) -> pd.DataFrame:
    t = df[TIME]
    tkey = t.dt.tz_convert(None).to_numpy() if isinstance(t.dtype, pd.DatetimeTZDtype) else t.to_numpy()
    order = np.lexsort((np.arange(len(df)), tkey, df[ASSET].to_numpy().astype(str)))
    df = df.iloc[order]
    dup = df.duplicated([ASSET, TIME], keep="last" if on_duplicate == "last" else False).to_numpy()
    if dup.any():
        if on_duplicate == "last":
            df = df[~dup]
        else:
            rows = sorted(int(i) + 1 for i in order[dup][:2])
            first = df[dup].iloc[0]
            raise DataError(
                f"duplicate (asset, time) = ({first[ASSET]!r}, {first[TIME]}) at rows {rows}; "
                "remove one or import with on_duplicate='last'",
                file=source, row=rows[-1], column=TIME,
            )
    return df.reset_index(drop=True)
