"""Tests of import_file: every bad input is refused with file, row and column, and changes nothing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bessemer.core import DataError, Frame, NotFoundError, SchemaError, UnitError
from bessemer.core._import import ImportReport, import_file
from bessemer.core._store import Store

GOOD = "asset,time,vibration[mm/s],temp[degC]\nfan-1,1,2.0,40\nfan-1,2,2.1,41\nfan-2,1,3.0,50\n"


def _expect(store, path, exc, *, row, column, match=None, snapshot=None, **kw):
    before = snapshot(store) if snapshot else None
    with pytest.raises(exc, match=match) as info:
        import_file(store, path, **kw)
    err = info.value
    assert err.file == str(path), str(err)
    assert err.row == row, str(err)
    assert err.column == column, str(err)
    assert str(path) in str(err)
    if snapshot:
        assert snapshot(store) == before
    return err


# ------------------------------------------------------------------ good files
def test_wide_import_with_header_units(store, write_csv):
    p = write_csv(GOOD)
    rep = import_file(store, p, create_assets=True)
    assert isinstance(rep, ImportReport)
    assert (rep.rows, rep.readings, rep.assets, rep.signals, rep.layout) == (3, 6, ["fan-1", "fan-2"],
                                                                             ["temp", "vibration"], "wide")
    assert rep.repairs == []
    f = store.read_frame()
    assert f.units == {"vibration": "mm/s", "temp": "degC"} and f.time_kind == "cycle"
    again = import_file(store, p)  # assets exist now; importing twice is idempotent
    assert again.readings == 6 and store.count_readings() == 6
    assert rep.to_dict()["file"] == str(p)


def test_units_mapping_and_conflicts(store, write_csv):
    p = write_csv("asset,time,rpm_sensor,temp[°C]\na,1,1500,20\n")
    import_file(store, p, units={"rpm_sensor": "rpm", "temp": "celsius"}, create_assets=True)
    assert store.read_frame().units == {"rpm_sensor": "rpm", "temp": "degC"}
    with pytest.raises(UnitError, match="header says") as info:
        import_file(store, p, units={"temp": "K"}, create_assets=True)
    assert info.value.column == "temp"
    with pytest.raises(SchemaError, match="not a signal column"):
        import_file(store, p, units={"nope": "K"}, create_assets=True)


def test_long_import_with_unit_column(store, write_csv):
    p = write_csv("asset,signal,time,value,unit\n"
                  "m1,current,2024-05-01T00:00:00Z,10.5,A\n"
                  "m1,current,2024-05-01T00:01:00Z,11,A\n"
                  "m1,power,2024-05-01T00:00:00Z,5,kW\n"
                  "m1,power,2024-05-01T00:01:00Z,,kW\n")
    rep = import_file(store, p, create_assets=True)
    assert rep.layout == "long" and rep.readings == 3 and rep.rows == 4
    assert any("gap" in r for r in rep.repairs)
    f = store.read_frame()
    assert f.units == {"current": "A", "power": "kW"} and f.time_kind == "timestamp"
    assert np.isnan(f.to_pandas()["power"].iloc[1])


def test_unsorted_rows_are_sorted_and_reported(store, write_csv):
    p = write_csv("asset,time,x\na,3,3\na,1,1\nb,1,5\na,2,2\n")
    rep = import_file(store, p, create_assets=True)
    assert rep.repairs == ["sorted 4 rows by (asset, time)"]
    assert store.readings("a")["value"].tolist() == [1.0, 2.0, 3.0]


def test_gaps_are_kept_and_reported(store, write_csv):
    rep = import_file(store, write_csv("asset,time,x,y\na,1,1,\na,2,NA,2\n"), create_assets=True)
    assert rep.readings == 2 and rep.repairs == ["2 empty cell(s) kept as gaps (not stored)"]


def test_duplicates_last_wins_when_asked(store, write_csv):
    p = write_csv("asset,time,x\na,1,1\na,2,2\na,1,9\n")
    rep = import_file(store, p, create_assets=True, on_duplicate="last")
    assert any("dropped 1" in r for r in rep.repairs)
    assert store.readings("a")["value"].tolist() == [9.0, 2.0]
    p = write_csv("asset,signal,time,value\na,x,1,1\na,x,1,7\n", name="long.csv")
    rep = import_file(store, p, on_duplicate="last")
    assert store.readings("a", "x", end=1)["value"].tolist() == [7.0]


def test_parquet_import(store, tmp_path):
    df = pd.DataFrame({"asset": ["a", "a"], "time": pd.to_datetime(["2024-01-01", "2024-01-02"], utc=True),
                       "x[bar]": [1.0, 2.0]})
    p = tmp_path / "f.parquet"
    df.to_parquet(p)
    rep = import_file(store, p, create_assets=True)
    assert rep.readings == 2 and store.read_frame().units == {"x": "bar"}


# ------------------------------------------------------------------ bad files: file, row, column
def test_missing_columns_are_named_with_what_was_found(store, write_csv, snapshot):
    p = write_csv("asset,timestamp,x\na,1,2\n")
    err = _expect(store, p, SchemaError, row=None, column=None, snapshot=snapshot, create_assets=True)
    assert "['time']" in str(err) and "'timestamp'" in str(err)
    p = write_csv("asset,signal,time\na,x,1\n")
    err = _expect(store, p, SchemaError, row=None, column=None, layout="long")
    assert "value" in str(err)


def test_non_numeric_cell(store, write_csv, snapshot):
    p = write_csv("asset,time,x,y\na,1,1,2\na,2,3,four\n")
    _expect(store, p, DataError, row=2, column="y", match="not a number", snapshot=snapshot, create_assets=True)


def test_unparseable_time(store, write_csv, snapshot):
    p = write_csv("asset,time,x\na,2024-01-01T00:00:00Z,1\na,yesterday,2\n")
    _expect(store, p, DataError, row=2, column="time", match="not a timestamp", snapshot=snapshot,
            create_assets=True)
    p = write_csv("asset,time,x\na,1,1\na,2.5,2\n")
    _expect(store, p, DataError, row=2, column="time", match="cycle", create_assets=True)


def test_duplicates_are_errors_by_default(store, write_csv, snapshot):
    p = write_csv("asset,time,x\na,1,1\na,2,2\na,1,9\n")
    err = _expect(store, p, DataError, row=3, column="time", match="duplicate", snapshot=snapshot,
                  create_assets=True)
    assert "[1, 3]" in str(err)
    p = write_csv("asset,signal,time,value\na,x,1,1\na,y,1,1\na,x,1,2\n")
    err = _expect(store, p, DataError, row=3, column="time", match="duplicate", create_assets=True)
    assert "[1, 3]" in str(err)


def test_unknown_units(store, write_csv, snapshot):
    _expect(store, write_csv("asset,time,x[furlong]\na,1,1\n"), UnitError, row=None, column="x",
            match="furlong", snapshot=snapshot, create_assets=True)
    _expect(store, write_csv("asset,signal,time,value,unit\na,x,1,1,A\na,y,1,1,parsec\n"), UnitError,
            row=2, column="unit", match="parsec", create_assets=True)
    _expect(store, write_csv("asset,signal,time,value,unit\na,x,1,1,A\na,x,2,1,V\n"), UnitError,
            row=2, column="unit", match="one signal has one unit", create_assets=True)


def test_unit_differs_from_store(store, write_csv, snapshot):
    import_file(store, write_csv(GOOD), create_assets=True)
    p = write_csv("asset,time,vibration[um]\nfan-1,9,1\n")
    _expect(store, p, UnitError, row=None, column="vibration", match="mm/s", snapshot=snapshot)


def test_unknown_asset(store, write_csv, snapshot):
    before = snapshot(store)
    with pytest.raises(NotFoundError, match="fan-1") as info:
        import_file(store, write_csv(GOOD))
    assert "data.csv" in str(info.value) and "create_assets" in str(info.value)
    assert snapshot(store) == before


@pytest.mark.parametrize("cell", ["1e300", "inf", "-Infinity"])
def test_huge_and_infinite_values(store, write_csv, snapshot, cell):
    p = write_csv(f"asset,time,x\na,1,1\na,2,{cell}\n")
    _expect(store, p, DataError, row=2, column="x", match="out of range", snapshot=snapshot, create_assets=True)


@pytest.mark.parametrize("asset", ["a<script>", "bell\x07", "x" * 121])
def test_hostile_asset_names(store, write_csv, snapshot, asset):
    p = write_csv(f"asset,time,x\nok,1,1\n{asset},2,2\n")
    _expect(store, p, DataError, row=2, column="asset", snapshot=snapshot, create_assets=True)


@pytest.mark.parametrize("name", ["<img src=x>", "s" * 150])
def test_hostile_column_names(store, write_csv, snapshot, name):
    p = write_csv(f"asset,time,{name}\nok,1,1\n")
    err = _expect(store, p, SchemaError, row=None, column=name[:60], snapshot=snapshot, create_assets=True)
    assert len(str(err)) < 400


def test_hostile_signal_in_long_file(store, write_csv, snapshot):
    p = write_csv("asset,signal,time,value\na,x,1,1\na,<x>,1,1\n")
    _expect(store, p, DataError, row=2, column="signal", snapshot=snapshot, create_assets=True)


def test_failed_import_changes_nothing_bad_last_row(store, write_csv, snapshot):
    import_file(store, write_csv(GOOD), create_assets=True)
    rows = "".join(f"fan-3,{i},{i / 10},{40 + i}\n" for i in range(1, 500))
    p = write_csv("asset,time,vibration[mm/s],temp[degC]\n" + rows + "fan-3,500,1.0,hot\n", name="big.csv")
    _expect(store, p, DataError, row=500, column="temp", snapshot=snapshot, create_assets=True)


def test_file_too_large(store, write_csv):
    with pytest.raises(DataError, match="limit"):
        import_file(store, write_csv(GOOD), max_bytes=10, create_assets=True)


# ------------------------------------------------------------------ property tests
_ids = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=8).filter(
    lambda s: s not in ("nan", "na", "none", "null", "n/a"))
_sig_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8).filter(
    lambda s: s not in ("asset", "time", "signal", "value", "unit", "nan", "na", "none", "null"))
_values = st.one_of(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False),
                    st.just(float("nan")))


@st.composite
def wide_frames(draw):
    assets = draw(st.lists(_ids, min_size=1, max_size=3, unique=True))
    signals = draw(st.lists(_sig_names, min_size=1, max_size=3, unique=True))
    cycles = draw(st.booleans())
    rows = []
    for a in assets:
        times = draw(st.lists(st.integers(0, 10_000), min_size=1, max_size=6, unique=True))
        for t in times:
            rows.append({"asset": a, "time": t if cycles else pd.Timestamp("2024-01-01", tz="UTC")
                         + pd.Timedelta(seconds=t * 37), **{s: draw(_values) for s in signals}})
    units = {s: draw(st.sampled_from(["degC", "mm/s", "rpm", "1", "%", "bar"])) for s in signals}
    return Frame(pd.DataFrame(rows), units=units)


def _clear(store: Store) -> None:
    store._write(lambda con: [con.execute(f"DELETE FROM {t}") for t in ("readings", "signals", "nodes")])


def test_property_wide_frames_round_trip_through_csv(tmp_path):
    store = Store()  # one store for all examples (cleared between them): starting DuckDB is the slow part

    @settings(max_examples=50, deadline=None, derandomize=True, database=None)
    @given(frame=wide_frames())
    def check(frame):
        _clear(store)
        df = frame.to_pandas()
        out = df.rename(columns={s: f"{s}[{u}]" for s, u in frame.units.items()})
        if frame.time_kind == "timestamp":
            out["time"] = out["time"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        p = tmp_path / "prop.csv"
        out.sample(frac=1.0, random_state=1).to_csv(p, index=False)  # shuffled rows: sorting is a repair
        rep = import_file(store, p, create_assets=True)
        back = store.read_frame()
        expected = df[~df[frame.signals].isna().all(axis=1)].reset_index(drop=True)  # all-empty rows hold nothing
        assert rep.readings == int(df[frame.signals].notna().to_numpy().sum())
        assert back.units == frame.units and back.time_kind == frame.time_kind
        pd.testing.assert_frame_equal(back.to_pandas(), expected)

    try:
        check()
    finally:
        store.close()


_hostile_alphabet = st.sampled_from(list('abc019.-eE,;\t\n\r" <>\x00\x01\x7fé한') + ["asset", "time", "signal",
                                                                                   "value", "unit", "nan", "inf"])


@st.composite
def hostile_csv(draw):
    kind = draw(st.sampled_from(["text", "wide", "long", "bytes"]))
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    body = "".join(draw(st.lists(_hostile_alphabet, max_size=80)))
    if kind == "wide":
        body = "asset,time,x[mm/s],y\n" + body
    elif kind == "long":
        body = "asset,signal,time,value,unit\n" + body
    return body.encode("utf-8")


def test_property_hostile_csv_only_raises_data_errors_and_changes_nothing(tmp_path, snapshot):
    store = Store()
    import_file(store, io_good(tmp_path), create_assets=True)
    p = tmp_path / "hostile.csv"

    @settings(max_examples=150, deadline=None, derandomize=True, database=None)
    @given(content=hostile_csv(), last=st.booleans())
    def check(content, last):
        p.write_bytes(content)
        before = snapshot(store)
        try:
            import_file(store, p, create_assets=True, on_duplicate="last" if last else "error")
        except DataError:
            assert snapshot(store) == before
        else:  # accepted: every asset still reads back as a valid frame
            for node in store.asset_tree().equipment():
                if store.time_kind(node.id) is not None:
                    store.read_frame(assets=[node.id])

    try:
        check()
    finally:
        store.close()


def io_good(tmp_path):
    p = tmp_path / "good.csv"
    if not p.exists():
        p.write_text(GOOD, encoding="utf-8")
    return p

