"""End-to-end MQTT ingest throughput: ``python -m bessemer.ingest._bench --seconds 60``.

Starts a private Mosquitto (``max_queued_messages 0``) on a free port, the ingest process
(``python -m bessemer.ingest``) writing to a DuckDB file, and a publisher process
(:func:`publish_paced`) that offers QoS 1 messages of one reading each at a fixed rate
(``--rate``, default 25,000/s; 0 for as fast as the broker acknowledges) for the given time.
Then waits until the ingest has drained and checks the store: every acknowledged message stored
exactly once. Prints messages/s published and stored end to end (from the first publish to the
last store commit), lost and duplicated counts, and how long the ingest took to finish after the
last publish (``drain_lag_s``: small when it kept up).
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


def publish_paced(host: str, port: int, topic_prefix: str, *, seconds: float, rate: float | None,
                  n_assets: int = 20, t0_ms: int = 1714550400000, client_id: str = "bench-pub") -> dict:
    """Publish QoS 1 messages of one reading each for ``seconds`` at ``rate`` messages/s (None: as fast as the
    broker acknowledges), pipelined up to the broker's receive maximum; wait for every PUBACK.
    Returns sent, acked and the times.

    Built on :mod:`._mqtt_wire` so that the load generator costs a few µs per message and the
    ingest, not the publisher, is what is measured.
    """
    import select as _select

    from ._mqtt_wire import (
        CONNACK,
        PUBACK,
        decode_connack,
        encode_connect,
        encode_publish,
        split_packets,
    )

    sock = socket.create_connection((host, port), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.sendall(encode_connect(client_id, keepalive=60, clean_start=True))
    buf = bytearray()
    window = None
    while window is None:
        buf += sock.recv(65536)
        for first, a, b in split_packets(buf)[0]:
            if first >> 4 == CONNACK:
                ack = decode_connack(buf, a, b)
                if ack.reason >= 0x80:
                    raise RuntimeError(f"the broker refused the publisher: reason {ack.reason:#x}")
                window = min(ack.receive_maximum, 60000)
    buf.clear()
    topics = [f"{topic_prefix}/a{k}/d".encode() for k in range(n_assets)]
    sent = acked = refused = 0
    inflight = 0
    t_start = time.time()
    deadline = time.perf_counter() + seconds

    def read_acks(timeout: float) -> None:
        nonlocal acked, refused, inflight
        ready, _, _ = _select.select([sock], [], [], timeout)
        if not ready:
            return
        data = sock.recv(1 << 20)
        if not data:
            raise RuntimeError("the broker closed the publisher's connection")
        buf.extend(data)
        packets, used = split_packets(buf)
        for first, a, b in packets:
            if first >> 4 == PUBACK:
                inflight -= 1
                if b - a > 2 and buf[a + 2] >= 0x80:
                    refused += 1
                else:
                    acked += 1
        del buf[:used]

    t_begin = time.perf_counter()
    while True:
        now = time.perf_counter()
        if now >= deadline:
            break
        budget = int((now - t_begin) * rate) + 1 - sent if rate else window
        n = min(budget, window - inflight, 2000)
        if n > 0:
            out = []
            for i in range(sent, sent + n):
                out.append(encode_publish(topics[i % n_assets], b'{"ts": %d, "v": %d}' % (t0_ms + i, i), qos=1,
                                          packet_id=i % 65535 + 1))
            sock.sendall(b"".join(out))
            sent += n
            inflight += n
        # wait for acks when the window is full, else for the next message's turn
        read_acks(0.05 if inflight >= window else (0.0 if not rate else max(0.0, min(0.001, (sent + 1) / rate
                                                                                      - (now - t_begin)))))
    t_end = time.time()
    wait_until = time.perf_counter() + 60
    while inflight > 0 and time.perf_counter() < wait_until:
        read_acks(0.1)
    sock.sendall(b"\xe0\x00")
    sock.close()
    return {"sent": sent, "acked": acked, "refused": refused, "t0": t_start, "t1": t_end}


#: messages/s the bench publisher offers by default: above the 20,000 target, so that meeting it shows
DEFAULT_RATE = 25_000.0


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process so far (Linux ``/proc``; ``None`` elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one JSON line of results."""
    ap = argparse.ArgumentParser(prog="python -m bessemer.ingest._bench")
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--rate", type=float, default=DEFAULT_RATE,
                    help="messages/s the publisher offers (0: as fast as the broker acknowledges)")
    ap.add_argument("--preload", action="store_true",
                    help="publish while the ingest is down (its session queues), then time the ingest alone")
    ap.add_argument("--publish-only", nargs=4, metavar=("HOST", "PORT", "PREFIX", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.publish_only:
        host, port, prefix, out = args.publish_only
        res = publish_paced(host, int(port), prefix, seconds=args.seconds, rate=args.rate or None,
                            client_id=f"{prefix}-pub")
        Path(out).write_text(json.dumps(res), encoding="utf-8")
        return 0
    print(json.dumps(run_mqtt_bench(seconds=args.seconds, preload=args.preload, rate=args.rate or None)))
    return 0


def run_mqtt_bench(*, seconds: float = 60.0, preload: bool = False, drain_quiet_s: float = 10.0,
                   broker: tuple[str, int] | None = None, rate: float | None = DEFAULT_RATE) -> dict:
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
                                  "max_inflight_messages 1000\npersistence false\n", encoding="ascii")
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
            cpu0 = cpu_seconds(ingest.pid) if not preload else 0.0  # its start-up is not the stream's cost
            subprocess.run([sys.executable, "-m", "bessemer.ingest._bench", "--seconds", str(seconds),  # noqa: S603
                            "--rate", str(rate or 0), "--publish-only", host, str(port), tag, str(d / "pub.json")],
                           check=True)
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
            cpu1 = cpu_seconds(ingest.pid)
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
               "end_to_end_msg_per_s": round(rows / (t_end - start)),
               "drain_lag_s": round(t_end - pub["t1"], 2), "offered_msg_per_s": rate,
               "ingest_cpu_us_per_msg": round((cpu1 - cpu0) / rows * 1e6, 1) if rows and cpu1 is not None
               and cpu0 is not None else None}
    return res


if __name__ == "__main__":
    sys.exit(main())
