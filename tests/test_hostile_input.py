"""Hostile input: every importer and parser either returns or raises a Bessemer error, never anything else.

Hypothesis feeds each reader three kinds of input: arbitrary bytes, a small valid file with random
splices (cut, insert, replace with awkward tokens such as ``NaN``, ``1e999``, stray quotes, invalid
UTF-8, other delimiters), and files assembled from those tokens under a valid header. Frames are
also built from generated DataFrames with hostile cells. A reader that raises anything but a
:class:`~bessemer.core.BessemerError` fails with the input that did it.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import pandas as hpd

from bessemer.core import BessemerError, Frame
from bessemer.core._import import import_file
from bessemer.core._io import parse_csv_bytes
from bessemer.datasets import (
    load_cmapss,
    load_tep,
    read_ai4i,
    read_image,
    read_secom,
    read_steel_energy,
    read_steel_plates,
    read_tep_file,
)
from bessemer.datasets._secom import N_SENSORS
from bessemer.datasets._tep import N_VARIABLES
from bessemer.industry.energy._meter import read_meter_csv

EXAMPLES = 40
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

TOKENS: list[bytes] = [
    b"", b"NaN", b"nan", b"NA", b"inf", b"-inf", b"1e999", b"-1e-400", b"99999999999999999999999999", b"-0",
    b"0x1F", b"1_000", b"\x00", b"\xff\xfe", b"\xc3\x28", "한글".encode(), b'"', b'""', b'"a,b"', b",", b";",
    b"\t", b"\r\n", b"\n", b"\r", b"  ", b"1", b"2.5", b"-3", b"01/01/2018 00:00", b"2018-13-45 25:61",
    b"2026-01-05 00:15", b"1970-01-01T00:00:00Z", b"9999-12-31 23:59", b"0001-01-01", b"-1",
    b"=cmd|' /C calc'!A0", b"<script>", b"[K]", b"a" * 300,
]


# ---------------------------------------------------------------------------------------------- seeds
def _ai4i() -> bytes:
    head = ("UDI,Product ID,Type,Air temperature [K],Process temperature [K],Rotational speed [rpm],Torque [Nm],"
            "Tool wear [min],Machine failure,TWF,HDF,PWF,OSF,RNF")
    rows = ["1,M14860,M,298.1,308.6,1551,42.8,0,0,0,0,0,0,0", "2,L47181,L,298.2,308.7,1408,46.3,3,0,0,0,0,0,0",
            "3,H29424,H,298.4,308.9,1282,60.7,216,1,0,0,0,1,0"]
    return ("\ufeff" + "\n".join([head, *rows]) + "\n").encode()


def _steel_energy() -> bytes:
    head = ("date,Usage_kWh,Lagging_Current_Reactive.Power_kVarh,Leading_Current_Reactive_Power_kVarh,CO2(tCO2),"
            "Lagging_Current_Power_Factor,Leading_Current_Power_Factor,NSM,WeekStatus,Day_of_week,Load_Type")
    rows = ["01/01/2018 23:30,3.24,2.95,0,0,73.94,100,84600,Weekday,Monday,Light_Load",
            "01/01/2018 23:45,3.67,3.96,0,0,67.97,100,85500,Weekday,Monday,Light_Load",
            "01/01/2018 00:00,3.42,3.46,0,0,70.3,100,0,Weekday,Monday,Light_Load",
            "02/01/2018 00:15,3.2,3.1,0,0,71.82,100,900,Weekday,Tuesday,Light_Load"]
    return ("\ufeff" + "\r\n".join([head, *rows]) + "\r\n").encode()


def _meter() -> bytes:
    return (b"Time;Active kWh;Lag kvarh\r\n2026-01-05 00:15;410.5;120\r\n2026-01-05 00:30;;118\r\n"
            b"2026-01-05 00:45;400;1\r\n")


def _plates() -> bytes:
    rows = []
    for i in range(4):
        feats = [str(i * 10 + j) if j % 3 else f"{0.5 + j / 100:.4f}" for j in range(27)]
        rows.append("\t".join(feats + ["1" if k == i % 7 else "0" for k in range(7)]))
    return ("\r\n".join(rows) + "\r\n").encode()


def _secom_data() -> bytes:
    rows = [" ".join(["1.5"] * (N_SENSORS - 1) + ["NaN"]), " ".join(["2"] * N_SENSORS)]
    return ("\r\n".join(rows) + "\r\n").encode()


_SECOM_LABELS = b'-1 "19/07/2008 11:55:00"\r\n1 "19/07/2008 12:32:00"\r\n'


def _tep(n: int = 3) -> bytes:
    x = np.arange(n * N_VARIABLES, dtype=float).reshape(n, N_VARIABLES) / 7
    return "".join("  " + "   ".join(f"{v:.7e}" for v in row) + "\n" for row in x).encode()


def _cmapss_rows(units: int = 2, cycles: int = 3) -> bytes:
    return "".join(f"{u} {c} " + " ".join(["1.0"] * 24) + "  \n"
                   for u in range(1, units + 1) for c in range(1, cycles + 1)).encode()


def _import_wide() -> bytes:
    return b"asset,time,temp[degC],vib[mm/s]\nfan-1,2024-05-01T00:00:00Z,60.5,2.1\nfan-1,2024-05-01T01:00:00Z,61,2.2\n"


def _import_long() -> bytes:
    return b"asset,signal,time,value,unit\nfan-1,temp,3,60.5,degC\nfan-1,temp,4,61,degC\npump-1,vib,3,1,mm/s\n"


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray((np.arange(64 * 64) % 251).reshape(64, 64).astype(np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def _bmp() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray((np.arange(32 * 32) % 199).reshape(32, 32).astype(np.uint8)).save(buf, format="BMP")
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------- strategies
_edits = st.lists(st.tuples(st.integers(0, 1 << 16), st.integers(0, 24),
                            st.one_of(st.sampled_from(TOKENS), st.binary(max_size=12))), min_size=1, max_size=6)


def _splice(seed: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    out = seed
    for pos, cut, insert in edits:
        at = pos % (len(out) + 1)
        out = out[:at] + insert + out[at + cut:]
    return out


def hostile(seed: bytes, *, sep: bytes = b",") -> st.SearchStrategy[bytes]:
    """Arbitrary bytes, spliced copies of ``seed``, and token rows under ``seed``'s header."""
    header = seed.splitlines(keepends=True)[0] if seed else b""
    cells = st.lists(st.sampled_from(TOKENS), min_size=0, max_size=16).map(sep.join)
    token_rows = st.lists(cells, min_size=1, max_size=6).map(lambda rows: header + b"\n".join(rows))
    return st.one_of(st.binary(max_size=400), _edits.map(lambda e: _splice(seed, e)), token_rows)


