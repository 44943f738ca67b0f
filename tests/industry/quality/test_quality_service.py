"""QualityService on generated coils and images: honest held-out figures, risk and reasons, images, SPC, bad input."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from bessemer.core import DataError, Frame, NotFoundError
from bessemer.industry.quality._coils import SIGNALS, make_coils
from bessemer.industry.quality._service import QualityService

FAST = {"defect_params": {"n_estimators": 60, "folds": 3}, "surface_per_class": 6, "surface_held_out": 3,
        "surface_today": 2, "image_size": 64}
N, SCORED = 400, 100


@pytest.fixture(scope="module")
def coils() -> Frame:
    return make_coils(N, seed=1)


@pytest.fixture(scope="module")
def svc(coils) -> QualityService:
    stages: list[tuple[str, float]] = []
    s = QualityService.build(coils, name_en="Test mill", name_ko="시험 공장",
                             progress=lambda st, f: stages.append((st, f)), **FAST)
    s.stages = stages  # type: ignore[attr-defined]
    return s


def test_overview_splits_in_time_and_measures_on_the_scored_coils(svc, coils):
    o = svc.overview()
    times = pd.DatetimeIndex(coils.column("time"))
    assert o["line"] == {"name_en": "Test mill", "name_ko": "시험 공장"}
    m = o["defect_model"]
    assert m["n_train"] == N - SCORED and m["n_test"] == o["coils"]["n"] == SCORED
    assert m["classes"] == ["edge_crack", "none", "scale", "surface_scratch"]
    # every scored coil is newer than every training coil
    assert o["coils"]["start"] == times[N - SCORED].strftime("%Y-%m-%dT%H:%M:%SZ")
    assert o["coils"]["end"] == o["updated"] == times[-1].strftime("%Y-%m-%dT%H:%M:%SZ")
    # the accuracy shown is the one of the scored coils' predictions against their inspection results
    rows = svc.coils(limit=500)["data"]
    assert m["held_out_accuracy"] == pytest.approx(np.mean([r["predicted"] == r["actual"] for r in rows]), abs=1e-4)
    assert m["majority_accuracy"] == pytest.approx(np.mean([r["actual"] == "none" for r in rows]), abs=1e-4)
    assert o["coils"]["high_risk"] == sum(r["risk"] >= o["coils"]["threshold"] for r in rows)
    assert [f for _, f in svc.stages] == sorted(f for _, f in svc.stages) and svc.stages[-1][1] == 1.0


def test_the_model_beats_always_answering_no_defect(svc):
    m = svc.overview()["defect_model"]
    # macro F1 of always "none" is at most 1/4 of the F1 of "none" (< 0.25); the model must do clearly better
    assert m["macro_f1"] > 0.4, m


def test_risky_coils_first_with_readable_reasons(svc):
    body = svc.coils(limit=10)
    rows = body["data"]
    assert body["count"] == 10 and body["total"] == SCORED
    assert [r["risk"] for r in rows] == sorted((r["risk"] for r in rows), reverse=True)
    for r in rows:
        assert 0.0 <= r["risk"] <= 1.0 and len(r["reasons"]) == 3
        for why in r["reasons"]:
            assert why["feature"] in SIGNALS and why["unit"] == SIGNALS[why["feature"]][0]
            assert why["label_en"] == SIGNALS[why["feature"]][1] and why["label_ko"] == SIGNALS[why["feature"]][2]
            assert why["direction"] == ("raises" if why["contribution"] > 0 else "lowers")
        contrib = [abs(w["contribution"]) for w in r["reasons"]]
        assert contrib == sorted(contrib, reverse=True)


def test_one_coil_is_consistent_with_the_list(svc, coils):
    row = svc.coils(limit=1)["data"][0]
    c = svc.coil(row["coil"])
    probs = {p["class"]: p["probability"] for p in c["probabilities"]}
    assert sum(probs.values()) == pytest.approx(1.0, abs=1e-5)
    assert c["risk"] == pytest.approx(1.0 - probs["none"], abs=1e-5)
    assert c["predicted"] == max(probs, key=probs.get) and c["probability"] == pytest.approx(probs[c["predicted"]])
    assert len(c["reasons"]) == 5 and c["reasons"][:3] == row["reasons"]
    d = coils.to_pandas().set_index("asset").loc[row["coil"]]
    values = {s["feature"]: s["value"] for s in c["signals"]}
    assert set(values) == set(SIGNALS)
    assert all(values[f] == pytest.approx(float(d[f])) for f in SIGNALS)
    assert c["actual"] == d["defect"]
    # the reasons quote the coil's own values
    assert all(r["value"] == pytest.approx(values[r["feature"]]) for r in c["reasons"])


def test_labels_of_the_scored_coils_do_not_change_their_risk(coils):
    """Honesty: the newest coils' inspection results are never used to score them."""
    d = coils.to_pandas()
    d.loc[N - SCORED:, "defect"] = np.roll(d.loc[N - SCORED:, "defect"].to_numpy(), 7)
    other = Frame(d, units=coils.units, meta=coils.meta)
    params = {**FAST, "surface_per_class": 6, "surface_held_out": 2, "surface_today": 1}
    a = QualityService.build(coils, **params).coils(limit=SCORED)["data"]
    b = QualityService.build(other, **params).coils(limit=SCORED)["data"]
    assert [(r["coil"], r["risk"], r["predicted"]) for r in a] == [(r["coil"], r["risk"], r["predicted"]) for r in b]
    assert [r["actual"] for r in a] != [r["actual"] for r in b]


