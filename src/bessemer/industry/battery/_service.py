"""The battery service behind the dashboard: state of health, end of life, grade and passport of a fleet of cells.

:meth:`BatteryService.build` does the work once:

1. **Quick state of health.** A :class:`~bessemer.industry.battery.SohEstimator` is fitted on the
   *training* cells (features from the first :data:`QUICK_TEST_S` seconds of each discharge) and
   estimates every discharge of every *fleet* cell, which it never saw, with its 90 % interval. Where
   a fleet discharge's capacity was also measured over the whole discharge, the service reports the
   estimate's error and interval coverage against it (a held-out figure, cells the model did not see).
2. **End of life.** An :class:`~bessemer.industry.battery.EolForecaster` is fitted on the training
   cells' capacity histories and forecasts, from each fleet cell's history so far (the measured capacity
   where known, the estimate elsewhere), the discharge at which the capacity falls below 80 % and 70 %
   of rated, with an interval.
3. **Grade.** :func:`~bessemer.industry.battery.grade_battery` grades each fleet cell (reuse,
   repurpose, recycle) on the pessimistic side of the intervals, with reasons in English and Korean and
   the expected recovered lithium, cobalt, nickel and copper against the Regulation's targets.
4. **Passport.** :func:`~bessemer.industry.battery.build_passport` assembles each cell's passport from
   the assessment, the grade and what the caller declares for that cell (``passport_inputs``); what
   nobody declared is listed as missing (a draft), never invented.

The reading methods are the dashboard's contract
(:class:`bessemer.industry.battery._api.BatteryServiceProtocol`) and return JSON-friendly values; the
service is read-only after it is built, so it is safe to share between server threads.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from bessemer.core import DataError, NotFoundError

from ._cycles import Cell
from ._eol import EolForecast, EolForecaster
from ._features import cell_features
from ._grading import GRADES, BatteryAssessment, Grade, GradingConfig, grade_battery
from ._passport import build_passport, validate_passport
from ._recovery import load_targets
from ._soh import SohEstimator

__all__ = ["QUICK_TEST_S", "SOH_METHOD", "BatteryService"]

#: Seconds of each discharge the quick state-of-health test reads.
QUICK_TEST_S = 600.0
#: What the passport says about how the state of health was estimated.
SOH_METHOD = ("quick partial-discharge test (first 600 s of a discharge) read by a gradient-boosted model "
              "with a split-conformal 90 % interval calibrated on whole cells the model did not see")
#: Remaining-cycle thresholds (fractions of rated capacity): the grade reads 80 % and 70 %.
THRESHOLDS: tuple[float, ...] = (0.8, 0.7)


def _num(v: Any, digits: int = 4) -> float | None:
    """A rounded finite float, or None (NaN and infinity are not JSON)."""
    if v is None:
        return None
    f = float(v)
    return round(f, digits) if math.isfinite(f) else None


def _check_cells(cells: Sequence[Cell], what: str) -> list[Cell]:
    out = list(cells)
    if not out:
        raise DataError(f"no {what} cells given; the battery service needs at least one", column=what)
    seen: set[str] = set()
    for c in out:
        if not isinstance(c, Cell):
            raise DataError(f"{what} cells must be Cell objects, got {type(c).__name__}", column=what)
        c.check()
        if c.cell_id in seen:
            raise DataError(f"cell {c.cell_id!r} appears twice among the {what} cells; give each cell once",
                            file=c.source or None, column=what)
        seen.add(c.cell_id)
    return out


def _per_cell(value: Any, cell_id: str) -> Any:
    """``value`` itself, or ``value[cell_id]`` for a mapping (None when the mapping lacks the cell)."""
    if isinstance(value, Mapping):
        return value.get(cell_id)
    return value


def _resistance_growth(cell: Cell) -> float | None:
    """Growth (%) of Re + Rct from the cell's first impedance test to its last; None without two tests."""
    r = np.array([d.re_ohm + d.rct_ohm for d in cell.discharges], dtype=np.float64)
    ok = np.flatnonzero(np.isfinite(r) & (r > 0))
    if len(ok) < 2:
        return None
    return float(100.0 * (r[ok[-1]] / r[ok[0]] - 1.0))