def _only_bessemer_errors(read: Callable[[], object]) -> None:
    try:
        with warnings.catch_warnings():
            # a loader may warn about what it repaired; warnings are not failures here
            warnings.simplefilter("ignore")
            read()
    except BessemerError:
        pass


@contextlib.contextmanager
def _folder():
    with tempfile.TemporaryDirectory(prefix="bessemer-hostile-") as d:
        yield Path(d)


def _file(folder: Path, name: str, raw: bytes) -> Path:
    p = folder / name
    p.write_bytes(raw)
    return p


# ---------------------------------------------------------------------------------------------- core importers
@FUZZ
@given(raw=st.one_of(hostile(_import_wide()), hostile(_import_long())))
def test_parse_csv_bytes(raw):
    _only_bessemer_errors(lambda: parse_csv_bytes(raw, source="fuzz.csv"))


@pytest.fixture(scope="module")
def store():
    from bessemer.api.testing import make_store

    s = make_store()
    yield s
    s.close()


@FUZZ
@given(raw=st.one_of(hostile(_import_wide()), hostile(_import_long())), create=st.booleans(),
       dup=st.sampled_from(["error", "last"]))
def test_import_csv(store, raw, create, dup):
    with _folder() as d:
        path = _file(d, "fuzz.csv", raw)
        _only_bessemer_errors(lambda: import_file(store, path, create_assets=create, on_duplicate=dup))


_cell = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers(-(2**63), 2**63 - 1),
                  st.text(max_size=8), st.booleans())
_hostile_frames = hpd.data_frames(columns=[
    hpd.column("asset", dtype=object, elements=st.one_of(st.sampled_from(["fan-1", "pump-1", "", " "]),
                                                         st.text(max_size=5), st.none(), st.integers(0, 3))),
    hpd.column("time", dtype=object, elements=st.one_of(st.integers(-5, 10), st.floats(allow_nan=True), st.none(),
                                          st.sampled_from(["2024-05-01T00:00:00Z", "nope", "9999-12-31"]),
                                          st.datetimes().map(pd.Timestamp))),
    hpd.column("temp", dtype=object, elements=_cell),
    hpd.column("vib", dtype=float, elements=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.none())),
], index=hpd.range_indexes(min_size=0, max_size=8))


@FUZZ
@given(df=_hostile_frames, corrupt=_edits)
def test_import_parquet(store, df, corrupt):
    buf = io.BytesIO()
    try:
        df.to_parquet(buf)
    except Exception:  # pyarrow cannot write some mixed columns; nothing to import then  # noqa: BLE001
        return
    good = buf.getvalue()
    with _folder() as d:
        for raw in (good, _splice(good, corrupt)):
            path = _file(d, "fuzz.parquet", raw)
            _only_bessemer_errors(lambda path=path: import_file(store, path, create_assets=True,
                                                                units={"temp": "degC", "vib": "mm/s"}))


