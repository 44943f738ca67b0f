"""End-to-end MQTT ingest throughput: ``python -m bessemer.ingest._bench --seconds 60``.

Starts a private Mosquitto (``max_queued_messages 0``) on a free port, the ingest process
(``python -m bessemer.ingest``) writing to a DuckDB file, and a publisher process that sends
QoS 1 messages of one reading each, as fast as the broker acknowledges them, for the given
time. Then waits until the ingest has drained and checks the store: every acknowledged
message stored exactly once. Prints messages/s published and stored end to end (from the
first publish to the last store commit), lost and duplicated counts.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_PUBLISHER = r"""
import json, sys, time
import paho.mqtt.client as mqtt
port, topic, seconds, out = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), sys.argv[4]
acked = []
c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
c.on_publish = lambda cl, ud, mid, rc, props: acked.append(mid)
c.max_inflight_messages_set(1000)
c.max_queued_messages_set(2000)
c.connect(sys.argv[5], port)
c.loop_start()
t0 = time.time(); i = 0; mids = {}
while time.time() - t0 < seconds:
    info = c.publish(f"{topic}/a{i % 20}/d", b'{"ts": %d, "v": %d}' % (1714550400000 + i, i), qos=1)
    if info.rc == 0:
        mids[info.mid] = mids.get(info.mid, 0) + 1
        i += 1
    else:
        time.sleep(0.0005)
t1 = time.time()
end = time.time() + 60
while len(acked) < i and time.time() < end:
    time.sleep(0.05)
c.disconnect(); c.loop_stop()
json.dump({"sent": i, "acked": len(acked), "t0": t0, "t1": t1}, open(out, "w"))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one JSON line of results."""
    ap = argparse.ArgumentParser(prog="python -m bessemer.ingest._bench")
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--preload", action="store_true",
                    help="publish while the ingest is down (its session queues), then time the ingest alone")
    args = ap.parse_args(argv)
    print(json.dumps(run_mqtt_bench(seconds=args.seconds, preload=args.preload)))
    return 0


def run_mqtt_bench(*, seconds: float = 60.0, preload: bool = False, drain_quiet_s: float = 10.0,
                   broker: tuple[str, int] | None = None) -> dict:
    """Run the end-to-end MQTT bench once and return its results (the dict ``main`` prints).

    Starts a private Mosquitto on a free port (needs the ``mosquitto`` binary) unless ``broker``
    gives the host and port of a running one (its topics and client ids are then made unique).
    The ingest counts as drained when its stored count has not changed for ``drain_quiet_s`` s.
    """
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    from ..core import Store

    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        host, port = broker or ("127.0.0.1", _free_port())
        tag = f"bench{os.getpid()}x{int(time.time() * 1000) % 10**8}" if broker else "bench"
        (d / "m.conf").write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n"
                                  "persistence false\n", encoding="ascii")
        server = None if broker else subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            [binary, "-c", str(d / "m.conf")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.0 if broker else 0.5)
        (d / "map.toml").write_text(
            f'[broker]\nurl = "mqtt://{host}:{port}"\nclient_id = "{tag}"\n'
            f'[[mqtt]]\ntopic = "{tag}/+/d"\n'
            'asset = "{1}"\n[[mqtt.signals]]\nfield = "v"\nsignal = "v"\n',
            encoding="utf-8")
        log = open(d / "ingest.log", "w")  # noqa: SIM115
        cmd = [sys.executable, "-m", "bessemer.ingest", "--config", str(d / "map.toml"), "--store",
               str(d / "s.duckdb"), "--buffer", str(d / "buf"), "--stats-every", "0.5"]
        ingest = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603 - fixed argv
        try:
            ready_by = time.time() + 60
            while "MQTT subscribed" not in (d / "ingest.log").read_text():
                if ingest.poll() is not None or time.time() > ready_by:
                    raise RuntimeError("the ingest did not subscribe: " + (d / "ingest.log").read_text()[-500:])
                time.sleep(0.05)
            if preload:
                ingest.terminate()
                ingest.wait(30)
            (d / "pub.py").write_text(_PUBLISHER, encoding="utf-8")
            subprocess.run([sys.executable, str(d / "pub.py"), str(port), tag,  # noqa: S603 - fixed argv
                            str(seconds), str(d / "pub.json"), host], check=True)
            pub = json.loads((d / "pub.json").read_text())
            if preload:
                log.close()
                log = open(d / "ingest.log", "w")  # noqa: SIM115
                pub["start"] = time.time()  # the ingest alone: from its start to its last commit
                ingest = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603 - fixed argv
            last, last_change = -1, time.time()
            while time.time() - last_change < drain_quiet_s:  # drained: stored count still for drain_quiet_s
                lines = [x for x in (d / "ingest.log").read_text().splitlines() if "stored=" in x]
                stored = int(lines[-1].split("stored=")[1].split()[0]) if lines else 0
                if stored != last:
                    last, last_change = stored, time.time()
                time.sleep(0.1)
            t_end = last_change
            ingest.terminate()
            ingest.wait(60)
        finally:
            if ingest.poll() is None:
                ingest.kill()
            if server is not None:
                server.terminate()
                server.wait(10)
            log.close()
        if rows_log := [x for x in (d / "ingest.log").read_text().splitlines() if "stored=" in x or "ERROR" in x]:
            print("\n".join(rows_log[-5:]), file=sys.stderr)
        with Store(d / "s.duckdb", read_only=True) as st:
            rows = st.count_readings()
        start = pub.get("start", pub["t0"])
        res = {"mode": "preload" if preload else "live", "seconds": seconds,
               "published": pub["sent"], "acked": pub["acked"], "stored_rows": rows,
               "lost": max(0, pub["acked"] - rows), "extra": max(0, rows - pub["sent"]),
               "publish_msg_per_s": round(pub["sent"] / (pub["t1"] - pub["t0"])),
               "end_to_end_msg_per_s": round(rows / (t_end - start))}
    return res


if __name__ == "__main__":
    sys.exit(main())