def _cycles(f: EolForecast) -> dict[str, Any]:
    """One threshold's forecast as remaining cycles with the interval (None where unbounded)."""
    if f.already:
        status = "reached"
    elif not math.isfinite(f.cycle):
        status = "not_reached"
    else:
        status = "forecast"
    rem = (0.0, 0.0, 0.0) if f.already else (f.cycle - f.seen, f.lower - f.seen, f.upper - f.seen)
    return {"threshold_ah": _num(f.threshold_ah), "seen": int(f.seen), "status": status,
            "cycle": _num(f.cycle, 1), "cycle_lower": _num(f.lower, 1), "cycle_upper": _num(f.upper, 1),
            "remaining": _num(rem[0], 1), "remaining_lower": _num(rem[1], 1), "remaining_upper": _num(rem[2], 1),
            "fade_ah_per_cycle": _num(f.rate_ah_per_cycle, 6)}


def _rem(cycles: dict[str, Any], key: str) -> float:
    """Remaining cycles for the grade: infinity where the forecast never reaches the threshold."""
    return math.inf if cycles["status"] == "not_reached" else float(cycles[key])


def _recovery(grade: Grade) -> dict[str, Any] | None:
    """Expected recovered masses with every target of the Regulation (2027 and 2031) they are compared with."""
    est = grade.recovery
    if est is None:
        return None
    targets = load_targets()

    def schedule(kind: str, key: str, share: float | None) -> list[dict[str, Any]]:
        return [{"percent": t.percent, "applies_from": t.applies_from.isoformat(), "source": t.source,
                 "meets": None if share is None else bool(100.0 * share >= t.percent - 1e-9)}
                for t in targets.schedule(kind, key)]

    route = est.route
    return {
        "battery_mass_kg": _num(est.battery_mass_kg, 6),
        "route": {"name": route.name, "status": route.status, "source": route.source},
        "composition": est.composition.to_dict(),
        "elements": [{"element": e.element, "mass_in_kg": _num(e.mass_in_kg, 8),
                      "efficiency_pct": None if e.efficiency is None else _num(100.0 * e.efficiency, 3),
                      "recovered_kg": _num(e.recovered_kg, 8),
                      "targets": schedule("material_recovery", e.element, e.efficiency)}
                     for e in est.elements],
        "recycling_efficiency": {
            "route_pct": None if route.recycling_efficiency is None else _num(100.0 * route.recycling_efficiency, 3),
            "targets": schedule("recycling_efficiency", "lithium-based", route.recycling_efficiency)},
    }


