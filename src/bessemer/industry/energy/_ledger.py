"""Plant carbon ledger: Scope 1, Scope 2 and route-average emissions, each line with its factor and source.

Factors are data (``data/carbon/*.json``, described in ``data/carbon/README.md``), each with its value,
unit, source and status copied from the project's energy-carbon reference; nothing here invents a value.

The ledger books three kinds of emissions, and keeps them apart because they are not the same thing:

``scope1``
    Fuels burned on site: ``amount x NCV x CO2 factor`` (IPCC 2006 defaults), in t CO2. CH4 and N2O
    are reported in kg and **not** turned into CO2e: the reference gives no GWP table.
``scope2``
    Grid electricity: ``kWh x`` the published Korean grid factor for the year of consumption
    (:func:`grid_factor`), in t CO2e as published. A renewable PPA share counts at 0 (an assumption).
``route``
    Whole-route averages per tonne of product (BF-BOF ≈2.3, EAF ≈0.7 t CO2/t steel; steam cracking
    ≈1.2 t CO2/t ethylene). They cover the route's fuels *and* its electricity and the reference does
    not split them into scopes, so they are not forced into either.

A production line is either ``"route-average"`` (the route factor gives its emissions) or
``"fuel-based"`` (its emissions are the fuel and electricity lines tagged with the same ``process``);
tagging a fuel or electricity line to a route-average process is refused, so nothing is counted twice.

Examples
--------
>>> led = ledger([{"kind": "fuel", "item": "natural gas", "amount": 1000, "unit": "t"}], year=2023)
>>> round(led.totals["scope1_t"], 1)
2692.8
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from types import MappingProxyType
from typing import Any

import pandas as pd

from bessemer.core import DataError

from ._activities import Activity, parse_activities
from ._factor_files import load_factors
from ._factors import _ASSUMPTION_SOURCE, _RANK, Factor, FactorSet, _show, _year


@dataclass(frozen=True)
class LedgerLine:
    """One booked emission (or a memo line with none), with the factor and sources behind it.

    ``emissions_t`` is in t of ``gas`` (CO2 for fuels and routes, CO2e for grid electricity);
    ``factor`` is t per unit of ``amount`` before scenario adjustments; ``status`` is the weakest
    status of the values used.
    """

    row: int
    kind: str
    item: str
    process: str | None
    scope: str
    amount: float
    unit: str
    factor: float
    factor_unit: str
    factor_id: str
    gas: str
    emissions_t: float
    ch4_kg: float
    n2o_kg: float
    status: str
    sources: tuple[str, ...]
    note: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly mapping."""
        out = asdict(self)
        out["sources"] = list(self.sources)
        return out


@dataclass(frozen=True)
class Ledger:
    """A plant carbon ledger for one period (see :func:`ledger`).

    Attributes
    ----------
    year : int
    lines : tuple of LedgerLine
    grid : Factor or None
        The grid factor used for Scope 2 (None when there is no electricity).
    production : mapping
        process -> (product, t) for every production line.
    quantities : mapping
        Priced quantities: ``fuels/<id>`` and ``feedstocks/<id>`` in t, ``electricity`` and
        ``electricity_renewable`` in kWh (used by :func:`compare` for costs).
    notes : tuple of str
        What the figures mean and what they leave out.
    """

    year: int
    lines: tuple[LedgerLine, ...]
    grid: Factor | None
    production: Mapping[str, tuple[str, float]]
    quantities: Mapping[str, float]
    notes: tuple[str, ...]

    @property
    def totals(self) -> dict[str, float]:
        """t per scope (``scope1_t`` CO2, ``scope2_t`` CO2e, ``route_t`` CO2), ``total_t``, CH4/N2O in kg."""
        out = {f"{s}_t": 0.0 for s in ("scope1", "scope2", "route")}
        for ln in self.lines:
            if ln.scope != "memo":
                out[f"{ln.scope}_t"] += ln.emissions_t
        out["total_t"] = out["scope1_t"] + out["scope2_t"] + out["route_t"]
        out["ch4_kg"] = sum(ln.ch4_kg for ln in self.lines)
        out["n2o_kg"] = sum(ln.n2o_kg for ln in self.lines)
        return out

    def intensity(self) -> dict[str, dict[str, Any]]:
        """t per t of product, per product, over the lines of the processes that make it.

        Lines whose process makes no product (site services, untagged lines) are not allocated; their
        sum is under the key ``"unallocated"``.
        """
        by_proc: dict[str | None, float] = {}
        for ln in self.lines:
            if ln.scope != "memo":
                by_proc[ln.process] = by_proc.get(ln.process, 0.0) + ln.emissions_t
        out: dict[str, dict[str, Any]] = {}
        for proc, (product, tonnes) in self.production.items():
            d = out.setdefault(product, {"product_t": 0.0, "emissions_t": 0.0, "processes": []})
            d["product_t"] += tonnes
            d["emissions_t"] += by_proc.get(proc, 0.0)
            d["processes"].append(proc)
        for d in out.values():
            d["t_per_t"] = d["emissions_t"] / d["product_t"] if d["product_t"] > 0 else None
        unalloc = sum(v for p, v in by_proc.items() if p not in self.production)
        out["unallocated"] = {"emissions_t": unalloc}
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per line; ``sources`` joined with ``" ; "``."""
        rows = [ln.to_dict() | {"sources": " ; ".join(ln.sources)} for ln in self.lines]
        cols = list(LedgerLine.__dataclass_fields__)
        return pd.DataFrame(rows, columns=cols)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly mapping: year, totals, intensity, grid factor, lines, notes."""
        return {
            "year": self.year,
            "totals": self.totals,
            "intensity": self.intensity(),
            "grid_factor": self.grid.to_dict() if self.grid else None,
            "lines": [ln.to_dict() for ln in self.lines],
            "notes": list(self.notes),
        }


