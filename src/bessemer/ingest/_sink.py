"""Readings -> store, idempotent on ``(asset, signal, time)``.

The store keeps ``(asset, signal, t, value)``, a unit per signal and each reading's quality
(``Store.reading_quality`` lists the readings that are not good); it has no column for the source.
The sink writes ``good`` and ``uncertain`` readings, the latter flagged, and counts the ``bad``
ones it leaves out (a bad reading is not a value to compute with). Writing a reading twice
replaces it with the same value and quality: re-delivered messages never duplicate a row.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..core import DataError, Frame
from ._reading import Reading, ReadingColumns

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
        try:  # the stores keep each reading's quality; a store object without that still takes the values
            self._quality = "quality" in inspect.signature(store.write_frame).parameters
        except (TypeError, ValueError):
            self._quality = False

    def write(self, readings: Sequence[Reading]) -> int:
        """Upsert ``readings``; return how many were written (kept and not refused).

        Store outages (:class:`~bessemer.core.StoreError`) propagate: nothing is lost, the
        caller writes the same batch again later.
        """
        return self.write_columns(ReadingColumns.from_readings(readings)) if readings else 0

    def write_columns(self, cols: ReadingColumns) -> int:
        """:meth:`write` for a :class:`ReadingColumns` batch (what the ingest's drain takes from the buffer)."""
        if not len(cols):
            return 0
        keep = pd.Series(cols.quality).isin(self.keep).to_numpy()
        kept = cols if keep.all() else cols.take(keep)
        self.stats["skipped"] += len(cols) - len(kept)
        if not len(kept):
            return 0
        n = 0
        for group in _unit_groups(kept):
            for part in _by_signal_set(group):
                n += self._write_group(part)
        self.stats["written"] += n
        return n

    def _write_group(self, group: ReadingColumns) -> int:
        frame, flags = _frame(group)
        try:
            if self._quality:
                return int(self.store.write_frame(frame, create_assets=True, quality=flags))
            return int(self.store.write_frame(frame, create_assets=True))
        except DataError as err:
            for column in (group.asset, group.signal):
                parts = _split(group, column)
                if len(parts) > 1:
                    return sum(self._write_group(p) for p in parts)
            self._reject(group, err)
            return 0

    def _reject(self, group: ReadingColumns, err: Exception) -> None:
        self.stats["rejected"] += len(group)
        if self.on_reject is not None:
            self.on_reject(group.to_readings(), err)
        else:
            log.warning("store refused %d readings of asset %r signal %r: %s", len(group), group.asset[0],
                        group.signal[0], err)


def _split(group: ReadingColumns, key: np.ndarray) -> list[ReadingColumns]:
    """``group`` split by the values of ``key`` (one of its columns), in order of first appearance."""
    codes, uniques = pd.factorize(key)
    if len(uniques) == 1:
        return [group]
    return [group.take(np.flatnonzero(codes == k)) for k in range(len(uniques))]


def _by_signal_set(cols: ReadingColumns) -> list[ReadingColumns]:
    """Group assets that carry the same signals, so a wide frame declares on each asset only its own signals."""
    pairs = pd.DataFrame({"a": cols.asset, "s": cols.signal}).drop_duplicates()
    sets = pairs.groupby("a", sort=False)["s"].agg(frozenset)
    if sets.nunique() == 1:
        return [cols]
    set_of_asset = dict(zip(sets.index, pd.factorize(sets.to_numpy())[0], strict=True))
    return _split(cols, pd.Series(cols.asset).map(set_of_asset).to_numpy())


def _unit_groups(cols: ReadingColumns) -> list[ReadingColumns]:
    """Split so that within a group every signal name has one unit (a Frame has one unit per column).

    A signal's first unit goes to group 0, its second to group 1, and so on (by first appearance).
    """
    su = pd.DataFrame({"s": cols.signal, "u": cols.unit})
    pairs = su.drop_duplicates()
    if pairs["s"].is_unique:
        return [cols]
    nth = pd.Series(pairs.groupby("s", sort=False).cumcount().to_numpy(), index=pd.MultiIndex.from_frame(pairs))
    group = nth.reindex(pd.MultiIndex.from_frame(su)).to_numpy()
    return [cols.take(np.flatnonzero(group == g)) for g in range(int(group.max()) + 1)]


def _frame(cols: ReadingColumns) -> tuple[Frame, pd.DataFrame]:
    """Long readings (one unit per signal) -> wide Frame, and the ``quality`` table of its readings that are
    not good (for ``write_frame``); a repeated key keeps the last value and quality."""
    long = pd.DataFrame({"asset": cols.asset, "signal": cols.signal, "time": cols.time_ns, "value": cols.value,
                         "quality": cols.quality})
    units = dict(pd.DataFrame({"s": cols.signal, "u": cols.unit}).drop_duplicates("s").itertuples(index=False))
    if long.duplicated(["asset", "signal", "time"], keep="last").any():
        long = long.drop_duplicates(["asset", "signal", "time"], keep="last")
    wide = long.pivot(index=["asset", "time"], columns="signal", values="value").reset_index()
    wide.columns.name = None
    wide["time"] = pd.to_datetime(wide["time"].to_numpy(dtype=np.int64), unit="ns", utc=True)
    flags = long.loc[long["quality"] != "good", ["asset", "signal", "time", "quality"]]
    flags = flags.assign(time=pd.to_datetime(flags["time"].to_numpy(dtype=np.int64), unit="ns", utc=True))
    frame = Frame(wide, units={s: units[s] for s in wide.columns[2:]}, time_kind="timestamp", source="ingest")
    return frame, flags


__all__ = ["ReadingSink"]
