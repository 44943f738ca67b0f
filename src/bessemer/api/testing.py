"""Fakes and a small demo plant for testing the API and the dashboard without models.

:class:`FakeMaintenanceService` follows the maintenance service protocol
(:class:`bessemer.industry.maintenance._api.MaintenanceServiceProtocol`) with
deterministic numbers; :func:`demo_tree` and :func:`demo_store` give a three-fan plant
with two days of hourly readings.

Examples
--------
>>> store = demo_store()
>>> svc = FakeMaintenanceService(store)
>>> list(svc.fleet()["asset"])
['fan-2', 'fan-1', 'pump-1']
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from bessemer.core import AssetTree, DataError, Frame, Node, NotFoundError, Signal

__all__ = ["FakeMaintenanceService", "demo_store", "demo_tree", "make_store", "with_domain_routes"]

_START = pd.Timestamp("2024-05-01T00:00:00Z")


def make_store() -> Any:
    """An empty in-memory :class:`~bessemer.core.Store`."""
    from bessemer.core._store import Store

    return Store()


def demo_tree() -> AssetTree:
    """One site, one area, one unit, three equipment with vibration and temperature."""
    t = AssetTree()
    t.add(Node("pohang", "site", "Pohang works", name_ko="포항제철소"))
    t.add(Node("sinter", "area", "Sinter plant", parent="pohang", name_ko="소결 공장"))
    t.add(Node("sp1", "unit", "Sinter line 1", parent="sinter", name_ko="소결 1라인"))
    for eid, name, name_ko, kind in [("fan-1", "Main fan 1", "주 송풍기 1", "fan"),
                                     ("fan-2", "Main fan 2", "주 송풍기 2", "fan"),
                                     ("pump-1", "Cooling pump 1", "냉각 펌프 1", "pump")]:
        t.add(Node(eid, "equipment", name, parent="sp1", kind=kind, name_ko=name_ko))
        t.add_signal(Signal(eid, "vibration", "mm/s", "bearing housing RMS velocity"))
        t.add_signal(Signal(eid, "temperature", "degC", "bearing temperature"))
    return t


def demo_store(*, hours: int = 48, seed: int = 7) -> Any:
    """An in-memory store holding :func:`demo_tree` and ``hours`` of hourly readings."""
    rng = np.random.default_rng(seed)
    store = make_store()
    tree = demo_tree()
    store.put_assets(tree)
    rows = []
    for i, eq in enumerate(tree.equipment()):
        t = _START + pd.to_timedelta(np.arange(hours), unit="h")
        vib = 2.0 + 0.5 * i + 0.02 * np.arange(hours) + rng.normal(0, 0.1, hours)
        temp = 60.0 + 3 * i + rng.normal(0, 0.5, hours)
        rows.append(pd.DataFrame({"asset": eq.id, "time": t, "vibration": vib, "temperature": temp}))
    store.write_frame(Frame(pd.concat(rows), units={"vibration": "mm/s", "temperature": "degC"}))
    return store


class FakeMaintenanceService:
    """Deterministic stand-in for the maintenance service (time unit hours).

    Call :meth:`advance` to mimic a refresh after live data arrived.
    """

    time_unit = "h"

    def __init__(self, store: Any, *, horizon: float = 168.0) -> None:
        self.store = store
        self.horizon = horizon
        self._step = 0
        self.refreshes = 0
        self._updated = datetime(2024, 5, 3, tzinfo=UTC)

    def advance(self, hours: int = 1) -> None:
        """Move the predictions ``hours`` forward and bump :meth:`updated`."""
        self._step += hours
        self._updated = self._updated + pd.Timedelta(hours=hours).to_pytimedelta()

    def refresh(self) -> None:
        """Called after new readings were written: counts calls and bumps :meth:`updated`."""
        self.refreshes += 1
        self._updated = self._updated + pd.Timedelta(seconds=1).to_pytimedelta()

    def updated(self) -> str:
        """ISO time of the latest refresh."""
        return self._updated.isoformat().replace("+00:00", "Z")

    def _base_rul(self) -> dict[str, float]:
        eqs = self.store.asset_tree().equipment()
        return {n.id: 900.0 - 350.0 * ((i + 1) % 3) - self._step for i, n in enumerate(eqs)}

    def fleet(self) -> pd.DataFrame:
        """Latest RUL, health and risk per equipment, sorted by rank."""
        tree = self.store.asset_tree()
        now = _START + pd.Timedelta(hours=47 + self._step)
        rows = []
        for aid, rul in self._base_rul().items():
            node = tree.node(aid)
            area = tree.path(aid)[1] if len(tree.path(aid)) > 1 else ""
            risk = float(1 / (1 + np.exp((rul - self.horizon) / 120.0)))
            rows.append({"asset": aid, "name": node.name, "name_ko": node.name_ko, "kind": node.kind,
                         "area": area, "time": now, "rul": rul, "rul_lower": rul * 0.7,
                         "rul_upper": rul * 1.3, "health": min(1.0, rul / 1000.0), "risk": risk})
        df = pd.DataFrame(rows).sort_values("risk", ascending=False).reset_index(drop=True)
        df["rank"] = np.arange(1, len(df) + 1)
        return df

    def rul_history(self, asset: str, *, start: Any = None, end: Any = None) -> pd.DataFrame:
        """The RUL trajectory of one asset, hourly."""
        base = self._base_rul()
        if asset not in base:
            raise NotFoundError(f"asset {asset!r} has no RUL predictions")
        n = 48 + self._step
        t = _START + pd.to_timedelta(np.arange(n), unit="h")
        rul = base[asset] + (n - 1 - np.arange(n)).astype(float)
        df = pd.DataFrame({"time": t, "rul": rul, "rul_lower": rul * 0.7, "rul_upper": rul * 1.3,
                           "health": np.minimum(1.0, rul / 1000.0)})
        if start is not None:
            df = df[df["time"] >= _utc(start, "start")]
        if end is not None:
            df = df[df["time"] <= _utc(end, "end")]
        return df.reset_index(drop=True)

    def plan(self, *, horizon: float | None = None, cost_failure: float | None = None,
             cost_replacement: float | None = None) -> dict[str, Any]:
        """A simple plan: replace what is likely to fail within the horizon."""
        h = self.horizon if horizon is None else horizon
        cf = 50_000_000.0 if cost_failure is None else cost_failure
        cr = 8_000_000.0 if cost_replacement is None else cost_replacement
        actions = []
        for r in self.fleet().itertuples():
            wait = float(r.risk) * cf
            action = "replace now" if wait > cr else ("schedule" if r.rul < 3 * h else "monitor")
            actions.append({"asset": r.asset, "action": action, "due": r.time + pd.Timedelta(hours=r.rul * 0.7),
                            "expected_cost_now": cr, "expected_cost_wait": wait, "saving": max(0.0, wait - cr),
                            "reason": f"P(failure within {h:g} h) = {r.risk:.2f}"})
        total = sum(min(a["expected_cost_now"], a["expected_cost_wait"]) for a in actions)
        return {"horizon": h, "currency": "KRW", "total_expected_cost": total, "actions": actions}


def _utc(value: Any, what: str) -> pd.Timestamp:
    """``value`` as a UTC time, or a DataError naming ``what`` (as the real service answers)."""
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise TypeError("a number is not a time")
        ts = pd.Timestamp(value)
        if pd.isna(ts):
            raise ValueError("not a time")
    except (TypeError, ValueError, OverflowError) as err:
        raise DataError(f"{what}={value!r} is not an ISO 8601 time such as 2026-03-01T00:00Z", column=what) from err
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def with_domain_routes(app: Any, name: str, routers: Any) -> Any:
    """``app`` with the routes of domain ``name`` (``routers()`` gives them) unless the installed domain
    plugin already plugs them in: what a test of one domain's API needs, whatever is installed."""
    from bessemer.core import load_domains

    dom = load_domains().get(name)
    if dom is None or dom.routers is None:
        for r in routers():
            app.include_router(r)
    return app
