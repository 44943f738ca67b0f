"""The schedule of least energy plus demand-charge cost: a time-indexed MILP solved by HiGHS.

The model (one binary ``x[j, s]`` per *feasible* start ``s`` of job ``j``, see
:func:`~bessemer.industry.energy._schedule_as_is._candidates`)::

    minimise   sum_j sum_s x[j,s] * sum_k price[s+k] * kwh_j[k]  +  rate * E
    subject to sum_s x[j,s] = 1                                   every job runs once
               sum_{j,s covering t} x[j,s] <= machines in group   every group and slot
               sum_{s<=t} x[k,s] <= sum_{s<=t-d_i-gap_i} x[i,s]   successor k after predecessor i
               base[t] + 4 * load[t] <= power_limit               every slot
               base[t] + 4 * load[t] - existing_peak <= E,  E >= 0

``load[t]`` is the jobs' kWh in slot ``t``; ``4 * kWh`` is the slot's mean kW, the 15-minute
demand that the meter records. Only starts that fit the job's window, keep its crew on shift
for the whole run and keep the plant under the power limit with the job alone get a
variable; precedence windows are propagated along the chains before the model is built.

Identical machines of a group share one capacity row per slot: jobs on identical machines
form an interval graph, so at most ``c`` overlapping jobs in every slot is exactly what ``c``
machines can run, and the machines are named afterwards by greedy interval colouring. A
group that some job restricts to named machines gets one variable per (job, machine, start)
instead.

The base load's energy cost is a constant: it is left out of the solver's objective so that
the reported gap is relative to the cost the schedule can change, and added back in
:attr:`~bessemer.industry.energy._schedule_cost.Schedule.energy_cost_won`. The *demand charge*
in the objective is this month's increase only: ``rate * max(0, peak - existing_peak)``.

When HiGHS proves the model infeasible, :func:`_explain` drops one constraint family at a
time to name the one that breaks it.
"""

from __future__ import annotations

import math
import threading
import time as _time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from bessemer.core import ConfigError, ModelError

from ._schedule_as_is import _candidates, as_is
from ._schedule_cost import Schedule, _build, _colour, _violations
from ._schedule_problem import KW_PER_KWH, ScheduleInfeasibleError, SchedulingProblem

_SOLVER_LOCK = threading.Lock()  # HiGHS keeps one thread pool per process


@dataclass
class _Model:
    cost: np.ndarray
    col_job: np.ndarray
    col_start: np.ndarray
    col_machine: list[str | None]
    n_x: int
    mat: sparse.csc_matrix
    row_lo: np.ndarray
    row_hi: np.ndarray
    families: np.ndarray  # family code of each row
    cost_scale: float  # solver objective = won x cost_scale
    kw_scale: float  # power and demand rows, and E, are in kW x kw_scale


_FAMILIES = ("assign", "machines", "precedence", "power", "demand")


