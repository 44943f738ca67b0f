"""The ingest process: connectors -> disk buffer -> store, with stats and a clean shutdown.

``python -m bessemer.ingest --config tagmap.toml --store PATH_OR_URL --buffer DIR`` runs
:func:`run_ingest`. The MQTT connector (and the OPC UA connector for ``[[opcua]]`` tables)
put readings into the :class:`DiskBuffer`; a drain thread moves them to the store and marks
them done only after the store commit. When the store is down, readings wait in the buffer
and drain when it is back; when the process is killed, the broker keeps what was not yet
acknowledged and the buffer keeps what was.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..core import Store
from ._buffer import DEFAULT_MAX_READINGS, DiskBuffer
from ._mqtt import Backoff, MqttSource
from ._reading import Reading
from ._sink import ReadingSink
from ._tagmap import BrokerSpec, TagMap

log = logging.getLogger("bessemer.ingest")


def open_store(target: Any) -> Any:
    """A store object, a DuckDB file path, or a ``postgresql://`` URL -> a store."""
    if not isinstance(target, str | Path):
        return target
    text = str(target)
    if text.startswith(("postgresql://", "postgres://")):
        from .. import core

        pg = getattr(core, "PostgresStore", None)
        if pg is None:
            from ..core import DependencyError

            raise DependencyError("this build has no PostgreSQL store; give a DuckDB file path instead")
        return pg(text)
    return Store(text)


class Ingest:
    """Connectors, buffer, sink and drain thread of one ingest process (usable in-process).

    Parameters
    ----------
    tagmap : TagMap
    store : store object
        Anything with ``write_frame(frame, create_assets=True)``.
    buffer : DiskBuffer
    broker : BrokerSpec, optional
        Overrides the tag map's ``[broker]``.
    password : str, optional
        Broker password.
    sink : ReadingSink, optional
        Defaults to ``ReadingSink(store)`` with refused readings logged to ``rejected.jsonl`` beside the buffer.
    batch : int
        Readings per store write.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from bessemer.core import Store
    >>> tm = TagMap.from_dict({"mqtt": [{"topic": "p/+", "asset": "{1}",
    ...     "signals": [{"field": "v", "signal": "v", "unit": "1"}]}]})
    >>> buf = DiskBuffer(tempfile.mkdtemp())
    >>> ing = Ingest(tm, Store(), buf, mqtt=False).start()
    >>> buf.put([Reading("fan-1", "v", pd.Timestamp("2024-05-01T00:00Z"), 1.5, "1")])
    >>> ing.stop()["stored"], len(buf)
    (1, 0)
    >>> buf.close()
    """

    def __init__(self, tagmap: TagMap, store: Any, buffer: DiskBuffer, *, broker: BrokerSpec | None = None,
                 password: str | None = None, sink: ReadingSink | None = None, batch: int = 5000,
                 mqtt: bool = True, opcua: bool = True, store_backoff: tuple[float, float] = (0.2, 10.0)) -> None:
        self.tagmap = tagmap
        self.store = store
        self.buffer = buffer
        folder = buffer.path.parent
        self._rejected_file = folder / "rejected.jsonl"
        self.sink = sink if sink is not None else ReadingSink(store, on_reject=self._reject)
        self.batch = batch
        self.sources: list[Any] = []
        if mqtt and tagmap.mqtt:
            self.sources.append(MqttSource(tagmap, buffer.put_rows, broker=broker, password=password,
                                           dead_letter=folder / "dead-letter.jsonl", rows=True))
        if opcua and tagmap.opcua:
            from ._opcua import OpcUaSource

            self.sources.extend(OpcUaSource(spec, buffer.put) for spec in tagmap.opcua_sources())
        self.stored = 0
        self.store_failures = 0
        self._backoff = Backoff(base=store_backoff[0], cap=store_backoff[1])
        self._halt = threading.Event()
        self._drainer: threading.Thread | None = None

    @property
    def mqtt(self) -> MqttSource | None:
        """The MQTT connector, if the map has ``[[mqtt]]`` tables."""
        return next((s for s in self.sources if isinstance(s, MqttSource)), None)

    def start(self) -> Ingest:
        """Start the drain thread, then the connectors."""
        self._drainer = threading.Thread(target=self._drain, name="ingest-drain", daemon=True)
        self._drainer.start()
        for s in self.sources:
            s.start()
        return self

    def stop(self, *, drain_timeout: float = 30.0) -> dict[str, int]:
        """Stop the connectors (their last messages made durable and acknowledged), drain, and return stats."""
        for s in self.sources:
            s.stop()
        end = time.monotonic() + drain_timeout
        while len(self.buffer) and time.monotonic() < end and self._drainer is not None \
                and self._drainer.is_alive():
            time.sleep(0.02)
        self._halt.set()
        if self._drainer is not None:
            self._drainer.join(10.0)
        if len(self.buffer):
            log.warning("%d readings stay in the buffer %s; they are written at the next start",
                        len(self.buffer), self.buffer.path)
        return self.stats()

    def stats(self) -> dict[str, int]:
        """received (messages), buffered (waiting now), stored, rejected, skipped (bad quality), store_failures."""
        received = rejected = 0
        for s in self.sources:
            st = s.stats
            get = st.get if isinstance(st, dict) else (lambda k, d, st=st: getattr(st, k, d))
            received += int(get("received", 0))
            rejected += int(get("rejected", 0)) + int(get("rejected_fields", 0))
        return {"received": received, "buffered": len(self.buffer), "stored": self.stored,
                "rejected": rejected + self.sink.stats["rejected"], "skipped": self.sink.stats["skipped"],
                "store_failures": self.store_failures}

    def _drain(self) -> None:
        while not self._halt.is_set():
            bid, readings = self.buffer.take_columns(self.batch)
            if bid is None:
                self.buffer.wait(0.2)
                continue
            try:
                written = self.sink.write_columns(readings)
            except Exception as err:  # noqa: BLE001 - store outage: keep the batch, retry with back-off
                self.buffer.release(bid)
                self.store_failures += 1
                delay = self._backoff.next()
                log.error("store write failed (%s: %s); %d readings stay buffered, retrying in %.1f s",
                          type(err).__name__, str(err)[:200], len(self.buffer), delay)
                self._halt.wait(delay)
                continue
            self.buffer.done(bid)
            self._backoff.reset()
            self.stored += written

    def _reject(self, readings: list[Reading], err: Exception) -> None:
        log.warning("store refused %d readings (asset %r, signal %r): %s; written to %s", len(readings),
                    readings[0].asset, readings[0].signal, str(err)[:200], self._rejected_file)
        with open(self._rejected_file, "a", encoding="utf-8") as fh:
            for r in readings:
                fh.write(json.dumps({"asset": r.asset, "signal": r.signal, "time": r.time.isoformat(),
                                     "value": r.value, "unit": r.unit, "quality": r.quality, "source": r.source,
                                     "reason": str(err)[:400]}) + "\n")


