"""Plumbing of the PostgreSQL store: connection, schema creation, transactions, partitions, bulk I/O.

The public methods live in :mod:`bessemer.core._store_pg`; the SQL in
:mod:`bessemer.core._store_pg_sql`.

Examples
--------
>>> _masked("postgresql://ops:s3cret@db.plant:5432/bessemer")
'postgresql://ops@db.plant:5432/bessemer'
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Self, TypeVar

from ._exceptions import NotFoundError, StoreError
from ._store_common import SCHEMA_VERSION, _ReadCache
from ._store_sql import _SqlRows

if TYPE_CHECKING:
    import psycopg

    Con = psycopg.Connection[Any]

T = TypeVar("T")
#: seconds a cached asset tree or token record is trusted (another process may have changed it)
CACHE_TTL_S = 1.0
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _masked(url: str) -> str:
    """``url`` without its password (for messages and ``repr``)."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        d = conninfo_to_dict(url)
    except Exception:  # noqa: BLE001 - an unparsable URL is shown as nothing but its scheme
        return "postgresql://(unparsable)"
    user = f"{d['user']}@" if d.get("user") else ""
    port = f":{d['port']}" if d.get("port") else ""
    return f"postgresql://{user}{d.get('host', '')}{port}/{d.get('dbname', '')}"


