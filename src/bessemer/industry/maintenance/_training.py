"""Training RUL models from what a store holds: readings plus maintenance events.

An event at time ``t`` (``failure`` or ``maintenance``) closes the life that holds the
readings at times ``<= t``; the next reading starts a new life. Lives closed by a failure
are run-to-failure examples; lives closed by preventive maintenance, and the running
life, are censored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from bessemer.core import BaseModel, DataError, Frame, ModelRegistry, registered_models

LIFE_EVENTS = ("failure", "maintenance")


def label_lives(frame: Frame, events: pd.DataFrame) -> Frame:
    """Add meta columns ``life`` (0, 1, ... per asset) and ``failed`` from maintenance events.

    Examples
    --------
    >>> f = Frame(pd.DataFrame({"asset": ["a"] * 5, "time": [1, 2, 3, 4, 5], "x": [1.0] * 5}))
    >>> ev = pd.DataFrame({"asset": ["a"], "time": [3], "kind": ["failure"]})
    >>> g = label_lives(f, ev).to_pandas()
    >>> g["life"].tolist(), g["failed"].tolist()
    ([0, 0, 0, 1, 1], [True, True, True, False, False])
    """
    df = frame.to_pandas()
    life = np.zeros(len(df), dtype=np.int64)
    failed = np.zeros(len(df), dtype=bool)
    ev = events[events["kind"].isin(LIFE_EVENTS)] if len(events) else events
    all_times = _plain_times(df["time"])
    for asset, idx in df.groupby("asset", sort=False).indices.items():
        e = ev[ev["asset"] == asset].sort_values("time") if len(ev) else ev
        if not len(e):
            continue
        times = all_times[idx]
        etimes = _plain_times(e["time"])
        lid = np.searchsorted(etimes, times, side="left")
        life[idx] = lid
        ended_by_failure = np.append(e["kind"].to_numpy() == "failure", False)
        failed[idx] = ended_by_failure[lid]
    meta = [m for m in frame.meta if m not in ("life", "failed")]
    base = Frame(df.drop(columns=[c for c in ("life", "failed") if c in df.columns]), units=frame.units,
                 time_kind=frame.time_kind, meta=meta, source=frame.source)
    return base.with_meta(life=life, failed=failed)


def _plain_times(t: pd.Series) -> np.ndarray:
    """Times as int64 cycles or naive UTC datetime64[ns] (fast to compare)."""
    if pd.api.types.is_numeric_dtype(t):
        return t.to_numpy(dtype=np.int64)
    ts = pd.to_datetime(t, utc=True)
    return ts.dt.tz_convert(None).to_numpy(dtype="datetime64[ns]")


def fill_gaps(frame: Frame) -> Frame:
    """Carry each asset's last reading forward over gaps (NaN); leading gaps take the next reading.

    A documented repair for models that do not accept missing values: sensors drop single
    readings now and then, and the last known value is what an operator would assume.

    Examples
    --------
    >>> f = Frame(pd.DataFrame({"asset": ["a"] * 3, "time": [1, 2, 3], "x": [float("nan"), 2.0, float("nan")]}))
    >>> fill_gaps(f).to_pandas()["x"].tolist()
    [2.0, 2.0, 2.0]
    """
    if not frame.signals or not np.isnan(frame.values()).any():
        return frame
    df = frame.to_pandas()
    g = df.groupby("asset", sort=False)[frame.signals]
    df[frame.signals] = g.ffill()
    df[frame.signals] = df.groupby("asset", sort=False)[frame.signals].bfill()
    return Frame(df, units=frame.units, time_kind=frame.time_kind, meta=frame.meta, source=frame.source)


def train_rul_models(
    store: Any,
    registry: ModelRegistry | None = None,
    *,
    model: str = "rul",
    params: Mapping[str, Any] | None = None,
    kinds: list[str] | None = None,
    min_failures: int = 3,
    progress: Callable[[str, float], None] | None = None,
) -> dict[str, BaseModel]:
    """Fit one RUL model per equipment kind on the store's run-to-failure lives.

    Models are saved to ``registry`` as ``rul-<kind>`` when a registry is given.
    Kinds with fewer than ``min_failures`` failure events are skipped (they are absent
    from the result); when no kind qualifies, :class:`DataError` names the skipped ones.
    """
    cls = registered_models()[model]
    tree = store.asset_tree()
    events = store.events()
    by_kind: dict[str, list[str]] = {}
    for eq in tree.equipment():
        if kinds is None or eq.kind in kinds:
            by_kind.setdefault(eq.kind, []).append(eq.id)
    out: dict[str, BaseModel] = {}
    skipped = []
    for i, (kind, assets) in enumerate(sorted(by_kind.items())):
        if progress:
            progress(f"training {kind}", i / max(len(by_kind), 1))
        n_fail = int(((events["kind"] == "failure") & events["asset"].isin(assets)).sum()) if len(events) else 0
        if n_fail < min_failures:
            skipped.append(f"{kind} ({n_fail} failures)")
            continue
        signals = sorted({s.name for a in assets for s in tree.signals(a)})
        frame = store.read_frame(assets=assets, signals=signals)
        frame = fill_gaps(label_lives(frame, events))
        m = cls(**dict(params or {}))
        m.fit(frame)
        out[kind] = m
        if registry is not None:
            registry.save(m, f"rul-{kind}", notes=f"trained on {len(assets)} assets, {n_fail} failures")
    if not out:
        raise DataError("no equipment kind has enough run-to-failure history to train a RUL model "
                        f"(need ≥ {min_failures} failure events per kind); skipped: {', '.join(skipped) or 'none'}")
    if progress:
        progress("training done", 1.0)
    return out


def load_rul_models(registry: ModelRegistry) -> dict[str, BaseModel]:
    """Latest ``rul-<kind>`` models in a registry, by kind."""
    return {name[len("rul-"):]: registry.load(name) for name in registry.names() if name.startswith("rul-")}
