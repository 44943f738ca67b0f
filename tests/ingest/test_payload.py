"""parse_mqtt on good, bad and hostile payloads (examples and Hypothesis properties)."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bessemer.ingest import ParseError, TagMap

TOPIC = "plant/rhf-1/telemetry"


def _map(**route):
    base = {"topic": "plant/+/telemetry", "asset": "{1}", "time": "ts", "quality": "q",
            "signals": [{"field": "temp", "signal": "zone1_temp", "unit": "degC"},
                        {"field": "p", "signal": "pressure", "unit": "kPa"}]}
    return TagMap.from_dict({"mqtt": [{**base, **route}]})


TM = _map()


def parse(payload, tm=TM, topic=TOPIC, **kw):
    if not isinstance(payload, bytes):
        payload = json.dumps(payload).encode()
    return tm.parse_mqtt(topic, payload, **kw)


def test_one_object_all_fields():
    rs = parse({"ts": 1714550400123, "temp": 812.5, "p": 101, "q": "uncertain", "other": "ignored"})
    assert [(r.asset, r.signal, r.value, r.unit, r.quality, r.source) for r in rs] == [
        ("rhf-1", "zone1_temp", 812.5, "degC", "uncertain", "mqtt:" + TOPIC),
        ("rhf-1", "pressure", 101.0, "kPa", "uncertain", "mqtt:" + TOPIC)]
    assert rs[0].time == pd.Timestamp("2024-05-01T08:00:00.123Z")


def test_list_of_objects_and_time_forms():
    rs = parse([{"ts": 1714550400, "temp": 1.0}, {"ts": "2024-05-01T17:00:01+09:00", "temp": 2.0, "q": 0},
                {"ts": "2024-05-01T08:00:02.5Z", "temp": 3.0, "q": 64}, {"ts": 1714550403000.5, "temp": 4.0}])
    assert [str(r.time) for r in rs] == ["2024-05-01 08:00:00+00:00", "2024-05-01 08:00:01+00:00",
                                         "2024-05-01 08:00:02.500000+00:00", "2024-05-01 08:00:03.000500+00:00"]
    assert [r.quality for r in rs] == ["good", "bad", "uncertain", "good"]


def test_epoch_unit_from_the_map():
    assert parse({"ts": 1714550400, "temp": 1}, tm=_map(epoch="s"))[0].time == pd.Timestamp("2024-05-01T08:00Z")
    with pytest.raises(ParseError, match="outside 1970..2200"):
        parse({"ts": 1714550400000, "temp": 1}, tm=_map(epoch="s"))
    assert parse({"ts": 1000, "temp": 1}, tm=_map(epoch="ms"))[0].time == pd.Timestamp(10**9, tz="UTC")


def test_naive_iso_refused_or_utc_by_the_map():
    with pytest.raises(ParseError, match="field 'ts'.*no UTC offset") as info:
        parse({"ts": "2024-05-01T08:00:00", "temp": 1})
    assert info.value.topic == TOPIC and info.value.field == "ts"
    rs = parse({"ts": "2024-05-01T08:00:00", "temp": 1}, tm=_map(naive_time="utc"))
    assert rs[0].time == pd.Timestamp("2024-05-01T08:00:00Z")


@pytest.mark.parametrize("payload, field, fragment", [
    (b"\xff\xfe", None, "not UTF-8 JSON"),
    (b"{", None, "not UTF-8 JSON"),
    (b"42", None, "JSON int"),
    (b"[1]", None, "expected a JSON object"),
    (b"[" * 100_000 + b"]" * 100_000, None, None),  # too deep or too big: refused either way
    ({"temp": 1}, "ts", "missing"),
    ({"ts": None, "temp": 1}, "ts", "JSON NoneType"),
    ({"ts": True, "temp": 1}, "ts", "boolean"),
    ({"ts": "yesterday", "temp": 1}, "ts", "not ISO 8601"),
    ({"ts": -5, "temp": 1}, "ts", "outside 1970..2200"),
    ({"ts": 1e300, "temp": 1}, "ts", "outside"),
    ({"ts": 1714550400000, "other": 1}, None, "none of the mapped fields"),
    ({"ts": 1714550400000, "temp": 1, "q": "meh"}, "q", "quality 'meh'"),
    ({"ts": 1714550400000, "temp": "812.5"}, "temp", "not a number"),
    ({"ts": 1714550400000, "temp": None}, "temp", "not a number"),
    ({"ts": 1714550400000, "temp": [1]}, "temp", "not a number"),
    ({"ts": 1714550400000, "temp": True}, "temp", "not a number"),
    ({"ts": 1714550400000, "temp": 1e16}, "temp", "beyond"),
    (b'{"ts": 1714550400000, "temp": NaN}', "temp", "not finite"),
    (b'{"ts": 1714550400000, "temp": Infinity}', "temp", "not finite"),
    (b'{"ts": 1714550400000, "temp": 1e999}', "temp", "not finite"),
    (b'{"ts": 1714550400000, "temp": 1' + b"0" * 5000 + b"}", None, "not UTF-8 JSON"),
    (b'{"ts": 1714550400000, "temp": 1' + b"0" * 400 + b"}", "temp", "too large"),
])
def test_bad_payloads_raise_parse_error(payload, field, fragment):
    with pytest.raises(ParseError) as info:
        parse(payload)
    assert info.value.topic == TOPIC
    if fragment is not None:
        assert fragment in str(info.value)
        assert info.value.field == field


def test_bad_field_is_refused_alone_with_an_errors_list():
    errors = []
    rs = parse({"ts": 1714550400000, "temp": "hot", "p": 101.5}, errors=errors)
    assert [(r.signal, r.value) for r in rs] == [("pressure", 101.5)]
    assert [(e.field, e.topic) for e in errors] == [("temp", TOPIC)]


def test_limits_on_size_and_count():
    with pytest.raises(ParseError, match="over the limit of 100 .*max_bytes"):
        parse({"ts": 1714550400000, "temp": 1, "pad": "x" * 200}, tm=_map(max_bytes=100))
    with pytest.raises(ParseError, match="list of 3 objects is over the limit of 2"):
        parse([{"ts": 1714550400000, "temp": 1}] * 3, tm=_map(max_objects=2))


def test_unknown_topic_and_bad_asset_from_topic():
    with pytest.raises(ParseError, match="no \\[\\[mqtt\\]\\] table"):
        parse({"ts": 1, "temp": 1}, topic="other/x")
    with pytest.raises(ParseError, match="control characters or < >"):
        parse({"ts": 1714550400000, "temp": 1}, topic="plant/a<b/telemetry")


# ---------------------------------------------------------------- properties
json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
json_values = st.recursive(json_scalars, lambda kids: st.lists(kids, max_size=4)
                           | st.dictionaries(st.text(max_size=6), kids, max_size=4), max_leaves=20)
keys = st.sampled_from(["ts", "temp", "p", "q", "x"]) | st.text(max_size=4)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_arbitrary_bytes_only_ever_raise_parse_error(payload):
    try:
        rs = TM.parse_mqtt(TOPIC, payload)
    except ParseError:
        return
    assert all(math.isfinite(r.value) for r in rs)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(keys, json_values, max_size=6) | st.lists(st.dictionaries(keys, json_values, max_size=5),
                                                                  max_size=3) | json_values)
def test_arbitrary_json_only_ever_raises_parse_error(doc):
    payload = json.dumps(doc).encode()  # NaN/Infinity literals included
    errors = []
    try:
        rs = TM.parse_mqtt(TOPIC, payload, errors=errors)
    except ParseError:
        return
    assert all(isinstance(e, ParseError) for e in errors)
    assert all(math.isfinite(r.value) and abs(r.value) <= 1e15 for r in rs)


finite = st.floats(min_value=-1e15, max_value=1e15, allow_nan=False) | st.integers(-10**15, 10**15)
ms = st.integers(0, 7_258_118_399_999)  # 1970 .. 2199, epoch ms
quality = st.sampled_from(["good", "uncertain", "bad", 192, 64, 0])
objects = st.fixed_dictionaries({"ts": ms, "q": quality}, optional={"temp": finite, "p": finite}).filter(
    lambda o: "temp" in o or "p" in o)


@settings(max_examples=200, deadline=None)
@given(st.lists(objects, min_size=1, max_size=5), st.booleans())
def test_valid_payloads_round_trip(objs, as_iso):
    tm = _map(epoch="ms")
    docs = [dict(o, ts=pd.Timestamp(o["ts"], unit="ms", tz="UTC").isoformat()) if as_iso else o for o in objs]
    rs = tm.parse_mqtt(TOPIC, json.dumps(docs).encode())
    want = [(pd.Timestamp(o["ts"], unit="ms", tz="UTC"), sig, float(o[f]), {"good": "good", 192: "good",
             "uncertain": "uncertain", 64: "uncertain"}.get(o["q"], "bad"))
            for o in objs for f, sig in (("temp", "zone1_temp"), ("p", "pressure")) if f in o]
    assert [(r.time, r.signal, r.value, r.quality) for r in rs] == want
    assert all(r.asset == "rhf-1" for r in rs)
