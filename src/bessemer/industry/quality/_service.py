"""The quality service behind the dashboard: defect risk per coil with reasons, image verdicts, SPC charts.

:meth:`QualityService.build` does the work once:

1. **Defect risk.** The coils are split in time: a
   :class:`~bessemer.industry.quality._defects.DefectClassifier` is fitted on the older coils
   (``1 - score_fraction`` of them) and scores the newest ones, which it never saw. A coil's
   *risk* is the probability that it has any defect (``1 - p_none``); the accuracy and macro F1
   shown are measured on those newest coils against their inspection results, beside the
   accuracy of always answering "no defect". Reasons are the classifier's SHAP explanations
   toward the predicted class.
2. **Surface images.** A :class:`~bessemer.industry.quality._surface.SurfaceClassifier` is fitted
   on generated surface images (:func:`~bessemer.industry.quality._surface_synthetic.make_surface_images`),
   its confusion matrix measured on another, held-out set (other seed), and a third set plays
   today's inspected images; a verdict below ``min_confidence`` is flagged for a person.
3. **SPC.** Each key variable is charted over all coils with
   :func:`~bessemer.industry.quality._spc.control_chart`; center and limits come from the
   training coils only (Phase I), and the newest coils are judged against them (Phase II).

The reading methods are the dashboard's contract
(:class:`bessemer.industry.quality._api.QualityServiceProtocol`) and return JSON-friendly values;
the service is read-only after it is built, so it is safe to share between server threads.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from bessemer.core import DataError, Frame, NotFoundError

from ._coils import SIGNALS

#: (variable, chart kind, rules) charted by default
SPC_CHARTS: tuple[tuple[str, str, str], ...] = (
    ("descaler_pressure", "individuals", "nelson"),
    ("finishing_temp", "ewma", "nelson"),
    ("reheat_temp", "individuals", "western_electric"),
)
#: DefectClassifier settings of the service: fast enough for the demo on one core
DEFECT_PARAMS: dict[str, Any] = {"n_estimators": 200, "learning_rate": 0.05, "num_leaves": 15, "folds": 4}
_MAX_LIMIT = 500


def _iso(t: Any) -> str:
    ts = pd.Timestamp(t)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def _num(v: Any, digits: int = 6) -> float | None:
    f = float(v)
    return round(f, digits) if np.isfinite(f) else None


def _png(image: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image, dtype=np.uint8)).save(buf, format="PNG", optimize=True)
    return buf.getvalue()


class QualityService:
    """Defect risk per coil with reasons, surface-image verdicts and SPC charts of a line.

    Build it with :meth:`build`; see the module docstring for what is measured on what.

    Examples
    --------
    >>> from bessemer.industry.quality._coils import make_coils
    >>> svc = QualityService.build(make_coils(240, seed=3), surface_per_class=6, surface_held_out=3,
    ...                            surface_today=1, image_size=64, defect_params={"n_estimators": 40, "folds": 3})
    >>> o = svc.overview()
    >>> o["coils"]["n"], o["defect_model"]["n_train"], o["surface"]["n"]
    (60, 180, 6)
    >>> top = svc.coils(limit=3)["data"]
    >>> top[0]["risk"] >= top[-1]["risk"], len(top[0]["reasons"])
    (True, 3)
    """

    def __init__(self, *, line: dict[str, str], coils: dict[str, dict[str, Any]], model: dict[str, Any],
                 importance: list[dict[str, Any]], threshold: float, surfaces: dict[str, Any],
                 pngs: dict[str, bytes], spc: list[dict[str, Any]], updated: str) -> None:
        self._line = dict(line)
        self._coils = coils
        self._model = model
        self._importance = importance
        self._threshold = float(threshold)
        self._surfaces = surfaces
        self._pngs = pngs
        self._spc = spc
        self._updated = updated

    # ------------------------------------------------------------------ building
    @classmethod
    def build(cls, coils: Frame, *, label: str = "defect", negative: str = "none", score_fraction: float = 0.25,
              risk_threshold: float = 0.5, defect_params: Mapping[str, Any] | None = None,
              surface_per_class: int = 20, surface_held_out: int = 10, surface_today: int = 4,
              image_size: int = 200, min_confidence: float = 0.6,
              spc_charts: Sequence[tuple[str, str, str]] = SPC_CHARTS,
              labels: Mapping[str, tuple[str, str, str]] | None = None, name_en: str = "Hot strip mill 1",
              name_ko: str = "열연 1라인", seed: int = 0,
              progress: Callable[[str, float], None] | None = None) -> QualityService:
        """Train on the older coils, score the newest, train the image classifier, chart the key variables.

        Parameters
        ----------
        coils : Frame
            One row per coil (asset = coil id, time = coiling time), the inspection result in the
            meta column ``label``; e.g. :func:`~bessemer.industry.quality._coils.make_coils`.
        negative : str
            The class meaning "no defect"; risk is one minus its probability.
        score_fraction : float
            Share of the newest coils that are scored (and measured); the rest train the model.
        risk_threshold : float
            Risk from which a coil counts as high risk.
        defect_params : mapping, optional
            DefectClassifier settings (default :data:`DEFECT_PARAMS`).
        surface_per_class, surface_held_out, surface_today : int
            Generated images per class to train on, to measure on, and to show as today's batch.
        image_size : int
            Side of the generated images in pixels.
        min_confidence : float
            Image verdicts below this confidence are flagged for a person.
        spc_charts : sequence of (variable, kind, rules)
            The control charts.
        labels : mapping, optional
            Signal -> (unit, English name, Korean name); default the coil signals of ``make_coils``.
        progress : callable, optional
            Called with (stage, fraction) as the build goes.
        """
        from ._defects import DefectClassifier

        say = progress or (lambda stage, frac: None)
        table, y = _coil_table(coils, label)
        if not 0.0 < float(score_fraction) < 1.0:
            raise DataError(f"score_fraction must be in (0, 1), got {score_fraction!r}", column="score_fraction")
        n_test = max(1, int(round(len(table) * float(score_fraction))))
        n_train = len(table) - n_test
        names = dict(labels) if labels is not None else dict(SIGNALS)
        units = coils.units
        meta = {s: (units[s], *(names.get(s, (units[s], s, s))[1:])) for s in coils.signals}
        train = _frame(table.iloc[:n_train], coils)
        test = _frame(table.iloc[n_train:], coils)

        say("quality: training the defect model on the older coils", 0.1)
        model = DefectClassifier(**{**DEFECT_PARAMS, **dict(defect_params or {}), "seed": seed}).fit(train,
                                                                                                     y[:n_train])
        if negative not in model.classes_:
            raise DataError(f"no class {negative!r} (no defect) among the labels {model.classes_}; pass negative=",
                            file=coils.source, column=label)
        say("quality: scoring the newest coils", 0.35)
        pred = model.predict(test)
        why = model.explain(test, top=5)
        scored = _scored(table.iloc[n_train:], pred, why, y[n_train:], model.classes_, negative, meta)
        model_info = _metrics(pred["defect"].to_numpy(dtype=str), y[n_train:].astype(str), model.classes_, negative)
        model_info.update(n_train=n_train, n_test=n_test, classes=list(model.classes_))
        importance = [{"feature": f, "label_en": meta[f][1], "label_ko": meta[f][2], "importance": _num(v)}
                      for f, v in model.importance()[["feature", "importance"]].itertuples(index=False)]

        say("quality: training the surface-image classifier", 0.5)
        surfaces, pngs = _surfaces(per_class=surface_per_class, held_out=surface_held_out, today=surface_today,
                                   size=image_size, min_confidence=min_confidence, seed=seed)
        say("quality: control charts", 0.9)
        times = pd.DatetimeIndex(table["time"])
        spc = [_chart(table, v, kind, rules, n_train, times, meta) for v, kind, rules in spc_charts]
        threshold = float(risk_threshold)
        say("quality: ready", 1.0)
        return cls(line={"name_en": name_en, "name_ko": name_ko}, coils=scored, model=model_info,
                   importance=importance, threshold=threshold, surfaces=surfaces, pngs=pngs, spc=spc,
                   updated=_iso(times[-1]))

    # ------------------------------------------------------------------ reading
    def overview(self) -> dict[str, Any]:
        """Header figures: coils at risk, the models' held-out accuracy, flagged images, SPC violations."""
        coils = list(self._coils.values())
        s = self._surfaces
        return {
            "line": dict(self._line),
            "coils": {"n": len(coils), "high_risk": sum(c["risk"] >= self._threshold for c in coils),
                      "threshold": self._threshold, "start": coils[0]["time"], "end": coils[-1]["time"]},
            "defect_model": dict(self._model),
            "surface": {"n": s["count"], "flagged": sum(d["flagged"] for d in s["data"]),
                        "held_out_accuracy": s["confusion"]["accuracy"], "n_held_out": s["confusion"]["n"],
                        "min_confidence": s["min_confidence"]},
            "spc": {"charts": len(self._spc),
                    "violations": sum(len({v["index"] for v in ch["violations"]}) for ch in self._spc)},
            "updated": self._updated,
        }

    def coils(self, limit: int = 50) -> dict[str, Any]:
        """The ``limit`` riskiest scored coils, highest risk first, with their top three reasons."""
        if isinstance(limit, bool) or not isinstance(limit, int | np.integer) or not 1 <= limit <= _MAX_LIMIT:
            raise DataError(f"limit must be a whole number in [1, {_MAX_LIMIT}], got {limit!r}", column="limit")
        rows = sorted(self._coils.values(), key=lambda c: (-c["risk"], c["coil"]))[: int(limit)]
        keys = ("coil", "time", "grade", "risk", "predicted", "probability", "actual")
        data = [{**{k: c[k] for k in keys}, "reasons": [dict(r) for r in c["reasons"][:3]]} for c in rows]
        return {"data": data, "count": len(data), "total": len(self._coils), "threshold": self._threshold}

    def coil(self, coil_id: str) -> dict[str, Any]:
        """One scored coil: every class probability, the top five reasons and its process values."""
        c = self._coils.get(coil_id) if isinstance(coil_id, str) else None
        if c is None:
            ids = list(self._coils)
            raise NotFoundError(f"no scored coil {str(coil_id)[:40]!r}; the scored coils run from {ids[0]} to "
                                f"{ids[-1]} (GET /api/quality/coils lists them)")
        out = {k: v for k, v in c.items() if k not in ("reasons", "signals", "probabilities")}
        out["probabilities"] = [dict(p) for p in c["probabilities"]]
        out["reasons"] = [dict(r) for r in c["reasons"]]
        out["signals"] = [dict(s) for s in c["signals"]]
        return out

    def importance(self) -> list[dict[str, Any]]:
        """Global importance of the process values (mean absolute SHAP), highest first."""
        return [dict(r) for r in self._importance]

    def surfaces(self) -> dict[str, Any]:
        """Today's image verdicts and the held-out confusion matrix."""
        s = self._surfaces
        return {**s, "data": [dict(d) for d in s["data"]],
                "confusion": {**s["confusion"], "matrix": [list(r) for r in s["confusion"]["matrix"]]}}

    def surface_png(self, image_id: str) -> bytes:
        """One of today's images as PNG."""
        png = self._pngs.get(image_id) if isinstance(image_id, str) else None
        if png is None:
            ids = list(self._pngs)
            raise NotFoundError(f"no inspected image {str(image_id)[:40]!r}; today's images are {ids[0]} to {ids[-1]}")
        return png

    def spc(self) -> dict[str, Any]:
        """The control charts with their points, limits and violations."""
        return {"charts": [{**ch, "points": [dict(p) for p in ch["points"]],
                            "violations": [dict(v) for v in ch["violations"]]} for ch in self._spc]}

    def updated(self) -> str:
        """ISO time of the newest coil."""
        return self._updated


