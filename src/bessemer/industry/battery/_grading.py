"""Reuse / repurpose / recycle grade of a spent battery, with structured reasons in English and Korean.

Each criterion (state of health, internal-resistance growth, remaining cycles to 80 % and 70 %, capacity
spread in a pack, safety events and physical damage) gives the best route it allows; the grade is the worst
of them. Values with an interval are compared at their pessimistic end (the lower bound of SOH and of the
remaining cycles), and the grade says so, including when the point estimate alone would have allowed a
better route. Thresholds come from :class:`GradingConfig` (defaults in ``data/grading.toml``).

    reuse       back into an application of its original kind (for example a replacement EV module)
    repurpose   a second life in a less demanding one (for example stationary storage)
    recycle     material recovery; the expected recovered masses come with the grade
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from bessemer.core import ConfigError, DataError

from ._composition import Composition, typical_composition
from ._recovery import RecoveryEstimate, RecyclingRoute, expected_recovery

__all__ = ["GRADES", "BatteryAssessment", "Grade", "GradingConfig", "Reason", "grade_battery"]

GradeName = Literal["reuse", "repurpose", "recycle"]
#: The routes, best first.
GRADES: tuple[str, ...] = ("reuse", "repurpose", "recycle")
_RANK = {g: i for i, g in enumerate(GRADES)}
_GRADE_KO = {"reuse": "재사용", "repurpose": "용도 전환(2차 사용)", "recycle": "재활용"}
_FILE = "grading.toml"


# --------------------------------------------------------------------------------------------- config
@dataclass(frozen=True)
class GradingConfig:
    """Thresholds of the grade. The defaults equal ``data/grading.toml`` (project defaults, not the Regulation's).

    Parameters
    ----------
    reuse_min_soh_pct, repurpose_min_soh_pct : float
        Lowest SOH (% of rated capacity, lower end of its interval) for reuse / repurpose. 80 and 60.
    reuse_max_resistance_growth_pct, repurpose_max_resistance_growth_pct : float
        Highest internal-resistance growth over beginning of life, %. 30 and 100.
    reuse_min_cycles_to_80 : float
        Fewest remaining cycles (lower end) before capacity falls to 80 % of rated, for reuse. 100.
    repurpose_min_cycles_to_70 : float
        Fewest remaining cycles (lower end) before capacity falls to 70 % of rated, for repurpose. 100.
    reuse_max_capacity_spread_pct, repurpose_max_capacity_spread_pct : float
        Largest (max - min) / mean of the cell capacities of a pack, %. 5 and 15.
    safety_flag_forces_recycle : bool
        Any safety event or physical-damage flag sends the battery to recycling. True.

    Raises
    ------
    ConfigError
        A negative or non-finite threshold, an SOH above 100 %, or a reuse threshold less strict than the
        repurpose one; the message names the key.

    Examples
    --------
    >>> GradingConfig().reuse_min_soh_pct
    80.0
    >>> GradingConfig.load(overrides={"repurpose_min_soh_pct": 50}).repurpose_min_soh_pct
    50.0
    """

    reuse_min_soh_pct: float = 80.0
    repurpose_min_soh_pct: float = 60.0
    reuse_max_resistance_growth_pct: float = 30.0
    repurpose_max_resistance_growth_pct: float = 100.0
    reuse_min_cycles_to_80: float = 100.0
    repurpose_min_cycles_to_70: float = 100.0
    reuse_max_capacity_spread_pct: float = 5.0
    repurpose_max_capacity_spread_pct: float = 15.0
    safety_flag_forces_recycle: bool = True

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name == "safety_flag_forces_recycle":
                if not isinstance(v, bool):
                    raise ConfigError(f"grading config key {f.name!r} must be true or false, got {v!r}")
                continue
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise ConfigError(f"grading config key {f.name!r} must be a number, got {v!r}")
            if not math.isfinite(v) or v < 0:
                raise ConfigError(f"grading config key {f.name!r} must be a finite number >= 0, got {v!r}")
            object.__setattr__(self, f.name, float(v))
        for key in ("reuse_min_soh_pct", "repurpose_min_soh_pct"):
            if getattr(self, key) > 100.0:
                raise ConfigError(f"grading config key {key!r} is a % of rated capacity (0-100), "
                                  f"got {getattr(self, key)}")
        pairs = [("reuse_min_soh_pct", "repurpose_min_soh_pct", "at least"),
                 ("reuse_max_resistance_growth_pct", "repurpose_max_resistance_growth_pct", "at most"),
                 ("reuse_max_capacity_spread_pct", "repurpose_max_capacity_spread_pct", "at most")]
        for reuse, repurpose, how in pairs:
            a, b = getattr(self, reuse), getattr(self, repurpose)
            if (how == "at least" and a < b) or (how == "at most" and a > b):
                raise ConfigError(f"grading config key {reuse!r} ({a}) must be {how} {repurpose!r} ({b}): reuse "
                                  "is the stricter route; raise or lower one of them")

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], *, source: str = "mapping") -> GradingConfig:
        """Build from a mapping; unknown keys raise :class:`ConfigError` naming the key."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known - {"schema_version"})
        if unknown:
            raise ConfigError(f"unknown grading config key {unknown[0]!r} in {source}"
                              f"{' (also ' + ', '.join(map(repr, unknown[1:])) + ')' if unknown[1:] else ''}; "
                              f"known keys: {sorted(known)}")
        return cls(**{k: v for k, v in values.items() if k in known})

    @classmethod
    def load(cls, path: str | Path | None = None, *, overrides: Mapping[str, Any] | None = None) -> GradingConfig:
        """Read ``data/grading.toml`` (or ``path``) and apply ``overrides``.

        Raises
        ------
        ConfigError
            An unreadable file, an unknown key or a bad value; the message names the key.
        """
        if path is None:
            base = _bundled_defaults()
            src = _FILE
        else:
            try:
                base = tomllib.loads(Path(path).read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError) as err:
                raise ConfigError(f"cannot read the grading config {path}: {err}") from err
            src = str(path)
        cfg = cls.from_mapping(base, source=src)
        if overrides:
            cfg = cls.from_mapping({**asdict(cfg), **dict(overrides)}, source="overrides")
        return cfg

    def to_dict(self) -> dict[str, Any]:
        """The thresholds as a JSON-friendly mapping."""
        return asdict(self)


@lru_cache(maxsize=1)
def _bundled_defaults() -> dict[str, Any]:
    text = resources.files("bessemer.industry.battery").joinpath(f"data/{_FILE}").read_text("utf-8")
    return tomllib.loads(text)


# ------------------------------------------------------------------------------------------- inputs
def _num(value: Any, name: str, *, allow_none: bool = False, allow_inf: bool = False) -> float | None:
    if value is None and allow_none:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError) as err:
        raise DataError(f"{name} must be a number, got {value!r}") from err
    if not (math.isfinite(v) or (allow_inf and v == math.inf)):
        raise DataError(f"{name} must be finite, got {value!r}")
    return v


