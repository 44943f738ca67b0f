"""Nested leave-one-cell-out selection of the quick-SOH estimator (features, model, target transform).

The protocol, so that no choice ever sees the cell it is scored on:

* **outer loop**: each of the cells in turn is held out;
* **inner loop**: on the remaining cells only, every candidate in :data:`CANDIDATES` is scored by
  leave-one-cell-out over those cells (point estimates; pooled RMSE in percentage points of rated
  capacity over every inner test discharge);
* the candidate with the lowest inner pooled RMSE is refitted on all the remaining cells as the full
  :class:`~bessemer.industry.battery.SohEstimator` (with its cell-grouped conformal interval) and scored
  **once** on the held-out cell. Pooled over the outer folds this is the honest figure of "select by LOCO,
  then fit": ``nested`` in the output.

Also printed, for every candidate: its mean inner RMSE over the outer folds, and its plain LOCO figure over
all cells (RMSE, coverage; what it would score if it had been picked blind). The shipped default is the
candidate with the lowest LOCO RMSE over *all* cells, i.e. the same selection rule applied to the whole
data (``selected_on_all``); ``chosen_most_often`` lists how often each candidate won an outer fold.
Scoring follows ``bessemer bench battery``: every discharge with a capacity, discharges that ended inside
the window are their own (exact) answer.

    python benchmarks/battery_select.py --data ../shared/data/nasa_battery
    python benchmarks/battery_select.py --data ../shared/data/nasa_battery --json     # last line: JSON
    python benchmarks/battery_select.py ... --only ridge-physics-ah lgbm-base-ah       # a subset
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from bessemer.core import Frame
from bessemer.datasets._nasa_battery import load_nasa_battery
from bessemer.industry.battery import SohEstimator, cell_features

CSV_CELLS = ("B0005", "B0006", "B0007", "B0033", "B0034", "B0036")
RATED_AH = 2.0

#: the candidates, fixed before any figure was seen: name -> SohEstimator keywords
CANDIDATES: dict[str, dict[str, Any]] = {
    "lgbm-base-ah": {"model": "lgbm", "features": "base"},  # the first attempt
    "lgbm-all-ah": {"model": "lgbm", "features": "all"},
    "lgbm-all-ratio": {"model": "lgbm", "features": "all", "target": "ratio"},
    "lgbm_mono-all-ah": {"model": "lgbm_mono", "features": "all"},
    "lgbm-physics-ah": {"model": "lgbm", "features": "physics"},
    "lgbm-all-ah-drop": {"model": "lgbm", "features": "all", "drop_partial": True},
    "ridge1-physics-ah": {"model": "ridge", "features": "physics", "ridge_alpha": 1.0},
    "ridge10-physics-ah": {"model": "ridge", "features": "physics", "ridge_alpha": 10.0},
    "ridge1-physics-ratio": {"model": "ridge", "features": "physics", "target": "ratio", "ridge_alpha": 1.0},
    "ridge1-physics_re-ah": {"model": "ridge", "features": "physics_re", "ridge_alpha": 1.0},
    "ridge1-physics-ah-drop": {"model": "ridge", "features": "physics", "ridge_alpha": 1.0, "drop_partial": True},
    "ridge10-base-ah": {"model": "ridge", "features": "base", "ridge_alpha": 10.0},
    "pls3-physics-ah": {"model": "pls", "features": "physics", "pls_components": 3},
    "pls3-all-ah": {"model": "pls", "features": "all", "pls_components": 3},
}


def _rows(frame: Frame, keep: np.ndarray) -> Frame:
    df = frame.to_pandas()[keep].reset_index(drop=True)
    return Frame(df, units=frame.units, time_kind=frame.time_kind, source=frame.source)


class Data:
    """Features and capacities of every discharge with a capacity, with per-row cell ids."""

    def __init__(self, folder: Path, cells: list[str]) -> None:
        loaded = load_nasa_battery(folder, cells=cells)
        frame, y = cell_features(loaded)
        ok = np.isfinite(y)
        self.frame, self.y = _rows(frame, ok), y[ok]
        self.asset = self.frame.column("asset")
        ended_col = list(self.frame.signals).index("ended_ah")
        self.ended = self.frame.values()[:, ended_col]
        self.cells = sorted(set(self.asset))

    def subset(self, cells: list[str]) -> np.ndarray:
        return np.isin(self.asset, cells)


def _score_points(d: Data, keep: np.ndarray, point: np.ndarray) -> np.ndarray:
    """Errors (pp of rated) of point estimates on rows ``keep``, ended discharges taking their own answer."""
    p = np.where(np.isfinite(d.ended[keep]), d.ended[keep], point)
    return 100.0 * (p - d.y[keep]) / RATED_AH


def loco_points(d: Data, params: dict[str, Any], cells: list[str]) -> np.ndarray:
    """Pooled leave-one-cell-out errors (pp) of point estimates over ``cells``."""
    errs = []
    for c in cells:
        tr = d.subset([x for x in cells if x != c])
        te = d.subset([c])
        est = SohEstimator(**params)
        pt = est.point_fit_predict(_rows(d.frame, tr), d.y[tr], _rows(d.frame, te))
        errs.append(_score_points(d, te, pt))
    return np.concatenate(errs)


def full_fold(d: Data, params: dict[str, Any], train_cells: list[str], test_cell: str) -> dict[str, Any]:
    """The full estimator (interval included) fitted on ``train_cells``, scored once on ``test_cell``."""
    tr, te = d.subset(train_cells), d.subset([test_cell])
    out = SohEstimator(**params).fit(_rows(d.frame, tr), d.y[tr]).predict(_rows(d.frame, te))
    y = d.y[te]
    err = 100.0 * (out["capacity_ah"].to_numpy() - y) / RATED_AH
    inside = (y >= out["capacity_ah_lower"].to_numpy() - 1e-12) & (y <= out["capacity_ah_upper"].to_numpy() + 1e-12)
    return {"err": err, "inside": inside}


def _rmse(e: np.ndarray) -> float:
    return float(np.sqrt(np.mean(e ** 2)))


def run(folder: Path, cells: list[str], names: list[str], say: Any) -> dict[str, Any]:
    d = Data(folder, cells)
    cells = d.cells
    cands = {n: CANDIDATES[n] for n in names}
    # inner selection inside every outer fold
    inner: dict[str, dict[str, float]] = {n: {} for n in cands}
    picks: dict[str, str] = {}
    nested_err, nested_in, nested_cells = [], [], {}
    for o in cells:
        rest = [c for c in cells if c != o]
        t0 = time.perf_counter()
        for n, p in cands.items():
            inner[n][o] = _rmse(loco_points(d, p, rest))
        best = min(cands, key=lambda n: inner[n][o])
        picks[o] = best
        r = full_fold(d, cands[best], rest, o)
        nested_err.append(r["err"])
        nested_in.append(r["inside"])
        nested_cells[o] = {"picked": best, "inner_rmse": inner[best][o], "rmse": _rmse(r["err"]),
                           "bias": float(np.mean(r["err"])), "coverage90": float(np.mean(r["inside"])),
                           "n": int(len(r["err"]))}
        say(f"outer {o}: picked {best} (inner {inner[best][o]:.2f} pp) -> held-out RMSE "
            f"{nested_cells[o]['rmse']:.2f} pp, bias {nested_cells[o]['bias']:+.2f}, coverage "
            f"{nested_cells[o]['coverage90']:.3f} [{time.perf_counter() - t0:.0f} s]")
    e, i = np.concatenate(nested_err), np.concatenate(nested_in)
    nested = {"soh_rmse": _rmse(e), "soh_mae": float(np.mean(np.abs(e))), "coverage90": float(np.mean(i)),
              "n": int(len(e)), "per_cell": nested_cells}
    # every candidate's plain LOCO over all cells (full estimator: point and interval)
    table = {}
    for n, p in cands.items():
        fe, fi, bias = [], [], {}
        for o in cells:
            r = full_fold(d, p, [c for c in cells if c != o], o)
            fe.append(r["err"])
            fi.append(r["inside"])
            bias[o] = float(np.mean(r["err"]))
        e_all = np.concatenate(fe)
        table[n] = {"params": p, "inner_rmse_mean": float(np.mean(list(inner[n].values()))),
                    "inner_rmse_by_outer": inner[n], "loco_rmse": _rmse(e_all),
                    "loco_mae": float(np.mean(np.abs(e_all))), "loco_coverage90": float(np.mean(np.concatenate(fi))),
                    "loco_bias_by_cell": bias}
        say(f"{n:<24} inner mean {table[n]['inner_rmse_mean']:.2f}  LOCO {table[n]['loco_rmse']:.2f} pp, "
            f"coverage {table[n]['loco_coverage90']:.3f}")
    selected = min(cands, key=lambda n: table[n]["loco_rmse"])
    return {"cells": cells, "candidates": table, "nested": nested, "outer_picks": picks,
            "chosen_most_often": dict(Counter(picks.values()).most_common()), "selected_on_all": selected,
            "selected_params": cands[selected], "selected_loco_rmse": table[selected]["loco_rmse"],
            "selected_loco_coverage90": table[selected]["loco_coverage90"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/data/nasa_battery"))
    ap.add_argument("--cells", nargs="*", default=list(CSV_CELLS))
    ap.add_argument("--only", nargs="*", choices=sorted(CANDIDATES), help="only these candidates")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    r = run(a.data, a.cells, a.only or list(CANDIDATES), lambda m: print(m, file=sys.stderr, flush=True))
    n = r["nested"]
    print(f"{'candidate':<24} {'inner':>6} {'LOCO':>6} {'cover':>6}  bias by cell (pp)")
    for name, t in r["candidates"].items():
        b = " ".join(f"{c[-2:]}:{v:+.2f}" for c, v in t["loco_bias_by_cell"].items())
        print(f"{name:<24} {t['inner_rmse_mean']:>6.2f} {t['loco_rmse']:>6.2f} {t['loco_coverage90']:>6.3f}  {b}")
    print(f"nested LOCO (honest): RMSE {n['soh_rmse']:.2f} pp, MAE {n['soh_mae']:.2f} pp, coverage "
          f"{n['coverage90']:.3f} over {n['n']} discharges; picks {r['outer_picks']}")
    print(f"selected on all cells: {r['selected_on_all']} {r['selected_params']} (LOCO {r['selected_loco_rmse']:.2f} "
          f"pp, coverage {r['selected_loco_coverage90']:.3f}); most often: {r['chosen_most_often']}")
    if a.json:
        print(json.dumps(r))


if __name__ == "__main__":
    main()
