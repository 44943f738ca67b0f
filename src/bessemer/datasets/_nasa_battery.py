"""Loaders for the NASA PCoE Li-ion battery ageing data (Saha & Goebel, NASA Ames Prognostics Data Repository).

A folder in the shared layout holds::

    mat/B0025.mat ...                original MATLAB files: charge, discharge and impedance cycles
    discharge_csv/B0005_discharge.csv discharge-only exports: Voltage_measured, Current_measured,
                                      Temperature_measured, Current_load, Voltage_load, Time, cycle_idx
    metadata_kaggle_cleaned.csv       one row per operation: type, ambient_temperature, battery_id,
                                      test_id, Capacity (discharges), Re and Rct (impedance tests)
    readme_nasa/README_*.txt          the test conditions of each group

Every loader returns :class:`~bessemer.industry.battery.Cell` objects (units and signs in
:mod:`bessemer.industry.battery._cycles`: current discharge-positive, time in s from the start of each
discharge). The discharge CSV has no capacity column: a discharge's capacity is the Coulomb count of its
current to the end of the discharge (the cut-off). The metadata's ``Capacity`` is NASA's figure, which
stops at the **first sample below 2.7 V** ("capacity for discharge till 2.7V"): it equals ours for the
cells cut off at 2.7 V (B0005, B0036: to 1e-5 Ah) and is lower for the others (B0006 by 0.012 Ah rms,
B0007 by 0.019, B0033 by 0.10 and B0034 by 0.12 Ah, whose 4 A discharges run on to 2.0 / 2.2 V).
:func:`nasa_capacity_2v7` gives NASA's figure from the curves.

Test conditions (from ``readme_nasa``): cut-off voltage per cell (:data:`NASA_CUTOFF_V`), nominal
ambient temperature per group (:data:`NASA_AMBIENT_C`; the ``.mat`` files and the metadata give the
actual value per operation and win). The discharge current is always measured from the data, never
assumed: 2 A (B0005-07, B0018, B0036, B0049-56), 4 A (B0029-34), a 0.05 Hz square wave of 4 A
(B0025-28), 1 A (B0045-48), mixed 1/2/4 A (B0038-44).

Metadata quirks the loader survives: ``Capacity`` ``[]`` on some rows (read as missing), complex
``Re``/``Rct`` values on a few impedance rows (a failed fit: read as missing).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bessemer.core import DataError, NotFoundError, SchemaError, read_table
from bessemer.industry.battery._cycles import Cell, Discharge, coulomb_ah

#: the protocol's end-of-discharge voltage per cell (readme_nasa/README_*.txt)
NASA_CUTOFF_V: dict[str, float] = {
    "B0005": 2.7, "B0006": 2.5, "B0007": 2.2, "B0018": 2.5,
    "B0025": 2.0, "B0026": 2.2, "B0027": 2.5, "B0028": 2.7,
    "B0029": 2.0, "B0030": 2.2, "B0031": 2.5, "B0032": 2.7,
    "B0033": 2.0, "B0034": 2.2, "B0036": 2.7,
    "B0038": 2.2, "B0039": 2.5, "B0040": 2.7,
    "B0041": 2.0, "B0042": 2.2, "B0043": 2.5, "B0044": 2.7,
    "B0045": 2.0, "B0046": 2.2, "B0047": 2.5, "B0048": 2.7,
    "B0049": 2.0, "B0050": 2.2, "B0051": 2.5, "B0052": 2.7,
    "B0053": 2.0, "B0054": 2.2, "B0055": 2.5, "B0056": 2.7,
}
#: nominal chamber temperature per cell (readme_nasa); the data's own value wins where it has one
NASA_AMBIENT_C: dict[str, float] = {
    **dict.fromkeys(("B0005", "B0006", "B0007", "B0018", "B0025", "B0026", "B0027", "B0028", "B0033", "B0034",
                     "B0036", "B0038", "B0039", "B0040"), 24.0),
    **dict.fromkeys(("B0029", "B0030", "B0031", "B0032"), 43.0),
    **{f"B00{n}": 4.0 for n in range(41, 57)},
}
RATED_AH = 2.0
CSV_COLUMNS = ("Voltage_measured", "Current_measured", "Temperature_measured", "Time", "cycle_idx")
_MAT_FIELDS = ("Voltage_measured", "Current_measured", "Temperature_measured", "Time")
_CELL = re.compile(r"(B\d{4})", re.IGNORECASE)


def cell_id_of(path: str | Path) -> str:
    """The NASA cell id in a file name (``B0005_discharge.csv`` -> ``B0005``), else the file stem.

    Examples
    --------
    >>> cell_id_of("discharge_csv/B0005_discharge.csv"), cell_id_of("mat/b0025.mat"), cell_id_of("x/cell 7.csv")
    ('B0005', 'B0025', 'cell 7')
    """
    m = _CELL.search(Path(path).name)
    return m.group(1).upper() if m else Path(path).stem


# --------------------------------------------------------------------------- metadata
def _real_or_nan(value: Any) -> float:
    """A float from a metadata cell; ``[]``, text and complex fits are missing (NaN)."""
    if value is None:
        return float("nan")
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    text = str(value).strip()
    try:
        return float(text)
    except ValueError:
        return float("nan")


def read_nasa_metadata(path: str | Path) -> pd.DataFrame:
    """Read ``metadata_kaggle_cleaned.csv``: one row per operation of every cell.

    Returns ``battery_id, type, test_id, ambient_c, capacity_ah, re_ohm, rct_ohm`` sorted by
    ``(battery_id, test_id)``; unreadable numbers (``[]``, complex fits) are NaN.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "m.csv"
    >>> _ = p.write_text("type,start_time,ambient_temperature,battery_id,test_id,uid,filename,Capacity,Re,Rct\\n"
    ...                  "discharge,x,24,B0005,1,2,a.csv,1.85,,\\nimpedance,x,24,B0005,0,1,b.csv,,(0.05-0.01j),0.1\\n")
    >>> md = read_nasa_metadata(p)
    >>> md[["type", "test_id", "capacity_ah"]].values.tolist(), bool(np.isnan(md.re_ohm.iloc[0]))
    ([['impedance', 0, nan], ['discharge', 1, 1.85]], True)
    """
    df = read_table(path, text_columns=("type", "battery_id", "start_time", "filename", "Capacity", "Re", "Rct"))
    need = ("type", "ambient_temperature", "battery_id", "test_id")
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise SchemaError(f"metadata lacks column(s) {missing}; expected the Kaggle NASA layout "
                          f"(type, ambient_temperature, battery_id, test_id, Capacity, Re, Rct), found "
                          f"{list(df.columns)[:12]}", file=str(path), column=missing[0])
    out = pd.DataFrame({
        "battery_id": df["battery_id"].astype(str).str.strip().str.upper(),
        "type": df["type"].astype(str).str.strip().str.lower(),
        "test_id": pd.to_numeric(df["test_id"], errors="coerce"),
        "ambient_c": pd.to_numeric(df["ambient_temperature"], errors="coerce"),
        "capacity_ah": [_real_or_nan(v) for v in df.get("Capacity", pd.Series([None] * len(df)))],
        "re_ohm": [_real_or_nan(v) for v in df.get("Re", pd.Series([None] * len(df)))],
        "rct_ohm": [_real_or_nan(v) for v in df.get("Rct", pd.Series([None] * len(df)))],
    })
    bad = np.flatnonzero(out["test_id"].isna().to_numpy())
    if bad.size:
        raise DataError(f"test_id {str(df['test_id'].iloc[bad[0]])[:40]!r} is not a number", file=str(path),
                        row=int(bad[0]) + 1, column="test_id")
    out["test_id"] = out["test_id"].astype(np.int64)
    return out.sort_values(["battery_id", "test_id"], kind="stable").reset_index(drop=True)


def _conditions_from_metadata(md: pd.DataFrame | None, cell_id: str, n: int) -> list[tuple[float, float, float]]:
    """(ambient, Re, Rct) for the first ``n`` discharges of ``cell_id``: Re/Rct of the last impedance before."""
    out = [(NASA_AMBIENT_C.get(cell_id, float("nan")), float("nan"), float("nan"))] * n
    if md is None:
        return out
    rows = md[md["battery_id"] == cell_id]
    re_, rct = float("nan"), float("nan")
    k = 0
    res = list(out)
    for typ, amb, r1, r2 in rows[["type", "ambient_c", "re_ohm", "rct_ohm"]].itertuples(index=False):
        if typ == "impedance" and np.isfinite(r1) and np.isfinite(r2):
            re_, rct = float(r1), float(r2)
        elif typ == "discharge":
            if k >= n:
                break
            res[k] = (float(amb) if np.isfinite(amb) else out[k][0], re_, rct)
            k += 1
    return res


# --------------------------------------------------------------------------- discharge CSV
def _numeric(df: pd.DataFrame, col: str, source: str) -> np.ndarray:
    s = df[col]
    v = pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(v))
    if bad.size:
        shown = str(s.iloc[bad[0]])[:40]
        what = "is missing" if shown.strip().lower() in ("", "nan", "na", "n/a", "null", "none") else \
            f"is {shown!r}, not a finite number"
        raise DataError(f"{col} {what}; every sample needs a number (drop or repair that row)", file=source,
                        row=int(bad[0]) + 1, column=col)
    return v


def read_nasa_discharge_csv(path: str | Path, *, metadata: pd.DataFrame | None = None,
                            rated_ah: float = RATED_AH, cell_id: str | None = None) -> Cell:
    """Read one ``B00NN_discharge.csv`` export into a :class:`Cell`.

    Parameters
    ----------
    path : file
        Columns ``Voltage_measured`` (V), ``Current_measured`` (A, discharge negative),
        ``Temperature_measured`` (°C), ``Time`` (s from the start of each discharge) and
        ``cycle_idx`` (1, 2, ... one per discharge); ``Current_load`` and ``Voltage_load`` are ignored.
    metadata : DataFrame, optional
        From :func:`read_nasa_metadata`: the ambient temperature of each discharge and Re/Rct of the
        impedance test before it (the n-th discharge of the cell in the metadata is ``cycle_idx`` n).
    rated_ah : float
    cell_id : str, optional
        Taken from the file name when omitted.

    Raises
    ------
    DataError
        A missing column, a value that is not a number, time going backwards within a discharge,
        naming file, row (1-based after the header), column and discharge.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "B0099_discharge.csv"
    >>> rows = ["4.2,0,24,0,1", "4.0,-2,25,1800,1", "3.0,-2,26,3600,1", "3.3,0,26,3620,1"]
    >>> _ = p.write_text("Voltage_measured,Current_measured,Temperature_measured,Time,cycle_idx\\n" + "\\n".join(rows))
    >>> cell = read_nasa_discharge_csv(p)
    >>> cell.cell_id, len(cell), round(float(cell.capacities()[0]), 3)
    ('B0099', 1, 1.5)
    """
    source = str(path)
    df = read_table(path)
    missing = [c for c in CSV_COLUMNS if c not in df.columns]
    if missing:
        raise SchemaError(f"missing column(s) {missing}; a NASA discharge export has {list(CSV_COLUMNS)} "
                          f"(found {[str(c)[:40] for c in df.columns][:10]})", file=source, column=missing[0])
    cols = {c: _numeric(df, c, source) for c in CSV_COLUMNS}
    cyc = cols["cycle_idx"]
    if np.any(cyc != np.round(cyc)):
        r = int(np.flatnonzero(cyc != np.round(cyc))[0])
        raise DataError(f"cycle_idx {cyc[r]!r} is not a whole number", file=source, row=r + 1, column="cycle_idx")
    cid = cell_id or cell_id_of(path)
    order = pd.unique(cyc)
    conds = _conditions_from_metadata(metadata, cid, len(order))
    discharges = []
    for k, c in enumerate(order):
        idx = np.flatnonzero(cyc == c)
        if idx.size > 1 and np.any(np.diff(idx) != 1):
            r = int(idx[np.flatnonzero(np.diff(idx) != 1)[0] + 1])
            raise DataError(f"rows of discharge cycle_idx={int(c)} are not contiguous (it starts again at this "
                            "row); sort the file by cycle_idx, then Time", file=source, row=r + 1, column="cycle_idx")
        t = cols["Time"][idx]
        back = np.flatnonzero(np.diff(t) < 0)
        if back.size:
            r = int(idx[back[0] + 1])
            raise DataError(f"Time goes backwards within discharge cycle_idx={int(c)} ({t[back[0]]:g} s then "
                            f"{t[back[0] + 1]:g} s); time must not decrease within a discharge", file=source,
                            row=r + 1, column="Time")
        amb, re_, rct = conds[k]
        discharges.append(Discharge(index=k + 1, time=t - t[0], voltage=cols["Voltage_measured"][idx],
                                    current=-cols["Current_measured"][idx],
                                    temperature=cols["Temperature_measured"][idx], ambient_c=amb, re_ohm=re_,
                                    rct_ohm=rct))
    return Cell(cell_id=cid, discharges=discharges, rated_ah=rated_ah,
                cutoff_v=NASA_CUTOFF_V.get(cid, float("nan")), source=source).check()


# --------------------------------------------------------------------------- .mat
def _field(data: dict[str, Any], name: str, source: str, k: int) -> np.ndarray:
    if name not in data:
        raise DataError(f"cycle {k} (discharge) has no field {name!r}; fields: {sorted(data)[:10]}",
                        file=source, row=k, column=name)
    try:
        v = np.asarray(data[name], dtype=np.float64).ravel()
    except (TypeError, ValueError) as err:
        raise DataError(f"cycle {k}: field {name!r} is not numeric", file=source, row=k, column=name) from err
    bad = np.flatnonzero(~np.isfinite(v))
    if bad.size:
        raise DataError(f"cycle {k} (discharge): field {name!r} is missing or not finite at sample {bad[0] + 1}",
                        file=source, row=k, column=name)
    return v


def _scalar(value: Any) -> float:
    try:
        v = np.asarray(value).ravel()
        if v.size != 1:
            return float("nan")
        x = complex(v[0])
    except (TypeError, ValueError):
        return float("nan")
    if abs(x.imag) > 1e-9 * max(1.0, abs(x.real)):
        return float("nan")
    return float(x.real)


def read_nasa_mat(path: str | Path, *, rated_ah: float = RATED_AH, cell_id: str | None = None) -> Cell:
    """Read one original NASA ``B00NN.mat`` file into a :class:`Cell`.

    Charge cycles are skipped; each discharge gets the ambient temperature of its own record and the
    ``Re``/``Rct`` of the last impedance test before it. A file that is not a readable MATLAB file
    (truncated, corrupt, another format) or lacks the ``cycle`` structure gives a :class:`DataError`
    naming the file; a bad discharge names the cycle (``row``: its 1-based position in ``cycle``) and
    the field.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "B0025.mat"
    >>> _ = p.write_bytes(b"MATLAB 5.0 MAT-file, truncated")
    >>> read_nasa_mat(p)
    Traceback (most recent call last):
    ...
    bessemer.core._exceptions.DataError: file ...B0025.mat: cannot read the MATLAB file (truncated or corrupt?): ...
    """
    import scipy.io

    source = str(path)
    p = Path(path)
    if not p.is_file():
        raise DataError("file does not exist; check the path", file=source)
    if p.stat().st_size == 0:
        raise DataError("file is empty; expected a MATLAB .mat file with a 'cycle' structure", file=source)
    try:
        raw = scipy.io.loadmat(source, simplify_cells=True)
    except Exception as err:  # noqa: BLE001 - scipy raises many types for corrupt files; converted here
        raise DataError(f"cannot read the MATLAB file (truncated or corrupt?): {type(err).__name__}: "
                        f"{str(err)[:160]}", file=source) from err
    cid = cell_id or cell_id_of(path)
    keys = [k for k in raw if not k.startswith("__")]
    key = cid if cid in raw else (keys[0] if len(keys) == 1 else None)
    top = raw.get(key) if key is not None else None
    if not isinstance(top, dict) or "cycle" not in top:
        raise DataError(f"expected a structure {cid!r} with a field 'cycle' (the NASA layout), found variables "
                        f"{keys[:5]}", file=source)
    cycles = top["cycle"]
    if isinstance(cycles, dict):
        cycles = [cycles]
    discharges = []
    re_, rct = float("nan"), float("nan")
    for k, c in enumerate(cycles, start=1):
        if not isinstance(c, dict) or "type" not in c or "data" not in c:
            raise DataError(f"cycle {k} lacks 'type' or 'data'", file=source, row=k, column="cycle")
        typ = str(c["type"]).strip().lower()
        data = c["data"] if isinstance(c["data"], dict) else {}
        if typ == "impedance":
            a, b = _scalar(data.get("Re")), _scalar(data.get("Rct"))
            if np.isfinite(a) and np.isfinite(b):
                re_, rct = a, b
        elif typ == "discharge":
            v = {f: _field(data, f, source, k) for f in _MAT_FIELDS}
            n = len(v["Time"])
            short = [f for f in _MAT_FIELDS if len(v[f]) != n]
            if short:
                raise DataError(f"cycle {k} (discharge): field {short[0]!r} has {len(v[short[0]])} samples, Time has "
                                f"{n}", file=source, row=k, column=short[0])
            back = np.flatnonzero(np.diff(v["Time"]) < 0)
            if back.size:
                raise DataError(f"cycle {k} (discharge): Time goes backwards at sample {back[0] + 2}", file=source,
                                row=k, column="Time")
            if n < 2:
                continue
            amb = _scalar(c.get("ambient_temperature"))
            t = v["Time"]
            discharges.append(Discharge(index=len(discharges) + 1, time=t - t[0], voltage=v["Voltage_measured"],
                                        current=-v["Current_measured"], temperature=v["Temperature_measured"],
                                        ambient_c=amb if np.isfinite(amb) else NASA_AMBIENT_C.get(cid, float("nan")),
                                        re_ohm=re_, rct_ohm=rct))
    return Cell(cell_id=cid, discharges=discharges, rated_ah=rated_ah,
                cutoff_v=NASA_CUTOFF_V.get(cid, float("nan")), source=source).check()


# --------------------------------------------------------------------------- folder
def nasa_capacity_2v7(discharge: Discharge, cutoff_v: float = 2.7) -> float:
    """NASA's capacity figure: Coulomb count to the first sample below ``cutoff_v`` (after the first sample).

    Examples
    --------
    >>> t = np.arange(0.0, 4000.0, 10.0)
    >>> d = Discharge(index=1, time=t, voltage=4.2 - 0.0005 * t, current=np.full(t.size, 2.0),
    ...               temperature=np.zeros(t.size))
    >>> round(nasa_capacity_2v7(d), 3)
    1.672
    """
    v, t = discharge.voltage, discharge.time
    below = np.flatnonzero((v < cutoff_v) & (np.arange(len(v)) > 0))
    end = int(below[0]) if below.size else discharge.end()
    if end < 1:
        return float("nan")
    return float(coulomb_ah(t[: end + 1], discharge.current[: end + 1])[-1])


def find_cell_files(folder: str | Path) -> tuple[list[Path], list[Path], Path | None]:
    """The discharge CSVs, ``.mat`` files and metadata file of a folder in the shared layout.

    CSVs: ``discharge_csv/*.csv`` and ``*_discharge.csv`` at the top; ``.mat``: ``mat/*.mat`` and ``*.mat``
    at the top; metadata: ``metadata*.csv`` at the top.
    """
    root = Path(folder)
    if not root.is_dir():
        raise NotFoundError(f"{root}: no such folder; give a folder in the NASA layout (discharge_csv/*.csv "
                            "and/or mat/*.mat, optional metadata_kaggle_cleaned.csv)")
    csvs = sorted({*root.glob("discharge_csv/*.csv"), *root.glob("*_discharge.csv")})
    mats = sorted({*root.glob("mat/*.mat"), *root.glob("*.mat")})
    meta = sorted(root.glob("metadata*.csv"))
    return csvs, mats, (meta[0] if meta else None)


def load_nasa_battery(folder: str | Path, *, rated_ah: float = RATED_AH, cells: Sequence[str] | None = None,
                      progress: Callable[[str], Any] | None = None, skip_unreadable: bool = False
                      ) -> list[Cell]:
    """Every cell of a folder in the shared layout (see :func:`find_cell_files`), sorted by id.

    A cell present both as ``.mat`` and as discharge CSV is read from the ``.mat`` (it carries the
    impedance tests). ``cells`` keeps only those ids. With ``skip_unreadable`` a file that fails to
    load is left out and named in the cell list's absence (the error goes to ``progress``); when no
    cell at all can be read the first error is raised.

    Raises
    ------
    NotFoundError
        The folder does not exist, or holds no cell files.
    """
    csvs, mats, meta_path = find_cell_files(folder)
    if not csvs and not mats:
        raise NotFoundError(f"{folder}: no cell files; expected discharge_csv/*.csv and/or mat/*.mat (the NASA "
                            "PCoE battery layout)")
    say = progress or (lambda msg: None)
    md = read_nasa_metadata(meta_path) if meta_path is not None else None
    want = None if cells is None else {c.upper() for c in cells}
    out: dict[str, Cell] = {}
    errors: list[DataError] = []
    for path in mats + csvs:
        cid = cell_id_of(path)
        if cid in out or (want is not None and cid not in want):
            continue
        say(f"reading {path.name}")
        try:
            cell = read_nasa_mat(path, rated_ah=rated_ah) if path.suffix.lower() == ".mat" else \
                read_nasa_discharge_csv(path, metadata=md, rated_ah=rated_ah)
        except DataError as err:
            if not skip_unreadable:
                raise
            errors.append(err)
            say(f"skipped {path.name}: {err}")
            continue
        out[cid] = cell
    if not out:
        if errors:
            raise errors[0]
        raise NotFoundError(f"{folder}: none of the cells {sorted(want or [])} is there")
    return [out[k] for k in sorted(out)]
