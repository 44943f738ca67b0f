"""HTTP routes of the maintenance domain (prefix ``/api/maintenance``).

The routes call the service in ``app.state.services["maintenance"]``; while it is being
prepared they answer 503 and the dashboard polls ``/api/progress``.
"""

from __future__ import annotations

from typing import Any, Protocol

import pandas as pd
from fastapi import APIRouter, Depends, Query

from bessemer.api._json import jsonable, records
from bessemer.api.deps import get_service
from bessemer.core import NotFoundError


class MaintenanceServiceProtocol(Protocol):
    """What the routes need from the maintenance service."""

    time_unit: str

    def fleet(self) -> pd.DataFrame: ...

    def rul_history(self, asset: str, *, start: Any = None, end: Any = None) -> pd.DataFrame: ...

    def plan(self, *, horizon: float | None = None, cost_failure: float | None = None,
             cost_replacement: float | None = None) -> dict: ...

    def updated(self) -> str: ...


_service = get_service("maintenance")


def _bound(value: str | None) -> Any:
    if value is None or value == "":
        return None
    return int(value) if value.lstrip("-").isdigit() else value


def maintenance_routers() -> list[APIRouter]:
    """The maintenance routers, new on each call (the domain's ``routers`` entry).

    Examples
    --------
    >>> [r.prefix for r in maintenance_routers()]
    ['/api/maintenance']
    """
    router = APIRouter(prefix="/api/maintenance", tags=["maintenance"])

    @router.get("/fleet", summary="Fleet ranked by risk")
    def fleet(svc: MaintenanceServiceProtocol = Depends(_service)) -> dict[str, Any]:
        """Latest RUL (with interval), health and risk per equipment, riskiest first."""
        rows = records(svc.fleet())
        return {"data": rows, "count": len(rows), "time_unit": svc.time_unit, "updated": svc.updated()}

    @router.get("/assets/{asset_id}/rul", summary="RUL trajectory of one asset")
    def rul(asset_id: str, start: str | None = Query(default=None), end: str | None = Query(default=None),
            svc: MaintenanceServiceProtocol = Depends(_service)) -> dict[str, Any]:
        """``time, rul, rul_lower, rul_upper, health`` over the asset's current life."""
        rows = records(svc.rul_history(asset_id, start=_bound(start), end=_bound(end)))
        return {"asset": asset_id, "data": rows, "count": len(rows), "time_unit": svc.time_unit,
                "updated": svc.updated()}

    @router.get("/assets/{asset_id}/health", summary="Latest health and RUL of one asset")
    def health(asset_id: str, svc: MaintenanceServiceProtocol = Depends(_service)) -> dict[str, Any]:
        """The asset's fleet row: time, rul, interval, health, risk and rank."""
        df = svc.fleet()
        row = df[df["asset"] == asset_id]
        if row.empty:
            svc.rul_history(asset_id)  # raises NotFoundError for an unknown asset
            raise NotFoundError(f"asset {asset_id!r} has no current prediction")
        out = records(row.head(1))[0]
        out.update({"time_unit": svc.time_unit, "updated": svc.updated()})
        return out

    @router.get("/plan", summary="Maintenance plan")
    def plan(horizon: float | None = Query(default=None, gt=0),
             cost_failure: float | None = Query(default=None, gt=0),
             cost_replacement: float | None = Query(default=None, gt=0),
             svc: MaintenanceServiceProtocol = Depends(_service)) -> dict[str, Any]:
        """Replace now / schedule / monitor per asset, with expected costs in KRW."""
        out = jsonable(svc.plan(horizon=horizon, cost_failure=cost_failure, cost_replacement=cost_replacement))
        out["time_unit"] = svc.time_unit
        out["updated"] = svc.updated()
        return out

    return [router]
