"""Run rules for Shewhart charts: Western Electric (1956) rules 1-4 and Nelson (1984) rules 1-8.

Every rule reads the standardised series ``z = (x - center) / sigma`` of a Shewhart chart
(individuals or x̄), so the zones are ``|z| < 1`` (C), ``1-2`` (B), ``2-3`` (A) and beyond 3.
A rule is reported as a :class:`Violation` at the point that completes it: the last point of
the run or of the window. A run longer than needed fires at every point after it completes
(a run of 11 points on one side fires Nelson rule 2 at its 9th, 10th and 11th point), as
Minitab marks them.

Conventions, stated once:

* "beyond kσ" is strict (``|z| > k``); a point exactly on the center line (``z == 0``) is on
  neither side and breaks a same-side run; equal neighbours break a trend or an alternation.
* The "k of w on the same side" rules (Nelson 5 and 6, Western Electric 2 and 3) fire only at a
  point that is itself beyond the zone, when at least k of the last w points (fewer at the very
  start of the series) are beyond it on that side.
* Missing points (NaN) are skipped: the rules run on the observed points, so a run continues
  across a gap, and a violation is reported at the original index.

The rules assume independent points around a constant mean. EWMA and CUSUM statistics are
autocorrelated by construction, so for those charts only the "beyond the control limit" rule
applies (see :func:`bessemer.industry.quality._spc.control_chart`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["NELSON_RULES", "WESTERN_ELECTRIC_RULES", "Violation", "apply_rules", "beyond_limits", "nelson",
           "western_electric"]


@dataclass(frozen=True)
class Violation:
    """One rule that fired at one point of a control chart.

    Attributes
    ----------
    index : int
        0-based position in the charted series (subgroup number for an x̄-R chart).
    rule : str
        ``"nelson-1"`` ... ``"nelson-8"``, ``"we-1"`` ... ``"we-4"``, or a limit rule of the
        EWMA, CUSUM, moving-range and range charts (``"ewma-limit"``, ``"cusum-limit"``,
        ``"mr-limit"``, ``"r-limit"``).
    description_en, description_ko : str
        What happened, in English and Korean.
    """

    index: int
    rule: str
    description_en: str
    description_ko: str

    def to_dict(self) -> dict[str, Any]:
        """The violation as a JSON-friendly mapping."""
        return {"index": self.index, "rule": self.rule, "description_en": self.description_en,
                "description_ko": self.description_ko}


_SIDE = {1: ("above", "위"), -1: ("below", "아래")}


def _window_count(mask: np.ndarray, w: int) -> np.ndarray:
    """How many of the last ``w`` entries (fewer at the start) are true, at every position."""
    cs = np.concatenate([[0], np.cumsum(mask, dtype=np.int64)])
    lo = np.maximum(np.arange(1, mask.size + 1) - w, 0)
    return cs[1:] - cs[lo]


def _run_end(mask: np.ndarray, length: int) -> np.ndarray:
    """True where the last ``length`` entries are all true (a full run ends here)."""
    out = _window_count(mask, length) >= length
    out[: length - 1] = False
    return out


def _hits(where: np.ndarray, offset: int = 0) -> list[int]:
    return [int(i) + offset for i in np.flatnonzero(where)]


# Each rule: (z) -> list of (position, description_en, description_ko) on the observed points.
def _beyond(k: float) -> Callable[[np.ndarray], list[tuple[int, str, str]]]:
    def rule(z: np.ndarray) -> list[tuple[int, str, str]]:
        out = []
        for s, (en, ko) in _SIDE.items():
            out += [(i, f"1 point more than {k:g}σ {en} the center line",
                     f"1점이 중심선 {ko}로 {k:g}σ를 넘음") for i in _hits(s * z > k)]
        return out
    return rule


def _same_side(n: int) -> Callable[[np.ndarray], list[tuple[int, str, str]]]:
    def rule(z: np.ndarray) -> list[tuple[int, str, str]]:
        out = []
        for s, (en, ko) in _SIDE.items():
            out += [(i, f"{n} points in a row {en} the center line", f"연속 {n}점이 중심선 {ko}쪽에 있음")
                    for i in _hits(_run_end(s * z > 0, n))]
        return out
    return rule


def _k_of_w(k: int, w: int, zone: float) -> Callable[[np.ndarray], list[tuple[int, str, str]]]:
    def rule(z: np.ndarray) -> list[tuple[int, str, str]]:
        out = []
        for s, (en, ko) in _SIDE.items():
            beyond = s * z > zone
            fire = beyond & (_window_count(beyond, w) >= k)
            out += [(i, f"{k} of {w} points more than {zone:g}σ {en} the center line",
                     f"연속 {w}점 중 {k}점이 중심선 {ko}로 {zone:g}σ를 넘음") for i in _hits(fire)]
        return out
    return rule


def _trend(n: int) -> Callable[[np.ndarray], list[tuple[int, str, str]]]:
    def rule(z: np.ndarray) -> list[tuple[int, str, str]]:
        d = np.diff(z)
        out = []
        for s, en, ko in ((1, "increasing", "증가"), (-1, "decreasing", "감소")):
            out += [(i, f"{n} points in a row steadily {en}", f"연속 {n}점이 계속 {ko}")
                    for i in _hits(_run_end(s * d > 0, n - 1), offset=1)]
        return out
    return rule


def _alternating(n: int) -> Callable[[np.ndarray], list[tuple[int, str, str]]]:
    def rule(z: np.ndarray) -> list[tuple[int, str, str]]:
        d = np.diff(z)
        flips = d[:-1] * d[1:] < 0  # point j+2 turns the direction of point j+1
        return [(i, f"{n} points in a row alternating up and down", f"연속 {n}점이 번갈아 오르내림")
                for i in _hits(_run_end(flips, n - 2), offset=2)]
    return rule


def _hugging(n: int) -> Callable[[np.ndarray], list[tuple[int, str, str]]]:
    def rule(z: np.ndarray) -> list[tuple[int, str, str]]:
        return [(i, f"{n} points in a row within 1σ of the center line (too little variation)",
                 f"연속 {n}점이 중심선 ±1σ 안에 있음 (변동이 너무 작음)") for i in _hits(_run_end(np.abs(z) < 1, n))]
    return rule


def _mixture(n: int) -> Callable[[np.ndarray], list[tuple[int, str, str]]]:
    def rule(z: np.ndarray) -> list[tuple[int, str, str]]:
        run = _run_end(np.abs(z) > 1, n)
        both = (_window_count(z > 0, n) > 0) & (_window_count(z < 0, n) > 0)
        return [(i, f"{n} points in a row more than 1σ from the center line, on both sides",
                 f"연속 {n}점이 중심선 양쪽으로 ±1σ 밖에 있음") for i in _hits(run & both)]
    return rule


NELSON_RULES: dict[str, Callable[[np.ndarray], list[tuple[int, str, str]]]] = {
    "nelson-1": _beyond(3), "nelson-2": _same_side(9), "nelson-3": _trend(6), "nelson-4": _alternating(14),
    "nelson-5": _k_of_w(2, 3, 2), "nelson-6": _k_of_w(4, 5, 1), "nelson-7": _hugging(15), "nelson-8": _mixture(8),
}
"""Nelson's eight tests, by rule name."""

