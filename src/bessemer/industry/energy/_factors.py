"""Carbon factors with their provenance: fuels, grid electricity, production routes, pathways.

Every value is read from ``data/carbon/*.json`` (see ``data/carbon/README.md`` and
:func:`load_factors`) and carries its unit, source URL(s) and status as the project's
energy-carbon reference gives them; nothing here invents a value. :class:`FactorSet` looks
fuels, routes and pathways up by id or alias and picks the grid factor for a year of
consumption without extrapolating.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from bessemer.core import DataError, NotFoundError

#: Status values, from the strongest to the weakest; "Assumption" marks a model input, not a published value.
STATUSES = ("Confirmed", "Secondary", "Derived", "Unconfirmed")
_RANK = {s: i for i, s in enumerate((*STATUSES, "Assumption"))}
_ASSUMPTION_SOURCE = "assumption (see bessemer/industry/energy/data/carbon/README.md)"
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


def _show(v: Any, n: int = 60) -> str:
    s = repr(v)
    return s if len(s) <= n else s[: n - 3] + "..."


def _norm(v: Any) -> str:
    if not isinstance(v, str):
        raise DataError(f"expected a name (text), got {_show(v)}")
    return re.sub(r"[\s_]+", "-", v.strip().lower())


def _year(year: Any) -> int:
    if isinstance(year, bool) or not isinstance(year, int | np.integer) or not 1900 <= int(year) <= 2100:
        raise DataError(f"expected a calendar year as an integer (e.g. 2023), got {_show(year)}", column="year")
    return int(year)


@dataclass(frozen=True)
class Factor:
    """One published value with its provenance.

    Parameters
    ----------
    id : str
        Stable identifier in the data files, e.g. ``"kr-grid-2023"``.
    value : float
        The value as published.
    unit : str
        Its unit, e.g. ``"tCO2eq/MWh"``.
    status : str
        ``Confirmed``, ``Secondary``, ``Derived`` or ``Unconfirmed`` (as in the reference).
    sources : tuple of str
        URLs; empty only for Unconfirmed values that have none.
    period : (int, int) or None
        First and last year the value describes (grid factors).
    effective, published : str or None
        As the reference states them.
    basis, basis_text : str or None
        For grid factors: ``"consumption"`` / ``"generation"``, and the reference's own wording.
    gas : str
        ``"CO2"`` or ``"CO2e"``.
    applies : str
        Set by :func:`grid_factor`: which rule picked this value for the year asked.
    """

    id: str
    value: float
    unit: str
    status: str
    sources: tuple[str, ...] = ()
    period: tuple[int, int] | None = None
    effective: str | None = None
    published: str | None = None
    basis: str | None = None
    basis_text: str | None = None
    gas: str = "CO2"
    publisher: str | None = None
    note: str = ""
    applies: str = ""

    @property
    def source(self) -> str:
        """The sources as one string (``" ; "``-separated)."""
        return " ; ".join(self.sources) if self.sources else "(no published source; see note)"

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly mapping."""
        out = asdict(self)
        out["sources"] = list(self.sources)
        out["period"] = list(self.period) if self.period else None
        return out


@dataclass(frozen=True)
class Fuel:
    """IPCC 2006 default factors of one fuel: NCV, CO2, CH4 and N2O (each a :class:`Factor`)."""

    id: str
    name: str
    aliases: tuple[str, ...]
    ncv: Factor
    co2: Factor
    ch4: Factor
    n2o: Factor
    co2_range: tuple[float, float] | None = None

    @property
    def co2_t_per_t(self) -> float:
        """t CO2 per t of fuel: NCV (TJ/Gg) x CO2 (kg/TJ) / 10^6."""
        return self.ncv.value * self.co2.value / 1e6

    def tj(self, tonnes: float) -> float:
        """Energy content in TJ of ``tonnes`` of fuel (t / 1000 = Gg, times NCV in TJ/Gg)."""
        return tonnes / 1000.0 * self.ncv.value

    def tonnes(self, tj: float) -> float:
        """Mass in t of ``tj`` TJ of fuel."""
        return tj / self.ncv.value * 1000.0


@dataclass(frozen=True)
class Route:
    """A whole-route average CO2 intensity per tonne of product."""

    id: str
    name: str
    product: str
    aliases: tuple[str, ...]
    factor: Factor


