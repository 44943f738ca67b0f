"""MQTT connector (MQTT 5 over :mod:`._mqtt_wire`): persistent session, QoS 1, acks only after durable.

The broker keeps this client's session (clean start off, a session expiry), so messages
published while the ingest is down wait in the broker's queue. A message is acknowledged
(PUBACK) only after its readings were handed to ``on_readings`` and that call returned,
which for the ingest process means they are fsynced in the :class:`DiskBuffer`. A message
that was delivered but not acknowledged before a crash is delivered again by the broker;
the store's upsert makes that harmless.

A message that cannot be parsed is logged (topic and reason only, never the payload or a
credential), appended to a dead-letter file with its payload, counted, and then
acknowledged: one bad message never blocks the stream.

Broker settings matter: Mosquitto drops QoS 1 messages for an offline client beyond
``max_queued_messages`` (default 1000). For a plant, set it to 0 (no limit) or large enough
for the longest outage you must survive, and turn on ``persistence``.

Two threads: the connection thread reads the socket in large chunks and parses every message as
it arrives; the flush thread makes a few milliseconds' worth of messages durable in one call and
queues their PUBACKs, which the connection thread sends in one write. A client library (paho) was
used before; its per-message cost in Python held the ingest near 3,600 messages/s.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import random
import select
import socket
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..core import ConfigError
from ._mqtt_wire import (
    CONNACK,
    CONNACK_REASONS,
    DISCONNECT,
    DISCONNECT_PACKET,
    PINGREQ_PACKET,
    PINGRESP,
    PUBLISH,
    SUBACK,
    MqttProtocolError,
    Publish,
    decode_connack,
    decode_publish,
    decode_suback,
    encode_connect,
    encode_pubacks,
    encode_subscribe,
    split_packets,
)
from ._payload import parse_rows
from ._reading import ParseError, Reading, ReadingColumns, Row
from ._tagmap import BrokerSpec, TagMap

log = logging.getLogger("bessemer.ingest")


class Backoff:
    """Exponential back-off with "equal jitter": the n-th delay is uniform in ``[d/2, d]``, ``d = min(cap, base·2ⁿ)``.

    Delays never shrink before they reach the cap (the lower bound of the next delay is the
    upper bound of the previous one), and many clients restarting together spread out.

    Examples
    --------
    >>> b = Backoff(base=0.5, cap=4.0, seed=1)
    >>> d = [b.next() for _ in range(6)]
    >>> all(x <= y for x, y in zip(d[:4], d[1:4])), 2.0 <= d[-1] <= 4.0
    (True, True)
    >>> b.reset(); 0.25 <= b.next() <= 0.5
    True
    """

    def __init__(self, *, base: float = 0.5, cap: float = 30.0, seed: int | None = None) -> None:
        if not 0 < base <= cap:
            raise ConfigError(f"back-off needs 0 < base <= cap, got base={base}, cap={cap}")
        self.base = base
        self.cap = cap
        self._n = 0
        self._rng = random.Random(seed)  # noqa: S311 - jitter, not security

    def next(self) -> float:
        """The next delay in seconds."""
        d = min(self.cap, self.base * 2.0 ** min(self._n, 60))
        self._n += 1
        return self._rng.uniform(d / 2.0, d)

    def reset(self) -> None:
        """Start again from ``base`` (after a successful connection)."""
        self._n = 0


@dataclass
class _Pending:
    gen: int
    mid: int
    qos: int
    readings: list[Row]
    dead: list[dict[str, Any]] = field(default_factory=list)


def parse_broker_url(url: str) -> tuple[str, int, bool]:
    """``mqtt://host:port`` or ``mqtts://host:port`` -> ``(host, port, tls)``.

    Examples
    --------
    >>> parse_broker_url("mqtt://127.0.0.1:1883"), parse_broker_url("mqtts://broker")
    (('127.0.0.1', 1883, False), ('broker', 8883, True))
    """
    parts = urlsplit(url)
    if parts.scheme not in {"mqtt", "mqtts"} or not parts.hostname or parts.path not in {"", "/"}:
        raise ConfigError(f"broker URL {url[:80]!r} must look like mqtt://host:1883 or mqtts://host:8883")
    if parts.username or parts.password:
        raise ConfigError("put no user or password in the broker URL; use username and password_env in [broker]")
    tls = parts.scheme == "mqtts"
    try:
        port = parts.port or (8883 if tls else 1883)
    except ValueError as err:
        raise ConfigError(f"broker URL {url[:80]!r} has a bad port") from err
    return parts.hostname, port, tls


class MqttSource:
    """Subscribe to the tag map's ``[[mqtt]]`` topics and hand readings to ``on_readings``.

    Parameters
    ----------
    tagmap : TagMap
    on_readings : callable
        ``on_readings(list[Reading])``; must make them durable before returning. If it
        raises, nothing is acknowledged and the call is retried with back-off.
    rows : bool
        Hand ``on_readings`` plain :data:`~bessemer.ingest.Row` tuples instead of :class:`Reading`
        objects (no per-reading object: the ingest passes :meth:`DiskBuffer.put_rows`).
    broker : BrokerSpec, optional
        Defaults to the tag map's ``[broker]`` (or ``mqtt://127.0.0.1:1883``).
    password : str, optional
        Broker password (read by the caller from the variable the map names).
    dead_letter : path, optional
        JSON-lines file for messages that could not be parsed.
    dead_letter_max_bytes : int
        When the dead-letter file passes this size it is moved to ``<name>.1`` (replacing the one
        there) and a new one is started, so a flood of bad messages cannot fill the disk.
    backoff : (base, cap)
        Reconnect delays in seconds.
    flush_interval : float
        Longest wait, in seconds, to gather messages into one durable write.

    Examples
    --------
    >>> tm = TagMap.from_dict({"mqtt": [{"topic": "plant/+/t", "asset": "{1}",
    ...     "signals": [{"field": "temp", "signal": "temp", "unit": "degC"}]}]})
    >>> src = MqttSource(tm, print, broker=BrokerSpec(url="mqtt://127.0.0.1:1"))
    >>> src.stats["received"], src.connected
    (0, False)
    """

    def __init__(self, tagmap: TagMap, on_readings: Callable[[list[Reading]], None], *,
                 broker: BrokerSpec | None = None, password: str | None = None,
                 dead_letter: str | Path | None = None, dead_letter_max_bytes: int = 100 * 2**20,
                 backoff: tuple[float, float] = (0.5, 30.0), flush_interval: float = 0.005,
                 seed: int | None = None, rows: bool = False) -> None:
        self.tagmap = tagmap
        self.on_readings = on_readings
        self.rows = rows
        self.broker = broker or tagmap.broker or BrokerSpec()
        self.host, self.port, self.tls = parse_broker_url(self.broker.url)
        self._password = password
        self.dead_letter = Path(dead_letter) if dead_letter is not None else None
        self.dead_letter_max_bytes = int(dead_letter_max_bytes)
        self.backoff = Backoff(base=backoff[0], cap=backoff[1], seed=seed)
        self.flush_interval = flush_interval
        self.stats = {"received": 0, "readings": 0, "rejected": 0, "rejected_fields": 0, "acked": 0,
                      "connects": 0, "connect_failures": 0}
        self.delays: deque[float] = deque(maxlen=100)
        self.connected = False
        self._n_logged = 0
        self._gen = 0
        self._pending: list[_Pending] = []
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._stopping = False
        self._acks: list[tuple[int, int]] = []  # (connection generation, packet id) waiting to be sent
        self._wake_r, self._wake_w = os.pipe()  # the flush thread wakes the connection thread to send acks
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._threads: list[threading.Thread] = []

    # ------------------------------------------------------------ lifecycle
    def start(self) -> MqttSource:
        """Connect (in the background, retrying with back-off) and start receiving."""
        if self._threads:
            return self
        for target, name in ((self._supervise, "mqtt-connect"), (self._flusher, "mqtt-flush")):
            t = threading.Thread(target=target, name=name, daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop receiving, make the last messages durable, acknowledge them and disconnect."""
        self._stopping = True
        with self._cond:
            self._cond.notify_all()
        flusher = self._threads[1] if len(self._threads) > 1 else None
        if flusher is not None:
            flusher.join(timeout)
        self._stop.set()
        try:
            os.write(self._wake_w, b"\0")
        except OSError:
            pass
        if self._threads:
            self._threads[0].join(timeout)
        self._threads = []

    def __del__(self) -> None:
        for fd in (getattr(self, "_wake_r", None), getattr(self, "_wake_w", None)):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass

    def wait_connected(self, timeout: float) -> bool:
        """Wait until subscribed (True) or ``timeout`` seconds pass (False)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.connected:
                return True
            time.sleep(0.01)
        return self.connected

    # ------------------------------------------------------------ connection
    def _supervise(self) -> None:
        first = True
        while not self._stop.is_set():
            if not first:
                delay = self.backoff.next()
                self.delays.append(delay)
                if self._stop.wait(delay):
                    break
            first = False
            try:
                sock = self._open()
            except (OSError, ssl.SSLError) as err:
                self.stats["connect_failures"] += 1
                log.warning("MQTT broker %s:%d unreachable (%s); retrying", self.host, self.port,
                            type(err).__name__)
                continue
            try:
                why = self._session(sock)
            except (OSError, ssl.SSLError) as err:
                why = type(err).__name__
            except MqttProtocolError as err:
                why = f"protocol error: {err}"
            finally:
                self.connected = False
                with self._cond:
                    self._gen += 1  # acks of this connection's messages are stale from now on: never sent
                try:
                    sock.close()
                except OSError:
                    pass
            if why and not self._stop.is_set():
                log.warning("MQTT connection to %s:%d lost (%s); reconnecting", self.host, self.port, why)
        self.connected = False

    def _open(self) -> socket.socket:
        sock = socket.create_connection((self.host, self.port), timeout=10.0)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.tls:
            ctx = ssl.create_default_context(cafile=self.broker.ca_file)
            sock = ctx.wrap_socket(sock, server_hostname=self.host)
        sock.settimeout(None)
        return sock

    def _session(self, sock: socket.socket) -> str | None:
        """Connect, subscribe and receive until the connection ends; the reason it ended (None: stopped)."""
        b = self.broker
        sock.sendall(encode_connect(b.client_id, keepalive=b.keepalive, clean_start=False,
                                    session_expiry=b.session_expiry, receive_maximum=b.receive_maximum,
                                    username=b.username, password=self._password if b.username is not None else None))
        keepalive = float(b.keepalive)
        buf = bytearray()
        now = time.monotonic()
        last_in = last_out = now
        connack_by = now + 10.0
        gen = None  # set by CONNACK
        tls = isinstance(sock, ssl.SSLSocket)
        while True:
            if self._stop.is_set():
                if gen is not None:
                    self._send_acks(sock, gen)
                    sock.sendall(DISCONNECT_PACKET)
                return None
            now = time.monotonic()
            if gen is not None and self._send_acks(sock, gen):
                last_out = now
            # the broker drops a client it has heard nothing from for 1.5 keepalives, even while it sends to
            # it (QoS 0 messages get no acknowledgement): ping on time whether or not data is flowing
            if keepalive > 0 and now - last_out >= keepalive / 2:
                sock.sendall(PINGREQ_PACKET)
                last_out = now
            if not (tls and sock.pending()):
                ready, _, _ = select.select([sock, self._wake_r], [], [], 0.25)
                if self._wake_r in ready:
                    try:
                        os.read(self._wake_r, 4096)
                    except BlockingIOError:
                        pass
                if sock not in ready:
                    now = time.monotonic()
                    if gen is None and now > connack_by:
                        return "no CONNACK within 10 s"
                    if keepalive > 0 and now - last_in > 1.5 * keepalive:
                        return f"nothing from the broker for {1.5 * keepalive:g} s"
                    continue
            data = sock.recv(1 << 20)
            if not data:
                return "closed by the broker"
            last_in = time.monotonic()
            buf += data
            packets, used = split_packets(buf)
            got: list[_Pending] = []
            for first, start, end in packets:
                kind = first >> 4
                if kind == PUBLISH:
                    if gen is None:
                        raise MqttProtocolError("PUBLISH before CONNACK")
                    self._on_publish(decode_publish(first, buf, start, end), gen, got)
                elif kind == CONNACK:
                    ack = decode_connack(buf, start, end)
                    if ack.reason >= 0x80:
                        self.stats["connect_failures"] += 1
                        why = CONNACK_REASONS.get(ack.reason, f"reason {ack.reason:#x}")
                        log.warning("MQTT broker %s:%d refused the connection: %s", self.host, self.port, why)
                        return f"refused: {why}"
                    if ack.server_keepalive is not None:
                        keepalive = float(ack.server_keepalive)
                    with self._cond:
                        gen = self._gen
                    self.stats["connects"] += 1
                    self.backoff.reset()
                    sock.sendall(encode_subscribe(1, self.tagmap.mqtt_filters(), qos=1, retain_handling=1))
                    last_out = time.monotonic()
                    log.info("MQTT connected to %s:%d (session present: %s)", self.host, self.port,
                             ack.session_present)
                elif kind == SUBACK:
                    _, reasons = decode_suback(buf, start, end)
                    bad = [f"{r:#x}" for r in reasons if r >= 0x80]
                    if bad:
                        log.error("MQTT broker refused subscriptions %s: %s", self.tagmap.mqtt_filters(), bad)
                    else:
                        log.info("MQTT subscribed to %s", ", ".join(self.tagmap.mqtt_filters()))
                    self.connected = True
                elif kind == DISCONNECT:
                    code = buf[start] if end > start else 0
                    return f"the broker disconnected, reason {code:#x}"
                elif kind != PINGRESP:
                    raise MqttProtocolError(f"unexpected packet type {kind}")
            del buf[:used]
            if got:
                with self._cond:
                    self._pending.extend(got)
                    self._cond.notify_all()

    def _on_publish(self, msg: Publish, gen: int, out: list[_Pending]) -> None:
        if self._stopping:
            return  # not acknowledged: the broker delivers it again after the restart
        self.stats["received"] += 1
        dead: list[dict[str, Any]] = []
        rows: list[Row] = []
        try:
            topic: str | None = msg.topic.decode("utf-8")
        except UnicodeDecodeError:
            topic = None
        if topic is None:
            dead.append(_dead(None, "topic is not UTF-8", msg.payload))
            self.stats["rejected"] += 1
        else:
            errors: list[ParseError] = []
            try:
                rows = parse_rows(self.tagmap, topic, msg.payload, errors)
            except ParseError as err:
                dead.append(_dead(topic, err.reason, msg.payload, field=err.field))
            except Exception as err:  # noqa: BLE001 - a parser bug must not stop the stream
                dead.append(_dead(topic, f"internal error {type(err).__name__}", msg.payload))
            if dead:
                self.stats["rejected"] += 1
            for e in errors:
                dead.append(_dead(topic, e.reason, msg.payload, field=e.field))
                self.stats["rejected_fields"] += 1
        out.append(_Pending(gen, msg.packet_id, msg.qos, rows, dead))

    def _send_acks(self, sock: socket.socket, gen: int) -> bool:
        with self._cond:
            if not self._acks:
                return False
            acks, self._acks = self._acks, []
        ids = [mid for g, mid in acks if g == gen]
        if ids:
            sock.sendall(encode_pubacks(ids))
            self.stats["acked"] += len(ids)
        return bool(ids)

    # ------------------------------------------------------------ durable, then ack
    def _flusher(self) -> None:
        retry = Backoff(base=0.05, cap=5.0)
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._pending or self._stopping, timeout=0.5)
                if not self._pending:
                    if self._stopping:
                        return
                    continue
            if not self._stopping:
                time.sleep(self.flush_interval)  # gather a few more messages into this write
            with self._cond:
                batch, self._pending = self._pending, []
            try:
                self._save(batch)
            except Exception as err:  # noqa: BLE001 - buffer outage: keep, do not ack, retry
                log.error("could not make %d messages durable (%s); not acknowledged, retrying",
                          len(batch), err)
                with self._cond:
                    self._pending = batch + self._pending
                if self._stop.wait(retry.next()) or (self._stopping and retry._n > 8):
                    return
                continue
            retry.reset()
            self._ack(batch)

    def _save(self, batch: list[_Pending]) -> None:
        readings = [r for p in batch for r in p.readings] if len(batch) > 1 else list(batch[0].readings)
        dead = [d for p in batch for d in p.dead]
        if dead:
            self._write_dead(dead)
            for p in batch:  # written once, even when the readings below must wait (a full buffer)
                p.dead = []
        if readings:
            self.on_readings(readings if self.rows else ReadingColumns.from_rows(readings).to_readings())
        for p in batch:
            p.readings = []
        self.stats["readings"] += len(readings)

    def _ack(self, batch: list[_Pending]) -> None:
        """Queue the PUBACKs of ``batch`` for the connection thread (one write for all of them)."""
        with self._cond:
            self._acks.extend((p.gen, p.mid) for p in batch if p.qos > 0)
        try:
            os.write(self._wake_w, b"\0")
        except (BlockingIOError, OSError):
            pass  # the pipe is full: the connection thread is about to wake anyway

    def _write_dead(self, dead: list[dict[str, Any]]) -> None:
        for d in dead:
            self._n_logged += 1
            if self._n_logged <= 20 or self._n_logged % 1000 == 0:
                log.warning("rejected MQTT message on %r: %s%s (%d rejected so far; see the dead-letter file)",
                            d["topic"], d["reason"], f" (field {d['field']!r})" if d.get("field") else "",
                            self._n_logged)
        if self.dead_letter is None:
            return
        self.dead_letter.parent.mkdir(parents=True, exist_ok=True)
        try:
            if self.dead_letter.stat().st_size > self.dead_letter_max_bytes:  # keep one older file, not more
                old = self.dead_letter.with_name(self.dead_letter.name + ".1")
                os.replace(self.dead_letter, old)
                log.warning("dead-letter file passed %d bytes: moved to %s (the one before it is gone)",
                            self.dead_letter_max_bytes, old)
        except FileNotFoundError:
            pass
        with open(self.dead_letter, "a", encoding="utf-8") as fh:
            for d in dead:
                fh.write(json.dumps(d) + "\n")
            fh.flush()
            os.fsync(fh.fileno())


def _dead(topic: str | None, reason: str, payload: bytes, *, field: str | None = None) -> dict[str, Any]:
    body = bytes(payload[:65536])
    return {"received": time.time(), "topic": topic, "field": field, "reason": reason, "size": len(payload),
            "payload_b64": base64.b64encode(body).decode("ascii")}


__all__ = ["Backoff", "MqttSource", "parse_broker_url"]
