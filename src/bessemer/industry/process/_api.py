"""HTTP routes of the process-monitoring domain (prefix ``/api/process``).

The routes call the service in ``app.state.services["process"]``; while it is being
prepared they answer 503 and the dashboard polls ``/api/progress``. Reading is open;
injecting or clearing a simulator fault needs a token of role ``operator`` or higher.
"""

from __future__ import annotations

from typing import Any, Protocol

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from bessemer.api._json import jsonable
from bessemer.api.deps import can_see, check_visible, get_service, get_store, read_access, require_role

MAX_LAST = 5000
MAX_ALARMS = 1000


class ProcessServiceProtocol(Protocol):
    """What the routes and the dashboard need from the process-monitoring service.

    Every method taking ``unit`` raises :class:`~bessemer.core.NotFoundError` for an
    unknown unit; times are ISO-8601 UTC strings. The item shapes are documented in the
    domain's protocol: units, variables, scores, alarms (newest first), contributions
    (latest sample, up to 10), the injectable fault catalogue, inject and clear.
    """

    def units(self) -> list[dict]: ...

    def variables(self, unit: str) -> list[dict]: ...

    def scores(self, unit: str, *, last: int = 240) -> dict: ...

    def alarms(self, unit: str, *, limit: int = 50) -> list[dict]: ...

    def contributions(self, unit: str) -> list[dict]: ...

    def faults(self, unit: str) -> list[dict]: ...

    def inject(self, unit: str, fault: str, *, magnitude: float = 1.0) -> dict: ...

    def clear(self, unit: str) -> dict: ...

    def updated(self) -> str: ...


class FaultIn(BaseModel):
    """A fault to start in the live unit (simulator only)."""

    model_config = ConfigDict(extra="forbid")

    fault: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$",
                       description="A name from GET /api/process/units/{unit}/faults, e.g. 'burner_failure'.")
    magnitude: float = Field(default=1.0, gt=0, le=5, allow_inf_nan=False,
                             description="Severity, 0 < magnitude <= 5 (1 is a typical fault).")


_service = get_service("process")
_operator = require_role("operator")
_UNIT = Path(min_length=1, max_length=120, description="Unit id, e.g. 'rhf-1'.")


def _visible_unit(unit: str = _UNIT, store: Any = Depends(get_store),
                  token: dict[str, Any] | None = Depends(read_access)) -> None:
    """404 for a unit outside the site of a site-limited token (as if it did not exist)."""
    check_visible(store.asset_tree(), token, unit, what="unit")


_UNIT_SCOPE = [Depends(_visible_unit)]


def process_routers() -> list[APIRouter]:
    """The process-monitoring routers, new on each call (the domain's ``routers`` entry).

    Examples
    --------
    >>> [r.prefix for r in process_routers()]
    ['/api/process']
    >>> sorted({m for r in process_routers() for route in r.routes for m in route.methods})
    ['DELETE', 'GET', 'POST']
    """
    router = APIRouter(prefix="/api/process", tags=["process"])

    @router.get("/units", summary="Monitored units with their state and diagnosis")
    def units(svc: ProcessServiceProtocol = Depends(_service), store: Any = Depends(get_store),
              token: dict[str, Any] | None = Depends(read_access)) -> dict[str, Any]:
        """State (normal, alarm, sensor fault, warming up), current diagnosis and injected fault per unit."""
        rows = svc.units()
        if token and token.get("site"):
            tree = store.asset_tree()
            rows = [r for r in rows if can_see(tree, token, str(r.get("unit")))]
        rows = jsonable(rows)
        return {"data": rows, "count": len(rows), "updated": svc.updated()}

    @router.get("/units/{unit}/variables", summary="Process variables of one unit", dependencies=_UNIT_SCOPE)
    def variables(unit: str = _UNIT, svc: ProcessServiceProtocol = Depends(_service)) -> dict[str, Any]:
        """Name, English and Korean label and engineering unit of each monitored variable."""
        rows = jsonable(svc.variables(unit))
        return {"unit": unit, "data": rows, "count": len(rows)}

    @router.get("/units/{unit}/scores", summary="Monitoring statistics over time", dependencies=_UNIT_SCOPE)
    def scores(unit: str = _UNIT, last: int = Query(default=240, ge=1, le=MAX_LAST),
               svc: ProcessServiceProtocol = Depends(_service)) -> dict[str, Any]:
        """T², SPE and window statistics of the last ``last`` samples (oldest first) with their control limits."""
        return jsonable(svc.scores(unit, last=last))

    @router.get("/units/{unit}/alarms", summary="Alarms of one unit, newest first", dependencies=_UNIT_SCOPE)
    def alarms(unit: str = _UNIT, limit: int = Query(default=50, ge=1, le=MAX_ALARMS),
               svc: ProcessServiceProtocol = Depends(_service)) -> dict[str, Any]:
        """Start, end (``null`` while active), kind, diagnosis with probability and top variables."""
        rows = jsonable(svc.alarms(unit, limit=limit))
        return {"unit": unit, "data": rows, "count": len(rows)}

    @router.get("/units/{unit}/contributions", summary="Top contributing variables of the latest sample",
                dependencies=_UNIT_SCOPE)
    def contributions(unit: str = _UNIT, svc: ProcessServiceProtocol = Depends(_service)) -> dict[str, Any]:
        """Share of the latest deviation per variable (largest first) with its direction."""
        rows = jsonable(svc.contributions(unit))
        return {"unit": unit, "data": rows, "count": len(rows)}

    @router.get("/units/{unit}/faults", summary="Faults that can be injected into the simulator",
                dependencies=_UNIT_SCOPE)
    def faults(unit: str = _UNIT, svc: ProcessServiceProtocol = Depends(_service)) -> dict[str, Any]:
        """The fault catalogue: name, English and Korean title, kind (process or sensor), description."""
        rows = jsonable(svc.faults(unit))
        return {"unit": unit, "data": rows, "count": len(rows)}

    @router.post("/units/{unit}/faults", status_code=201, summary="Inject a fault (operator)", dependencies=_UNIT_SCOPE)
    def inject(body: FaultIn, unit: str = _UNIT, svc: ProcessServiceProtocol = Depends(_service),
               _token: dict[str, Any] = Depends(_operator)) -> dict[str, Any]:
        """Start ``fault`` in the live unit; needs ``Authorization: Bearer <token>`` of role operator."""
        return jsonable(svc.inject(unit, body.fault, magnitude=body.magnitude))

    @router.delete("/units/{unit}/faults", summary="Clear the injected fault (operator)", dependencies=_UNIT_SCOPE)
    def clear(unit: str = _UNIT, svc: ProcessServiceProtocol = Depends(_service),
              _token: dict[str, Any] = Depends(_operator)) -> dict[str, Any]:
        """End any injected fault; ``cleared`` names it (``null`` when none was active)."""
        return jsonable(svc.clear(unit))

    return [router]
