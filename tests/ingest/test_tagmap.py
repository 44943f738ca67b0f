"""Tag map files: a good map, and bad maps refused with file, table and key named."""

from __future__ import annotations

import pytest

from bessemer.core import DataError
from bessemer.ingest import TagMap

GOOD = """
[broker]
url = "mqtt://127.0.0.1:1883"
client_id = "ingest-1"
password_env = "MQTT_PW"

[[mqtt]]
topic = "plant/+/telemetry"
asset = "{1}"
time = "ts"
quality = "q"
  [[mqtt.signals]]
  field = "temp"
  signal = "zone1_temp"
  unit = "°C"
  [[mqtt.signals]]
  field = "p"
  signal = "pressure"
  unit = "kPa"

[[mqtt]]
topic = "site/rhf-2/#"
asset = "rhf-2"
naive_time = "utc"
epoch = "s"
  [[mqtt.signals]]
  field = "speed"
  signal = "fan_speed"
  unit = "rpm"

[[opcua]]
endpoint = "opc.tcp://127.0.0.1:4840"
publishing_interval_ms = 250
  [[opcua.tags]]
  node = "ns=2;s=Furnace1.Zone1"
  asset = "rhf-1"
  signal = "zone1_temp"
  unit = "degC"
"""


def _write(tmp_path, text):
    p = tmp_path / "tagmap.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_good_map(tmp_path):
    tm = TagMap.load(_write(tmp_path, GOOD))
    assert tm.broker.client_id == "ingest-1" and tm.broker.password_env == "MQTT_PW"
    assert tm.mqtt_filters() == ["plant/+/telemetry", "site/rhf-2/#"]
    r1 = tm.mqtt[0]
    assert [(s.field, s.signal, s.unit) for s in r1.signals] == [("temp", "zone1_temp", "degC"),
                                                                   ("p", "pressure", "kPa")]
    assert tm.route("plant/rhf-1/telemetry")[1] == "rhf-1"
    assert tm.route("plant/rhf-1/telemetry/extra") is None
    assert tm.route("site/rhf-2/a/b")[1] == "rhf-2"
    assert tm.route("other") is None
    (spec,) = tm.opcua_sources()
    assert spec.endpoint == "opc.tcp://127.0.0.1:4840" and spec.publishing_interval_ms == 250
    assert [(t.node, t.asset, t.signal, t.unit) for t in spec.tags] == [
        ("ns=2;s=Furnace1.Zone1", "rhf-1", "zone1_temp", "degC")]


def test_asset_template_mixes_levels():
    tm = TagMap.from_dict({"mqtt": [{"topic": "plant/+/+/t", "asset": "{1}-{2}",
                                     "signals": [{"field": "v", "signal": "v"}]}]})
    assert tm.route("plant/rhf/3/t")[1] == "rhf-3"
    assert tm.mqtt[0].signals[0].unit == "1"


