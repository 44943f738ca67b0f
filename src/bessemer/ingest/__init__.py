"""Plant data in: readings, the tag map, connectors, store-and-forward buffer and the store sink.

Flow: a connector (MQTT, OPC UA) turns messages into :class:`Reading` s through the
:class:`TagMap`, puts them into a :class:`DiskBuffer` (durable when ``put`` returns) and only
then acknowledges its source; a drain thread writes buffered readings through a
:class:`ReadingSink` (idempotent on ``(asset, signal, time)``) and forgets them only after
the store commit. :func:`run_ingest` runs that process
(``python -m bessemer.ingest --config tagmap.toml --store PATH_OR_URL --buffer DIR``).
"""

from ._buffer import DiskBuffer
from ._mqtt import Backoff, MqttSource
from ._opcua import OpcUaSource, OpcUaStats
from ._reading import QUALITIES, ParseError, Reading, quality_from_code
from ._runner import Ingest, run_ingest
from ._sink import ReadingSink
from ._tagmap import BrokerSpec, MqttRoute, MqttSignal, OpcTag, OpcUaSourceSpec, TagMap

__all__ = [
    "Backoff",
    "BrokerSpec",
    "DiskBuffer",
    "Ingest",
    "MqttRoute",
    "MqttSignal",
    "MqttSource",
    "OpcTag",
    "OpcUaSource",
    "OpcUaSourceSpec",
    "OpcUaStats",
    "ParseError",
    "QUALITIES",
    "Reading",
    "ReadingSink",
    "TagMap",
    "quality_from_code",
    "run_ingest",
]
