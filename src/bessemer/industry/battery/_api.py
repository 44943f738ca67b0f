"""HTTP routes of the battery domain (prefix ``/api/battery``).

The routes read the service in ``app.state.services["battery"]``; while it is being prepared they
answer 503 and the dashboard polls ``/api/progress``. Everything here is read-only.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response

from bessemer.api._json import jsonable
from bessemer.api.deps import get_service, require_all_sites

from ._passport import passport_schema

#: cell ids: letters, digits, '_' and '-', starting with a letter or digit (``B0005``, ``cell-03``)
CELL_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$"


class BatteryServiceProtocol(Protocol):
    """What the routes and the dashboard need from the battery service.

    Capacities are in Ah, states of health in % of the rated capacity, intervals at ``interval_level``
    (0.9). A *remaining-cycles* object is {threshold_ah, seen (discharges so far), status
    ("forecast" | "reached": already below | "not_reached": the trend never gets there), cycle,
    cycle_lower, cycle_upper (the discharge number of the crossing), remaining, remaining_lower,
    remaining_upper (cycles after the last one seen; 0 when reached, None when not reached),
    fade_ah_per_cycle}.

    ``cells()``
        ``data``: every fleet cell {cell, chemistry, rated_ah, discharges, soh_pct, soh_lower_pct,
        soh_upper_pct (the quick-test estimate of its latest discharge), measured_soh_pct (the
        latest discharge measured whole, or None), cycles_to_80, cycles_to_70, grade ("reuse" |
        "repurpose" | "recycle"), grade_ko, passport_status ("complete" | "draft"), n_missing};
        ``count``; ``assessed_on``; ``rated_ah``; ``interval_level``; ``thresholds_pct``;
        ``grades`` {grade: count}; ``grading`` (the thresholds); ``soh_model`` {train_cells, n_train,
        quick_test_s, method, n_checked, rmse_pct, mae_pct, coverage: measured on the fleet's
        discharges whose whole capacity is known, cells the model never saw}; ``eol_model``.
    ``cell(cell_id)``
        The fields above plus ``trajectory`` [{discharge, measured_ah (None where unknown),
        estimate_ah, lower_ah, upper_ah}], ``resistance_growth_pct``, ``point_estimate_grade``,
        ``note_en``, ``note_ko``, ``reasons`` [{code, message_en, message_ko, value, threshold, unit,
        allows, decisive}], ``recovery`` ({battery_mass_kg, route, composition, elements [{element,
        mass_in_kg, efficiency_pct, recovered_kg, targets [{percent, applies_from, source, meets}]}],
        recycling_efficiency} or None without a mass), ``missing`` (passport paths), ``source``,
        ``interval_level``, ``assessed_on``. Unknown id: :class:`~bessemer.core.NotFoundError`.
    ``passport(cell_id)``
        The passport document (``passport_status``, ``missing`` and the attribute groups).
    ``updated()``
        The assessment date (ISO).
    """

    def cells(self) -> dict: ...

    def cell(self, cell_id: str) -> dict: ...

    def passport(self, cell_id: str) -> dict: ...

    def updated(self) -> str: ...


_service = get_service("battery")
_CELL = Path(pattern=CELL_PATTERN, min_length=1, max_length=40,
             description="Cell id: letters, digits, '_' and '-', e.g. 'B0005' or 'cell-03'.")


def battery_routers() -> list[APIRouter]:
    """The battery routers, new on each call (the domain's ``routers`` entry).

    Examples
    --------
    >>> [r.prefix for r in battery_routers()]
    ['/api/battery']
    >>> sorted({m for r in battery_routers() for route in r.routes for m in route.methods})
    ['GET']
    """
    # the battery fleet is not tied to one site's assets: a site-limited token may not read it
    router = APIRouter(prefix="/api/battery", tags=["battery"], dependencies=[Depends(require_all_sites)])

    @router.get("/cells", summary="The fleet's cells: state of health with interval, grade, cycles left")
    def cells(svc: BatteryServiceProtocol = Depends(_service)) -> dict[str, Any]:
        """Every cell's latest quick-test SOH with its 90 % interval, grade and remaining cycles to 80 % / 70 %."""
        return jsonable(svc.cells())

    @router.get("/cells/{cell_id}", summary="One cell: SOH trajectory, end of life, grade reasons, recovery")
    def cell(cell_id: str = _CELL, svc: BatteryServiceProtocol = Depends(_service)) -> dict[str, Any]:
        """The SOH per discharge (measured and estimated with its interval), the end-of-life forecast, the
        grade with its reasons in English and Korean, and the expected recovered materials against the targets."""
        return jsonable(svc.cell(cell_id))

    @router.get("/cells/{cell_id}/passport", summary="The cell's battery passport (JSON download)",
                response_class=Response,
                responses={200: {"content": {"application/json": {"schema": {"type": "object"}}},
                                 "description": "The passport; a draft lists its missing mandatory attributes."}})
    def passport(cell_id: str = _CELL, svc: BatteryServiceProtocol = Depends(_service)) -> Response:
        """The passport as a JSON file: ``passport_status`` ``complete`` (it validates against
        ``/api/battery/schema``) or ``draft`` with the ``missing`` mandatory attributes listed."""
        doc = jsonable(svc.passport(cell_id))
        body = json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8")
        return Response(content=body, media_type="application/json",
                        headers={"Content-Disposition": f'attachment; filename="{cell_id}-passport.json"',
                                 "X-Content-Type-Options": "nosniff"})

    @router.get("/schema", summary="The battery passport's JSON Schema (Draft 2020-12)")
    def schema() -> dict[str, Any]:
        """Written from Regulation (EU) 2023/1542 (Article 77, Annex XIII); every attribute names its source.
        A fixed document: it answers while the service is still being prepared."""
        return passport_schema()

    return [router]
