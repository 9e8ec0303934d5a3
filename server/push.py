"""Applies a technician's pushed operations: each once, in order, in one transaction.

Each push batch is one transaction; an operation's idempotency row is written in that
same transaction, so a batch either lands whole (with every op_id recorded) or not at all.
An op_id is the pushing technician's own: a colleague's operation under the same id is
theirs to apply, and a known id comes back as "duplicate" only with the same digest; with
another payload it is refused as a reused id (SPEC §7.2).
The customers' ledgers the batch touched are settled in it too (``server.ledger``): a
session's price is the server's own, never the quote the device sent.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Connection, Engine, insert, select, update

from core.bounds import Bounds
from core.errors import first_problem
from core.i18n import _
from core.ledger import claims_premium, first_second
from core.models import Incident, Session
from core.rules import Rules
from core.sync.protocol import (
    SKEW_LIMIT_SECONDS,
    FieldConflict,
    IncidentUpdate,
    NotePayload,
    Operation,
    OpResult,
    OpStatus,
    PushRequest,
    PushResponse,
    check_operation,
)
from server.auth import Caller
from server.db import applied_ops, bump_version, devices, utc
from server.ledger import Touched, record_claim, settle
from server.records import INCIDENT, Batch

__all__ = ["push"]


class _Rejected(Exception):
    """An operation the server refuses; its message is the reason sent back."""


def push(
    engine: Engine,
    rules: Rules,
    caller: Caller,
    request: PushRequest,
    now: datetime,
    bounds: Bounds,
) -> PushResponse:
    """Apply a batch in one transaction: each op once, a result for each, in order.

    An operation outside the domain bounds is rejected with its sentence and stores nothing.
    """
    offset = (request.sent_at - now).total_seconds()
    op_ids = [op.op_id for op in request.operations]
    with engine.begin() as conn:
        version = bump_version(conn)
        _touch_device(conn, caller, request.device_id, offset, now)
        done = {
            row.op_id: _Applied(row.result, row.digest)
            for row in conn.execute(
                select(applied_ops.c.op_id, applied_ops.c.result, applied_ops.c.digest).where(
                    applied_ops.c.technician == caller.name, applied_ops.c.op_id.in_(op_ids)
                )
            )
        }
        batch = Batch(conn, version)
        touched = Touched()
        batch.preload([op for op in request.operations if op.op_id not in done])
        results: list[OpResult] = []
        applied: list[dict[str, Any]] = []
        for op in request.operations:
            digest = op.digest()
            if op.op_id in done:
                results.append(done[op.op_id].repeated(op, digest))
                continue
            result = _apply(batch, touched, caller, op, offset, now, bounds)
            if result.status is not OpStatus.REJECTED:
                done[op.op_id] = _Applied(result.model_dump_json(), digest)
                applied.append(
                    {
                        "technician": caller.name,
                        "op_id": op.op_id,
                        "kind": op.kind,
                        "entity_id": op.entity_id,
                        "applied_at": now,
                        "result": done[op.op_id].result,
                        "digest": digest,
                    }
                )
            results.append(result)
        batch.flush()
        settle(conn, rules, touched, version, now)
        if applied:
            conn.execute(insert(applied_ops), applied)
    return PushResponse(results=results, server_time=now, clock_offset_seconds=offset)


class _Applied(NamedTuple):
    """An operation the caller had pushed before: what it was answered, and its digest."""

    result: str
    digest: str | None

    def repeated(self, op: Operation, digest: str) -> OpResult:
        """The answer to the same id pushed again: the first answer, or a reused id refused.

        A NULL digest is a row from before digests were kept: unknown, taken as the same.
        """
        if self.digest is None or self.digest == digest:
            earlier = OpResult.model_validate_json(self.result)
            return earlier.model_copy(update={"status": OpStatus.DUPLICATE})
        reason = _(
            "Operation id {op_id} was already used for another change; this {kind} is refused "
            "as a reused id, and the first change stands."
        ).format(op_id=op.op_id, kind=op.kind)
        return OpResult(op_id=op.op_id, status=OpStatus.REJECTED, reason=reason)


def _touch_device(
    conn: Connection, caller: Caller, device_id: str, offset: float, now: datetime
) -> None:
    values = {"technician": caller.name, "last_seen": now, "clock_offset_seconds": offset}
    changed = conn.execute(
        update(devices).where(devices.c.device_id == device_id).values(**values)
    ).rowcount
    if not changed:
        conn.execute(insert(devices).values(device_id=device_id, first_seen=now, **values))


def _apply(
    batch: Batch,
    touched: Touched,
    caller: Caller,
    op: Operation,
    offset: float,
    now: datetime,
    bounds: Bounds,
) -> OpResult:
    try:
        payload = check_operation(op, bounds, now)
        conflicts: list[FieldConflict] = []
        match payload:
            case Incident():
                _open_incident(batch, touched, payload)
            case IncidentUpdate():
                conflicts = _update_incident(batch, touched, op.entity_id, payload, now)
            case NotePayload():
                _add_note(batch, caller, payload, now)
            case Session():
                _save_session(batch, touched, caller, op, payload, offset, now)
    except (ValueError, _Rejected) as error:
        return OpResult(op_id=op.op_id, status=OpStatus.REJECTED, reason=str(error))
    status = OpStatus.CONFLICT if conflicts else OpStatus.APPLIED
    return OpResult(op_id=op.op_id, status=status, conflicts=conflicts)


def _incident(batch: Batch, incident_id: str) -> Incident:
    found = batch.read(INCIDENT, incident_id, Incident.model_validate_json)
    if found is None:
        raise _Rejected(_("there is no incident {id!r} on the server").format(id=incident_id))
    return found


def _open_incident(batch: Batch, touched: Touched, incident: Incident) -> None:
    existing = batch.read(INCIDENT, incident.id, Incident.model_validate_json)
    if existing is not None:
        if existing == incident:
            return
        raise _Rejected(_("an incident with id {id!r} already exists").format(id=incident.id))
    batch.put_record(INCIDENT, incident.id, incident.model_dump_json(), incident)
    if claims_premium(incident):
        record_claim(batch.conn, incident)
        touched.add(incident.customer_id, incident.opened_at)


def _update_incident(
    batch: Batch, touched: Touched, incident_id: str, update_: IncidentUpdate, now: datetime
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
        batch.put_record(INCIDENT, incident_id, updated.model_dump_json(), updated)
        if updated.eligibility != current.eligibility:
            # What intake found prices the incident's sessions: they are re-priced.
            record_claim(batch.conn, updated)
            touched.add(updated.customer_id, updated.opened_at, incident_id=incident_id)
    return conflicts


def _typed(incident_json: dict[str, Any], field: str, value: Any) -> Any:
    """A wire value as the Incident field's type, so "Z" and "+00:00" compare equal.

    The field's own type reads it; a value it refuses goes through the whole incident,
    whose error says where, as for any other invalid value.
    """
    adapter = _field_type(field)
    if adapter is not None:
        try:
            return adapter.validate_python(value)
        except ValidationError:
            pass
    return getattr(_validated({**incident_json, field: value}), field)


@cache
def _field_type(field: str) -> TypeAdapter[Any] | None:
    """A validator of one Incident field alone, when nothing but its type constrains it."""
    info = Incident.model_fields.get(field)
    if info is None or info.annotation is None or info.metadata:
        return None
    return TypeAdapter(info.annotation)


def _validated(incident_json: dict[str, Any]) -> Incident:
    try:
        return Incident.model_validate(incident_json)
    except ValidationError as error:
        where, problem = first_problem(error)
        raise _Rejected(
            _("invalid incident value at {where}: {problem}").format(where=where, problem=problem)
        ) from None


def _add_note(batch: Batch, caller: Caller, note: NotePayload, now: datetime) -> None:
    if note.author != caller.name:
        raise _Rejected(_("a note can only be added by its author"))
    current = _incident(batch, note.incident_id)
    if any(existing.id == note.id for existing in current.notes):
        return
    plain = note.model_dump(exclude={"incident_id"})
    notes = (*current.notes, plain)
    updated = _validated({**current.model_dump(), "notes": notes, "updated_at": now})
    batch.put_record(INCIDENT, updated.id, updated.model_dump_json(), updated)


def _save_session(
    batch: Batch,
    touched: Touched,
    caller: Caller,
    op: Operation,
    session: Session,
    offset: float,
    now: datetime,
) -> None:
    if session.technician != caller.name:
        raise _Rejected(_("a session can only be recorded or edited by its own technician"))
    if _incident(batch, session.incident_id).customer_id != session.customer_id:
        raise _Rejected(_("a session's customer must be its incident's"))
    # A device's copy of the server's price is not the device's to send: the server's stands.
    session = session.model_copy(update={"server_price": None})
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
        "customer_id": session.customer_id,
        "started_at": utc(first_second(session)),
    }
    if op.kind == "session.record":
        if row is not None:
            if Session.model_validate_json(row[1]) == session:
                return
            raise _Rejected(
                _("session {id!r} is already recorded; edit it instead").format(id=session.id)
            )
        batch.put_session(session.id, values)
        touched.add(session.customer_id, first_second(session), session_id=session.id)
        return
    if row is None:
        raise _Rejected(_("there is no session {id!r} on the server to edit").format(id=session.id))
    if row[0] != caller.name:
        raise _Rejected(_("a technician cannot alter another technician's session"))
    before = Session.model_validate_json(row[1])
    batch.put_session(session.id, values)
    # The edit may move the session: the ledger is re-walked from the earlier of both places.
    touched.add(before.customer_id, first_second(before))
    touched.add(session.customer_id, first_second(session), session_id=session.id)
