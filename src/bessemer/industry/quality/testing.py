"""A deterministic fake quality service for testing the API and the dashboard.

:class:`FakeQualityService` follows
:class:`bessemer.industry.quality._api.QualityServiceProtocol` with no model: eight coils of
line ``C26`` coiled three minutes apart from 2026-03-02 08:00 UTC with fixed defect
probabilities and reasons, six inspected surface images (small generated patterns, one of them
below the confidence threshold and so flagged for a person), a held-out confusion matrix, and
two control charts (descaler pressure, whose last points sag and break two rules, and
finishing temperature on an EWMA chart with limits per point). Every number is made up for tests.

Examples
--------
>>> svc = FakeQualityService()
>>> o = svc.overview()
>>> o["coils"]["n"], o["coils"]["high_risk"], o["surface"]["flagged"], o["spc"]["violations"]
(8, 3, 1, 2)
>>> top = svc.coils(limit=2)["data"]
>>> [r["coil"] for r in top], top[0]["predicted"], top[0]["reasons"][0]["feature"]
(['C26-000104', 'C26-000107'], 'scale', 'descaler_pressure')
>>> svc.surface_png("S-0001")[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
True
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pandas as pd

from bessemer.core import DataError, NotFoundError

__all__ = ["FakeQualityService"]

_START = pd.Timestamp("2026-03-02T08:00:00Z")
_CLASSES = ["none", "scale", "edge_crack", "surface_scratch"]
_THRESHOLD = 0.5
# feature -> unit, English, Korean (a subset of make_coils' signals)
_FEATURES: dict[str, tuple[str, str, str]] = {
    "descaler_pressure": ("MPa", "descaler pressure", "디스케일러 압력"),
    "reheat_temp": ("degC", "slab reheat temperature", "슬래브 가열 온도"),
    "finishing_temp": ("degC", "finishing temperature", "사상압연 출측 온도"),
    "sulphur": ("%", "sulphur", "황 함량"),
    "roll_campaign": ("count", "coils since work-roll change", "작업롤 교체 후 압연 코일 수"),
    "thickness": ("mm", "strip thickness", "판 두께"),
}
# coil number -> grade, probabilities (in _CLASSES order), actual defect
_COILS: list[tuple[int, str, tuple[float, float, float, float], str]] = [
    (101, "SPHC", (0.95, 0.02, 0.01, 0.02), "none"),
    (102, "SS400", (0.70, 0.12, 0.08, 0.10), "none"),
    (103, "SS400", (0.40, 0.05, 0.50, 0.05), "edge_crack"),
    (104, "SM490", (0.10, 0.82, 0.03, 0.05), "scale"),
    (105, "SPHC", (0.88, 0.04, 0.03, 0.05), "none"),
    (106, "API-X65", (0.55, 0.05, 0.05, 0.35), "surface_scratch"),
    (107, "SM490", (0.30, 0.60, 0.05, 0.05), "none"),
    (108, "SPHC", (0.97, 0.01, 0.01, 0.01), "none"),
]
# the coil's signal values (same order for every coil, from a fixed formula)
_BASE = {"descaler_pressure": 20.0, "reheat_temp": 1235.0, "finishing_temp": 880.0, "sulphur": 0.008,
         "roll_campaign": 40.0, "thickness": 4.0}
_SURFACE_CLASSES = ["Crazing", "Inclusion", "Patches", "Pitted", "Rolled", "Scratches"]  # as NEU_CLASSES
# image number -> predicted label, confidence, true label
_IMAGES: list[tuple[int, str, float, str]] = [
    (1, "Scratches", 0.93, "Scratches"),
    (2, "Patches", 0.88, "Patches"),
    (3, "Rolled", 0.45, "Pitted"),
    (4, "Inclusion", 0.81, "Inclusion"),
    (5, "Crazing", 0.97, "Crazing"),
    (6, "Pitted", 0.72, "Pitted"),
]
_MIN_CONFIDENCE = 0.6


def _iso(t: pd.Timestamp) -> str:
    return t.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


class FakeQualityService:
    """Deterministic stand-in for :class:`~bessemer.industry.quality._service.QualityService`."""

    def __init__(self) -> None:
        self._coils: dict[str, dict[str, Any]] = {}
        for i, (num, grade, probs, actual) in enumerate(_COILS):
            cid = f"C26-{num:06d}"
            signals = {f: round(v * (1.0 + 0.01 * ((i * 7 + k * 3) % 5 - 2)), 4)
                       for k, (f, v) in enumerate(_BASE.items())}
            p = dict(zip(_CLASSES, probs, strict=True))
            pred = max(p, key=lambda c: p[c])
            self._coils[cid] = {"coil": cid, "time": _iso(_START + pd.Timedelta(minutes=3 * i)), "grade": grade,
                                "risk": round(1.0 - p["none"], 4), "predicted": pred, "probability": p[pred],
                                "actual": actual, "p": p, "signals": signals}
        self._pngs = {f"S-{num:04d}": _png(num) for num, *_ in _IMAGES}

    # ------------------------------------------------------------------ protocol
    def overview(self) -> dict[str, Any]:
        """Header figures."""
        risks = [c["risk"] for c in self._coils.values()]
        n_viol = sum(len(ch["violations"]) for ch in self.spc()["charts"])
        return {
            "line": {"name_en": "Test hot strip mill", "name_ko": "시험 열연 공장"},
            "coils": {"n": len(risks), "high_risk": sum(r >= _THRESHOLD for r in risks), "threshold": _THRESHOLD,
                      "start": self._coils["C26-000101"]["time"], "end": self.updated()},
            "defect_model": {"classes": list(_CLASSES), "held_out_accuracy": 0.875, "macro_f1": 0.81,
                             "majority_accuracy": 0.625, "n_train": 24, "n_test": 8},
            "surface": {"n": len(_IMAGES), "flagged": sum(c < _MIN_CONFIDENCE for _, _, c, _ in _IMAGES),
                        "held_out_accuracy": 0.9, "n_held_out": 30, "min_confidence": _MIN_CONFIDENCE},
            "spc": {"charts": 2, "violations": n_viol},
            "updated": self.updated(),
        }

    def coils(self, limit: int = 50) -> dict[str, Any]:
        """The riskiest coils first."""
        if isinstance(limit, bool) or not isinstance(limit, int | np.integer) or not 1 <= limit <= 500:
            raise DataError(f"limit must be a whole number in [1, 500], got {limit!r}", column="limit")
        rows = sorted(self._coils.values(), key=lambda c: (-c["risk"], c["coil"]))[: int(limit)]
        return {"data": [self._row(c, top=3) for c in rows], "count": len(rows), "total": len(self._coils),
                "threshold": _THRESHOLD}

    def coil(self, coil_id: str) -> dict[str, Any]:
        """One coil in full."""
        c = self._coils.get(coil_id)
        if c is None:
            raise NotFoundError(f"no scored coil {str(coil_id)[:40]!r}; scored coils run from C26-000101 to "
                                "C26-000108")
        out = self._row(c, top=5)
        out["probabilities"] = [{"class": k, "probability": v}
                                for k, v in sorted(c["p"].items(), key=lambda kv: -kv[1])]
        out["signals"] = [{"feature": f, "label_en": en, "label_ko": ko, "value": c["signals"][f], "unit": u}
                          for f, (u, en, ko) in _FEATURES.items()]
        return out

    def importance(self) -> list[dict[str, Any]]:
        """Fixed global importance."""
        vals = [0.9, 0.6, 0.45, 0.4, 0.35, 0.05]
        return [{"feature": f, "label_en": en, "label_ko": ko, "importance": v}
                for (f, (_, en, ko)), v in zip(_FEATURES.items(), vals, strict=True)]

    def surfaces(self) -> dict[str, Any]:
        """Six verdicts and a held-out confusion matrix (30 images, 27 right)."""
        data = [{"image": f"S-{num:04d}", "label": lab, "confidence": conf, "flagged": conf < _MIN_CONFIDENCE,
                 "truth": truth} for num, lab, conf, truth in _IMAGES]
        matrix = (np.eye(6, dtype=int) * 5).tolist()
        for r, c in ((3, 4), (4, 3), (1, 2)):  # three mistakes
            matrix[r][r] -= 1
            matrix[r][c] += 1
        return {"data": data, "count": len(data), "classes": list(_SURFACE_CLASSES), "min_confidence": _MIN_CONFIDENCE,
                "confusion": {"classes": list(_SURFACE_CLASSES), "matrix": matrix, "n": 30, "accuracy": 0.9}}

    def surface_png(self, image_id: str) -> bytes:
        """PNG bytes of a fixed pattern."""
        png = self._pngs.get(image_id)
        if png is None:
            raise NotFoundError(f"no inspected image {str(image_id)[:40]!r}; images are S-0001 to S-0006")
        return png

    def spc(self) -> dict[str, Any]:
        """Two charts: descaler pressure (individuals, two violations) and finishing temperature (EWMA)."""
        n = 40
        times = [_iso(_START + pd.Timedelta(minutes=3 * i)) for i in range(n)]
        wave = np.sin(np.arange(n) * 1.7) * 0.3
        p = 20.0 + wave
        p[-6:] -= np.array([0.4, 0.6, 0.8, 1.0, 1.3, 2.2])
        lcl, ucl = 19.0, 21.0
        viol_p = [{"index": n - 2, "time": times[n - 2], "rule": "nelson-5",
                   "description_en": "Two of three points beyond 2 sigma on the same side",
                   "description_ko": "연속 3점 중 2점이 같은 쪽 2시그마 밖"},
                  {"index": n - 1, "time": times[n - 1], "rule": "nelson-1",
                   "description_en": "One point beyond the 3-sigma control limits",
                   "description_ko": "관리 한계(3시그마)를 벗어난 점 1개"}]
        bad = {v["index"] for v in viol_p}
        fdt = 880.0 + np.cos(np.arange(n) * 0.9) * 3.0
        half = [round(6.0 * float(np.sqrt(1 - 0.8 ** (2 * (i + 1)))), 3) for i in range(n)]
        return {"charts": [
            {"variable": "descaler_pressure", "label_en": "descaler pressure", "label_ko": "디스케일러 압력",
             "unit": "MPa", "kind": "individuals", "rules": "nelson",
             "points": [{"time": t, "value": round(float(v), 3), "status": "violation" if i in bad else "ok"}
                        for i, (t, v) in enumerate(zip(times, p, strict=True))],
             "center": 20.0, "lcl": lcl, "ucl": ucl, "sigma": 0.333, "violations": viol_p},
            {"variable": "finishing_temp", "label_en": "finishing temperature", "label_ko": "사상압연 출측 온도",
             "unit": "degC", "kind": "ewma", "rules": "limit",
             "points": [{"time": t, "value": round(float(v), 3), "status": "ok"}
                        for t, v in zip(times, fdt, strict=True)],
             "center": 880.0, "lcl": [round(880.0 - h, 3) for h in half], "ucl": [round(880.0 + h, 3) for h in half],
             "sigma": 10.0, "violations": []},
        ]}

    def updated(self) -> str:
        """Time of the newest coil."""
        return self._coils["C26-000108"]["time"]

    # ------------------------------------------------------------------ helpers
    def _row(self, c: dict[str, Any], *, top: int) -> dict[str, Any]:
        return {k: c[k] for k in ("coil", "time", "grade", "risk", "predicted", "probability")} | {
            "reasons": _reasons(c, top), "actual": c["actual"]}


def _reasons(c: dict[str, Any], top: int) -> list[dict[str, Any]]:
    """Fixed reasons: the predicted class's driver first, then the others by a fixed weight."""
    lead = {"scale": "descaler_pressure", "edge_crack": "sulphur", "surface_scratch": "roll_campaign",
            "none": "descaler_pressure"}[c["predicted"]]
    order = [lead] + [f for f in _FEATURES if f != lead]
    out = []
    for k, f in enumerate(order[:top]):
        unit, en, ko = _FEATURES[f]
        contrib = round(1.2 / (k + 1) * (1 if k % 3 != 2 else -1), 3)
        out.append({"feature": f, "label_en": en, "label_ko": ko, "value": c["signals"][f], "unit": unit,
                    "contribution": contrib, "direction": "raises" if contrib > 0 else "lowers"})
    return out


def _png(num: int) -> bytes:
    """A small grey pattern (stripes whose angle depends on ``num``) as PNG."""
    from PIL import Image

    y, x = np.mgrid[0:64, 0:64]
    img = 128 + 60 * np.sin((x * np.cos(num) + y * np.sin(num)) / 3.0)
    buf = io.BytesIO()
    Image.fromarray(img.astype(np.uint8)).save(buf, format="PNG")
    return buf.getvalue()
