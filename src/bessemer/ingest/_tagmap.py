"""The declarative tag map: which topics and nodes feed which asset signals, in one TOML file.

Example map::

    [broker]                                # optional; the CLI's --broker overrides url
    url = "mqtt://127.0.0.1:1883"
    client_id = "bessemer-ingest"           # stable: the broker keeps this session's queue
    username = "ingest"
    password_env = "BESSEMER_MQTT_PASSWORD" # the password is read from this variable, never the file

    [[mqtt]]
    topic = "plant/+/telemetry"             # MQTT filter (+ and # allowed)
    asset = "{1}"                           # topic level 1 (0-based), or a fixed name, or "rhf-{1}"
    format = "json"                         # "json" (or "sparkplug" when supported)
    time = "ts"                             # payload field: epoch ms/s (epoch = "ms"|"s"|"auto") or ISO 8601
    naive_time = "refuse"                   # or "utc": ISO times without an offset are taken as UTC
    quality = "q"                           # optional payload field with good/uncertain/bad or 192/64/0
      [[mqtt.signals]]
      field = "temp"
      signal = "zone1_temp"
      unit = "degC"

    [[opcua]]
    endpoint = "opc.tcp://host:4840"
      [[opcua.tags]]
      node = "ns=2;s=Furnace1.Zone1"
      asset = "rhf-1"
      signal = "zone1_temp"
      unit = "degC"

Unknown keys are refused; every error names the file, the table (``[[mqtt]] #2``) and the key.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._compat import text_is_safe
from ..core import DataError, UnitError, normalize_unit
from ._reading import QUALITIES, Reading

_LEVEL_REF = re.compile(r"\{(\d+)\}")
_RESERVED = {"asset", "time"}
_BROKER_KEYS = {"url", "client_id", "username", "password_env", "keepalive", "session_expiry",
                "receive_maximum", "ca_file"}
_MQTT_KEYS = {"topic", "asset", "format", "time", "epoch", "naive_time", "quality", "default_quality",
              "max_bytes", "max_objects", "signals"}
_SIGNAL_KEYS = {"field", "signal", "unit"}
_OPC_KEYS = {"endpoint", "publishing_interval_ms", "tags"}
_TAG_KEYS = {"node", "asset", "signal", "unit"}


@dataclass(frozen=True, slots=True)
class MqttSignal:
    """One payload field that becomes one signal."""

    field: str
    signal: str
    unit: str


@dataclass(frozen=True)
class MqttRoute:
    """One ``[[mqtt]]`` table: a topic filter, how to find asset and time, and its signals."""

    topic: str
    asset: str
    signals: tuple[MqttSignal, ...]
    format: str = "json"
    time: str = "ts"
    epoch: str = "auto"
    naive_time: str = "refuse"
    quality: str | None = None
    default_quality: str = "good"
    max_bytes: int = 262_144
    max_objects: int = 10_000
    index: int = 0

    def match(self, topic: str) -> str | None:
        """The asset for ``topic`` when it matches this route's filter, else ``None``."""
        levels = topic.split("/")
        filt = self.topic.split("/")
        for i, f in enumerate(filt):
            if f == "#":
                break
            if i >= len(levels) or (f != "+" and f != levels[i]):
                return None
        else:
            if len(levels) != len(filt):
                return None
        asset = _LEVEL_REF.sub(lambda m: levels[int(m.group(1))] if int(m.group(1)) < len(levels) else "",
                               self.asset)
        return asset


@dataclass(frozen=True, slots=True)
class BrokerSpec:
    """The ``[broker]`` table: where and as whom the MQTT connector connects."""

    url: str = "mqtt://127.0.0.1:1883"
    client_id: str = "bessemer-ingest"
    username: str | None = None
    password_env: str | None = None
    keepalive: int = 30
    session_expiry: int = 7 * 24 * 3600
    receive_maximum: int = 1000
    ca_file: str | None = None


@dataclass(frozen=True, slots=True)
class OpcTag:
    """One OPC UA node that becomes one signal of one asset."""

    node: str
    asset: str
    signal: str
    unit: str


@dataclass(frozen=True, slots=True)
class OpcUaSourceSpec:
    """One ``[[opcua]]`` table: a server endpoint and the tags read from it."""

    endpoint: str
    tags: list[OpcTag] = field(default_factory=list)
    publishing_interval_ms: int | None = None


