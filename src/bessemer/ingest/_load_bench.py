"""Load benchmarks of the data path: ``bessemer bench ingest``.

Three measures, each on loopback on this machine:

- batch import: readings/s of :meth:`~bessemer.core.Store.write_frame` into a fresh DuckDB file
  and a fresh PostgreSQL schema (median of ``repeats`` runs; the frame is built beforehand);
- end-to-end MQTT: messages/s from the first QoS 1 publish to the last store commit, with lost
  and duplicated counts (:func:`bessemer.ingest._bench.run_mqtt_bench`);
- API reads: latency p50/p99 at a fixed request rate, open loop (each request has a scheduled
  send time and its latency runs from that time, so a stalled server cannot hide queued requests),
  against uvicorn in a subprocess serving the app over a DuckDB store with a viewer token.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from ..core import AssetTree, Frame, Node, Signal
from ._bench import cpu_seconds as _cpu_seconds
from ._http_load import fire, post_every

__all__ = ["format_ingest_report", "run_ingest_bench"]

_START = pd.Timestamp("2024-05-01T00:00:00Z")
_PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"


def bench_tree(n_assets: int, n_signals: int) -> AssetTree:
    """A site/area/unit tree with ``n_assets`` equipment of ``n_signals`` signals each (10 per unit)."""
    t = AssetTree()
    t.add(Node("bench", "site", "Bench works"))
    t.add(Node("bench-a", "area", "Bench area", parent="bench"))
    for i in range(n_assets):
        unit = f"bench-u{i // 10}"
        if i % 10 == 0:
            t.add(Node(unit, "unit", f"Bench unit {i // 10}", parent="bench-a"))
        eq = f"eq-{i:03d}"
        t.add(Node(eq, "equipment", f"Equipment {i}", parent=unit))
        for j in range(n_signals):
            t.add_signal(Signal(eq, f"s{j}", "degC", f"signal {j}"))
    return t


def bench_frame(rows: int, *, n_assets: int = 100, n_signals: int = 10, seed: int = 7) -> Frame:
    """About ``rows`` readings: ``n_assets`` × ``n_signals`` × ``rows // (n_assets * n_signals)`` times (1 s apart).

    Examples
    --------
    >>> f = bench_frame(2_000, n_assets=4, n_signals=5)
    >>> f.to_pandas().shape, len(f.signals)
    ((400, 7), 5)
    """
    n_times = max(1, rows // (n_assets * n_signals))
    rng = np.random.default_rng(seed)
    times = _START + pd.to_timedelta(np.arange(n_times), unit="s")
    df = pd.DataFrame({"asset": np.repeat([f"eq-{i:03d}" for i in range(n_assets)], n_times),
                       "time": np.tile(times, n_assets)})
    for j in range(n_signals):
        df[f"s{j}"] = 20.0 + rng.normal(0.0, 1.0, len(df))
    return Frame(df, units={f"s{j}": "degC" for j in range(n_signals)}, source="bench")


def _time_write(open_store: Callable[[], Any], frame: Frame, tree: AssetTree) -> tuple[float, int]:
    store = open_store()
    try:
        store.put_assets(tree)
        t0 = time.perf_counter()
        n = store.write_frame(frame)
        return time.perf_counter() - t0, n
    finally:
        store.close()


def _duckdb_runs(frame: Frame, tree: AssetTree, repeats: int) -> list[float]:
    from ..core import Store

    out = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="bessemer-bench-") as tmp:
            secs, n = _time_write(lambda tmp=tmp: Store(Path(tmp) / "b.duckdb"), frame, tree)
            out.append(n / secs)
    return out


def _pg_problem(url: str) -> str | None:
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3) as con:
            con.execute("SELECT 1")
    except Exception as err:  # noqa: BLE001 - any failure means "not usable"; the reason is reported
        return f"{type(err).__name__}: {str(err).strip().splitlines()[0][:200] if str(err).strip() else ''}"
    return None


def _postgres_runs(url: str, frame: Frame, tree: AssetTree, repeats: int) -> list[float]:
    import psycopg

    from ..core import PostgresStore

    out = []
    for _ in range(repeats):
        schema = f"bessemer_bench_{os.getpid()}_{uuid.uuid4().hex[:10]}"
        try:
            secs, n = _time_write(lambda s=schema: PostgresStore(url, schema=s), frame, tree)
            out.append(n / secs)
        finally:
            with psycopg.connect(url, autocommit=True, connect_timeout=10) as con:
                con.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    return out


def _mqtt(seconds: float, broker_url: str | None, rate: float | None) -> dict[str, Any]:
    from ._bench import run_mqtt_bench

    broker = None
    if broker_url is not None:
        u = urlsplit(broker_url)
        broker = (u.hostname or "127.0.0.1", u.port or 1883)
    elif not (shutil.which("mosquitto") or Path("/usr/sbin/mosquitto").is_file()):
        return {"note": "skipped: no mosquitto binary on PATH (install mosquitto or pass broker_url)"}
    else:
        broker = None
    try:
        r = run_mqtt_bench(seconds=seconds, broker=broker, drain_quiet_s=min(10.0, max(2.0, seconds / 6)),
                           rate=rate)
    except (OSError, RuntimeError) as err:
        return {"note": f"skipped: {type(err).__name__}: {str(err)[:300]}"}
    return {"mqtt_msgs_s": float(r["end_to_end_msg_per_s"]), "mqtt_lost": int(r["lost"]),
            "mqtt_duplicated": int(r["extra"]), "mqtt_published": int(r["published"]),
            "mqtt_acked": int(r["acked"]), "mqtt_stored": int(r["stored_rows"]),
            "mqtt_publish_msgs_s": float(r["publish_msg_per_s"]), "mqtt_offered_msgs_s": rate,
            "mqtt_drain_lag_s": float(r["drain_lag_s"]), "mqtt_ingest_cpu_us_per_msg": r.get("ingest_cpu_us_per_msg")}


_SERVER = r"""
import json, sys
import uvicorn
from bessemer.api import create_app
from bessemer.core import Settings, Store
a = json.loads(sys.argv[1])
settings = Settings(home=a["home"], store_path=a["store"], secret=a["secret"], auth_reads=True,
                    rate_limit_per_s=a["rate_limit"], rate_limit_burst=a["burst"])