def _model(problem: SchedulingProblem, cands: list[np.ndarray], *, drop: tuple[str, ...] = ()) -> _Model:
    jobs = problem.jobs
    n_slots = problem.n_slots
    price = problem.price_won_per_kwh
    pooled = problem._pooled
    col_job: list[int] = []
    col_start: list[int] = []
    col_machine: list[str | None] = []
    for i, job in enumerate(jobs):
        group = job.machine_group
        options: list[str | None] = [None] if group is not None and group in pooled else list(
            problem._eligible[i])
        for m in options:
            col_job.extend([i] * cands[i].size)
            col_start.extend(cands[i].tolist())
            col_machine.extend([m] * cands[i].size)
    cj = np.asarray(col_job, dtype=int)
    cs = np.asarray(col_start, dtype=int)
    n_x = cj.size
    e_col = n_x  # demand excess above the existing peak (kW)
    dur = np.array([j.duration for j in jobs])
    cost = np.zeros(n_x + 1)
    for i, job in enumerate(jobs):
        sel = np.flatnonzero(cj == i)
        # energy cost of a start s: sum_k price[s+k] * kwh[k]
        c = np.correlate(price, job.profile_kwh, mode="valid")  # c[s] for s in 0..n-d
        cost[sel] = c[cs[sel]]
    cost[e_col] = problem.demand_rate_won_per_kw

    r_idx: list[np.ndarray] = []
    c_idx: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    lo: list[float] = []
    hi: list[float] = []
    fam: list[int] = []

    def add(cols: np.ndarray, v: np.ndarray, low: float, high: float, family: str) -> None:
        r = len(lo)
        r_idx.append(np.full(cols.size, r))
        c_idx.append(cols)
        vals.append(v)
        lo.append(low)
        hi.append(high)
        fam.append(_FAMILIES.index(family))

    for i in range(len(jobs)):
        sel = np.flatnonzero(cj == i)
        add(sel, np.ones(sel.size), 1.0, 1.0, "assign")

    # occupancy of slot t by column c: start <= t < start + d
    if "machines" not in drop:
        keys: dict[str, np.ndarray] = {}
        cap: dict[str, int] = {}
        for g, names in problem._groups.items():
            if g in pooled:
                keys[g] = np.array([jobs[j].machine_group == g and m is None for j, m in zip(cj, col_machine,
                                                                                             strict=True)])
                cap[g] = len(names)
            else:
                for m in names:
                    keys[m] = np.array([cm == m for cm in col_machine], dtype=bool)
                    cap[m] = 1
        for key, mask in keys.items():
            cols = np.flatnonzero(mask)
            if cols.size == 0 or len(set(cj[cols].tolist())) <= cap[key]:
                continue
            _add_cover_rows(add, cols, cs[cols], dur[cj[cols]], n_slots, cap[key], cj[cols], "machines")

    if "precedence" not in drop:
        for k, ps in enumerate(problem._preds):
            ck = np.flatnonzero(cj == k)
            for p in ps:
                cp = np.flatnonzero(cj == p)
                lag = jobs[p].duration + jobs[p].min_gap_after
                for t in np.unique(cs[ck]):
                    pred_ok = cp[cs[cp] <= t - lag]
                    if pred_ok.size == cp.size:
                        continue  # the predecessor always ends in time for this start
                    succ = ck[cs[ck] <= t]
                    add(np.concatenate([succ, pred_ok]),
                        np.concatenate([np.ones(succ.size), -np.ones(pred_ok.size)]), -np.inf, 0.0, "precedence")

    # kW of column c in slot t, grouped by slot
    parts_t, parts_c, parts_v = [], [], []
    for i, job in enumerate(jobs):
        sel = np.flatnonzero(cj == i)
        for k, e in enumerate(job.profile_kwh):
            if e > 0:
                parts_t.append(cs[sel] + k)
                parts_c.append(sel)
                parts_v.append(np.full(sel.size, KW_PER_KWH * e))
    tt, cc, vv = (np.concatenate(a) if a else np.zeros(0) for a in (parts_t, parts_c, parts_v))
    order = np.argsort(tt, kind="stable")
    tt, cc, vv = tt[order].astype(int), cc[order].astype(int), vv[order]
    bounds = np.flatnonzero(np.diff(tt)) + 1
    kw_rows = {int(t[0]): (c, v) for t, c, v in zip(np.split(tt, bounds), np.split(cc, bounds),
                                                    np.split(vv, bounds), strict=True) if t.size}
    base = problem.base_load_kw
    limit = problem.power_limit_kw
    rate = problem.demand_rate_won_per_kw
    for t in sorted(kw_rows):
        cols, v = kw_rows[t]
        top = _max_load(cj[cols], v)
        if "power" not in drop and math.isfinite(limit) and base[t] + top > limit + 1e-6:  # type: ignore[operator]
            add(cols, v, -np.inf, float(limit - base[t]), "power")  # type: ignore[operator]
        if rate > 0 and base[t] + top > problem.existing_peak_kw:  # type: ignore[operator]
            add(np.append(cols, e_col), np.append(v, -1.0), -np.inf, float(problem.existing_peak_kw - base[t]),
                "demand")  # type: ignore[operator]
    n_rows = len(lo)
    mat = sparse.csc_matrix(
        (np.concatenate(vals), (np.concatenate(r_idx), np.concatenate(c_idx))), shape=(n_rows, n_x + 1))
    mat.sum_duplicates()
    lo_a, hi_a, fam_a = np.asarray(lo), np.asarray(hi), np.asarray(fam)
    # scale for HiGHS: power rows (and the excess E) to numbers below ~100, costs below ~1000
    kw = np.isin(fam_a, (_FAMILIES.index("power"), _FAMILIES.index("demand")))
    kw_part = mat.tocsr()[kw][:, :n_x]
    kw_scale = _pow10(float(np.abs(kw_part.data).max()) if kw_part.nnz else 1.0, 2)
    rows = np.where(kw, kw_scale, 1.0)
    cols = np.ones(n_x + 1)
    cols[e_col] = 1.0 / kw_scale  # E is held in scaled kW, so its coefficient stays -1
    mat = (sparse.diags(rows) @ mat @ sparse.diags(cols)).tocsc()
    cost = cost * cols
    cost_scale = _pow10(float(np.abs(cost).max()), 3)
    cost = cost * cost_scale
    return _Model(cost, cj, cs, col_machine, n_x, mat, lo_a * rows, hi_a * rows, fam_a, cost_scale, kw_scale)


