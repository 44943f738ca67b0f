"""The server store: the embedded store's tables and semantics on PostgreSQL.

:class:`PostgresStore` has the public methods of :class:`~bessemer.core.Store` and the same
behaviour (the store conformance suite, ``tests/core/test_store.py``, runs on both): every
write is one transaction, readings are upserted idempotently on ``(asset, signal, t)``,
errors are the same :mod:`bessemer.core` exceptions with the same messages. One store is
one PostgreSQL schema (``public`` by default), so several stores can share a database.

Readings are partitioned natively (by time kind, then timestamps by calendar month) with a
BRIN index on time, or kept in a TimescaleDB hypertable when that extension can be created
(layout in :mod:`bessemer.core._store_pg_sql`). Bulk writes go through binary ``COPY`` into a
temporary table and one ``INSERT`` (plain for new data, else ``ON CONFLICT DO UPDATE``; a
re-delivered reading with the same value writes nothing); bulk reads come back as one packed
``bytea`` per series. The one thing a failed write may leave behind is an empty monthly partition.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._assets import AssetTree
from ._exceptions import DataError, NotFoundError
from ._frame import Frame
from ._store_common import (
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
    _ReadingsTable,
    _table_blob,
    _token_dict,
    _wide_frame,
)
from ._store_pg_base import _PgBase
from ._store_pg_sql import KIND_CODE

if TYPE_CHECKING:
    import psycopg

    Con = psycopg.Connection[Any]


_LAST = ("SELECT asset, signal, t, value FROM (SELECT asset, signal, t, value FROM readings WHERE asset = %s "
         "AND kind = %s::\"char\" AND t BETWEEN %s AND %s {} ORDER BY t DESC, signal DESC LIMIT %s) last "
         "ORDER BY t, signal")
_LAST_ALL = _LAST.format("")
_LAST_ONE = _LAST.format("AND signal = %s")


class PostgresStore(_ReadingsTable, _PgBase):
    """PostgreSQL store with the interface and behaviour of :class:`~bessemer.core.Store`.

    Thread-safe (one connection behind one lock); every write is all or nothing. A lost
    connection is re-opened on the next call.

    Parameters
    ----------
    url : str
        libpq connection URL, e.g. ``postgresql://bessemer:PASSWORD@db.plant:5432/bessemer``.
        The password never appears in ``repr`` or in messages (:attr:`url` is masked).
    schema : str, optional
        PostgreSQL schema that holds this store's tables (created when missing); ``public``
        by default. Lower-case letters, digits and ``_``.
    read_only : bool
        Refuse every write; the schema must already hold a store.
    timescale : bool, optional
        Keep readings in a TimescaleDB hypertable. ``None`` (default) uses TimescaleDB when the
        extension is installed or can be created, else native partitioning; ``False`` always
        partitions natively. Fixed when the store is created (see :attr:`layout`).

    Examples
    --------
    Needs a running PostgreSQL server, so not run as a doctest:

    >>> import pandas as pd
    >>> from bessemer.core import Frame
    >>> store = PostgresStore("postgresql://postgres@127.0.0.1:5432/postgres",
    ...                       schema="doc_example")  # doctest: +SKIP
    >>> f = Frame(pd.DataFrame({"asset": ["fan-1"] * 2, "time": [1, 2], "temp": [20.0, 21.5]}),
    ...           units={"temp": "degC"})
    >>> store.write_frame(f, create_assets=True), store.write_frame(f, create_assets=True)  # doctest: +SKIP
    (2, 2)
    >>> store.count_readings(), store.layout  # doctest: +SKIP
    (2, 'native')
    """

    _PH = "%s"  # before _ReadingsTable's "?" in the method order: the SQL shared with Store takes psycopg's mark

    # ------------------------------------------------------------ assets
    def put_assets(self, tree: AssetTree) -> None:
        """Upsert the nodes and signals of ``tree`` (see :meth:`Store.put_assets <bessemer.core.Store.put_assets>`)."""
        self._write(lambda con: self._put_tree(con, tree))

    def asset_tree(self) -> AssetTree:
        """The stored hierarchy as an :class:`AssetTree` (a copy; changes by other processes show within 1 s)."""
        with self._lock:
            return self._cache.get("tree", lambda: self._read(self._tree)).copy()  # type: ignore[no-any-return]

    def time_kind(self, asset: str) -> str | None:
        """``"timestamp"``, ``"cycle"``, or ``None`` before the asset's first reading."""
        return self._read(lambda con: self._kinds(con, [asset])[asset])

    # ------------------------------------------------------------ readings
    def write_frame(self, frame: Frame, *, create_assets: bool = False, quality: pd.DataFrame | None = None) -> int:
        """Upsert the readings of ``frame``; return how many readings were written.

        Same rules, ``quality`` and errors as :meth:`Store.write_frame <bessemer.core.Store.write_frame>`.
        """
        if not isinstance(frame, Frame):
            raise TypeError(f"write_frame needs a Frame, got {type(frame).__name__}")
        df = frame.to_pandas()
        units, kind, source = frame.units, frame.time_kind, frame.source
        assets = [str(a) for a in frame.assets]
        table = _long_arrow(df, frame.signals, kind)
        flags = _quality_arrow(quality, table, kind, source)
        if kind == "timestamp" and table.num_rows:
            import pyarrow.compute as pc

            self._ensure_partitions(pc.fill_null(table.column("t"), 0).to_numpy())

        def run(con: Con) -> int:
            self._prepare_readings(con, assets, units, kind, source, create_assets)
            if table.num_rows == 0:
                return 0
            self._bulk_upsert(con, table, kind, flags)
            return int(table.num_rows)

        return self._write(run)

    def read_frame(self, *, assets: Sequence[str] | None = None, signals: Sequence[str] | None = None,
                   start: Any = None, end: Any = None) -> Frame:
        """Readings as a wide :class:`Frame` with units; ``start``/``end`` are inclusive.

        Same rules as :meth:`Store.read_frame <bessemer.core.Store.read_frame>`.
        """

        def run(con: Con) -> Frame:
            if assets is None:
                rows = con.execute("SELECT id, time_kind FROM nodes WHERE time_kind IS NOT NULL ORDER BY id").fetchall()
                kinds = {r[0]: r[1] for r in rows}
            else:
                kinds = self._kinds(con, [str(a) for a in assets])
            chosen = list(kinds)
            kind = _one_kind(kinds)
            sig_rows = con.execute(
                "SELECT equipment, name, unit FROM signals WHERE equipment = ANY(%s) ORDER BY seq", [chosen]).fetchall()
            declared = _declared_units(sig_rows, signals, chosen)
            lo, hi = _bound(start, kind, "start"), _bound(end, kind, "end")
            long = self._fetch_readings(con, chosen, list(declared), kind, lo, hi)
            return _wide_frame(long, declared, kind)

        return self._read(run)

    def reading_arrays(self, asset: str, signal: str | None = None, *, start: Any = None, end: Any = None,
                       limit: int = 10_000) -> ReadingArrays:
        """:meth:`readings` as plain NumPy columns (:class:`ReadingArrays`), without building a table."""
        _check_limit(limit)

        def run(con: Con) -> ReadingArrays:
            kind = self._kinds(con, [asset])[asset] or "timestamp"
            if signal is not None:
                ok = con.execute("SELECT 1 FROM signals WHERE equipment = %s AND name = %s", [asset, signal]).fetchone()
                if ok is None:
                    raise NotFoundError(f"signal {signal!r} of asset {asset!r} does not exist")
            lo, hi = _bound(start, kind, "start"), _bound(end, kind, "end")
            params = [asset, KIND_CODE[kind], lo, hi, int(limit)]
            if signal is None:
                rows = con.execute(_LAST_ALL, params).fetchall()
            else:
                rows = con.execute(_LAST_ONE, [*params[:-1], signal, params[-1]]).fetchall()
            return ReadingArrays(kind=kind, signal=np.array([r[1] for r in rows], dtype=object),
                                 t=np.array([r[2] for r in rows], dtype=np.int64),
                                 value=np.array([r[3] for r in rows], dtype=np.float64))

        return self._read(run)

    def latest_time(self, asset: str | None = None) -> pd.Timestamp | int | None:
        """Time of the newest reading of ``asset`` (or of all assets, which must share a time kind)."""
        # one index probe per signal (the primary key leads with asset, signal) instead of a scan
        per_signal = ("SELECT max((SELECT max(r.t) FROM readings r WHERE r.asset = s.equipment "
                      "AND r.signal = s.name)) FROM signals s")

        def run(con: Con) -> pd.Timestamp | int | None:
            if asset is not None:
                kind = self._kinds(con, [asset])[asset]
                t = con.execute(per_signal + " WHERE s.equipment = %s", [asset]).fetchone()[0]  # type: ignore[index]
            else:
                kinds = {r[0] for r in con.execute(
                    "SELECT DISTINCT time_kind FROM nodes WHERE time_kind IS NOT NULL").fetchall()}
                if len(kinds) > 1:
                    raise DataError("assets mix timestamp and cycle time; ask latest_time(asset) per asset")
                kind = kinds.pop() if kinds else None
                t = con.execute(per_signal).fetchone()[0]  # type: ignore[index]
            if t is None or kind is None:
                return None
            return pd.Timestamp(int(t), unit="ns", tz="UTC") if kind == "timestamp" else int(t)

        return self._read(run)

    def count_readings(self) -> int:
        """Number of stored readings."""
        return self._read(lambda con: int(con.execute("SELECT count(*) FROM readings").fetchone()[0]))  # type: ignore[index]

    # ------------------------------------------------------------ events
    def add_events(self, events: pd.DataFrame, *, create_assets: bool = False) -> int:
        """Add maintenance history; idempotent on ``(asset, time, kind)`` (the note is updated).

        Same rules as :meth:`Store.add_events <bessemer.core.Store.add_events>`.
        """
        ev, assets = _check_events(events)

        def run(con: Con) -> int:
            got = self._assets_for_write(con, assets, create_assets, _events_refusal)
            written = 0
            for a in assets:
                tk = got[a][1]
                rows, kind = _event_rows(ev, a, tk)
                if tk is None:
                    con.execute("UPDATE nodes SET time_kind = %s WHERE id = %s", [kind, a])
                con.execute(
                    "INSERT INTO events SELECT * FROM unnest(%s::text[], %s::bigint[], %s::text[], %s::text[]) "
                    "ON CONFLICT (asset, t, kind) DO UPDATE SET note = excluded.note",
                    [rows["asset"].tolist(), [int(x) for x in rows["t"]], rows["kind"].tolist(),
                     [None if pd.isna(x) else str(x) for x in rows["note"]]])
                written += len(rows)
            return written

        return self._write(run)

    def events(self, asset: str | None = None) -> pd.DataFrame:
        """Events (``asset, time, kind, note``) sorted by asset and time."""

        def run(con: Con) -> pd.DataFrame:
            if asset is not None:
                self._kinds(con, [asset])
            rows = con.execute(
                "SELECT e.asset, e.t, e.kind, e.note, n.time_kind FROM events e JOIN nodes n ON n.id = e.asset "
                "WHERE (%s::text IS NULL OR e.asset = %s) ORDER BY e.asset, e.t, e.kind", [asset, asset]).fetchall()
            cols = ["asset", "t", "kind", "note", "time_kind"]
            df = pd.DataFrame(rows, columns=cols) if rows else pd.DataFrame({c: pd.Series([], dtype=object)
                                                                              for c in cols})
            return _events_frame(df)

        return self._read(run)

    # ------------------------------------------------------------ result tables
    def put_table(self, name: str, df: pd.DataFrame) -> None:
        """Store ``df`` under ``name`` (``[a-z][a-z0-9_]*``), replacing any previous table atomically."""
        blob = _table_blob(name, df)
        self._write(lambda con: con.execute(
            "INSERT INTO results VALUES (%s, %s, %s) ON CONFLICT (name) DO UPDATE SET "
            "data = excluded.data, updated = excluded.updated", [name, blob, _now()]))

    def get_table(self, name: str) -> pd.DataFrame | None:
        """The table stored under ``name``, or ``None``."""
        _check_table_name(name)
        row = self._read(lambda con: con.execute("SELECT data FROM results WHERE name = %s", [name]).fetchone())
        return None if row is None else _blob_table(row[0])

    def table_names(self) -> list[str]:
        """Names of the stored result tables."""
        return [r[0] for r in self._read(lambda con: con.execute("SELECT name FROM results ORDER BY name").fetchall())]

    # ------------------------------------------------------------ tokens
    def add_token(self, *, name: str, token_hash: str, role: str, site: str | None = None) -> None:
        """Record an API token by its hash. Duplicate names or hashes raise :class:`DataError`."""
        _check_token(name, token_hash, role, site)

        def run(con: Con) -> None:
            if con.execute("SELECT 1 FROM tokens WHERE name = %s", [name]).fetchone() is not None:
                raise DataError(f"a token named {name!r} already exists; revoke it first or pick another name")
            if con.execute("SELECT 1 FROM tokens WHERE token_hash = %s", [token_hash]).fetchone() is not None:
                raise DataError("a token with this hash already exists")
            con.execute("INSERT INTO tokens VALUES (%s, %s, %s, %s, %s)", [name, token_hash, role, site, _now()])

        self._write(run)

    def find_token(self, token_hash: str) -> dict[str, Any] | None:
        """``{name, role, site, created}`` of the token with this hash, or ``None``."""
        with self._lock:  # known tokens are kept for at most CACHE_TTL_S: a revocation elsewhere lands within it
            row = self._cache.get(("token", token_hash), lambda: self._read(lambda con: con.execute(
                "SELECT name, role, site, created FROM tokens WHERE token_hash = %s", [token_hash]).fetchone()),
                keep=lambda r: r is not None)
        return _token_dict(row) if row is not None else None

    def list_tokens(self) -> list[dict[str, Any]]:
        """All tokens (without hashes), oldest first."""
        rows = self._read(lambda con: con.execute(
            "SELECT name, role, site, created FROM tokens ORDER BY created, name").fetchall())
        return [_token_dict(r) for r in rows]

    def revoke_token(self, name: str) -> None:
        """Delete the token called ``name``; :class:`NotFoundError` if there is none."""

        def run(con: Con) -> None:
            if con.execute("SELECT 1 FROM tokens WHERE name = %s", [name]).fetchone() is None:
                raise NotFoundError(f"token {name!r} does not exist")
            con.execute("DELETE FROM tokens WHERE name = %s", [name])

        self._write(run)


__all__ = ["PostgresStore"]
