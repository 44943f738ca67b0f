"""PostgreSQL plumbing of :class:`~bessemer.core.PostgresStore`: schema, partitions, bulk writes and reads.

Layout of one store (one PostgreSQL schema; ``meta.schema_version`` = 1, ``meta.layout``)::

    meta, nodes, signals, events, results, tokens     as in the DuckDB store (text COLLATE "C")
    readings (asset, signal, t BIGINT, value DOUBLE PRECISION, kind "char")
             PRIMARY KEY (asset, signal, t, kind), BRIN index on t
      native layout:  PARTITION BY LIST (kind)
        readings_cycle    FOR VALUES IN ('c')          cycle assets (t is the cycle)
        readings_ts       FOR VALUES IN ('t')          timestamp assets (t is ns since the epoch, UTC)
          PARTITION BY RANGE (t): one partition per calendar month, readings_ts_pYYYYMM,
          created on demand before a write that needs it
      timescaledb layout (when the extension can be created): one hypertable on t,
        chunks of 7 days of nanoseconds

``kind`` repeats the asset's time kind (fixed by its first write) so that timestamps and
cycles live in different partitions and a query prunes to the right one.

Examples
--------
>>> import numpy as np
>>> t = np.array([0, 1_000], dtype=np.int64)
>>> [(p.name, p.low, p.high) for p in month_partitions(t)]
[('readings_ts_p197001', '0', '2678400000000000')]
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

#: readings.kind per time kind
KIND_CODE = {"timestamp": "t", "cycle": "c"}
_TEXT = 'text COLLATE "C"'
_TABLES = f"""
CREATE TABLE IF NOT EXISTS meta (key {_TEXT} PRIMARY KEY, value {_TEXT});
CREATE TABLE IF NOT EXISTS nodes (
    id {_TEXT} PRIMARY KEY, level {_TEXT} NOT NULL, name {_TEXT} NOT NULL, parent {_TEXT},
    kind {_TEXT}, name_ko {_TEXT}, attrs {_TEXT}, time_kind {_TEXT}, seq BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS signals (
    equipment {_TEXT} NOT NULL, name {_TEXT} NOT NULL, unit {_TEXT} NOT NULL, description {_TEXT},
    seq BIGINT NOT NULL, PRIMARY KEY (equipment, name));
CREATE TABLE IF NOT EXISTS events (
    asset {_TEXT} NOT NULL, t BIGINT NOT NULL, kind {_TEXT} NOT NULL, note {_TEXT},
    PRIMARY KEY (asset, t, kind));
CREATE TABLE IF NOT EXISTS results (name {_TEXT} PRIMARY KEY, data BYTEA NOT NULL, updated TIMESTAMP);
CREATE TABLE IF NOT EXISTS reading_quality (
    asset {_TEXT} NOT NULL, signal {_TEXT} NOT NULL, t BIGINT NOT NULL, quality {_TEXT} NOT NULL,
    PRIMARY KEY (asset, signal, t));
CREATE TABLE IF NOT EXISTS tokens (
    name {_TEXT} PRIMARY KEY, token_hash {_TEXT} NOT NULL UNIQUE, role {_TEXT} NOT NULL, site {_TEXT},
    created TIMESTAMP NOT NULL)
"""
_READINGS = f"""CREATE TABLE IF NOT EXISTS readings (
    asset {_TEXT} NOT NULL, signal {_TEXT} NOT NULL, t BIGINT NOT NULL, value DOUBLE PRECISION NOT NULL,
    kind "char" NOT NULL, PRIMARY KEY (asset, signal, t, kind))"""
NATIVE = [
    _READINGS + " PARTITION BY LIST (kind)",
    "CREATE TABLE IF NOT EXISTS readings_cycle PARTITION OF readings FOR VALUES IN ('c')",
    "CREATE TABLE IF NOT EXISTS readings_ts PARTITION OF readings FOR VALUES IN ('t') PARTITION BY RANGE (t)",
    "CREATE INDEX IF NOT EXISTS readings_t_brin ON readings USING brin (t)",
]
_WEEK_NS = 7 * 86_400 * 10**9
TIMESCALE = [
    _READINGS,
    f"SELECT create_hypertable('readings', 't', chunk_time_interval => {_WEEK_NS}::bigint, if_not_exists => true)",
]
TABLES = [s.strip() for s in _TABLES.split(";") if s.strip()]
#: a temporary table per connection that COPY fills before one upsert into readings
INCOMING = ("CREATE TEMP TABLE IF NOT EXISTS _incoming (ai INTEGER NOT NULL, si INTEGER NOT NULL, "
            "t BIGINT NOT NULL, value DOUBLE PRECISION NOT NULL) ON COMMIT DELETE ROWS")
_I64_MIN, _I64_MAX = int(np.iinfo(np.int64).min), int(np.iinfo(np.int64).max)


@dataclass(frozen=True, slots=True)
class Partition:
    """A monthly partition of ``readings_ts``: its name and SQL bounds (``MINVALUE``/``MAXVALUE`` at the ends)."""

    name: str
    low: str
    high: str

    def ddl(self) -> str:
        return (f"CREATE TABLE IF NOT EXISTS {self.name} PARTITION OF readings_ts "
                f"FOR VALUES FROM ({self.low}) TO ({self.high})")


def month_partitions(t: np.ndarray) -> list[Partition]:
    """The monthly partitions that hold the store times ``t`` (ns since the epoch, UTC)."""
    if len(t) == 0:
        return []
    months = np.unique(np.asarray(t, dtype=np.int64).view("datetime64[ns]").astype("datetime64[M]"))
    out = []
    for m in months:
        lo = int(m.astype("datetime64[s]").astype(np.int64)) * 10**9
        hi = int((m + 1).astype("datetime64[s]").astype(np.int64)) * 10**9
        name = "readings_ts_p" + str(m).replace("-", "")
        out.append(Partition(name, "MINVALUE" if lo < _I64_MIN else str(lo), "MAXVALUE" if hi > _I64_MAX else str(hi)))
    return out


# ---------------------------------------------------------------- binary COPY
_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_TRAILER = struct.pack(">h", -1)
_IN = np.dtype([("n", ">i2"), ("l1", ">i4"), ("ai", ">i4"), ("l2", ">i4"), ("si", ">i4"),
                ("l3", ">i4"), ("t", ">i8"), ("l4", ">i4"), ("v", ">f8")])


def _codes(col: Any) -> tuple[np.ndarray, list[str]]:
    """0-based codes and names of an Arrow string column (dictionary-encoded or not)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if not pa.types.is_dictionary(arr.type):
        arr = pc.dictionary_encode(arr)
    return arr.indices.to_numpy(zero_copy_only=False).astype(np.int64), [str(x) for x in arr.dictionary.to_pylist()]


def _column(col: Any, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    """Values of an Arrow numeric column (nulls as 0) and its null mask."""
    import pyarrow.compute as pc

    nulls = pc.is_null(col).to_numpy(zero_copy_only=False)
    return pc.fill_null(col, 0).to_numpy(zero_copy_only=False).astype(dtype), nulls


@dataclass(frozen=True, slots=True)
class Encoded:
    """Readings ready for ``COPY _incoming``: the binary COPY, the names its codes index, and the
    time span ``[lo, hi]`` of each (asset, signal) series in it."""

    data: bytes
    assets: list[str]
    signals: list[str]
    spans: tuple[list[str], list[str], list[int], list[int]]


def encode_readings(table: Any) -> Encoded:
    """An Arrow table ``asset, signal, t, value`` as a binary COPY of ``_incoming``.

    Codes are 1-based indices into the asset and signal name lists. A null ``t`` or
    ``value`` is sent as SQL NULL, so that the NOT NULL constraint refuses it.
    """
    ai, assets = _codes(table.column("asset"))
    si, signals = _codes(table.column("signal"))
    t, t_null = _column(table.column("t"), "int64")
    v, v_null = _column(table.column("value"), "float64")
    rec = np.empty(len(t), dtype=_IN)
    rec["n"], rec["l1"], rec["l2"], rec["l3"], rec["l4"] = 4, 4, 4, 8, 8
    rec["ai"], rec["si"], rec["t"], rec["v"] = ai + 1, si + 1, t, v
    bad = t_null | v_null
    parts = [_HEADER, rec[~bad].tobytes()]
    for i in np.flatnonzero(bad):  # rare: only a broken producer sends nulls
        row = struct.pack(">hiiii", 4, 4, int(ai[i]) + 1, 4, int(si[i]) + 1)
        row += struct.pack(">i", -1) if t_null[i] else struct.pack(">iq", 8, int(t[i]))
        row += struct.pack(">i", -1) if v_null[i] else struct.pack(">id", 8, float(v[i]))
        parts.append(row)
    parts.append(_TRAILER)
    import pandas as pd

    span = pd.DataFrame({"a": ai, "s": si, "t": t}).groupby(["a", "s"])["t"].agg(["min", "max"]).reset_index()
    spans = ([assets[i] for i in span["a"]], [signals[i] for i in span["s"]],
             [int(x) for x in span["min"]], [int(x) for x in span["max"]])
    return Encoded(b"".join(parts), assets, signals, spans)


#: does any stored reading fall inside the span of a series being written? (if not, a plain INSERT will do)
OVERLAP = (
    "SELECT EXISTS (SELECT 1 FROM unnest(%s::text[], %s::text[], %s::bigint[], %s::bigint[]) "
    "AS b(asset, signal, lo, hi) "
    "WHERE EXISTS (SELECT 1 FROM readings r WHERE r.asset = b.asset AND r.signal = b.signal "
    "AND r.kind = %s::\"char\" AND r.t BETWEEN b.lo AND b.hi))")
_SELECT_INCOMING = ("INSERT INTO readings (asset, signal, t, value, kind) "
                    "SELECT (%s::text[])[i.ai], (%s::text[])[i.si], i.t, i.value, %s::\"char\" FROM _incoming i")
#: new readings only: about twice as fast as the upsert; a unique violation means "use UPSERT"
INSERT_NEW = _SELECT_INCOMING
#: the one upsert of a write; a reading whose value is bit-for-bit unchanged (a re-delivery) is not rewritten
UPSERT = (_SELECT_INCOMING + " ON CONFLICT (asset, signal, t, kind) DO UPDATE SET value = excluded.value "
          "WHERE float8send(readings.value) <> float8send(excluded.value)")
#: the readings just written in ``_incoming`` lose their quality flags (good unless a flag is written again)
CLEAR_FLAGS = ("DELETE FROM reading_quality q USING _incoming i "
               "WHERE q.asset = (%s::text[])[i.ai] AND q.signal = (%s::text[])[i.si] AND q.t = i.t")
PUT_FLAGS = ("INSERT INTO reading_quality SELECT * FROM unnest(%s::text[], %s::text[], %s::bigint[], %s::text[]) "
             "ON CONFLICT (asset, signal, t) DO UPDATE SET quality = excluded.quality")
#: one row per series: (asset ordinal, signal ordinal, bytea of big-endian (t int8, value float8) pairs)
SERIES_READ = (
    "SELECT a.i, s.i, string_agg(int8send(r.t) || float8send(r.value), ''::bytea) FROM readings r "
    "JOIN unnest(%s::text[]) WITH ORDINALITY AS a(name, i) ON r.asset = a.name "
    "JOIN unnest(%s::text[]) WITH ORDINALITY AS s(name, i) ON r.signal = s.name "
    "WHERE r.kind = %s::\"char\" AND r.t BETWEEN %s AND %s GROUP BY a.i, s.i")
_PAIR = np.dtype([("t", ">i8"), ("v", ">f8")])


def decode_series(rows: list[tuple[int, int, bytes]]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rows of :data:`SERIES_READ` as flat arrays: asset ordinals, signal ordinals, times, values."""
    parts = [np.frombuffer(blob, dtype=_PAIR) for _, _, blob in rows]
    sizes = np.array([len(p) for p in parts], dtype=np.int64)
    a = np.repeat(np.array([r[0] for r in rows], dtype=np.int64), sizes)
    s = np.repeat(np.array([r[1] for r in rows], dtype=np.int64), sizes)
    pairs = np.concatenate(parts) if parts else np.empty(0, dtype=_PAIR)
    return a, s, pairs["t"].astype(np.int64), pairs["v"].astype(np.float64)


__all__ = ["CLEAR_FLAGS", "INCOMING", "INSERT_NEW", "KIND_CODE", "NATIVE", "OVERLAP", "PUT_FLAGS", "SERIES_READ",
           "TABLES", "TIMESCALE", "UPSERT", "Encoded", "Partition", "decode_series", "encode_readings",
           "month_partitions"]
