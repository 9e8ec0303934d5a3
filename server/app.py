"""The HTTP API: health, push, pull, whoami and admin reads, behind the guard's limits."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine

import server
from core.bounds import Bounds
from core.clock import Clock, SystemClock
from core.errors import InputError, NotFoundError
from core.i18n import _
from core.models import Incident
from core.periods import Month
from core.rules import load_bounds, load_rules, plans_document
from core.sync.protocol import (
    API_PREFIX,
    MAX_PULL_LIMIT,
    Health,
    PullResponse,
    PushRequest,
    PushResponse,
    SyncedPriceList,
    WhoAmI,
    check_push,
)
from server.admin import admin_incidents as read_incidents
from server.admin import admin_sessions as read_sessions
from server.auth import Caller, authenticate
from server.guard import Guard, Limits, error_response
from server.pull import pull as pull_page
from server.push import push as apply_push
from server.statements import customer_statement

__all__ = ["Limits", "create_app"]


def _caller(request: Request, authorization: Annotated[str | None, Header()] = None) -> Caller:
    scheme, _space, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(401, _("A bearer token is required."), {"WWW-Authenticate": "Bearer"})
    found = authenticate(request.app.state.engine, token.strip())
    if found is None:
        raise HTTPException(
            401, _("The token is unknown or revoked."), {"WWW-Authenticate": "Bearer"}
        )
    return found


CallerDep = Annotated[Caller, Depends(_caller)]


def _admin(who: CallerDep) -> Caller:
    if not who.is_admin:
        raise HTTPException(403, _("This needs an admin token."))
    return who


AdminDep = Annotated[Caller, Depends(_admin)]


def create_app(
    engine: Engine,
    *,
    clock: Clock | None = None,
    limits: Limits | None = None,
    price_list: SyncedPriceList | None = None,
    bounds: Bounds | None = None,
) -> FastAPI:
    """The ASGI application over ``engine``; the schema must already be migrated.

    ``price_list`` is what pulls hand technicians; the shipped plans when left out.
    ``bounds`` are what pushed operations must keep to (core.bounds); the shipped ones
    when left out.
    """
    clock = clock or SystemClock()
    bounds = bounds or load_bounds(None)
    served = price_list or SyncedPriceList.of(plans_document(None))
    rules = load_rules(None, served.document)
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
        return error_response(
            422,
            _("Invalid request at {where}: {problem}.").format(where=where, problem=first["msg"]),
        )

    @app.exception_handler(InputError)
    async def _bad_input(_request: Request, error: InputError) -> JSONResponse:
        return error_response(400, str(error))

    @app.get(f"{API_PREFIX}/health")
    def health() -> Health:
        return Health(status="ok", server_time=clock.now(), version=server.__version__)

    @app.get(f"{API_PREFIX}/whoami")
    def whoami(who: CallerDep) -> WhoAmI:
        return WhoAmI(technician=who.name, role=who.role, server_time=clock.now())

    # Answered as the model's own JSON: FastAPI's way (dump, validate again, encode) costs
    # more than the push of a batch itself.
    @app.post(f"{API_PREFIX}/push", response_model=PushResponse)
    def push(body: PushRequest, who: CallerDep) -> Response:
        now = clock.now()
        try:
            check_push(body, bounds, now)
        except InputError as error:
            raise HTTPException(422, str(error)) from None
        answer = apply_push(engine, rules, who, body, now, bounds)
        return Response(answer.model_dump_json(), media_type="application/json")

    @app.get(f"{API_PREFIX}/pull")
    def pull(
        who: CallerDep,
        cursor: Annotated[str, Query(max_length=512)] = "",
        limit: Annotated[int, Query(ge=1, le=MAX_PULL_LIMIT)] = 500,
        known: Annotated[str | None, Query(alias="price_list", max_length=64)] = None,
    ) -> PullResponse:
        page = pull_page(engine, who.name, cursor, limit, clock.now())
        if known is None or known == served.version:
            return page
        return page.model_copy(update={"price_list": served})

    @app.get(f"{API_PREFIX}/statements/{{customer_id}}")
    def statement(
        who: CallerDep,
        customer_id: Annotated[str, PathParam(min_length=1, max_length=128)],
        month: Annotated[str, Query(max_length=32)],
        issue: bool = False,
    ) -> Response:
        # Any technician of this desk may read any customer's statement, and issue it as a
        # document (numbered once): the desk shares them.
        try:
            the_month = Month.parse(month)
        except InputError as error:
            raise HTTPException(422, str(error)) from None
        try:
            _customer, found = customer_statement(
                engine, rules, customer_id, the_month, clock.now(), issue=issue
            )
        except NotFoundError as error:
            raise HTTPException(404, str(error)) from None
        return Response(found.model_dump_json(), media_type="application/json")

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

    def identify(token: str) -> str | None:
        found = authenticate(engine, token)
        return None if found is None else found.name

    app.add_middleware(Guard, limits=limits or Limits(), identify=identify)
    return app