BAD = [
    ('[[mqtt]]\ntopic = "a/+"\nasset = "{1}"\ncolour = "red"\n[[mqtt.signals]]\nfield = "v"\nsignal = "v"\n',
     r"\[\[mqtt\]\] #1: unknown key\(s\) \['colour'\]"),
    ('[[mqtt]]\ntopic = "a/+"\nasset = "{1}"\n', r"\[\[mqtt\]\] #1, key 'signals'"),
    ('[[mqtt]]\nasset = "x"\n[[mqtt.signals]]\nfield = "v"\nsignal = "v"\n', r"\[\[mqtt\]\] #1: missing key 'topic'"),
    ('[[mqtt]]\ntopic = "a/b+"\nasset = "x"\n[[mqtt.signals]]\nfield = "v"\nsignal = "v"\n',
     r"key 'topic': 'a/b\+' is not a valid MQTT filter"),
    ('[[mqtt]]\ntopic = "a/#/b"\nasset = "x"\n[[mqtt.signals]]\nfield = "v"\nsignal = "v"\n',
     r"key 'topic'"),
    ('[[mqtt]]\ntopic = "a/+"\nasset = "{2}"\n[[mqtt.signals]]\nfield = "v"\nsignal = "v"\n',
     r"key 'asset': \{2\} names topic level 2"),
    ('[[mqtt]]\ntopic = "a/+"\nasset = "x"\n[[mqtt.signals]]\nfield = "v"\nsignal = "v"\nunit = "furlong"\n',
     r"\[\[mqtt\]\] #1, \[\[mqtt.signals\]\] #1, key 'unit': unknown unit 'furlong'"),
    ('[[mqtt]]\ntopic = "a/+"\nasset = "x"\n[[mqtt.signals]]\nfield = "v"\nsignal = "time"\n',
     r"key 'signal': 'time' is reserved"),
    ('[[mqtt]]\ntopic = "a/+"\nasset = "x"\n[[mqtt.signals]]\nfield = "v"\nsignal = "v"\n'
     '[[mqtt.signals]]\nfield = "w"\nsignal = "v"\n', r"\[\[mqtt.signals\]\] #2, key 'signal': 'v' is mapped twice"),
    ('[[mqtt]]\ntopic = "a/+"\nasset = "x"\nformat = "xml"\n[[mqtt.signals]]\nfield = "v"\nsignal = "v"\n',
     r"key 'format': expected one of"),
    ('[[mqtt]]\ntopic = "a/+"\nasset = "x"\nformat = "sparkplug"\n[[mqtt.signals]]\nfield = "v"\nsignal = "v"\n',
     r"Sparkplug B is not supported"),
    ('[[mqtt]]\ntopic = "a/+"\nasset = "x"\ntime = "v"\n[[mqtt.signals]]\nfield = "v"\nsignal = "v"\n',
     r"key 'time': field 'v' is also mapped"),
    ('[[mqtt]]\ntopic = "a/+"\nasset = "x"\nmax_bytes = 0\n[[mqtt.signals]]\nfield = "v"\nsignal = "v"\n',
     r"key 'max_bytes': expected a whole number"),
    ('[broker]\nurl = "http://x"\n[[mqtt]]\ntopic = "a"\nasset = "x"\n[[mqtt.signals]]\nfield = "v"\nsignal = "v"\n',
     r"\[broker\], key 'url'"),
    ('[broker]\npassword = "hunter2"\n', r"\[broker\]: unknown key\(s\) \['password'\]"),
    ('[[opcua]]\nendpoint = "http://x"\n', r"\[\[opcua\]\] #1, key 'endpoint'"),
    ('[[opcua]]\nendpoint = "opc.tcp://h:4840"\n[[opcua.tags]]\nnode = "ns=2;i=1"\nasset = "a"\n',
     r"\[\[opcua\]\] #1, \[\[opcua.tags\]\] #1: missing key 'signal'"),
    ('[[opcua]]\nendpoint = "opc.tcp://h:4840"\n[[opcua.tags]]\nnode = "n1"\nasset = "a"\nsignal = "s"\n'
     '[[opcua.tags]]\nnode = "n2"\nasset = "a"\nsignal = "s"\n', r"#2: asset 'a' signal 's' is mapped twice"),
    ('title = "x"\n', r"unknown top-level key"),
    ('', r"no \[\[mqtt\]\] or \[\[opcua\]\] table"),
    ('[[mqtt]\n', r"not a valid UTF-8 TOML file"),
]


@pytest.mark.parametrize("text, pattern", BAD)
def test_bad_maps_name_file_table_and_key(tmp_path, text, pattern):
    p = _write(tmp_path, text)
    with pytest.raises(DataError, match=pattern) as info:
        TagMap.load(p)
    assert str(p) in str(info.value)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="cannot read the tag map"):
        TagMap.load(tmp_path / "nope.toml")
