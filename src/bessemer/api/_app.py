"""The application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import Depends, FastAPI
from pydantic import BaseModel, ConfigDict

import bessemer
from bessemer.core import Settings, get_settings, load_domains

from ._errors import BodyLimitMiddleware, install_error_handlers
from ._limits import JsonDepthMiddleware, RateLimitMiddleware
from .deps import read_access
from .routers import assets, health, readings


class QueryStringFilter(logging.Filter):
    """Drop the query string from uvicorn's access-log lines (it could carry a token or a password).

    Examples
    --------
    >>> rec = logging.LogRecord("uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d',
    ...                         ("1.2.3.4:5", "GET", "/api/assets?token=abc", "1.1", 200), None)
    >>> QueryStringFilter().filter(rec), rec.getMessage()
    (True, '1.2.3.4:5 - "GET /api/assets HTTP/1.1" 200')
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str) and "?" in args[2]:
            record.args = (*args[:2], args[2].split("?", 1)[0], *args[3:])
        return True


class ErrorDetail(BaseModel):
    """Where and why a request failed; ``file``, ``row`` and ``column`` when a data value is at fault."""

    model_config = ConfigDict(extra="forbid")

    type: str
    message: str
    file: str | None = None
    row: int | None = None
    column: str | None = None


class ErrorOut(BaseModel):
    """The one error envelope of the API: ``{"error": {"type", "message", ...}}``."""

    model_config = ConfigDict(extra="forbid")

    error: ErrorDetail


#: the error answers every API route may give, documented with their real body
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut, "description": text} for code, text in [
        (400, "Malformed request (e.g. JSON nested too deeply)"), (401, "Missing or unknown token"),
        (403, "The token's role or site does not allow this"), (404, "Not found (or outside the token's site)"),
        (413, "Body over the size limit"), (422, "A value breaks a rule; names row and column"),
        (429, "Too many requests; see Retry-After"), (503, "The service is still being prepared")]
}


def _quiet_access_log() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, QueryStringFilter) for f in access.filters):
        access.addFilter(QueryStringFilter())


#: threads that run blocking routes: the store answers one query at a time, so more threads only wait
#: on its lock and fight over the GIL (AnyIO's default is 40)
ROUTE_THREADS = 4


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    anyio.to_thread.current_default_thread_limiter().total_tokens = ROUTE_THREADS
    yield


def create_app(settings: Settings | None = None, *, store: Any = None,
               services: dict[str, Any] | None = None) -> FastAPI:
    """Build the Bessemer web application: JSON API under ``/api`` and the dashboard.

    Every ``/api`` route but ``/api/health`` and ``/api/progress`` reads through
    :func:`~bessemer.api.deps.read_access` (a token when ``settings.reads_need_token``, and the
    token's site scope); requests pass a rate limit, a body-size limit and a JSON-depth limit
    first (:mod:`bessemer.api._limits`).

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
                  description="Predictive maintenance and monitoring for heavy industry.", lifespan=_lifespan)
    app.state.settings = settings
    app.state.store = store
    app.state.services = services if services is not None else {}
    app.state.progress = {"stage": "starting", "fraction": 0.0}
    install_error_handlers(app)
    # outermost last: rate limit, then body size, then JSON depth (which buffers only bounded bodies)
    app.add_middleware(JsonDepthMiddleware, max_depth=settings.max_json_depth)
    app.add_middleware(BodyLimitMiddleware, max_bytes=int(settings.max_upload_mb * 1_048_576))
    app.add_middleware(RateLimitMiddleware, rate=settings.rate_limit_per_s, burst=settings.rate_limit_burst)
    _quiet_access_log()
    app.include_router(health.router, responses={429: ERROR_RESPONSES[429]})  # liveness and progress stay open
    # every other route reads through read_access: a token when reads need one, and its site scope
    reads = [Depends(read_access)]
    for r in (assets.router, readings.router):
        app.include_router(r, dependencies=reads, responses=ERROR_RESPONSES)
    for dom in load_domains().values():
        if dom.routers is not None:
            for r in dom.routers():
                app.include_router(r, dependencies=reads, responses=ERROR_RESPONSES)
    from bessemer.web import mount_dashboard

    mount_dashboard(app)
    return app
