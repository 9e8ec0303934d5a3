"""An open incident as the queue shows and sorts it, read straight from its stored record.

The queue holds every open incident (50,000 at scale 10) and needs a dozen of each one's
fields: building the full record model for each was most of the app's first frame
(SPEC §9). ``from_doc`` reads those fields from the stored record itself; a record it
cannot read that way (a field missing, a time without its zone, a status it does not know)
gets None, and the store then validates it as a record, which names a damaged file.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from core.models import Incident, IncidentStatus

__all__ = ["QueueEntry"]


def _instant(value: Any) -> datetime:
    found = datetime.fromisoformat(value)
    if found.tzinfo is None:
        raise ValueError(value)
    return found


class QueueEntry(NamedTuple):
    """What the queue shows of an open incident and what it sorts it by (``core.sla``).

    A named tuple: 50,000 of them are made in a tenth of a second.
    """

    id: str
    ref: str
    customer_id: str
    subject: str
    plan: str
    status: IncidentStatus
    assignee: str | None
    opened_at: datetime
    warn_at: datetime
    deadline: datetime
    resolve_by: datetime | None
    first_response_at: datetime | None

    @classmethod
    def of(cls, incident: Incident) -> QueueEntry:
        return cls(
            incident.id,
            incident.ref,
            incident.customer_id,
            incident.subject,
            incident.plan,
            incident.status,
            incident.assignee,
            incident.opened_at,
            incident.warn_at,
            incident.deadline,
            incident.resolve_by,
            incident.first_response_at,
        )

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> QueueEntry | None:
        """The entry of a stored incident record; None when it does not read plainly."""
        get = doc.get
        ident, ref, customer, subject, plan = (
            get("id"),
            get("ref"),
            get("customer_id"),
            get("subject"),
            get("plan"),
        )
        assignee, resolve_by, responded = (
            get("assignee"),
            get("resolve_by"),
            get("first_response_at"),
        )
        if (
            not isinstance(ident, str)
            or not isinstance(ref, str)
            or not isinstance(customer, str)
            or not isinstance(subject, str)
            or not isinstance(plan, str)
            or not (assignee is None or isinstance(assignee, str))
        ):
            return None
        try:
            return cls(
                ident,
                ref,
                customer,
                subject,
                plan,
                IncidentStatus(get("status", IncidentStatus.NEW)),
                assignee,
                _instant(get("opened_at")),
                _instant(get("warn_at")),
                _instant(get("deadline")),
                None if resolve_by is None else _instant(resolve_by),
                None if responded is None else _instant(responded),
            )
        except (TypeError, ValueError):
            return None