def _pow10(value: float, digits: int) -> float:
    """The power of ten that brings ``value`` to at most ``10**digits``."""
    if not value > 0 or not math.isfinite(value):
        return 1.0
    return 10.0 ** (digits - math.ceil(math.log10(value)))


def _max_load(jobs_of_cols: np.ndarray, v: np.ndarray) -> float:
    """Largest load the columns can put on one slot: each job contributes at most its largest entry."""
    best: dict[int, float] = {}
    for j, x in zip(jobs_of_cols.tolist(), v.tolist(), strict=True):
        best[j] = max(best.get(j, 0.0), x)
    return float(sum(best.values()))


def _add_cover_rows(add: Callable[..., None], cols: np.ndarray, starts: np.ndarray, durs: np.ndarray, n_slots: int,
                    capacity: int, owners: np.ndarray, family: str) -> None:
    for t in range(n_slots):
        covers = (starts <= t) & (t < starts + durs)
        if np.count_nonzero(covers) <= capacity or np.unique(owners[covers]).size <= capacity:
            continue  # no more jobs can be here than machines
        on = cols[covers]
        add(on, np.ones(on.size), -np.inf, float(capacity), family)


def _highs(model: _Model, *, time_limit_s: float, mip_gap: float, threads: int, seed: int = 0) -> Any:
    import highspy

    h = highspy.Highs()
    h.silent()
    for name, value in (("time_limit", float(time_limit_s)), ("mip_rel_gap", float(mip_gap)),
                        ("threads", int(threads)), ("random_seed", int(seed))):
        h.setOptionValue(name, value)
    lp = highspy.HighsLp()
    n_col = model.n_x + 1
    lp.num_col_ = n_col
    lp.num_row_ = model.row_lo.size
    lp.col_cost_ = model.cost
    lp.col_lower_ = np.zeros(n_col)
    upper = np.ones(n_col)
    upper[-1] = highspy.kHighsInf
    lp.col_upper_ = upper
    inf = highspy.kHighsInf
    lp.row_lower_ = np.where(np.isfinite(model.row_lo), model.row_lo, -inf)
    lp.row_upper_ = np.where(np.isfinite(model.row_hi), model.row_hi, inf)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = model.mat.indptr.astype(np.int32)
    lp.a_matrix_.index_ = model.mat.indices.astype(np.int32)
    lp.a_matrix_.value_ = model.mat.data.astype(float)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * model.n_x + [highspy.HighsVarType.kContinuous]
    status = h.passModel(lp)
    if status == highspy.HighsStatus.kError:
        raise ModelError("HiGHS refused the scheduling model (passModel returned an error)")
    return h


def _run(h: Any) -> Any:
    import highspy

    with _SOLVER_LOCK:
        # the thread pool is per process and fixed at first use; reset it so every solve gets its threads
        highspy.Highs.resetGlobalScheduler(True)
        status = h.run()
    if status == highspy.HighsStatus.kError:
        raise ModelError(f"HiGHS failed while solving the schedule: {h.modelStatusToString(h.getModelStatus())}")
    return h.getModelStatus()


