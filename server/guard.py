"""What a request may cost before the API sees it: rate, body size and time, and the access log.

A request is a stranger's until its bearer token is known to be valid. Strangers are
limited per client address (an IPv6 client per /64), so a fresh junk token on every
request changes nothing; a valid token gets its own, larger bucket. The server reads a
body only from a valid token, within a size and a time limit. Every bucket and every
token remembered as valid lives in a bounded LRU, so memory does not grow with the
number of addresses or tokens seen.

Refusals made here close the connection: a client that is still sending a body the
server will not read cannot keep the connection (and its file descriptor) open.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import logging
import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import anyio.to_thread
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.i18n import _
from core.sync.protocol import MAX_BODY_BYTES

__all__ = ["ACCESS_LOG", "Guard", "LRUBuckets", "Limits", "client_key", "error_response"]

ACCESS_LOG = logging.getLogger("vardia.access")
# Tokens vardia-server makes are 43 characters; anything much longer is not one of them.
MAX_AUTHORIZATION_BYTES = 256
# Answered without a token: the health check and the API's own description.
PUBLIC_PATHS = frozenset({"/v1/health", "/openapi.json", "/docs", "/redoc"})
# A token found valid is trusted for the bucket choice this long; the API still checks
# every request's token itself, so a revoked token is refused at once all the same.
KNOWN_TOKEN_SECONDS = 300.0
# A JSON escape of NUL: ``\u0000`` after an odd run of backslashes. After an even run the
# backslashes escape each other and ``u0000`` is the text a person typed, which is text.
_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


@dataclass(frozen=True)
class Limits:
    """The server's bounds; every one is a ``vardia-server serve`` option."""

    # Requests with a valid token: a token bucket per token.
    rate_per_second: float = 50.0
    burst: int = 100
    # Requests without a valid token: a token bucket per client address.
    stranger_rate_per_second: float = 2.0
    stranger_burst: int = 20
    # How many buckets (and known tokens) are kept; the least recently used goes first.
    limiter_size: int = 10_000
    max_body_bytes: int = MAX_BODY_BYTES
    # Seconds to receive a request's whole body once its head has arrived.
    body_timeout: float = 60.0
    # Seconds to receive a request's head, from the connection or the previous answer.
    header_timeout: float = 10.0
    max_header_bytes: int = 8 * 1024
    # Open connections; past it, the oldest one still waiting on its client is closed.
    max_connections: int = 1000


class LRUBuckets:
    """Token buckets by key, at most ``size`` of them: the least recently used is forgotten."""

    def __init__(self, rate: float, burst: int, size: int) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._size = max(1, size)
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, key: str) -> float:
        """0 if the request may go ahead, else the seconds until it may."""
        now = time.monotonic()
        with self._lock:
            tokens, stamp = self._buckets.pop(key, (self._burst, now))
            tokens = min(self._burst, tokens + (now - stamp) * self._rate)
            wait = 0.0 if tokens >= 1 else (1 - tokens) / self._rate
            self._buckets[key] = (tokens - 1 if tokens >= 1 else tokens, now)
            if len(self._buckets) > self._size:
                self._buckets.popitem(last=False)
            return wait


class _KnownTokens:
    """Digests of tokens found valid, with their technician, for a while; bounded (LRU)."""

    def __init__(self, size: int) -> None:
        self._size = max(1, size)
        self._known: OrderedDict[str, tuple[str, float]] = OrderedDict()

    def get(self, digest: str) -> str | None:
        found = self._known.get(digest)
        if found is None or found[1] < time.monotonic():
            return None
        self._known.move_to_end(digest)
        return found[0]

    def add(self, digest: str, name: str) -> None:
        self._known[digest] = (name, time.monotonic() + KNOWN_TOKEN_SECONDS)
        self._known.move_to_end(digest)
        if len(self._known) > self._size:
            self._known.popitem(last=False)


