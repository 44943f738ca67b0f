"""Element mass fractions of a battery: declared by the manufacturer, or assumed from its chemistry.

A :class:`Composition` says what share of the battery's mass is lithium, cobalt, nickel, copper and so on,
and whether that was **declared** (the manufacturer's figure) or **assumed** (a typical figure for the
chemistry from ``data/compositions.toml``, illustrative). The grade and the passport carry this flag, so a
reader knows when a recovered mass rests on an assumption.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from bessemer.core import DataError

__all__ = ["Composition", "chemistries", "declared_composition", "typical_composition"]

_FILE = "compositions.toml"
_BASES = ("declared", "assumed")


@dataclass(frozen=True)
class Composition:
    """Element mass fractions of one battery (share of the battery's total mass, 0-1).

    Attributes
    ----------
    chemistry : str
        Cathode chemistry, for example ``"NMC622"`` or ``"LFP"``.
    mass_fractions : Mapping[str, float]
        Chemical symbol -> mass fraction of the whole battery (0-1); the sum is at most 1.
    basis : {"declared", "assumed"}
        ``"declared"``: the manufacturer's figure; ``"assumed"``: a typical figure for the chemistry.
    source : str
        Where the figures come from.
    note : str
        For an assumed composition: ``"illustrative, replace with the manufacturer's declared composition"``.
    """

    chemistry: str
    mass_fractions: Mapping[str, float]
    basis: Literal["declared", "assumed"]
    source: str
    note: str = ""

    def __post_init__(self) -> None:
        if self.basis not in _BASES:
            raise DataError(f"composition basis must be one of {_BASES}, got {self.basis!r}")
        if not str(self.source).strip():
            raise DataError("a composition needs a source (who declared it, or which assumption it is); got none")
        clean: dict[str, float] = {}
        for el, value in dict(self.mass_fractions).items():
            v = _fraction(value, f"mass fraction of {el}")
            clean[str(el)] = v
        total = sum(clean.values())
        if total > 1.0 + 1e-9:
            raise DataError(f"element mass fractions must sum to at most 1 (they are shares of the battery's "
                            f"mass), got {total:.4f}; give fractions, not percentages")
        object.__setattr__(self, "mass_fractions", MappingProxyType(clean))

    def fraction(self, element: str) -> float:
        """Mass fraction of ``element`` (0 when the composition does not list it)."""
        return float(self.mass_fractions.get(element, 0.0))

    def to_dict(self) -> dict[str, Any]:
        """The composition as a JSON-friendly mapping."""
        return {"chemistry": self.chemistry, "basis": self.basis, "source": self.source, "note": self.note,
                "mass_fractions": dict(sorted(self.mass_fractions.items()))}


def _fraction(value: Any, what: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError) as err:
        raise DataError(f"{what} must be a number between 0 and 1, got {value!r}") from err
    if not math.isfinite(v) or v < 0.0 or v > 1.0:
        raise DataError(f"{what} must be a number between 0 and 1 (a fraction, not a percentage), got {value!r}")
    return v


def declared_composition(chemistry: str, mass_fractions: Mapping[str, float], *, source: str) -> Composition:
    """The manufacturer's declared composition of one battery.

    Parameters
    ----------
    chemistry : str
        Cathode chemistry as declared.
    mass_fractions : Mapping[str, float]
        Chemical symbol -> share of the battery's mass (0-1).
    source : str
        The declaration (document, date) the figures come from.

    Examples
    --------
    >>> c = declared_composition("NMC811", {"Li": 0.02, "Ni": 0.12, "Co": 0.015, "Cu": 0.1},
    ...                          source="supplier datasheet 2025-03")
    >>> c.basis, c.fraction("Ni"), c.fraction("Mn")
    ('declared', 0.12, 0.0)
    """
    return Composition(chemistry=chemistry, mass_fractions=mass_fractions, basis="declared", source=source)


def _key(chemistry: str) -> str:
    k = "".join(ch for ch in str(chemistry).upper() if ch.isalnum())
    return "NMC" + k[3:] if k.startswith("NCM") else k


def chemistries() -> tuple[str, ...]:
    """The chemistries with a typical composition in ``data/compositions.toml``.

    Examples
    --------
    >>> chemistries()
    ('LCO', 'LFP', 'LMO', 'NCA', 'NMC111', 'NMC532', 'NMC622', 'NMC811')
    """
    return tuple(sorted(_bundled()))


def typical_composition(chemistry: str, *, path: str | Path | None = None) -> Composition:
    """The typical (assumed, illustrative) composition of a chemistry.

    Cathode elements come from the cathode formula's stoichiometry and IUPAC atomic weights times an
    assumed cathode-active-material share of cell mass; copper is an assumed share (oxygen is not listed).
    The result is marked ``basis="assumed"`` with the note "illustrative, replace with the manufacturer's
    declared composition".

    Parameters
    ----------
    chemistry : str
        ``LCO``, ``NMC111``, ``NMC532``, ``NMC622``, ``NMC811``, ``NCA``, ``LFP`` or ``LMO`` (case, dashes
        and the ``NCM`` spelling are accepted).
    path : str or Path, optional
        A compositions file of your own in the layout of ``data/compositions.toml``.

    Raises
    ------
    DataError
        An unknown chemistry (the message lists the known ones) or a malformed file.

    Examples
    --------
    >>> c = typical_composition("nmc-622")
    >>> c.basis, c.chemistry
    ('assumed', 'NMC622')
    >>> round(c.fraction("Li") * 100, 2)  # % of cell mass
    2.15
    """
    table = _bundled() if path is None else _parse(_read(Path(path)), str(path))
    key = _key(chemistry)
    if key not in table:
        raise DataError(f"no typical composition for chemistry {chemistry!r}; known: {sorted(table)}. "
                        "Give the manufacturer's declared composition instead (declared_composition(...))")
    return table[key]


@lru_cache(maxsize=1)
def _bundled() -> dict[str, Composition]:
    text = resources.files("bessemer.industry.battery").joinpath(f"data/{_FILE}").read_text("utf-8")
    return _parse(_loads(text, _FILE), _FILE)


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise DataError(f"cannot read the compositions file: {err}", file=str(path)) from err
    return _loads(text, str(path))


def _loads(text: str, name: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise DataError(f"not valid TOML: {err}", file=name) from err


def _parse(doc: dict[str, Any], name: str) -> dict[str, Composition]:
    try:
        weights = {k: float(v) for k, v in doc["atomic_weights"].items() if k != "source"}
        assumption = doc["assumption"]
        chem = doc["chemistry"]
    except (KeyError, TypeError, ValueError) as err:
        raise DataError(f"expected tables [atomic_weights], [assumption] and [chemistry.*]; {err!r}",
                        file=name) from err
    out: dict[str, Composition] = {}
    for key, entry in chem.items():
        try:
            stoich = {el: float(n) for el, n in entry["stoichiometry"].items()}
            cam = float(entry["cathode_active_mass_fraction"])
            cu = float(entry["copper_mass_fraction"])
            molar = sum(n * weights[el] for el, n in stoich.items())
        except (KeyError, TypeError, ValueError) as err:
            raise DataError(f"chemistry.{key}: expected stoichiometry (with known atomic weights), "
                            f"cathode_active_mass_fraction and copper_mass_fraction; {err!r}", file=name) from err
        fractions = {el: cam * n * weights[el] / molar for el, n in stoich.items() if el != "O"}
        fractions["Cu"] = cu
        weights_src = doc["atomic_weights"].get("source", "atomic weights")
        src = (f"{entry.get('formula', key)} stoichiometry with {weights_src}; "
               f"cell-level shares: {assumption.get('source', 'assumption')}")
        out[_key(key)] = Composition(chemistry=_key(key), mass_fractions=fractions, basis="assumed", source=src,
                                     note=str(assumption.get("note", "illustrative, replace with the "
                                                                      "manufacturer's declared composition")))
    return out
