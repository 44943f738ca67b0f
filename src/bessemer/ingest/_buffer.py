"""Store-and-forward: a durable FIFO of readings on disk (SQLite in WAL mode, synchronous=FULL).

A connector :meth:`~DiskBuffer.put` s readings and acknowledges its source only after
``put`` returns (the readings are then on disk, fsynced). A drain thread
:meth:`~DiskBuffer.take` s the oldest batch, writes it to the store and calls
:meth:`~DiskBuffer.done` only after the store commit. A crash between the two leaves
the batch in the buffer: it is taken again after a restart and written again, which
the store's idempotent upsert on ``(asset, signal, time)`` turns into exactly one row.

One process owns a buffer at a time (an exclusive lock file beside it).
"""

from __future__ import annotations

import fcntl
import json
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..core import ConfigError, StoreError
from ._reading import Reading, ReadingColumns, Row

_SCHEMA = "CREATE TABLE IF NOT EXISTS batches (id INTEGER PRIMARY KEY AUTOINCREMENT, n INTEGER NOT NULL, " \
          "data BLOB NOT NULL)"


#: the default cap of a buffer, in readings (about 100 bytes each on disk: some GB at most)
DEFAULT_MAX_READINGS = 20_000_000


class BufferFullError(StoreError):
    """The buffer holds its cap of readings: nothing more is taken until the store catches up.

    A source that gets this keeps its messages unacknowledged (MQTT: the broker keeps them) and tries again.
    """


