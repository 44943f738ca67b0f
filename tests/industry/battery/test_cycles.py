"""A cell's cycle history: Coulomb counting to the end of the discharge, square-wave loads, truncation."""

from __future__ import annotations

import numpy as np
import pytest

from bessemer.core import DataError
from bessemer.industry.battery import Cell, Discharge


def _square(n: int = 200) -> Discharge:
    t = np.arange(n) * 10.0
    i = np.where((np.arange(n) % 2 == 1) & (np.arange(n) < n - 10), 4.0, 0.0)  # 4 A on every other sample
    return Discharge(index=1, time=t, voltage=np.full(n, 3.7), current=i, temperature=np.full(n, 25.0))


def test_square_wave_rests_count_and_the_relaxation_does_not():
    d = _square()
    e = d.end()
    assert d.current[e] == 4.0 and e < len(d.time) - 10
    # trapezoids over on/off samples: half the time at 4 A up to the last loaded sample
    assert d.capacity_ah() == pytest.approx(4.0 * 10.0 * e / 2 / 3600, rel=0.02)


def test_no_load_gives_nan_and_a_cell_needs_discharges():
    d = Discharge(index=1, time=np.arange(5.0), voltage=np.full(5, 4.2), current=np.zeros(5),
                  temperature=np.zeros(5))
    assert np.isnan(d.capacity_ah()) and d.duration_s() == 0.0
    with pytest.raises(DataError, match="no discharge"):
        Cell("x", []).check()
    with pytest.raises(ValueError, match="voltage has 2 samples"):
        Discharge(index=1, time=np.arange(3.0), voltage=np.ones(2), current=np.ones(3), temperature=np.ones(3))
