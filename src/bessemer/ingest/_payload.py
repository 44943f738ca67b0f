"""JSON payloads of MQTT messages -> readings (used by :meth:`TagMap.parse_mqtt`).

A payload is one object ``{"ts": ..., "temp": 812.5, "q": "good"}`` or a list of such
objects. Every refusal is a :class:`ParseError` naming topic, field and reason; nothing
else escapes, whatever the bytes (property-tested).
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from .._compat import text_is_safe
from ._reading import ParseError, Reading, Row, quality_from_code

if TYPE_CHECKING:
    from ._tagmap import MqttRoute, TagMap

_MAX_ABS = 1e15
_NS_MIN = 0  # 1970-01-01
_NS_MAX = 7_258_118_400 * 10**9  # 2200-01-01
_CHECKED: set[tuple[str, str]] = set()  # (topic, asset) pairs already found printable
_UTC = UTC
_MAX_TOPIC = 395  # a reading's source, "mqtt:" + topic, is at most 400 characters
_EPOCH_S_LIMIT = 1e11  # "auto": numbers below this are seconds (year 5138), above are milliseconds


def parse_message(tm: TagMap, topic: str, payload: bytes, errors: list | None) -> list[Reading]:
    """See :meth:`TagMap.parse_mqtt`."""
    return [Reading(a, s, pd.Timestamp(t, tz=_UTC), v, u, q, src)
            for a, s, t, v, u, q, src in parse_rows(tm, topic, payload, errors)]


def parse_rows(tm: TagMap, topic: str, payload: bytes, errors: list | None) -> list[Row]:
    """:func:`parse_message` as plain rows ``(asset, signal, time_ns, value, unit, quality, source)``.

    The rows hold the same checks a :class:`Reading` makes (the tag map checked signals and units when
    it was loaded; asset, time, value and quality are checked here): the ingest's fast path.
    """
    if not isinstance(topic, str) or not topic:
        raise ParseError("the topic is empty", topic=str(topic)[:80])
    hit = tm.route(topic)
    if hit is None:
        raise ParseError("no [[mqtt]] table of the tag map matches this topic; add one or fix the publisher",
                         topic=topic)
    route, asset = hit
    if (topic, asset) not in _CHECKED:  # the asset comes from the topic: both are checked once
        if not text_is_safe(topic, max_len=_MAX_TOPIC):
            raise ParseError(f"the topic is over {_MAX_TOPIC} characters or has control characters or < >",
                             topic=topic[:80])
        if not asset or not text_is_safe(asset, max_len=120):
            raise ParseError(f"the asset {asset[:40]!r} taken from the topic is empty or not printable", topic=topic)
        if len(_CHECKED) > 50_000:
            _CHECKED.clear()
        _CHECKED.add((topic, asset))
    if not isinstance(payload, bytes | bytearray | memoryview):
        raise ParseError(f"payload must be bytes, got {type(payload).__name__}", topic=topic)
    if len(payload) > route.max_bytes:
        raise ParseError(f"payload of {len(payload)} bytes is over the limit of {route.max_bytes} "
                         "(max_bytes in the tag map); split it into smaller messages", topic=topic)
    try:
        doc = json.loads(payload if isinstance(payload, bytes) else bytes(payload))
    except RecursionError as err:
        raise ParseError("JSON nested too deeply; send a flat object or a list of flat objects",
                         topic=topic) from err
    except (UnicodeDecodeError, ValueError) as err:  # JSONDecodeError is a ValueError
        raise ParseError(f"payload is not UTF-8 JSON ({str(err)[:80]}); send one JSON object or a list of them",
                         topic=topic) from err
    if isinstance(doc, dict):
        objects: list[Any] = [doc]
    elif isinstance(doc, list):
        objects = doc
        if len(objects) > route.max_objects:
            raise ParseError(f"list of {len(objects)} objects is over the limit of {route.max_objects} "
                             "(max_objects in the tag map)", topic=topic)
    else:
        raise ParseError(f"payload is a JSON {type(doc).__name__}; expected an object or a list of objects",
                         topic=topic)
    source = "mqtt:" + topic
    if len(objects) == 1:
        return _one(route, topic, asset, source, objects[0], None, errors)
    out: list[Row] = []
    for k, obj in enumerate(objects):
        out.extend(_one(route, topic, asset, source, obj, k, errors))
    return out


def _one(route: MqttRoute, topic: str, asset: str, source: str, obj: Any, k: int | None,
         errors: list | None) -> list[Row]:
    at = "" if k is None else f"object {k}: "
    if not isinstance(obj, dict):
        raise ParseError(f"{at}expected a JSON object, got {type(obj).__name__}", topic=topic)
    if route.time not in obj:
        raise ParseError(f"{at}missing; every object needs its source time (epoch ms/s or ISO 8601)",
                         topic=topic, field=route.time)
    time = _time(route, obj[route.time], topic, at)
    quality = route.default_quality
    if route.quality is not None and route.quality in obj:
        try:
            quality = quality_from_code(obj[route.quality])
        except ValueError as err:
            raise ParseError(f"{at}{err}", topic=topic, field=route.quality) from err
    out = []
    seen = False
    for sig in route.signals:
        if sig.field not in obj:
            continue
        seen = True
        v = obj[sig.field]
        if type(v) is float and -_MAX_ABS <= v <= _MAX_ABS:  # the common case (NaN fails the comparison)
            out.append((asset, sig.signal, time, v, sig.unit, quality, source))
            continue
        why = _bad_value(v)
        if why is not None:
            e = ParseError(f"{at}{why}", topic=topic, field=sig.field)
            if errors is None:
                raise e
            errors.append(e)
            continue
        out.append((asset, sig.signal, time, float(v), sig.unit, quality, source))
    if not seen:
        fields = ", ".join(repr(s.field) for s in route.signals[:8])
        raise ParseError(f"{at}none of the mapped fields ({fields}) is present; check the publisher or the "
                         "[[mqtt.signals]] of this topic", topic=topic)
    return out


def _bad_value(v: Any) -> str | None:
    if isinstance(v, bool) or not isinstance(v, int | float):
        shown = json.dumps(v)[:40] if isinstance(v, str | int | float | bool | None) else type(v).__name__
        return f"value {shown} is not a number; send a JSON number"
    try:
        f = float(v)
    except OverflowError:
        return "value is too large to be a reading (beyond ±1e15)"
    if not math.isfinite(f):
        return f"value {f} is not finite; send a number or leave the field out for a gap"
    if abs(f) > _MAX_ABS:
        return f"value {f:.3g} is beyond ±1e15; check the scaling"
    return None


def _time(route: MqttRoute, v: Any, topic: str, at: str) -> int:
    field = route.time
    if isinstance(v, bool):
        raise ParseError(f"{at}time is a boolean; send epoch ms/s or ISO 8601", topic=topic, field=field)
    if isinstance(v, int | float):
        ns = _epoch_ns(route.epoch, v)
        if ns is None:
            raise ParseError(f"{at}time {str(v)[:30]} is not a finite epoch number", topic=topic, field=field)
    elif isinstance(v, str):
        ns = _iso_ns(v, route.naive_time, topic, field, at)
    else:
        raise ParseError(f"{at}time is a JSON {type(v).__name__}; send epoch ms/s or ISO 8601",
                         topic=topic, field=field)
    if not _NS_MIN <= ns < _NS_MAX:
        raise ParseError(f"{at}time {str(v)[:40]} is outside 1970..2200; check its unit (epoch = "
                         f"{route.epoch!r} in the tag map)", topic=topic, field=field)
    return ns


def _epoch_ns(epoch: str, v: int | float) -> int | None:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    try:
        unit = epoch if epoch != "auto" else ("s" if abs(v) < _EPOCH_S_LIMIT else "ms")
        if isinstance(v, int):
            return v * (10**9 if unit == "s" else 10**6)
        return round(v * (1e6 if unit == "s" else 1e3)) * 1000  # fractional epochs: microsecond resolution
    except (OverflowError, ValueError):
        return None


def _iso_ns(text: str, naive: str, topic: str, field: str, at: str) -> int:
    s = text.strip()
    if len(s) > 40:
        raise ParseError(f"{at}time text of {len(s)} characters is not an ISO 8601 time", topic=topic, field=field)
    try:
        dt = datetime.fromisoformat(s)
    except ValueError as err:
        raise ParseError(f"{at}time {s!r} is not ISO 8601 (e.g. 2024-05-01T08:00:00.123Z)",
                         topic=topic, field=field) from err
    if dt.tzinfo is None and naive != "utc":
        raise ParseError(f"{at}time {s!r} has no UTC offset; add 'Z' or '+09:00', or set naive_time = "
                         "\"utc\" in the tag map", topic=topic, field=field)
    try:
        ts = pd.Timestamp(dt)
        ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    except (ValueError, OverflowError) as err:
        raise ParseError(f"{at}time {s!r} is out of range", topic=topic, field=field) from err
    return int(ts.value)


__all__ = ["parse_message", "parse_rows"]