def solve(problem: SchedulingProblem, *, time_limit_s: float = 60.0, mip_gap: float = 1e-3, threads: int = 1,
          progress: Callable[[dict[str, float]], None] | None = None, warm_start: bool = True) -> Schedule:
    """The schedule of least energy plus demand-charge cost, by MILP (HiGHS).

    Parameters
    ----------
    problem : SchedulingProblem
    time_limit_s : float
        Wall-clock limit for the solver; the best schedule found by then is returned with
        ``status="time_limit"`` and its honest gap.
    mip_gap : float
        Relative gap at which HiGHS stops (``mip_rel_gap``).
    threads : int
        Solver threads.
    progress : callable, optional
        Called with ``{"time_s", "objective", "best_bound", "mip_gap"}`` at every improved schedule.
    warm_start : bool
        Give HiGHS the :func:`as_is` schedule as a first solution when the greedy rule finds one,
        so a schedule is never worse than the plant's usual practice.

    Raises
    ------
    ScheduleInfeasibleError
        No schedule exists; ``constraint`` and the message name the family that breaks it.
    ModelError
        The time limit passed before any feasible schedule was found.

    Examples
    --------
    >>> from bessemer.industry.energy import Job
    >>> p = SchedulingProblem(start="2026-08-03T00:00+09:00", n_slots=4, price_won_per_kwh=[2, 1, 1, 2],
    ...     demand_rate_won_per_kw=0.0, machines={"m": 1},
    ...     jobs=[Job(id="a", profile_kwh=[10, 10], machine_group="m")])
    >>> s = solve(p)
    >>> s.assignments[0].start_slot, s.total_cost_won, s.status
    (1, 20.0, 'optimal')
    """
    import highspy

    if isinstance(time_limit_s, bool) or not (isinstance(time_limit_s, int | float) and 0 < time_limit_s < math.inf):
        raise ConfigError(f"time_limit_s must be a finite number of seconds > 0, got {time_limit_s!r}")
    if isinstance(mip_gap, bool) or not (isinstance(mip_gap, int | float) and 0 <= mip_gap < math.inf):
        raise ConfigError(f"mip_gap must be a finite relative gap >= 0 (e.g. 1e-3), got {mip_gap!r}")
    if isinstance(threads, bool) or not isinstance(threads, int) or not 0 <= threads <= 256:
        raise ConfigError(f"threads must be a whole number in [0, 256] (0 = HiGHS decides), got {threads!r}")
    t0 = _time.perf_counter()
    cands = _candidates(problem)
    model = _model(problem, cands)
    h = _highs(model, time_limit_s=time_limit_s, mip_gap=mip_gap, threads=threads)
    if warm_start:
        try:
            base = as_is(problem)
        except ScheduleInfeasibleError:
            pass  # no greedy schedule to start from: HiGHS searches from scratch
        else:
            h.setSolution(_as_solution(highspy, model, problem, base))
    errors: list[BaseException] = []
    if progress is not None:
        def _on_improve(event: Any) -> None:
            out = event.data_out
            try:
                progress({"time_s": float(out.running_time),
                          "objective": float(out.objective_function_value) / model.cost_scale,
                          "best_bound": float(out.mip_dual_bound) / model.cost_scale, "mip_gap": float(out.mip_gap)})
            except Exception as err:  # re-raised after the solve: HiGHS's C++ callback must not throw
                errors.append(err)
        h.cbMipImprovingSolution.subscribe(_on_improve)
    status = _run(h)
    if errors:
        raise errors[0]
    info = h.getInfo()
    elapsed = _time.perf_counter() - t0
    has_solution = info.primal_solution_status == highspy.kSolutionStatusFeasible
    if status == highspy.HighsModelStatus.kInfeasible:
        raise _explain(problem, cands, time_limit_s=min(10.0, time_limit_s), threads=threads)
    if not has_solution:
        if status == highspy.HighsModelStatus.kTimeLimit:
            bound = info.mip_dual_bound / model.cost_scale
            known = f" (best bound so far {bound:,.0f} won)" if math.isfinite(bound) else ""
            raise ModelError(
                f"no feasible schedule found within the time limit of {time_limit_s:g} s{known}; raise "
                "time_limit_s, keep warm_start=True, or widen the windows")
        raise ModelError(f"HiGHS stopped without a schedule: {h.modelStatusToString(status)}")
    x = np.asarray(h.getSolution().col_value)
    starts = np.full(len(problem.jobs), -1)
    fixed: dict[int, str] = {}
    for c in np.flatnonzero(x[: model.n_x] > 0.5):
        i = int(model.col_job[c])
        starts[i] = int(model.col_start[c])
        if model.col_machine[c] is not None:
            fixed[i] = model.col_machine[c]  # type: ignore[assignment]
    machine = _colour(problem, starts, fixed)
    issues = [msg for _, msg in _violations(problem, starts, machine)]
    if issues:  # never hand out a schedule that breaks a rule, even if the solver's tolerances allowed it
        raise ModelError("the solver's schedule breaks constraints (numerical tolerance): " + "; ".join(issues[:3]))
    names = {highspy.HighsModelStatus.kOptimal: "optimal", highspy.HighsModelStatus.kTimeLimit: "time_limit",
             highspy.HighsModelStatus.kInterrupt: "interrupted"}
    return _build(problem, starts, machine, status=names.get(status, h.modelStatusToString(status).lower()),
                  method="milp", objective=float(info.objective_function_value) / model.cost_scale,
                  best_bound=float(info.mip_dual_bound) / model.cost_scale, mip_gap=float(info.mip_gap),
                  solve_s=elapsed)


