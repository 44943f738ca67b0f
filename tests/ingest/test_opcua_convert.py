"""OPC UA values to readings, without a server: status codes, times, value types, hostile values."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

import pandas as pd
import pytest
from asyncua import ua
from hypothesis import given, settings
from hypothesis import strategies as st

from bessemer.ingest import OpcTag, Reading
from bessemer.ingest._opcua_convert import convert, quality_of, safe_endpoint

TAG = OpcTag(node="ns=2;s=Furnace1.Zone1", asset="rhf-1", signal="zone1_temp", unit="degC")
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def dv(value, *, status: int = 0, vtype=None, source=None, server=None) -> ua.DataValue:
    variant = ua.Variant(value, vtype) if vtype is not None else ua.Variant(value)
    return ua.DataValue(variant, StatusCode=ua.StatusCode(status), SourceTimestamp=source, ServerTimestamp=server)


@pytest.mark.parametrize(("name", "quality"), [
    ("Good", "good"), ("GoodLocalOverride", "good"), ("GoodClamped", "good"),
    ("Uncertain", "uncertain"), ("UncertainLastUsableValue", "uncertain"), ("UncertainSensorNotAccurate", "uncertain"),
    ("Bad", "bad"), ("BadSensorFailure", "bad"), ("BadCommunicationError", "bad"), ("BadOutOfService", "bad"),
])
def test_status_codes_map_to_quality_by_severity(name: str, quality: str) -> None:
    code = getattr(ua.StatusCodes, name)
    assert quality_of(ua.StatusCode(code)) == quality == quality_of(code)
    c = convert(TAG, dv(5.0, status=code, source=NOW), received=NOW)
    assert c.reading is not None and c.reading.quality == quality  # a Bad value that comes with a number is kept


def test_time_is_source_then_server_then_receive_time() -> None:
    src, srv = NOW - timedelta(seconds=5), NOW - timedelta(seconds=2)
    both = convert(TAG, dv(1.0, source=src, server=srv), received=NOW)
    server_only = convert(TAG, dv(1.0, server=srv), received=NOW)
    neither = convert(TAG, dv(1.0), received=NOW)
    assert [(c.reading.time, c.time_from) for c in (both, server_only, neither)] == [
        (pd.Timestamp(src), "source"), (pd.Timestamp(srv), "server"), (pd.Timestamp(NOW), "received")]
    # OPC UA's "no time" (1601-01-01) and epoch 0 mean missing; other zones become UTC
    old = convert(TAG, dv(1.0, source=datetime(1601, 1, 1, tzinfo=UTC), server=datetime(1970, 1, 1, tzinfo=UTC)),
                  received=NOW)
    assert old.time_from == "received"
    kst = convert(TAG, dv(1.0, source=datetime(2025, 6, 1, 21, 0, tzinfo=timezone(timedelta(hours=9)))),
                  received=NOW)
    assert str(kst.reading.time) == "2025-06-01 12:00:00+00:00"
    naive = convert(TAG, dv(1.0, source=datetime(2025, 6, 1, 12, 0)), received=NOW)  # read as UTC
    assert naive.reading.time == pd.Timestamp(NOW)


@pytest.mark.parametrize(("value", "vtype", "expected"), [
    (812.5, ua.VariantType.Double, 812.5), (812.5, ua.VariantType.Float, 812.5), (-3, ua.VariantType.Int16, -3.0),
    (70000, ua.VariantType.UInt32, 70000.0), (2**40, ua.VariantType.Int64, float(2**40)),
    (True, ua.VariantType.Boolean, 1.0), (False, ua.VariantType.Boolean, 0.0), (7, ua.VariantType.Byte, 7.0),
])
def test_numbers_and_booleans_become_floats(value, vtype, expected: float) -> None:
    c = convert(TAG, dv(value, vtype=vtype, source=NOW), received=NOW)
    assert c.problem is None and c.reading.value == expected and isinstance(c.reading.value, float)
    assert (c.reading.asset, c.reading.signal, c.reading.unit, c.reading.source) == (
        "rhf-1", "zone1_temp", "degC", "opcua:ns=2;s=Furnace1.Zone1")


@pytest.mark.parametrize(("value", "vtype", "problem"), [
    ("hot", ua.VariantType.String, "non-numeric value of type str ('hot')"),
    (b"\x00\x01", ua.VariantType.ByteString, "non-numeric value of type bytes"),
    ([1.0, 2.0], ua.VariantType.Double, "non-numeric value of type list"),
    (ua.LocalizedText("x"), ua.VariantType.LocalizedText, "non-numeric value of type LocalizedText"),
    (NOW, ua.VariantType.DateTime, "non-numeric value of type datetime"),
    (float("nan"), ua.VariantType.Double, "value nan, not a finite number"),
    (float("inf"), ua.VariantType.Double, "value inf, not a finite number"),
    (1e300, ua.VariantType.Double, "a value a reading cannot hold"),
])
def test_values_a_reading_cannot_hold_are_refused_with_the_reason(value, vtype, problem: str) -> None:
    c = convert(TAG, dv(value, vtype=vtype, source=NOW), received=NOW)
    assert c.reading is None and problem in c.problem


def test_a_status_without_a_value() -> None:
    good = convert(TAG, dv(None, source=NOW), received=NOW)
    assert good.reading is None and "Good status without a value" in good.problem
    bad = convert(TAG, dv(None, status=ua.StatusCodes.BadSensorFailure, source=NOW), received=NOW)
    # Reading needs a finite value, so a Bad status without one (what OPC UA servers send) makes no reading
    assert bad.reading is None and bad.problem.startswith("a BadSensorFailure status without a value")


def test_safe_endpoint_drops_credentials_only() -> None:
    assert safe_endpoint("opc.tcp://plc:4840") == "opc.tcp://plc:4840"
    assert safe_endpoint("opc.tcp://op%40x:p@ss@10.0.0.7:4840/a?b=1") == "opc.tcp://10.0.0.7:4840/a?b=1"


VT = ua.VariantType
_typed_values = st.one_of(
    st.tuples(st.just(VT.Null), st.none()),
    st.tuples(st.just(VT.Boolean), st.booleans()),
    st.tuples(st.just(VT.Int64), st.integers(min_value=-(2**63), max_value=2**63 - 1)),
    st.tuples(st.just(VT.UInt32), st.integers(min_value=0, max_value=2**32 - 1)),
    st.tuples(st.just(VT.Double), st.floats(allow_nan=True, allow_infinity=True)),
    st.tuples(st.just(VT.Float), st.floats(width=32, allow_nan=True, allow_infinity=True)),
    st.tuples(st.just(VT.String), st.text(max_size=50)),
    st.tuples(st.just(VT.ByteString), st.binary(max_size=50)),
    st.tuples(st.just(VT.Double), st.lists(st.floats(), min_size=1, max_size=5)),
    st.tuples(st.just(VT.DateTime), st.datetimes(min_value=datetime(1601, 1, 2), timezones=st.just(UTC))),
)
_times = st.one_of(st.none(), st.datetimes(min_value=datetime(1601, 1, 1), max_value=datetime(9999, 1, 1),
                                           timezones=st.sampled_from([UTC, timezone(timedelta(hours=9))])))


@settings(max_examples=300, deadline=None)
@given(typed=_typed_values, status=st.integers(min_value=0, max_value=2**32 - 1), source=_times, server=_times)
def test_convert_never_raises_and_what_it_makes_is_a_valid_reading(typed, status, source, server) -> None:
    vtype, value = typed
    datavalue = ua.DataValue(ua.Variant(value, vtype), StatusCode=ua.StatusCode(status), SourceTimestamp=source,
                             ServerTimestamp=server)
    c = convert(TAG, datavalue, received=NOW)
    assert (c.reading is None) != (c.problem is None)
    if c.reading is not None:
        r = c.reading
        assert isinstance(r, Reading) and math.isfinite(r.value) and str(r.time.tz) == "UTC"
        assert r.quality == quality_of(status) and c.time_from in ("source", "server", "received")
        assert pd.Timestamp("1971-01-01", tz="UTC") <= r.time or c.time_from == "received"
