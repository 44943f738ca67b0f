"""Fixtures: a demo store, the fake maintenance service and an app around them."""

from __future__ import annotations

import warnings

import pytest
from fastapi import FastAPI

with warnings.catch_warnings():
    # Starlette warns (as a UserWarning) that it prefers httpx2 over httpx; not ours to fix.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from bessemer.api import create_app, create_token
from bessemer.api.testing import FakeMaintenanceService, demo_store, with_domain_routes
from bessemer.core import Settings

SECRET = "test-secret-not-for-production"


def ensure_maintenance_routes(app: FastAPI) -> FastAPI:
    """Include the maintenance routes if the installed domain does not plug them in yet."""
    from bessemer.industry.maintenance._api import maintenance_routers

    return with_domain_routes(app, "maintenance", maintenance_routers)


@pytest.fixture
def settings():
    return Settings(secret=SECRET, max_upload_mb=0.05)


@pytest.fixture
def store():
    s = demo_store(hours=48)
    yield s
    s.close()


@pytest.fixture
def service(store):
    return FakeMaintenanceService(store)


@pytest.fixture
def app(settings, store, service):
    return ensure_maintenance_routes(create_app(settings, store=store, services={"maintenance": service}))


@pytest.fixture
def client(app):
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def tokens(store, settings):
    return {role: create_token(store, name=f"t-{role}", role=role, settings=settings)
            for role in ("viewer", "operator", "admin")}
