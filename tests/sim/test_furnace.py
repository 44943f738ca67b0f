"""The reheating-furnace simulator: structure, determinism, correlation, faults and the live stream."""

from __future__ import annotations

import math
import re
import time

import numpy as np
import pandas as pd
import pytest

from bessemer.core import UNITS, ConfigError, DataError, Frame, normalize_unit
from bessemer.sim import FurnaceFault, ProcessVariable, ReheatFurnace, SteelWorks

HANGUL = re.compile(r"[\uac00-\ud7a3]")
ONSET = 300
N = 900
PROCESS_FAULTS = [name for name, f in ReheatFurnace.FAULTS.items() if f.kind == "process"]
SENSOR_FAULTS = [name for name, f in ReheatFurnace.FAULTS.items() if f.kind == "sensor"]

# fault -> expected mean change (variable, direction) once it has developed; checked on paired histories
EXPECTED = {
    "burner_failure": [("fuel_flow_heating1", +1), ("fuel_flow_heating2", +1), ("fuel_flow_preheat", +1),
                       ("flue_o2", +1), ("flue_co", +1)],
    "air_fuel_ratio_drift": [("flue_o2", +1), ("air_flow", +1), ("flue_temp_before_recup", +1),
                             ("fuel_flow_heating1", +1), ("flue_co", -1), ("specific_fuel", +1)],
    "recuperator_fouling": [("air_preheat_temp", -1), ("flue_temp_after_recup", +1), ("recuperator_dp", +1),
                            ("fuel_flow_heating2", +1), ("specific_fuel", +1)],
    "skid_cooling_leak": [("skid_water_flow", +1), ("skid_water_return_temp", -1), ("fuel_flow_soaking", +1),
                          ("damper_position", +1)],
    "thermocouple_drift": [("fuel_flow_soaking", -1), ("discharge_temp", -1), ("specific_fuel", -1)],
}


