"""MqttSource against a real Mosquitto: delivery, dead letters, ack-after-durable, reconnect back-off."""

from __future__ import annotations

import base64
import json
import threading

import paho.mqtt.client as mqtt
import pytest

from bessemer.core import ConfigError
from bessemer.ingest import Backoff, BrokerSpec, MqttSource, TagMap
from bessemer.ingest._mqtt import parse_broker_url


def tagmap(prefix):
    return TagMap.from_dict({"mqtt": [{"topic": f"{prefix}/+/telemetry", "asset": "{1}", "quality": "q",
                                       "signals": [{"field": "temp", "signal": "zone1_temp", "unit": "degC"},
                                                   {"field": "p", "signal": "pressure", "unit": "kPa"}]}]})


def publish(url, messages):
    host, port, _ = parse_broker_url(url)
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    c.connect(host, port)
    c.loop_start()
    try:
        infos = [c.publish(t, p if isinstance(p, bytes) else json.dumps(p), qos=1) for t, p in messages]
        for i in infos:
            i.wait_for_publish(10)
            assert i.is_published()
    finally:
        c.disconnect()
        c.loop_stop()


class Collector:
    def __init__(self, fail_first=0):
        self.readings = []
        self.calls = 0
        self.fail_first = fail_first
        self.lock = threading.Lock()

    def __call__(self, readings):
        with self.lock:
            self.calls += 1
            if self.calls <= self.fail_first:
                raise OSError("disk full (simulated)")
            self.readings.extend(readings)


def test_backoff_grows_with_jitter_and_caps():
    b = Backoff(base=0.1, cap=1.0, seed=3)
    d = [b.next() for _ in range(10)]
    assert all(lo <= hi for lo, hi in zip(d[:5], d[1:5]))  # growing until the cap (0.1 * 2**4 > 1.0)
    assert 0.05 <= d[0] <= 0.1 and all(0.5 <= x <= 1.0 for x in d[5:])
    assert len({round(x, 6) for x in d[5:]}) > 1  # jitter: not all the same
    b.reset()
    assert b.next() <= 0.1
    with pytest.raises(ConfigError):
        Backoff(base=2, cap=1)


@pytest.mark.parametrize("url", ["http://h:1", "mqtt://user:pw@h:1883", "mqtt://h:99999", "mqtt:///x", "h:1883"])
def test_bad_broker_urls(url):
    with pytest.raises(ConfigError):
        parse_broker_url(url)


def test_messages_arrive_and_bad_ones_are_dead_lettered(broker_url, run_id, tmp_path, wait_until):
    got = Collector()
    src = MqttSource(tagmap(f"bt{run_id}"), got, broker=BrokerSpec(url=broker_url, client_id=f"t-{run_id}",
                                                                   session_expiry=0),
                     dead_letter=tmp_path / "dead.jsonl").start()
    try:
        assert src.wait_connected(10)
        publish(broker_url, [
            (f"bt{run_id}/rhf-1/telemetry", {"ts": 1714550400000, "temp": 812.5, "p": 101.3, "q": 192}),
            (f"bt{run_id}/rhf-2/telemetry", [{"ts": "2024-05-01T08:00:01Z", "temp": 1.0, "q": "bad"},
                                            {"ts": "2024-05-01T08:00:02Z", "temp": 2.0}]),
            (f"bt{run_id}/rhf-3/telemetry", b"not json password=hunter2"),
            (f"bt{run_id}/rhf-4/telemetry", {"ts": 1714550400000, "temp": "hot", "p": 5.0}),
        ])
        assert wait_until(lambda: src.stats["acked"] == 4, 10), src.stats
    finally:
        src.stop()
    assert sorted((r.asset, r.signal, r.value, r.quality) for r in got.readings) == [
        ("rhf-1", "pressure", 101.3, "good"), ("rhf-1", "zone1_temp", 812.5, "good"),
        ("rhf-2", "zone1_temp", 1.0, "bad"), ("rhf-2", "zone1_temp", 2.0, "good"),
        ("rhf-4", "pressure", 5.0, "good")]
    assert src.stats["received"] == 4 and src.stats["rejected"] == 1 and src.stats["rejected_fields"] == 1
    dead = [json.loads(line) for line in (tmp_path / "dead.jsonl").read_text().splitlines()]
    assert [(d["topic"].split("/")[1], d["field"]) for d in dead] == [("rhf-3", None), ("rhf-4", "temp")]
    assert base64.b64decode(dead[0]["payload_b64"]) == b"not json password=hunter2"


