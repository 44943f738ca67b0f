"""Production scheduling against time-of-use prices: tiny instances solved by hand, errors, the EAF instance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bessemer.core import ConfigError, DataError, ModelError
from bessemer.industry.energy._instances import (
    HEAT_TONNES,
    KWH_PER_TONNE,
    TAP_TO_TAP_SLOTS,
    eaf_profile,
    make_eaf_instance,
)
from bessemer.industry.energy._schedule import (
    Job,
    ScheduleInfeasibleError,
    SchedulingProblem,
    as_is,
    evaluate,
    saving,
    solve,
)

START = "2026-08-03T00:00+09:00"


def _problem(jobs, price, **kw):
    kw.setdefault("demand_rate_won_per_kw", 0.0)
    kw.setdefault("machines", {"m": 2})
    return SchedulingProblem(start=START, n_slots=len(price), price_won_per_kwh=price, jobs=jobs, **kw)


def _starts(schedule):
    return {a.job: a.start_slot for a in schedule.assignments}


def _kepco_like_price(times: pd.DatetimeIndex) -> np.ndarray:
    """A 3-band summer pattern built by the test (고압B 선택III, 2024-10-24 table of the reference, Derived):
    light 22-08 h, maximum 15-21 h, medium otherwise. Only the shape matters for these tests."""
    h = np.asarray(times.hour)
    band = np.where((h >= 22) | (h < 8), 0, np.where((h >= 15) & (h < 21), 2, 1))
    return np.array([120.8, 173.1, 254.4])[band]


# --------------------------------------------------------------------------- optima by hand
def test_cheapest_slot_is_chosen_and_costed():
    p = _problem([Job(id="a", profile_kwh=[10, 20], machine_group="m")], [5, 5, 5, 1, 1, 5, 5, 5])
    s = solve(p)
    assert _starts(s) == {"a": 3}
    assert s.status == "optimal" and s.energy_cost_won == pytest.approx(30.0)
    assert s.objective == pytest.approx(30.0) and s.best_bound == pytest.approx(30.0, abs=1e-6)
    assert 0.0 <= s.mip_gap <= 1e-3
    base = as_is(p)  # earliest start: slot 0 at 5 won/kWh
    assert _starts(base) == {"a": 0} and base.total_cost_won == pytest.approx(150.0)
    sv = saving(base, s)
    assert sv["saving_won"] == pytest.approx(120.0) and sv["saving_pct"] == pytest.approx(80.0)
    np.testing.assert_allclose(s.job_load_kw, [0, 0, 0, 40, 80, 0, 0, 0])  # kW = kWh per 15 min x 4


def test_power_limit_forces_a_split():
    jobs = [Job(id="a", profile_kwh=[10], machine_group="m"), Job(id="b", profile_kwh=[10], machine_group="m")]
    price = [1, 3, 2, 5]
    free = solve(_problem(jobs, price))
    assert sorted(_starts(free).values()) == [0, 0]  # without a limit both take the cheapest slot
    limited = solve(_problem(jobs, price, power_limit_kw=50.0))  # 40 kW each: only one per slot
    assert sorted(_starts(limited).values()) == [0, 2]
    assert limited.total_cost_won == pytest.approx(10 + 20) and limited.peak_kw == pytest.approx(40.0)
    # the greedy baseline respects the limit too: second job in the next slot
    assert sorted(_starts(as_is(_problem(jobs, price, power_limit_kw=50.0))).values()) == [0, 1]


def test_precedence_and_its_gap_are_respected():
    price = [9, 9, 9, 1, 1, 1, 9, 9, 2, 9]
    a = Job(id="a", profile_kwh=[10, 10], machine_group="m", min_gap_after=1)
    b_free = Job(id="b", profile_kwh=[10], machine_group="m")
    assert solve(_problem([a, b_free], price)).total_cost_won == pytest.approx(30.0)  # all in slots 3-5
    b = Job(id="b", profile_kwh=[10], machine_group="m", predecessors=("a",))
    s = solve(_problem([a, b], price))
    st = _starts(s)
    # a takes two of the cheap slots 3-5; b must wait for a's end plus one slot, so slot 6 or later: 8 is cheapest
    assert st["a"] in (3, 4) and st["b"] == 8
    assert s.total_cost_won == pytest.approx(20 + 20)


def test_crew_must_be_on_shift_for_the_whole_run():
    on = np.ones(8, dtype=bool)
    on[2:4] = False  # the crew is off in the two cheapest slots
    price = [5, 5, 1, 1, 5, 3, 5, 5]
    jobs = [Job(id="crewed", profile_kwh=[10], machine_group="m", crew="melt"),
            Job(id="auto", profile_kwh=[10], machine_group="m")]
    s = solve(_problem(jobs, price, crews={"melt": on}))
    st = _starts(s)
    assert st["crewed"] == 5 and st["auto"] in (2, 3)
    long = [Job(id="crewed", profile_kwh=[10, 10], machine_group="m", crew="melt")]
    # slots 1-2 (1 + 1 won/kWh) would cross the gap; slots 4-5 (1 + 2) beat slots 0-1 (5 + 1)
    assert _starts(solve(_problem(long, [5, 1, 1, 1, 1, 2, 5, 5], crews={"melt": on}))) == {"crewed": 4}


@pytest.mark.parametrize(("rate", "together"), [(1.0, False), (0.1, True)])
def test_demand_charge_trades_against_energy(rate, together):
    # both jobs in the cheap slot save 10 won of energy but raise the peak from 40 to 80 kW
    jobs = [Job(id="a", profile_kwh=[10], machine_group="m"), Job(id="b", profile_kwh=[10], machine_group="m")]
    p = _problem(jobs, [1, 2, 2, 2], demand_rate_won_per_kw=rate, existing_peak_kw=40.0)
    s = solve(p)
    st = sorted(_starts(s).values())
    if together:
        assert st == [0, 0] and s.demand_cost_won == pytest.approx(0.1 * 40) and s.total_cost_won == pytest.approx(24)
    else:
        assert st[0] == 0 and st[1] > 0 and s.demand_cost_won == 0.0 and s.total_cost_won == pytest.approx(30)
    assert s.objective == pytest.approx(s.jobs_cost_won)


def test_base_load_is_costed_and_counts_toward_the_peak():
    p = _problem([Job(id="a", profile_kwh=[10], machine_group="m")], [1, 2], base_load_kw=[100.0, 20.0],
                 demand_rate_won_per_kw=1.0, existing_peak_kw=100.0)
    s = solve(p)
    # slot 0 is cheaper but lifts the peak to 140 kW (40 won of demand): slot 1 costs 20 won, no new peak
    assert _starts(s) == {"a": 1} and s.peak_kw == pytest.approx(100.0)
    assert s.energy_cost_won == pytest.approx(100 / 4 * 1 + 20 / 4 * 2 + 10 * 2)
    assert s.jobs_cost_won == pytest.approx(20.0)


def test_named_machines_are_kept():
    jobs = [Job(id="pin", profile_kwh=[10], machines=("B",)),
            Job(id="x", profile_kwh=[10], machine_group="eaf"),
            Job(id="y", profile_kwh=[10], machine_group="eaf")]
    p = _problem(jobs, [1, 2, 3], machines={"eaf": ["A", "B"]})
    s = solve(p)
    machine = {a.job: a.machine for a in s.assignments}
    assert machine["pin"] == "B"
    assert s.total_cost_won == pytest.approx(10 * 1 + 10 * 1 + 10 * 2)  # two in slot 0 (A and B), one in slot 1
    assert evaluate(p, s.starts).total_cost_won == pytest.approx(s.total_cost_won)
    with pytest.raises(DataError, match="cannot run on machine 'A'"):
        evaluate(p, {"pin": ("A", 0), "x": 1, "y": 2})


# --------------------------------------------------------------------------- infeasible
def test_machine_capacity_infeasibility_is_named():
    jobs = [Job(id="a", profile_kwh=[1, 1], machine_group="m", due=3),
            Job(id="b", profile_kwh=[1, 1], machine_group="m", due=3)]
    with pytest.raises(ScheduleInfeasibleError, match="machine capacity") as err:
        solve(_problem(jobs, [1, 1, 1, 1], machines={"m": 1}))
    assert err.value.constraint == "machines"
    with pytest.raises(ScheduleInfeasibleError, match="as-is rule"):
        as_is(_problem(jobs, [1, 1, 1, 1], machines={"m": 1}))


def test_power_limit_infeasibility_is_named():
    jobs = [Job(id="a", profile_kwh=[10], machine_group="m", due=1),
            Job(id="b", profile_kwh=[10], machine_group="m", due=1)]
    with pytest.raises(ScheduleInfeasibleError, match="power limit") as err:
        solve(_problem(jobs, [1, 1], power_limit_kw=50.0))
    assert err.value.constraint == "power"
    # a single job that breaks the limit everywhere is caught before the solver, by name
    big = [Job(id="big", profile_kwh=[20], machine_group="m")]
    with pytest.raises(ScheduleInfeasibleError, match="'big'.*80 kW breaks the power limit") as err:
        solve(_problem(big, [1, 1], power_limit_kw=50.0))
    assert err.value.constraint == "power"


def test_window_crew_and_precedence_checks_each_job_alone():
    with pytest.raises(ScheduleInfeasibleError, match="lasts 3 slots but its window") as err:
        _problem([Job(id="a", profile_kwh=[1, 1, 1], machine_group="m", release=2, due=4)], [1] * 6)
    assert err.value.constraint == "window" and err.value.column == "due" and err.value.row == 1
    off = np.array([True, False, True, False, True, True])
    with pytest.raises(ScheduleInfeasibleError, match="crew 'c' is never on shift") as err:
        solve(_problem([Job(id="a", profile_kwh=[1, 1], machine_group="m", crew="c", due=4)], [1] * 6,
                       crews={"c": off}))
    assert err.value.constraint == "crew"
    chain = [Job(id="a", profile_kwh=[1, 1], machine_group="m", due=3),
             Job(id="b", profile_kwh=[1], machine_group="m", due=2, predecessors=("a",))]
    with pytest.raises(ScheduleInfeasibleError, match="predecessor 'a'") as err:
        solve(_problem(chain, [1] * 4))
    assert err.value.constraint == "precedence"


def test_time_limit_without_a_schedule_is_an_error():
    p = make_eaf_instance(price_won_per_kwh=_kepco_like_price, demand_rate_won_per_kw=8190.0, seed=0)
    with pytest.raises(ModelError, match="no feasible schedule found within the time limit"):
        solve(p, time_limit_s=1e-6, warm_start=False)


# --------------------------------------------------------------------------- evaluate
def test_evaluate_catches_an_overlap_and_other_breaks():
    jobs = [Job(id="a", profile_kwh=[10, 10], machine_group="m"), Job(id="b", profile_kwh=[10], machine_group="m")]
    p = _problem(jobs, [1, 2, 3, 4], machines={"m": 1})
    with pytest.raises(ScheduleInfeasibleError, match="overlap on machine 'm-1'") as err:
        evaluate(p, {"a": 0, "b": 1})
    assert err.value.constraint == "machines"
    loose = evaluate(p, {"a": 0, "b": 1}, strict=False)
    assert loose.status == "infeasible" and len(loose.violations) == 1
    assert loose.total_cost_won == pytest.approx(10 + 20 + 20)  # still costed
    ok = evaluate(p, {"a": 0, "b": pd.Timestamp(START) + pd.Timedelta(minutes=30)})
    assert ok.status == "feasible" and _starts(ok) == {"a": 0, "b": 2}
    with pytest.raises(ScheduleInfeasibleError, match="outside the horizon"):
        evaluate(p, {"a": 3, "b": 0})
    limited = _problem(jobs, [1, 2, 3, 4], power_limit_kw=50.0)
    with pytest.raises(ScheduleInfeasibleError, match="exceeds the power limit") as err:
        evaluate(limited, {"a": 0, "b": 1})
    assert err.value.constraint == "power"
    with pytest.raises(DataError, match="not on a 15-minute slot boundary"):
        evaluate(p, {"a": 0, "b": pd.Timestamp(START) + pd.Timedelta(minutes=20)})
    with pytest.raises(DataError, match="lacks 1 jobs"):
        evaluate(p, {"a": 0})


def test_evaluate_checks_precedence_crew_and_window():
    on = np.array([True, True, False, True])
    jobs = [Job(id="a", profile_kwh=[1], machine_group="m", min_gap_after=1),
            Job(id="b", profile_kwh=[1], machine_group="m", predecessors=("a",), crew="c", release=1)]
    p = _problem(jobs, [1, 1, 1, 1], crews={"c": on})
    found = evaluate(p, {"a": 0, "b": 0}, strict=False).violations
    assert any("outside its window" in v for v in found)
    assert any("before its predecessor 'a'" in v for v in found)
    assert any("off shift" in v for v in evaluate(p, {"a": 0, "b": 2}, strict=False).violations)
    assert evaluate(p, {"a": 0, "b": 3}).status == "feasible"


# --------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"price_won_per_kwh": [1.0, np.nan, 1.0, 1.0]}, "price_won_per_kwh must be finite"),
        ({"price_won_per_kwh": [1.0, 1.0]}, "one value per slot"),
        ({"price_won_per_kwh": [1.0, 1.0, 1.0, 150_000.0]}, "check the unit"),
        ({"start": "2026-08-03T00:00"}, "timezone-aware"),
        ({"demand_rate_won_per_kw": -1.0}, "demand_rate_won_per_kw"),
        ({"base_load_kw": [0.0, -5.0, 0.0, 0.0]}, "base_load_kw"),
        ({"base_load_kw": [0.0, 60.0, 0.0, 0.0], "power_limit_kw": 50.0}, "base load alone"),
        ({"machines": {"m": 0}}, "count must be in"),
        ({"machines": {"m": ["A", "A"]}}, "unique"),
        ({"crews": {"c": [True, 2, True, True]}}, "True/False"),
        ({"n_slots": 0}, "n_slots"),
    ],
)
def test_problem_rejects_bad_inputs(change, match):
    kw = {"start": START, "n_slots": 4, "price_won_per_kwh": [1.0, 1.0, 1.0, 1.0], "demand_rate_won_per_kw": 0.0,
          "machines": {"m": 1}, "jobs": [Job(id="a", profile_kwh=[1.0], machine_group="m")]} | change
    with pytest.raises(DataError, match=match):
        SchedulingProblem(**kw)


@pytest.mark.parametrize(
    ("jobs", "match", "column"),
    [
        ([Job(id="a", profile_kwh=[1], machine_group="m", release=3, due=2)], "must come after release", "due"),
        ([Job(id="a", profile_kwh=[1], machine_group="m", predecessors=("zz",))], "unknown predecessor",
         "predecessors"),
        ([Job(id="a", profile_kwh=[1], machine_group="lf")], "unknown machine group 'lf'", "machine_group"),
        ([Job(id="a", profile_kwh=[1], machines=("X",))], "unknown machines", "machines"),
        ([Job(id="a", profile_kwh=[1], machine_group="m", crew="night")], "unknown crew", "crew"),
        ([Job(id="a", profile_kwh=[1], machine_group="m"), Job(id="a", profile_kwh=[1], machine_group="m")],
         "appears twice", "id"),
        ([Job(id="a", profile_kwh=[1], machine_group="m", release=9)], r"slot must be in \[0, 4\]", "release"),
    ],
)
def test_jobs_are_checked_against_the_problem(jobs, match, column):
    with pytest.raises(DataError, match=match) as err:
        _problem(jobs, [1.0] * 4)
    assert err.value.column == column


def test_cyclic_precedence_is_named():
    jobs = [Job(id="a", profile_kwh=[1], machine_group="m", predecessors=("c",)),
            Job(id="b", profile_kwh=[1], machine_group="m", predecessors=("a",)),
            Job(id="c", profile_kwh=[1], machine_group="m", predecessors=("b",))]
    with pytest.raises(ScheduleInfeasibleError, match="cycle") as err:
        _problem(jobs, [1.0] * 4)
    assert err.value.constraint == "precedence" and "'a'" in str(err.value) and "'c'" in str(err.value)


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"id": "evil\x1b[31m", "profile_kwh": [1], "machine_group": "m"}, "printable"),
        ({"id": "", "profile_kwh": [1], "machine_group": "m"}, "non-empty"),
        ({"id": "a", "profile_kwh": [], "machine_group": "m"}, "1 to"),
        ({"id": "a", "profile_kwh": [1, -2], "machine_group": "m"}, "profile_kwh must be finite"),
        ({"id": "a", "profile_kwh": [1, np.inf], "machine_group": "m"}, "profile_kwh must be finite"),
        ({"id": "a", "profile_kwh": [5e7], "machine_group": "m"}, "check the unit"),
        ({"id": "a", "profile_kwh": "abc", "machine_group": "m"}, "profile_kwh must be"),
        ({"id": "a", "profile_kwh": [1]}, "exactly one of"),
        ({"id": "a", "profile_kwh": [1], "machine_group": "m", "machines": ("m-1",)}, "exactly one of"),
        ({"id": "a", "profile_kwh": [1], "machine_group": "m", "predecessors": ("a",)}, "own predecessor"),
        ({"id": "a", "profile_kwh": [1], "machine_group": "m", "min_gap_after": 1.5}, "whole number"),
        ({"id": "a", "profile_kwh": [1], "machine_group": "m", "tonnes": -3.0}, "tonnes"),
    ],
)
def test_job_rejects_bad_fields(kw, match):
    with pytest.raises(DataError, match=match):
        Job(**kw)


def test_times_round_to_slots_conservatively():
    t0 = pd.Timestamp(START)
    job = Job(id="a", profile_kwh=[1], machine_group="m", release=t0 + pd.Timedelta(minutes=20),
              due=t0 + pd.Timedelta(minutes=70))
    p = _problem([job], [1.0] * 8)
    assert p.window("a") == (2, 4)  # released at 00:20 -> may start 00:30; due 01:10 -> must end by 01:00
    far = Job(id="a", profile_kwh=[1], machine_group="m", due=t0 + pd.Timedelta(days=9))
    assert _problem([far], [1.0] * 8).window("a") == (0, 8)


def test_solver_settings_are_checked():
    p = _problem([Job(id="a", profile_kwh=[1], machine_group="m")], [1.0, 2.0])
    for kw in ({"time_limit_s": 0}, {"time_limit_s": float("inf")}, {"mip_gap": float("nan")}, {"mip_gap": -0.1},
               {"threads": -1}, {"threads": 1.5}):
        with pytest.raises(ConfigError):
            solve(p, **kw)
    # changing the thread count between solves works (HiGHS keeps one pool per process)
    assert _starts(solve(p, threads=2)) == _starts(solve(p, threads=1)) == {"a": 0}


def test_records_for_a_gantt_chart():
    jobs = [Job(id="a", profile_kwh=[10, 20], machine_group="m"), Job(id="b", profile_kwh=[5], machine_group="m")]
    s = solve(_problem(jobs, [3, 1, 1, 3]))
    rec = s.to_records()
    assert [r["job"] for r in rec] == ["a", "b"] or [r["job"] for r in rec] == ["b", "a"]
    assert set(rec[0]) == {"job", "machine", "start", "end", "kwh", "cost_won"}
    a = next(r for r in rec if r["job"] == "a")
    assert a == {"job": "a", "machine": a["machine"], "start": "2026-08-03T00:15:00+09:00",
                 "end": "2026-08-03T00:45:00+09:00", "kwh": 30.0, "cost_won": 30.0}
    assert sum(r["cost_won"] for r in rec) == pytest.approx(s.jobs_cost_won)
    summary = s.summary()
    assert summary["method"] == "milp" and summary["total_cost_won"] == pytest.approx(s.total_cost_won)
    p = _problem(jobs, [3, 1, 1, 3])
    assert p.machines_of("b") == ("m-1", "m-2")
    with pytest.raises(KeyError, match="unknown job 'zz'"):
        p.window("zz")


# --------------------------------------------------------------------------- the EAF instance
def test_instance_needs_prices_from_the_caller():
    with pytest.raises(ConfigError, match="price_won_per_kwh is required"):
        make_eaf_instance(demand_rate_won_per_kw=8190.0)
    with pytest.raises(ConfigError, match="demand_rate_won_per_kw is required"):
        make_eaf_instance(price_won_per_kwh=_kepco_like_price)
    with pytest.raises(DataError, match="one value per slot"):
        make_eaf_instance(price_won_per_kwh=np.ones(10), demand_rate_won_per_kw=8190.0)
    with pytest.raises(ConfigError, match="do not fit"):
        make_eaf_instance(heats=200, price_won_per_kwh=_kepco_like_price, demand_rate_won_per_kw=8190.0)


def test_instance_is_realistic_and_deterministic():
    p = make_eaf_instance(price_won_per_kwh=_kepco_like_price, demand_rate_won_per_kw=8190.0, seed=0)
    assert p.n_slots == 192 and len(p.jobs) == 30 and p.machines == {"eaf": 2}
    for j in p.jobs:
        assert HEAT_TONNES[0] <= j.tonnes <= HEAT_TONNES[1]
        assert KWH_PER_TONNE[0] <= j.energy_kwh / j.tonnes <= KWH_PER_TONNE[1]
        assert j.duration in TAP_TO_TAP_SLOTS and int(np.argmax(j.profile_kwh)) == 1  # main-melt peak
        assert j.profile_kwh[-1] < j.profile_kwh[1]  # refining draws less
    chained = [j for j in p.jobs if j.predecessors]
    by_id = {j.id: j for j in p.jobs}
    assert chained and all(by_id[j.predecessors[0]].min_gap_after == 1 for j in chained)
    assert not p.crews["melt"].all() and p.crews["melt"].mean() > 0.9  # a gap or two in three shifts
    peaks = [4 * j.profile_kwh.max() for j in p.jobs]
    # each heat fits alone, two typical heats at main melt do not
    assert p.base_load_kw.max() + max(peaks) <= p.power_limit_kw < p.base_load_kw.min() + 2 * np.median(peaks)
    q = make_eaf_instance(price_won_per_kwh=_kepco_like_price(p.times), demand_rate_won_per_kw=8190.0, seed=0)
    assert [(j.release, j.due, j.predecessors) for j in p.jobs] == [(j.release, j.due, j.predecessors) for j in q.jobs]
    np.testing.assert_array_equal(np.concatenate([j.profile_kwh for j in p.jobs]),
                                  np.concatenate([j.profile_kwh for j in q.jobs]))
    r = make_eaf_instance(price_won_per_kwh=_kepco_like_price, demand_rate_won_per_kw=8190.0, seed=1)
    assert [j.tonnes for j in r.jobs] != [j.tonnes for j in p.jobs]
    for seed in range(5):  # the as-is rule always finds a schedule
        q = make_eaf_instance(price_won_per_kwh=_kepco_like_price, demand_rate_won_per_kw=8190.0, seed=seed)
        assert as_is(q).status == "feasible"
    np.testing.assert_allclose(eaf_profile(130.0, 400.0, 5).sum(), 52_000.0)


def test_progress_reports_improving_schedules():
    p = make_eaf_instance(days=1, heats=8, price_won_per_kwh=_kepco_like_price, demand_rate_won_per_kw=8190.0,
                          seed=3)
    seen = []
    s = solve(p, time_limit_s=30, progress=seen.append)
    assert seen and set(seen[0]) == {"time_s", "objective", "best_bound", "mip_gap"}
    objectives = [x["objective"] for x in seen]
    assert objectives == sorted(objectives, reverse=True)
    assert objectives[-1] == pytest.approx(s.objective, rel=1e-9)
    assert s.total_cost_won <= as_is(p).total_cost_won + 1e-6


def test_two_day_thirty_heat_instance_solves_with_a_saving():
    p = make_eaf_instance(days=2, heats=30, furnaces=2, price_won_per_kwh=_kepco_like_price,
                          demand_rate_won_per_kw=8190.0, seed=0)
    base = as_is(p)
    s = solve(p, time_limit_s=50.0)
    sv = saving(base, s)
    print(f"\n2-day 30-heat EAF: status={s.status} solve_s={s.solve_s:.1f} gap={s.mip_gap:.2e} "
          f"as-is={base.total_cost_won:,.0f} won optimal={s.total_cost_won:,.0f} won "
          f"saving={sv['saving_won']:,.0f} won ({sv['saving_pct']:.1f}% of the bill, "
          f"{sv['saving_pct_of_jobs']:.1f}% of the heats' cost)")
    assert s.status in ("optimal", "time_limit") and s.solve_s < 60.0
    assert 0.0 <= s.mip_gap <= (1e-3 if s.status == "optimal" else 1.0)
    assert s.best_bound <= s.objective + 1e-6 and s.objective == pytest.approx(s.jobs_cost_won, rel=1e-9)
    checked = evaluate(p, s.starts)  # feasible by an independent check, same cost
    assert checked.total_cost_won == pytest.approx(s.total_cost_won)
    assert sv["saving_won"] > 0 and s.peak_kw <= p.power_limit_kw + 1e-6