@FUZZ
@given(df=_hostile_frames, kind=st.sampled_from([None, "timestamp", "cycle"]))
def test_frame_from_hostile_dataframes(df, kind):
    before = df.copy()
    _only_bessemer_errors(lambda: Frame(df, units={"temp": "degC", "vib": "mm/s"}, time_kind=kind))
    pd.testing.assert_frame_equal(df, before)  # the caller's table is never changed


# ---------------------------------------------------------------------------------------------- dataset loaders
@FUZZ
@given(raw=hostile(_steel_energy()))
def test_read_steel_energy(raw):
    with _folder() as d:
        _only_bessemer_errors(lambda: read_steel_energy(_file(d, "steel.csv", raw)))


@FUZZ
@given(raw=hostile(_meter(), sep=b";"), dayfirst=st.booleans(), stamp=st.sampled_from(["end", "start"]))
def test_read_meter_csv(raw, dayfirst, stamp):
    with _folder() as d:
        path = _file(d, "meter.csv", raw)
        _only_bessemer_errors(lambda: read_meter_csv(path, time_col="Time", kwh_col="Active kWh",
                                                     kvarh_cols=["Lag kvarh"], dayfirst=dayfirst, stamp=stamp))


@FUZZ
@given(raw=hostile(_plates(), sep=b"\t"))
def test_read_steel_plates(raw):
    with _folder() as d:
        _only_bessemer_errors(lambda: read_steel_plates(_file(d, "Faults.NNA", raw)))


@FUZZ
@given(raw=hostile(_ai4i()))
def test_read_ai4i(raw):
    with _folder() as d:
        _only_bessemer_errors(lambda: read_ai4i(_file(d, "ai4i.csv", raw)))


@FUZZ
@given(data=hostile(_secom_data(), sep=b" "), labels=hostile(_SECOM_LABELS, sep=b" "), which=st.integers(0, 2))
def test_read_secom(data, labels, which):
    with _folder() as d:
        _file(d, "secom.data", data if which != 1 else _secom_data())
        _file(d, "secom_labels.data", labels if which != 0 else _SECOM_LABELS)
        _only_bessemer_errors(lambda: read_secom(d))


@FUZZ
@given(raw=hostile(_tep(), sep=b"   "), name=st.sampled_from(["d00.dat", "d01.dat", "d01_te.dat"]))
def test_read_tep(raw, name):
    with _folder() as d:
        path = _file(d, name, raw)
        _only_bessemer_errors(lambda: read_tep_file(path))
        if name != "d00.dat":
            _file(d, "d00.dat", _tep(4))
        _only_bessemer_errors(lambda: load_tep(d))


@FUZZ
@given(raw=hostile(_cmapss_rows(), sep=b" "), rul=hostile(b"12\n150\n", sep=b" "), which=st.integers(0, 2))
def test_load_cmapss(raw, rul, which):
    with _folder() as d:
        _file(d, "train_FD001.txt", raw if which == 0 else _cmapss_rows())
        _file(d, "test_FD001.txt", raw if which == 1 else _cmapss_rows())
        _file(d, "RUL_FD001.txt", rul if which == 2 else b"12\n150\n")
        _only_bessemer_errors(lambda: load_cmapss(d, "FD001"))


@FUZZ
@given(raw=st.one_of(hostile(_png()), hostile(_bmp())), name=st.sampled_from(["x.png", "x.bmp", "x.jpg"]))
def test_read_image(raw, name):
    with _folder() as d:
        _only_bessemer_errors(lambda: read_image(_file(d, name, raw), size=64))


# ---------------------------------------------------------------------------------------------- found by the fuzzing
def test_times_beyond_nanosecond_range_are_data_errors():
    """Parquet (microsecond) times after 2262 and text stamps before 1677 used to escape as OutOfBoundsDatetime."""
    from bessemer.core import DataError

    df = pd.DataFrame({"asset": ["a", "a"], "x": [1.0, 2.0],
                       "time": pd.to_datetime(["2020-01-01", "2263-01-01"]).astype("datetime64[us]")})
    with pytest.raises(DataError, match="1677-2262") as err:
        Frame(df, units={"x": "1"})
    assert err.value.row == 2 and err.value.column == "time"
    with _folder() as d:
        path = _file(d, "meter.csv", b"Time;Active kWh\r\n2026-01-05 00:15;1\r\n0001-01-01 00:15;2\r\n")
        with pytest.raises(DataError, match="1677-2262"):
            read_meter_csv(path, time_col="Time", kwh_col="Active kWh", tz="UTC")
