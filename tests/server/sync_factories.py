"""Records, operations and servers for the sync tests, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, select, text, update
from sqlalchemy.engine import make_url

from core.models import Channel, Eligibility, Incident, Note, Quote, Segment, Session
from core.sync.protocol import Operation, OperationKind
from server.db import bump_version, records
from server.embedded import LocalServer

OPENED = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
POSTGRES_URL = os.environ.get("VARDIA_TEST_POSTGRES_URL", "")


def incident(incident_id: str = "I-1", by: str = "alice", **changes: Any) -> Incident:
    base = Incident(
        id=incident_id,
        ref=f"R-{incident_id}",
        customer_id="C-1",
        subject="Printer prints Greek as boxes",
        opened_at=OPENED,
        opened_by=by,
        plan="basic",
        warn_at=OPENED + timedelta(hours=36),
        deadline=OPENED + timedelta(hours=48),
        eligibility=Eligibility(contract_in_force=True, served_as="basic"),
        updated_at=OPENED,
    )
    return base.model_copy(update=changes)


def session(
    session_id: str = "S-1",
    incident_id: str = "I-1",
    technician: str = "alice",
    device_id: str = "dev-a",
    **changes: Any,
) -> Session:
    zero = Decimal("0")
    quote = Quote(
        plan="basic",
        channel=Channel.PHONE,
        in_hours_minutes=Decimal("60"),
        after_hours_minutes=zero,
        billable_minutes=Decimal("60"),
        effective_minutes=Decimal("60"),
        net=zero,
        vat=zero,
        total=zero,
        due=zero,
    )
    base = Session(
        id=session_id,
        incident_id=incident_id,
        customer_id="C-1",
        technician=technician,
        device_id=device_id,
        channel=Channel.PHONE,
        segments=(Segment(start=OPENED, end=OPENED + timedelta(hours=1)),),
        quote=quote,
        recorded_at=OPENED + timedelta(hours=1),
    )
    return base.model_copy(update=changes)


def note(note_id: str, incident_id: str = "I-1", author: str = "alice") -> dict[str, Any]:
    text_ = f"note {note_id}"
    payload = Note(id=note_id, author=author, at=OPENED, text=text_).model_dump(mode="json")
    return {**payload, "incident_id": incident_id}


def op(
    kind: OperationKind,
    entity_id: str,
    payload: dict[str, Any],
    device_id: str = "dev-a",
    op_id: str | None = None,
) -> Operation:
    return Operation(
        op_id=op_id or str(uuid.uuid4()),
        kind=kind,
        entity_id=entity_id,
        payload=payload,
        created_at=OPENED,
        device_id=device_id,
    )


def open_op(record: Incident, device_id: str = "dev-a") -> Operation:
    return op(OperationKind.INCIDENT_OPEN, record.id, record.model_dump(mode="json"), device_id)


def record_op(record: Session) -> Operation:
    payload = record.model_dump(mode="json")
    return op(OperationKind.SESSION_RECORD, record.id, payload, record.device_id)


def update_op(
    incident_id: str, field: str, old: Any, new: Any, device_id: str = "dev-a"
) -> Operation:
    changes = {field: {"from": old, "to": new}}
    return op(OperationKind.INCIDENT_UPDATE, incident_id, {"changes": changes}, device_id)


def push_body(operations: list[Operation], device_id: str = "dev-a") -> dict[str, Any]:
    return {
        "device_id": device_id,
        "sent_at": datetime.now(UTC).isoformat(),
        "operations": [o.model_dump(mode="json") for o in operations],
    }


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a new database on the test PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'server.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("VARDIA_TEST_POSTGRES_URL is not set (run .ci/postgres.sh to get one)")
    # A schema per test: cheap to create under xdist, where CREATE DATABASE serialises.
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def live_server(database_url: str, tmp_path: Path) -> Iterator[LocalServer]:
    """A real vardia-server process on 127.0.0.1, stopped after the test."""
    server = LocalServer(tmp_path / "server-home", database_url)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def technician_client(server: LocalServer, name: str, admin: bool = False) -> httpx.Client:
    """An HTTP client of the live server with a new technician's token."""
    token = server.add_technician(name, admin=admin)
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.Client(base_url=server.url, headers=headers, timeout=30)


@pytest.fixture
def alice(live_server: LocalServer) -> Iterator[httpx.Client]:
    with technician_client(live_server, "alice") as client:
        yield client


@pytest.fixture
def bob(live_server: LocalServer) -> Iterator[httpx.Client]:
    with technician_client(live_server, "bob") as client:
        yield client


def rewrite_incident(server: LocalServer, incident_id: str, **fields: Any) -> dict[str, Any]:
    """Change an incident as the server stores it, as a newest change, past every check (as
    an older server, or a hand in the database, might have); its data as it was."""
    with server.engine.begin() as conn:
        where = (records.c.kind == "incident") & (records.c.id == incident_id)
        old: dict[str, Any] = json.loads(
            conn.execute(select(records.c.data).where(where)).scalar_one()
        )
        version = bump_version(conn)
        data = json.dumps({**old, **fields})
        conn.execute(update(records).where(where).values(data=data, version=version))
    return old
