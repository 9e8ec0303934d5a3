"""Work refused for good, and what a technician does with it: fix and resend, copy out, discard.

An operation the server refused, or that the device kept back because it breaks the bounds
(``core.sync.client``), is kept with its whole content and the reason (``core.sync.state``).
Until the technician decides, its effect stays on this device's records, and a pull does not
take it away (``core.sync.effects``). Nothing here talks to the server: a fix re-enters the
outbox, and the next sync pushes it.

- **Fixing** edits what a person typed, wherever it sits in the payload: texts (a note, a
  subject, a description, a session's note, an assignee, a reason), amounts (expenses) and
  times (a session's segments) — one table of field names (``EDITABLE``), not a form per
  kind. History (a session's earlier edits), derived values (a quote) and what the device
  saw before an edit (``from``) are never offered. A fixed session is priced again.
- **Resending** makes the fixed operation a new one, with a new id (an id the server saw is
  never sent again with other content), checks it against the same bounds the client checks
  before a push, and refuses it at once, with the sentence, when it still breaks them. Else
  ONE journal commit queues it, rewrites the local record and drops the refusal
  (``Store.commit(docs=…)``): a crash leaves the refusal or the queued fix, never both,
  never neither.
- **Copying out** gives the refusal as JSON (its reason and the operation's whole content),
  for the clipboard, or in a file under ``refused/`` in the data folder.
- **Discarding** is explicit, and undoes on this device what the operation did, so the
  local record goes back to what the server holds: a refused note leaves its incident; an
  incident edit goes back to the values it changed from (where nothing changed them since);
  a recorded session leaves the device; an edited session goes back to how it was before
  the edit; an incident opened here leaves the device, unless a session or the timer still
  refers to it (those are discarded first). The local record is undone before the refusal
  is dropped, and undoing is idempotent: a crash in between leaves the refusal listed, and
  discarding it again finishes.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from pydantic import ValidationError

from core import timer as timer_rules
from core.bounds import TextKind
from core.errors import InputError, NotFoundError, RuleError
from core.i18n import N_, Labels, _
from core.intake import ledger_customer
from core.models import Incident, Session
from core.money import entered_amount
from core.rules import Rules
from core.store import COPIES_DIR
from core.sync.effects import incident_of, with_operation
from core.sync.protocol import Operation, OperationKind, check_operation
from core.sync.state import (
    REJECTIONS_DOC,
    Rejection,
    list_rejections,
    rejections_doc,
    save_rejections,
)

if TYPE_CHECKING:
    from core.store import Store

__all__ = [
    "COPIES_DIR",
    "EDITABLE",
    "WHAT",
    "Editable",
    "Field",
    "FieldKind",
    "check_field",
    "copy_text",
    "describe",
    "discard",
    "fields",
    "find",
    "listed",
    "refused",
    "resend",
    "save_copy",
]


class FieldKind(StrEnum):
    TEXT = "text"
    AMOUNT = "amount"
    INSTANT = "instant"


@dataclass(frozen=True)
class Editable:
    """A field a person types, by its name in any payload: how to read and check it."""

    kind: FieldKind
    label: str
    """Marked with N_, as the bounds' sentences name the value; translated when shown."""
    text: TextKind | None = None
    required: bool = False
    long: bool = False
    """Text of several lines (a note), edited in a text area rather than one line."""


EDITABLE: Mapping[str, Editable] = {
    "text": Editable(FieldKind.TEXT, N_("note"), "note", required=True, long=True),
    "subject": Editable(FieldKind.TEXT, N_("subject"), "subject", required=True),
    "description": Editable(FieldKind.TEXT, N_("description"), "description", long=True),
    "note": Editable(FieldKind.TEXT, N_("session's note"), "note", long=True),
    "assignee": Editable(FieldKind.TEXT, N_("assignee"), "name"),
    "override_reason": Editable(FieldKind.TEXT, N_("override reason"), "reason"),
    "scope_override_reason": Editable(FieldKind.TEXT, N_("scope override reason"), "reason"),
    "travel": Editable(FieldKind.AMOUNT, N_("travel expense")),
    "parking": Editable(FieldKind.AMOUNT, N_("parking expense")),
    "lodging": Editable(FieldKind.AMOUNT, N_("lodging expense")),
    "start": Editable(FieldKind.INSTANT, N_("segment start")),
    "end": Editable(FieldKind.INSTANT, N_("segment end")),
}
"""The fields a person types, by name, wherever they sit in a payload."""

