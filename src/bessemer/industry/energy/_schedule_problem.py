"""Scheduling inputs: :class:`Job` and :class:`SchedulingProblem`, and the checks that make a bad one fail early.

Everything is checked when it is built: names, units and ranges, unknown machines, crews and
predecessors, windows too short for their job, a base load above the power limit, and
precedence cycles, each with the row and field it comes from.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from bessemer.core import DataError, NotFoundError

#: length of one slot; prices, profiles and loads are per slot
SLOT = pd.Timedelta(minutes=15)
#: kW = kWh in one slot x this
KW_PER_KWH = 4.0
_MAX_SLOTS = 366 * 96  # one year of slots: longer horizons are a mistake, not a schedule
_MAX_PRICE = 10_000.0  # won/kWh; KEPCO energy charges are ~60-260 won/kWh, won/MWh would be ~1000x
_MAX_KWH_SLOT = 1.0e6  # kWh per slot (4 GW); more is a unit mistake (Wh?)
_MAX_KW = 1.0e8  # 100 GW
_MAX_RATE = 1.0e6  # won/kW per month
_MAX_NAME = 200


class ScheduleInfeasibleError(DataError):
    """No schedule meets every constraint; ``constraint`` names the family that breaks it.

    ``constraint`` is one of ``"window"``, ``"crew"``, ``"power"``, ``"precedence"``,
    ``"machines"`` or ``"combined"`` (only several families together).
    """

    def __init__(self, message: str, *, constraint: str, column: str | None = None, row: int | None = None) -> None:
        super().__init__(message, column=column, row=row)
        self.constraint = constraint


def _check_name(value: Any, what: str, *, row: int | None = None) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DataError(f"{what} must be a non-empty string, got {value!r}", row=row, column=what)
    if len(value) > _MAX_NAME or not value.isprintable():
        raise DataError(
            f"{what} must be at most {_MAX_NAME} printable characters (no control characters), got {value[:60]!r}; "
            "rename it",
            row=row,
            column=what,
        )
    return value


def _float_array(values: Any, name: str, n: int | None, *, lo: float, hi: float, unit: str) -> np.ndarray:
    try:
        arr = np.array(values, dtype=float).reshape(-1) if not np.isscalar(values) else None
    except (TypeError, ValueError) as err:
        raise DataError(f"{name} must be numbers ({unit}), got {str(values)[:80]!r}", column=name) from err
    if arr is None:
        raise DataError(f"{name} must be a sequence of numbers ({unit}), one per slot, got {values!r}", column=name)
    if n is not None and arr.size != n:
        raise DataError(f"{name} must have one value per slot ({n}), got {arr.size}; cut or pad it", column=name)
    bad = np.flatnonzero(~np.isfinite(arr) | (arr < lo) | (arr > hi))
    if bad.size:
        i = int(bad[0])
        raise DataError(
            f"{name} must be finite and within [{lo:g}, {hi:g}] {unit}, got {arr[i]!r} at slot {i}"
            + ("; check the unit" if np.isfinite(arr[i]) else "; fill the gap"),
            row=i + 1,
            column=name,
        )
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False, kw_only=True)
class Job:
    """A flexible job: one run of an energy profile on one machine.

    Parameters
    ----------
    id : str
        Unique name (printable, at most 200 characters).
    profile_kwh : sequence of float
        Energy per 15-minute slot from the start (kWh, >= 0); its length is the run time.
        Zero slots (charging, tapping) still occupy the machine.
    machine_group : str, optional
        Run on any machine of this group. Give this or ``machines``.
    machines : sequence of str, optional
        Run on one of these named machines.
    release : int or timestamp
        Earliest start: slot index, or a time (rounded up to the next slot).
    due : int or timestamp, optional
        Latest end (exclusive slot index, or a time rounded down); default the horizon's end.
        A time after the horizon is read as the horizon's end.
    predecessors : sequence of str
        Jobs that must end (plus their ``min_gap_after``) before this one starts.
    crew : str, optional
        Crew that must be on shift for every slot of the run.
    min_gap_after : int
        Slots that must pass after this job ends before any successor starts.
    tonnes : float, optional
        Product made (for kWh/t reports only).

    Examples
    --------
    >>> Job(id="heat-1", profile_kwh=[8000, 16000, 6000], machine_group="eaf").duration
    3
    """

    id: str
    profile_kwh: Sequence[float] | np.ndarray
    machine_group: str | None = None
    machines: Sequence[str] | None = None
    release: int | pd.Timestamp | datetime | str = 0
    due: int | pd.Timestamp | datetime | str | None = None
    predecessors: Sequence[str] = ()
    crew: str | None = None
    min_gap_after: int = 0
    tonnes: float | None = None

    def __post_init__(self) -> None:
        _check_name(self.id, "id")
        where = f"job {self.id!r}: "
        prof = _float_array(self.profile_kwh, "profile_kwh", None, lo=0.0, hi=_MAX_KWH_SLOT, unit="kWh per slot")
        if prof.size == 0 or prof.size > _MAX_SLOTS:
            raise DataError(where + f"profile_kwh needs 1 to {_MAX_SLOTS} slots, got {prof.size}", column="profile_kwh")
        object.__setattr__(self, "profile_kwh", prof)
        if (self.machine_group is None) == (self.machines is None):
            raise DataError(
                where + "give exactly one of machine_group (any machine of a group) or machines (named ones)",
                column="machine_group",
            )
        if self.machine_group is not None:
            _check_name(self.machine_group, "machine_group")
        else:
            if isinstance(self.machines, str):
                object.__setattr__(self, "machines", (self.machines,))
            ms = tuple(_check_name(m, "machines") for m in self.machines)  # type: ignore[union-attr]
            if not ms or len(set(ms)) != len(ms):
                raise DataError(where + f"machines must be distinct names, got {ms!r}", column="machines")
            object.__setattr__(self, "machines", ms)
        preds = (self.predecessors,) if isinstance(self.predecessors, str) else tuple(self.predecessors)
        for p in preds:
            _check_name(p, "predecessors")
        if self.id in preds:
            raise DataError(where + "a job cannot be its own predecessor", column="predecessors")
        object.__setattr__(self, "predecessors", preds)
        if self.crew is not None:
            _check_name(self.crew, "crew")
        if isinstance(self.min_gap_after, bool) or not isinstance(self.min_gap_after, int | np.integer):
            raise DataError(where + f"min_gap_after must be a whole number of slots, got {self.min_gap_after!r}",
                            column="min_gap_after")
        if not 0 <= self.min_gap_after <= _MAX_SLOTS:
            raise DataError(where + f"min_gap_after must be in [0, {_MAX_SLOTS}] slots, got {self.min_gap_after}",
                            column="min_gap_after")
        if self.tonnes is not None and not (math.isfinite(self.tonnes) and 0 < self.tonnes < 1e6):
            raise DataError(where + f"tonnes must be positive and finite, got {self.tonnes!r}", column="tonnes")

    @property
    def duration(self) -> int:
        """Run time in slots."""
        return int(len(self.profile_kwh))

    @property
    def energy_kwh(self) -> float:
        """Total energy of one run (kWh)."""
        return float(np.sum(self.profile_kwh))


def _to_timestamp(value: Any, name: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as err:
        raise DataError(f"{name} must be a time, got {value!r}", column=name) from err
    if ts is pd.NaT or ts.tzinfo is None:
        raise DataError(f"{name} must be timezone-aware (e.g. '2026-08-03T00:00+09:00'), got {value!r}", column=name)
    return ts


@dataclass(frozen=True, eq=False, kw_only=True)
class SchedulingProblem:
    """Jobs to place on a horizon of 15-minute slots, with prices, a power limit and resources.

    Parameters
    ----------
    start : timestamp
        Start of slot 0, timezone-aware.
    n_slots : int
        Horizon length in 15-minute slots.
    price_won_per_kwh : array
        Energy price of every slot (won/kWh), e.g. a KEPCO tariff's unit cost per time band.
    demand_rate_won_per_kw : float
        Demand charge (won/kW per month) on the month's peak 15-minute demand.
    existing_peak_kw : float
        Peak already set this month; only demand above it costs.
    base_load_kw : array, optional
        The rest of the plant's load in every slot (kW); default zero.
    power_limit_kw : float, optional
        Plant limit on base load plus jobs in every slot (kW); default none.
    machines : dict
        Group -> number of identical machines (named ``group-1``, ``group-2``, ...) or list of names.
    crews : dict
        Crew -> bool per slot, True when on shift.
    jobs : sequence of Job

    Examples
    --------
    >>> p = SchedulingProblem(start="2026-08-03T00:00+09:00", n_slots=4, price_won_per_kwh=[2, 1, 1, 2],
    ...     demand_rate_won_per_kw=0.0, machines={"m": 1},
    ...     jobs=[Job(id="a", profile_kwh=[10, 10], machine_group="m")])
    >>> p.window("a")
    (0, 4)
    """

    start: pd.Timestamp | datetime | str
    n_slots: int
    price_won_per_kwh: Sequence[float] | np.ndarray
    demand_rate_won_per_kw: float
    existing_peak_kw: float = 0.0
    base_load_kw: Sequence[float] | np.ndarray | None = None
    power_limit_kw: float | None = None
    machines: Mapping[str, int | Sequence[str]] = field(default_factory=dict)
    crews: Mapping[str, Sequence[bool] | np.ndarray] = field(default_factory=dict)
    jobs: Sequence[Job] = ()
    # resolved in __post_init__
    _groups: dict[str, tuple[str, ...]] = field(init=False, repr=False)
    _machine_group: dict[str, str] = field(init=False, repr=False)
    _index: dict[str, int] = field(init=False, repr=False)
    _release: np.ndarray = field(init=False, repr=False)
    _due: np.ndarray = field(init=False, repr=False)
    _eligible: list[tuple[str, ...]] = field(init=False, repr=False)
    _preds: list[tuple[int, ...]] = field(init=False, repr=False)
    _order: list[int] = field(init=False, repr=False)
    _pooled: set[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        start = _to_timestamp(self.start, "start")
        object.__setattr__(self, "start", start)
        n = self.n_slots
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or not 1 <= n <= _MAX_SLOTS:
            raise DataError(f"n_slots must be a whole number in [1, {_MAX_SLOTS}], got {n!r}", column="n_slots")
        n = int(n)
        object.__setattr__(self, "n_slots", n)
        price = _float_array(self.price_won_per_kwh, "price_won_per_kwh", n, lo=-_MAX_PRICE, hi=_MAX_PRICE,
                             unit="won/kWh")
        object.__setattr__(self, "price_won_per_kwh", price)
        object.__setattr__(self, "demand_rate_won_per_kw",
                           _scalar(self.demand_rate_won_per_kw, "demand_rate_won_per_kw", 0.0, _MAX_RATE, "won/kW"))
        object.__setattr__(self, "existing_peak_kw",
                           _scalar(self.existing_peak_kw, "existing_peak_kw", 0.0, _MAX_KW, "kW"))
        base = np.zeros(n) if self.base_load_kw is None else self.base_load_kw
        base = _float_array(base, "base_load_kw", n, lo=0.0, hi=_MAX_KW, unit="kW")
        object.__setattr__(self, "base_load_kw", base)
        limit = math.inf if self.power_limit_kw is None else _scalar(
            self.power_limit_kw, "power_limit_kw", 1e-9, _MAX_KW, "kW")
        object.__setattr__(self, "power_limit_kw", limit)
        over = np.flatnonzero(base > limit)
        if over.size:
            t = int(over[0])
            raise ScheduleInfeasibleError(
                f"the base load alone ({base[t]:,.0f} kW) exceeds the power limit ({limit:,.0f} kW) at slot {t} "
                f"({self.times[t]}); raise power_limit_kw or correct base_load_kw",
                constraint="power", column="base_load_kw", row=t + 1)
        self._init_machines()
        self._init_crews()
        self._init_jobs()

    # ------------------------------------------------------------------ validation helpers
    def _init_machines(self) -> None:
        if not isinstance(self.machines, Mapping) or not self.machines:
            raise DataError(f"machines must map group -> count or names, got {self.machines!r}", column="machines")
        groups: dict[str, tuple[str, ...]] = {}
        seen: set[str] = set()
        for g, spec in self.machines.items():
            _check_name(g, "machines")
            if isinstance(spec, bool | str):
                names: tuple[str, ...] = ()
            elif isinstance(spec, int | np.integer):
                if not 1 <= spec <= 1000:
                    raise DataError(f"machine group {g!r}: count must be in [1, 1000], got {spec}", column="machines")
                names = tuple(f"{g}-{i + 1}" for i in range(int(spec)))
            else:
                names = tuple(_check_name(m, "machines") for m in spec)
            if not names:
                raise DataError(f"machine group {g!r}: give a count or a list of machine names, got {spec!r}",
                                column="machines")
            dup = (set(names) & seen) | {m for m in names if names.count(m) > 1}
            if dup:
                raise DataError(f"machine names must be unique across groups; {sorted(dup)!r} repeat",
                                column="machines")
            seen.update(names)
            groups[g] = names
        object.__setattr__(self, "machines", dict(self.machines))
        object.__setattr__(self, "_groups", groups)
        object.__setattr__(self, "_machine_group", {m: g for g, ms in groups.items() for m in ms})

    def _init_crews(self) -> None:
        if not isinstance(self.crews, Mapping):
            raise DataError(f"crews must map crew -> on-shift flag per slot, got {type(self.crews).__name__}",
                            column="crews")
        crews: dict[str, np.ndarray] = {}
        for c, on in self.crews.items():
            _check_name(c, "crews")
            arr = np.asarray(on)
            if arr.dtype != bool:
                try:
                    f = arr.astype(float)
                except (TypeError, ValueError) as err:
                    raise DataError(f"crew {c!r}: on-shift flags must be booleans, got {arr.dtype}",
                                    column="crews") from err
                if not np.all(np.isin(f, (0.0, 1.0))):
                    bad = int(np.flatnonzero(~np.isin(f, (0.0, 1.0)))[0])
                    raise DataError(f"crew {c!r}: on-shift flags must be True/False (or 1/0), got {arr[bad]!r} "
                                    f"at slot {bad}", column="crews", row=bad + 1)
                arr = f.astype(bool)
            if arr.shape != (self.n_slots,):
                raise DataError(f"crew {c!r}: need one on-shift flag per slot ({self.n_slots}), got shape {arr.shape}",
                                column="crews")
            arr = arr.copy()
            arr.setflags(write=False)
            crews[c] = arr
        object.__setattr__(self, "crews", crews)

    def _init_jobs(self) -> None:
        jobs = tuple(self.jobs)
        if not jobs:
            raise DataError("jobs is empty: give at least one Job to schedule", column="jobs")
        index: dict[str, int] = {}
        release = np.zeros(len(jobs), dtype=int)
        due = np.zeros(len(jobs), dtype=int)
        eligible: list[tuple[str, ...]] = []
        groups: dict[str, tuple[str, ...]] = self._groups
        for i, job in enumerate(jobs):
            row = i + 1
            if not isinstance(job, Job):
                raise DataError(f"jobs must be Job objects, got {type(job).__name__}", row=row, column="jobs")
            if job.id in index:
                raise DataError(f"job id {job.id!r} appears twice (rows {index[job.id] + 1} and {row}); "
                                "give each job a unique id", row=row, column="id")
            index[job.id] = i
            if job.machine_group is not None:
                if job.machine_group not in groups:
                    raise DataError(f"job {job.id!r}: unknown machine group {job.machine_group!r}; "
                                    f"known: {sorted(groups)!r}", row=row, column="machine_group")
                eligible.append(groups[job.machine_group])
            else:
                unknown = [m for m in job.machines if m not in self._machine_group]  # type: ignore[union-attr]
                if unknown:
                    raise DataError(f"job {job.id!r}: unknown machines {unknown!r}; known: "
                                    f"{sorted(self._machine_group)!r}", row=row, column="machines")
                eligible.append(tuple(job.machines))  # type: ignore[arg-type]
            if job.crew is not None and job.crew not in self.crews:
                raise DataError(f"job {job.id!r}: unknown crew {job.crew!r}; known: {sorted(self.crews)!r}",
                                row=row, column="crew")
            release[i] = self._slot(job.release, job, row, "release", up=True)
            due[i] = self.n_slots if job.due is None else self._slot(job.due, job, row, "due", up=False)
            if release[i] >= self.n_slots:
                raise DataError(f"job {job.id!r}: release (slot {release[i]}) is at or after the horizon's end "
                                f"(slot {self.n_slots}); extend n_slots or drop the job", row=row, column="release")
            if due[i] <= release[i]:
                raise DataError(f"job {job.id!r}: due (slot {due[i]}) must come after release (slot {release[i]})",
                                row=row, column="due")
            if due[i] - release[i] < job.duration:
                raise ScheduleInfeasibleError(
                    f"job {job.id!r}: its profile lasts {job.duration} slots but its window from release (slot "
                    f"{release[i]}) to due (slot {due[i]}) holds only {due[i] - release[i]}; widen the window",
                    constraint="window", row=row, column="due")
        for i, job in enumerate(jobs):
            for p in job.predecessors:
                if p not in index:
                    raise DataError(f"job {job.id!r}: unknown predecessor {p!r}", row=i + 1, column="predecessors")
        preds = [tuple(index[p] for p in job.predecessors) for job in jobs]
        order = _topological(preds, [j.id for j in jobs])
        # groups where some job names machines get one variable per machine; the others are pooled
        named = {self._machine_group[m] for j in jobs if j.machines for m in j.machines}
        for arr in (release, due):
            arr.setflags(write=False)
        object.__setattr__(self, "jobs", jobs)
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_release", release)
        object.__setattr__(self, "_due", due)
        object.__setattr__(self, "_eligible", eligible)
        object.__setattr__(self, "_preds", preds)
        object.__setattr__(self, "_order", order)
        object.__setattr__(self, "_pooled", {g for g in groups if g not in named})

    def _slot(self, value: Any, job: Job, row: int, name: str, *, up: bool) -> int:
        if isinstance(value, bool):
            raise DataError(f"job {job.id!r}: {name} must be a slot index or a time, got {value!r}",
                            row=row, column=name)
        if isinstance(value, int | np.integer):
            if not 0 <= value <= self.n_slots:
                raise DataError(f"job {job.id!r}: {name} slot must be in [0, {self.n_slots}], got {value}",
                                row=row, column=name)
            return int(value)
        ts = _to_timestamp(value, name)
        k = (ts - self.start) / SLOT
        k = math.ceil(k - 1e-9) if up else math.floor(k + 1e-9)
        return int(min(max(k, 0), self.n_slots))

    # ------------------------------------------------------------------ public helpers
    @property
    def times(self) -> pd.DatetimeIndex:
        """Start time of every slot."""
        return pd.date_range(self.start, periods=self.n_slots, freq=SLOT)

    def window(self, job_id: str) -> tuple[int, int]:
        """(release slot, due slot) of a job after rounding to slots; due is exclusive."""
        i = self._job(job_id)
        return int(self._release[i]), int(self._due[i])

    def machines_of(self, job_id: str) -> tuple[str, ...]:
        """Names of the machines a job may run on."""
        return self._eligible[self._job(job_id)]

    def _job(self, job_id: str) -> int:
        try:
            return self._index[job_id]
        except KeyError:
            raise NotFoundError(f"unknown job {job_id!r}; the problem has {len(self._index)} jobs") from None


def _scalar(value: Any, name: str, lo: float, hi: float, unit: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError) as err:
        raise DataError(f"{name} must be a number ({unit}), got {value!r}", column=name) from err
    if not (math.isfinite(v) and lo <= v <= hi):
        raise DataError(f"{name} must be finite and within [{lo:g}, {hi:g}] {unit}, got {value!r}; check the unit",
                        column=name)
    return v


def _topological(preds: list[tuple[int, ...]], ids: list[str]) -> list[int]:
    """Jobs in an order where predecessors come first; a cycle is an error that names it."""
    state = [0] * len(preds)  # 0 new, 1 on the path, 2 done
    order: list[int] = []
    for root in range(len(preds)):
        if state[root]:
            continue
        stack: list[tuple[int, int]] = [(root, 0)]
        path: list[int] = []
        while stack:
            node, k = stack.pop()
            if k == 0:
                state[node] = 1
                path.append(node)
            if k < len(preds[node]):
                stack.append((node, k + 1))
                nxt = preds[node][k]
                if state[nxt] == 1:
                    cyc = [ids[v] for v in path[path.index(nxt):]] + [ids[nxt]]
                    raise ScheduleInfeasibleError(
                        "precedence has a cycle: " + " needs ".join(repr(c) for c in cyc) + "; remove one link",
                        constraint="precedence", column="predecessors", row=node + 1)
                if state[nxt] == 0:
                    stack.append((nxt, 0))
            else:
                state[node] = 2
                path.pop()
                order.append(node)
    return order