WESTERN_ELECTRIC_RULES: dict[str, Callable[[np.ndarray], list[tuple[int, str, str]]]] = {
    "we-1": _beyond(3), "we-2": _k_of_w(2, 3, 2), "we-3": _k_of_w(4, 5, 1), "we-4": _same_side(8),
}
"""The Western Electric Handbook's four zone rules, by rule name."""

_ALL_RULES = {**NELSON_RULES, **WESTERN_ELECTRIC_RULES}


def apply_rules(z: Any, names: Any) -> list[Violation]:
    """Run the named rules on a standardised series; violations sorted by index, then rule.

    Examples
    --------
    >>> [v.rule for v in apply_rules([0.1, 3.5, -0.2], ["nelson-1", "we-4"])]
    ['nelson-1']
    """
    z = np.asarray(z, dtype=float)
    if z.ndim != 1:
        raise ValueError(f"the standardised series must be 1-D, got shape {z.shape}")
    unknown = [n for n in names if n not in _ALL_RULES]
    if unknown:
        raise ValueError(f"unknown rule(s) {unknown}; known rules: {sorted(_ALL_RULES)}")
    observed = np.flatnonzero(~np.isnan(z))
    zo = z[observed]
    out = [Violation(int(observed[i]), name, en, ko) for name in names for i, en, ko in _ALL_RULES[name](zo)]
    order = {name: k for k, name in enumerate(_ALL_RULES)}
    return sorted(out, key=lambda v: (v.index, order[v.rule]))


