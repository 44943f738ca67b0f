"""Training from store events and the maintenance service, on the demo plant simulator."""

import pytest

from bessemer.core import DataError, ModelRegistry, NotFoundError, Store
from bessemer.industry.maintenance import MaintenanceService, label_lives, load_rul_models, train_rul_models
from bessemer.industry.maintenance._rul import RULModel
from bessemer.sim import SteelWorks


@pytest.fixture(scope="module")
def plant():
    sim = SteelWorks(seed=11, n_assets=20)
    hist = sim.history(24 * 200)
    store = Store()
    store.put_assets(sim.asset_tree())
    for frame in hist.frames.values():
        store.write_frame(frame)
    store.add_events(hist.events)
    yield sim, hist, store
    store.close()


def test_lives_from_events_match_the_simulator(plant):
    _, hist, store = plant
    kind = hist.kinds()[0]
    f = hist.frames[kind]
    stored = store.read_frame(assets=f.assets, signals=f.signals)
    labelled = label_lives(stored, store.events()).to_pandas()
    truth = f.to_pandas()
    # the store drops all-NaN rows; compare on the rows both have
    m = labelled.merge(truth[["asset", "time", "life", "failed"]], on=["asset", "time"], suffixes=("", "_sim"))
    assert len(m) > 0.99 * len(truth)
    # life ids agree up to a per-asset offset (the simulator counts from its own start)
    off = (m["life_sim"] - m["life"]).groupby(m["asset"]).nunique()
    assert (off == 1).all()
    assert (m["failed"] == m["failed_sim"]).mean() > 0.999


def test_train_and_serve_fleet(plant, tmp_path):
    _, hist, store = plant
    reg = ModelRegistry(tmp_path)
    params = RULModel.test_params() | {"rul_cap_hours": 400.0}
    models = train_rul_models(store, reg, params=params, kinds=["cw_pump", "hsm_roll_bearing"], min_failures=2)
    assert set(models) == {"cw_pump", "hsm_roll_bearing"}
    assert set(load_rul_models(reg)) == set(models)
    svc = MaintenanceService(store, models, horizon=168)
    assert not svc.ready()
    svc.refresh()
    fleet = svc.fleet()
    tree = store.asset_tree()
    expected = {e.id for e in tree.equipment() if e.kind in models}
    assert set(fleet["asset"]) == expected
    assert fleet["rank"].tolist() == list(range(1, len(fleet) + 1))
    assert fleet["risk"].is_monotonic_decreasing
    assert ((fleet["rul_lower"] <= fleet["rul"]) & (fleet["rul"] <= fleet["rul_upper"])).all()
    assert (fleet["age"] >= 0).all() and svc.time_unit == "h"
    a = fleet["asset"].iloc[0]
    traj = svc.rul_history(a)
    assert list(traj.columns) == ["time", "rul", "rul_lower", "rul_upper", "health"]
    assert traj["time"].is_monotonic_increasing and len(traj) > 1
    last = traj["time"].iloc[-1]
    assert len(svc.rul_history(a, start=last)) == 1
    with pytest.raises(NotFoundError):
        svc.rul_history("no-such-asset")
    plan = svc.plan(horizon=336)
    assert len(plan["actions"]) == len(fleet) and plan["currency"] == "KRW"
    assert store.get_table("maintenance_fleet") is not None


def test_live_data_moves_predictions(plant):
    sim, hist, store = plant
    models = train_rul_models(store, params=RULModel.test_params() | {"rul_cap_hours": 400.0},
                              kinds=["cw_pump"], min_failures=2)
    svc = MaintenanceService(store, models)
    svc.refresh()
    before = svc.fleet().set_index("asset")["time"]
    for _, step in zip(range(3), sim.stream(), strict=False):
        for f in step.frames.values():
            store.write_frame(f)
        store.add_events(step.events)
    svc.refresh()
    after = svc.fleet().set_index("asset")["time"]
    assert (after > before.reindex(after.index)).all()


def test_training_needs_failures():
    sim = SteelWorks(seed=3, n_assets=20)
    store = Store()
    store.put_assets(sim.asset_tree())
    hist = sim.history(48)
    for f in hist.frames.values():
        store.write_frame(f)
    with pytest.raises(DataError, match="enough run-to-failure"):
        train_rul_models(store, params=RULModel.test_params())
