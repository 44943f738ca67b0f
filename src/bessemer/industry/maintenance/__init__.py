"""Predictive maintenance: remaining useful life, health index, fleet risk, maintenance plan."""

from bessemer.core import Domain

from ._api import maintenance_routers
from ._health import HealthIndex
from ._plan import Costs, CostTable, failure_cdf, fleet_risk, maintenance_plan, optimal_replacement
from ._rul import RULModel
from ._service import MaintenanceService
from ._training import fill_gaps, label_lives, load_rul_models, train_rul_models

domain = Domain(
    name="maintenance",
    title_en="Maintenance",
    title_ko="설비 보전",
    models=(RULModel, HealthIndex),
    routers=maintenance_routers,
)

__all__ = [
    "CostTable",
    "Costs",
    "HealthIndex",
    "MaintenanceService",
    "RULModel",
    "domain",
    "failure_cdf",
    "fill_gaps",
    "fleet_risk",
    "label_lives",
    "load_rul_models",
    "maintenance_plan",
    "maintenance_routers",
    "optimal_replacement",
    "train_rul_models",
]
