"""The as-is baseline: each job at its earliest feasible start, and the feasible starts it picks from.

:func:`_candidates` narrows every job's starts to those that fit its window, keep its crew on
shift and keep the plant under the power limit with the job alone, then propagates precedence
along the chains; the MILP gets one variable per remaining start.
"""

from __future__ import annotations

import math
import time as _time

import numpy as np

from ._schedule_cost import Schedule, _build
from ._schedule_problem import KW_PER_KWH, ScheduleInfeasibleError, SchedulingProblem


def _candidates(problem: SchedulingProblem) -> list[np.ndarray]:
    """Feasible start slots of every job; an empty set is explained by the family that empties it."""
    n = problem.n_slots
    base = problem.base_load_kw
    limit = problem.power_limit_kw
    rel, due = problem._release, problem._due
    cands: list[np.ndarray] = []
    for i, job in enumerate(problem.jobs):
        d = job.duration
        s = np.arange(rel[i], due[i] - d + 1)
        if job.crew is not None:
            on = problem.crews[job.crew].astype(int)
            run = np.concatenate([[0], np.cumsum(on)])  # on-shift slots in [s, s+d) = run[s+d] - run[s]
            s = s[(run[s + d] - run[s]) == d]
            if s.size == 0:
                raise ScheduleInfeasibleError(
                    f"job {job.id!r}: crew {job.crew!r} is never on shift for {d} consecutive slots between release "
                    f"(slot {rel[i]}) and due (slot {due[i]}); widen the window or the shift",
                    constraint="crew", row=i + 1, column="crew")
        if math.isfinite(limit):  # type: ignore[arg-type]
            kw = KW_PER_KWH * job.profile_kwh
            ok = np.array([np.all(base[t:t + d] + kw <= limit + 1e-6) for t in s], dtype=bool)  # type: ignore[index]
            if not ok.any():
                raise ScheduleInfeasibleError(
                    f"job {job.id!r}: with the base load, its peak of {kw.max():,.0f} kW breaks the power limit of "
                    f"{limit:,.0f} kW at every start in its window; raise power_limit_kw or widen the window",
                    constraint="power", row=i + 1, column="power_limit_kw")
            s = s[ok]
        cands.append(s[s + d <= n])
    # propagate precedence: earliest starts forwards, latest starts backwards
    order = problem._order
    preds = problem._preds
    jobs = problem.jobs
    lag = [j.duration + j.min_gap_after for j in jobs]
    for k in order:
        if preds[k]:
            need = max(int(cands[p][0]) + lag[p] for p in preds[k])
            cands[k] = cands[k][cands[k] >= need]
            if cands[k].size == 0:
                p = max(preds[k], key=lambda p: int(cands[p][0]) + lag[p])
                raise ScheduleInfeasibleError(
                    f"job {jobs[k].id!r} cannot start after its predecessor {jobs[p].id!r} ends plus gap (slot "
                    f"{need} at the earliest) and still meet its own window and shifts; widen its due time "
                    "or move the predecessor's release", constraint="precedence", row=k + 1, column="predecessors")
    succs = _successors(preds)
    for p in reversed(order):
        if succs[p]:
            latest = min(int(cands[k][-1]) for k in succs[p]) - lag[p]
            cands[p] = cands[p][cands[p] <= latest]
            if cands[p].size == 0:
                raise ScheduleInfeasibleError(
                    f"job {jobs[p].id!r} must end (plus gap) by slot {latest + lag[p]} for its successors "
                    f"{[jobs[k].id for k in succs[p]]!r} but cannot start that early; widen the windows",
                    constraint="precedence", row=p + 1, column="predecessors")
    return cands


def _successors(preds: list[tuple[int, ...]]) -> list[list[int]]:
    """Direct successors of every job, from its predecessors."""
    succs: list[list[int]] = [[] for _ in preds]
    for k, ps in enumerate(preds):
        for p in ps:
            succs[p].append(k)
    return succs


def as_is(problem: SchedulingProblem) -> Schedule:
    """The plant's usual practice: each job at its earliest feasible start, in release order.

    A greedy list schedule: jobs are taken by (release, position) once their predecessors are
    placed, and each goes to the first slot, and the first free machine, that keeps its window,
    crew, predecessors and the power limit given the jobs already placed. It ignores prices.

    Raises
    ------
    ScheduleInfeasibleError
        When the rule cannot place a job inside its window.

    Examples
    --------
    >>> from bessemer.industry.energy import Job
    >>> p = SchedulingProblem(start="2026-08-03T00:00+09:00", n_slots=4, price_won_per_kwh=[2, 1, 1, 2],
    ...     demand_rate_won_per_kw=0.0, machines={"m": 1},
    ...     jobs=[Job(id="a", profile_kwh=[10, 10], machine_group="m")])
    >>> as_is(p).assignments[0].start_slot
    0
    """
    t0 = _time.perf_counter()
    cands = _candidates(problem)
    jobs = problem.jobs
    n = len(jobs)
    preds = problem._preds
    rel = problem._release
    load = problem.base_load_kw.copy()  # type: ignore[union-attr]
    limit = problem.power_limit_kw
    busy: dict[str, np.ndarray] = {}
    starts = np.full(n, -1)
    machine = [""] * n
    waiting = [len(p) for p in preds]
    succs = _successors(preds)
    ready = sorted((int(rel[i]), i) for i in range(n) if waiting[i] == 0)
    while ready:
        _, i = ready.pop(0)
        job = jobs[i]
        d = job.duration
        kw = KW_PER_KWH * job.profile_kwh
        need = max((int(starts[p]) + jobs[p].duration + jobs[p].min_gap_after for p in preds[i]), default=0)
        for s in cands[i][cands[i] >= need]:
            s = int(s)
            if np.any(load[s:s + d] + kw > limit + 1e-6):  # type: ignore[operator]
                continue
            m = next((m for m in problem._eligible[i]
                      if not busy.setdefault(m, np.zeros(problem.n_slots, bool))[s:s + d].any()), None)
            if m is None:
                continue
            starts[i], machine[i] = s, m
            busy[m][s:s + d] = True
            load[s:s + d] += kw
            break
        else:
            raise ScheduleInfeasibleError(
                f"the as-is rule (earliest feasible start in release order) cannot place job {job.id!r} before its "
                f"due slot {int(problem._due[i])}: machines, crew or power are taken by earlier jobs; "
                "widen its window or check the instance", constraint="combined", row=i + 1)
        for k in succs[i]:
            waiting[k] -= 1
            if waiting[k] == 0:
                ready.append((int(rel[k]), k))
        ready.sort()
    return _build(problem, starts, machine, status="feasible", method="as_is", solve_s=_time.perf_counter() - t0)
