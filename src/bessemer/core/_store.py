"""The embedded store: asset tree, readings, events, result tables and API tokens in DuckDB.

One :class:`Store` wraps one DuckDB connection behind a re-entrant lock, so one process
may read from one thread (the API) while another writes (a live simulator). Every
write is one transaction: it either happens entirely or not at all (a failure rolls
back and the store is as it was).

Schema (``meta.schema_version`` = 1)::

    nodes    (id PK, level, name, parent, kind, name_ko, attrs JSON, time_kind, seq)
    signals  (equipment, name, unit, description, seq)         PK (equipment, name)
    readings (asset, signal, t BIGINT, value DOUBLE)            PK (asset, signal, t)
    events   (asset, t BIGINT, kind, note)                      PK (asset, t, kind)
    results  (name PK, data BLOB Parquet, updated)
    tokens   (name PK, token_hash UNIQUE, role, site, created)

``t`` is nanoseconds since the epoch (UTC) for assets whose ``time_kind`` is
``"timestamp"`` and the operating cycle for ``"cycle"`` assets; an asset's time kind
is fixed by its first write.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd

from ._assets import AssetTree
from ._exceptions import ConfigError, DataError, NotFoundError, StoreError
from ._frame import Frame
from ._store_common import (
    EVENT_KINDS,
    IMPORTED,
    ROLES,
    SCHEMA_VERSION,
    ReadingArrays,
    _blob_table,
    _bound,
    _check_events,
    _check_limit,
    _check_table_name,
    _check_token,
    _declared_units,
    _event_rows,
    _events_frame,
    _events_refusal,
    _long_arrow,
    _now,
    _one_kind,
    _quality_arrow,
    _ReadCache,
    _ReadingsTable,
    _table_blob,
    _token_dict,
    _unknown,
    _wide_frame,
)
from ._store_sql import _SqlRows
from ._store_tail import RecentTails

#: answers of :meth:`Store.reading_arrays` up to this many rows are kept until the next write
_CACHED_ROWS = 5_000

if TYPE_CHECKING:
    import duckdb

    from ._settings import Settings
    from ._store_pg import PostgresStore

T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS nodes (
    id VARCHAR PRIMARY KEY, level VARCHAR NOT NULL, name VARCHAR NOT NULL, parent VARCHAR,
    kind VARCHAR, name_ko VARCHAR, attrs VARCHAR, time_kind VARCHAR, seq BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS signals (
    equipment VARCHAR NOT NULL, name VARCHAR NOT NULL, unit VARCHAR NOT NULL, description VARCHAR,
    seq BIGINT NOT NULL, PRIMARY KEY (equipment, name));
CREATE TABLE IF NOT EXISTS readings (
    asset VARCHAR NOT NULL, signal VARCHAR NOT NULL, t BIGINT NOT NULL, value DOUBLE NOT NULL,
    PRIMARY KEY (asset, signal, t));
CREATE TABLE IF NOT EXISTS reading_quality (
    asset VARCHAR NOT NULL, signal VARCHAR NOT NULL, t BIGINT NOT NULL, quality VARCHAR NOT NULL,
    PRIMARY KEY (asset, signal, t));
CREATE TABLE IF NOT EXISTS events (
    asset VARCHAR NOT NULL, t BIGINT NOT NULL, kind VARCHAR NOT NULL, note VARCHAR,
    PRIMARY KEY (asset, t, kind));
CREATE TABLE IF NOT EXISTS results (name VARCHAR PRIMARY KEY, data BLOB NOT NULL, updated TIMESTAMP);
CREATE TABLE IF NOT EXISTS tokens (
    name VARCHAR PRIMARY KEY, token_hash VARCHAR NOT NULL UNIQUE, role VARCHAR NOT NULL, site VARCHAR,
    created TIMESTAMP NOT NULL);
"""


