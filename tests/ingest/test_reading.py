"""Reading invariants and quality codes."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import bessemer.ingest as ingest
from bessemer.core import DataError
from bessemer.ingest import ParseError, Reading, quality_from_code

T = pd.Timestamp("2024-05-01T08:00:00Z")


def test_public_names_are_pinned():
    assert ingest.__all__ == sorted(ingest.__all__)
    assert {"Reading", "TagMap", "DiskBuffer", "ReadingSink", "MqttSource", "ParseError", "run_ingest"} <= set(
        ingest.__all__)
    for name in ingest.__all__:
        assert hasattr(ingest, name)


def test_reading_converts_to_utc_and_float():
    r = Reading("rhf-1", "zone1_temp", pd.Timestamp("2024-05-01T17:00:00+09:00"), 5, "degC", "uncertain", "x")
    assert r.time == T and str(r.time.tzinfo) == "UTC"
    assert isinstance(r.value, float) and r.value == 5.0
    assert r.key == ("rhf-1", "zone1_temp", T.value)


@pytest.mark.parametrize("kwargs, fragment", [
    ({"asset": ""}, "asset"),
    ({"asset": "a<b"}, "asset"),
    ({"signal": "x" * 121}, "signal"),
    ({"signal": "time"}, "reserved"),
    ({"time": pd.Timestamp("2024-05-01")}, "no time zone"),
    ({"time": "2024-05-01T00:00:00Z"}, "Timestamp"),
    ({"value": math.nan}, "not finite"),
    ({"value": math.inf}, "not finite"),
    ({"value": 2e15}, "1e15"),
    ({"value": "1.0"}, "number"),
    ({"value": True}, "number"),
    ({"quality": "fine"}, "quality"),
    ({"unit": "deg\x00C"}, "unit"),
])
def test_reading_refuses_broken_values(kwargs, fragment):
    base = {"asset": "a", "signal": "s", "time": T, "value": 1.0, "unit": "1"}
    with pytest.raises(DataError, match=fragment):
        Reading(**{**base, **kwargs})


@pytest.mark.parametrize("code, expected", [
    ("good", "good"), ("OK", "good"), (" Bad ", "bad"), ("uncertain", "uncertain"),
    (192, "good"), (216, "good"), (64, "uncertain"), (68, "uncertain"), (0, "bad"), (28, "bad"), (128, "bad"),
    (0x00000000 + 256, "good"), (0x40000000, "uncertain"), (0x80000000, "bad"), (0xC0000000, "bad"), (192.0, "good"),
])
def test_quality_codes(code, expected):
    assert quality_from_code(code) == expected


@pytest.mark.parametrize("code", ["fine", None, True, -1, 1.5, 2**33, [192]])
def test_quality_code_refused(code):
    with pytest.raises(ValueError):
        quality_from_code(code)


def test_parse_error_names_topic_and_field():
    e = ParseError("value 'x' is not a number", topic="plant/a/t", field="temp")
    assert isinstance(e, DataError) and isinstance(e, ValueError)
    assert str(e) == "topic 'plant/a/t', field 'temp': value 'x' is not a number"
    assert e.to_dict() == {"topic": "plant/a/t", "field": "temp", "reason": "value 'x' is not a number"}