class DiskBuffer:
    """Durable FIFO of readings.

    Parameters
    ----------
    path : str or Path
        A folder (created; the database is ``buffer.sqlite3`` inside) or a file ending in
        ``.sqlite``, ``.sqlite3`` or ``.db``.
    max_readings : int, optional
        At most this many readings wait (in-flight ones included); :meth:`put` beyond it raises
        :class:`BufferFullError`, so a long store outage fills the broker's queue, not the disk.
        Default :data:`DEFAULT_MAX_READINGS`; ``None`` for no cap.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from bessemer.ingest import Reading
    >>> folder = tempfile.mkdtemp()
    >>> buf = DiskBuffer(folder)
    >>> buf.put([Reading("fan-1", "temp", pd.Timestamp(0, tz="UTC"), 20.5, "degC")])
    >>> batch_id, readings = buf.take(100)
    >>> readings[0].value, len(buf)
    (20.5, 1)
    >>> buf.done(batch_id)
    >>> len(buf), buf.take(100)
    (0, (None, []))
    >>> buf.close()
    """

    def __init__(self, path: str | Path, *, max_readings: int | None = DEFAULT_MAX_READINGS) -> None:
        if max_readings is not None and (isinstance(max_readings, bool) or int(max_readings) < 1):
            raise ConfigError(f"max_readings must be a whole number >= 1 (or None for no cap), got {max_readings!r}")
        self.max_readings = None if max_readings is None else int(max_readings)
        p = Path(path)
        self.path = p if p.suffix in {".sqlite", ".sqlite3", ".db"} else p / "buffer.sqlite3"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._lockfile = open(str(self.path) + ".lock", "a+")  # noqa: SIM115 - held for the buffer's life
        except OSError as err:
            raise StoreError(f"cannot create the buffer at {str(self.path)!r}: {err.strerror}") from err
        try:
            fcntl.flock(self._lockfile.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            self._lockfile.close()
            raise StoreError(f"buffer {str(self.path)!r} is in use by another ingest process; stop it or give "
                             "this one its own --buffer folder") from err
        try:
            self._con = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
            self._con.execute("PRAGMA journal_mode=WAL")
            self._con.execute("PRAGMA synchronous=FULL")
            self._con.execute(_SCHEMA)
            self._count = int(self._con.execute("SELECT coalesce(sum(n), 0) FROM batches").fetchone()[0])
        except sqlite3.Error as err:
            self._release_lock()
            raise StoreError(f"cannot open the buffer {str(self.path)!r}: {err}") from err
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._cursor = 0  # highest row id handed out by take()
        self._inflight: dict[int, tuple[int, int, int]] = {}  # batch id -> (lo row, hi row, readings)
        self._next_batch = 1
        self._closed = False

    # ------------------------------------------------------------ plumbing
    def close(self) -> None:
        """Close the database and release the lock; in-flight batches stay buffered."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._con.close()
            self._cond.notify_all()
        self._release_lock()

    def _release_lock(self) -> None:
        try:
            fcntl.flock(self._lockfile.fileno(), fcntl.LOCK_UN)
        finally:
            self._lockfile.close()

    def __enter__(self) -> DiskBuffer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        """Readings buffered and not yet :meth:`done` (in-flight ones included)."""
        return self._count

    def __repr__(self) -> str:
        return f"DiskBuffer({str(self.path)!r}, readings={self._count})"

    def _check(self) -> None:
        if self._closed:
            raise StoreError(f"the buffer {str(self.path)!r} is closed")

    # ------------------------------------------------------------ FIFO
    def put(self, readings: Sequence[Reading]) -> None:
        """Append ``readings``; they are on disk (fsynced) when this returns.

        Raises :class:`BufferFullError` (nothing written) when they would pass ``max_readings``.
        """
        if readings:
            self.put_columns(ReadingColumns.from_readings(readings))

    def put_rows(self, rows: Sequence[Row]) -> None:
        """:meth:`put` for plain :data:`Row` tuples (the MQTT fast path)."""
        if rows:
            self.put_columns(ReadingColumns.from_rows(rows))

    def put_columns(self, cols: ReadingColumns) -> None:
        """:meth:`put` for a :class:`ReadingColumns` batch."""
        n = len(cols)
        if not n:
            return
        blob = _encode(cols)
        with self._lock:
            self._check()
            # an empty buffer takes any batch, so one larger than the cap cannot wait for ever
            if self.max_readings is not None and self._count and self._count + n > self.max_readings:
                raise BufferFullError(
                    f"the buffer {str(self.path)!r} holds {self._count:,} readings and its cap is "
                    f"{self.max_readings:,}; {n} more were refused (not acknowledged). The store is "
                    "not keeping up or is down: see the store errors above, or raise --buffer-max-readings")
            try:
                self._con.execute("INSERT INTO batches (n, data) VALUES (?, ?)", (n, blob))
            except sqlite3.Error as err:
                raise StoreError(f"buffer write failed ({err}); the readings were not buffered") from err
            self._count += n
            self._cond.notify_all()

    def take(self, n: int) -> tuple[int | None, list[Reading]]:
        """The oldest not-yet-taken readings (whole put() batches, about ``n`` at most, at least one batch).

        Returns ``(batch_id, readings)``, or ``(None, [])`` when nothing is waiting.
        """
        bid, cols = self.take_columns(n)
        return bid, cols.to_readings() if bid is not None else []

    def take_columns(self, n: int) -> tuple[int | None, ReadingColumns]:
        """:meth:`take` as one :class:`ReadingColumns` (empty, with ``None``, when nothing is waiting)."""
        if n < 1:
            raise ValueError(f"take needs n >= 1, got {n}")
        with self._lock:
            self._check()
            rows = self._con.execute("SELECT id, n, data FROM batches WHERE id > ? ORDER BY id LIMIT ?",
                                     (self._cursor, max(1, min(n, 10_000)))).fetchall()
            chosen, total = [], 0
            for rid, k, data in rows:
                if chosen and total + k > n:
                    break
                chosen.append((rid, data))
                total += k
            if not chosen:
                return None, ReadingColumns.empty()
            bid = self._next_batch
            self._next_batch += 1
            self._inflight[bid] = (chosen[0][0], chosen[-1][0], total)
            self._cursor = chosen[-1][0]
        return bid, ReadingColumns.concat([_decode(data) for _, data in chosen])

    def done(self, batch_id: int) -> None:
        """Forget a taken batch for good (call only after the store committed it)."""
        with self._lock:
            self._check()
            span = self._inflight.pop(batch_id, None)
            if span is None:
                raise KeyError(f"batch {batch_id!r} is not in flight (already done or never taken)")
            try:
                self._con.execute("DELETE FROM batches WHERE id BETWEEN ? AND ?", span[:2])
            except sqlite3.Error as err:
                self._inflight[batch_id] = span
                raise StoreError(f"buffer delete failed ({err}); the batch will be written again") from err
            self._count -= span[2]

    def release(self, batch_id: int) -> None:
        """Give a taken batch back: it (and everything after it) is taken again next."""
        with self._lock:
            span = self._inflight.pop(batch_id, None)
            if span is not None:
                for later in [b for b, sp in self._inflight.items() if sp[0] > span[0]]:
                    del self._inflight[later]
                self._cursor = min(self._cursor, span[0] - 1)
                self._cond.notify_all()

    def wait(self, timeout: float) -> bool:
        """Block until something is waiting to be taken (True) or ``timeout`` seconds pass (False)."""
        with self._lock:
            if self._closed:
                return False
            return self._cond.wait_for(lambda: self._closed or self._waiting(), timeout=timeout) and not self._closed

    def _waiting(self) -> bool:
        inflight = sum(s[2] for s in self._inflight.values())
        return self._count > inflight


_MAGIC = b"BRC1"  # columnar batches; older buffers hold JSON batches (b"{...") and are still read


def _encode(cols: ReadingColumns) -> bytes:
    """One batch: magic, header length, a JSON header of the distinct strings, then little-endian
    uint32 string codes (asset, signal, unit, quality, source), int64 ns times and float64 values."""
    n = len(cols)
    codes, strings = pd.factorize(np.concatenate([cols.asset, cols.signal, cols.unit, cols.quality, cols.source]))
    head = json.dumps({"n": n, "s": strings.tolist()}, separators=(",", ":")).encode()
    return b"".join((_MAGIC, len(head).to_bytes(4, "little"), head, codes.astype("<u4").tobytes(),
                     cols.time_ns.astype("<i8").tobytes(), cols.value.astype("<f8").tobytes()))


def _decode(blob: bytes) -> ReadingColumns:
    if blob[:4] != _MAGIC:
        return _decode_json(blob)
    hl = int.from_bytes(blob[4:8], "little")
    head = json.loads(blob[8:8 + hl])
    n, p = int(head["n"]), 8 + hl
    strings = np.array(head["s"], dtype=object)
    codes = np.frombuffer(blob, dtype="<u4", count=5 * n, offset=p).astype(np.intp)
    p += 20 * n
    times = np.frombuffer(blob, dtype="<i8", count=n, offset=p).astype(np.int64)
    values = np.frombuffer(blob, dtype="<f8", count=n, offset=p + 8 * n).astype(np.float64)
    col = strings[codes].reshape(5, n)
    return ReadingColumns(col[0], col[1], times, values, col[2], col[3], col[4])


def _decode_json(blob: bytes) -> ReadingColumns:
    """A batch written by an older version: a table of distinct strings and rows of indexes, ns times and values."""
    doc = json.loads(blob)
    s = doc["s"]
    return ReadingColumns.from_rows([(s[a], s[g], int(t), float(v), s[u], s[q], s[src])
                                     for a, g, t, v, u, q, src in doc["r"]])


__all__ = ["DiskBuffer"]
