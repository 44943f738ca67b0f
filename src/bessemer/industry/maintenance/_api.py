"""HTTP routes of the maintenance domain (prefix ``/api/maintenance``).

The routes call the service in ``app.state.services["maintenance"]``; while it is being
prepared they answer 503 and the dashboard polls ``/api/progress``.
"""

from __future__ import annotations

from typing import Any, Protocol

import pandas as pd
from fastapi import APIRouter, Depends, Query

from bessemer.api._json import jsonable, records
from bessemer.api.deps import can_see, check_visible, get_service, get_store, read_access
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


def _only(plan: dict[str, Any], assets: set[str]) -> dict[str, Any]:
    """The plan restricted to ``assets``; its totals (sums over the actions) are summed again.

    Examples
    --------
    >>> plan = {"total_expected_cost": 3.0, "total_saving": 1.0, "actions": [
    ...     {"asset": "a", "expected_cost": 1.0, "saving": 1.0}, {"asset": "b", "expected_cost": 2.0, "saving": 0.0}]}
    >>> _only(plan, {"b"})
    {'total_expected_cost': 2.0, 'total_saving': 0.0, 'actions': [{'asset': 'b', 'expected_cost': 2.0, 'saving': 0.0}]}
    """
    actions = [a for a in plan.get("actions", []) if str(a["asset"]) in assets]
    out = {**plan, "actions": actions}
    for total, part in (("total_expected_cost", "expected_cost"), ("total_saving", "saving")):
        if total in out:
            # a total that cannot be re-summed from the visible actions is withheld, not leaked
            out[total] = sum(float(a[part]) for a in actions) if all(part in a for a in actions) else None
    return out


def maintenance_routers() -> list[APIRouter]:
    """The maintenance routers, new on each call (the domain's ``routers`` entry).

    Examples
    --------
    >>> [r.prefix for r in maintenance_routers()]
    ['/api/maintenance']
    """
    router = APIRouter(prefix="/api/maintenance", tags=["maintenance"])

    @router.get("/fleet", summary="Fleet ranked by risk")
    def fleet(svc: MaintenanceServiceProtocol = Depends(_service), store: Any = Depends(get_store),
              token: dict[str, Any] | None = Depends(read_access)) -> dict[str, Any]:
        """Latest RUL (with interval), health and risk per equipment, riskiest first (the token's site only)."""
        df = svc.fleet()
        if token and token.get("site"):
            tree = store.asset_tree()
            df = df[[can_see(tree, token, str(a)) for a in df["asset"]]]
        rows = records(df)
        return {"data": rows, "count": len(rows), "time_unit": svc.time_unit, "updated": svc.updated()}

    @router.get("/assets/{asset_id}/rul", summary="RUL trajectory of one asset")
    def rul(asset_id: str, start: str | None = Query(default=None), end: str | None = Query(default=None),
            svc: MaintenanceServiceProtocol = Depends(_service), store: Any = Depends(get_store),
            token: dict[str, Any] | None = Depends(read_access)) -> dict[str, Any]:
        """``time, rul, rul_lower, rul_upper, health`` over the asset's current life."""
        check_visible(store.asset_tree(), token, asset_id)
        rows = records(svc.rul_history(asset_id, start=_bound(start), end=_bound(end)))
        return {"asset": asset_id, "data": rows, "count": len(rows), "time_unit": svc.time_unit,
                "updated": svc.updated()}

    @router.get("/assets/{asset_id}/health", summary="Latest health and RUL of one asset")
    def health(asset_id: str, svc: MaintenanceServiceProtocol = Depends(_service), store: Any = Depends(get_store),
               token: dict[str, Any] | None = Depends(read_access)) -> dict[str, Any]:
        """The asset's fleet row: time, rul, interval, health, risk and rank."""
        check_visible(store.asset_tree(), token, asset_id)
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
             svc: MaintenanceServiceProtocol = Depends(_service), store: Any = Depends(get_store),
             token: dict[str, Any] | None = Depends(read_access)) -> dict[str, Any]:
        """Replace now / schedule / monitor per asset, with expected costs in KRW (the token's site only)."""
        out = svc.plan(horizon=horizon, cost_failure=cost_failure, cost_replacement=cost_replacement)
        if token and token.get("site"):
            tree = store.asset_tree()
            out = _only(out, {str(a["asset"]) for a in out.get("actions", []) if can_see(tree, token, str(a["asset"]))})
        out = jsonable(out)
        out["time_unit"] = svc.time_unit
        out["updated"] = svc.updated()
        return out

    return [router]