# ---------------------------------------------------------------------------------------------- helpers
def _coil_table(coils: Frame, label: str) -> tuple[pd.DataFrame, np.ndarray]:
    if not isinstance(coils, Frame):
        raise DataError(f"expected a Frame of coils (one row per coil), got {type(coils).__name__}", column="coils")
    if coils.time_kind != "timestamp":
        raise DataError("the coil frame must be keyed by coiling timestamps (time_kind='timestamp')",
                        file=coils.source, column="time")
    if label not in coils.meta:
        raise DataError(f"the coil frame has no meta column {label!r} with the inspection result; its meta columns "
                        f"are {coils.meta}", file=coils.source, column=label)
    df = coils.to_pandas().sort_values(["time", "asset"], kind="stable").reset_index(drop=True)
    dup = df["asset"].duplicated()
    if dup.any():
        r = int(np.flatnonzero(dup.to_numpy())[0])
        raise DataError(f"coil {df['asset'].iloc[r]!r} appears more than once; the quality service needs one row per "
                        "coil", file=coils.source, row=r + 1, column="asset")
    if len(df) < 40:
        raise DataError(f"the frame holds {len(df)} coils; the quality service needs at least 40 to train and score",
                        file=coils.source, column="asset")
    y = df[label].astype(object).to_numpy()
    return df, y


