"""Loader for the UCI "Steel Plates Faults" data (Semeion, Buscema; UCI 198, CC BY 4.0).

``Faults.NNA`` has **no header**: one plate per line, 34 tab- (or space-) separated numbers,
the 27 features below and then 7 one-hot fault columns (``Pastry, Z_Scratch, K_Scatch,
Stains, Dirtiness, Bumps, Other_Faults``; ``K_Scatch`` is the original spelling). The
companion file ``Faults27x7_var`` lists the 34 names, one a line.

The loader also reads the same table **with** a header line of those names (any order), so
that a plant's own export can be checked by name: unknown or missing names raise a
:class:`~bessemer.core.SchemaError` that lists them. A file with only the 27 features (no
fault columns) is read as unlabelled plates to predict.

The frame: ``asset`` is ``"plate-00001"`` for the first data line, ``time`` is the line
number (a cycle), the 27 features are signals under their original names, and the fault
class is the meta column ``fault`` (text, one of :data:`FAULTS`). Units: pixel counts and
perimeters are ``"count"``; positions, luminosities, indices, the conveyer length and the
thickness are ``"1"`` (the source gives no unit).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from bessemer.core import DataError, Frame, NotFoundError, SchemaError

#: the 27 plate features, in file order
FEATURES: tuple[str, ...] = (
    "X_Minimum", "X_Maximum", "Y_Minimum", "Y_Maximum", "Pixels_Areas", "X_Perimeter", "Y_Perimeter",
    "Sum_of_Luminosity", "Minimum_of_Luminosity", "Maximum_of_Luminosity", "Length_of_Conveyer",
    "TypeOfSteel_A300", "TypeOfSteel_A400", "Steel_Plate_Thickness", "Edges_Index", "Empty_Index",
    "Square_Index", "Outside_X_Index", "Edges_X_Index", "Edges_Y_Index", "Outside_Global_Index", "LogOfAreas",
    "Log_X_Index", "Log_Y_Index", "Orientation_Index", "Luminosity_Index", "SigmoidOfAreas",
)
#: the 7 fault classes (one-hot columns), in file order
FAULTS: tuple[str, ...] = ("Pastry", "Z_Scratch", "K_Scatch", "Stains", "Dirtiness", "Bumps", "Other_Faults")
_COUNTS = {"Pixels_Areas", "X_Perimeter", "Y_Perimeter"}
UNITS: dict[str, str] = {f: ("count" if f in _COUNTS else "1") for f in FEATURES}


def split_fields(line: str) -> list[str]:
    """Fields of a whitespace- or comma-separated line (tabs, spaces, commas).

    Examples
    --------
    >>> split_fields("1\\t2  3,4\\r")
    ['1', '2', '3', '4']
    """
    return line.replace(",", " ").split()


def parse_numbers(rows: Sequence[list[str]], names: Sequence[str], *, file: str,
                  row_numbers: Sequence[int] | None = None, allow_nan: bool = False) -> np.ndarray:
    """Parse text fields into a float array; the first bad cell raises naming file, row and column.

    ``rows[i]`` is data row ``row_numbers[i]`` (1-based, header not counted; ``i + 1`` when not given).
    With ``allow_nan``, ``NaN``/``NA``/empty cells become NaN; otherwise they are errors.

    Examples
    --------
    >>> parse_numbers([["1", "2.5"]], ["a", "b"], file="f.txt")
    array([[1. , 2.5]])
    >>> parse_numbers([["1", "x"]], ["a", "b"], file="f.txt")
    Traceback (most recent call last):
    bessemer.core._exceptions.DataError: file f.txt, row 1, column 'b': value 'x' is not a number; ...
    """
    table = pd.DataFrame(rows, columns=list(names), dtype=object)
    out = np.empty(table.shape, dtype=np.float64)
    for j, name in enumerate(names):
        col = table[name]
        num = pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64)
        is_nan_text = col.astype(str).str.strip().str.lower().isin(["nan", "na", ""]).to_numpy()
        bad = ~np.isfinite(num) & ~(allow_nan & is_nan_text)
        if bad.any():
            r = int(np.flatnonzero(bad)[0])
            cell = str(col.iloc[r])
            what = "is missing" if is_nan_text[r] else f"value {cell[:40]!r} is not a number"
            raise DataError(f"{what}; every cell of this column must be a finite number", file=file,
                            row=row_numbers[r] if row_numbers is not None else r + 1, column=name)
        out[:, j] = num
    return out


def _read_lines(path: Path, what: str) -> list[str]:
    if not path.is_file():
        raise NotFoundError(f"no {what} at {path}; check the path (or set --data / BESSEMER_DATA to the shared "
                            "data folder)")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DataError(f"is not UTF-8/ASCII text (byte {err.start}); export the table as plain text",
                        file=path.name) from err
    return text.splitlines()


def _header(fields: list[str], file: str) -> list[str] | None:
    """The column names when the first line is a header (its first field is not a number)."""
    try:
        float(fields[0])
        return None
    except ValueError:
        pass
    known = [*FEATURES, *FAULTS]
    unknown = [f for f in fields if f not in known]
    missing = [f for f in FEATURES if f not in fields]
    faults_given = [f for f in FAULTS if f in fields]
    if faults_given and len(faults_given) < len(FAULTS):
        missing += [f for f in FAULTS if f not in fields]
    dup = sorted({f for f in fields if fields.count(f) > 1})
    if unknown or missing or dup:
        parts = []
        if missing:
            parts.append(f"missing column(s) {missing}")
        if unknown:
            parts.append(f"unknown column(s) {unknown}")
        if dup:
            parts.append(f"repeated column(s) {dup}")
        raise SchemaError("; ".join(parts) + f". A steel plates table has the 27 features {list(FEATURES)} and "
                          f"optionally the 7 one-hot fault columns {list(FAULTS)} (names as in Faults27x7_var, "
                          "'K_Scatch' spelt so); rename or drop the columns", file=file,
                          column=(missing or unknown or dup)[0])
    return fields


def read_steel_plates(path: str | Path) -> Frame:
    """Read ``Faults.NNA`` (or the same table with a header of names) into a frame of plates.

    Parameters
    ----------
    path : str or Path
        The file.

    Returns
    -------
    Frame
        One row per plate: ``asset`` ``"plate-00001"``..., ``time`` the data line number, the 27
        features as signals and, when the file has the fault columns, the meta column ``fault``.

    Raises
    ------
    NotFoundError
        No such file.
    SchemaError
        A header with unknown, missing or repeated names.
    DataError
        A line with the wrong number of fields, text in a number, or fault columns that are not
        one-hot (exactly one 1, the others 0); the message names file, line (row) and column.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "Faults.NNA"
    >>> row = "\\t".join(["1"] * 27 + ["0", "0", "1", "0", "0", "0", "0"])
    >>> _ = p.write_text(row + "\\r\\n" + row + "\\r\\n")
    >>> f = read_steel_plates(p)
    >>> f.assets, f.column("fault").tolist(), len(f.signals), f.units["Pixels_Areas"]
    (['plate-00001', 'plate-00002'], ['K_Scatch', 'K_Scatch'], 27, 'count')
    """
    path = Path(path)
    name = path.name
    lines = _read_lines(path, "steel plates file (Faults.NNA)")
    rows = [(i + 1, split_fields(s)) for i, s in enumerate(lines) if s.strip()]
    if not rows:
        raise DataError("file is empty; expected one plate per line (27 features + 7 fault columns)", file=name)
    names = _header(rows[0][1], name)
    first = 1
    if names is not None:
        rows = rows[1:]
        first = 2
    else:
        n0 = len(rows[0][1])
        if n0 not in (len(FEATURES), len(FEATURES) + len(FAULTS)):
            raise DataError(f"line has {n0} fields; a Faults.NNA line has 34 (27 features + 7 one-hot fault "
                            "columns) or 27 (features only)", file=name, row=rows[0][0])
        names = [*FEATURES, *FAULTS][:n0]
    if not rows:
        raise DataError("file has a header but no plates", file=name)
    for lineno, fields in rows:
        if len(fields) != len(names):
            raise DataError(f"line has {len(fields)} fields, expected {len(names)} like the first line; "
                            "fix or remove the line", file=name, row=lineno - first + 1)
    at = [lineno - first + 1 for lineno, _ in rows]
    values = parse_numbers([f for _, f in rows], names, file=name, row_numbers=at)
    table = pd.DataFrame(values, columns=list(names))
    n = len(table)
    data = pd.DataFrame({"asset": [f"plate-{i:05d}" for i in range(1, n + 1)], "time": np.arange(1, n + 1)})
    for f in FEATURES:
        data[f] = table[f].to_numpy()
    meta: list[str] = []
    if all(f in table.columns for f in FAULTS):
        onehot = table[list(FAULTS)].to_numpy()
        bad = ~np.isin(onehot, (0.0, 1.0)).all(axis=1) | (onehot.sum(axis=1) != 1)
        if bad.any():
            r = int(np.flatnonzero(bad)[0])
            raise DataError(f"fault columns {list(FAULTS)} hold {onehot[r].tolist()}; exactly one must be 1 and "
                            "the others 0 (one fault class per plate)", file=name, row=at[r], column=FAULTS[0])
        data["fault"] = np.asarray(FAULTS, dtype=object)[onehot.argmax(axis=1)]
        meta = ["fault"]
    return Frame(data, units=UNITS, meta=meta, time_kind="cycle", source=name)
