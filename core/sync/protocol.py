"""The wire schemas shared by the sync client and the vardia server (SPEC §7).

An Operation is one local change, appended to the outbox in the same atomic write as
the change itself, and pushed to the server later. Its ``op_id`` is generated on the
device and scoped to the technician who pushes it: the server applies a technician's op_id
once, however often it is pushed, and tells a repeat from a reuse by the operation's
``digest`` (SPEC §7.2): the same change again is a duplicate, another change under a known
id is refused.

The client pushes batches of operations (``PushRequest``) and gets one ``OpResult``
for each; it pulls what changed on the server since an opaque cursor (``PullResponse``),
page by page. Every response carries ``server_time`` so the client can keep its offset
to the server's clock.

A pull also brings the vendor's price list (``SyncedPriceList``: the server's plans document
and its sha256 ``version``). The client passes the version it holds as the ``price_list``
query parameter (empty when it holds none); a page carries the price list only when that
differs from the server's, and never when the parameter is left out, so older clients
still read every page.

``check_operation`` reads an operation as ``parse_payload`` does and then checks its meaning
against the domain bounds (core.bounds) at a clock's ``now``: the device runs it before it
pushes, the server before it applies, so both refuse the same operations with the same
sentence. ``check_push`` does the same for a push's envelope.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from core.bounds import Bounds, check_json
from core.errors import InputError, first_problem
from core.i18n import _
from core.models import Customer, Incident, Note, ServerPrice, Session

__all__ = [
    "API_PREFIX",
    "MAX_BATCH",
    "MAX_BODY_BYTES",
    "MAX_PULL_LIMIT",
    "SKEW_LIMIT_SECONDS",
    "UPDATABLE_FIELDS",
    "FieldChange",
    "FieldConflict",
    "Health",
    "IncidentUpdate",
    "NotePayload",
    "OpResult",
    "OpStatus",
    "Operation",
    "OperationKind",
    "Payload",
    "PullResponse",
    "PushRequest",
    "PushResponse",
    "SessionPrice",
    "SyncedPriceList",
    "WhoAmI",
    "check_operation",
    "check_push",
    "parse_payload",
]

API_PREFIX = "/v1"
MAX_BATCH = 500
MAX_BODY_BYTES = 4 * 1024 * 1024
MAX_PULL_LIMIT = 1000
SKEW_LIMIT_SECONDS = 300.0

Id = Annotated[str, Field(min_length=1, max_length=128)]

# Fields a technician may change on an open incident; the rest are fixed at intake
# (the SLA is fixed when the incident is opened) or have their own operation (notes).
UPDATABLE_FIELDS = frozenset(
    {
        "subject",
        "description",
        "category",
        "requested_via",
        "resolve_by",
        "first_response_at",
        "status",
        "assignee",
        "prerequisites",
        "eligibility",
    }
)


class _Wire(BaseModel):
    """Base of every wire schema: immutable, and unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class OperationKind(StrEnum):
    """What a local change did."""

    INCIDENT_OPEN = "incident.open"
    INCIDENT_UPDATE = "incident.update"
    INCIDENT_NOTE = "incident.note"
    SESSION_RECORD = "session.record"
    SESSION_EDIT = "session.edit"


class Operation(BaseModel):
    """One local change on its way to the server.

    Payloads, by kind:
    - ``incident.open``: the whole Incident, as JSON.
    - ``incident.update``: ``{"changes": {field: {"from": old, "to": new}}}``; ``from`` is
      the value the device last saw, so the server can tell a conflicting edit.
    - ``incident.note``: the Note, as JSON, with ``incident_id``; ``entity_id`` is the note's.
    - ``session.record``: the whole Session, as JSON.
    - ``session.edit``: the whole edited Session (its ``edits`` hold the old values).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    op_id: Id
    kind: OperationKind
    entity_id: Id
    payload: dict[str, Any]
    created_at: AwareDatetime
    device_id: Id

    def digest(self) -> str:
        """The sha256 of what the operation changes: its kind, entity and payload, canonically.

        Taken of the payload as sent, not as read: two payloads that differ in any way count as
        two changes, so an id reused for another change is never taken for a repeat of the first.
        """
        document = {"kind": self.kind, "entity_id": self.entity_id, "payload": self.payload}
        return hashlib.sha256(_canonical(document)).hexdigest()


def _canonical(document: Any) -> bytes:
    """JSON that is the same bytes for the same content, whatever the order of its keys."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    # A lone surrogate is no character, but a careless client can send one: it is kept as is.
    return canonical.encode("utf-8", "surrogatepass")