class TagMap:
    """The parsed tag map. Build it with :meth:`load` (a file) or :meth:`from_dict`.

    Examples
    --------
    >>> tm = TagMap.from_dict({"mqtt": [{"topic": "plant/+/telemetry", "asset": "{1}", "time": "ts",
    ...     "quality": "q", "signals": [{"field": "temp", "signal": "zone1_temp", "unit": "°C"}]}]})
    >>> [(r.asset, r.signal, r.value, r.unit, r.quality, str(r.time)) for r in tm.parse_mqtt(
    ...     "plant/rhf-1/telemetry", b'{"ts": 1714550400000, "temp": 812.5, "q": 192}')]
    [('rhf-1', 'zone1_temp', 812.5, 'degC', 'good', '2024-05-01 08:00:00+00:00')]
    >>> tm.mqtt_filters()
    ['plant/+/telemetry']
    """

    def __init__(self, *, mqtt: list[MqttRoute], opcua: list[OpcUaSourceSpec], broker: BrokerSpec | None,
                 source: str = "<dict>") -> None:
        self.mqtt = mqtt
        self.opcua = opcua
        self.broker = broker
        self.source = source
        self._route_cache: dict[str, tuple[MqttRoute, str] | None] = {}

    # ------------------------------------------------------------ loading
    @classmethod
    def load(cls, path: str | Path) -> TagMap:
        """Read a TOML tag map; :class:`~bessemer.core.DataError` names file, table and key of any fault."""
        p = Path(path)
        try:
            raw = p.read_bytes()
        except OSError as err:
            raise DataError(f"cannot read the tag map: {err.strerror}; check the path", file=str(p)) from err
        try:
            doc = tomllib.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
            raise DataError(f"not a valid UTF-8 TOML file: {err}", file=str(p)) from err
        return cls.from_dict(doc, source=str(p))

    @classmethod
    def from_dict(cls, doc: dict[str, Any], *, source: str = "<dict>") -> TagMap:
        """Build a tag map from the parsed TOML mapping (same checks as :meth:`load`)."""
        if not isinstance(doc, dict):
            raise DataError("a tag map is a table of [broker], [[mqtt]] and [[opcua]]", file=source)
        unknown = set(doc) - {"broker", "mqtt", "opcua"}
        if unknown:
            raise DataError(f"unknown top-level key(s) {sorted(unknown)}; expected broker, mqtt, opcua",
                            file=source)
        broker = _broker(doc["broker"], source) if "broker" in doc else None
        routes = [_route(t, i, source) for i, t in enumerate(_tables(doc, "mqtt", source), start=1)]
        opc = [_opc(t, i, source) for i, t in enumerate(_tables(doc, "opcua", source), start=1)]
        if not routes and not opc:
            raise DataError("the tag map has no [[mqtt]] or [[opcua]] table; add at least one", file=source)
        return cls(mqtt=routes, opcua=opc, broker=broker, source=source)

    # ------------------------------------------------------------ queries
    def opcua_sources(self) -> list[OpcUaSourceSpec]:
        """The ``[[opcua]]`` tables, one spec per endpoint."""
        return list(self.opcua)

    def mqtt_filters(self) -> list[str]:
        """The distinct topic filters to subscribe to, in map order."""
        return list(dict.fromkeys(r.topic for r in self.mqtt))

    def route(self, topic: str) -> tuple[MqttRoute, str] | None:
        """The first route matching ``topic`` and the asset it names, or ``None``."""
        hit = self._route_cache.get(topic, False)
        if hit is not False:
            return hit  # type: ignore[return-value]
        found = None
        for r in self.mqtt:
            asset = r.match(topic)
            if asset is not None:
                found = (r, asset)
                break
        if len(self._route_cache) > 50_000:
            self._route_cache.clear()
        self._route_cache[topic] = found
        return found

    def parse_mqtt(self, topic: str, payload: bytes, *, errors: list | None = None) -> list[Reading]:
        """Readings of one MQTT message.

        Raises :class:`~bessemer.ingest.ParseError` naming topic, field and reason. With
        ``errors`` (a list), a bad *field* is appended there and the other fields still
        give readings; a bad message (not JSON, too big, no time, unknown topic) raises.
        """
        from ._payload import parse_message

        return parse_message(self, topic, payload, errors)