_NOTES = (
    "Scope 1 fuel lines are t CO2 from IPCC 2006 defaults (NCV x CO2 factor); CH4 and N2O are reported in kg "
    "and not converted to CO2e, because the reference gives no GWP table.",
    "Scope 2 is t CO2e from the published Korean grid factor for the year of consumption; a renewable PPA share "
    "counts at 0 t/MWh (a model assumption, not a published factor).",
    "'route' lines are whole-route averages per tonne of product; they include the route's fuels and electricity, "
    "and the reference does not split them into Scope 1 and 2.",
    "total_t adds scope1_t (CO2), scope2_t (CO2e) and route_t (CO2) as published.",
)


def _weakest(statuses: Iterable[str]) -> str:
    return max(statuses, key=lambda s: _RANK.get(s, len(_RANK)))


def _adj(a: Activity) -> tuple[str, tuple[str, ...], list[str]]:
    note = "; ".join(x.text for x in a.adjustments)
    srcs = tuple(s for x in a.adjustments for s in x.sources)
    return note, srcs, [x.status for x in a.adjustments]


def _uniq(xs: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(xs))


def _note(*parts: str) -> str:
    """The non-empty parts, joined with ``"; "``."""
    return "; ".join(p for p in parts if p)


def _memo(row: int, a: Activity, item: str, note: str) -> LedgerLine:
    """A line of ``a`` (in t) that books no emissions: a fuel-based product, a feedstock."""
    return LedgerLine(row=row, kind=a.kind, item=item, process=a.process, scope="memo", amount=a.amount, unit="t",
                      factor=0.0, factor_unit="-", factor_id="none", gas="CO2", emissions_t=0.0, ch4_kg=0.0,
                      n2o_kg=0.0, status="n/a", sources=(), note=note)


