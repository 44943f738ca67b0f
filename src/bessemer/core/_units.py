"""Units of measure that signals may declare, with their aliases.

The catalogue is data: :data:`UNITS` maps a canonical symbol to its quantity.
:func:`normalize_unit` turns an alias (``"°C"``, ``"degC"``, ``"celsius"``) into the
canonical symbol or raises :class:`~bessemer.core.UnitError` naming the unknown unit.
"""

from __future__ import annotations

from .._compat import text_is_safe
from ._exceptions import UnitError

#: canonical symbol -> quantity
UNITS: dict[str, str] = {
    "1": "dimensionless",
    "%": "fraction",
    "degC": "temperature",
    "degF": "temperature",
    "degR": "temperature",
    "K": "temperature",
    "Pa": "pressure",
    "kPa": "pressure",
    "MPa": "pressure",
    "bar": "pressure",
    "psia": "pressure",
    "psi": "pressure",
    "rpm": "rotational speed",
    "Hz": "frequency",
    "mm/s": "vibration velocity",
    "m/s2": "acceleration",
    "g": "acceleration",
    "um": "displacement",
    "mm": "length",
    "m": "length",
    "A": "current",
    "V": "voltage",
    "kV": "voltage",
    "W": "power",
    "kW": "power",
    "MW": "power",
    "kWh": "energy",
    "MWh": "energy",
    "kvarh": "reactive energy",
    "N*m": "torque",
    "kN": "force",
    "m3/h": "volumetric flow",
    "L/min": "volumetric flow",
    "kg/s": "mass flow",
    "lbm/s": "mass flow",
    "t/h": "mass flow",
    "pps": "pulse rate",
    "h": "time",
    "s": "time",
    "cycle": "count",
    "count": "count",
    "dB": "level",
    "tCO2": "emissions",
}

_ALIASES: dict[str, str] = {
    "": "1",
    "-": "1",
    "dimensionless": "1",
    "ratio": "1",
    "percent": "%",
    "pct": "%",
    "°c": "degC",
    "c": "degC",
    "celsius": "degC",
    "degc": "degC",
    "°f": "degF",
    "degf": "degF",
    "°r": "degR",
    "degr": "degR",
    "kelvin": "K",
    "k": "K",
    "r/min": "rpm",
    "1/min": "rpm",
    "mm/sec": "mm/s",
    "m/s^2": "m/s2",
    "m/s²": "m/s2",
    "µm": "um",
    "μm": "um",
    "nm": "N*m",
    "n·m": "N*m",
    "n*m": "N*m",
    "m³/h": "m3/h",
    "l/min": "L/min",
    "cycles": "cycle",
}

_LOWER = {k.lower(): k for k in UNITS}


def normalize_unit(unit: object, *, column: str | None = None, file: str | None = None) -> str:
    """Return the canonical symbol for ``unit``.

    Examples
    --------
    >>> normalize_unit("°C")
    'degC'
    >>> normalize_unit("rpm")
    'rpm'
    """
    if unit is None:
        return "1"
    text = str(unit).strip()
    if not text_is_safe(text, max_len=32):
        raise UnitError(f"unit {text[:40]!r} is not a unit symbol", file=file, column=column)
    if text in UNITS:
        return text
    low = text.lower()
    if low in _ALIASES:
        return _ALIASES[low]
    if low in _LOWER:
        return _LOWER[low]
    known = ", ".join(sorted(UNITS))
    raise UnitError(
        f"unknown unit {text!r}; expected one of: {known} (or a common alias such as °C, percent)",
        file=file,
        column=column,
    )
