"""The wire schemas shared by the sync client and the vardia server (SPEC §7).

An Operation is one local change, appended to the outbox in the same atomic write as
the change itself, and pushed to the server later. Its ``op_id`` is generated on the
device; the server applies an op_id once, however often it is pushed.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict

__all__ = ["Operation", "OperationKind"]


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
    - ``incident.note``: the Note, as JSON, with ``incident_id``.
    - ``session.record``: the whole Session, as JSON.
    - ``session.edit``: the whole edited Session (its ``edits`` hold the old values).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    op_id: str
    kind: OperationKind
    entity_id: str
    payload: dict[str, Any]
    created_at: AwareDatetime
    device_id: str
