"""Write stratified train/test splits of the shared quality data sets, in their original formats.

Usage::

    python benchmarks/quality_splits.py --data /work/shared/data --out DIR [--seed 0] [--test-fraction 0.25]

Writes ``DIR/plates/{train,test}.NNA``, ``DIR/ai4i/{train,test}.csv``,
``DIR/secom/{train,test}/{secom.data,secom_labels.data}`` and ``DIR/neu/{train,test}/<Class>/``.
Lines are copied byte for byte (line ends included) in their original order; the split is
stratified by class (plates: the fault; AI4I: machine failure; SECOM: pass/fail; NEU: the
folder) and takes ``round(fraction × n)`` of each class for the test side. NEU images with
identical bytes (SHA-256) are one group and always land on the same side. The same seed gives
the same files. Sets that are absent from ``--data`` are skipped with a note.

Then, for example::

    bessemer bench plates --train DIR/plates/train.NNA --test DIR/plates/test.NNA --json
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np


def stratified_test_mask(labels: list[str], *, fraction: float, seed: int) -> np.ndarray:
    """True for the rows that go to the test side: ``round(fraction × n_c)`` of each class ``c``."""
    labels_arr = np.asarray(labels, dtype=object)
    rng = np.random.default_rng(seed)
    test = np.zeros(len(labels_arr), dtype=bool)
    for c in sorted(set(labels)):
        idx = np.flatnonzero(labels_arr == c)
        pick = rng.permutation(idx)[: int(round(fraction * len(idx)))]
        test[pick] = True
    return test


def _lines(path: Path) -> list[bytes]:
    """Non-blank lines with their line ends."""
    return [ln for ln in path.read_bytes().splitlines(keepends=True) if ln.strip()]


def _write(path: Path, parts: list[bytes]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(parts))


def split_plates(src: Path, out: Path, *, fraction: float, seed: int) -> dict[str, int]:
    lines = _lines(src / "Faults.NNA")
    labels = [str(int(np.argmax([float(v) for v in ln.split()[27:34]]))) for ln in lines]
    test = stratified_test_mask(labels, fraction=fraction, seed=seed)
    _write(out / "train.NNA", [ln for ln, t in zip(lines, test, strict=True) if not t])
    _write(out / "test.NNA", [ln for ln, t in zip(lines, test, strict=True) if t])
    return {"train": int((~test).sum()), "test": int(test.sum())}


def split_ai4i(src: Path, out: Path, *, fraction: float, seed: int) -> dict[str, int]:
    head, *rows = _lines(src / "ai4i2020.csv")
    names = head.decode("utf-8-sig").strip().split(",")
    col = names.index("Machine failure")
    labels = [ln.decode().split(",")[col].strip() for ln in rows]
    test = stratified_test_mask(labels, fraction=fraction, seed=seed)
    _write(out / "train.csv", [head, *[ln for ln, t in zip(rows, test, strict=True) if not t]])
    _write(out / "test.csv", [head, *[ln for ln, t in zip(rows, test, strict=True) if t]])
    return {"train": int((~test).sum()), "test": int(test.sum())}


def split_secom(src: Path, out: Path, *, fraction: float, seed: int) -> dict[str, int]:
    data, labels = _lines(src / "secom.data"), _lines(src / "secom_labels.data")
    if len(data) != len(labels):
        raise SystemExit(f"secom.data has {len(data)} lines but secom_labels.data {len(labels)}")
    test = stratified_test_mask([ln.split()[0].decode() for ln in labels], fraction=fraction, seed=seed)
    for side, keep in (("train", ~test), ("test", test)):
        _write(out / side / "secom.data", [ln for ln, k in zip(data, keep, strict=True) if k])
        _write(out / side / "secom_labels.data", [ln for ln, k in zip(labels, keep, strict=True) if k])
    return {"train": int((~test).sum()), "test": int(test.sum())}


def split_neu(src: Path, out: Path, *, fraction: float, seed: int) -> dict[str, int]:
    groups: dict[tuple[str, str], list[Path]] = defaultdict(list)
    for cls_dir in sorted(p for p in src.iterdir() if p.is_dir()):
        for img in sorted(p for p in cls_dir.iterdir() if p.is_file()):
            groups[(cls_dir.name, hashlib.sha256(img.read_bytes()).hexdigest())].append(img)
    keys = sorted(groups)
    test = stratified_test_mask([k[0] for k in keys], fraction=fraction, seed=seed)
    counts = {"train": 0, "test": 0}
    for key, t in zip(keys, test, strict=True):
        side = "test" if t else "train"
        for img in groups[key]:
            dest = out / side / key[0] / img.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(img, dest)
            counts[side] += 1
    return counts


SETS = {
    "plates": ("steel_plates_faults", split_plates),
    "ai4i": ("ai4i2020", split_ai4i),
    "secom": ("secom", split_secom),
    "neu": ("neu_cls/train", split_neu),
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, required=True, help="the shared data folder")
    ap.add_argument("--out", type=Path, required=True, help="folder to write the splits into")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--test-fraction", type=float, default=0.25)
    args = ap.parse_args(argv)
    if not 0 < args.test_fraction < 1:
        ap.error("--test-fraction must be between 0 and 1")
    for name, (folder, split) in SETS.items():
        src = args.data / folder
        if not src.is_dir():
            print(f"{name}: {src} absent, skipped", file=sys.stderr)
            continue
        counts = split(src, args.out / name, fraction=args.test_fraction, seed=args.seed)
        print(f"{name}: {counts['train']} train, {counts['test']} test -> {args.out / name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
