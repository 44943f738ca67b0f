"""End of life on generated cells with a known crossing: accuracy floor, thresholds, cells that never cross."""

from __future__ import annotations

import numpy as np
import pytest

from bessemer.core import NotFittedError
from bessemer.industry.battery import EolForecaster, first_crossing, make_cells
from bessemer.industry.battery._eol import starts_below

CELLS = make_cells(8, seed=21, n_cycles=150, fade=(0.0015, 0.0025))
FLOOR_CYCLES = 20.0


@pytest.mark.parametrize("method", ["blend", "trend", "similarity"])
def test_forecast_from_a_third_of_the_history_beats_the_floor(method):
    caps = [c.capacities() for c in CELLS]
    errs, covered = [], []
    for j in range(len(caps)):
        eol = EolForecaster(method=method).fit(caps[:j] + caps[j + 1:])
        truth = first_crossing(caps[j], 1.6)
        assert truth is not None and truth > 50, "the generator must give a crossing after the cut"
        f = eol.forecast(caps[j][:50], threshold=0.8)
        errs.append(abs(f.cycle - truth))
        covered.append(f.lower <= truth <= f.upper)
    assert np.mean(errs) < FLOOR_CYCLES, f"{method}: MAE {np.mean(errs):.1f} cycles"
    assert np.mean(covered) >= 0.6


def test_threshold_is_configurable_and_70_comes_later():
    caps = [c.capacities() for c in CELLS]
    eol = EolForecaster(thresholds=(0.8, 0.7)).fit(caps[1:])
    f80, f70 = eol.forecast_all(caps[0][:60])
    assert f80.threshold_ah == pytest.approx(1.6) and f70.threshold_ah == pytest.approx(1.4)
    assert f70.cycle > f80.cycle and f80.remaining > 0


def test_never_and_already_and_not_fitted():
    flat = np.full(50, 1.95)
    assert first_crossing(flat, 1.6) is None and not starts_below(flat, 1.6)
    assert starts_below(np.full(10, 1.5), 1.6)
    eol = EolForecaster(method="trend", prior=False).fit([c.capacities() for c in CELLS])
    assert np.isinf(eol.forecast(flat + np.linspace(0, 0.01, 50), 0.8).cycle)  # rising: never crosses
    spent = np.r_[np.full(10, 1.9), np.full(10, 1.5)]
    f = eol.forecast(spent, 0.8)
    assert f.already and f.cycle == first_crossing(spent, 1.6)
    with pytest.raises(NotFittedError):
        EolForecaster().forecast(flat)
    with pytest.raises(ValueError, match="method"):
        EolForecaster(method="magic").fit([flat])
