"""The plates / AI4I / SECOM benchmark: generated files in the real layouts, and the shared files split by
benchmarks/quality_splits.py (data-marked, with quality floors)."""

from __future__ import annotations

import json
import os
import runpy
from pathlib import Path

import numpy as np
import pytest

from bessemer.datasets._plates import FAULTS
from bessemer.industry.quality._tabular_bench import GRID, format_tabular_report, run_tabular_bench

# the AI4I-like generator lives beside the leakage tests (this folder is not a package)
write_ai4i_like = runpy.run_path(str(Path(__file__).with_name("test_defect_leakage.py")))["write_ai4i_like"]
ROOT = Path(__file__).resolve().parents[3]
DATA = Path(os.environ.get("BESSEMER_DATA") or ROOT / ".." / "shared" / "data")
SMALL = ({"num_leaves": 7, "learning_rate": 0.1, "n_estimators": 30, "max_bin": 255},)


def _plates(path: Path, n: int, seed: int) -> Path:
    """Plates whose class follows the luminosity and the steel type, in the Faults.NNA layout."""
    rng = np.random.default_rng(seed)
    cls = rng.integers(0, 3, n)
    lines = []
    for c in cls:
        feats = rng.normal(50, 10, 27).round(3)
        feats[8] = 60 + 40 * c + rng.normal(0, 5)  # Minimum_of_Luminosity
        feats[11], feats[12] = (1, 0) if c == 2 else (0, 1)
        onehot = ["1" if k == c else "0" for k in range(7)]
        lines.append("\t".join([*map(str, feats), *onehot]))
    path.write_text("\r\n".join(lines) + "\r\n")
    return path


def _secom(folder: Path, n: int, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 590))
    x[:, 100:] = np.nan  # mostly missing sensors: dropped by the column filter
    x[:, 3] = 1.0  # a constant sensor
    fail = x[:, 0] + x[:, 1] + 0.5 * rng.normal(size=n) > 1.8
    folder.mkdir()
    (folder / "secom.data").write_text("\n".join(" ".join("NaN" if np.isnan(v) else f"{v:.4f}" for v in r)
                                                 for r in x) + "\n")
    (folder / "secom_labels.data").write_text("\n".join(f'{1 if f else -1} "19/07/2008 {i // 60 % 24:02d}:'
                                                        f'{i % 60:02d}:00"' for i, f in enumerate(fail)) + "\n")
    return folder


def test_plates_bench_on_generated_files(tmp_path):
    r = run_tabular_bench("plates", _plates(tmp_path / "train.NNA", 240, 0), _plates(tmp_path / "test.NNA", 90, 1),
                          grid=SMALL)
    assert r["classes"] == sorted(FAULTS[:3]) and "f1" not in r
    assert r["accuracy"] > 0.85 and r["macro_f1"] > 0.8
    assert r["n_train"] == 240 and r["n_test"] == 90 and r["train_s"] > 0
    assert np.array(r["confusion"]).sum() == 90 and set(r["per_class"]) == set(r["classes"])
    assert r["importance"][0]["feature"] in ("Minimum_of_Luminosity", "mean_luminosity", "luminosity_range")
    text = format_tabular_report(r)
    assert "accuracy" in text and "Pastry" in text and "ROC AUC" not in text
    json.dumps(r)


def test_ai4i_bench_reports_binary_figures_without_the_modes(tmp_path):
    seen = []
    r = run_tabular_bench("ai4i", write_ai4i_like(tmp_path / "tr.csv", 1500, 0),
                          write_ai4i_like(tmp_path / "te.csv", 600, 1), grid=SMALL, progress=seen.append)
    assert {"accuracy", "macro_f1", "f1", "auc", "balanced_accuracy", "train_s"} <= set(r)
    assert r["classes"] == ["0", "1"] and r["f1"] > 0.6 and r["auc"] > 0.9
    assert not {"twf", "hdf", "pwf", "osf", "rnf"} & {d["feature"] for d in r["importance"]}
    assert set(r["forbidden"]) >= {"twf", "hdf", "pwf", "osf", "rnf"} and seen
    assert "F1 (positive)" in format_tabular_report(r)


def test_secom_bench_learns_its_column_filter_on_train(tmp_path):
    r = run_tabular_bench("secom", _secom(tmp_path / "tr", 300, 0), _secom(tmp_path / "te", 150, 1), grid=SMALL)
    assert r["classes"] == ["pass", "fail"] and r["n_features"] == 99 + 1  # 99 kept sensors + n_missing
    assert r["dropped_columns"] == 491 and r["balanced_accuracy"] > 0.7


def test_unknown_kind_and_unlabelled_test(tmp_path):
    with pytest.raises(ValueError, match="kind must be one of"):
        run_tabular_bench("neu", tmp_path, tmp_path)
    train = _plates(tmp_path / "train.NNA", 60, 0)
    bare = tmp_path / "bare.NNA"
    bare.write_text("\n".join("\t".join(ln.split("\t")[:27]) for ln in train.read_text().splitlines()) + "\n")
    with pytest.raises(ValueError, match="no labels"):
        run_tabular_bench("plates", train, bare, grid=SMALL)


# ------------------------------------------------------------------ the shared files
@pytest.fixture(scope="module")
def splits(tmp_path_factory):
    if not (DATA / "ai4i2020").is_dir():
        pytest.skip(f"shared data absent at {DATA} (set BESSEMER_DATA to the shared data folder)")
    out = tmp_path_factory.mktemp("splits")
    main = runpy.run_path(str(ROOT / "benchmarks" / "quality_splits.py"))["main"]
    assert main(["--data", str(DATA), "--out", str(out), "--seed", "0", "--test-fraction", "0.25"]) == 0
    return out


# (kind, train, test, grid, metric, floor): floors a little below the figures measured on this split
FLOORS = [
    ("ai4i", "ai4i/train.csv", "ai4i/test.csv", GRID, "f1", 0.88),
    ("plates", "plates/train.NNA", "plates/test.NNA", GRID[1:2], "accuracy", 0.82),
    ("secom", "secom/train", "secom/test", GRID[1:2], "balanced_accuracy", 0.70),
]


@pytest.mark.data
@pytest.mark.parametrize(("kind", "train", "test", "grid", "metric", "floor"), FLOORS, ids=[f[0] for f in FLOORS])
def test_quality_floors_on_the_shared_split(splits, kind, train, test, grid, metric, floor):
    r = run_tabular_bench(kind, splits / train, splits / test, grid=grid)
    assert r[metric] >= floor, f"{kind} {metric} {r[metric]:.3f} fell below its floor {floor}"


@pytest.mark.data
def test_splits_are_stratified_and_keep_identical_images_together(splits):
    train = (splits / "plates" / "train.NNA").read_bytes().splitlines()
    test = (splits / "plates" / "test.NNA").read_bytes().splitlines()
    assert len(train) + len(test) == 1553 and abs(len(test) / 1553 - 0.25) < 0.01
    assert not set(train) & set(test)
    import hashlib

    def digests(side: str) -> set[str]:
        return {hashlib.sha256(p.read_bytes()).hexdigest() for p in (splits / "neu" / side).rglob("*.bmp")}

    assert not digests("train") & digests("test")
