"""A seeded simulator of a walking-beam slab reheating furnace in front of a hot strip mill.

The process
-----------
Slabs are charged at one end of the furnace, walked through four fired zones (preheating,
heating 1, heating 2, soaking) and discharged at about 1 220 °C to the roughing mill. The
furnace burns natural gas; the flue gas flows against the slabs, leaves at the charging end
and heats the combustion air in a recuperator before it goes up the stack. What the
simulator reproduces, one sample every ``step_s`` seconds (a minute by default):

* **Production.** The slab feed rate (t/h) steps between a few production rates every two
  to six hours, with slab-to-slab variation; charge campaigns alternate between cold slabs
  from the yard (15-40 °C) and hot-charged slabs from the caster (350-700 °C).
* **Zone control.** The level-2 model sets each zone's temperature setpoint from the
  production rate and the charge temperature. A PI controller per zone moves the zone's
  fuel-gas flow to hold the zone thermocouple on setpoint against the heat demand of the
  slabs, the walls and the water-cooled skids, so the four fuel flows rise and fall with
  the feed rate and fall with hot charging.
* **Combustion.** Combustion air follows the total fuel by an air/fuel ratio (excess-air
  factor about 1.10), which determines flue O2 and, when air runs short, CO. The flue
  temperature at the furnace exit rises with firing and with hot charging; the recuperator
  turns it into preheated air (effectiveness about 0.56), which in turn sets how much of the
  fuel's heat is available to the furnace. The specific fuel consumption (GJ/t, a KPI
  smoothed over a quarter of an hour) follows.
* **Draught.** An integral controller moves the stack damper to hold the furnace pressure at +10 Pa;
  the flue-gas volume sets the damper position, and cold air leaks in when the pressure
  dips, which shows in the O2.
* **Skids.** Cooling water flows through the skids at about 920 m3/h; its return
  temperature is the supply temperature (which follows the cooling tower through the day)
  plus the heat picked up in the furnace.

Every state follows first-order dynamics with time constants of minutes; disturbances and
measurement noise are AR(1). Normal data are therefore strongly correlated, with a handful
of principal components (production rate, charge temperature, combustion), but not
degenerate: no variable is an exact function of the others.

The faults
----------
Faults are injected with :meth:`ReheatFurnace.inject` (live) or the ``fault`` argument of
:meth:`ReheatFurnace.history`; ``magnitude`` (0 to 5, 1 is a typical fault) scales them.
:attr:`ReheatFurnace.FAULTS` lists them with their titles and the variables in which they
show first. ``kind`` says what a monitor sees: ``"process"`` faults change the process and
the correlation between variables; ``"sensor"`` faults change one reading and nothing else.

``burner_failure`` (process, immediate)
    A burner in heating zone 1 trips. Its purge air keeps flowing (O2 up) and the remaining
    burners fire harder (CO up). The zone temperature dips, its controller raises the zone's
    fuel by about 40 %, and the neighbouring zones need more fuel too: the slabs leave
    heating 1 colder and the preheating zone is cooled by the purge air.
``air_fuel_ratio_drift`` (process, slow: builds over three hours)
    The air/fuel ratio trim drifts upward: excess air rises by 0.05 an hour (O2 up about
    0.6 % an hour, CO down), more flue gas carries more heat away (flue temperatures up),
    so every zone needs more fuel; the damper opens to pass the larger flue-gas volume.
``recuperator_fouling`` (process, slow: builds over 2.5 hours)
    Deposits on the recuperator tubes: its effectiveness falls by about 0.14, so the
    preheated air cools (about -115 °C), the flue gas after the recuperator warms
    (about +100 °C), its pressure drop rises, and the fuel flows rise about 6 %.
``skid_cooling_leak`` (process, builds over minutes)
    A skid pipe in the soaking zone leaks: the skid circuit draws about 3 % more water, the
    return temperature drops, and the steam cools the soaking zone (its fuel rises) and adds
    flue gas (a pressure transient, the damper opens, O2 is diluted).
``damper_stiction`` (process, immediate; a variance fault)
    The stack damper sticks within 5 % of travel and, when it breaks free, overshoots (the
    fault starts with such a slip): the pressure loop falls into a limit cycle, so furnace
    pressure, damper position and O2 jump back and forth every few minutes while their
    means stay nearly where they were.
``thermocouple_drift`` (process, slow: builds over three hours)
    The controlling thermocouple of the soaking zone drifts upward (20 °C an hour, up to
    60 °C). The root cause is a sensor, but because that sensor closes a control loop
    the monitor sees a process change: the *measured* soaking temperature stays on setpoint
    while the controller cuts the soaking fuel, the real zone cools and the slabs are
    discharged colder. It is therefore of kind ``"process"``.
``flat_sensor`` (sensor)
    The flue-gas temperature before the recuperator freezes at its last value (a hung
    transmitter or a stuck value in the historian). ``magnitude`` has no effect.
``sensor_dropout`` (sensor)
    The flue-gas O2 analyser stops reporting: its readings are NaN. No controller uses it, so
    nothing else changes. ``magnitude`` has no effect.

Randomness
----------
A history is fixed by the seed and its first sample time: :meth:`ReheatFurnace.history`
draws its disturbances from a stream keyed by both, so a history with a fault and one
without over the same samples share every disturbance and differ only by the fault, and
two histories from the same time agree where they overlap. Histories from other start
times are other operating periods (other production schedules). The live stream
(:meth:`ReheatFurnace.step`) draws from a stream of its own and starts at ``start``; a
history ends, unless given another ``start``, just before it.

Examples
--------
>>> rhf = ReheatFurnace(seed=3)
>>> normal = rhf.history(600)
>>> normal.shape, normal.index.name, str(normal.index[-1] + normal.index.freq) == str(rhf.start)
((600, 24), 'time', True)
>>> trip = rhf.history(600, fault="burner_failure", onset=300)
>>> bool((trip.iloc[:300] == normal.iloc[:300]).all().all())
True
>>> rise = trip["fuel_flow_heating1"].iloc[330:] / normal["fuel_flow_heating1"].iloc[330:]
>>> bool(rise.mean() > 1.15)
True
>>> rhf.inject("sensor_dropout")
>>> t, x = rhf.step()
>>> str(t), int(np.isnan(x).sum()), rhf.active_fault
('2026-01-01 00:00:00+00:00', 1, 'sensor_dropout')
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy.signal import lfilter

from .._compat import text_is_safe
from ..core import AssetTree, ConfigError, DataError, Frame, Node, Signal
from . import _catalog as cat

__all__ = ["FurnaceFault", "ProcessVariable", "ReheatFurnace"]


@dataclass(frozen=True)
class ProcessVariable:
    """One measured variable of the furnace: its column name, display names and unit."""

    name: str
    name_en: str
    name_ko: str
    unit: str


@dataclass(frozen=True)
class FurnaceFault:
    """A fault that can be injected into the simulated furnace.

    ``kind`` is ``"process"`` (the process and the correlations between variables change) or
    ``"sensor"`` (one reading changes and nothing else). ``variables`` names the variables in
    which the fault shows first, for checking a diagnosis; ``slow`` is true for faults that
    build up over hours rather than minutes.
    """

    name: str
    title_en: str
    title_ko: str
    kind: str
    description_en: str
    variables: tuple[str, ...] = ()
    slow: bool = False


# ----------------------------------------------------------------------------- catalogue
_V = ProcessVariable
VARIABLES: tuple[ProcessVariable, ...] = (
    _V("feed_rate", "Slab feed rate", "슬래브 장입량", "t/h"),
    _V("charge_temp", "Slab charge temperature", "장입 슬래브 온도", "degC"),
    _V("zone_temp_preheat", "Preheating zone temperature", "예열대 온도", "degC"),
    _V("zone_temp_heating1", "Heating zone 1 temperature", "가열1대 온도", "degC"),
    _V("zone_temp_heating2", "Heating zone 2 temperature", "가열2대 온도", "degC"),
    _V("zone_temp_soaking", "Soaking zone temperature", "균열대 온도", "degC"),
    _V("fuel_flow_preheat", "Preheating zone fuel gas flow", "예열대 연료 가스 유량", "m3/h"),
    _V("fuel_flow_heating1", "Heating zone 1 fuel gas flow", "가열1대 연료 가스 유량", "m3/h"),
    _V("fuel_flow_heating2", "Heating zone 2 fuel gas flow", "가열2대 연료 가스 유량", "m3/h"),
    _V("fuel_flow_soaking", "Soaking zone fuel gas flow", "균열대 연료 가스 유량", "m3/h"),
    _V("air_flow", "Combustion air flow", "연소 공기 유량", "m3/h"),
    _V("air_preheat_temp", "Preheated combustion air temperature", "예열 공기 온도", "degC"),
    _V("flue_o2", "Flue gas O2 (wet)", "배가스 산소 농도", "%"),
    _V("flue_co", "Flue gas CO (1 ppm = 0.0001 %)", "배가스 일산화탄소 농도", "%"),
    _V("flue_temp_before_recup", "Flue gas temperature before recuperator", "레큐퍼레이터 입구 배가스 온도", "degC"),
    _V("flue_temp_after_recup", "Flue gas temperature after recuperator", "레큐퍼레이터 출구 배가스 온도", "degC"),
    _V("recuperator_dp", "Recuperator flue-side pressure drop", "레큐퍼레이터 차압", "Pa"),
    _V("furnace_pressure", "Furnace pressure", "노압", "Pa"),
    _V("damper_position", "Stack damper position", "연도 댐퍼 개도", "%"),
    _V("skid_water_flow", "Skid cooling water flow", "스키드 냉각수 유량", "m3/h"),
    _V("skid_water_supply_temp", "Skid cooling water supply temperature", "스키드 냉각수 공급 온도", "degC"),
    _V("skid_water_return_temp", "Skid cooling water return temperature", "스키드 냉각수 환수 온도", "degC"),
    _V("discharge_temp", "Slab discharge temperature", "추출 슬래브 온도", "degC"),
    # GJ per tonne of slab; the unit catalogue has no GJ/t, so the column is declared dimensionless
    _V("specific_fuel", "Specific fuel consumption (GJ/t, hourly)", "연료 원단위", "1"),
)
_NAMES = [v.name for v in VARIABLES]
_COL = {n: j for j, n in enumerate(_NAMES)}

_FAULT_LIST = (
    FurnaceFault(
        "burner_failure", "Burner failure", "버너 고장", "process",
        "A burner in heating zone 1 trips: the zone temperature dips, its fuel flow rises by about 40 %, "
        "the neighbouring zones take more fuel, and purge air raises the flue O2.",
        ("fuel_flow_heating1", "zone_temp_heating1", "fuel_flow_heating2", "flue_o2", "flue_co"),
    ),
    FurnaceFault(
        "air_fuel_ratio_drift", "Air/fuel ratio drift", "공연비 드리프트", "process",
        "The air/fuel ratio trim drifts upward over hours: excess air and flue O2 rise, CO falls, "
        "more heat leaves with the flue gas and every zone needs more fuel.",
        ("flue_o2", "air_flow", "flue_temp_before_recup", "flue_co", "specific_fuel"), slow=True,
    ),
    FurnaceFault(
        "recuperator_fouling", "Recuperator fouling", "레큐퍼레이터 파울링", "process",
        "Deposits build up on the recuperator over hours: the preheated air cools, the flue gas after the "
        "recuperator warms, its pressure drop rises and the furnace needs more fuel.",
        ("air_preheat_temp", "flue_temp_after_recup", "recuperator_dp", "specific_fuel"), slow=True,
    ),
    FurnaceFault(
        "skid_cooling_leak", "Skid cooling water leak", "스키드 냉각수 누수", "process",
        "A skid pipe in the soaking zone leaks: the skid water flow rises, its return temperature drops, "
        "and the steam cools the soaking zone and upsets furnace pressure and O2.",
        ("skid_water_flow", "skid_water_return_temp", "fuel_flow_soaking", "damper_position"),
    ),
    FurnaceFault(
        "damper_stiction", "Stack damper stiction", "연도 댐퍼 스틱션", "process",
        "The stack damper sticks and slips: furnace pressure, damper position and O2 oscillate "
        "around unchanged means (a variance fault).",
        ("furnace_pressure", "damper_position", "flue_o2"),
    ),
    FurnaceFault(
        "thermocouple_drift", "Soaking zone thermocouple drift", "균열대 열전대 드리프트", "process",
        "The controlling thermocouple of the soaking zone drifts upward over hours; the loop holds the "
        "reading on setpoint, so the soaking fuel falls and the slabs are discharged colder.",
        ("fuel_flow_soaking", "discharge_temp", "skid_water_return_temp"), slow=True,
    ),
    FurnaceFault(
        "flat_sensor", "Frozen flue gas temperature", "배가스 온도 센서 값 고정", "sensor",
        "The flue gas temperature transmitter before the recuperator freezes at its last value; "
        "nothing else changes.",
        ("flue_temp_before_recup",),
    ),
    FurnaceFault(
        "sensor_dropout", "O2 analyser dropout", "산소 분석계 신호 끊김", "sensor",
        "The flue gas O2 analyser stops reporting (NaN readings); nothing else changes.",
        ("flue_o2",),
    ),
)
_FAULTS: dict[str, FurnaceFault] = {f.name: f for f in _FAULT_LIST}
_CODE = {f.name: i + 1 for i, f in enumerate(_FAULT_LIST)}
_FLAT, _DROPOUT = _CODE["flat_sensor"], _CODE["sensor_dropout"]
_SENSOR_TARGET = {_FLAT: _COL["flue_temp_before_recup"], _DROPOUT: _COL["flue_o2"]}
_MAX_MAGNITUDE = 5.0
_MAX_SAMPLES = 1_000_000
_CHUNK = 8192  # sub-steps simulated per block of random numbers

# ----------------------------------------------------------------------------- process constants
_RATES = (170.0, 210.0, 250.0, 290.0, 330.0)  # production rates, t/h
_RATE_DWELL_H = (2.0, 6.0)
_CHARGE_DWELL_H = (1.5, 5.0)
_HOT_SHARE = 0.45
_LHV = 35.8  # MJ per m3 of natural gas
_A0 = 9.52  # m3 of air per m3 of gas at stoichiometry
_V0 = 10.52  # m3 of wet flue gas per m3 of gas at stoichiometry
_U_REF = 10_000.0  # m3/h, fuel at the reference rate
_SHARE = (0.22, 0.30, 0.28, 0.20)  # zone share of the heat demand
_T_NOM = (1060.0, 1200.0, 1260.0, 1245.0)  # zone setpoints at 250 t/h, cold charge
_SP_RATE = (0.50, 0.35, 0.20, 0.08)  # setpoint rise per t/h above 250
_SP_CHARGE = (0.10, 0.05, 0.02, 0.0)  # setpoint fall per degC of charge temperature
_TAU_ZONE = (720.0, 600.0, 600.0, 900.0)  # s
_GAIN = tuple(0.003 * s * _U_REF for s in _SHARE)  # m3/h of fuel per degC of zone temperature
_U_MAX = tuple(1.2 * s * 14_000.0 for s in _SHARE)  # burner capacity per zone, m3/h
_U_MIN = tuple(0.15 * s * _U_REF for s in _SHARE)  # turn-down per zone, m3/h
_P_SET = 10.0  # furnace pressure setpoint, Pa
_DAMPER_CAP = 2300.0  # m3/h of flue gas per % of damper opening
_DAMPER_KI = 0.0025  # % per Pa per s

# AR(1) processes (unit variance), time constants in seconds, in the order the kernel reads them:
# feed, charge, four zone heat loads, air ratio, pressure, discharge, water supply temperature,
# recuperator effectiveness, skid flow, CO, four zone thermocouple noises
_TAU_PROC = np.array([600, 1800, 1200, 1200, 1200, 1200, 900, 90, 480, 10_800, 7200, 1800, 180,
                      30, 30, 30, 30], dtype=np.float64)
_N_PROC = len(_TAU_PROC)
_TAU_MEAS = 30.0
# measurement noise added to each output (zone temperatures get theirs inside the loop)
_SIGMA = np.array([1.5, 2.0, 0.0, 0.0, 0.0, 0.0, 12.0, 15.0, 15.0, 10.0, 400.0, 2.0, 0.04, 0.0002,
                   3.0, 2.5, 5.0, 0.8, 0.2, 2.0, 0.1, 0.15, 3.0, 0.004])
_MAX_SUB_S = 60.0  # the kernel never integrates over more than this many seconds
_WARMUP = 400  # zero-noise warm-up steps of 60 s from the initial regime


# ----------------------------------------------------------------------------- kernel
class _Kernel:
    """The closed-loop furnace, one (sub)step at a time, on plain Python floats (fast)."""

    __slots__ = ("dt", "a_sched", "a_tc", "a_zone", "a_fin", "a_air", "a_fout", "a_ret", "a_dis", "a_sfc",
                 "a_leak", "kp", "ki", "fs", "tcb", "temp", "integ", "t_fin", "t_air", "t_fout", "t_ret",
                 "t_dis", "sfc", "pos", "cmd", "trend", "a_trend", "p", "leak", "fcode", "fmag", "ft")

    def __init__(self, dt: float, rate: float, charge: float) -> None:
        self.set_dt(dt)
        self.fs, self.tcb = rate, charge
        self.temp = list(_T_NOM)
        self.integ = [s * _U_REF for s in _SHARE]
        self.t_fin, self.t_air, self.t_fout, self.t_ret, self.t_dis = 890.0, 500.0, 500.0, 43.0, 1224.0
        self.sfc, self.pos, self.cmd, self.trend, self.p, self.leak = 1.5, 55.0, 55.0, 0.0, _P_SET, 0.0
        self.fcode, self.fmag, self.ft = 0, 0.0, 0.0
        dt_run = self.dt
        self.set_dt(60.0)
        still = [rate, charge] + [0.0] * _N_PROC + [0.0]
        for _ in range(_WARMUP):
            self.advance(still)
        self.set_dt(dt_run)

    def set_dt(self, dt: float) -> None:
        def a(tau: float) -> float:
            return 1.0 - math.exp(-dt / tau)

        self.dt = dt
        self.a_sched, self.a_tc = a(1200.0), a(1200.0)
        self.a_zone = [a(t) for t in _TAU_ZONE]
        self.a_fin, self.a_air, self.a_fout = a(240.0), a(360.0), a(360.0)
        self.a_ret, self.a_dis, self.a_sfc, self.a_leak = a(300.0), a(720.0), a(900.0), a(300.0)
        self.a_trend = a(600.0)
        self.kp = [0.8 * g for g in _GAIN]
        self.ki = [0.8 * g / t * dt for g, t in zip(_GAIN, _TAU_ZONE, strict=True)]

    def set_fault(self, code: int, magnitude: float) -> None:
        self.fcode, self.fmag, self.ft, self.leak = code, magnitude, 0.0, 0.0

    def advance(self, x: list[float]) -> list[float]:
        """One step with the exogenous row ``x``; returns the 24 outputs before measurement noise."""
        (rate_t, charge_t, n_feed, n_chg, d0, d1, d2, d3, n_lam, n_p, n_dis, n_ws, n_eps, n_fw, n_co,
         m0, m1, m2, m3, daily) = x
        dt, fc, mag = self.dt, self.fcode, self.fmag
        # ---- fault effects
        eff1, extra_pre, extra_h2, purge_share, co_mult = 1.0, 0.0, 0.0, 0.0, 1.0
        lam_drift = foul = leak = band = bias = 0.0
        if fc:
            self.ft += dt
            ft = self.ft
            if fc == 1:  # burner_failure
                eff1 = max(0.3, 1.0 - 0.3 * mag)
                extra_pre, extra_h2 = 0.04 * mag, 0.06 * mag
                purge_share, co_mult = 0.025 * mag, 1.0 + 0.5 * mag
            elif fc == 2:  # air_fuel_ratio_drift
                lam_drift = 0.15 * mag * min(1.0, ft / 10_800.0)
            elif fc == 3:  # recuperator_fouling
                foul = mag * min(1.0, ft / 9000.0)
            elif fc == 4:  # skid_cooling_leak
                self.leak += self.a_leak * (mag - self.leak)
                leak = self.leak
            elif fc == 5:  # damper_stiction: sticks within a band; starts with a slip against the trend
                band = 5.0 * mag
                if ft <= dt:
                    kick = -band if self.trend >= 0.0 else band
                    self.pos = min(100.0, max(5.0, self.pos + kick))
            elif fc == 6:  # thermocouple_drift
                bias = 60.0 * mag * min(1.0, ft / 10_800.0)
        # ---- production
        self.fs += self.a_sched * (rate_t - self.fs)
        self.tcb += self.a_tc * (charge_t - self.tcb)
        fs, tcb = self.fs, self.tcb
        feed = fs + 4.0 * n_feed
        charge = tcb + (3.0 + 0.04 * (tcb - 25.0)) * n_chg
        d_rate, d_charge = fs - 250.0, tcb - 25.0
        # ---- heat demand (fuel-equivalent m3/h)
        lam = 1.10 + 0.009 * n_lam + lam_drift
        temp = self.temp
        t_mean = 0.5 * (temp[2] + temp[3])
        q_skid = 44.0 * (1.0 + 0.003 * (t_mean - 1252.0))
        q_steel = feed * max(0.3, 0.83 - 0.00062 * (charge - 25.0))
        air_heat = lam * _A0 * 1.33 * (self.t_air - 20.0) / 1000.0
        flue_loss = (_V0 + (lam - 1.0) * _A0) * 1.45 * (self.t_fin - 20.0) / 1000.0
        avail = max(0.3, (_LHV + air_heat - flue_loss) / _LHV)
        u_need = (q_steel + 16.0 + q_skid) * 1000.0 / (_LHV * avail)
        h1_need = 0.30 * u_need
        demand = (0.22 * u_need * (1.0 + 0.04 * d0) + extra_pre * h1_need,
                  h1_need * (1.0 + 0.04 * d1),
                  0.28 * u_need * (1.0 + 0.04 * d2) + extra_h2 * h1_need,
                  0.20 * u_need * (1.0 + 0.04 * d3) + 280.0 * leak)
        # ---- zone PI loops (measure, act, then the zone responds)
        noise = (m0, m1, m2, m3)
        measured = [0.0, 0.0, 0.0, 0.0]
        fuel = [0.0, 0.0, 0.0, 0.0]
        integ, kp, ki, a_zone = self.integ, self.kp, self.ki, self.a_zone
        for z in range(4):
            sp = _T_NOM[z] + _SP_RATE[z] * d_rate - _SP_CHARGE[z] * d_charge
            tm = temp[z] + 1.5 * noise[z]
            if z == 3:
                tm += bias
            measured[z] = tm
            e = sp - tm
            v = integ[z] + kp[z] * e
            if v > _U_MAX[z]:
                v = _U_MAX[z]
                if e < 0.0:
                    integ[z] += ki[z] * e
            elif v < _U_MIN[z]:
                v = _U_MIN[z]
                if e > 0.0:
                    integ[z] += ki[z] * e
            else:
                integ[z] += ki[z] * e
            fuel[z] = v
            eff = eff1 if z == 1 else 1.0
            t_eq = _T_NOM[z] + (eff * v - demand[z]) / _GAIN[z]
            temp[z] += a_zone[z] * (t_eq - temp[z])
        u_tot = fuel[0] + fuel[1] + fuel[2] + fuel[3]
        # ---- combustion and flue gas
        air = lam * _A0 * u_tot
        purge = purge_share * air
        infil = max(0.0, 300.0 * (12.0 - self.p))
        steam = 1870.0 * leak
        excess = (lam - 1.0) * _A0 * u_tot + infil + purge
        v_wet = _V0 * u_tot + excess + steam
        o2 = 20.9 * excess / v_wet
        lam_eff = 1.0 + excess / (_A0 * u_tot)
        co = (25.0 + 600.0 * math.exp((1.0 - lam) / 0.02)) * math.exp(0.15 * n_co) * co_mult * 1e-4
        fin_eq = (temp[0] - 170.0 + 120.0 * (u_tot / _U_REF - 1.0) + 250.0 * (lam_eff - 1.1)
                  + 0.08 * (charge - 25.0))
        self.t_fin += self.a_fin * (fin_eq - self.t_fin)
        t_fin = self.t_fin
        eps = 0.56 + 0.006 * n_eps - 0.5 * (1.0 - math.exp(-0.32 * foul))  # -0.14 at magnitude 1
        self.t_air += self.a_air * (20.0 + eps * (t_fin - 20.0) - self.t_air)
        ratio = air * 1.33 / (v_wet * 1.50)
        self.t_fout += self.a_fout * (t_fin - ratio * (self.t_air - 20.0) - 15.0 - self.t_fout)
        vr = v_wet / 125_000.0
        dp = 420.0 * vr * vr * (1.0 + 0.25 * foul) * (t_fin + 273.0) / 1163.0
        # ---- draught: quasi-static pressure, integral damper control, stick-slip valve
        p = _P_SET + 0.5 * (v_wet - _DAMPER_CAP * self.pos / (1.0 + 0.08 * foul)) / 1000.0 + 1.2 * n_p
        self.p = p
        cmd = self.cmd + _DAMPER_KI * dt * (p - _P_SET)
        cmd = 5.0 if cmd < 5.0 else (100.0 if cmd > 100.0 else cmd)
        self.trend += self.a_trend * ((cmd - self.cmd) / dt - self.trend)
        self.cmd = cmd
        if band == 0.0:
            self.pos = cmd
        elif abs(cmd - self.pos) > band:  # stick-slip: breaks free and overshoots by a slip jump
            self.pos = cmd + (0.5 * band if cmd > self.pos else -0.5 * band)
            self.pos = 5.0 if self.pos < 5.0 else (100.0 if self.pos > 100.0 else self.pos)
        # ---- skid cooling water
        flow = 920.0 + 3.0 * n_fw + 28.0 * leak
        supply = 31.0 + 1.2 * daily + 0.7 * n_ws
        rise = q_skid * 1000.0 / (4.18 * flow) * (1.0 - 0.12 * leak)
        self.t_ret += self.a_ret * (supply + rise - self.t_ret)
        # ---- product and KPI
        dis_eq = 0.75 * temp[3] + 0.25 * temp[2] - 25.0 - 0.12 * (feed - 250.0) + 0.02 * (charge - 25.0)
        self.t_dis += self.a_dis * (dis_eq - self.t_dis)
        self.sfc += self.a_sfc * (u_tot * _LHV / 1000.0 / feed - self.sfc)
        return [feed, charge, measured[0], measured[1], measured[2], measured[3], fuel[0], fuel[1], fuel[2],
                fuel[3], air, self.t_air, o2, co, t_fin, self.t_fout, dp, p, self.pos, flow, supply, self.t_ret,
                self.t_dis + 5.0 * n_dis, self.sfc]


# ----------------------------------------------------------------------------- exogenous inputs
class _Exogenous:
    """Production schedule, charge campaigns and AR(1) noises, generated block by block."""

    def __init__(self, seed: int, stream: int, dt: float, t0_s: float) -> None:
        mask = 0xFFFF_FFFF_FFFF_FFFF
        ss = np.random.SeedSequence([int(seed) & mask, stream, int(math.floor(t0_s)) & mask])
        noise_ss, rate_ss, charge_ss = ss.spawn(3)
        self._rng = np.random.default_rng(noise_ss)
        self._reg = np.random.default_rng(rate_ss)  # production schedule
        self._camp = np.random.default_rng(charge_ss)  # charge campaigns
        self._dt, self._t = dt, float(t0_s)
        taus = np.concatenate([_TAU_PROC, np.full(len(VARIABLES), _TAU_MEAS)])
        self._phi = np.exp(-dt / taus)
        self._gain = np.sqrt(1.0 - self._phi**2)
        self._y = self._rng.standard_normal(len(taus))  # stationary start
        self.rate = float(self._reg.choice(_RATES))
        self._rate_left = self._steps(self._reg.uniform(0.1, _RATE_DWELL_H[1]))
        self.charge = self._new_charge()
        self._charge_left = self._steps(self._camp.uniform(0.1, _CHARGE_DWELL_H[1]))

    def _steps(self, hours: float) -> int:
        return max(1, int(round(hours * 3600.0 / self._dt)))

    def _new_charge(self) -> float:
        if self._camp.random() < _HOT_SHARE:
            return float(self._camp.uniform(350.0, 700.0))
        return float(self._camp.uniform(15.0, 40.0))

    def block(self, m: int) -> tuple[np.ndarray, np.ndarray]:
        """``m`` substeps: the kernel's inputs ``(m, 20)`` and the measurement noises ``(m, 24)``."""
        e = self._rng.standard_normal((m, len(self._y)))
        ar = np.empty_like(e)
        for j in range(e.shape[1]):
            ar[:, j], _ = lfilter([self._gain[j]], [1.0, -self._phi[j]], e[:, j], zi=[self._phi[j] * self._y[j]])
        self._y = ar[-1].copy()
        rate, charge = np.empty(m), np.empty(m)
        i = 0
        while i < m:
            k = min(m - i, self._rate_left)
            rate[i:i + k] = self.rate
            i += k
            self._rate_left -= k
            if self._rate_left == 0:
                self.rate = float(self._reg.choice([r for r in _RATES if r != self.rate]))
                self._rate_left = self._steps(self._reg.uniform(*_RATE_DWELL_H))
        i = 0
        while i < m:
            k = min(m - i, self._charge_left)
            charge[i:i + k] = self.charge
            i += k
            self._charge_left -= k
            if self._charge_left == 0:
                self.charge = self._new_charge()
                self._charge_left = self._steps(self._camp.uniform(*_CHARGE_DWELL_H))
        t = self._t + self._dt * np.arange(m)
        self._t += self._dt * m
        daily = np.sin(2.0 * np.pi * (t / 86_400.0 - 0.375))  # cooling tower: warmest mid-afternoon
        proc = np.column_stack([rate, charge, ar[:, :_N_PROC], daily])
        return proc, ar[:, _N_PROC:]


