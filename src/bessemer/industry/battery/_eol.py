"""End of life: remaining cycles until the capacity falls below a threshold, with an interval.

:class:`EolForecaster` forecasts from a cell's capacity history (one capacity per discharge, in test
order), smoothed with a running median of :data:`SMOOTH` discharges (NASA cells have single outlying
discharges and recovery jumps after rests), by one of:

* ``"trend"``: a **straight line whose slope has a prior learnt from the training cells**: the fade
  rate of the history (least-squares slope of the smoothed capacity, with its standard error) is
  combined with the training cells' rates (mean and spread) by precision weighting; the crossing is
  where the line from the last smoothed level meets ``threshold · rated_ah``;
* ``"similarity"``: each training cell that crosses the threshold is aligned where its smoothed
  capacity first came down to the history's current level; the cycles it then took to cross are the
  remaining cycles (median over the training cells);
* ``"blend"`` (default): the mean of the two crossings. A short history's slope is distorted by
  recovery jumps (the trend overshoots on a plateau) while similarity ignores the cell's own rate;
  the two errors come from different sources, so their mean has less variance than either.

The 90 % interval is split-conformal on the **ratio** of true to predicted remaining cycles, collected
by forecasting every training cell from its first 20 %, 30 % ... 60 % with a prior and a library
that leave that cell out.

The first crossing of a record (the truth) is the first discharge whose running median is below the
threshold (:func:`first_crossing`): one outlying low discharge does not end a life.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bessemer.core import DataError, NotFittedError

SMOOTH = 5
_CUTS = (0.2, 0.3, 0.4, 0.5, 0.6)


def smooth(capacity: np.ndarray, window: int = SMOOTH) -> np.ndarray:
    """Centred running median (shorter at the ends); NaN capacities are skipped.

    Examples
    --------
    >>> smooth(np.array([2.0, 2.0, 0.2, 1.9, 1.9])).tolist()
    [2.0, 1.95, 1.9, 1.9, 1.9]
    """
    s = pd.Series(np.asarray(capacity, dtype=np.float64))
    return s.rolling(window, center=True, min_periods=1).median().to_numpy()


def first_crossing(capacity: np.ndarray, threshold_ah: float, window: int = SMOOTH) -> int | None:
    """1-based discharge number at which the smoothed capacity first falls below ``threshold_ah``.

    The fall counts only once the smoothed capacity has been at or above the threshold (NASA cells
    can start low and recover over their first discharges). None if it never falls below after that,
    or was never above it (see :func:`starts_below`).

    Examples
    --------
    >>> first_crossing(np.array([2.0, 0.5, 1.9, 1.8, 1.7, 1.6, 1.5, 1.4]), 1.65)
    6
    >>> first_crossing(np.array([0.2, 0.3, 1.0, 1.9, 1.9, 1.9, 1.7, 1.6, 1.5]), 1.65) is None
    False
    """
    s = smooth(capacity, window)
    above = np.flatnonzero(s >= threshold_ah)
    if not above.size:
        return None
    below = np.flatnonzero(s[above[0]:] < threshold_ah)
    return int(above[0] + below[0]) + 1 if below.size else None


def starts_below(capacity: np.ndarray, threshold_ah: float, window: int = SMOOTH) -> bool:
    """True when the smoothed capacity is never at or above ``threshold_ah`` (the cell is spent already).

    Examples
    --------
    >>> starts_below(np.array([1.5, 1.4, 1.3]), 1.6), starts_below(np.array([1.7, 1.5]), 1.6)
    (True, False)
    """
    return not bool(np.any(smooth(capacity, window) >= threshold_ah))


def _slope(capacity: np.ndarray) -> tuple[float, float, float]:
    """Fade rate (Ah per discharge, positive = fading), its standard error, and the last fitted level."""
    c = smooth(capacity)
    n = np.flatnonzero(np.isfinite(c)).astype(np.float64) + 1.0
    c = c[np.isfinite(c)]
    if len(c) < 3:
        return float("nan"), float("inf"), float(c[-1]) if len(c) else float("nan")
    A = np.column_stack([np.ones_like(n), n])
    coef, *_ = np.linalg.lstsq(A, c, rcond=None)
    resid = c - A @ coef
    dof = max(1, len(c) - 2)
    s2 = float(resid @ resid) / dof
    se = float(np.sqrt(s2 / max(np.sum((n - n.mean()) ** 2), 1e-12)))
    # residuals of a running median are autocorrelated: inflate the error by the window
    se *= np.sqrt(SMOOTH)
    level = float(np.median(c[-SMOOTH:]))
    return float(-coef[1]), max(se, 1e-6), level


@dataclass(frozen=True)
class EolForecast:
    """A forecast: the discharge number at which the threshold is crossed, with a 90 % interval.

    ``cycle`` is ``inf`` when the fitted line never reaches the threshold; ``already`` is True when the
    history itself is already below it (then ``cycle`` is the observed crossing).
    """

    threshold_ah: float
    seen: int
    cycle: float
    lower: float
    upper: float
    rate_ah_per_cycle: float
    already: bool = False

    @property
    def remaining(self) -> float:
        """Cycles left after the last one seen."""
        return self.cycle - self.seen


class EolForecaster:
    """Remaining cycles to capacity thresholds (fractions of rated), from a capacity history.

    Parameters
    ----------
    thresholds : sequence of float
        Fractions of the rated capacity (default 80 % and 70 %).
    rated_ah : float
    alpha : float
        Miscoverage of the interval.
    method : {"blend", "trend", "similarity"}
        See the module docstring.
    prior : bool
        ``"trend"``: combine the history's fade rate with the training cells' (False: the history alone).

    Examples
    --------
    >>> from bessemer.industry.battery import make_cells
    >>> cells = make_cells(6, seed=2, n_cycles=120, fade=(0.002, 0.003))
    >>> eol = EolForecaster().fit([c.capacities() for c in cells[:5]])
    >>> caps = cells[5].capacities()
    >>> f = eol.forecast(caps[:60], threshold=0.8)
    >>> truth = first_crossing(caps, 0.8 * 2.0)
    >>> bool(abs(f.cycle - truth) < 15), bool(f.lower <= f.cycle <= f.upper)
    (True, True)
    """

    def __init__(self, *, thresholds: Sequence[float] = (0.8, 0.7), rated_ah: float = 2.0, alpha: float = 0.1,
                 method: str = "blend", prior: bool = True) -> None:
        self.thresholds = thresholds
        self.method = method
        self.rated_ah = rated_ah
        self.alpha = alpha
        self.prior = prior

    def fit(self, histories: Sequence[np.ndarray]) -> EolForecaster:
        """Learn the fleet's fade rates and the interval from training capacity histories; returns self."""
        if self.method not in ("blend", "trend", "similarity"):
            raise ValueError(f"method must be 'blend', 'trend' or 'similarity', got {self.method!r}")
        hs = [np.asarray(h, dtype=np.float64) for h in histories if np.isfinite(np.asarray(h, float)).sum() >= 3]
        if not hs:
            raise DataError("EolForecaster.fit needs at least one capacity history with 3 or more capacities")
        self.histories_ = hs
        self.rates_ = np.array([_slope(h)[0] for h in hs])
        self.rate_mean_, self.rate_sd_ = self._prior(self.rates_)
        ratios = []
        for j, h in enumerate(hs):
            mean, sd = self._prior(np.delete(self.rates_, j)) if len(hs) > 1 else (self.rate_mean_, self.rate_sd_)
            library = [g for k, g in enumerate(hs) if k != j] or hs
            for thr in self.thresholds:
                truth = first_crossing(h, thr * self.rated_ah)
                if truth is None:
                    continue
                for cut in _CUTS:
                    seen = int(round(cut * len(h)))
                    if seen < 3 or seen >= truth:
                        continue
                    f = self._forecast(h[:seen], thr, mean, sd, library)
                    if np.isfinite(f.cycle) and f.remaining > 0:
                        ratios.append(np.log((truth - seen) / f.remaining))
        self.log_ratios_ = np.array(ratios)
        if len(ratios) >= 2:
            lo, hi = np.quantile(self.log_ratios_, [self.alpha / 2, 1 - self.alpha / 2], method="linear")
            n = len(ratios)
            widen = (n + 1) / n
            self.log_lower_, self.log_upper_ = float(min(0.0, lo * widen)), float(max(0.0, hi * widen))
        else:
            self.log_lower_, self.log_upper_ = float(np.log(0.5)), float(np.log(2.0))
        return self

    def _prior(self, rates: np.ndarray) -> tuple[float, float]:
        r = rates[np.isfinite(rates)]
        if len(r) == 0:
            return float("nan"), float("inf")
        sd = float(np.std(r, ddof=1)) if len(r) > 1 else abs(float(r[0]))
        return float(np.mean(r)), max(sd, 1e-5)

    def _similar(self, level: float, thr_ah: float, library: Sequence[np.ndarray]) -> float:
        """Median cycles the library cells took from ``level`` down to the threshold (NaN if none crosses)."""
        rem = []
        for g in library:
            cross = first_crossing(g, thr_ah)
            if cross is None:
                continue
            at = np.flatnonzero(smooth(g)[: cross - 1] <= level)
            rem.append(cross - (int(at[0]) + 1 if at.size else 1))
        return float(np.median(rem)) if rem else float("nan")

    def _forecast(self, history: np.ndarray, threshold: float, mean: float, sd: float,
                  library: Sequence[np.ndarray]) -> EolForecast:
        h = np.asarray(history, dtype=np.float64)
        thr_ah = threshold * self.rated_ah
        seen = len(h)
        crossed = first_crossing(h, thr_ah)
        rate, se, level = _slope(h)
        if crossed is not None:
            return EolForecast(thr_ah, seen, float(crossed), float(crossed), float(crossed), rate, already=True)
        sim = self._similar(level, thr_ah, library) if self.method != "trend" else float("nan")
        trend = self._trend(seen, rate, se, level, thr_ah, mean, sd) if self.method != "similarity" else float("nan")
        if self.method == "blend" and np.isfinite(sim) and np.isfinite(trend):
            cycle = 0.5 * (sim + seen + trend)
        elif np.isfinite(sim):
            cycle = seen + max(1.0, sim)
        else:
            cycle = trend if self.method != "similarity" else \
                self._trend(seen, rate, se, level, thr_ah, mean, sd)
        if not np.isfinite(cycle):
            return EolForecast(thr_ah, seen, float("inf"), float("inf"), float("inf"), rate)
        cycle = max(cycle, seen + 1.0)
        return EolForecast(thr_ah, seen, cycle, cycle, cycle, rate)

    def _trend(self, seen: int, rate: float, se: float, level: float, thr_ah: float, mean: float,
               sd: float) -> float:
        """Crossing of the (prior-weighted) straight line; inf if it never falls."""
        if self.prior and np.isfinite(mean):
            if np.isfinite(rate):
                w1, w2 = 1.0 / se ** 2, 1.0 / sd ** 2
                rate = (w1 * rate + w2 * mean) / (w1 + w2)
            else:
                rate = mean
        if not np.isfinite(rate) or rate <= 0:
            return float("inf")
        return seen + max(1.0, (level - thr_ah) / rate)

    def forecast(self, history: np.ndarray, threshold: float = 0.8) -> EolForecast:
        """Forecast the crossing of ``threshold`` (a fraction of rated) from the capacities so far."""
        if not hasattr(self, "rates_"):
            raise NotFittedError("this EolForecaster is not fitted yet; call fit(histories) first")
        h = np.asarray(history, dtype=np.float64)
        if np.isfinite(h).sum() < 1:
            raise DataError("a forecast needs at least one capacity in the history")
        f = self._forecast(h, threshold, self.rate_mean_, self.rate_sd_, self.histories_)
        if f.already or not np.isfinite(f.cycle):
            return f
        rem = f.remaining
        return EolForecast(f.threshold_ah, f.seen, f.cycle, f.seen + rem * np.exp(self.log_lower_),
                           f.seen + rem * np.exp(self.log_upper_), f.rate_ah_per_cycle)

    def forecast_all(self, history: np.ndarray) -> list[EolForecast]:
        """One forecast per configured threshold."""
        return [self.forecast(history, t) for t in self.thresholds]
