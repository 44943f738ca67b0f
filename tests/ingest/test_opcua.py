"""OpcUaSource against a real asyncua server started in this process, on a free port.

The server runs in its own thread and event loop (:class:`OpcServer`), as a plant server would run
apart from the client; the source under test runs in its own thread too.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import pytest
from asyncua import ua

from bessemer.core import ConfigError, NotFoundError
from bessemer.ingest import OpcTag, OpcUaSourceSpec, Reading
from bessemer.ingest._opcua import OpcUaSource
from bessemer.ingest._opcua_convert import backoff_delay

NS = "urn:bessemer:test"
# node name -> (initial value, variant type, EngineeringUnits display name or None)
NODES: dict[str, tuple[Any, Any, str | None]] = {
    "Furnace1.Zone1": (850.0, ua.VariantType.Double, "°C"),
    "Furnace1.Zone2": (300.0, ua.VariantType.Double, "K"),  # the tag map says degC: a warning, map wins
    "Furnace1.Fan": (1200, ua.VariantType.Int32, None),
    "Furnace1.Running": (True, ua.VariantType.Boolean, None),
    "Furnace1.Mode": ("auto", ua.VariantType.String, None),
    # one node of its own for each test that writes, so tests sharing the server never see each other's values
    **{f"Furnace1.Zone{i}": (850.0, ua.VariantType.Double, None) for i in range(3, 7)},
}
LOGGER = "bessemer.ingest.opcua"


def wait_until(cond: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    """Poll ``cond`` until it returns something truthy; fail naming ``what`` after ``timeout`` s."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = cond()
        if got:
            return got
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OpcServer:
    """A real asyncua server in its own thread and loop; stop() and start() again on the same port.

    A restart keeps the address space (as a server that retains its values would); values written while
    it is stopped change the nodes but reach no client until it is back.
    """

    def __init__(self, port: int) -> None:
        self.url = f"opc.tcp://127.0.0.1:{port}/bessemer/"
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="opcua-test-server", daemon=True)
        self.thread.start()
        self.server: Any = None
        self.running = False
        self.vars: dict[str, Any] = {}

    def _call(self, coro: Any, timeout: float = 15.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def _start(self) -> None:
        from asyncua import Server

        srv = Server()
        await srv.init()
        srv.set_endpoint(self.url)
        idx = await srv.register_namespace(NS)
        obj = await srv.nodes.objects.add_object(ua.NodeId("Furnace1", idx), "Furnace1")
        for name, (value, vtype, eu) in NODES.items():
            var = await obj.add_variable(ua.NodeId(name, idx), name.split(".")[-1], ua.Variant(value, vtype))
            if eu is not None:
                await var.add_property(0, "EngineeringUnits", ua.EUInformation(DisplayName=ua.LocalizedText(eu)))
            self.vars[name] = var
        await srv.start()
        self.server = srv

    def start(self) -> OpcServer:
        if self.server is None:
            self._call(self._start())
        elif not self.running:
            self._call(self.server.start())
        self.running = True
        return self

    def stop(self) -> None:
        if self.server is not None and self.running:
            self._call(self.server.stop())
        self.running = False

    def write(self, name: str, value: Any, *, status: int = 0, source_time: datetime | None = None) -> None:
        """Write a value as a device would; without ``source_time`` the value has none (the server stamps it)."""
        dv = ua.DataValue(ua.Variant(value, NODES[name][1]), StatusCode=ua.StatusCode(status),
                          SourceTimestamp=source_time)
        self._call(self.vars[name].write_value(dv))

    async def _cancel_rest(self) -> None:
        rest = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for t in rest:
            t.cancel()
        await asyncio.gather(*rest, return_exceptions=True)

    def close(self) -> None:
        self.stop()
        self._call(self._cancel_rest())  # the server's session tasks that stop() leaves behind
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture(scope="module")
def shared_server() -> Iterator[OpcServer]:
    srv = OpcServer(free_port()).start()
    yield srv
    srv.close()


@pytest.fixture
def server(shared_server: OpcServer) -> OpcServer:
    """The module's server, running (a test that stopped it and failed leaves it stopped)."""
    return shared_server.start()


class Collector:
    """``on_readings`` that keeps every batch; ``fail`` makes the next calls raise (a buffer outage)."""

    def __init__(self) -> None:
        self.readings: list[Reading] = []
        self.fail = 0
        self.lock = threading.Lock()

    def __call__(self, batch: list[Reading]) -> None:
        with self.lock:
            if self.fail:
                self.fail -= 1
                raise OSError("disk full (simulated)")
            self.readings.extend(batch)

    def of(self, signal: str) -> list[Reading]:
        with self.lock:
            return [r for r in self.readings if r.signal == signal]


def tag(name: str, signal: str, unit: str = "degC") -> OpcTag:
    return OpcTag(node=f"ns=2;s=Furnace1.{name}", asset="rhf-1", signal=signal, unit=unit)


TAGS = [tag("Zone1", "zone1_temp"), tag("Zone2", "zone2_temp"), tag("Fan", "fan_speed", "rpm"),
        tag("Running", "running", "1"), tag("Mode", "mode", "1")]


def make_source(url: str, sink: Collector, tags: list[OpcTag] | None = None, **kw: Any) -> OpcUaSource:
    kw.setdefault("backoff", (0.05, 0.5))
    return OpcUaSource(OpcUaSourceSpec(endpoint=url, tags=tags or TAGS), sink, publishing_interval_ms=20, **kw)


def values(sink: Collector, signal: str, lo: float = -1e300, hi: float = 1e300) -> list[float]:
    return [r.value for r in sink.of(signal) if lo <= r.value <= hi]


def test_values_arrive_with_asset_signal_unit_quality_and_source_time(server: OpcServer, caplog) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    sink = Collector()
    with make_source(server.url, sink) as src:
        assert src.wait_connected(10)
        # the current values are read on connect: floats, ints and booleans all become floats
        wait_until(lambda: sink.of("zone1_temp") and sink.of("fan_speed") and sink.of("running"), what="first values")
        assert (values(sink, "fan_speed"), values(sink, "running")) == ([1200.0], [1.0])
        t1 = datetime(2025, 3, 1, 6, 0, 0, 123000, tzinfo=UTC)
        server.write("Furnace1.Zone1", 1012.5, source_time=t1)
        server.write("Furnace1.Zone1", 1013.0, status=ua.StatusCodes.UncertainLastUsableValue,
                     source_time=t1 + timedelta(seconds=1))
        wait_until(lambda: len(values(sink, "zone1_temp", 1000, 1100)) == 2, what="two written values")
        got = [r for r in sink.of("zone1_temp") if r.value > 1000]
        assert [(r.asset, r.signal, r.value, r.unit, r.quality, r.time, r.source) for r in got] == [
            ("rhf-1", "zone1_temp", 1012.5, "degC", "good", pd.Timestamp(t1), "opcua:ns=2;s=Furnace1.Zone1"),
            ("rhf-1", "zone1_temp", 1013.0, "degC", "uncertain", pd.Timestamp(t1) + pd.Timedelta(seconds=1),
             "opcua:ns=2;s=Furnace1.Zone1")]
        # a value without a source time carries the server's time stamp, and that is noted once
        before = pd.Timestamp.now(tz="UTC")
        server.write("Furnace1.Zone1", 999.0)
        wait_until(lambda: values(sink, "zone1_temp", 999, 999), what="the value without source time")
        (t2,) = [r.time for r in sink.of("zone1_temp") if r.value == 999.0]
        assert before - pd.Timedelta(seconds=1) <= t2 <= pd.Timestamp.now(tz="UTC")
        assert src.stats.connected
    stats = src.stats  # after stop: everything received has been delivered, refused or dropped as a repeat
    assert stats.time_fallbacks == 1 and not stats.connected and stats.reconnects == 0 and stats.rejected >= 1
    assert stats.delivered == len(sink.readings) and stats.received == stats.delivered + stats.rejected \
        + stats.duplicates
    assert caplog.text.count("sends no SourceTimestamp") == 1 and "node ns=2;s=Furnace1.Zone1" in caplog.text


def test_bad_status_non_numeric_and_unit_disagreement_are_reported(server: OpcServer, caplog) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    sink = Collector()
    with make_source(server.url, sink, [*TAGS, tag("Zone6", "zone6_temp")]) as src:
        assert src.wait_connected(10)
        wait_until(lambda: sink.of("zone2_temp"), what="zone2 value")
        # the node's EngineeringUnits say K, the tag map degC: one warning, the map's unit is kept
        assert {r.unit for r in sink.of("zone2_temp")} == {"degC"}
        assert caplog.text.count("says its unit is 'K' but the tag map says 'degC'") == 1
        # a string node is refused, per tag, with one clear line however many values come
        server.write("Furnace1.Mode", "manual")
        wait_until(lambda: src.stats.rejected >= 2, what="refused strings")
        assert sink.of("mode") == []
        assert caplog.text.count("non-numeric value of type str") == 1
        assert "node ns=2;s=Furnace1.Mode (rhf-1/mode) sent non-numeric value of type str ('auto')" in caplog.text
        # Bad status: a compliant server sends no value with it (Part 4, 7.7.1), and a reading needs one
        t = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
        before = src.stats.rejected
        server.write("Furnace1.Zone6", 1.0, status=ua.StatusCodes.BadSensorFailure, source_time=t)
        wait_until(lambda: src.stats.rejected > before, what="the Bad value")
        server.write("Furnace1.Zone6", 640.0, source_time=t + timedelta(seconds=1))
        wait_until(lambda: values(sink, "zone6_temp", 640, 640), what="the good value after the Bad one")
    assert "node ns=2;s=Furnace1.Zone6 (rhf-1/zone6_temp) sent a BadSensorFailure status without a value" \
        in caplog.text
    # the initial value (read on connect), then only the good one: nothing at the Bad value's time
    assert [(r.time - pd.Timestamp(t), r.value) for r in sink.of("zone6_temp")][1:] == [(pd.Timedelta(1, "s"), 640.0)]


def test_server_restart_on_the_same_port_reconnects_and_resumes(server: OpcServer, caplog) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    sink = Collector()
    t0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    with make_source(server.url, sink, [tag("Zone3", "zone3_temp")]) as src:
        assert src.wait_connected(10)
        server.write("Furnace1.Zone3", 700.0, source_time=t0)
        wait_until(lambda: values(sink, "zone3_temp", 700, 700), what="value before the outage")
        server.stop()
        wait_until(lambda: not src.stats.connected, what="the source to see the outage")
        server.write("Furnace1.Zone3", 777.0, source_time=t0 + timedelta(minutes=1))  # changes while down
        wait_until(lambda: src.stats.failed_connects >= 2, what="failed attempts against the closed port")
        server.start()
        wait_until(lambda: src.stats.reconnects == 1 and src.stats.connected, what="reconnect")
        # the current value is read on reconnect: the gap shows as the value at its own time
        wait_until(lambda: values(sink, "zone3_temp", 777, 777), what="the value read on reconnect")
        server.write("Furnace1.Zone3", 710.0, source_time=t0 + timedelta(minutes=5))
        wait_until(lambda: values(sink, "zone3_temp", 710, 710), what="value after the restart")
    assert [(r.time - pd.Timestamp(t0), r.value) for r in sink.of("zone3_temp") if r.value != 850.0] == [
        (pd.Timedelta(0), 700.0), (pd.Timedelta(minutes=1), 777.0), (pd.Timedelta(minutes=5), 710.0)]
    assert "connection lost; reconnecting" in caplog.text and "next connection attempt in" in caplog.text


def test_unknown_node_gives_a_clear_error_naming_it(server: OpcServer, caplog) -> None:
    bad = tag("NoSuchZone", "zone9_temp")
    with pytest.raises(NotFoundError, match=r"node 'ns=2;s=Furnace1.NoSuchZone' \(asset 'rhf-1', signal "
                       r"'zone9_temp'\) is not a readable variable on the server \(BadNodeIdUnknown\)"):
        make_source(server.url, Collector(), [tag("Zone1", "zone1_temp"), bad]).start(wait=10)
    # without wait: logged, recorded, and the other tags still flow
    caplog.set_level(logging.ERROR, logger=LOGGER)
    sink = Collector()
    with make_source(server.url, sink, [tag("Zone1", "zone1_temp"), bad]) as src:
        wait_until(lambda: sink.of("zone1_temp"), what="the known tag")
        assert list(src.tag_errors) == ["ns=2;s=Furnace1.NoSuchZone"]
    assert "Furnace1.NoSuchZone" in caplog.text and "BadNodeIdUnknown" in caplog.text


def test_a_failing_consumer_loses_nothing(server: OpcServer, caplog) -> None:
    sink = Collector()
    sink.fail = 2  # the buffer refuses twice, then recovers
    t0 = datetime(2025, 3, 2, tzinfo=UTC)
    with make_source(server.url, sink, [tag("Zone5", "zone5_temp")]) as src:
        assert src.wait_connected(10)
        for i in range(20):
            server.write("Furnace1.Zone5", 500.0 + i, source_time=t0 + timedelta(seconds=i))
        wait_until(lambda: len(values(sink, "zone5_temp", 500, 600)) == 20, what="all 20 values")
    assert values(sink, "zone5_temp", 500, 600) == [500.0 + i for i in range(20)]  # in order, none twice
    assert src.stats.delivered == len(sink.readings)
    assert caplog.text.count("on_readings failed") == 2


def test_malformed_node_id_and_backoff_are_refused_without_a_server() -> None:
    spec = OpcUaSourceSpec(endpoint="opc.tcp://u:pw@127.0.0.1:9/x",
                           tags=[OpcTag(node="garbage", asset="rhf-1", signal="t", unit="degC")])
    with pytest.raises(ConfigError, match=r"tag 1 \(rhf-1/t\): node id 'garbage' cannot be parsed") as err:
        OpcUaSource(spec, print)
    assert "pw" not in str(err.value)  # no password in messages
    with pytest.raises(ConfigError, match="backoff"):
        OpcUaSource(OpcUaSourceSpec(endpoint="opc.tcp://h:1", tags=TAGS), print, backoff=(2.0, 1.0))


def test_backoff_doubles_to_the_cap_with_jitter() -> None:
    import random

    rng = random.Random(7)
    delays = [backoff_delay(n, (0.5, 30.0), rng) for n in range(1, 12)]
    nominal = [min(30.0, 0.5 * 2 ** (n - 1)) for n in range(1, 12)]
    assert all(0.5 * cap <= d <= cap for d, cap in zip(delays, nominal, strict=True))
    assert len({round(d / cap, 6) for d, cap in zip(delays, nominal, strict=True)}) > 5  # jittered, not fixed
    assert backoff_delay(0, (0.5, 30.0), rng) <= 0.5


def test_end_to_end_through_disk_buffer_into_the_store_across_a_restart(server: OpcServer, tmp_path) -> None:
    from bessemer.core import Store
    from bessemer.ingest import DiskBuffer, TagMap
    from bessemer.ingest._runner import Ingest

    tagmap = TagMap.from_dict({"opcua": [{"endpoint": server.url, "publishing_interval_ms": 20, "tags": [
        {"node": "ns=2;s=Furnace1.Zone4", "asset": "rhf-1", "signal": "zone4_temp", "unit": "°C"},
        {"node": "ns=2;s=Furnace1.Fan", "asset": "rhf-1", "signal": "fan_speed", "unit": "rpm"}]}]})
    t0 = datetime(2025, 3, 3, tzinfo=UTC)
    expected = {pd.Timestamp(t0): 590.0}
    server.write("Furnace1.Zone4", 590.0, source_time=t0)  # the value the source finds when it connects

    def write(i: int) -> None:
        expected[pd.Timestamp(t0) + pd.Timedelta(seconds=i)] = 600.0 + i
        server.write("Furnace1.Zone4", 600.0 + i, source_time=t0 + timedelta(seconds=i))

    store, buffer = Store(tmp_path / "store.duckdb"), DiskBuffer(tmp_path / "buffer")
    ingest = Ingest(tagmap, store, buffer, mqtt=False).start()
    (src,) = ingest.sources
    try:
        assert src.wait_connected(10)
        for i in range(1, 31):
            write(i)
        # values the server had not published when it stops are lost with it: wait for them first
        wait_until(lambda: ingest.stats()["stored"] >= 31 + 1, what="the first values stored")
        server.stop()
        wait_until(lambda: not src.stats.connected, what="the outage to be seen")
        write(31)  # while the server is unreachable: read when the source is back
        server.start()
        wait_until(lambda: src.stats.reconnects == 1 and src.stats.connected, timeout=15, what="reconnect")
        for i in range(32, 61):
            write(i)
        wait_until(lambda: len(store.readings("rhf-1", "zone4_temp")) >= 61, what="all readings stored")
    finally:
        stats = ingest.stop()
        buffer.close()
    zone = store.readings("rhf-1", "zone4_temp")
    assert dict(zip(zone["time"], zone["value"], strict=True)) == expected and len(zone) == len(expected) == 61
    assert store.readings("rhf-1", "fan_speed")["value"].tolist() == [1200.0]  # re-read, stored once
    assert stats["buffered"] == 0 and stats["rejected"] == 0 and src.stats.duplicates >= 1
    store.close()
