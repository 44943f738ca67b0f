"""A deterministic fake process-monitoring service for testing the API and the dashboard.

:class:`FakeProcessService` follows
:class:`bessemer.industry.process._api.ProcessServiceProtocol` without any model: one
reheating furnace ``"rhf-1"`` with eight variables, one sample a minute. An injected
fault makes the following samples exceed the control limits and opens an alarm naming
the top contributing variables; :meth:`FakeProcessService.clear` closes it. The history
it starts with holds one closed ``air_leak`` alarm.

Examples
--------
>>> svc = FakeProcessService()
>>> svc.units()[0]["state"], len(svc.variables("rhf-1")), svc.alarms("rhf-1")[0]["fault"]
('normal', 8, 'air_leak')
>>> _ = svc.inject("rhf-1", "burner_failure")
>>> svc.advance(3)
>>> alarm = svc.alarms("rhf-1")[0]
>>> alarm["end"] is None, alarm["fault"], alarm["top"][0]["variable"], alarm["top"][0]["direction"]
(True, 'burner_failure', 'zone2_temp', 'down')
>>> svc.clear("rhf-1")
{'unit': 'rhf-1', 'cleared': 'burner_failure'}
>>> svc.units()[0]["state"]
'normal'
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pandas as pd

from bessemer.core import DataError, NotFoundError

__all__ = ["FakeProcessService"]

_START = pd.Timestamp("2026-01-01T00:00:00Z")
_STEP = pd.Timedelta(minutes=1)
_UNIT = {"unit": "rhf-1", "name_en": "Reheating furnace 1", "name_ko": "가열로 1"}

# name, English, Korean, engineering unit
_VARIABLES: list[tuple[str, str, str, str]] = [
    ("zone1_temp", "Preheating zone temperature", "예열대 온도", "degC"),
    ("zone2_temp", "Heating zone 2 temperature", "가열대 2 온도", "degC"),
    ("soak_temp", "Soaking zone temperature", "균열대 온도", "degC"),
    ("fuel_flow", "Fuel gas flow", "연료 가스 유량", "Nm3/h"),
    ("air_flow", "Combustion air flow", "연소 공기 유량", "Nm3/h"),
    ("flue_o2", "Flue gas oxygen", "배가스 산소 농도", "%"),
    ("furnace_pressure", "Furnace pressure", "노압", "Pa"),
    ("slab_temp", "Slab discharge temperature", "추출 슬래브 온도", "degC"),
]
_NAMES = [v[0] for v in _VARIABLES]

# name -> title_en, title_ko, kind, description, signature {variable: (weight, direction)},
# known to the (fake) classifier with this probability, or None for "unknown"
_FAULTS: dict[str, dict[str, Any]] = {
    "burner_failure": {
        "title_en": "Burner failure", "title_ko": "버너 고장", "kind": "process",
        "description_en": "One burner in heating zone 2 goes out: the zone cools while fuel demand rises.",
        "signature": {"zone2_temp": (0.42, "down"), "fuel_flow": (0.24, "up"), "slab_temp": (0.14, "down"),
                      "flue_o2": (0.08, "up")},
        "probability": 0.87,
    },
    "air_leak": {
        "title_en": "Air leakage", "title_ko": "공기 누입", "kind": "process",
        "description_en": "Cold air leaks in through a damaged door seal: flue oxygen rises, pressure drops.",
        "signature": {"flue_o2": (0.38, "up"), "furnace_pressure": (0.30, "down"), "zone1_temp": (0.12, "down")},
        "probability": 0.78,
    },
    "fuel_pressure_drop": {
        "title_en": "Fuel pressure drop", "title_ko": "연료 압력 저하", "kind": "process",
        "description_en": "The fuel gas header pressure sags; a fault the classifier was not trained on.",
        "signature": {"fuel_flow": (0.36, "down"), "soak_temp": (0.22, "down"), "air_flow": (0.16, "down")},
        "probability": None,
    },
    "thermocouple_drift": {
        "title_en": "Thermocouple drift", "title_ko": "열전대 드리프트", "kind": "sensor",
        "description_en": "The soaking zone thermocouple drifts upward while the process is unchanged.",
        "signature": {"soak_temp": (0.71, "up")},
        "probability": 0.92,
    },
}
_UNKNOWN = {"fault": "unknown", "title_en": "Unknown fault", "title_ko": "미확인 고장"}

# control limits: T² (chi-square 99 % with 8 dof), SPE, and a 5-sample moving mean of T²
_LIMITS = {"t2": 20.09, "spe": 4.2, "window": 12.05}
_WINDOW = 5
_WARMUP = 5


def _iso(ts: pd.Timestamp) -> str:
    return ts.isoformat().replace("+00:00", "Z")


class FakeProcessService:
    """Deterministic stand-in for the process-monitoring service (one unit, ``"rhf-1"``).

    Parameters
    ----------
    history : int, default 120
        Samples (one a minute from 2026-01-01 00:00 UTC) present at start; when it is
        over 80 they include a closed ``air_leak`` alarm at samples 70-79.
    seed : int, default 3
        Seed of the noise; two services built alike give the same numbers.

    Notes
    -----
    Nothing moves on its own: :meth:`advance` adds samples. Thread-safe, so a browser
    test may advance it while a server thread answers requests.
    """

    def __init__(self, *, history: int = 120, seed: int = 3) -> None:
        if history < 1:
            raise DataError(f"history must be at least 1 sample, got {history}", column="history")
        self._rng = np.random.default_rng(seed)
        self._lock = threading.RLock()
        self._samples: list[dict[str, Any]] = []
        self._contrib: list[np.ndarray] = []
        self._signs: list[np.ndarray] = []
        self._alarms: list[dict[str, Any]] = []
        self._fault: str | None = None
        self._magnitude = 1.0
        self._since = 0  # index of the first sample since the last inject/clear
        for i in range(history):
            if i == 70 and history > 80:
                self._start("air_leak", 1.0)
            if i == 80 and history > 80:
                self._stop()
            self._sample()

    # ------------------------------------------------------------------ simulation
    def advance(self, n: int = 1) -> None:
        """Add ``n`` samples (one minute each) to the live unit."""
        with self._lock:
            for _ in range(int(n)):
                self._sample()

    def _sample(self) -> None:
        i = len(self._samples)
        rng = self._rng
        t2 = _LIMITS["t2"] * rng.uniform(0.08, 0.55)
        spe = _LIMITS["spe"] * rng.uniform(0.10, 0.60)
        raw = np.abs(rng.normal(0.0, 1.0, len(_NAMES))) + 0.05
        signs = np.where(rng.normal(size=len(_NAMES)) >= 0, 1.0, -1.0)
        fault = _FAULTS.get(self._fault or "")
        if fault is not None:
            m = self._magnitude
            if fault["kind"] == "sensor":
                spe = _LIMITS["spe"] * (1.3 + 0.4 * m) * rng.uniform(0.95, 1.05)
            else:
                t2 = _LIMITS["t2"] * (1.15 + 0.35 * m) * rng.uniform(0.95, 1.05)
                if fault["probability"] is None:
                    spe = _LIMITS["spe"] * (1.1 + 0.3 * m) * rng.uniform(0.95, 1.05)
            sig = fault["signature"]
            rest = 1.0 - sum(w for w, _ in sig.values())
            raw = raw / raw.sum() * rest
            for name, (w, direction) in sig.items():
                j = _NAMES.index(name)
                raw[j] = w
                signs[j] = 1.0 if direction == "up" else -1.0
        share = raw / raw.sum()
        first = max(self._since, i - _WINDOW + 1)
        recent = [s["t2"] for s in self._samples[first:i]] + [t2]
        window = float(np.mean(recent))
        warming = i < _WARMUP
        over = t2 > _LIMITS["t2"] or spe > _LIMITS["spe"] or window > _LIMITS["window"]
        alarm = bool(over and not warming)
        if warming:
            state = "warming_up"
        elif alarm:
            state = "sensor_fault" if fault is not None and fault["kind"] == "sensor" else "alarm"
        else:
            state = "normal"
        time = _START + i * _STEP
        self._samples.append({"time": _iso(time), "t2": round(float(t2), 4), "spe": round(float(spe), 4),
                              "window": round(window, 4), "alarm": alarm, "state": state})
        self._contrib.append(share)
        self._signs.append(signs)
        if alarm and not self._open() and self._fault is not None:
            self._open_alarm(time, i)

    def _top(self, i: int, n: int) -> list[dict[str, Any]]:
        share, signs = self._contrib[i], self._signs[i]
        order = np.argsort(-share, kind="stable")[:n]
        out = []
        for j in order:
            name, name_en, name_ko, unit = _VARIABLES[j]
            out.append({"variable": name, "name_en": name_en, "name_ko": name_ko, "unit": unit,
                        "contribution": round(float(share[j]), 4), "direction": "up" if signs[j] > 0 else "down"})
        return out

    def _open(self) -> dict[str, Any] | None:
        return self._alarms[-1] if self._alarms and self._alarms[-1]["end"] is None else None

    def _open_alarm(self, time: pd.Timestamp, i: int) -> None:
        fault = _FAULTS[self._fault or ""]
        if fault["probability"] is None:
            diag: dict[str, Any] = {**_UNKNOWN, "probability": None}
        else:
            diag = {"fault": self._fault, "title_en": fault["title_en"], "title_ko": fault["title_ko"],
                    "probability": fault["probability"]}
        self._alarms.append({"id": len(self._alarms) + 1, "start": _iso(time), "end": None,
                             "kind": fault["kind"], **diag, "top": self._top(i, 5)})

    def _start(self, fault: str, magnitude: float) -> None:
        self._close()
        self._fault, self._magnitude, self._since = fault, magnitude, len(self._samples)

    def _stop(self) -> str | None:
        was = self._fault
        self._close()
        self._fault, self._magnitude, self._since = None, 1.0, len(self._samples)
        return was

    def _close(self) -> None:
        open_ = self._open()
        if open_ is not None:
            open_["end"] = self._samples[-1]["time"]

    def _check(self, unit: str) -> None:
        if unit != _UNIT["unit"]:
            raise NotFoundError(f"process unit {unit!r} does not exist; known units: [{_UNIT['unit']!r}]")

    # ------------------------------------------------------------------ protocol
    def units(self) -> list[dict[str, Any]]:
        """The one unit with its state, injected fault and diagnosis."""
        with self._lock:
            last = self._samples[-1]
            open_ = self._open()
            if open_ is not None:
                state = "sensor_fault" if open_["kind"] == "sensor" else "alarm"
                diagnosis = {k: open_[k] for k in ("fault", "title_en", "title_ko", "probability")}
            else:
                state = "warming_up" if last["state"] == "warming_up" else "normal"
                diagnosis = None
            return [{**_UNIT, "state": state, "active_fault": self._fault, "diagnosis": diagnosis,
                     "n_variables": len(_VARIABLES), "updated": last["time"]}]

    def variables(self, unit: str) -> list[dict[str, Any]]:
        """The eight furnace variables."""
        self._check(unit)
        return [{"name": n, "name_en": en, "name_ko": ko, "unit": u} for n, en, ko, u in _VARIABLES]

    def scores(self, unit: str, *, last: int = 240) -> dict[str, Any]:
        """The statistics of the last ``last`` samples, oldest first, with their limits."""
        self._check(unit)
        with self._lock:
            data = [dict(s) for s in self._samples[-max(1, int(last)):]]
        return {"unit": unit, "statistics": ["t2", "spe", "window"], "limits": dict(_LIMITS), "data": data}

    def alarms(self, unit: str, *, limit: int = 50) -> list[dict[str, Any]]:
        """Alarms, newest first."""
        self._check(unit)
        with self._lock:
            return [{**a, "top": [dict(t) for t in a["top"]]} for a in reversed(self._alarms)][:max(0, int(limit))]

    def contributions(self, unit: str) -> list[dict[str, Any]]:
        """The latest sample's contributing variables, largest first."""
        self._check(unit)
        with self._lock:
            return self._top(len(self._samples) - 1, 10)

    def faults(self, unit: str) -> list[dict[str, Any]]:
        """The injectable fault catalogue."""
        self._check(unit)
        return [{"name": k, "title_en": f["title_en"], "title_ko": f["title_ko"], "kind": f["kind"],
                 "description_en": f["description_en"]} for k, f in _FAULTS.items()]

    def inject(self, unit: str, fault: str, *, magnitude: float = 1.0) -> dict[str, Any]:
        """Start ``fault`` from the next sample on (replacing any injected fault)."""
        self._check(unit)
        if fault not in _FAULTS:
            raise DataError(f"fault {fault!r} is not in the catalogue of {unit!r}; choose one of {sorted(_FAULTS)}",
                            column="fault")
        if not 0 < magnitude <= 5:
            raise DataError(f"magnitude must be in (0, 5], got {magnitude}", column="magnitude")
        with self._lock:
            self._start(fault, float(magnitude))
            started = self._samples[-1]["time"]
        return {"unit": unit, "fault": fault, "magnitude": float(magnitude), "started": started}

    def clear(self, unit: str) -> dict[str, Any]:
        """End the injected fault and close its alarm."""
        self._check(unit)
        with self._lock:
            return {"unit": unit, "cleared": self._stop()}

    def updated(self) -> str:
        """ISO time of the latest sample."""
        with self._lock:
            return self._samples[-1]["time"]
