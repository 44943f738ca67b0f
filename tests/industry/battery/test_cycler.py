"""Plain cycler export reader: names, units, signs, charge steps, bad input, and a Hypothesis property."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bessemer.core import DataError, SchemaError
from bessemer.industry.battery import read_cycler_csv


def _write(tmp_path: Path, head: str, rows: list[str], name: str = "c.csv") -> Path:
    p = tmp_path / name
    p.write_text("\n".join([head, *rows]) + "\n", encoding="utf-8")
    return p


def test_units_in_headers_are_converted_and_charge_steps_dropped(tmp_path):
    rows = ["1,0,3000,1500,298.15", "1,60,4200,0,298.15",  # a charge step, then rest
            "1,70,4000,-2000,298.15", "1,1870,3500,-2000,300.15", "1,1930,3600,0,300.15"]
    cell = read_cycler_csv(_write(tmp_path, "Cycle_Index,Test_Time (s),Voltage(mV),Current(mA),Temperature(K)", rows))
    d = cell.discharges[0]
    assert d.time[0] == 0.0 and d.voltage.max() == pytest.approx(4.2) and d.current.min() >= 0.0
    assert d.temperature[0] == pytest.approx(25.0)
    assert cell.capacities()[0] == pytest.approx((0.5 * 2.0 * 10 + 2.0 * 1800) / 3600)


def test_missing_column_and_bad_cells_are_named(tmp_path):
    with pytest.raises(SchemaError, match="current"):
        read_cycler_csv(_write(tmp_path, "cycle,time,voltage", ["1,0,4.2"]))
    with pytest.raises(DataError, match="row 2, column 'voltage'"):
        read_cycler_csv(_write(tmp_path, "cycle,time,voltage,current", ["1,0,4.2,0", "1,10,abc,-2"]))
    with pytest.raises(DataError, match="row 3, column 'time'.*backwards"):
        read_cycler_csv(_write(tmp_path, "cycle,time,voltage,current", ["1,0,4.2,0", "1,10,4.0,-2", "1,5,3.9,-2"]))
    with pytest.raises(SchemaError, match="unit 'furlong'"):
        read_cycler_csv(_write(tmp_path, "cycle,time (furlong),voltage,current", ["1,0,4.2,0"]))
    with pytest.raises(DataError, match="no discharge"):
        read_cycler_csv(_write(tmp_path, "cycle,time,voltage,current", ["1,0,4.2,1", "1,10,4.2,1"]))


def test_discharge_positive_convention(tmp_path):
    p = _write(tmp_path, "cycle,time,voltage,current", ["1,0,4.2,0", "1,10,4.0,2", "1,3610,3.0,2", "1,3700,3.2,0"])
    assert read_cycler_csv(p, discharge_positive=True).capacities()[0] == pytest.approx(2.0 * 3600 / 3600 + 10 / 3600)


_cell = st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=32).map(repr),
                  st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters=",\n\r\"\x00"),
                          max_size=8))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.integers(1, 3), st.floats(0, 1e4), _cell, st.floats(-5, 5)), min_size=1,
                     max_size=12))
def test_parser_either_reads_or_raises_a_data_error(tmp_path, rows):
    rows = sorted(rows, key=lambda r: (r[0], r[1]))
    p = _write(tmp_path, "cycle,time,voltage,current", [f"{c},{t!r},{v},{i!r}" for c, t, v, i in rows], "h.csv")
    try:
        cell = read_cycler_csv(p)
    except DataError:
        return
    for d in cell.discharges:
        assert np.all(np.diff(d.time) >= 0) and np.all(d.current >= 0) and np.isfinite(d.voltage).all()
        assert d.capacity_ah() >= 0 or np.isnan(d.capacity_ah())
