"""Leakage guard: AI4I's failure modes define the failure label, so they are never features for it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bessemer.core import Frame, SchemaError
from bessemer.datasets._ai4i import FAILURE_MODES, read_ai4i
from bessemer.industry.quality._defects import DefectClassifier
from bessemer.industry.quality._tabular_bench import KINDS
from bessemer.industry.quality._tabular_features import ai4i_features

HEAD = ("UDI,Product ID,Type,Air temperature [K],Process temperature [K],Rotational speed [rpm],Torque [Nm],"
        "Tool wear [min],Machine failure,TWF,HDF,PWF,OSF,RNF")


def write_ai4i_like(path: Path, n: int, seed: int) -> Path:
    """Rows following AI4I's failure rules (heat dissipation, power, overstrain) plus rare random failures."""
    rng = np.random.default_rng(seed)
    kind = rng.choice(["L", "M", "H"], size=n, p=[0.6, 0.3, 0.1])
    air = rng.normal(300, 2, n)
    proc = air + 10 + rng.normal(0, 1, n)
    speed = np.clip(rng.normal(1540, 180, n), 1170, 2880)
    torque = np.clip(rng.normal(40, 10, n), 3, 77)
    wear = rng.integers(0, 250, n)
    power = torque * speed * 2 * np.pi / 60
    hdf = (proc - air < 8.6) & (speed < 1380)
    pwf = (power < 3500) | (power > 9000)
    osf = wear * torque > np.select([kind == "L", kind == "M"], [11000, 12000], 13000)
    rnf = rng.random(n) < 0.002
    fail = hdf | pwf | osf | rnf
    lines = [HEAD] + [
        f"{i + 1},{k}{10000 + i},{k},{a:.1f},{p:.1f},{s:.0f},{t:.1f},{w},{int(f)},0,{int(h)},{int(pw)},{int(o)},"
        f"{int(r)}" for i, (k, a, p, s, t, w, f, h, pw, o, r)
        in enumerate(zip(kind, air, proc, speed, torque, wear, fail, hdf, pwf, osf, rnf, strict=True))]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def ai4i(tmp_path_factory):
    frame = read_ai4i(write_ai4i_like(tmp_path_factory.mktemp("ai4i") / "ai4i.csv", 1500, 0))
    return ai4i_features(frame)


def test_modes_are_meta_not_signals(ai4i):
    assert set(FAILURE_MODES) <= set(ai4i.meta) and not set(FAILURE_MODES) & set(ai4i.signals)
    assert set(KINDS["ai4i"].params["forbidden"]) >= set(FAILURE_MODES)


def test_fit_refuses_a_frame_whose_signals_include_the_modes(ai4i):
    df = ai4i.to_pandas()
    leaky = Frame(df.drop(columns=["machine_failure"]), units=ai4i.units)  # modes become signals
    y = ai4i.column("machine_failure")
    with pytest.raises(SchemaError) as err:
        DefectClassifier(forbidden=FAILURE_MODES).fit(leaky, y)
    msg = str(err.value)
    assert "['twf', 'hdf', 'pwf', 'osf', 'rnf']" in msg and "forbidden" in msg and "meta" in msg
    upper = Frame(df.drop(columns=["machine_failure"]).rename(columns={"hdf": "HDF"}), units=ai4i.units)
    with pytest.raises(SchemaError, match="HDF"):
        DefectClassifier(forbidden=FAILURE_MODES).fit(upper, y)


def test_predictions_do_not_move_when_the_modes_are_permuted(ai4i):
    y = ai4i.column("machine_failure")
    clf = DefectClassifier(n_estimators=60, forbidden=FAILURE_MODES).fit(ai4i, y)
    df = ai4i.to_pandas()
    rng = np.random.default_rng(1)
    shuffled = df.copy()
    for m in (*FAILURE_MODES, "machine_failure"):
        shuffled[m] = rng.permutation(shuffled[m].to_numpy())
    other = Frame(shuffled, units=ai4i.units, meta=ai4i.meta)
    pd.testing.assert_frame_equal(clf.predict(ai4i), clf.predict(other))
    # and training on permuted modes gives the same model: they never reach it
    again = DefectClassifier(n_estimators=60, forbidden=FAILURE_MODES).fit(other, y)
    pd.testing.assert_frame_equal(clf.predict(ai4i), again.predict(ai4i))
    assert not set(FAILURE_MODES) & set(clf.importance().feature)