# ---------------------------------------------------------------- table readers
def _tables(doc: dict[str, Any], key: str, source: str) -> list[dict[str, Any]]:
    v = doc.get(key, [])
    if not isinstance(v, list) or not all(isinstance(t, dict) for t in v):
        raise DataError(f"{key!r} must be an array of tables, written [[{key}]]", file=source)
    return v


def _where(kind: str, i: int, key: str | None = None) -> str:
    return f"[[{kind}]] #{i}" + (f", key {key!r}" if key else "")


def _check_keys(t: dict[str, Any], allowed: set[str], where: str, source: str) -> None:
    unknown = set(t) - allowed
    if unknown:
        raise DataError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(allowed)}", file=source)


def _text(t: dict[str, Any], key: str, where: str, source: str, *, default: Any = ..., max_len: int = 200) -> Any:
    if key not in t:
        if default is ...:
            raise DataError(f"{where}: missing key {key!r}", file=source)
        return default
    v = t[key]
    if not isinstance(v, str) or not v.strip() or not text_is_safe(v, max_len=max_len):
        raise DataError(f"{where}, key {key!r}: expected 1-{max_len} printable characters without < >, "
                        f"got {str(v)[:40]!r}", file=source)
    return v.strip()


def _int(t: dict[str, Any], key: str, where: str, source: str, default: int, lo: int, hi: int) -> int:
    v = t.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise DataError(f"{where}, key {key!r}: expected a whole number in {lo}..{hi}, got {v!r}", file=source)
    return v


def _choice(t: dict[str, Any], key: str, where: str, source: str, options: tuple[str, ...]) -> str:
    v = t.get(key, options[0])
    if v not in options:
        raise DataError(f"{where}, key {key!r}: expected one of {options}, got {str(v)[:40]!r}", file=source)
    return str(v)


def _unit(v: Any, where: str, source: str) -> str:
    try:
        return normalize_unit(v)
    except UnitError as err:
        raise DataError(f"{where}, key 'unit': {err.reason}", file=source) from err


def _name(t: dict[str, Any], key: str, where: str, source: str) -> str:
    v = _text(t, key, where, source, max_len=120)
    if key == "signal" and v in _RESERVED:
        raise DataError(f"{where}, key 'signal': {v!r} is reserved; pick another signal name", file=source)
    return v


def _broker(t: Any, source: str) -> BrokerSpec:
    where = "[broker]"
    if not isinstance(t, dict):
        raise DataError(f"{where} must be a table", file=source)
    _check_keys(t, _BROKER_KEYS, where, source)
    url = _text(t, "url", where, source, default="mqtt://127.0.0.1:1883")
    if not re.match(r"^mqtts?://[^/\s]+$", url):
        raise DataError(f"{where}, key 'url': expected mqtt://host:port or mqtts://host:port, got {url[:60]!r}",
                        file=source)
    if "password" in t:  # unreachable (unknown key) but keeps the intent explicit
        raise DataError(f"{where}: never put a password in the file; name a variable in password_env", file=source)
    return BrokerSpec(
        url=url, client_id=_text(t, "client_id", where, source, default="bessemer-ingest", max_len=64),
        username=_text(t, "username", where, source, default=None),
        password_env=_text(t, "password_env", where, source, default=None),
        keepalive=_int(t, "keepalive", where, source, 30, 5, 3600),
        session_expiry=_int(t, "session_expiry", where, source, 7 * 24 * 3600, 0, 0xFFFFFFFF),
        receive_maximum=_int(t, "receive_maximum", where, source, 1000, 1, 65535),
        ca_file=_text(t, "ca_file", where, source, default=None, max_len=400),
    )


