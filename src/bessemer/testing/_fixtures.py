"""Generated run-to-failure histories with known remaining useful life."""

from __future__ import annotations

import numpy as np
import pandas as pd

from bessemer.core import Frame


def make_run_to_failure(
    n_assets: int = 8,
    *,
    min_life: int = 60,
    max_life: int = 140,
    n_regimes: int = 1,
    noise: float = 0.05,
    seed: int = 0,
) -> tuple[Frame, np.ndarray]:
    """A cycle-indexed run-to-failure frame and the true RUL of every row.

    Each asset runs from cycle 1 until failure. Three sensors respond to a hidden wear
    state that grows faster near the end of life; with ``n_regimes > 1`` an operating
    setting ``op`` switches between levels that shift every sensor.

    Examples
    --------
    >>> f, rul = make_run_to_failure(3, seed=1)
    >>> f.signals, len(f) == len(rul), int(rul.min())
    (['op', 'temp', 'vib', 'press'], True, 0)
    """
    rng = np.random.default_rng(seed)
    rows = []
    ruls = []
    levels = np.linspace(0.0, 1.0, n_regimes) if n_regimes > 1 else np.array([0.0])
    for i in range(n_assets):
        life = int(rng.integers(min_life, max_life + 1))
        t = np.arange(1, life + 1)
        frac = t / life
        wear = frac**2 + 0.05 * rng.standard_normal() * frac
        regime = rng.integers(0, len(levels), size=life)
        op = levels[regime]
        temp = 300 + 20 * op + 8 * wear + noise * 10 * rng.standard_normal(life)
        vib = 2 + 1.5 * op + 3 * wear + noise * 3 * rng.standard_normal(life)
        press = 50 - 10 * op - 4 * wear + noise * 5 * rng.standard_normal(life)
        rows.append(pd.DataFrame({"asset": f"u{i:02d}", "time": t, "op": op, "temp": temp, "vib": vib,
                                  "press": press}))
        ruls.append(life - t)
    df = pd.concat(rows, ignore_index=True)
    frame = Frame(df, units={"op": "1", "temp": "K", "vib": "mm/s", "press": "kPa"}, time_kind="cycle")
    # Frame sorts by (asset, time); the generation order already is that order
    return frame, np.concatenate(ruls).astype(float)
