"""A tiny run of the ingest load bench: every key present with sane types, honest counts."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from bessemer.ingest._load_bench import bench_frame, format_ingest_report, run_ingest_bench

KEYS = ("duckdb_rows_s", "postgres_rows_s", "mqtt_msgs_s", "mqtt_lost", "api_p99_ms")


def test_bench_frame_shape() -> None:
    f = bench_frame(20_000)
    assert len(f.to_pandas()) * len(f.signals) == 20_000
    assert f.to_pandas()["asset"].nunique() == 100


def test_tiny_run_reports_every_key() -> None:
    if not (shutil.which("mosquitto") or Path("/usr/sbin/mosquitto").is_file()):
        reason = "no mosquitto binary: the MQTT part of the bench cannot run"
        if os.environ.get("BESSEMER_REQUIRE_SERVICES") == "1":
            pytest.fail(reason + " (BESSEMER_REQUIRE_SERVICES=1, so this is a failure, not a skip)")
        pytest.skip(reason)
    lines: list[str] = []
    r = run_ingest_bench(rows=20_000, mqtt_seconds=2, api_seconds=2, api_rate=50, repeats=1, progress=lines.append)
    json.dumps(r)  # one JSON object, as `bessemer bench ingest --json` prints it
    for k in (*KEYS, "mqtt_duplicated", "api_p50_ms", "api_errors", "api_rate", "peak_rss_mb", "cpu_count",
              "rows", "mqtt_seconds", "api_seconds", "repeats"):
        assert k in r, k
    assert r["rows_written"] == 20_000 and r["cpu_count"] >= 1 and r["peak_rss_mb"] > 0
    assert isinstance(r["duckdb_rows_s"], int) and r["duckdb_rows_s"] > 0
    assert r["postgres_rows_s"] is None or r["postgres_rows_s"] > 0
    assert (r["postgres_rows_s"] is None) == (r["postgres_note"] is not None)
    assert r["mqtt_note"] is None, r["mqtt_note"]
    assert r["mqtt_published"] > 0 and r["mqtt_lost"] == 0 and r["mqtt_duplicated"] == 0
    assert r["mqtt_stored"] == r["mqtt_acked"] == r["mqtt_published"]
    assert r["api_requests"] == 100 and r["api_errors"] == 0
    # the second run reads while writes land: every write stored, and the reads still answered
    assert r["api_w_requests"] == 100 and r["api_w_errors"] == 0
    assert r["api_w_writes"] >= 2 and r["api_w_write_errors"] == 0
    assert 0 < r["api_p50_ms"] <= r["api_p99_ms"] <= r["api_max_ms"]
    assert len(lines) >= 3
    report = format_ingest_report(r)
    assert "DuckDB" in report and "p99" in report and "rate limit raised" in report and "writes" in report


def test_unreachable_postgres_is_a_note() -> None:
    r = run_ingest_bench(rows=2_000, mqtt_seconds=0, api_seconds=0, repeats=1,
                         pg_url="postgresql://nobody@127.0.0.1:1/none")
    assert r["postgres_rows_s"] is None and r["postgres_note"].startswith("skipped: PostgreSQL at 127.0.0.1:1")
    assert r["mqtt_msgs_s"] is None and r["api_p99_ms"] is None and r["duckdb_rows_s"] > 0
