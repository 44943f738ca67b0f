"""`bessemer demo` end to end: a real server process, a real simulator, real training."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
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

        # process monitoring: the furnace streams too; a fault injected from the CLI raises an alarm
        for _ in range(120):
            try:
                units = _get(f"{base}/api/process/units")["data"]
                break
            except OSError:  # 503 while the monitor trains
                time.sleep(0.5)
        else:
            pytest.fail("the process service did not start")
        assert units[0]["unit"] == "rhf-1" and units[0]["n_variables"] >= 20
        out = subprocess.run([str(bessemer), "process", "inject", "burner_failure", "--url", base,
                              "--home", str(tmp_path / "demo")], capture_output=True, text=True, timeout=30)
        assert out.returncode == 0, out.stderr
        assert "injected burner_failure" in out.stdout
        for _ in range(120):
            time.sleep(0.5)
            alarms = _get(f"{base}/api/process/units/rhf-1/alarms")["data"]
            if any(a["kind"] == "process" for a in alarms):
                break
        else:
            pytest.fail("an injected burner failure raised no process alarm within 60 s")
        top = next(a for a in alarms if a["kind"] == "process")["top"]
        assert top and 0 < top[0]["contribution"] <= 1
        assert _get(f"{base}/api/process/units")["data"][0]["active_fault"] == "burner_failure"
        out = subprocess.run([str(bessemer), "process", "clear", "--url", base, "--home", str(tmp_path / "demo")],
                             capture_output=True, text=True, timeout=30)
        assert out.returncode == 0 and "cleared burner_failure" in out.stdout, out.stderr
        token = (tmp_path / "demo" / "demo-token").read_text().strip()
        assert (tmp_path / "demo" / "demo-token").stat().st_mode & 0o077 == 0, "the token file must be private"
        assert token not in (tmp_path / "demo.log").read_text(), "the demo must not print its token"

        # energy: prepared beside the live stream; 503 until its overview answers
        for _ in range(180):
            try:
                energy = _get(f"{base}/api/energy/overview")
                break
            except urllib.error.HTTPError as err:
                assert err.code == 503, err
                time.sleep(0.5)
        else:
            pytest.fail(f"the energy service did not start in 90 s; stage: {_get(f'{base}/api/progress')['stage']}")
        assert energy["tariff"]["label_ko"] == "산업용(을) 고압A 선택 II" and energy["tariff"]["contract_kw"] > 0
        assert energy["bill"]["total_won"] > 0 and energy["forecast"]["n"] > 0
        assert energy["schedule"]["saving_won"] >= 0 and energy["schedule"]["status"] in ("optimal", "time_limit")
        assert _get(f"{base}/api/energy/load?days=1")["count"] == 96
        with urllib.request.urlopen(f"{base}/energy", timeout=10) as r:  # noqa: S310
            assert r.status == 200 and b'data-page="energy"' in r.read()

        # quality: prepared after energy, in the same background thread
        for _ in range(120):
            try:
                quality = _get(f"{base}/api/quality/overview")
                break
            except urllib.error.HTTPError as err:
                assert err.code == 503, err
                time.sleep(0.5)
        else:
            pytest.fail(f"the quality service did not start in 60 s; stage: {_get(f'{base}/api/progress')['stage']}")
        assert quality["coils"]["n"] > 0 and quality["surface"]["n"] > 0
        coils = _get(f"{base}/api/quality/coils?limit=5")["data"]
        assert coils and 0 <= coils[0]["risk"] <= 1 and coils[0]["reasons"]

        # battery: prepared after quality, in the same background thread
        for _ in range(120):
            try:
                battery = _get(f"{base}/api/battery/cells")
                break
            except urllib.error.HTTPError as err:
                assert err.code == 503, err
                time.sleep(0.5)
        else:
            pytest.fail(f"the battery service did not start in 60 s; stage: {_get(f'{base}/api/progress')['stage']}")
        assert battery["count"] == len(battery["data"]) > 0
        cell = battery["data"][0]
        assert cell["soh_lower_pct"] <= cell["soh_pct"] <= cell["soh_upper_pct"]
        assert cell["grade"] in ("reuse", "repurpose", "recycle")
        assert any(c["passport_status"] == "complete" for c in battery["data"])
        assert _get(f"{base}/api/battery/cells/{cell['cell']}")["trajectory"]
        assert proc.poll() is None, "the demo must still be running"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
