"""HTTP routes of the energy domain (prefix ``/api/energy``).

The routes read the service in ``app.state.services["energy"]``; while it is being prepared
they answer 503 and the dashboard polls ``/api/progress``. Everything here is read-only.
"""

from __future__ import annotations

from typing import Any, Protocol

from fastapi import APIRouter, Depends, Path, Query

from bessemer.api._json import jsonable
from bessemer.api.deps import get_service, require_all_sites

MAX_DAYS = 14


class EnergyServiceProtocol(Protocol):
    """What the routes and the dashboard need from the energy service.

    Times are ISO-8601 UTC strings (interval starts); ``site.tz`` in :meth:`overview` names
    the local zone whose clock the tariff bands follow. Money is in won (KRW), energy in kWh
    per 15-minute interval, power in kW.

    ``overview()``
        ``site`` {asset, name_en, name_ko, tz}; ``period`` {start, end, intervals};
        ``tariff`` {family, label_en, label_ko, voltage, option, effective_from, status, source,
        contract_kw, assumed}; ``latest`` {time, kwh, kw}; ``forecast`` (day-ahead accuracy on
        the held-out days: horizon, issued, train_end, days, n, mae_kwh, rmse_kwh, mean_kwh,
        coverage, nominal); ``bill`` (latest full month: month, total_won, kwh, peak_kw, or
        None); ``schedule`` {saving_won, saving_pct, status, mip_gap, as_is_won, optimised_won};
        ``carbon`` {years, scope2_t, total_t, grid_factor}; ``updated``.
    ``load(days=3)``
        ``data``: one row per interval of the last ``days`` local days, {time, actual,
        forecast, lower, upper, band} with ``band`` one of ``light``, ``medium``, ``maximum``;
        ``actual`` is None for intervals still to come and ``forecast`` None before the
        held-out days. Also ``days``, ``unit``, ``tz``, ``coverage``, ``horizon``, ``train_end``.
    ``bills()``
        Months oldest first: {month, total_won, subtotal_won, kwh, peak_kw, billing_demand_kw,
        partial}.
    ``bill(month)``
        The itemised bill (``Bill.to_dict()``: items with ``label_en``/``label_ko``, quantity,
        unit, rate, amount_won; subtotal, VAT, fund, total, notes, sources). Unknown month:
        :class:`~bessemer.core.NotFoundError`; malformed month: :class:`~bessemer.core.DataError`.
    ``schedule()``
        ``as_is`` and ``optimised`` {records (job, machine, start, end, kwh, cost_won),
        energy_cost_won, demand_cost_won, total_cost_won, peak_kw, status, solve_s}; ``slots``
        {time, price_won_per_kwh, band, as_is_kw, optimised_kw}; ``machines``, ``power_limit_kw``,
        ``saving_won``, ``saving_pct``, ``status``, ``mip_gap``, ``solve_s``, ``time_limit_s``.
    ``carbon()``
        ``ledger`` {asset, years, lines (with status and sources), totals, intensity, notes};
        ``grid_factors`` (one per year, with its source and the rule that picked it); ``cases``
        [{name, description, year, notes, baseline (a ledger), scenarios (rows: scenario,
        scope1_t, scope2_t, route_t, total_t, delta_t, delta_pct, cost_delta_won ...)}];
        ``prices`` (every one labelled ``assumption``) and ``scenario_file``.
    ``updated()``
        ISO time of the latest reading.
    """

    def overview(self) -> dict: ...

    def load(self, days: int = 3) -> dict: ...

    def bills(self) -> list[dict]: ...

    def bill(self, month: str) -> dict: ...

    def schedule(self) -> dict: ...

    def carbon(self) -> dict: ...

    def updated(self) -> str: ...


_service = get_service("energy")
_MONTH = Path(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", min_length=7, max_length=7,
              description="Calendar month (Asia/Seoul) as YYYY-MM, e.g. '2026-10'.")


def energy_routers() -> list[APIRouter]:
    """The energy routers, new on each call (the domain's ``routers`` entry).

    Examples
    --------
    >>> [r.prefix for r in energy_routers()]
    ['/api/energy']
    >>> sorted({m for r in energy_routers() for route in r.routes for m in route.methods})
    ['GET']
    """
    # the energy data is not tied to one site's assets: a site-limited token may not read it
    router = APIRouter(prefix="/api/energy", tags=["energy"], dependencies=[Depends(require_all_sites)])

    @router.get("/overview", summary="Site, tariff, forecast accuracy, last bill, schedule saving, carbon")
    def overview(svc: EnergyServiceProtocol = Depends(_service)) -> dict[str, Any]:
        """The figures of the energy page's header cards (see the protocol for the fields)."""
        return jsonable(svc.overview())

    @router.get("/load", summary="Recent load with the day-ahead forecast and the tariff bands")
    def load(days: int = Query(default=3, ge=1, le=MAX_DAYS, description="Local days to show (1-14)."),
             svc: EnergyServiceProtocol = Depends(_service)) -> dict[str, Any]:
        """15-minute kWh, the forecast issued at each local midnight with its interval, and the band of each slot."""
        return jsonable(svc.load(days=days))

    @router.get("/bills", summary="Monthly bills, oldest first")
    def bills(svc: EnergyServiceProtocol = Depends(_service)) -> dict[str, Any]:
        """Totals of every billed month; ``partial`` when the meter does not cover the whole month."""
        rows = jsonable(svc.bills())
        return {"data": rows, "count": len(rows), "updated": svc.updated()}

    @router.get("/bills/{month}", summary="The itemised bill of one month")
    def bill(month: str = _MONTH, svc: EnergyServiceProtocol = Depends(_service)) -> dict[str, Any]:
        """Items in English and Korean, subtotal, VAT, fund and total, with the notes and sources used."""
        return jsonable(svc.bill(month))

    @router.get("/schedule", summary="As-is and optimised production schedules with the saving")
    def schedule(svc: EnergyServiceProtocol = Depends(_service)) -> dict[str, Any]:
        """Gantt records of both schedules, per-slot price and load, costs, saving, solver status and gap."""
        return jsonable(svc.schedule())

    @router.get("/carbon", summary="Carbon ledger and pathway scenarios")
    def carbon(svc: EnergyServiceProtocol = Depends(_service)) -> dict[str, Any]:
        """The metered site's ledger, the grid factors used, and each case's scenario comparison."""
        return jsonable(svc.carbon())

    return [router]
