"""Request limits: a token-bucket rate limit per caller and a JSON nesting-depth limit.

Both are plain ASGI middleware, so they refuse a request before any route runs:

- :class:`RateLimitMiddleware` keeps one bucket per token (keyed by a hash of the
  ``Authorization`` header, never the token itself) or, without a token, per client address.
  A request finding its bucket empty gets 429 with ``Retry-After`` (whole seconds).
- :class:`JsonDepthMiddleware` scans a request body that looks like JSON and refuses one nested
  deeper than ``max_depth`` with 400, before the JSON parser sees it (deep nesting makes
  recursive parsers and validators slow or crash).

The body-size limit (413) is :class:`bessemer.api._errors.BodyLimitMiddleware`; it sits outside
the depth check so that only bounded bodies are buffered here.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections import OrderedDict
from collections.abc import Callable

import numpy as np
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._errors import error_body

#: paths that are never rate limited (the dashboard's static files)
EXEMPT_PREFIXES: tuple[str, ...] = ("/static/",)
#: most buckets kept; the least recently used is dropped beyond this (bounds memory under random tokens)
MAX_BUCKETS = 10_000

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_FORM_TYPES = (b"multipart/form-data", b"application/x-www-form-urlencoded")


def json_depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects in a JSON text (brackets inside strings ignored).

    The text need not be valid JSON: this only counts, so that a too-deep body is refused
    before a parser recurses into it.

    Examples
    --------
    >>> json_depth(b'{"a": [1, {"b": "[[["}]}'), json_depth(b'42'), json_depth(b'[' * 40)
    (3, 0, 40)
    """
    if not body:
        return 0
    stripped = _STRING.sub(b"", body)
    brackets = stripped.translate(None, _NOT_BRACKET)
    if not brackets:
        return 0
    arr = np.frombuffer(brackets, dtype=np.uint8)
    step = np.where((arr == ord("[")) | (arr == ord("{")), 1, -1).astype(np.int64)
    return int(np.cumsum(step).max())


class TokenBucket:
    """Buckets of ``burst`` requests refilled at ``rate`` per second, one per key.

    Parameters
    ----------
    rate : float
        Sustained requests per second.
    burst : int
        Requests a fresh key may send at once.
    clock : callable, optional
        Seconds as a float (``time.monotonic`` when omitted); tests pass a fake clock.

    Examples
    --------
    >>> now = [0.0]
    >>> bucket = TokenBucket(rate=1.0, burst=2, clock=lambda: now[0])
    >>> [bucket.take("k") for _ in range(3)]
    [0.0, 0.0, 1.0]
    >>> now[0] = 1.0
    >>> bucket.take("k"), bucket.take("other")
    (0.0, 0.0)
    """

    def __init__(self, *, rate: float, burst: int, clock: Callable[[], float] | None = None,
                 max_keys: int = MAX_BUCKETS) -> None:
        self.rate = float(rate)
        self.burst = float(burst)
        self.clock = clock or time.monotonic
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, key: str) -> float:
        """Take one request from ``key``'s bucket: 0.0 when allowed, else the seconds to wait."""
        now = self.clock()
        tokens, seen = self._buckets.pop(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - seen) * self.rate)
        wait = 0.0
        if tokens >= 1.0:
            tokens -= 1.0
        else:
            wait = (1.0 - tokens) / self.rate
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return wait


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value)
    return None


def caller_key(scope: Scope) -> str:
    """The rate-limit key of a request: a hash of its Authorization header, else its client address.

    Examples
    --------
    >>> caller_key({"headers": [], "client": ("10.0.0.5", 5123)})
    'addr:10.0.0.5'
    >>> key = caller_key({"headers": [(b"authorization", b"Bearer secret-token")]})
    >>> key.startswith("token:"), "secret" in key
    (True, False)
    """
    auth = _header(scope, b"authorization")
    if auth and auth.strip():
        return "token:" + hashlib.sha256(auth.strip()).hexdigest()[:24]
    client = scope.get("client")
    return f"addr:{client[0] if client else 'unknown'}"


class RateLimitMiddleware:
    """Refuse a caller over its token bucket with 429 and ``Retry-After``."""

    def __init__(self, app: ASGIApp, *, rate: float, burst: int,
                 clock: Callable[[], float] | None = None) -> None:
        self.app = app
        self.bucket = TokenBucket(rate=rate, burst=burst, clock=clock) if rate > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (self.bucket is None or scope["type"] != "http"
                or str(scope.get("path", "")).startswith(EXEMPT_PREFIXES)):
            await self.app(scope, receive, send)
            return
        wait = self.bucket.take(caller_key(scope))
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        retry = max(1, math.ceil(wait))
        message = (f"too many requests: this caller may send {self.bucket.rate:g} per second (bursts of "
                   f"{self.bucket.burst:g}); retry after {retry} s, or ask an admin to raise "
                   "BESSEMER_RATE_LIMIT_PER_S")
        response = JSONResponse(error_body("TooManyRequests", message), status_code=429,
                                headers={"Retry-After": str(retry)})
        await response(scope, receive, send)


class JsonDepthMiddleware:
    """Refuse a JSON body nested deeper than ``max_depth`` with 400 (form uploads pass untouched)."""

    def __init__(self, app: ASGIApp, *, max_depth: int) -> None:
        self.app = app
        self.max_depth = max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        ctype = (_header(scope, b"content-type") or b"").lower()
        if ctype.startswith(_FORM_TYPES):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":  # client went away: let the app see it
                await self.app(scope, _replay(b"".join(chunks), receive, message), send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        depth = 0
        if body.lstrip()[:1] in (b"[", b"{"):
            # a large body is scanned off the event loop so other requests are not held up
            depth = json_depth(body) if len(body) < 1_000_000 else await run_in_threadpool(json_depth, body)
        if depth > self.max_depth:
            message_ = (f"the JSON body is nested {depth} levels deep; at most {self.max_depth} are accepted. "
                        "Send flat records (e.g. {\"readings\": [{...}, ...]})")
            response = JSONResponse(error_body("BadRequest", message_), status_code=400)
            await response(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)


def _replay(body: bytes, receive: Receive, last: Message | None = None) -> Receive:
    """A ``receive`` that hands the buffered body over once, then defers to the server."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            if last is not None and not body:
                return last
            return {"type": "http.request", "body": body, "more_body": False}
        if last is not None:
            return last
        return await receive()

    return replay
