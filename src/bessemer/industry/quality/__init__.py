"""Quality: predict defects before they ship, from process data and surface images, with reasons.

* :class:`DefectClassifier`: calibrated, imbalance-aware defect prediction on tabular process and
  inspection features, with per-prediction SHAP reasons and global importance (``_defects``; derived
  features per data set in ``_tabular_features``).
* :class:`SurfaceClassifier`: strip-surface defect classes from texture features; an image it is unsure
  of is flagged for a person (``_texture``, ``_surface``; generated images in ``_surface_synthetic``).
* :func:`control_chart`: Shewhart (individuals, x̄-R), EWMA and CUSUM charts with Western Electric and
  Nelson rules (``_spc``, ``_spc_rules``).
* :class:`QualityService` and the quality router: the dashboard's coil risk, image verdicts and SPC
  (``_service``, ``_api``), on a generated hot-strip-mill coil record (``_coils``).
"""

from bessemer.core import Domain

from ._api import QualityServiceProtocol, quality_routers
from ._coils import make_coils
from ._defects import DefectClassifier
from ._service import QualityService
from ._spc import ControlChart, control_chart
from ._spc_rules import Violation
from ._surface import SurfaceClassifier
from ._surface_synthetic import make_surface_images

domain = Domain(
    name="quality",
    title_en="Quality",
    title_ko="품질",
    models=(DefectClassifier,),
    routers=quality_routers,
)

__all__ = [
    "ControlChart",
    "DefectClassifier",
    "QualityService",
    "QualityServiceProtocol",
    "SurfaceClassifier",
    "Violation",
    "control_chart",
    "domain",
    "make_coils",
    "make_surface_images",
    "quality_routers",
]