def ledger(activities: Any, *, year: int, factors: FactorSet | None = None, grid: Factor | None = None) -> Ledger:
    """Book Scope 1, Scope 2 and route-average emissions of a plant's activities.

    Parameters
    ----------
    activities : see :func:`parse_activities`
    year : int
        Year of consumption; picks the grid factor with :func:`grid_factor`.
    factors : FactorSet, optional
    grid : Factor, optional
        Use this grid factor (in t/MWh) instead of the published one for ``year``, e.g. a supplier's.

    Returns
    -------
    Ledger

    Examples
    --------
    >>> led = ledger([
    ...     {"kind": "fuel", "item": "natural-gas", "amount": 1000, "unit": "t", "process": "ncc"},
    ...     {"kind": "electricity", "amount": 2_000_000, "unit": "kWh", "process": "ncc"},
    ...     {"kind": "production", "route": "naphtha-cracker", "amount": 2000, "unit": "t",
    ...      "process": "ncc", "method": "fuel-based"},
    ... ], year=2023)
    >>> t = led.totals
    >>> round(t["scope1_t"], 1), round(t["scope2_t"], 1)
    (2692.8, 834.6)
    >>> round(led.intensity()["ethylene"]["t_per_t"], 4)
    1.7637
    """
    fs = factors or load_factors()
    year = _year(year)
    acts = parse_activities(activities, factors=fs)
    has_power = any(a.kind == "electricity" for a in acts)
    if grid is not None:
        if not isinstance(grid, Factor) or not grid.unit.endswith("/MWh") or not 0 <= grid.value <= 2:
            raise DataError(f"grid must be a Factor in t/MWh between 0 and 2, got {_show(grid)}", column="grid")
        gf: Factor | None = grid
    else:
        gf = fs.grid_factor(year) if has_power else None
    lines: list[LedgerLine] = []
    production: dict[str, tuple[str, float]] = {}
    qty: dict[str, float] = {}
    for row, a in enumerate(acts, 1):
        adj_note, adj_src, adj_status = _adj(a)
        m = a.emission_multiplier
        if a.kind == "fuel":
            fuel = fs.fuel(a.item)
            tj = a.amount if a.unit == "TJ" else fuel.tj(a.amount)
            tonnes = fuel.tonnes(a.amount) if a.unit == "TJ" else a.amount
            qty[f"fuels/{fuel.id}"] = qty.get(f"fuels/{fuel.id}", 0.0) + tonnes
            per = fuel.co2.value / 1000.0 if a.unit == "TJ" else fuel.co2_t_per_t
            note = (f"NCV {fuel.ncv.value:g} TJ/Gg x CO2 {fuel.co2.value:g} kg/TJ = {fuel.co2_t_per_t:.4f} "
                    f"t CO2/t fuel; CH4 {fuel.ch4.value:g}, N2O {fuel.n2o.value:g} kg/TJ")
            lines.append(LedgerLine(
                row=row, kind="fuel", item=fuel.id, process=a.process, scope="scope1", amount=a.amount, unit=a.unit,
                factor=per, factor_unit=f"t CO2/{a.unit}", factor_id=f"ipcc2006/{fuel.id}", gas="CO2",
                emissions_t=tj * fuel.co2.value / 1000.0 * m, ch4_kg=tj * fuel.ch4.value * m,
                n2o_kg=tj * fuel.n2o.value * m,
                status=_weakest([fuel.ncv.status, fuel.co2.status, fuel.ch4.status, *adj_status]),
                sources=_uniq((*fuel.ncv.sources, *fuel.co2.sources, *fuel.ch4.sources, *adj_src)),
                note=_note(note, adj_note, a.note)))
        elif a.kind == "electricity":
            if gf is None:  # pragma: no cover - has_power guarantees a factor
                raise DataError("no grid factor for an electricity line", row=row, column="year")
            r = a.renewable_share
            grid_kwh, ren_kwh = a.amount * (1.0 - r), a.amount * r
            qty["electricity"] = qty.get("electricity", 0.0) + grid_kwh
            qty["electricity_renewable"] = qty.get("electricity_renewable", 0.0) + ren_kwh
            if r < 1.0:
                lines.append(LedgerLine(
                    row=row, kind="electricity", item="grid", process=a.process, scope="scope2", amount=grid_kwh,
                    unit="kWh", factor=gf.value / 1000.0, factor_unit=f"{gf.unit.split('/')[0]}/kWh",
                    factor_id=gf.id, gas=gf.gas, emissions_t=grid_kwh * gf.value / 1000.0 * m, ch4_kg=0.0,
                    n2o_kg=0.0, status=_weakest([gf.status, *adj_status]), sources=_uniq((*gf.sources, *adj_src)),
                    note=_note(f"grid factor {gf.value} {gf.unit} ({gf.basis_text or gf.id}); "
                               f"{gf.applies}".rstrip("; "), adj_note, a.note)))
            if r > 0.0:
                lines.append(LedgerLine(
                    row=row, kind="electricity", item="renewable-ppa", process=a.process, scope="scope2",
                    amount=ren_kwh, unit="kWh", factor=0.0, factor_unit="t CO2e/kWh",
                    factor_id="assumption/renewable-ppa",
                    gas="CO2e", emissions_t=0.0, ch4_kg=0.0, n2o_kg=0.0, status="Assumption",
                    sources=_uniq((_ASSUMPTION_SOURCE, *adj_src)),
                    note=_note(f"renewable PPA share {r:.0%} counted at 0 t/MWh (assumption)", adj_note, a.note)))
        elif a.kind == "production":
            route = fs.route(a.item)
            production[a.process] = (route.product, a.amount)  # type: ignore[index]
            if a.method == "route-average":
                f = route.factor
                lines.append(LedgerLine(
                    row=row, kind="production", item=route.id, process=a.process, scope="route", amount=a.amount,
                    unit="t", factor=f.value, factor_unit=f.unit, factor_id=f.id, gas="CO2",
                    emissions_t=a.amount * f.value * m, ch4_kg=0.0, n2o_kg=0.0,
                    status=_weakest([f.status, *adj_status]), sources=_uniq((*f.sources, *adj_src)),
                    note=_note(f"whole-route average ≈{f.value} {f.unit} ({f.effective}); covers the route's fuels "
                               "and electricity", adj_note, a.note)))
            else:
                lines.append(_memo(row, a, route.id, _note(f"fuel-based: the emissions of {a.process!r} are its fuel "
                                                           "and electricity lines", adj_note, a.note)))
        else:  # feedstock
            qty[f"feedstocks/{a.item}"] = qty.get(f"feedstocks/{a.item}", 0.0) + a.amount
            lines.append(_memo(row, a, a.item, _note("feedstock: not combusted here; a cracker's CO2 comes from its "
                                                     "route average or its fuel lines", adj_note, a.note)))
    notes = list(_NOTES)
    if gf is not None:
        notes.append(f"grid factor: {gf.id} = {gf.value} {gf.unit} [{gf.status}]"
                     + (f"; {gf.applies}" if gf.applies else "; given by the caller"))
    return Ledger(year=year, lines=tuple(lines), grid=gf, production=MappingProxyType(production),
                  quantities=MappingProxyType(qty), notes=tuple(notes))
