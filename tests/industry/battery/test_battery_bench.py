"""`bench battery` on generated cells written in the NASA discharge-CSV layout; bad folders."""

from __future__ import annotations

import json

import pytest

from bessemer.core import BessemerError
from bessemer.industry.battery import format_battery_report, make_cells, run_battery_bench, write_discharge_csv

KEYS = ("soh_rmse", "soh_mae", "coverage90", "eol_mae_cycles_25", "eol_mae_cycles_50")


@pytest.fixture(scope="module")
def layout(tmp_path_factory):
    root = tmp_path_factory.mktemp("cells")
    train = write_discharge_csv(make_cells(4, seed=1, n_cycles=80, currents=(2.0, 4.0), fade=(0.0025, 0.004)),
                                root / "train")
    test = write_discharge_csv(make_cells(2, seed=2, n_cycles=80, currents=(2.0, 4.0), fade=(0.0025, 0.004)),
                               root / "test")
    return train, test


def test_bench_figures_on_generated_cells(layout):
    r = run_battery_bench(*layout)
    assert all(k in r for k in KEYS)
    json.dumps(r)
    assert r["n_test_cells"] == 2 and r["n_test_discharges"] == 160
    assert 0 < r["soh_rmse"] < 8.0 and 0 <= r["coverage90"] <= 1
    assert r["eol_mae_cycles_50"] is not None and r["eol_mae_cycles_50"] < 30
    assert "quick SOH RMSE" in format_battery_report(r)


def test_bad_folders_are_clear_errors(tmp_path, layout):
    with pytest.raises(BessemerError, match="no such folder"):
        run_battery_bench(tmp_path / "missing", layout[1])
    (tmp_path / "empty").mkdir()
    with pytest.raises(BessemerError, match="no cell files"):
        run_battery_bench(tmp_path / "empty", layout[1])
    bad = tmp_path / "bad" / "discharge_csv"
    bad.mkdir(parents=True)
    (bad / "B0001_discharge.csv").write_text("Voltage_measured,Time\n4.2,0\n")
    with pytest.raises(BessemerError, match="B0001_discharge.csv"):
        run_battery_bench(tmp_path / "bad", layout[1])