def _route(t: dict[str, Any], i: int, source: str) -> MqttRoute:
    where = _where("mqtt", i)
    _check_keys(t, _MQTT_KEYS, where, source)
    topic = _text(t, "topic", where, source, max_len=400)
    levels = topic.split("/")
    if any(("+" in lv and lv != "+") or ("#" in lv and lv != "#") for lv in levels) or "#" in levels[:-1]:
        raise DataError(f"{where}, key 'topic': {topic!r} is not a valid MQTT filter (+ is a whole level, "
                        "# only last)", file=source)
    asset = _text(t, "asset", where, source, max_len=120)
    depth = len(levels) - (1 if levels[-1] == "#" else 0)
    for m in _LEVEL_REF.finditer(asset):
        if int(m.group(1)) >= depth:
            raise DataError(f"{where}, key 'asset': {{{m.group(1)}}} names topic level {m.group(1)} but "
                            f"{topic!r} has levels 0..{depth - 1}", file=source)
    fmt = _choice(t, "format", where, source, ("json", "sparkplug"))
    if fmt == "sparkplug":
        raise DataError(f"{where}, key 'format': Sparkplug B is not supported yet; publish JSON payloads",
                        file=source)
    quality = _text(t, "quality", where, source, default=None, max_len=120)
    default_q = _choice(t, "default_quality", where, source, QUALITIES)
    sigs = t.get("signals")
    if not isinstance(sigs, list) or not sigs or not all(isinstance(s, dict) for s in sigs):
        raise DataError(f"{where}, key 'signals': expected at least one [[mqtt.signals]] table", file=source)
    out, seen = [], set()
    for j, s in enumerate(sigs, start=1):
        sw = f"{where}, [[mqtt.signals]] #{j}"
        _check_keys(s, _SIGNAL_KEYS, sw, source)
        sig = MqttSignal(field=_text(s, "field", sw, source, max_len=120), signal=_name(s, "signal", sw, source),
                         unit=_unit(s.get("unit"), sw, source))
        if sig.signal in seen:
            raise DataError(f"{sw}, key 'signal': {sig.signal!r} is mapped twice in this table", file=source)
        seen.add(sig.signal)
        out.append(sig)
    time_field = _text(t, "time", where, source, default="ts", max_len=120)
    if time_field in {s.field for s in out} or time_field == quality:
        raise DataError(f"{where}, key 'time': field {time_field!r} is also mapped as a signal or quality",
                        file=source)
    return MqttRoute(
        topic=topic, asset=asset, signals=tuple(out), format=fmt, time=time_field,
        epoch=_choice(t, "epoch", where, source, ("auto", "ms", "s")),
        naive_time=_choice(t, "naive_time", where, source, ("refuse", "utc")),
        quality=quality, default_quality=default_q,
        max_bytes=_int(t, "max_bytes", where, source, 262_144, 16, 16 * 1024 * 1024),
        max_objects=_int(t, "max_objects", where, source, 10_000, 1, 1_000_000), index=i,
    )


def _opc(t: dict[str, Any], i: int, source: str) -> OpcUaSourceSpec:
    where = _where("opcua", i)
    _check_keys(t, _OPC_KEYS, where, source)
    endpoint = _text(t, "endpoint", where, source, max_len=400)
    if not endpoint.startswith("opc.tcp://"):
        raise DataError(f"{where}, key 'endpoint': expected opc.tcp://host:port, got {endpoint[:60]!r}",
                        file=source)
    interval = t.get("publishing_interval_ms")
    if interval is not None:
        interval = _int(t, "publishing_interval_ms", where, source, 100, 1, 3_600_000)
    tags = t.get("tags")
    if not isinstance(tags, list) or not tags or not all(isinstance(s, dict) for s in tags):
        raise DataError(f"{where}, key 'tags': expected at least one [[opcua.tags]] table", file=source)
    out, seen = [], set()
    for j, s in enumerate(tags, start=1):
        sw = f"{where}, [[opcua.tags]] #{j}"
        _check_keys(s, _TAG_KEYS, sw, source)
        tag = OpcTag(node=_text(s, "node", sw, source, max_len=400), asset=_name(s, "asset", sw, source),
                     signal=_name(s, "signal", sw, source), unit=_unit(s.get("unit"), sw, source))
        if (tag.asset, tag.signal) in seen:
            raise DataError(f"{sw}: asset {tag.asset!r} signal {tag.signal!r} is mapped twice", file=source)
        seen.add((tag.asset, tag.signal))
        out.append(tag)
    return OpcUaSourceSpec(endpoint=endpoint, tags=out, publishing_interval_ms=interval)


__all__ = ["BrokerSpec", "MqttRoute", "MqttSignal", "OpcTag", "OpcUaSourceSpec", "TagMap"]
