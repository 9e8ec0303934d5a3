"""What an operation does to this device's copy of an incident, laid again over the server's.

A pulled incident is the server's copy, but this device's work the server has not accepted
yet stays on it: changes still in the outbox, and changes the server refused, kept until the
technician fixes or discards them (core.sync.refused). ``keep_local_work`` lays each such
operation over the pulled record again, oldest first, so a pull never takes away a note or
an edit the server does not hold yet (SPEC §7.2).

An incident opened here is not laid over anything: when the server sends that incident, it
has accepted it, and its copy stands.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pydantic import ValidationError

from core.models import Incident, Note
from core.sync.protocol import UPDATABLE_FIELDS, Operation, OperationKind

__all__ = ["incident_of", "keep_local_work", "with_operation"]


def incident_of(op: Operation) -> str | None:
    """The id of the incident an operation changes; None for a session's."""
    match op.kind:
        case OperationKind.INCIDENT_NOTE:
            found = op.payload.get("incident_id")
            return found if isinstance(found, str) else None
        case OperationKind.INCIDENT_OPEN | OperationKind.INCIDENT_UPDATE:
            return op.entity_id
    return None


def with_operation(incident: Incident, op: Operation) -> Incident:
    """``incident`` with what ``op`` did to it on this device; ValidationError if it cannot be.

    A note replaces the note of the same id, where it stands, or comes last; an edit sets
    each changed field to its new value; an opening is the whole incident.
    """
    match op.kind:
        case OperationKind.INCIDENT_OPEN:
            return Incident.model_validate(op.payload)
        case OperationKind.INCIDENT_NOTE:
            note = Note.model_validate({k: v for k, v in op.payload.items() if k != "incident_id"})
            ids = [kept.id for kept in incident.notes]
            notes = list(incident.notes)
            if note.id in ids:
                notes[ids.index(note.id)] = note
            else:
                notes.append(note)
            return incident.model_copy(update={"notes": tuple(notes)})
        case OperationKind.INCIDENT_UPDATE:
            changes = op.payload.get("changes")
            if not isinstance(changes, dict):
                return incident
            doc = incident.model_dump(mode="json")
            doc.update(
                {
                    field: change["to"]
                    for field, change in changes.items()
                    if field in UPDATABLE_FIELDS and isinstance(change, dict) and "to" in change
                }
            )
            return Incident.model_validate(doc)
    return incident


def keep_local_work(incidents: Sequence[Incident], ops: Iterable[Operation]) -> list[Incident]:
    """The pulled ``incidents`` with this device's unaccepted ``ops`` (oldest first) laid on.

    An operation that cannot be laid on (a damaged record kept from an older vardia) is
    left out: it stays where it is kept, and the pull goes on.
    """
    wanted = {incident.id for incident in incidents}
    by_incident: dict[str, list[Operation]] = {}
    for op in ops:
        target = incident_of(op)
        if target is not None and target in wanted and op.kind is not OperationKind.INCIDENT_OPEN:
            by_incident.setdefault(target, []).append(op)
    if not by_incident:
        return list(incidents)
    kept: list[Incident] = []
    for incident in incidents:
        for op in by_incident.get(incident.id, ()):
            try:
                incident = with_operation(incident, op)
            except ValidationError:
                continue
        kept.append(incident)
    return kept
