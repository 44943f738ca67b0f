"""Quick-test features: what a recycler measures in the first minutes of one discharge.

Every feature of a discharge is computed from its first ``window_s`` seconds only (600 s by default)
plus the test's fixed conditions; nothing after the window enters, so the whole-discharge capacity
cannot leak (``tests/industry/battery/test_soh.py`` checks that truncating the record after the window
leaves the features unchanged). "Loaded" samples carry current (see
:func:`~bessemer.industry.battery._cycles.end_of_discharge`); voltages are read on loaded samples so
that the rest half-periods of a square-wave load do not mix in.

================== ====== ===========================================================================
feature            unit   meaning
================== ====== ===========================================================================
current_a          A      load current (median of loaded samples in the window): the model's input,
                          never assumed
duty               1      mean current over the window / load current (1 for constant current)
ambient_c          degC   chamber temperature
cutoff_v           V      the protocol's end-of-discharge voltage (a test setting; NaN if unknown)
v_rest             V      voltage before the load (first sample)
r_step             1      (v_rest - first loaded voltage) / current_a, in ohm
v_t60 ... v_t600   V      loaded voltage 60, 120, 240, 360, 480, 600 s into the discharge
v_q05 ... v_q30    V      loaded voltage after 0.05, 0.10, 0.20, 0.30 Ah drawn (NaN if not reached)
dv_dq              1      slope of loaded voltage against charge over the second half of the window, V/Ah
dv_dt              1      slope of loaded voltage against time over the second half of the window, mV/s
temp_rise          degC   temperature at the end of the window minus at its start
temp_start         degC   cell temperature at the start minus ambient
q_window           1      charge drawn in the window, Ah
ended_ah           1      capacity, in Ah, if the discharge ended inside the window (else NaN)
re, rct            1      Re and Rct (ohm) of the last impedance test before this discharge (NaN if none)
v_load0            V      first loaded voltage
q_dv050 ... q_dv150 1     charge (Ah) drawn until the loaded voltage is 50, 100, 150 mV below
                          ``v_load0`` (NaN if not reached in the window): on a fixed OCV-SOC curve
                          shape this scales with the capacity, whatever the current
dq_dv              1      mean dQ/dV over the loaded window, Ah/V (charge drawn / voltage fallen)
curv               1      curvature: the quadratic coefficient of loaded voltage against charge, V/Ah^2
temp_rate          1      temperature rise per charge drawn, degC/Ah
================== ====== ===========================================================================

The last block (``v_load0`` onwards) are the physics-informed features of the second SOH attempt
(``benchmarks/battery_select.py`` chooses among feature sets by nested leave-one-cell-out).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from bessemer.core import Frame

from ._cycles import ON_FRACTION, REST_A, Cell, Discharge, coulomb_ah, load_level

WINDOW_S = 600.0
_T_GRID = (60.0, 120.0, 240.0, 360.0, 480.0, 600.0)
_Q_GRID = (0.05, 0.10, 0.20, 0.30)
_DV_GRID = (0.050, 0.100, 0.150)
#: the discharge ended inside the window when no current flowed for this long before the window closed
_ENDED_REST_S = 30.0

FEATURE_UNITS: dict[str, str] = {
    "current_a": "A", "duty": "1", "ambient_c": "degC", "cutoff_v": "V", "v_rest": "V", "r_step": "1",
    **{f"v_t{int(t)}": "V" for t in _T_GRID},
    **{f"v_q{int(round(q * 100)):02d}": "V" for q in _Q_GRID},
    "dv_dq": "1", "dv_dt": "1", "temp_rise": "degC", "temp_start": "degC", "q_window": "1", "ended_ah": "1",
    "re": "1", "rct": "1",
    "v_load0": "V", **{f"q_dv{int(round(dv * 1000)):03d}": "1" for dv in _DV_GRID},
    "dq_dv": "1", "curv": "1", "temp_rate": "1",
}
FEATURES: tuple[str, ...] = tuple(FEATURE_UNITS)


def _slope(x: np.ndarray, y: np.ndarray) -> float:
    if len(x) < 3 or np.ptp(x) <= 0:
        return float("nan")
    return float(np.polyfit(x, y, 1)[0])


def discharge_features(d: Discharge, *, cutoff_v: float = float("nan"), window_s: float = WINDOW_S
                       ) -> dict[str, float]:
    """The features above for one discharge, from its first ``window_s`` seconds.

    Examples
    --------
    >>> t = np.arange(0.0, 3700.0, 10.0)
    >>> i = np.where((t > 0) & (t < 3600), 2.0, 0.0)
    >>> d = Discharge(index=1, time=t, voltage=np.where(i > 0, 4.0 - 0.0002 * t, 4.2), current=i,
    ...               temperature=25 + 0.002 * t, ambient_c=24.0)
    >>> f = discharge_features(d, cutoff_v=2.7)
    >>> f["current_a"], round(f["v_t600"], 3), round(f["q_window"], 3), round(f["temp_rise"], 2), f["ended_ah"]
    (2.0, 3.88, 0.331, 1.2, nan)
    """
    w = d.truncated(window_s)
    t, v, i, temp = w.time - w.time[0], w.voltage, np.nan_to_num(w.current), w.temperature
    level = load_level(i)
    out = dict.fromkeys(FEATURES, float("nan"))
    out.update(ambient_c=float(d.ambient_c), cutoff_v=float(cutoff_v), re=float(d.re_ohm), rct=float(d.rct_ohm),
               v_rest=float(v[0]), current_a=level)
    q = coulomb_ah(t, i)
    out["q_window"] = float(q[-1])
    if np.isfinite(temp).sum() >= 2:
        ok = np.flatnonzero(np.isfinite(temp))
        out["temp_rise"] = float(temp[ok[-1]] - temp[ok[0]])
        out["temp_start"] = float(temp[ok[0]] - d.ambient_c) if np.isfinite(d.ambient_c) else float("nan")
    if level <= 0:
        return out
    on = i > max(REST_A, ON_FRACTION * level)
    span = t[-1] - t[0]
    out["duty"] = float(q[-1] * 3600.0 / (level * span)) if span > 0 else float("nan")
    last_on = int(np.flatnonzero(on)[-1])
    if t[-1] - t[last_on] >= _ENDED_REST_S:
        out["ended_ah"] = float(q[last_on])
    tl, vl, ql = t[on], v[on], q[on]
    if len(tl) == 0:
        return out
    out["r_step"] = float((v[0] - vl[0]) / level) if not on[0] else float("nan")
    for tt in _T_GRID:
        # the last loaded sample may fall a sample interval short of the window's end
        ok = tl[0] <= tt <= tl[-1] or (tl[-1] < tt <= tl[-1] + _ENDED_REST_S and np.isnan(out["ended_ah"]))
        out[f"v_t{int(tt)}"] = float(np.interp(tt, tl, vl)) if ok else float("nan")
    for qq in _Q_GRID:
        key = f"{int(round(qq * 100)):02d}"
        if ql[0] <= qq <= ql[-1]:
            out[f"v_q{key}"] = float(np.interp(qq, ql, vl))
    half = tl >= tl[0] + 0.5 * (tl[-1] - tl[0])
    out["dv_dq"] = _slope(ql[half], vl[half])
    out["dv_dt"] = 1000.0 * _slope(tl[half], vl[half])
    out.update(_physics(vl, ql, out))
    return out


def _physics(vl: np.ndarray, ql: np.ndarray, out: dict[str, float]) -> dict[str, float]:
    """The charge-normalised features of the window's segment of the loaded OCV curve (see the table)."""
    res = {"v_load0": float(vl[0])}
    for dv in _DV_GRID:
        below = np.flatnonzero(vl <= vl[0] - dv)
        key = f"q_dv{int(round(dv * 1000)):03d}"
        if below.size:
            k = int(below[0])
            # linear interpolation of the charge at which the voltage crossed v_load0 - dv
            v1, v2, q1, q2 = vl[k - 1], vl[k], ql[k - 1], ql[k]
            res[key] = float(q1 + (q2 - q1) * (v1 - (vl[0] - dv)) / (v1 - v2)) if v1 > v2 else float(q2)
        else:
            res[key] = float("nan")
    fall = float(vl[0] - vl[-1])
    span = float(ql[-1] - ql[0])
    res["dq_dv"] = span / fall if fall > 0.01 and span > 0 else float("nan")
    res["curv"] = float(np.polyfit(ql, vl, 2)[0]) if len(ql) >= 5 and np.ptp(ql) > 0 else float("nan")
    res["temp_rate"] = out["temp_rise"] / span if span > 0.01 and np.isfinite(out["temp_rise"]) else float("nan")
    return res