_NOT_TYPED = frozenset({"edits", "quote", "server_price", "notes", "from"})
"""Never offered: history, derived values, the server's, what an edit changed from."""

FieldPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Field:
    """One field of a refused operation's payload that the technician may correct."""

    path: FieldPath
    """Where it sits in the payload, e.g. ``("segments", 0, "start")``."""
    editable: Editable
    value: str
    """Its value as it is shown and edited."""

    @property
    def key(self) -> str:
        """A name for the field unique in its payload (``segments.0.start``)."""
        return ".".join(str(part) for part in self.path)

    @property
    def label(self) -> str:
        """What it is, in the person's language; the place, when there are several."""
        label = _(self.editable.label)
        places = [part for part in self.path if isinstance(part, int)]
        return f"{label} {places[-1] + 1}" if places else label


WHAT = Labels(
    {
        OperationKind.INCIDENT_OPEN: N_("incident {ref} opened"),
        OperationKind.INCIDENT_UPDATE: N_("change to {ref}"),
        OperationKind.INCIDENT_NOTE: N_("note on {ref}"),
        OperationKind.SESSION_RECORD: N_("session on {ref}"),
        OperationKind.SESSION_EDIT: N_("session edit on {ref}"),
    }
)
"""What each kind of refused work was, about the incident it touches."""


def describe(store: Store, rejection: Rejection) -> str:
    """What the refused work was, as a person says it: "note on INC-0042"."""
    op = rejection.operation
    target = rejection.entity_id
    if op is not None:
        target = incident_of(op) or str(op.payload.get("incident_id", target))
    held = _incident_or_none(store, target)
    ref = held.ref if held is not None else target
    try:
        return WHAT[OperationKind(rejection.kind)].format(ref=ref)
    except ValueError:
        return f"{rejection.kind} {ref}"


def listed(store: Store, rejection: Rejection) -> dict[str, Any]:
    """One refusal as ``vardia status --json`` lists it."""
    return {
        "op_id": rejection.op_id,
        "kind": rejection.kind,
        "entity_id": rejection.entity_id,
        "what": describe(store, rejection),
        "reason": rejection.reason,
        "at": rejection.at.isoformat(),
    }


def refused(store: Store) -> list[Rejection]:
    """The refused work kept on this device, oldest first."""
    return list_rejections(store)


def find(store: Store, op_id: str) -> Rejection:
    """The refusal of operation ``op_id`` (a unique beginning of it is enough)."""
    matches = [r for r in list_rejections(store) if r.op_id == op_id]
    matches = matches or [r for r in list_rejections(store) if r.op_id.startswith(op_id)]
    if len(matches) != 1:
        raise NotFoundError(
            _("No refused work {op_id}; `vardia status` lists what was refused.").format(
                op_id=op_id
            )
        )
    return matches[0]


def fields(rejection: Rejection, rules: Rules) -> list[Field]:
    """The fields of the refused payload a person typed, in the payload's order."""
    op = rejection.operation
    if op is None:
        return []
    found: list[Field] = []

    def walk(value: Any, path: FieldPath, name: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key not in _NOT_TYPED:
                    # An edit's new value is named after the field it changes.
                    walk(item, (*path, key), name if key == "to" else key)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, (*path, index), name)
        elif name in EDITABLE and isinstance(value, str | int | float):
            editable = EDITABLE[name]
            shown = _shown(value, editable, rules)
            found.append(Field(path, editable, shown))

    walk(op.payload, (), "")
    return found


def _shown(value: str | int | float, editable: Editable, rules: Rules) -> str:
    if editable.kind is FieldKind.INSTANT and isinstance(value, str):
        try:
            return datetime.fromisoformat(value).astimezone(rules.calendar.tz).isoformat()
        except ValueError:
            return value
    return str(value)


