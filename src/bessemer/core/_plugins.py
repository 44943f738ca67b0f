"""Domains are plugins: each registers its models, API routers and dashboard pages.

A domain is a package that exposes a :class:`Domain` through the ``bessemer.domains``
entry-point group (see ``pyproject.toml``). The core never imports a domain by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

from ._exceptions import ModelError


@dataclass(frozen=True)
class Page:
    """A dashboard page a domain adds: a route under ``/ui`` and its titles."""

    path: str
    title_en: str
    title_ko: str
    template: str


@dataclass(frozen=True)
class Domain:
    """What a domain plugs into the platform."""

    name: str
    title_en: str
    title_ko: str
    models: tuple[type, ...] = ()
    routers: Callable[[], list[Any]] | None = None
    pages: tuple[Page, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


_DOMAINS: dict[str, Domain] = {}


def load_domains(*, reload: bool = False) -> dict[str, Domain]:
    """Load every installed domain once; returns them by name."""
    if _DOMAINS and not reload:
        return dict(_DOMAINS)
    for ep in entry_points(group="bessemer.domains"):
        dom = ep.load()
        if not isinstance(dom, Domain):
            raise ModelError(f"entry point {ep.name!r} does not point at a bessemer Domain")
        _DOMAINS[dom.name] = dom
    return dict(_DOMAINS)