class _PgBase(_SqlRows):
    """Connection, schema, transactions, partitions and bulk I/O of :class:`~bessemer.core.PostgresStore`."""

    _PH = "%s"
    _IN = "{col} = ANY({p})"

    def _executemany(self, con: Con, sql: str, rows: list[list[Any]]) -> None:
        with con.cursor() as cur:
            cur.executemany(sql, rows)

    def __init__(self, url: str, *, schema: str | None = None, read_only: bool = False,
                 timescale: bool | None = None) -> None:
        if not isinstance(url, str) or not url.strip():
            raise StoreError("a PostgreSQL store needs a URL such as postgresql://user@host:5432/dbname")
        schema = "public" if schema is None else schema
        if not isinstance(schema, str) or not _SCHEMA_NAME.match(schema):
            raise StoreError(f"schema {str(schema)[:40]!r} must be 1-63 of a-z 0-9 _ and not start with a digit")
        self._url = url
        self.url = _masked(url)
        self.schema = schema
        self.read_only = read_only
        self.layout = "native"
        self._lock = threading.RLock()
        # other processes may write the same schema: what this one cached is trusted for a second at most
        self._cache = _ReadCache(ttl=CACHE_TTL_S)
        self._con: Con | None = None
        self._parts: set[str] = set()
        with self._lock:
            self._con = self._connect()
            try:
                if read_only:
                    self._check_exists()
                else:
                    self._create_schema(timescale)
                self._load_layout()
            except BaseException:
                self.close()
                raise

    # ------------------------------------------------------------ plumbing
    def _connect(self) -> Con:
        import psycopg
        from psycopg import sql

        try:
            con = psycopg.connect(self._url, autocommit=True, connect_timeout=10)
        except psycopg.Error as err:
            raise StoreError(f"cannot open store {self.url!r}: {str(err).strip()[:300]}") from err
        try:
            con.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(self.schema)))
            if self.read_only:
                con.execute("SET default_transaction_read_only = on")
        except psycopg.Error as err:
            con.close()
            raise StoreError(f"cannot open store {self.url!r}: {str(err).strip()[:300]}") from err
        return con

    def _check_exists(self) -> None:
        row = self._read(lambda con: con.execute(
            "SELECT to_regclass(%s) IS NOT NULL", [f'"{self.schema}".meta']).fetchone())
        if not row or not row[0]:
            raise NotFoundError(f"schema {self.schema!r} of {self.url!r} holds no Bessemer store; "
                                "open it once without read_only to create it")

    def _create_schema(self, timescale: bool | None) -> None:
        from psycopg import sql

        from ._store_pg_sql import NATIVE, TABLES, TIMESCALE

        def run(con: Con) -> None:
            # one creator at a time per schema: IF NOT EXISTS alone races between processes
            con.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"bessemer-schema:{self.schema}"])
            if not con.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [self.schema]).fetchone():
                con.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(self.schema)))
            if con.execute("SELECT to_regclass('meta') IS NOT NULL").fetchone()[0]:  # type: ignore[index]
                return  # an existing store: no DDL, so a user with only read/write rights can open it
            layout = "timescaledb" if timescale is not False and self._timescale_ok(con) else "native"
            for stmt in TABLES + (TIMESCALE if layout == "timescaledb" else NATIVE):
                con.execute(stmt)  # type: ignore[arg-type]
            con.execute("INSERT INTO meta VALUES ('schema_version', %s), ('layout', %s)", [SCHEMA_VERSION, layout])

        self._write(run)

    @staticmethod
    def _timescale_ok(con: Con) -> bool:
        import psycopg

        if con.execute("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'").fetchone():
            return True
        if not con.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'").fetchone():
            return False
        try:
            with con.transaction():  # a savepoint: a refused CREATE EXTENSION leaves the schema creation intact
                con.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
        except psycopg.Error:
            return False
        return True

    def _load_layout(self) -> None:
        def run(con: Con) -> tuple[str, str, set[str]]:
            meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
            parts = set()
            if con.execute("SELECT to_regclass('readings_ts') IS NOT NULL").fetchone()[0]:  # type: ignore[index]
                parts = {r[0] for r in con.execute(
                    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                    "WHERE i.inhparent = 'readings_ts'::regclass").fetchall()}
            return meta.get("schema_version", ""), meta.get("layout", "native"), parts

        version, self.layout, self._parts = self._read(run)
        if version != SCHEMA_VERSION:
            raise StoreError(f"schema {self.schema!r} of {self.url!r} has store schema version {version!r}; "
                             f"this Bessemer reads version {SCHEMA_VERSION!r}")

    def close(self) -> None:
        """Close the connection; later calls raise :class:`StoreError`."""
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"PostgresStore({self.url!r}, schema={self.schema!r}{', read_only=True' if self.read_only else ''})"

    def _conn(self) -> Con:
        if self._con is None:
            raise StoreError("the store is closed")
        if self._con.closed or self._con.broken:  # the server went away: try a fresh connection
            self._con = self._connect()
        return self._con

    def _read(self, fn: Callable[[Con], T]) -> T:
        """Run ``fn`` in one read-only snapshot (repeatable read)."""
        import psycopg

        with self._lock:
            for attempt in (1, 2):  # a read on a connection the server dropped is tried once more on a new one
                con = self._conn()
                try:
                    con.isolation_level, con.read_only = psycopg.IsolationLevel.REPEATABLE_READ, True
                    with con.transaction():
                        return fn(con)
                except psycopg.Error as err:
                    if attempt == 1 and con.broken:
                        continue
                    raise StoreError(f"store read failed: {str(err).strip()[:500]}") from err
            raise AssertionError("unreachable")

    def _write(self, fn: Callable[[Con], T]) -> T:
        """Run ``fn`` in one transaction: commit on success, roll back on any failure."""
        import psycopg

        if self.read_only:
            raise StoreError("the store is open read-only; nothing was changed")
        with self._lock:
            con = self._conn()
            self._cache.bump()
            try:
                con.isolation_level, con.read_only = None, None
                with con.transaction():
                    return fn(con)
            except psycopg.Error as err:
                if con.broken:  # the COMMIT may or may not have reached the server
                    raise StoreError(
                        f"store write failed: the connection to {self.url!r} was lost ({str(err).strip()[:300]}); "
                        "whether it was committed is unknown. Readings, events, assets and tables are upserts, "
                        "so sending the write again is safe; the next call reconnects") from err
                raise StoreError(f"store write failed and was rolled back: {str(err).strip()[:500]}") from err

    def _ensure_partitions(self, t: Any) -> None:
        """Create the monthly partitions that timestamp readings ``t`` need (own short transaction)."""
        from ._store_pg_sql import month_partitions

        if self.layout != "native":
            return
        need = [p for p in month_partitions(t) if p.name not in self._parts]
        if not need:
            return

        def run(con: Con) -> None:
            con.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"bessemer-parts:{self.schema}"])
            for p in need:
                con.execute(p.ddl())  # type: ignore[arg-type]

        self._write(run)
        self._parts.update(p.name for p in need)

    def _bulk_upsert(self, con: Con, table: Any, kind: str, flags: Any = None) -> None:
        """COPY the Arrow readings ``table`` into ``_incoming`` and upsert them into readings.

        When no stored reading lies within the time span of any series written (new data, the
        usual case) a plain INSERT does it in about half the time of the upsert; should a
        concurrent writer have stored one of these keys meanwhile, the INSERT fails on the
        primary key, its savepoint is rolled back and the upsert runs instead. The readings written
        then take the quality ``flags`` (Arrow ``asset, signal, t, quality``) give them, good by default.
        """
        import psycopg

        from . import _store_pg_sql as q

        enc = q.encode_readings(table)
        code = q.KIND_CODE[kind]
        con.execute(q.INCOMING)
        with con.cursor().copy("COPY _incoming (ai, si, t, value) FROM STDIN (FORMAT BINARY)") as cp:
            step = 1 << 23
            for i in range(0, len(enc.data), step):
                cp.write(enc.data[i:i + step])
        inserted = False
        if not con.execute(q.OVERLAP, [*enc.spans, code]).fetchone()[0]:  # type: ignore[index]
            try:
                with con.transaction():  # a savepoint
                    con.execute(q.INSERT_NEW, [enc.assets, enc.signals, code])
                inserted = True
            except psycopg.errors.UniqueViolation:
                pass
        if not inserted:
            con.execute(q.UPSERT, [enc.assets, enc.signals, code])
        # another process may have flagged readings: look each time (an empty table answers at once)
        if con.execute("SELECT EXISTS (SELECT 1 FROM reading_quality)").fetchone()[0]:  # type: ignore[index]
            con.execute(q.CLEAR_FLAGS, [enc.assets, enc.signals])
        if flags is not None:
            cols = flags.to_pydict()
            con.execute(q.PUT_FLAGS, [cols["asset"], cols["signal"], cols["t"], cols["quality"]])

    def _fetch_readings(self, con: Con, assets: Sequence[str], signals: Sequence[str],
                       kind: str, lo: int, hi: int) -> Any:
        """Readings of ``assets`` x ``signals`` with ``lo <= t <= hi`` as a long DataFrame.

        The server packs each series into one ``bytea`` of big-endian ``(t, value)`` pairs,
        which numpy reads without a Python loop per reading.
        """
        import numpy as np
        import pandas as pd

        from ._store_pg_sql import KIND_CODE, SERIES_READ, decode_series

        rows = con.execute(SERIES_READ, [list(assets), list(signals), KIND_CODE[kind], lo, hi]).fetchall()
        a, s, t, v = decode_series(rows)
        names_a = np.array(list(assets), dtype=object)
        names_s = np.array(list(signals), dtype=object)
        return pd.DataFrame({"asset": names_a[a - 1], "signal": names_s[s - 1], "t": t, "value": v})


__all__: list[str] = []
