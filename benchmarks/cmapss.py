"""C-MAPSS accuracy and speed over several seeds, with medians (runs on demand, not in CI).

    .venv/bin/python benchmarks/cmapss.py --data ../shared/data/cmapss --subsets FD001 FD003 --seeds 0 1 2

Each run is a fresh `bessemer bench cmapss ... --json` process, so peak memory and times are per run.
The last stdout line is one JSON object: {subset: {metric: median}}.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

KEYS = ["rmse", "score", "coverage90", "width90", "train_s", "predict_s", "peak_mb"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--subsets", nargs="+", default=["FD001", "FD003"])
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    args = ap.parse_args()
    exe = Path(sys.executable).with_name("bessemer")
    summary: dict[str, dict[str, float]] = {}
    for subset in args.subsets:
        runs = []
        for seed in args.seeds:
            out = subprocess.run([str(exe), "bench", "cmapss", "--data", str(args.data), "--subset", subset,
                                  "--seed", str(seed), "--json"], check=True, capture_output=True, text=True)
            res = json.loads(out.stdout.strip().splitlines()[-1])
            runs.append(res)
            print(f"{subset} seed {seed}: " + ", ".join(f"{k}={res[k]:.3f}" for k in KEYS), flush=True)
        summary[subset] = {k: statistics.median(r[k] for r in runs) for k in KEYS}
        summary[subset]["runs"] = len(runs)
        print(f"{subset} median: " + ", ".join(f"{k}={summary[subset][k]:.3f}" for k in KEYS), flush=True)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
