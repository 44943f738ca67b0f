"""Seeded demo simulators of a steel works.

:class:`SteelWorks` simulates sinter-plant main fans, blast-furnace blowers, hot-strip-mill
stand motors and work-roll bearings and cooling-water pumps under changing operating regimes.
:meth:`SteelWorks.history` gives run-to-failure histories (one :class:`~bessemer.core.Frame` per
equipment kind, with the hidden truth for checking models) and :meth:`SteelWorks.stream`
continues them live, one :class:`SimStep` at a time.

:class:`ReheatFurnace` simulates a walking-beam reheating furnace of the hot-strip mill: two
dozen correlated process variables under changing production rates, with process and sensor
faults that can be injected while it runs (the process-monitoring demo).
"""

from ._furnace import FurnaceFault, ProcessVariable, ReheatFurnace
from ._plant import SimHistory, SimStep, SteelWorks

__all__ = ["FurnaceFault", "ProcessVariable", "ReheatFurnace", "SimHistory", "SimStep", "SteelWorks"]
