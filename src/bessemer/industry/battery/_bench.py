"""`bessemer bench battery`: quick state of health and early end of life on cells never seen in training.

Protocol:

* every cell of ``--train`` and ``--test`` is read (folders in the NASA layout:
  ``discharge_csv/*.csv`` and/or ``mat/*.mat``, optional ``metadata*.csv``; unreadable files are
  skipped with a message, a folder with no readable cell is an error);
* **quick SOH**: a :class:`~._refcurve.CurveBlendSoh` (reference curves of the training cells blended
  half and half with a :class:`~._soh.SohEstimator`; ``method="features"``: the SohEstimator alone) with
  fixed settings is fitted on every discharge of the training cells; for every discharge of a test
  cell, the capacity is estimated from its first ``window_s`` (600) seconds and scored against the
  Coulomb count of the whole discharge. RMSE and MAE are in percentage points of the rated capacity;
  ``coverage90`` is the share of test discharges inside the 90 % interval. Discharges without load
  current (no capacity) are not scored;
* **early end of life**: an :class:`~._eol.EolForecaster` learns fade rates from the training cells'
  capacity histories; from the first 25 % and 50 % of a test cell's discharges it forecasts the
  discharge at which the (running-median) capacity first falls below ``threshold`` (80 %) of rated.
  MAE is in discharges, over the cells that cross after the cut; cells that never cross, and cells
  already below by the cut (or at their first discharge), are listed instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bessemer.core import Frame, NotFoundError

from ._cycles import Cell
from ._eol import EolForecaster, first_crossing, starts_below
from ._features import WINDOW_S, cell_features
from ._refcurve import CurveBlendSoh
from ._soh import SohEstimator

FRACTIONS = (0.25, 0.5)
#: quick-SOH methods of the bench: ``"curve_blend"`` (:class:`~._refcurve.CurveBlendSoh`, the default since
#: it was chosen on the ``.mat`` cells, see ``docs/battery-soh.md``) or ``"features"`` (SohEstimator alone)
METHODS = ("curve_blend", "features")


def load_cells(folder: str | Path, *, rated_ah: float = 2.0, progress: Callable[[str], Any] | None = None
               ) -> list[Cell]:
    """Every readable cell of a folder in the NASA layout (unreadable files are skipped and reported)."""
    from bessemer.datasets._nasa_battery import load_nasa_battery

    return load_nasa_battery(folder, rated_ah=rated_ah, progress=progress, skip_unreadable=True)


def _rows(frame: Frame, keep: np.ndarray) -> Frame:
    df = frame.to_pandas()[keep]
    return Frame(df.reset_index(drop=True), units=frame.units, time_kind=frame.time_kind, source=frame.source)


def soh_scores(cells: Sequence[Cell], model: SohEstimator | CurveBlendSoh, *, window_s: float = WINDOW_S
               ) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Quick-SOH figures of a fitted model on ``cells``, and the per-discharge errors (pp) by cell."""
    frame, y = cell_features(cells, window_s=window_s)
    ok = np.isfinite(y)
    frame, y = _rows(frame, ok), y[ok]
    # the target column never reaches the model: the features are of the window only, and the curve
    # blend reads each test discharge through CurveReferences.estimate, which truncates it to the window
    out = model.predict(cells, frame=frame) if isinstance(model, CurveBlendSoh) else model.predict(frame)
    rated = model.rated_ah
    err = 100.0 * (out["capacity_ah"].to_numpy() - y) / rated
    inside = (y >= out["capacity_ah_lower"].to_numpy() - 1e-12) & (y <= out["capacity_ah_upper"].to_numpy() + 1e-12)
    assets = out["asset"].to_numpy()
    per_cell, errors = {}, {}
    for a in sorted(set(assets)):
        m = assets == a
        errors[a] = err[m]
        per_cell[a] = {"n": int(m.sum()), "rmse": float(np.sqrt(np.mean(err[m] ** 2))),
                       "mae": float(np.mean(np.abs(err[m]))), "bias": float(np.mean(err[m])),
                       "coverage90": float(np.mean(inside[m])),
                       "mean_width_pp": float(np.mean(out["capacity_ah_upper"].to_numpy()[m]
                                                      - out["capacity_ah_lower"].to_numpy()[m]) * 100.0 / rated)}
    figures = {"soh_rmse": float(np.sqrt(np.mean(err ** 2))) if len(err) else None,
               "soh_mae": float(np.mean(np.abs(err))) if len(err) else None,
               "coverage90": float(np.mean(inside)) if len(err) else None,
               "n_test_discharges": int(len(err)), "soh_per_cell": per_cell}
    return figures, errors


