"""Users' meter exports (reading, validation report), calendar helpers and the generated plant load."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from bessemer.core import DataError, SchemaError
from bessemer.datasets._steel_energy import read_steel_energy
from bessemer.industry.energy._meter import (
    MAX_KW,
    check_meter,
    holiday_mask,
    load_type_2018,
    local_index,
    read_meter_csv,
    read_meter_table,
)
from bessemer.industry.energy._synthetic import GRID_FACTOR, make_plant_load, write_uci_csv


def _csv(tmp_path, text: str, name: str = "meter.csv"):
    p = tmp_path / name
    p.write_bytes(text.encode("utf-8"))
    return p


# ------------------------------------------------------------------ reading
def test_end_stamps_become_utc_interval_starts(tmp_path):
    p = _csv(tmp_path, "Time;Active kWh;Lag kvarh\r\n2026-01-05 00:15;410.5;120\r\n2026-01-05 00:30;;118\r\n")
    f = read_meter_csv(p, time_col="Time", kwh_col="Active kWh", kvarh_cols=["Lag kvarh"], asset="eaf-1")
    assert [str(t) for t in f.column("time")] == ["2026-01-04 15:00:00+00:00", "2026-01-04 15:15:00+00:00"]
    assert f.units == {"usage_kwh": "kWh", "lagging_kvarh": "kvarh"}
    assert np.isnan(f.column("usage_kwh")[1])  # an empty cell is a gap, not an error
    assert f.assets == ["eaf-1"]


def test_start_stamps_dayfirst_and_offsets(tmp_path):
    p = _csv(tmp_path, "t,kwh\n05/01/2026 00:00,1\n05/01/2026 00:15,2\n")
    f = read_meter_csv(p, time_col="t", kwh_col="kwh", stamp="start", dayfirst=True)
    assert str(local_index(f)[0]) == "2026-01-05 00:00:00+09:00"
    p = _csv(tmp_path, "t,kwh\n2026-01-05T00:15+09:00,1\n2026-01-05T00:30+09:00,2\n")
    f = read_meter_csv(p, time_col="t", kwh_col="kwh", tz="UTC")  # the offset wins over tz
    assert str(local_index(f)[0]) == "2026-01-05 00:00:00+09:00"


def test_meter_file_with_the_uci_midnight_quirk_is_repaired(tmp_path):
    rows = ["t,kwh", "05/01/2026 23:30,1", "05/01/2026 23:45,2", "05/01/2026 00:00,3", "06/01/2026 00:15,4"]
    f = read_meter_csv(_csv(tmp_path, "\n".join(rows)), time_col="t", kwh_col="kwh", dayfirst=True)
    assert [str(t.time()) for t in local_index(f)] == ["23:15:00", "23:30:00", "23:45:00", "00:00:00"]


def test_meter_errors_name_file_row_and_column(tmp_path):
    p = _csv(tmp_path, "t,kwh\n2026-01-05 00:15,1\n2026-01-05 00:30,lots\n")
    with pytest.raises(DataError, match="not a number") as err:
        read_meter_csv(p, time_col="t", kwh_col="kwh")
    assert (err.value.file, err.value.row, err.value.column) == ("meter.csv", 2, "kwh")
    p = _csv(tmp_path, "t,kwh\n2026-01-05 00:15,1\nyesterday,2\n")
    with pytest.raises(DataError, match="not a valid timestamp") as err:
        read_meter_csv(p, time_col="t", kwh_col="kwh")
    assert (err.value.row, err.value.column) == (2, "t")
    with pytest.raises(SchemaError, match="kWh"):
        read_meter_csv(p, time_col="t", kwh_col="kWh")
    p = _csv(tmp_path, "t,kwh\n2026-01-05 00:15,1\n2026-01-05 00:15,2\n")
    with pytest.raises(DataError, match="duplicate") as err:
        read_meter_csv(p, time_col="t", kwh_col="kwh")
    assert err.value.row == 2
    assert read_meter_csv(p, time_col="t", kwh_col="kwh", on_duplicate="last").column("usage_kwh").tolist() == [2.0]
    p = _csv(tmp_path, "t,kwh\n2026-01-05 00:15,1e400\n")
    with pytest.raises(DataError, match="infinite"):
        read_meter_csv(p, time_col="t", kwh_col="kwh")


# ------------------------------------------------------------------ validation
def test_check_meter_reports_gaps_duplicates_impossible_and_off_grid(tmp_path):
    rows = ["t,kwh", "2026-01-05 00:15,5", "2026-01-05 00:30,-2", "2026-01-05 00:30,6",
            "2026-01-05 01:30,7", "2026-01-05 01:45,", "2026-01-05 02:15,9e9", "2026-01-05 02:22,3",
            "2026-01-05 02:30,4"]
    table = read_meter_table(_csv(tmp_path, "\n".join(rows)), time_col="t", kwh_col="kwh")
    rep = check_meter(table)
    assert not rep.ok
    assert rep.duplicates == [(pd.Timestamp("2026-01-04 15:15", tz="UTC"), 2)]
    assert [why for _, _, why in rep.impossible][0] == "negative"
    assert "above the cap" in rep.impossible[1][2] and rep.impossible[1][1] == 9e9
    assert rep.cap_kwh == MAX_KW / 4
    assert rep.irregular == [pd.Timestamp("2026-01-04 17:07", tz="UTC")]
    # missing (local interval starts): 00:30–01:15 (no rows); 01:30 (empty cell) and 01:45 (no row)
    local_gaps = [(a.tz_convert("Asia/Seoul").strftime("%H:%M"), b.tz_convert("Asia/Seoul").strftime("%H:%M"))
                  for a, b in rep.gaps]
    assert local_gaps == [("00:30", "01:15"), ("01:30", "02:00")]
    assert rep.missing_intervals == 5
    d = rep.to_dict()
    assert json.loads(json.dumps(d)) == d and d["n_gaps"] == 2 and d["ok"] is False


def test_check_meter_is_clean_on_generated_load_and_names_the_asset():
    f = make_plant_load(3, seed=4)
    rep = check_meter(f)
    assert rep.ok and rep.n_rows == rep.n_expected == 3 * 96 and rep.asset == "pohang-eaf-shop"
    df = f.to_pandas()
    two = pd.concat([df, df.assign(asset="other")])
    with pytest.raises(ValueError, match="asset"):
        check_meter(two)
    assert check_meter(two, asset="other").ok
    with pytest.raises(SchemaError, match="kwh_total"):
        check_meter(f, "kwh_total")


# ------------------------------------------------------------------ calendar
def test_holidays_and_the_2018_time_bands():
    idx = pd.DatetimeIndex(["2018-09-24 10:00", "2018-09-27 10:00", "2026-02-17 03:00"]).tz_localize("Asia/Seoul")
    assert holiday_mask(idx).tolist() == [True, False, True]
    # weekday in summer: 09:00 medium, 10:00–12:00 maximum, 12:00 medium, 13:00–17:00 maximum, 17:00–23:00 medium
    day = pd.date_range("2018-07-04", periods=96, freq="15min", tz="Asia/Seoul")
    lt = load_type_2018(day)
    hours = {h: lt[day.hour == h][0] for h in range(24)}
    assert [hours[h] for h in (8, 9, 10, 11, 12, 13, 16, 17, 22, 23)] == [
        "light", "medium", "maximum", "maximum", "medium", "maximum", "maximum", "medium", "medium", "light"]
    # winter: 17:00–20:00 and 22:00–23:00 maximum
    winter = load_type_2018(pd.date_range("2018-01-03 17:00", periods=24, freq="15min", tz="Asia/Seoul"))
    assert list(winter[:12]) == ["maximum"] * 12 and winter[12] == "medium"
    # Sunday and Chuseok are light all day
    assert set(load_type_2018(pd.date_range("2018-07-01", periods=96, freq="15min", tz="Asia/Seoul"))) == {"light"}
    assert set(load_type_2018(pd.date_range("2018-09-24", periods=96, freq="15min", tz="Asia/Seoul"))) == {"light"}


def test_local_index_needs_timestamps():
    from bessemer.core import Frame

    f = Frame(pd.DataFrame({"asset": ["a"], "time": [3], "usage_kwh": [1.0]}))
    with pytest.raises(DataError, match="timestamps"):
        local_index(f)


# ------------------------------------------------------------------ generated plant load
def test_make_plant_load_is_deterministic_and_shaped_like_the_uci_frame(tmp_path):
    a, b, c = make_plant_load(14, seed=1), make_plant_load(14, seed=1), make_plant_load(14, seed=2)
    assert a.fingerprint() == b.fingerprint() != c.fingerprint()
    uci = read_steel_energy(write_uci_csv(a, tmp_path / "uci.csv"), asset="pohang-eaf-shop")
    assert uci.units == a.units and uci.meta == a.meta and uci.signals == a.signals
    np.testing.assert_allclose(uci.values(), a.values())
    assert (uci.column("load_type") == a.column("load_type")).all()
    assert (uci.column("day_of_week") == a.column("day_of_week")).all()


def test_make_plant_load_is_a_plausible_eaf_shop():
    f = make_plant_load(28, seed=0)
    local = local_index(f)
    kwh = f.column("usage_kwh")
    np.testing.assert_allclose(f.column("co2_t"), kwh * GRID_FACTOR, atol=1e-4)
    assert (kwh > 0).all() and kwh.max() * 4 < 100_000  # below 100 MW
    pf = f.values(["lagging_pf", "leading_pf"])
    assert ((pf >= 0) & (pf <= 100)).all()
    day = pd.Series(kwh).groupby(np.asarray(local.normalize())).sum()
    dows = pd.DatetimeIndex(day.index).day_of_week
    weekdays = day[np.asarray(dows < 5)]
    assert weekdays.min() > 2 * day[np.asarray(dows == 6)].min()  # an idle Sunday draws far less
    assert (f.column("load_type")[np.asarray(local.day_of_week) == 6] == "light").all()
    assert check_meter(f).ok
    with pytest.raises(ValueError, match="days"):
        make_plant_load(0)
