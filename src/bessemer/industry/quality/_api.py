"""HTTP routes of the quality domain (prefix ``/api/quality``).

The routes read the service in ``app.state.services["quality"]``; while it is being prepared
they answer 503 and the dashboard polls ``/api/progress``. Everything here is read-only.
"""

from __future__ import annotations

from typing import Any, Protocol

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from bessemer.api._json import jsonable
from bessemer.api.deps import get_service, require_all_sites

MAX_COILS = 500
#: coil ids: a line prefix, a dash and six digits, e.g. "C26-000123"
COIL_PATTERN = r"^[A-Z][A-Z0-9]{0,7}-\d{6}$"
#: inspected-image ids: "S-" and four digits, e.g. "S-0007"
IMAGE_PATTERN = r"^S-\d{4}$"


class QualityServiceProtocol(Protocol):
    """What the routes and the dashboard need from the quality service.

    Times are ISO-8601 UTC strings. A *coil* is one product (asset) of the line; its *risk* is
    the calibrated probability that it has any defect (``1 - p_none``). Reasons are SHAP
    contributions toward the predicted class: ``direction`` ``"raises"`` or ``"lowers"`` that
    class's probability. Units are the frame's canonical symbols (``degC``, ``MPa``, ``%``...).

    ``overview()``
        ``line`` {name_en, name_ko}; ``coils`` {n (coils scored), high_risk (risk >= threshold),
        threshold, start, end}; ``defect_model`` {classes, held_out_accuracy, macro_f1,
        majority_accuracy, n_train, n_test} (measured on the scored coils, which the model did not
        see); ``surface`` {n, flagged, held_out_accuracy, n_held_out, min_confidence};
        ``spc`` {charts, violations}; ``updated``.
    ``coils(limit=50)``
        ``data``: the ``limit`` riskiest scored coils, highest risk first, each {coil, time, grade,
        risk, predicted, probability, reasons: [{feature, label_en, label_ko, value, unit,
        contribution, direction}] (top 3), actual (the inspection result, or None)}; ``count``,
        ``total`` (coils scored), ``threshold``. A limit outside [1, 500] is a
        :class:`~bessemer.core.DataError`.
    ``coil(coil_id)``
        One scored coil: the fields above plus ``probabilities`` [{class, probability}] (every
        class, highest first), the top 5 ``reasons`` and ``signals`` [{feature, label_en,
        label_ko, value, unit}]. Unknown id: :class:`~bessemer.core.NotFoundError`.
    ``importance()``
        Global importance, highest first: [{feature, label_en, label_ko, importance}]
        (mean absolute SHAP value).
    ``surfaces()``
        Today's inspected images: ``data`` [{image, label, confidence, flagged, truth}] (flagged:
        for a person to look at, because the confidence is below ``min_confidence`` or the image is
        unlike every training image; ``truth`` is the known class, or None), ``count``, ``classes``,
        ``min_confidence`` and ``confusion`` {classes, matrix (rows: true class, columns:
        predicted), n, accuracy} measured on held-out images.
    ``surface_png(image_id)``
        The image as PNG bytes. Unknown id: :class:`~bessemer.core.NotFoundError`.
    ``spc()``
        ``charts``: [{variable, label_en, label_ko, unit, kind, rules, points [{time, value,
        status ("ok" | "violation")}], center, lcl, ucl (a number, or one per point), sigma,
        violations [{index, time, rule, description_en, description_ko}]}].
    ``updated()``
        ISO time of the newest coil.
    """

    def overview(self) -> dict: ...

    def coils(self, limit: int = 50) -> dict: ...

    def coil(self, coil_id: str) -> dict: ...

    def importance(self) -> list[dict]: ...

    def surfaces(self) -> dict: ...

    def surface_png(self, image_id: str) -> bytes: ...

    def spc(self) -> dict: ...

    def updated(self) -> str: ...


_service = get_service("quality")
_COIL = Path(pattern=COIL_PATTERN, min_length=8, max_length=16,
             description="Coil id: line prefix, a dash and six digits, e.g. 'C26-000123'.")
_IMAGE = Path(pattern=IMAGE_PATTERN, min_length=6, max_length=6,
              description="Inspected-image id: 'S-' and four digits, e.g. 'S-0007'.")


def quality_routers() -> list[APIRouter]:
    """The quality routers, new on each call (the domain's ``routers`` entry).

    Examples
    --------
    >>> [r.prefix for r in quality_routers()]
    ['/api/quality']
    >>> sorted({m for r in quality_routers() for route in r.routes for m in route.methods})
    ['GET']
    """
    # the quality data is not tied to one site's assets: a site-limited token may not read it
    router = APIRouter(prefix="/api/quality", tags=["quality"], dependencies=[Depends(require_all_sites)])

    @router.get("/overview", summary="Line, coils at risk, defect-model and image-model accuracy, SPC violations")
    def overview(svc: QualityServiceProtocol = Depends(_service)) -> dict[str, Any]:
        """The figures of the quality page's header cards (see the protocol for the fields)."""
        return jsonable(svc.overview())

    @router.get("/coils", summary="The riskiest coils with their predicted defect and reasons")
    def coils(limit: int = Query(default=50, ge=1, le=MAX_COILS, description="Coils to return (1-500)."),
              svc: QualityServiceProtocol = Depends(_service)) -> dict[str, Any]:
        """Scored coils, highest defect risk first, each with its top three reasons."""
        return jsonable(svc.coils(limit=limit))

    @router.get("/coils/{coil}", summary="One coil: every class probability, top reasons, process values")
    def coil(coil: str = _COIL, svc: QualityServiceProtocol = Depends(_service)) -> dict[str, Any]:
        """The coil's probabilities per defect class, its five strongest reasons and its signal values."""
        return jsonable(svc.coil(coil))

    @router.get("/importance", summary="Global importance of the process values for the defect model")
    def importance(svc: QualityServiceProtocol = Depends(_service)) -> dict[str, Any]:
        """Mean absolute SHAP value per feature, highest first."""
        rows = jsonable(svc.importance())
        return {"data": rows, "count": len(rows)}

    @router.get("/surfaces", summary="Verdicts of the surface-image classifier on today's images")
    def surfaces(svc: QualityServiceProtocol = Depends(_service)) -> dict[str, Any]:
        """Label, confidence and a 'needs a person' flag per image, and the held-out confusion matrix."""
        return jsonable(svc.surfaces())

    @router.get("/surfaces/{image}.png", summary="One inspected image (PNG)", response_class=Response,
                responses={200: {"content": {"image/png": {}}}})
    def surface_png(image: str = _IMAGE, svc: QualityServiceProtocol = Depends(_service)) -> Response:
        """The grey-level surface image as PNG."""
        return Response(content=svc.surface_png(image), media_type="image/png",
                        headers={"Cache-Control": "max-age=300", "X-Content-Type-Options": "nosniff"})

    @router.get("/spc", summary="Control charts of the key process variables with rule violations")
    def spc(svc: QualityServiceProtocol = Depends(_service)) -> dict[str, Any]:
        """Points, center line, control limits and Nelson / Western Electric rule violations per chart."""
        return jsonable(svc.spc())

    return [router]