class Store(_ReadingsTable, _SqlRows):
    """Embedded DuckDB store. Thread-safe (one lock); every write is all or nothing.

    Parameters
    ----------
    path : str or Path, optional
        DuckDB file (parent folders are created). ``None`` keeps everything in memory.
    read_only : bool
        Open an existing file without the right to change it.

    Examples
    --------
    >>> import pandas as pd
    >>> from bessemer.core import Frame
    >>> store = Store()
    >>> f = Frame(pd.DataFrame({"asset": ["fan-1"] * 2, "time": [1, 2], "temp": [20.0, 21.5]}),
    ...           units={"temp": "degC"})
    >>> store.write_frame(f, create_assets=True)
    2
    >>> store.write_frame(f, create_assets=True)  # idempotent: same readings, no duplicates
    2
    >>> store.count_readings(), store.time_kind("fan-1"), store.latest_time("fan-1")
    (2, 'cycle', 2)
    >>> store.read_frame().to_pandas()["temp"].tolist()
    [20.0, 21.5]
    >>> store.close()
    """

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False) -> None:
        import duckdb

        self.path = Path(path) if path is not None else None
        self.read_only = read_only
        self._lock = threading.RLock()
        self._cache = _ReadCache(ttl=None)  # one process owns a DuckDB file: every change passes _write
        self._tails = RecentTails()  # the newest readings of the series readers ask for, merged at each write
        self._has_flags: bool | None = None  # does reading_quality hold any row (None: not looked yet)
        if self.path is None:
            if read_only:
                raise StoreError("an in-memory store cannot be read-only; give a file path")
            target = ":memory:"
        else:
            if read_only and not self.path.is_file():
                raise NotFoundError(f"store file {str(self.path)!r} does not exist")
            if not read_only:
                try:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                except OSError as err:
                    raise StoreError(f"cannot create folder for store {str(self.path)!r}: {err}") from err
            target = str(self.path)
        try:
            self._con: duckdb.DuckDBPyConnection | None = duckdb.connect(target, read_only=read_only)
        except duckdb.Error as err:
            raise StoreError(f"cannot open store {target!r}: {err}") from err
        if not read_only:
            self._write(self._create_schema)

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Store | PostgresStore:
        """Open the store the settings name (the process settings by default); see :func:`open_store`."""
        return open_store(settings)

    def _create_schema(self, con: duckdb.DuckDBPyConnection) -> None:
        for stmt in _SCHEMA.split(";"):
            if stmt.strip():
                con.execute(stmt)
        con.execute("INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT DO NOTHING", [SCHEMA_VERSION])

    # ------------------------------------------------------------ plumbing
    def close(self) -> None:
        """Close the connection; later calls raise :class:`StoreError`."""
        with self._lock:
            self._tails.clear()
            if self._con is not None:
                self._con.close()
                self._con = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        where = str(self.path) if self.path is not None else ":memory:"
        return f"Store({where!r}{', read_only=True' if self.read_only else ''})"

    def _conn(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            raise StoreError("the store is closed")
        return self._con

    def _read(self, fn: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        import duckdb

        with self._lock:
            con = self._conn()
            try:
                return fn(con)
            except duckdb.Error as err:
                raise StoreError(f"store read failed: {err}") from err

    def _write(self, fn: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """Run ``fn`` in one transaction: commit on success, roll back on any failure."""
        import duckdb

        if self.read_only:
            raise StoreError("the store is open read-only; nothing was changed")
        with self._lock:
            con = self._conn()
            self._cache.bump()
            con.execute("BEGIN TRANSACTION")
            try:
                out = fn(con)
                con.execute("COMMIT")
            except BaseException as err:
                try:
                    con.execute("ROLLBACK")
                except duckdb.Error:  # the transaction may already be aborted
                    pass
                if isinstance(err, duckdb.Error):
                    raise StoreError(f"store write failed and was rolled back: {err}") from err
                raise
            return out

    # ------------------------------------------------------------ assets
    def put_assets(self, tree: AssetTree) -> None:
        """Upsert the nodes and signals of ``tree`` (by id and by (equipment, name)).

        Changing the unit of a signal that already has readings raises :class:`UnitError`;
        a change that would break the stored hierarchy raises :class:`DataError`.
        """
        self._write(lambda con: self._put_tree(con, tree))

    def asset_tree(self) -> AssetTree:
        """The stored hierarchy as an :class:`AssetTree` (a copy: changing it changes nothing stored)."""
        with self._lock:
            return self._cache.get("tree", lambda: self._read(self._tree)).copy()  # type: ignore[no-any-return]

    def time_kind(self, asset: str) -> str | None:
        """``"timestamp"``, ``"cycle"``, or ``None`` before the asset's first reading.

        Raises :class:`NotFoundError` for an unknown asset.
        """
        with self._lock:
            rows = self._cache.get("nodes", lambda: self._read(lambda con: self._node_rows(con, None)))
        if asset not in rows:
            raise NotFoundError(_unknown("asset", [asset]))
        return rows[asset][1]  # type: ignore[no-any-return]

    # ------------------------------------------------------------ readings
    def write_frame(self, frame: Frame, *, create_assets: bool = False, quality: pd.DataFrame | None = None) -> int:
        """Upsert the readings of ``frame``; return how many readings were written.

        Re-writing a reading (same asset, signal, time) replaces its value, never
        duplicates it. NaN values are gaps and are not stored.

        ``quality`` (columns ``asset, signal, time, quality``) marks readings of the frame whose
        source called them ``"uncertain"`` (or ``"bad"``); every other reading written is good. A
        reading's quality is that of its last write (:meth:`reading_quality` reads it back).

        Raises
        ------
        NotFoundError
            An asset that is not in the store (unless ``create_assets``: it is then
            created as equipment under the site/area/unit :data:`IMPORTED`).
        UnitError
            A signal whose unit differs from the one declared in the store.
        DataError
            An asset whose stored time kind differs from the frame's, or a non-equipment asset.
        """
        if not isinstance(frame, Frame):
            raise TypeError(f"write_frame needs a Frame, got {type(frame).__name__}")
        df = frame.to_pandas()
        signals = frame.signals
        units = frame.units
        kind = frame.time_kind
        source = frame.source
        assets = [str(a) for a in frame.assets]
        table = _long_arrow(df, signals, kind)
        flags = _quality_arrow(quality, table, kind, source)

        def run(con: duckdb.DuckDBPyConnection) -> int:
            self._prepare_readings(con, assets, units, kind, source, create_assets)
            if table.num_rows == 0:
                return 0
            con.register("_incoming", table)
            try:
                con.execute(
                    "INSERT INTO readings SELECT asset, signal, t, value FROM _incoming "
                    "ON CONFLICT (asset, signal, t) DO UPDATE SET value = excluded.value"
                ).fetchall()  # finished, so that the connection takes the next statement
                self._write_flags(con, flags)
            finally:
                con.unregister("_incoming")
            return int(table.num_rows)

        with self._lock:  # merged into the readers' tails in the same hold of the lock as the commit
            n = self._write(run)
            self._tails.merge_table(table)
            return n

    def _write_flags(self, con: duckdb.DuckDBPyConnection, flags: Any) -> None:
        """The readings in ``_incoming`` take the qualities of ``flags`` (good where none is given)."""
        if self._has_flags is None:
            self._has_flags = bool(con.execute("SELECT EXISTS (SELECT 1 FROM reading_quality)").fetchall()[0][0])
        if self._has_flags:  # the usual case, a store of good readings only, pays nothing here
            con.execute("DELETE FROM reading_quality q USING _incoming i "
                        "WHERE q.asset = i.asset AND q.signal = i.signal AND q.t = i.t").fetchall()
        if flags is not None:
            con.register("_flags", flags)
            try:
                con.execute("INSERT INTO reading_quality SELECT asset, signal, t, quality FROM _flags").fetchall()
            finally:
                con.unregister("_flags")
            self._has_flags = True

    def read_frame(
        self,
        *,
        assets: Sequence[str] | None = None,
        signals: Sequence[str] | None = None,
        start: Any = None,
        end: Any = None,
    ) -> Frame:
        """Readings as a wide :class:`Frame` with units; ``start``/``end`` are inclusive.

        All chosen assets must share one time kind (by default all assets with a time
        kind are chosen). Rows with no reading at all are absent.
        """

        def run(con: duckdb.DuckDBPyConnection) -> Frame:
            if assets is None:
                rows = con.execute("SELECT id, time_kind FROM nodes WHERE time_kind IS NOT NULL ORDER BY id").fetchall()
                kinds = {r[0]: r[1] for r in rows}
            else:
                kinds = self._kinds(con, [str(a) for a in assets])
            chosen = list(kinds)
            kind = _one_kind(kinds)
            sig_rows = con.execute(
                "SELECT equipment, name, unit FROM signals WHERE list_contains(?, equipment) ORDER BY seq",
                [chosen]).fetchall()
            declared = _declared_units(sig_rows, signals, chosen)
            lo, hi = _bound(start, kind, "start"), _bound(end, kind, "end")
            long = con.execute(
                "SELECT asset, signal, t, value FROM readings WHERE list_contains(?, asset) "
                "AND list_contains(?, signal) AND t BETWEEN ? AND ?",
                [chosen, list(declared), lo, hi]).df()
            return _wide_frame(long, declared, kind)

        return self._read(run)

    def reading_arrays(self, asset: str, signal: str | None = None, *, start: Any = None, end: Any = None,
                       limit: int = 10_000) -> ReadingArrays:
        """:meth:`readings` as plain NumPy columns (:class:`ReadingArrays`), without building a table."""
        _check_limit(limit)
        kind = self.time_kind(asset) or "timestamp"
        if signal is not None:
            with self._lock:
                tree = self._cache.get("tree", lambda: self._read(self._tree))
            try:
                tree.signal(asset, signal)
            except NotFoundError:
                raise NotFoundError(f"signal {signal!r} of asset {asset!r} does not exist") from None
        lo, hi = _bound(start, kind, "start"), _bound(end, kind, "end")
        if signal is not None:  # a series' newest readings come from its tail, kept in step with writes
            with self._lock:
                got_tail = self._tails.get(asset, signal, lo=lo, hi=hi, limit=int(limit), load=self._newest)
            if got_tail is not None:
                t, v = got_tail
                return ReadingArrays(kind=kind, signal=np.full(len(t), signal, dtype=object), t=t, value=v)
        # one signal: a plain equality, which DuckDB pushes into the scan's min/max pruning
        which = "AND signal = ? " if signal is not None else ""
        params = [asset, *([signal] if signal is not None else []), lo, hi, int(limit)]

        def run() -> ReadingArrays:
            got = self._read(lambda con: con.execute(
                f"SELECT signal, t, value FROM (SELECT signal, t, value FROM readings WHERE asset = ? {which}"  # noqa: S608
                "AND t BETWEEN ? AND ? ORDER BY t DESC, signal DESC LIMIT ?) ORDER BY t, signal", params).fetchnumpy())
            return ReadingArrays(kind=kind, signal=np.asarray(got["signal"], dtype=object),
                                 t=np.asarray(got["t"], dtype=np.int64),
                                 value=np.asarray(got["value"], dtype=np.float64))

        # the same query between two writes gets the same answer: kept until this store's next write
        # (one process owns a DuckDB file, so no write can pass unseen); large answers are not kept
        with self._lock:
            return self._cache.get(("readings", asset, signal, lo, hi, int(limit)), run,  # type: ignore[no-any-return]
                                   keep=lambda r: len(r.t) <= _CACHED_ROWS)

    def _newest(self, asset: str, signal: str, lo: int, rows: int) -> tuple[np.ndarray, np.ndarray]:
        """The newest ``rows`` readings of one series at or after ``lo``, newest first (a tail's load)."""
        got = self._read(lambda con: con.execute(
            "SELECT t, value FROM readings WHERE asset = ? AND signal = ? AND t >= ? ORDER BY t DESC LIMIT ?",
            [asset, signal, int(lo), int(rows)]).fetchnumpy())
        return np.asarray(got["t"], dtype=np.int64), np.asarray(got["value"], dtype=np.float64)

    def latest_time(self, asset: str | None = None) -> pd.Timestamp | int | None:
        """Time of the newest reading of ``asset`` (or of all assets, which must share a time kind)."""
        if asset is not None:  # kept in step with writes (readings are never deleted: it only grows)
            kind = self.time_kind(asset)
            with self._lock:
                t = self._tails.latest(asset, lambda a: self._read(lambda con: con.execute(
                    "SELECT max(t) FROM readings WHERE asset = ?", [a]).fetchone()[0]))  # type: ignore[index]
        else:
            def run(con: duckdb.DuckDBPyConnection) -> tuple[str | None, int | None]:
                kinds = {r[0] for r in con.execute(
                    "SELECT DISTINCT time_kind FROM nodes WHERE time_kind IS NOT NULL").fetchall()}
                if len(kinds) > 1:
                    raise DataError("assets mix timestamp and cycle time; ask latest_time(asset) per asset")
                return (kinds.pop() if kinds else None), con.execute("SELECT max(t) FROM readings").fetchone()[0]  # type: ignore[index]

            with self._lock:
                kind, t = self._cache.get(("latest", None), lambda: self._read(run))
        if t is None or kind is None:
            return None
        return pd.Timestamp(int(t), unit="ns", tz="UTC") if kind == "timestamp" else int(t)

    def count_readings(self) -> int:
        """Number of stored readings."""
        return self._read(lambda con: int(con.execute("SELECT count(*) FROM readings").fetchone()[0]))  # type: ignore[index]

    # ------------------------------------------------------------ events
    def add_events(self, events: pd.DataFrame, *, create_assets: bool = False) -> int:
        """Add maintenance history; idempotent on ``(asset, time, kind)`` (the note is updated).

        ``events`` needs columns ``asset, time, kind`` (kind in :data:`EVENT_KINDS`) and
        may have ``note``. Times follow the asset's time kind; an asset without readings
        takes its time kind from these events. Returns the number of events written.
        """
        ev, assets = _check_events(events)

        def run(con: duckdb.DuckDBPyConnection) -> int:
            got = self._assets_for_write(con, assets, create_assets, _events_refusal)
            written = 0
            for a in assets:
                tk = got[a][1]
                rows, kind = _event_rows(ev, a, tk)
                if tk is None:
                    con.execute("UPDATE nodes SET time_kind = ? WHERE id = ?", [kind, a])
                con.register("_events", rows)
                try:
                    con.execute("INSERT INTO events SELECT asset, t, kind, note FROM _events "
                                "ON CONFLICT (asset, t, kind) DO UPDATE SET note = excluded.note")
                finally:
                    con.unregister("_events")
                written += len(rows)
            return written

        return self._write(run)

    def events(self, asset: str | None = None) -> pd.DataFrame:
        """Events (``asset, time, kind, note``) sorted by asset and time.

        ``time`` is a UTC timestamp or a cycle; with several assets of mixed time kinds
        the column holds both.
        """

        def run(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
            if asset is not None:
                self._kinds(con, [asset])
            df = con.execute(
                "SELECT e.asset, e.t, e.kind, e.note, n.time_kind FROM events e JOIN nodes n ON n.id = e.asset "
                "WHERE (? IS NULL OR e.asset = ?) ORDER BY e.asset, e.t, e.kind", [asset, asset]).df()
            return _events_frame(df)

        return self._read(run)

    # ------------------------------------------------------------ result tables
    def put_table(self, name: str, df: pd.DataFrame) -> None:
        """Store ``df`` under ``name`` (``[a-z][a-z0-9_]*``), replacing any previous table atomically."""
        blob = _table_blob(name, df)

        def run(con: duckdb.DuckDBPyConnection) -> None:
            con.execute("INSERT INTO results VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                        "data = excluded.data, updated = excluded.updated",
                        [name, blob, _now()])

        self._write(run)

    def get_table(self, name: str) -> pd.DataFrame | None:
        """The table stored under ``name``, or ``None``."""
        _check_table_name(name)
        row = self._read(lambda con: con.execute("SELECT data FROM results WHERE name = ?", [name]).fetchone())
        return None if row is None else _blob_table(row[0])

    def table_names(self) -> list[str]:
        """Names of the stored result tables."""
        return [r[0] for r in self._read(lambda con: con.execute("SELECT name FROM results ORDER BY name").fetchall())]

    # ------------------------------------------------------------ tokens
    def add_token(self, *, name: str, token_hash: str, role: str, site: str | None = None) -> None:
        """Record an API token by its hash. Duplicate names or hashes raise :class:`DataError`."""
        _check_token(name, token_hash, role, site)

        def run(con: duckdb.DuckDBPyConnection) -> None:
            if con.execute("SELECT 1 FROM tokens WHERE name = ?", [name]).fetchone() is not None:
                raise DataError(f"a token named {name!r} already exists; revoke it first or pick another name")
            if con.execute("SELECT 1 FROM tokens WHERE token_hash = ?", [token_hash]).fetchone() is not None:
                raise DataError("a token with this hash already exists")
            con.execute("INSERT INTO tokens VALUES (?, ?, ?, ?, ?)",
                        [name, token_hash, role, site, _now()])

        self._write(run)

    def find_token(self, token_hash: str) -> dict[str, Any] | None:
        """``{name, role, site, created}`` of the token with this hash, or ``None``."""
        with self._lock:  # known tokens are kept until the next write (a revocation drops them)
            row = self._cache.get(("token", token_hash), lambda: self._read(lambda con: con.execute(
                "SELECT name, role, site, created FROM tokens WHERE token_hash = ?", [token_hash]).fetchone()),
                keep=lambda r: r is not None)
        return _token_dict(row) if row is not None else None

    def list_tokens(self) -> list[dict[str, Any]]:
        """All tokens (without hashes), oldest first."""
        rows = self._read(lambda con: con.execute(
            "SELECT name, role, site, created FROM tokens ORDER BY created, name").fetchall())
        return [_token_dict(r) for r in rows]

    def revoke_token(self, name: str) -> None:
        """Delete the token called ``name``; :class:`NotFoundError` if there is none."""

        def run(con: duckdb.DuckDBPyConnection) -> None:
            if con.execute("SELECT 1 FROM tokens WHERE name = ?", [name]).fetchone() is None:
                raise NotFoundError(f"token {name!r} does not exist")
            con.execute("DELETE FROM tokens WHERE name = ?", [name])

        self._write(run)


def open_store(settings: Settings | None = None, *, read_only: bool = False) -> Store | PostgresStore:
    """Open the store that ``settings`` name (the process settings by default).

    A :class:`~bessemer.core.PostgresStore` at ``settings.store_url`` (schema
    ``settings.store_schema``) when that is set, else the DuckDB :class:`Store` at
    ``settings.store_file``.

    Examples
    --------
    >>> from bessemer.core import Settings
    >>> with open_store(Settings(home="/tmp/bessemer-doc-open")) as store:
    ...     type(store).__name__, store.path.name
    ('Store', 'bessemer.duckdb')
    """
    from ._settings import get_settings

    s = settings if settings is not None else get_settings()
    url = s.store_url.get_secret_value().strip() if s.store_url is not None else ""
    if not url:  # unset or empty: the embedded store
        return Store(s.store_file, read_only=read_only)
    from ._store_pg import PostgresStore

    if not url.startswith(("postgresql://", "postgres://")):
        raise ConfigError(f"BESSEMER_STORE_URL must start with postgresql:// (got {url.split(':', 1)[0][:20]!r}...); "
                          "e.g. postgresql://bessemer:PASSWORD@127.0.0.1:5432/bessemer")
    return PostgresStore(url, schema=s.store_schema, read_only=read_only)


__all__ = ["EVENT_KINDS", "IMPORTED", "ROLES", "Store", "open_store"]
