"""The MQTT 5 codec: round trips, any chunking of a stream, hostile bytes, and what it refuses."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bessemer.ingest._mqtt_wire import (
    PUBLISH,
    MqttProtocolError,
    decode_connack,
    decode_publish,
    decode_suback,
    encode_connect,
    encode_pubacks,
    encode_publish,
    encode_subscribe,
    read_properties,
    read_varint,
    split_packets,
    varint,
)

topics = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60)
messages = st.tuples(topics, st.binary(max_size=300), st.sampled_from([0, 1]), st.integers(1, 65535))


@given(st.integers(0, 268_435_455))
def test_varint_round_trip(n):
    b = varint(n)
    assert 1 <= len(b) <= 4 and read_varint(b, 0, len(b)) == (n, len(b))
    assert read_varint(b[:-1], 0, len(b) - 1) is None  # cut short: more bytes needed, not an error


def test_varint_refuses_out_of_range_and_five_bytes():
    with pytest.raises(ValueError):
        varint(268_435_456)
    with pytest.raises(MqttProtocolError):
        read_varint(b"\xff\xff\xff\xff\x01", 0, 5)


@settings(max_examples=60, deadline=None)
@given(st.lists(messages, min_size=1, max_size=20), st.lists(st.integers(1, 50), min_size=1, max_size=40))
def test_a_stream_cut_anywhere_gives_the_same_publishes(msgs, cuts):
    stream = b"".join(encode_publish(t, p, qos=q, packet_id=i) for t, p, q, i in msgs)
    buf, got, pos, k = bytearray(), [], 0, 0
    while pos < len(stream):  # feed it in the chunk sizes drawn, as recv() would
        step = cuts[k % len(cuts)]
        buf += stream[pos:pos + step]
        pos += step
        k += 1
        packets, used = split_packets(buf)
        for first, a, b in packets:
            assert first >> 4 == PUBLISH
            got.append(decode_publish(first, buf, a, b))
        del buf[:used]
    assert not buf
    assert [(m.topic.decode(), m.payload, m.qos, m.packet_id if m.qos else None) for m in got] == \
        [(t, p, q, i if q else None) for t, p, q, i in msgs]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_hostile_bytes_raise_only_protocol_errors(data):
    buf = bytearray(data)
    try:
        packets, used = split_packets(buf)
        assert 0 <= used <= len(buf)
        for first, a, b in packets:
            assert a <= b <= len(buf)
            decode_publish(first | 0x30, buf, a, b)
    except MqttProtocolError:
        pass
    for fn in (decode_connack, decode_suback):
        try:
            fn(buf, 0, len(buf))
        except MqttProtocolError:
            pass
    try:
        read_properties(buf, 0, len(buf))
    except MqttProtocolError:
        pass


def test_publish_with_properties_and_a_topic_alias():
    # message expiry (0x02, 4 bytes) and a user property pair: accepted, the payload after them
    props = b"\x02\x00\x00\x00\x3c" + b"\x26\x00\x01k\x00\x01v"
    body = b"\x00\x01t" + b"\x00\x07" + bytes([len(props)]) + props + b"data"
    pkt = bytes([0x32, len(body)]) + body
    (first, a, b), = split_packets(bytearray(pkt))[0]
    m = decode_publish(first, pkt, a, b)
    assert (m.topic, m.packet_id, m.payload) == (b"t", 7, b"data")
    alias = b"\x00\x01t" + b"\x00\x07" + b"\x03\x23\x00\x01" + b"data"  # topic alias: never allowed by this client
    with pytest.raises(MqttProtocolError, match="topic alias"):
        decode_publish(0x32, alias, 0, len(alias))


def test_oversized_packet_is_refused():
    with pytest.raises(MqttProtocolError, match="over"):
        split_packets(bytearray(b"\x30" + varint(64 * 2**20)))


def test_connack_reads_receive_maximum_and_server_keepalive():
    props = b"\x21\x00\x14" + b"\x13\x00\x05" + b"\x1f\x00\x02ok"
    body = b"\x01\x00" + bytes([len(props)]) + props
    ack = decode_connack(body, 0, len(body))
    assert (ack.session_present, ack.reason, ack.receive_maximum, ack.server_keepalive) == (True, 0, 20, 5)
    assert decode_connack(b"\x00\x86", 0, 2).reason == 0x86  # bad user name or password (an MQTT 3 style CONNACK)


def test_connect_subscribe_and_acks_are_well_formed():
    c = encode_connect("ingest", keepalive=30, session_expiry=3600, receive_maximum=500, username="u", password="p")
    (first, a, b), = split_packets(bytearray(c))[0]
    assert first == 0x10 and c[a:a + 7] == b"\x00\x04MQTT\x05" and c[a + 7] == 0xC0  # user and password flags
    assert c.endswith(b"\x00\x01u\x00\x01p")
    s = encode_subscribe(3, ["a/+/b", "c/#"])
    assert s[0] == 0x82 and split_packets(bytearray(s))[1] == len(s)
    assert b"\x00\x05a/+/b\x11" in s and s.endswith(b"\x00\x03c/#\x11")  # QoS 1, retained only if new
    assert encode_pubacks([1, 65535]) == b"\x40\x02\x00\x01\x40\x02\xff\xff"
    with pytest.raises(ValueError):
        encode_connect("x", receive_maximum=0)
