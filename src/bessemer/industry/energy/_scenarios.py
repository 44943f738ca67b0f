"""Carbon-neutral pathway scenarios: :class:`Scenario`, :func:`compare` with the baseline, and scenario files.

A scenario is a named list of changes to a baseline's activities (see :class:`Scenario`);
:func:`compare` books the baseline and every scenario with :func:`ledger` and reports the change
in t CO2 and, given prices (always inputs, never defaults), in cost. :func:`load_scenarios` reads
cases (a baseline, its scenarios and labelled prices) such as the bundled ``scenarios-demo.json``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd

from bessemer.core import ConfigError, DataError

from ._activities import Activity, _check, _guard, _norm_field, parse_activities
from ._factor_files import _bundled_json, _read_json, load_factors
from ._factors import FactorSet, _norm, _show, _year
from ._ledger import Ledger, ledger
from ._scenario_changes import _APPLY, _check_change

_DEMO = "scenarios-demo.json"


@dataclass(frozen=True)
class Scenario:
    """A named set of changes to a baseline's activities.

    ``changes`` is a sequence of mappings, applied in order:

    ``{"op": "pathway", "pathway": ID, "process": P, "share": s, ...}``
        A pathway from ``pathways.json`` on the naphtha-cracker process ``P`` for a share ``s`` of it:

        - ``feedstock`` (``bio-naphtha``, ``pyrolysis-oil``): the direct lines of ``P`` (fuels, route
          average) are multiplied by ``1 - s x reduction``; a share ``s`` of ``P``'s feedstock is bought
          as the new material. ``pyrolysis-oil`` has no reported cracker-side reduction: give
          ``"reduction"`` (your assumption) or it is refused.
        - ``electrification`` (``electric-furnace``): needs ``"kwh"`` (the furnaces' power) and takes
          ``"renewable_share"`` (PPA share, default 0 = grid). Fuel lines of ``P`` shrink by ``s`` (fuel
          no longer burned); a route-average line is multiplied by ``1 - s x 0.90`` (the reported ≥90 %).
        - ``process`` (``catalytic-cracking``): fuel lines shrink by ``s x`` the reported 20 % energy
          reduction; a route-average line is multiplied by ``1 - s x`` the reported 20 % CO2 reduction.

        ``"reduction"`` overrides the reported figure (recorded as an assumption).
    ``{"op": "shift_production", "from": A, "to": B, "share": s, "route": R}``
        Moves a share ``s`` of process ``A``'s production to process ``B`` (same product), scaling every
        line of both processes in proportion to their output (constant specific consumption). ``B`` is
        created as a route-average process of route ``R`` when absent: e.g. an EAF share.
    ``{"op": "renewable_power", "share": s, "process": P}``
        Sets the renewable PPA share of the electricity lines of ``P`` (all lines when omitted).

    Every change may carry ``"note"`` and ``"assumption": true``.

    Examples
    --------
    >>> base = [{"kind": "production", "route": "bf-bof", "amount": 1000, "unit": "t"}]
    >>> sc = Scenario("eaf-30", "30 % of steel by EAF", [{"op": "shift_production", "from": "bf-bof",
    ...                                                 "to": "eaf", "share": 0.3, "route": "eaf"}])
    >>> round(ledger(sc.apply(base), year=2023).totals["route_t"], 1)
    1820.0
    """

    name: str
    description: str = ""
    changes: tuple[Mapping[str, Any], ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip() or len(self.name) > 80 or any(
                ord(c) < 32 for c in self.name):
            raise DataError(f"expected a scenario name (1-80 printable characters), got {_show(self.name)}",
                            column="name")
        if not isinstance(self.description, str):
            raise DataError(f"expected a description text, got {_show(self.description)}", column="description")
        if isinstance(self.changes, Mapping | str) or not isinstance(self.changes, Iterable):
            raise DataError(f"expected a list of changes, got {type(self.changes).__name__}", column="changes")
        checked = tuple(MappingProxyType(dict(_check_change(c, self.name, i)))
                        for i, c in enumerate(self.changes, 1))
        object.__setattr__(self, "changes", checked)

    def apply(self, activities: Any, *, factors: FactorSet | None = None) -> list[Activity]:
        """The baseline's activities with this scenario's changes (the input is not modified)."""
        fs = factors or load_factors()
        acts = parse_activities(activities, factors=fs)
        for i, ch in enumerate(self.changes, 1):
            try:
                acts = _APPLY[ch["op"]](acts, ch, fs)
            except DataError as err:
                raise DataError(f"scenario {self.name!r}, change {i}: {err.reason}", row=i,
                                column=err.column) from err
            acts = [_check(a, fs, None, r) for r, a in enumerate(acts, 1)]
        _guard(acts, fs, None)
        return acts


_PRICE_KEYS = {"fuels": "KRW/t", "feedstocks": "KRW/t", "electricity": "KRW/kWh", "electricity_renewable": "KRW/kWh",
               "carbon": "KRW/tCO2"}


def _price_value(v: Any, where: str) -> float:
    if isinstance(v, Mapping):
        v = v.get("value")
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v < 0 or v > 1e12:
        raise ConfigError(f"price {where} must be a finite number of won >= 0, got {_show(v)}")
    return float(v)


def _prices(prices: Mapping[str, Any], fs: FactorSet) -> dict[str, float]:
    if not isinstance(prices, Mapping):
        raise ConfigError(f"prices must be a mapping, got {type(prices).__name__}")
    out = {}
    for key, v in prices.items():
        if key not in _PRICE_KEYS:
            raise ConfigError(f"unknown price {_show(key)}; expected some of {sorted(_PRICE_KEYS)} "
                              "(fuels and feedstocks as {id: won per t})")
        if key in ("fuels", "feedstocks"):
            if not isinstance(v, Mapping):
                raise ConfigError(f"prices[{key!r}] must map ids to won per t, got {type(v).__name__}")
            for item, p in v.items():
                iid = fs.fuel(item).id if key == "fuels" else _norm(item)
                out[f"{key}/{iid}"] = _price_value(p, f"{key}/{item}")
        else:
            out[key] = _price_value(v, key)
    return out


def compare(baseline_activities: Any, scenarios: Sequence[Scenario], *, year: int,
            prices: Mapping[str, Any] | None = None, factors: FactorSet | None = None) -> pd.DataFrame:
    """Compare scenarios with the baseline: tCO2 by scope, change, and cost change.

    Parameters
    ----------
    baseline_activities : see :func:`parse_activities`
    scenarios : sequence of Scenario
    year : int
        Year of consumption for the grid factor (the same for every scenario).
    prices : mapping, optional
        ``{"fuels": {id: KRW/t}, "feedstocks": {id: KRW/t}, "electricity": KRW/kWh,
        "electricity_renewable": KRW/kWh, "carbon": KRW/tCO2}``. There are no defaults: every priced
        quantity that changes in some scenario needs its price (use 0 on purpose). The carbon price is
        applied to the change in ``total_t``. Route-average processes carry no fuel quantities, so only
        their carbon cost changes.

    Returns
    -------
    DataFrame
        One row per scenario, the baseline first: ``scope1_t``, ``scope2_t``, ``route_t``, ``total_t``,
        ``delta_t``, ``delta_pct``, ``t_per_t_<product>``, and with prices ``energy_cost_delta_won``,
        ``carbon_cost_delta_won``, ``cost_delta_won``.

    Examples
    --------
    >>> base = [{"kind": "production", "route": "bf-bof", "amount": 1000, "unit": "t"}]
    >>> eaf = Scenario("eaf-50", changes=[{"op": "shift_production", "from": "bf-bof", "to": "eaf",
    ...                                    "share": 0.5, "route": "eaf"}])
    >>> df = compare(base, [eaf], year=2023, prices={"carbon": 10_000})
    >>> df[["scenario", "total_t", "delta_t", "delta_pct", "cost_delta_won"]].round(1).values.tolist()
    [['baseline', 2300.0, 0.0, 0.0, 0.0], ['eaf-50', 1500.0, -800.0, -34.8, -8000000.0]]
    """
    fs = factors or load_factors()
    base_acts = parse_activities(baseline_activities, factors=fs)
    names = [s.name for s in scenarios if isinstance(s, Scenario)]
    if len(names) != len(scenarios):
        raise DataError("scenarios must be Scenario objects", column="scenarios")
    if len(set(names)) != len(names) or "baseline" in names:
        raise DataError(f"scenario names must be unique and not 'baseline', got {names}", column="scenarios")
    pr = _prices(prices, fs) if prices is not None else None
    led = {"baseline": ledger(base_acts, year=year, factors=fs)}
    desc = {"baseline": "as is"}
    for sc in scenarios:
        led[sc.name] = ledger(sc.apply(base_acts, factors=fs), year=year, factors=fs)
        desc[sc.name] = sc.description
    base = led["baseline"]
    products = sorted(k for k in base.intensity() if k != "unallocated")
    rows = []
    for name, lg in led.items():
        t = lg.totals
        d = t["total_t"] - base.totals["total_t"]
        row: dict[str, Any] = {"scenario": name, "description": desc[name], "scope1_t": t["scope1_t"],
                               "scope2_t": t["scope2_t"], "route_t": t["route_t"], "total_t": t["total_t"],
                               "delta_t": d,
                               "delta_pct": 100.0 * d / base.totals["total_t"] if base.totals["total_t"] else math.nan}
        inten = lg.intensity()
        for p in products:
            v = inten.get(p, {}).get("t_per_t")
            row[f"t_per_t_{p}"] = math.nan if v is None else v
        if pr is not None:
            row.update(_cost_delta(base, lg, d, pr, name))
        rows.append(row)
    return pd.DataFrame(rows)


def _cost_delta(base: Ledger, lg: Ledger, d_total: float, pr: Mapping[str, float], name: str) -> dict[str, float]:
    energy = 0.0
    missing = []
    for key in sorted(set(base.quantities) | set(lg.quantities)):
        dq = lg.quantities.get(key, 0.0) - base.quantities.get(key, 0.0)
        if abs(dq) <= 1e-9 * max(1.0, abs(base.quantities.get(key, 0.0))):
            continue
        if key not in pr:
            missing.append(key)
        else:
            energy += dq * pr[key]
    if abs(d_total) > 1e-9 and "carbon" not in pr:
        missing.append("carbon")
    if missing:
        raise ConfigError(f"scenario {name!r} changes {missing} but prices has no value for them; give each "
                          "(won per t, kWh or tCO2; 0 on purpose if it is free)")
    carbon = d_total * pr.get("carbon", 0.0)
    return {"energy_cost_delta_won": energy, "carbon_cost_delta_won": carbon, "cost_delta_won": energy + carbon}


@dataclass(frozen=True)
class ScenarioCase:
    """A baseline with its scenarios and (illustrative) prices, as read by :func:`load_scenarios`."""

    name: str
    description: str
    year: int
    activities: tuple[Activity, ...]
    scenarios: tuple[Scenario, ...]
    prices: Mapping[str, Any]
    notes: tuple[str, ...] = ()

    def compare(self, *, factors: FactorSet | None = None) -> pd.DataFrame:
        """:func:`compare` this case's scenarios with its baseline at its prices."""
        return compare(list(self.activities), list(self.scenarios), year=self.year, prices=self.prices,
                       factors=factors)


def load_scenarios(path: str | Path | None = None, *, factors: FactorSet | None = None) -> dict[str, ScenarioCase]:
    """Read a scenario file (the bundled ``scenarios-demo.json`` when ``path`` is None).

    Every price in the file must be ``{"value": ..., "unit": ..., "assumption": true, "note": "..."}``:
    prices are inputs, and one without its label is refused.

    Examples
    --------
    >>> cases = load_scenarios()
    >>> sorted(cases)
    ['gwangyang-steel', 'yeosu-ncc']
    >>> df = cases["gwangyang-steel"].compare()
    >>> df[["scenario", "total_t", "delta_pct"]].round(1).values.tolist()
    [['baseline', 2300000.0, 0.0], ['eaf-30', 1820000.0, -20.9], ['eaf-50', 1500000.0, -34.8]]
    """
    fs = factors or load_factors()
    name, doc = _bundled_json(_DEMO) if path is None else _read_json(Path(path))
    if not isinstance(doc, dict) or doc.get("schema") != "bessemer.carbon.scenarios/1":
        raise DataError("expected a JSON object with schema 'bessemer.carbon.scenarios/1'", file=name, column="schema")
    prices = _labelled_prices(doc.get("prices", {}), name)
    cases = doc.get("cases")
    if not isinstance(cases, list) or not cases:
        raise DataError("expected a non-empty list under 'cases'", file=name, column="cases")
    out: dict[str, ScenarioCase] = {}
    for i, c in enumerate(cases, 1):
        if not isinstance(c, dict):
            raise DataError(f"expected a case object, got {type(c).__name__}", file=name, row=i)
        cname = _norm_field(c.get("name"), name, i, "name")
        try:
            year = _year(c.get("year"))
            acts = parse_activities(c.get("activities", []), factors=fs, file=f"{name} case {cname!r}")
            scs = tuple(Scenario(str(s.get("name")), str(s.get("description", "")), s.get("changes", []))
                        for s in c.get("scenarios", []))
        except DataError as err:
            raise DataError(f"case {cname!r}: {err}", file=name, row=i, column=err.column) from err
        if cname in out:
            raise DataError(f"duplicate case name {cname!r}", file=name, row=i, column="name")
        out[cname] = ScenarioCase(name=cname, description=str(c.get("description", "")), year=year,
                                  activities=tuple(acts), scenarios=scs, prices=prices,
                                  notes=tuple(str(n) for n in c.get("notes", [])))
    return out


def _labelled_prices(raw: Any, file: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise DataError("expected an object under 'prices'", file=file, column="prices")

    def one(v: Any, where: str, unit: str) -> float:
        if not isinstance(v, dict) or v.get("assumption") is not True or not str(v.get("note", "")).strip():
            raise DataError("every price must be labelled {\"value\": ..., \"unit\": ..., \"assumption\": true, "
                            "\"note\": \"...\"}: prices are inputs, not library values", file=file, column=where)
        if v.get("unit") != unit:
            raise DataError(f"expected unit {unit!r}, got {v.get('unit')!r}", file=file, column=where)
        try:
            return _price_value(v.get("value"), where)
        except ConfigError as err:
            raise DataError(str(err), file=file, column=where) from err

    out: dict[str, Any] = {}
    for key, v in raw.items():
        if key not in _PRICE_KEYS:
            raise DataError(f"unknown price {_show(key)}; expected some of {sorted(_PRICE_KEYS)}", file=file,
                            column="prices")
        if key in ("fuels", "feedstocks"):
            if not isinstance(v, dict):
                raise DataError(f"expected {{id: price}} under {key!r}", file=file, column=key)
            out[key] = {item: one(p, f"prices.{key}.{item}", _PRICE_KEYS[key]) for item, p in v.items()}
        else:
            out[key] = one(v, f"prices.{key}", _PRICE_KEYS[key])
    return out
