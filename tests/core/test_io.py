"""Tests of read_table: formats, delimiters, encodings and refusals that name file and row."""

from __future__ import annotations

import pandas as pd
import pytest

from bessemer.core import DataError, SchemaError
from bessemer.core._io import parse_csv_bytes, read_table


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_delimiters_are_sniffed(write_csv, sep):
    p = write_csv(sep.join(["asset", "time", "x"]) + "\n" + sep.join(["a", "1", "2.5"]) + "\n")
    df = read_table(p)
    assert list(df.columns) == ["asset", "time", "x"] and df["x"].tolist() == [2.5]


def test_bom_crlf_and_types(write_csv):
    p = write_csv("\ufeffasset,time,x,label\r\n007,1,2,ok\r\n008,2,,bad\r\n")
    df = read_table(p)
    assert list(df.columns) == ["asset", "time", "x", "label"]
    assert df["asset"].tolist() == ["007", "008"]  # identifiers stay text
    assert df["time"].dtype == "int64" and df["x"].dtype == "float64" and df["x"].isna().tolist() == [False, True]
    assert df["label"].tolist() == ["ok", "bad"]


def test_unclean_numbers_stay_text(write_csv):
    df = read_table(write_csv("asset,time,x\na,1,1.5\na,2,abc\n"))
    assert df["x"].tolist() == ["1.5", "abc"]


def test_quoted_delimiters_and_newlines(write_csv):
    df = read_table(write_csv('asset,time,note\n"a,b",1,"two\nlines"\n'))
    assert df["asset"].tolist() == ["a,b"] and df["note"].tolist() == ["two\nlines"]


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(DataError, match="does not exist") as info:
        read_table(tmp_path / "nope.csv")
    assert "nope.csv" in str(info.value)
    with pytest.raises(DataError, match="not a regular file"):
        read_table(tmp_path)


@pytest.mark.parametrize("content, match", [
    (b"", "empty"),
    (b"\n\n  \n", "empty"),
    (b"asset,time,x\n", "no data rows"),
    (b"asset,time,x\r\n", "no data rows"),
])
def test_empty_files(write_csv, content, match):
    with pytest.raises(DataError, match=match):
        read_table(write_csv(content))


@pytest.mark.parametrize("content, row, match", [
    ("a,b,c\n1,2,3\n4,5\n", 2, "2 field"),
    ("a,b,c\n1,2,3\n4,5,6\n7,8,9,10\n", 3, "4 field"),
    ("a,b,c\n1,2,3\n\n4,5,6\n", 2, "empty"),
    ('a,b,c\n"x\ny",2,3\n4,5\n', 2, "2 field"),
])
def test_ragged_rows_name_the_row(write_csv, content, row, match):
    p = write_csv(content)
    with pytest.raises(DataError, match=match) as info:
        read_table(p)
    assert info.value.row == row and info.value.file == str(p)


def test_not_utf8_names_the_row(write_csv):
    with pytest.raises(DataError, match="UTF-8") as info:
        read_table(write_csv(b"asset,time,x\na,1,2\nb,2,\xe9\n"))
    assert info.value.row == 2


def test_binary_and_nul(write_csv):
    with pytest.raises(DataError, match="NUL"):
        read_table(write_csv(b"asset,time,x\na,1,\x00\n"))


def test_size_limit(write_csv):
    p = write_csv("asset,time,x\n" + "a,1,2\n" * 100)
    with pytest.raises(DataError, match="limit"):
        read_table(p, max_bytes=100)


def test_column_names(write_csv):
    with pytest.raises(SchemaError, match="twice") as info:
        read_table(write_csv("asset,time,x,x\na,1,2,3\n"))
    assert info.value.column == "x"
    with pytest.raises(SchemaError, match="no name"):
        read_table(write_csv("asset,,x\na,1,2\n"))


def test_parquet_round_trip_and_corrupt(tmp_path):
    df = pd.DataFrame({"asset": ["a", "b"], "time": [1, 2], "x": [0.5, None]})
    p = tmp_path / "f.parquet"
    df.to_parquet(p)
    back = read_table(p)
    assert back["x"].isna().tolist() == [False, True] and back["time"].tolist() == [1, 2]
    no_suffix = tmp_path / "blob"
    no_suffix.write_bytes(p.read_bytes())
    assert len(read_table(no_suffix)) == 2  # sniffed from the magic bytes
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1 not really")
    with pytest.raises(DataError, match="Parquet"):
        read_table(bad)
    with pytest.raises(DataError, match="format"):
        read_table(p, fmt="xlsx")


def test_parse_csv_bytes_keeps_inf_and_huge_as_numbers_for_frame_to_refuse():
    df = parse_csv_bytes(b"asset,time,x\na,1,1e400\n")
    assert df["x"].dtype == "float64"
