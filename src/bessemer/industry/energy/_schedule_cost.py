"""Schedules as results: jobs placed on machines and slots, their cost, and the check of every rule.

:func:`evaluate` costs and checks any schedule and :func:`saving` compares two; the as-is rule
and the MILP build their :class:`Schedule` here too. The base load's energy is a constant that
no schedule changes: :attr:`Schedule.energy_cost_won` includes it, :attr:`Schedule.jobs_cost_won`
leaves it out. The demand charge is this month's increase only: ``rate * max(0, peak - existing_peak)``.
"""

from __future__ import annotations

import math
import time as _time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from bessemer.core import DataError

from ._schedule_problem import KW_PER_KWH, SLOT, Job, ScheduleInfeasibleError, SchedulingProblem, _to_timestamp


@dataclass(frozen=True)
class Assignment:
    """One job placed: machine, start and end slot (end exclusive) and times, energy and its cost."""

    job: str
    machine: str
    start_slot: int
    end_slot: int
    start: pd.Timestamp
    end: pd.Timestamp
    kwh: float
    cost_won: float


@dataclass(frozen=True, eq=False)
class Schedule:
    """A costed schedule.

    Attributes
    ----------
    assignments : tuple of Assignment
        Sorted by start slot, then job id.
    times : DatetimeIndex
        Start of every slot.
    load_kw, job_load_kw : ndarray
        Plant load (base + jobs) and the jobs' load in every slot (kW, 15-minute mean).
    energy_cost_won : float
        Energy of base load and jobs at each slot's price.
    demand_cost_won : float
        ``demand_rate * max(0, peak_kw - existing_peak_kw)``.
    total_cost_won : float
        Energy plus demand cost.
    jobs_cost_won : float
        The part a schedule can change: jobs' energy plus demand cost.
    peak_kw : float
        Highest 15-minute plant load in the horizon.
    status : str
        ``"optimal"``, ``"time_limit"``, ``"interrupted"`` (solver), ``"feasible"`` (as-is or evaluated)
        or ``"infeasible"`` (evaluated with ``strict=False``).
    objective, best_bound, mip_gap : float
        HiGHS's objective (jobs' cost, without the constant base-load energy), its proven lower
        bound and relative gap; ``objective = jobs_cost_won`` and NaN bound/gap outside the solver.
    solve_s : float
        Wall time spent.
    method : str
        ``"milp"``, ``"as_is"`` or ``"evaluate"``.
    violations : tuple of str
        Broken constraints (only from :func:`evaluate` with ``strict=False``).
    """

    assignments: tuple[Assignment, ...]
    times: pd.DatetimeIndex
    load_kw: np.ndarray
    job_load_kw: np.ndarray
    energy_cost_won: float
    demand_cost_won: float
    total_cost_won: float
    jobs_cost_won: float
    peak_kw: float
    status: str
    objective: float
    best_bound: float
    mip_gap: float
    solve_s: float
    method: str
    violations: tuple[str, ...] = ()

    @property
    def starts(self) -> dict[str, tuple[str, int]]:
        """Job id -> (machine, start slot); :func:`evaluate` accepts it back."""
        return {a.job: (a.machine, a.start_slot) for a in self.assignments}

    def to_records(self) -> list[dict[str, Any]]:
        """One dict per job for a Gantt chart: job, machine, start/end (ISO 8601), kwh, cost_won.

        Examples
        --------
        >>> p = SchedulingProblem(start="2026-08-03T00:00+09:00", n_slots=4, price_won_per_kwh=[2, 1, 1, 2],
        ...     demand_rate_won_per_kw=0.0, machines={"m": 1},
        ...     jobs=[Job(id="a", profile_kwh=[10, 10], machine_group="m")])
        >>> evaluate(p, {"a": 0}).to_records()[0]["end"]
        '2026-08-03T00:30:00+09:00'
        """
        return [
            {"job": a.job, "machine": a.machine, "start": a.start.isoformat(), "end": a.end.isoformat(),
             "kwh": a.kwh, "cost_won": a.cost_won}
            for a in self.assignments
        ]

    def summary(self) -> dict[str, Any]:
        """Scalars of the schedule as a JSON-friendly dict."""
        return {k: getattr(self, k) for k in (
            "energy_cost_won", "demand_cost_won", "total_cost_won", "jobs_cost_won", "peak_kw", "status",
            "objective", "best_bound", "mip_gap", "solve_s", "method")}


