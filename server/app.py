"""The HTTP API: health, push, pull, whoami and admin reads, behind size and rate limits."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import server
from core.clock import Clock, SystemClock
from core.errors import InputError
from core.models import Incident
from core.rules import plans_document
from core.sync.protocol import (
    API_PREFIX,
    MAX_BODY_BYTES,
    MAX_PULL_LIMIT,
    Health,
    PullResponse,
    PushRequest,
    PushResponse,
    SyncedPriceList,
    WhoAmI,
)
from server.admin import admin_incidents as read_incidents
from server.admin import admin_sessions as read_sessions
from server.auth import Caller, authenticate
from server.pull import pull as pull_page
from server.push import push as apply_push

__all__ = ["Limits", "create_app"]


@dataclass(frozen=True)
class Limits:
    """Per-token request rate (a token bucket, kept in this process) and body size."""

    rate_per_second: float = 50.0
    burst: int = 100
    max_body_bytes: int = MAX_BODY_BYTES


class _TokenBuckets:
    """One bucket per bearer token (or client address when there is none).

    In-process: with several server processes each keeps its own buckets, so the
    effective limit is per process; good enough to stop a runaway client.
    """

    def __init__(self, rate: float, burst: int) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """0 if the request may go ahead, else the seconds until it may."""
        now = time.monotonic()
        with self._lock:
            tokens, stamp = self._buckets.get(key, (self._burst, now))
            tokens = min(self._burst, tokens + (now - stamp) * self._rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self._rate


def _error(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


class _Guard:
    """Refuses oversized bodies (413) and floods (429 with Retry-After) before any work."""

    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self._app = app
        self._limit = limits.max_body_bytes
        self._buckets = _TokenBuckets(limits.rate_per_second, limits.burst)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        if scope["path"].endswith("/health"):
            await self._app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        key = headers.get(b"authorization", b"").decode("latin-1") or str(scope.get("client"))
        wait = self._buckets.take(key)
        if wait:
            retry = str(max(1, math.ceil(wait)))
            response = _error(429, "Too many requests; retry later.", {"Retry-After": retry})
            await response(scope, receive, send)
            return
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self._limit):
            await _error(413, self._too_large())(scope, receive, send)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self._limit:
                await _error(413, self._too_large())(scope, receive, send)
                return
        if b"\\u0000" in body or b"\x00" in body:
            # PostgreSQL text cannot hold NUL; refuse it before any write.
            await _error(422, "NUL characters are not accepted.")(scope, receive, send)
            return
        await self._app(scope, _replay(bytes(body), receive), send)

    def _too_large(self) -> str:
        return f"The request body is larger than {self._limit} bytes; send smaller batches."


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed


def _caller(request: Request, authorization: Annotated[str | None, Header()] = None) -> Caller:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(401, "A bearer token is required.", {"WWW-Authenticate": "Bearer"})
    found = authenticate(request.app.state.engine, token.strip())
    if found is None:
        raise HTTPException(401, "The token is unknown or revoked.", {"WWW-Authenticate": "Bearer"})
    return found


CallerDep = Annotated[Caller, Depends(_caller)]


def _admin(who: CallerDep) -> Caller:
    if not who.is_admin:
        raise HTTPException(403, "This needs an admin token.")
    return who


AdminDep = Annotated[Caller, Depends(_admin)]


def create_app(
    engine: Engine,
    *,
    clock: Clock | None = None,
    limits: Limits | None = None,
    price_list: SyncedPriceList | None = None,
) -> FastAPI:
    """The ASGI application over ``engine``; the schema must already be migrated.

    ``price_list`` is what pulls hand technicians; the shipped plans when left out.
    """
    clock = clock or SystemClock()
    served = price_list or SyncedPriceList.of(plans_document(None))
    app = FastAPI(
        title="vardia sync server",
        version=server.__version__,
        description="Push local changes, pull the desk's customers, incidents and price list.",
    )
    app.state.engine = engine

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {"loc": (), "msg": "invalid"}
        where = ".".join(str(part) for part in first["loc"])
        return _error(422, f"Invalid request at {where}: {first['msg']}.")

    @app.exception_handler(InputError)
    async def _bad_input(_request: Request, error: InputError) -> JSONResponse:
        return _error(400, str(error))

    @app.get(f"{API_PREFIX}/health")
    def health() -> Health:
        return Health(status="ok", server_time=clock.now(), version=server.__version__)

    @app.get(f"{API_PREFIX}/whoami")
    def whoami(who: CallerDep) -> WhoAmI:
        return WhoAmI(technician=who.name, role=who.role, server_time=clock.now())

    @app.post(f"{API_PREFIX}/push")
    def push(body: PushRequest, who: CallerDep) -> PushResponse:
        return apply_push(engine, who, body, clock.now())

    @app.get(f"{API_PREFIX}/pull")
    def pull(
        who: CallerDep,
        cursor: Annotated[str, Query(max_length=512)] = "",
        limit: Annotated[int, Query(ge=1, le=MAX_PULL_LIMIT)] = 500,
        known: Annotated[str | None, Query(alias="price_list", max_length=64)] = None,
    ) -> PullResponse:
        page = pull_page(engine, cursor, limit, clock.now())
        if known is None or known == served.version:
            return page
        return page.model_copy(update={"price_list": served})

    @app.get(f"{API_PREFIX}/admin/incidents")
    def admin_incidents(
        who: AdminDep,
        limit: Annotated[int, Query(ge=1, le=MAX_PULL_LIMIT)] = 100,
        offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    ) -> list[Incident]:
        return read_incidents(engine, limit, offset)

    @app.get(f"{API_PREFIX}/admin/sessions")
    def admin_sessions(
        who: AdminDep,
        technician: Annotated[str | None, Query(max_length=100)] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PULL_LIMIT)] = 100,
        offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    ) -> list[dict[str, Any]]:
        return read_sessions(engine, technician, limit, offset)

    app.add_middleware(_Guard, limits=limits or Limits())
    return app