def _frame(df: pd.DataFrame, like: Frame) -> Frame:
    return Frame(df.reset_index(drop=True), units=like.units, time_kind="timestamp", meta=like.meta,
                 source=like.source)


def _scored(table: pd.DataFrame, pred: pd.DataFrame, why: pd.DataFrame, actual: np.ndarray, classes: list[str],
            negative: str, meta: dict[str, tuple[str, str, str]]) -> dict[str, dict[str, Any]]:
    signals = list(meta)
    reasons: dict[str, list[dict[str, Any]]] = {}
    for r in why.sort_values(["asset", "rank"], kind="stable").itertuples(index=False):
        unit, en, ko = meta[r.feature]
        reasons.setdefault(r.asset, []).append({
            "feature": r.feature, "label_en": en, "label_ko": ko, "value": _num(r.value), "unit": unit,
            "contribution": _num(r.contribution), "direction": r.direction})
    out: dict[str, dict[str, Any]] = {}
    pred = pred.set_index("asset")
    for i, row in enumerate(table.itertuples(index=False)):
        p = pred.loc[row.asset]
        probs = sorted(({"class": c, "probability": _num(p[f"p_{c}"])} for c in classes),
                       key=lambda d: -(d["probability"] or 0.0))
        out[row.asset] = {
            "coil": row.asset, "time": _iso(row.time), "grade": str(getattr(row, "grade", "") or ""),
            "risk": _num(1.0 - float(p[f"p_{negative}"])), "predicted": str(p["defect"]),
            "probability": _num(p["probability"]), "actual": None if pd.isna(actual[i]) else str(actual[i]),
            "probabilities": probs, "reasons": reasons.get(row.asset, []),
            "signals": [{"feature": s, "label_en": meta[s][1], "label_ko": meta[s][2],
                         "value": _num(getattr(row, s)), "unit": meta[s][0]} for s in signals],
        }
    return out