@dataclass(frozen=True)
class Pathway:
    """A reported reduction for a low-carbon cracking or feedstock pathway.

    ``kind`` is ``"electrification"``, ``"feedstock"`` or ``"process"``; ``co2_reduction`` and
    ``energy_reduction`` are fractions (None where the reference reports none); ``feedstock`` is the
    material bought instead of naphtha for feedstock pathways.
    """

    id: str
    kind: str
    name: str
    applies_to: str
    co2_reduction: float | None
    energy_reduction: float | None
    feedstock: str | None
    reported: str
    status: str
    sources: tuple[str, ...]
    model: str
    date: str = ""


@dataclass(frozen=True)
class FactorSet:
    """All carbon factors, as read by :func:`load_factors`.

    Examples
    --------
    >>> from bessemer.industry.energy import load_factors
    >>> fs = load_factors()
    >>> fs.fuel("LNG").id, fs.fuel("lng").co2.value, fs.fuel("lng").co2.status
    ('natural-gas', 56100.0, 'Confirmed')
    >>> fs.route("ncc").factor.value
    1.2
    """

    fuels: Mapping[str, Fuel]
    grid: tuple[Factor, ...]
    routes: Mapping[str, Route]
    pathways: Mapping[str, Pathway]
    versions: Mapping[str, str] = field(default_factory=dict)

    def fuel(self, name: str) -> Fuel:
        """The fuel called ``name`` (id or alias; case, spaces and underscores ignored)."""
        found = _find(self.fuels, name)
        if found is None:
            raise NotFoundError(f"unknown fuel {_show(name)}; known fuels: {', '.join(sorted(self.fuels))} (LNG "
                                "counts as natural-gas). Add a fuel to fuels-ipcc2006.json only with a sourced factor.")
        return found

    def route(self, name: str) -> Route:
        """The production route called ``name`` (id or alias)."""
        found = _find(self.routes, name)
        if found is None:
            raise NotFoundError(f"unknown route {_show(name)}; known routes: {', '.join(sorted(self.routes))}")
        return found

    def pathway(self, name: str) -> Pathway:
        """The pathway called ``name``."""
        key = _norm(name)
        if key not in self.pathways:
            raise NotFoundError(f"unknown pathway {_show(name)}; known pathways: {', '.join(sorted(self.pathways))}")
        return self.pathways[key]

    def grid_factor(self, year: int, *, basis: str = "consumption", gas: str = "CO2e", strict: bool = False) -> Factor:
        """The published grid factor for electricity consumed in ``year`` (see :func:`grid_factor`)."""
        year = _year(year)
        cands = [f for f in self.grid if f.basis == basis and f.gas == gas and f.period is not None]
        if not cands:
            have = sorted({(f.basis, f.gas) for f in self.grid if f.period is not None})
            raise NotFoundError(f"no grid factor with basis={basis!r} and gas={gas!r}; the data has {have}")
        exact = [f for f in cands if f.period == (year, year)]
        if exact:
            return replace(exact[0], applies=f"single-year factor for {year}")
        cover = [f for f in cands if f.period and f.period[0] <= year <= f.period[1]]
        if cover:
            f = max(cover, key=lambda f: (f.period[1], f.published or ""))  # type: ignore[index]
            return replace(f, applies=f"{_span(f)} average covers {year}")
        before = [f for f in cands if f.period and f.period[1] < year]
        periods = ", ".join(sorted(_span(f) for f in cands))
        if before and not strict:
            # latest period first; of two ending in the same year, the single-year (shorter) one
            f = max(before, key=lambda f: (f.period[1], f.period[0], f.published or ""))  # type: ignore[index]
            lag = year - f.period[1]  # type: ignore[index]
            return replace(f, applies=f"no factor is published for {year}; this is the latest published period "
                                      f"before it ({_span(f)}, {lag} year(s) earlier)")
        why = "strict=True refuses earlier periods" if before else "no published period covers or precedes it"
        raise NotFoundError(f"no {basis} grid factor ({gas}) for {year}: {why}; published periods: {periods}")


def _span(f: Factor) -> str:
    p = f.period
    return "?" if p is None else (str(p[0]) if p[0] == p[1] else f"{p[0]}–{p[1]}")


def _find(named: Mapping[str, Any], name: str) -> Any:
    """The entry whose id or one of whose aliases is ``name`` once normalised, or None."""
    key = _norm(name)
    return next((x for x in named.values() if key == x.id or key in x.aliases), None)
