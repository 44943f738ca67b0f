"""Tests of Frame invariants and its refusals of bad input (plus the unit catalogue)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bessemer.core import DataError, Frame, SchemaError, UnitError, normalize_unit


def _df(**cols):
    base = {"asset": ["a", "a", "b"], "time": [2, 1, 1], "x": [1.0, 2.0, 3.0]}
    base.update(cols)
    return pd.DataFrame(base)


def test_sorts_and_infers_cycle_kind():
    f = Frame(_df(), units={"x": "°C"})
    df = f.to_pandas()
    assert f.time_kind == "cycle" and f.units == {"x": "degC"}
    assert list(zip(df["asset"], df["time"], strict=True)) == [("a", 1), ("a", 2), ("b", 1)]
    assert df["x"].tolist() == [2.0, 1.0, 3.0]


def test_timestamps_become_utc():
    f = Frame(pd.DataFrame({"asset": ["a", "a"], "time": ["2024-05-01T09:00:00+09:00", "2024-05-01T01:00:00Z"],
                            "x": [1, 2]}))
    t = f.to_pandas()["time"]
    assert f.time_kind == "timestamp" and str(t.dtype) == "datetime64[ns, UTC]"
    assert t.tolist() == [pd.Timestamp("2024-05-01T00:00:00Z"), pd.Timestamp("2024-05-01T01:00:00Z")]


def test_missing_key_columns():
    with pytest.raises(SchemaError, match="time") as info:
        Frame(pd.DataFrame({"asset": ["a"], "x": [1]}), source="f.csv")
    assert info.value.file == "f.csv" and "found" in str(info.value)


@pytest.mark.parametrize("time, row", [([1, -2, 3], 2), ([1, 2, 2.5], 3), ([1, None, 3], 2)])
def test_bad_cycles_name_the_row(time, row):
    with pytest.raises(DataError, match="cycle") as info:
        Frame(pd.DataFrame({"asset": ["a"] * 3, "time": time, "x": [1.0] * 3}), time_kind="cycle")
    assert info.value.row == row and info.value.column == "time"


def test_bad_timestamp_names_the_row():
    with pytest.raises(DataError, match="timestamp") as info:
        Frame(pd.DataFrame({"asset": ["a", "a"], "time": ["2024-01-01", "not a time"], "x": [1.0, 2.0]}))
    assert info.value.row == 2


def test_duplicates_error_or_last():
    df = pd.DataFrame({"asset": ["a", "a", "a"], "time": [1, 2, 1], "x": [1.0, 2.0, 3.0]})
    with pytest.raises(DataError, match="duplicate") as info:
        Frame(df)
    assert info.value.row == 3 and "[1, 3]" in str(info.value)
    assert Frame(df, on_duplicate="last").to_pandas()["x"].tolist() == [3.0, 2.0]


def test_non_numeric_and_huge_values():
    with pytest.raises(DataError, match="not a number") as info:
        Frame(_df(x=["1", "2", "three"]))
    assert (info.value.row, info.value.column) == (3, "x")
    with pytest.raises(DataError, match="out of range") as info:
        Frame(_df(x=[1.0, np.inf, 0.0]))
    assert info.value.row == 2 and "np.float64" not in str(info.value)
    ok = Frame(_df(x=["1", "", "NaN"]))
    assert int(np.isnan(ok.values()).sum()) == 2  # "" and "NaN" are gaps


@pytest.mark.parametrize("asset", ["", None, "a\x00b", "<script>", "x" * 121])
def test_bad_asset_ids(asset):
    with pytest.raises(DataError) as info:
        Frame(pd.DataFrame({"asset": ["ok", asset], "time": [1, 2], "x": [1.0, 2.0]}))
    assert info.value.row == 2 and info.value.column == "asset"


@pytest.mark.parametrize("name", ["<b>", "tab\there", "n" * 121])
def test_bad_signal_names(name):
    with pytest.raises(SchemaError):
        Frame(pd.DataFrame({"asset": ["a"], "time": [1], name: [1.0]}))


def test_units_checked():
    with pytest.raises(SchemaError, match="unknown signal"):
        Frame(_df(), units={"y": "degC"})
    with pytest.raises(UnitError, match="furlong") as info:
        Frame(_df(), units={"x": "furlong"})
    assert info.value.column == "x"


def test_meta_and_derivations():
    f = Frame(_df(rul=[5, 4, 3]), meta=["rul"])
    assert f.signals == ["x"] and f.meta == ["rul"]
    assert f.select(["x"]).meta == ["rul"]
    with pytest.raises(SchemaError):
        f.select(["nope"])
    assert f.for_assets(["b"]).assets == ["b"]
    assert f.last_per_asset().to_pandas()["time"].tolist() == [2, 1]
    assert f.head_per_asset({"a": 1}).to_pandas()["time"].tolist() == [1, 1]
    with pytest.raises(SchemaError, match="meta"):
        Frame(_df(), meta=["nope"])


def test_long_round_trip_and_fingerprint():
    f = Frame(_df(y=[np.nan, 1.0, 2.0]), units={"x": "bar", "y": "A"})
    long = f.to_long()
    assert len(long) == 5 and set(long["unit"]) == {"bar", "A"}
    back = Frame.from_long(long)
    assert back.units == f.units
    pd.testing.assert_frame_equal(back.to_pandas()[["asset", "time", "x", "y"]], f.to_pandas())
    assert back.fingerprint() == Frame(_df(y=[np.nan, 1.0, 2.0]), units={"x": "bar", "y": "A"}).fingerprint()
    assert f.fingerprint() != Frame(_df(y=[np.nan, 1.0, 2.5]), units={"x": "bar", "y": "A"}).fingerprint()


def test_to_pandas_is_a_copy():
    f = Frame(_df())
    df = f.to_pandas()
    df.loc[0, "x"] = 99.0
    assert 99.0 not in f.values()


def test_from_csv_names_file(write_csv):
    p = write_csv("asset;time;x\na;1;1,5\n")
    with pytest.raises(DataError, match="not a number") as info:
        Frame.from_csv(p)
    assert info.value.file == str(p) and info.value.row == 1


@pytest.mark.parametrize("alias, canon", [("°C", "degC"), ("celsius", "degC"), ("RPM", "rpm"), (None, "1"),
                                          ("µm", "um"), ("percent", "%"), ("kpa", "kPa")])
def test_unit_aliases(alias, canon):
    assert normalize_unit(alias) == canon


@pytest.mark.parametrize("bad", ["furlong", "<b>", "x" * 40, "deg\x00C"])
def test_unknown_units_are_refused(bad):
    with pytest.raises(UnitError):
        normalize_unit(bad, column="c")