class _PCA:
    """A plain PCA monitor (T² and SPE with empirical 99.5 % limits) fitted on normal data."""

    def __init__(self, train: np.ndarray, explained: float = 0.9) -> None:
        self.mu, self.sd = train.mean(0), train.std(0)
        z = (train - self.mu) / self.sd
        _, s, vt = np.linalg.svd(z, full_matrices=False)
        ev = s**2 / (len(z) - 1)
        self.k = int(np.searchsorted(np.cumsum(ev) / ev.sum(), explained)) + 1
        self.p, self.ev = vt[: self.k].T, ev[: self.k]
        t2, spe = self._stats(train)
        self.lim = np.quantile(t2, 0.995), np.quantile(spe, 0.995)

    def _stats(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        z = (x - self.mu) / self.sd
        t = z @ self.p
        return (t**2 / self.ev).sum(1), ((z - t @ self.p.T) ** 2).sum(1)

    def alarms(self, x: np.ndarray) -> np.ndarray:
        t2, spe = self._stats(x)
        return (t2 > self.lim[0]) | (spe > self.lim[1])


@pytest.fixture(scope="module")
def rhf() -> ReheatFurnace:
    return ReheatFurnace(seed=2)


@pytest.fixture(scope="module")
def normal(rhf: ReheatFurnace) -> pd.DataFrame:
    return rhf.history(N)


@pytest.fixture(scope="module")
def monitor() -> _PCA:
    return _PCA(ReheatFurnace(seed=1).history(6000).to_numpy())


# ---------------------------------------------------------------- structure
def test_variables_have_units_from_the_catalogue_and_both_languages():
    variables = ReheatFurnace().variables
    assert 20 <= len(variables) <= 26
    assert all(isinstance(v, ProcessVariable) for v in variables)
    names = [v.name for v in variables]
    assert len(set(names)) == len(names)
    for v in variables:
        assert v.unit in UNITS and normalize_unit(v.unit) == v.unit, v
        assert HANGUL.search(v.name_ko), f"{v.name} lacks a Korean name"
        assert v.name_en and not HANGUL.search(v.name_en)
    assert names == [v.name for v in ReheatFurnace(seed=9).variables], "order must be stable"


def test_fault_catalogue():
    faults = ReheatFurnace.FAULTS
    assert len(faults) >= 6
    assert set(SENSOR_FAULTS) == {"flat_sensor", "sensor_dropout"}
    assert {"burner_failure", "air_fuel_ratio_drift", "recuperator_fouling", "skid_cooling_leak",
            "damper_stiction", "thermocouple_drift"} <= set(PROCESS_FAULTS)
    names = {v.name for v in ReheatFurnace().variables}
    for key, f in faults.items():
        assert isinstance(f, FurnaceFault) and f.name == key
        assert f.kind in ("process", "sensor")
        assert HANGUL.search(f.title_ko) and f.title_en and len(f.description_en) > 30
        assert f.variables and set(f.variables) <= names
    assert {k for k, f in faults.items() if f.slow} == {"air_fuel_ratio_drift", "recuperator_fouling",
                                                         "thermocouple_drift"}


def test_history_shape_index_and_default_start(rhf, normal):
    assert normal.shape == (N, len(rhf.variables))
    assert list(normal.columns) == [v.name for v in rhf.variables]
    assert all(normal.dtypes == np.float64)
    assert not normal.isna().any().any()
    idx = normal.index
    assert isinstance(idx, pd.DatetimeIndex) and idx.name == "time" and str(idx.tz) == "UTC"
    assert (np.diff(idx.asi8) == 60 * 10**9).all()
    assert idx[-1] + pd.Timedelta(seconds=60) == rhf.start, "a default history ends where the live stream begins"
    other = ReheatFurnace(step_s=600, start="2026-02-01").history(50, start="2026-01-05T06:00:00")
    assert other.index[0] == pd.Timestamp("2026-01-05T06:00:00Z")
    assert (np.diff(other.index.asi8) == 600 * 10**9).all()


def test_sensible_magnitudes(normal):
    m = normal.mean()
    assert 1180 < m["discharge_temp"] < 1260
    assert 1.3 < m["flue_o2"] < 2.6
    assert 8 < m["furnace_pressure"] < 12
    assert 2_500 < normal.filter(like="fuel_flow").sum(axis=1).mean() < 14_000
    assert 0.5 < m["specific_fuel"] < 2.0
    assert 8 < (normal["skid_water_return_temp"] - normal["skid_water_supply_temp"]).mean() < 16
    assert (normal["air_preheat_temp"] < normal["flue_temp_before_recup"]).all()


def test_history_is_deterministic_and_independent_of_the_live_state():
    a = ReheatFurnace(seed=11)
    first = a.history(500, fault="burner_failure", onset=100, magnitude=2.0)
    for _ in range(50):
        a.step()
    a.inject("recuperator_fouling")
    pd.testing.assert_frame_equal(first, a.history(500, fault="burner_failure", onset=100, magnitude=2.0))
    pd.testing.assert_frame_equal(first, ReheatFurnace(seed=11).history(500, fault="burner_failure", onset=100,
                                                                        magnitude=2.0))
    assert not np.allclose(first.to_numpy(), ReheatFurnace(seed=12).history(500).to_numpy())
    # a history is fixed by its seed and first sample time: overlapping histories agree
    long = a.history(800, start=first.index[0])
    normal = a.history(500)
    pd.testing.assert_frame_equal(long.iloc[:500], normal, check_freq=False)
    other = a.history(500, start=first.index[0] - pd.Timedelta(days=3))
    assert not np.allclose(other.to_numpy(), normal.to_numpy()), "another period, another schedule"
    b, c = ReheatFurnace(seed=11), ReheatFurnace(seed=11)
    assert all(np.array_equal(b.step()[1], c.step()[1]) for _ in range(20))


def test_asset_tree_shares_site_and_area_with_the_steel_works():
    rhf = ReheatFurnace(unit="rhf-2")
    tree = rhf.asset_tree()
    assert tree.path("rhf-2") == ["pohang", "hot-strip-mill", "rhf-2-line", "rhf-2"]
    works = SteelWorks(n_assets=10).asset_tree()
    for node in ("pohang", "hot-strip-mill"):
        assert works.node(node).name == tree.node(node).name
        assert works.node(node).name_ko == tree.node(node).name_ko
    eq = tree.node("rhf-2")
    assert eq.level == "equipment" and eq.kind == "reheating_furnace"
    assert (eq.name, eq.name_ko) == (rhf.name_en, rhf.name_ko) == ("Reheating furnace 2", "가열로 2")
    signals = tree.signals("rhf-2")
    assert [s.name for s in signals] == [v.name for v in rhf.variables]
    assert [s.unit for s in signals] == [v.unit for v in rhf.variables]


def test_to_frame_keys_by_unit_with_units(rhf, normal):
    frame = rhf.to_frame(normal)
    assert isinstance(frame, Frame) and frame.time_kind == "timestamp"
    assert frame.assets == ["rhf-1"] and len(frame) == N
    assert frame.units == {v.name: v.unit for v in rhf.variables}
    np.testing.assert_array_equal(frame.values(), normal.to_numpy())
    with pytest.raises(DataError, match="flue_o2"):
        rhf.to_frame(normal.drop(columns="flue_o2"))
    with pytest.raises(DataError, match="DatetimeIndex"):
        rhf.to_frame(normal.reset_index(drop=True))
    dropped = rhf.to_frame(rhf.history(40, fault="sensor_dropout", onset=10))
    assert np.isnan(dropped.column("flue_o2")[10:]).all()


# ---------------------------------------------------------------- normal operation
def _top3(x: np.ndarray) -> float:
    """Share of the standardised variance in the first three principal components."""
    ev = np.sort(np.linalg.eigvalsh(np.corrcoef(x.T)))[::-1]
    return float(ev[:3].sum() / ev.sum())


def test_normal_data_are_correlated_but_not_degenerate():
    df = ReheatFurnace(seed=3).history(6000)
    corr = df.corr().to_numpy()
    ev = np.sort(np.linalg.eigvalsh(corr))[::-1]
    assert _top3(df.to_numpy()) > 0.6, ev[:5] / ev.sum()
    assert ev[0] / ev.sum() < 0.9
    assert ev[-1] > 1e-4, "no variable may be an exact linear function of the others"
    off = np.abs(corr - np.eye(len(corr)))
    assert off.max() < 0.9995, "no two variables may be copies of each other"
    c = df.corr()
    fuel = df.filter(like="fuel_flow").sum(axis=1)
    assert all(c.loc["feed_rate", f"fuel_flow_{z}"] > 0.45 for z in ("preheat", "heating1", "heating2", "soaking"))
    assert np.corrcoef(fuel, df["air_flow"])[0, 1] > 0.99
    assert c.loc["charge_temp", "specific_fuel"] < -0.6, "hot charging saves fuel"
    assert c.loc["feed_rate", "damper_position"] > 0.45
    assert c.loc["air_preheat_temp", "flue_temp_before_recup"] > 0.7


def test_production_rate_and_charge_change_between_regimes():
    df = ReheatFurnace(seed=4).history(24 * 60)
    hourly = df["feed_rate"].resample("1h").mean()
    assert hourly.max() - hourly.min() > 80, "a day holds several production rates"
    charge = df["charge_temp"]
    assert (charge < 60).mean() > 0.1 and (charge > 300).mean() > 0.1, "cold and hot charge campaigns"


def test_history_and_step_agree_statistically():
    rhf = ReheatFurnace(seed=5)
    live = np.array([rhf.step()[1] for _ in range(8000)])
    hist = rhf.history(8000).to_numpy()
    sd = hist.std(0)
    assert (np.abs(live.mean(0) - hist.mean(0)) / sd).max() < 0.75
    ratio = live.std(0) / sd
    assert ratio.min() > 0.7 and ratio.max() < 1.5, ratio
    jitter = np.diff(live, axis=0).std(0) / np.diff(hist, axis=0).std(0)  # sample-to-sample noise
    assert jitter.min() > 0.8 and jitter.max() < 1.25, jitter
    assert np.abs(np.corrcoef(live.T) - np.corrcoef(hist.T)).mean() < 0.15
    assert abs(_top3(live) - _top3(hist)) < 0.1


def test_coarse_steps_integrate_the_same_process():
    fine = ReheatFurnace(seed=6).history(3000)
    coarse = ReheatFurnace(seed=6, step_s=600).history(600)
    for col in ("feed_rate", "fuel_flow_heating1", "flue_o2", "discharge_temp", "furnace_pressure"):
        assert abs(coarse[col].mean() - fine[col].mean()) < 0.5 * fine[col].std(), col
    assert ReheatFurnace(step_s=1).history(120).notna().all().all()


# ---------------------------------------------------------------- faults
@pytest.mark.parametrize("fault", sorted(EXPECTED))
def test_process_fault_moves_the_expected_variables(fault, rhf, normal):
    df = rhf.history(N, fault=fault, onset=ONSET)
    pd.testing.assert_frame_equal(df.iloc[:ONSET], normal.iloc[:ONSET])
    late = slice(ONSET + 240, N)  # every fault has fully developed
    diff = (df.iloc[late] - normal.iloc[late]).mean()
    noise = normal.iloc[:ONSET].diff().std() / math.sqrt(2)  # sample-to-sample noise of each variable
    for var, sign in EXPECTED[fault]:
        assert sign * diff[var] > noise[var], (var, diff[var], noise[var])


@pytest.mark.parametrize("fault", PROCESS_FAULTS)
def test_magnitude_scales_the_fault(fault, rhf, normal):
    late = slice(ONSET + 240, N)

    def effect(m: float) -> float:
        df = rhf.history(N, fault=fault, onset=ONSET, magnitude=m)
        return float((((df - normal) / normal.std()).iloc[late] ** 2).mean().sum())

    assert effect(0.3) < effect(1.0) < effect(2.5)


@pytest.mark.parametrize(("fault", "window", "share"), [
    ("burner_failure", (0, 30), 0.5),
    ("skid_cooling_leak", (0, 30), 0.5),
    ("air_fuel_ratio_drift", (60, 180), 0.8),
    ("recuperator_fouling", (90, 180), 0.8),
    ("thermocouple_drift", (150, 300), 0.5),
])
def test_pca_monitor_detects_process_faults(fault, window, share, rhf, normal, monitor):
    base = monitor.alarms(normal.to_numpy())
    assert base.mean() < 0.1, "the monitor must be quiet on normal data"
    alarms = monitor.alarms(rhf.history(N, fault=fault, onset=ONSET).to_numpy())
    np.testing.assert_array_equal(alarms[:ONSET], base[:ONSET])
    w = slice(ONSET + window[0], ONSET + window[1])
    assert alarms[w].mean() > max(share, base[w].mean() + 0.4)


def test_damper_stiction_is_a_variance_fault(rhf, normal):
    df = rhf.history(N, fault="damper_stiction", onset=ONSET)
    after = slice(ONSET, ONSET + 60)
    jumps = (df["damper_position"].iloc[after].diff().abs() > 4).sum()
    assert jumps >= 1 and (normal["damper_position"].diff().abs() > 4).sum() == 0, "the damper sticks and slips"
    p, ref = df["furnace_pressure"].iloc[ONSET:], normal["furnace_pressure"].iloc[ONSET:]
    assert p.std() > 1.4 * ref.std()
    assert abs(p.mean() - ref.mean()) < 0.25 * ref.std(), "stiction must not move the mean pressure"


def test_burner_failure_dips_its_zone_first(rhf, normal):
    df = rhf.history(N, fault="burner_failure", onset=ONSET)
    dip = (df - normal)["zone_temp_heating1"].iloc[ONSET:ONSET + 30]
    assert dip.min() < -5


def test_thermocouple_drift_hides_in_the_measured_zone_temperature(rhf, normal):
    df = rhf.history(N, fault="thermocouple_drift", onset=ONSET)
    late = slice(ONSET + 240, N)
    assert abs((df - normal)["zone_temp_soaking"].iloc[late].mean()) < 2, "the loop holds the reading on setpoint"
    assert (df - normal)["discharge_temp"].iloc[late].mean() < -20


@pytest.mark.parametrize("fault", SENSOR_FAULTS)
def test_sensor_faults_touch_only_one_variable(fault, rhf, normal):
    df = rhf.history(N, fault=fault, onset=ONSET, magnitude=3.0)
    (target,) = ReheatFurnace.FAULTS[fault].variables
    others = [c for c in df.columns if c != target]
    pd.testing.assert_frame_equal(df[others], normal[others])
    np.testing.assert_array_equal(df[target].iloc[:ONSET], normal[target].iloc[:ONSET])
    after = df[target].iloc[ONSET:]
    if fault == "sensor_dropout":
        assert after.isna().all()
    else:
        assert (after == normal[target].iloc[ONSET - 1]).all()
        assert normal[target].iloc[ONSET:].std() > 1


def test_fault_at_the_first_sample():
    rhf = ReheatFurnace(seed=8)
    flat = rhf.history(20, fault="flat_sensor", onset=0)["flue_temp_before_recup"]
    assert flat.nunique() == 1
    assert rhf.history(20, fault="burner_failure", onset=0).notna().all().all()


# ---------------------------------------------------------------- live stream and errors
def test_step_after_inject_reflects_the_fault():
    ref, rhf = ReheatFurnace(seed=9), ReheatFurnace(seed=9)
    for _ in range(60):
        np.testing.assert_array_equal(ref.step()[1], rhf.step()[1])
    rhf.inject("burner_failure")
    assert rhf.active_fault == "burner_failure"
    j = rhf.column("fuel_flow_heating1")
    a = np.array([ref.step()[1] for _ in range(30)])
    b = np.array([rhf.step()[1] for _ in range(30)])
    assert (b[10:, j] / a[10:, j]).mean() > 1.15
    rhf.inject("sensor_dropout")
    _, x = rhf.step()
    assert np.isnan(x[rhf.column("flue_o2")]) and np.isnan(x).sum() == 1
    rhf.inject("flat_sensor")
    k = rhf.column("flue_temp_before_recup")
    frozen = {float(rhf.step()[1][k]) for _ in range(15)}
    assert len(frozen) == 1
    rhf.clear()
    assert rhf.active_fault is None
    rest = np.array([rhf.step()[1] for _ in range(15)])
    assert not np.isnan(rest).any() and len(set(rest[:, k])) == 15


def test_step_times_follow_start_and_step():
    rhf = ReheatFurnace(start="2026-05-01 08:00", step_s=15)
    times = [rhf.step()[0] for _ in range(3)]
    assert times == [pd.Timestamp("2026-05-01T08:00:00Z") + pd.Timedelta(seconds=15 * i) for i in range(3)]
    t, x = rhf.step()
    assert isinstance(t, pd.Timestamp) and x.shape == (len(rhf.variables),) and x.dtype == np.float64


def test_bad_faults_and_arguments_are_refused():
    rhf = ReheatFurnace()
    with pytest.raises(DataError, match="burner_failure") as err:
        rhf.inject("furnace_explodes")
    assert err.value.column == "fault"
    with pytest.raises(DataError) as err:
        rhf.history(10, fault="nope")
    assert err.value.column == "fault"
    for bad in (0, -1, 5.5, float("nan"), "big"):
        with pytest.raises(DataError) as err:
            rhf.inject("burner_failure", magnitude=bad)
        assert err.value.column == "magnitude"
    assert rhf.active_fault is None, "a refused injection changes nothing"
    for onset in (-1, 10):
        with pytest.raises(DataError) as err:
            rhf.history(10, fault="burner_failure", onset=onset)
        assert err.value.column == "onset"
    with pytest.raises(DataError):
        rhf.history(0)
    with pytest.raises(DataError) as err:
        rhf.history(10, start="yesterday-ish")
    assert err.value.column == "start"
    for kwargs in ({"step_s": 0}, {"step_s": 7200}, {"step_s": 1.5}, {"unit": ""}, {"unit": "<b>"},
                   {"start": "not a time"}, {"seed": "x"}):
        with pytest.raises(ConfigError):
            ReheatFurnace(**kwargs)


def test_speed():
    rhf = ReheatFurnace(seed=10)
    rhf.step()
    t0 = time.perf_counter()
    for _ in range(1000):
        rhf.step()
    assert (time.perf_counter() - t0) / 1000 < 1e-3
    best = math.inf
    for _ in range(2):
        t0 = time.perf_counter()
        rhf.history(10_000)
        best = min(best, time.perf_counter() - t0)
    assert best < 0.5