def eol_scores(cells: Sequence[Cell], eol: EolForecaster, *, threshold: float = 0.8,
               fractions: Sequence[float] = FRACTIONS) -> dict[str, Any]:
    """Early end-of-life figures on ``cells``: MAE in discharges per history fraction, and the lists."""
    out: dict[str, Any] = {}
    per_cell: dict[str, Any] = {}
    never = []
    for cell in cells:
        caps = cell.capacities()
        truth = first_crossing(caps, threshold * cell.rated_ah)
        per_cell[cell.cell_id] = {"n_discharges": len(caps), "crossing": truth}
        if truth is None and not starts_below(caps, threshold * cell.rated_ah):
            never.append(cell.cell_id)
    for frac in fractions:
        key = f"{int(round(frac * 100))}"
        errs, already = [], []
        for cell in cells:
            caps = cell.capacities()
            truth = per_cell[cell.cell_id]["crossing"]
            seen = max(1, int(round(frac * len(caps))))
            if truth is None:
                continue
            if truth <= seen:
                already.append(cell.cell_id)
                continue
            f = eol.forecast(caps[:seen], threshold)
            e = float(f.cycle - truth) if np.isfinite(f.cycle) else None
            per_cell[cell.cell_id][f"forecast_{key}"] = {
                "seen": seen, "cycle": None if not np.isfinite(f.cycle) else float(f.cycle),
                "lower": None if not np.isfinite(f.lower) else float(f.lower),
                "upper": None if not np.isfinite(f.upper) else float(f.upper), "error": e}
            errs.append(abs(e) if e is not None else float(len(caps)))
        out[f"eol_mae_cycles_{key}"] = float(np.mean(errs)) if errs else None
        out[f"eol_n_cells_{key}"] = len(errs)
        out[f"eol_already_below_{key}"] = already
    out["eol_never_cross"] = never
    out["eol_below_at_start"] = [c.cell_id for c in cells if starts_below(c.capacities(), threshold * c.rated_ah)]
    out["eol_threshold"] = threshold
    out["eol_per_cell"] = per_cell
    return out


def run_battery_bench(train: str | Path, test: str | Path, *, rated_ah: float = 2.0, window_s: float = WINDOW_S,
                      threshold: float = 0.8, progress: Callable[[str], Any] | None = None, seed: int = 0,
                      params: dict[str, Any] | None = None, method: str = "curve_blend") -> dict[str, Any]:
    """Run the protocol above; returns the figures (keys ``soh_rmse``, ``soh_mae``, ``coverage90``,
    ``eol_mae_cycles_25``, ``eol_mae_cycles_50`` and details). ``method`` picks the quick-SOH estimator
    (:data:`METHODS`); ``params`` are SohEstimator settings (for ``"curve_blend"``, those of its feature
    half)."""
    if method not in METHODS:
        raise ValueError(f"method={method!r} is not one of {list(METHODS)}")
    say = progress or (lambda msg: None)
    t0 = time.perf_counter()
    train_cells = load_cells(train, rated_ah=rated_ah, progress=say)
    test_cells = load_cells(test, rated_ah=rated_ah, progress=say)
    overlap = sorted({c.cell_id for c in train_cells} & {c.cell_id for c in test_cells})
    t1 = time.perf_counter()
    say(f"features of {len(train_cells)} training cells ({sum(len(c) for c in train_cells)} discharges)")
    frame, y = cell_features(train_cells, window_s=window_s)
    ok = np.isfinite(y)
    if ok.sum() < 4:
        raise NotFoundError(f"{train}: only {int(ok.sum())} training discharge(s) with load current; need at least 4")
    model: SohEstimator | CurveBlendSoh
    if method == "curve_blend":
        model = CurveBlendSoh(rated_ah=rated_ah, seed=seed, window_s=window_s, soh_params=params).fit(train_cells)
    else:
        model = SohEstimator(rated_ah=rated_ah, seed=seed, **(params or {})).fit(_rows(frame, ok), y[ok])
    eol = EolForecaster(thresholds=(threshold,), rated_ah=rated_ah).fit([c.capacities() for c in train_cells])
    train_s = time.perf_counter() - t1
    say(f"scoring {len(test_cells)} test cells")
    t2 = time.perf_counter()
    soh, _ = soh_scores(test_cells, model, window_s=window_s)
    eolf = eol_scores(test_cells, eol, threshold=threshold)
    return {
        "soh_rmse": soh["soh_rmse"], "soh_mae": soh["soh_mae"], "coverage90": soh["coverage90"],
        "eol_mae_cycles_25": eolf["eol_mae_cycles_25"], "eol_mae_cycles_50": eolf["eol_mae_cycles_50"],
        "n_train_cells": len(train_cells), "n_test_cells": len(test_cells),
        "train_cells": [c.cell_id for c in train_cells], "test_cells": [c.cell_id for c in test_cells],
        "overlap_cells": overlap, "method": method, "n_test_discharges": soh["n_test_discharges"],
        "soh_per_cell": soh["soh_per_cell"], "window_s": window_s, "rated_ah": rated_ah,
        "calibration": model.calibration_, "oof_rmse_pp": 100.0 * model.oof_rmse_ / rated_ah,
        "eol_rates_ah_per_cycle": [float(r) for r in eol.rates_],
        **{k: v for k, v in eolf.items() if k not in ("eol_mae_cycles_25", "eol_mae_cycles_50")},
        "read_s": t1 - t0, "train_s": train_s, "predict_s": time.perf_counter() - t2,
    }


