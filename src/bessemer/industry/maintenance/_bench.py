"""The C-MAPSS benchmark: train on a subset's training units, score the test units' last cycle.

Protocol (fixed; nothing is tuned on the test files): fit :class:`RULModel` with its
defaults on ``train_FD00N.txt``; predict the RUL after the last cycle of every test unit;
compare with ``RUL_FD00N.txt`` capped at 125 cycles (predictions are in ``[0, 125]``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from bessemer._compat import peak_rss_mb
from bessemer.datasets import load_cmapss

from ._rul import RULModel

CAP = 125.0


def phm08_score(pred: np.ndarray, true: np.ndarray) -> float:
    """PHM08 asymmetric score: late predictions (``d = pred - true > 0``) cost more.

    Examples
    --------
    >>> round(phm08_score(np.array([10.0, 0.0]), np.array([0.0, 13.0])), 3)
    3.437
    """
    d = np.asarray(pred, dtype=np.float64) - np.asarray(true, dtype=np.float64)
    return float(np.sum(np.where(d < 0, np.exp(-d / 13.0) - 1.0, np.exp(d / 10.0) - 1.0)))


def run_cmapss_bench(data_dir: Path, subset: str, *, seed: int = 0, **params: Any) -> dict[str, Any]:
    """Run the C-MAPSS benchmark for one subset.

    Parameters
    ----------
    data_dir : Path
        Folder with the original C-MAPSS text files.
    subset : str
        ``"FD001"`` ... ``"FD004"``.
    seed : int
        Seed of the model (folds, calibration points, regressors).
    **params
        Extra :class:`RULModel` hyper-parameters (defaults otherwise).

    Returns
    -------
    dict
        ``subset``, ``n_test_units``, ``rmse``, ``score`` (PHM08), ``coverage90`` and ``width90``
        (share of true RULs inside the interval and its mean width), ``train_s``, ``predict_s``,
        ``peak_mb`` (peak resident memory of the process), ``n_regimes`` and ``cv_rmse``
        (cross-validated RMSE on the training units).
    """
    data = load_cmapss(data_dir, subset)
    model = RULModel(rul_cap=CAP, seed=seed, **params)
    t0 = time.perf_counter()
    model.fit(data.train)
    t1 = time.perf_counter()
    out = model.predict_last(data.test)
    t2 = time.perf_counter()
    order = {a: i for i, a in enumerate(data.test.assets)}
    out = out.iloc[np.argsort([order[a] for a in out["asset"]])]
    true = np.minimum(data.test_rul, CAP)
    pred = np.clip(out["rul"].to_numpy(), 0.0, CAP)
    lo, hi = out["rul_lower"].to_numpy(), out["rul_upper"].to_numpy()
    return {
        "subset": data.subset,
        "n_test_units": int(len(true)),
        "rmse": float(np.sqrt(np.mean((pred - true) ** 2))),
        "score": phm08_score(pred, true),
        "coverage90": float(np.mean((true >= lo) & (true <= hi))),
        "width90": float(np.mean(hi - lo)),
        "train_s": t1 - t0,
        "predict_s": t2 - t1,
        "peak_mb": peak_rss_mb(),
        "n_regimes": int(model.n_regimes_),
        "cv_rmse": float(model.cv_["cv_rmse"]),
    }


def format_cmapss_report(result: dict[str, Any]) -> str:
    """Human-readable summary of :func:`run_cmapss_bench`'s result.

    Examples
    --------
    >>> print(format_cmapss_report({"subset": "FD001", "n_test_units": 100, "rmse": 11.0, "score": 200.0,
    ...     "coverage90": 0.9, "width90": 30.0, "train_s": 10.0, "predict_s": 0.5, "peak_mb": 300.0}))
    C-MAPSS FD001 (100 test units, true RUL capped at 125)
      RMSE            11.00 cycles
      PHM08 score     200.0
      90% interval    coverage 0.900, mean width 30.0 cycles
      time            train 10.0 s, predict 0.50 s
      peak memory     300 MB
    """
    r = result
    lines = [
        f"C-MAPSS {r['subset']} ({r['n_test_units']} test units, true RUL capped at {CAP:.0f})",
        f"  RMSE            {r['rmse']:.2f} cycles",
        f"  PHM08 score     {r['score']:.1f}",
        f"  90% interval    coverage {r['coverage90']:.3f}, mean width {r['width90']:.1f} cycles",
        f"  time            train {r['train_s']:.1f} s, predict {r['predict_s']:.2f} s",
        f"  peak memory     {r['peak_mb']:.0f} MB",
    ]
    if "cv_rmse" in r:
        lines.append(f"  train CV RMSE   {r['cv_rmse']:.2f} cycles ({r.get('n_regimes', 1)} operating regime(s))")
    return "\n".join(lines)
