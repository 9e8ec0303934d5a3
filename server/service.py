"""What the server does, apart from HTTP: tokens, pushes, pulls, imports and admin reads.

Each push batch is one transaction; an operation's idempotency row is written in that
same transaction, so a batch either lands whole (with every op_id recorded) or not at all.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError
from sqlalchemy import Connection, Engine, and_, bindparam, func, insert, or_, select, update

from core.errors import InputError, NotFoundError
from core.i18n import _
from core.models import Contract, Customer, Incident, Session
from core.sync.protocol import (
    SKEW_LIMIT_SECONDS,
    FieldConflict,
    IncidentUpdate,
    NotePayload,
    Operation,
    OpResult,
    OpStatus,
    PullResponse,
    PushRequest,
    PushResponse,
    parse_payload,
)
from server.db import applied_ops, aware, bump_version, devices, records, sessions, technicians

__all__ = [
    "Caller",
    "Role",
    "add_technician",
    "admin_incidents",
    "admin_sessions",
    "authenticate",
    "hash_token",
    "import_customers",
    "list_devices",
    "pull",
    "push",
    "revoke_technician",
]

CUSTOMER = "customer"
INCIDENT = "incident"


class Role(StrEnum):
    """What a token may do."""

    TECHNICIAN = "technician"
    ADMIN = "admin"


@dataclass(frozen=True)
class Caller:
    """The technician a request's token belongs to."""

    name: str
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


class _Rejected(Exception):
    """An operation the server refuses; its message is the reason sent back."""


def hash_token(token: str) -> str:
    """Only this digest is stored; a leaked database gives no usable token."""
    return hashlib.sha256(token.encode()).hexdigest()