app = create_app(settings, store=Store(a["store"]))
uvicorn.run(app, host="127.0.0.1", port=a["port"], log_level="warning", access_log=False)
"""


def _api_store(path: Path, secret: str) -> tuple[str, str]:
    """A DuckDB store of 2 sites × 2 areas × 2 units × 5 equipment × 6 signals, 2 days of minutely readings

    (691,200 readings, written hour by hour in time order as an ingest would write them).
    Returns a viewer token and an operator token.
    """
    from ..api._tokens import create_token
    from ..core import Settings, Store

    t = AssetTree()
    equipment = []
    for si in range(2):
        t.add(Node(f"site{si}", "site", f"Site {si}"))
        for ai in range(2):
            area = f"site{si}-a{ai}"
            t.add(Node(area, "area", f"Area {ai}", parent=f"site{si}"))
            for ui in range(2):
                unit = f"{area}-u{ui}"
                t.add(Node(unit, "unit", f"Unit {ui}", parent=area))
                for ei in range(5):
                    eq = f"{unit}-e{ei}"
                    t.add(Node(eq, "equipment", f"Equipment {ei}", parent=unit, kind="fan"))
                    for j in range(6):
                        t.add_signal(Signal(eq, f"s{j}", "degC", f"signal {j}"))
                    equipment.append(eq)
    rng = np.random.default_rng(7)
    with Store(path) as store:
        store.put_assets(t)
        # written as an ingest writes them: in time order, a batch at a time (here one per hour)
        for hour in range(48):
            times = _START + pd.to_timedelta(hour * 60 + np.arange(60), unit="min")
            df = pd.DataFrame({"asset": np.repeat(equipment, len(times)), "time": np.tile(times, len(equipment))})
            for j in range(6):
                df[f"s{j}"] = 50.0 + rng.normal(0.0, 2.0, len(df))
            store.write_frame(Frame(df, units={f"s{j}": "degC" for j in range(6)}))
        settings = Settings(secret=secret)
        return (create_token(store, name="bench-viewer", role="viewer", settings=settings),
                create_token(store, name="bench-writer", role="operator", settings=settings))


def _write_bodies(n: int) -> list[bytes]:
    """``n`` POST bodies for ``/api/readings``: the next ``n`` minutes of all 240 signals, one minute each."""
    eqs = [f"site{s}-a{a}-u{u}-e{e}" for s in range(2) for a in range(2) for u in range(2) for e in range(5)]
    rng = np.random.default_rng(11)
    out = []
    for i in range(n):
        t = (_START + pd.Timedelta(days=2, minutes=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        rows = [{"asset": eq, "signal": f"s{j}", "time": t, "value": round(float(50.0 + rng.normal(0.0, 2.0)), 3)}
                for eq in eqs for j in range(6)]
        out.append(json.dumps({"readings": rows}).encode())
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _latency(prefix: str, got: Any) -> dict[str, Any]:
    ms = np.asarray(got.latencies) * 1000.0
    return {f"{prefix}_p50_ms": round(float(np.percentile(ms, 50)), 2),
            f"{prefix}_p99_ms": round(float(np.percentile(ms, 99)), 2),
            f"{prefix}_max_ms": round(float(ms.max()), 2), f"{prefix}_requests": int(got.sent),
            f"{prefix}_errors": int(got.errors)}


async def _reads_and_writes(port: int, paths: list[str], viewer: str, operator: str, *, rate: float,
                            seconds: float, warmup: float, write_hz: float) -> tuple[Any, tuple[int, int]]:
    reads = fire("127.0.0.1", port, paths, rate=rate, seconds=seconds, warmup=warmup,
                 headers={"Authorization": f"Bearer {viewer}"})
    writes = post_every("127.0.0.1", port, "/api/readings", _write_bodies(int((seconds + warmup) * write_hz) + 1),
                        hz=write_hz, seconds=seconds + warmup, headers={"Authorization": f"Bearer {operator}"})
    got, written = await asyncio.gather(reads, writes)
    return got, written


def run_api_bench(*, rate: float = 500.0, seconds: float = 20.0, warmup: float = 2.0,
                  write_hz: float = 1.0) -> dict[str, Any]:
    """API read latency at a fixed rate against uvicorn in a subprocess (see the module docstring).

    Two runs on the same server: reads alone (``api_*``), then the same reads while a batch of 240
    readings (one minute of every signal) is written ``write_hz`` times a second through
    ``POST /api/readings`` (``api_w_*``). A write drops the store's read cache, so the second run shows
    reads against a store that is being filled; ``write_hz=0`` skips it.
    """
    secret = secrets.token_urlsafe(24)
    rate_limit = max(1000.0, rate * 10)
    out: dict[str, Any] = {"api_rate_limit_note": f"rate limit raised for the bench to {rate_limit:g}/s per token "
                           f"(burst {int(rate_limit)}); the default is 50/s"}
    with tempfile.TemporaryDirectory(prefix="bessemer-apibench-") as tmp:
        store = Path(tmp) / "api.duckdb"
        viewer, operator = _api_store(store, secret)
        port = _free_port()
        args = {"home": tmp, "store": str(store), "secret": secret, "port": port,
                "rate_limit": rate_limit, "burst": int(rate_limit)}
        log = open(Path(tmp) / "server.log", "w")  # noqa: SIM115 - closed below
        server = subprocess.Popen([sys.executable, "-c", _SERVER, json.dumps(args)],  # noqa: S603 - fixed argv
                                  stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            ready_by = time.monotonic() + 90
            while True:
                try:
                    with urllib.request.urlopen(base + "/api/health", timeout=1.0) as r:  # noqa: S310 - loopback
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if server.poll() is not None or time.monotonic() > ready_by:
                    raise RuntimeError("the API server did not start: "
                                       + (Path(tmp) / "server.log").read_text()[-500:])
                time.sleep(0.1)
            rng = np.random.default_rng(7)
            eqs = [f"site{s}-a{a}-u{u}-e{e}" for s in range(2) for a in range(2) for u in range(2) for e in range(5)]
            kinds = rng.choice(["readings", "assets", "health"], size=997, p=[0.6, 0.3, 0.1])
            paths = [f"/api/assets/{rng.choice(eqs)}/readings?signal=s{rng.integers(6)}&last=1" if k == "readings"
                     else "/api/assets" if k == "assets" else "/api/health" for k in kinds]
            warm = min(warmup, seconds)
            cpu0, srv0 = time.process_time(), _cpu_seconds(server.pid)
            got = asyncio.run(fire("127.0.0.1", port, paths, rate=rate, seconds=seconds, warmup=warm,
                                   headers={"Authorization": f"Bearer {viewer}"}))
            out["api_client_cpu_s"] = round(time.process_time() - cpu0, 2)
            srv1 = _cpu_seconds(server.pid)
            if srv0 is not None and srv1 is not None:
                out["api_server_cpu_ms_per_request"] = round((srv1 - srv0) / max(1, int((seconds + warm) * rate))
                                                             * 1000.0, 3)
            out.update(_latency("api", got))
            if write_hz > 0:
                got, (written, failed) = asyncio.run(_reads_and_writes(
                    port, paths, viewer, operator, rate=rate, seconds=seconds, warmup=warm, write_hz=write_hz))
                out.update(_latency("api_w", got))
                out.update(api_w_write_hz=float(write_hz), api_w_writes=int(written), api_w_write_errors=int(failed))
        finally:
            server.terminate()
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                server.kill()
            log.close()
    out.update(api_mix="60% /api/assets/{id}/readings?signal=..&last=1, 30% /api/assets, 10% /api/health",
               api_warmup_s=min(warmup, seconds))
    return out


def run_ingest_bench(*, rows: int = 1_000_000, mqtt_seconds: float = 60.0, mqtt_rate: float | None = 25_000.0,
                     api_rate: float = 500.0,
                     api_seconds: float = 20.0, api_write_hz: float = 1.0, pg_url: str | None = None,
                     broker_url: str | None = None,
                     repeats: int = 3, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Run the load benchmarks and return every figure and parameter in one flat dict.

    Parameters
    ----------
    rows : int
        Readings per batch import (100 assets × 10 signals × ``rows // 1000`` times).
    mqtt_seconds : float
        How long the publisher sends (0 skips the MQTT part).
    mqtt_rate : float, optional
        Messages/s the publisher offers (``None``: as fast as the broker acknowledges).
        ``mqtt_drain_lag_s`` tells how long the ingest took to finish after the last publish.
    api_rate, api_seconds : float
        Fixed request rate (per second) and duration of the API part (0 seconds skips it).
    api_write_hz : float
        Writes per second (240 readings each) beside the second API run (0 skips that run).
    pg_url : str, optional
        PostgreSQL URL; ``postgresql://postgres@127.0.0.1:5432/postgres`` when omitted. Each run
        uses a fresh schema, dropped afterwards.
    broker_url : str, optional
        ``mqtt://host:port`` of a running broker; a private Mosquitto is started when omitted.
    repeats : int
        Batch-import runs per store; the median is reported.
    progress : callable, optional
        Called with a short line as each part starts.

    Returns
    -------
    dict
        ``duckdb_rows_s``, ``postgres_rows_s``, ``mqtt_msgs_s``, ``mqtt_lost``, ``mqtt_duplicated``,
        ``api_p50_ms``, ``api_p99_ms``, ``api_errors``, the same with writes beside the reads
        (``api_w_p99_ms``...). A part that could not run has ``None``
        figures and a ``*_note`` saying ``skipped: why``.

    Examples
    --------
    >>> r = run_ingest_bench(rows=2_000, mqtt_seconds=0, api_seconds=0, repeats=1, pg_url="postgresql://x@127.0.0.1:1/x")
    >>> r["duckdb_rows_s"] > 0, r["postgres_rows_s"], r["mqtt_msgs_s"], r["api_p99_ms"]
    (True, None, None, None)
    """
    say = progress or (lambda _msg: None)
    res: dict[str, Any] = {"rows": int(rows), "mqtt_seconds": float(mqtt_seconds), "api_rate": float(api_rate),
                           "api_seconds": float(api_seconds), "repeats": int(repeats), "cpu_count": os.cpu_count()}
    frame = bench_frame(rows)
    tree = bench_tree(100, 10)
    n = len(frame.to_pandas()) * len(frame.signals)
    res["rows_written"] = n

    say(f"batch import into DuckDB: {n:,} readings × {repeats}")
    runs = _duckdb_runs(frame, tree, repeats)
    res["duckdb_rows_s"] = round(statistics.median(runs))
    res["duckdb_runs_rows_s"] = [round(x) for x in runs]

    url = pg_url or os.environ.get("BESSEMER_PG_URL") or _PG_DEFAULT
    res.update(postgres_rows_s=None, postgres_runs_rows_s=None, postgres_note=None)
    problem = _pg_problem(url)
    if problem is None:
        say(f"batch import into PostgreSQL: {n:,} readings × {repeats}")
        runs = _postgres_runs(url, frame, tree, repeats)
        res["postgres_rows_s"] = round(statistics.median(runs))
        res["postgres_runs_rows_s"] = [round(x) for x in runs]
    else:
        res["postgres_note"] = f"skipped: PostgreSQL at {url.split('@')[-1]} unreachable ({problem})"
    del frame

    res.update(mqtt_msgs_s=None, mqtt_lost=None, mqtt_duplicated=None, mqtt_note=None)
    if mqtt_seconds > 0:
        say(f"end-to-end MQTT for {mqtt_seconds:g} s")
        m = _mqtt(mqtt_seconds, broker_url, mqtt_rate)
        res["mqtt_note"] = m.pop("note", None)
        res.update(m)
    else:
        res["mqtt_note"] = "skipped: mqtt_seconds=0"

    res.update(api_p50_ms=None, api_p99_ms=None, api_errors=None, api_note=None)
    if api_seconds > 0:
        say(f"API reads at {api_rate:g}/s for {api_seconds:g} s")
        res.update(run_api_bench(rate=api_rate, seconds=api_seconds, write_hz=api_write_hz))
    else:
        res["api_note"] = "skipped: api_seconds=0"

    res["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    res["peak_rss_children_mb"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    return res


def _fmt(v: Any, unit: str = "") -> str:
    if v is None:
        return "-"
    return f"{v:,.0f}{unit}" if isinstance(v, int | float) and abs(v) >= 100 else f"{v}{unit}"


def format_ingest_report(result: dict[str, Any]) -> str:
    """A short human-readable report of :func:`run_ingest_bench`'s result, with the targets.

    Examples
    --------
    >>> print(format_ingest_report({"duckdb_rows_s": 250000, "rows_written": 1000, "repeats": 1}).splitlines()[1])
    batch import DuckDB      250,000 readings/s (target >= 200,000)  [1,000 readings, median of 1]
    """
    r = result
    lines = ["Bessemer ingest load bench (loopback, cpu_count={})".format(r.get("cpu_count", "?")),
             f"batch import DuckDB      {_fmt(r.get('duckdb_rows_s'))} readings/s (target >= 200,000)  "
             f"[{_fmt(r.get('rows_written'))} readings, median of {r.get('repeats')}]"]
    lines.append(f"batch import PostgreSQL  {_fmt(r.get('postgres_rows_s'))} readings/s"
                 + (f"  ({r['postgres_note']})" if r.get("postgres_note") else ""))
    mq = (f"end-to-end MQTT          {_fmt(r.get('mqtt_msgs_s'))} msgs/s over {r.get('mqtt_seconds')} s "
          f"(offered {_fmt(r.get('mqtt_offered_msgs_s')) if r.get('mqtt_offered_msgs_s') else 'unpaced'}, "
          f"finished {_fmt(r.get('mqtt_drain_lag_s'))} s after the last publish), "
          f"lost {_fmt(r.get('mqtt_lost'))}, duplicated {_fmt(r.get('mqtt_duplicated'))} "
          "(target >= 20,000 msgs/s, 0 lost, 0 duplicated)")
    lines.append(mq + (f"  ({r['mqtt_note']})" if r.get("mqtt_note") else ""))
    api = (f"API reads                p50 {_fmt(r.get('api_p50_ms'))} ms, p99 {_fmt(r.get('api_p99_ms'))} ms at "
           f"{r.get('api_rate')}/s for {r.get('api_seconds')} s, errors {_fmt(r.get('api_errors'))} "
           "(target p99 < 100 ms at 500/s)")
    lines.append(api + (f"  ({r['api_note']})" if r.get("api_note") else ""))
    if r.get("api_w_p99_ms") is not None:
        lines.append(f"API reads + writes       p50 {_fmt(r.get('api_w_p50_ms'))} ms, "
                     f"p99 {_fmt(r.get('api_w_p99_ms'))} ms, "
                     f"errors {_fmt(r.get('api_w_errors'))}, while {_fmt(r.get('api_w_writes'))} writes of 240 "
                     f"readings landed ({r.get('api_w_write_hz')}/s, {_fmt(r.get('api_w_write_errors'))} failed)")
    if r.get("api_rate_limit_note"):
        lines.append(f"note: {r['api_rate_limit_note']}")
    lines.append(f"peak RSS {_fmt(r.get('peak_rss_mb'))} MB (children {_fmt(r.get('peak_rss_children_mb'))} MB)")
    return "\n".join(lines)