class FieldChange(_Wire):
    """One field of an incident edit: the value the device last saw, and the new one."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)

    from_: Any = Field(alias="from")
    to: Any


class IncidentUpdate(_Wire):
    """The payload of ``incident.update``."""

    changes: dict[str, FieldChange] = Field(min_length=1)


class NotePayload(Note):
    """The payload of ``incident.note``: the Note and the incident it belongs to."""

    incident_id: Id


Payload = Incident | IncidentUpdate | NotePayload | Session


def parse_payload(op: Operation) -> Payload:
    """Validate an operation's payload for its kind; raises ValueError with a clear reason."""
    try:
        parsed: Payload
        match op.kind:
            case OperationKind.INCIDENT_OPEN:
                parsed = Incident.model_validate(op.payload)
            case OperationKind.INCIDENT_UPDATE:
                parsed = IncidentUpdate.model_validate(op.payload)
                unknown = sorted(set(parsed.changes) - UPDATABLE_FIELDS)
                if unknown:
                    raise ValueError(
                        _("these incident fields cannot be changed: {fields}").format(
                            fields=", ".join(unknown)
                        )
                    )
                return parsed
            case OperationKind.INCIDENT_NOTE:
                parsed = NotePayload.model_validate(op.payload)
                # The store names a note's operation after the note; older clients after
                # its incident. Either identifies what the operation touches.
                if op.entity_id not in (parsed.id, parsed.incident_id):
                    raise ValueError(
                        _("the operation's entity_id is neither the note nor its incident")
                    )
                return parsed
            case OperationKind.SESSION_RECORD | OperationKind.SESSION_EDIT:
                parsed = Session.model_validate(op.payload)
    except ValidationError as error:
        where, problem = first_problem(error, "payload")
        raise ValueError(
            _("invalid {kind} payload at {where}: {problem}").format(
                kind=op.kind, where=where, problem=problem
            )
        ) from None
    if parsed.id != op.entity_id:
        raise ValueError(
            _("the payload's id is not the operation's entity_id {id!r}").format(id=op.entity_id)
        )
    return parsed


def check_operation(op: Operation, bounds: Bounds, now: datetime) -> Payload:
    """The operation's payload, read and within the domain bounds at ``now``.

    Raises ValueError with the sentence to show, as ``parse_payload`` does.
    """
    try:
        # The raw document first: a NaN or a NUL anywhere, whatever field it hides in.
        check_json(op.payload)
        bounds.check_device_id(op.device_id)
        bounds.check_happened(op.created_at, _("operation's time"), now)
        payload = parse_payload(op)
        match payload:
            case Incident():
                bounds.check_incident(payload, now)
            case IncidentUpdate():
                for field, change in payload.changes.items():
                    bounds.check_incident_change(field, _incident_value(field, change.to), now)
            case NotePayload():
                bounds.check_note(payload, now)
            case Session():
                bounds.check_session(payload, now)
    except InputError as error:
        raise ValueError(str(error)) from None
    return payload


def _incident_value(field: str, value: Any) -> Any:
    """A wire value as the Incident field's type; ValueError with a reason if it is not one."""
    try:
        return _field_type(field).validate_python(value)
    except ValidationError as error:
        raise ValueError(
            _("invalid incident value at {where}: {problem}").format(
                where=field, problem=error.errors()[0]["msg"]
            )
        ) from None


@cache
def _field_type(field: str) -> TypeAdapter[Any]:
    annotation: Any = Incident.model_fields[field].annotation
    return TypeAdapter(annotation)


class PushRequest(_Wire):
    """A batch of operations from one device, oldest first, with the device's clock reading."""

    device_id: Id
    sent_at: AwareDatetime
    operations: list[Operation] = Field(min_length=1, max_length=MAX_BATCH)


def check_push(request: PushRequest, bounds: Bounds, now: datetime) -> PushRequest:
    """The push's envelope within the bounds: a device id vardia makes, a believable clock.

    Raises InputError with the sentence to show; the operations are checked one by one.
    """
    bounds.check_device_id(request.device_id)
    offset = (request.sent_at - now) / timedelta(seconds=1)
    bounds.check_offset(offset, _("sending device's clock offset"))
    return request


class OpStatus(StrEnum):
    """What the server did with one operation."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"
    REJECTED = "rejected"


class FieldConflict(_Wire):
    """An incident field edited on both sides: the server's value stood, the local one lost."""

    incident_id: str
    field: str
    base: Any
    local: Any
    server: Any


class OpResult(_Wire):
    """The fate of one pushed operation; ``conflicts`` is kept for a duplicate too."""

    op_id: str
    status: OpStatus
    reason: str | None = None
    conflicts: list[FieldConflict] = Field(default_factory=list)


class PushResponse(_Wire):
    """One result per pushed operation, in the order pushed."""

    results: list[OpResult]
    server_time: AwareDatetime
    clock_offset_seconds: float


class SyncedPriceList(_Wire):
    """The vendor's plans document (``plans.toml`` as JSON) and the sha256 of its content."""

    version: str = Field(pattern=r"^[0-9a-f]{64}$")
    document: dict[str, Any]

    @classmethod
    def of(cls, document: dict[str, Any]) -> SyncedPriceList:
        return cls(version=hashlib.sha256(_canonical(document)).hexdigest(), document=document)


class SessionPrice(_Wire):
    """The server's price of one of the caller's sessions: the amount it owes (SPEC §7.1)."""

    session_id: Id
    price: ServerPrice


class PullResponse(_Wire):
    """One page of what changed on the server since a cursor, and the price list if asked."""

    customers: list[Customer]
    incidents: list[Incident]
    cursor: str
    has_more: bool
    server_time: AwareDatetime
    price_list: SyncedPriceList | None = None
    prices: list[SessionPrice] = Field(default_factory=list)
    """The server's price of the caller's own sessions, (re)priced after the cursor."""


class Health(_Wire):
    """The server is up; its clock and version."""

    status: str
    server_time: AwareDatetime
    version: str


class WhoAmI(_Wire):
    """Who a token belongs to."""

    technician: str
    role: str
    server_time: datetime
