"""Energy and carbon: load forecasts, KEPCO time-of-use bills, production scheduling, a carbon ledger."""

from bessemer.core import Domain

from ._activities import Activity, parse_activities
from ._api import energy_routers
from ._bill import Bill, BillItem, bills, monthly_bill
from ._co2check import reproduce_co2_column
from ._factor_files import grid_factor, load_factors
from ._factors import Factor, FactorSet
from ._forecast import LoadForecaster
from ._instances import make_eaf_instance
from ._ledger import Ledger, LedgerLine, ledger
from ._meter import MeterReport, check_meter, local_index, read_meter_csv
from ._scenarios import Scenario, ScenarioCase, compare, load_scenarios
from ._schedule import Assignment, Job, Schedule, ScheduleInfeasibleError, SchedulingProblem
from ._schedule import as_is as as_is_schedule
from ._schedule import evaluate as evaluate_schedule
from ._schedule import saving as schedule_saving
from ._schedule import solve as solve_schedule
from ._service import EnergyService
from ._synthetic import make_plant_load
from ._tariff import Tariff, load_tariff, tariff_families

domain = Domain(
    name="energy",
    title_en="Energy and carbon",
    title_ko="에너지·탄소",
    models=(LoadForecaster,),
    routers=energy_routers,
)

__all__ = [
    "Activity",
    "Assignment",
    "Bill",
    "BillItem",
    "EnergyService",
    "Factor",
    "FactorSet",
    "Job",
    "Ledger",
    "LedgerLine",
    "LoadForecaster",
    "MeterReport",
    "Scenario",
    "ScenarioCase",
    "Schedule",
    "ScheduleInfeasibleError",
    "SchedulingProblem",
    "Tariff",
    "as_is_schedule",
    "bills",
    "check_meter",
    "compare",
    "domain",
    "energy_routers",
    "evaluate_schedule",
    "grid_factor",
    "ledger",
    "load_factors",
    "load_scenarios",
    "load_tariff",
    "local_index",
    "make_eaf_instance",
    "make_plant_load",
    "monthly_bill",
    "parse_activities",
    "read_meter_csv",
    "reproduce_co2_column",
    "schedule_saving",
    "solve_schedule",
    "tariff_families",
]
