"""Expected recovered mass of lithium, cobalt, nickel and copper, against the targets of Regulation (EU) 2023/1542.

Recovered mass of element E = battery mass x mass fraction of E (the :class:`Composition`, declared or
assumed) x the recycling route's recovery efficiency for E. The route's efficiency is compared with the
material-recovery target of Annex XII Part C that applies on the given date, and its overall recycling
efficiency with Annex XII Part B. Both targets bind the recycler's *process*, so the comparison says whether
this route, as configured, would meet them. Declared recycled content is checked against Article 8.

Every figure of the Regulation is read from ``data/eu_2023_1542_targets.toml`` with its source; none is
written in this module.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bessemer.core import DataError

from ._composition import Composition

__all__ = ["ContentCheck", "ElementRecovery", "RecoveryEstimate", "RecyclingRoute", "Target", "Targets",
           "check_recycled_content", "expected_recovery", "load_routes", "load_targets"]

_TARGETS_FILE = "eu_2023_1542_targets.toml"
_ROUTES_FILE = "recycling_routes.toml"
_KINDS = ("material_recovery", "recycling_efficiency", "recycled_content")


@dataclass(frozen=True)
class Target:
    """One figure of the Regulation.

    Attributes
    ----------
    kind : {"material_recovery", "recycling_efficiency", "recycled_content"}
    key : str
        Chemical symbol (``"Li"``) or, for recycling efficiency, the battery type (``"lithium-based"``).
    percent : float
    applies_from : datetime.date
        Binding on and after this day.
    source : str
        Regulation, article / annex point and date.
    """

    kind: str
    key: str
    percent: float
    applies_from: dt.date
    source: str

    def to_dict(self) -> dict[str, Any]:
        """The target as a JSON-friendly mapping."""
        return {"kind": self.kind, "key": self.key, "percent": self.percent,
                "applies_from": self.applies_from.isoformat(), "source": self.source}


@dataclass(frozen=True)
class Targets:
    """All targets read from one file, with the look-up by date."""

    items: tuple[Target, ...]
    passport_applies_from: dt.date
    passport_source: str

    def schedule(self, kind: str, key: str) -> tuple[Target, ...]:
        """The targets of one kind and key, oldest first."""
        return tuple(sorted((t for t in self.items if t.kind == kind and t.key == key),
                            key=lambda t: t.applies_from))

    def applicable(self, kind: str, key: str, on: dt.date) -> tuple[Target | None, Target | None]:
        """``(the target in force on `on`, the next one)``; either may be None.

        Examples
        --------
        >>> t = load_targets()
        >>> now, nxt = t.applicable("material_recovery", "Li", dt.date(2029, 6, 1))
        >>> now.percent, nxt.percent, nxt.applies_from.isoformat()
        (50.0, 80.0, '2031-12-31')
        >>> t.applicable("material_recovery", "Li", dt.date(2026, 1, 1))[0] is None
        True
        """
        if kind not in _KINDS:
            raise DataError(f"target kind must be one of {_KINDS}, got {kind!r}")
        current: Target | None = None
        upcoming: Target | None = None
        for t in self.schedule(kind, key):
            if t.applies_from <= on:
                current = t
            elif upcoming is None:
                upcoming = t
        return current, upcoming


def load_targets(path: str | Path | None = None) -> Targets:
    """Read the targets of Regulation (EU) 2023/1542.

    Parameters
    ----------
    path : str or Path, optional
        A file in the layout of ``data/eu_2023_1542_targets.toml``; None reads the bundled one.

    Raises
    ------
    DataError
        A malformed file; the message names the file and the entry.

    Examples
    --------
    >>> [t.percent for t in load_targets().schedule("recycled_content", "Co")]
    [16.0, 26.0]
    """
    if path is None:
        return _bundled_targets()
    p = Path(path)
    return _parse_targets(_read_toml(p), str(p))


@lru_cache(maxsize=1)
def _bundled_targets() -> Targets:
    return _parse_targets(_bundled_toml(_TARGETS_FILE), _TARGETS_FILE)


def _bundled_toml(name: str) -> dict[str, Any]:
    text = resources.files("bessemer.industry.battery").joinpath(f"data/{name}").read_text("utf-8")
    return _loads(text, name)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise DataError(f"cannot read the file: {err}", file=str(path)) from err
    return _loads(text, str(path))


def _loads(text: str, name: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise DataError(f"not valid TOML: {err}", file=name) from err


def _date(value: Any, where: str, name: str) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as err:
        raise DataError(f"{where}: applies_from must be a date YYYY-MM-DD, got {value!r}", file=name) from err


def _parse_targets(doc: dict[str, Any], name: str) -> Targets:
    items: list[Target] = []
    for kind in _KINDS:
        field_name = "battery_type" if kind == "recycling_efficiency" else "element"
        for i, entry in enumerate(doc.get(kind, []), start=1):
            where = f"[[{kind}]] entry {i}"
            try:
                key = str(entry[field_name])
                percent = float(entry["percent"])
                source = str(entry["source"]).strip()
            except (KeyError, TypeError, ValueError) as err:
                raise DataError(f"{where}: expected {field_name}, percent, applies_from and source; {err!r}",
                                file=name) from err
            if not math.isfinite(percent) or not 0.0 <= percent <= 100.0:
                raise DataError(f"{where}: percent must be within 0-100, got {percent}", file=name)
            if not source:
                raise DataError(f"{where}: every figure needs its source (article / annex point); got none",
                                file=name)
            items.append(Target(kind, key, percent, _date(entry.get("applies_from"), where, name), source))
    if not items:
        raise DataError("no targets found; expected [[material_recovery]], [[recycling_efficiency]] and "
                        "[[recycled_content]] entries", file=name)
    passport = doc.get("passport", {})
    return Targets(items=tuple(items),
                   passport_applies_from=_date(passport.get("applies_from"), "[passport]", name),
                   passport_source=str(passport.get("source", "")))


@dataclass(frozen=True)
class RecyclingRoute:
    """A recycling process: recovery efficiency per element (0-1) and overall recycling efficiency (0-1).

    Attributes
    ----------
    name : str
    recovery : Mapping[str, float]
        Chemical symbol -> share of that element in the input that the process recovers.
    recycling_efficiency : float or None
        Share of the input battery mass that is recycled (Annex XII Part A method); None if unknown.
    source : str
        Where the figures come from; ``status`` is ``"measured"``, ``"declared"`` or ``"assumed"``.
    """

    name: str
    recovery: Mapping[str, float]
    recycling_efficiency: float | None = None
    source: str = ""
    status: str = "declared"

    def __post_init__(self) -> None:
        clean = {}
        for el, v in dict(self.recovery).items():
            try:
                f = float(v)
            except (TypeError, ValueError) as err:
                raise DataError(f"route {self.name!r}: recovery of {el} must be a number 0-1, got {v!r}") from err
            if not math.isfinite(f) or not 0.0 <= f <= 1.0:
                raise DataError(f"route {self.name!r}: recovery of {el} must be a fraction 0-1 (not a percentage), "
                                f"got {v!r}")
            clean[str(el)] = f
        object.__setattr__(self, "recovery", MappingProxyType(clean))
        if self.recycling_efficiency is not None:
            r = float(self.recycling_efficiency)
            if not math.isfinite(r) or not 0.0 <= r <= 1.0:
                raise DataError(f"route {self.name!r}: recycling_efficiency must be a fraction 0-1, "
                                f"got {self.recycling_efficiency!r}")
            object.__setattr__(self, "recycling_efficiency", r)

    def to_dict(self) -> dict[str, Any]:
        """The route as a JSON-friendly mapping."""
        return {"name": self.name, "recovery": dict(sorted(self.recovery.items())),
                "recycling_efficiency": self.recycling_efficiency, "source": self.source, "status": self.status}


def load_routes(path: str | Path | None = None) -> dict[str, RecyclingRoute]:
    """Read recycling routes (``data/recycling_routes.toml``: illustrative assumptions).

    Examples
    --------
    >>> r = load_routes()["hydrometallurgical"]
    >>> r.status, r.recovery["Co"]
    ('assumed', 0.96)
    """
    if path is None:
        return dict(_bundled_routes())
    p = Path(path)
    return _parse_routes(_read_toml(p), str(p))


@lru_cache(maxsize=1)
def _bundled_routes() -> dict[str, RecyclingRoute]:
    return _parse_routes(_bundled_toml(_ROUTES_FILE), _ROUTES_FILE)


def _parse_routes(doc: dict[str, Any], name: str) -> dict[str, RecyclingRoute]:
    out = {}
    for key, entry in doc.get("route", {}).items():
        try:
            out[key] = RecyclingRoute(name=key, recovery=entry["recovery"],
                                      recycling_efficiency=entry.get("recycling_efficiency"),
                                      source=str(entry["source"]), status=str(entry.get("status", "declared")))
        except (KeyError, TypeError) as err:
            raise DataError(f"route.{key}: expected recovery, source (and recycling_efficiency); {err!r}",
                            file=name) from err
        except DataError as err:
            raise DataError(err.reason, file=name) from err
    if not out:
        raise DataError("no [route.<name>] tables found", file=name)
    return out


@dataclass(frozen=True)
class ElementRecovery:
    """Expected recovery of one element and the Annex XII Part C target it is compared with.

    ``meets`` is None when no target applies on the date (``target`` is None); ``next_target`` is the
    next, stricter one, if any.
    """

    element: str
    mass_in_kg: float
    efficiency: float | None
    recovered_kg: float | None
    target: Target | None
    next_target: Target | None
    meets: bool | None

    def to_dict(self) -> dict[str, Any]:
        """The row as a JSON-friendly mapping."""
        return {"element": self.element, "mass_in_kg": self.mass_in_kg, "recovery_efficiency": self.efficiency,
                "recovered_kg": self.recovered_kg,
                "target_pct": None if self.target is None else self.target.percent,
                "target_applies_from": None if self.target is None else self.target.applies_from.isoformat(),
                "target_source": None if self.target is None else self.target.source,
                "meets_target": self.meets,
                "next_target_pct": None if self.next_target is None else self.next_target.percent,
                "next_target_applies_from": (None if self.next_target is None
                                             else self.next_target.applies_from.isoformat())}


@dataclass(frozen=True)
class RecoveryEstimate:
    """Expected recovered masses for one battery on one route, compared with the targets on one date."""

    battery_mass_kg: float
    on: dt.date
    route: RecyclingRoute
    composition: Composition
    elements: tuple[ElementRecovery, ...]
    recycling_efficiency_target: Target | None
    recycling_efficiency_next: Target | None
    recycling_efficiency_meets: bool | None

    def element(self, symbol: str) -> ElementRecovery:
        """The row of one element."""
        for row in self.elements:
            if row.element == symbol:
                return row
        raise KeyError(symbol)

    def to_dict(self) -> dict[str, Any]:
        """The estimate as a JSON-friendly mapping (says which composition was used and on what basis)."""
        t, n = self.recycling_efficiency_target, self.recycling_efficiency_next
        return {"battery_mass_kg": self.battery_mass_kg, "on": self.on.isoformat(), "route": self.route.to_dict(),
                "composition": self.composition.to_dict(),
                "elements": [e.to_dict() for e in self.elements],
                "recycling_efficiency": {
                    "route_pct": None if self.route.recycling_efficiency is None
                    else round(100.0 * self.route.recycling_efficiency, 6),
                    "target_pct": None if t is None else t.percent,
                    "target_applies_from": None if t is None else t.applies_from.isoformat(),
                    "target_source": None if t is None else t.source,
                    "meets_target": self.recycling_efficiency_meets,
                    "next_target_pct": None if n is None else n.percent,
                    "next_target_applies_from": None if n is None else n.applies_from.isoformat()}}


def expected_recovery(
    battery_mass_kg: float,
    composition: Composition,
    route: RecyclingRoute | str = "hydrometallurgical",
    *,
    on: dt.date | None = None,
    elements: Sequence[str] = ("Li", "Co", "Ni", "Cu"),
    battery_type: str = "lithium-based",
    targets: Targets | None = None,
) -> RecoveryEstimate:
    """Expected recovered mass per element, and whether the route meets the targets in force on ``on``.

    Parameters
    ----------
    battery_mass_kg : float
        Mass of the battery (cell, module or pack) in kg.
    composition : Composition
        Declared or assumed (:func:`typical_composition`) element mass fractions.
    route : RecyclingRoute or str
        A route, or the name of a bundled one (``"hydrometallurgical"``, ``"pyrometallurgical"``).
    on : datetime.date, optional
        The date the targets are looked up for; today when None.
    elements : sequence of str
        Chemical symbols to report (lithium, cobalt, nickel and copper by default).
    battery_type : str
        Row of Annex XII Part B for the recycling-efficiency target.
    targets : Targets, optional
        Targets of your own (:func:`load_targets`); the bundled file when None.

    Raises
    ------
    DataError
        A non-positive or non-finite mass, or an unknown route name.

    Examples
    --------
    >>> from bessemer.industry.battery._composition import typical_composition
    >>> est = expected_recovery(0.045, typical_composition("NMC622"), "pyrometallurgical",
    ...                         on=dt.date(2028, 1, 1))
    >>> li = est.element("Li")
    >>> li.recovered_kg, li.target.percent, li.meets
    (0.0, 50.0, False)
    >>> est.element("Co").meets
    True
    """
    try:
        mass = float(battery_mass_kg)
    except (TypeError, ValueError) as err:
        raise DataError(f"battery mass must be a number of kg, got {battery_mass_kg!r}") from err
    if not math.isfinite(mass) or mass <= 0.0:
        raise DataError(f"battery mass must be a positive number of kg, got {battery_mass_kg!r}")
    if isinstance(route, str):
        routes = load_routes()
        if route not in routes:
            raise DataError(f"unknown recycling route {route!r}; known: {sorted(routes)}, "
                            "or pass a RecyclingRoute(...) with your measured efficiencies")
        route = routes[route]
    day = dt.date.today() if on is None else on
    tg = load_targets() if targets is None else targets
    rows = []
    for el in elements:
        m_in = mass * composition.fraction(el)
        eff = route.recovery.get(el)
        cur, nxt = tg.applicable("material_recovery", el, day)
        meets = None if cur is None or eff is None else bool(100.0 * eff >= cur.percent - 1e-9)
        rows.append(ElementRecovery(element=el, mass_in_kg=m_in, efficiency=eff,
                                    recovered_kg=None if eff is None else m_in * eff,
                                    target=cur, next_target=nxt, meets=meets))
    cur, nxt = tg.applicable("recycling_efficiency", battery_type, day)
    re_meets = (None if cur is None or route.recycling_efficiency is None
                else bool(100.0 * route.recycling_efficiency >= cur.percent - 1e-9))
    return RecoveryEstimate(battery_mass_kg=mass, on=day, route=route, composition=composition,
                            elements=tuple(rows), recycling_efficiency_target=cur, recycling_efficiency_next=nxt,
                            recycling_efficiency_meets=re_meets)


@dataclass(frozen=True)
class ContentCheck:
    """A declared recycled-content share against the Article 8 minimum in force on a date."""

    element: str
    share_pct: float | None
    minimum: Target | None
    next_minimum: Target | None
    meets: bool | None

    def to_dict(self) -> dict[str, Any]:
        """The check as a JSON-friendly mapping."""
        return {"element": self.element, "share_pct": self.share_pct,
                "minimum_pct": None if self.minimum is None else self.minimum.percent,
                "applies_from": None if self.minimum is None else self.minimum.applies_from.isoformat(),
                "source": None if self.minimum is None else self.minimum.source, "meets": self.meets,
                "next_minimum_pct": None if self.next_minimum is None else self.next_minimum.percent,
                "next_applies_from": (None if self.next_minimum is None
                                      else self.next_minimum.applies_from.isoformat())}


def check_recycled_content(
    shares_pct: Mapping[str, float | None], *, on: dt.date, targets: Targets | None = None
) -> tuple[ContentCheck, ...]:
    """Compare declared recycled-content shares (% of the element in the active materials) with Article 8.

    An element given as None (not present in the active materials) has nothing to meet (``meets`` None).

    Examples
    --------
    >>> rows = check_recycled_content({"Co": 20.0, "Li": 5.0, "Ni": 7.0}, on=dt.date(2032, 1, 1))
    >>> [(r.element, r.minimum.percent, r.meets) for r in rows]
    [('Co', 16.0, True), ('Li', 6.0, False), ('Ni', 6.0, True)]
    """
    tg = load_targets() if targets is None else targets
    out = []
    for el in sorted(shares_pct):
        share = shares_pct[el]
        if share is not None:
            share = float(share)
            if not math.isfinite(share) or not 0.0 <= share <= 100.0:
                raise DataError(f"recycled content of {el} must be a percentage 0-100, got {shares_pct[el]!r}")
        cur, nxt = tg.applicable("recycled_content", el, on)
        meets = None if cur is None or share is None else bool(share >= cur.percent - 1e-9)
        out.append(ContentCheck(el, share, cur, nxt, meets))
    return tuple(out)
