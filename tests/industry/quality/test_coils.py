"""make_coils: a deterministic coil record with a learnable defect mechanism, imbalance and a late drift."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bessemer.core import DataError, Frame
from bessemer.industry.quality._coils import DEFECT_NAMES, DEFECTS, SIGNALS, make_coils


@pytest.fixture(scope="module")
def big() -> pd.DataFrame:
    return make_coils(3000, seed=11, drift_fraction=0.0).to_pandas()


def test_shape_ids_times_units():
    f = make_coils(120, seed=4, start="2026-05-01T00:00:00Z")
    d = f.to_pandas()
    assert isinstance(f, Frame) and len(f) == 120 and f.time_kind == "timestamp"
    assert d["asset"].str.fullmatch(r"C26-\d{6}").all() and d["asset"].is_unique
    assert d["asset"].iloc[0] == "C26-000001" and d["asset"].iloc[-1] == "C26-000120"
    assert d["time"].iloc[0] == pd.Timestamp("2026-05-01T00:00:00Z")
    gaps = d["time"].diff().dt.total_seconds().iloc[1:]
    assert gaps.between(120, 300).all()  # a coil every two to five minutes
    assert f.signals == list(SIGNALS) and f.meta == ["defect", "grade"]
    assert f.units["descaler_pressure"] == "MPa" and f.units["reheat_temp"] == "degC" and f.units["sulphur"] == "%"
    assert set(d["defect"]) <= set(DEFECTS) and set(DEFECTS) == set(DEFECT_NAMES)
    assert not d[f.signals].isna().any().any()


def test_deterministic_per_seed():
    assert make_coils(80, seed=3).fingerprint() == make_coils(80, seed=3).fingerprint()
    assert make_coils(80, seed=3).fingerprint() != make_coils(80, seed=4).fingerprint()


def test_values_are_physically_plausible(big):
    assert big["reheat_temp"].between(1150, 1320).all()
    assert big["finishing_temp"].between(800, 980).all()
    assert big["coiling_temp"].between(480, 720).all()
    assert big["thickness"].between(1.6, 12.0).all() and big["width"].between(900, 1650).all()
    assert big["descaler_pressure"].between(14, 23).all()
    assert big["sulphur"].between(0.002, 0.04).all() and big["roll_campaign"].ge(0).all()
    # a thin strip needs more mill power than a thick one
    thin, thick = big["thickness"] < 3, big["thickness"] > 8
    assert big.loc[thin, "finishing_power"].mean() > big.loc[thick, "finishing_power"].mean() + 5


def test_imbalance_about_85_percent_none(big):
    share = big["defect"].value_counts(normalize=True)
    assert 0.78 <= share["none"] <= 0.92, share.to_dict()
    assert all(share[c] >= 0.015 for c in DEFECTS if c != "none"), share.to_dict()


def _rate(d: pd.DataFrame, mask: pd.Series, cls: str) -> float:
    return float((d.loc[mask, "defect"] == cls).mean())


def test_scale_comes_with_low_descaler_pressure_and_hot_slabs(big):
    low_p = big["descaler_pressure"] < big["descaler_pressure"].quantile(0.2)
    hot = big["reheat_temp"] > big["reheat_temp"].quantile(0.7)
    assert _rate(big, low_p & hot, "scale") > 3 * _rate(big, ~low_p & ~hot, "scale")
    assert _rate(big, low_p & hot, "scale") > _rate(big, low_p & ~hot, "scale")


def test_edge_cracks_come_with_sulphur_and_cold_finishing(big):
    high_s = big["sulphur"] > big["sulphur"].quantile(0.75)
    cold = big["finishing_temp"] < big["finishing_temp"].quantile(0.3)
    assert _rate(big, high_s & cold, "edge_crack") > 4 * _rate(big, ~high_s & ~cold, "edge_crack")


def test_scratches_come_late_in_the_roll_campaign(big):
    late = big["roll_campaign"] > 100
    early = big["roll_campaign"] < 40
    assert _rate(big, late, "surface_scratch") > 5 * max(_rate(big, early, "surface_scratch"), 0.002)


def test_descaler_pressure_drifts_down_at_the_end_only():
    d = make_coils(500, seed=2, drift_fraction=0.2, drift_mpa=2.0).to_pandas()
    flat = make_coils(500, seed=2, drift_fraction=0.0).to_pandas()
    p, q = d["descaler_pressure"].to_numpy(), flat["descaler_pressure"].to_numpy()
    assert np.allclose(p[:400], q[:400])  # the same coils until the drift starts
    assert p[-25:].mean() < q[-25:].mean() - 1.5
    assert (d["defect"].iloc[-100:] == "scale").mean() > (flat["defect"].iloc[-100:] == "scale").mean()


def test_spc_finds_the_drift_in_the_last_part():
    from bessemer.industry.quality._spc import control_chart

    d = make_coils(500, seed=5).to_pandas()
    chart = control_chart(d["descaler_pressure"].to_numpy(), kind="individuals", rules="nelson", baseline=300)
    late = {v.index for v in chart.violations if v.index >= 400}
    early = {v.index for v in chart.violations if v.index < 400}
    assert len(late) > 30, len(late)  # the sag is found
    assert len(early) < len(late) / 2  # isolated pump dips only before it


def test_the_mechanism_is_learnable_from_older_coils():
    from sklearn.metrics import f1_score

    from bessemer.industry.quality._defects import DefectClassifier

    scores, majority = [], []
    for seed in (1, 2):
        f = make_coils(800, seed=seed)
        d = f.to_pandas()
        y = d["defect"].to_numpy(dtype=str)
        train = Frame(d.iloc[:600], units=f.units, meta=f.meta)
        test = Frame(d.iloc[600:].reset_index(drop=True), units=f.units, meta=f.meta)
        model = DefectClassifier(n_estimators=120, folds=3, seed=0).fit(train, y[:600])
        pred = model.predict(test)["defect"].to_numpy(dtype=str)
        scores.append(f1_score(y[600:], pred, average="macro"))
        majority.append(f1_score(y[600:], np.full(200, "none"), average="macro", labels=list(DEFECTS)))
    # held-out macro F1 well above answering "no defect" every time (about 0.2 here)
    assert min(scores) > 0.5 and min(scores) > max(majority) + 0.3, (scores, majority)


@pytest.mark.parametrize("kw", [{"n": 5}, {"n": True}, {"n": 30.5}, {"drift_fraction": 1.0},
                                {"drift_fraction": -0.1}, {"line": "C-26"}, {"line": "<x>"}])
def test_bad_arguments_are_data_errors(kw):
    args = {"n": 50, **kw}
    with pytest.raises(DataError):
        make_coils(**args)
