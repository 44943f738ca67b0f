"""Derived features for the tabular defect sets (steel plates, AI4I, SECOM).

Each function takes the frame a loader returns and gives a frame with the same rows, the
original signals and a few derived ones (the meta columns are carried along). The plate and
AI4I features are fixed formulas of one row; the SECOM column filter is **learnt** from the
training frame only (:class:`ColumnFilter`) and then applied unchanged to new lots.

Derived AI4I signals (physics of the milling process, as in the data set's failure rules):
``power_w = torque × rotational_speed × 2π / 60`` (W), ``temperature_difference = process −
air`` (K), ``wear_torque = tool_wear_min × torque`` (the overstrain load, "1") and, when the
product variant ``type_quality`` is there, ``overstrain_ratio = wear_torque / limit`` with the
variant's overstrain limit from the data set's description (11,000 / 12,000 / 13,000 min·N·m for
L / M / H).

Derived plate signals: box width and height, ``aspect`` (width / height), ``fill`` (pixels /
box area), ``mean_luminosity`` (sum / pixels), ``luminosity_range`` (max − min),
``perimeter_ratio`` (X / Y perimeter), ``log_perimeter`` and ``compactness`` (perimeter² / area).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from bessemer.core import Frame, SchemaError


def _add(frame: Frame, new: Mapping[str, tuple[np.ndarray, str]], need: tuple[str, ...], what: str) -> Frame:
    missing = [s for s in need if s not in frame.signals]
    if missing:
        raise SchemaError(f"{what} features need the signal(s) {missing}; the frame has {frame.signals[:12]}... "
                          "read the file with the matching bessemer.datasets loader", file=frame.source)
    df = frame.to_pandas()
    units = frame.units
    cols = {}
    for name, (vals, unit) in new.items():
        cols[name] = np.where(np.isfinite(vals), vals, np.nan)
        units[name] = unit
    signals = [*frame.signals, *[n for n in new if n not in frame.signals]]
    df = pd.concat([df.drop(columns=[c for c in new if c in df.columns]), pd.DataFrame(cols, index=df.index)],
                   axis=1)
    return Frame(df[["asset", "time", *signals, *frame.meta]], units=units, meta=frame.meta,
                 time_kind=frame.time_kind, source=frame.source)


def ai4i_features(frame: Frame) -> Frame:
    """Add power, temperature difference and wear × torque to an AI4I frame.

    Examples
    --------
    >>> f = Frame(pd.DataFrame({"asset": ["p1"], "time": [1], "air_temperature": [300.0],
    ...                         "process_temperature": [310.0], "rotational_speed": [1500.0], "torque": [40.0],
    ...                         "tool_wear_min": [100.0]}))
    >>> g = ai4i_features(f)
    >>> round(float(g.column("power_w")[0])), float(g.column("temperature_difference")[0]), g.units["power_w"]
    (6283, 10.0, 'W')
    """
    v = {s: frame.column(s).astype(np.float64) for s in frame.signals}
    need = ("air_temperature", "process_temperature", "rotational_speed", "torque", "tool_wear_min")
    if not all(s in v for s in need):
        return _add(frame, {}, need, "AI4I")
    new = {
        "power_w": (v["torque"] * v["rotational_speed"] * 2 * np.pi / 60, "W"),
        "temperature_difference": (v["process_temperature"] - v["air_temperature"], "K"),
        "wear_torque": (v["tool_wear_min"] * v["torque"], "1"),
    }
    if "type_quality" in v:
        new["overstrain_ratio"] = (new["wear_torque"][0] / (11000.0 + 1000.0 * v["type_quality"]), "1")
    return _add(frame, new, need, "AI4I")


def plates_features(frame: Frame) -> Frame:
    """Add box shape, fill, luminosity and perimeter ratios to a steel plates frame.

    Examples
    --------
    >>> f = Frame(pd.DataFrame({"asset": ["p1"], "time": [1], "X_Minimum": [10.0], "X_Maximum": [19.0],
    ...     "Y_Minimum": [100.0], "Y_Maximum": [104.0], "Pixels_Areas": [40.0], "X_Perimeter": [10.0],
    ...     "Y_Perimeter": [5.0], "Sum_of_Luminosity": [4000.0], "Minimum_of_Luminosity": [80.0],
    ...     "Maximum_of_Luminosity": [120.0]}))
    >>> g = plates_features(f)
    >>> float(g.column("aspect")[0]), float(g.column("fill")[0]), float(g.column("mean_luminosity")[0])
    (2.0, 0.8, 100.0)
    """
    v = {s: frame.column(s).astype(np.float64) for s in frame.signals}
    need = ("X_Minimum", "X_Maximum", "Y_Minimum", "Y_Maximum", "Pixels_Areas", "X_Perimeter", "Y_Perimeter",
            "Sum_of_Luminosity", "Minimum_of_Luminosity", "Maximum_of_Luminosity")
    if not all(s in v for s in need):
        return _add(frame, {}, need, "steel plates")
    with np.errstate(divide="ignore", invalid="ignore"):
        width = v["X_Maximum"] - v["X_Minimum"] + 1
        height = v["Y_Maximum"] - v["Y_Minimum"] + 1
        area = v["Pixels_Areas"]
        perimeter = v["X_Perimeter"] + v["Y_Perimeter"]
        new = {
            "box_width": (width, "count"),
            "box_height": (height, "count"),
            "aspect": (width / height, "1"),
            "fill": (area / (width * height), "1"),
            "mean_luminosity": (v["Sum_of_Luminosity"] / area, "1"),
            "luminosity_range": (v["Maximum_of_Luminosity"] - v["Minimum_of_Luminosity"], "1"),
            "perimeter_ratio": (v["X_Perimeter"] / v["Y_Perimeter"], "1"),
            "log_perimeter": (np.log10(perimeter), "1"),
            "compactness": (perimeter**2 / area, "1"),
        }
    return _add(frame, new, need, "steel plates")


class ColumnFilter:
    """Drop signals that are mostly missing or constant in the training frame; add a missing count.

    Learnt in :meth:`fit` from the training frame only; :meth:`transform` keeps the same signals
    on any frame (a kept signal that a new frame lacks is an error naming it) and adds
    ``n_missing``, the number of kept readings missing in the row.

    Parameters
    ----------
    max_missing : float
        A signal missing in more than this share of training rows is dropped.
    min_unique : int
        A signal with fewer distinct non-missing training values is dropped (2 drops constants).

    Examples
    --------
    >>> df = pd.DataFrame({"asset": list("abcd"), "time": 1, "s1": [1.0, 2, 3, 4], "s2": [5.0, 5, 5, 5],
    ...                    "s3": [np.nan, np.nan, np.nan, 1.0]})
    >>> flt = ColumnFilter().fit(Frame(df))
    >>> flt.kept_, flt.dropped_
    (['s1'], {'s2': 'constant', 's3': 'missing in 75% of rows'})
    >>> flt.transform(Frame(df)).signals
    ['s1', 'n_missing']
    """

    def __init__(self, *, max_missing: float = 0.5, min_unique: int = 2) -> None:
        self.max_missing = max_missing
        self.min_unique = min_unique

    def fit(self, frame: Frame) -> ColumnFilter:
        """Learn which signals to keep."""
        X = frame.values()
        miss = np.isnan(X).mean(axis=0) if len(X) else np.zeros(X.shape[1])
        self.kept_: list[str] = []
        self.dropped_: dict[str, str] = {}
        for j, s in enumerate(frame.signals):
            col = X[:, j][~np.isnan(X[:, j])]
            if miss[j] > self.max_missing:
                self.dropped_[s] = f"missing in {miss[j]:.0%} of rows"
            elif len(np.unique(col)) < self.min_unique:
                self.dropped_[s] = "constant"
            else:
                self.kept_.append(s)
        if not self.kept_:
            raise SchemaError("every signal is mostly missing or constant in the training frame; nothing to learn "
                              f"from (max_missing={self.max_missing})", file=frame.source)
        return self

    def transform(self, frame: Frame) -> Frame:
        """The kept signals and ``n_missing``; meta columns carried."""
        if not hasattr(self, "kept_"):
            raise ValueError("this ColumnFilter is not fitted yet; call fit(training_frame) first")
        sel = frame.select(self.kept_)
        n_missing = np.isnan(sel.values()).sum(axis=1).astype(np.float64)
        return _add(sel, {"n_missing": (n_missing, "count")}, (), "column filter")
