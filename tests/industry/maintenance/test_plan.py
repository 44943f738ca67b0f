import numpy as np
import pandas as pd
import pytest

from bessemer.core import DataError
from bessemer.industry.maintenance._plan import (
    Costs,
    CostTable,
    failure_cdf,
    fleet_risk,
    maintenance_plan,
    optimal_replacement,
)


def test_cdf_matches_interval_ends():
    # far from zero the truncation is negligible: the interval ends are the 5 % and 95 % points
    assert failure_cdf(300.0, 400.0, 300.0, 550.0) == pytest.approx(0.05, abs=1e-3)
    assert failure_cdf(550.0, 400.0, 300.0, 550.0) == pytest.approx(0.95, abs=1e-3)
    assert failure_cdf(400.0, 400.0, 300.0, 550.0) == pytest.approx(0.5, abs=1e-3)


def test_cdf_is_monotone_and_zero_before_now():
    t = np.linspace(-10, 200, 300)
    cdf = failure_cdf(t, 20.0, 0.0, 60.0)
    assert np.all(np.diff(cdf) >= -1e-12)
    assert cdf[t < 0].max() == 0.0
    assert cdf[-1] == pytest.approx(1.0, abs=1e-6)


def test_risk_ranks_short_rul_first_and_grows_with_horizon():
    p = pd.DataFrame({"asset": ["x", "y", "z"], "rul": [300.0, 30.0, 90.0],
                      "rul_lower": [250.0, 10.0, 60.0], "rul_upper": [360.0, 60.0, 130.0]})
    r = fleet_risk(p, horizon=72)
    assert r["asset"].tolist() == ["y", "z", "x"]
    assert r["rank"].tolist() == [1, 2, 3]
    wider = fleet_risk(p, horizon=200).set_index("asset")["risk"]
    assert (wider >= r.set_index("asset")["risk"]).all()
    with pytest.raises(DataError, match="horizon"):
        fleet_risk(p, horizon=0)
    with pytest.raises(DataError, match="rul_upper"):
        fleet_risk(p.drop(columns="rul_upper"), horizon=10)


def test_costlier_failures_mean_earlier_replacement():
    cheap, _, _ = optimal_replacement(200, 120, 300, age=500, costs=Costs(1.0, 1.5))
    dear, rate, rtf = optimal_replacement(200, 120, 300, age=500, costs=Costs(1.0, 50.0))
    assert dear < cheap
    assert rate <= rtf


def test_costs_are_validated():
    with pytest.raises(DataError, match="must cost more"):
        Costs(10.0, 5.0)
    with pytest.raises(DataError, match="finite"):
        Costs(float("nan"), 5.0)


def test_bundled_cost_table_loads_and_bad_file_is_named(tmp_path):
    t = CostTable.load()
    assert t.currency == "KRW" and t.default.failure > t.default.planned
    bad = tmp_path / "costs.json"
    bad.write_text("{not json")
    with pytest.raises(DataError, match="costs.json"):
        CostTable.load(bad)


def test_plan_orders_urgent_first_and_reports_saving():
    fleet = pd.DataFrame({
        "asset": ["ok", "soon", "now"], "kind": ["pump"] * 3, "age": [100.0, 700.0, 900.0],
        "time": [0, 0, 0], "rul": [900.0, 120.0, 4.0], "rul_lower": [700.0, 80.0, 0.0],
        "rul_upper": [1100.0, 170.0, 15.0]})
    table = CostTable(default=Costs(1e6, 3e7), kinds={}, lead_time=24)
    plan = maintenance_plan(fleet, costs=table, horizon=168)
    acts = {a["asset"]: a for a in plan["actions"]}
    assert [a["asset"] for a in plan["actions"]][0] == "now"
    assert acts["now"]["action"] == "replace now"
    assert acts["soon"]["action"] == "schedule" and 24 < acts["soon"]["due"] <= 168
    assert acts["ok"]["action"] == "monitor" and acts["ok"]["due"] is None
    assert all(a["saving"] >= 0 for a in plan["actions"])
    assert plan["total_saving"] == pytest.approx(sum(a["saving"] for a in plan["actions"]))
    # overriding costs: if failure is barely dearer than planned work, nothing is replaced early
    lax = maintenance_plan(fleet, costs=table, horizon=168, cost_failure=1.01e6, cost_replacement=1e6)
    assert {a["action"] for a in lax["actions"]} <= {"monitor", "replace now"}
    assert next(a for a in lax["actions"] if a["asset"] == "soon")["action"] == "monitor"
