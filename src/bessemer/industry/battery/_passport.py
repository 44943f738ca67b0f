"""The battery passport of Regulation (EU) 2023/1542 (Article 77, Annex XIII), as JSON checked against a JSON Schema.

The schema (``data/passport.schema.json``, Draft 2020-12) was written by this project from the Regulation's
text, not copied from a third-party data model. Every attribute carries a ``description``, an ``x-source``
(article / annex point) and an ``x-access`` (``public``; ``legitimate_interest``: persons with a legitimate
interest and the Commission; ``notified_bodies``: notified bodies, market surveillance authorities and the
Commission). Each group lists its mandatory attributes in ``required``.

:func:`build_passport` assembles one battery's passport from what is known and never invents a value: what is
missing is listed by JSON path in ``missing`` and the passport is a ``draft``. :func:`validate_passport`
names every missing or wrong attribute by its path (``carbon_footprint.total_kg_co2e_per_kwh``).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from bessemer.core import DataError

from ._composition import Composition
from ._grading import BatteryAssessment, Grade

__all__ = ["ACCESS_LEVELS", "PASSPORT_GROUPS", "build_passport", "passport_schema", "passport_view",
           "validate_passport"]

_SCHEMA_FILE = "passport.schema.json"

#: Attribute groups of the passport, in document order.
PASSPORT_GROUPS: tuple[str, ...] = ("identity", "chemistry_and_composition", "carbon_footprint",
                                    "performance_and_durability", "state_of_health", "due_diligence",
                                    "recycled_content", "end_of_life", "compliance")

#: Readers and the ``x-access`` levels each may see (Annex XIII points 1-4).
ACCESS_LEVELS: Mapping[str, frozenset[str]] = {
    "public": frozenset({"public"}),
    "legitimate_interest": frozenset({"public", "legitimate_interest"}),
    "notified_bodies": frozenset({"public", "notified_bodies"}),
    "commission": frozenset({"public", "legitimate_interest", "notified_bodies"}),
}


def passport_schema() -> dict[str, Any]:
    """The passport's JSON Schema (Draft 2020-12), a fresh copy.

    Examples
    --------
    >>> s = passport_schema()
    >>> s["$schema"]
    'https://json-schema.org/draft/2020-12/schema'
    >>> s["properties"]["carbon_footprint"]["properties"]["total_kg_co2e_per_kwh"]["x-source"]
    'Regulation (EU) 2023/1542, Article 7(1)(d); Annex XIII, point 1(c)'
    """
    return copy.deepcopy(_schema())


@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    text = resources.files("bessemer.industry.battery").joinpath(f"data/{_SCHEMA_FILE}").read_text("utf-8")
    return json.loads(text)


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    return Draft202012Validator(_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)


def _path(parts: Iterable[Any]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _errors(doc: Mapping[str, Any]) -> tuple[list[str], list[tuple[str, str]]]:
    """``(missing paths, [(path, message) of wrong attributes])``, both sorted."""
    missing: set[str] = set()
    wrong: set[tuple[str, str]] = set()
    todo: list[ValidationError] = list(_validator().iter_errors(doc))
    while todo:
        err = todo.pop()
        if err.context:  # an if/then or a combinator: report what is under it
            todo.extend(err.context)
            continue
        base = list(err.absolute_path)
        if err.validator == "required" and isinstance(err.instance, Mapping):
            missing.update(_path([*base, k]) for k in err.validator_value if k not in err.instance)
        elif err.validator == "dependentRequired" and isinstance(err.instance, Mapping):
            for need in err.validator_value.values():
                missing.update(_path([*base, k]) for k in need if k not in err.instance)
        else:
            wrong.add((_path(base) or "(document)", err.message))
    return sorted(missing), sorted(wrong)


def validate_passport(doc: Mapping[str, Any], *, raise_errors: bool = True) -> list[str]:
    """Check a passport against the schema, naming every missing or wrong attribute by its JSON path.

    Parameters
    ----------
    doc : Mapping
        A passport (from :func:`build_passport` or read from JSON).
    raise_errors : bool
        True raises :class:`DataError` when anything is wrong; False returns the list instead.

    Returns
    -------
    list of str
        ``"<path>: missing mandatory attribute"`` or ``"<path>: <what is wrong>"``; empty when valid.

    Raises
    ------
    DataError
        With every problem in the message; ``err.paths`` lists the paths.

    Examples
    --------
    >>> errs = validate_passport({"schema_version": "1", "passport_status": "draft"}, raise_errors=False)
    >>> errs[0]
    'carbon_footprint: missing mandatory attribute'
    """
    missing, wrong = _errors(doc)
    problems = [f"{p}: missing mandatory attribute" for p in missing] + [f"{p}: {m}" for p, m in wrong]
    if problems and raise_errors:
        err = DataError(f"the battery passport does not validate against the schema "
                        f"({len(missing)} missing, {len(wrong)} wrong): " + "; ".join(problems)
                        + ". Fill the missing attributes (passport.schema.json names the article of each) and fix "
                        "the wrong ones")
        err.paths = [*missing, *(p for p, _ in wrong)]  # type: ignore[attr-defined]
        raise err
    return problems


def _drop_none(d: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def _nullable(group: str, key: str) -> bool:
    typ = _schema()["properties"][group].get("properties", {}).get(key, {}).get("type")
    return isinstance(typ, list) and "null" in typ


def _merge(group: str, derived: Mapping[str, Any], given: Mapping[str, Any] | None) -> dict[str, Any]:
    """Given values win over derived ones. None means "not known" and is dropped (absent, never invented),
    except where the schema gives null a meaning (``recycled_content.lead_pct``: no lead in the active materials)."""
    out = _drop_none(derived)
    out.update({k: v for k, v in dict(given or {}).items() if v is not None or _nullable(group, k)})
    return out


def _cycles(point: float | None, lower: float | None, upper: float | None, level: float) -> dict[str, Any] | None:
    """The remaining-cycles object; JSON has no infinity, so an unbounded value is left out."""
    point, lower, upper = (None if v is None or math.isinf(v) else v for v in (point, lower, upper))
    if point is None and lower is None:
        return None
    return _drop_none({"point": point, "lower": lower, "upper": upper,
                       "interval_level": level if lower is not None or upper is not None else None})


def _from_assessment(a: BatteryAssessment, on: dt.date | None) -> dict[str, dict[str, Any]]:
    soh = {
        "assessment_date": None if on is None else on.isoformat(),
        "soh_capacity_pct": a.soh_pct, "soh_capacity_lower_pct": a.soh_lower_pct,
        "soh_capacity_upper_pct": a.soh_upper_pct, "interval_level": a.interval_level,
        "remaining_capacity_ah": a.rated_capacity_ah * a.soh_pct / 100.0,
        "capacity_fade_pct": 100.0 - a.soh_pct,
        "internal_resistance_increase_pct": a.resistance_growth_pct,
        "negative_events": list(a.safety_flags) or None,
        "remaining_cycles_to_80pct": _cycles(a.cycles_to_80, a.cycles_to_80_lower, a.cycles_to_80_upper,
                                             a.interval_level),
        "remaining_cycles_to_70pct": _cycles(a.cycles_to_70, a.cycles_to_70_lower, a.cycles_to_70_upper,
                                             a.interval_level),
    }
    return {"identity": {"battery_id": a.battery_id, "weight_kg": a.mass_kg},
            "chemistry_and_composition": {"chemistry": a.chemistry},
            "performance_and_durability": {"rated_capacity_ah": a.rated_capacity_ah},
            "state_of_health": soh}


def _from_composition(c: Composition) -> dict[str, Any]:
    return {"element_mass_fractions": dict(sorted(c.mass_fractions.items())), "composition_basis": c.basis,
            "composition_source": c.source + (f" ({c.note})" if c.note else "")}


def _from_grade(g: Grade) -> dict[str, Any]:
    d = g.to_dict()
    grade = {k: d[k] for k in ("grade", "point_estimate_grade", "pessimistic_side", "note_en", "note_ko",
                               "reasons", "thresholds")}
    return {"grade": grade, "recovery_estimate": d["recovery"]}


def build_passport(
    *,
    identity: Mapping[str, Any] | None = None,
    chemistry_and_composition: Mapping[str, Any] | None = None,
    carbon_footprint: Mapping[str, Any] | None = None,
    performance_and_durability: Mapping[str, Any] | None = None,
    state_of_health: Mapping[str, Any] | None = None,
    due_diligence: Mapping[str, Any] | None = None,
    recycled_content: Mapping[str, Any] | None = None,
    end_of_life: Mapping[str, Any] | None = None,
    compliance: Mapping[str, Any] | None = None,
    assessment: BatteryAssessment | None = None,
    grade: Grade | None = None,
    composition: Composition | None = None,
    assessed_on: dt.date | None = None,
) -> dict[str, Any]:
    """Assemble one battery's passport from what is known; list what is missing, invent nothing.

    Each group argument is a mapping of the group's attributes (names as in ``passport.schema.json``).
    ``assessment`` fills the state of health (SOH with its interval, remaining capacity, capacity fade,
    resistance growth, remaining cycles, reported safety events), the battery id, chemistry, weight and rated
    capacity; ``grade`` adds the reuse / repurpose / recycle grade and the expected recovered masses;
    ``composition`` (or the grade's) adds the element mass fractions and says whether they were declared or
    assumed. A value given in a group mapping wins over one derived from these.

    Returns
    -------
    dict
        The passport. ``passport_status`` is ``"complete"`` when every mandatory attribute is present and
        ``"draft"`` otherwise; ``missing`` lists the JSON paths of the absent mandatory attributes.

    Raises
    ------
    DataError
        A value that is present but wrong (wrong type, out of range, unknown attribute), naming its path.

    Examples
    --------
    >>> p = build_passport(identity={"battery_id": "cell-7"},
    ...                    carbon_footprint={"total_kg_co2e_per_kwh": 61.5})
    >>> p["passport_status"], p["identity"]["battery_id"]
    ('draft', 'cell-7')
    >>> "carbon_footprint.public_study_url" in p["missing"], "identity.battery_id" in p["missing"]
    (True, False)
    """
    given = {"identity": identity, "chemistry_and_composition": chemistry_and_composition,
             "carbon_footprint": carbon_footprint, "performance_and_durability": performance_and_durability,
             "state_of_health": state_of_health, "due_diligence": due_diligence,
             "recycled_content": recycled_content, "end_of_life": end_of_life, "compliance": compliance}
    derived: dict[str, dict[str, Any]] = {g: {} for g in PASSPORT_GROUPS}
    if assessment is not None:
        for g, values in _from_assessment(assessment, assessed_on).items():
            derived[g].update(values)
    comp = composition if composition is not None else (grade.composition if grade is not None else None)
    if comp is not None and comp.mass_fractions:
        derived["chemistry_and_composition"].update(_from_composition(comp))
    if grade is not None:
        if assessment is not None and grade.battery_id != assessment.battery_id:
            raise DataError(f"the grade is for battery {grade.battery_id!r} but the assessment for "
                            f"{assessment.battery_id!r}; pass the grade of the same battery")
        derived["end_of_life"].update(_from_grade(grade))
    doc: dict[str, Any] = {"schema_version": "1", "passport_status": "draft", "missing": []}
    for g in PASSPORT_GROUPS:
        doc[g] = json.loads(json.dumps(_merge(g, derived[g], given[g])))  # plain JSON types, a deep copy
    missing, wrong = _errors(doc)
    if wrong:
        raise DataError("cannot build the battery passport: " + "; ".join(f"{p}: {m}" for p, m in wrong)
                        + ". Fix these values (passport.schema.json gives each attribute's type and unit)")
    doc["missing"] = missing
    doc["passport_status"] = "draft" if missing else "complete"
    return doc


def passport_view(doc: Mapping[str, Any], access: str = "public") -> dict[str, Any]:
    """The part of a passport one kind of reader may see (``x-access`` of each attribute, Annex XIII).

    Parameters
    ----------
    doc : Mapping
        A passport.
    access : {"public", "legitimate_interest", "notified_bodies", "commission"}

    Examples
    --------
    >>> p = build_passport(identity={"battery_id": "c1"}, state_of_health={"soh_capacity_pct": 91.0})
    >>> "soh_capacity_pct" in passport_view(p, "public")["state_of_health"]
    False
    >>> passport_view(p, "legitimate_interest")["state_of_health"]["soh_capacity_pct"]
    91.0
    """
    if access not in ACCESS_LEVELS:
        raise DataError(f"access must be one of {sorted(ACCESS_LEVELS)}, got {access!r}")
    allowed = ACCESS_LEVELS[access]
    props = _schema()["properties"]
    out: dict[str, Any] = {}
    for key, value in doc.items():
        spec = props.get(key, {})
        if key in PASSPORT_GROUPS and isinstance(value, Mapping):
            inner = spec.get("properties", {})
            out[key] = {k: copy.deepcopy(v) for k, v in value.items()
                        if inner.get(k, {}).get("x-access") in allowed}
        elif spec.get("x-access", "public") in allowed:
            out[key] = copy.deepcopy(value)
    if access != "commission":
        out["missing"] = [m for m in doc.get("missing", []) if _access_of(m) in allowed]
    return out


def _access_of(path: str) -> str | None:
    node: Mapping[str, Any] = _schema()
    access = None
    for part in path.split("."):
        node = node.get("properties", {}).get(part, {})
        access = node.get("x-access", access)
    return access
