from __future__ import annotations

import numpy as np
import pytest

from bessemer.core import Frame, NotFittedError
from bessemer.core._model import _MODELS
from bessemer.industry.maintenance._health import HealthIndex


def test_registered():
    assert _MODELS["health_index"] is HealthIndex
    assert HealthIndex.tags().task == "health" and HealthIndex.tags().outputs == ("health",)


def test_health_falls_with_wear_and_is_causal(make_runs):
    train = Frame(make_runs(20, seed=1, regimes=6))
    model = HealthIndex().fit(train)
    df = make_runs(5, seed=2, regimes=6, prefix="t")
    out = model.predict(Frame(df))
    assert out.health.between(0, 1).all()
    first = out.groupby("asset").head(10).health.mean()
    last = out.groupby("asset").tail(5).health.mean()
    assert first > 0.8 and last < 0.3
    # Spearman-like check: health decreases with age within runs
    corr = out.assign(age=df["time"]).groupby("asset")[["age", "health"]].corr().xs("age", level=1)["health"]
    assert (corr < -0.6).all()
    changed = df.copy()
    changed.loc[changed["time"] > 40, "temp"] += 100
    after = model.predict(Frame(changed))
    past = (df["time"] <= 40).to_numpy()
    np.testing.assert_array_equal(out.health[past], after.health[past])


def test_not_fitted(make_runs):
    with pytest.raises(NotFittedError):
        HealthIndex().predict(Frame(make_runs(2)))