def saving(baseline: Schedule, proposed: Schedule) -> dict[str, float]:
    """What ``proposed`` saves against ``baseline`` (usually the as-is schedule).

    Returns ``saving_won`` (total cost), ``saving_pct`` (of the baseline's total cost, base-load
    energy included), ``saving_pct_of_jobs`` (of the baseline's jobs cost: the part a schedule
    can change), ``energy_saving_won`` and ``demand_saving_won``.

    Examples
    --------
    >>> p = SchedulingProblem(start="2026-08-03T00:00+09:00", n_slots=4, price_won_per_kwh=[2, 1, 1, 2],
    ...     demand_rate_won_per_kw=0.0, machines={"m": 1},
    ...     jobs=[Job(id="a", profile_kwh=[10, 10], machine_group="m")])
    >>> saving(evaluate(p, {"a": 0}), evaluate(p, {"a": 1}))["saving_won"]
    10.0
    """
    won = baseline.total_cost_won - proposed.total_cost_won
    return {
        "saving_won": won,
        "saving_pct": 100.0 * won / baseline.total_cost_won if baseline.total_cost_won else math.nan,
        "saving_pct_of_jobs": 100.0 * won / baseline.jobs_cost_won if baseline.jobs_cost_won else math.nan,
        "energy_saving_won": baseline.energy_cost_won - proposed.energy_cost_won,
        "demand_saving_won": baseline.demand_cost_won - proposed.demand_cost_won,
    }


# ----------------------------------------------------------------------------------------------- costing
def _build(problem: SchedulingProblem, starts: np.ndarray, machine: list[str], *, status: str, method: str,
           objective: float | None = None, best_bound: float = math.nan, mip_gap: float = math.nan,
           solve_s: float = 0.0, violations: tuple[str, ...] = ()) -> Schedule:
    price = problem.price_won_per_kwh
    times = problem.times
    job_kwh = np.zeros(problem.n_slots)
    rows = []
    for i, job in enumerate(problem.jobs):
        s = int(starts[i])
        e = s + job.duration
        # a start evaluated with strict=False may run past the horizon: cost only what lies inside
        lo, prof = _inside(job, s, problem.n_slots)
        job_kwh[lo:lo + prof.size] += prof
        cost = float(np.dot(prof, price[lo:lo + prof.size]))
        rows.append(Assignment(job.id, machine[i], s, e, problem.start + s * SLOT, problem.start + e * SLOT,
                               job.energy_kwh, cost))
    rows.sort(key=lambda a: (a.start_slot, a.job))
    base = problem.base_load_kw
    job_kw = job_kwh * KW_PER_KWH
    load = base + job_kw
    energy = float(np.dot(price, base / KW_PER_KWH + job_kwh))
    jobs_energy = float(np.dot(price, job_kwh))
    peak = float(load.max())
    demand = problem.demand_rate_won_per_kw * max(0.0, peak - problem.existing_peak_kw)
    jobs_cost = jobs_energy + demand
    for arr in (load, job_kw):
        arr.setflags(write=False)
    return Schedule(tuple(rows), times, load, job_kw, energy, demand, energy + demand, jobs_cost, peak, status,
                    jobs_cost if objective is None else objective, best_bound, mip_gap, solve_s, method, violations)


def _inside(job: Job, start: int, n_slots: int) -> tuple[int, np.ndarray]:
    """First slot and profile of the part of a run from ``start`` that lies inside the horizon (maybe empty)."""
    lo = max(start, 0)
    hi = max(lo, min(start + job.duration, n_slots))
    return lo, job.profile_kwh[lo - start: hi - start]


def _colour(problem: SchedulingProblem, starts: np.ndarray, fixed: dict[int, str]) -> list[str]:
    """Name a machine for every job: fixed ones kept, others by greedy interval colouring in start order."""
    busy: dict[str, list[tuple[int, int]]] = {}
    machine = [""] * len(problem.jobs)
    for i, m in fixed.items():
        machine[i] = m
        busy.setdefault(m, []).append((int(starts[i]), int(starts[i]) + problem.jobs[i].duration))
    order = sorted((i for i in range(len(problem.jobs)) if i not in fixed),
                   key=lambda i: (int(starts[i]), problem.jobs[i].id))
    for i in order:
        s, e = int(starts[i]), int(starts[i]) + problem.jobs[i].duration
        for m in problem._eligible[i]:
            if all(e <= a or b <= s for a, b in busy.get(m, ())):
                machine[i] = m
                busy.setdefault(m, []).append((s, e))
                break
        else:  # no free machine: take the first, and the overlap is reported by _violations
            machine[i] = problem._eligible[i][0]
            busy.setdefault(machine[i], []).append((s, e))
    return machine


