"""The demo steel-works simulator: structure, determinism, continuity, lives and learnability."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

import bessemer.sim as sim
from bessemer.core import UNITS, ConfigError, Frame, NotFoundError
from bessemer.sim import SimHistory, SteelWorks

HANGUL = re.compile(r"[\uac00-\ud7a3]")
KINDS = ["sinter_fan", "bf_blower", "hsm_motor", "hsm_roll_bearing", "cw_pump"]


@pytest.fixture(scope="module")
def year() -> tuple[SteelWorks, SimHistory]:
    """The default works over one year: the size the demo trains on."""
    works = SteelWorks(seed=7)
    return works, works.history(24 * 365)


def _rows(frame: Frame) -> pd.DataFrame:
    return frame.to_pandas().sort_values(["asset", "time"]).reset_index(drop=True)


def test_public_names_are_pinned():
    assert sim.__all__ == sorted(sim.__all__)
    assert set(sim.__all__) == {"FurnaceFault", "ProcessVariable", "ReheatFurnace", "SimHistory", "SimStep",
                                "SteelWorks"}


# ---------------------------------------------------------------- structure
def test_tree_has_areas_units_equipment_with_units_and_korean_names():
    works = SteelWorks()
    tree = works.asset_tree()
    equipment = tree.equipment()
    assert 20 <= len(equipment) <= 40
    assert [n.id for n in tree.children(None)] == ["pohang"]
    assert [n.id for n in tree.children("pohang")] == ["sinter", "blast-furnace", "hot-strip-mill", "utilities"]
    for node in tree:
        assert HANGUL.search(node.name_ko), f"{node.id} lacks a Korean name"
        assert node.name and not HANGUL.search(node.name), f"{node.id} needs an English name"
    assert len({n.name for n in equipment}) == len(equipment), "equipment names must be unique"
    assert len({n.name_ko for n in equipment}) == len(equipment)
    assert "소결 주배풍기" in {tree.node(a).name_ko.rsplit(" ", 1)[0] for a in works.assets("sinter_fan")}
    assert {n.kind for n in equipment} == set(KINDS)
    for eq in equipment:
        assert len(tree.path(eq.id)) == 4
        signals = tree.signals(eq.id)
        assert len(signals) >= 6
        assert all(s.unit in UNITS for s in signals)
        assert set(works.operating_signals(eq.kind)) <= {s.name for s in signals}


def test_frames_match_the_tree(year):
    works, hist = year
    tree = works.asset_tree()
    assert hist.kinds() == KINDS == works.kinds()
    for kind, frame in hist.frames.items():
        assert frame.time_kind == "timestamp"
        assert frame.meta == ["life", "failed"]
        assert frame.assets == sorted(works.assets(kind))
        for asset in frame.assets:
            assert tree.node(asset).kind == kind
            assert {s.name: s.unit for s in tree.signals(asset)} == frame.units
        assert frame.signals[:3] == works.operating_signals(kind)


def test_n_assets_is_shared_between_kinds():
    for n in (5, 12, 30, 40):
        works = SteelWorks(n_assets=n)
        assert len(works.assets()) == n == len(works.asset_tree().equipment())
        assert works.kinds() == KINDS


@pytest.mark.parametrize("kwargs", [{"n_assets": 4}, {"n_assets": 500}, {"step_hours": 0},
                                    {"start": "not a time"}, {"missing_rate": 0.9}])
def test_bad_settings_are_refused(kwargs):
    with pytest.raises(ConfigError):
        SteelWorks(**kwargs)


def test_unknown_kind_is_not_found():
    works = SteelWorks(n_assets=5)
    with pytest.raises(NotFoundError):
        works.operating_signals("rolling_pin")
    with pytest.raises(NotFoundError):
        next(works.stream()).frames["rolling_pin"]


# ---------------------------------------------------------------- determinism and continuity
def test_same_seed_same_output_and_other_seed_differs():
    a = SteelWorks(seed=5, n_assets=10).history(700)
    b = SteelWorks(seed=5, n_assets=10).history(700)
    c = SteelWorks(seed=6, n_assets=10).history(700)
    for kind in a.kinds():
        assert a.frames[kind].fingerprint() == b.frames[kind].fingerprint()
        assert a.frames[kind].fingerprint() != c.frames[kind].fingerprint()
    pd.testing.assert_frame_equal(a.events, b.events)
    pd.testing.assert_frame_equal(a.truth, b.truth)


def test_history_then_stream_equals_a_longer_history():
    works = SteelWorks(seed=3, n_assets=12)
    short = works.history(150)  # the stream crosses into the next block of 168 steps
    assert works.now == pd.Timestamp("2024-01-07T05:00:00Z")
    steps = works.stream()
    extra = [next(steps) for _ in range(40)]
    assert works.now == extra[-1].time == pd.Timestamp("2024-01-08T21:00:00Z")
    longer = SteelWorks(seed=3, n_assets=12).history(190)
    for kind in longer.kinds():
        want = _rows(longer.frames[kind])
        got = _rows(Frame(pd.concat([short.frames[kind].to_pandas()]
                                    + [s.frames[kind].to_pandas() for s in extra]),
                          units=longer.frames[kind].units, meta=["life", "failed"]))
        cols = [*longer.frames[kind].signals, "life"]
        assert (got["time"] == want["time"]).all() and (got["asset"] == want["asset"]).all()
        np.testing.assert_array_equal(got[cols].to_numpy(float), want[cols].to_numpy(float))
    events = pd.concat([short.events] + [s.events for s in extra], ignore_index=True)
    pd.testing.assert_frame_equal(events, longer.events)
    # events: a long history after a short one, without building frames for every step
    works.history(1000)
    steps = works.stream()
    extra_events = [next(steps).events for _ in range(1200)]
    longest = SteelWorks(seed=3, n_assets=12).history(2200)
    first = SteelWorks(seed=3, n_assets=12).history(1000)
    assert len(longest.events) > len(first.events) > 0
    pd.testing.assert_frame_equal(pd.concat([first.events, *extra_events], ignore_index=True), longest.events)


def test_a_second_history_starts_again_and_stream_from_start_matches_history():
    works = SteelWorks(seed=9, n_assets=6)
    first = works.history(200)
    steps = works.stream()
    for _ in range(50):
        next(steps)
    again = works.history(200)
    for kind in first.kinds():
        assert first.frames[kind].fingerprint() == again.frames[kind].fingerprint()
    fresh = SteelWorks(seed=9, n_assets=6)
    streamed = [next(fresh.stream()) for _ in range(30)]
    for kind in first.kinds():
        got = pd.concat([s.frames[kind].to_pandas() for s in streamed]).sort_values(["asset", "time"])
        want = _rows(first.frames[kind])
        want = want[want["time"] <= streamed[-1].time]
        cols = first.frames[kind].signals
        np.testing.assert_array_equal(got[cols].to_numpy(float), want[cols].to_numpy(float))


def test_stream_marks_the_failure_row_and_reports_its_event():
    works = SteelWorks(seed=1, n_assets=5)
    steps = works.stream()
    for _ in range(3000):
        step = next(steps)
        failures = step.events[step.events["kind"] == "failure"]
        if len(failures):
            break
    else:
        pytest.fail("no failure in 3000 streamed hours")
    row = failures.iloc[0]
    assert row["time"] == step.time
    kind = next(k for k in step.kinds() if row["asset"] in works.assets(k))
    f = step.frames[kind].to_pandas().set_index("asset")
    assert bool(f.loc[row["asset"], "failed"]) and f.loc[row["asset"], "life"] == row["life"]
    nxt = next(steps).frames[kind].to_pandas().set_index("asset")
    assert nxt.loc[row["asset"], "life"] == row["life"] + 1 and not nxt.loc[row["asset"], "failed"]


# ---------------------------------------------------------------- lives, events, truth
def test_lives_events_and_truth_agree(year):
    works, hist = year
    truth = hist.truth
    events = hist.events
    assert list(events.columns[:4]) == ["asset", "time", "kind", "note"]
    assert set(events["kind"]) == {"failure", "maintenance"}
    assert list(truth.columns[:4]) == ["asset", "time", "life", "rul_h"]
    frames = pd.concat([f.to_pandas()[["asset", "time", "life", "failed"]] for f in hist.frames.values()])
    merged = truth.merge(frames, on=["asset", "time", "life"], how="inner", validate="one_to_one")
    assert len(merged) == len(truth) == sum(len(f) for f in hist.frames.values())
    # failed rows are exactly the rows with a known RUL
    assert (merged["failed"] == merged["rul_h"].notna()).all()
    lives = merged.groupby(["asset", "life"]).agg(end=("time", "max"), failed=("failed", "first"),
                                                 n=("time", "size"), rul_end=("rul_h", "last"))
    ended = events.set_index(["asset", "life"])
    for (asset, life), row in lives.iterrows():
        if row["failed"]:
            ev = ended.loc[(asset, life)]
            assert ev["kind"] == "failure" and ev["time"] == row["end"] and row["rul_end"] == 0
        elif (asset, life) in ended.index:
            assert ended.loc[(asset, life), "kind"] == "maintenance"
        else:  # only the life still running at the end has no event
            assert life == lives.loc[asset].index.max()
    # life counters start at 0 and step by one at each event
    for asset, group in merged.groupby("asset"):
        assert group["life"].iloc[0] == 0
        assert set(np.diff(group["life"].to_numpy())) <= {0, 1}
        assert group["life"].iloc[-1] == (events["asset"] == asset).sum()
    # enough run-to-failure lives per kind to train on, with realistic lengths
    kind_of = {a: k for k in works.kinds() for a in works.assets(k)}
    failed = lives[lives["failed"]].reset_index()
    failed["kind"] = failed["asset"].map(kind_of)
    assert failed.groupby("kind").size().min() >= 5
    complete = failed[failed["life"] > 0]  # life 0 began before the start
    assert 300 <= complete["n"].median() <= 2000
    assert (events["kind"] == "maintenance").sum() >= 10  # censored lives exist


def test_rul_counts_down_in_hours():
    hist = SteelWorks(seed=2, n_assets=5, step_hours=0.5).history(3000)
    t = hist.truth.dropna(subset=["rul_h"])
    one = t[(t["asset"] == t["asset"].iloc[0]) & (t["life"] == t["life"].iloc[0])]
    assert np.allclose(np.diff(one["rul_h"].to_numpy()), -0.5)
    assert (np.diff(one["time"].to_numpy()).astype("timedelta64[m]") == np.timedelta64(30, "m")).all()


# ---------------------------------------------------------------- regimes, noise, learnability
def test_each_unit_runs_several_regimes(year):
    works, hist = year
    for kind, frame in hist.frames.items():
        setpoint = works.operating_signals(kind)[1]
        df = frame.to_pandas()
        for _, group in df.groupby("asset"):
            assert group[setpoint].nunique() >= 3, f"{kind} needs several regimes"
            assert group["load_pct"].std() > 5
            # regime changes shift sensor levels well beyond the spread within a regime
            by_regime = group.groupby(setpoint)[frame.signals[3:]]
            shift = (by_regime.median().max() - by_regime.median().min()) / by_regime.std().median()
            assert (shift > 3).sum() >= 2, f"{kind}: {shift.round(1).to_dict()}"


def test_missing_readings_are_rare_and_only_in_sensors(year):
    works, hist = year
    for kind, frame in hist.frames.items():
        ops = works.operating_signals(kind)
        assert not np.isnan(frame.values(ops)).any()
        sensors = [s for s in frame.signals if s not in ops]
        rate = np.isnan(frame.values(sensors)).mean()
        assert 0 < rate < 1e-3
    clean = SteelWorks(seed=7, n_assets=5, missing_rate=0).history(500)
    assert all(not np.isnan(f.values()).any() for f in clean.frames.values())


def test_wear_shows_in_the_sensors_and_tracks_rul(year):
    """In the last 30 % of failed lives, wear and vibration rise as the true RUL falls."""
    _, hist = year
    for kind, frame in hist.frames.items():
        df = frame.to_pandas()
        truth = hist.truth.merge(df[["asset", "time", "vibration"]], on=["asset", "time"])
        truth = truth.dropna(subset=["rul_h", "vibration"])
        length = truth.groupby(["asset", "life"])["rul_h"].transform("max")
        late = truth[(truth["rul_h"] <= 0.3 * length) & (truth["life"] > 0)]
        assert spearmanr(late["wear"], late["rul_h"]).statistic < -0.8
        assert spearmanr(late["vibration"], late["rul_h"]).statistic < -0.3, kind
        # at failure the vibration stands well above the same asset's healthy level
        healthy = truth[(truth["wear"] < 0.01)].groupby("asset")["vibration"].agg(["mean", "std"])
        at_end = truth[truth["rul_h"] <= 12].groupby("asset")["vibration"].mean()
        z = (at_end - healthy["mean"]) / healthy["std"]
        assert z.dropna().median() > 3, kind
