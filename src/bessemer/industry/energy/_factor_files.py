"""Reading the carbon factor files (``data/carbon/*.json``) into a :class:`FactorSet`.

The schema is described in ``data/carbon/README.md``. The loader checks types, ranges, statuses
and source URLs, and names file, item (row, 1-based) and field on any error.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bessemer.core import DataError

from ._factors import _ID, STATUSES, Factor, FactorSet, Fuel, Pathway, Route

_FILES = {
    "fuels": "fuels-ipcc2006.json",
    "grid": "grid-kr.json",
    "routes": "routes.json",
    "pathways": "pathways.json",
}


def load_factors(path: str | Path | None = None) -> FactorSet:
    """Read the carbon factors.

    Parameters
    ----------
    path : str or Path, optional
        A folder holding ``fuels-ipcc2006.json``, ``grid-kr.json``, ``routes.json`` and ``pathways.json``
        (schema in ``data/carbon/README.md``). None reads the bundled files (cached).

    Returns
    -------
    FactorSet

    Raises
    ------
    DataError
        A file that is missing, not JSON, or breaks the schema; the message names file, item and field.

    Examples
    --------
    >>> fs = load_factors()
    >>> round(fs.fuel("natural-gas").co2_t_per_t, 4)
    2.6928
    >>> fs.grid_factor(2023).value
    0.4173
    """
    if path is None:
        return _bundled()
    folder = Path(path)
    return _parse_all({k: _read_json(folder / name) for k, name in _FILES.items()})


@lru_cache(maxsize=1)
def _bundled() -> FactorSet:
    return _parse_all({k: _bundled_json(name) for k, name in _FILES.items()})


def _bundled_json(name: str) -> tuple[str, Any]:
    """``(name, document)`` of the bundled file ``data/carbon/<name>``."""
    text = resources.files("bessemer.industry.energy").joinpath(f"data/carbon/{name}").read_text("utf-8")
    return _loads(name, text)


def _read_json(path: Path) -> tuple[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise DataError(f"cannot read the factor file: {err}; expected one of {sorted(_FILES.values())} "
                        "in the folder given", file=str(path)) from err
    return _loads(str(path), text)


def _loads(name: str, text: str) -> tuple[str, Any]:
    try:
        return name, json.loads(text)
    except ValueError as err:
        raise DataError(f"not valid JSON ({err}); fix the file", file=name) from err


def grid_factor(year: int, *, basis: str = "consumption", gas: str = "CO2e", strict: bool = False,
                factors: FactorSet | None = None) -> Factor:
    """The published Korean grid factor applicable to electricity consumed in ``year``.

    Rule, in order (the returned :attr:`Factor.applies` says which one picked it):

    1. the single-year factor published for ``year`` (2021, 2022, 2023);
    2. else a multi-year average whose period covers ``year`` (2014–2016, 2020–2022);
    3. else, unless ``strict``, the factor whose period ends last before ``year`` (e.g. 2014–2016 for
       2018, 2023 for 2025): no value is extrapolated; the factor returned is the published one.

    Years before every published period raise :class:`NotFoundError`. Factors without a period
    (origin unknown) are never chosen.

    Parameters
    ----------
    year : int
        Year the electricity was consumed.
    basis : {"consumption", "generation"}
        Consumption-side (Scope 2) national factors, or the power-sector generation factor.
    gas : {"CO2e", "CO2"}
        ``"CO2"`` selects the (Unconfirmed) CO2-only component.
    strict : bool
        Refuse rule 3.
    factors : FactorSet, optional
        Defaults to the bundled factors.

    Examples
    --------
    >>> f = grid_factor(2018)
    >>> f.value, f.status, f.period
    (0.45941, 'Secondary', (2014, 2016))
    >>> f.applies
    'no factor is published for 2018; this is the latest published period before it (2014–2016, 2 year(s) earlier)'
    >>> grid_factor(2021).value, grid_factor(2020).value
    (0.4509, 0.4541)
    """
    return (factors or load_factors()).grid_factor(year, basis=basis, gas=gas, strict=strict)


def _parse_all(raw: Mapping[str, tuple[str, Any]]) -> FactorSet:
    versions = {}
    for key, (name, doc) in raw.items():
        if not isinstance(doc, dict):
            raise DataError(f"expected a JSON object at the top, got {type(doc).__name__}", file=name)
        want = f"bessemer.carbon.{key}/1"
        if doc.get("schema") != want:
            raise DataError(f"expected schema {want!r}, got {doc.get('schema')!r}", file=name, column="schema")
        versions[name] = str(doc.get("version", ""))
    fuels = _parse_fuels(*raw["fuels"])
    grid = _parse_grid(*raw["grid"])
    routes = _parse_routes(*raw["routes"])
    pathways = _parse_pathways(*raw["pathways"])
    return FactorSet(fuels=MappingProxyType(fuels), grid=grid, routes=MappingProxyType(routes),
                     pathways=MappingProxyType(pathways), versions=MappingProxyType(versions))


def _items(doc: Mapping[str, Any], key: str, name: str) -> list[Mapping[str, Any]]:
    items = doc.get(key)
    if not isinstance(items, list) or not items:
        raise DataError(f"expected a non-empty list under {key!r}", file=name, column=key)
    for i, it in enumerate(items, 1):
        if not isinstance(it, dict):
            raise DataError(f"expected an object, got {type(it).__name__}", file=name, row=i)
    return items


def _field(it: Mapping[str, Any], key: str, name: str, row: int) -> Any:
    if key not in it:
        raise DataError(f"missing field {key!r}", file=name, row=row, column=key)
    return it[key]


def _fnum(v: Any, name: str, row: int, col: str, *, hi: float = math.inf) -> float:
    """A finite number in ``(0, hi]``."""
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise DataError(f"expected a finite number, got {v!r}", file=name, row=row, column=col)
    if v <= 0.0 or v > hi:
        raise DataError(f"expected a value in (0.0, {hi}], got {v!r}", file=name, row=row, column=col)
    return float(v)


def _fstatus(v: Any, name: str, row: int) -> str:
    if v not in STATUSES:
        raise DataError(f"expected status one of {STATUSES}, got {v!r}", file=name, row=row, column="status")
    return str(v)


def _fsources(v: Any, name: str, row: int, status: str) -> tuple[str, ...]:
    if not isinstance(v, list) or not all(isinstance(s, str) and s.startswith(("http://", "https://")) for s in v):
        raise DataError(f"expected a list of http(s) URLs, got {v!r}", file=name, row=row, column="sources")
    if not v and status != "Unconfirmed":
        raise DataError(f"a {status} value needs at least one source URL", file=name, row=row, column="sources")
    return tuple(v)


def _fid(v: Any, name: str, row: int) -> str:
    if not isinstance(v, str) or not _ID.match(v):
        raise DataError(f"expected a lower-case id (letters, digits, '-', '.', '_'), got {v!r}",
                        file=name, row=row, column="id")
    return v


def _parse_fuels(name: str, doc: Mapping[str, Any]) -> dict[str, Fuel]:
    status = _fstatus(doc.get("status"), name, 0)
    src = doc.get("sources") or {}
    need = ("ncv", "co2", "ch4_n2o")
    if not isinstance(src, dict) or any(not str(src.get(k, "")).startswith("http") for k in need):
        raise DataError(f"expected 'sources' with URLs for {need}", file=name, column="sources")
    effective = str(doc.get("effective", ""))
    out: dict[str, Fuel] = {}
    for i, it in enumerate(_items(doc, "fuels", name), 1):
        fid = _fid(_field(it, "id", name, i), name, i)
        vals = {k: _fnum(_field(it, k, name, i), name, i, k) for k in ("ncv", "co2", "ch4", "n2o")}
        derived = _fnum(_field(it, "derived_t_co2_per_t", name, i), name, i, "derived_t_co2_per_t")
        if abs(round(vals["ncv"] * vals["co2"] / 1e6, 3) - derived) > 1e-9:
            raise DataError(f"derived_t_co2_per_t {derived} is not NCV x CO2 / 10^6 = "
                            f"{vals['ncv'] * vals['co2'] / 1e6:.4f}; correct one of them", file=name, row=i,
                            column="derived_t_co2_per_t")
        rng = it.get("co2_range_kg_per_tj")
        if rng is not None and not (isinstance(rng, list) and len(rng) == 2 and rng[0] <= vals["co2"] <= rng[1]):
            raise DataError(f"expected [low, high] around the CO2 default, got {rng!r}", file=name, row=i,
                            column="co2_range_kg_per_tj")
        aliases = it.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) and _ID.match(a) for a in aliases):
            raise DataError(f"expected a list of lower-case ids, got {aliases!r}", file=name, row=i, column="aliases")

        def fac(key: str, unit: str, url: str, fid: str = fid, vals: dict[str, float] = vals) -> Factor:
            return Factor(id=f"ipcc2006/{fid}/{key}", value=vals[key], unit=unit, status=status,
                          sources=(url,), effective=effective)

        out[fid] = Fuel(
            id=fid, name=str(it.get("name", fid)), aliases=tuple(aliases),
            ncv=fac("ncv", "TJ/Gg", src["ncv"]), co2=fac("co2", "kg CO2/TJ", src["co2"]),
            ch4=fac("ch4", "kg CH4/TJ", src["ch4_n2o"]), n2o=fac("n2o", "kg N2O/TJ", src["ch4_n2o"]),
            co2_range=(float(rng[0]), float(rng[1])) if rng else None,
        )
    _no_clash({k: (f.id, *f.aliases) for k, f in out.items()}, name)
    return out


def _parse_grid(name: str, doc: Mapping[str, Any]) -> tuple[Factor, ...]:
    out = []
    for i, it in enumerate(_items(doc, "factors", name), 1):
        status = _fstatus(it.get("status"), name, i)
        per = it.get("period")
        years_ok = isinstance(per, list) and len(per) == 2 and all(
            isinstance(y, int) and 1990 <= y <= 2100 for y in per) and per[0] <= per[1]
        if per is not None and not years_ok:
            raise DataError(f"expected [first_year, last_year] or null, got {per!r}", file=name, row=i, column="period")
        gas = it.get("gas")
        if gas not in ("CO2", "CO2e"):
            raise DataError(f"expected gas 'CO2' or 'CO2e', got {gas!r}", file=name, row=i, column="gas")
        unit = str(_field(it, "unit", name, i))
        if not unit.endswith("/MWh"):
            raise DataError(f"expected a unit in t per MWh, got {unit!r}", file=name, row=i, column="unit")
        out.append(Factor(
            id=_fid(_field(it, "id", name, i), name, i),
            value=_fnum(_field(it, "value", name, i), name, i, "value", hi=2.0), unit=unit, status=status,
            sources=_fsources(it.get("sources", []), name, i, status),
            period=(per[0], per[1]) if per else None, effective=it.get("effective"), published=it.get("published"),
            basis=str(_field(it, "basis", name, i)), basis_text=it.get("basis_text"), gas=gas,
            publisher=it.get("publisher"), note=str(it.get("note", "")),
        ))
    ids = [f.id for f in out]
    if len(set(ids)) != len(ids):
        raise DataError(f"duplicate factor ids in {ids}", file=name, column="id")
    return tuple(out)


def _parse_routes(name: str, doc: Mapping[str, Any]) -> dict[str, Route]:
    out = {}
    for i, it in enumerate(_items(doc, "routes", name), 1):
        rid = _fid(_field(it, "id", name, i), name, i)
        status = _fstatus(it.get("status"), name, i)
        product = _field(it, "product", name, i)
        if not isinstance(product, str) or not _ID.match(product):
            raise DataError(f"expected a product id, got {product!r}", file=name, row=i, column="product")
        fac = Factor(id=f"route/{rid}", value=_fnum(_field(it, "value", name, i), name, i, "value", hi=20.0),
                     unit=str(_field(it, "unit", name, i)), status=status,
                     sources=_fsources(it.get("sources", []), name, i, status),
                     effective=it.get("period"), note=str(it.get("note", "")))
        out[rid] = Route(id=rid, name=str(it.get("name", rid)), product=product,
                         aliases=tuple(it.get("aliases", [])), factor=fac)
    _no_clash({k: (r.id, *r.aliases) for k, r in out.items()}, name)
    return out


def _parse_pathways(name: str, doc: Mapping[str, Any]) -> dict[str, Pathway]:
    out = {}
    for i, it in enumerate(_items(doc, "pathways", name), 1):
        pid = _fid(_field(it, "id", name, i), name, i)
        status = _fstatus(it.get("status"), name, i)
        kind = it.get("kind")
        if kind not in ("electrification", "feedstock", "process"):
            raise DataError(f"expected kind electrification/feedstock/process, got {kind!r}",
                            file=name, row=i, column="kind")
        red = {}
        for k in ("co2_reduction", "energy_reduction"):
            v = it.get(k)
            red[k] = None if v is None else _fnum(v, name, i, k, hi=1.0)
        feed = it.get("feedstock")
        if kind == "feedstock" and not (isinstance(feed, str) and _ID.match(feed)):
            raise DataError(f"a feedstock pathway needs the feedstock id, got {feed!r}", file=name, row=i,
                            column="feedstock")
        if kind != "feedstock" and red["co2_reduction"] is None:
            raise DataError("this pathway kind needs co2_reduction", file=name, row=i, column="co2_reduction")
        out[pid] = Pathway(id=pid, kind=kind, name=str(it.get("name", pid)), applies_to=str(it.get("applies_to", "")),
                           co2_reduction=red["co2_reduction"], energy_reduction=red["energy_reduction"],
                           feedstock=feed if kind == "feedstock" else None, reported=str(it.get("reported", "")),
                           status=status, sources=_fsources(it.get("sources", []), name, i, status),
                           model=str(it.get("model", "")), date=str(it.get("date", "")))
    return out


def _no_clash(names: Mapping[str, tuple[str, ...]], file: str) -> None:
    seen: dict[str, str] = {}
    for key, all_names in names.items():
        for n in all_names:
            if n in seen and seen[n] != key:
                raise DataError(f"name {n!r} is used by both {seen[n]!r} and {key!r}", file=file, column="aliases")
            seen[n] = key

