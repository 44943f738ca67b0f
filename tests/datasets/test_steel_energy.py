"""UCI steel-industry energy loader: the real file's quirks on tiny hand-written files, bad input, the real file."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bessemer.core import DataError, NotFoundError, SchemaError
from bessemer.datasets._steel_energy import interval_starts, read_steel_energy

HEAD = ("date,Usage_kWh,Lagging_Current_Reactive.Power_kVarh,Leading_Current_Reactive_Power_kVarh,CO2(tCO2),"
        "Lagging_Current_Power_Factor,Leading_Current_Power_Factor,NSM,WeekStatus,Day_of_week,Load_Type")
# the last interval of 1 January 2018 is written "01/01/2018 00:00" after "01/01/2018 23:45"
ROWS = [
    "01/01/2018 23:30,3.24,2.95,0,0,73.94,100,84600,Weekday,Monday,Light_Load",
    "01/01/2018 23:45,3.67,3.96,0,0,67.97,100,85500,Weekday,Monday,Light_Load",
    "01/01/2018 00:00,3.42,3.46,0,0,70.3,100,0,Weekday,Monday,Light_Load",
    "02/01/2018 00:15,3.2,3.1,0,0,71.82,100,900,Weekday,Tuesday,Light_Load",
    "02/01/2018 09:15,40.1,20.2,0.5,0.02,89.3,99.9,33300,Weekday,Tuesday,Medium_Load",
]


def _write(tmp_path: Path, rows: list[str], *, bom: bool = True, eol: str = "\r\n", head: str = HEAD) -> Path:
    p = tmp_path / "steel.csv"
    text = eol.join([head, *rows]) + eol
    p.write_bytes((("\ufeff" if bom else "") + text).encode("utf-8"))
    return p


def test_bom_crlf_dayfirst_and_the_midnight_row(tmp_path):
    f = read_steel_energy(_write(tmp_path, ROWS), asset="gwangyang")
    local = pd.DatetimeIndex(f.column("time")).tz_convert("Asia/Seoul")
    # interval starts: 23:15, 23:30, 23:45 on 1 January (the 00:00 row closes that day), then 00:00 on 2 January
    assert [str(t) for t in local[:4]] == ["2018-01-01 23:15:00+09:00", "2018-01-01 23:30:00+09:00",
                                           "2018-01-01 23:45:00+09:00", "2018-01-02 00:00:00+09:00"]
    # dd/mm/yyyy: 02/01 is 2 January, not 1 February
    assert str(local[4]) == "2018-01-02 09:00:00+09:00"
    assert str(pd.Timestamp(f.column("time")[0])) == "2018-01-01 14:15:00+00:00"  # UTC start
    assert f.column("usage_kwh").tolist() == [3.24, 3.67, 3.42, 3.2, 40.1]
    assert f.units == {"usage_kwh": "kWh", "lagging_kvarh": "kvarh", "leading_kvarh": "kvarh", "co2_t": "tCO2",
                       "lagging_pf": "%", "leading_pf": "%"}
    assert f.column("load_type").tolist() == ["light"] * 4 + ["medium"]
    assert f.column("day_of_week").tolist()[-1] == "tuesday" and f.column("week_status")[0] == "weekday"
    assert f.assets == ["gwangyang"] and f.source == "steel.csv"


def test_plain_utf8_lf_file_reads_the_same(tmp_path):
    a = read_steel_energy(_write(tmp_path, ROWS))
    b = read_steel_energy(_write(tmp_path, ROWS, bom=False, eol="\n"))
    assert a.fingerprint() == b.fingerprint()


def test_a_file_with_usual_midnights_is_not_shifted(tmp_path):
    rows = [r.replace("01/01/2018 00:00", "02/01/2018 00:00") for r in ROWS]
    f = read_steel_energy(_write(tmp_path, rows))
    local = pd.DatetimeIndex(f.column("time")).tz_convert("Asia/Seoul")
    assert str(local[2]) == "2018-01-01 23:45:00+09:00"


def test_interval_starts_repairs_only_in_closes_day_mode():
    s = pd.Series(pd.to_datetime(["2018-01-01 23:45", "2018-01-01 00:00"]))
    starts, n = interval_starts(s, midnight="closes_day")
    assert n == 1 and starts.iloc[1] - starts.iloc[0] == pd.Timedelta(minutes=15)
    starts, n = interval_starts(s, midnight="next_day")
    assert n == 0 and starts.iloc[1] < starts.iloc[0]
    starts, _ = interval_starts(pd.Series(pd.to_datetime(["2018-01-01 09:00"])), stamp="start", tz="UTC")
    assert str(starts.iloc[0]) == "2018-01-01 09:00:00+00:00"


@pytest.mark.parametrize(
    ("row", "cell", "column", "match"),
    [
        (4, "32/01/2018 09:15", "date", "not a valid timestamp"),
        (4, "2018-01-02 09:15", "date", "not a valid timestamp"),
        (4, "abc", "Usage_kWh", "not a finite number"),
        (4, "", "Usage_kWh", "missing"),
        (4, "NaN", "CO2(tCO2)", "missing"),
        (4, "-1.5", "Usage_kWh", "must be ≥ 0"),
        (4, "101", "Lagging_Current_Power_Factor", "between 0 and 100"),
        (4, "Peak_Load", "Load_Type", "not one of"),
        (4, "Holiday", "WeekStatus", "not one of"),
    ],
)
def test_bad_cells_are_named_by_file_row_and_column(tmp_path, row, cell, column, match):
    cols = HEAD.split(",")
    rows = [r.split(",") for r in ROWS]
    rows[row - 1][cols.index(column)] = cell
    p = _write(tmp_path, [",".join(r) for r in rows])
    with pytest.raises(DataError, match=match) as err:
        read_steel_energy(p)
    assert (err.value.file, err.value.row, err.value.column) == ("steel.csv", row, column)


def test_duplicate_and_out_of_order_stamps_after_the_repair(tmp_path):
    twice = [*ROWS[:2], ROWS[1], *ROWS[2:]]
    with pytest.raises(DataError, match="repeats") as err:
        read_steel_energy(_write(tmp_path, twice))
    assert (err.value.row, err.value.column) == (3, "date")
    back = [ROWS[1], ROWS[0], *ROWS[2:]]
    with pytest.raises(DataError, match="comes before") as err:
        read_steel_energy(_write(tmp_path, back))
    assert err.value.row == 2


def test_missing_column_and_missing_file(tmp_path):
    head = HEAD.replace(",Load_Type", "")
    rows = [r.rsplit(",", 1)[0] for r in ROWS]
    with pytest.raises(SchemaError, match="Load_Type"):
        read_steel_energy(_write(tmp_path, rows, head=head))
    with pytest.raises(NotFoundError, match="no steel energy file"):
        read_steel_energy(tmp_path / "nope.csv")


def test_ragged_row_and_hostile_text_are_refused(tmp_path):
    with pytest.raises(DataError) as err:
        read_steel_energy(_write(tmp_path, [*ROWS[:2], ROWS[2] + ",extra", *ROWS[3:]]))
    assert err.value.row == 3 and err.value.file == "steel.csv"
    hostile = ROWS[3].replace("Tuesday", "<script>alert(1)</script>")
    with pytest.raises(DataError, match="not one of") as err:
        read_steel_energy(_write(tmp_path, [*ROWS[:3], hostile, ROWS[4]]))
    assert err.value.column == "Day_of_week"


# ------------------------------------------------------------------ the real file
DATA = Path(os.environ.get("BESSEMER_DATA") or Path(__file__).resolve().parents[2] / ".." / "shared" / "data")
REAL = DATA / "steel_energy_uci" / "Steel_industry_data.csv"


@pytest.mark.data
@pytest.mark.skipif(not REAL.is_file(), reason=f"UCI steel energy data absent at {REAL} (set BESSEMER_DATA to "
                                                "the shared data folder)")
def test_real_file_loads_whole_days_without_gaps():
    f = read_steel_energy(REAL)
    local = pd.DatetimeIndex(f.column("time")).tz_convert("Asia/Seoul")
    days = (local[-1].normalize() - local[0].normalize()).days + 1
    assert len(f) == days * 96  # Jan–Sep here: 273 days, 26,208 intervals
    assert str(local[0]) == "2018-01-01 00:00:00+09:00"
    assert local[-1].hour == 23 and local[-1].minute == 45
    assert (np.diff(f.column("time")) == np.timedelta64(15, "m")).all()
    assert set(f.column("load_type")) == {"light", "medium", "maximum"}
    # the weekday label agrees with the repaired interval start on every row
    assert (np.asarray([d.lower() for d in local.day_name()]) == f.column("day_of_week")).all()
    kwh, co2 = f.column("usage_kwh"), f.column("co2_t")
    big = kwh > 50
    assert 0.35 < float(np.median(co2[big] / kwh[big] * 1000)) < 0.5  # tCO2/MWh, the factor the data implies
