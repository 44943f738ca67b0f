"""`bessemer bench ai4i|neu` through the command line: the report, the JSON last line, clear path errors."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from bessemer.cli import app
from bessemer.industry.quality._surface_synthetic import make_surface_images

write_ai4i_like = runpy.run_path(str(Path(__file__).with_name("test_defect_leakage.py")))["write_ai4i_like"]
runner = CliRunner()


def _run(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def _last_json(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


def test_bench_ai4i_json_last_line(tmp_path):
    train = write_ai4i_like(tmp_path / "train.csv", 1500, 0)
    test = write_ai4i_like(tmp_path / "test.csv", 600, 1)
    r = _run("bench", "ai4i", "--train", train, "--test", test, "--json")
    assert r.exit_code == 0, r.output
    out = _last_json(r.stdout)
    for key in ("accuracy", "macro_f1", "f1", "auc", "balanced_accuracy"):
        assert 0.0 <= out[key] <= 1.0, key
    assert out["train_s"] > 0 and out["n_test"] == 600
    assert out["f1"] > 0.5  # the generated failures follow rules a model can learn
    assert "balanced" in r.stdout.lower()  # the human report comes first


def test_bench_neu_json_and_plot(tmp_path):
    for part, seed, n in (("train", 21, 6), ("test", 22, 2)):
        images, labels = make_surface_images(n, seed=seed, size=96)
        for i, (img, label) in enumerate(zip(images, labels, strict=True)):
            (tmp_path / part / label).mkdir(parents=True, exist_ok=True)
            Image.fromarray(img).save(tmp_path / part / label / f"{part}_{i}.png")
    plot = tmp_path / "cm.svg"
    r = _run("bench", "neu", "--train", tmp_path / "train", "--test", tmp_path / "test", "--json", "--plot", plot)
    assert r.exit_code == 0, r.output
    out = _last_json(r.stdout)
    assert {"accuracy", "macro_f1", "train_s", "flagged_rate"} <= set(out)
    assert 0.0 <= out["accuracy"] <= 1.0 and out["n_test"] == 12
    assert plot.read_text().lstrip().startswith("<") and "svg" in plot.read_text()[:200]


@pytest.mark.parametrize("kind", ["plates", "ai4i", "secom", "neu"])
def test_bench_missing_paths_are_named(tmp_path, kind):
    r = _run("bench", kind, "--train", tmp_path / "nope", "--test", tmp_path / "nope2")
    assert r.exit_code == 2
    assert "--train" in r.output and "nope" in r.output
