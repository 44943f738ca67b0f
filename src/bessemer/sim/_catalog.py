"""What the simulated works is made of: equipment kinds, their signals, failure modes, regimes.

Everything here is plain data read by :mod:`bessemer.sim._engine`. A sensor reading is

.. math::

    y = c_0 + c_L L + c_S S + c_{S2} S^2 + c_{LS3} L S^3 + c_A T_{amb} + c_{abs} \\text{setpoint}
        + \\sum_m a_{m} w \\, [m = \\text{mode}] (0.7 + 0.3 L) + \\text{offset}_{life} + \\sigma \\varepsilon

with ``L = load_pct / 100``, ``S = setpoint / nominal setpoint``, ``w`` in ``[0, 1]`` the wear
state of the current life and ``mode`` its failure mode.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Sensor:
    """One measured signal of an equipment kind and its response model."""

    name: str
    unit: str
    description: str
    c0: float
    noise: float
    c_load: float = 0.0  # times L
    c_sp: float = 0.0  # times S
    c_sp2: float = 0.0  # times S**2
    c_ls3: float = 0.0  # times L * S**3 (fan/pump power law)
    c_amb: float = 0.0  # times ambient temperature (degC)
    c_sp_abs: float = 0.0  # times the raw setpoint (speed follows its setpoint)
    wear: dict[str, float] = field(default_factory=dict)  # failure mode -> amplitude at w = 1


@dataclass(frozen=True)
class Regime:
    """An operating regime of a unit: mean load, setpoint and how long it lasts (hours)."""

    name: str
    load: float
    setpoint: float
    min_h: float
    max_h: float
    weight: float


@dataclass(frozen=True)
class Area:
    """A plant area: its regimes and the operating-condition setpoint it exposes."""

    id: str
    name: str
    name_ko: str
    unit_prefix: str
    unit_name: str
    unit_name_ko: str
    setpoint: str  # name of the setpoint signal
    setpoint_unit: str
    setpoint_description: str
    nominal_setpoint: float
    load_noise: float
    daily_swing: float  # amplitude of a daily load cycle (%)
    regimes: tuple[Regime, ...]


@dataclass(frozen=True)
class Kind:
    """An equipment kind: where it sits, its sensors, failure modes and typical life."""

    id: str
    area: str
    name: str
    name_ko: str
    per_unit: int
    weight: int  # share of the assets for the default mix
    median_life_h: float
    modes: dict[str, float]  # failure mode -> probability
    mode_notes: dict[str, str]
    sensors: tuple[Sensor, ...]


AREAS: dict[str, Area] = {
    a.id: a
    for a in (
        Area(
            "sinter", "Sinter plant", "소결공장", "sinter", "Sinter line {n}", "{n}소결",
            "speed_setpoint_rpm", "rpm", "main fan speed setpoint", 1000.0, 1.5, 0.0,
            (
                Regime("high output", 100.0, 1000.0, 24, 120, 1.0),
                Regime("normal", 85.0, 940.0, 24, 168, 2.0),
                Regime("reduced", 65.0, 860.0, 12, 72, 1.0),
                Regime("low / pre-shutdown", 45.0, 780.0, 6, 24, 0.4),
            ),
        ),
        Area(
            "blast-furnace", "Blast furnace", "고로", "bf", "Blast furnace {n}", "{n}고로",
            "blast_pressure_setpoint", "kPa", "cold-blast pressure setpoint", 420.0, 1.2, 0.0,
            (
                Regime("full wind", 100.0, 440.0, 24, 168, 2.0),
                Regime("normal wind", 90.0, 415.0, 24, 120, 2.0),
                Regime("reduced wind", 72.0, 380.0, 12, 72, 1.0),
                Regime("blow-down", 45.0, 300.0, 4, 16, 0.3),
            ),
        ),
        Area(
            "hot-strip-mill", "Hot strip mill", "열연공장", "hsm", "Hot strip mill {n} finishing train",
            "{n}열연 사상압연기", "speed_setpoint_rpm", "rpm", "finishing-stand roll speed setpoint", 400.0, 4.0, 0.0,
            (
                Regime("thin gauge", 85.0, 420.0, 4, 24, 2.0),
                Regime("commercial grade", 70.0, 330.0, 6, 36, 2.0),
                Regime("thick high-strength", 100.0, 200.0, 4, 16, 1.0),
                Regime("roll change / idle", 10.0, 120.0, 2, 4, 0.8),
            ),
        ),
        Area(
            "utilities", "Utilities", "유틸리티", "cw", "Cooling water pump station {n}",
            "{n}냉각수 펌프장", "speed_setpoint_rpm", "rpm", "pump VFD speed setpoint", 1490.0, 2.0, 6.0,
            (
                Regime("high demand", 95.0, 1490.0, 12, 96, 1.5),
                Regime("normal demand", 80.0, 1400.0, 12, 120, 2.0),
                Regime("low demand", 60.0, 1250.0, 6, 48, 1.0),
            ),
        ),
    )
}

KINDS: dict[str, Kind] = {
    k.id: k
    for k in (
        Kind(
            "sinter_fan", "sinter", "Sinter main fan", "소결 주배풍기", 2, 4, 1100.0,
            {"bearing": 0.5, "imbalance": 0.5},
            {"bearing": "fan bearing failure; bearing replaced",
             "imbalance": "impeller dust build-up and imbalance; impeller cleaned and rebalanced"},
            (
                Sensor("speed", "rpm", "fan speed", 0.0, 2.0, c_sp_abs=0.998),
                Sensor("motor_current", "A", "main motor current", 60.0, 4.0, c_ls3=280.0,
                       wear={"bearing": 12.0, "imbalance": 25.0}),
                Sensor("vibration", "mm/s", "bearing housing vibration velocity", 1.0, 0.15, c_sp2=2.0,
                       wear={"bearing": 4.5, "imbalance": 7.0}),
                Sensor("bearing_temp", "degC", "drive-end bearing temperature", 35.0, 0.6, c_sp=12.0, c_amb=0.5,
                       wear={"bearing": 28.0, "imbalance": 6.0}),
                Sensor("suction_pressure", "kPa", "fan inlet suction pressure", -8.0, 0.15, c_ls3=-9.0,
                       wear={"imbalance": 2.0}),
            ),
        ),
        Kind(
            "bf_blower", "blast-furnace", "Blast furnace blower", "고로 송풍기", 2, 4, 1400.0,
            {"bearing": 0.5, "fouling": 0.5},
            {"bearing": "thrust bearing failure; bearing replaced",
             "fouling": "blade fouling and erosion; rotor overhauled"},
            (
                Sensor("flow", "m3/h", "cold-blast flow", 0.0, 2500.0, c_load=360000.0,
                       wear={"fouling": -9000.0}),
                Sensor("discharge_pressure", "kPa", "blower discharge pressure", 0.0, 2.0, c_sp_abs=1.0,
                       wear={"fouling": -12.0}),
                Sensor("motor_current", "A", "blower motor current", 900.0, 8.0, c_load=300.0, c_sp=400.0,
                       wear={"bearing": 18.0, "fouling": 70.0}),
                Sensor("vibration", "mm/s", "shaft vibration velocity", 0.8, 0.12, c_load=1.5,
                       wear={"bearing": 5.0, "fouling": 2.5}),
                Sensor("bearing_temp", "degC", "thrust bearing temperature", 40.0, 0.5, c_load=10.0, c_amb=0.4,
                       wear={"bearing": 25.0, "fouling": 3.0}),
            ),
        ),
        Kind(
            "hsm_motor", "hot-strip-mill", "Finishing stand main motor", "사상 주전동기", 7, 7, 1300.0,
            {"insulation": 0.5, "bearing": 0.5},
            {"insulation": "stator insulation breakdown; motor rewound",
             "bearing": "motor bearing failure; bearing replaced"},
            (
                Sensor("speed", "rpm", "motor speed", 0.0, 1.5, c_sp_abs=1.0),
                Sensor("motor_current", "A", "armature current", 800.0, 40.0, c_load=3200.0,
                       wear={"bearing": 70.0, "insulation": 40.0}),
                Sensor("winding_temp", "degC", "stator winding temperature", 50.0, 1.0, c_load=45.0, c_amb=0.5,
                       wear={"insulation": 32.0, "bearing": 3.0}),
                Sensor("bearing_temp", "degC", "motor bearing temperature", 38.0, 0.6, c_load=5.0, c_sp=6.0,
                       c_amb=0.4, wear={"bearing": 25.0, "insulation": 2.0}),
                Sensor("vibration", "mm/s", "motor vibration velocity", 0.8, 0.2, c_load=0.6, c_sp=1.5,
                       wear={"bearing": 5.0, "insulation": 1.2}),
            ),
        ),
        Kind(
            "hsm_roll_bearing", "hot-strip-mill", "Work-roll bearing", "작업롤 베어링", 7, 7, 700.0,
            {"spalling": 0.6, "lubrication": 0.4},
            {"spalling": "raceway spalling; chock bearing replaced",
             "lubrication": "lubrication loss from water ingress; bearing replaced and seals renewed"},
            (
                Sensor("speed", "rpm", "work-roll speed", 0.0, 1.5, c_sp_abs=1.0),
                Sensor("roll_force", "kN", "rolling force", 8000.0, 300.0, c_load=14000.0),
                Sensor("vibration", "mm/s", "chock vibration velocity", 1.5, 0.3, c_load=1.0, c_sp=2.0,
                       wear={"spalling": 8.0, "lubrication": 3.0}),
                Sensor("bearing_temp", "degC", "chock bearing temperature", 40.0, 0.8, c_load=8.0, c_sp=10.0,
                       c_amb=0.3, wear={"spalling": 8.0, "lubrication": 30.0}),
            ),
        ),
        Kind(
            "cw_pump", "utilities", "Cooling water pump", "냉각수 펌프", 4, 8, 900.0,
            {"bearing": 0.5, "impeller": 0.5},
            {"bearing": "pump bearing failure; bearing replaced",
             "impeller": "impeller wear and cavitation; impeller replaced"},
            (
                Sensor("flow", "m3/h", "discharge flow", 0.0, 30.0, c_sp=1750.0, c_load=750.0,
                       wear={"impeller": -500.0}),
                Sensor("discharge_pressure", "bar", "discharge pressure", 0.0, 0.05, c_sp2=6.5,
                       wear={"impeller": -1.2}),
                Sensor("motor_current", "A", "pump motor current", 150.0, 3.0, c_ls3=200.0,
                       wear={"impeller": -22.0, "bearing": 8.0}),
                Sensor("vibration", "mm/s", "pump vibration velocity", 0.8, 0.12, c_sp2=2.0,
                       wear={"bearing": 5.0, "impeller": 2.5}),
                Sensor("bearing_temp", "degC", "pump bearing temperature", 30.0, 0.5, c_sp=8.0, c_load=5.0, c_amb=0.5,
                       wear={"bearing": 22.0, "impeller": 2.0}),
            ),
        ),
    )
}

#: operating-condition signals every kind carries, besides its area's setpoint
LOAD = ("load_pct", "%", "unit load (production rate, wind rate or water demand) in % of rated")
AMBIENT = ("ambient_temp", "degC", "site ambient temperature")

#: chance that a life is scheduled for preventive maintenance, and when (fraction of nominal life)
PM_PROBABILITY = 0.35
PM_WINDOW = (0.45, 1.05)
#: lives are drawn around the kind's median life with this log-normal spread, then clipped
LIFE_SIGMA = 0.3
LIFE_CLIP_H = (300.0, 2000.0)
#: degradation starts at this fraction of the nominal life
ONSET_WINDOW = (0.3, 0.6)
#: curvature of the wear path w = (exp(beta D) - 1) / (exp(beta) - 1)
BETA_WINDOW = (1.5, 3.5)


def operating_signals(kind: str) -> list[tuple[str, str, str]]:
    """``(name, unit, description)`` of the operating-condition signals of ``kind``."""
    area = AREAS[KINDS[kind].area]
    return [LOAD, (area.setpoint, area.setpoint_unit, area.setpoint_description), AMBIENT]


def load_factor(load_pct: np.ndarray | float) -> np.ndarray | float:
    """How fast wear accumulates at a load, relative to full load (array in, array out)."""
    x = np.asarray(load_pct, dtype=np.float64) / 100.0
    out = 0.35 + 0.65 * x * x
    return out if out.ndim else float(out)


def mean_load_factor(area: str) -> float:
    """Time-weighted mean :func:`load_factor` of an area's regimes (to set wear rates)."""
    regs = AREAS[area].regimes
    wts = [r.weight * (r.min_h + r.max_h) / 2 for r in regs]
    return float(sum(w * load_factor(r.load) for w, r in zip(wts, regs, strict=True)) / sum(wts))
