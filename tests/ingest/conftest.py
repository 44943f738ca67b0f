"""Brokers for the ingest tests: the shared Mosquitto (BESSEMER_MQTT_URL) and private ones started per test.

A test that needs a broker skips with the reason when none is reachable, except under
BESSEMER_REQUIRE_SERVICES=1 (set by .ci/run), where it fails instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest


def _require(reason: str) -> None:
    if os.environ.get("BESSEMER_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (BESSEMER_REQUIRE_SERVICES=1, so this is a failure, not a skip)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _wait_until(cond, timeout: float, step: float = 0.02) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(step)
    return bool(cond())


def mosquitto_binary() -> str | None:
    return shutil.which("mosquitto") or next((p for p in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto")
                                              if Path(p).is_file()), None)


class PrivateBroker:
    """A Mosquitto on a free local port with a queue that never drops QoS 1 messages of offline sessions."""

    def __init__(self, folder: Path, port: int | None = None) -> None:
        self.binary = mosquitto_binary()
        self.port = port or free_port()
        self.url = f"mqtt://127.0.0.1:{self.port}"
        self.conf = folder / f"mosquitto-{self.port}.conf"
        self.conf.write_text(f"listener {self.port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n"
                             "persistence false\n", encoding="ascii")
        self.proc: subprocess.Popen | None = None

    def start(self) -> PrivateBroker:
        assert self.binary is not None
        self.proc = subprocess.Popen([self.binary, "-c", str(self.conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        if not _wait_until(lambda: port_open("127.0.0.1", self.port, 0.2), 10):
            self.stop()
            raise RuntimeError(f"mosquitto did not start on port {self.port}")
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None


@pytest.fixture
def private_broker_factory(tmp_path):
    """Make (not start) private brokers; all are stopped after the test."""
    if mosquitto_binary() is None:
        _require("the mosquitto binary is not installed (apt-get install mosquitto; .ci/run does it)")
    made: list[PrivateBroker] = []

    def make(port: int | None = None) -> PrivateBroker:
        b = PrivateBroker(tmp_path, port)
        made.append(b)
        return b

    yield make
    for b in made:
        b.stop()


@pytest.fixture
def private_broker(private_broker_factory) -> PrivateBroker:
    return private_broker_factory().start()


@pytest.fixture
def broker_url() -> str:
    """The shared broker (BESSEMER_MQTT_URL, default mqtt://127.0.0.1:1883)."""
    url = os.environ.get("BESSEMER_MQTT_URL", "mqtt://127.0.0.1:1883")
    parts = urlsplit(url)
    if not port_open(parts.hostname or "127.0.0.1", parts.port or 1883):
        _require(f"no MQTT broker listening at {url} (set BESSEMER_MQTT_URL or start mosquitto)")
    return url


@pytest.fixture
def run_id() -> str:
    """A unique token for topics and client ids, so parallel runs never collide."""
    return uuid.uuid4().hex[:10]


@pytest.fixture(name="wait_until")
def wait_until_fixture():
    """``wait_until(cond, timeout)``: poll ``cond`` until true or ``timeout`` seconds pass; return its last value."""
    return _wait_until