def check_field(field: Field, text: str, rules: Rules, now: datetime) -> Any:
    """The value typed for ``field``, checked and as the payload keeps it; InputError if not."""
    editable, label = field.editable, field.label
    match editable.kind:
        case FieldKind.TEXT:
            value = text.strip()
            if editable.required and not value:
                raise InputError(_("The {what} needs some text.").format(what=label))
            return rules.bounds.check_text(value, editable.text or "note", label)
        case FieldKind.AMOUNT:
            return str(entered_amount(rules.bounds, text, label, expense=True))
        case FieldKind.INSTANT:
            return rules.bounds.check_happened(_instant(text, label, rules), label, now).isoformat()


def _instant(text: str, what: str, rules: Rules) -> datetime:
    """A typed date and time; without a UTC offset, in the support calendar's time zone."""
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            _("The {what} {text!r} is not a date and time; write it like {example}.").format(
                what=what, text=text, example="2026-11-23T17:30"
            )
        ) from None
    return at if at.tzinfo is not None else at.replace(tzinfo=rules.calendar.tz)


def resend(
    store: Store, rules: Rules, rejection: Rejection, values: Mapping[str, str] | None = None
) -> Operation:
    """Queue the refused work again, corrected by ``values`` (by ``Field.key``), as a new
    operation; raises InputError, and queues nothing, while it breaks the bounds."""
    op = _content(rejection)
    now = store.clock.now()
    payload = copy.deepcopy(op.payload)
    by_key = {field.key: field for field in fields(rejection, rules)}
    changed = False
    for key, text in (values or {}).items():
        field = by_key.get(key)
        if field is None:
            raise InputError(_("The refused work has no field {key}.").format(key=key))
        if text == field.value:
            continue
        value = check_field(field, text, rules, now)
        if value != _at(payload, field.path):
            _put(payload, field.path, value)
            changed = True
    kind = op.kind
    if changed and kind in (OperationKind.SESSION_RECORD, OperationKind.SESSION_EDIT):
        payload = _priced_again(store, rules, payload, kind)
    fixed = store.operation(kind, op.entity_id, payload)
    try:
        check_operation(fixed, rules.bounds, now)
    except ValueError as error:
        raise InputError(str(error)) from None
    rest = [r for r in list_rejections(store) if r.op_id != rejection.op_id]
    docs = {REJECTIONS_DOC: rejections_doc(rest)}
    if kind in (OperationKind.SESSION_RECORD, OperationKind.SESSION_EDIT):
        session = Session.model_validate(payload)
        held = _session_or_none(store, session.id)
        store.commit(fixed, sessions=[session], replacing=[held] if held else [], docs=docs)
    else:
        store.commit(fixed, incidents=_incident_after(store, fixed), docs=docs)
    return fixed


def _content(rejection: Rejection) -> Operation:
    if rejection.operation is None:
        raise RuleError(
            _(
                "An older vardia kept only the reason of this refused work, not its content; "
                "it can only be discarded."
            )
        )
    return rejection.operation


def _at(payload: Any, path: FieldPath) -> Any:
    for part in path:
        payload = payload[part]
    return payload


def _put(payload: Any, path: FieldPath, value: Any) -> None:
    _at(payload, path[:-1])[path[-1]] = value


def _priced_again(
    store: Store, rules: Rules, payload: dict[str, Any], kind: OperationKind
) -> dict[str, Any]:
    """A corrected session priced again, as the timer would have priced it."""
    try:
        session = Session.model_validate(payload)
    except ValidationError as error:
        raise InputError(
            _("The corrected session cannot be read: {reason}.").format(
                reason=error.errors()[0]["msg"]
            )
        ) from None
    segments = tuple(sorted(session.segments, key=lambda segment: segment.start))
    session = session.model_copy(update={"segments": segments})
    incident = store.incident(session.incident_id)
    day = rules.calendar.local_date(session.started_at)
    customer = ledger_customer(store, rules, store.customer(session.customer_id), day)
    if kind is OperationKind.SESSION_EDIT and session.edits:
        # The server counts the session as it was before the edit: priced without it.
        customer = timer_rules.debit(rules, customer, _before_edit(session), sign=-1)
    quote = timer_rules.price_for(
        rules, incident, customer, session.channel, segments, session.expenses
    )
    return session.model_copy(update={"quote": quote}).model_dump(mode="json")


