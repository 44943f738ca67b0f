"""The store conformance suite: every test runs on the DuckDB store and on PostgreSQL (see conftest)."""

from __future__ import annotations

import sys
import threading

import numpy as np
import pandas as pd
import pytest

from bessemer.core import ConfigError, DataError, Frame, NotFoundError, PostgresStore, Settings, StoreError, UnitError
from bessemer.core._store import IMPORTED, Store, open_store


def _same(a: Frame, b: Frame) -> None:
    assert a.time_kind == b.time_kind
    assert a.units == b.units
    pd.testing.assert_frame_equal(a.to_pandas(), b.to_pandas(), check_dtype=True)


# ------------------------------------------------------------------ round trips
def test_timestamp_frame_round_trips(store, tree, ts_frame):
    store.put_assets(tree)
    f = ts_frame(("fan-1", "fan-2"))
    assert store.write_frame(f) == 20
    back = store.read_frame()
    _same(back, f)
    assert back.fingerprint() == f.fingerprint()
    assert store.time_kind("fan-1") == "timestamp"


def test_cycle_frame_round_trips(store, cycle_frame):
    f = cycle_frame(("eng-1", "eng-2"), n=7)
    assert store.write_frame(f, create_assets=True) == 28
    _same(store.read_frame(), f)
    assert store.latest_time("eng-2") == 7 and store.latest_time() == 7


def test_store_persists_and_read_only_refuses_writes(place, cycle_frame):
    with place.open() as s:  # a DuckDB file (its folders created) or a PostgreSQL schema
        s.write_frame(cycle_frame(), create_assets=True)
    with place.open(read_only=True) as s:
        _same(s.read_frame(), cycle_frame())
        with pytest.raises(StoreError, match="read-only"):
            s.write_frame(cycle_frame())
        with pytest.raises(StoreError, match="read-only"):
            s.add_token(name="x", token_hash="f" * 64, role="viewer")
    with pytest.raises(NotFoundError):
        place.open_missing()


def test_from_settings_uses_store_file(tmp_path):
    s = Store.from_settings(Settings(home=tmp_path / "home"))
    try:
        assert s.path == tmp_path / "home" / "bessemer.duckdb" and s.path.exists()
    finally:
        s.close()


def test_from_settings_picks_postgres_when_store_url_is_set(pg_place, tmp_path, cycle_frame):
    settings = Settings(home=tmp_path / "home", store_url=pg_place.url, store_schema=pg_place.schema)
    assert pg_place.url not in repr(settings)  # the URL may carry a password
    with Store.from_settings(settings) as s:
        assert isinstance(s, PostgresStore) and s.schema == pg_place.schema and s.layout == "native"
        s.write_frame(cycle_frame(), create_assets=True)
    with open_store(settings, read_only=True) as s:
        assert s.count_readings() == 10
    assert not (tmp_path / "home" / "bessemer.duckdb").exists()
    with pytest.raises(ConfigError, match="postgresql://"):
        open_store(Settings(store_url="mysql://u@h/db"))


def test_postgres_password_is_never_shown(pg_place):
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    secret = conninfo_to_dict(pg_place.url).get("password") or "hunter2-secret"
    url = make_conninfo(pg_place.url, password=secret)  # trust auth here: the password is accepted unchecked
    with pytest.raises(StoreError) as info:
        PostgresStore("postgresql://nobody:hunter2-secret@127.0.0.1:1/none", schema=pg_place.schema)
    assert "hunter2" not in str(info.value) and "nobody@127.0.0.1:1/none" in str(info.value)
    with PostgresStore(url, schema=pg_place.schema) as s:
        assert secret not in repr(s) and secret not in s.url and s.url.startswith("postgresql://")