def client_key(scope: Scope) -> str:
    """Whose limit a request counts against: its address, or its /64 for IPv6."""
    client = scope.get("client")
    if not client:
        return "local"
    host = str(client[0])
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def error_response(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


def _refusal(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """An answer given before the body is read: the connection closes after it."""
    return error_response(status, detail, {**(headers or {}), "Connection": "close"})


def _bearer(raw: bytes) -> str | None:
    scheme, _space, token = raw.decode("latin-1").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


class Guard:
    """ASGI middleware: limits, body reading and the access log, before the API runs.

    ``identify`` maps a token to its technician's name, or None; it is called (in a
    worker thread) only for tokens not recently found valid, and only once the
    client's address is within its stranger limit.
    """

    def __init__(self, app: ASGIApp, limits: Limits, identify: Callable[[str], str | None]) -> None:
        self._app = app
        self._limits = limits
        self._identify = identify
        self._tokens = LRUBuckets(limits.rate_per_second, limits.burst, limits.limiter_size)
        self._strangers = LRUBuckets(
            limits.stranger_rate_per_second, limits.stranger_burst, limits.limiter_size
        )
        self._known = _KnownTokens(limits.limiter_size)

    @property
    def buckets(self) -> int:
        """How many buckets are held now (for tests and diagnostics)."""
        return len(self._tokens) + len(self._strangers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = time.monotonic()
        seen: dict[str, object] = {"status": 0, "who": "-"}

        async def logged_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
            await send(message)

        try:
            await self._handle(scope, receive, logged_send, seen)
        finally:
            # The path only: no query string, no header, no body ever reaches the log.
            ACCESS_LOG.info(
                "%s %s %s %s %s %.0fms",
                client_key(scope),
                seen["who"],
                scope.get("method", "-"),
                scope.get("path", "-"),
                seen["status"] or "-",
                (time.monotonic() - started) * 1000,
            )

    async def _handle(
        self, scope: Scope, receive: Receive, send: Send, seen: dict[str, object]
    ) -> None:
        # h11 bounds a head that arrives in pieces; one that arrives whole is measured here.
        if sum(len(k) + len(v) + 4 for k, v in scope["headers"]) > self._limits.max_header_bytes:
            detail = _("The request's headers exceed {limit} bytes.").format(
                limit=self._limits.max_header_bytes
            )
            await _refusal(431, detail)(scope, receive, send)
            return
        headers = dict(scope["headers"])
        raw = headers.get(b"authorization", b"")
        token = _bearer(raw) if len(raw) <= MAX_AUTHORIZATION_BYTES else None
        digest = hashlib.sha256(token.encode()).hexdigest() if token else None
        name = self._known.get(digest) if digest else None
        if name is not None:
            wait = self._tokens.take(digest or "")
        else:
            wait = self._strangers.take(client_key(scope))
        if wait:
            retry = str(max(1, math.ceil(wait)))
            await _refusal(429, _("Too many requests; retry later."), {"Retry-After": retry})(
                scope, receive, send
            )
            return
        if name is None and token is not None and digest is not None:
            name = await anyio.to_thread.run_sync(self._identify, token)
            if name is not None:
                self._known.add(digest, name)
        if name is not None:
            seen["who"] = name
        elif _has_body(headers) and scope["path"] not in PUBLIC_PATHS:
            # A body is read only from a valid token; a stranger's is refused unread.
            detail = (
                _("The token is unknown or revoked.") if raw else _("A bearer token is required.")
            )
            await _refusal(401, detail, {"WWW-Authenticate": "Bearer"})(scope, receive, send)
            return
        if b"%00" in scope.get("query_string", b"") or "\x00" in scope["path"]:
            # As in a body below: PostgreSQL text cannot hold NUL.
            await _refusal(422, _("NUL characters are not accepted."))(scope, receive, send)
            return
        length = headers.get(b"content-length")
        limit = self._limits.max_body_bytes
        if length is not None and (not length.isdigit() or int(length) > limit):
            await _refusal(413, self._too_large())(scope, receive, send)
            return
        try:
            async with asyncio.timeout(self._limits.body_timeout):
                body = await self._read_body(receive, limit)
        except TimeoutError:
            detail = _("The request body took too long to arrive; send it again.")
            await _refusal(408, detail)(scope, receive, send)
            return
        if body is None:
            return
        if len(body) > limit:
            await _refusal(413, self._too_large())(scope, receive, send)
            return
        if b"\x00" in body or _NUL_ESCAPE.search(body):
            # PostgreSQL text cannot hold NUL; refuse it before any write.
            await error_response(422, _("NUL characters are not accepted."))(scope, receive, send)
            return
        await self._app(scope, _replay(body, receive), send)

    @staticmethod
    async def _read_body(receive: Receive, limit: int) -> bytes | None:
        """The whole body (cut short past ``limit``), or None if the client went away."""
        body = bytearray()
        more = True
        while more and len(body) <= limit:
            message = await receive()
            if message["type"] != "http.request":
                return None
            body += message.get("body", b"")
            more = message.get("more_body", False)
        return bytes(body)

    def _too_large(self) -> str:
        limit = self._limits.max_body_bytes
        return _("The request body is larger than {limit} bytes; send smaller batches.").format(
            limit=limit
        )


def _has_body(headers: dict[bytes, bytes]) -> bool:
    length = headers.get(b"content-length")
    if length is not None:
        return not length.isdigit() or int(length) > 0
    return b"transfer-encoding" in headers


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed
