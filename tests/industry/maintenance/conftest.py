"""Synthetic run-to-failure fixtures for the RUL and health models."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bessemer.core import Frame

# operating regimes: (setting_a, setting_b) levels and the sensor offsets they cause
REGIMES = [(0.0, 0.0), (10.0, 0.25), (20.0, 0.7), (25.0, 0.62), (35.0, 0.84), (42.0, 0.84)]


def make_runs(n_runs: int, *, seed: int = 0, regimes: int = 1, noise: float = 0.3,
              lengths: tuple[int, int] = (80, 160), prefix: str = "u") -> pd.DataFrame:
    """Runs to failure: two degrading sensors, one constant, one noisy; optional regime settings."""
    rng = np.random.default_rng(seed)
    parts = []
    for u in range(n_runs):
        n = int(rng.integers(*lengths))
        c = np.arange(1, n + 1)
        d = np.exp(3.0 * c / n) - 1.0  # wear grows faster near the end
        d = d / d[-1]
        r = rng.integers(0, regimes, size=n)
        sa = np.array([REGIMES[i][0] for i in r])
        sb = np.array([REGIMES[i][1] for i in r])
        base1 = 500.0 + 2.0 * sa + 20.0 * sb  # sensors move much more with the regime than with wear
        base2 = 40.0 - 0.5 * sa
        df = pd.DataFrame({
            "asset": f"{prefix}{u:03d}",
            "time": c,
            "temp": base1 + 3.0 * d + rng.normal(0, noise, n) * (1 + 0.1 * r),
            "press": base2 - 2.0 * d + rng.normal(0, noise, n),
            "const": 7.0,
            "noise": rng.normal(0, 1, n),
        })
        if regimes > 1:
            df["setting_a"] = sa + rng.normal(0, 0.002, n)
            df["setting_b"] = sb + rng.normal(0, 0.0003, n)
        parts.append(df)
    return pd.concat(parts, ignore_index=True)


@pytest.fixture(scope="session", name="make_runs")
def make_runs_fixture():
    """The synthetic run generator, as a fixture (tests are not a package)."""
    return make_runs


@pytest.fixture(scope="session")
def runs_frame() -> Frame:
    return Frame(make_runs(30, seed=1))


@pytest.fixture(scope="session")
def cmapss_dir() -> Path:
    """The shared C-MAPSS folder (BESSEMER_DATA or ../shared/data); skips when absent."""
    root = Path(os.environ.get("BESSEMER_DATA") or Path(__file__).resolve().parents[3] / ".." / "shared" / "data")
    d = root / "cmapss"
    if not (d / "train_FD001.txt").is_file():
        pytest.skip(f"C-MAPSS data absent at {d} (set BESSEMER_DATA to the shared data folder)")
    return d
