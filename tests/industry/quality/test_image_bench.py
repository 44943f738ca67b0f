"""`bessemer bench neu` functions on generated image folders, the confusion SVG, and a real-data floor."""

from __future__ import annotations

import hashlib
import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bessemer.core import DataError
from bessemer.industry.quality._image_bench import format_neu_report, run_neu_bench
from bessemer.industry.quality._plots import write_confusion_svg
from bessemer.industry.quality._surface_synthetic import make_surface_images

#: quality floor on the shared NEU images (see test_neu_subset_meets_its_floor for the protocol)
NEU_FLOOR = {"accuracy": 0.98, "macro_f1": 0.98, "flagged_rate_max": 0.03}  # measured 0.996, 0.996, 0.004


def _write_folder(root: Path, images: np.ndarray, labels: np.ndarray, *, prefix: str) -> Path:
    for i, (img, label) in enumerate(zip(images, labels, strict=True)):
        (root / label).mkdir(parents=True, exist_ok=True)
        Image.fromarray(img).save(root / label / f"{prefix}_{i}.png")
    return root


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("neu")
    Xtr, ytr = make_surface_images(6, seed=11, size=200)
    Xte, yte = make_surface_images(3, seed=12, size=200)
    train = _write_folder(root / "train", Xtr, ytr, prefix="tr")
    test = _write_folder(root / "test", Xte, yte, prefix="te")
    return train, test


@pytest.fixture(scope="module")
def result(folders, tmp_path_factory):
    train, test = folders
    said: list[str] = []
    r = run_neu_bench(train, test, progress=said.append, plot=tmp_path_factory.mktemp("plot") / "cm.svg", n_jobs=1)
    r["_said"] = said
    return r


def test_bench_reports_every_figure(result):
    assert {"accuracy", "macro_f1", "train_s", "flagged_rate", "accuracy_unflagged", "n_train", "n_test", "classes",
            "per_class", "confusion", "cv_accuracy", "n_test_in_train"} <= set(result)
    assert result["n_train"] == 36 and result["n_test"] == 18 and len(result["classes"]) == 6
    cm = np.array(result["confusion"])
    assert cm.shape == (6, 6) and cm.sum() == 18 and np.trace(cm) / 18 == pytest.approx(result["accuracy"])
    assert [result["per_class"][c]["n"] for c in result["classes"]] == cm.sum(axis=1).tolist()
    assert result["accuracy"] >= 0.8 and 0 <= result["flagged_rate"] <= 1 and result["train_s"] > 0
    assert result["n_test_in_train"] == 0
    assert result["_said"][0].startswith("reading training images")
    json.dumps({k: v for k, v in result.items() if k != "_said"})  # JSON-ready for --json


def test_bench_writes_the_confusion_plot_and_a_report(result):
    svg = Path(result["plot"]).read_text(encoding="utf-8")
    assert svg.startswith("<svg") and ET.fromstring(svg).tag.endswith("svg")
    text = format_neu_report(result)
    assert text.splitlines()[0] == "NEU surface defects: 36 training images, 18 test images"
    assert f"accuracy {result['accuracy']:.3f}" in text and "Scratches" in text
    assert f"confusion matrix: {result['plot']}" in text


def test_bench_counts_test_images_also_in_training_and_refuses_unknown_classes(folders, tmp_path):
    train, test = folders
    leaky = tmp_path / "leaky"
    for p in test.rglob("*.png"):
        (leaky / p.parent.name).mkdir(parents=True, exist_ok=True)
        (leaky / p.parent.name / p.name).write_bytes(p.read_bytes())
    first = sorted((train / "Pitted").glob("*.png"))[0]
    (leaky / "Pitted" / "copy.png").write_bytes(first.read_bytes())
    r = run_neu_bench(train, leaky, n_jobs=1, classifier_params={"C": 10.0})
    assert r["n_test_in_train"] == 1 and r["plot"] is None
    assert "warning: 1 test image(s) also in the training folder (leak)" in format_neu_report(r)
    (leaky / "Edge crack").mkdir()
    Image.fromarray(np.full((200, 200), 90, np.uint8)).save(leaky / "Edge crack" / "e.png")
    with pytest.raises(DataError, match=r"test classes \['Edge crack'\] have no training images"):
        run_neu_bench(train, leaky, n_jobs=1)


def test_confusion_svg_is_valid_escaped_and_checks_its_shape(tmp_path):
    path = write_confusion_svg(np.array([[5, 0], [2, 3]]), ["A<B", "Q&A"], tmp_path / "sub" / "cm.svg",
                               title="fit <test>")
    root = ET.fromstring(path.read_text(encoding="utf-8"))  # well-formed despite < and &
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "A<B" in texts and "Q&A" in texts and "fit <test>" in texts
    assert {"5", "0", "2", "3"} <= set(texts) and "60.0%" in texts  # recall of Q&A is 3/5
    assert "71.4%" in texts  # precision of A<B is 5/7
    with pytest.raises(ValueError, match=r"confusion is \(2, 2\), expected \(3, 3\)"):
        write_confusion_svg([[1, 0], [0, 1]], ["a", "b", "c"], tmp_path / "x.svg")


# --------------------------------------------------------------------------- the shared NEU images
def _neu_dir() -> Path | None:
    env = os.environ.get("BESSEMER_DATA")
    for root in ([Path(env)] if env else []) + [Path(__file__).resolve().parents[4] / "shared" / "data"]:
        if (root / "neu_cls" / "train").is_dir():
            return root / "neu_cls" / "train"
    return None


def _subset(src: Path, out: Path, *, n_train: int, n_test: int, seed: int = 0) -> tuple[Path, Path]:
    """Per class: groups of identical files, shuffled; the first n_test files to test, the next n_train to train."""
    rng = np.random.default_rng(seed)
    for cls in sorted(p for p in src.iterdir() if p.is_dir()):
        groups: dict[str, list[Path]] = {}
        for f in sorted(cls.iterdir()):
            groups.setdefault(hashlib.sha256(f.read_bytes()).hexdigest(), []).append(f)
        keys = sorted(groups)
        taken = {"test": 0, "train": 0}
        for k in rng.permutation(len(keys)):
            side = "test" if taken["test"] < n_test else "train"
            if side == "train" and taken["train"] >= n_train:
                break
            for f in groups[keys[k]]:
                (out / side / cls.name).mkdir(parents=True, exist_ok=True)
                (out / side / cls.name / f.name).symlink_to(f)
                taken[side] += 1
    return out / "train", out / "test"


@pytest.mark.data
def test_neu_subset_meets_its_floor(tmp_path):
    """120 training and 40 test images per class of the shared copy (seed 0), default classifier."""
    src = _neu_dir()
    if src is None:
        pytest.skip("NEU images not found: set BESSEMER_DATA to the shared data folder (needs neu_cls/train)")
    train, test = _subset(src, tmp_path, n_train=120, n_test=40)
    r = run_neu_bench(train, test, n_jobs=2)
    assert r["n_test_in_train"] == 0 and r["n_test"] == 240
    assert r["accuracy"] >= NEU_FLOOR["accuracy"], format_neu_report(r)
    assert r["macro_f1"] >= NEU_FLOOR["macro_f1"], format_neu_report(r)
    assert r["flagged_rate"] <= NEU_FLOOR["flagged_rate_max"], format_neu_report(r)
