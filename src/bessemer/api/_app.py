"""The application factory."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

import bessemer
from bessemer.core import Settings, get_settings, load_domains

from ._errors import BodyLimitMiddleware, install_error_handlers
from .routers import assets, health, readings


def create_app(settings: Settings | None = None, *, store: Any = None,
               services: dict[str, Any] | None = None) -> FastAPI:
    """Build the Bessemer web application: JSON API under ``/api`` and the dashboard.

    Parameters
    ----------
    settings : Settings, optional
        The process settings when omitted.
    store : Store, optional
        Opened from ``settings.store_file`` when omitted.
    services : dict, optional
        Domain services by name (``"maintenance"``); may be filled later, while
        ``app.state.progress`` (``{"stage": str, "fraction": float}``) reports start-up.

    Examples
    --------
    >>> from bessemer.api.testing import demo_store
    >>> app = create_app(Settings(), store=demo_store())
    >>> sorted(p for p in app.openapi()["paths"] if p.startswith("/api/assets"))[:2]
    ['/api/assets', '/api/assets/{asset_id}']
    """
    settings = settings or get_settings()
    if store is None:
        from bessemer.core._store import Store

        store = Store.from_settings(settings)
    app = FastAPI(title="Bessemer", version=bessemer.__version__,
                  description="Predictive maintenance and monitoring for heavy industry.")
    app.state.settings = settings
    app.state.store = store
    app.state.services = services if services is not None else {}
    app.state.progress = {"stage": "starting", "fraction": 0.0}
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=int(settings.max_upload_mb * 1_048_576))
    for r in (health.router, assets.router, readings.router):
        app.include_router(r)
    for dom in load_domains().values():
        if dom.routers is not None:
            for r in dom.routers():
                app.include_router(r)
    from bessemer.web import mount_dashboard

    mount_dashboard(app)
    return app
