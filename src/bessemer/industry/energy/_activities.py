"""Activity lines of a carbon ledger: fuels burned, electricity used, products made, feedstocks bought.

:func:`parse_activities` checks and canonicalises them (names, units, amounts), and refuses a fuel
or electricity line tagged to a process whose emissions a route average already covers, so that
nothing is counted twice.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bessemer.core import DataError, NotFoundError, SchemaError, UnitError

from ._factor_files import load_factors
from ._factors import _ID, FactorSet, _norm, _show

KINDS = ("fuel", "electricity", "production", "feedstock")
METHODS = ("route-average", "fuel-based")
#: Amounts above this (in t, TJ, kWh) are refused as unit mistakes: 10^13 kWh is ~20x Korea's yearly use.
MAX_AMOUNT = 1e13
# canonical unit and multiplier per kind
_UNITS: dict[str, dict[str, tuple[str, float]]] = {
    "fuel": {"t": ("t", 1.0), "kg": ("t", 1e-3), "kt": ("t", 1e3), "gg": ("t", 1e3),
             "tj": ("TJ", 1.0), "gj": ("TJ", 1e-3)},
    "electricity": {"kwh": ("kWh", 1.0), "mwh": ("kWh", 1e3), "gwh": ("kWh", 1e6)},
    "production": {"t": ("t", 1.0), "kt": ("t", 1e3)},
    "feedstock": {"t": ("t", 1.0), "kt": ("t", 1e3)},
}
_VOLUME_UNITS = {"nm3", "sm3", "m3", "l", "kl", "bbl", "barrel", "gal"}
_ACTIVITY_KEYS = {"kind", "item", "fuel", "route", "material", "amount", "unit", "process", "method",
                  "renewable_share", "note"}


@dataclass(frozen=True)
class Adjustment:
    """A scenario change applied to an activity, with the source of the figure it used."""

    text: str
    status: str
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Activity:
    """One activity line: a fuel burned, electricity used, product made, or feedstock bought.

    Build them with :func:`parse_activities` (from mappings, a DataFrame or a file), which checks and
    canonicalises every field; amounts are then in t (fuel, production, feedstock), TJ (fuel) or kWh.

    Parameters
    ----------
    kind : {"fuel", "electricity", "production", "feedstock"}
    item : str
        Fuel id (``"natural-gas"``), route id (``"bf-bof"``, ``"eaf"``, ``"naphtha-cracker"``),
        feedstock material (``"naphtha"``), or ``"grid"`` for electricity.
    amount : float
    unit : str
    process : str, optional
        The process the line belongs to. Production lines default to their route id.
    method : {"route-average", "fuel-based"}, optional
        Production lines only (default ``"route-average"``).
    renewable_share : float
        Electricity only: share bought on a renewable PPA, counted at 0 t/MWh.
    emission_multiplier : float
        Set by scenarios (reported reductions); 1 for measured activities.
    scenario_added : bool
        Set by scenarios on new equipment's lines (e.g. electric furnaces' power): they lie outside a
        route average's boundary, so they may be tagged to a route-average process. Not read from data.
    """

    kind: str
    item: str
    amount: float
    unit: str
    process: str | None = None
    method: str | None = None
    renewable_share: float = 0.0
    note: str = ""
    emission_multiplier: float = 1.0
    adjustments: tuple[Adjustment, ...] = ()
    scenario_added: bool = False

    def adjusted(self, adj: Adjustment, **changes: Any) -> Activity:
        """A copy with ``changes`` and ``adj`` appended to its adjustments."""
        return replace(self, adjustments=(*self.adjustments, adj), **changes)



def parse_activities(data: Any, *, factors: FactorSet | None = None, file: str | None = None) -> list[Activity]:
    """Check and canonicalise activities.

    Parameters
    ----------
    data : sequence of mappings or Activity, a DataFrame, or a path to a ``.json``/``.csv`` file
        Mapping keys: ``kind``, ``item`` (or ``fuel``/``route``/``material``), ``amount``, ``unit``, and
        optionally ``process``, ``method``, ``renewable_share``, ``note``. JSON files hold a list of
        such objects or ``{"activities": [...]}``; CSV files have these as columns.
    factors : FactorSet, optional
    file : str, optional
        Name used in error messages.

    Returns
    -------
    list of Activity

    Raises
    ------
    DataError, SchemaError, UnitError
        Naming the file, the 1-based row and the field: unknown kind, fuel, route or unit, volume units
        (the reference gives no densities), negative, NaN or absurdly large amounts, duplicate
        production processes, and a fuel or electricity line tagged to a route-average process.

    Examples
    --------
    >>> acts = parse_activities([{"kind": "fuel", "fuel": "LNG", "amount": 2, "unit": "kt"}])
    >>> acts[0].item, acts[0].amount, acts[0].unit
    ('natural-gas', 2000.0, 't')
    """
    fs = factors or load_factors()
    if isinstance(data, str | Path):
        return _read_activity_file(Path(data), fs)
    if isinstance(data, pd.DataFrame):
        unknown = sorted(set(map(str, data.columns)) - _ACTIVITY_KEYS)
        if unknown:
            raise SchemaError(f"unknown columns {unknown}; expected some of {sorted(_ACTIVITY_KEYS)}", file=file,
                              column=unknown[0])
        records: Iterable[Any] = data.to_dict(orient="records")
    elif isinstance(data, Mapping) or not isinstance(data, Iterable):
        raise DataError(f"expected a list of activities, a DataFrame or a file path, got {type(data).__name__}",
                        file=file)
    else:
        records = data
    acts = []
    for row, rec in enumerate(records, 1):
        if isinstance(rec, Activity):
            acts.append(_check(rec, fs, file, row))
        elif isinstance(rec, Mapping):
            acts.append(_check(_from_mapping(rec, file, row), fs, file, row))
        else:
            raise DataError(f"expected an activity mapping, got {type(rec).__name__}", file=file, row=row)
    _guard(acts, fs, file)
    return acts


def _read_activity_file(path: Path, fs: FactorSet) -> list[Activity]:
    name = str(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".json":
            doc = json.loads(path.read_text(encoding="utf-8-sig"))
            recs = doc.get("activities") if isinstance(doc, dict) else doc
            if not isinstance(recs, list):
                raise DataError("expected a list of activities or {\"activities\": [...]}", file=name)
            return parse_activities(recs, factors=fs, file=name)
        if suffix == ".csv":
            df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        else:
            raise DataError(f"expected a .json or .csv file, got {suffix or 'no extension'!r}", file=name)
    except (OSError, ValueError, pd.errors.ParserError) as err:
        if isinstance(err, DataError):
            raise
        raise DataError(f"cannot read the activity file: {err}", file=name) from err
    df = df.replace({"": None})
    try:
        return parse_activities(df, factors=fs, file=name)
    except DataError as err:
        if err.file is None:
            raise type(err)(err.reason, file=name, row=err.row, column=err.column) from err
        raise


def _from_mapping(rec: Mapping[str, Any], file: str | None, row: int) -> Activity:
    unknown = sorted(str(k) for k in rec if k not in _ACTIVITY_KEYS)
    if unknown:
        raise SchemaError(f"unknown field {unknown[0]!r}; expected some of {sorted(_ACTIVITY_KEYS)}", file=file,
                          row=row, column=unknown[0])

    def get(key: str) -> Any:
        v = rec.get(key)
        return None if v is None or (isinstance(v, float) and math.isnan(v) and key != "amount") else v

    kind = get("kind")
    if kind is None:
        raise DataError(f"missing 'kind'; expected one of {KINDS}", file=file, row=row, column="kind")
    kind = _norm_field(kind, file, row, "kind")
    item_keys = [k for k in ("item", "fuel", "route", "material") if get(k) is not None]
    if len(item_keys) > 1:
        raise DataError(f"give one of item/fuel/route/material, got {item_keys}", file=file, row=row,
                        column=item_keys[1])
    item = get(item_keys[0]) if item_keys else ("grid" if kind == "electricity" else None)
    if item is None:
        raise DataError("missing 'item' (the fuel, route or material)", file=file, row=row, column="item")
    amount = rec.get("amount")
    if amount is None:
        raise DataError("missing 'amount'", file=file, row=row, column="amount")
    if isinstance(amount, str):
        try:
            amount = float(amount.replace(",", ""))
        except ValueError as err:
            raise DataError(f"expected a number, got {_show(amount)}", file=file, row=row, column="amount") from err
    unit = get("unit")
    if unit is None:
        raise DataError("missing 'unit'", file=file, row=row, column="unit")
    share = get("renewable_share")
    if isinstance(share, str):
        try:
            share = float(share)
        except ValueError as err:
            raise DataError(f"expected a number in [0, 1], got {_show(share)}", file=file, row=row,
                            column="renewable_share") from err
    note = get("note")
    return Activity(kind=kind, item=item, amount=amount, unit=unit, process=get("process"), method=get("method"),
                    renewable_share=0.0 if share is None else share, note="" if note is None else str(note)[:500])


def _norm_field(v: Any, file: str | None, row: int | None, col: str) -> str:
    if not isinstance(v, str) or not v.strip() or len(v) > 200:
        raise DataError(f"expected a short name, got {_show(v)}", file=file, row=row, column=col)
    return _norm(v)


def _number(v: Any, file: str | None, row: int | None, col: str) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating):
        raise DataError(f"expected a number, got {_show(v)}", file=file, row=row, column=col)
    v = float(v)
    if math.isnan(v):
        raise DataError("value is NaN; give a number (0 if nothing was used)", file=file, row=row, column=col)
    if not math.isfinite(v):
        raise DataError(f"value is {v}; give a finite number", file=file, row=row, column=col)
    return v


def _check(a: Activity, fs: FactorSet, file: str | None, row: int | None) -> Activity:
    kind = _norm_field(a.kind, file, row, "kind")
    if kind not in KINDS:
        raise DataError(f"unknown kind {_show(a.kind)}; expected one of {KINDS}", file=file, row=row, column="kind")
    raw_item = _norm_field(a.item, file, row, "item")
    try:
        if kind == "fuel":
            item = fs.fuel(raw_item).id
        elif kind == "production":
            item = fs.route(raw_item).id
        elif kind == "electricity":
            if raw_item != "grid":
                raise NotFoundError(f"electricity lines take item 'grid' (or none), got {_show(a.item)}; "
                                    "give a renewable PPA as renewable_share")
            item = "grid"
        else:
            if not _ID.match(raw_item):
                raise NotFoundError(f"expected a material id (letters, digits, '-'), got {_show(a.item)}")
            item = raw_item
    except NotFoundError as err:
        raise DataError(str(err), file=file, row=row, column="item") from err

    unit_key = _norm_field(a.unit, file, row, "unit").replace("³", "3")
    if kind == "fuel" and unit_key in _VOLUME_UNITS:
        raise UnitError(f"fuel amounts in {_show(a.unit)} need a density or heating value per volume, which the "
                        "reference does not give; convert to t or TJ with your supplier's figures",
                        file=file, row=row, column="unit")
    if unit_key not in _UNITS[kind]:
        raise UnitError(f"unit {_show(a.unit)} is not a {kind} unit; expected one of {sorted(_UNITS[kind])}",
                        file=file, row=row, column="unit")
    unit, mult = _UNITS[kind][unit_key]
    amount = _number(a.amount, file, row, "amount")
    if amount < 0:
        raise DataError(f"amount must be >= 0, got {amount}; record a reduction as a scenario change, not a "
                        "negative activity", file=file, row=row, column="amount")
    amount *= mult
    if amount > MAX_AMOUNT:
        raise DataError(f"amount {amount:.3g} {unit} is implausibly large (limit {MAX_AMOUNT:.0e}); check the unit",
                        file=file, row=row, column="amount")

    process = a.process
    if process is not None:
        process = _norm_field(process, file, row, "process")
        if not _ID.match(process):
            raise DataError(f"expected a process id (letters, digits, '-', '.', '_'; up to 64), got {_show(a.process)}",
                            file=file, row=row, column="process")
    method = a.method
    if kind == "production":
        process = process or item
        method = "route-average" if method is None else _norm_field(method, file, row, "method")
        if method not in METHODS:
            raise DataError(f"unknown method {_show(a.method)}; expected one of {METHODS}", file=file, row=row,
                            column="method")
    elif method is not None:
        raise DataError(f"'method' applies to production lines only, got it on a {kind} line", file=file, row=row,
                        column="method")
    share = _number(a.renewable_share, file, row, "renewable_share")
    if not 0.0 <= share <= 1.0:
        raise DataError(f"renewable_share must be in [0, 1], got {share}", file=file, row=row, column="renewable_share")
    if share and kind != "electricity":
        raise DataError("renewable_share applies to electricity lines only", file=file, row=row,
                        column="renewable_share")
    em = _number(a.emission_multiplier, file, row, "emission_multiplier")
    if em < 0:
        raise DataError(f"emission_multiplier must be >= 0, got {em}", file=file, row=row, column="emission_multiplier")
    return replace(a, kind=kind, item=item, amount=amount, unit=unit, process=process, method=method,
                   renewable_share=share, emission_multiplier=em, note=str(a.note))


def _guard(acts: Sequence[Activity], fs: FactorSet, file: str | None) -> None:
    """No process made twice; nothing tagged to a route-average process that its average already covers."""
    producers: dict[str, int] = {}
    for row, a in enumerate(acts, 1):
        if a.kind == "production":
            if a.process in producers:
                raise DataError(f"process {a.process!r} already has a production line (row {producers[a.process]}); "
                                "give one line per process, or name the processes apart", file=file, row=row,
                                column="process")
            producers[a.process] = row  # type: ignore[index]
    for row, a in enumerate(acts, 1):
        if a.kind in ("fuel", "electricity") and a.process in producers and not a.scenario_added:
            prow = producers[a.process]
            prod = acts[prow - 1]
            if prod.method == "route-average":
                route = fs.route(prod.item)
                raise DataError(
                    f"this {a.kind} line is tagged to process {a.process!r}, which row {prow} accounts with the "
                    f"{route.id} route average ({route.factor.value} {route.factor.unit}); that average already "
                    "covers the route's fuels and electricity, so this line would be counted twice. Either set "
                    f"method='fuel-based' on row {prow} and list all of the route's fuels and electricity, or tag "
                    "this line to a process outside the route (e.g. 'rolling-mill')",
                    file=file, row=row, column="process")