def _as_solution(highspy: Any, model: _Model, problem: SchedulingProblem, sched: Schedule) -> Any:
    want = {problem._index[a.job]: (a.start_slot, a.machine) for a in sched.assignments}
    x = np.zeros(model.n_x + 1)
    for c in range(model.n_x):
        s, m = want[int(model.col_job[c])]
        if model.col_start[c] == s and model.col_machine[c] in (None, m):
            x[c] = 1.0
    x[-1] = max(0.0, sched.peak_kw - problem.existing_peak_kw) * model.kw_scale
    sol = highspy.HighsSolution()
    sol.col_value = x.tolist()
    sol.value_valid = True
    return sol


def _explain(problem: SchedulingProblem, cands: list[np.ndarray], *, time_limit_s: float,
             threads: int) -> ScheduleInfeasibleError:
    """Find which constraint family makes an infeasible problem infeasible, by dropping one at a time."""
    import highspy

    found: list[str] = []
    for family in ("power", "machines", "precedence"):
        h = _highs(_model(problem, cands, drop=(family,)), time_limit_s=time_limit_s, mip_gap=1.0, threads=threads)
        h.setOptionValue("mip_max_improving_sols", 1)
        if _run(h) != highspy.HighsModelStatus.kInfeasible and \
                h.getInfo().primal_solution_status == highspy.kSolutionStatusFeasible:
            found.append(family)
    hints = {
        "power": f"the power limit of {problem.power_limit_kw:,.0f} kW: jobs that must overlap exceed it together; "
                 "raise power_limit_kw or widen their windows",
        "machines": "machine capacity: more jobs must run at once than there are machines; add machines or widen "
                    "the windows",
        "precedence": "precedence: chains of jobs do not fit their windows together with the other jobs; widen "
                      "the successors' due times",
    }
    if len(found) == 1:
        fam = found[0]
        return ScheduleInfeasibleError(
            f"no schedule meets every constraint; without {fam} one exists, so the culprit is {hints[fam]}",
            constraint=fam)
    if found:
        return ScheduleInfeasibleError(
            "no schedule meets every constraint; dropping any one of " + ", ".join(found) + " makes it feasible: "
            + " / ".join(hints[f] for f in found), constraint="combined")
    return ScheduleInfeasibleError(
        "no schedule meets every constraint, and dropping the power limit, machine capacity or precedence alone "
        "does not help: windows, crews and several families conflict together; widen the jobs' windows",
        constraint="combined")