def cell_features(cells: Sequence[Cell], *, window_s: float = WINDOW_S, with_target: bool = True
                  ) -> tuple[Frame, np.ndarray]:
    """One row per discharge of every cell: a :class:`Frame` (asset = cell id, time = discharge index)
    of the features above, and the whole-discharge capacity of each row (Ah; NaN where there was no load).

    Examples
    --------
    >>> from bessemer.industry.battery import make_cells
    >>> frame, y = cell_features(make_cells(2, seed=1, n_cycles=20))
    >>> len(frame), frame.assets, frame.units["current_a"], bool(np.all(y > 1.0))
    (40, ['cell-00', 'cell-01'], 'A', True)
    """
    rows, ys = [], []
    for cell in cells:
        for d in cell.discharges:
            f = discharge_features(d, cutoff_v=cell.cutoff_v, window_s=window_s)
            rows.append({"asset": cell.cell_id, "time": int(d.index), **f})
            ys.append(d.capacity_ah() if with_target else float("nan"))
    df = pd.DataFrame(rows, columns=["asset", "time", *FEATURES])
    frame = Frame(df, units=FEATURE_UNITS, time_kind="cycle", source=", ".join(c.cell_id for c in cells)[:200])
    order = np.lexsort((df["time"].to_numpy(), df["asset"].to_numpy()))
    return frame, np.asarray(ys, dtype=np.float64)[order]