def run_ingest(config: str | Path | TagMap, store: Any, buffer: str | Path, *, broker_url: str | None = None,
               client_id: str | None = None, password: str | None = None, stats_every: float = 5.0,
               stop: threading.Event | None = None, handle_signals: bool = True,
               on_stats: Callable[[dict[str, int]], None] | None = None,
               buffer_max_readings: int | None = DEFAULT_MAX_READINGS) -> dict[str, int]:
    """Run the ingest process until SIGTERM/SIGINT (or ``stop`` is set); return the final stats.

    Parameters
    ----------
    config : path or TagMap
        The tag map (TOML).
    store : path, URL or store
        A DuckDB file, a ``postgresql://`` URL, or an open store (not closed here).
    buffer : path
        Folder of the disk buffer (and the dead-letter and rejected files).
    broker_url, client_id : str, optional
        Override the tag map's ``[broker]``.
    password : str, optional
        Broker password; by default read from the variable the map's ``password_env`` names.
    stats_every : float
        Seconds between progress lines (received, buffered, stored, rejected).
    buffer_max_readings : int, optional
        Cap of the disk buffer (:class:`DiskBuffer`); beyond it MQTT messages stay unacknowledged.
    """
    tagmap = config if isinstance(config, TagMap) else TagMap.load(config)
    base = tagmap.broker or BrokerSpec()
    if broker_url is not None or client_id is not None:
        from dataclasses import replace

        base = replace(base, url=broker_url or base.url, client_id=client_id or base.client_id)
    if password is None and base.password_env:
        import os

        password = os.environ.get(base.password_env)  # the one place a broker secret is read
    stop = stop or threading.Event()
    st = open_store(store)
    owned = st is not store
    buf = DiskBuffer(buffer, max_readings=buffer_max_readings)
    old: dict[int, Any] = {}
    if handle_signals and threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            old[sig] = signal.signal(sig, lambda *_: stop.set())
    ing = Ingest(tagmap, st, buf, broker=base, password=password)
    try:
        if len(buf):
            log.info("%d readings were waiting in the buffer; writing them first", len(buf))
        ing.start()
        log.info("ingest started: store %s, buffer %s", st, buf.path)
        while not stop.wait(stats_every):
            _report(ing.stats(), on_stats)
        out = ing.stop()
        _report(out, on_stats, final=True)
        return out
    finally:
        for sig, h in old.items():
            signal.signal(sig, h)
        buf.close()
        if owned:
            st.close()


def _report(stats: dict[str, int], on_stats: Callable[[dict[str, int]], None] | None, *,
            final: bool = False) -> None:
    log.info("%s received=%d buffered=%d stored=%d rejected=%d skipped_bad=%d store_failures=%d",
             "final:" if final else "ingest:", stats["received"], stats["buffered"], stats["stored"],
             stats["rejected"], stats["skipped"], stats["store_failures"])
    if on_stats is not None:
        on_stats(stats)


__all__ = ["Ingest", "open_store", "run_ingest"]