def format_battery_report(result: dict[str, Any]) -> str:
    """A readable report: headline figures, per-cell SOH table, end-of-life lists.

    Examples
    --------
    >>> print(format_battery_report({"soh_rmse": 1.5, "soh_mae": 1.1, "coverage90": 0.9, "eol_mae_cycles_25": 12.0,
    ...     "eol_mae_cycles_50": None, "n_train_cells": 5, "n_test_cells": 1, "n_test_discharges": 10,
    ...     "soh_per_cell": {"B0005": {"n": 10, "rmse": 1.5, "mae": 1.1, "bias": 0.2, "coverage90": 0.9,
    ...     "mean_width_pp": 6.0}}, "eol_never_cross": [], "eol_already_below_25": [], "eol_already_below_50": [],
    ...     "eol_below_at_start": [], "eol_threshold": 0.8, "window_s": 600.0, "train_s": 2.0}))
    battery: 5 training cells, 1 test cells, 10 test discharges (first 600 s of each)
      quick SOH RMSE      1.50 pp of rated
      quick SOH MAE       1.10 pp of rated
      90 % coverage       0.900
      EOL MAE (25 %)      12.0 discharges
      EOL MAE (50 %)      n/a
      train time          2.0 s
    cell      n     rmse   mae    bias   cover  width
    B0005     10    1.50   1.10   +0.20  0.90   6.0
    end of life (80 % of rated): never cross: -; below at start: -; crossed before 25 %: -; crossed before 50 %: -
    """
    def num(v: Any, fmt: str) -> str:
        return "n/a" if v is None else format(v, fmt)

    lines = [f"battery: {result['n_train_cells']} training cells, {result['n_test_cells']} test cells, "
             f"{result['n_test_discharges']} test discharges (first {result['window_s']:.0f} s of each)",
             f"  {'quick SOH RMSE':<19} {num(result['soh_rmse'], '.2f')} pp of rated",
             f"  {'quick SOH MAE':<19} {num(result['soh_mae'], '.2f')} pp of rated",
             f"  {'90 % coverage':<19} {num(result['coverage90'], '.3f')}",
             f"  {'EOL MAE (25 %)':<19} {num(result['eol_mae_cycles_25'], '.1f')}"
             + (" discharges" if result["eol_mae_cycles_25"] is not None else ""),
             f"  {'EOL MAE (50 %)':<19} {num(result['eol_mae_cycles_50'], '.1f')}"
             + (" discharges" if result["eol_mae_cycles_50"] is not None else ""),
             f"  {'train time':<19} {result['train_s']:.1f} s",
             f"{'cell':<9} {'n':<5} {'rmse':<6} {'mae':<6} {'bias':<6} {'cover':<6} width"]
    for c, m in result["soh_per_cell"].items():
        lines.append(f"{c[:9]:<9} {m['n']:<5} {m['rmse']:<6.2f} {m['mae']:<6.2f} {m['bias']:<+6.2f} "
                     f"{m['coverage90']:<6.2f} {m['mean_width_pp']:.1f}")

    def names(key: str) -> str:
        return ", ".join(result.get(key) or []) or "-"

    lines.append(f"end of life ({result['eol_threshold'] * 100:.0f} % of rated): never cross: "
                 f"{names('eol_never_cross')}; below at start: {names('eol_below_at_start')}; crossed before 25 %: "
                 f"{names('eol_already_below_25')}; crossed before 50 %: {names('eol_already_below_50')}")
    return "\n".join(lines)
