"""A small, seeded generator of ageing Li-ion cells: equivalent-circuit discharges with capacity fade.

Each cell has a fresh capacity ``C0`` (1.85-2.05 Ah), a fade ``C_k = C0 · (1 - a · k^b)`` (``a`` random
per cell, ``b`` in 1.0-1.3, a little cycle-to-cycle noise), and an ohmic resistance that grows with the
fade (``R_k = R0 · (1 + 2.5 · fade)``). A discharge at constant current ``I`` from full charge (after a
10 s rest) follows a first-order Thevenin circuit::

    V(t) = OCV(SOC(t)) - I·R_k - I·R1·(1 - exp(-t/τ)),   SOC(t) = 1 - I·t / (3600·C_k)

with a generic NMC/graphite-like OCV curve, τ = 40 s, until ``V`` reaches the cut-off; 60 s of rest
follow (the voltage relaxes). Cell temperature rises with the I²R heat:
``T = ambient + κ·I²·R_k·(1 - exp(-t/τ_T))``. Samples every 10 s, with 2 mV / 0.05 °C noise.

This is a test fixture and a demo, not a physics model: every number is made up.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ._cycles import Cell, Discharge

_DT = 10.0
_TAU = 40.0
_TAU_T = 900.0


def ocv(soc: np.ndarray) -> np.ndarray:
    """A generic Li-ion open-circuit voltage curve (V) over state of charge 0-1.

    Examples
    --------
    >>> [round(float(v), 2) for v in ocv(np.array([0.0, 0.5, 1.0]))]
    [2.7, 3.62, 4.2]
    """
    s = np.clip(np.asarray(soc, dtype=np.float64), 0.0, 1.0)
    return 3.3 + 0.6 * s + 0.3 * s ** 4 - 0.6 * np.exp(-s / 0.04)


def _discharge(index: int, cap: float, r0: float, current: float, cutoff: float, ambient: float,
               rng: np.random.Generator) -> Discharge:
    t_max = 3600.0 * cap / current * 1.1 + 600.0
    t_load = np.arange(0.0, t_max, _DT)
    soc = 1.0 - current * t_load / (3600.0 * cap)
    v_load = ocv(soc) - current * r0 - current * 0.03 * (1.0 - np.exp(-t_load / _TAU))
    below = np.flatnonzero(v_load <= cutoff)
    n_on = int(below[0]) + 1 if below.size else len(t_load)
    t_on = t_load[:n_on]
    t_rest = t_on[-1] + np.arange(1, 7) * _DT
    v_end = ocv(soc[n_on - 1])
    v_rest = v_end - (v_end - v_load[n_on - 1]) * 0.5 * np.exp(-(t_rest - t_on[-1]) / _TAU)
    time = np.r_[0.0, t_on + _DT, t_rest + _DT]
    volt = np.r_[ocv(np.array([1.0]))[0], v_load[:n_on], v_rest]
    curr = np.r_[0.0, np.full(n_on, current), np.zeros(len(t_rest))]
    heat = 6.0 * current ** 2 * r0
    temp = ambient + heat * (1.0 - np.exp(-time / _TAU_T))
    volt = volt + rng.normal(0.0, 0.002, len(time))
    curr = curr + np.where(curr > 0, rng.normal(0.0, 0.003, len(time)), 0.0)
    temp = temp + rng.normal(0.0, 0.05, len(time))
    return Discharge(index=index, time=time, voltage=volt, current=curr, temperature=temp, ambient_c=ambient,
                     re_ohm=float(r0 * 0.6), rct_ohm=float(r0 * 0.9))


def make_cells(n_cells: int = 4, *, seed: int = 0, n_cycles: int = 60, currents: Sequence[float] = (2.0,),
               cutoffs: Sequence[float] = (2.7,), ambient_c: float = 24.0, fade: tuple[float, float] = (0.002, 0.005),
               rated_ah: float = 2.0) -> list[Cell]:
    """``n_cells`` generated cells of ``n_cycles`` discharges each (ids ``cell-00``, ``cell-01`` ...).

    ``currents`` and ``cutoffs`` are assigned to the cells in turn; ``fade`` bounds the per-cell fade
    coefficient ``a`` (fraction of ``C0`` lost per cycle at the start).

    Examples
    --------
    >>> cells = make_cells(2, seed=0, n_cycles=10, currents=(2.0, 4.0))
    >>> [c.cell_id for c in cells], [len(c) for c in cells]
    (['cell-00', 'cell-01'], [10, 10])
    >>> caps = cells[0].capacities()
    >>> bool(1.7 < caps[0] < 2.1 and caps[-1] < caps[0])
    True
    """
    rng = np.random.default_rng(seed)
    cells = []
    for j in range(n_cells):
        c0 = rng.uniform(1.85, 2.05)
        a = rng.uniform(*fade)
        b = rng.uniform(1.0, 1.3)
        r0 = rng.uniform(0.06, 0.09)
        current = float(currents[j % len(currents)])
        cutoff = float(cutoffs[j % len(cutoffs)])
        k = np.arange(n_cycles, dtype=np.float64)
        f = np.clip(a * n_cycles * (k / n_cycles) ** b + rng.normal(0.0, 0.003, n_cycles), 0.0, 0.8)
        ds = [_discharge(i + 1, c0 * (1.0 - f[i]), r0 * (1.0 + 2.5 * f[i]), current, cutoff, ambient_c, rng)
              for i in range(n_cycles)]
        cells.append(Cell(cell_id=f"cell-{j:02d}", discharges=ds, rated_ah=rated_ah, cutoff_v=cutoff,
                          source="generated"))
    return cells


def write_discharge_csv(cells: Sequence[Cell], folder: str | Path) -> Path:
    """Write cells as NASA discharge-CSV exports (``folder/discharge_csv/<id>_discharge.csv``); returns ``folder``.

    Current is written discharge-negative, as NASA does; ``Current_load``/``Voltage_load`` repeat the
    current and voltage.

    Examples
    --------
    >>> import tempfile
    >>> root = write_discharge_csv(make_cells(1, n_cycles=2), tempfile.mkdtemp())
    >>> sorted(p.name for p in (root / "discharge_csv").iterdir())
    ['cell-00_discharge.csv']
    """
    import pandas as pd

    root = Path(folder)
    (root / "discharge_csv").mkdir(parents=True, exist_ok=True)
    for cell in cells:
        parts = [pd.DataFrame({"Voltage_measured": d.voltage, "Current_measured": -d.current,
                               "Temperature_measured": d.temperature, "Current_load": d.current,
                               "Voltage_load": d.voltage, "Time": d.time, "cycle_idx": d.index})
                 for d in cell.discharges]
        pd.concat(parts).to_csv(root / "discharge_csv" / f"{cell.cell_id}_discharge.csv", index=False)
    return root
