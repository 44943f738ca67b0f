"""API tokens: shown once, stored only as an HMAC-SHA256 keyed by ``settings.secret``.

Roles are ordered ``viewer < operator < admin``; a token may be limited to one site.
Tokens are never logged.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING, Any

from bessemer.core import AuthError, DataError, Settings, get_settings

if TYPE_CHECKING:  # pragma: no cover
    from bessemer.core._store import Store

ROLES: tuple[str, ...] = ("viewer", "operator", "admin")


def hash_token(token: str, secret: str) -> str:
    """HMAC-SHA256 of ``token`` keyed by ``secret``, as hex.

    Examples
    --------
    >>> h = hash_token("abc", "s3cret")
    >>> len(h), h == hash_token("abc", "s3cret"), h == hash_token("abc", "other")
    (64, True, False)
    """
    return hmac.new(secret.encode("utf-8"), token.encode("utf-8"), hashlib.sha256).hexdigest()


def create_token(store: Store, *, name: str, role: str, site: str | None = None,
                 settings: Settings | None = None) -> str:
    """Create a token, store its hash and return the plain token (shown only this once).

    Parameters
    ----------
    store : Store
        Where the hash is kept.
    name : str
        A unique label (``"plc-gateway-1"``); a duplicate raises :class:`~bessemer.core.DataError`.
    role : {"viewer", "operator", "admin"}
        Operators and admins may write readings.
    site : str, optional
        Limit the token to the assets of one site.
    settings : Settings, optional
        Supplies the HMAC key ``secret``; the process settings when omitted.

    Examples
    --------
    >>> from bessemer.api.testing import make_store
    >>> store = make_store()
    >>> tok = create_token(store, name="doc", role="operator", settings=Settings(secret="k"))
    >>> len(tok) > 30, store.find_token(hash_token(tok, "k"))["role"]
    (True, 'operator')
    """
    if role not in ROLES:
        raise DataError(f"role {role!r} is not one of {list(ROLES)}", column="role")
    secret = (settings or get_settings()).secret
    token = secrets.token_urlsafe(32)
    store.add_token(name=name, token_hash=hash_token(token, secret), role=role, site=site)
    return token


def auth_error(message: str, *, status: int = 401) -> AuthError:
    """An :class:`~bessemer.core.AuthError` carrying the HTTP status (401 or 403)."""
    err = AuthError(message)
    err.status_code = status  # type: ignore[attr-defined]
    return err


def check_token(store: Store, authorization: str | None, *, secret: str, role: str) -> dict[str, Any]:
    """Return the token record for an ``Authorization`` header, or raise ``AuthError``.

    Missing or unknown token: 401. Known token with a lower role than ``role``: 403.
    """
    if not authorization:
        raise auth_error("this request needs a token: send the header 'Authorization: Bearer <token>' "
                         "(create one with `bessemer token create`)")
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise auth_error("the Authorization header must be 'Bearer <token>'")
    record = store.find_token(hash_token(token, secret))
    if record is None:
        raise auth_error("the token is not known (it may have been revoked); ask an admin for a new one")
    have = record.get("role")
    if have not in ROLES or ROLES.index(have) < ROLES.index(role):
        raise auth_error(f"token {record.get('name')!r} has role {have!r}; this request needs role {role!r} "
                         "or higher", status=403)
    return record
