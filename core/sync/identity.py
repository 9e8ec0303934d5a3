"""Who a store records changes as, aligned with who the server knows the token as.

The store starts under ``$VARDIA_TECHNICIAN`` or the OS user; the server accepts a session
or a note only from its token's owner. On login the store takes the server's name, and the
work captured under the old name that the server has not seen yet (still in the outbox) is
re-attributed to it: it was this person's work on this machine, and pushed as it was it
would be refused. Records already pushed stay as the server holds them.
"""

from __future__ import annotations

from typing import Any

from core.models import Incident, Session
from core.store import Store
from core.sync.protocol import Operation, OperationKind

__all__ = ["adopt_technician"]

# The fields, per operation kind, that name the person who did the work.
_OWNER_FIELDS: dict[OperationKind, tuple[str, ...]] = {
    OperationKind.INCIDENT_OPEN: ("opened_by", "assignee"),
    OperationKind.INCIDENT_NOTE: ("author",),
    OperationKind.SESSION_RECORD: ("technician",),
    OperationKind.SESSION_EDIT: ("technician",),
}


def _renamed(value: Any, old: str, new: str) -> Any:
    return new if value == old else value


def _reattributed(op: Operation, old: str, new: str) -> Operation:
    payload = dict(op.payload)
    for name in _OWNER_FIELDS.get(op.kind, ()):
        if name in payload:
            payload[name] = _renamed(payload[name], old, new)
    for name, who in (("notes", "author"), ("edits", "by")):
        if name in payload:
            payload[name] = [
                {**item, who: _renamed(item.get(who), old, new)} for item in payload[name]
            ]
    change = (
        payload.get("changes", {}).get("assignee")
        if op.kind is OperationKind.INCIDENT_UPDATE
        else None
    )
    if change is not None:
        renamed = {**change, "to": _renamed(change.get("to"), old, new)}
        payload["changes"] = {**payload["changes"], "assignee": renamed}
    return op if payload == op.payload else op.model_copy(update={"payload": payload})


def _local_records(
    store: Store, ops: list[Operation], old: str, new: str
) -> tuple[list[Incident], list[Session]]:
    """The stored records the pending operations made, re-attributed like them."""
    notes = {op.entity_id for op in ops if op.kind is OperationKind.INCIDENT_NOTE}
    opened = {op.entity_id for op in ops if op.kind is OperationKind.INCIDENT_OPEN}
    touched = opened | {
        str(op.payload["incident_id"]) for op in ops if op.kind is OperationKind.INCIDENT_NOTE
    }
    incidents = []
    for incident_id in sorted(touched):
        incident = store.incident(incident_id)
        changes: dict[str, Any] = {
            "notes": tuple(
                n.model_copy(update={"author": new}) if n.id in notes and n.author == old else n
                for n in incident.notes
            )
        }
        if incident_id in opened:
            changes["opened_by"] = _renamed(incident.opened_by, old, new)
        incidents.append(incident.model_copy(update=changes))
    session_ids = {op.entity_id for op in ops if op.kind.startswith("session.")}
    sessions = [
        s.model_copy(update={"technician": new})
        for s in store.sessions(technician=old)
        if s.id in session_ids
    ]
    return incidents, sessions


def adopt_technician(store: Store, name: str) -> int:
    """Record changes as ``name`` from now on; returns how many queued operations moved to it.

    Safe to run again after a crash: every step maps the old name to the new one, and the
    store's own name changes last.
    """
    old = store.technician
    if old == name:
        return 0
    ops = store.pending_operations(store.pending_count())
    incidents, sessions = _local_records(store, ops, old, name)
    store.import_records(incidents=incidents, sessions=sessions)
    moved = store.rewrite_pending(lambda op: _reattributed(op, old, name))
    timer = store.timer(old)
    if timer is not None:
        store.put_timer(timer.model_copy(update={"technician": name}))
        store.discard_timer(old)
    store.set_technician(name)
    return moved