def add_technician(engine: Engine, name: str, *, admin: bool, now: datetime) -> str:
    """Create a technician and return the token, which is shown once and never stored."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InputError(_("A technician's name must be 1 to 100 characters."))
    token = secrets.token_urlsafe(32)
    with engine.begin() as conn:
        bump_version(conn)
        if conn.execute(select(technicians.c.id).where(technicians.c.name == name)).first():
            raise InputError(_("A technician named {name} already exists.").format(name=name))
        conn.execute(
            insert(technicians).values(
                name=name,
                role=Role.ADMIN if admin else Role.TECHNICIAN,
                token_hash=hash_token(token),
                created_at=now,
            )
        )
    return token


def revoke_technician(engine: Engine, name: str, *, now: datetime) -> None:
    """Revoke a technician's token; their records stay."""
    with engine.begin() as conn:
        bump_version(conn)
        done = conn.execute(
            update(technicians)
            .where(technicians.c.name == name, technicians.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        if done.rowcount != 1:
            raise NotFoundError(_("No active technician named {name}.").format(name=name))


def authenticate(engine: Engine, token: str) -> Caller | None:
    """The caller a bearer token belongs to, or None if it is unknown or revoked."""
    digest = hash_token(token)
    with engine.connect() as conn:
        row = conn.execute(
            select(technicians.c.name, technicians.c.role, technicians.c.token_hash).where(
                technicians.c.token_hash == digest, technicians.c.revoked_at.is_(None)
            )
        ).first()
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    return Caller(name=row.name, role=Role(row.role))


def push(engine: Engine, caller: Caller, request: PushRequest, now: datetime) -> PushResponse:
    """Apply a batch in one transaction: each op once, a result for each, in order."""
    offset = (request.sent_at - now).total_seconds()
    op_ids = [op.op_id for op in request.operations]
    with engine.begin() as conn:
        version = bump_version(conn)
        _touch_device(conn, caller, request.device_id, offset, now)
        done = {
            row.op_id: row.result
            for row in conn.execute(
                select(applied_ops.c.op_id, applied_ops.c.result).where(
                    applied_ops.c.op_id.in_(op_ids)
                )
            )
        }
        batch = _Batch(conn, version)
        batch.preload([op for op in request.operations if op.op_id not in done])
        results: list[OpResult] = []
        applied: list[dict[str, Any]] = []
        for op in request.operations:
            if op.op_id in done:
                earlier = OpResult.model_validate_json(done[op.op_id])
                results.append(earlier.model_copy(update={"status": OpStatus.DUPLICATE}))
                continue
            result = _apply(batch, caller, op, offset, now)
            if result.status is not OpStatus.REJECTED:
                done[op.op_id] = result.model_dump_json()
                applied.append(
                    {
                        "op_id": op.op_id,
                        "technician": caller.name,
                        "kind": op.kind,
                        "entity_id": op.entity_id,
                        "applied_at": now,
                        "result": done[op.op_id],
                    }
                )
            results.append(result)
        batch.flush()
        if applied:
            conn.execute(insert(applied_ops), applied)
    return PushResponse(results=results, server_time=now, clock_offset_seconds=offset)


def _touch_device(
    conn: Connection, caller: Caller, device_id: str, offset: float, now: datetime
) -> None:
    values = {"technician": caller.name, "last_seen": now, "clock_offset_seconds": offset}
    changed = conn.execute(
        update(devices).where(devices.c.device_id == device_id).values(**values)
    ).rowcount
    if not changed:
        conn.execute(insert(devices).values(device_id=device_id, first_seen=now, **values))


class _Batch:
    """The records and sessions one push reads and writes, loaded and saved in bulk.

    Reads see the batch's own earlier writes (an incident opened, then edited).
    """

    def __init__(self, conn: Connection, version: int) -> None:
        self.conn = conn
        self.version = version
        self.records: dict[tuple[str, str], str | None] = {}
        self.sessions: dict[str, tuple[str, str] | None] = {}
        self._new_records: set[tuple[str, str]] = set()
        self._dirty_records: set[tuple[str, str]] = set()
        self._session_rows: dict[str, dict[str, Any]] = {}
        self._new_sessions: set[str] = set()

    def preload(self, ops: Sequence[Operation]) -> None:
        incident_ids = {op.entity_id for op in ops if op.kind.startswith("incident.")}
        session_ids = {op.entity_id for op in ops if op.kind.startswith("session.")}
        # Notes and sessions name their incident in the payload.
        incident_ids |= {
            str(op.payload["incident_id"]) for op in ops if "incident_id" in op.payload
        }
        for chunk in _chunks(sorted(incident_ids)):
            query = select(records.c.id, records.c.data).where(
                records.c.kind == INCIDENT, records.c.id.in_(chunk)
            )
            found = {row.id: row.data for row in self.conn.execute(query)}
            self.records.update({(INCIDENT, i): found.get(i) for i in chunk})
        for chunk in _chunks(sorted(session_ids)):
            query = select(sessions.c.id, sessions.c.technician, sessions.c.data).where(
                sessions.c.id.in_(chunk)
            )
            rows = {row.id: (row.technician, row.data) for row in self.conn.execute(query)}
            self.sessions.update({i: rows.get(i) for i in chunk})

    def record(self, kind: str, record_id: str) -> str | None:
        key = (kind, record_id)
        if key not in self.records:
            self.records[key] = _load_record(self.conn, kind, record_id)
        return self.records[key]

    def put_record(self, kind: str, record_id: str, data: str) -> None:
        key = (kind, record_id)
        if self.record(kind, record_id) is None:
            self._new_records.add(key)
        else:
            self._dirty_records.add(key)
        self.records[key] = data

    def session(self, session_id: str) -> tuple[str, str] | None:
        if session_id not in self.sessions:
            row = self.conn.execute(
                select(sessions.c.technician, sessions.c.data).where(sessions.c.id == session_id)
            ).first()
            self.sessions[session_id] = None if row is None else (row.technician, row.data)
        return self.sessions[session_id]

    def put_session(self, session_id: str, values: dict[str, Any]) -> None:
        if self.session(session_id) is None and session_id not in self._session_rows:
            self._new_sessions.add(session_id)
        self.sessions[session_id] = (values["technician"], values["data"])
        self._session_rows[session_id] = {"id": session_id, **values}

    def flush(self) -> None:
        """Write what the batch changed: a few bulk statements instead of one per op."""
        version = self.version
        new = [
            {"kind": k, "id": i, "data": self.records[(k, i)], "version": version}
            for k, i in sorted(self._new_records)
        ]
        dirty = [
            {"k": k, "i": i, "data": self.records[(k, i)], "version": version}
            for k, i in sorted(self._dirty_records - self._new_records)
        ]
        if new:
            self.conn.execute(insert(records), new)
        if dirty:
            self.conn.execute(
                update(records).where(
                    records.c.kind == bindparam("k"), records.c.id == bindparam("i")
                ),
                dirty,
            )
        added = [row for sid, row in self._session_rows.items() if sid in self._new_sessions]
        changed = [
            {**row, "sid": sid}
            for sid, row in self._session_rows.items()
            if sid not in self._new_sessions
        ]
        if added:
            self.conn.execute(insert(sessions), added)
        for row in changed:
            values = {k: v for k, v in row.items() if k not in ("id", "sid")}
            self.conn.execute(update(sessions).where(sessions.c.id == row["sid"]).values(values))


def _chunks(items: list[str], size: int = 500) -> list[list[str]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _apply(batch: _Batch, caller: Caller, op: Operation, offset: float, now: datetime) -> OpResult:
    try:
        payload = parse_payload(op)
        conflicts: list[FieldConflict] = []
        match payload:
            case Incident():
                _open_incident(batch, payload)
            case IncidentUpdate():
                conflicts = _update_incident(batch, op.entity_id, payload, now)
            case NotePayload():
                _add_note(batch, caller, payload, now)
            case Session():
                _save_session(batch, caller, op, payload, offset, now)
    except (ValueError, _Rejected) as error:
        return OpResult(op_id=op.op_id, status=OpStatus.REJECTED, reason=str(error))
    status = OpStatus.CONFLICT if conflicts else OpStatus.APPLIED
    return OpResult(op_id=op.op_id, status=status, conflicts=conflicts)


def _load_record(conn: Connection, kind: str, record_id: str) -> str | None:
    row = conn.execute(
        select(records.c.data).where(records.c.kind == kind, records.c.id == record_id)
    ).first()
    return None if row is None else str(row.data)


def _incident(batch: _Batch, incident_id: str) -> Incident:
    data = batch.record(INCIDENT, incident_id)
    if data is None:
        raise _Rejected(f"there is no incident {incident_id!r} on the server")
    return Incident.model_validate_json(data)


def _open_incident(batch: _Batch, incident: Incident) -> None:
    existing = batch.record(INCIDENT, incident.id)
    if existing is not None:
        if Incident.model_validate_json(existing) == incident:
            return
        raise _Rejected(f"an incident with id {incident.id!r} already exists")
    batch.put_record(INCIDENT, incident.id, incident.model_dump_json())


def _update_incident(
    batch: _Batch, incident_id: str, update_: IncidentUpdate, now: datetime
) -> list[FieldConflict]:
    current = _incident(batch, incident_id)
    as_json = current.model_dump(mode="json")
    merged = dict(as_json)
    conflicts: list[FieldConflict] = []
    for field, change in update_.changes.items():
        seen = _typed(as_json, field, change.from_)
        wanted = _typed(as_json, field, change.to)
        standing = getattr(current, field)
        if standing == seen:
            merged[field] = change.to
        elif standing != wanted:
            conflicts.append(
                FieldConflict(
                    incident_id=incident_id,
                    field=field,
                    base=change.from_,
                    local=change.to,
                    server=as_json[field],
                )
            )
    if merged != as_json:
        merged["updated_at"] = now.isoformat()
        updated = _validated(merged)
        batch.put_record(INCIDENT, incident_id, updated.model_dump_json())
    return conflicts


def _typed(incident_json: dict[str, Any], field: str, value: Any) -> Any:
    """A wire value as the Incident field's type, so "Z" and "+00:00" compare equal."""
    return getattr(_validated({**incident_json, field: value}), field)


def _validated(incident_json: dict[str, Any]) -> Incident:
    try:
        return Incident.model_validate(incident_json)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise _Rejected(f"invalid incident value at {where}: {first['msg']}") from None


def _add_note(batch: _Batch, caller: Caller, note: NotePayload, now: datetime) -> None:
    if note.author != caller.name:
        raise _Rejected("a note can only be added by its author")
    current = _incident(batch, note.incident_id)
    if any(existing.id == note.id for existing in current.notes):
        return
    plain = note.model_dump(exclude={"incident_id"})
    notes = (*current.notes, plain)
    updated = _validated({**current.model_dump(), "notes": notes, "updated_at": now})
    batch.put_record(INCIDENT, updated.id, updated.model_dump_json())


def _save_session(
    batch: _Batch, caller: Caller, op: Operation, session: Session, offset: float, now: datetime
) -> None:
    if session.technician != caller.name:
        raise _Rejected("a session can only be recorded or edited by its own technician")
    if batch.record(INCIDENT, session.incident_id) is None:
        raise _Rejected(f"there is no incident {session.incident_id!r} on the server")
    row = batch.session(session.id)
    own_offset = session.clock_offset_seconds or 0.0
    values = {
        "technician": session.technician,
        "incident_id": session.incident_id,
        "device_id": session.device_id,
        "version": batch.version,
        "skew_flagged": max(abs(offset), abs(own_offset)) > SKEW_LIMIT_SECONDS,
        "received_at": now,
        "data": session.model_dump_json(),
    }
    if op.kind == "session.record":
        if row is not None:
            if Session.model_validate_json(row[1]) == session:
                return
            raise _Rejected(f"session {session.id!r} is already recorded; edit it instead")
        batch.put_session(session.id, values)
        return
    if row is None:
        raise _Rejected(f"there is no session {session.id!r} on the server to edit")
    if row[0] != caller.name:
        raise _Rejected("a technician cannot alter another technician's session")
    batch.put_session(session.id, values)


def encode_cursor(version: int, kind: str, record_id: str) -> str:
    raw = orjson.dumps([version, kind, record_id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, str, str]:
    """Raises InputError on anything but a cursor this server handed out."""
    if not cursor:
        return (0, "", "")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        version, kind, record_id = orjson.loads(raw)
        if not (isinstance(version, int) and isinstance(kind, str) and isinstance(record_id, str)):
            raise ValueError
        if not 0 <= version < 2**62:
            raise ValueError
    except ValueError:
        raise InputError(_("The cursor is not one this server handed out.")) from None
    return (version, kind, record_id)


def pull(engine: Engine, cursor: str, limit: int, now: datetime) -> PullResponse:
    """One page of customers and incidents changed after ``cursor``, oldest change first."""
    version, kind, record_id = decode_cursor(cursor)
    after = or_(
        records.c.version > version,
        and_(
            records.c.version == version,
            or_(records.c.kind > kind, and_(records.c.kind == kind, records.c.id > record_id)),
        ),
    )
    query = (
        select(records.c.kind, records.c.id, records.c.version, records.c.data)
        .where(after)
        .order_by(records.c.version, records.c.kind, records.c.id)
        .limit(limit + 1)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    page, has_more = rows[:limit], len(rows) > limit
    customers = [Customer.model_validate_json(r.data) for r in page if r.kind == CUSTOMER]
    incidents = [Incident.model_validate_json(r.data) for r in page if r.kind == INCIDENT]
    next_cursor = encode_cursor(page[-1].version, page[-1].kind, page[-1].id) if page else cursor
    return PullResponse(
        customers=customers,
        incidents=incidents,
        cursor=next_cursor,
        has_more=has_more,
        server_time=now,
    )


CSV_COLUMNS = (
    "id",
    "name",
    "contact",
    "city",
    "out_of_town",
    "plan",
    "premium_pack",
    "valid_from",
    "valid_until",
    "leased",
    "program_value",
    "prepaid_credit",
    "overdue_amount",
)


def _customer_from_row(row: dict[str, str], now: datetime) -> Customer:
    def flag(value: str) -> bool:
        return value.strip().lower() in {"1", "true", "yes", "y"}

    def money(value: str) -> Decimal:
        return Decimal(value.strip() or "0")

    contract = None
    if row.get("plan", "").strip():
        contract = Contract(
            plan=row["plan"].strip(),
            premium_pack=row.get("premium_pack", "").strip() or None,
            valid_from=date.fromisoformat(row["valid_from"].strip()),
            valid_until=date.fromisoformat(row["valid_until"].strip()),
            leased=flag(row.get("leased", "")),
            program_value=money(row.get("program_value", "")),
        )
    return Customer(
        id=row["id"].strip(),
        name=row["name"].strip(),
        contact=row.get("contact", "").strip(),
        city=row.get("city", "").strip(),
        out_of_town=flag(row.get("out_of_town", "")),
        contract=contract,
        prepaid_credit=money(row.get("prepaid_credit", "")),
        overdue_amount=money(row.get("overdue_amount", "")),
        updated_at=now,
    )


def read_customers_csv(path: Path, now: datetime) -> list[Customer]:
    """Customers and their contracts from a CSV with a header row (see CSV_COLUMNS)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = {"id", "name"} - set(reader.fieldnames or ())
        if missing:
            raise InputError(
                _("{path} has no column {cols}; the header needs at least id and name.").format(
                    path=path, cols=", ".join(sorted(missing))
                )
            )
        customers = []
        for line, row in enumerate(reader, start=2):
            try:
                customers.append(_customer_from_row(row, now))
            except (ValueError, KeyError, InvalidOperation, ValidationError) as error:
                raise InputError(
                    _("{path} line {line} is not a valid customer ({error}).").format(
                        path=path, line=line, error=str(error).splitlines()[0]
                    )
                ) from None
    return customers


def import_customers(engine: Engine, customers: Sequence[Customer]) -> int:
    """Insert or replace customers in one transaction; pulls then send them to devices."""
    with engine.begin() as conn:
        batch = _Batch(conn, bump_version(conn))
        for chunk in _chunks(sorted({c.id for c in customers})):
            query = select(records.c.id, records.c.data).where(
                records.c.kind == CUSTOMER, records.c.id.in_(chunk)
            )
            found = {row.id: row.data for row in conn.execute(query)}
            batch.records.update({(CUSTOMER, i): found.get(i) for i in chunk})
        for customer in customers:
            batch.put_record(CUSTOMER, customer.id, customer.model_dump_json())
        batch.flush()
    return len(customers)


def list_devices(engine: Engine) -> list[dict[str, Any]]:
    """Every device that has pushed, with its technician, last contact and clock offset."""
    with engine.connect() as conn:
        rows = conn.execute(select(devices).order_by(devices.c.last_seen.desc())).all()
    return [
        {
            "device_id": r.device_id,
            "technician": r.technician,
            "first_seen": aware(r.first_seen).isoformat(),
            "last_seen": aware(r.last_seen).isoformat(),
            "clock_offset_seconds": r.clock_offset_seconds,
        }
        for r in rows
    ]


def admin_incidents(engine: Engine, limit: int, offset: int) -> list[Incident]:
    """Every incident on the server, by id."""
    query = (
        select(records.c.data)
        .where(records.c.kind == INCIDENT)
        .order_by(records.c.id)
        .limit(limit)
        .offset(offset)
    )
    with engine.connect() as conn:
        return [Incident.model_validate_json(r.data) for r in conn.execute(query)]


def admin_sessions(
    engine: Engine, technician: str | None, limit: int, offset: int
) -> list[dict[str, Any]]:
    """Sessions as stored, with the server's skew flag."""
    query = select(sessions).order_by(sessions.c.id).limit(limit).offset(offset)
    if technician is not None:
        query = query.where(sessions.c.technician == technician)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        {
            "session": orjson.loads(r.data),
            "device_id": r.device_id,
            "skew_flagged": r.skew_flagged,
            "received_at": aware(r.received_at).isoformat(),
        }
        for r in rows
    ]


def count_applied(engine: Engine, op_ids: Iterable[str] | None = None) -> int:
    """How many operations the server has applied (all, or of ``op_ids``)."""
    query = select(func.count()).select_from(applied_ops)
    if op_ids is not None:
        query = query.where(applied_ops.c.op_id.in_(list(op_ids)))
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())