def evaluate(problem: SchedulingProblem, starts: Mapping[str, Any], *, strict: bool = True) -> Schedule:
    """Cost a given schedule and check that it keeps every constraint.

    Parameters
    ----------
    problem : SchedulingProblem
    starts : mapping
        Job id -> start (slot index or time on a slot boundary), or -> ``(machine, start)``.
        Jobs without a machine get one by greedy interval colouring.
    strict : bool
        Raise :class:`ScheduleInfeasibleError` on the first broken constraints (default); otherwise
        return the costed schedule with ``status="infeasible"`` and the list in ``violations``.

    Examples
    --------
    >>> p = SchedulingProblem(start="2026-08-03T00:00+09:00", n_slots=4, price_won_per_kwh=[2, 1, 1, 2],
    ...     demand_rate_won_per_kw=0.0, machines={"m": 1},
    ...     jobs=[Job(id="a", profile_kwh=[10, 10], machine_group="m")])
    >>> evaluate(p, {"a": 1}).total_cost_won
    20.0
    """
    t0 = _time.perf_counter()
    if not isinstance(starts, Mapping):
        raise DataError(f"starts must map job id -> start slot or (machine, start), got {type(starts).__name__}",
                        column="starts")
    unknown = [k for k in starts if k not in problem._index]
    if unknown:
        raise DataError(f"starts names unknown jobs {unknown[:5]!r}", column="starts")
    missing = [j.id for j in problem.jobs if j.id not in starts]
    if missing:
        raise DataError(f"starts lacks {len(missing)} jobs, e.g. {missing[:5]!r}; give every job a start",
                        column="starts")
    n = len(problem.jobs)
    s_arr = np.zeros(n, dtype=int)
    fixed: dict[int, str] = {}
    for i, job in enumerate(problem.jobs):
        value = starts[job.id]
        if isinstance(value, tuple | list) and len(value) == 2:
            m, value = value
            if m not in problem._eligible[i]:
                raise DataError(f"job {job.id!r} cannot run on machine {m!r}; it may use "
                                f"{list(problem._eligible[i])!r}", row=i + 1, column="machine")
            fixed[i] = m
        s_arr[i] = _start_slot(problem, value, job)
    machine = _colour(problem, s_arr, fixed)
    found = _violations(problem, s_arr, machine, fixed=set(fixed))
    issues = [msg for _, msg in found]
    if issues and strict:
        more = f" (and {len(issues) - 5} more)" if len(issues) > 5 else ""
        raise ScheduleInfeasibleError("the schedule breaks constraints: " + "; ".join(issues[:5]) + more,
                                      constraint=found[0][0])
    return _build(problem, s_arr, machine, status="infeasible" if issues else "feasible", method="evaluate",
                  solve_s=_time.perf_counter() - t0, violations=tuple(issues))


def _start_slot(problem: SchedulingProblem, value: Any, job: Job) -> int:
    if isinstance(value, bool):
        raise DataError(f"job {job.id!r}: start must be a slot index or a time, got {value!r}", column="start")
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    ts = _to_timestamp(value, "start")
    k = (ts - problem.start) / SLOT
    if abs(k - round(k)) > 1e-9:
        raise DataError(f"job {job.id!r}: start {ts} is not on a 15-minute slot boundary from {problem.start}",
                        column="start")
    return int(round(k))


def _violations(problem: SchedulingProblem, starts: np.ndarray, machine: list[str], *,
                fixed: set[int] | None = None) -> list[tuple[str, str]]:
    """Every broken constraint as (family, message)."""
    out: list[tuple[str, str]] = []
    n_slots = problem.n_slots
    rel, due = problem._release, problem._due
    jobs = problem.jobs
    for i, job in enumerate(jobs):
        s, e = int(starts[i]), int(starts[i]) + job.duration
        if s < 0 or e > n_slots:
            out.append(("window", f"job {job.id!r} runs in slots {s}-{e}, outside the horizon 0-{n_slots}"))
            continue
        if s < rel[i] or e > due[i]:
            out.append(("window", f"job {job.id!r} runs in slots {s}-{e}, outside its window {rel[i]}-{due[i]}"))
        if job.crew is not None and not problem.crews[job.crew][s:e].all():
            off = s + int(np.flatnonzero(~problem.crews[job.crew][s:e])[0])
            out.append(("crew", f"job {job.id!r} needs crew {job.crew!r}, off shift at slot {off}"))
        for p in problem._preds[i]:
            need = int(starts[p]) + jobs[p].duration + jobs[p].min_gap_after
            if s < need:
                out.append(("precedence", f"job {job.id!r} starts at slot {s}, before its predecessor "
                                          f"{jobs[p].id!r} ends plus gap (slot {need})"))
    by_machine: dict[str, list[int]] = {}
    for i, m in enumerate(machine):
        by_machine.setdefault(m, []).append(i)
    for m, idx in by_machine.items():
        idx.sort(key=lambda i: (int(starts[i]), jobs[i].id))
        last = idx[0]  # the job that ends latest so far
        for b in idx[1:]:
            end_last = int(starts[last]) + jobs[last].duration
            if int(starts[b]) < end_last:
                hint = "" if fixed is None or {last, b} <= fixed else " (no free machine; give (machine, start))"
                out.append(("machines", f"jobs {jobs[last].id!r} (slots {int(starts[last])}-{end_last}) and "
                                        f"{jobs[b].id!r} (from slot {int(starts[b])}) overlap on machine {m!r}{hint}"))
            if int(starts[b]) + jobs[b].duration > end_last:
                last = b
    if math.isfinite(problem.power_limit_kw):  # type: ignore[arg-type]
        load = problem.base_load_kw.copy()  # type: ignore[union-attr]
        for i, job in enumerate(jobs):
            lo, prof = _inside(job, int(starts[i]), n_slots)
            load[lo:lo + prof.size] += KW_PER_KWH * prof
        over = np.flatnonzero(load > problem.power_limit_kw * (1 + 1e-9) + 1e-6)  # type: ignore[operator]
        if over.size:
            t = int(over[0])
            out.append(("power", f"plant load {load[t]:,.0f} kW exceeds the power limit "
                                 f"{problem.power_limit_kw:,.0f} kW at slot {t} ({over.size} slots in all)"))
    return out
