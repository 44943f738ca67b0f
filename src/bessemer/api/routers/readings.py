"""Writing readings (needs a token with role operator or admin)."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
from fastapi import APIRouter, BackgroundTasks, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from bessemer._compat import text_is_safe
from bessemer.core import DataError, Frame

from .._tokens import auth_error
from ..deps import get_store, require_role

router = APIRouter(prefix="/api/readings", tags=["readings"])
log = logging.getLogger("bessemer.api")

MAX_READINGS = 100_000


class ReadingIn(BaseModel):
    """One reading: ``time`` is an ISO-8601 timestamp or a whole cycle number."""

    model_config = ConfigDict(extra="forbid")

    asset: str = Field(min_length=1, max_length=120)
    signal: str = Field(min_length=1, max_length=120)
    time: int | str
    value: float = Field(allow_inf_nan=False)
    unit: str | None = Field(default=None, description="Unit; the signal's declared unit when omitted.")


class ReadingsIn(BaseModel):
    """A batch of readings (written as one transaction per group of assets sharing units)."""

    model_config = ConfigDict(extra="forbid")

    readings: list[ReadingIn] = Field(min_length=1, max_length=MAX_READINGS)


class WrittenOut(BaseModel):
    """How many readings were stored."""

    written: int


def _long_table(batch: ReadingsIn, tree: Any) -> tuple[pd.DataFrame, str]:
    """Validate row by row (errors name the 1-based row and field) and return a long table."""
    rows = batch.readings
    kinds = ["cycle" if isinstance(r.time, int) else "timestamp" for r in rows]
    kind = kinds[0]
    for i, k in enumerate(kinds, start=1):
        if k != kind:
            raise DataError(f"time {rows[i - 1].time!r} is a {k} but row 1 is a {kind}; send one kind per request",
                            row=i, column="time")
    for i, r in enumerate(rows, start=1):
        for field in ("asset", "signal"):
            if not text_is_safe(getattr(r, field), max_len=120):
                raise DataError(f"{field} must be printable text without < or >", row=i, column=field)
        if kind == "cycle" and r.time < 0:  # type: ignore[operator]
            raise DataError(f"time {r.time} is not an operating cycle (a whole number >= 0)", row=i, column="time")
    long = pd.DataFrame({"asset": [r.asset for r in rows], "signal": [r.signal for r in rows],
                         "time": [r.time for r in rows], "value": [r.value for r in rows],
                         "unit": [r.unit for r in rows]})
    if kind == "timestamp":
        ts = pd.to_datetime(long["time"], utc=True, errors="coerce", format="mixed")
        bad = ts.isna().to_numpy()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise DataError(f"time {rows[i].time!r} is not an ISO-8601 timestamp (e.g. 2024-05-01T08:00:00Z)",
                            row=i + 1, column="time")
        long["time"] = ts
    dup = long.duplicated(["asset", "signal", "time"]).to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise DataError(f"reading ({rows[i].asset!r}, {rows[i].signal!r}, {rows[i].time!r}) is repeated",
                        row=i + 1, column="time")
    # fill units from the declared signals; a unit that differs is refused by the store (UnitError)
    declared = {(s.equipment, s.name): s.unit for s in tree.signals()}
    long["unit"] = [r.unit if r.unit is not None else declared.get((r.asset, r.signal), "1") for r in rows]
    return long, kind


def _frames(long: pd.DataFrame, kind: str) -> list[Frame]:
    """One frame per group of assets whose signals share units (usually one).

    Whole-table operations, not a loop over assets: a batch of an ingest touches many assets at once.
    """
    named = long[long["unit"].notna()]
    clash = named.groupby(["asset", "signal"], sort=False)["unit"].nunique()
    if (clash > 1).any():
        asset, sig = clash[clash > 1].index[0]
        i = int(long.index[(long["asset"] == asset) & (long["signal"] == sig)][0])
        raise DataError(f"signal {sig!r} of asset {asset!r} comes with more than one unit", row=i + 1,
                        column="unit")
    first = long.drop_duplicates(["asset", "signal"])  # the unit of a signal's first row, as sent
    per_asset: dict[str, list[tuple[str, Any]]] = {}
    for asset, sig, unit in sorted(zip(first["asset"].tolist(), first["signal"].tolist(), first["unit"].tolist(),
                                       strict=True), key=lambda r: (r[0], r[1])):
        per_asset.setdefault(str(asset), []).append((str(sig), unit))
    groups: dict[tuple[tuple[str, Any], ...], list[str]] = {}
    for asset, pairs in per_asset.items():
        groups.setdefault(tuple(pairs), []).append(asset)
    frames = []
    for key, assets in groups.items():
        sub = long if len(groups) == 1 else long[long["asset"].isin(assets)]
        frames.append(Frame.from_long(sub.drop(columns="unit"), units=dict(key), time_kind=kind,  # type: ignore[arg-type]
                                      source="request"))
    return frames


def _refresh_services(services: dict[str, Any]) -> None:
    """Let every service that can refresh itself see the new readings (errors are logged, not raised)."""
    for name, svc in list(services.items()):
        refresh = getattr(svc, "refresh", None)
        if callable(refresh):
            try:
                refresh()
            except Exception as err:  # a failed refresh must not lose the write that triggered it
                log.error("refreshing service %r after new readings failed: %s", name, type(err).__name__)


@router.post("", summary="Write readings", response_model=WrittenOut)
def write_readings(batch: ReadingsIn, request: Request, background: BackgroundTasks,
                   store: Any = Depends(get_store),
                   token: dict = Depends(require_role("operator"))) -> WrittenOut:
    """Validate and upsert readings; re-sending the same reading never duplicates it.

    After the write, services with a ``refresh()`` method (the maintenance service)
    are refreshed in the background so the dashboard shows the new predictions.
    """
    tree = store.asset_tree()
    long, kind = _long_table(batch, tree)
    site = token.get("site")
    if site:
        for i, a in enumerate(long["asset"], start=1):
            if a in tree and tree.path(a)[0] != site:
                raise auth_error(f"token {token.get('name')!r} may write only to site {site!r}; "
                                 f"row {i} asset {a!r} is elsewhere", status=403)
    frames = _frames(long, kind)
    written = sum(int(store.write_frame(f)) for f in frames)
    if written:
        background.add_task(_refresh_services, request.app.state.services)
    return WrittenOut(written=written)
