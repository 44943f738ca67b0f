"""A cell's cycle history: its discharges (time, voltage, current, temperature) and test conditions.

Conventions, the same for every loader (NASA ``.mat``, NASA discharge CSV, plain cycler export, the
generator):

* ``time`` in seconds from the start of that discharge record, non-decreasing;
* ``voltage`` in V at the cell terminals;
* ``current`` in A, **discharge positive** (NASA and most cyclers write discharge as negative; the
  loaders flip the sign);
* ``temperature`` in °C at the cell surface (NaN when not measured);
* ``ambient_c`` the chamber temperature of that discharge (NaN when unknown);
* ``re_ohm`` / ``rct_ohm`` electrolyte and charge-transfer resistance from the **last impedance test
  before** that discharge (NaN where there was none), so a feature never sees a later test.

The **capacity** of a discharge is the Coulomb count (trapezoids of the current over time) from the
start of the record to the **end of the discharge**: the last sample that still carries current
(:data:`ON_FRACTION` of the discharge's median load current, so that the rest of a pulsed or
square-wave load counts, and the relaxation after the cut-off does not).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from bessemer.core import DataError

#: a sample "carries current" above this fraction of the discharge's median load current
ON_FRACTION = 0.25
#: currents below this (A) are rest, whatever the load level
REST_A = 0.05


def load_level(current: np.ndarray) -> float:
    """Median of the currents that carry load (A), or 0.0 for a record without load.

    Examples
    --------
    >>> load_level(np.array([0.0, 2.0, 2.01, 1.99, 0.0]))
    2.0
    """
    i = np.asarray(current, dtype=np.float64)
    on = i[np.isfinite(i) & (i > REST_A)]
    return float(np.median(on)) if on.size else 0.0


def coulomb_ah(time: np.ndarray, current: np.ndarray, end: int | None = None) -> np.ndarray:
    """Cumulative charge (Ah) drawn at each sample, by trapezoids; ``end`` stops the count there.

    Examples
    --------
    >>> coulomb_ah(np.array([0.0, 1800.0, 3600.0]), np.array([2.0, 2.0, 2.0])).tolist()
    [0.0, 1.0, 2.0]
    """
    t = np.asarray(time, dtype=np.float64)
    i = np.nan_to_num(np.asarray(current, dtype=np.float64))
    q = np.r_[0.0, np.cumsum(0.5 * (i[1:] + i[:-1]) * np.diff(t))] / 3600.0
    if end is not None:
        q[end + 1:] = q[end]
    return q


def end_of_discharge(current: np.ndarray) -> int:
    """Index of the last sample that carries load current (see the module docstring); -1 if none."""
    i = np.asarray(current, dtype=np.float64)
    level = load_level(i)
    if level <= 0:
        return -1
    on = np.flatnonzero(np.nan_to_num(i) > max(REST_A, ON_FRACTION * level))
    return int(on[-1]) if on.size else -1


@dataclass(frozen=True, eq=False)
class Discharge:
    """One discharge record of a cell (units and signs in the module docstring).

    Examples
    --------
    >>> t = np.arange(0.0, 3700.0, 10.0)
    >>> d = Discharge(index=1, time=t, voltage=4.1 - 0.0003 * t, current=np.where(t < 3600, 2.0, 0.0),
    ...               temperature=np.full(t.size, 25.0))
    >>> round(d.capacity_ah(), 3), d.duration_s(), float(d.truncated(600).time[-1])
    (1.994, 3590.0, 600.0)
    """

    index: int
    time: np.ndarray
    voltage: np.ndarray
    current: np.ndarray
    temperature: np.ndarray
    ambient_c: float = float("nan")
    re_ohm: float = float("nan")
    rct_ohm: float = float("nan")

    def __post_init__(self) -> None:
        n = len(self.time)
        for name in ("voltage", "current", "temperature"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"discharge {self.index}: {name} has {len(getattr(self, name))} samples, "
                                 f"time has {n}")

    def end(self) -> int:
        """Index of the last sample carrying current (the end of the discharge)."""
        return end_of_discharge(self.current)

    def capacity_ah(self) -> float:
        """Whole-discharge capacity: Coulomb count to the end of the discharge (Ah); NaN without load."""
        e = self.end()
        if e < 1:
            return float("nan")
        return float(coulomb_ah(self.time[: e + 1], self.current[: e + 1])[-1])

    def duration_s(self) -> float:
        """Seconds from the start of the record to the end of the discharge."""
        e = self.end()
        return float(self.time[e] - self.time[0]) if e >= 0 else 0.0

    def truncated(self, seconds: float) -> Discharge:
        """The same discharge seen only for its first ``seconds`` (samples with ``time - time[0] <= seconds``)."""
        keep = (self.time - self.time[0]) <= seconds
        return replace(self, time=self.time[keep], voltage=self.voltage[keep], current=self.current[keep],
                       temperature=self.temperature[keep])


@dataclass(eq=False)
class Cell:
    """A cell and its discharges in test order, with the protocol's fixed conditions.

    Parameters
    ----------
    cell_id : str
    discharges : list of Discharge
        In the order they were run (``index`` 1, 2, ...).
    rated_ah : float
        Nameplate capacity (the NASA 18650 cells: 2.0 Ah).
    cutoff_v : float
        The protocol's end-of-discharge voltage (NaN when unknown); a test setting, not a measurement.
    source : str
        File(s) it was read from, for messages.

    Examples
    --------
    >>> from bessemer.industry.battery import make_cells
    >>> cell = make_cells(1, seed=0, n_cycles=30)[0]
    >>> len(cell), cell.capacities().shape, bool(cell.soh()[0] > cell.soh()[-1])
    (30, (30,), True)
    """

    cell_id: str
    discharges: list[Discharge]
    rated_ah: float = 2.0
    cutoff_v: float = float("nan")
    source: str = ""
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.discharges)

    def __repr__(self) -> str:
        return f"Cell({self.cell_id!r}, {len(self)} discharges, source={self.source!r})"

    def capacities(self) -> np.ndarray:
        """Whole-discharge capacity of every discharge (Ah)."""
        return np.array([d.capacity_ah() for d in self.discharges])

    def soh(self) -> np.ndarray:
        """Capacity as a fraction of the rated capacity, per discharge."""
        return self.capacities() / self.rated_ah

    def check(self) -> Cell:
        """Refuse a cell without discharges or with a bad record; returns self."""
        if not self.discharges:
            raise DataError(f"cell {self.cell_id}: no discharge cycles found; a cell needs at least one discharge",
                            file=self.source or None)
        for d in self.discharges:
            if len(d.time) < 2:
                raise DataError(f"cell {self.cell_id}, discharge {d.index}: {len(d.time)} sample(s); a discharge "
                                "needs at least two", file=self.source or None, row=None, column="Time")
        return self
