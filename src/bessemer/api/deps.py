"""Shared FastAPI dependencies: the store, settings, services and token checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Header, Request

from bessemer.core import Settings

from ._errors import NotReadyError
from ._tokens import check_token


def get_store(request: Request) -> Any:
    """The app's :class:`~bessemer.core.Store`."""
    return request.app.state.store


def get_settings(request: Request) -> Settings:
    """The app's :class:`~bessemer.core.Settings`."""
    return request.app.state.settings


def get_service(name: str) -> Callable[[Request], Any]:
    """A dependency returning ``app.state.services[name]``, or 503 while it is being prepared."""

    def dep(request: Request) -> Any:
        svc = request.app.state.services.get(name)
        if svc is None:
            progress = getattr(request.app.state, "progress", None) or {}
            stage = progress.get("stage", "starting")
            frac = float(progress.get("fraction", 0.0))
            raise NotReadyError(f"the {name} service is being prepared ({stage}, {frac:.0%}); "
                                "poll /api/progress and try again")
        return svc

    return dep


def require_role(role: str) -> Callable[..., dict[str, Any]]:
    """A dependency that checks ``Authorization: Bearer <token>`` for at least ``role``."""

    def dep(request: Request, authorization: str | None = Header(default=None)) -> dict[str, Any]:
        settings: Settings = request.app.state.settings
        return check_token(request.app.state.store, authorization, secret=settings.secret, role=role)

    return dep
