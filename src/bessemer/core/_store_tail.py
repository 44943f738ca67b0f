"""The newest readings of each series a reader asked for, kept in step with the store's writes.

A live dashboard asks again and again for the last hours of the same series while an ingest writes
new readings every second. Dropping every cached answer at each write (what the store's
:class:`~bessemer.core._store_common._ReadCache` does) would send each of those reads back to the
database after every write. :class:`RecentTails` instead keeps, per ``(asset, signal)`` series, its
newest readings, and each committed write is merged into the tails it touches, as the store's upsert
would: a reading at an existing time replaces it, a new one is inserted in order.

A tail holds *every* stored reading of its series from its ``start`` on, sorted by time, at most
``rows`` of them. It is first loaded from the lower bound of the query that asked for it (the newest
``rows`` readings from there, when there are more), and loaded again from an earlier bound while it
has room; a query whose lower bound is at or after ``start`` is answered from it, any other goes to
the database. Only a store that sees every
write may keep tails (DuckDB: one process owns the file).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class _Tail:
    start: int | None  # every reading with t >= start is here
    t: np.ndarray  # int64, sorted, unique
    value: np.ndarray  # float64


_Arrays = tuple[np.ndarray, np.ndarray]


def _frozen(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


class RecentTails:
    """Per-series tails of the newest ``rows`` readings, for at most ``series`` series (least recently used go).

    Callers hold the store's lock around :meth:`get` and :meth:`merge`.

    Examples
    --------
    >>> tails = RecentTails(rows=3)
    >>> def load(asset, signal, lo, rows):  # the newest ``rows`` readings from ``lo`` on (the store's query)
    ...     return np.array([30, 20, 10]), np.array([3.0, 2.0, 1.0])
    >>> tails.get("fan-1", "temp", lo=15, hi=100, limit=10, load=load)
    (array([20, 30]), array([2., 3.]))
    >>> tails.merge("fan-1", "temp", np.array([20, 40]), np.array([2.5, 4.0]))  # an upsert and a new reading
    >>> tails.get("fan-1", "temp", lo=20, hi=100, limit=10, load=load)  # 3 rows kept: from t = 20 on
    (array([20, 30, 40]), array([2.5, 3. , 4. ]))
    >>> tails.get("fan-1", "temp", lo=15, hi=100, limit=10, load=load) is None  # older than the tail holds
    True
    """

    def __init__(self, *, rows: int = 2048, series: int = 4096) -> None:
        self.rows = int(rows)
        self.series = int(series)
        self._tails: OrderedDict[tuple[str, str], _Tail] = OrderedDict()
        self._latest: dict[str, int | None] = {}  # asset -> newest time stored (None: no reading yet)

    def __len__(self) -> int:
        return len(self._tails)

    def clear(self) -> None:
        """Forget every tail."""
        self._tails.clear()
        self._latest.clear()

    def latest(self, asset: str, load: Callable[[str], int | None]) -> int | None:
        """The newest time stored for ``asset``; ``load(asset)`` asks the store the first time.

        Kept in step by :meth:`merge_table` (readings are never deleted, so it only grows).
        """
        if asset not in self._latest:
            if len(self._latest) >= 8 * self.series:
                self._latest.clear()
            self._latest[asset] = load(asset)
        return self._latest[asset]

    def get(self, asset: str, signal: str, *, lo: int, hi: int, limit: int,
            load: Callable[[str, str, int, int], _Arrays]) -> _Arrays | None:
        """``(t, value)`` of the last ``limit`` readings in ``[lo, hi]``, or ``None`` when the tail cannot tell.

        ``load(asset, signal, lo, rows)`` gives the series' newest ``rows`` readings at or after ``lo`` (any
        order); it is called when the series has no tail yet, or one that starts after ``lo`` and has room.
        """
        key = (asset, signal)
        tail = self._tails.get(key)
        if tail is None or (tail.start is not None and lo < tail.start and len(tail.t) < self.rows):
            t, v = load(asset, signal, lo, self.rows)
            order = np.argsort(t, kind="stable")
            t, v = np.asarray(t, dtype=np.int64)[order], np.asarray(v, dtype=np.float64)[order]
            # everything from lo on, unless the cap cut it: then everything from the oldest row kept
            tail = _Tail(start=int(t[0]) if len(t) >= self.rows else lo, t=_frozen(t), value=_frozen(v))
            self._tails[key] = tail
            while len(self._tails) > self.series:
                self._tails.popitem(last=False)
        else:
            self._tails.move_to_end(key)
        if tail.start is not None and lo < tail.start:
            return None
        i0 = int(np.searchsorted(tail.t, lo, side="left"))
        i1 = int(np.searchsorted(tail.t, hi, side="right"))
        i0 = max(i0, i1 - int(limit))
        return tail.t[i0:i1], tail.value[i0:i1]

    def merge(self, asset: str, signal: str, t: np.ndarray, value: np.ndarray) -> None:
        """Merge readings just committed to one series (a time already there takes the new value)."""
        tail = self._tails.get((asset, signal))
        if tail is None or len(t) == 0:
            return
        t = np.asarray(t, dtype=np.int64)
        value = np.asarray(value, dtype=np.float64)
        if tail.start is not None:
            keep = t >= tail.start
            t, value = t[keep], value[keep]
            if len(t) == 0:
                return
        all_t = np.concatenate([tail.t, t])
        all_v = np.concatenate([tail.value, value])
        order = np.argsort(all_t, kind="stable")  # stable: of two equal times, the new one comes last
        all_t, all_v = all_t[order], all_v[order]
        last = np.ones(len(all_t), dtype=bool)
        last[:-1] = all_t[1:] != all_t[:-1]
        all_t, all_v = all_t[last], all_v[last]
        start = tail.start
        if len(all_t) > self.rows:
            all_t, all_v = all_t[-self.rows:], all_v[-self.rows:]
            start = int(all_t[0])
        self._tails[(asset, signal)] = _Tail(start=start, t=_frozen(all_t), value=_frozen(all_v))

    def merge_table(self, table: Any) -> None:
        """Merge an Arrow table ``asset, signal, t, value`` (what a store write committed)."""
        if (not self._tails and not self._latest) or table.num_rows == 0:
            return
        assets = table.column("asset").combine_chunks()
        signals = table.column("signal").combine_chunks()
        a_names = [str(x) for x in assets.dictionary.to_pylist()] if hasattr(assets, "dictionary") else None
        s_names = [str(x) for x in signals.dictionary.to_pylist()] if hasattr(signals, "dictionary") else None
        if a_names is None or s_names is None:  # plain string columns: encode them here
            import pyarrow.compute as pc

            assets, signals = pc.dictionary_encode(assets), pc.dictionary_encode(signals)
            a_names = [str(x) for x in assets.dictionary.to_pylist()]
            s_names = [str(x) for x in signals.dictionary.to_pylist()]
        a_idx = assets.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        s_idx = signals.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        t = table.column("t").to_numpy()
        if self._latest:
            newest = np.full(len(a_names), np.iinfo(np.int64).min, dtype=np.int64)
            np.maximum.at(newest, a_idx, t)
            for i, a in enumerate(a_names):
                if a in self._latest and newest[i] > np.iinfo(np.int64).min:
                    old = self._latest[a]
                    self._latest[a] = int(newest[i]) if old is None else max(old, int(newest[i]))
        a_pos = {a: i for i, a in enumerate(a_names)}
        s_pos = {s: j for j, s in enumerate(s_names)}
        wanted = [(a_pos[a], s_pos[s]) for a, s in list(self._tails) if a in a_pos and s in s_pos]
        if not wanted:
            return
        v = table.column("value").to_numpy()
        code = a_idx * len(s_names) + s_idx
        for i, j in wanted:
            rows = code == i * len(s_names) + j
            if rows.any():
                self.merge(a_names[i], s_names[j], t[rows], v[rows])
