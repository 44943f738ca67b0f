"""Every error leaves the API as one JSON shape.

``{"error": {"type": ..., "message": ..., "file"?, "row"?, "column"?}}`` with the status
that fits: :class:`~bessemer.core.NotFoundError` 404, :class:`~bessemer.core.DataError`
and request validation 422, :class:`~bessemer.core.AuthError` 401 or 403, a body over
``settings.max_upload_mb`` 413, anything unexpected 500 (no traceback in the body).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bessemer.core import AuthError, BessemerError, DataError, NotFoundError

log = logging.getLogger("bessemer.api")

_STATUS_TYPES = {
    400: "BadRequest",
    401: "AuthError",
    403: "AuthError",
    404: "NotFoundError",
    405: "MethodNotAllowed",
    413: "PayloadTooLarge",
    422: "ValidationError",
    503: "NotReady",
}


class NotReadyError(BessemerError, RuntimeError):
    """A service the request needs is still being prepared (HTTP 503)."""


class PayloadTooLarge(BessemerError, ValueError):
    """A request body larger than ``settings.max_upload_mb`` (HTTP 413)."""


def error_body(type_: str, message: str, **where: Any) -> dict[str, Any]:
    """The JSON error envelope; location keys with ``None`` values are left out.

    Examples
    --------
    >>> error_body("DataError", "bad value", row=3, column="value", file=None)
    {'error': {'type': 'DataError', 'message': 'bad value', 'row': 3, 'column': 'value'}}
    """
    err: dict[str, Any] = {"type": type_, "message": message}
    err.update({k: v for k, v in where.items() if v is not None})
    return {"error": err}


def _status_of(exc: BessemerError) -> int:
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, AuthError):
        return int(getattr(exc, "status_code", 401))
    if isinstance(exc, PayloadTooLarge):
        return 413
    if isinstance(exc, NotReadyError):
        return 503
    if isinstance(exc, DataError | ValueError):
        return 422
    return 500


async def _bessemer_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, BessemerError)
    status = _status_of(exc)
    if isinstance(exc, DataError):
        body = error_body(type(exc).__name__, exc.reason, file=exc.file, row=exc.row, column=exc.column)
    elif status == 500:
        log.error("internal error on %s %s: %s", request.method, request.url.path, type(exc).__name__)
        body = error_body(type(exc).__name__, str(exc))
    else:
        body = error_body(type(exc).__name__, str(exc))
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


def _loc_to_where(loc: tuple[Any, ...]) -> dict[str, Any]:
    """Turn a pydantic location like ``("body", "readings", 2, "value")`` into row/column."""
    where: dict[str, Any] = {}
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    ints = [p for p in parts if isinstance(p, int)]
    names = [p for p in parts if isinstance(p, str)]
    if ints:
        where["row"] = ints[0] + 1
    if names:
        where["column"] = names[-1]
    return where


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if not errors:
        return JSONResponse(error_body("ValidationError", "invalid request"), status_code=422)
    first = errors[0]
    where = _loc_to_where(tuple(first.get("loc", ())))
    msg = str(first.get("msg", "invalid value"))
    place = ".".join(str(p) for p in first.get("loc", ()))
    more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    message = f"{place}: {msg}{more}" if place else msg + more
    return JSONResponse(error_body("ValidationError", message, **where), status_code=422)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    type_ = _STATUS_TYPES.get(exc.status_code, "HTTPError")
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    return JSONResponse(error_body(type_, detail), status_code=exc.status_code, headers=exc.headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # Log the class only: the message may echo request content (tokens, data).
    log.error("unexpected %s on %s %s", type(exc).__name__, request.method, request.url.path)
    return JSONResponse(
        error_body("InternalError", "an unexpected error happened; it has been logged"), status_code=500
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the JSON error handlers on ``app``."""
    app.add_exception_handler(BessemerError, _bessemer_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)


class BodyLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` with 413, by header or while streaming."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > limit:
                    await self._refuse(scope, receive, send, declared)
                    return
        if not any(name == b"content-length" for name, _ in scope.get("headers", [])):
            # streamed (chunked) body: read it here, up to the limit, then replay it
            chunks: list[bytes] = []
            seen = 0
            more = True
            while more:
                message = await receive()
                if message["type"] != "http.request":
                    break
                chunk = message.get("body", b"")
                seen += len(chunk)
                if seen > limit:
                    await self._refuse(scope, receive, send, seen)
                    return
                chunks.append(chunk)
                more = bool(message.get("more_body", False))
            replayed = False

            async def replay() -> Message:
                nonlocal replayed
                if not replayed:
                    replayed = True
                    return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
                return await receive()

            await self.app(scope, replay, send)
            return
        await self.app(scope, receive, send)

    def _message(self, size: int) -> str:
        mb = self.max_bytes / 1_048_576
        return (f"request body of at least {size} bytes is over the limit of {mb:g} MB; "
                "send smaller batches or raise BESSEMER_MAX_UPLOAD_MB")

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, size: int) -> None:
        response = JSONResponse(error_body("PayloadTooLarge", self._message(size)), status_code=413)
        await response(scope, receive, send)
