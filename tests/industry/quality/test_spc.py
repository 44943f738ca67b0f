"""control_chart: constants, limits by hand, EWMA and CUSUM behaviour, false alarms, missing values, bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import integrate, stats

from bessemer.core import DataError
from bessemer.industry.quality._spc import KINDS, XBAR_R_CONSTANTS, ControlChart, control_chart

NAN = float("nan")


# --------------------------------------------------------------------------- constants
def test_constants_match_montgomery():
    # Montgomery, Introduction to Statistical Quality Control, Appendix VI
    assert XBAR_R_CONSTANTS[5] == (0.577, 0.0, 2.114, 2.326)
    assert XBAR_R_CONSTANTS[2][3] == 1.128 and XBAR_R_CONSTANTS[10][0] == 0.308 and XBAR_R_CONSTANTS[7][1] == 0.076


@pytest.mark.parametrize("n", sorted(XBAR_R_CONSTANTS))
def test_constants_agree_with_the_normal_range_distribution(n):
    """d2 by integration, d3 by a seeded simulation; A2, D3, D4 follow from them."""
    a2, d3_const, d4, d2 = XBAR_R_CONSTANTS[n]
    d2_exact = integrate.quad(lambda x: 1 - stats.norm.cdf(x) ** n - stats.norm.sf(x) ** n, -np.inf, np.inf)[0]
    assert d2 == pytest.approx(d2_exact, abs=6e-4)
    assert a2 == pytest.approx(3 / (d2_exact * np.sqrt(n)), abs=6e-4)
    r = np.ptp(np.random.default_rng(n).normal(size=(200_000, n)), axis=1)
    d3 = r.std()
    assert d4 == pytest.approx(1 + 3 * d3 / d2_exact, abs=0.01)
    assert d3_const == pytest.approx(max(0.0, 1 - 3 * d3 / d2_exact), abs=0.01)


# --------------------------------------------------------------------------- Shewhart charts
def test_individuals_limits_by_hand():
    x = np.array([10.0, 12.0, 11.0, 13.0, 12.0])
    chart = control_chart(x)
    mrbar = np.mean([2, 1, 2, 1])
    assert chart.center == pytest.approx(11.6)
    assert chart.sigma == pytest.approx(mrbar / 1.128)
    assert chart.ucl == pytest.approx(11.6 + 3 * mrbar / 1.128) and chart.lcl == pytest.approx(11.6 - 3 * mrbar / 1.128)
    mr = chart.secondary
    assert mr is not None and mr.kind == "mr"
    assert mr.center == pytest.approx(mrbar) and mr.ucl == pytest.approx(3.267 * mrbar) and mr.lcl == 0
    np.testing.assert_allclose(mr.statistic[1:], [2, 1, 2, 1])
    assert np.isnan(mr.statistic[0])


def test_phase_one_baseline_and_phase_two_detection():
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.normal(50, 2, 40), rng.normal(50, 2, 20) + 10])
    early = control_chart(x, baseline=40)
    assert early.center == pytest.approx(x[:40].mean())
    assert early.params["baseline"] == "first 40 points" and early.params["n_baseline"] == 40
    beyond = [v.index for v in early.violations if v.rule == "nelson-1"]
    assert sum(i < 40 for i in beyond) <= 1  # one in-control point at -3.2 sigma with this seed
    assert sum(i >= 40 for i in beyond) >= 15
    sliced = control_chart(x, baseline=slice(0, 40))
    assert sliced.center == early.center and sliced.ucl == early.ucl
    whole = control_chart(x)
    assert whole.ucl - whole.lcl > early.ucl - early.lcl  # out-of-control points widen the limits
    assert any("in-control" in n for n in whole.notes) and not any("in-control" in n for n in early.notes)
    known = control_chart(x, center=50.0, sigma=2.0, rules=["nelson-1"])
    assert known.ucl == 56.0 and {v.rule for v in known.violations} == {"nelson-1"}


def test_western_electric_rules_on_a_chart():
    chart = control_chart([0.0, 1, -1, 0.5, -0.5] * 4 + [4.0], rules="western_electric")
    assert chart.rules == "western_electric"
    assert {v.rule for v in chart.violations} <= {"we-1", "we-2", "we-3", "we-4"}
    assert (20, "we-1") in [(v.index, v.rule) for v in chart.violations]


def test_xbar_r_by_hand():
    x = np.array([[1.0, 2, 3], [2, 3, 4], [1, 1, 4], [2, 2, 2], [10, 11, 12], [1, 2, NAN]])
    chart = control_chart(x, kind="xbar_r", baseline=4)
    a2, d3, d4, d2 = XBAR_R_CONSTANTS[3]
    rbar = np.mean([2, 2, 3, 0])
    xbarbar = np.mean([2, 3, 2, 2])
    assert chart.center == pytest.approx(xbarbar)
    assert chart.ucl == pytest.approx(xbarbar + a2 * rbar) and chart.lcl == pytest.approx(xbarbar - a2 * rbar)
    assert chart.sigma == pytest.approx(a2 * rbar / 3)
    assert chart.params["sigma_process"] == pytest.approx(rbar / d2)
    assert [(v.index, v.rule) for v in chart.violations if v.rule == "nelson-1"] == [(4, "nelson-1")]
    assert chart.n_missing == 1 and list(chart.status[-2:]) == ["out_of_control", "missing"]
    r = chart.secondary
    assert r is not None and r.kind == "r" and r.center == pytest.approx(rbar) and r.ucl == pytest.approx(d4 * rbar)
    np.testing.assert_allclose(r.statistic[:5], [2, 2, 3, 0, 2])


def test_xbar_r_range_chart_flags_spread():
    rng = np.random.default_rng(4)
    x = rng.normal(0, 1, (30, 5))
    x[25] = [-6, 6, 0, 0, 0]
    chart = control_chart(x, kind="xbar_r", baseline=20)
    assert 25 in [v.index for v in chart.secondary.violations if v.rule == "r-limit"]


# --------------------------------------------------------------------------- EWMA and CUSUM
def test_ewma_statistic_and_limits_approach_the_asymptote():
    rng = np.random.default_rng(2)
    x = rng.normal(5, 1, 200)
    lam, big_l = 0.1, 2.7
    chart = control_chart(x, kind="ewma", lam=lam, L=big_l, center=5.0, sigma=1.0)
    z, expected = 5.0, []
    for v in x:
        z = lam * v + (1 - lam) * z
        expected.append(z)
    np.testing.assert_allclose(chart.statistic, expected)
    width = chart.ucl - chart.center
    assert width[0] == pytest.approx(big_l * lam)  # first limit: L * sigma * lambda
    assert np.all(np.diff(width[:60]) > 0) and np.all(np.diff(width) >= 0)
    asymptote = big_l * np.sqrt(lam / (2 - lam))
    assert chart.params["limit_asymptotic"] == pytest.approx(asymptote)
    assert width[-1] == pytest.approx(asymptote, rel=1e-6) and width[10] < asymptote * 0.99
    np.testing.assert_allclose(chart.center - chart.lcl, width)
    assert chart.rules == "limit" and any("beyond-limit" in n for n in chart.notes)


def test_ewma_detects_a_small_shift_and_skips_missing():
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.normal(0, 1, 50), rng.normal(0.8, 1, 60)])
    x[60] = NAN
    chart = control_chart(x, kind="ewma", baseline=50)
    assert np.isnan(chart.statistic[60]) and chart.status[60] == "missing" and chart.n_missing == 1
    assert chart.statistic[61] == pytest.approx(0.2 * x[61] + 0.8 * chart.statistic[59])
    assert chart.violations and all(v.index >= 50 and v.rule == "ewma-limit" for v in chart.violations)


def test_cusum_by_hand():
    x = [0.0, 1.0, 2.0, 2.0, -1.0, -3.0, -3.0]
    chart = control_chart(x, kind="cusum", center=0.0, sigma=1.0, k=0.5, h=2.0)
    np.testing.assert_allclose(chart.series["c_plus"], [0, 0.5, 2.0, 3.5, 2.0, 0, 0])
    np.testing.assert_allclose(chart.series["c_minus"], [0, 0, 0, 0, 0.5, 3.0, 5.5])
    np.testing.assert_allclose(chart.statistic, [0, 0.5, 2.0, 3.5, 2.0, -3.0, -5.5])
    assert [v.index for v in chart.violations] == [3, 5, 6]
    assert "up" in chart.violations[0].description_en and "down" in chart.violations[-1].description_en
    assert (chart.center, chart.lcl, chart.ucl) == (0.0, -2.0, 2.0) and chart.params["target"] == 0.0


def _run_length(chart: ControlChart, n: int) -> int:
    return min((v.index for v in chart.violations), default=n - 1) + 1


def test_cusum_detects_a_one_sigma_shift_faster_than_the_individuals_chart():
    """Average run length to detect a +1 sigma shift, known standards, 200 seeded runs of 300 points."""
    rng = np.random.default_rng(7)
    rl_i, rl_c = [], []
    for _ in range(200):
        x = rng.normal(1.0, 1.0, 300)
        rl_i.append(_run_length(control_chart(x, center=0.0, sigma=1.0, rules=["nelson-1"]), 300))
        rl_c.append(_run_length(control_chart(x, kind="cusum", center=0.0, sigma=1.0), 300))
    # theory: Shewhart ARL1 = 1 / P(z > 2) = 43.9; tabular CUSUM k=0.5, h=5: 10.4 (Montgomery Table 9.3)
    assert 33 < np.mean(rl_i) < 56
    assert 8.5 < np.mean(rl_c) < 12.5
    assert np.mean(rl_c) < 0.5 * np.mean(rl_i)


def test_rule_one_false_alarm_rate_in_control():
    x = np.random.default_rng(11).normal(100, 3, 100_000)
    chart = control_chart(x)  # sigma estimated from the moving range of in-control data
    rate = sum(v.rule == "nelson-1" for v in chart.violations) / x.size
    assert 0.0021 < rate < 0.0034  # 0.0027 in theory


# --------------------------------------------------------------------------- output
@pytest.mark.parametrize("kind", KINDS)
def test_to_dict_is_json_ready_with_missing_values(kind):
    rng = np.random.default_rng(0)
    x = rng.normal(0, 1, (30, 4)) if kind == "xbar_r" else rng.normal(0, 1, 30)
    x[3] = NAN
    x[20] = 9.0
    chart = control_chart(x, kind=kind, baseline=15)
    d = json.loads(json.dumps(chart.to_dict(), allow_nan=False))
    assert d["kind"] == kind and d["n_points"] == 30 and d["n_missing"] == 1
    assert d["statistic"][3] is None and d["status"][3] == "missing"
    assert d["status"][20] == "out_of_control"
    assert 20 in {v["index"] for v in d["violations"]}
    assert d["params"]["baseline"] == "first 15 points" and d["title_ko"]
    assert (d["secondary"] is not None) == (kind in ("individuals", "xbar_r"))
    assert all(s in ("in_control", "out_of_control", "missing") for s in d["status"])
    text = chart.summary()
    assert "violation" in text and "point 20" in text and "1 missing" in text


def test_series_and_frames_are_accepted():
    s = pd.Series([1.0, 2.0, 1.5, 1.7], name="thickness")
    assert control_chart(s).center == pytest.approx(1.55)
    df = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [2.0, 2.5, 3.5]})
    assert control_chart(df, kind="xbar_r").center == pytest.approx(np.mean([1.5, 2.25, 3.25]))
    assert control_chart(["1.5", "2.5", None, "2"]).n_missing == 1


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(("values", "kw", "match"), [
    ([1.0, "thick", 2.0], {}, "row 2.*'thick' is not a number"),
    ([1.0, np.inf, 2.0], {}, "row 2.*infinite"),
    (np.ones((5, 2)), {}, "1-D series.*shape \\(5, 2\\)"),
    ([1.0, 2.0, 3.0], {"kind": "xbar_r"}, "subgroups x size"),
    (np.ones((5, 11)), {"kind": "xbar_r"}, "size 2 to 10"),
    ([], {}, "empty"),
    ([True, False, True], {}, "booleans"),
    ([1.0, 2.0, 3.0, 4.0], {"baseline": 1}, "at least 2 consecutive non-missing.*has 1 point"),
    ([1.0, NAN, 2.0, NAN, 3.0], {}, "at least 2 consecutive"),
    ([5.0, 5.0, 5.0, 6.0, 9.0], {"baseline": 3}, "sigma is zero"),
    ([5.0, 5.0, 5.0], {"kind": "ewma"}, "sigma is zero"),
    (np.ones((4, 3)), {"kind": "xbar_r"}, "sigma is zero"),
    (np.arange(6.0).reshape(2, 3), {"kind": "xbar_r", "baseline": 1}, "at least 2 complete baseline subgroups"),
])
def test_bad_input_is_a_clear_data_error(values, kw, match):
    with pytest.raises(DataError, match=match):
        control_chart(values, **kw)


def test_a_named_column_is_in_the_error():
    with pytest.raises(DataError, match="column 'b'"):
        control_chart(pd.DataFrame({"a": [1, 2], "b": [1, "x"]}), kind="xbar_r")


@pytest.mark.parametrize(("kw", "match"), [
    ({"kind": "pchart"}, "kind must be"), ({"rules": "bogus"}, "rules must be"), ({"rules": ["nelson-9"]}, "unknown"),
    ({"lam": 0.3}, "unknown parameter"), ({"kind": "ewma", "lam": 0.0}, "0 < lam"),
    ({"kind": "cusum", "h": -1}, "h > 0"), ({"baseline": 99}, "between 1"), ({"baseline": "first"}, "baseline must"),
])
def test_bad_parameters_are_value_errors(kw, match):
    with pytest.raises(ValueError, match=match):
        control_chart([1.0, 2.0, 1.5, 1.2], **kw)


# --------------------------------------------------------------------------- properties
_finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


def _check(chart: ControlChart, n: int) -> None:
    assert len(chart.statistic) == n and len(chart.status) == n
    assert all(0 <= v.index < n for v in chart.violations)
    if chart.secondary is not None:
        assert all(0 <= v.index < n for v in chart.secondary.violations)
    json.dumps(chart.to_dict(), allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(values=hnp.arrays(float, st.integers(2, 80), elements=_finite), kind=st.sampled_from(["individuals", "ewma",
       "cusum"]), rules=st.sampled_from(["nelson", "western_electric"]))
def test_never_crashes_on_finite_series(values, kind, rules):
    try:
        chart = control_chart(values, kind=kind, rules=rules)
    except DataError as err:  # only a constant baseline may be refused
        assert "sigma is zero" in str(err)
        return
    _check(chart, len(values))


@settings(max_examples=40, deadline=None)
@given(values=hnp.arrays(float, st.tuples(st.integers(2, 30), st.integers(2, 10)), elements=_finite))
def test_never_crashes_on_finite_subgroups(values):
    try:
        chart = control_chart(values, kind="xbar_r")
    except DataError as err:
        assert "sigma is zero" in str(err)
        return
    _check(chart, values.shape[0])


@settings(max_examples=40, deadline=None)
@given(values=hnp.arrays(float, st.integers(1, 40), elements=st.one_of(_finite, st.just(NAN))),
       kind=st.sampled_from(KINDS[:1] + KINDS[2:]))
def test_missing_values_never_crash_or_become_violations(values, kind):
    try:
        chart = control_chart(values, kind=kind)
    except DataError as err:  # too few consecutive observed points, or constant
        assert "sigma is zero" in str(err) or "at least 2 consecutive" in str(err)
        return
    _check(chart, len(values))
    missing = set(np.flatnonzero(np.isnan(values)))
    assert not missing & {v.index for v in chart.violations}
    assert chart.n_missing == len(missing)
