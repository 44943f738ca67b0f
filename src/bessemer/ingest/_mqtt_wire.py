"""The MQTT 5 wire format, as much of it as a QoS 1 subscriber and a bench publisher need.

Why not a client library: paho's receive loop costs about 90 µs of CPU per message in Python
(packet objects, a callback, one PUBACK written per message). This module reads the socket in
large chunks, splits them into packets with plain slicing, and lets the caller send the PUBACKs
of a whole durable batch in one write. Only what MQTT 5 (OASIS Standard, 7 March 2019) requires
of such a client is here: CONNECT/CONNACK, SUBSCRIBE/SUBACK, PUBLISH and PUBACK at QoS 0 and 1,
PINGREQ/PINGRESP and DISCONNECT. Anything else from the server (QoS 2, AUTH) is a protocol error
that closes the connection, which the caller treats as a lost connection.

Every length is checked against the bytes present: a short or lying packet raises
:class:`MqttProtocolError`, never an ``IndexError`` (property-tested in ``tests/ingest/test_mqtt_wire.py``).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

CONNECT, CONNACK, PUBLISH, PUBACK, SUBSCRIBE, SUBACK = 1, 2, 3, 4, 8, 9
PINGREQ, PINGRESP, DISCONNECT = 12, 13, 14

PINGREQ_PACKET = b"\xc0\x00"
DISCONNECT_PACKET = b"\xe0\x00"  # reason 0: normal disconnection (the session stays, per its expiry)

#: the largest packet this client accepts (the broker is told, so it never sends a larger one)
MAX_PACKET = 4 * 2**20

#: CONNACK reason codes worth naming in a log line (MQTT 5, 3.2.2.2)
CONNACK_REASONS = {
    0x80: "unspecified error", 0x81: "malformed packet", 0x82: "protocol error", 0x84: "unsupported protocol version",
    0x85: "client identifier not valid", 0x86: "bad user name or password", 0x87: "not authorized",
    0x88: "server unavailable", 0x89: "server busy", 0x8A: "banned", 0x8C: "bad authentication method",
    0x95: "packet too large", 0x97: "quota exceeded", 0x9F: "connection rate exceeded",
}

_PUBACK = struct.Struct(">BBH")


class MqttProtocolError(Exception):
    """The server sent bytes that are not the MQTT 5 this client speaks."""


def varint(n: int) -> bytes:
    """The variable byte integer of MQTT (1-4 bytes, 7 bits each, least significant first).

    Examples
    --------
    >>> varint(0), varint(127), varint(128), varint(16_383), varint(268_435_455)
    (b'\\x00', b'\\x7f', b'\\x80\\x01', b'\\xff\\x7f', b'\\xff\\xff\\xff\\x7f')
    """
    if not 0 <= n <= 268_435_455:
        raise ValueError(f"{n} does not fit an MQTT variable byte integer")
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def read_varint(buf: bytes | bytearray | memoryview, pos: int, end: int) -> tuple[int, int] | None:
    """``(value, position after it)``, or ``None`` when the integer runs past ``end`` (more bytes needed).

    Raises :class:`MqttProtocolError` for a fifth continuation byte.
    """
    value = shift = 0
    for k in range(4):
        if pos + k >= end:
            return None
        b = buf[pos + k]
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, pos + k + 1
        shift += 7
    raise MqttProtocolError("variable byte integer longer than 4 bytes")


def _utf8(s: str) -> bytes:
    b = s.encode("utf-8")
    if len(b) > 65535:
        raise ValueError("MQTT strings are at most 65,535 bytes")
    return len(b).to_bytes(2, "big") + b


def _packet(first: int, body: bytes) -> bytes:
    return bytes((first,)) + varint(len(body)) + body


def encode_connect(client_id: str, *, keepalive: int = 30, clean_start: bool = False, session_expiry: int = 0,
                   receive_maximum: int = 65535, username: str | None = None, password: str | None = None) -> bytes:
    """A CONNECT packet (MQTT 5) asking for the given session expiry and receive maximum.

    Examples
    --------
    >>> p = encode_connect("c1", keepalive=30, session_expiry=60, receive_maximum=100)
    >>> p[:1], p[2:9], p[9] & 0x02
    (b'\\x10', b'\\x00\\x04MQTT\\x05', 0)
    """
    if not 1 <= receive_maximum <= 65535:
        raise ValueError("receive_maximum must be 1..65535")
    flags = (0x02 if clean_start else 0) | (0x80 if username is not None else 0) | (0x40 if password is not None else 0)
    props = (b"\x11" + int(session_expiry).to_bytes(4, "big") + b"\x21" + int(receive_maximum).to_bytes(2, "big")
             + b"\x27" + MAX_PACKET.to_bytes(4, "big"))
    body = b"\x00\x04MQTT\x05" + bytes((flags,)) + int(keepalive).to_bytes(2, "big") + varint(len(props)) + props
    body += _utf8(client_id)
    if username is not None:
        body += _utf8(username)
    if password is not None:
        pw = password.encode("utf-8")
        body += len(pw).to_bytes(2, "big") + pw
    return _packet(0x10, body)


def encode_subscribe(packet_id: int, filters: list[str], *, qos: int = 1, retain_handling: int = 1) -> bytes:
    """A SUBSCRIBE packet for ``filters`` at ``qos`` (retain handling 1: retained messages only on a new subscription).

    Examples
    --------
    >>> encode_subscribe(1, ["a/+"]).hex()
    '82090001000003612f2b11'
    """
    body = packet_id.to_bytes(2, "big") + b"\x00"
    for f in filters:
        body += _utf8(f) + bytes((qos | (retain_handling << 4),))
    return _packet(0x82, body)


def encode_publish(topic: str | bytes, payload: bytes, *, qos: int = 0, packet_id: int = 0, retain: bool = False
                   ) -> bytes:
    """A PUBLISH packet (no properties).

    Examples
    --------
    >>> encode_publish("t", b"x", qos=1, packet_id=5)
    b'2\\x07\\x00\\x01t\\x00\\x05\\x00x'
    """
    t = topic.encode("utf-8") if isinstance(topic, str) else topic
    head = len(t).to_bytes(2, "big") + t + (packet_id.to_bytes(2, "big") if qos else b"") + b"\x00"
    return _packet(0x30 | (qos << 1) | (1 if retain else 0), head + payload)


def encode_pubacks(packet_ids: list[int]) -> bytes:
    """The PUBACKs (reason 0, success) of ``packet_ids``, concatenated for one write.

    Examples
    --------
    >>> encode_pubacks([1, 258])
    b'@\\x02\\x00\\x01@\\x02\\x01\\x02'
    """
    pack = _PUBACK.pack
    return b"".join([pack(0x40, 2, p) for p in packet_ids])


@dataclass(frozen=True, slots=True)
class Publish:
    """One PUBLISH from the server: the topic as bytes (check it is UTF-8 before use), QoS, packet id, payload."""

    topic: bytes
    qos: int
    packet_id: int
    payload: bytes


def split_packets(buf: bytearray) -> tuple[list[tuple[int, int, int]], int]:
    """The whole packets at the head of ``buf``: ``([(first byte, body start, body end), ...], bytes used)``.

    A packet whose bytes have not all arrived is left for the next call.

    Examples
    --------
    >>> buf = bytearray(b"\\xd0\\x00" + encode_publish("t", b"xy", qos=1, packet_id=2) + b"\\x40")
    >>> split_packets(buf)
    ([(208, 2, 2), (50, 4, 12)], 12)
    """
    out = []
    pos, end = 0, len(buf)
    while pos + 2 <= end:
        got = read_varint(buf, pos + 1, end)
        if got is None:
            break
        n, start = got
        if n > MAX_PACKET:
            raise MqttProtocolError(f"packet of {n} bytes is over the {MAX_PACKET} this client accepts")
        if start + n > end:
            break
        out.append((buf[pos], start, start + n))
        pos = start + n
    return out, pos


def decode_publish(first: int, buf: bytes | bytearray, start: int, end: int) -> Publish:
    """The PUBLISH whose body is ``buf[start:end]`` (``first`` is its first byte)."""
    qos = (first >> 1) & 3
    if qos == 3:
        raise MqttProtocolError("PUBLISH with QoS 3")
    if end - start < 2:
        raise MqttProtocolError("PUBLISH shorter than its topic length")
    tl = (buf[start] << 8) | buf[start + 1]
    p = start + 2 + tl
    pid = 0
    if qos:
        if p + 2 > end:
            raise MqttProtocolError("PUBLISH shorter than its topic and packet id")
        pid = (buf[p] << 8) | buf[p + 1]
        p += 2
    got = read_varint(buf, p, end)
    if got is None:
        raise MqttProtocolError("PUBLISH ends inside its property length")
    plen, p = got
    if p + plen > end:
        raise MqttProtocolError("PUBLISH properties run past the packet")
    if plen and 0x23 in read_properties(buf, p, p + plen):
        raise MqttProtocolError("PUBLISH uses a topic alias, which this client did not allow")
    return Publish(bytes(buf[start + 2:start + 2 + tl]), qos, pid, bytes(buf[p + plen:end]))


#: value sizes of MQTT 5 properties (2.2.2.2): a number of bytes, "s" (2-byte length prefix), "v" (variable
#: byte integer) or "p" (a pair of length-prefixed strings)
_PROPS: dict[int, int | str] = {
    0x01: 1, 0x02: 4, 0x03: "s", 0x08: "s", 0x09: "s", 0x0B: "v", 0x11: 4, 0x12: "s", 0x13: 2, 0x15: "s",
    0x16: "s", 0x17: 1, 0x18: 4, 0x19: 1, 0x1A: "s", 0x1C: "s", 0x1F: "s", 0x21: 2, 0x22: 2, 0x23: 2, 0x24: 1,
    0x25: 1, 0x26: "p", 0x27: 4, 0x28: 1, 0x29: 1, 0x2A: 1,
}


def read_properties(buf: bytes | bytearray, p: int, end: int) -> dict[int, int]:
    """The integer-valued properties in ``buf[p:end]`` by id (strings and pairs are walked over, not kept).

    Raises :class:`MqttProtocolError` for an unknown id or a value running past ``end``.

    Examples
    --------
    >>> read_properties(b"\\x21\\x00\\x14\\x1f\\x00\\x02ok\\x13\\x00\\x3c", 0, 11)
    {33: 20, 19: 60}
    """
    out: dict[int, int] = {}
    while p < end:
        pid = buf[p]
        p += 1
        size = _PROPS.get(pid)
        if size is None:
            raise MqttProtocolError(f"unknown property id {pid:#x}")
        if isinstance(size, int):
            if p + size > end:
                raise MqttProtocolError(f"property {pid:#x} runs past the properties")
            out[pid] = int.from_bytes(buf[p:p + size], "big")
            p += size
        elif size == "v":
            got = read_varint(buf, p, end)
            if got is None:
                raise MqttProtocolError(f"property {pid:#x} runs past the properties")
            out[pid], p = got
        else:
            for _ in range(2 if size == "p" else 1):
                if p + 2 > end:
                    raise MqttProtocolError(f"property {pid:#x} runs past the properties")
                p += 2 + ((buf[p] << 8) | buf[p + 1])
            if p > end:
                raise MqttProtocolError(f"property {pid:#x} runs past the properties")
    return out


@dataclass(frozen=True, slots=True)
class Connack:
    """What the server said to CONNECT: session present, reason code, receive maximum and keepalive it sets."""

    session_present: bool
    reason: int
    receive_maximum: int = 65535
    server_keepalive: int | None = None


def decode_connack(buf: bytes | bytearray, start: int, end: int) -> Connack:
    """The CONNACK whose body is ``buf[start:end]``."""
    if end - start < 2:
        raise MqttProtocolError("CONNACK shorter than 2 bytes")
    present, reason = bool(buf[start] & 1), buf[start + 1]
    props: dict[int, int] = {}
    if end - start > 2:
        got = read_varint(buf, start + 2, end)
        if got is None or got[1] + got[0] > end:
            raise MqttProtocolError("CONNACK properties run past the packet")
        props = read_properties(buf, got[1], got[1] + got[0])
    return Connack(present, reason, props.get(0x21, 65535), props.get(0x13))


def decode_suback(buf: bytes | bytearray, start: int, end: int) -> tuple[int, list[int]]:
    """``(packet id, reason codes)`` of a SUBACK body (a code >= 0x80 is a refusal)."""
    if end - start < 3:
        raise MqttProtocolError("SUBACK shorter than 3 bytes")
    pid = (buf[start] << 8) | buf[start + 1]
    got = read_varint(buf, start + 2, end)
    if got is None or got[1] + got[0] > end:
        raise MqttProtocolError("SUBACK properties run past the packet")
    return pid, list(buf[got[1] + got[0]:end])


__all__ = ["Connack", "MqttProtocolError", "Publish", "decode_connack", "decode_publish", "decode_suback",
           "encode_connect", "encode_publish", "encode_pubacks", "encode_subscribe", "read_properties",
           "split_packets", "varint"]
