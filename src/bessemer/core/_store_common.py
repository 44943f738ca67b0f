"""What every store shares, whatever its database: constants, checks, messages and conversions.

The embedded :class:`~bessemer.core.Store` (DuckDB) and :class:`~bessemer.core.PostgresStore`
keep the same tables with the same meanings; this module holds the parts that do not
depend on the database, so that both refuse the same input with the same message and
convert times the same way.

Store time ``t`` is an ``int64``: nanoseconds since the epoch (UTC) for ``"timestamp"``
assets and the operating cycle for ``"cycle"`` assets.

Examples
--------
>>> import pandas as pd
>>> t = _to_t(pd.Series(pd.to_datetime(["1970-01-01T00:00:01Z"])), "timestamp")
>>> int(t[0]), _from_t(t, "timestamp")[0]
(1000000000, Timestamp('1970-01-01 00:00:01+0000', tz='UTC'))
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from .._compat import text_is_safe
from ._exceptions import DataError, NotFoundError, UnitError
from ._frame import Frame

#: ids of the site, area and unit under which ``create_assets=True`` puts new equipment
IMPORTED = ("imported", "imported-area", "imported-unit")
EVENT_KINDS = ("failure", "maintenance", "install", "inspection")
ROLES = ("viewer", "operator", "admin")
SCHEMA_VERSION = "1"
_TABLE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


# ---------------------------------------------------------------- messages and checks
def _unknown(what: str, names: Iterable[str]) -> str:
    names = list(names)
    shown = ", ".join(repr(n) for n in names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return f"unknown {what}{'s' if len(names) > 1 else ''} {shown}"


def _note_ok(text: str) -> bool:
    return len(text) <= 2000 and text_is_safe(text.replace("\n", " ").replace("\t", " "), max_len=2000)


def _check_table_name(name: str) -> None:
    if not isinstance(name, str) or not _TABLE_NAME.match(name):
        raise DataError(f"table name {str(name)[:40]!r} must be 1-63 of a-z 0-9 _ and start with a letter")


def _missing_assets(missing: Sequence[str], source: str | None) -> NotFoundError:
    return NotFoundError((f"file {source}: " if source else "") + _unknown("asset", missing)
                         + "; add it with put_assets() or import with create_assets=True")


def _fresh_assets(got: Mapping[str, tuple[str, str | None]], assets: Sequence[str], kind: str,
                  source: str | None) -> list[str]:
    """Check that ``assets`` are equipment of time kind ``kind``; return those without a time kind yet."""
    fresh = []
    for a in assets:
        level, tk = got[a]
        if level != "equipment":
            raise DataError(f"asset {a!r} is a {level}; readings belong to equipment", file=source, column="asset")
        if tk is not None and tk != kind:
            raise DataError(
                f"asset {a!r} stores time as {tk}s but this frame has {kind}s; "
                "an asset's time kind is fixed by its first write",
                file=source, column="time",
            )
        if tk is None:
            fresh.append(a)
    return fresh


def _unit_changed(equipment: str, name: str, stored: str, unit: str, source: str | None, *,
                  declared: bool = False) -> UnitError:
    how = "declared" if declared else "stored"
    return UnitError(f"signal {name!r} of asset {equipment!r} is {how} in {stored!r}, got {unit!r}; "
                     f"convert the values to {stored!r} or use a new signal name", file=source, column=name)


def _one_kind(kinds: Mapping[str, str | None]) -> str:
    """The one time kind of the chosen assets (``"timestamp"`` when none has readings)."""
    found = {k for k in kinds.values() if k is not None}
    if len(found) > 1:
        raise DataError(
            "the chosen assets mix timestamp and cycle time; read them separately "
            f"(timestamp: {sorted(a for a, k in kinds.items() if k == 'timestamp')[:5]}, "
            f"cycle: {sorted(a for a, k in kinds.items() if k == 'cycle')[:5]})"
        )
    return found.pop() if found else "timestamp"


def _declared_units(sig_rows: Iterable[tuple[str, str, str]], signals: Sequence[str] | None,
                    chosen: Sequence[str]) -> dict[str, str]:
    """One unit per signal name over ``(equipment, name, unit)`` rows; keep ``signals`` if given."""
    declared: dict[str, str] = {}
    for eq, name, unit in sig_rows:
        if declared.setdefault(name, unit) != unit:
            raise UnitError(f"signal {name!r} has unit {declared[name]!r} on some assets and {unit!r} on "
                            f"{eq!r}; read these assets separately", column=name)
    if signals is not None:
        wanted = [str(s) for s in signals]
        missing = [s for s in wanted if s not in declared]
        if missing:
            raise NotFoundError(_unknown("signal", missing) + f" for assets {list(chosen)[:5]}")
        declared = {s: declared[s] for s in wanted}
    return declared


def _check_limit(limit: Any) -> None:
    if not isinstance(limit, int | np.integer) or limit < 0:
        raise DataError(f"limit must be a whole number ≥ 0, got {limit!r}")


def _check_events(events: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Validate an events table; return it re-indexed and its distinct (stripped) assets."""
    need = ["asset", "time", "kind"]
    missing = [c for c in need if c not in events.columns]
    if missing:
        raise DataError(f"events lack column(s) {missing}; found {list(map(str, events.columns))[:20]}")
    ev = events.reset_index(drop=True)
    notes = ev["note"] if "note" in ev.columns else pd.Series([""] * len(ev))
    for i, (a, k, n) in enumerate(zip(ev["asset"], ev["kind"], notes, strict=True), start=1):
        if not isinstance(a, str) or not a.strip() or not text_is_safe(a, max_len=120):
            raise DataError(f"asset {str(a)[:40]!r} is not a valid asset id", row=i, column="asset")
        if k not in EVENT_KINDS:
            raise DataError(f"event kind {str(k)[:40]!r} is not one of {EVENT_KINDS}", row=i, column="kind")
        if n is not None and not (isinstance(n, float) and np.isnan(n)) and not _note_ok(str(n)):
            raise DataError("note must be at most 2000 characters without control characters or < >",
                            row=i, column="note")
    return ev, [str(a).strip() for a in pd.unique(ev["asset"])]


