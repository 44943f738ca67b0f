from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from bessemer.industry.maintenance._bench import format_cmapss_report, phm08_score, run_cmapss_bench

FLOORS = Path(__file__).with_name("quality_floors.csv")


def test_phm08_score_is_asymmetric():
    late = phm08_score(np.array([20.0]), np.array([10.0]))
    early = phm08_score(np.array([0.0]), np.array([10.0]))
    assert late > early > 0
    assert phm08_score(np.array([5.0]), np.array([5.0])) == 0.0


def _floors(dataset: str) -> dict[str, float]:
    with FLOORS.open() as fh:
        rows = [r for r in csv.DictReader(fh) if r["model"] == "rul" and r["dataset"] == dataset]
    assert rows, f"no quality floors for {dataset} in {FLOORS}"
    return {r["metric"]: float(r["floor"]) for r in rows}


@pytest.mark.data
@pytest.mark.slow
def test_cmapss_fd001_quality_floor(cmapss_dir):
    floors = _floors("cmapss-FD001")
    result = run_cmapss_bench(cmapss_dir, "FD001", seed=0)
    report = format_cmapss_report(result)
    assert "FD001" in report and "RMSE" in report
    assert result["n_test_units"] == 100
    assert result["rmse"] <= floors["rmse_max"], report
    assert floors["coverage90_min"] <= result["coverage90"] <= floors["coverage90_max"], report
    assert result["train_s"] <= floors["train_s_max"], report
    assert result["predict_s"] <= floors["predict_s_max"], report
