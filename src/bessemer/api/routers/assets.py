"""The asset hierarchy, its signals and their readings."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import pandas as pd
from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from bessemer.core import LEVELS, DataError, Node, NotFoundError

from .._json import finite_or_none, iso_ns, jsonable
from ..deps import can_see, check_visible, get_store, read_access, token_site

router = APIRouter(prefix="/api/assets", tags=["assets"])

#: the longest ``last`` window (hours or cycles): about 100 years of hours
MAX_LAST = 1_000_000
#: the largest cycle number accepted as a bound (the store keeps cycles as 64-bit integers)
MAX_CYCLE = 2**62


def _node(store: Any, asset_id: str, token: dict[str, Any] | None) -> tuple[Any, Any]:
    tree = store.asset_tree()
    check_visible(tree, token, asset_id)
    return tree, tree.node(asset_id)


@router.get("", summary="List assets")
def list_assets(level: str | None = Query(default=None, description="site, area, unit or equipment"),
                store: Any = Depends(get_store),
                token: dict[str, Any] | None = Depends(read_access)) -> dict[str, Any]:
    """All nodes of the hierarchy (of the token's site only, when it is limited to one), optionally of one level."""
    if level is not None and level not in LEVELS:
        raise DataError(f"level {level!r} is not one of {list(LEVELS)}", column="level")
    tree = store.asset_tree()
    site = token_site(token)
    nodes = [_node_json(n) for n in tree
             if (level is None or n.level == level) and (site is None or can_see(tree, token, n.id))]
    return JSONResponse({"data": nodes, "count": len(nodes)})  # type: ignore[return-value]


def _node_json(n: Node) -> dict[str, Any]:
    """``asdict(n)`` made JSON-safe, without the generic walk (this list is read often)."""
    return {"id": n.id, "level": n.level, "name": n.name, "parent": n.parent, "kind": n.kind,
            "name_ko": n.name_ko, "attrs": jsonable(n.attrs) if n.attrs else {}}


@router.get("/{asset_id}", summary="One asset with its path and signals")
def get_asset(asset_id: str, store: Any = Depends(get_store),
              token: dict[str, Any] | None = Depends(read_access)) -> dict[str, Any]:
    """The node, its path from the site down, its signals, time kind and latest reading time."""
    tree, node = _node(store, asset_id, token)
    signals = [asdict(s) for s in tree.signals(asset_id)] if node.level == "equipment" else []
    kind = store.time_kind(asset_id) if node.level == "equipment" else None
    latest = store.latest_time(asset_id) if kind else None
    return jsonable({**asdict(node), "path": tree.path(asset_id), "signals": signals,
                     "time_kind": kind, "latest_time": latest})


@router.get("/{asset_id}/signals", summary="Signals of one equipment")
def list_signals(asset_id: str, store: Any = Depends(get_store),
                 token: dict[str, Any] | None = Depends(read_access)) -> dict[str, Any]:
    """Name, unit and description of each signal."""
    tree, _ = _node(store, asset_id, token)
    sigs = [asdict(s) for s in tree.signals(asset_id)]
    return {"data": jsonable(sigs), "count": len(sigs)}


def _bound(value: str | None, kind: str | None, name: str) -> Any:
    if value is None or value == "":
        return None
    if kind == "cycle":
        try:
            cycle = int(value)
        except ValueError:
            raise DataError(f"{name}={value!r} is not a cycle number; this asset counts time in cycles",
                            column=name) from None
        if abs(cycle) > MAX_CYCLE:
            raise DataError(f"{name}={value!r} is out of range; cycles are whole numbers up to {MAX_CYCLE}",
                            column=name)
        return cycle
    try:
        ts = pd.Timestamp(value)
    except ValueError:
        raise DataError(f"{name}={value!r} is not an ISO-8601 time (e.g. 2024-05-01T08:00:00Z)",
                        column=name) from None
    if pd.isna(ts):
        raise DataError(f"{name}={value!r} is not a time", column=name)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


@router.get("/{asset_id}/readings", summary="Readings of one equipment")
def get_readings(
    asset_id: str,
    signal: str | None = Query(default=None, description="One signal; all when omitted."),
    start: str | None = Query(default=None, description="Inclusive; ISO-8601 time or cycle."),
    end: str | None = Query(default=None, description="Inclusive; ISO-8601 time or cycle."),
    last: float | None = Query(default=None, gt=0, le=MAX_LAST,
                               description="Only the last N hours (or cycles) before the latest reading."),
    limit: int = Query(default=10_000, ge=1, le=100_000, description="At most this many (the latest) rows."),
    store: Any = Depends(get_store),
    token: dict[str, Any] | None = Depends(read_access),
) -> dict[str, Any]:
    """``{"data": [{time, signal, value}], "count": n, "time_kind": ...}``, sorted by time."""
    tree, node = _node(store, asset_id, token)
    if node.level != "equipment":
        raise NotFoundError(f"{node.level} {asset_id!r} has no readings; readings belong to equipment")
    if signal is not None:
        tree.signal(asset_id, signal)  # NotFoundError naming it
    kind = store.time_kind(asset_id)
    lo, hi = _bound(start, kind, "start"), _bound(end, kind, "end")
    if last is not None and kind is not None:
        latest = store.latest_time(asset_id)
        if latest is not None:
            edge = latest - int(last) if kind == "cycle" else pd.Timestamp(latest) - pd.Timedelta(hours=last)
            lo = edge if lo is None else max(lo, edge)
    rows: list[dict[str, Any]] = []
    if kind is not None:  # plain columns, no table: this is the API's busiest read
        got = store.reading_arrays(asset_id, signal, start=lo, end=hi, limit=limit)
        times = iso_ns(got.t) if got.kind == "timestamp" else got.t.tolist()
        rows = [{"time": t, "signal": s, "value": v}
                for t, s, v in zip(times, got.signal.tolist(), finite_or_none(got.value), strict=True)]
    # already JSON-safe: a JSONResponse skips FastAPI's generic encoder, the larger part of this read
    return JSONResponse({"data": rows, "count": len(rows), "asset": asset_id,  # type: ignore[return-value]
                         "time_kind": kind})


@router.get("/{asset_id}/quality", summary="Readings of one equipment whose source marked them not good")
def get_quality(
    asset_id: str,
    signal: str | None = Query(default=None, description="One signal; all when omitted."),
    start: str | None = Query(default=None, description="Inclusive; ISO-8601 time or cycle."),
    end: str | None = Query(default=None, description="Inclusive; ISO-8601 time or cycle."),
    store: Any = Depends(get_store),
    token: dict[str, Any] | None = Depends(read_access),
) -> dict[str, Any]:
    """``{"data": [{time, signal, quality}], "count": n}``, sorted by time: the stored readings whose source
    (an OPC UA status, an MQTT quality field) called them ``uncertain``. A reading not listed is good; bad
    readings are not stored."""
    tree, node = _node(store, asset_id, token)
    if node.level != "equipment":
        raise NotFoundError(f"{node.level} {asset_id!r} has no readings; readings belong to equipment")
    if signal is not None:
        tree.signal(asset_id, signal)
    kind = store.time_kind(asset_id)
    rows: list[dict[str, Any]] = []
    if kind is not None:
        q = store.reading_quality(asset_id, signal, start=_bound(start, kind, "start"), end=_bound(end, kind, "end"))
        t = q["time"]
        times = iso_ns(t.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[ns]").view("int64")) \
            if kind == "timestamp" else [int(x) for x in t]
        rows = [{"time": t, "signal": s, "quality": v}
                for t, s, v in zip(times, q["signal"].tolist(), q["quality"].tolist(), strict=True)]
    return {"data": rows, "count": len(rows), "asset": asset_id, "time_kind": kind}
