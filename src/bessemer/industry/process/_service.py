"""The live process-monitoring service: scores each new sample, keeps alarms and their diagnosis.

One :class:`MonitoredUnit` per process unit holds its fitted :class:`ProcessMonitor`, an
optional :class:`FaultClassifier`, the recent samples and statistics, and the alarm
episodes. :class:`ProcessService` is what the API routes call (see ``_api.py``); it is
thread-safe, because the demo's stream thread feeds it while the server reads it.

An alarm episode opens when the monitor's persistence rule fires and closes after
``clear_after`` samples without it. While open, its diagnosis and top variables are
refreshed every ``rediagnose_every`` samples: a fault's picture sharpens as it develops.
A sensor episode (a variable missing or frozen) is kept apart from process alarms.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from bessemer.core import DataError, NotFoundError

from ._diagnosis import NORMAL, UNKNOWN, FaultClassifier
from ._monitor import STATISTICS, ProcessMonitor


def _utc(t: Any) -> pd.Timestamp:
    """A UTC timestamp; a time without a zone is taken as UTC."""
    ts = pd.Timestamp(t)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _iso(t: Any) -> str:
    return _utc(t).strftime("%Y-%m-%dT%H:%M:%SZ") if t is not None else ""


@dataclass
class MonitoredUnit:
    """A process unit under watch.

    ``variables`` holds ``{"name", "name_en", "name_ko", "unit"}`` per monitored variable (in the
    monitor's order); ``faults`` the injectable fault catalogue and ``titles`` the names of
    faults the classifier knows (``{fault: (title_en, title_ko)}``).
    """

    unit: str
    name_en: str
    name_ko: str
    monitor: ProcessMonitor
    variables: list[dict[str, str]]
    classifier: FaultClassifier | None = None
    faults: list[dict[str, str]] = field(default_factory=list)
    titles: dict[str, tuple[str, str]] = field(default_factory=dict)
    simulator: Any = None
    history: int = 5000
    buffer: int = 300
    scores: deque = field(init=False)
    samples: deque = field(init=False)
    alarms: list[dict[str, Any]] = field(default_factory=list, init=False)
    updated: Any = None

    def __post_init__(self) -> None:
        self.scores = deque(maxlen=self.history)
        self.samples = deque(maxlen=self.buffer)
        self._quiet = 0
        self._since = 0
        self._n = 0


class ProcessService:
    """Live monitoring of one or more process units (the ``"process"`` service of the API).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> normal = pd.DataFrame(rng.normal(size=(400, 3)) @ [[1, .5, 0], [0, 1, .5], [0, 0, 1]],
    ...                       columns=["a", "b", "c"])
    >>> mon = ProcessMonitor().fit_normal(normal)
    >>> unit = MonitoredUnit("u1", "Unit 1", "공정 1", mon,
    ...                      [{"name": v, "name_en": v, "name_ko": v, "unit": "1"} for v in "abc"])
    >>> svc = ProcessService([unit])
    >>> t0 = pd.Timestamp("2026-01-01", tz="UTC")
    >>> for i in range(60):
    ...     x = rng.normal(size=3) + (np.array([0, 6, 0]) if i >= 40 else 0)
    ...     _ = svc.ingest("u1", t0 + pd.Timedelta(minutes=i), x)
    >>> svc.units()[0]["state"], svc.alarms("u1")[0]["top"][0]["variable"]
    ('alarm', 'b')
    """

    def __init__(self, units: Sequence[MonitoredUnit], *, clear_after: int = 10, rediagnose_every: int = 10,
                 on_alarm: Callable[[str, dict[str, Any]], None] | None = None) -> None:
        self._units = {u.unit: u for u in units}
        self._lock = threading.RLock()
        self.clear_after = clear_after
        self.rediagnose_every = rediagnose_every
        self.on_alarm = on_alarm
        self._next_id = 1

    # ------------------------------------------------------------------ feeding
    def _unit(self, unit: str) -> MonitoredUnit:
        try:
            return self._units[unit]
        except KeyError:
            raise NotFoundError(f"no process unit {unit!r}; known: {sorted(self._units)}") from None

    def ingest(self, unit: str, time: Any, values: Sequence[float] | Mapping[str, float]) -> dict[str, Any]:
        """Score one new sample of ``unit`` and update its alarms; returns the score."""
        with self._lock:
            u = self._unit(unit)
            r = u.monitor.score_one(values)
            x = u.monitor._vector(values)
            u.samples.append(x)
            u._n += 1
            state = r["state"]
            if u._n <= u.monitor.window:
                state = "warming_up" if state == "normal" else state
            row = {"time": _utc(time), **{s: r[s] for s in STATISTICS}, "alarm": r["alarm"],
                   "state": state}
            u.scores.append(row)
            u.updated = row["time"]
            self._track(u, r, row["time"])
            return row

    def step(self) -> None:
        """Advance every unit that has a simulator by one sample (the demo's live feed)."""
        self.step_and_collect()

    def step_and_collect(self) -> list[tuple[Any, tuple[Any, np.ndarray]]]:
        """Like :meth:`step`; returns ``(simulator, (time, values))`` per unit, for the store."""
        out = []
        for u in list(self._units.values()):
            if u.simulator is not None:
                t, x = u.simulator.step()
                self.ingest(u.unit, t, x)
                out.append((u.simulator, (t, x)))
        return out

    def _open(self, u: MonitoredUnit, kind: str, time: Any) -> dict[str, Any]:
        alarm = {"id": self._next_id, "start": time, "end": None, "kind": kind, "fault": UNKNOWN,
                 "probability": None, "top": []}
        self._next_id += 1
        u.alarms.append(alarm)
        return alarm

    def _track(self, u: MonitoredUnit, r: dict[str, Any], time: Any) -> None:
        open_proc = next((a for a in reversed(u.alarms) if a["end"] is None and a["kind"] == "process"), None)
        open_sens = next((a for a in reversed(u.alarms) if a["end"] is None and a["kind"] == "sensor"), None)
        if r["alarm"]:
            u._quiet = 0
            if open_proc is None:
                open_proc = self._open(u, "process", time)
                u._since = 0
            if u._since % self.rediagnose_every == 0:
                self._diagnose(u, open_proc)
                if u._since == 0 and self.on_alarm is not None:
                    self.on_alarm(u.unit, dict(open_proc))
            u._since += 1
        elif open_proc is not None:
            u._quiet += 1
            if u._quiet >= self.clear_after:
                open_proc["end"] = time
        dead = r["dead_sensors"]
        if dead:
            if open_sens is None:
                open_sens = self._open(u, "sensor", time)
            open_sens["fault"] = "sensor_fault"
            # a dead sensor has no direction: "missing" (NaN) or "frozen" (a flat line)
            open_sens["top"] = [self._var_item(u, name, 1.0 / len(dead),
                                               "missing" if np.isnan(u.samples[-1][u.monitor._index[name]])
                                               else "frozen") for name in dead[:5]]
        elif open_sens is not None:
            open_sens["end"] = time

    def _var_item(self, u: MonitoredUnit, name: str, share: float, direction: str) -> dict[str, Any]:
        meta = next((v for v in u.variables if v["name"] == name), {"name_en": name, "name_ko": name, "unit": "1"})
        return {"variable": name, "name_en": meta["name_en"], "name_ko": meta["name_ko"], "unit": meta["unit"],
                "contribution": round(float(share), 4), "direction": direction}

    def _diagnose(self, u: MonitoredUnit, alarm: dict[str, Any]) -> None:
        X = np.array(u.samples)
        top = u.monitor.contributions(X, top=5)
        alarm["top"] = [self._var_item(u, c["variable"], c["contribution"], c["direction"]) for c in top]
        if u.classifier is None:
            return
        d = u.classifier.diagnose(X).iloc[-1]
        fault = str(d["fault"])
        if fault == NORMAL:  # the monitor sees a fault the classifier does not: nothing known fits
            fault = UNKNOWN
        alarm["fault"] = fault
        alarm["probability"] = float(d["probability"]) if fault != UNKNOWN else None

    # ------------------------------------------------------------------ reading (the protocol)
    def units(self) -> list[dict[str, Any]]:
        with self._lock:
            out = []
            for u in self._units.values():
                last = u.scores[-1] if u.scores else None
                open_proc = next((a for a in reversed(u.alarms) if a["end"] is None and a["kind"] == "process"),
                                 None)
                out.append({"unit": u.unit, "name_en": u.name_en, "name_ko": u.name_ko,
                            "state": last["state"] if last else "warming_up",
                            "active_fault": getattr(u.simulator, "active_fault", None),
                            "diagnosis": self._diagnosis_item(u, open_proc) if open_proc else None,
                            "n_variables": len(u.variables), "updated": _iso(u.updated)})
            return out

    def _titles(self, u: MonitoredUnit, fault: str) -> tuple[str, str]:
        if fault == UNKNOWN:
            return "Unknown fault", "알 수 없는 이상"
        if fault == "sensor_fault":
            return "Sensor fault", "센서 고장"
        return u.titles.get(fault, (fault.replace("_", " "), fault.replace("_", " ")))

    def _diagnosis_item(self, u: MonitoredUnit, alarm: dict[str, Any]) -> dict[str, Any]:
        en, ko = self._titles(u, alarm["fault"])
        return {"fault": alarm["fault"], "title_en": en, "title_ko": ko, "probability": alarm["probability"]}

    def variables(self, unit: str) -> list[dict[str, str]]:
        with self._lock:
            return [dict(v) for v in self._unit(unit).variables]

    def scores(self, unit: str, *, last: int = 240) -> dict[str, Any]:
        with self._lock:
            u = self._unit(unit)
            rows = list(u.scores)[-last:]
            data = [{"time": _iso(r["time"]), **{s: float(r[s]) for s in STATISTICS}, "alarm": bool(r["alarm"]),
                     "state": r["state"]} for r in rows]
            return {"unit": unit, "statistics": list(STATISTICS),
                    "limits": {s: float(u.monitor.limits_[s]) for s in STATISTICS}, "data": data}

    def alarms(self, unit: str, *, limit: int = 50) -> list[dict[str, Any]]:
        with self._lock:
            u = self._unit(unit)
            out = []
            for a in reversed(u.alarms[-limit:]):
                en, ko = self._titles(u, a["fault"])
                out.append({"id": a["id"], "start": _iso(a["start"]), "end": _iso(a["end"]) if a["end"] else None,
                            "kind": a["kind"], "fault": a["fault"], "title_en": en, "title_ko": ko,
                            "probability": a["probability"], "top": [dict(t) for t in a["top"]]})
            return out

    def contributions(self, unit: str) -> list[dict[str, Any]]:
        with self._lock:
            u = self._unit(unit)
            if not u.samples:
                return []
            top = u.monitor.contributions(np.array(u.samples), top=10)
            return [self._var_item(u, c["variable"], c["contribution"], c["direction"]) for c in top]

    def faults(self, unit: str) -> list[dict[str, str]]:
        with self._lock:
            return [dict(f) for f in self._unit(unit).faults]

    def inject(self, unit: str, fault: str, *, magnitude: float = 1.0) -> dict[str, Any]:
        with self._lock:
            u = self._unit(unit)
            if u.simulator is None:
                raise DataError(f"unit {unit!r} is a real process, not a simulator: faults cannot be injected",
                                column="fault")
            u.simulator.inject(fault, magnitude=magnitude)
            return {"unit": unit, "fault": fault, "magnitude": float(magnitude), "started": _iso(u.updated)}

    def clear(self, unit: str) -> dict[str, Any]:
        with self._lock:
            u = self._unit(unit)
            was = getattr(u.simulator, "active_fault", None)
            if u.simulator is not None:
                u.simulator.clear()
            return {"unit": unit, "cleared": was}

    def updated(self) -> str:
        with self._lock:
            times = [u.updated for u in self._units.values() if u.updated is not None]
            return _iso(max(times)) if times else ""
