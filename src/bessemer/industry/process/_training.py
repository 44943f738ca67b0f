"""Training a monitored unit from a process simulator (the demo) or from labelled histories."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ._diagnosis import NORMAL, FaultClassifier
from ._monitor import ProcessMonitor
from ._service import MonitoredUnit

#: quick settings for the demo: trained within seconds on 2 cores
DEMO_CLASSIFIER_PARAMS: dict[str, Any] = {"n_estimators": 80, "calibration_folds": 2, "n_jobs": 2}


def train_simulated_unit(sim: Any, *, normal_samples: int = 2880, fault_samples: int = 480,
                         magnitudes: tuple[float, ...] = (0.7, 1.3),
                         monitor_params: dict[str, Any] | None = None,
                         classifier_params: dict[str, Any] | None = None,
                         progress: Callable[[str, float], None] | None = None) -> MonitoredUnit:
    """Fit a monitor on the simulator's normal operation and a classifier on its process faults.

    ``sim`` is a :class:`~bessemer.sim.ReheatFurnace` (or anything with ``variables``,
    ``FAULTS``, ``history(n, fault=, onset=, magnitude=)`` and ``step``). Each process fault is
    simulated at each of ``magnitudes``; its samples are labelled with the fault once the monitor
    alarms on them. Sensor faults are not classes: the monitor reports them itself. The
    returned unit streams from ``sim``.
    """
    say = progress or (lambda stage, frac: None)
    say("simulating the furnace's normal operation", 0.0)
    normal = sim.history(normal_samples)
    monitor = ProcessMonitor(**(monitor_params or {})).fit_normal(normal)
    runs: list[tuple[Any, Any]] = [(normal, NORMAL)]
    process_faults = [f for f in sim.FAULTS.values() if f.kind == "process"]
    onset = fault_samples // 8
    for i, f in enumerate(process_faults):
        say(f"simulating fault {f.name}", 0.1 + 0.4 * i / max(len(process_faults), 1))
        for m_i, magnitude in enumerate(magnitudes):
            # each run starts on another day, so runs differ in production rate and charge, not only in fault
            start = sim.start - pd.Timedelta(days=3 + i * len(magnitudes) + m_i)
            run = sim.history(fault_samples, fault=f.name, onset=onset, magnitude=magnitude, start=start)
            # the classifier names the fault of an alarm: label a sample with its fault only once
            # the monitor sees it, so a fault's invisible first minutes are not taught as the fault
            seen = monitor.score(run)["alarm"].to_numpy().copy()
            seen[:onset] = False
            runs.append((run, np.where(seen, f.name, NORMAL).astype(object)))
    say("training the fault classifier", 0.5)
    classifier = FaultClassifier(**(classifier_params or DEMO_CLASSIFIER_PARAMS)).fit_runs(runs)
    say("monitor ready", 1.0)
    variables = [{"name": v.name, "name_en": v.name_en, "name_ko": v.name_ko, "unit": v.unit}
                 for v in sim.variables]
    faults = [{"name": f.name, "title_en": f.title_en, "title_ko": f.title_ko, "kind": f.kind,
               "description_en": f.description_en} for f in sim.FAULTS.values()]
    titles = {f.name: (f.title_en, f.title_ko) for f in sim.FAULTS.values()}
    name_en = getattr(sim, "name_en", "Reheating furnace")
    name_ko = getattr(sim, "name_ko", "가열로")
    return MonitoredUnit(sim.unit if hasattr(sim, "unit") else "rhf-1", name_en, name_ko, monitor, variables,
                         classifier=classifier, faults=faults, titles=titles, simulator=sim)
