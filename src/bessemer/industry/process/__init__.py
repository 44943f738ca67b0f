"""Process monitoring and fault diagnosis: detect a drifting process early, say what is wrong and where."""

from bessemer.core import Domain

from ._api import process_routers
from ._diagnosis import FaultClassifier, fault_features
from ._monitor import ProcessMonitor
from ._service import MonitoredUnit, ProcessService

domain = Domain(
    name="process",
    title_en="Process monitoring",
    title_ko="공정 감시",
    models=(ProcessMonitor, FaultClassifier),
    routers=process_routers,
)

__all__ = [
    "FaultClassifier",
    "MonitoredUnit",
    "ProcessMonitor",
    "ProcessService",
    "domain",
    "fault_features",
    "process_routers",
]
