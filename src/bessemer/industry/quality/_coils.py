"""Generated hot-strip-mill coil records with defects, for tests and the demo.

:func:`make_coils` simulates one row per coil as it is coiled at the end of a hot strip mill
(asset = coil id such as ``"C26-000123"``, time = coiling time, a coil every two to five
minutes). Each coil has the process and chemistry values a quality engineer would pull for it
(:data:`SIGNALS`: reheating, descaling, rolling and coiling temperatures, gauge and width,
mill power, work-roll campaign, laminar-cooling flow, carbon, manganese and sulphur) and a
meta column ``defect`` with the defect found at inspection:

* ``"scale"`` (rolled-in scale): more likely when the slab was reheated hot and long, and much
  more when the descaler pressure is low as well (the scale grows and is not blown off);
* ``"edge_crack"``: more likely with high sulphur (hot shortness) and a low finishing
  temperature (cold edges), most when both come together;
* ``"surface_scratch"``: more likely late in a work-roll campaign (worn, banded rolls);
* ``"none"`` otherwise, about 85 % of coils.

The defect is *drawn* from these probabilities (a softmax over the class scores), so two coils
with the same values may differ: the mechanism is learnable, not a rule. Meta ``grade`` names the
steel grade, which sets the chemistry and the coiling-temperature target.

In the last ``drift_fraction`` of the coils the descaler pressure sags slowly (nozzle wear), by
``drift_mpa`` at the end: a control chart of it finds the drift, and scale defects become more
frequent there. Everything is deterministic for a seed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from bessemer.core import DataError, Frame

#: signal -> (unit, English name, Korean name)
SIGNALS: dict[str, tuple[str, str, str]] = {
    "reheat_temp": ("degC", "slab reheat temperature", "슬래브 가열 온도"),
    "furnace_time": ("h", "time in furnace", "재로 시간"),
    "descaler_pressure": ("MPa", "descaler pressure", "디스케일러 압력"),
    "roughing_temp": ("degC", "roughing exit temperature", "조압연 출측 온도"),
    "finishing_temp": ("degC", "finishing temperature", "사상압연 출측 온도"),
    "coiling_temp": ("degC", "coiling temperature", "권취 온도"),
    "thickness": ("mm", "strip thickness", "판 두께"),
    "width": ("mm", "strip width", "판 폭"),
    "finishing_power": ("MW", "finishing mill power", "사상압연기 전력"),
    "roll_campaign": ("count", "coils since work-roll change", "작업롤 교체 후 압연 코일 수"),
    "cooling_flow": ("m3/h", "laminar cooling water flow", "층류 냉각수 유량"),
    "carbon": ("%", "carbon", "탄소 함량"),
    "manganese": ("%", "manganese", "망간 함량"),
    "sulphur": ("%", "sulphur", "황 함량"),
}
#: defect classes of the generated coils, "none" first
DEFECTS: tuple[str, ...] = ("none", "scale", "edge_crack", "surface_scratch")
#: defect -> (English, Korean)
DEFECT_NAMES: dict[str, tuple[str, str]] = {
    "none": ("no defect", "결함 없음"),
    "scale": ("scale", "스케일"),
    "edge_crack": ("edge crack", "에지 크랙"),
    "surface_scratch": ("surface scratch", "표면 긁힘"),
}
# grade -> share, carbon %, manganese %, coiling-temperature target degC
_GRADES: dict[str, tuple[float, float, float, float]] = {
    "SPHC": (0.40, 0.05, 0.25, 640.0),
    "SS400": (0.35, 0.15, 0.60, 620.0),
    "SM490": (0.15, 0.17, 1.35, 590.0),
    "API-X65": (0.10, 0.07, 1.45, 560.0),
}
_NOMINAL_DESCALER = 20.0  # MPa, healthy header pressure


def make_coils(n: int = 400, *, seed: int = 0, start: Any = "2026-03-02T06:00:00Z", end: Any = None,
               drift_fraction: float = 0.2, drift_mpa: float = 2.0, line: str = "C26") -> Frame:
    """Generate ``n`` hot-rolled coils with process values and the defect found on each.

    Parameters
    ----------
    n : int
        Coils to generate (at least 20).
    seed : int
        Random seed: the same seed gives the same frame.
    start : str or Timestamp
        Coiling time of the first coil (UTC unless it carries a zone).
    end : str or Timestamp, optional
        Coiling time of the last coil instead (the whole record is shifted to end there, e.g. now).
    drift_fraction : float
        Share of the coils, at the end, over which the descaler pressure sags (0 for none).
    drift_mpa : float
        How far the descaler pressure has sagged by the last coil, in MPa.
    line : str
        Prefix of the coil ids (``"C26"`` gives ``"C26-000001"``, ...).

    Returns
    -------
    Frame
        One row per coil keyed by (coil id, coiling time) with the :data:`SIGNALS` in their
        units, and meta columns ``defect`` (one of :data:`DEFECTS`) and ``grade``.

    Examples
    --------
    >>> f = make_coils(200, seed=1)
    >>> len(f), f.assets[0], f.units["descaler_pressure"], f.units["finishing_temp"]
    (200, 'C26-000001', 'MPa', 'degC')
    >>> sorted(set(f.column("defect"))) == sorted(DEFECTS)
    True
    >>> make_coils(50, seed=2).fingerprint() == make_coils(50, seed=2).fingerprint()
    True
    >>> str(make_coils(50, end="2026-04-01 09:00:00+09:00").column("time")[-1])
    '2026-04-01 00:00:00+00:00'
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 20:
        raise DataError(f"n must be a whole number of coils, at least 20; got {n!r}", column="n")
    if not 0.0 <= float(drift_fraction) < 1.0:
        raise DataError(f"drift_fraction must be in [0, 1); got {drift_fraction!r}", column="drift_fraction")
    if not isinstance(line, str) or not line.isalnum() or len(line) > 8:
        raise DataError(f"line must be a short alphanumeric prefix such as 'C26'; got {line!r}", column="line")
    n = int(n)
    rng = np.random.default_rng(seed)
    t0 = pd.Timestamp(start)
    t0 = t0.tz_localize("UTC") if t0.tzinfo is None else t0.tz_convert("UTC")
    gaps = rng.uniform(120.0, 300.0, n)  # seconds between coils
    gaps[0] = 0.0
    times = t0 + pd.to_timedelta(np.round(np.cumsum(gaps)), unit="s")
    if end is not None:
        t1 = pd.Timestamp(end)
        t1 = (t1.tz_localize("UTC") if t1.tzinfo is None else t1.tz_convert("UTC")).floor("s")
        times = times + (t1 - times[-1])

    names = list(_GRADES)
    share = np.array([_GRADES[g][0] for g in names])
    # grades come in campaigns of a few coils, as a rolling schedule does
    grade = np.empty(n, dtype=object)
    i = 0
    while i < n:
        k = int(rng.integers(4, 15))
        grade[i:i + k] = names[int(rng.choice(len(names), p=share / share.sum()))]
        i += k
    c_aim = np.array([_GRADES[g][1] for g in grade])
    mn_aim = np.array([_GRADES[g][2] for g in grade])
    ct_aim = np.array([_GRADES[g][3] for g in grade])

    carbon = np.clip(c_aim + rng.normal(0, 0.008, n), 0.02, None)
    manganese = np.clip(mn_aim + rng.normal(0, 0.04, n), 0.1, None)
    sulphur = np.clip(rng.lognormal(np.log(0.008), 0.45, n), 0.002, 0.04)

    thickness = np.round(np.exp(rng.uniform(np.log(1.6), np.log(12.0), n)), 2)
    width = np.round(rng.uniform(900.0, 1650.0, n) / 5) * 5
    furnace_time = np.clip(rng.normal(3.0, 0.35, n), 2.0, 4.5)
    reheat = 1235.0 + 12.0 * (furnace_time - 3.0) + rng.normal(0, 14.0, n)
    # descaler header pressure: healthy around 20 MPa, with pump dips, and a sag at the end
    descaler = _NOMINAL_DESCALER + rng.normal(0, 0.55, n)
    dips = rng.random(n) < 0.04
    descaler[dips] -= rng.uniform(1.0, 2.5, int(dips.sum()))
    n_drift = int(round(drift_fraction * n))
    if n_drift:
        descaler[n - n_drift:] -= float(drift_mpa) * np.linspace(0.0, 1.0, n_drift)
    roughing = reheat - 150.0 + rng.normal(0, 8.0, n)
    finishing = 880.0 + 0.35 * (roughing - 1085.0) + 4.0 * (thickness - 4.0) + rng.normal(0, 10.0, n)
    coiling = ct_aim + rng.normal(0, 9.0, n)
    cooling = 2400.0 + 1.6 * (finishing - coiling - 260.0) * width / 1250.0 + rng.normal(0, 60.0, n)
    power = 18.0 + 30.0 / thickness + 0.006 * (width - 1250.0) + 4.0 * (manganese - 0.6) + rng.normal(0, 1.0, n)
    campaign = np.zeros(n)
    c, life = 0, int(rng.integers(100, 160))
    for j in range(n):
        campaign[j] = c
        c += 1
        if c >= life:
            c, life = 0, int(rng.integers(100, 160))

    # the defect mechanism (class scores against "none"), then a draw from its softmax
    z_hot = (reheat - 1235.0) / 14.0 + 0.5 * (furnace_time - 3.0) / 0.35
    z_low_p = (_NOMINAL_DESCALER - descaler) / 0.8
    z_s = (sulphur - 0.009) / 0.004
    z_cold = (875.0 - finishing) / 12.0
    z_roll = (campaign - 75.0) / 30.0
    relu = np.maximum
    score = np.column_stack([
        np.zeros(n),
        -6.0 + 1.6 * z_hot + 2.2 * z_low_p + 0.8 * relu(z_hot, 0) * relu(z_low_p, 0),
        -6.0 + 2.0 * z_s + 1.8 * z_cold + 0.8 * relu(z_s, 0) * relu(z_cold, 0),
        -6.2 + 3.2 * z_roll,
    ])
    p = np.exp(score - score.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    u = rng.random(n)[:, None]
    drawn = (p.cumsum(axis=1) < u).sum(axis=1)
    defect = np.asarray(DEFECTS, dtype=object)[np.minimum(drawn, len(DEFECTS) - 1)]

    yy = f"{line}-" if line else ""
    df = pd.DataFrame({
        "asset": [f"{yy}{j + 1:06d}" for j in range(n)],
        "time": times,
        "reheat_temp": np.round(reheat, 1),
        "furnace_time": np.round(furnace_time, 2),
        "descaler_pressure": np.round(descaler, 2),
        "roughing_temp": np.round(roughing, 1),
        "finishing_temp": np.round(finishing, 1),
        "coiling_temp": np.round(coiling, 1),
        "thickness": thickness,
        "width": width,
        "finishing_power": np.round(power, 2),
        "roll_campaign": campaign,
        "cooling_flow": np.round(cooling, 0),
        "carbon": np.round(carbon, 4),
        "manganese": np.round(manganese, 3),
        "sulphur": np.round(sulphur, 4),
        "defect": defect,
        "grade": grade,
    })
    return Frame(df, units={s: u for s, (u, _, _) in SIGNALS.items()}, time_kind="timestamp",
                 meta=["defect", "grade"], source="make_coils")
