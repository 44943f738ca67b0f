"""`bessemer bench tep`: fault detection and diagnosis on the Tennessee Eastman data (Braatz).

Protocol:

* the monitor is fitted on ``d00.dat`` (normal operation) only, with its default settings;
* the fault classifier is fitted on ``d00.dat`` and every ``dNN.dat`` present, except the
  faults the literature finds unobservable (3, 9, 15: no class can be learnt from them);
* every ``dNN_te.dat`` present is scored as one stream from its first sample. Its first 160
  samples are normal: alarms there are false alarms. From sample 161 on, the fault is active:
  the detection rate is the share of those samples in alarm, the delay is the number of
  samples from the fault's introduction to the first alarm, and the diagnosis accuracy is
  the share of those samples whose diagnosis is the true fault ("unknown", "normal" and
  samples not yet diagnosed count as wrong). ``diagnosis_acc_alarmed`` is the same share over
  the faulty samples that raised an alarm (the diagnosis a person sees);
* ``d00_te.dat`` is normal throughout: ``far_d00`` is its share of samples in alarm;
* means are taken over the faults present other than 3, 9 and 15.

Nothing is tuned on the test files: the monitor's and classifier's settings are their
defaults, chosen on the training files alone.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from bessemer._compat import peak_rss_mb
from bessemer.core import DataError
from bessemer.datasets._tep import TEST_ONSET, UNOBSERVABLE, load_tep

from ._diagnosis import NORMAL, FaultClassifier
from ._monitor import ProcessMonitor


def run_tep_bench(data_dir: str | Path, *, n_jobs: int = 2, progress: Any = None,
                  monitor_params: dict[str, Any] | None = None,
                  classifier_params: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run the protocol above; returns the figures (fractions in [0, 1], delays in samples, times in s)."""
    say = progress or (lambda msg: None)
    data = load_tep(data_dir)
    if data.normal is None:
        raise DataError("the TEP folder has no d00.dat (normal operation) to train the monitor on",
                        file=str(data_dir))
    if not data.test:
        raise DataError("the TEP folder has no dNN_te.dat test file to evaluate", file=str(data_dir))
    say(f"fitting the monitor on d00.dat ({len(data.normal)} samples)")
    t0 = time.perf_counter()
    monitor = ProcessMonitor(**(monitor_params or {})).fit_normal(data.normal, source="d00.dat")
    t1 = time.perf_counter()
    runs: dict[str, Any] = {NORMAL: data.normal}
    for k, X in sorted(data.faults.items()):
        if k not in UNOBSERVABLE:
            runs[str(k)] = X
    clf = None
    if len(runs) > 1:
        say(f"fitting the fault classifier on d00.dat and {len(runs) - 1} fault runs")
        clf = FaultClassifier(n_jobs=n_jobs, **(classifier_params or {})).fit_runs(runs)
    t2 = time.perf_counter()

    per_fault: dict[str, dict[str, Any]] = {}
    score_s = 0.0
    n_scored = 0
    for k, X in sorted(data.test.items()):
        say(f"scoring d{k:02d}_te.dat")
        ts = time.perf_counter()
        s = monitor.score(X)
        score_s += time.perf_counter() - ts
        n_scored += len(X)
        alarm = s["alarm"].to_numpy()
        if k == 0:
            per_fault["0"] = {"far": float(alarm.mean()), "n_samples": len(X)}
            continue
        before, after = alarm[:TEST_ONSET], alarm[TEST_ONSET:]
        hits = np.flatnonzero(after)
        row: dict[str, Any] = {"fdr": float(after.mean()), "far": float(before.mean()),
                               "delay": int(hits[0]) + 1 if len(hits) else None}
        if clf is not None:
            d = clf.diagnose(X).iloc[TEST_ONSET:]
            right = (d["fault"].to_numpy() == str(k))
            row["diagnosis_acc"] = float(right.mean())
            row["diagnosis_acc_alarmed"] = float(right[after].mean()) if after.any() else 0.0
            row["unknown_share"] = float((d["fault"] == "unknown").mean())
            row["known_class"] = str(k) in runs
        per_fault[str(k)] = row

    counted = [f for f in per_fault if f != "0" and int(f) not in UNOBSERVABLE]

    def mean(key: str) -> float | None:
        vals = [per_fault[f][key] for f in counted if per_fault[f].get(key) is not None]
        return float(np.mean(vals)) if vals else None

    return {
        "mean_fdr": mean("fdr"),
        "mean_far": mean("far"),
        "far_d00": per_fault.get("0", {}).get("far"),
        "mean_delay": mean("delay"),
        "diagnosis_acc": mean("diagnosis_acc"),
        "diagnosis_acc_alarmed": mean("diagnosis_acc_alarmed"),
        "faults_counted": [int(f) for f in counted],
        "per_fault": per_fault,
        "fit_monitor_s": t1 - t0,
        "fit_classifier_s": t2 - t1,
        "score_rows_s": n_scored / score_s if score_s > 0 else None,
        "calibration_alarm_rate": monitor.calibration_["calibration_alarm_rate"],
        "classifier_temperature": getattr(clf, "temperature_", None),
        "peak_mb": peak_rss_mb(),
    }


def format_tep_report(r: dict[str, Any]) -> str:
    """A table per fault and the means.

    Examples
    --------
    >>> print(format_tep_report({"per_fault": {"0": {"far": 0.01}, "1": {"fdr": 0.99, "far": 0.0, "delay": 7,
    ...     "diagnosis_acc": 0.95, "diagnosis_acc_alarmed": 0.96}}, "mean_fdr": 0.99, "mean_far": 0.0,
    ...     "far_d00": 0.01, "mean_delay": 7, "diagnosis_acc": 0.95, "diagnosis_acc_alarmed": 0.96,
    ...     "faults_counted": [1], "fit_monitor_s": 0.1, "fit_classifier_s": 5.0}))
    Tennessee Eastman (Braatz): monitor on d00.dat, classifier on dNN.dat, test on dNN_te.dat
     fault  detect  false al.  delay  diagnosis  (alarmed)
         0       -      0.010      -          -          -
         1   0.990      0.000      7      0.950      0.960
      mean   0.990      0.000    7.0      0.950      0.960   over faults [1]
    false alarms on d00_te.dat: 0.010; fit: monitor 0.1 s, classifier 5.0 s
    """
    def f(v: Any, fmt: str = "{:.3f}") -> str:
        return "-" if v is None else fmt.format(v)

    lines = ["Tennessee Eastman (Braatz): monitor on d00.dat, classifier on dNN.dat, test on dNN_te.dat",
             " fault  detect  false al.  delay  diagnosis  (alarmed)"]
    for k, row in sorted(r["per_fault"].items(), key=lambda kv: int(kv[0])):
        lines.append(f"{int(k):>6}  {f(row.get('fdr')):>6}  {f(row.get('far')):>9}  {f(row.get('delay'), '{}'):>5}"
                     f"  {f(row.get('diagnosis_acc')):>9}  {f(row.get('diagnosis_acc_alarmed')):>9}")
    lines.append(f"{'mean':>6}  {f(r['mean_fdr']):>6}  {f(r['mean_far']):>9}  {f(r['mean_delay'], '{:.1f}'):>5}"
                 f"  {f(r['diagnosis_acc']):>9}  {f(r['diagnosis_acc_alarmed']):>9}"
                 f"   over faults {r['faults_counted']}")
    lines.append(f"false alarms on d00_te.dat: {f(r['far_d00'])}; fit: monitor {r['fit_monitor_s']:.1f} s, "
                 f"classifier {r['fit_classifier_s']:.1f} s")
    return "\n".join(lines)
