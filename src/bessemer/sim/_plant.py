"""The public face of the simulator: :class:`SteelWorks`, :class:`SimHistory`, :class:`SimStep`."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core import AssetTree, ConfigError, Frame, Node, NotFoundError, Signal
from . import _catalog as cat
from ._engine import BLOCK, Block, Engine, build_layout

_META = ["life", "failed"]
_EVENT_COLUMNS = ["asset", "time", "kind", "note", "life"]
_MAX_ASSETS = 120


def _utc(ns: np.ndarray) -> pd.DatetimeIndex:
    """UTC timestamps from nanoseconds since the epoch (fast: no per-element conversion)."""
    return pd.DatetimeIndex(np.asarray(ns, dtype=np.int64).view("datetime64[ns]")).tz_localize("UTC")


def _empty_events() -> pd.DataFrame:
    return pd.DataFrame({
        "asset": pd.Series([], dtype="str"),
        "time": pd.Series([], dtype="datetime64[ns, UTC]"),
        "kind": pd.Series([], dtype="str"),
        "note": pd.Series([], dtype="str"),
        "life": pd.Series([], dtype="int64"),
    })


_NO_EVENTS = _empty_events()


@dataclass
class SimHistory:
    """A simulated history of the works, one frame per equipment kind.

    Attributes
    ----------
    frames : dict of str to Frame
        Kind (``"sinter_fan"``, ``"bf_blower"``, ``"hsm_motor"``, ``"hsm_roll_bearing"``,
        ``"cw_pump"``) to a timestamp frame with one row per ``(asset, time)``. Signals are the
        operating conditions (``load_pct``, the area's setpoint, ``ambient_temp``) followed by the
        kind's sensors; every asset of a kind has every signal, so a frame has no NaN except rare
        missing readings. Meta columns: ``life`` (int, per-asset life counter from 0) and ``failed``
        (bool, whether that life ended by failure inside the history; ``False`` for lives ended by
        preventive maintenance and for the life still running at the end, even if it fails later
        in the stream). Each asset starts part-way into life 0, so life 0 is left-truncated.
    events : pandas.DataFrame
        ``asset, time, kind, note, life``: one row per ended life; ``kind`` is ``"failure"`` or
        ``"maintenance"`` and ``time`` is the last reading of the life that ended.
    truth : pandas.DataFrame
        ``asset, time, life, rul_h, wear, mode`` for every row of every frame: ``rul_h`` is the true
        remaining hours to the failure that ends the life (0 at the failure, NaN for lives ended by
        maintenance or still running), ``wear`` the hidden wear state in ``[0, 1]`` and ``mode`` the
        life's failure mode. For tests and for checking a model, never for training one.
    """

    frames: dict[str, Frame]
    events: pd.DataFrame
    truth: pd.DataFrame

    def kinds(self) -> list[str]:
        """Equipment kinds in the history, in catalogue order."""
        return list(self.frames)


class _LazyFrames(Mapping[str, Frame]):
    """Kind -> Frame, each frame built on first access (building frames costs more than simulating)."""

    def __init__(self, builders: dict[str, Callable[[], Frame]]) -> None:
        self._builders = builders
        self._built: dict[str, Frame] = {}

    def __getitem__(self, kind: str) -> Frame:
        if kind not in self._built:
            try:
                build = self._builders[kind]
            except KeyError:
                raise NotFoundError(f"no equipment kind {kind!r}; have {list(self._builders)}") from None
            self._built[kind] = build()
        return self._built[kind]

    def __iter__(self) -> Iterator[str]:
        return iter(self._builders)

    def __len__(self) -> int:
        return len(self._builders)


@dataclass
class SimStep:
    """The readings of all assets at one new time.

    Attributes
    ----------
    time : pandas.Timestamp
        The time of the readings (UTC).
    frames : mapping of str to Frame
        Kind to a frame with one row per asset of that kind, the same signals, units and meta
        columns as :attr:`SimHistory.frames`. ``failed`` is ``True`` only on the row where a life
        ends by failure. Frames are built when first looked up.
    events : pandas.DataFrame
        Lives that ended at this time (same columns as :attr:`SimHistory.events`); usually empty.
    """

    time: pd.Timestamp
    frames: Mapping[str, Frame]
    events: pd.DataFrame

    def kinds(self) -> list[str]:
        """Equipment kinds in the step, in catalogue order."""
        return list(self.frames)


class SteelWorks:
    """A seeded simulator of a small integrated steel works (after POSCO Pohang).

    Sinter-plant main fans, blast-furnace blowers, hot-strip-mill finishing-stand main motors and
    work-roll bearings, and cooling-water pumps, each with several sensors, wear to failure
    along a hidden path:

    * each life draws a nominal length (log-normal around the kind's median, 300-2000 h), a
      degradation onset (30-60 % into the life), a failure mode (two per kind, e.g. bearing wear or
      impeller dust build-up for a sinter fan) and a curvature; after the onset a damage state
      grows at a rate that rises with the unit's load, and the wear state
      ``w = expm1(beta * D) / expm1(beta)`` reaches 1 at failure;
    * sensors respond to the operating regime (load, setpoint, ambient temperature), to ``w``
      according to the failure mode (a bearing fault heats and shakes, fouling costs flow and
      current), to a small per-life installation offset and to Gaussian noise;
    * each unit follows its own regime schedule (sinter production rate, blast wind and pressure,
      hot-strip product mix with roll changes, cooling-water demand with a daily cycle), exposed
      as the operating-condition signals ``load_pct``, the area's setpoint and ``ambient_temp``;
    * a failure ends a life and the asset is repaired at once (a new life starts the next step);
      about a third of the lives are scheduled for preventive maintenance, which ends them
      early when it comes first (censored lives);
    * at the start every asset is part-way into its first life;
    * sensor readings are missing (NaN) with probability ``missing_rate`` each (default 1e-4).

    Parameters
    ----------
    seed : int
        Same seed, same works, same readings.
    n_assets : int
        Number of equipment (5-120), shared between the kinds 4:4:7:7:8 (fans, blowers, stand
        motors, work-roll bearings, pumps).
    start : str
        Time of the first step (ISO 8601, UTC).
    step_hours : float
        Hours between readings (0 < step_hours <= 24).
    missing_rate : float
        Chance that a single sensor reading is NaN (operating-condition signals are never missing).

    Examples
    --------
    >>> works = SteelWorks(seed=7, n_assets=30)
    >>> len(works.asset_tree().equipment())
    30
    >>> hist = works.history(24 * 7)
    >>> hist.kinds()
    ['sinter_fan', 'bf_blower', 'hsm_motor', 'hsm_roll_bearing', 'cw_pump']
    >>> hist.frames["cw_pump"].signals
    ['load_pct', 'speed_setpoint_rpm', 'ambient_temp',
     'flow', 'discharge_pressure', 'motor_current', 'vibration', 'bearing_temp']
    >>> step = next(works.stream())
    >>> str(step.time), str(works.now)
    ('2024-01-08 00:00:00+00:00', '2024-01-08 00:00:00+00:00')
    >>> len(step.frames["cw_pump"])
    8
    """

    def __init__(
        self,
        *,
        seed: int = 7,
        n_assets: int = 30,
        start: str = "2024-01-01T00:00:00Z",
        step_hours: float = 1.0,
        missing_rate: float = 1e-4,
    ) -> None:
        if not 5 <= int(n_assets) <= _MAX_ASSETS:
            raise ConfigError(f"n_assets must be between 5 and {_MAX_ASSETS} (one of each kind at least), "
                              f"got {n_assets}")
        if not 0 < float(step_hours) <= 24:
            raise ConfigError(f"step_hours must be in (0, 24], got {step_hours}")
        if not 0 <= float(missing_rate) < 0.5:
            raise ConfigError(f"missing_rate must be in [0, 0.5), got {missing_rate}")
        try:
            ts = pd.Timestamp(start)
        except (TypeError, ValueError) as err:
            raise ConfigError(f"start {start!r} is not a timestamp; use ISO 8601 such as "
                              "2024-01-01T00:00:00Z") from err
        self._start = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
        self.seed = int(seed)
        self.n_assets = int(n_assets)
        self.step_hours = float(step_hours)
        self.missing_rate = float(missing_rate)
        self._layout = build_layout(self.n_assets)
        self._engine = Engine(self._layout, seed=self.seed, step_hours=self.step_hours,
                              missing_rate=self.missing_rate, start_hour=self._start.value / 3.6e12)
        self._step_ns = int(round(self.step_hours * 3.6e12))
        self._cursor = 0  # index of the next step to produce
        self._block: Block | None = None
        self._ends: dict[tuple[int, int], tuple[int, bool]] = {}
        self._units = {k: self._units_of(k) for k in self._engine.kinds}

    # ------------------------------------------------------------------ structure
    def kinds(self) -> list[str]:
        """Equipment kinds of this works, in catalogue order."""
        return list(self._engine.kinds)

    def assets(self, kind: str | None = None) -> list[str]:
        """Equipment ids, of one kind or of all."""
        if kind is not None and kind not in cat.KINDS:
            raise NotFoundError(f"no equipment kind {kind!r}; have {self.kinds()}")
        return [a for a, k in zip(self._layout.asset_ids, self._layout.asset_kind, strict=True)
                if kind is None or k == kind]

    def operating_signals(self, kind: str) -> list[str]:
        """Names of the operating-condition signals of ``kind`` (to normalise sensors by regime).

        Examples
        --------
        >>> SteelWorks().operating_signals("bf_blower")
        ['load_pct', 'blast_pressure_setpoint', 'ambient_temp']
        """
        if kind not in cat.KINDS:
            raise NotFoundError(f"no equipment kind {kind!r}; have {self.kinds()}")
        return [name for name, _, _ in cat.operating_signals(kind)]

    def _units_of(self, kind: str) -> dict[str, str]:
        units = {name: unit for name, unit, _ in cat.operating_signals(kind)}
        units.update({s.name: s.unit for s in cat.KINDS[kind].sensors})
        return units

    def asset_tree(self) -> AssetTree:
        """The works as site ``pohang`` -> areas -> units -> equipment -> signals.

        Every node has an English ``name`` and a Korean ``name_ko``; equipment nodes carry
        their ``kind`` and, in ``attrs``, their failure modes and operating-condition signals.

        Examples
        --------
        >>> tree = SteelWorks(n_assets=10).asset_tree()
        >>> [n.name_ko for n in tree.children("pohang")]
        ['소결공장', '고로', '열연공장', '유틸리티']
        >>> tree.node("sinter-1-fan-a").name_ko
        '소결 주배풍기 1A'
        """
        lay = self._layout
        tree = AssetTree()
        tree.add(Node("pohang", "site", "Pohang steel works", name_ko="포항제철소"))
        used_areas = set(lay.unit_area)
        for area in cat.AREAS.values():
            if area.id in used_areas:
                tree.add(Node(area.id, "area", area.name, parent="pohang", name_ko=area.name_ko))
        for uid, area_id, (name, name_ko) in zip(lay.unit_ids, lay.unit_area, lay.unit_names, strict=True):
            tree.add(Node(uid, "unit", name, parent=area_id, name_ko=name_ko))
        for aid, kind_id, u, (name, name_ko) in zip(lay.asset_ids, lay.asset_kind, lay.asset_unit,
                                                     lay.asset_names, strict=True):
            kind = cat.KINDS[kind_id]
            attrs = {"failure_modes": list(kind.modes), "operating_signals": self.operating_signals(kind_id),
                     "median_life_h": kind.median_life_h}
            tree.add(Node(aid, "equipment", name, parent=lay.unit_ids[u], kind=kind_id, name_ko=name_ko,
                          attrs=attrs))
            for sname, unit, desc in cat.operating_signals(kind_id):
                tree.add_signal(Signal(aid, sname, unit, f"operating condition: {desc}"))
            for s in kind.sensors:
                tree.add_signal(Signal(aid, s.name, s.unit, s.description))
        return tree

    # ------------------------------------------------------------------ time
    @property
    def now(self) -> pd.Timestamp:
        """Time of the last produced step (one step before ``start`` when nothing was produced)."""
        return self._time_of(self._cursor - 1)

    def _time_of(self, step: int) -> pd.Timestamp:
        return pd.Timestamp(self._start.value + step * self._step_ns, tz="UTC")

    def _times(self, t0: int, n: int) -> np.ndarray:
        """Nanoseconds since the epoch (UTC) of steps ``t0 .. t0 + n - 1``."""
        return self._start.value + (t0 + np.arange(n, dtype=np.int64)) * self._step_ns

    def _restart(self) -> None:
        self._engine.reset()
        self._cursor = 0
        self._block = None
        self._ends = {}

    def _next_block(self) -> Block:
        blk = self._engine.next_block()
        for a, life, t_end, failed in blk.ends:
            self._ends[(a, life)] = (t_end, failed)
        return blk

    # ------------------------------------------------------------------ history
    def history(self, hours: int) -> SimHistory:
        """Simulate from ``start`` for ``hours`` and leave :meth:`stream` to continue after it.

        Parameters
        ----------
        hours : int
            Length of the history; ``round(hours / step_hours)`` steps are produced.

        Returns
        -------
        SimHistory
            One frame per equipment kind, the maintenance events and the hidden truth.

        Examples
        --------
        >>> hist = SteelWorks(seed=1, n_assets=10).history(2000)
        >>> f = hist.frames["hsm_roll_bearing"]
        >>> len(f), f.meta, f.units["vibration"]
        (4000, ['life', 'failed'], 'mm/s')
        >>> set(hist.events["kind"]) <= {"failure", "maintenance"}
        True
        """
        n = int(round(float(hours) / self.step_hours))
        if n < 1:
            raise ConfigError(f"hours must give at least one step of {self.step_hours} h, got {hours}")
        self._restart()
        blocks = [self._next_block() for _ in range(-(-n // BLOCK))]
        self._block = blocks[-1]
        self._cursor = n
        lay = self._layout
        times = self._times(0, n)

        life = np.concatenate([b.life for b in blocks])[:n]  # (n, n_assets)
        end_step = np.full(life.shape, -1, dtype=np.int64)  # end step of failed lives inside the history
        failed = np.zeros(life.shape, dtype=bool)
        for (a, lf), (t_end, did_fail) in self._ends.items():
            if did_fail and t_end < n:
                rows = life[:, a] == lf
                failed[rows, a] = True
                end_step[rows, a] = t_end
        steps = np.arange(n)[:, None]
        rul = np.where(end_step >= 0, (end_step - steps) * self.step_hours, np.nan)

        frames: dict[str, Frame] = {}
        for kind in self._engine.kinds:
            idx = lay.assets_of(kind)
            vals = np.concatenate([b.values[kind] for b in blocks])[:n]  # (n, k, s)
            frames[kind] = self._frame(kind, idx, times, vals, life[:, idx], failed[:, idx])

        mode_names = {k: np.array(list(cat.KINDS[k].modes), dtype=object) for k in cat.KINDS}
        mode = np.concatenate([b.mode for b in blocks])[:n]
        wear = np.concatenate([b.wear for b in blocks])[:n]
        n_a = len(lay.asset_ids)
        truth = pd.DataFrame({
            "asset": np.repeat(np.array(lay.asset_ids, dtype=object), n),
            "time": _utc(np.tile(times, n_a)),
            "life": life.T.reshape(-1),
            "rul_h": rul.T.reshape(-1),
            "wear": wear.T.reshape(-1),
            "mode": np.concatenate([mode_names[lay.asset_kind[a]][mode[:, a]] for a in range(n_a)]),
        })
        truth = truth.sort_values(["asset", "time"], kind="stable").reset_index(drop=True)
        events = self._events([e for b in blocks for e in b.events if e[1] < n])
        return SimHistory(frames=frames, events=events, truth=truth)

    def _frame(self, kind: str, idx: np.ndarray, times: np.ndarray, vals: np.ndarray,
               life: np.ndarray, failed: np.ndarray) -> Frame:
        """A frame from ``vals`` of shape ``(n_times, n_assets_of_kind, n_signals)``."""
        n_t, n_k, _ = vals.shape
        ids = np.array([self._layout.asset_ids[i] for i in idx], dtype=object)
        cols = list(self._units[kind])
        data: dict[str, object] = {"asset": np.repeat(ids, n_t), "time": _utc(np.tile(times, n_k))}
        flat = vals.transpose(1, 0, 2).reshape(n_t * n_k, -1)
        for j, c in enumerate(cols):
            data[c] = flat[:, j]
        data["life"] = life.T.reshape(-1).astype(np.int64)
        data["failed"] = failed.T.reshape(-1)
        return Frame(pd.DataFrame(data), units=self._units[kind], time_kind="timestamp", meta=_META,
                     source=f"sim:{kind}")

    def _events(self, rows: list[tuple[int, int, str, str, int]]) -> pd.DataFrame:
        if not rows:
            return _NO_EVENTS.copy()
        a, step, kind, note, life = zip(*rows, strict=True)
        out = pd.DataFrame({
            "asset": pd.Series([self._layout.asset_ids[i] for i in a], dtype="str"),
            "time": _utc(self._start.value + np.array(step, dtype=np.int64) * self._step_ns),
            "kind": pd.Series(kind, dtype="str"),
            "note": pd.Series(note, dtype="str"),
            "life": np.array(life, dtype=np.int64),
        })
        return out.sort_values(["time", "asset"], kind="stable").reset_index(drop=True)

    # ------------------------------------------------------------------ stream
    def stream(self) -> Iterator[SimStep]:
        """Produce one :class:`SimStep` after another, forever, after the last produced step.

        After :meth:`history` the stream continues where it ended, and gives the same readings
        a longer history would; before any history it starts at ``start``. Streams of one
        :class:`SteelWorks` share its clock.

        Examples
        --------
        >>> works = SteelWorks(n_assets=10)
        >>> steps = works.stream()
        >>> [str(next(steps).time) for _ in range(2)]
        ['2024-01-01 00:00:00+00:00', '2024-01-01 01:00:00+00:00']
        """
        while True:
            yield self._step()

    def _step(self) -> SimStep:
        t = self._cursor
        blk = self._block
        if blk is None or t >= blk.t0 + blk.n:
            blk = self._block = self._next_block()
        i = t - blk.t0
        time = self._time_of(t)
        lay = self._layout
        builders: dict[str, Callable[[], Frame]] = {}
        for kind in self._engine.kinds:
            idx = lay.assets_of(kind)
            life = blk.life[i, idx]
            failed = np.array([self._ends.get((int(a), int(lf)), (-1, False)) == (t, True)
                               for a, lf in zip(idx, life, strict=True)])
            builders[kind] = self._step_builder(kind, idx, time, blk.values[kind][i], life, failed)
        events = self._events([e for e in blk.events if e[1] == t])
        self._cursor = t + 1
        return SimStep(time=time, frames=_LazyFrames(builders), events=events)

    def _step_builder(self, kind: str, idx: np.ndarray, time: pd.Timestamp, vals: np.ndarray,
                      life: np.ndarray, failed: np.ndarray) -> Callable[[], Frame]:
        times = np.array([time.value], dtype=np.int64)

        def build() -> Frame:
            return self._frame(kind, idx, times, vals[None], life[None], failed[None])

        return build
