"""Readings -> store, idempotent on ``(asset, signal, time)``.

The store keeps ``(asset, signal, t, value)`` and a unit per signal; it has no column for
quality or source. So the sink writes ``good`` and ``uncertain`` readings and counts the
``bad`` ones it leaves out (a bad reading is not a value to compute with). Writing a reading
twice replaces it with the same value: re-delivered messages never duplicate a row.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..core import DataError, Frame
from ._reading import Reading

log = logging.getLogger("bessemer.ingest")


class ReadingSink:
    """Write readings to a :class:`~bessemer.core.Store` (or any store with ``write_frame``).

    Parameters
    ----------
    store : Store
        Assets that do not exist yet are created as imported equipment.
    keep : tuple of str
        Qualities that are written; the others are counted in ``stats["skipped"]``.
    on_reject : callable, optional
        ``on_reject(readings, error)`` for readings the store refuses for good (a unit that
        differs from the stored one, a cycle-time asset); the others in the batch are still
        written. Without it they are logged and counted.

    Examples
    --------
    >>> import pandas as pd
    >>> from bessemer.core import Store
    >>> from bessemer.ingest import Reading
    >>> store = Store()
    >>> sink = ReadingSink(store)
    >>> t = pd.Timestamp("2024-05-01T08:00:00Z")
    >>> rs = [Reading("rhf-1", "zone1_temp", t, 812.5, "degC"),
    ...       Reading("rhf-1", "zone1_temp", t + pd.Timedelta("1s"), 813.0, "degC", "bad")]
    >>> sink.write(rs), sink.write(rs), store.count_readings()
    (1, 1, 1)
    >>> sink.stats
    {'written': 2, 'skipped': 2, 'rejected': 0}
    """

    def __init__(self, store: Any, *, keep: tuple[str, ...] = ("good", "uncertain"),
                 on_reject: Callable[[list[Reading], Exception], None] | None = None) -> None:
        self.store = store
        self.keep = tuple(keep)
        self.on_reject = on_reject
        self.stats = {"written": 0, "skipped": 0, "rejected": 0}

    def write(self, readings: Sequence[Reading]) -> int:
        """Upsert ``readings``; return how many were written (kept and not refused).

        Store outages (:class:`~bessemer.core.StoreError`) propagate: nothing is lost, the
        caller writes the same batch again later.
        """
        kept = [r for r in readings if r.quality in self.keep]
        self.stats["skipped"] += len(readings) - len(kept)
        if not kept:
            return 0
        n = 0
        for group in _unit_groups(kept):
            for part in _by_signal_set(group):
                n += self._write_group(part)
        self.stats["written"] += n
        return n

    def _write_group(self, group: list[Reading]) -> int:
        try:
            return int(self.store.write_frame(_frame(group), create_assets=True))
        except DataError as err:
            if len({r.asset for r in group}) > 1:
                parts = _split(group, lambda r: r.asset)
            elif len({r.signal for r in group}) > 1:
                parts = _split(group, lambda r: r.signal)
            else:
                self._reject(group, err)
                return 0
            return sum(self._write_group(p) for p in parts)

    def _reject(self, group: list[Reading], err: Exception) -> None:
        self.stats["rejected"] += len(group)
        if self.on_reject is not None:
            self.on_reject(group, err)
        else:
            log.warning("store refused %d readings of asset %r signal %r: %s", len(group), group[0].asset,
                        group[0].signal, err)


def _split(group: list[Reading], key: Callable[[Reading], Any]) -> list[list[Reading]]:
    parts: dict[Any, list[Reading]] = {}
    for r in group:
        parts.setdefault(key(r), []).append(r)
    return list(parts.values())


def _by_signal_set(readings: list[Reading]) -> list[list[Reading]]:
    """Group assets that carry the same signals, so a wide frame declares on each asset only its own signals."""
    sigs: dict[str, set[str]] = {}
    for r in readings:
        sigs.setdefault(r.asset, set()).add(r.signal)
    if len({frozenset(v) for v in sigs.values()}) == 1:
        return [readings]
    key = {a: frozenset(v) for a, v in sigs.items()}
    return _split(readings, lambda r: key[r.asset])


def _unit_groups(readings: list[Reading]) -> list[list[Reading]]:
    """Split so that within a group every signal name has one unit (a Frame has one unit per column)."""
    units: dict[str, list[str]] = {}
    groups: list[list[Reading]] = []
    for r in readings:
        seen = units.setdefault(r.signal, [])
        if r.unit not in seen:
            seen.append(r.unit)
        g = seen.index(r.unit)
        while len(groups) <= g:
            groups.append([])
        groups[g].append(r)
    return groups


def _frame(readings: list[Reading]) -> Frame:
    """Long readings (one unit per signal) -> wide Frame; a repeated key keeps the last value."""
    long = pd.DataFrame({
        "asset": [r.asset for r in readings],
        "signal": [r.signal for r in readings],
        "time": np.fromiter((r.time.value for r in readings), dtype=np.int64, count=len(readings)),
        "value": np.fromiter((r.value for r in readings), dtype=np.float64, count=len(readings)),
    })
    units = {r.signal: r.unit for r in readings}
    long = long.drop_duplicates(["asset", "signal", "time"], keep="last")
    wide = long.pivot(index=["asset", "time"], columns="signal", values="value").reset_index()
    wide.columns.name = None
    wide["time"] = pd.to_datetime(wide["time"].to_numpy(dtype=np.int64), unit="ns", utc=True)
    return Frame(wide, units={s: units[s] for s in wide.columns[2:]}, time_kind="timestamp", source="ingest")


__all__ = ["ReadingSink"]
