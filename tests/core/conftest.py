"""Shared fixtures for the core tests: an in-memory store, a CSV writer and a small asset tree."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

from bessemer.core import AssetTree, Frame, Node, Signal
from bessemer.core._store import Store

_TABLES = ("nodes", "signals", "readings", "events", "results", "tokens")


@pytest.fixture
def store() -> Iterator[Store]:
    s = Store()
    yield s
    s.close()


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """Write text (or bytes) to a file under tmp_path and return its path."""

    def write(content: str | bytes, name: str = "data.csv") -> Path:
        p = tmp_path / name
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_bytes(content.encode("utf-8"))
        return p

    return write


def _snapshot(store: Store) -> dict[str, list[tuple]]:
    return store._read(lambda con: {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in _TABLES})


@pytest.fixture
def snapshot() -> Callable[[Store], dict[str, list[tuple]]]:
    """Every row of every table: equal snapshots mean nothing changed."""
    return _snapshot


@pytest.fixture
def tree() -> AssetTree:
    return _small_tree()


@pytest.fixture
def ts_frame() -> Callable[..., Frame]:
    return _ts_frame


@pytest.fixture
def cycle_frame() -> Callable[..., Frame]:
    return _cycle_frame


def _small_tree() -> AssetTree:
    t = AssetTree()
    t.add(Node("pohang", "site", "Pohang works"))
    t.add(Node("sinter", "area", "Sinter plant", parent="pohang"))
    t.add(Node("sp1", "unit", "Sinter line 1", parent="sinter"))
    t.add(Node("fan-1", "equipment", "Main fan 1", parent="sp1", kind="fan", name_ko="주 송풍기 1",
               attrs={"rated_kw": 5000}))
    t.add(Node("fan-2", "equipment", "Main fan 2", parent="sp1", kind="fan"))
    t.add_signal(Signal("fan-1", "vibration", "mm/s", "bearing DE"))
    t.add_signal(Signal("fan-1", "temp", "degC"))
    t.add_signal(Signal("fan-2", "vibration", "mm/s"))
    return t


def _ts_frame(assets=("fan-1",), n: int = 5, start: str = "2024-05-01T00:00:00Z") -> Frame:
    rows = []
    for a in assets:
        for i, t in enumerate(pd.date_range(start, periods=n, freq="min")):
            rows.append({"asset": a, "time": t, "vibration": 1.0 + i, "temp": 40.0 + i / 2})
    return Frame(pd.DataFrame(rows), units={"vibration": "mm/s", "temp": "degC"})


def _cycle_frame(assets=("eng-1",), n: int = 5) -> Frame:
    rows = []
    for a in assets:
        for i in range(1, n + 1):
            rows.append({"asset": a, "time": i, "t2": 500.0 + i, "nf": 2000.0 - i})
    return Frame(pd.DataFrame(rows), units={"t2": "degR", "nf": "rpm"})