def test_no_ack_before_durable_then_redelivered(broker_url, run_id, caplog, wait_until):
    """on_readings fails: nothing is acknowledged; a new session with the same id gets the messages again."""
    spec = BrokerSpec(url=broker_url, client_id=f"t-{run_id}", session_expiry=60)
    prefix = f"ba{run_id}"
    failing = Collector(fail_first=10**6)
    src = MqttSource(tagmap(prefix), failing, broker=spec).start()
    try:
        assert src.wait_connected(10)
        publish(broker_url, [(f"{prefix}/a{i}/telemetry", {"ts": 1714550400000 + i, "temp": float(i)})
                             for i in range(5)])
        assert wait_until(lambda: failing.calls >= 2, 10)
        assert src.stats["acked"] == 0
    finally:
        src.stop(timeout=3)
    assert "not acknowledged" in caplog.text and "hunter2" not in caplog.text
    ok = Collector()
    src2 = MqttSource(tagmap(prefix), ok, broker=spec).start()
    try:
        assert wait_until(lambda: len(ok.readings) >= 5, 10), src2.stats
        assert wait_until(lambda: src2.stats["acked"] >= 5, 5)
    finally:
        src2.stop()
    assert sorted(r.value for r in ok.readings) == [0.0, 1.0, 2.0, 3.0, 4.0]
    # clean the session away
    src3 = MqttSource(tagmap(prefix), ok, broker=BrokerSpec(url=broker_url, client_id=f"t-{run_id}",
                                                            session_expiry=0)).start()
    src3.wait_connected(5)
    src3.stop()


def test_reconnects_with_growing_delays_until_the_broker_is_up(private_broker_factory, run_id, wait_until):
    broker = private_broker_factory()  # port chosen, not started yet
    got = Collector()
    src = MqttSource(tagmap(f"rc{run_id}"), got, broker=BrokerSpec(url=broker.url, client_id=f"t-{run_id}"),
                     backoff=(0.05, 0.4), seed=1).start()
    try:
        assert wait_until(lambda: src.stats["connect_failures"] >= 4, 10)
        delays = list(src.delays)
        assert delays[0] <= delays[1] <= delays[2] < 0.4 and delays[-1] > delays[0]  # grow until the cap
        assert max(delays) <= 0.4
        broker.start()
        assert src.wait_connected(5)
        publish(broker.url, [(f"rc{run_id}/x/telemetry", {"ts": 1714550400000, "temp": 1.5})])
        assert wait_until(lambda: len(got.readings) == 1, 5)
        # the broker goes away and comes back: the source reconnects on its own
        broker.stop()
        assert wait_until(lambda: not src.connected, 5)
        broker.start()
        assert src.wait_connected(5)
        assert src.stats["connects"] == 2
        publish(broker.url, [(f"rc{run_id}/x/telemetry", {"ts": 1714550401000, "temp": 2.5})])
        assert wait_until(lambda: len(got.readings) == 2, 5)
    finally:
        src.stop()


