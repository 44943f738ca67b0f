"""Scoring speed of the process monitor against PyOD's PCA and River's HalfSpaceTrees.

Usage (after ``make install-bench``, which adds pyod and river to the venv)::

    .venv/bin/python benchmarks/process_speed.py --data ../shared/data [--repeats 5] [--json]

All detectors are fitted on ``tep_braatz/d00.dat`` and score the same rows: every
``dNN_te.dat`` present, stacked (about 10,000 rows of 52 variables). Without the data,
``--synthetic`` scores generated rows of the same shape.

* **batch**: one call that scores all rows (``ProcessMonitor.score`` with its three
  detectors, ``ProcessMonitor`` reduced to PCA T²/SPE only, PyOD ``PCA.decision_function``);
* **streaming**: one call per row (``ProcessMonitor.score_one`` vs River's
  ``HalfSpaceTrees.score_one`` + ``learn_one``, the way River is used on a stream; and
  ``score_one`` alone for River as a lower bound on its cost).

Rates are rows per second per core: every run is pinned to one thread (BLAS and OpenMP)
and the figure is rows divided by the process CPU time spent, the median of ``--repeats``
runs. The last stdout line with ``--json`` is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import numpy as np  # noqa: E402


def _cpu(fn) -> float:
    c0 = time.process_time()
    fn()
    return time.process_time() - c0


def _median_rate(rows: int, fn, repeats: int) -> float:
    return float(np.median([rows / max(_cpu(fn), 1e-9) for _ in range(repeats)]))


def load(data: Path | None, synthetic: bool) -> tuple[np.ndarray, np.ndarray, list[str]]:
    if synthetic or data is None:
        rng = np.random.default_rng(0)
        mix = rng.normal(size=(8, 52))
        make = lambda n: rng.normal(size=(n, 8)) @ mix + 0.3 * rng.normal(size=(n, 52))  # noqa: E731
        return make(500), make(10_560), ["synthetic"]
    from bessemer.datasets import load_tep

    root = data / "tep_braatz" if (data / "tep_braatz").is_dir() else data
    tep = load_tep(root)
    test = [tep.test[k].to_numpy() for k in sorted(tep.test)]
    return tep.normal.to_numpy(), np.vstack(test), [f"d{k:02d}_te.dat" for k in sorted(tep.test)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=os.environ.get("BESSEMER_DATA"))
    ap.add_argument("--synthetic", action="store_true")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--stream-rows", type=int, default=3000, help="rows per streaming run")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    try:
        from pyod.models.pca import PCA as PyodPCA
        from river.anomaly import HalfSpaceTrees
    except ImportError as err:
        sys.exit(f"this benchmark compares against pyod and river: `make install-bench` ({err})")
    from threadpoolctl import threadpool_limits

    from bessemer.industry.process import ProcessMonitor

    train, rows, files = load(args.data, args.synthetic)
    n = len(rows)
    ns = min(args.stream_rows, n)
    names = [f"x{i + 1}" for i in range(rows.shape[1])]
    result: dict[str, object] = {"rows": n, "stream_rows": ns, "variables": rows.shape[1], "files": files,
                                 "repeats": args.repeats}
    with threadpool_limits(1):
        ours = ProcessMonitor().fit_normal(train)
        pca_only = ProcessMonitor()
        pca_only.fit_normal(train)
        pyod = PyodPCA(contamination=0.01, n_components=None).fit(train)

        def pca_stats() -> None:  # the T²/SPE part of our monitor alone, like for like with PyOD
            c = ours.core_
            Z = (rows - c.mu) / c.sd
            T = Z @ c.loadings
            R = Z - T @ c.loadings.T
            np.einsum("ij,ij->i", T / c.eigvals, T)
            np.einsum("ij,ij->i", R, R)

        result["batch_ours_rows_s"] = _median_rate(n, lambda: ours.score(rows), args.repeats)
        result["batch_ours_pca_rows_s"] = _median_rate(n, pca_stats, args.repeats)
        result["batch_pyod_pca_rows_s"] = _median_rate(n, lambda: pyod.decision_function(rows), args.repeats)

        stream = rows[:ns]

        def ours_stream() -> None:
            ours.reset()
            for x in stream:
                ours.score_one(x)

        result["stream_ours_rows_s"] = _median_rate(ns, ours_stream, args.repeats)

        hst_rows = [dict(zip(names, map(float, x), strict=True)) for x in stream]
        train_rows = [dict(zip(names, map(float, x), strict=True)) for x in train]
        lo, hi = train.min(axis=0), train.max(axis=0)
        limits = {k: (float(a), float(b)) for k, a, b in zip(names, lo, hi, strict=True)}

        def fresh_hst() -> HalfSpaceTrees:
            h = HalfSpaceTrees(n_trees=10, height=8, window_size=250, seed=0, limits=limits)
            for r in train_rows:
                h.learn_one(r)
            return h

        hst = fresh_hst()

        def hst_score_learn() -> None:
            for r in hst_rows:
                hst.score_one(r)
                hst.learn_one(r)

        def hst_score() -> None:
            for r in hst_rows:
                hst.score_one(r)

        result["stream_river_hst_rows_s"] = _median_rate(ns, hst_score_learn, args.repeats)
        result["stream_river_hst_score_only_rows_s"] = _median_rate(ns, hst_score, args.repeats)
        del pca_only
    result["batch_speedup_vs_pyod"] = result["batch_ours_rows_s"] / result["batch_pyod_pca_rows_s"]
    result["batch_pca_speedup_vs_pyod"] = result["batch_ours_pca_rows_s"] / result["batch_pyod_pca_rows_s"]
    result["stream_speedup_vs_river"] = result["stream_ours_rows_s"] / result["stream_river_hst_rows_s"]
    result["stream_speedup_vs_river_score_only"] = (result["stream_ours_rows_s"]
                                                    / result["stream_river_hst_score_only_rows_s"])
    print(f"{n} rows x {rows.shape[1]} variables ({', '.join(files[:3])}{'...' if len(files) > 3 else ''}); "
          f"rows/s per core, median of {args.repeats}")
    print(f"  batch      ours (T2+SPE+window) {result['batch_ours_rows_s']:>12,.0f}   "
          f"ours (T2+SPE) {result['batch_ours_pca_rows_s']:>12,.0f}   "
          f"PyOD PCA {result['batch_pyod_pca_rows_s']:>12,.0f}"
          f"   x{result['batch_speedup_vs_pyod']:.1f}")
    print(f"  streaming  ours score_one        {result['stream_ours_rows_s']:>12,.0f}   "
          f"River HST score+learn {result['stream_river_hst_rows_s']:>10,.0f}   "
          f"(score only {result['stream_river_hst_score_only_rows_s']:,.0f})   "
          f"x{result['stream_speedup_vs_river']:.1f}")
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
