"""The store's read cache (asset tree, node kinds, tokens, recent readings) never serves stale data.

DuckDB: one process owns the file, so every change passes through the store and drops the cache.
PostgreSQL: other processes may write the same schema; what one store cached is trusted for at most
``CACHE_TTL_S`` (the asset tree and tokens only; readings are never cached there).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from bessemer.core import AssetTree, Frame, Node, NotFoundError
from bessemer.core._store_common import _ReadCache
from bessemer.core._store_pg_base import CACHE_TTL_S


def _frame(values: list[float], start: int = 1) -> Frame:
    return Frame(pd.DataFrame({"asset": ["eng-1"] * len(values), "time": list(range(start, start + len(values))),
                               "t2": values}), units={"t2": "degC"})


def test_same_query_after_a_write_sees_the_write(store):
    store.write_frame(_frame([1.0, 2.0, 3.0]), create_assets=True)
    first = store.readings("eng-1", "t2", limit=10)
    assert first["value"].tolist() == [1.0, 2.0, 3.0]
    store.write_frame(_frame([9.0], start=2), create_assets=True)  # an upsert of one reading
    store.write_frame(_frame([4.0], start=4), create_assets=True)  # and a new one
    again = store.readings("eng-1", "t2", limit=10)
    assert again["value"].tolist() == [1.0, 9.0, 3.0, 4.0]
    assert store.latest_time("eng-1") == 4
    arrays = store.reading_arrays("eng-1", "t2", limit=10)
    assert arrays.t.tolist() == [1, 2, 3, 4] and arrays.kind == "cycle"


def test_cached_answers_cannot_be_changed_by_a_caller(store):
    store.write_frame(_frame([1.0, 2.0]), create_assets=True)
    got = store.reading_arrays("eng-1", "t2")
    with pytest.raises(ValueError, match="read-only"):
        got.value[0] = 99.0
    df = store.readings("eng-1", "t2")
    df.loc[0, "value"] = 99.0  # a table is the caller's own copy
    assert store.readings("eng-1", "t2")["value"].tolist() == [1.0, 2.0]


def test_tree_and_kinds_follow_writes(store, tree):
    store.put_assets(tree)
    assert store.time_kind("fan-1") is None
    t = store.asset_tree()
    t.add(Node("fan-9", "equipment", "Not stored", parent="sp1"))  # a copy: changes nothing stored
    assert "fan-9" not in store.asset_tree()
    more = AssetTree([*tree, Node("fan-3", "equipment", "Main fan 3", parent="sp1")])
    store.put_assets(more)
    assert "fan-3" in store.asset_tree()
    store.write_frame(_frame([1.0]), create_assets=True)
    assert store.time_kind("eng-1") == "cycle" and "eng-1" in store.asset_tree()
    with pytest.raises(NotFoundError):
        store.time_kind("ghost")


def test_revoked_token_is_refused_at_once(store):
    store.add_token(name="a", token_hash="h" * 64, role="viewer")
    assert store.find_token("h" * 64)["name"] == "a"
    store.revoke_token("a")
    assert store.find_token("h" * 64) is None


def test_unknown_tokens_are_not_kept():
    c = _ReadCache(ttl=None, max_entries=4)
    for i in range(10):
        c.get(("token", i), lambda: None, keep=lambda r: r is not None)
    assert len(c._entries) == 0
    for i in range(10):
        c.get(i, lambda i=i: i)
    assert len(c._entries) == 4 and list(c._entries) == [6, 7, 8, 9]  # bounded, the oldest dropped


def test_postgres_change_by_another_process_shows_within_the_ttl(pg_place, tree):
    a, b = pg_place.open(), pg_place.open()  # two connections, as two processes would have
    a.put_assets(tree)
    a.add_token(name="t", token_hash="k" * 64, role="viewer")
    assert "fan-1" in b.asset_tree() and b.find_token("k" * 64) is not None  # b caches both now
    a.put_assets(AssetTree([*tree, Node("fan-3", "equipment", "Main fan 3", parent="sp1")]))
    a.revoke_token("t")
    time.sleep(CACHE_TTL_S + 0.1)
    assert "fan-3" in b.asset_tree()
    assert b.find_token("k" * 64) is None


def test_postgres_readings_are_never_cached(pg_place):
    a, b = pg_place.open(), pg_place.open()
    a.write_frame(_frame([1.0, 2.0]), create_assets=True)
    assert b.readings("eng-1", "t2")["value"].tolist() == [1.0, 2.0]
    a.write_frame(_frame([5.0], start=3), create_assets=True)
    assert np.allclose(b.readings("eng-1", "t2")["value"], [1.0, 2.0, 5.0])


def test_answers_match_a_model_of_the_store_through_random_writes(store):
    """Upserts, new and old readings, gaps, random windows: every answer equals what was written last.

    On DuckDB the reads come from the series' tails (made short here, so that they fill and trim) and
    from the answer cache; a model of the store kept by the test says what each answer must be.
    """
    from bessemer.core._store_tail import RecentTails

    if hasattr(store, "_tails"):
        store._tails = RecentTails(rows=7, series=3)  # small: tails trim and series are evicted
    rng = np.random.default_rng(5)
    model: dict[tuple[str, int], float] = {}
    signals = ("a", "b", "c", "d")
    for step in range(60):
        n = int(rng.integers(1, 6))
        times = np.sort(rng.choice(np.arange(1, 60), size=n, replace=False))
        data = {"asset": ["eng-1"] * n, "time": times.tolist()}
        for s in signals:
            vals = rng.normal(size=n).round(3)
            vals[rng.random(n) < 0.3] = np.nan  # a gap writes nothing
            data[s] = vals
            for t, v in zip(times.tolist(), vals.tolist(), strict=True):
                if not np.isnan(v):
                    model[(s, t)] = v
        store.write_frame(Frame(pd.DataFrame(data), units=dict.fromkeys(signals, "degC")), create_assets=True)
        assert store.latest_time("eng-1") == (max(t for _, t in model) if model else None), step
        for _ in range(3):
            s = signals[int(rng.integers(len(signals)))]
            lo, hi = sorted(int(x) for x in rng.integers(0, 62, size=2))
            limit = int(rng.integers(1, 12))
            want = sorted((t, v) for (ss, t), v in model.items() if ss == s and lo <= t <= hi)[-limit:]
            got = store.reading_arrays("eng-1", s, start=lo, end=hi, limit=limit)
            assert list(zip(got.t.tolist(), got.value.tolist(), strict=True)) == want, (step, s, lo, hi, limit)
            open_end = sorted((t, v) for (ss, t), v in model.items() if ss == s and t >= lo)[-limit:]
            got = store.reading_arrays("eng-1", s, start=lo, limit=limit)
            assert list(zip(got.t.tolist(), got.value.tolist(), strict=True)) == open_end


def test_a_failed_write_changes_no_tail():
    from bessemer.core import Store, UnitError

    with Store() as store:
        store.write_frame(_frame([1.0, 2.0]), create_assets=True)
        assert store.readings("eng-1", "t2")["value"].tolist() == [1.0, 2.0]  # the tail is loaded
        bad = Frame(pd.DataFrame({"asset": ["eng-1"], "time": [3], "t2": [5.0]}), units={"t2": "K"})
        with pytest.raises(UnitError):
            store.write_frame(bad)
        assert store.readings("eng-1", "t2")["value"].tolist() == [1.0, 2.0]