@dataclass(frozen=True)
class BatteryAssessment:
    """What is known about one spent battery, as plain numbers (from the SOH / end-of-life models or a test).

    Attributes
    ----------
    battery_id, chemistry : str
    rated_capacity_ah : float
    soh_pct, soh_lower_pct, soh_upper_pct : float
        State of health (% of rated capacity) and its interval; ``lower <= soh <= upper``.
    interval_level : float
        Level of the intervals (0.9 for a 90 % interval).
    resistance_growth_pct : float, optional
        Internal-resistance growth over the beginning-of-life value, %.
    cycles_to_80, cycles_to_80_lower, cycles_to_80_upper : float, optional
        Predicted remaining cycles until capacity falls to 80 % of rated, and its interval (0 when already
        below; ``inf`` when the trend never reaches the threshold). A point without a lower bound is compared
        as it is, and the grade says no interval was given.
    cycles_to_70, cycles_to_70_lower, cycles_to_70_upper : float, optional
        The same, to 70 %.
    cell_capacities_ah : tuple of float
        For a pack or module: measured capacity of each cell (two or more), for the capacity spread.
    safety_flags : tuple of str
        Safety events and physical damage, for example ``"swelling"``, ``"leak"``, ``"thermal_event"``,
        ``"casing_damage"``, ``"deep_discharge"``.
    mass_kg : float, optional
        Battery mass, for the expected recovered masses.

    Examples
    --------
    >>> a = BatteryAssessment("B0005", "NMC622", 2.0, soh_pct=76.0, soh_lower_pct=73.5, soh_upper_pct=78.4)
    >>> a.soh_lower_pct
    73.5
    """

    battery_id: str
    chemistry: str
    rated_capacity_ah: float
    soh_pct: float
    soh_lower_pct: float
    soh_upper_pct: float
    interval_level: float = 0.9
    resistance_growth_pct: float | None = None
    cycles_to_80: float | None = None
    cycles_to_80_lower: float | None = None
    cycles_to_80_upper: float | None = None
    cycles_to_70: float | None = None
    cycles_to_70_lower: float | None = None
    cycles_to_70_upper: float | None = None
    cell_capacities_ah: tuple[float, ...] = ()
    safety_flags: tuple[str, ...] = ()
    mass_kg: float | None = None

    def __post_init__(self) -> None:
        if not str(self.battery_id).strip():
            raise DataError("battery_id must not be empty")
        cap = _num(self.rated_capacity_ah, "rated_capacity_ah")
        if cap is None or cap <= 0:
            raise DataError(f"rated_capacity_ah must be positive, got {self.rated_capacity_ah!r}")
        lo, mid, hi = (_num(getattr(self, k), k) for k in ("soh_lower_pct", "soh_pct", "soh_upper_pct"))
        assert lo is not None and mid is not None and hi is not None
        if lo < 0 or not lo <= mid <= hi:
            raise DataError(f"SOH interval must satisfy 0 <= soh_lower_pct <= soh_pct <= soh_upper_pct, got "
                            f"{lo} <= {mid} <= {hi}; check that lower and upper are not swapped")
        level = _num(self.interval_level, "interval_level")
        if level is None or not 0 < level < 1:
            raise DataError(f"interval_level must be in (0, 1), e.g. 0.9, got {self.interval_level!r}")
        growth = _num(self.resistance_growth_pct, "resistance_growth_pct", allow_none=True)
        if growth is not None and growth < -100:
            raise DataError(f"resistance_growth_pct must be > -100 %, got {growth}")
        for t in ("80", "70"):
            vals = [_num(getattr(self, k), k, allow_none=True, allow_inf=True)
                    for k in (f"cycles_to_{t}_lower", f"cycles_to_{t}", f"cycles_to_{t}_upper")]
            given = [v for v in vals if v is not None]
            if any(v < 0 for v in given) or given != sorted(given):
                raise DataError(f"remaining cycles to {t} % must be >= 0 with lower <= point <= upper, got "
                                f"lower={vals[0]}, point={vals[1]}, upper={vals[2]}")
        cells = tuple(_num(c, "cell_capacities_ah") for c in self.cell_capacities_ah)
        if cells and (len(cells) < 2 or any(c is None or c <= 0 for c in cells)):
            raise DataError("cell_capacities_ah needs two or more positive capacities, "
                            f"got {self.cell_capacities_ah!r}")
        object.__setattr__(self, "cell_capacities_ah", cells)
        object.__setattr__(self, "safety_flags", tuple(str(f) for f in self.safety_flags))
        mass = _num(self.mass_kg, "mass_kg", allow_none=True)
        if mass is not None and mass <= 0:
            raise DataError(f"mass_kg must be positive, got {self.mass_kg!r}")

    @property
    def capacity_spread_pct(self) -> float | None:
        """(max - min) / mean of the cell capacities, %; None for a single cell."""
        if not self.cell_capacities_ah:
            return None
        c = self.cell_capacities_ah
        return 100.0 * (max(c) - min(c)) / (sum(c) / len(c))


