"""LoadForecaster: the leakage check at every horizon, interval coverage on new generated data, gaps and errors."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from bessemer.core import DataError, Frame, SchemaError
from bessemer.industry.energy._forecast import TREE_DEFAULTS, LoadForecaster
from bessemer.industry.energy._forecast_features import _features
from bessemer.industry.energy._meter import local_index
from bessemer.industry.energy._synthetic import make_plant_load

FAST = {"n_folds": 3, "n_estimators": 60, "num_leaves": 15, "min_child_samples": 20, "n_jobs": 1}
HORIZONS = ("15min", "1h", "day")
OTHER = ["lagging_kvarh", "leading_kvarh", "co2_t", "lagging_pf", "leading_pf"]


@pytest.fixture(scope="module")
def plant() -> Frame:
    return make_plant_load(28, seed=5)


@pytest.fixture(scope="module")
def fitted(plant) -> dict[str, LoadForecaster]:
    return {h: LoadForecaster(horizon=h, **FAST).fit(plant) for h in HORIZONS}


def _issue_times(frame: Frame, horizon: str) -> pd.DatetimeIndex:
    """τ of each row: the time its forecast is issued."""
    t = pd.DatetimeIndex(frame.column("time"))
    if horizon == "15min":
        return t
    if horizon == "1h":
        return t + pd.Timedelta(minutes=15) - pd.Timedelta(hours=1)
    return local_index(frame).normalize().tz_convert("UTC")


def _garbled(frame: Frame, cut: pd.Timestamp, signals: list[str], seed: int = 0) -> Frame:
    """The frame with every listed signal replaced by garbage in the intervals that start at or after ``cut``."""
    df = frame.to_pandas()
    rng = np.random.default_rng(seed)
    late = (df["time"] >= cut).to_numpy()
    for s in signals:
        hi = 100.0 if s.endswith("_pf") else 1e5
        df.loc[late, s] = rng.uniform(0.0, hi, late.sum())
    return Frame(df, units=frame.units, meta=frame.meta, time_kind="timestamp")


@pytest.mark.parametrize("horizon", HORIZONS)
@pytest.mark.parametrize("cut_local", ["2026-01-26 00:00", "2026-01-26 09:15"])
def test_forecasts_use_nothing_from_their_issue_time_on(plant, fitted, horizon, cut_local):
    """The leakage check: garbage in the actuals (kWh) and in the same-time and later reactive power,
    power factor and CO2 from a cut-off time on leaves every forecast issued at or before it unchanged."""
    model = fitted[horizon]
    cut = pd.Timestamp(cut_local, tz="Asia/Seoul").tz_convert("UTC")
    before = model.predict(plant)
    after = model.predict(_garbled(plant, cut, ["usage_kwh", *OTHER]))
    tau = _issue_times(plant, horizon)
    issued = np.asarray(tau <= cut)
    cols = ["forecast", "forecast_lower", "forecast_upper"]
    np.testing.assert_array_equal(after.loc[issued, cols].to_numpy(), before.loc[issued, cols].to_numpy())
    # the check can fail: forecasts issued later do see the garbage
    later = ~issued
    assert (after.loc[later, "forecast"].to_numpy() != before.loc[later, "forecast"].to_numpy()).mean() > 0.5
    if horizon == "day":  # the whole day is issued at its midnight: all 96 slots of the cut's day are unchanged
        day = np.asarray(local_index(plant).normalize() == pd.Timestamp(cut_local[:10], tz="Asia/Seoul"))
        assert day.sum() == 96 and issued[day].all()
        np.testing.assert_array_equal(after.loc[day, "forecast"].to_numpy(), before.loc[day, "forecast"].to_numpy())


@pytest.mark.parametrize("horizon", HORIZONS)
def test_same_time_reactive_power_pf_and_co2_are_never_used(plant, fitted, horizon):
    """Garbage in the non-target signals of every interval from a cut on: forecasts issued up to it are unchanged,
    and CO2 (kWh times a factor) changes nothing anywhere."""
    model = fitted[horizon]
    cut = pd.Timestamp("2026-01-20 13:00", tz="Asia/Seoul").tz_convert("UTC")
    before = model.predict(plant)["forecast"].to_numpy()
    after = model.predict(_garbled(plant, cut, OTHER, seed=1))["forecast"].to_numpy()
    issued = np.asarray(_issue_times(plant, horizon) <= cut)
    np.testing.assert_array_equal(after[issued], before[issued])
    first = pd.Timestamp(plant.column("time")[0])
    co2 = model.predict(_garbled(plant, first, ["co2_t"], seed=2))["forecast"].to_numpy()
    np.testing.assert_array_equal(co2, before)


@pytest.mark.parametrize("horizon", ["15min", "1h"])
@pytest.mark.parametrize("cut", [5 * 96 + 37, 20 * 96 + 3])
def test_every_feature_column_uses_only_actuals_up_to_the_issue_time(plant, fitted, horizon, cut):
    """Column by column (the finer recent past included): garbage in the target and the other signals at grid
    positions after ``cut`` leaves every feature of the rows issued by then (pos - lead <= cut) unchanged."""
    (s,) = fitted[horizon]._series(plant)
    rng = np.random.default_rng(3)
    late = np.arange(len(s.y)) > cut
    y = s.y.copy()
    y[late] = rng.uniform(0.0, 1e4, late.sum())
    past = {k: np.where(late, rng.uniform(0.0, 1e4, len(v)), v) for k, v in s.past.items()}
    before = _features(s, recent=True)
    after = _features(dataclasses.replace(s, y=y, past=past), recent=True)
    assert {"last_7", "step_t_96", "step_0_672", "std_4h", "lagging_kvarh_last_3", "quarter"} <= set(before)
    issued = s.pos - s.lead <= cut
    assert issued.sum() > 96 and (~issued).sum() > 96
    for name, v in before.items():
        np.testing.assert_array_equal(after[name][issued], v[issued], err_msg=name)
    # the check can fail: each recent column sees the garbage in rows issued after the cut
    for name in ("last_7", "step_0_96", "std_1h", "lagging_kvarh_last_1", "step_1h", "last_over_1h"):
        changed = ~np.isclose(after[name][~issued], before[name][~issued], equal_nan=True)
        assert changed.mean() > 0.5, name


def test_the_finer_recent_past_is_for_the_short_horizons_only(plant, fitted):
    assert {"last_7", "std_2h", "quarter"} <= set(fitted["15min"].feature_names_)
    assert {"last_7", "std_2h", "quarter"} <= set(fitted["1h"].feature_names_)
    assert not {"last_7", "std_2h", "quarter"} & set(fitted["day"].feature_names_)


def test_tree_settings_default_per_horizon_and_explicit_ones_win():
    for h, (mcs, col) in TREE_DEFAULTS.items():
        params = LoadForecaster(horizon=h)._lgbm_params(0)
        assert (params["min_child_samples"], params["colsample_bytree"]) == (mcs, col)
    params = LoadForecaster(horizon="15min", min_child_samples=7, colsample=0.9)._lgbm_params(0)
    assert (params["min_child_samples"], params["colsample_bytree"]) == (7, 0.9)


def test_steps_ahead_per_horizon(plant, fitted):
    slot = np.asarray(local_index(plant).hour * 4 + local_index(plant).minute // 15)
    assert (fitted["15min"].predict(plant)["lead"] == 1).all()
    assert (fitted["1h"].predict(plant)["lead"] == 4).all()
    np.testing.assert_array_equal(fitted["day"].predict(plant)["lead"].to_numpy(), slot + 1)


@pytest.fixture(scope="module")
def new_data():
    """Seven weeks of one plant: fit on the first four, forecast the last three (new data)."""
    frame = make_plant_load(49, seed=6)
    cut = pd.Timestamp(frame.column("time")[28 * 96])
    df = frame.to_pandas()
    train = Frame(df[df["time"] < cut], units=frame.units, meta=frame.meta)
    return frame, train, np.asarray(frame.column("time") >= cut)


@pytest.mark.parametrize("horizon", HORIZONS)
def test_intervals_cover_new_data_and_day_ahead_beats_seasonal_naive(new_data, horizon):
    frame, train, test = new_data
    model = LoadForecaster(horizon=horizon, coverage=0.9, n_folds=4, n_estimators=150, n_jobs=1).fit(train)
    out = model.predict(frame)
    y = frame.column("usage_kwh")[test]
    p, lo, hi = (out[c].to_numpy()[test] for c in ("forecast", "forecast_lower", "forecast_upper"))
    cover = float(np.mean((y >= lo) & (y <= hi)))
    assert 0.82 <= cover <= 0.97, f"{horizon}: 90 % intervals cover {cover:.3f} of new intervals"
    assert 0.8 <= model.cv_["cv_coverage"] <= 0.97
    rmse = float(np.sqrt(np.mean((p - y) ** 2)))
    all_y = frame.column("usage_kwh")
    idx = np.flatnonzero(test)
    naive = min(float(np.sqrt(np.mean((all_y[idx - lag] - y) ** 2))) for lag in (96, 672))
    assert rmse < naive, f"{horizon}: RMSE {rmse:.0f} is not below the seasonal naive {naive:.0f}"


def test_rows_without_history_and_gaps_still_get_forecasts(plant, fitted):
    df = make_plant_load(10, start="2026-03-02", seed=9).to_pandas()
    df.loc[100:140, "usage_kwh"] = np.nan  # an outage of the meter
    df = df.drop(index=range(400, 700))  # three days with no rows at all
    holed = Frame(df, units=plant.units, meta=plant.meta)
    for model in fitted.values():
        out = model.predict(holed)
        assert len(out) == len(holed)
        vals = out[["forecast", "forecast_lower", "forecast_upper"]].to_numpy()
        assert np.isfinite(vals).all() and (vals >= 0).all()
        assert (out["forecast_lower"] <= out["forecast"]).all() and (out["forecast"] <= out["forecast_upper"]).all()


def test_each_asset_is_forecast_from_its_own_history(plant):
    a = plant.to_pandas()
    b = make_plant_load(28, seed=8, asset="dangjin-eaf").to_pandas()
    both = Frame(pd.concat([a, b]), units=plant.units, meta=plant.meta)
    model = LoadForecaster(horizon="1h", **FAST).fit(both)
    before = model.predict(both)
    b2 = b.copy()
    b2["usage_kwh"] = b2["usage_kwh"] * 3.0
    after = model.predict(Frame(pd.concat([a, b2]), units=plant.units, meta=plant.meta))
    mine = (before["asset"] == "pohang-eaf-shop").to_numpy()
    np.testing.assert_array_equal(after.loc[mine, "forecast"].to_numpy(), before.loc[mine, "forecast"].to_numpy())
    assert not np.array_equal(after.loc[~mine, "forecast"].to_numpy(), before.loc[~mine, "forecast"].to_numpy())


def test_load_type_comes_from_meta_or_from_the_schedule(plant):
    df = plant.to_pandas()
    df["load_type"] = "light"  # a tariff with no peak bands at all
    relabelled = Frame(df, units=plant.units, meta=plant.meta)
    meta = LoadForecaster(horizon="day", **FAST).fit(plant)
    assert not np.array_equal(meta.predict(relabelled)["forecast"], meta.predict(plant)["forecast"])
    sched = LoadForecaster(horizon="day", load_type="schedule", **FAST).fit(plant)
    np.testing.assert_array_equal(sched.predict(relabelled)["forecast"], sched.predict(plant)["forecast"])
    df["load_type"] = "super_peak"
    with pytest.raises(DataError, match="load_type") as err:
        meta.predict(Frame(df, units=plant.units, meta=plant.meta))
    assert err.value.row == 1 and err.value.column == "load_type"


def test_bad_parameters_and_inputs_are_clear_errors(plant):
    with pytest.raises(ValueError, match="horizon"):
        LoadForecaster(horizon="2h").fit(plant)
    with pytest.raises(ValueError, match="coverage"):
        LoadForecaster(coverage=90).fit(plant)
    with pytest.raises(SchemaError, match="target"):
        LoadForecaster(target="kwh").fit(plant)
    with pytest.raises(SchemaError, match="past_signals"):
        LoadForecaster(past_signals=["usage_kwh"]).fit(plant)
    df = plant.to_pandas()
    short = Frame(df.iloc[:96], units=plant.units, meta=plant.meta)
    with pytest.raises(DataError, match="two days"):
        LoadForecaster(**FAST).fit(short)
    df.loc[7, "time"] = df.loc[7, "time"] + pd.Timedelta(minutes=5)
    with pytest.raises(DataError, match="15-minute") as err:
        LoadForecaster(**FAST).fit(Frame(df, units=plant.units, meta=plant.meta))
    assert (err.value.row, err.value.column) == (8, "time")


def test_fit_refuses_a_separate_target(plant):
    with pytest.raises(ValueError, match="without y"):
        LoadForecaster(**FAST).fit(plant, np.ones(len(plant)))
