"""DiskBuffer: FIFO, durability across reopen, threads, one owner, release."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bessemer.core import StoreError
from bessemer.ingest import QUALITIES, DiskBuffer, Reading
from bessemer.ingest._reading import ReadingColumns

T0 = pd.Timestamp("2024-05-01T00:00:00Z")


def rs(start, n, asset="a", quality="good"):
    return [Reading(asset, "v", T0 + pd.Timedelta(seconds=i), float(i), "degC", quality, f"mqtt:x/{asset}")
            for i in range(start, start + n)]


def test_fifo_take_done(tmp_path):
    with DiskBuffer(tmp_path / "buf") as buf:
        buf.put(rs(0, 3))
        buf.put(rs(3, 2))
        buf.put([])
        assert len(buf) == 5
        b1, got1 = buf.take(3)
        assert [r.value for r in got1] == [0.0, 1.0, 2.0]
        b2, got2 = buf.take(100)  # the next not-taken batch, not the in-flight one again
        assert [r.value for r in got2] == [3.0, 4.0]
        assert buf.take(10) == (None, [])
        buf.done(b1)
        assert len(buf) == 2
        with pytest.raises(KeyError):
            buf.done(b1)
        buf.done(b2)
        assert len(buf) == 0


def test_readings_round_trip_exactly(tmp_path):
    r = Reading("rhf-1", "zone1_temp", pd.Timestamp("2024-05-01T08:00:00.123456789Z"), -0.1 + 0.2, "degC",
                "uncertain", "opcua:ns=2;s=Zone1")
    with DiskBuffer(tmp_path / "b.sqlite3") as buf:
        buf.put([r])
        assert buf.take(1)[1] == [r]


def test_take_gives_whole_batches_at_least_one(tmp_path):
    with DiskBuffer(tmp_path) as buf:
        buf.put(rs(0, 10))
        bid, got = buf.take(3)
        assert len(got) == 10  # a put() batch is never split
        with pytest.raises(ValueError):
            buf.take(0)


def test_durable_across_reopen_and_in_flight_is_not_lost(tmp_path):
    buf = DiskBuffer(tmp_path)
    buf.put(rs(0, 4))
    buf.put(rs(4, 4))
    bid, _ = buf.take(4)
    buf.done(bid)
    buf.take(4)  # taken but never done: a crash here must not lose it
    buf.close()
    with pytest.raises(StoreError, match="closed"):
        buf.put(rs(0, 1))
    with DiskBuffer(tmp_path) as again:
        assert len(again) == 4
        assert [r.value for r in again.take(100)[1]] == [4.0, 5.0, 6.0, 7.0]


def test_put_survives_sigkill_of_the_writer(tmp_path):
    code = (
        "import os, signal, pandas as pd\n"
        "from bessemer.ingest import DiskBuffer, Reading\n"
        f"buf = DiskBuffer({str(tmp_path)!r})\n"
        "buf.put([Reading('a', 'v', pd.Timestamp(i, unit='s', tz='UTC'), float(i), '1') for i in range(50)])\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert proc.returncode == -9, proc.stderr.decode()[-500:]
    with DiskBuffer(tmp_path) as buf:  # the killed owner's lock is gone with it
        assert len(buf) == 50
        assert sorted(r.value for r in buf.take(1000)[1]) == [float(i) for i in range(50)]


def test_put_from_many_threads(tmp_path):
    with DiskBuffer(tmp_path) as buf:
        def worker(k):
            for j in range(20):
                buf.put(rs(j * 5, 5, asset=f"a{k}"))

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(buf) == 6 * 20 * 5
        seen = []
        while True:
            bid, got = buf.take(250)
            if bid is None:
                break
            seen.extend(r.key for r in got)
            buf.done(bid)
        assert len(seen) == len(set(seen)) == 600
        # FIFO per producer: each thread's readings come out in the order it put them
        for k in range(6):
            mine = [key[2] for key in seen if key[0] == f"a{k}"]
            assert mine == sorted(mine)


def test_one_owner_at_a_time(tmp_path):
    with DiskBuffer(tmp_path):
        with pytest.raises(StoreError, match="in use by another ingest process"):
            DiskBuffer(tmp_path)
    DiskBuffer(tmp_path).close()  # free again after close


def test_release_gives_a_batch_back(tmp_path):
    with DiskBuffer(tmp_path) as buf:
        buf.put(rs(0, 2))
        buf.put(rs(2, 2))
        b1, first = buf.take(2)
        b2, _ = buf.take(2)
        buf.release(b1)
        b3, again = buf.take(2)
        assert again == first
        assert buf.wait(0.01)  # the second batch is waiting again too
        buf.done(b3)
        b4, rest = buf.take(10)
        assert [r.value for r in rest] == [2.0, 3.0]
        buf.done(b4)
        assert not buf.wait(0.01) and len(buf) == 0


def test_cap_refuses_and_frees_as_batches_are_done(tmp_path):
    from bessemer.core import ConfigError
    from bessemer.ingest._buffer import BufferFullError

    with DiskBuffer(tmp_path, max_readings=5) as buf:
        buf.put(rs(0, 4))
        with pytest.raises(BufferFullError, match=r"holds 4 readings and its cap is 5"):
            buf.put(rs(4, 2))
        assert len(buf) == 4  # nothing of the refused batch was written
        buf.put(rs(4, 1))
        bid, got = buf.take(100)
        buf.done(bid)
        assert len(buf) == 0
        buf.put(rs(10, 9))  # an empty buffer takes even a batch over the cap
        assert len(buf) == 9
    with pytest.raises(ConfigError, match="max_readings"):
        DiskBuffer(tmp_path / "b", max_readings=0)
    with DiskBuffer(tmp_path / "c", max_readings=None) as buf:
        buf.put(rs(0, 50))
        assert len(buf) == 50


_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="<>"), min_size=1, max_size=30)
_ROWS = st.lists(st.tuples(_TEXT, _TEXT, st.integers(0, 7_258_118_399 * 10**9),
                           st.floats(-1e15, 1e15, allow_nan=False), st.sampled_from(["degC", "kPa", "1", "°C"]),
                           st.sampled_from(QUALITIES), _TEXT), min_size=1, max_size=40)


@settings(max_examples=40, deadline=None)
@given(_ROWS, _ROWS)
def test_rows_and_columns_round_trip_exactly(tmp_path_factory, first, second):
    with DiskBuffer(tmp_path_factory.mktemp("b"), max_readings=None) as buf:
        buf.put_rows(first)
        buf.put_columns(ReadingColumns.from_rows(second))
        bid, cols = buf.take_columns(10**6)
        assert cols == ReadingColumns.from_rows(first + second)
        assert cols.time_ns.dtype == np.int64 and cols.value.dtype == np.float64
        buf.done(bid)
        assert len(buf) == 0


def test_batches_written_by_the_json_format_of_earlier_versions_are_still_read(tmp_path):
    # what DiskBuffer.put wrote before the columnar format: a readings buffer left over an upgrade is not lost
    blob = json.dumps({"s": ["rhf-1", "zone1_temp", "degC", "good", "mqtt:p/rhf-1"],
                       "r": [[0, 1, 1714550400123456789, 812.5, 2, 3, 4], [0, 1, 1714550401000000000, 813, 2, 3, 4]]})
    with DiskBuffer(tmp_path) as buf:
        buf.put(rs(0, 1))
    con = sqlite3.connect(tmp_path / "buffer.sqlite3")
    con.execute("INSERT INTO batches (n, data) VALUES (?, ?)", (2, blob.encode()))
    con.commit()
    con.close()
    with DiskBuffer(tmp_path) as buf:
        assert len(buf) == 3
        _, got = buf.take(10)
    assert [(r.asset, r.value, r.time.value, r.source) for r in got[1:]] == [
        ("rhf-1", 812.5, 1714550400123456789, "mqtt:p/rhf-1"), ("rhf-1", 813.0, 1714550401000000000, "mqtt:p/rhf-1")]
    assert got[0] == rs(0, 1)[0]
