"""Leave-one-cell-out for `bessemer bench battery` on the NASA PCoE cells.

For each fold, a temporary train and test folder of symlinks into the shared data is built (the NASA
layout: ``discharge_csv/`` or ``mat/`` plus the metadata file) and the bench code runs on it, exactly as
``bessemer bench battery --train TRAIN --test TEST`` would. Printed: per-fold figures, pooled quick-SOH
RMSE / MAE / coverage over every test discharge, the median and mean of the folds, and the early
end-of-life MAE over the folds whose cell crosses 80 % after the cut.

    python benchmarks/battery_loco.py --data ../shared/data/nasa_battery            # the six CSV cells
    python benchmarks/battery_loco.py --data ../shared/data/nasa_battery --mat      # every .mat cell
    python benchmarks/battery_loco.py ... --method features                          # SohEstimator alone
    python benchmarks/battery_loco.py ... --json                                     # last line: JSON
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from bessemer.datasets._nasa_battery import cell_id_of, find_cell_files
from bessemer.industry.battery._bench import run_battery_bench

CSV_CELLS = ("B0005", "B0006", "B0007", "B0033", "B0034", "B0036")


def _layout(root: Path, files: list[Path], meta: Path | None) -> Path:
    for f in files:
        sub = root / ("mat" if f.suffix.lower() == ".mat" else "discharge_csv")
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f.name).symlink_to(f.resolve())
    if meta is not None:
        (root / meta.name).symlink_to(meta.resolve())
    return root


def loco(data: Path, *, use_mat: bool, cells: list[str] | None = None, window_s: float = 600.0,
         method: str = "curve_blend") -> dict[str, Any]:
    csvs, mats, meta = find_cell_files(data)
    pool = mats if use_mat else csvs
    by_id = {cell_id_of(p): p for p in pool}
    ids = [c for c in (cells or sorted(by_id)) if c in by_id]
    if len(ids) < 2:
        raise SystemExit(f"need at least two cells, found {ids} in {data}")
    folds, errors, inside = [], [], []
    for cid in ids:
        with tempfile.TemporaryDirectory(prefix="battery-loco-") as tmp:
            tr = _layout(Path(tmp) / "train", [by_id[c] for c in ids if c != cid], meta)
            te = _layout(Path(tmp) / "test", [by_id[cid]], meta)
            r = run_battery_bench(tr, te, window_s=window_s, method=method,
                                  progress=lambda m, c=cid: print(f"... [{c}] {m}", file=sys.stderr))
        pc = r["soh_per_cell"].get(cid, {})
        folds.append({"cell": cid, "soh_rmse": r["soh_rmse"], "soh_mae": r["soh_mae"],
                      "coverage90": r["coverage90"], "n": r["n_test_discharges"], "bias": pc.get("bias"),
                      "width_pp": pc.get("mean_width_pp"), "eol_25": r["eol_mae_cycles_25"],
                      "eol_50": r["eol_mae_cycles_50"], "crossing": r["eol_per_cell"][cid]["crossing"],
                      "train_s": r["train_s"]})
        n = r["n_test_discharges"]
        if n:
            errors.append((r["soh_rmse"] ** 2) * n)
            inside.append(r["coverage90"] * n)
        f = folds[-1]
        print(f"{cid}: n={n} rmse={f['soh_rmse']:.2f} mae={f['soh_mae']:.2f} bias={f['bias']:+.2f} "
              f"coverage={f['coverage90']:.3f} width={f['width_pp']:.1f}pp eol25={f['eol_25']} eol50={f['eol_50']} "
              f"crossing={f['crossing']}", flush=True)
    n_all = sum(f["n"] for f in folds)
    rm = np.array([f["soh_rmse"] for f in folds], dtype=float)

    def eol(key: str) -> float | None:
        v = [f[key] for f in folds if f[key] is not None]
        return float(np.mean(v)) if v else None

    return {
        "cells": ids, "method": method, "source": "mat" if use_mat else "discharge_csv", "folds": folds,
        "pooled_soh_rmse": float(np.sqrt(sum(errors) / n_all)),
        "pooled_soh_mae": float(sum(f["soh_mae"] * f["n"] for f in folds) / n_all),
        "pooled_coverage90": float(sum(inside) / n_all),
        "median_fold_rmse": float(np.median(rm)), "mean_fold_rmse": float(np.mean(rm)),
        "eol_mae_cycles_25": eol("eol_25"), "eol_mae_cycles_50": eol("eol_50"),
        "eol_folds_25": sum(f["eol_25"] is not None for f in folds),
        "eol_folds_50": sum(f["eol_50"] is not None for f in folds), "n_discharges": n_all,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/data/nasa_battery"))
    ap.add_argument("--mat", action="store_true", help="leave one out over the .mat cells instead of the CSV cells")
    ap.add_argument("--cells", nargs="*", help="only these cell ids")
    ap.add_argument("--window", type=float, default=600.0)
    ap.add_argument("--method", default="curve_blend", choices=("curve_blend", "features"),
                    help="quick-SOH estimator of the bench (default curve_blend, the bench's default)")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    cells = a.cells or (None if a.mat else list(CSV_CELLS))
    r = loco(a.data, use_mat=a.mat, cells=cells, window_s=a.window, method=a.method)
    print(f"pooled over {r['n_discharges']} discharges of {len(r['cells'])} cells ({r['source']}, {r['method']}): "
          f"RMSE {r['pooled_soh_rmse']:.2f} pp, MAE {r['pooled_soh_mae']:.2f} pp, "
          f"coverage {r['pooled_coverage90']:.3f}; "
          f"fold RMSE median {r['median_fold_rmse']:.2f}, mean {r['mean_fold_rmse']:.2f}; "
          f"EOL MAE 25 % {r['eol_mae_cycles_25']} ({r['eol_folds_25']} cells), "
          f"50 % {r['eol_mae_cycles_50']} ({r['eol_folds_50']} cells)")
    if a.json:
        print(json.dumps(r))


if __name__ == "__main__":
    main()