def _metrics(pred: np.ndarray, truth: np.ndarray, classes: list[str], negative: str) -> dict[str, Any]:
    from sklearn.metrics import f1_score

    present = [c for c in classes if c in set(truth) | set(pred)]
    return {"held_out_accuracy": _num(np.mean(pred == truth), 4),
            "macro_f1": _num(f1_score(truth, pred, labels=present, average="macro", zero_division=0), 4),
            "majority_accuracy": _num(np.mean(truth == negative), 4)}


def _surfaces(*, per_class: int, held_out: int, today: int, size: int, min_confidence: float,
              seed: int) -> tuple[dict[str, Any], dict[str, bytes]]:
    from ._surface import SurfaceClassifier
    from ._surface_synthetic import make_surface_images

    X, y = make_surface_images(per_class, seed=seed, size=size)
    clf = SurfaceClassifier(min_confidence=min_confidence, seed=seed).fit(X, y)
    classes = [str(c) for c in clf.classes_]
    Xh, yh = make_surface_images(held_out, seed=seed + 1, size=size)
    ph = clf.predict(Xh)["label"].astype(str).to_numpy()
    idx = {c: i for i, c in enumerate(classes)}
    matrix = np.zeros((len(classes), len(classes)), dtype=int)
    for t, p in zip(np.asarray(yh, dtype=str), ph, strict=True):
        matrix[idx[t], idx[p]] += 1
    Xt, yt = make_surface_images(today, seed=seed + 2, size=size)
    order = np.random.default_rng(seed + 2).permutation(len(Xt))
    Xt, yt = Xt[order], np.asarray(yt, dtype=str)[order]
    verdicts = clf.predict(Xt)
    data, pngs = [], {}
    for i, v in enumerate(verdicts.itertuples(index=False)):
        image = f"S-{i + 1:04d}"
        pngs[image] = _png(Xt[i])
        data.append({"image": image, "label": str(v.label), "confidence": _num(v.confidence, 4),
                     "flagged": bool(v.flagged), "truth": str(yt[i])})
    acc = float(np.trace(matrix)) / max(1, int(matrix.sum()))
    return ({"data": data, "count": len(data), "classes": classes, "min_confidence": float(min_confidence),
             "confusion": {"classes": classes, "matrix": matrix.tolist(), "n": int(matrix.sum()),
                           "accuracy": _num(acc, 4)}}, pngs)


def _chart(table: pd.DataFrame, variable: str, kind: str, rules: str, n_baseline: int, times: pd.DatetimeIndex,
           meta: dict[str, tuple[str, str, str]]) -> dict[str, Any]:
    from ._spc import control_chart

    if variable not in meta:
        raise DataError(f"no signal {variable!r} to chart; the coils have {list(meta)}", column=variable)
    values = table[variable].to_numpy(dtype=float)
    chart = control_chart(values, kind=kind, rules=rules, baseline=int(n_baseline))
    stat = np.asarray(chart.statistic, dtype=float)
    step = max(1, len(values) // max(1, len(stat)))  # subgroup charts: a point per subgroup, at its last coil
    at = [min(len(times) - 1, (i + 1) * step - 1) for i in range(len(stat))]
    bad = {v.index for v in chart.violations}

    def lim(v: Any) -> Any:
        return [_num(x) for x in np.asarray(v, dtype=float)] if np.ndim(v) else _num(v)

    unit, en, ko = meta[variable]
    return {"variable": variable, "label_en": en, "label_ko": ko, "unit": unit, "kind": chart.kind,
            "rules": chart.rules,
            "points": [{"time": _iso(times[at[i]]), "value": _num(s), "status": "violation" if i in bad else "ok"}
                       for i, s in enumerate(stat)],
            "center": _num(chart.center), "lcl": lim(chart.lcl), "ucl": lim(chart.ucl), "sigma": _num(chart.sigma),
            "baseline": int(n_baseline),
            "violations": [{"index": int(v.index), "time": _iso(times[at[v.index]]), "rule": v.rule,
                            "description_en": v.description_en, "description_ko": v.description_ko}
                           for v in chart.violations]}