def _session_or_none(store: Store, session_id: str) -> Session | None:
    try:
        return store.session(session_id)
    except NotFoundError:
        return None


def _incident_or_none(store: Store, incident_id: str) -> Incident | None:
    try:
        return store.incident(incident_id)
    except NotFoundError:
        return None


def _incident_after(store: Store, op: Operation) -> list[Incident]:
    """The local incident as ``op`` leaves it; none when the device no longer holds it."""
    held = _incident_or_none(store, incident_of(op) or op.entity_id)
    if held is None and op.kind is not OperationKind.INCIDENT_OPEN:
        return []
    base = held if held is not None else Incident.model_validate(op.payload)
    return [with_operation(base, op)]


def copy_text(rejection: Rejection) -> str:
    """The refusal as JSON text: the reason, when, and the operation's whole content."""
    return orjson.dumps(rejection.model_dump(mode="json"), option=orjson.OPT_INDENT_2).decode()


def save_copy(store: Store, rejection: Rejection) -> Path:
    """Write ``copy_text`` to ``refused/OP_ID.json`` in the data folder; returns the path."""
    folder = store.data_dir / COPIES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{rejection.op_id}.json"
    path.write_text(copy_text(rejection) + "\n", "utf-8")
    return path


def discard(store: Store, rejection: Rejection) -> None:
    """Give up the refused work: undo it on this device, then forget the refusal."""
    if rejection.operation is not None:
        _undo(store, rejection.operation)
    save_rejections(store, [r for r in list_rejections(store) if r.op_id != rejection.op_id])


def _undo(store: Store, op: Operation) -> None:
    match op.kind:
        case OperationKind.INCIDENT_NOTE:
            incident = _incident_or_none(store, incident_of(op) or "")
            if incident is not None:
                notes = tuple(note for note in incident.notes if note.id != op.entity_id)
                if notes != incident.notes:
                    store.import_records(incidents=[incident.model_copy(update={"notes": notes})])
        case OperationKind.INCIDENT_UPDATE:
            incident = _incident_or_none(store, op.entity_id)
            if incident is not None:
                store.import_records(incidents=[_unchanged(incident, op)])
        case OperationKind.INCIDENT_OPEN:
            incident = _incident_or_none(store, op.entity_id)
            if incident is not None:
                _check_unused(store, incident)
                store.drop_records(incidents=[incident])
        case OperationKind.SESSION_RECORD:
            session = _session_or_none(store, op.entity_id)
            if session is not None:
                store.drop_records(sessions=[session])
        case OperationKind.SESSION_EDIT:
            session = _session_or_none(store, op.entity_id)
            refused_edits = op.payload.get("edits") or [None]
            if session and session.edits and _dumped(session.edits[-1]) == refused_edits[-1]:
                store.import_records(sessions=[_before_edit(session)], replacing=[session])


def _before_edit(session: Session) -> Session:
    """The session as it was before its last edit (which keeps the old values)."""
    last = session.edits[-1]
    return session.model_copy(
        update={
            "segments": last.old_segments,
            "channel": last.old_channel,
            "quote": last.old_quote,
            "edits": session.edits[:-1],
        }
    )


def _dumped(record: Any) -> Any:
    return record.model_dump(mode="json")


def _unchanged(incident: Incident, op: Operation) -> Incident:
    """The incident with each field the edit changed back, where it still holds the edit's."""
    doc = incident.model_dump(mode="json")
    for field, change in (op.payload.get("changes") or {}).items():
        if field in doc and doc[field] == change.get("to"):
            doc[field] = change.get("from")
    try:
        return Incident.model_validate(doc)
    except ValidationError:
        return incident


def _check_unused(store: Store, incident: Incident) -> None:
    timer = store.timer()
    worked = store.sessions(customer_id=incident.customer_id, incident_id=incident.id)
    if worked or (timer and timer.incident_id == incident.id):
        raise RuleError(
            _(
                "Sessions or the timer on {ref} are still on this device; discard them first, "
                "then the incident."
            ).format(ref=incident.ref)
        )
