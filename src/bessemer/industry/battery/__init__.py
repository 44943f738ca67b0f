"""Batteries: state of health and end of life of spent Li-ion cells, from what a recycler can measure.

* :class:`Cell` and :class:`Discharge`: a cell's discharges with their test conditions (``_cycles``);
  loaders for the NASA PCoE ageing data live in :mod:`bessemer.datasets`, a plain cycler export
  reader is :func:`read_cycler_csv` (``_cycler``).
* :func:`cell_features`: quick-test features from the first 600 s of a discharge (``_features``).
* :class:`SohEstimator`: whole-discharge capacity with a cell-grouped conformal 90 % interval (``_soh``).
* :class:`CurveReferences` / :class:`CurveBlendSoh`: the same from the nearest training discharge curves,
  read to the test's own cut-off, and its half-and-half blend with SohEstimator, the bench's default
  (``_refcurve``).
* :class:`EolForecaster`: remaining discharges to 80 % / 70 % of rated capacity, with an interval (``_eol``).
* :func:`grade_battery`: reuse / repurpose / recycle with structured reasons, on the pessimistic side of
  the intervals (``_grading``); expected recovered lithium, cobalt, nickel and copper against the
  Regulation (EU) 2023/1542 targets kept as data (``_recovery``, ``_composition``, ``data/``).
* :func:`build_passport` / :func:`validate_passport`: the battery passport as JSON against a schema
  written from the Regulation's text; missing mandatory attributes are listed, never invented (``_passport``).
* :func:`run_battery_bench`: ``bessemer bench battery`` (``_bench``); :func:`make_cells` generates
  ageing cells for tests and the demo (``_synthetic``).
* :class:`BatteryService` and the battery router: the dashboard's fleet of cells with SOH trajectories,
  end of life, grades and passport downloads (``_service``, ``_api``); made-up complete passport inputs
  for a demo cell in :mod:`bessemer.industry.battery.testing`.
"""

from bessemer.core import Domain

from ._api import BatteryServiceProtocol, battery_routers
from ._bench import format_battery_report, run_battery_bench
from ._composition import Composition, chemistries, declared_composition, typical_composition
from ._cycler import read_cycler_csv
from ._cycles import Cell, Discharge
from ._eol import EolForecast, EolForecaster, first_crossing
from ._features import FEATURES, cell_features, discharge_features
from ._grading import GRADES, BatteryAssessment, Grade, GradingConfig, Reason, grade_battery
from ._passport import ACCESS_LEVELS, PASSPORT_GROUPS, build_passport, passport_schema, passport_view, validate_passport
from ._recovery import (
    ContentCheck,
    ElementRecovery,
    RecoveryEstimate,
    RecyclingRoute,
    Target,
    Targets,
    check_recycled_content,
    expected_recovery,
    load_routes,
    load_targets,
)
from ._refcurve import CurveBlendSoh, CurveReferences
from ._service import BatteryService
from ._soh import SohEstimator
from ._synthetic import make_cells, write_discharge_csv

domain = Domain(
    name="battery",
    title_en="Batteries",
    title_ko="배터리",
    models=(SohEstimator,),
    routers=battery_routers,
)

__all__ = [
    "ACCESS_LEVELS",
    "BatteryAssessment",
    "BatteryService",
    "BatteryServiceProtocol",
    "Cell",
    "Composition",
    "ContentCheck",
    "CurveBlendSoh",
    "CurveReferences",
    "Discharge",
    "ElementRecovery",
    "EolForecast",
    "EolForecaster",
    "FEATURES",
    "GRADES",
    "Grade",
    "GradingConfig",
    "PASSPORT_GROUPS",
    "Reason",
    "RecoveryEstimate",
    "RecyclingRoute",
    "SohEstimator",
    "Target",
    "Targets",
    "battery_routers",
    "build_passport",
    "cell_features",
    "check_recycled_content",
    "chemistries",
    "declared_composition",
    "discharge_features",
    "domain",
    "expected_recovery",
    "first_crossing",
    "format_battery_report",
    "grade_battery",
    "load_routes",
    "load_targets",
    "make_cells",
    "passport_schema",
    "passport_view",
    "read_cycler_csv",
    "run_battery_bench",
    "typical_composition",
    "validate_passport",
    "write_discharge_csv",
]