def test_full_buffer_holds_acks_until_the_store_catches_up(broker_url, run_id, tmp_path, wait_until):
    """The disk buffer at its cap: messages stay unacknowledged (the broker keeps them), then flow on."""
    from bessemer.ingest import DiskBuffer

    buf = DiskBuffer(tmp_path / "buf", max_readings=3)
    prefix = f"bf{run_id}"
    src = MqttSource(tagmap(prefix), buf.put, broker=BrokerSpec(url=broker_url, client_id=f"t-{run_id}",
                                                                session_expiry=0),
                     dead_letter=tmp_path / "dead.jsonl").start()
    try:
        assert src.wait_connected(10)
        publish(broker_url, [(f"{prefix}/a{i}/telemetry", {"ts": 1714550400000 + i, "temp": float(i)})
                             for i in range(3)] + [(f"{prefix}/bad/telemetry", b"{oops")])
        assert wait_until(lambda: len(buf) == 3 and src.stats["acked"] == 4, 10), src.stats
        publish(broker_url, [(f"{prefix}/b{i}/telemetry", {"ts": 1714550500000 + i, "temp": 10.0 + i})
                             for i in range(2)] + [(f"{prefix}/bad2/telemetry", b"{oops")])
        assert wait_until(lambda: src.stats["received"] == 7, 10)
        threading.Event().wait(0.5)
        assert src.stats["acked"] == 4 and len(buf) == 3  # full: held back, not acknowledged
        bid, first = buf.take(100)  # the store catches up
        buf.done(bid)
        assert wait_until(lambda: src.stats["acked"] == 7, 15), src.stats
        rest = buf.take(100)[1]
    finally:
        src.stop()
        buf.close()
    assert sorted(r.value for r in first + rest) == [0.0, 1.0, 2.0, 10.0, 11.0]
    dead = (tmp_path / "dead.jsonl").read_text().splitlines()
    assert len(dead) == 2  # each bad message written once, although its batch was retried


def test_dead_letter_file_is_rotated(tmp_path):
    src = MqttSource(tagmap("x"), lambda r: None, broker=BrokerSpec(url="mqtt://127.0.0.1:1"),
                     dead_letter=tmp_path / "dead.jsonl", dead_letter_max_bytes=1000)
    from bessemer.ingest._mqtt import _dead

    for _ in range(20):
        src._write_dead([_dead("x/a/telemetry", "not JSON", b"y" * 200)])
    assert (tmp_path / "dead.jsonl").stat().st_size <= 1000 + 600
    assert (tmp_path / "dead.jsonl.1").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dead.jsonl", "dead.jsonl.1"]


def test_idle_connection_is_kept_alive_and_rows_mode_hands_tuples(broker_url, run_id, wait_until):
    """keepalive 1 s: the broker drops a client silent for 1.5 s, so staying connected for 4 s needs the pings."""
    got = Collector()
    src = MqttSource(tagmap(f"ka{run_id}"), got, rows=True,
                     broker=BrokerSpec(url=broker_url, client_id=f"t-{run_id}", session_expiry=0, keepalive=1)).start()
    try:
        assert src.wait_connected(10)
        threading.Event().wait(4.0)
        assert src.connected and src.stats["connects"] == 1, src.stats
        publish(broker_url, [(f"ka{run_id}/rhf-1/telemetry", {"ts": 1714550400000, "temp": 812.5})])
        assert wait_until(lambda: src.stats["acked"] == 1, 10), src.stats
    finally:
        src.stop()
    assert got.readings == [("rhf-1", "zone1_temp", 1714550400000 * 10**6, 812.5, "degC", "good",
                             f"mqtt:ka{run_id}/rhf-1/telemetry")]


def test_a_steady_qos0_stream_does_not_starve_the_pings(broker_url, run_id, wait_until):
    """QoS 0 messages are never acknowledged: with data always arriving, the client must still ping on time."""
    got = Collector()
    src = MqttSource(tagmap(f"q0{run_id}"), got,
                     broker=BrokerSpec(url=broker_url, client_id=f"t-{run_id}", session_expiry=0, keepalive=1)).start()
    host, port, _ = parse_broker_url(broker_url)
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    try:
        assert src.wait_connected(10)
        c.connect(host, port)
        c.loop_start()
        for i in range(80):  # 4 s of messages every 50 ms: the socket is never idle for the select timeout
            c.publish(f"q0{run_id}/rhf-1/telemetry", json.dumps({"ts": 1714550400000 + i, "temp": float(i)}), qos=0)
            threading.Event().wait(0.05)
        assert wait_until(lambda: len(got.readings) >= 70, 10), src.stats
        assert src.stats["connects"] == 1 and src.connected, src.stats  # never dropped for silence
    finally:
        c.disconnect()
        c.loop_stop()
        src.stop()