# ------------------------------------------------------------------------------------------ outputs
@dataclass(frozen=True)
class Reason:
    """One criterion of a grade.

    Attributes
    ----------
    code : str
        Stable identifier, for example ``"soh_lower_bound"`` or ``"safety_flag"``.
    message_en, message_ko : str
    value : float or str or None
        What was compared (a number, or the flag's name).
    threshold : float or None
        The threshold that decided this criterion's outcome (the one met, or the one missed).
    unit : str
        Unit of ``value`` and ``threshold`` (``"%"``, ``"cycles"``; empty for a flag).
    allows : {"reuse", "repurpose", "recycle"} or None
        The best route this criterion allows; None when it could not be assessed.
    decisive : bool
        Whether this criterion set the grade.
    """

    code: str
    message_en: str
    message_ko: str
    value: float | str | None
    threshold: float | None
    unit: str
    allows: str | None
    decisive: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The reason as a JSON-friendly mapping."""
        return asdict(self)


@dataclass(frozen=True)
class Grade:
    """The grade of one battery.

    Attributes
    ----------
    battery_id : str
    grade : {"reuse", "repurpose", "recycle"}
    reasons : tuple of Reason
        Every criterion, assessed or not; ``decisive`` marks those that set the grade.
    point_estimate_grade : str
        The grade the point estimates alone would give; differs from ``grade`` when the interval decided.
    note_en, note_ko : str
        States that the grade was made on the pessimistic side of the interval.
    config : GradingConfig
    composition : Composition
        The composition used for the recovered masses, with its basis (declared or assumed).
    recovery : RecoveryEstimate or None
        Expected recovered masses on the recycle route (None when the battery mass is unknown).
    """

    battery_id: str
    grade: str
    reasons: tuple[Reason, ...]
    point_estimate_grade: str
    note_en: str
    note_ko: str
    config: GradingConfig
    composition: Composition
    recovery: RecoveryEstimate | None

    @property
    def grade_ko(self) -> str:
        """The grade in Korean."""
        return _GRADE_KO[self.grade]

    def reason(self, code: str) -> Reason:
        """The first reason with this code."""
        for r in self.reasons:
            if r.code == code:
                return r
        raise KeyError(code)

    def to_dict(self) -> dict[str, Any]:
        """The grade as a JSON-friendly mapping."""
        return {"battery_id": self.battery_id, "grade": self.grade, "grade_ko": self.grade_ko,
                "point_estimate_grade": self.point_estimate_grade, "pessimistic_side": True,
                "note_en": self.note_en, "note_ko": self.note_ko,
                "reasons": [r.to_dict() for r in self.reasons], "thresholds": self.config.to_dict(),
                "composition": self.composition.to_dict(),
                "recovery": None if self.recovery is None else self.recovery.to_dict()}


# ------------------------------------------------------------------------------------------ grading
def _at_least(code: str, what: tuple[str, str], value: float, reuse: float | None, repurpose: float | None,
              unit: str, extra: tuple[str, str] = ("", "")) -> Reason:
    """A criterion where larger is better. ``reuse`` / ``repurpose`` None: the criterion does not bound that route."""
    en, ko = what
    ex_en, ex_ko = extra
    u, ku = (" cycles", "사이클") if unit == "cycles" else (unit, unit)
    v = f"{value:.1f}{u}"
    kv = f"{value:.1f}{ku}"
    if reuse is not None and value >= reuse:
        return Reason(code, f"{en} {v} meets the reuse minimum {reuse:.1f}{u}{ex_en}",
                      f"{ko} {kv}: 재사용 기준 {reuse:.1f}{ku} 이상{ex_ko}", value, reuse, unit, "reuse")
    if repurpose is None or value >= repurpose:
        if reuse is None:  # only bounds repurpose, and meets it
            assert repurpose is not None
            return Reason(code, f"{en} {v} meets the repurpose minimum {repurpose:.1f}{u}{ex_en}",
                          f"{ko} {kv}: 용도 전환 기준 {repurpose:.1f}{ku} 이상{ex_ko}", value, repurpose, unit, "reuse")
        return Reason(code, f"{en} {v} is below the reuse minimum {reuse:.1f}{u}{ex_en}",
                      f"{ko} {kv}: 재사용 기준 {reuse:.1f}{ku} 미만{ex_ko}", value, reuse, unit, "repurpose")
    return Reason(code, f"{en} {v} is below the repurpose minimum {repurpose:.1f}{u}{ex_en}",
                  f"{ko} {kv}: 용도 전환 기준 {repurpose:.1f}{ku} 미만{ex_ko}", value, repurpose, unit, "recycle")


def _at_most(code: str, what: tuple[str, str], value: float, reuse: float, repurpose: float) -> Reason:
    en, ko = what
    if value <= reuse:
        return Reason(code, f"{en} {value:.1f}% is within the reuse maximum {reuse:.1f}%",
                      f"{ko} {value:.1f}%: 재사용 상한 {reuse:.1f}% 이내", value, reuse, "%", "reuse")
    if value <= repurpose:
        return Reason(code, f"{en} {value:.1f}% exceeds the reuse maximum {reuse:.1f}%",
                      f"{ko} {value:.1f}%: 재사용 상한 {reuse:.1f}% 초과", value, reuse, "%", "repurpose")
    return Reason(code, f"{en} {value:.1f}% exceeds the repurpose maximum {repurpose:.1f}%",
                  f"{ko} {value:.1f}%: 용도 전환 상한 {repurpose:.1f}% 초과", value, repurpose, "%", "recycle")


def _not_assessed(code: str, en: str, ko: str) -> Reason:
    return Reason(code, f"{en} not given: not assessed", f"{ko} 정보 없음: 평가하지 않음", None, None, "", None)


def _cycles_reason(a: BatteryAssessment, cfg: GradingConfig, t: str, pessimistic: bool) -> Reason:
    point = getattr(a, f"cycles_to_{t}")
    lower = getattr(a, f"cycles_to_{t}_lower")
    what = (f"Remaining cycles to {t} %", f"{t}%까지 남은 사이클")
    if point is None and lower is None:
        return _not_assessed(f"cycles_to_{t}_not_assessed", *what)
    if pessimistic and lower is not None:
        value, extra = float(lower), (f" (lower end of the {a.interval_level:.0%} interval)",
                                      f" ({a.interval_level:.0%} 구간 하한)")
        code = f"cycles_to_{t}_lower_bound"
    else:
        value = float(point if point is not None else lower)
        extra = ((" (point estimate: no interval given)", " (점추정: 구간 없음)") if pessimistic
                 else (" (point estimate)", " (점추정)"))
        code = f"cycles_to_{t}"
    if t == "80":
        return _at_least(code, what, value, cfg.reuse_min_cycles_to_80, None, "cycles", extra)
    # to 70 %: bounds only the repurpose route; meeting it says nothing against reuse
    return _at_least(code, what, value, None, cfg.repurpose_min_cycles_to_70, "cycles", extra)


def _criteria(a: BatteryAssessment, cfg: GradingConfig, *, pessimistic: bool) -> list[Reason]:
    lvl = f"{a.interval_level:.0%}"
    out: list[Reason] = []
    if pessimistic:
        out.append(_at_least("soh_lower_bound", ("SOH, lower end of the " + lvl + " interval,", f"SOH {lvl} 구간 하한"),
                             a.soh_lower_pct, cfg.reuse_min_soh_pct, cfg.repurpose_min_soh_pct, "%",
                             (f" (point estimate {a.soh_pct:.1f}%)", f" (점추정 {a.soh_pct:.1f}%)")))
    else:
        out.append(_at_least("soh", ("SOH point estimate", "SOH 점추정"), a.soh_pct, cfg.reuse_min_soh_pct,
                             cfg.repurpose_min_soh_pct, "%"))
    if a.resistance_growth_pct is None:
        out.append(_not_assessed("resistance_growth_not_assessed", "Internal-resistance growth", "내부저항 증가율"))
    else:
        out.append(_at_most("resistance_growth", ("Internal-resistance growth", "내부저항 증가율"),
                            float(a.resistance_growth_pct), cfg.reuse_max_resistance_growth_pct,
                            cfg.repurpose_max_resistance_growth_pct))
    out.append(_cycles_reason(a, cfg, "80", pessimistic))
    out.append(_cycles_reason(a, cfg, "70", pessimistic))
    spread = a.capacity_spread_pct
    if spread is not None:
        out.append(_at_most("capacity_spread", ("Capacity spread between cells", "셀 간 용량 편차"), spread,
                            cfg.reuse_max_capacity_spread_pct, cfg.repurpose_max_capacity_spread_pct))
    for flag in a.safety_flags:
        if cfg.safety_flag_forces_recycle:
            out.append(Reason("safety_flag", f"Safety event or physical damage reported: {flag}; sent to recycling",
                              f"안전 사고 또는 물리적 손상 보고: {flag}; 재활용으로 분류", flag, None, "", "recycle"))
        else:
            out.append(Reason("safety_flag",
                              f"Safety event or physical damage reported: {flag} (not grading, as configured)",
                              f"안전 사고 또는 물리적 손상 보고: {flag} (설정에 따라 등급에 반영 안 함)",
                              flag, None, "", None))
    return out


def _worst(reasons: Sequence[Reason]) -> str:
    allowed = [r.allows for r in reasons if r.allows is not None]
    return max(allowed, key=lambda g: _RANK[g]) if allowed else "recycle"


def grade_battery(
    assessment: BatteryAssessment,
    config: GradingConfig | None = None,
    *,
    composition: Composition | None = None,
    route: RecyclingRoute | str = "hydrometallurgical",
    on: dt.date | None = None,
) -> Grade:
    """Grade one battery: reuse, repurpose or recycle, with the reasons and the expected recovered masses.

    Parameters
    ----------
    assessment : BatteryAssessment
    config : GradingConfig, optional
        Thresholds; ``GradingConfig.load()`` (``data/grading.toml``) when None.
    composition : Composition, optional
        The declared composition; None uses the typical one of the chemistry (marked as assumed), or none
        at all when the chemistry has no typical composition (then no recovered masses).
    route : RecyclingRoute or str
        Recycling route for the recovered masses.
    on : datetime.date, optional
        Date for the targets of Regulation (EU) 2023/1542; today when None.

    Returns
    -------
    Grade

    Examples
    --------
    >>> a = BatteryAssessment("cell-1", "NMC622", 2.0, soh_pct=81.0, soh_lower_pct=77.5, soh_upper_pct=84.0,
    ...                       resistance_growth_pct=12.0, cycles_to_70=400, cycles_to_70_lower=250, mass_kg=0.045)
    >>> g = grade_battery(a, on=dt.date(2028, 1, 1))
    >>> g.grade, g.point_estimate_grade, g.grade_ko
    ('repurpose', 'reuse', '용도 전환(2차 사용)')
    >>> r = g.reason("soh_lower_bound")
    >>> r.value, r.threshold, r.decisive
    (77.5, 80.0, True)
    >>> g.composition.basis
    'assumed'
    """
    cfg = GradingConfig.load() if config is None else config
    reasons = _criteria(assessment, cfg, pessimistic=True)
    grade = _worst(reasons)
    point_grade = _worst(_criteria(assessment, cfg, pessimistic=False))
    reasons = [replace(r, decisive=r.allows is not None and (r.allows == grade)) for r in reasons]
    lvl = f"{assessment.interval_level:.0%}"
    note_en = (f"Graded on the pessimistic side: SOH at the lower end of its {lvl} interval "
               f"({assessment.soh_lower_pct:.1f}% rather than the point estimate {assessment.soh_pct:.1f}%) and "
               "remaining cycles at the lower end of theirs.")
    note_ko = (f"보수적으로 판정: SOH는 {lvl} 구간 하한({assessment.soh_lower_pct:.1f}%, 점추정 "
               f"{assessment.soh_pct:.1f}% 대신), 남은 사이클도 구간 하한으로 비교함.")
    if point_grade != grade:
        note_en += f" The point estimates alone would give {point_grade}; the interval moved it to {grade}."
        note_ko += f" 점추정만으로는 {_GRADE_KO[point_grade]}이지만 구간을 고려해 {_GRADE_KO[grade]}으로 판정함."
    comp = composition
    if comp is None:
        try:
            comp = typical_composition(assessment.chemistry)
        except DataError:
            comp = Composition(chemistry=assessment.chemistry, mass_fractions={}, basis="assumed",
                               source="no typical composition for this chemistry; declare one",
                               note="unknown composition: no recovered masses")
    recovery = None
    if assessment.mass_kg is not None and comp.mass_fractions:
        recovery = expected_recovery(assessment.mass_kg, comp, route, on=on)
    return Grade(battery_id=assessment.battery_id, grade=grade, reasons=tuple(reasons),
                 point_estimate_grade=point_grade, note_en=note_en, note_ko=note_ko, config=cfg,
                 composition=comp, recovery=recovery)
