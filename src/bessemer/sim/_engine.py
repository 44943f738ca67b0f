"""The simulation core: regimes, lives and sensor readings, one fixed-size block at a time.

The works is simulated in blocks of :data:`BLOCK` steps. Block ``k`` depends only on the seed,
``k`` and the state left by block ``k - 1``, and every random number is drawn from a generator
keyed by the seed and what it is for (the block, the unit's regime schedule, the asset's lives).
So a long history and a short history followed by a stream produce the same readings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import _catalog as cat

BLOCK = 168  # steps per block (one week of hourly data)
_BLOCK_KEY, _UNIT_KEY, _ASSET_KEY = 0, 1, 2


@dataclass(frozen=True)
class Layout:
    """Which assets exist: ids, kinds, units and their names."""

    asset_ids: tuple[str, ...]
    asset_kind: tuple[str, ...]
    asset_unit: tuple[int, ...]  # index into unit_ids
    asset_names: tuple[tuple[str, str], ...]  # (English, Korean)
    unit_ids: tuple[str, ...]
    unit_area: tuple[str, ...]
    unit_names: tuple[tuple[str, str], ...]

    def assets_of(self, kind: str) -> np.ndarray:
        """Indices of the assets of ``kind``."""
        return np.array([i for i, k in enumerate(self.asset_kind) if k == kind], dtype=np.int64)


def _split(n_assets: int) -> dict[str, int]:
    """Share ``n_assets`` between the kinds by their weights (largest remainder, at least one each)."""
    kinds = list(cat.KINDS.values())
    total = sum(k.weight for k in kinds)
    raw = [max(1.0, n_assets * k.weight / total) for k in kinds]
    counts = [int(r) for r in raw]
    order = sorted(range(len(kinds)), key=lambda i: (-(raw[i] - counts[i]), i))
    i = 0
    while sum(counts) < n_assets:
        counts[order[i % len(order)]] += 1
        i += 1
    while sum(counts) > n_assets:
        j = max(range(len(kinds)), key=lambda i: (counts[i], -i))
        counts[j] -= 1
    return {k.id: c for k, c in zip(kinds, counts, strict=True)}


def build_layout(n_assets: int) -> Layout:
    """The equipment of a works with ``n_assets`` assets, in a fixed order."""
    counts = _split(n_assets)
    ids: list[str] = []
    kinds: list[str] = []
    units: list[int] = []
    names: list[tuple[str, str]] = []
    unit_ids: list[str] = []
    unit_area: list[str] = []
    unit_names: list[tuple[str, str]] = []
    unit_index: dict[str, int] = {}

    def unit(area_id: str, number: int) -> int:
        area = cat.AREAS[area_id]
        uid = f"{area.unit_prefix}-{number}"
        if uid not in unit_index:
            unit_index[uid] = len(unit_ids)
            unit_ids.append(uid)
            unit_area.append(area_id)
            unit_names.append((area.unit_name.format(n=number), area.unit_name_ko.format(n=number)))
        return unit_index[uid]

    for kind in cat.KINDS.values():
        area = cat.AREAS[kind.area]
        for i in range(counts[kind.id]):
            number, pos = divmod(i, kind.per_unit)
            number += 1 if area.id != "blast-furnace" else 2  # Pohang numbers its furnaces from 2 up here
            u = unit(area.id, number)
            if area.id == "hot-strip-mill":
                tag = f"f{pos + 1}"
                aid = f"{unit_ids[u]}-{tag}-{'motor' if kind.id == 'hsm_motor' else 'wrb'}"
                part = "main motor" if kind.id == "hsm_motor" else "work-roll bearing"
                name = (f"HSM{number} stand F{pos + 1} {part}", f"{number}열연 F{pos + 1} {kind.name_ko}")
            else:
                letter = "abcdefghijklmnopqrstuvwxyz"[pos % 26]
                noun = {"sinter_fan": "fan", "bf_blower": "blower", "cw_pump": "pump"}[kind.id]
                aid = f"{unit_ids[u]}-{noun}-{letter}"
                name = (f"{kind.name} {number}{letter.upper()}", f"{kind.name_ko} {number}{letter.upper()}")
            ids.append(aid)
            kinds.append(kind.id)
            units.append(u)
            names.append(name)
    return Layout(tuple(ids), tuple(kinds), tuple(units), tuple(names), tuple(unit_ids), tuple(unit_area),
                  tuple(unit_names))


@dataclass
class Block:
    """The output of one block of ``n`` steps starting at step ``t0``."""

    t0: int
    n: int
    values: dict[str, np.ndarray]  # kind -> (n, n_assets_of_kind, n_signals)
    life: np.ndarray  # (n, n_assets) int64
    wear: np.ndarray  # (n, n_assets) float64 in [0, 1]
    mode: np.ndarray  # (n, n_assets) int64, index into the kind's modes
    events: list[tuple[int, int, str, str, int]] = field(default_factory=list)  # asset, step, kind, note, life
    ends: list[tuple[int, int, int, bool]] = field(default_factory=list)  # asset, life, end step, failed


class Engine:
    """Holds the state of the works and produces :class:`Block` after :class:`Block`."""

    def __init__(self, layout: Layout, *, seed: int, step_hours: float, missing_rate: float,
                 start_hour: float = 0.0) -> None:
        self.layout = layout
        self.start_hour = float(start_hour)  # hours since the Unix epoch at step 0 (for season and daytime)
        self.seed = int(seed)
        self.step = float(step_hours)
        self.missing_rate = float(missing_rate)
        self.kinds = [k for k in cat.KINDS if k in layout.asset_kind]
        self._kind_assets = {k: layout.assets_of(k) for k in self.kinds}
        self._n_sensors = max(len(cat.KINDS[k].sensors) for k in self.kinds)
        self._mlf = {a: cat.mean_load_factor(a) for a in cat.AREAS}
        self.reset()

    def _rng(self, *key: int) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=key))

    # ------------------------------------------------------------------ state
    def reset(self) -> None:
        """Go back to the start: block 0, fresh schedules and lives."""
        lay = self.layout
        self.block = 0
        n_u, n_a = len(lay.unit_ids), len(lay.asset_ids)
        self._unit_rng = [self._rng(_UNIT_KEY, u) for u in range(n_u)]
        self._reg = np.zeros(n_u, dtype=np.int64)
        self._reg_left = np.zeros(n_u, dtype=np.int64)
        for u in range(n_u):
            self._next_regime(u, first=True)
        self._asset_rng = [self._rng(_ASSET_KEY, a) for a in range(n_a)]
        self._life_no = np.full(n_a, -1, dtype=np.int64)
        self._age = np.zeros(n_a)
        self._dmg = np.zeros(n_a)
        self._onset = np.zeros(n_a)
        self._rate = np.zeros(n_a)
        self._beta = np.zeros(n_a)
        self._mode = np.zeros(n_a, dtype=np.int64)
        self._pm = np.zeros(n_a)
        self._offset = np.zeros((n_a, self._n_sensors))
        for a in range(n_a):
            self._new_life(a, first=True)

    def _next_regime(self, u: int, *, first: bool = False) -> None:
        area = cat.AREAS[self.layout.unit_area[u]]
        rng = self._unit_rng[u]
        w = np.array([r.weight for r in area.regimes])
        if not first:
            w[self._reg[u]] = 0.0
        r = int(rng.choice(len(w), p=w / w.sum()))
        reg = area.regimes[r]
        hours = rng.uniform(reg.min_h, reg.max_h)
        if first:
            hours *= rng.uniform(0.05, 1.0)  # the works was already running before the start
        self._reg[u] = r
        self._reg_left[u] = max(1, int(round(hours / self.step)))

    def _new_life(self, a: int, *, first: bool = False) -> None:
        kind = cat.KINDS[self.layout.asset_kind[a]]
        rng = self._asset_rng[a]
        life = float(np.clip(kind.median_life_h * np.exp(cat.LIFE_SIGMA * rng.standard_normal()),
                             *cat.LIFE_CLIP_H))
        u = rng.uniform(*cat.ONSET_WINDOW)
        self._onset[a] = u * life
        self._rate[a] = 1.0 / ((1.0 - u) * life * self._mlf[kind.area]) * rng.uniform(0.9, 1.1)
        self._beta[a] = rng.uniform(*cat.BETA_WINDOW)
        modes = list(kind.modes)
        p = np.array([kind.modes[m] for m in modes])
        self._mode[a] = int(rng.choice(len(modes), p=p / p.sum()))
        pm = rng.uniform(*cat.PM_WINDOW) * life if rng.random() < cat.PM_PROBABILITY else np.inf
        noise = np.array([s.noise for s in kind.sensors])
        self._offset[a] = 0.0
        self._offset[a, : len(noise)] = 0.5 * noise * rng.standard_normal(len(noise))
        self._life_no[a] += 1
        self._age[a] = 0.0
        self._dmg[a] = 0.0
        if first:  # the asset was installed before the start: begin part-way into its life
            age = rng.uniform(0.0, 0.8) * life
            self._age[a] = age
            self._dmg[a] = min(0.9, max(0.0, age - self._onset[a]) * self._rate[a] * self._mlf[kind.area])
            if pm <= age:
                pm = np.inf
        self._pm[a] = pm

    # ------------------------------------------------------------------ blocks
    def _schedules(self, rng: np.random.Generator, hod: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Load (%) and setpoint per step and unit, shape ``(BLOCK, n_units)``."""
        n_u = len(self.layout.unit_ids)
        load = np.empty((BLOCK, n_u))
        setp = np.empty((BLOCK, n_u))
        for u in range(n_u):
            area = cat.AREAS[self.layout.unit_area[u]]
            pos = 0
            while pos < BLOCK:
                take = int(min(self._reg_left[u], BLOCK - pos))
                reg = area.regimes[self._reg[u]]
                load[pos : pos + take, u] = reg.load
                setp[pos : pos + take, u] = reg.setpoint
                pos += take
                self._reg_left[u] -= take
                if self._reg_left[u] == 0:
                    self._next_regime(u)
            swing = area.daily_swing * np.sin(2 * np.pi * (hod - 8.0) / 24.0)
            load[:, u] = np.clip(load[:, u] + swing + area.load_noise * rng.standard_normal(BLOCK), 0.0, 110.0)
        return load, setp

    def next_block(self) -> Block:
        """Simulate the next :data:`BLOCK` steps and advance the state."""
        lay, step = self.layout, self.step
        t0 = self.block * BLOCK
        rng = self._rng(_BLOCK_KEY, self.block)
        hours = (t0 + np.arange(BLOCK)) * step
        hod = (hours + self.start_hour) % 24.0
        days = (hours + self.start_hour) / 24.0
        amb = (14.0 + 11.0 * np.sin(2 * np.pi * (days - 109.0) / 365.25)
               + 4.0 * np.sin(2 * np.pi * (hod - 9.0) / 24.0) + 0.7 * rng.standard_normal(BLOCK))
        load, setp = self._schedules(rng, hod)

        n_a = len(lay.asset_ids)
        life = np.empty((BLOCK, n_a), dtype=np.int64)
        wear = np.empty((BLOCK, n_a))
        mode = np.empty((BLOCK, n_a), dtype=np.int64)
        offset = np.empty((BLOCK, n_a, self._n_sensors))
        blk = Block(t0, BLOCK, {}, life, wear, mode)
        steps = np.arange(BLOCK) * step
        for a in range(n_a):
            kind = cat.KINDS[lay.asset_kind[a]]
            lf = cat.load_factor(load[:, lay.asset_unit[a]]) * step
            pos = 0
            while pos < BLOCK:
                ages = self._age[a] + steps[: BLOCK - pos]
                dmg = self._dmg[a] + np.cumsum(self._rate[a] * lf[pos:] * (ages >= self._onset[a]))
                hit = np.flatnonzero(dmg >= 1.0)
                due = np.flatnonzero(ages >= self._pm[a])
                end_f = int(hit[0]) if hit.size else BLOCK
                end_p = int(due[0]) if due.size else BLOCK
                end = min(end_f, end_p)
                m = min(end + 1, BLOCK - pos)
                beta = self._beta[a]
                d = np.minimum(dmg[:m], 1.0)
                sl = slice(pos, pos + m)
                life[sl, a] = self._life_no[a]
                wear[sl, a] = np.expm1(beta * d) / np.expm1(beta)
                mode[sl, a] = self._mode[a]
                offset[sl, a] = self._offset[a]
                if end >= BLOCK - pos:  # the life goes on into the next block
                    self._age[a] = ages[-1] + step
                    self._dmg[a] = dmg[-1]
                    break
                failed = end_f <= end_p
                t_end = t0 + pos + end
                mode_name = list(kind.modes)[self._mode[a]]
                if failed:
                    note = f"{mode_name}: {kind.mode_notes[mode_name]}"
                else:
                    note = f"preventive maintenance of {kind.name.lower()}; life ended before failure"
                blk.events.append((a, t_end, "failure" if failed else "maintenance", note, int(self._life_no[a])))
                blk.ends.append((a, int(self._life_no[a]), t_end, failed))
                self._new_life(a)
                pos += m

        for k in self.kinds:
            blk.values[k] = self._readings(k, rng, load, setp, amb, wear, mode, offset)
        self.block += 1
        return blk

    def _readings(self, kind_id: str, rng: np.random.Generator, load: np.ndarray, setp: np.ndarray,
                  amb: np.ndarray, wear: np.ndarray, mode: np.ndarray, offset: np.ndarray) -> np.ndarray:
        kind = cat.KINDS[kind_id]
        idx = self._kind_assets[kind_id]
        units = np.array([self.layout.asset_unit[i] for i in idx])
        area = cat.AREAS[kind.area]
        load_k = load[:, units]
        sp_abs = setp[:, units]
        big_l = load_k / 100.0
        big_s = sp_abs / area.nominal_setpoint
        ambient = np.broadcast_to(amb[:, None], big_l.shape)
        w = wear[:, idx]
        md = mode[:, idx]
        modes = list(kind.modes)
        out = np.empty((BLOCK, len(idx), 3 + len(kind.sensors)))
        out[:, :, 0] = load_k
        out[:, :, 1] = sp_abs
        out[:, :, 2] = ambient
        noise = rng.standard_normal((len(kind.sensors), BLOCK, len(idx)))
        wear_gain = w * (0.7 + 0.3 * big_l)
        for j, s in enumerate(kind.sensors):
            y = (s.c0 + s.c_load * big_l + s.c_sp * big_s + s.c_sp2 * big_s**2 + s.c_ls3 * big_l * big_s**3
                 + s.c_amb * ambient + s.c_sp_abs * sp_abs)
            amp = np.array([s.wear.get(m, 0.0) for m in modes])
            y = y + amp[md] * wear_gain + offset[:, idx, j] + s.noise * noise[j]
            out[:, :, 3 + j] = y
        if self.missing_rate > 0:
            gaps = rng.random((BLOCK, len(idx), len(kind.sensors))) < self.missing_rate
            out[:, :, 3:][gaps] = np.nan
        return out
