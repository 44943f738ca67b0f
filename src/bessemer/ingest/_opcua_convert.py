"""The OPC UA connector's pure parts: values to readings, unit and tag checks, the back-off.

No connection here: :func:`convert` turns one ``DataValue`` of one tag into a
:class:`~bessemer.ingest.Reading` or says why it cannot; :func:`unit_conflict`, :func:`check_tags`
and :func:`backoff_delay` serve :class:`~bessemer.ingest._opcua.OpcUaSource`.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import pandas as pd

from ..core import ConfigError, DataError, UnitError, normalize_unit
from ._reading import Reading

if TYPE_CHECKING:
    from ._tagmap import OpcTag

#: status codes that mean the node itself is wrong in the tag map, not that a value is bad
CONFIG_STATUS = ("BadNodeIdUnknown", "BadNodeIdInvalid", "BadAttributeIdInvalid", "BadNotReadable")
_EPOCH_FLOOR = pd.Timestamp(datetime(1971, 1, 1, tzinfo=UTC))  # OPC UA's "no time" (1601) and epoch 0 fall below


def safe_endpoint(url: str) -> str:
    """Return ``url`` without user name or password, for log lines and error messages.

    Examples
    --------
    >>> safe_endpoint("opc.tcp://operator:secret@plc-7:4840/ua")
    'opc.tcp://plc-7:4840/ua'
    """
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def quality_of(status: Any) -> str:
    """Map an OPC UA status code (``ua.StatusCode`` or its integer value) to a reading quality.

    The two top bits of the code are its severity: 00 Good, 01 Uncertain, 10 and 11 Bad.

    Examples
    --------
    >>> quality_of(0), quality_of(0x40920000), quality_of(0x808D0000), quality_of(None)
    ('good', 'uncertain', 'bad', 'good')
    """
    value = 0 if status is None else int(getattr(status, "value", status))
    severity = (value >> 30) & 3
    return "good" if severity == 0 else "uncertain" if severity == 1 else "bad"


def _as_time(value: Any) -> pd.Timestamp | None:
    if not isinstance(value, datetime):
        return None
    ts = pd.Timestamp(value)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return None if ts < _EPOCH_FLOOR else ts


@dataclass(frozen=True, slots=True)
class Converted:
    """The outcome of :func:`convert`: a reading, or the reason the value was refused.

    ``time_from`` says which time the reading carries: ``"source"``, ``"server"`` or ``"received"``.
    """

    reading: Reading | None
    problem: str | None
    time_from: str


def convert(tag: OpcTag, datavalue: Any, *, received: datetime) -> Converted:
    """Turn one OPC UA ``DataValue`` of ``tag`` into a :class:`Reading` (or say why not).

    Parameters
    ----------
    tag : OpcTag
        The tag map entry (node, asset, signal, unit); the unit is the tag map's.
    datavalue : asyncua.ua.DataValue
        As delivered by a data-change notification or a read.
    received : datetime
        When the client received it (tz-aware); the time of last resort.

    Returns
    -------
    Converted
        The time is the SourceTimestamp, else the ServerTimestamp, else ``received``. Integers,
        floats and booleans become floats; strings, arrays, structures and non-finite numbers are
        refused with the reason.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> from asyncua import ua
    >>> from bessemer.ingest._tagmap import OpcTag
    >>> tag = OpcTag(node="ns=2;s=Zone1", asset="rhf-1", signal="zone1_temp", unit="degC")
    >>> dv = ua.DataValue(ua.Variant(1012.5), SourceTimestamp=datetime(2025, 3, 1, 6, 0, tzinfo=UTC))
    >>> c = convert(tag, dv, received=datetime.now(UTC))
    >>> c.reading.value, c.reading.quality, str(c.reading.time), c.time_from, c.reading.source
    (1012.5, 'good', '2025-03-01 06:00:00+00:00', 'source', 'opcua:ns=2;s=Zone1')
    >>> convert(tag, ua.DataValue(ua.Variant("hot")), received=datetime.now(UTC)).problem
    "non-numeric value of type str ('hot'); map only numeric or boolean nodes"
    """
    quality = quality_of(getattr(datavalue, "StatusCode", None))
    time, time_from = _as_time(getattr(datavalue, "SourceTimestamp", None)), "source"
    if time is None:
        time, time_from = _as_time(getattr(datavalue, "ServerTimestamp", None)), "server"
    if time is None:
        time, time_from = pd.Timestamp(received).tz_convert("UTC"), "received"
    variant = getattr(datavalue, "Value", None)
    raw = getattr(variant, "Value", variant)
    if isinstance(raw, bool | int | float):
        value = float(raw)
        if not math.isfinite(value):
            return Converted(None, f"value {raw!r}, not a finite number", time_from)
    elif raw is None:
        if quality == "good":
            return Converted(None, "a Good status without a value; check the node on the server", time_from)
        value = math.nan  # OPC UA sends no value with a Bad status (Part 4, 7.7.1)
    else:
        return Converted(None, f"non-numeric value of type {type(raw).__name__} ({str(raw)[:40]!r}); map only "
                         "numeric or boolean nodes", time_from)
    try:
        reading = Reading(asset=tag.asset, signal=tag.signal, time=time, value=value, unit=tag.unit,
                          quality=quality, source=f"opcua:{tag.node}")
    except DataError as err:
        if raw is not None:
            return Converted(None, f"a value a reading cannot hold ({err.reason})", time_from)
        status = getattr(getattr(datavalue, "StatusCode", None), "name", quality)
        return Converted(None, f"a {status} status without a value (a reading needs a finite value, so none is "
                         "made; the next value with a number shows the recovery)", time_from)
    return Converted(reading, None, time_from)


def backoff_delay(failures: int, backoff: tuple[float, float], rng: random.Random) -> float:
    """Seconds to wait after ``failures`` failed attempts in a row (0 after a lost connection).

    ``first * 2**(failures - 1)``, at most ``cap``, times a random factor in [0.5, 1].

    Examples
    --------
    >>> import random
    >>> rng = random.Random(0)
    >>> [0.25 <= backoff_delay(n, (0.5, 30.0), rng) <= 30.0 for n in (0, 1, 10)]
    [True, True, True]
    """
    return min(backoff[1], backoff[0] * 2 ** max(failures - 1, 0)) * rng.uniform(0.5, 1.0)


def check_tags(endpoint: str, tags: Sequence[OpcTag]) -> None:
    """Refuse node ids asyncua cannot parse, naming the tag (no server needed)."""
    from asyncua import ua

    for i, tag in enumerate(tags, start=1):
        try:
            ua.NodeId.from_string(tag.node)
        except Exception as err:
            raise ConfigError(
                f"OPC UA source {endpoint}, tag {i} ({tag.asset}/{tag.signal}): node id {tag.node!r} cannot be "
                f"parsed ({err}); expected a form such as 'ns=2;s=Furnace1.Zone1' or 'ns=3;i=1001'") from err


def unit_conflict(map_unit: str, eu: Any) -> str | None:
    """The node's own unit when its EngineeringUnits (``ua.EUInformation``) disagree with the tag map's.

    Examples
    --------
    >>> from asyncua import ua
    >>> unit_conflict("degC", ua.EUInformation(DisplayName=ua.LocalizedText("°C"))) is None
    True
    >>> unit_conflict("degC", ua.EUInformation(DisplayName=ua.LocalizedText("K")))
    'K'
    """
    text = getattr(getattr(eu, "DisplayName", None), "Text", None)
    if not text:
        return None
    try:
        theirs = normalize_unit(text)
    except UnitError:
        theirs = str(text)
    return None if theirs == normalize_unit(map_unit) else str(text)
