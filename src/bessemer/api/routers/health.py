"""Liveness and start-up progress."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

import bessemer

router = APIRouter(prefix="/api", tags=["health"])


@router.get("/health", summary="Liveness check")
def health() -> dict[str, str]:
    """``{"status": "ok", "version": ...}``."""
    return {"status": "ok", "version": bessemer.__version__}


@router.get("/progress", summary="Start-up progress of the services")
def progress(request: Request) -> dict[str, Any]:
    """``{"stage", "fraction", "ready", "services"}``; ``ready`` once the maintenance service is up."""
    state = getattr(request.app.state, "progress", None) or {}
    services = sorted(request.app.state.services)
    ready = "maintenance" in request.app.state.services
    return {"stage": str(state.get("stage", "ready" if ready else "starting")),
            "fraction": float(state.get("fraction", 1.0 if ready else 0.0)),
            "ready": ready, "services": services}
