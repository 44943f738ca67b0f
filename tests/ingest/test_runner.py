"""The ingest process: store outage kept in the buffer, end to end through MQTT, CLI errors."""

from __future__ import annotations

import json
import threading

import paho.mqtt.client as mqtt
import pandas as pd

from bessemer.core import Store, StoreError
from bessemer.ingest import DiskBuffer, Ingest, Reading, ReadingSink, TagMap, run_ingest
from bessemer.ingest.__main__ import main
from bessemer.ingest._mqtt import parse_broker_url

T0 = pd.Timestamp("2024-05-01T00:00:00Z")
MAP = {"mqtt": [{"topic": "p/+/t", "asset": "{1}", "signals": [{"field": "v", "signal": "v", "unit": "1"}]}]}


class FlakySink(ReadingSink):
    """The store is down for the first ``down`` writes."""

    def __init__(self, store, down):
        super().__init__(store)
        self.down = down
        self.calls = 0

    def write_columns(self, cols):  # what the drain calls (write() goes through it too)
        self.calls += 1
        if self.calls <= self.down:
            raise StoreError("connection refused (simulated outage)")
        return super().write_columns(cols)


def test_store_outage_keeps_readings_buffered_then_drains(tmp_path, wait_until):
    store = Store()
    buf = DiskBuffer(tmp_path)
    sink = FlakySink(store, down=4)
    ing = Ingest(TagMap.from_dict(MAP), store, buf, sink=sink, mqtt=False, batch=50,
                 store_backoff=(0.02, 0.1)).start()
    for k in range(10):  # what a connector does: put, durable, then ack
        buf.put([Reading("a", "v", T0 + pd.Timedelta(seconds=k * 10 + i), float(k * 10 + i), "1")
                 for i in range(10)])
    assert wait_until(lambda: ing.store_failures >= 1, 5)
    assert len(buf) > 0 and store.count_readings() == 0  # nothing lost while the store is down
    assert wait_until(lambda: len(buf) == 0, 10)
    stats = ing.stop()
    assert stats["store_failures"] == 4 and stats["stored"] == 100 and stats["buffered"] == 0
    assert store.count_readings() == 100
    assert store.readings("a", "v", limit=1000)["value"].tolist() == [float(i) for i in range(100)]
    buf.close()


def test_readings_left_in_the_buffer_are_written_at_the_next_start(tmp_path, wait_until):
    with DiskBuffer(tmp_path / "buf") as buf:
        buf.put([Reading("a", "v", T0, 1.0, "1")])
    stop = threading.Event()
    stop.set()  # start, drain what waits, stop at once
    stats = run_ingest(TagMap.from_dict(MAP), tmp_path / "s.duckdb", tmp_path / "buf", stop=stop,
                       broker_url="mqtt://127.0.0.1:1", handle_signals=False)
    assert stats["stored"] == 1 and stats["buffered"] == 0
    with Store(tmp_path / "s.duckdb", read_only=True) as s:
        assert s.count_readings() == 1


def test_run_ingest_end_to_end_through_mqtt(broker_url, run_id, tmp_path, wait_until):
    tm = TagMap.from_dict({"broker": {"url": broker_url, "client_id": f"e2e-{run_id}", "session_expiry": 0},
                           "mqtt": [{"topic": f"e2e{run_id}/+/t", "asset": "{1}", "quality": "q",
                                     "signals": [{"field": "v", "signal": "v", "unit": "kW"}]}]})
    stop = threading.Event()
    seen = []
    th = threading.Thread(target=lambda: seen.append(run_ingest(
        tm, tmp_path / "s.duckdb", tmp_path / "buf", stop=stop, stats_every=0.1, handle_signals=False,
        on_stats=seen.append)))
    th.start()
    try:
        assert wait_until(lambda: len(seen) > 0, 10)
        host, port, _ = parse_broker_url(broker_url)
        c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        c.connect(host, port)
        c.loop_start()
        qualities = {7: "bad", 8: 64}  # 64: an OPC DA "uncertain" byte
        msgs = [json.dumps({"ts": 1714550400000 + i, "v": i, "q": qualities.get(i, "good")}) for i in range(50)]
        for i, m in enumerate(msgs):
            c.publish(f"e2e{run_id}/m{i % 3}/t", m, qos=1).wait_for_publish(5)
        c.publish(f"e2e{run_id}/m0/t", msgs[0], qos=1).wait_for_publish(5)  # a duplicate
        c.publish(f"e2e{run_id}/m0/t", b"{oops", qos=1).wait_for_publish(5)
        c.disconnect()
        c.loop_stop()
        assert wait_until(lambda: seen[-1]["received"] == 52 and seen[-1]["buffered"] == 0, 10), seen[-1]
    finally:
        stop.set()
        th.join(20)
    final = seen[-1]
    assert final["rejected"] == 1 and final["skipped"] == 1
    with Store(tmp_path / "s.duckdb", read_only=True) as s:
        assert s.count_readings() == 49
        assert sorted(s.readings("m1", "v")["value"].tolist()) == [float(i) for i in range(1, 50, 3) if i != 7]
        flagged = s.reading_quality("m2")  # message 8 went to m2 marked uncertain: stored, with its quality
        assert flagged["quality"].tolist() == ["uncertain"]
        assert flagged["time"].tolist() == [pd.Timestamp(1714550400008, unit="ms", tz="UTC")]
    assert (tmp_path / "buf" / "dead-letter.jsonl").is_file()


def test_cli_reports_a_bad_map_and_exits_2(tmp_path, capsys):
    bad = tmp_path / "map.toml"
    bad.write_text("[[mqtt]]\ntopic = 'a'\n", encoding="utf-8")
    assert main(["--config", str(bad), "--store", str(tmp_path / "s.duckdb"), "--buffer", str(tmp_path / "b")]) == 2
    assert "missing key 'asset'" in capsys.readouterr().err