class BatteryService:
    """State of health, end of life, grade and passport of a fleet of cells.

    Build it with :meth:`build`; see the module docstring for what is measured on what.

    Examples
    --------
    >>> import datetime as dt
    >>> from bessemer.industry.battery import make_cells
    >>> cells = make_cells(6, seed=3, n_cycles=80)
    >>> svc = BatteryService.build(cells[4:], train=cells[:4], mass_kg=0.046, on=dt.date(2028, 1, 1),
    ...                            soh_params={"n_estimators": 40, "folds": 3})
    >>> body = svc.cells()
    >>> body["count"], [r["cell"] for r in body["data"]]
    (2, ['cell-04', 'cell-05'])
    >>> r = body["data"][0]
    >>> r["grade"] in ("reuse", "repurpose", "recycle"), r["soh_lower_pct"] <= r["soh_pct"] <= r["soh_upper_pct"]
    (True, True)
    >>> svc.passport("cell-04")["passport_status"]
    'draft'
    """

    def __init__(self, *, cells: dict[str, dict[str, Any]], passports: dict[str, dict[str, Any]],
                 summary: dict[str, Any]) -> None:
        self._cells = cells
        self._passports = passports
        self._summary = summary

    # ------------------------------------------------------------------ building
    @classmethod
    def build(cls, fleet: Sequence[Cell], *, train: Sequence[Cell], chemistry: str | Mapping[str, str] = "NMC622",
              mass_kg: float | Mapping[str, float] | None = None,
              passport_inputs: Mapping[str, Mapping[str, Any]] | None = None,
              grading: GradingConfig | None = None, route: str = "hydrometallurgical", on: dt.date | None = None,
              soh_params: Mapping[str, Any] | None = None, seed: int = 0,
              progress: Callable[[str, float], None] | None = None) -> BatteryService:
        """Fit the models on the training cells; assess, grade and make a passport for each fleet cell.

        Parameters
        ----------
        fleet : sequence of Cell
            The cells to assess (for example spent cells at a recycler), each with its discharges so far.
        train : sequence of Cell
            Cells with whole-discharge capacities to fit the SOH estimator and the end-of-life forecaster
            on; none may also be in ``fleet`` (the figures shown are measured on cells the models never saw).
        chemistry : str or mapping
            Cathode chemistry of every cell, or per cell id (for the composition and the passport).
        mass_kg : float or mapping, optional
            Mass of every cell, or per cell id; the recovered masses need it (None: not estimated).
        passport_inputs : mapping, optional
            Cell id -> passport groups (``{"identity": {...}, "carbon_footprint": {...}, ...}``) declared
            for that cell; e.g. :func:`~bessemer.industry.battery.testing.demo_passport_inputs`.
        grading : GradingConfig, optional
            Thresholds of the grade (``data/grading.toml`` when None).
        route : str
            Recycling route for the recovered masses.
        on : datetime.date, optional
            Assessment date (passport and targets); today when None.
        soh_params : mapping, optional
            SohEstimator settings (``seed`` comes from ``seed``).
        progress : callable, optional
            Called with (stage, fraction) as the build goes.

        Raises
        ------
        DataError
            No cells, a cell given twice or in both sets, cells of different rated capacities, a training
            set the models cannot learn from, or passport inputs with a wrong value (named by its path).
        """
        say = progress or (lambda stage, frac: None)
        fleet = _check_cells(fleet, "fleet")
        train = _check_cells(train, "train")
        both = sorted({c.cell_id for c in fleet} & {c.cell_id for c in train})
        if both:
            raise DataError(f"cell {both[0]!r} is both a training and a fleet cell; the service measures its "
                            "models on fleet cells they never saw, so give each cell to one set", column="train")
        rated = {float(c.rated_ah) for c in (*train, *fleet)}
        if len(rated) != 1:
            raise DataError(f"the cells have different rated capacities {sorted(rated)} Ah; build one service per "
                            "rated capacity", column="rated_ah")
        rated_ah = rated.pop()
        day = dt.date.today() if on is None else on
        cfg = GradingConfig.load() if grading is None else grading
        inputs = dict(passport_inputs or {})
        unknown = sorted(set(inputs) - {c.cell_id for c in fleet})
        if unknown:
            raise DataError(f"passport inputs for {unknown[0]!r}, which is not a fleet cell; the fleet cells are "
                            f"{[c.cell_id for c in fleet]}", column="passport_inputs")

        say("battery: quick-test features of the training cells", 0.05)
        f_train, y_train = cell_features(train, window_s=QUICK_TEST_S)
        say("battery: fitting the state-of-health estimator", 0.2)
        est = SohEstimator(**{**dict(soh_params or {}), "rated_ah": rated_ah, "seed": seed}).fit(f_train, y_train)
        say("battery: fitting the end-of-life forecaster", 0.5)
        eol = EolForecaster(thresholds=THRESHOLDS, rated_ah=rated_ah).fit([c.capacities() for c in train])
        level = 1.0 - float(est.alpha)

        say("battery: estimating the fleet's state of health", 0.6)
        f_fleet, _ = cell_features(fleet, window_s=QUICK_TEST_S, with_target=False)
        pred = est.predict(f_fleet)
        by_key = {(str(a), int(t)): i for i, (a, t) in enumerate(zip(pred["asset"], pred["time"], strict=True))}
        cap = pred["capacity_ah"].to_numpy(dtype=np.float64)
        lo = pred["capacity_ah_lower"].to_numpy(dtype=np.float64)
        hi = pred["capacity_ah_upper"].to_numpy(dtype=np.float64)

        say("battery: end of life, grades and passports", 0.8)
        cells: dict[str, dict[str, Any]] = {}
        passports: dict[str, dict[str, Any]] = {}
        errors: list[float] = []
        covered: list[bool] = []
        for cell in fleet:
            rows = [by_key[(cell.cell_id, int(d.index))] for d in cell.discharges]
            measured = cell.capacities()
            history = np.where(np.isfinite(measured), measured, cap[rows])
            for i, r in enumerate(rows):
                if np.isfinite(measured[i]) and hi[r] > lo[r]:  # an interval of width 0 is a capacity measured
                    errors.append(float(cap[r] - measured[i]))  # inside the test window: not an estimate
                    covered.append(bool(lo[r] <= measured[i] <= hi[r]))
            last = rows[-1]
            soh = [100.0 * v / rated_ah for v in (lo[last], cap[last], hi[last])]
            forecasts = eol.forecast_all(history)
            cyc = {int(round(100 * t)): _cycles(f) for t, f in zip(THRESHOLDS, forecasts, strict=True)}

            chem = _per_cell(chemistry, cell.cell_id)
            if not chem:
                raise DataError(f"no chemistry given for cell {cell.cell_id!r}", column="chemistry")
            assessment = BatteryAssessment(
                battery_id=cell.cell_id, chemistry=str(chem), rated_capacity_ah=rated_ah,
                soh_pct=soh[1], soh_lower_pct=min(soh[0], soh[1]), soh_upper_pct=max(soh[2], soh[1]),
                interval_level=level, resistance_growth_pct=_resistance_growth(cell),
                cycles_to_80=_rem(cyc[80], "remaining"), cycles_to_80_lower=_rem(cyc[80], "remaining_lower"),
                cycles_to_80_upper=_rem(cyc[80], "remaining_upper"),
                cycles_to_70=_rem(cyc[70], "remaining"), cycles_to_70_lower=_rem(cyc[70], "remaining_lower"),
                cycles_to_70_upper=_rem(cyc[70], "remaining_upper"),
                mass_kg=_per_cell(mass_kg, cell.cell_id))
            grade = grade_battery(assessment, cfg, route=route, on=day)
            groups = copy.deepcopy(dict(inputs.get(cell.cell_id, {})))
            groups["state_of_health"] = {"estimation_method": SOH_METHOD, **dict(groups.get("state_of_health") or {})}
            try:
                passport = build_passport(**groups, assessment=assessment, grade=grade, assessed_on=day)
            except TypeError as err:  # an unknown group name
                raise DataError(f"passport inputs of cell {cell.cell_id!r}: {err}", column="passport_inputs") from err
            passports[cell.cell_id] = passport
            cells[cell.cell_id] = {
                "cell": cell.cell_id, "chemistry": str(chem), "rated_ah": rated_ah, "discharges": len(cell),
                "source": cell.source,
                "soh_pct": _num(soh[1], 2), "soh_lower_pct": _num(assessment.soh_lower_pct, 2),
                "soh_upper_pct": _num(assessment.soh_upper_pct, 2),
                "measured_soh_pct": _num(100.0 * measured[-1] / rated_ah, 2),
                "resistance_growth_pct": _num(assessment.resistance_growth_pct, 2),
                "cycles_to_80": cyc[80], "cycles_to_70": cyc[70],
                "grade": grade.grade, "grade_ko": grade.grade_ko, "point_estimate_grade": grade.point_estimate_grade,
                "note_en": grade.note_en, "note_ko": grade.note_ko,
                "reasons": [r.to_dict() for r in grade.reasons],
                "recovery": _recovery(grade),
                "passport_status": passport["passport_status"], "missing": list(passport["missing"]),
                "trajectory": [{"discharge": int(d.index), "measured_ah": _num(measured[i], 5),
                                "estimate_ah": _num(cap[r], 5), "lower_ah": _num(lo[r], 5), "upper_ah": _num(hi[r], 5)}
                               for i, (d, r) in enumerate(zip(cell.discharges, rows, strict=True))],
            }
        err = np.asarray(errors)
        summary = {
            "assessed_on": day.isoformat(), "rated_ah": rated_ah, "interval_level": level,
            "thresholds_pct": [int(round(100 * t)) for t in THRESHOLDS],
            "grades": {g: sum(c["grade"] == g for c in cells.values()) for g in GRADES},
            "grading": cfg.to_dict(),
            "soh_model": {"train_cells": [c.cell_id for c in train], "n_train": int(np.isfinite(y_train).sum()),
                          "quick_test_s": QUICK_TEST_S, "method": SOH_METHOD,
                          "n_checked": len(errors),
                          "rmse_pct": _num(100.0 * np.sqrt(np.mean(err ** 2)) / rated_ah, 3) if len(err) else None,
                          "mae_pct": _num(100.0 * np.mean(np.abs(err)) / rated_ah, 3) if len(err) else None,
                          "coverage": _num(np.mean(covered), 4) if covered else None},
            "eol_model": {"train_cells": len(train), "method": eol.method},
        }
        say("battery: ready", 1.0)
        return cls(cells=cells, passports=passports, summary=summary)

    # ------------------------------------------------------------------ reading
    def cells(self) -> dict[str, Any]:
        """Every fleet cell's latest SOH with its interval, grade and remaining cycles, with the models' figures."""
        keys = ("cell", "chemistry", "rated_ah", "discharges", "soh_pct", "soh_lower_pct", "soh_upper_pct",
                "measured_soh_pct", "cycles_to_80", "cycles_to_70", "grade", "grade_ko", "passport_status")
        data = [{k: copy.deepcopy(c[k]) for k in keys} | {"n_missing": len(c["missing"])} for c in self._cells.values()]
        return {"data": data, "count": len(data), **copy.deepcopy(self._summary)}

    def cell(self, cell_id: str) -> dict[str, Any]:
        """One cell: its SOH trajectory per discharge, end of life, grade with reasons, recovery and passport state."""
        c = self._cells.get(cell_id) if isinstance(cell_id, str) else None
        if c is None:
            raise NotFoundError(f"no cell {str(cell_id)[:40]!r} in the battery fleet; the cells are "
                                f"{', '.join(list(self._cells)[:20])} (GET /api/battery/cells lists them)")
        out = copy.deepcopy(c)
        out["interval_level"] = self._summary["interval_level"]
        out["assessed_on"] = self._summary["assessed_on"]
        return out

    def passport(self, cell_id: str) -> dict[str, Any]:
        """The cell's passport (``passport_status`` ``complete`` or ``draft`` with ``missing`` listed)."""
        p = self._passports.get(cell_id) if isinstance(cell_id, str) else None
        if p is None:
            self.cell(cell_id)  # the same 404
        assert p is not None
        return copy.deepcopy(p)

    def updated(self) -> str:
        """The assessment date (ISO)."""
        return str(self._summary["assessed_on"])

    def check_passports(self) -> dict[str, list[str]]:
        """Every passport's validation problems by cell (empty for a complete one)."""
        return {cid: validate_passport(p, raise_errors=False) for cid, p in self._passports.items()}
