"""The steel-energy benchmark: fit on a train file, forecast every interval of a test file at three horizons.

Protocol (``bessemer bench steel-energy --train FILE --test FILE [--split DATE]``):

1. Read both files with :func:`~bessemer.datasets._steel_energy.read_steel_energy` (they may be the
   same file). Training rows: train-file intervals that start before ``split``; test rows:
   test-file intervals that start at or after it. Without a split, all of the train file trains
   and the test-file intervals after its end are tested (all of the test file when it starts
   later; a test file that repeats the training months only gives them as history).
2. Fit one :class:`~bessemer.industry.energy.LoadForecaster` per horizon (``"15min"``, ``"1h"``,
   ``"day"``) with its defaults on the training rows.
3. Forecast the test rows from the history = both files' intervals (the test file wins where they
   overlap). Each forecast uses actuals only up to its issue time, so forecasting the history at
   once equals walking forward through the test period interval by interval.
4. Score RMSE, MAE, CV(RMSE) = RMSE / mean actual, and the 90 % interval coverage per horizon; the
   seasonal naive forecasts (the same slot one day and one week earlier) on the test rows where
   that actual exists, and the day-ahead gain over the better of the two.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bessemer.core import ConfigError, DataError, Frame
from bessemer.datasets._steel_energy import TZ, read_steel_energy

from ._forecast import LoadForecaster

STEP = pd.Timedelta(minutes=15)
HORIZON_NAMES = {"15min": "15 minutes ahead", "1h": "1 hour ahead", "day": "day ahead (issued at midnight)"}
TARGET = "usage_kwh"


def _as_utc(split: Any) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(split)
    except (TypeError, ValueError) as err:
        raise ConfigError(f"split {split!r} is not a date; use e.g. 2018-08-01") from err
    if ts is pd.NaT:
        raise ConfigError(f"split {split!r} is not a date; use e.g. 2018-08-01")
    return (ts.tz_localize(TZ) if ts.tzinfo is None else ts).tz_convert("UTC")


def _naive_rmse(hist: pd.Series, times: pd.DatetimeIndex, y: np.ndarray, lag: pd.Timedelta) -> tuple[float, int]:
    """RMSE of the forecast ``y(t - lag)`` over the rows where that actual exists."""
    prev = hist.reindex(times - lag).to_numpy()
    ok = np.isfinite(prev) & np.isfinite(y)
    if not ok.any():
        return float("nan"), 0
    return float(np.sqrt(np.mean((y[ok] - prev[ok]) ** 2))), int(ok.sum())


def run_steel_energy_bench(
    train_path: str | Path,
    test_path: str | Path,
    *,
    split: Any = None,
    progress: Callable[[str], None] | None = None,
    **params: Any,
) -> dict[str, Any]:
    """Run the steel-energy forecasting benchmark.

    Parameters
    ----------
    train_path, test_path : str or Path
        Files in the UCI steel-industry layout (may be the same file).
    split : str or Timestamp, optional
        Interval starts before it train, at or after it test (a date without a zone is Asia/Seoul
        local time, e.g. ``"2018-08-01"``).
    progress : callable, optional
        Called with a short message at each step.
    **params
        Extra :class:`LoadForecaster` hyper-parameters (defaults otherwise).

    Returns
    -------
    dict
        Per horizon ``h`` in ``15min``, ``1h``, ``day``: ``rmse_h``, ``mae_h``, ``cv_h`` (CV(RMSE),
        a fraction), ``coverage90_h`` and ``width90_h`` (share of actuals inside the 90 % interval and
        its mean width); ``naive_1d_rmse``, ``naive_7d_rmse``, ``naive_day_rmse`` (the better),
        ``naive_n`` (test rows with both lags), ``day_vs_naive`` (1 − rmse_day / naive_day_rmse);
        ``n_train``, ``n_test``, ``train_s``, ``predict_s`` (seconds), ``split`` (where testing
        starts), ``test_start``, ``test_end`` (local ISO times of the first and last test interval
        starts), ``mean_test_kwh``.

    Raises
    ------
    ConfigError
        When fewer than 14 days train, or no test intervals remain (the same file without a split).
    """
    say = progress or (lambda _msg: None)
    train_path, test_path = Path(train_path), Path(test_path)
    say(f"reading {train_path.name}")
    train_file = read_steel_energy(train_path)
    if test_path.resolve() == train_path.resolve():
        test_file = train_file
    else:
        say(f"reading {test_path.name}")
        test_file = read_steel_energy(test_path, asset=train_file.assets[0])
    t_train = pd.DatetimeIndex(train_file.column("time"))
    t_test = pd.DatetimeIndex(test_file.column("time"))
    if split is not None:
        cut = _as_utc(split)
    else:  # test from the end of the train file on (all of the test file when it starts later)
        cut = t_train.max() + STEP
    test_keep = np.asarray(t_test >= cut)
    train_keep = np.asarray(t_train < cut)
    if not test_keep.any():
        where = f"at or after the split {split}" if split is not None else \
            f"after the end of {train_path.name} ({(cut - STEP).tz_convert(TZ).isoformat()}); to test on part of " \
            "one file give --split DATE (e.g. 2018-08-01)"
        raise ConfigError(f"no test intervals in {test_path.name} {where}")
    if train_keep.sum() < 14 * 96:
        raise ConfigError(f"{train_path.name} has {int(train_keep.sum())} training intervals before the test "
                          f"period ({cut.tz_convert(TZ).isoformat()}); at least 14 days are needed")
    train = Frame(train_file.to_pandas()[train_keep], units=train_file.units, meta=train_file.meta,
                  time_kind="timestamp", source=train_file.source)
    # history: both files, test rows win on overlap
    both = pd.concat([train_file.to_pandas(), test_file.to_pandas()], ignore_index=True)
    history = Frame(both, units=train_file.units, meta=train_file.meta, time_kind="timestamp",
                    on_duplicate="last", source=test_file.source)
    t_hist = pd.DatetimeIndex(history.column("time"))
    test_times = t_test[test_keep]
    is_test = np.asarray(t_hist.isin(test_times))
    y_hist = history.column(TARGET).astype(np.float64)
    y = y_hist[is_test]
    result: dict[str, Any] = {}
    train_s = predict_s = 0.0
    for h in ("15min", "1h", "day"):
        say(f"fitting the {HORIZON_NAMES[h]} model on {int(train_keep.sum())} intervals")
        model = LoadForecaster(horizon=h, coverage=0.9, **params)
        t0 = time.perf_counter()
        model.fit(train)
        t1 = time.perf_counter()
        say(f"forecasting {int(is_test.sum())} test intervals {HORIZON_NAMES[h]}")
        out = model.predict(history)
        t2 = time.perf_counter()
        train_s += t1 - t0
        predict_s += t2 - t1
        p = out["forecast"].to_numpy()[is_test]
        lo = out["forecast_lower"].to_numpy()[is_test]
        hi = out["forecast_upper"].to_numpy()[is_test]
        ok = np.isfinite(y)
        err = p[ok] - y[ok]
        rmse = float(np.sqrt(np.mean(err ** 2)))
        result[f"rmse_{h}"] = rmse
        result[f"mae_{h}"] = float(np.mean(np.abs(err)))
        result[f"cv_{h}"] = rmse / float(np.mean(y[ok]))
        result[f"coverage90_{h}"] = float(np.mean((y[ok] >= lo[ok]) & (y[ok] <= hi[ok])))
        result[f"width90_{h}"] = float(np.mean(hi[ok] - lo[ok]))
    series = pd.Series(y_hist, index=t_hist)
    tt = t_hist[is_test]
    n1, c1 = _naive_rmse(series, tt, y, pd.Timedelta(days=1))
    n7, c7 = _naive_rmse(series, tt, y, pd.Timedelta(days=7))
    if c1 == 0 and c7 == 0:
        raise DataError("no test interval has an actual one day or one week earlier; the seasonal naive "
                        "baseline needs the week before the test period in the train or test file",
                        file=test_file.source)
    naive = min(v for v in (n1, n7) if np.isfinite(v))
    result.update({
        "naive_1d_rmse": n1, "naive_7d_rmse": n7, "naive_day_rmse": naive, "naive_n": min(c1, c7),
        "day_vs_naive": 1.0 - result["rmse_day"] / naive,
        "n_train": int(np.isfinite(train.column(TARGET)).sum()), "n_test": int(is_test.sum()),
        "train_s": train_s, "predict_s": predict_s,
        "split": cut.tz_convert(TZ).isoformat(),
        "test_start": tt.min().tz_convert(TZ).isoformat(), "test_end": tt.max().tz_convert(TZ).isoformat(),
        "mean_test_kwh": float(np.nanmean(y)),
    })
    return result


def format_steel_energy_report(result: dict[str, Any]) -> str:
    """Human-readable summary of :func:`run_steel_energy_bench`'s result.

    Examples
    --------
    >>> r = {"n_train": 20448, "n_test": 5856, "test_start": "2018-08-01T00:00:00+09:00",
    ...      "test_end": "2018-09-30T23:45:00+09:00", "train_s": 40.0, "predict_s": 2.0,
    ...      "naive_1d_rmse": 30.0, "naive_7d_rmse": 28.0, "naive_day_rmse": 28.0, "day_vs_naive": 0.3}
    >>> for h, v in (("15min", 9.0), ("1h", 12.0), ("day", 19.6)):
    ...     r |= {f"rmse_{h}": v, f"mae_{h}": v / 2, f"cv_{h}": v / 27, f"coverage90_{h}": 0.9,
    ...           f"width90_{h}": 3 * v}
    >>> print(format_steel_energy_report(r))
    Steel energy forecast: 20448 training intervals, 5856 test intervals
      test period 2018-08-01T00:00:00+09:00 to 2018-09-30T23:45:00+09:00
      horizon                          RMSE kWh   MAE kWh  CV(RMSE)  90% coverage  mean width
      15 minutes ahead                     9.00      4.50     0.333         0.900        27.0
      1 hour ahead                        12.00      6.00     0.444         0.900        36.0
      day ahead (issued at midnight)      19.60      9.80     0.726         0.900        58.8
      seasonal naive RMSE: 1 day 30.00, 7 days 28.00; day ahead is 30.0 % below the better one
      time: fit 40.0 s, forecast 2.0 s
    """
    r = result
    lines = [
        f"Steel energy forecast: {r['n_train']} training intervals, {r['n_test']} test intervals",
        f"  test period {r['test_start']} to {r['test_end']}",
        f"  {'horizon':<31}{'RMSE kWh':>10}{'MAE kWh':>10}{'CV(RMSE)':>10}{'90% coverage':>14}{'mean width':>12}",
    ]
    for h, label in HORIZON_NAMES.items():
        lines.append(f"  {label:<31}{r[f'rmse_{h}']:>10.2f}{r[f'mae_{h}']:>10.2f}{r[f'cv_{h}']:>10.3f}"
                     f"{r[f'coverage90_{h}']:>14.3f}{r.get(f'width90_{h}', float('nan')):>12.1f}")
    gain = 100.0 * r["day_vs_naive"]
    lines.append(f"  seasonal naive RMSE: 1 day {r['naive_1d_rmse']:.2f}, 7 days {r['naive_7d_rmse']:.2f}; "
                 f"day ahead is {abs(gain):.1f} % {'below' if gain >= 0 else 'above'} the better one")
    lines.append(f"  time: fit {r['train_s']:.1f} s, forecast {r['predict_s']:.1f} s")
    return "\n".join(lines)
