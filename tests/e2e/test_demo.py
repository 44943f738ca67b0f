"""`bessemer demo` end to end: a real server process, a real simulator, real training."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as r:  # noqa: S310 - loopback only
        return json.loads(r.read())


def test_demo_serves_a_ranked_fleet_that_updates_live(tmp_path: Path):
    port = _free_port()
    bessemer = Path(sys.executable).with_name("bessemer")
    cmd = [str(bessemer), "demo", "--home", str(tmp_path / "demo"), "--port", str(port),
           "--hours", "3000", "--speed", "20"]
    log = open(tmp_path / "demo.log", "w")  # noqa: SIM115 - closed in finally
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        stages = []
        while time.monotonic() < deadline:
            assert proc.poll() is None, f"demo exited early:\n{(tmp_path / 'demo.log').read_text()}"
            try:
                prog = _get(f"{base}/api/progress")
            except OSError:
                time.sleep(0.5)
                continue
            stages.append(prog["stage"])
            assert not prog["stage"].startswith("failed"), prog
            if prog.get("ready"):
                break
            time.sleep(0.5)
        else:
            pytest.fail(f"demo not ready in 120 s; stages seen: {stages}")
        fleet = _get(f"{base}/api/maintenance/fleet")
        assert fleet["count"] >= 20
        first = fleet["data"][0]
        assert first["rank"] == 1 and 0 <= first["risk"] <= 1
        assert first["rul_lower"] <= first["rul"] <= first["rul_upper"]
        rul = _get(f"{base}/api/maintenance/assets/{first['asset']}/rul")
        assert rul["count"] > 1
        plan = _get(f"{base}/api/maintenance/plan")
        assert plan["currency"] == "KRW" and len(plan["actions"]) == fleet["count"]
        with urllib.request.urlopen(f"{base}/", timeout=10) as r:  # noqa: S310
            assert r.status == 200 and b"Bessemer" in r.read()
        # live: the simulator streams 20 h per second and predictions refresh every few seconds
        t0 = max(d["time"] for d in fleet["data"])
        for _ in range(40):
            time.sleep(0.5)
            now = max(d["time"] for d in _get(f"{base}/api/maintenance/fleet")["data"])
            if now > t0:
                break
        assert now > t0, "predictions did not move with the live stream"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
