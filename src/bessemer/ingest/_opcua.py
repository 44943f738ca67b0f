"""OPC UA connector: data-change subscriptions on an OPC UA server, turned into readings.

One :class:`OpcUaSource` serves one endpoint of the tag map (``[[opcua]]``). It runs an asyncua
client in its own thread and event loop, subscribes to every tag's node and hands each batch of
readings to ``on_readings`` (in the ingest service: :meth:`DiskBuffer.put`, durable when it returns).

What happens to one value (see :func:`~bessemer.ingest._opcua_convert.convert`)::

    DataValue ──► time    SourceTimestamp, else ServerTimestamp, else receive time (logged once per tag)
              ──► quality StatusCode: Good → "good", Uncertain* → "uncertain", Bad* → "bad"
              ──► value   int/float/bool → float; anything else refused (logged once per tag)
              ──► unit    the tag map's; an EngineeringUnits property that disagrees is logged once

The connection is supervised: when the server goes away the source waits (exponential back-off with
jitter), connects again, reads every tag's current value (so a gap shows as the new value at its own
time) and subscribes again. Values that changed while the server was unreachable are not replayed:
OPC UA data-change subscriptions keep no history.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..core import ConfigError, NotFoundError
from ._opcua_convert import CONFIG_STATUS, backoff_delay, check_tags, convert, safe_endpoint, unit_conflict
from ._reading import Reading

if TYPE_CHECKING:
    from asyncua import Client

    from ._tagmap import OpcTag, OpcUaSourceSpec

log = logging.getLogger("bessemer.ingest.opcua")


@dataclass(frozen=True, slots=True)
class OpcUaStats:
    """A snapshot of an :class:`OpcUaSource`'s counters.

    ``received`` counts values from the server (notifications and reads), ``rejected`` those refused,
    ``duplicates`` those equal to the tag's previous reading (the re-read after a reconnect),
    ``delivered`` readings handed to ``on_readings``, ``time_fallbacks`` readings without a source
    time, ``reconnects`` subscribed connections after the first, ``failed_connects`` attempts that
    did not get that far.
    """

    received: int = 0
    rejected: int = 0
    duplicates: int = 0
    delivered: int = 0
    time_fallbacks: int = 0
    reconnects: int = 0
    failed_connects: int = 0
    connected: bool = False
    last_error: str | None = None


class OpcUaSource:
    """Subscribe to the nodes of one OPC UA endpoint and pass their values on as readings.

    Parameters
    ----------
    spec : OpcUaSourceSpec
        The endpoint and its tags, from :meth:`TagMap.opcua_sources`.
    on_readings : callable
        Called with each batch (``list[Reading]``, in arrival order) from a worker thread. If it
        raises, the batch is kept and offered again after a pause.
    publishing_interval_ms : float, optional
        The subscription's publishing interval, also the nodes' sampling interval; by default the
        spec's ``publishing_interval_ms``, else 100.
    backoff : (float, float)
        First and largest pause between connection attempts, in seconds; each failed attempt doubles
        the pause, times a random factor in [0.5, 1] so clients that lost one server do not return
        in step.
    timeout : float
        Seconds to wait for each request to the server.
    queue_size : int
        Values the server may queue per node between two publishes.
    max_pending : int
        Readings held in memory while ``on_readings`` fails; beyond this the oldest are dropped (logged).

    Examples
    --------
    >>> from bessemer.ingest._tagmap import OpcTag, OpcUaSourceSpec
    >>> tag = OpcTag(node="ns=2;s=Zone1", asset="rhf-1", signal="zone1_temp", unit="degC")
    >>> src = OpcUaSource(OpcUaSourceSpec(endpoint="opc.tcp://127.0.0.1:9/none", tags=[tag]), print,
    ...                   backoff=(0.05, 0.1))
    >>> src.start().wait_connected(0.3)  # nothing listens there: it keeps trying in the background
    False
    >>> src.stop(); src.stats.connected
    False
    """

    def __init__(
        self,
        spec: OpcUaSourceSpec,
        on_readings: Callable[[list[Reading]], object],
        *,
        publishing_interval_ms: float | None = None,
        backoff: tuple[float, float] = (0.5, 30.0),
        timeout: float = 4.0,
        queue_size: int = 100,
        max_pending: int = 100_000,
    ) -> None:
        self.spec = spec
        self.on_readings = on_readings
        self.publishing_interval_ms = float(publishing_interval_ms or spec.publishing_interval_ms or 100)
        self.backoff = backoff
        self.timeout = timeout
        self.queue_size = queue_size
        self.max_pending = max_pending
        self.endpoint = safe_endpoint(spec.endpoint)
        if not (0 < backoff[0] <= backoff[1]):
            raise ConfigError(f"OPC UA source {self.endpoint}: backoff must be (first, cap) seconds with "
                              f"0 < first <= cap; got {backoff!r}")
        self.tags: list[OpcTag] = list(spec.tags)
        if not self.tags:
            raise ConfigError(f"OPC UA source {self.endpoint} has no tags; add [[opcua.tags]] entries to the tag map")
        check_tags(self.endpoint, self.tags)
        #: node id -> why the server refused it (unknown node, not readable...); those tags are left out
        self.tag_errors: dict[str, str] = {}
        self._stats = OpcUaStats()
        self._lock = threading.Lock()
        self._pending: list[Reading] = []
        self._last: dict[tuple[str, str], tuple[pd.Timestamp, float, str]] = {}
        self._noted: set[tuple[str, str]] = set()
        self._units_checked: set[str] = set()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._wake: asyncio.Event | None = None
        self._stopping = threading.Event()
        self._connected = threading.Event()
        self._first_session = threading.Event()
        self._rng = random.Random()

    # ------------------------------------------------------------------ public
    @property
    def stats(self) -> OpcUaStats:
        """A snapshot of the counters (see :class:`OpcUaStats`)."""
        with self._lock:
            return self._stats

    def start(self, *, wait: float | None = None) -> OpcUaSource:
        """Start the client thread; return ``self``.

        With ``wait`` (seconds), block until the first connection is subscribed, then raise
        :class:`~bessemer.core.NotFoundError` naming every tag node the server refused (the source is
        stopped), or :class:`TimeoutError` when no connection came in time (the source keeps trying).
        Without ``wait``, refused nodes are logged, kept in :attr:`tag_errors` and left out.
        """
        if self._thread is not None:
            raise RuntimeError(f"OPC UA source {self.endpoint} was already started; make a new one to restart")
        self._thread = threading.Thread(target=self._run, name=f"opcua {self.endpoint}", daemon=True)
        self._thread.start()
        if wait is not None:
            if not self._first_session.wait(wait):
                raise TimeoutError(f"OPC UA source {self.endpoint}: not connected after {wait:g} s (last error: "
                                   f"{self.stats.last_error}); it keeps trying in the background")
            if self.tag_errors:
                self.stop()
                raise NotFoundError("; ".join(self.tag_errors.values()))
        return self

    def wait_connected(self, timeout: float) -> bool:
        """Block until connected and subscribed, at most ``timeout`` seconds; return whether it is."""
        return self._connected.wait(timeout)

    def stop(self, timeout: float = 10.0) -> None:
        """Disconnect, deliver what is still pending and end the thread. Safe to call twice."""
        self._stopping.set()
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None:
            try:
                loop.call_soon_threadsafe(stop.set)
            except RuntimeError:  # the loop has already closed
                pass
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.error("OPC UA source %s: the client thread did not end within %g s", self.endpoint, timeout)

    def __enter__(self) -> OpcUaSource:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ values (on the event loop)
    def _count(self, **changes: Any) -> None:
        with self._lock:
            self._stats = replace(self._stats, **{
                k: v if isinstance(v, bool | str | None) else getattr(self._stats, k) + v for k, v in changes.items()})

    def _note_once(self, node: str, kind: str, level: int, msg: str, *args: Any) -> None:
        if (node, kind) not in self._noted:
            self._noted.add((node, kind))
            log.log(level, msg, *args)

    def _accept(self, tag: OpcTag, datavalue: Any, received: datetime) -> None:
        conv = convert(tag, datavalue, received=received)
        self._count(received=1)
        if conv.reading is None:
            self._count(rejected=1)
            self._note_once(tag.node, "rejected", logging.WARNING,
                            "OPC UA source %s: node %s (%s/%s) sent %s; refused (later refusals of this tag are "
                            "counted in stats.rejected, not logged)",
                            self.endpoint, tag.node, tag.asset, tag.signal, conv.problem)
            return
        if conv.time_from != "source":
            self._count(time_fallbacks=1)
            self._note_once(tag.node, "time", logging.INFO, "OPC UA source %s: node %s sends no SourceTimestamp; "
                            "its readings carry the %s time", self.endpoint, tag.node, conv.time_from)
        r = conv.reading
        key = (r.time, r.value, r.quality)
        last = self._last.get((tag.node, tag.signal))
        if last is not None and last[0] == r.time and last[2] == r.quality and (
                last[1] == r.value or (math.isnan(last[1]) and math.isnan(r.value))):
            self._count(duplicates=1)
            return
        self._last[(tag.node, tag.signal)] = key
        with self._lock:
            self._pending.append(r)
            drop = len(self._pending) - self.max_pending
            if drop > 0:
                del self._pending[:drop]
        if drop > 0:
            log.error("OPC UA source %s: more than %d readings wait for delivery; dropped the oldest %d",
                      self.endpoint, self.max_pending, drop)
        assert self._wake is not None
        self._wake.set()

    # ------------------------------------------------------------------ the thread
    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except Exception:  # pragma: no cover - a bug; logged so the thread does not end silently
            log.exception("OPC UA source %s: the client thread failed", self.endpoint)
        finally:
            self._connected.clear()
            self._count(connected=False)

    async def _main(self) -> None:
        self._stop, self._wake = asyncio.Event(), asyncio.Event()
        self._loop = asyncio.get_running_loop()
        if self._stopping.is_set():
            self._stop.set()
        closing = asyncio.Event()
        flusher = asyncio.create_task(self._flush_loop(closing))
        try:
            await self._connect_loop()
        finally:
            closing.set()
            self._wake.set()
            await flusher

    async def _flush_loop(self, closing: asyncio.Event) -> None:
        assert self._wake is not None
        pause = self.backoff[0]
        while True:
            await self._wake.wait()
            self._wake.clear()
            with self._lock:
                batch, self._pending = self._pending, []
            if not batch:
                if closing.is_set():
                    return
                continue
            try:
                await asyncio.to_thread(self.on_readings, batch)
            except Exception as err:
                with self._lock:
                    self._pending[:0] = batch
                    waiting = len(self._pending)
                if closing.is_set():
                    log.error("OPC UA source %s: on_readings failed while stopping (%s: %s); %d readings were "
                              "not delivered", self.endpoint, type(err).__name__, err, waiting)
                    return
                log.error("OPC UA source %s: on_readings failed for %d readings (%s: %s); kept, next try in "
                          "%.1f s", self.endpoint, len(batch), type(err).__name__, err, pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, self.backoff[1])
            else:
                pause = self.backoff[0]
                self._count(delivered=len(batch))
            self._wake.set()  # look again: more may have come meanwhile

    async def _connect_loop(self) -> None:
        assert self._stop is not None
        failures = sessions = 0
        while not self._stop.is_set():
            subscribed = False
            try:
                subscribed = await self._session(sessions)
            except Exception as err:
                msg = f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
                self._count(last_error=msg)
                log.warning("OPC UA source %s: cannot connect or subscribe (%s)", self.endpoint, msg)
            finally:
                self._connected.clear()
                self._count(connected=False)
            if self._stop.is_set():
                break
            if subscribed:
                sessions, failures = sessions + 1, 0
            else:
                self._count(failed_connects=1)
                failures += 1
            delay = backoff_delay(failures, self.backoff, self._rng)
            log.info("OPC UA source %s: next connection attempt in %.2f s", self.endpoint, delay)
            try:
                await asyncio.wait_for(self._stop.wait(), delay)
            except TimeoutError:
                pass

    async def _session(self, sessions: int) -> bool:
        """Connect, check and read the tags, subscribe, and wait until stopped or the link drops.

        Returns whether the subscription was made (the back-off starts over then).
        """
        from asyncua import Client, ua

        assert self._stop is not None
        client = Client(self.spec.endpoint, timeout=self.timeout)
        lost = asyncio.Event()

        async def on_lost(exc: Exception) -> None:
            self._count(last_error=f"connection lost: {type(exc).__name__}: {exc}")
            lost.set()

        client.connection_lost_callback = on_lost
        await client.connect()
        try:
            nodes = [client.get_node(tag.node) for tag in self.tags]
            values = []
            for part in _chunks(nodes):  # servers cap the nodes per request (MaxNodesPerRead)
                values += await client.read_attributes(part, ua.AttributeIds.Value)
            received = datetime.now(UTC)
            live = []
            for tag, node, dv in zip(self.tags, nodes, values, strict=True):
                name = dv.StatusCode.name if dv.StatusCode is not None else "Good"
                if name in CONFIG_STATUS:
                    self.tag_errors[tag.node] = (
                        f"OPC UA source {self.endpoint}: node {tag.node!r} (asset {tag.asset!r}, signal "
                        f"{tag.signal!r}) is not a readable variable on the server ({name}); correct the node id "
                        "in the tag map's [[opcua.tags]] or browse the server for the right one")
                    self._note_once(tag.node, "config", logging.ERROR, "%s", self.tag_errors[tag.node])
                    continue
                self.tag_errors.pop(tag.node, None)
                live.append((tag, node))
                self._accept(tag, dv, received)  # the current value: after a gap, the first point past it
            await self._check_units(live)
            by_node: dict[Any, list[OpcTag]] = {}
            for tag, node in live:
                by_node.setdefault(node.nodeid, []).append(tag)
            if by_node:
                sub = await client.create_subscription(self.publishing_interval_ms, _Handler(self, by_node))
                results = []
                for part in _chunks([client.get_node(n) for n in by_node]):
                    results += await sub.subscribe_data_change(part, queuesize=self.queue_size,
                                                               sampling_interval=self.publishing_interval_ms)
                for nodeid, res in zip(by_node, results, strict=True):
                    if isinstance(res, ua.StatusCode):
                        for tag in by_node[nodeid]:
                            self.tag_errors[tag.node] = (
                                f"OPC UA source {self.endpoint}: node {tag.node!r} cannot be subscribed "
                                f"({res.name}); check the node id and its access rights on the server")
                            self._note_once(tag.node, "sub", logging.ERROR, "%s", self.tag_errors[tag.node])
            if sessions:
                self._count(reconnects=1)
            self._count(connected=True)
            self._connected.set()
            self._first_session.set()
            log.info("OPC UA source %s: subscribed to %d of %d tags", self.endpoint, len(live), len(self.tags))
            done, pending = await asyncio.wait(
                [asyncio.create_task(self._stop.wait()), asyncio.create_task(lost.wait())],
                return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
            if lost.is_set() and not self._stop.is_set():
                log.warning("OPC UA source %s: connection lost; reconnecting", self.endpoint)
            return True
        finally:
            await _close(client, self.timeout)

    async def _check_units(self, live: Sequence[tuple[OpcTag, Any]]) -> None:
        """Warn once per tag when the node's EngineeringUnits disagree with the tag map (the map wins)."""
        from asyncua import ua

        for tag, node in live:
            if tag.node in self._units_checked:
                continue
            self._units_checked.add(tag.node)
            try:
                eu = await (await node.get_child("0:EngineeringUnits")).read_value()
            except (ua.UaError, AttributeError):
                continue  # no EngineeringUnits property: nothing to compare
            theirs = unit_conflict(tag.unit, eu)
            if theirs is not None:
                log.warning("OPC UA source %s: node %s says its unit is %r but the tag map says %r; keeping %r "
                            "(fix the tag map if the server is right)", self.endpoint, tag.node, theirs, tag.unit,
                            tag.unit)


class _Handler:
    """asyncua subscription handler: every data change of a known node goes to ``_accept``."""

    def __init__(self, source: OpcUaSource, by_node: dict[Any, list[OpcTag]]) -> None:
        self.source = source
        self.by_node = by_node

    def datachange_notification(self, node: Any, val: Any, data: Any) -> None:
        received = datetime.now(UTC)
        for tag in self.by_node.get(node.nodeid, ()):
            self.source._accept(tag, data.monitored_item.Value, received)

    def status_change_notification(self, status: Any) -> None:
        log.info("OPC UA source %s: subscription status %s", self.source.endpoint,
                 getattr(status.Status, "name", status))


async def _close(client: Client, timeout: float) -> None:
    try:
        await asyncio.wait_for(client.disconnect(), timeout)
    except Exception as err:  # the link may already be gone; closing must not fail the loop
        log.debug("disconnect: %s", err)


def _chunks(items: list[Any], size: int = 500) -> list[list[Any]]:
    return [items[i:i + size] for i in range(0, len(items), size)]
