"""Rolling-origin validation of the load forecaster on January–July 2018 of the UCI steel data only.

Usage::

    .venv/bin/python benchmarks/energy_validation.py [--data ../shared/data] [--horizons 15min 1h day]
                                                     [--set n_estimators=600 ...] [--json]

The steel-energy benchmark (``bessemer bench steel-energy --split 2018-08-01``) tests on
August–September; this harness is where its settings are chosen, so it **never reads a row
after 2018-07-31**: the file is read line by line and reading stops at the first row of August
(the rows are in time order; the 23:45–24:00 interval of July 31 is stamped ``31/07/2018 00:00``,
so every July interval is kept). Only those lines reach the loader, through a temporary file.

Folds (rolling origin): fit January–April and score May, fit January–May and score June, fit
January–June and score July. Each fold fits a :class:`~bessemer.industry.energy.LoadForecaster`
per horizon on the rows before the scored month and forecasts the month from the history
before it (each forecast sees actuals only up to its issue time). Reported per fold and pooled
over the three months: RMSE, CV(RMSE) = RMSE / mean actual, and the 90 % interval coverage.
The last stdout line with ``--json`` is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bessemer.core import Frame
from bessemer.datasets._steel_energy import TZ, read_steel_energy
from bessemer.industry.energy._forecast import LoadForecaster

FILE = "steel_energy_uci/Steel_industry_data.csv"
#: (first scored day, first day after it), local time; fit on everything before the first
FOLDS = (("2018-05-01", "2018-06-01"), ("2018-06-01", "2018-07-01"), ("2018-07-01", "2018-08-01"))
LAST_MONTH = 7  # no row of a later month of 2018 is ever read


def read_jan_jul(path: Path) -> Frame:
    """The intervals of January–July 2018 of the UCI file; reading stops at the first later row."""
    kept = []
    with open(path, encoding="utf-8-sig") as fh:
        kept.append(fh.readline())
        for line in fh:
            day, month, year = line.split(",", 1)[0].split(" ")[0].split("/")
            if (int(year), int(month)) > (2018, LAST_MONTH):
                break
            kept.append(line)
    with tempfile.TemporaryDirectory() as tmp:
        part = Path(tmp) / "jan_jul.csv"
        part.write_text("".join(kept), encoding="utf-8")
        frame = read_steel_energy(part)
    last = pd.Timestamp(frame.column("time").max()).tz_convert(TZ)
    assert last < pd.Timestamp("2018-08-01", tz=TZ), f"read past July: {last}"
    return frame


def _subset(frame: Frame, keep: np.ndarray) -> Frame:
    return Frame(frame.to_pandas()[keep], units=frame.units, meta=frame.meta, time_kind="timestamp",
                 source=frame.source)


def validate(frame: Frame, *, horizons: tuple[str, ...] = ("15min",), **params: Any) -> dict[str, Any]:
    """Per-fold and pooled RMSE, CV(RMSE) and 90 % coverage of ``LoadForecaster(**params)``."""
    t = pd.DatetimeIndex(frame.column("time"))
    y_all = frame.column("usage_kwh").astype(np.float64)
    out: dict[str, Any] = {}
    for h in horizons:
        errs, ys, inside = [], [], []
        for start, end in FOLDS:
            a = pd.Timestamp(start, tz=TZ).tz_convert("UTC")
            b = pd.Timestamp(end, tz=TZ).tz_convert("UTC")
            train = _subset(frame, np.asarray(t < a))
            hist_keep = np.asarray(t < b)
            history = _subset(frame, hist_keep)
            model = LoadForecaster(horizon=h, coverage=0.9, **params).fit(train)
            pred = model.predict(history)
            scored = np.asarray(t[hist_keep] >= a)
            y = y_all[hist_keep][scored]
            p = pred["forecast"].to_numpy()[scored]
            lo = pred["forecast_lower"].to_numpy()[scored]
            hi = pred["forecast_upper"].to_numpy()[scored]
            ok = np.isfinite(y)
            e = p[ok] - y[ok]
            rmse = float(np.sqrt(np.mean(e ** 2)))
            month = start[:7]
            out[f"rmse_{h}_{month}"] = rmse
            out[f"cv_{h}_{month}"] = rmse / float(np.mean(y[ok]))
            out[f"coverage90_{h}_{month}"] = float(np.mean((y[ok] >= lo[ok]) & (y[ok] <= hi[ok])))
            errs.append(e)
            ys.append(y[ok])
            inside.append((y[ok] >= lo[ok]) & (y[ok] <= hi[ok]))
        e, yy = np.concatenate(errs), np.concatenate(ys)
        rmse = float(np.sqrt(np.mean(e ** 2)))
        out[f"rmse_{h}"] = rmse
        out[f"cv_{h}"] = rmse / float(np.mean(yy))
        out[f"coverage90_{h}"] = float(np.mean(np.concatenate(inside)))
    return out


def _value(text: str) -> Any:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=os.environ.get("BESSEMER_DATA", str(Path(__file__).parents[2] / "shared/data")))
    ap.add_argument("--horizons", nargs="+", default=["15min"], choices=["15min", "1h", "day"])
    ap.add_argument("--set", nargs="*", default=[], metavar="NAME=VALUE", help="LoadForecaster settings")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    path = Path(args.data) / FILE
    if not path.exists():
        print(f"no data at {path}; give --data DIR (the folder holding {FILE}) or set BESSEMER_DATA", file=sys.stderr)
        return 2
    params = {k: _value(v) for k, v in (s.split("=", 1) for s in args.set)}
    frame = read_jan_jul(path)
    t0 = time.perf_counter()
    res = validate(frame, horizons=tuple(args.horizons), **params)
    res["seconds"] = time.perf_counter() - t0
    for h in args.horizons:
        per = "  ".join(f"{m[:7]} {res[f'cv_{h}_{m[:7]}']:.4f}" for m, _ in FOLDS)
        print(f"{h:>6}: CV(RMSE) pooled {res[f'cv_{h}']:.4f}  ({per})  coverage90 {res[f'coverage90_{h}']:.3f}")
    if args.json:
        print(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