def _event_rows(ev: pd.DataFrame, asset: str, time_kind: str | None) -> tuple[pd.DataFrame, str]:
    """Rows ``asset, t, kind, note`` of one asset's events (last duplicate wins) and their time kind."""
    from ._frame import _clean_time

    part = ev[(ev["asset"].astype(str).str.strip() == asset).to_numpy()]
    times, kind = _clean_time(part["time"].reset_index(drop=True), time_kind, None)  # type: ignore[arg-type]
    note = part["note"] if "note" in part.columns else pd.Series([None] * len(part))
    rows = pd.DataFrame({"asset": asset, "t": _to_t(times, kind), "kind": part["kind"].to_numpy(),
                         "note": [None if (x is None or (isinstance(x, float) and np.isnan(x))) else str(x)
                                  for x in note]})
    return rows.drop_duplicates(["asset", "t", "kind"], keep="last"), kind


def _events_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Stored rows ``asset, t, kind, note, time_kind`` -> the public events table."""
    kinds = set(df["time_kind"])
    t = df["t"].to_numpy(dtype=np.int64)
    if kinds == {"cycle"}:
        time: Any = t
    elif kinds <= {"timestamp"}:
        time = _from_t(t, "timestamp")
    else:
        time = [pd.Timestamp(int(v), unit="ns", tz="UTC") if k == "timestamp" else int(v)
                for v, k in zip(t, df["time_kind"], strict=True)]
    return pd.DataFrame({"asset": df["asset"].astype(object), "time": time,
                         "kind": df["kind"].astype(object), "note": df["note"].astype(object)})


def _check_token(name: Any, token_hash: Any, role: Any, site: Any) -> None:
    if not isinstance(name, str) or not name.strip() or not text_is_safe(name, max_len=80):
        raise DataError(f"token name {str(name)[:40]!r} must be 1-80 printable characters without < >")
    if role not in ROLES:
        raise DataError(f"role {role!r} is not one of {ROLES}")
    if not isinstance(token_hash, str) or not 16 <= len(token_hash) <= 256 or not text_is_safe(token_hash):
        raise DataError("token_hash must be a hash string of 16-256 printable characters")
    if site is not None and (not isinstance(site, str) or not text_is_safe(site, max_len=120)):
        raise DataError(f"site {str(site)[:40]!r} is not a valid site id")


def _token_dict(row: tuple[Any, ...]) -> dict[str, Any]:
    created = row[3]
    if isinstance(created, datetime):
        created = created.replace(tzinfo=UTC).isoformat()
    return {"name": row[0], "role": row[1], "site": row[2], "created": created}


def _now() -> datetime:
    """Now in UTC without a zone (the stores keep naive UTC timestamps)."""
    return datetime.now(UTC).replace(tzinfo=None)


def _table_blob(name: str, df: pd.DataFrame) -> bytes:
    """``df`` as Parquet bytes for the results table."""
    _check_table_name(name)
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"put_table needs a DataFrame, got {type(df).__name__}")
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pa.Table.from_pandas(df, preserve_index=False)
        buf = io.BytesIO()
        pq.write_table(table, buf)
    except (pa.ArrowException, TypeError, ValueError) as err:
        raise DataError(f"table {name!r} cannot be stored: {str(err)[:200]}") from err
    return buf.getvalue()


def _blob_table(blob: bytes) -> pd.DataFrame:
    import pyarrow.parquet as pq

    return pq.read_table(io.BytesIO(bytes(blob))).to_pandas()


# ---------------------------------------------------------------- time and shape
def _to_t(times: pd.Series, kind: str) -> np.ndarray:
    """Frame time column -> int64 store time (ns since epoch UTC, or the cycle)."""
    if kind == "cycle":
        return times.to_numpy(dtype=np.int64)
    return times.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[ns]").view(np.int64)


def _from_t(t: np.ndarray, kind: str) -> Any:
    if kind == "cycle":
        return t.astype(np.int64)
    return pd.to_datetime(t, unit="ns", utc=True)


def _bound(value: Any, kind: str, which: str) -> int:
    """Inclusive query bound in store time; ``None`` is open."""
    lo, hi = np.iinfo(np.int64).min, np.iinfo(np.int64).max
    if value is None:
        return lo if which == "start" else hi
    if kind == "cycle":
        if isinstance(value, bool) or not isinstance(value, int | np.integer | float) or value != int(value):
            raise DataError(f"{which} must be a cycle number for cycle assets, got {value!r}")
        return int(value)
    if isinstance(value, bool | int | float | np.integer | np.floating):
        raise DataError(f"{which} must be a timestamp (e.g. '2024-05-01T08:00:00Z') for timestamp assets, "
                        f"got {value!r}")
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as err:
        raise DataError(f"{which} {str(value)[:40]!r} is not a timestamp; use ISO 8601") from err
    if ts is pd.NaT:
        raise DataError(f"{which} is not a timestamp")
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return int(ts.as_unit("ns").value)


@dataclass(frozen=True)
class ReadingArrays:
    """Readings of one asset as plain columns, for callers that skip pandas (the API's hot path).

    ``t`` is store time: nanoseconds since 1970 UTC for ``kind == "timestamp"``, the cycle for
    ``"cycle"``. Rows are sorted by time, then signal.
    """

    kind: str
    signal: np.ndarray  # object array of str
    t: np.ndarray  # int64
    value: np.ndarray  # float64

    def __post_init__(self) -> None:
        for a in (self.signal, self.t, self.value):
            a.flags.writeable = False  # a store may hand the same answer to every caller until its next write

    def to_frame(self, asset: str) -> pd.DataFrame:
        """The ``asset, signal, time, value`` table :meth:`Store.readings` returns."""
        return pd.DataFrame({
            "asset": np.full(len(self.t), asset, dtype=object),
            "signal": self.signal.copy(),
            "time": _from_t(self.t.copy(), self.kind),
            "value": self.value.copy(),
        })


#: qualities a stored reading may carry besides "good" (a reading with no row in ``reading_quality`` is good)
QUALITY_FLAGS = ("uncertain", "bad")


def _quality_arrow(quality: pd.DataFrame | None, table: Any, kind: str, source: str | None) -> Any:
    """The ``quality`` argument of ``write_frame`` -> Arrow table ``asset, signal, t, quality``, or ``None``.

    Each row must name a reading the frame holds (same asset, signal and time) and a quality of
    :data:`QUALITY_FLAGS`; a key listed twice keeps its last row.
    """
    import pyarrow as pa

    if quality is None or len(quality) == 0:
        return None
    if not isinstance(quality, pd.DataFrame):
        raise TypeError(f"quality must be a DataFrame, got {type(quality).__name__}")
    missing = [c for c in ("asset", "signal", "time", "quality") if c not in quality.columns]
    if missing:
        raise DataError(f"quality lacks column(s) {missing}", file=source)
    q = quality.reset_index(drop=True)
    bad = ~q["quality"].isin(QUALITY_FLAGS)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(f"quality {str(q['quality'][i])[:20]!r} is not one of {QUALITY_FLAGS} (good readings "
                        "need no row)", file=source, row=i, column="quality")
    try:
        t = _to_t(q["time"], kind)
    except (AttributeError, TypeError, ValueError) as err:
        raise DataError(f"quality times must be {'cycles' if kind == 'cycle' else 'tz-aware timestamps'} like "
                        f"the frame's: {err}", file=source, column="time") from err
    flags = pd.DataFrame({"asset": q["asset"].astype(str).to_numpy(), "signal": q["signal"].astype(str).to_numpy(),
                          "t": t, "quality": q["quality"].astype(str).to_numpy()})
    flags = flags.drop_duplicates(["asset", "signal", "t"], keep="last")
    held = pd.DataFrame({"asset": table.column("asset").to_pandas().astype(str),
                         "signal": table.column("signal").to_pandas().astype(str),
                         "t": table.column("t").to_numpy()})
    hit = flags.merge(held, on=["asset", "signal", "t"], how="left", indicator=True)["_merge"] == "both"
    if not hit.all():
        i = int(np.flatnonzero(~hit.to_numpy())[0])
        raise DataError(f"quality row names asset {flags['asset'].iloc[i]!r}, signal {flags['signal'].iloc[i]!r} at "
                        "a time the frame holds no reading for", file=source, row=i)
    return pa.Table.from_pandas(flags, preserve_index=False)


def _events_refusal(missing: Sequence[str]) -> NotFoundError:
    """The error of ``add_events`` for assets that do not exist (without ``create_assets``)."""
    return NotFoundError(_unknown("asset", missing) + "; add it with put_assets() first")


def _quality_frame(rows: Sequence[tuple[str, int, str]], kind: str) -> pd.DataFrame:
    """``(signal, t, quality)`` rows -> the ``signal, time, quality`` table of ``reading_quality()``."""
    t = np.array([r[1] for r in rows], dtype=np.int64)
    return pd.DataFrame({"signal": pd.Series([r[0] for r in rows], dtype=object), "time": _from_t(t, kind),
                         "quality": pd.Series([r[2] for r in rows], dtype=object)})


class _ReadingsTable:
    """``readings()`` and ``reading_quality()`` once for both stores, on top of their own ``reading_arrays()``,
    ``_read()`` and ``_kinds()``; ``_PH`` is the store's SQL parameter mark."""

    _PH = "?"
    _read: Any  # each store's own (not defined here: PostgresStore takes them from _PgBase, after this class)
    _kinds: Any

    def reading_quality(self, asset: str, signal: str | None = None, *, start: Any = None,
                        end: Any = None) -> pd.DataFrame:
        """Stored readings of ``asset`` (one signal or all) in ``[start, end]`` whose quality is not good.

        Returns columns ``signal, time, quality`` sorted by time, then signal; a reading not listed is good.
        Raises :class:`NotFoundError` for an unknown asset.
        """
        sql = ("SELECT signal, t, quality FROM reading_quality WHERE asset = ? AND (CAST(? AS TEXT) IS NULL "
               "OR signal = ?) AND t BETWEEN ? AND ? ORDER BY t, signal").replace("?", self._PH)  # a fixed mark

        def run(con: Any) -> pd.DataFrame:
            kind = self._kinds(con, [asset])[asset] or "timestamp"
            lo, hi = _bound(start, kind, "start"), _bound(end, kind, "end")
            return _quality_frame(con.execute(sql, [asset, signal, signal, lo, hi]).fetchall(), kind)

        return self._read(run)

    def reading_arrays(self, asset: str, signal: str | None = None, *, start: Any = None, end: Any = None,
                       limit: int = 10_000) -> ReadingArrays:  # pragma: no cover - each store has its own
        raise NotImplementedError

    def readings(self, asset: str, signal: str | None = None, *, start: Any = None, end: Any = None,
                 limit: int = 10_000) -> pd.DataFrame:
        """The last ``limit`` readings of ``asset`` (one signal or all) in ``[start, end]``.

        Returns columns ``asset, signal, time, value`` sorted by time (then signal).
        """
        return self.reading_arrays(asset, signal, start=start, end=end, limit=limit).to_frame(asset)


class _ReadCache:
    """Reads that change only when the store is written (asset tree, node kinds, token records).

    Every write through the store bumps :attr:`generation`, which drops every entry; at most
    ``max_entries`` are kept (the oldest goes first). ``ttl`` bounds
    how long an entry is trusted when another process may write the same store (PostgreSQL);
    ``None`` trusts it until this store's next write (DuckDB: one process owns the file). Callers
    hold the store's lock.

    Examples
    --------
    >>> c = _ReadCache(ttl=None)
    >>> calls = []
    >>> def compute():
    ...     calls.append(1)
    ...     return len(calls)
    >>> c.get("k", compute), c.get("k", compute)
    (1, 1)
    >>> c.bump(); c.get("k", compute)
    2
    """

    def __init__(self, ttl: float | None, *, max_entries: int = 2048) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.generation = 0
        self._entries: dict[Any, tuple[int, float, Any]] = {}

    def bump(self) -> None:
        """Forget everything: the store was (or may have been) written."""
        self.generation += 1
        self._entries.clear()

    def get(self, key: Any, compute: Any, *, keep: Any = None) -> Any:
        """The cached value of ``key``, or ``compute()`` (kept unless ``keep(value)`` is false)."""
        hit = self._entries.get(key)
        now = time.monotonic()
        if hit is not None and hit[0] == self.generation and (self.ttl is None or now - hit[1] < self.ttl):
            return hit[2]
        generation = self.generation
        value = compute()
        if (keep is None or keep(value)) and generation == self.generation:
            if len(self._entries) >= self.max_entries:  # bounded: the oldest entry goes first
                self._entries.pop(next(iter(self._entries)))
            self._entries[key] = (generation, now, value)
        return value


def _long_arrow(df: pd.DataFrame, signals: Sequence[str], kind: str) -> Any:
    """Wide frame table -> Arrow table ``asset, signal, t, value`` without NaN values."""
    import pyarrow as pa

    n, k = len(df), len(signals)
    if n == 0 or k == 0:
        return pa.table({"asset": pa.array([], pa.string()), "signal": pa.array([], pa.string()),
                         "t": pa.array([], pa.int64()), "value": pa.array([], pa.float64())})
    vals = df[list(signals)].to_numpy(dtype=np.float64)  # (n, k) row-major
    keep = ~np.isnan(vals).ravel()
    t = _to_t(df["time"], kind)
    row_idx = np.repeat(np.arange(n), k)[keep]
    sig_idx = np.tile(np.arange(k, dtype=np.int32), n)[keep]
    asset_codes, asset_names = pd.factorize(df["asset"].to_numpy())
    assets = pa.DictionaryArray.from_arrays(pa.array(asset_codes[row_idx].astype(np.int32)),
                                            pa.array([str(a) for a in asset_names], pa.string()))
    sigs = pa.DictionaryArray.from_arrays(pa.array(sig_idx), pa.array(list(signals), pa.string()))
    return pa.table({"asset": assets, "signal": sigs, "t": pa.array(t[row_idx]),
                     "value": pa.array(vals.ravel()[keep])})


def _wide_frame(long: pd.DataFrame, units: dict[str, str], kind: str) -> Frame:
    sigs = list(units)
    if long.empty:
        data = {"asset": pd.Series([], dtype=object),
                "time": pd.Series([], dtype="int64") if kind == "cycle" else
                pd.Series([], dtype="datetime64[ns, UTC]")}
        data.update({s: pd.Series([], dtype="float64") for s in sigs})
        return Frame(pd.DataFrame(data), units=units, time_kind=kind)  # type: ignore[arg-type]
    wide = long.pivot(index=["asset", "t"], columns="signal", values="value")
    wide = wide.reindex(columns=sigs).reset_index()
    wide.columns.name = None
    t = wide.pop("t").to_numpy(dtype=np.int64)
    wide.insert(1, "time", _from_t(t, kind))
    wide["asset"] = wide["asset"].astype(object)
    return Frame(wide, units=units, time_kind=kind)  # type: ignore[arg-type]


__all__ = ["EVENT_KINDS", "IMPORTED", "ROLES", "SCHEMA_VERSION"]
