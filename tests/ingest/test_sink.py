"""ReadingSink: idempotent upsert, bad quality left out, refused readings isolated."""

from __future__ import annotations

import pandas as pd
import pytest

from bessemer.core import Frame, Store, StoreError
from bessemer.ingest import Reading, ReadingSink

T0 = pd.Timestamp("2024-05-01T00:00:00Z")


def r(asset, signal, i, value, unit="degC", quality="good"):
    return Reading(asset, signal, T0 + pd.Timedelta(seconds=i), value, unit, quality, "test")


def test_idempotent_and_redelivery_never_duplicates():
    store = Store()
    sink = ReadingSink(store)
    batch = [r("a", "t", i, float(i)) for i in range(10)] + [r("b", "p", i, -float(i), "kPa") for i in range(5)]
    assert sink.write(batch) == 15
    assert sink.write(batch[3:12]) == 9  # a re-delivered slice
    assert sink.write(batch + batch) == 15  # duplicates inside one batch too
    assert store.count_readings() == 15
    got = store.readings("a", "t")
    assert got["value"].tolist() == [float(i) for i in range(10)]
    assert got["time"].iloc[0] == T0
    assert {(s.equipment, s.name, s.unit) for s in store.asset_tree().signals()} == {("a", "t", "degC"),
                                                                                 ("b", "p", "kPa")}


def test_bad_quality_is_counted_not_stored_and_uncertain_is_kept():
    store = Store()
    sink = ReadingSink(store)
    n = sink.write([r("a", "t", 0, 1.0, quality="good"), r("a", "t", 1, 2.0, quality="uncertain"),
                    r("a", "t", 2, 3.0, quality="bad")])
    assert n == 2 and store.count_readings() == 2
    assert sink.stats == {"written": 2, "skipped": 1, "rejected": 0}
    assert sink.write([r("a", "t", 5, 1.0, quality="bad")]) == 0
    q = store.reading_quality("a")  # the uncertain reading is stored with its quality
    assert q["quality"].tolist() == ["uncertain"] and q["time"].tolist() == [r("a", "t", 1, 0.0).time]
    # a re-delivery as good (or a repeated key whose last copy is good) makes it good again
    sink.write([r("a", "t", 1, 2.0, quality="uncertain"), r("a", "t", 1, 2.0, quality="good")])
    assert store.reading_quality("a").empty and store.count_readings() == 2


def test_refused_readings_are_isolated_and_reported():
    store = Store()
    store.write_frame(Frame(pd.DataFrame({"asset": ["cyc"], "time": [1], "x": [1.0]})), create_assets=True)
    store.write_frame(Frame(pd.DataFrame({"asset": ["a"], "time": [T0], "t": [1.0]}), units={"t": "degC"}),
                      create_assets=True)
    refused = []
    sink = ReadingSink(store, on_reject=lambda rs, err: refused.append((len(rs), rs[0].asset, rs[0].signal, err)))
    batch = [r("a", "t", 1, 5.0, unit="K"),         # unit differs from the stored degC
             r("a", "u", 1, 6.0),                   # fine
             r("cyc", "x", 1, 7.0),                 # asset keeps cycle time
             r("new", "t", 1, 8.0, unit="degC")]    # fine, created
    assert sink.write(batch) == 2
    assert sorted((n, a, s) for n, a, s, _ in refused) == [(1, "a", "t"), (1, "cyc", "x")]
    assert any("degC" in str(e) for *_, e in refused)
    assert sink.stats["rejected"] == 2
    assert store.readings("new", "t")["value"].tolist() == [8.0]
    assert store.readings("a", "u")["value"].tolist() == [6.0]


def test_same_signal_in_two_units_on_two_assets():
    store = Store()
    assert ReadingSink(store).write([r("a", "t", 0, 1.0, "degC"), r("b", "t", 0, 300.0, "K")]) == 2
    assert {(s.equipment, s.unit) for s in store.asset_tree().signals()} == {("a", "degC"), ("b", "K")}


def test_store_outage_propagates():
    store = Store()
    store.close()
    with pytest.raises(StoreError):
        ReadingSink(store).write([r("a", "t", 0, 1.0)])
