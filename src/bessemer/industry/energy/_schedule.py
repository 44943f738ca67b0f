"""Production scheduling against time-of-use prices: a MILP solved by HiGHS, and the as-is baseline.

A *job* (an electric-arc-furnace heat, a batch) has an energy profile in kWh per 15-minute
slot, a machine it may run on, a release and a due time, predecessors, and a crew that must
be on shift for its whole run. A :class:`SchedulingProblem` adds the price of every slot
(won/kWh), the demand charge (won/kW per month), the peak already set this month, the rest
of the plant's load, a power limit, the machines and the crews' shifts.

:func:`solve` finds the schedule of least energy plus demand-charge cost, :func:`as_is` is the
plant's usual practice (each job at its earliest feasible start, in release order),
:func:`evaluate` costs and checks any schedule, and :func:`saving` compares two.

This module gathers the scheduling names in one place; the code lives in

* ``_schedule_problem``: :class:`Job`, :class:`SchedulingProblem` and their validation;
* ``_schedule_cost``: :class:`Assignment`, :class:`Schedule`, :func:`evaluate`, :func:`saving`;
* ``_schedule_as_is``: feasible starts and :func:`as_is`;
* ``_schedule_milp``: the HiGHS model, :func:`solve` and the diagnosis of infeasible problems.
"""

from __future__ import annotations

from ._schedule_as_is import as_is
from ._schedule_cost import Assignment, Schedule, evaluate, saving
from ._schedule_milp import solve
from ._schedule_problem import KW_PER_KWH, SLOT, Job, ScheduleInfeasibleError, SchedulingProblem

__all__ = [
    "KW_PER_KWH",
    "SLOT",
    "Assignment",
    "Job",
    "Schedule",
    "ScheduleInfeasibleError",
    "SchedulingProblem",
    "as_is",
    "evaluate",
    "saving",
    "solve",
]