def beyond_limits(stat: Any, lcl: Any, ucl: Any, rule: str, what_en: str, what_ko: str) -> list[Violation]:
    """The one rule of EWMA, moving-range and range charts: a point beyond a control limit.

    Examples
    --------
    >>> [(v.index, v.description_en) for v in beyond_limits([0.5, 2.0, -3.0], -1, 1, "ewma-limit", "EWMA", "EWMA")]
    [(1, 'EWMA above its upper control limit'), (2, 'EWMA below its lower control limit')]
    """
    stat = np.asarray(stat, dtype=float)
    with np.errstate(invalid="ignore"):
        hi, lo = stat > ucl, stat < lcl
    out = [Violation(int(i), rule, f"{what_en} above its upper control limit", f"{what_ko}가 관리상한을 넘음")
           for i in np.flatnonzero(hi)]
    out += [Violation(int(i), rule, f"{what_en} below its lower control limit", f"{what_ko}가 관리하한 아래")
            for i in np.flatnonzero(lo)]
    return sorted(out, key=lambda v: v.index)


def nelson(z: Any) -> list[Violation]:
    """Nelson's eight rules on a standardised series ``z = (x - center) / sigma``.

    1. one point beyond 3σ; 2. nine in a row on one side of the center line; 3. six in a row
    steadily increasing or decreasing; 4. fourteen in a row alternating up and down; 5. two of
    three beyond 2σ on one side; 6. four of five beyond 1σ on one side; 7. fifteen in a row
    within 1σ; 8. eight in a row beyond 1σ with points on both sides.

    Parameters
    ----------
    z : array-like of float, 1-D
        The standardised chart statistic; NaN marks a missing point (skipped).

    Returns
    -------
    list of Violation
        One per rule and point where the rule completes, sorted by index then rule.

    Examples
    --------
    >>> z = [0.5] * 8 + [0.4]
    >>> [(v.index, v.rule) for v in nelson(z)]
    [(8, 'nelson-2')]
    >>> nelson([2.5, 0.0, 2.1])[0].description_en
    '2 of 3 points more than 2σ above the center line'
    """
    return apply_rules(z, list(NELSON_RULES))


def western_electric(z: Any) -> list[Violation]:
    """The Western Electric rules on a standardised series ``z = (x - center) / sigma``.

    1. one point beyond 3σ; 2. two of three beyond 2σ on one side; 3. four of five beyond 1σ on
    one side; 4. eight in a row on one side of the center line.

    Parameters
    ----------
    z : array-like of float, 1-D
        The standardised chart statistic; NaN marks a missing point (skipped).

    Returns
    -------
    list of Violation
        One per rule and point where the rule completes, sorted by index then rule.

    Examples
    --------
    >>> [(v.index, v.rule) for v in western_electric([-3.2, 0.1])]
    [(0, 'we-1')]
    >>> western_electric([-3.2])[0].description_ko
    '1점이 중심선 아래로 3σ를 넘음'
    """
    return apply_rules(z, list(WESTERN_ELECTRIC_RULES))
