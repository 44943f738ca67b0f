"""Page routes of the dashboard.

Pages are thin HTML shells; ``static/app.js`` fills them from the JSON API and polls
for live updates. Every asset is served from ``static/`` (no CDN), so the dashboard
works on an isolated plant network.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

import bessemer
from bessemer.core import NotFoundError

STATIC_DIR = Path(__file__).parent / "static"
TEMPLATES_DIR = Path(__file__).parent / "templates"

_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")


def _lang(request: Request) -> str:
    q = request.query_params.get("lang")
    if q in ("en", "ko"):
        return q
    return str(request.app.state.settings.language)


def _render(templates: Jinja2Templates, request: Request, name: str, status: int = 200,
            **ctx: Any) -> HTMLResponse:
    ctx.setdefault("asset_id", "")
    resp = templates.TemplateResponse(
        request, name, {"lang": _lang(request), "version": bessemer.__version__, **ctx}, status_code=status
    )
    resp.headers["Content-Security-Policy"] = _CSP
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Referrer-Policy"] = "same-origin"
    return resp


def mount_dashboard(app: FastAPI) -> None:
    """Add the dashboard pages and ``/static`` to ``app``."""
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    router = APIRouter(include_in_schema=False)

    @router.get("/", response_class=HTMLResponse)
    def fleet_page(request: Request) -> HTMLResponse:
        return _render(templates, request, "fleet.html", page="fleet")

    @router.get("/assets/{asset_id}", response_class=HTMLResponse)
    def asset_page(request: Request, asset_id: str) -> HTMLResponse:
        try:
            request.app.state.store.asset_tree().node(asset_id)
        except NotFoundError:
            return _render(templates, request, "missing.html", status=404, page="missing", asset_id=asset_id)
        return _render(templates, request, "asset.html", page="asset", asset_id=asset_id)

    @router.get("/process", response_class=HTMLResponse)
    def process_page(request: Request) -> HTMLResponse:
        return _render(templates, request, "process.html", page="process", unit="")

    @router.get("/process/{unit}", response_class=HTMLResponse)
    def process_unit_page(request: Request, unit: str) -> HTMLResponse:
        svc = request.app.state.services.get("process")
        if svc is not None and hasattr(svc, "units") and unit not in {u.get("unit") for u in svc.units()}:
            return _render(templates, request, "missing.html", status=404, page="missing", asset_id=unit)
        return _render(templates, request, "process.html", page="process", unit=unit)

    @router.get("/energy", response_class=HTMLResponse)
    def energy_page(request: Request) -> HTMLResponse:
        return _render(templates, request, "energy.html", page="energy")

    @router.get("/quality", response_class=HTMLResponse)
    def quality_page(request: Request) -> HTMLResponse:
        return _render(templates, request, "quality.html", page="quality")

    @router.get("/battery", response_class=HTMLResponse)
    def battery_page(request: Request) -> HTMLResponse:
        return _render(templates, request, "battery.html", page="battery")

    app.include_router(router)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
