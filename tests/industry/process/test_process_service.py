"""ProcessService and MonitoredUnit: alarm and sensor episodes, the protocol shapes, inject/clear, errors."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from bessemer.core import DataError, NotFoundError
from bessemer.industry.process import FaultClassifier, MonitoredUnit, ProcessMonitor, ProcessService

NAMES = ["a", "b", "c", "d"]
VARS = [{"name": v, "name_en": f"Var {v}", "name_ko": f"변수 {v}", "unit": "degC"} for v in NAMES]
_LOADINGS = np.array([[1.0, 0.8, -0.6, 0.4], [0.2, -0.5, 0.7, 1.0]])
T0 = pd.Timestamp("2026-01-01T00:00:00Z")
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
FAULTS = [{"name": "leak", "title_en": "Leak", "title_ko": "누설", "kind": "process", "description_en": "b rises"}]

UNIT_KEYS = {"unit", "name_en", "name_ko", "state", "active_fault", "diagnosis", "n_variables", "updated"}
ALARM_KEYS = {"id", "start", "end", "kind", "fault", "title_en", "title_ko", "probability", "top"}
TOP_KEYS = {"variable", "name_en", "name_ko", "unit", "contribution", "direction"}


def process(n: int, seed: int, *, leak_from: int | None = None) -> np.ndarray:
    rng = np.random.default_rng(seed)
    e = rng.normal(size=(n + 30, 2))
    f = np.zeros_like(e)
    for t in range(1, len(e)):
        f[t] = 0.6 * f[t - 1] + 0.8 * e[t]
    X = f[30:] @ _LOADINGS + 0.3 * rng.normal(size=(n, 4)) + [100.0, 50.0, 20.0, 5.0]
    if leak_from is not None:
        X[leak_from:, 1] += 4.0
    return X


@pytest.fixture(scope="module")
def monitor() -> ProcessMonitor:
    return ProcessMonitor(window=10, cv_folds=4).fit_normal(pd.DataFrame(process(1200, seed=1), columns=NAMES))


@pytest.fixture(scope="module")
def classifier() -> FaultClassifier:
    runs = {"normal": pd.DataFrame(process(400, seed=2), columns=NAMES),
            "leak": pd.DataFrame(process(400, seed=3, leak_from=0), columns=NAMES)}
    return FaultClassifier(n_estimators=20, calibration_folds=2, window=10).fit_runs(runs)


def make(monitor, classifier=None, **kw) -> ProcessService:
    monitor.reset()
    unit = MonitoredUnit("u1", "Unit 1", "공정 1", monitor, [dict(v) for v in VARS], classifier=classifier,
                         faults=[dict(f) for f in FAULTS], titles={"leak": ("Leak", "누설")})
    return ProcessService([unit], **kw)


def feed(svc: ProcessService, X: np.ndarray, start: int = 0) -> list[dict]:
    return [svc.ingest("u1", T0 + pd.Timedelta(minutes=start + i), x) for i, x in enumerate(X)]


def iso(i: int) -> str:
    return (T0 + pd.Timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%SZ")


class Spy:
    """A classifier stand-in that counts the diagnoses asked of it."""

    def __init__(self, inner: FaultClassifier) -> None:
        self.inner, self.calls = inner, 0

    def diagnose(self, X):
        self.calls += 1
        return self.inner.diagnose(X)


def test_an_alarm_episode_opens_with_a_diagnosis_and_closes_after_quiet_samples(monitor, classifier):
    seen: list[tuple[str, dict]] = []
    spy = Spy(classifier)
    svc = make(monitor, spy, clear_after=8, rediagnose_every=5, on_alarm=lambda u, a: seen.append((u, a)))
    X = process(260, seed=4)
    X[100:160, 1] += 4.0
    rows, open_at = [], []
    for i, x in enumerate(X):
        rows.append(svc.ingest("u1", T0 + pd.Timedelta(minutes=i), x))
        proc = [a for a in svc.alarms("u1") if a["kind"] == "process"]
        open_at.append(bool(proc) and proc[0]["end"] is None)
    alarm = np.array([r["alarm"] for r in rows])
    assert not alarm[:100].any() and alarm[105:160].all()
    first, last = int(np.flatnonzero(alarm)[0]), int(np.flatnonzero(alarm)[-1])
    assert last < 200
    episodes = [a for a in svc.alarms("u1") if a["kind"] == "process"]
    assert len(episodes) == 1
    ep = episodes[0]
    assert ep["start"] == iso(first) and ep["end"] == iso(last + 8)
    assert open_at[first] and open_at[last + 7] and not open_at[last + 8] and not open_at[first - 1]
    assert set(ep) == ALARM_KEYS and ep["fault"] == "leak" and (ep["title_en"], ep["title_ko"]) == ("Leak", "누설")
    assert 0.5 < ep["probability"] <= 1
    assert ep["top"][0]["variable"] == "b" and ep["top"][0]["direction"] == "up"
    assert ep["top"][0]["name_en"] == "Var b" and ep["top"][0]["unit"] == "degC"
    assert all(set(t) == TOP_KEYS for t in ep["top"]) and 1 <= len(ep["top"]) <= 5
    assert sum(t["contribution"] for t in ep["top"]) <= 1 + 1e-6
    # the callback fires once, when the episode opens; the diagnosis is refreshed every 5 alarmed samples
    assert [u for u, _ in seen] == ["u1"] and seen[0][1]["id"] == ep["id"]
    assert spy.calls == -(-int(alarm.sum()) // 5)


def test_without_a_classifier_the_fault_is_unknown_and_units_report_it(monitor):
    svc = make(monitor)
    feed(svc, process(80, seed=5, leak_from=40))
    u = svc.units()[0]
    assert set(u) == UNIT_KEYS and u["state"] == "alarm" and u["n_variables"] == 4
    assert u["diagnosis"] == {"fault": "unknown", "title_en": "Unknown fault", "title_ko": "알 수 없는 이상",
                              "probability": None}
    assert u["active_fault"] is None and u["updated"] == iso(79) == svc.updated()
    a = svc.alarms("u1")[0]
    assert a["fault"] == "unknown" and a["probability"] is None and a["end"] is None
    assert a["top"][0]["variable"] == "b"


def test_a_missing_sensor_opens_a_sensor_episode_not_a_process_alarm(monitor):
    svc = make(monitor)
    X = process(120, seed=6)
    X[50:60, 2] = np.nan
    rows = feed(svc, X)
    assert [r["state"] for r in rows[50:60]] == ["sensor_fault"] * 10
    assert not any(r["alarm"] for r in rows)
    alarms = svc.alarms("u1")
    assert len(alarms) == 1
    a = alarms[0]
    assert a["kind"] == "sensor" and a["fault"] == "sensor_fault" and a["title_en"] == "Sensor fault"
    assert (a["start"], a["end"]) == (iso(50), iso(60))
    assert [t["variable"] for t in a["top"]] == ["c"] and a["top"][0]["contribution"] == 1.0
    assert svc.units()[0]["diagnosis"] is None and svc.units()[0]["state"] == "normal"


def test_warming_up_then_normal_and_scores_shape(monitor):
    svc = make(monitor)
    assert svc.units()[0]["state"] == "warming_up" and svc.updated() == ""
    assert svc.scores("u1")["data"] == [] and svc.contributions("u1") == [] and svc.alarms("u1") == []
    rows = feed(svc, process(30, seed=7))
    assert [r["state"] for r in rows[:10]] == ["warming_up"] * 10 and rows[10]["state"] == "normal"
    sc = svc.scores("u1", last=12)
    assert set(sc) == {"unit", "statistics", "limits", "data"} and sc["unit"] == "u1"
    assert sc["statistics"] == ["t2", "spe", "window"]
    assert sc["limits"] == {s: pytest.approx(monitor.limits_[s]) for s in ("t2", "spe", "window")}
    assert len(sc["data"]) == 12 and [d["time"] for d in sc["data"]] == [iso(i) for i in range(18, 30)]
    for d in sc["data"]:
        assert set(d) == {"time", "t2", "spe", "window", "alarm", "state"} and ISO.match(d["time"])
        assert all(isinstance(d[s], float) for s in ("t2", "spe", "window")) and isinstance(d["alarm"], bool)
    assert sc["data"][-1]["t2"] == pytest.approx(rows[-1]["t2"])
    assert len(svc.scores("u1")["data"]) == 30


def test_contributions_variables_and_faults(monitor):
    svc = make(monitor)
    feed(svc, process(60, seed=8, leak_from=30))
    top = svc.contributions("u1")
    assert 1 <= len(top) <= 4 and all(set(t) == TOP_KEYS for t in top)
    assert top[0]["variable"] == "b" and top[0]["direction"] == "up"
    assert sum(t["contribution"] for t in top) <= 1 + 1e-6
    assert svc.variables("u1") == VARS
    svc.variables("u1")[0]["name"] = "changed"  # a copy: the service keeps its own
    assert svc.variables("u1")[0]["name"] == "a"
    assert svc.faults("u1") == FAULTS


def test_alarms_are_newest_first_with_a_limit(monitor):
    svc = make(monitor, clear_after=3)
    X = process(200, seed=9)
    X[40:60, 1] += 4.0
    X[120:140, 1] += 4.0
    X[90:95, 3] = np.nan
    feed(svc, X)
    alarms = svc.alarms("u1")
    assert [a["kind"] for a in alarms] == ["process", "sensor", "process"]
    assert [a["id"] for a in alarms] == sorted((a["id"] for a in alarms), reverse=True)
    assert all(a["end"] is not None for a in alarms[1:])
    assert [a["id"] for a in svc.alarms("u1", limit=1)] == [alarms[0]["id"]]


def test_unknown_unit_is_not_found(monitor):
    svc = make(monitor)
    for call in (lambda: svc.ingest("nope", T0, [1, 2, 3, 4]), lambda: svc.variables("nope"),
                 lambda: svc.scores("nope"), lambda: svc.alarms("nope"), lambda: svc.contributions("nope"),
                 lambda: svc.faults("nope"), lambda: svc.inject("nope", "leak"), lambda: svc.clear("nope")):
        with pytest.raises(NotFoundError, match="u1"):
            call()


def test_inject_needs_a_simulator(monitor):
    svc = make(monitor)
    with pytest.raises(DataError) as err:
        svc.inject("u1", "leak")
    assert err.value.column == "fault"
    assert svc.clear("u1") == {"unit": "u1", "cleared": None}


def test_history_is_bounded(monitor):
    monitor.reset()
    unit = MonitoredUnit("u1", "U", "U", monitor, VARS, history=25, buffer=15)
    svc = ProcessService([unit])
    feed(svc, process(40, seed=10))
    assert len(svc.scores("u1", last=100)["data"]) == 25 and len(unit.samples) == 15


def test_with_a_reheat_furnace_simulator():
    from bessemer.sim import ReheatFurnace

    rhf = ReheatFurnace(seed=3)
    mon = ProcessMonitor(window=8, cv_folds=3).fit_normal(rhf.history(300))
    variables = [{"name": v.name, "name_en": v.name_en, "name_ko": v.name_ko, "unit": v.unit} for v in rhf.variables]
    svc = ProcessService([MonitoredUnit("rhf-1", "Furnace", "가열로", mon, variables, simulator=rhf)])
    for _ in range(3):
        svc.step()
    out = svc.step_and_collect()
    assert len(out) == 1 and out[0][0] is rhf and out[0][1][1].shape == (24,)
    assert svc.updated() == "2026-01-01T00:03:00Z" and len(svc.scores("rhf-1")["data"]) == 4
    got = svc.inject("rhf-1", "burner_failure", magnitude=2)
    assert got == {"unit": "rhf-1", "fault": "burner_failure", "magnitude": 2.0, "started": "2026-01-01T00:03:00Z"}
    assert svc.units()[0]["active_fault"] == "burner_failure"
    with pytest.raises(DataError) as err:
        svc.inject("rhf-1", "no_such_fault")
    assert err.value.column == "fault"
    assert svc.clear("rhf-1") == {"unit": "rhf-1", "cleared": "burner_failure"}
    assert svc.units()[0]["active_fault"] is None
    assert svc.clear("rhf-1")["cleared"] is None
    svc.inject("rhf-1", "sensor_dropout")
    svc.step()
    assert svc.scores("rhf-1")["data"][-1]["state"] == "sensor_fault"
    assert svc.alarms("rhf-1")[0]["kind"] == "sensor"


def test_naive_times_are_taken_as_utc(monitor):
    svc = make(monitor)
    try:
        svc.ingest("u1", pd.Timestamp("2026-01-01 00:05"), process(1, seed=11)[0])
    except DataError:
        return
    assert svc.updated() == "2026-01-01T00:05:00Z"
    assert svc.scores("u1")["data"][0]["time"] == "2026-01-01T00:05:00Z"


def test_sensor_episode_items_follow_the_protocol_direction(monitor):
    svc = make(monitor)
    X = process(30, seed=12)
    X[20:, 0] = np.nan
    feed(svc, X)
    assert svc.alarms("u1")[0]["top"][0]["direction"] == "missing"  # a dead sensor has no up or down