def test_postgres_partitions_by_month_with_brin(pg_place, ts_frame):
    with pg_place.open() as s:
        s.write_frame(ts_frame(("fan-1",), n=3, start="2024-01-31T23:59:00Z"), create_assets=True)
        s.write_frame(ts_frame(("fan-1",), n=2, start="1965-03-01T00:00:00Z"))
        parts, brin, where = s._read(lambda con: (
            sorted(r[0] for r in con.execute(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = 'readings_ts'::regclass").fetchall()),
            con.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'readings' AND indexdef LIKE '%brin%'")
            .fetchone()[0],
            dict(con.execute("SELECT tableoid::regclass::text, count(*) FROM readings GROUP BY 1").fetchall())))
    assert parts == ["readings_ts_p196503", "readings_ts_p202401", "readings_ts_p202402"]
    assert brin == 1
    assert where == {"readings_ts_p196503": 4, "readings_ts_p202401": 2, "readings_ts_p202402": 4}
    with pg_place.open() as s:  # a second process sees the same partitions and data
        assert s.count_readings() == 10 and len(s.read_frame(start="2024-02-01T00:00:00Z")) == 2


def test_closed_store_raises(store):
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.count_readings()


# ------------------------------------------------------------------ upsert semantics
def test_rewrite_is_idempotent_and_updates_values(store, cycle_frame):
    f = cycle_frame()
    store.write_frame(f, create_assets=True)
    store.write_frame(f, create_assets=True)
    assert store.count_readings() == 10
    df = f.to_pandas()
    df.loc[0, "t2"] = -1.5
    store.write_frame(Frame(df, units=f.units))
    assert store.count_readings() == 10
    assert store.read_frame().to_pandas().loc[0, "t2"] == -1.5


def test_nan_values_are_gaps_not_readings(store):
    f = Frame(pd.DataFrame({"asset": ["a"] * 3, "time": [1, 2, 3], "x": [1.0, np.nan, 3.0],
                            "y": [np.nan, np.nan, np.nan]}))
    assert store.write_frame(f, create_assets=True) == 2
    back = store.read_frame()
    assert back.to_pandas()["time"].tolist() == [1, 3]  # a row with no reading at all is not kept
    assert back.signals == ["x", "y"] and back.to_pandas()["y"].isna().all()


def test_unknown_asset_is_refused_unless_create_assets(store, cycle_frame):
    before = store.count_readings()
    with pytest.raises(NotFoundError, match="eng-1"):
        store.write_frame(cycle_frame())
    assert store.count_readings() == before
    store.write_frame(cycle_frame(), create_assets=True)
    tree = store.asset_tree()
    assert tree.path("eng-1") == list(IMPORTED) + ["eng-1"]
    assert {s.name: s.unit for s in tree.signals("eng-1")} == {"t2": "degR", "nf": "rpm"}


def test_unit_mismatch_names_the_column(store, tree, ts_frame):
    store.put_assets(tree)
    df = ts_frame().to_pandas()
    bad = Frame(df, units={"vibration": "um", "temp": "degC"})
    with pytest.raises(UnitError) as info:
        store.write_frame(bad)
    assert info.value.column == "vibration" and "mm/s" in str(info.value)
    assert store.count_readings() == 0


def test_new_signal_of_known_asset_is_created_with_its_unit(store, tree, ts_frame):
    store.put_assets(tree)
    df = ts_frame().to_pandas().assign(current=7.0)
    store.write_frame(Frame(df, units={"vibration": "mm/s", "temp": "degC", "current": "A"}))
    assert store.asset_tree().signal("fan-1", "current").unit == "A"


def test_time_kind_is_fixed_by_first_write(store, cycle_frame):
    store.write_frame(cycle_frame(), create_assets=True)
    ts = Frame(pd.DataFrame({"asset": ["eng-1"], "time": ["2024-01-01"], "t2": [1.0]}), units={"t2": "degR"})
    with pytest.raises(DataError, match="cycle") as info:
        store.write_frame(ts)
    assert info.value.column == "time"


def test_readings_go_to_equipment_only(store, tree):
    store.put_assets(tree)
    f = Frame(pd.DataFrame({"asset": ["sp1"], "time": [1], "x": [1.0]}))
    with pytest.raises(DataError, match="equipment"):
        store.write_frame(f)


# ------------------------------------------------------------------ reads
def test_read_frame_filters_and_inclusive_bounds(store, tree, ts_frame):
    store.put_assets(tree)
    store.write_frame(ts_frame(("fan-1", "fan-2")))
    f = store.read_frame(assets=["fan-2"], signals=["vibration"],
                         start="2024-05-01T00:01:00Z", end=pd.Timestamp("2024-05-01 00:03", tz="UTC"))
    df = f.to_pandas()
    assert f.signals == ["vibration"] and set(df["asset"]) == {"fan-2"}
    assert df["vibration"].tolist() == [2.0, 3.0, 4.0]
    with pytest.raises(NotFoundError, match="nope"):
        store.read_frame(assets=["nope"])
    with pytest.raises(NotFoundError, match="pressure"):
        store.read_frame(signals=["pressure"])
    with pytest.raises(DataError, match="timestamp"):
        store.read_frame(start=3)


def test_read_frame_cycles_and_empty_result(store, cycle_frame):
    store.write_frame(cycle_frame(n=10), create_assets=True)
    assert store.read_frame(start=3, end=5).to_pandas()["time"].tolist() == [3, 4, 5]
    empty = store.read_frame(start=100)
    assert len(empty) == 0 and empty.time_kind == "cycle" and empty.signals == ["t2", "nf"]
    with pytest.raises(DataError):
        store.read_frame(start="2024-01-01")


def test_read_frame_refuses_mixed_time_kinds_and_unit_conflicts(store, ts_frame, cycle_frame):
    store.write_frame(cycle_frame(), create_assets=True)
    store.write_frame(ts_frame(("fan-9",)), create_assets=True)
    with pytest.raises(DataError, match="mix"):
        store.read_frame()
    assert len(store.read_frame(assets=["fan-9"])) == 5
    other = Frame(pd.DataFrame({"asset": ["fan-8"], "time": ["2024-05-01"], "vibration": [1.0]}),
                  units={"vibration": "um"})
    store.write_frame(other, create_assets=True)
    with pytest.raises(UnitError, match="vibration"):
        store.read_frame(assets=["fan-8", "fan-9"])


def test_readings_returns_last_rows_sorted(store, cycle_frame):
    store.write_frame(cycle_frame(n=50), create_assets=True)
    r = store.readings("eng-1", "t2", limit=5)
    assert list(r.columns) == ["asset", "signal", "time", "value"]
    assert r["time"].tolist() == [46, 47, 48, 49, 50] and r["value"].tolist() == [546.0, 547, 548, 549, 550]
    r = store.readings("eng-1", start=10, end=11)
    assert r["signal"].tolist() == ["nf", "t2", "nf", "t2"]
    with pytest.raises(NotFoundError):
        store.readings("eng-1", "nope")
    with pytest.raises(NotFoundError):
        store.readings("nope")


def test_readings_timestamps_are_utc(store, ts_frame):
    store.write_frame(ts_frame(), create_assets=True)
    r = store.readings("fan-1", "vibration", start="2024-05-01T00:04:00+00:00")
    assert r["time"].tolist() == [pd.Timestamp("2024-05-01T00:04:00Z")]
    assert store.latest_time("fan-1") == pd.Timestamp("2024-05-01T00:04:00Z")
    assert store.latest_time() == pd.Timestamp("2024-05-01T00:04:00Z")


def test_latest_time_of_empty_store_is_none(store, tree):
    assert store.latest_time() is None
    store.put_assets(tree)
    assert store.latest_time("fan-1") is None and store.time_kind("fan-1") is None


# ------------------------------------------------------------------ assets
def test_asset_tree_round_trips_and_upserts(store, tree):
    store.put_assets(tree)
    back = store.asset_tree()
    assert back.to_dict() == tree.to_dict()
    store.put_assets(tree)  # idempotent
    assert store.asset_tree().to_dict() == tree.to_dict()


def test_signal_unit_cannot_change_once_readings_exist(store, tree, ts_frame):
    from bessemer.core import AssetTree, Node, Signal

    store.put_assets(tree)
    store.write_frame(ts_frame())
    t = AssetTree([Node("x", "site", "X"), Node("xa", "area", "A", parent="x"), Node("xu", "unit", "U", parent="xa"),
                   Node("fan-1", "equipment", "Fan", parent="xu")], [Signal("fan-1", "temp", "degF")])
    before = store.asset_tree().to_dict()
    with pytest.raises(UnitError, match="temp"):
        store.put_assets(t)
    assert store.asset_tree().to_dict() == before  # the node move was rolled back too


# ------------------------------------------------------------------ atomicity and threads
def test_failure_half_way_rolls_back_everything(store, tree, ts_frame, snapshot, monkeypatch):
    store.put_assets(tree)
    store.write_frame(ts_frame(("fan-1",)))
    before = snapshot(store)
    mod = sys.modules[type(store).__module__]  # the store module that calls _long_arrow
    real = mod._long_arrow

    def broken(df, signals, kind):  # a NULL in the last reading makes the INSERT fail after the other changes
        import pyarrow as pa

        t = real(df, signals, kind)
        values = t.column("value").to_pylist()
        values[-1] = None
        return t.set_column(3, "value", pa.array(values, pa.float64()))

    monkeypatch.setattr(mod, "_long_arrow", broken)
    df = ts_frame(("fan-2", "new-asset"), start="2025-01-01").to_pandas().assign(extra=1.0)
    with pytest.raises(StoreError, match="rolled back"):
        store.write_frame(Frame(df, units={"vibration": "mm/s", "temp": "degC"}), create_assets=True)
    assert snapshot(store) == before


def test_second_asset_failing_leaves_first_unchanged(store, tree, snapshot):
    store.put_assets(tree)
    before = snapshot(store)
    f = Frame(pd.DataFrame({"asset": ["fan-1", "sp1"], "time": [1, 1], "vibration": [1.0, 2.0]}),
              units={"vibration": "mm/s"})
    with pytest.raises(DataError):
        store.write_frame(f)
    assert snapshot(store) == before


def test_reader_and_writer_threads(place):
    errors: list[BaseException] = []
    with place.open() as store:
        store.write_frame(Frame(pd.DataFrame({"asset": ["m"], "time": [0], "x": [0.0]})), create_assets=True)

        def writer() -> None:
            try:
                for i in range(1, 41):
                    f = Frame(pd.DataFrame({"asset": ["m"] * 5, "time": range(i * 5, i * 5 + 5), "x": float(i)}))
                    store.write_frame(f)
            except BaseException as err:  # noqa: BLE001 - report any failure to the main thread
                errors.append(err)

        def reader() -> None:
            try:
                for _ in range(40):
                    r = store.readings("m", "x", limit=3)
                    assert r["time"].is_monotonic_increasing
                    store.read_frame(start=0)
                    store.latest_time("m")
            except BaseException as err:  # noqa: BLE001
                errors.append(err)

        threads = [threading.Thread(target=writer), threading.Thread(target=reader)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert not errors, errors
        assert store.count_readings() == 201 and store.latest_time("m") == 204


# ------------------------------------------------------------------ events
def test_events_add_idempotent_and_typed(store, tree, ts_frame, cycle_frame):
    store.put_assets(tree)
    store.write_frame(ts_frame())
    ev = pd.DataFrame({"asset": ["fan-1", "fan-1"], "time": ["2024-05-02T00:00:00Z", "2024-05-01"],
                       "kind": ["failure", "maintenance"], "note": ["bearing seized", None]})
    assert store.add_events(ev) == 2
    assert store.add_events(ev) == 2
    got = store.events("fan-1")
    assert len(got) == 2 and got["kind"].tolist() == ["maintenance", "failure"]
    assert got["time"].iloc[1] == pd.Timestamp("2024-05-02", tz="UTC") and got["note"].iloc[1] == "bearing seized"
    store.write_frame(cycle_frame(), create_assets=True)
    store.add_events(pd.DataFrame({"asset": ["eng-1"], "time": [3], "kind": ["failure"]}))
    assert store.events("eng-1")["time"].tolist() == [3]
    assert len(store.events()) == 3


def test_events_bad_input(store, tree):
    store.put_assets(tree)
    with pytest.raises(DataError, match="kind") as info:
        store.add_events(pd.DataFrame({"asset": ["fan-1", "fan-1"], "time": [1, 2], "kind": ["failure", "boom"]}))
    assert info.value.row == 2
    with pytest.raises(DataError, match="lack"):
        store.add_events(pd.DataFrame({"asset": ["fan-1"], "time": [1]}))
    with pytest.raises(NotFoundError, match="ghost"):
        store.add_events(pd.DataFrame({"asset": ["ghost"], "time": [1], "kind": ["failure"]}))
    with pytest.raises(DataError, match="note"):
        store.add_events(pd.DataFrame({"asset": ["fan-1"], "time": [1], "kind": ["failure"], "note": ["<b>"]}))
    assert len(store.events()) == 0


# ------------------------------------------------------------------ result tables
def test_put_and_get_table(store):
    df = pd.DataFrame({"asset": ["a", "b"], "rul": [10.5, 3.0],
                       "time": pd.to_datetime(["2024-01-01", "2024-01-02"], utc=True), "n": [1, 2]})
    assert store.get_table("predictions") is None
    store.put_table("predictions", df)
    pd.testing.assert_frame_equal(store.get_table("predictions"), df, check_dtype=False)
    store.put_table("predictions", df.iloc[:1])
    assert len(store.get_table("predictions")) == 1
    assert store.table_names() == ["predictions"]
    for bad in ("Predictions", "drop table;", "", "1abc", "a" * 64):
        with pytest.raises(DataError):
            store.put_table(bad, df)


# ------------------------------------------------------------------ tokens
def test_tokens(store):
    h = "a" * 64
    store.add_token(name="ops", token_hash=h, role="operator", site="pohang")
    found = store.find_token(h)
    assert found is not None and found["name"] == "ops" and found["role"] == "operator" and found["site"] == "pohang"
    assert pd.Timestamp(found["created"]).tzinfo is not None
    assert store.find_token("b" * 64) is None
    with pytest.raises(DataError, match="already exists"):
        store.add_token(name="ops", token_hash="c" * 64, role="viewer")
    with pytest.raises(DataError, match="role"):
        store.add_token(name="x", token_hash="d" * 64, role="root")
    store.add_token(name="viewer", token_hash="e" * 64, role="viewer")
    assert [t["name"] for t in store.list_tokens()] == ["ops", "viewer"]
    assert all("token_hash" not in t for t in store.list_tokens())
    store.revoke_token("ops")
    assert store.find_token(h) is None
    with pytest.raises(NotFoundError):
        store.revoke_token("ops")


def test_postgres_survives_a_dropped_connection(pg_place, cycle_frame):
    import psycopg

    def drop(store):
        with psycopg.connect(pg_place.url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [store._con.info.backend_pid])

    with pg_place.open() as s:
        s.write_frame(cycle_frame(), create_assets=True)
        drop(s)
        assert s.count_readings() == 10  # a read is tried again on a fresh connection
        drop(s)
        with pytest.raises(StoreError, match="connection .* was lost.*safe"):
            s.write_frame(cycle_frame(n=6))
        assert s.write_frame(cycle_frame(n=6)) == 12  # the next call reconnects; re-sending is idempotent
        assert s.count_readings() == 12


def test_postgres_two_writers_same_readings_no_duplicates(pg_place):
    """Two connections (as two ingest processes) upsert overlapping readings into new months at once."""
    first = pg_place.open()
    second = pg_place.open()
    errors: list[BaseException] = []

    def frame(k: int) -> Frame:  # 3 months of hourly readings; frames k and k+1 overlap by half
        t = pd.date_range("2023-01-01", periods=24 * 90, freq="h", tz="UTC")[k * 240:(k + 2) * 240]
        return Frame(pd.DataFrame({"asset": "m", "time": t, "x": np.arange(len(t), dtype=float)}))

    def write(store, ks) -> None:
        try:
            for k in ks:
                store.write_frame(frame(k), create_assets=True)
        except BaseException as err:  # noqa: BLE001 - report any failure to the main thread
            errors.append(err)

    threads = [threading.Thread(target=write, args=(first, range(0, 8))),
               threading.Thread(target=write, args=(second, range(7, -1, -1)))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert first.count_readings() == 9 * 240 == len(first.read_frame())


def test_postgres_insert_that_meets_a_concurrent_key_falls_back_to_upsert(pg_place, cycle_frame, monkeypatch):
    import bessemer.core._store_pg_sql as q

    with pg_place.open() as s:
        s.write_frame(cycle_frame(), create_assets=True)
        monkeypatch.setattr(q, "OVERLAP", "SELECT false AND %s::text[] IS NULL AND %s::text[] IS NULL "
                                          "AND %s::bigint[] IS NULL AND %s::bigint[] IS NULL AND %s::text IS NULL")
        df = cycle_frame().to_pandas()
        df.loc[0, "t2"] = -1.5  # as if another writer stored these keys after the overlap check
        assert s.write_frame(Frame(df, units=cycle_frame().units)) == 10
        assert s.count_readings() == 10 and s.read_frame().to_pandas().loc[0, "t2"] == -1.5


def _flags(rows):
    return pd.DataFrame(rows, columns=["asset", "signal", "time", "quality"])


def test_quality_is_that_of_the_last_write(store, tree, ts_frame):
    store.put_assets(tree)
    f = ts_frame(("fan-1", "fan-2"))
    t = f.to_pandas()["time"].drop_duplicates().sort_values().tolist()
    store.write_frame(f, quality=_flags([("fan-1", "temp", t[1], "uncertain"), ("fan-2", "vibration", t[3], "bad")]))
    q = store.reading_quality("fan-1")
    assert q[["signal", "quality"]].values.tolist() == [["temp", "uncertain"]] and q["time"].tolist() == [t[1]]
    assert store.reading_quality("fan-2", "temp").empty and len(store.reading_quality("fan-2", "vibration")) == 1
    assert store.reading_quality("fan-1", start=t[2]).empty  # inclusive bounds in the asset's time
    # the same readings written again without flags are good again; other readings keep theirs
    store.write_frame(Frame(f.to_pandas()[f.to_pandas()["asset"] == "fan-1"], units=f.units))
    assert store.reading_quality("fan-1").empty and len(store.reading_quality("fan-2")) == 1
    store.write_frame(f, quality=_flags([("fan-1", "temp", t[1], "uncertain")]))
    assert len(store.reading_quality("fan-1")) == 1 and store.reading_quality("fan-2").empty
    assert store.count_readings() == 20  # flags never add readings
    with pytest.raises(NotFoundError):
        store.reading_quality("no-such-asset")


def test_quality_rows_are_checked(store, tree, ts_frame, cycle_frame, snapshot):
    store.put_assets(tree)
    f = ts_frame(("fan-1",))
    t0 = f.to_pandas()["time"].iloc[0]
    before = snapshot(store)
    with pytest.raises(DataError, match="not one of"):
        store.write_frame(f, quality=_flags([("fan-1", "temp", t0, "meh")]))
    with pytest.raises(DataError, match="holds no reading"):
        store.write_frame(f, quality=_flags([("fan-1", "temp", t0 - pd.Timedelta("1h"), "uncertain")]))
    with pytest.raises(DataError, match="lacks column"):
        store.write_frame(f, quality=pd.DataFrame({"asset": ["fan-1"]}))
    assert snapshot(store) == before  # refused before anything was written
    c = cycle_frame(("eng-1",))
    store.write_frame(c, create_assets=True, quality=_flags([("eng-1", "t2", 3, "uncertain")]))
    assert store.reading_quality("eng-1")["time"].tolist() == [3]


def test_failed_write_keeps_the_old_flags(store, tree, ts_frame, monkeypatch):
    store.put_assets(tree)
    f = ts_frame(("fan-1",))
    t1 = f.to_pandas()["time"].iloc[1]
    store.write_frame(f, quality=_flags([("fan-1", "temp", t1, "uncertain")]))
    mod = sys.modules[type(store).__module__]
    real = mod._long_arrow

    def broken(df, signals, kind):  # the INSERT fails: the flags must not have been cleared either
        import pyarrow as pa

        t = real(df, signals, kind)
        values = t.column("value").to_pylist()
        values[-1] = None
        return t.set_column(3, "value", pa.array(values, pa.float64()))

    monkeypatch.setattr(mod, "_long_arrow", broken)
    with pytest.raises(StoreError, match="rolled back"):
        store.write_frame(f)
    assert store.reading_quality("fan-1")["quality"].tolist() == ["uncertain"]