def test_importance_names_the_mechanism(svc):
    imp = svc.importance()
    assert len(imp) == len(SIGNALS) and [i["importance"] for i in imp] == sorted((i["importance"] for i in imp),
                                                                                 reverse=True)
    top = {i["feature"] for i in imp[:5]}
    # the generator's causes: descaler pressure and reheat (scale), sulphur and finishing temperature (edge
    # cracks), the roll campaign (scratches); at least three of them lead
    assert len(top & {"descaler_pressure", "reheat_temp", "sulphur", "finishing_temp", "roll_campaign"}) >= 3, imp


def test_surfaces_verdicts_confusion_and_png(svc):
    from PIL import Image

    s = svc.surfaces()
    assert s["count"] == len(s["data"]) == 6 * FAST["surface_today"]
    assert s["classes"] == ["Crazing", "Inclusion", "Patches", "Pitted", "Rolled", "Scratches"]
    cm = s["confusion"]
    assert np.asarray(cm["matrix"]).sum() == cm["n"] == 6 * FAST["surface_held_out"]
    assert cm["accuracy"] == pytest.approx(np.trace(np.asarray(cm["matrix"])) / cm["n"], abs=1e-4)
    for d in s["data"]:
        assert d["label"] in s["classes"] and d["truth"] in s["classes"] and 0 < d["confidence"] <= 1
        if d["confidence"] < s["min_confidence"]:
            assert d["flagged"]  # unsure verdicts always go to a person
    assert svc.overview()["surface"]["flagged"] == sum(d["flagged"] for d in s["data"])
    img = Image.open(io.BytesIO(svc.surface_png(s["data"][0]["image"])))
    assert img.format == "PNG" and img.size == (64, 64) and img.mode == "L"


def test_spc_finds_the_late_drift_against_training_limits(svc, coils):
    charts = {c["variable"]: c for c in svc.spc()["charts"]}
    assert list(charts) == ["descaler_pressure", "finishing_temp", "reheat_temp"]
    p = charts["descaler_pressure"]
    assert p["kind"] == "individuals" and p["rules"] == "nelson" and len(p["points"]) == N
    train = coils.column("descaler_pressure")[: N - SCORED]
    assert p["center"] == pytest.approx(train.mean(), abs=1e-4)  # Phase I: the training coils only
    late = [v for v in p["violations"] if v["index"] >= N - 40]
    assert len({v["index"] for v in late}) > 10  # the sag of the last fifth is found
    assert {v["index"] for v in p["violations"]} == {i for i, pt in enumerate(p["points"]) if pt["status"] != "ok"}
    assert all(v["description_en"] and v["description_ko"] for v in p["violations"])
    assert p["points"][-1]["time"] == svc.updated()
    e = charts["finishing_temp"]
    assert e["kind"] == "ewma" and isinstance(e["ucl"], list) and len(e["ucl"]) == N
    assert svc.overview()["spc"]["violations"] == sum(len({v["index"] for v in c["violations"]})
                                                     for c in charts.values())


def test_unknown_ids_and_bad_limits(svc):
    with pytest.raises(NotFoundError, match="C26-999999"):
        svc.coil("C26-999999")
    with pytest.raises(NotFoundError):
        svc.coil("C26-000001")  # a training coil is not scored
    with pytest.raises(NotFoundError):
        svc.surface_png("S-9999")
    for bad in (0, 501, True, 2.5, "10"):
        with pytest.raises(DataError):
            svc.coils(limit=bad)


def test_results_are_copies(svc):
    svc.coil(svc.coils(limit=1)["data"][0]["coil"])["reasons"].clear()
    svc.spc()["charts"][0]["points"].clear()
    assert len(svc.coils(limit=1)["data"][0]["reasons"]) == 3 and len(svc.spc()["charts"][0]["points"]) == N


def test_bad_frames_are_refused(coils):
    d = coils.to_pandas()
    with pytest.raises(DataError, match="no meta column 'defect'"):
        QualityService.build(Frame(d.drop(columns=["defect"]), units=coils.units, meta=["grade"]), **FAST)
    with pytest.raises(DataError, match="at least 40"):
        QualityService.build(Frame(d.iloc[:30], units=coils.units, meta=coils.meta), **FAST)
    dup = d.copy()
    dup.loc[5, "asset"] = dup.loc[4, "asset"]
    with pytest.raises(DataError, match="more than once"):
        QualityService.build(Frame(dup, units=coils.units, meta=coils.meta), **FAST)
    with pytest.raises(DataError, match="score_fraction"):
        QualityService.build(coils, score_fraction=1.0, **FAST)
    with pytest.raises(DataError, match="no class 'ok'"):
        QualityService.build(coils, negative="ok", **FAST)
    with pytest.raises(DataError, match="timestamps"):
        cyc = d.assign(time=np.arange(len(d)))
        QualityService.build(Frame(cyc, units=coils.units, meta=coils.meta), **FAST)
