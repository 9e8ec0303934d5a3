"""Changing an incident: its status, its notes, its assignee — each with its outbox op."""

from __future__ import annotations

from typing import Any

from core.errors import InputError, RuleError
from core.i18n import _
from core.ids import new_id
from core.models import OPEN_STATUSES, STATUS_LABELS, STATUS_WORDS, Incident, IncidentStatus, Note
from core.rules import Rules
from core.store import Store
from core.sync.protocol import OperationKind

__all__ = ["ALLOWED", "add_note", "assign", "change_status", "claim", "status_named"]

S = IncidentStatus
ALLOWED: dict[IncidentStatus, frozenset[IncidentStatus]] = {
    **{status: frozenset(S) - {status, S.NEW} for status in OPEN_STATUSES},
    S.RESOLVED: frozenset({S.CLOSED, S.IN_PROGRESS}),
    S.CLOSED: frozenset(),
}
"""Where each status may go: forward freely while open, reopen a resolved one, closed is final."""


def _update(store: Store, incident: Incident, changes: dict[str, Any]) -> Incident:
    now = store.clock.now()
    updated = incident.model_copy(update={**changes, "updated_at": now})
    wire = {
        name: {
            "from": incident.model_dump(mode="json", include={name})[name],
            "to": updated.model_dump(mode="json", include={name})[name],
        }
        for name in changes
    }
    op = store.operation(OperationKind.INCIDENT_UPDATE, incident.id, {"changes": wire})
    store.commit(op, incidents=[updated])
    return updated


def change_status(store: Store, ref: str, status: IncidentStatus) -> Incident:
    """Move an incident to ``status``; the first move out of ``new`` is its first response."""
    incident = store.incident(ref)
    if status not in ALLOWED[incident.status]:
        allowed = ", ".join(sorted(STATUS_WORDS[s] for s in ALLOWED[incident.status])) or _("none")
        raise RuleError(
            _("Incident {ref} cannot go from {old} to {new}; it can go to: {allowed}.").format(
                ref=incident.ref,
                old=STATUS_LABELS[incident.status],
                new=STATUS_LABELS[status],
                allowed=allowed,
            )
        )
    changes: dict[str, Any] = {"status": status}
    if incident.first_response_at is None:
        changes["first_response_at"] = store.clock.now()
    return _update(store, incident, changes)


def status_named(word: str) -> IncidentStatus:
    """The status a person typed: its word (``working``), or the records' value
    (``in_progress``, as ``--json`` prints it), in any letter case."""
    wanted = word.strip().lower()
    for status, name in STATUS_WORDS.items():
        if wanted in (name, status.value):
            return status
    raise InputError(
        _("{word!r} is not a status; it is one of: {words}.").format(
            word=word, words=", ".join(STATUS_WORDS.values())
        )
    )


def claim(store: Store, incident: Incident) -> Incident:
    """Take the incident on, as starting its timer does (``[timer] claims_incident``).

    Nobody holds it: it is assigned to this store's technician. Not answered yet: its first
    response is recorded now, and a new incident turns working. One change with its outbox
    op, synced like any other; an incident already held and answered is left as it is.
    """
    changes: dict[str, Any] = {}
    if incident.assignee is None:
        changes["assignee"] = store.technician
    if incident.first_response_at is None:
        changes["first_response_at"] = store.clock.now()
        if incident.status is IncidentStatus.NEW:
            changes["status"] = IncidentStatus.IN_PROGRESS
    if not changes:
        return incident
    return _update(store, incident, changes)


def assign(store: Store, rules: Rules, ref: str, technician: str | None) -> Incident:
    """Give the incident to a technician (None: to nobody)."""
    incident = store.incident(ref)
    name = (technician or "").strip() or None
    if name is not None:
        rules.bounds.check_text(name, "name", _("assignee"))
    return _update(store, incident, {"assignee": name})


def add_note(store: Store, rules: Rules, ref: str, text: str) -> Note:
    """Append a note by this store's technician; notes are never edited or removed."""
    body = text.strip()
    if not body:
        raise InputError(_("A note needs some text."))
    incident = store.incident(ref)
    now = store.clock.now()
    note = rules.bounds.check_note(
        Note(id=new_id(), author=store.technician, at=now, text=body), now
    )
    updated = incident.model_copy(update={"notes": (*incident.notes, note), "updated_at": now})
    payload = {**note.model_dump(mode="json"), "incident_id": incident.id}
    store.commit(
        store.operation(OperationKind.INCIDENT_NOTE, note.id, payload), incidents=[updated]
    )
    return note
