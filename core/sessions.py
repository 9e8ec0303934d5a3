"""Sessions corrected by hand (SPEC §5): work added without the timer, edits, deletions.

The vendor's measurement is authoritative, so nothing is overwritten without trace: work
added by hand carries its reason as the first entry of its history (an edit from no time
at all), an edit keeps the old values (``core.timer.edit_session``), and a deletion is an
edit to no time, which keeps the session's place in its month and its history. A session
of no time costs nothing (the billing unit rounds zero up to zero).

A session is named by the last characters of its id (:func:`short_id`), which are random
in a UUIDv7 where its first ones are the time it was made: short enough to type, and a
command accepts the full id or any unique tail of at least four characters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from core.errors import InputError, NotFoundError
from core.i18n import _
from core.ledger import billed_quote
from core.models import Channel, Quote, Segment, Session, SessionEdit
from core.overlaps import overlap
from core.rules import Rules
from core.store import Store
from core.timer import edit_session, record

__all__ = [
    "SHORT_ID",
    "Change",
    "add_session",
    "delete_session",
    "find_session",
    "history",
    "is_deleted",
    "overlaps_of",
    "revert_last_edit",
    "short_id",
]

SHORT_ID = 6
"""How many characters of a session's id name it in lists."""
_SHORTEST = 4


def short_id(session: Session) -> str:
    return session.id[-SHORT_ID:]


def find_session(store: Store, typed: str) -> Session:
    """The session ``typed`` names: its id, or a unique tail of it (as lists show it)."""
    text = typed.strip().casefold()
    if len(text) < _SHORTEST:
        raise InputError(
            _(
                "Give at least {n} characters of the session's id, as `vardia session list` shows."
            ).format(n=_SHORTEST)
        )
    try:
        return store.session(text)
    except NotFoundError:
        pass
    found = [s for s in store.sessions() if s.id.endswith(text)]
    if len(found) > 1:
        raise InputError(
            _("“{text}” ends {n} session ids; give more of the id.").format(
                text=typed, n=len(found)
            )
        )
    if not found:
        raise NotFoundError(
            _("No session id ends in “{text}”; `vardia session list` shows them.").format(
                text=typed
            )
        )
    return found[0]


def _reason(reason: str, missing: str) -> str:
    why = reason.strip()
    if not why:
        raise InputError(missing)
    return why


def add_session(
    store: Store,
    rules: Rules,
    ref: str,
    channel: Channel,
    segments: Sequence[Segment],
    *,
    reason: str,
    note: str = "",
) -> Session:
    """Record work done without the timer, priced and queued like a stopped timer's."""
    why = _reason(reason, _("Say why the work was not timed; the reason is kept with the session."))
    if not segments:
        raise InputError(_("A session needs at least one segment of time."))
    incident = store.incident(ref)
    plan = rules.plans.plan(incident.eligibility.served_as)
    plan.terms(channel)
    added = SessionEdit(
        at=store.clock.now(),
        by=store.technician,
        reason=why,
        old_segments=(),
        old_channel=channel,
        old_quote=_nothing(plan.id, channel),
    )
    return record(store, rules, incident, channel, segments, note=note, edits=[added])


def _nothing(plan: str, channel: Channel) -> Quote:
    """The price of no work: what a session added by hand was before it."""
    zero = Decimal(0)
    return Quote(
        plan=plan,
        channel=channel,
        in_hours_minutes=zero,
        after_hours_minutes=zero,
        billable_minutes=zero,
        effective_minutes=zero,
        net=zero,
        vat=zero,
        total=zero,
        due=zero,
    )


def delete_session(store: Store, rules: Rules, session_id: str, *, reason: str) -> Session:
    """Take a session's time away, keeping it and its history: an edit to no time."""
    why = _reason(reason, _("Say why the session is deleted; the reason is kept with it."))
    old = store.session(session_id)
    start = old.started_at
    return edit_session(
        store, rules, session_id, segments=[Segment(start=start, end=start)], reason=why
    )


def is_deleted(session: Session) -> bool:
    """A session edited to no time."""
    return bool(session.edits) and all(s.end == s.start for s in session.segments)


def revert_last_edit(store: Store, rules: Rules, session_id: str, *, reason: str) -> Session:
    """An edit back to the values before the session's last change (an added one: deleted)."""
    session = store.session(session_id)
    if not session.edits:
        raise InputError(_("The session was never changed; there is nothing to revert."))
    last = session.edits[-1]
    if not last.old_segments:
        return delete_session(store, rules, session_id, reason=reason)
    return edit_session(
        store,
        rules,
        session_id,
        segments=last.old_segments,
        channel=last.old_channel,
        reason=reason,
    )


def overlaps_of(store: Store, session: Session) -> list[Session]:
    """The technician's other sessions that share time with ``session``, oldest first."""
    candidates = store.sessions(technician=session.technician)
    return [other for other in candidates if overlap(session, other)]


@dataclass(frozen=True)
class Change:
    """One entry of a session's history: who changed it, when and why, from what to what."""

    edit: SessionEdit
    new_segments: tuple[Segment, ...]
    new_channel: Channel
    new_quote: Quote


def history(session: Session) -> list[Change]:
    """The session's changes, oldest first, each with the values it made (the last one's
    price as the session owes it: the server's once known)."""
    after = [(e.old_segments, e.old_channel, e.old_quote) for e in session.edits[1:]]
    after.append((session.segments, session.channel, billed_quote(session)))
    return [
        Change(edit, segments, channel, quote)
        for edit, (segments, channel, quote) in zip(session.edits, after, strict=True)
    ]
