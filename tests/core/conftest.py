"""Shared fixtures for the core tests: a store of each kind, a CSV writer and a small asset tree.

The ``store`` fixture (and ``place``, where a test opens stores itself) runs every store test on
the embedded DuckDB store and on PostgreSQL (a fresh schema per test, dropped after). Without a
reachable PostgreSQL (``BESSEMER_PG_URL``, default postgresql://postgres@127.0.0.1:5432/postgres)
the PostgreSQL cases skip, or fail when ``BESSEMER_REQUIRE_SERVICES=1`` (as in CI).
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from bessemer.core import AssetTree, Frame, Node, Signal
from bessemer.core._store import Store
from bessemer.core._store_pg import PostgresStore

_TABLES = ("nodes", "signals", "readings", "reading_quality", "events", "results", "tokens")
PG_URL = os.environ.get("BESSEMER_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
_REQUIRE = os.environ.get("BESSEMER_REQUIRE_SERVICES") == "1"


@functools.cache
def _pg_problem() -> str | None:
    """Why PostgreSQL cannot be used (``None`` when it can), checked once per session."""
    try:
        import psycopg

        with psycopg.connect(PG_URL, connect_timeout=3) as con:
            con.execute("SELECT 1")
    except Exception as err:  # noqa: BLE001 - any failure means "not reachable"; the reason is reported
        return f"{type(err).__name__}: {str(err).strip().splitlines()[0][:200]}"
    return None


def require_postgres() -> str:
    """The PostgreSQL URL for tests; skip (or fail under BESSEMER_REQUIRE_SERVICES=1) when unreachable."""
    problem = _pg_problem()
    if problem is not None:
        where = PG_URL.split("@")[-1]  # host and database only: no password in test output
        if _REQUIRE:
            pytest.fail(f"PostgreSQL at {where} is required (BESSEMER_REQUIRE_SERVICES=1) but unreachable: {problem}")
        pytest.skip(f"PostgreSQL at {where} is not reachable ({problem}); start it or set BESSEMER_PG_URL")
    return PG_URL


def _drop_schema(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True, connect_timeout=10) as con:
        con.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


class Place:
    """Where a test's store lives (a DuckDB file or a PostgreSQL schema); opens stores there."""

    def __init__(self, kind: str, tmp_path: Path) -> None:
        self.kind = kind
        self.path = tmp_path / "deep" / "dir" / "b.duckdb"
        self.missing_path = tmp_path / "nope.duckdb"
        self.schema = f"bessemer_test_{os.getpid()}_{uuid.uuid4().hex[:10]}"
        self.opened: list[Any] = []
        self.url = require_postgres() if kind == "postgres" else ""

    def open(self, *, read_only: bool = False) -> Any:
        """A store at this place (created when missing unless ``read_only``)."""
        if self.kind == "duckdb":
            s: Any = Store(self.path, read_only=read_only)
        else:
            s = PostgresStore(self.url, schema=self.schema, read_only=read_only)
        self.opened.append(s)
        return s

    def open_missing(self) -> Any:
        """Open, read-only, a place where no store exists (must raise NotFoundError)."""
        if self.kind == "duckdb":
            return Store(self.missing_path, read_only=True)
        return PostgresStore(self.url, schema=self.schema + "_nope", read_only=True)

    def cleanup(self) -> None:
        for s in self.opened:
            s.close()
        if self.kind == "postgres":
            _drop_schema(self.schema)


@pytest.fixture(params=["duckdb", "postgres"])
def place(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Place]:
    p = Place(request.param, tmp_path)
    yield p
    p.cleanup()


@pytest.fixture
def store(place: Place) -> Iterator[Any]:
    """A fresh empty store: DuckDB in memory, or PostgreSQL in a fresh schema."""
    if place.kind == "duckdb":
        s: Any = Store()
        yield s
        s.close()
    else:
        yield place.open()


@pytest.fixture
def pg_place(tmp_path: Path) -> Iterator[Place]:
    """A PostgreSQL place only (for tests of what DuckDB does not have)."""
    p = Place("postgres", tmp_path)
    yield p
    p.cleanup()


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


def _snapshot(store: Any) -> dict[str, list[tuple]]:
    if isinstance(store, PostgresStore):
        def rows(con: Any, t: str) -> list[tuple]:
            n = len(con.execute(f"SELECT * FROM {t} LIMIT 0").description)
            return con.execute(f"SELECT * FROM {t} ORDER BY {', '.join(map(str, range(1, n + 1)))}").fetchall()

        return store._read(lambda con: {t: rows(con, t) for t in _TABLES})
    return store._read(lambda con: {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in _TABLES})


@pytest.fixture
def snapshot() -> Callable[[Any], dict[str, list[tuple]]]:
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
