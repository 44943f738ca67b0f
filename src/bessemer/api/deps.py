"""Shared FastAPI dependencies: the store, settings, services and token checks."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import Depends, Header, Request

from bessemer.core import AuthError, NotFoundError, Settings

from ._errors import NotReadyError
from ._tokens import auth_error, check_token

# The dependencies below are ``async def`` on purpose: FastAPI runs a plain ``def`` dependency in a
# worker thread, and each such hop costs more than the dependency's own work (token records and the
# asset tree come from the store's cache). Route functions stay plain ``def``: their store queries run
# in a worker thread and never block the event loop.


async def get_store(request: Request) -> Any:
    """The app's :class:`~bessemer.core.Store`."""
    return request.app.state.store


async def get_settings(request: Request) -> Settings:
    """The app's :class:`~bessemer.core.Settings`."""
    return request.app.state.settings


def get_service(name: str) -> Callable[[Request], Any]:
    """A dependency returning ``app.state.services[name]``, or 503 while it is being prepared."""

    async def dep(request: Request) -> Any:
        svc = request.app.state.services.get(name)
        if svc is None:
            progress = getattr(request.app.state, "progress", None) or {}
            stage = progress.get("stage", "starting")
            frac = float(progress.get("fraction", 0.0))
            raise NotReadyError(f"the {name} service is being prepared ({stage}, {frac:.0%}); "
                                "poll /api/progress and try again")
        return svc

    return dep


log = logging.getLogger("bessemer.api.auth")


def _checked(request: Request, authorization: str | None, role: str) -> dict[str, Any]:
    """``check_token`` with an audit line: who was let in or refused where (names only, never the token)."""
    settings: Settings = request.app.state.settings
    where = f"{request.method} {request.url.path}"  # the path only: a query string could carry secrets
    try:
        record = check_token(request.app.state.store, authorization, secret=settings.secret, role=role)
    except AuthError as err:
        log.warning("refused %s: %s", where, err)
        raise
    log.debug("token %r (role %s, site %s) on %s", record.get("name"), record.get("role"), record.get("site"), where)
    return record


_AUTH_DOC = "Bearer <token>. Needed for writes; for reads when the server requires it (production)."


def require_role(role: str) -> Callable[..., dict[str, Any]]:
    """A dependency that checks ``Authorization: Bearer <token>`` for at least ``role``.

    The returned callable carries ``bessemer_role`` so tests can prove every write route has one.
    """

    async def dep(request: Request, authorization: str | None = Header(default=None, description=_AUTH_DOC)
                  ) -> dict[str, Any]:
        return _checked(request, authorization, role)

    dep.bessemer_role = role  # type: ignore[attr-defined]
    return dep


async def read_access(request: Request, authorization: str | None = Header(default=None, description=_AUTH_DOC)
                      ) -> dict[str, Any] | None:
    """The token record of a read, or ``None`` for an anonymous read where reads are open.

    Without a token: 401 when ``settings.reads_need_token`` (production), else ``None``
    (development). A token that is sent is always checked (unknown: 401), so a site-limited
    token never reads more than its site by being wrong.
    """
    settings: Settings = request.app.state.settings
    if authorization is None or not authorization.strip():
        if settings.reads_need_token:
            log.warning("refused %s %s: no token", request.method, request.url.path)
            raise auth_error("reading needs a token on this server: send the header 'Authorization: Bearer "
                             "<token>' (create one with `bessemer token create --role viewer`)")
        return None
    return _checked(request, authorization, "viewer")


def token_site(token: dict[str, Any] | None) -> str | None:
    """The site a token is limited to (``None``: every site, or an anonymous read).

    Examples
    --------
    >>> token_site({"name": "a", "role": "viewer", "site": "pohang"}), token_site(None)
    ('pohang', None)
    """
    if not token:
        return None
    return token.get("site") or None


def can_see(tree: Any, token: dict[str, Any] | None, asset_id: str) -> bool:
    """Whether ``token`` may read ``asset_id``: always without a site limit, else only under its site.

    Examples
    --------
    >>> from bessemer.api.testing import demo_tree
    >>> tree = demo_tree()
    >>> can_see(tree, {"site": "pohang"}, "fan-1"), can_see(tree, {"site": "gwangyang"}, "fan-1")
    (True, False)
    >>> can_see(tree, {"site": "pohang"}, "ghost"), can_see(tree, None, "ghost")
    (False, True)
    """
    site = token_site(token)
    if site is None:
        return True
    return asset_id in tree and tree.path(asset_id)[0] == site


def check_visible(tree: Any, token: dict[str, Any] | None, asset_id: str, *, what: str = "asset") -> None:
    """Raise :class:`~bessemer.core.NotFoundError` when ``token`` may not read ``asset_id``.

    The message is the same whether the asset is elsewhere or does not exist at all, so a
    site-limited token cannot learn which assets other sites have.
    """
    if not can_see(tree, token, asset_id):
        raise NotFoundError(f"{what} {asset_id!r} does not exist at site {token_site(token)!r} (this token "
                            "reads only that site)")


async def require_all_sites(request: Request, token: dict[str, Any] | None = Depends(read_access)) -> None:
    """Refuse (403) a site-limited token on data that is not tied to one site's assets."""
    site = token_site(token)
    if site is not None:
        area = request.url.path.split("/")[2] if request.url.path.count("/") >= 2 else "this"
        raise auth_error(f"token {token.get('name')!r} reads only site {site!r}, and the {area} data is not tied "
                         "to one site's assets; it needs a token without a site limit", status=403)
