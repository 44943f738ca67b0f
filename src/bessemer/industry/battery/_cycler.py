"""Reader of a plain cycler export: one CSV row per sample, one cell per file.

Accepted columns (matched ignoring case, spaces and punctuation; a unit in brackets or after an
underscore is read and converted):

=========== ============================================================ ============================
quantity    accepted names                                               units (default first)
=========== ============================================================ ============================
cycle       cycle, cycle_index, cycle_idx, cycle_number, cycle_no, cyc   whole numbers
time        time, time_s, test_time, elapsed_time, step_time, t          s, ms, min, h
voltage     voltage, voltage_v, voltage_measured, ecell, v, u            V, mV
current     current, current_a, current_measured, i                      A, mA
temperature temperature, temperature_c, temp, temperature_measured, t_c  degC, K (optional column)
=========== ============================================================ ============================

Conventions: within a cycle, time must not decrease (a cumulative test time is fine: each cycle is
re-zeroed at its first discharge sample's predecessor); **discharge current is negative** (Arbin,
Maccor, BioLogic, NASA) unless ``discharge_positive=True``. In each cycle the discharge runs from
the sample before the first discharge sample to the last discharge sample plus the rest after it;
charge samples are dropped; a cycle without discharge samples is skipped (and noted in
``Cell.notes``). Errors name the file, the 1-based data row and the column.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from bessemer.core import DataError, SchemaError, read_table

from ._cycles import REST_A, Cell, Discharge

_NON_ALNUM = re.compile(r"[^a-z0-9]")
_UNIT = re.compile(r"^(?P<name>.*?)[\s_]*[\(\[](?P<unit>[^\)\]]*)[\)\]]\s*$")
NAMES: dict[str, tuple[str, ...]] = {
    "cycle": ("cycle", "cycleindex", "cycleidx", "cyclenumber", "cycleno", "cyc"),
    "time": ("time", "times", "testtime", "testtimes", "elapsedtime", "steptime", "t", "timesec"),
    "voltage": ("voltage", "voltagev", "voltagemeasured", "ecell", "ecellv", "v", "u"),
    "current": ("current", "currenta", "currentmeasured", "i", "ia"),
    "temperature": ("temperature", "temperaturec", "temp", "tempc", "temperaturemeasured", "tc", "cellt"),
}
_SCALE: dict[str, dict[str, float]] = {
    "time": {"s": 1.0, "sec": 1.0, "ms": 1e-3, "min": 60.0, "h": 3600.0, "hr": 3600.0},
    "voltage": {"v": 1.0, "mv": 1e-3},
    "current": {"a": 1.0, "ma": 1e-3},
    "temperature": {"c": 0.0, "degc": 0.0, "°c": 0.0, "k": -273.15},
}


def _match(columns: list[str]) -> dict[str, tuple[str, str | None]]:
    """quantity -> (file column, unit text or None)."""
    found: dict[str, tuple[str, str | None]] = {}
    for col in columns:
        m = _UNIT.match(col)
        base, unit = (m.group("name"), m.group("unit").strip()) if m else (col, None)
        key = _NON_ALNUM.sub("", base.lower())
        for q, names in NAMES.items():
            if q not in found and key in names:
                found[q] = (col, unit)
    return found


def _convert(q: str, values: np.ndarray, unit: str | None, source: str, col: str) -> np.ndarray:
    if unit is None or unit == "":
        return values
    u = unit.strip().lower()
    table = _SCALE[q]
    if u not in table:
        raise SchemaError(f"unit {unit!r} of {q} is not supported; use one of {sorted(table)}", file=source,
                          column=col)
    if q == "temperature":
        return values + table[u]
    return values * table[u]


def read_cycler_csv(path: str | Path, *, cell_id: str | None = None, rated_ah: float = 2.0,
                    cutoff_v: float = float("nan"), ambient_c: float = float("nan"),
                    discharge_positive: bool = False) -> Cell:
    """Read a plain cycler export (see the module docstring) into a :class:`Cell`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "cell7.csv"
    >>> rows = ["1,0,4.2,0,25", "1,1800,3.8,-2000,26", "1,3600,3.0,-2000,27", "1,3660,3.3,0,27"]
    >>> _ = p.write_text("Cycle,Test_Time(s),Voltage(V),Current(mA),Temperature(C)\\n" + "\\n".join(rows))
    >>> cell = read_cycler_csv(p)
    >>> cell.cell_id, len(cell), round(float(cell.capacities()[0]), 3)
    ('cell7', 1, 1.5)
    """
    source = str(path)
    df = read_table(path)
    cols = [str(c) for c in df.columns]
    found = _match(cols)
    missing = [q for q in ("cycle", "time", "voltage", "current") if q not in found]
    if missing:
        raise SchemaError(f"no column for {missing}; accepted names: "
                          + "; ".join(f"{q}: {', '.join(NAMES[q][:4])}" for q in missing)
                          + f" (found {[c[:40] for c in cols][:12]})", file=source, column=missing[0])
    data: dict[str, np.ndarray] = {}
    for q, (col, unit) in found.items():
        v = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=np.float64)
        bad = np.flatnonzero(~np.isfinite(v))
        if bad.size and q != "temperature":
            shown = str(df[col].iloc[bad[0]])[:40]
            raise DataError(f"{q} is {shown!r}, not a finite number; every sample needs one", file=source,
                            row=int(bad[0]) + 1, column=col)
        data[q] = _convert(q, v, unit, source, col)
    cyc = data["cycle"]
    if np.any(cyc != np.round(cyc)):
        r = int(np.flatnonzero(cyc != np.round(cyc))[0])
        raise DataError(f"cycle {cyc[r]!r} is not a whole number", file=source, row=r + 1, column=found["cycle"][0])
    temp = data.get("temperature", np.full(len(cyc), np.nan))
    current = data["current"] if discharge_positive else -data["current"]
    discharges: list[Discharge] = []
    notes: list[str] = []
    for c in pd.unique(cyc):
        idx = np.flatnonzero(cyc == c)
        if np.any(np.diff(idx) != 1):
            r = int(idx[np.flatnonzero(np.diff(idx) != 1)[0] + 1])
            raise DataError(f"rows of cycle {int(c)} are not contiguous; sort the file by cycle, then time",
                            file=source, row=r + 1, column=found["cycle"][0])
        t = data["time"][idx]
        back = np.flatnonzero(np.diff(t) < 0)
        if back.size:
            raise DataError(f"time goes backwards within cycle {int(c)} ({t[back[0]]:g} s then {t[back[0] + 1]:g} s)",
                            file=source, row=int(idx[back[0] + 1]) + 1, column=found["time"][0])
        i = current[idx]
        dis = np.flatnonzero(i > REST_A)
        if dis.size == 0:
            notes.append(f"cycle {int(c)}: no discharge samples, skipped")
            continue
        start = max(0, int(dis[0]) - 1)
        stop = len(i)
        after = np.flatnonzero(i[dis[-1]:] < -REST_A)  # a charge after the discharge ends the record
        if after.size:
            stop = int(dis[-1] + after[0])
        sl = slice(start, stop)
        tt = t[sl]
        discharges.append(Discharge(index=len(discharges) + 1, time=tt - tt[0], voltage=data["voltage"][idx][sl],
                                    current=np.clip(i[sl], 0.0, None), temperature=temp[idx][sl],
                                    ambient_c=ambient_c))
    cell = Cell(cell_id=cell_id or Path(path).stem, discharges=discharges, rated_ah=rated_ah, cutoff_v=cutoff_v,
                source=source, notes=notes)
    return cell.check()
