"""Loader for the Tennessee Eastman process data of Braatz et al. (Russell, Chiang & Braatz 2000).

Files in one folder, 52 whitespace-separated numbers per sample (41 measured variables
XMEAS(1–41), then 11 manipulated variables XMV(1–11)), one sample every 3 minutes:

* ``d00.dat``: normal operation for training, 500 samples, **stored transposed** (52 lines
  of 500 numbers); a 500 x 52 layout is accepted too;
* ``dNN.dat`` (NN = 01–21): fault NN for training, 480 samples, all after the fault began;
* ``dNN_te.dat``: test runs of 960 samples; the fault is introduced after sample 160, so
  the first 160 samples are normal operation (``d00_te.dat`` is normal throughout).

Nothing here assumes which files are present: a benchmark evaluates every test file it
finds. Text, NaN and rows of the wrong length are refused with the file, row and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from bessemer.core import DataError, NotFoundError

#: (name, description, unit) of the 52 variables, after Downs & Vogel (1993), tables 4 and 5.
VARIABLES: tuple[tuple[str, str, str], ...] = (
    ("XMEAS1", "A feed (stream 1)", "kscmh"), ("XMEAS2", "D feed (stream 2)", "kg/h"),
    ("XMEAS3", "E feed (stream 3)", "kg/h"), ("XMEAS4", "A and C feed (stream 4)", "kscmh"),
    ("XMEAS5", "Recycle flow (stream 8)", "kscmh"), ("XMEAS6", "Reactor feed rate (stream 6)", "kscmh"),
    ("XMEAS7", "Reactor pressure", "kPa"), ("XMEAS8", "Reactor level", "%"),
    ("XMEAS9", "Reactor temperature", "degC"), ("XMEAS10", "Purge rate (stream 9)", "kscmh"),
    ("XMEAS11", "Product separator temperature", "degC"), ("XMEAS12", "Product separator level", "%"),
    ("XMEAS13", "Product separator pressure", "kPa"), ("XMEAS14", "Product separator underflow", "m3/h"),
    ("XMEAS15", "Stripper level", "%"), ("XMEAS16", "Stripper pressure", "kPa"),
    ("XMEAS17", "Stripper underflow (stream 11)", "m3/h"), ("XMEAS18", "Stripper temperature", "degC"),
    ("XMEAS19", "Stripper steam flow", "kg/h"), ("XMEAS20", "Compressor work", "kW"),
    ("XMEAS21", "Reactor cooling water outlet temperature", "degC"),
    ("XMEAS22", "Separator cooling water outlet temperature", "degC"),
    *((f"XMEAS{i}", f"Reactor feed analysis, component {c}", "mol%") for i, c in zip(range(23, 29), "ABCDEF",
                                                                                      strict=True)),
    *((f"XMEAS{i}", f"Purge gas analysis, component {c}", "mol%") for i, c in zip(range(29, 37), "ABCDEFGH",
                                                                                   strict=True)),
    *((f"XMEAS{i}", f"Product analysis, component {c}", "mol%") for i, c in zip(range(37, 42), "DEFGH",
                                                                                strict=True)),
    ("XMV1", "D feed flow valve", "%"), ("XMV2", "E feed flow valve", "%"), ("XMV3", "A feed flow valve", "%"),
    ("XMV4", "A and C feed flow valve", "%"), ("XMV5", "Compressor recycle valve", "%"),
    ("XMV6", "Purge valve", "%"), ("XMV7", "Separator pot liquid flow valve", "%"),
    ("XMV8", "Stripper liquid product flow valve", "%"), ("XMV9", "Stripper steam valve", "%"),
    ("XMV10", "Reactor cooling water flow valve", "%"), ("XMV11", "Condenser cooling water flow valve", "%"),
)
NAMES = [v[0] for v in VARIABLES]
N_VARIABLES = len(VARIABLES)
#: samples of each ``dNN_te.dat`` before the fault is introduced
TEST_ONSET = 160
#: faults that the literature finds indistinguishable from normal operation in these data
UNOBSERVABLE = (3, 9, 15)
_FILE = re.compile(r"^d(\d{2})(_te)?\.dat$")


@dataclass(frozen=True)
class TepData:
    """The TEP files found in one folder, as tables of samples x 52 named variables.

    Attributes
    ----------
    normal : pandas.DataFrame or None
        ``d00.dat`` (normal operation for training).
    faults : dict
        Fault number -> ``dNN.dat`` training run (fault active throughout).
    test : dict
        Fault number (0 = normal) -> ``dNN_te.dat`` test run (fault after ``TEST_ONSET``).
    folder : Path
    """

    normal: pd.DataFrame | None
    faults: dict[int, pd.DataFrame] = field(default_factory=dict)
    test: dict[int, pd.DataFrame] = field(default_factory=dict)
    folder: Path = Path(".")


def read_tep_file(path: str | Path) -> pd.DataFrame:
    """Read one TEP ``.dat`` file into a samples x 52 table (``d00.dat`` is transposed back).

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "d01_te.dat"
    >>> _ = p.write_text("\\n".join(" ".join(["1.0"] * 52) for _ in range(3)))
    >>> read_tep_file(p).shape
    (3, 52)
    >>> _ = p.write_text(" ".join(["1.0"] * 51))
    >>> read_tep_file(p)
    Traceback (most recent call last):
    bessemer.core._exceptions.DataError: file d01_te.dat, row 1: has 51 values; a TEP sample has 52 (41 XMEAS + 11 XMV)
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="ascii")
    except UnicodeDecodeError as err:
        raise DataError(f"not a TEP text file (byte {err.start} is not ASCII)", file=path.name) from err
    except OSError as err:
        raise NotFoundError(f"cannot read {path}: {err.strerror}") from err
    rows = [ln.split() for ln in text.splitlines() if ln.strip()]
    if not rows:
        raise DataError("the file is empty", file=path.name)
    lengths = [len(r) for r in rows]
    common = max(set(lengths), key=lengths.count)
    # d00.dat is stored as 52 lines (one per variable) of many samples each
    transposed = len(rows) == N_VARIABLES and common != N_VARIABLES
    if transposed:
        for i, n in enumerate(lengths):
            if n != common:
                raise DataError(f"line {i + 1} (variable {NAMES[i]}) has {n} values where the other lines of "
                                f"this transposed file have {common}", file=path.name, row=i + 1, column=NAMES[i])
    else:
        for i, r in enumerate(rows):
            if len(r) != N_VARIABLES:
                raise DataError(f"has {len(r)} values; a TEP sample has {N_VARIABLES} (41 XMEAS + 11 XMV)",
                                file=path.name, row=i + 1)
    try:
        arr = np.array(rows, dtype=float)
    except ValueError:
        for i, r in enumerate(rows):
            for j, tok in enumerate(r):
                try:
                    float(tok)
                except ValueError:
                    col = NAMES[i] if transposed else NAMES[j]
                    raise DataError(f"value {tok[:40]!r} is not a number", file=path.name,
                                    row=(j if transposed else i) + 1, column=col) from None
        raise
    if transposed:
        arr = arr.T
    bad = ~np.isfinite(arr)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise DataError(f"value {arr[r, c]} is not a finite number", file=path.name, row=int(r) + 1,
                        column=NAMES[c])
    return pd.DataFrame(arr, columns=NAMES)


def load_tep(folder: str | Path) -> TepData:
    """Load every ``dNN.dat`` and ``dNN_te.dat`` in ``folder``.

    Raises
    ------
    NotFoundError
        When the folder does not exist or holds no TEP file.
    DataError
        When a file is malformed (named with its row and column).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise NotFoundError(f"no TEP folder at {folder}; it should hold d00.dat, dNN.dat and dNN_te.dat files "
                            "from Braatz's Tennessee Eastman data")
    normal, faults, test = None, {}, {}
    for path in sorted(folder.iterdir()):
        m = _FILE.match(path.name)
        if not m:
            continue
        k, is_test = int(m.group(1)), bool(m.group(2))
        df = read_tep_file(path)
        if is_test:
            test[k] = df
        elif k == 0:
            normal = df
        else:
            faults[k] = df
    if normal is None and not faults and not test:
        raise NotFoundError(f"{folder} holds no TEP files (d00.dat, dNN.dat, dNN_te.dat)")
    return TepData(normal=normal, faults=faults, test=test, folder=folder)
