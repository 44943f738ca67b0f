"""The maintenance service: fitted RUL models + the store -> fleet, trajectories, plan.

The API and the dashboard call this object; it keeps the latest predictions in memory
(and in the store as the result tables ``maintenance_fleet`` and ``maintenance_rul``) and
recomputes them with :meth:`MaintenanceService.refresh` when new readings arrive.

An asset's *current life* starts after its latest ``failure`` or ``maintenance`` event in
the store (or at its first reading). Predictions use only that life's readings.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from bessemer.core import BaseModel, DataError, Frame, NotFoundError

from ._plan import CostTable, fleet_risk, maintenance_plan
from ._training import fill_gaps

_FLEET_COLS = ["asset", "name", "name_ko", "kind", "area", "time", "age", "rul", "rul_lower", "rul_upper",
               "health", "risk", "rank"]
_TRAJ_COLS = ["asset", "time", "rul", "rul_lower", "rul_upper", "health"]


class MaintenanceService:
    """Serve RUL, health, fleet risk and the maintenance plan from a store.

    Parameters
    ----------
    store : bessemer.core.Store
        Holds the asset tree, readings and maintenance events.
    models : mapping of str to fitted model
        RUL models by equipment ``kind``; the key ``"*"`` serves any other kind.
    costs : CostTable, optional
        The bundled illustrative table when omitted.
    horizon : float
        Risk and planning horizon in the models' time unit (hours or cycles).
    """

    def __init__(self, store: Any, models: Mapping[str, BaseModel], *, costs: CostTable | None = None,
                 horizon: float = 168.0, alpha: float = 0.1) -> None:
        if not models:
            raise ValueError("MaintenanceService needs at least one fitted RUL model")
        for kind, m in models.items():
            m.check_is_fitted()
            if m.tags().task != "rul":
                raise ValueError(f"model for kind {kind!r} is a {m.tags().task!r} model, not a RUL model")
        kinds = {m.time_kind_ for m in models.values()}
        if len(kinds) != 1:
            raise ValueError(f"all models must share one time kind, got {sorted(kinds)}")
        self.store = store
        self.models = dict(models)
        self.costs = costs or CostTable.load()
        self.horizon = float(horizon)
        self.alpha = float(alpha)
        self.time_unit = "cycle" if kinds == {"cycle"} else "h"
        self._lock = threading.Lock()
        self._fleet = pd.DataFrame(columns=_FLEET_COLS)
        self._traj = pd.DataFrame(columns=_TRAJ_COLS)
        self._updated = ""

    # ------------------------------------------------------------- compute
    def _model_for(self, kind: str) -> BaseModel | None:
        return self.models.get(kind) or self.models.get("*")

    def _life_starts(self) -> dict[str, Any]:
        ev = self.store.events()
        if ev is None or ev.empty:
            return {}
        ev = ev[ev["kind"].isin(["failure", "maintenance"])]
        return ev.groupby("asset")["time"].max().to_dict()

    def refresh(self) -> None:
        """Recompute predictions for every asset that has a model and readings."""
        tree = self.store.asset_tree()
        starts = self._life_starts()
        by_kind: dict[str, list[str]] = {}
        for eq in tree.equipment():
            if self._model_for(eq.kind) is not None and self.store.time_kind(eq.id) is not None:
                by_kind.setdefault(eq.kind, []).append(eq.id)
        trajs, lasts = [], []
        for kind, assets in by_kind.items():
            model = self._model_for(kind)
            assert model is not None
            parts = []
            for a in assets:
                start = starts.get(a)
                f = self.store.read_frame(assets=[a], signals=model.signals_, start=start)
                df = f.to_pandas()
                if start is not None:
                    df = df[df["time"] > start]  # the event row itself closes the old life
                if len(df):
                    parts.append(df)
            if not parts:
                continue
            frame = Frame(pd.concat(parts, ignore_index=True), units={s: model.units_[s] for s in model.signals_},
                          time_kind=model.time_kind_)
            pred = model.predict(fill_gaps(frame))
            pred = pred[_TRAJ_COLS]
            trajs.append(pred)
            first = frame.to_pandas().groupby("asset")["time"].min()
            last = pred.groupby("asset", sort=False).tail(1).copy()
            age = last["time"].to_numpy() - first.reindex(last["asset"]).to_numpy()
            last["age"] = _to_unit(age, self.time_unit)
            last["kind"] = kind
            lasts.append(last)
        if not lasts:
            return
        traj = pd.concat(trajs, ignore_index=True)
        last = pd.concat(lasts, ignore_index=True)
        info = pd.DataFrame([{"asset": n.id, "name": n.name, "name_ko": n.name_ko,
                              "area": (tree.path(n.id)[1] if len(tree.path(n.id)) > 1 else "")}
                             for n in tree.equipment()])
        fleet = fleet_risk(last.merge(info, on="asset", how="left"), horizon=self.horizon, alpha=self.alpha)
        fleet = fleet[_FLEET_COLS]
        with self._lock:
            self._fleet, self._traj = fleet, traj
            self._updated = datetime.now(UTC).isoformat(timespec="seconds")
        self.store.put_table("maintenance_fleet", fleet)

    # --------------------------------------------------------------- reads
    def ready(self) -> bool:
        """True once predictions exist."""
        return bool(self._updated)

    def updated(self) -> str:
        """ISO time of the latest refresh ('' before the first)."""
        return self._updated

    def fleet(self) -> pd.DataFrame:
        """One row per asset, riskiest first."""
        with self._lock:
            return self._fleet.copy()

    def rul_history(self, asset: str, *, start: Any = None, end: Any = None) -> pd.DataFrame:
        """The RUL trajectory of ``asset``'s current life (``time, rul, rul_lower, rul_upper, health``)."""
        with self._lock:
            traj = self._traj
            known = asset in set(self._fleet["asset"])
        if not known:
            self.store.asset_tree().node(asset)  # NotFoundError for an unknown asset
            raise NotFoundError(f"asset {asset!r} has no RUL prediction (no model for its kind, or no readings)")
        t = traj[traj["asset"] == asset]
        if start is not None:
            t = t[t["time"] >= _coerce_time(start, t["time"], "start")]
        if end is not None:
            t = t[t["time"] <= _coerce_time(end, t["time"], "end")]
        return t.drop(columns="asset").reset_index(drop=True)

    def plan(self, *, horizon: float | None = None, cost_failure: float | None = None,
             cost_replacement: float | None = None) -> dict[str, Any]:
        """The maintenance plan over ``horizon`` (the service's horizon by default)."""
        fleet = self.fleet()
        plan = maintenance_plan(fleet, costs=self.costs, horizon=float(horizon or self.horizon), alpha=self.alpha,
                                cost_failure=cost_failure, cost_replacement=cost_replacement,
                                time_unit=self.time_unit)
        # `due` becomes a point in time (timestamp or cycle); `due_in` keeps the delay from the last reading
        now = fleet.set_index("asset")["time"].to_dict()
        for a in plan["actions"]:
            a["due_in"] = a["due"]
            if a["due"] is not None:
                t0 = now[a["asset"]]
                a["due"] = (t0 + pd.Timedelta(hours=a["due"])) if self.time_unit == "h" else int(t0 + round(a["due"]))
        return plan


def _to_unit(delta: np.ndarray, unit: str) -> np.ndarray:
    if unit == "h":
        return pd.to_timedelta(delta).total_seconds().to_numpy() / 3600.0
    return np.asarray(delta, dtype=float)


def _coerce_time(value: Any, like: pd.Series, what: str = "bound") -> Any:
    """``value`` as a time comparable with ``like`` (UTC timestamps or cycles), or a DataError naming ``what``."""
    stamps = pd.api.types.is_datetime64_any_dtype(like)
    try:
        if stamps:
            if isinstance(value, int | float) and not isinstance(value, bool):
                raise TypeError("a number is not a time")
            ts = pd.Timestamp(value)
            if pd.isna(ts):
                raise ValueError("not a time")
            return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
        return int(value)
    except (TypeError, ValueError, OverflowError) as err:
        expected = "an ISO 8601 time such as 2026-03-01T00:00Z" if stamps else "a whole cycle number"
        raise DataError(f"{what}={value!r} is not {expected}; this asset's history is kept in "
                        f"{'timestamps' if stamps else 'cycles'}", column=what) from err
