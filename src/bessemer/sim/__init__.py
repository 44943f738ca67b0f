"""A seeded demo simulator of a small steel works: equipment that wears, fails and is repaired.

:class:`SteelWorks` simulates sinter-plant main fans, blast-furnace blowers, hot-strip-mill
stand motors and work-roll bearings and cooling-water pumps under changing operating regimes.
:meth:`SteelWorks.history` gives run-to-failure histories (one :class:`~bessemer.core.Frame` per
equipment kind, with the hidden truth for checking models) and :meth:`SteelWorks.stream`
continues them live, one :class:`SimStep` at a time.
"""

from ._plant import SimHistory, SimStep, SteelWorks

__all__ = ["SimHistory", "SimStep", "SteelWorks"]
