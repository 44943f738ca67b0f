"""Exactly-once effect: SIGKILL the ingest process mid-stream, restart it, and count every reading.

A publisher sends a sustained stream of QoS 1 messages, one reading each, with unique
(asset, signal, time). The ingest process (``python -m bessemer.ingest``) writes to a DuckDB
file. It is killed with SIGKILL while the stream runs and started again; after the stream
ends and the ingest drains, every message the broker acknowledged to the publisher (PUBACK)
must be stored exactly once with its value, and nothing else. A variant re-publishes a slice
of the stream (duplicates) and shows no duplicate rows.

The broker is a private Mosquitto with ``max_queued_messages 0``: with the default (1000)
Mosquitto itself drops QoS 1 messages queued for an offline session, which no client can undo.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import paho.mqtt.client as mqtt
import pytest

from bessemer.core import Store

pytestmark = pytest.mark.slow

N = 20_000
ASSETS = 10
T0_MS = 1_714_550_400_000
STATS = re.compile(r"(ingest|final): received=(\d+) buffered=(\d+) stored=(\d+) rejected=(\d+)")


class Ingest:
    def __init__(self, args, log_path):
        self.log_path = log_path
        self.log = open(log_path, "w")  # noqa: SIM115
        self.proc = subprocess.Popen([sys.executable, "-m", "bessemer.ingest", *args], stdout=self.log,
                                     stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})

    def text(self):
        return self.log_path.read_text()

    def stats(self):
        found = STATS.findall(self.text())
        if not found:
            return None
        kind, *nums = found[-1]
        return dict(zip(["received", "buffered", "stored", "rejected"], map(int, nums))) | {"final": kind == "final"}

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.log.close()


class Publisher(threading.Thread):
    """Publish N messages at a steady rate; ``replay`` re-publishes a slice of them (duplicates)."""

    def __init__(self, url_port, topic, rate, replay=None):
        super().__init__(daemon=True)
        self.port, self.topic, self.rate, self.replay = url_port, topic, rate, replay
        self.infos = {}
        self.sent = 0
        self.error = None
        self.order = list(range(N))
        if replay is not None:
            self.order[N // 2:N // 2] = list(range(*replay))  # the slice again, halfway through

    def run(self):
        try:
            c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
            c.max_inflight_messages_set(200)
            c.connect("127.0.0.1", self.port)
            c.loop_start()
            order = self.order
            start = time.monotonic()
            for k, i in enumerate(order):
                info = c.publish(f"{self.topic}/a{i % ASSETS}/d", f'{{"ts": {T0_MS + i}, "v": {i * 0.5}}}', qos=1)
                self.infos.setdefault(i, []).append(info)
                self.sent = k + 1
                ahead = start + k / self.rate - time.monotonic()
                if ahead > 0.01:
                    time.sleep(ahead)
            for infos in self.infos.values():
                for info in infos:
                    info.wait_for_publish(30)
            c.disconnect()
            c.loop_stop()
        except Exception as err:  # noqa: BLE001
            self.error = err

    def acked(self):
        return {i for i, infos in self.infos.items() if any(x.is_published() for x in infos)}


@pytest.mark.parametrize("replay", [None, (2_000, 5_000)], ids=["stream", "stream+duplicates"])
def test_sigkill_mid_stream_loses_nothing_and_duplicates_nothing(private_broker, run_id, tmp_path, wait_until,
                                                                 replay):
    topic = f"kill{run_id}"
    cfg = tmp_path / "tagmap.toml"
    cfg.write_text(f'[broker]\nurl = "{private_broker.url}"\nclient_id = "ingest-{run_id}"\nsession_expiry = 600\n'
                   f'[[mqtt]]\ntopic = "{topic}/+/d"\nasset = "{{1}}"\ntime = "ts"\n'
                   '[[mqtt.signals]]\nfield = "v"\nsignal = "v"\nunit = "kW"\n', encoding="utf-8")
    db = tmp_path / "store.duckdb"
    args = ["--config", str(cfg), "--store", str(db), "--buffer", str(tmp_path / "buf"), "--stats-every", "0.2"]
    first = Ingest(args, tmp_path / "first.log")
    second = None
    try:
        assert wait_until(lambda: "MQTT subscribed" in first.text(), 30), first.text()[-2000:]
        pub = Publisher(private_broker.port, topic, rate=2_000, replay=replay)
        pub.start()
        # kill once readings are in the store and the stream is well under way
        assert wait_until(lambda: (first.stats() or {}).get("stored", 0) > 0 and pub.sent > N // 4, 30), \
            first.text()[-2000:]
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait(10)
        stored_before = first.stats()["stored"]
        sent_at_kill = pub.sent
        assert first.proc.returncode == -signal.SIGKILL
        assert 0 < stored_before and sent_at_kill < len(pub.order) * 3 // 4, "the kill did not land mid-stream"

        second = Ingest(args, tmp_path / "second.log")
        pub.join(90)
        assert not pub.is_alive() and pub.error is None, pub.error
        acked = pub.acked()
        assert len(acked) == N, f"the broker acknowledged only {len(acked)} of {N} messages"

        def drained():
            s = second.stats()
            return s is not None and s["buffered"] == 0 and s["stored"] > 0 and \
                s["received"] >= N - sent_at_kill  # at least what was published after the kill
        assert wait_until(drained, 60), second.text()[-2000:]
        time.sleep(1.0)  # let late redeliveries land
        assert wait_until(lambda: (second.stats() or {}).get("buffered", 1) == 0, 20)
        second.proc.send_signal(signal.SIGTERM)
        assert second.proc.wait(30) == 0, second.text()[-2000:]
        final = second.stats()
        assert final["final"] and final["stored"] > 0 and final["received"] > 0
        assert final["buffered"] == 0 and final["rejected"] == 0
    finally:
        first.close()
        if second is not None:
            second.close()

    with Store(db, read_only=True) as store:
        con = store._con
        dup = con.execute("SELECT count(*) FROM (SELECT asset, signal, t FROM readings GROUP BY ALL "
                          "HAVING count(*) > 1)").fetchone()[0]
        rows = con.execute("SELECT asset, t, value FROM readings ORDER BY t").fetchall()
    assert dup == 0
    idx = np.array([(t // 1_000_000) - T0_MS for _, t, _ in rows])
    assert len(rows) == N, f"{len(rows)} rows stored for {N} acknowledged messages"
    assert sorted(idx.tolist()) == sorted(acked)  # every acknowledged message, nothing extra
    assert all(a == f"a{i % ASSETS}" and v == i * 0.5 for (a, _, v), i in zip(rows, idx, strict=True))