# ----------------------------------------------------------------------------- public class
def _number(unit: str) -> str:
    match = re.search(r"(\d+)$", unit)
    return match.group(1) if match else unit


class ReheatFurnace:
    """A seeded walking-beam reheating furnace with injectable process and sensor faults.

    See the module documentation for the process, its 24 variables and the faults.

    Parameters
    ----------
    seed : int
        Same seed and arguments, same numbers.
    unit : str
        Id of the furnace: the ``asset`` of its frames and its equipment id in
        :meth:`asset_tree`.
    start : str or pandas.Timestamp
        Time of the first live sample (:meth:`step`); naive times are taken as UTC.
    step_s : int
        Seconds between samples (1 to 3600). The dynamics do not depend on it: steps over
        a minute are integrated in sub-steps of at most 60 s.

    Attributes
    ----------
    variables : list of ProcessVariable
        The measured variables in column order.
    name_en, name_ko : str
        Display names of the furnace (``"Reheating furnace 1"``, ``"가열로 1"`` for ``"rhf-1"``).
    FAULTS : dict of str to FurnaceFault
        The injectable faults by name.

    Examples
    --------
    >>> rhf = ReheatFurnace(seed=1, step_s=60)
    >>> [v.name for v in rhf.variables][:4]
    ['feed_rate', 'charge_temp', 'zone_temp_preheat', 'zone_temp_heating1']
    >>> sorted(f for f, spec in rhf.FAULTS.items() if spec.kind == "sensor")
    ['flat_sensor', 'sensor_dropout']
    >>> t, x = rhf.step()
    >>> str(t), x.shape, bool(1150 < x[rhf.column("discharge_temp")] < 1300)
    ('2026-01-01 00:00:00+00:00', (24,), True)
    >>> rhf.inject("burner_failure", magnitude=1.5)
    >>> rhf.active_fault
    'burner_failure'
    >>> rhf.clear(); rhf.active_fault is None
    True
    """

    FAULTS: ClassVar[dict[str, FurnaceFault]] = _FAULTS

    def __init__(self, *, seed: int = 0, unit: str = "rhf-1", start: str | pd.Timestamp = "2026-01-01T00:00:00Z",
                 step_s: int = 60) -> None:
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
            raise ConfigError(f"seed must be an integer, got {seed!r}")
        if not isinstance(unit, str) or not unit.strip() or not text_is_safe(unit, max_len=120):
            raise ConfigError(f"unit {str(unit)[:40]!r} must be 1-120 printable characters without < >")
        if isinstance(step_s, bool) or not isinstance(step_s, int | np.integer) or not 1 <= step_s <= 3600:
            raise ConfigError(f"step_s must be a whole number of seconds from 1 to 3600, got {step_s!r}")
        self.seed = int(seed)
        self.unit = unit.strip()
        self.start = _timestamp(start, ConfigError)
        self.step_s = int(step_s)
        self.variables: list[ProcessVariable] = list(VARIABLES)
        number = _number(self.unit)
        self.name_en = f"Reheating furnace {number}"
        self.name_ko = f"가열로 {number}"
        self._n_sub = max(1, math.ceil(self.step_s / _MAX_SUB_S))
        self._dt = self.step_s / self._n_sub
        self._units = {v.name: v.unit for v in VARIABLES}
        # live state
        self._exo = _Exogenous(self.seed, 1, self._dt, self._first_substep_s(self.start))
        self._kernel = _Kernel(self._dt, self._exo.rate, self._exo.charge)
        self._rows: list[list[float]] = []
        self._meas = np.empty((0, len(VARIABLES)))
        self._pos = 0
        self._count = 0
        self._fault: str | None = None
        self._frozen: float | None = None
        self._last: np.ndarray | None = None

    # ------------------------------------------------------------------ structure
    def column(self, name: str) -> int:
        """Position of the variable ``name`` in the columns and in :meth:`step` arrays.

        Examples
        --------
        >>> ReheatFurnace().column("flue_o2")
        12
        """
        try:
            return _COL[name]
        except KeyError:
            raise DataError(f"no furnace variable {name!r}; have {_NAMES}", column=name) from None

    def asset_tree(self) -> AssetTree:
        """The furnace as site ``pohang`` -> area ``hot-strip-mill`` -> unit -> equipment -> signals.

        The site and area are those of :class:`~bessemer.sim.SteelWorks`, so the trees can be
        merged. The unit node is ``"<unit>-line"`` (the reheating line); the furnace itself is the
        equipment ``unit`` (the ``asset`` of its frames), of kind ``"reheating_furnace"``, with
        one signal per variable and the fault names in ``attrs``.

        Examples
        --------
        >>> tree = ReheatFurnace().asset_tree()
        >>> tree.path("rhf-1")
        ['pohang', 'hot-strip-mill', 'rhf-1-line', 'rhf-1']
        >>> len(tree.signals("rhf-1")), tree.signal("rhf-1", "feed_rate").unit
        (24, 't/h')
        """
        area = cat.AREAS["hot-strip-mill"]
        n = _number(self.unit)
        tree = AssetTree()
        tree.add(Node("pohang", "site", "Pohang steel works", name_ko="포항제철소"))
        tree.add(Node(area.id, "area", area.name, parent="pohang", name_ko=area.name_ko))
        line = f"{self.unit}-line"
        tree.add(Node(line, "unit", f"Reheating furnace {n} line", parent=area.id, name_ko=f"가열로 {n} 라인"))
        tree.add(Node(self.unit, "equipment", self.name_en, parent=line, kind="reheating_furnace",
                      name_ko=self.name_ko,
                      attrs={"faults": list(_FAULTS), "step_s": self.step_s, "type": "walking beam"}))
        for v in VARIABLES:
            tree.add_signal(Signal(self.unit, v.name, v.unit, v.name_en))
        return tree

    # ------------------------------------------------------------------ history
    def history(self, n: int, *, fault: str | None = None, onset: int = 0, magnitude: float = 1.0,
                start: str | pd.Timestamp | None = None) -> pd.DataFrame:
        """``n`` samples of the furnace, optionally with a fault from sample ``onset`` on.

        Parameters
        ----------
        n : int
            Number of samples.
        fault : str, optional
            A name from :attr:`FAULTS`.
        onset : int
            First faulty sample (0-based, less than ``n``).
        magnitude : float
            Severity, 0 < magnitude <= 5.
        start : str or pandas.Timestamp, optional
            Time of the first sample; by default ``n`` steps before :attr:`start`, so the
            history ends where the live stream begins.

        Returns
        -------
        pandas.DataFrame
            One float column per variable, indexed by UTC times named ``"time"``. The same
            seed and arguments give the same frame; the live state is neither used nor changed.

        Examples
        --------
        >>> rhf = ReheatFurnace(seed=2)
        >>> drift = rhf.history(240, fault="air_fuel_ratio_drift", onset=60, start="2026-03-01")
        >>> str(drift.index[0]), str(drift.index[1] - drift.index[0])
        ('2026-03-01 00:00:00+00:00', '0 days 00:01:00')
        >>> o2 = drift["flue_o2"]
        >>> bool(o2.iloc[-30:].mean() > o2.iloc[:60].mean() + 1.0)
        True
        """
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or not 1 <= n <= _MAX_SAMPLES:
            raise DataError(f"n must be a whole number of samples from 1 to {_MAX_SAMPLES}, got {n!r}", column="n")
        n = int(n)
        code, mag = 0, 1.0
        if fault is not None:
            code, mag = self._check_fault(fault, magnitude)
            if isinstance(onset, bool) or not isinstance(onset, int | np.integer) or not 0 <= onset < n:
                raise DataError(f"onset must be a sample index from 0 to {n - 1}, got {onset!r}", column="onset")
        t0 = (self.start - n * pd.Timedelta(seconds=self.step_s)) if start is None \
            else _timestamp(start, lambda msg: DataError(msg, column="start"))
        ns = self._n_sub
        exo = _Exogenous(self.seed, 0, self._dt, self._first_substep_s(t0))
        kernel = _Kernel(self._dt, exo.rate, exo.charge)
        out = np.empty((n, len(VARIABLES)))
        switch = onset * ns if code and code not in _SENSOR_TARGET else -1
        advance = kernel.advance
        chunk = _CHUNK - _CHUNK % ns
        for j0 in range(0, n * ns, chunk):
            proc, meas = exo.block(min(chunk, n * ns - j0))
            for j, row in enumerate(proc.tolist(), start=j0):
                if j == switch:
                    kernel.set_fault(code, mag)
                y = advance(row)
                if j % ns == ns - 1:
                    out[j // ns] = y
            i0 = j0 // ns
            out[i0:i0 + len(proc) // ns] += _SIGMA * meas[ns - 1::ns]
        if code in _SENSOR_TARGET:
            c = _SENSOR_TARGET[code]
            out[onset:, c] = np.nan if code == _DROPOUT else out[max(onset - 1, 0), c]
        index = pd.date_range(t0, periods=n, freq=pd.Timedelta(seconds=self.step_s), name="time", unit="ns")
        return pd.DataFrame(out, index=index, columns=list(_NAMES))

    # ------------------------------------------------------------------ live
    def step(self) -> tuple[pd.Timestamp, np.ndarray]:
        """The next live sample: its time and one float per variable (NaN for a dropped-out sensor).

        Examples
        --------
        >>> rhf = ReheatFurnace(seed=5, step_s=30)
        >>> [str(rhf.step()[0]) for _ in range(2)]
        ['2026-01-01 00:00:00+00:00', '2026-01-01 00:00:30+00:00']
        """
        ns = self._n_sub
        if self._pos + ns > len(self._rows):
            proc, meas = self._exo.block(256 * ns)
            self._rows = proc.tolist()
            self._meas = meas[ns - 1::ns] * _SIGMA
            self._pos = 0
        kernel, rows = self._kernel, self._rows
        for j in range(self._pos, self._pos + ns):
            y = kernel.advance(rows[j])
        x = np.array(y)
        x += self._meas[self._pos // ns]
        self._pos += ns
        code = _CODE[self._fault] if self._fault is not None else 0
        if code == _DROPOUT:
            x[_SENSOR_TARGET[code]] = np.nan
        elif code == _FLAT:
            c = _SENSOR_TARGET[code]
            if self._frozen is None:
                self._frozen = float(x[c]) if self._last is None else float(self._last[c])
            x[c] = self._frozen
        self._last = x
        time = pd.Timestamp(self.start.value + self._count * self.step_s * 1_000_000_000, tz="UTC")
        self._count += 1
        return time, x.copy()

    def inject(self, fault: str, *, magnitude: float = 1.0) -> None:
        """Start ``fault`` in the live furnace from the next :meth:`step` on, replacing any other.

        Examples
        --------
        >>> rhf = ReheatFurnace()
        >>> rhf.inject("no_such_fault")
        Traceback (most recent call last):
        ...
        bessemer.core._exceptions.DataError: column 'fault': unknown furnace fault 'no_such_fault'; ...
        """
        code, mag = self._check_fault(fault, magnitude)
        self._fault = fault
        self._frozen = None
        self._kernel.set_fault(0 if code in _SENSOR_TARGET else code, mag)

    def clear(self) -> None:
        """End the live fault (the process recovers with its own dynamics)."""
        self._fault = None
        self._frozen = None
        self._kernel.set_fault(0, 0.0)

    @property
    def active_fault(self) -> str | None:
        """Name of the fault injected in the live furnace, or ``None``."""
        return self._fault

    # ------------------------------------------------------------------ frames
    def to_frame(self, df: pd.DataFrame) -> Frame:
        """A :class:`~bessemer.core.Frame` (asset ``unit``, units declared) from :meth:`history` output.

        Examples
        --------
        >>> rhf = ReheatFurnace()
        >>> frame = rhf.to_frame(rhf.history(30))
        >>> len(frame), frame.assets, frame.units["air_flow"]
        (30, ['rhf-1'], 'm3/h')
        """
        if not isinstance(df, pd.DataFrame):
            raise DataError(f"to_frame needs a pandas DataFrame from history(), got {type(df).__name__}")
        missing = [c for c in _NAMES if c not in df.columns]
        if missing:
            raise DataError(f"the table lacks furnace variable(s) {missing}; pass the output of history()",
                            column=missing[0])
        if not isinstance(df.index, pd.DatetimeIndex):
            raise DataError("the table needs a DatetimeIndex of sample times, as history() gives", column="time")
        data = pd.DataFrame({"asset": self.unit, "time": df.index, **{c: df[c].to_numpy() for c in _NAMES}})
        return Frame(data, units=self._units, time_kind="timestamp", source=f"sim:{self.unit}")

    # ------------------------------------------------------------------ helpers
    def _first_substep_s(self, t0: pd.Timestamp) -> float:
        return t0.value / 1e9 - (self._n_sub - 1) * self._dt

    def _check_fault(self, fault: str, magnitude: float) -> tuple[int, float]:
        if not isinstance(fault, str) or fault not in _FAULTS:
            raise DataError(f"unknown furnace fault {str(fault)[:40]!r}; choose one of {sorted(_FAULTS)}",
                            column="fault")
        try:
            mag = float(magnitude)
        except (TypeError, ValueError):
            mag = math.nan
        if not 0.0 < mag <= _MAX_MAGNITUDE:
            raise DataError(f"magnitude must be a number in (0, {_MAX_MAGNITUDE:g}], got {magnitude!r}",
                            column="magnitude")
        return _CODE[fault], mag


def _timestamp(value: object, error: Callable[[str], Exception]) -> pd.Timestamp:
    """``value`` as a UTC timestamp (naive times are UTC), or ``error(message)`` raised."""
    try:
        ts = pd.Timestamp(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as err:
        raise error(f"start {str(value)[:40]!r} is not a timestamp; use ISO 8601 such as 2026-01-01T00:00:00Z") \
            from err
    if ts is pd.NaT:
        raise error("start is empty; use ISO 8601 such as 2026-01-01T00:00:00Z")
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
