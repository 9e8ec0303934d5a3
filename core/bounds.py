"""What vardia accepts as true, wherever a value comes from: one set of domain bounds (SPEC §7.2).

The same checks run at input (the command line and the app show their sentence), on the
device before it pushes an operation, and on the server before it stores one: a value
one side accepts, the others accept too. Each check raises :class:`InputError` with a
sentence that names the value and the bound.

- Instants are checked against the checking clock's ``now``: what happened (work, notes,
  an incident's opening) lies between ``earliest`` and ``ahead_hours`` past now; what is
  planned (deadlines, a quoted session) at most ``planning_days`` ahead.
- A segment and a session's worked time have a longest length; a session has at most
  ``max_segments`` segments.
- Amounts are finite, not negative, in cents, and under a ceiling: ``expense_ceiling`` for
  each expense line (SPEC §3), ``amount_ceiling`` for any other. Only on-site sessions
  carry expenses.
- Texts have a longest length by kind; no text holds a real NUL character (no person types
  one, and PostgreSQL cannot keep one), while the six characters ``\\u0000`` are text.
- Device ids have the shape vardia makes; clock offsets are finite and bounded.
- A customer's texts have their kind's longest length, and it has at most ``max_phones``
  phone numbers; what each value means (an ΑΦΜ's check digit, an e-mail's shape) the
  record checks itself (core.contact), so no reader can hold a wrong one.

The shipped values are in ``core/defaults/bounds.toml``; a vendor's ``bounds.toml`` in the
configuration directory is laid over them (``core.rules.load_bounds``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from core.errors import InputError
from core.i18n import _
from core.models import Channel, Customer, Expenses, Incident, Note, Quote, Segment, Session
from core.money import CENT

__all__ = ["DEVICE_ID", "MAX_ID_CHARS", "Bounds", "TextKind", "TextLimits", "check_json"]

DEVICE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
"""The shape of a device id: vardia makes 16 hex digits; tests and tools use short names."""
MAX_ID_CHARS = 128
"""The longest record id (the wire's ``Id``)."""
HOURS_IN_A_YEAR = 8784

TextKind = Literal["subject", "description", "note", "name", "reason", "address", "email", "phone"]


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class TextLimits(_Config):
    """The longest text of each kind, in characters."""

    subject: int = Field(gt=0)
    description: int = Field(gt=0)
    note: int = Field(gt=0)
    name: int = Field(gt=0)
    reason: int = Field(gt=0)
    address: int = Field(gt=0)
    email: int = Field(gt=0)
    phone: int = Field(gt=0)


class Bounds(_Config):
    """The bounds, as ``bounds.toml`` gives them, and the checks that apply them."""

    earliest: date
    ahead_hours: int = Field(ge=0)
    planning_days: int = Field(gt=0)
    max_segment_hours: Decimal = Field(gt=0)
    max_session_hours: Decimal = Field(gt=0)
    max_segments: int = Field(gt=0)
    max_clock_offset_hours: Decimal = Field(gt=0)
    max_phones: int = Field(gt=0)
    expense_ceiling: Decimal = Field(gt=0)
    amount_ceiling: Decimal = Field(gt=0)
    text: TextLimits

    # ---- single values ----------------------------------------------------------------

    def check_happened(self, at: datetime, what: str, now: datetime) -> datetime:
        """``at`` is when something happened: not before ``earliest``, not far past now."""
        latest = now + timedelta(hours=self.ahead_hours)
        ahead = _("{n} hours from now").format(n=self.ahead_hours)
        return self._within(at, what, latest, ahead)

    def check_planned(self, at: datetime, what: str, now: datetime) -> datetime:
        """``at`` is when something is due or planned: at most ``planning_days`` ahead."""
        latest = now + timedelta(days=self.planning_days)
        ahead = _("{n} days from now").format(n=self.planning_days)
        return self._within(at, what, latest, ahead)

    def _within(self, at: datetime, what: str, latest: datetime, ahead: str) -> datetime:
        earliest = datetime.combine(self.earliest, time(), UTC)
        if not earliest <= at <= latest:
            raise InputError(
                _(
                    "The {what} {at} is outside the dates vardia accepts, from {earliest} "
                    "to {ahead}; check the date."
                ).format(what=what, at=at.isoformat(), earliest=self.earliest, ahead=ahead)
            )
        return at

    def check_text(self, value: str, kind: TextKind, what: str) -> str:
        """No NUL character, and no longer than the limit for its kind."""
        _no_nul(value, what)
        limit: int = getattr(self.text, kind)
        if len(value) > limit:
            raise InputError(
                _("The {what} is {n:,} characters long; vardia keeps at most {limit:,}.").format(
                    what=what, n=len(value), limit=limit
                )
            )
        return value

    def ceiling(self, *, expense: bool = False) -> Decimal:
        """The largest amount accepted: of an expense line, or of any other amount."""
        return self.expense_ceiling if expense else self.amount_ceiling

    def check_amount(self, value: Decimal, what: str, *, expense: bool = False) -> Decimal:
        """A finite amount of euros and cents, not negative, under its ceiling."""
        ceiling = self.ceiling(expense=expense)
        if not value.is_finite():
            raise InputError(_("The {what} is not a number of euros.").format(what=what))
        if value < 0:
            raise InputError(
                _("The {what} cannot be negative; give zero or more.").format(what=what)
            )
        if value > ceiling:
            raise InputError(
                _("The {what} is above the ceiling of {ceiling:,.2f} €; check the amount.").format(
                    what=what, ceiling=ceiling
                )
            )
        if value != value.quantize(CENT):
            raise InputError(
                _("The {what} {value} has more than two decimals; give euros and cents.").format(
                    what=what, value=value
                )
            )
        return value

    def check_expenses(self, expenses: Expenses, channel: Channel) -> Expenses:
        """Each expense line under the ceiling; only an on-site session carries any."""
        lines = (
            (_("travel expense"), expenses.travel),
            (_("parking expense"), expenses.parking),
            (_("lodging expense"), expenses.lodging),
        )
        for what, amount in lines:
            self.check_amount(amount, what, expense=True)
        if channel is not Channel.ONSITE and any(amount for _what, amount in lines):
            raise InputError(
                _(
                    "Only an on-site session carries travel, parking or lodging; this one is "
                    "{channel}, so leave them out."
                ).format(channel=channel.value)
            )
        return expenses

    def check_hours(self, value: Decimal, what: str) -> Decimal:
        """A number of hours within a year: included hours used, for instance."""
        if not value.is_finite() or not 0 <= value <= HOURS_IN_A_YEAR:
            raise InputError(
                _("The {what} must be between 0 and {most} hours (a year).").format(
                    what=what, most=HOURS_IN_A_YEAR
                )
            )
        return value

    def check_offset(self, seconds: float | None, what: str) -> float | None:
        """A clock offset: a finite number of seconds, within ``max_clock_offset_hours``."""
        if seconds is None:
            return None
        most = float(self.max_clock_offset_hours) * 3600
        if not math.isfinite(seconds) or abs(seconds) > most:
            raise InputError(
                _(
                    "The {what} ({seconds}) is not a believable clock offset; at most "
                    "{hours} hours either way."
                ).format(what=what, seconds=seconds, hours=self.max_clock_offset_hours)
            )
        return seconds

    def check_device_id(self, device_id: str) -> str:
        if DEVICE_ID.fullmatch(device_id) is None:
            shown = device_id if len(device_id) <= 20 else device_id[:20] + "…"
            raise InputError(
                _(
                    "The device id {shown!r} is not one vardia makes: 1 to 64 letters, digits, "
                    "dots, dashes or underscores."
                ).format(shown=shown)
            )
        return device_id

    # ---- records ----------------------------------------------------------------------

    def check_segments(
        self, segments: Sequence[Segment], now: datetime, *, planned: bool = False
    ) -> Sequence[Segment]:
        """Each segment's instants and length, their number, and the session's worked time."""
        if len(segments) > self.max_segments:
            raise InputError(
                _("A session has at most {most} segments; this one has {n}.").format(
                    most=self.max_segments, n=len(segments)
                )
            )
        check = self.check_planned if planned else self.check_happened
        longest = timedelta(hours=float(self.max_segment_hours))
        worked = timedelta()
        for segment in segments:
            check(segment.start, _("segment start"), now)
            check(segment.end, _("segment end"), now)
            if segment.end - segment.start > longest:
                raise InputError(
                    _(
                        "The segment from {start} lasts more than {hours} hours; split it, "
                        "or check its dates."
                    ).format(start=segment.start.isoformat(), hours=self.max_segment_hours)
                )
            worked += segment.end - segment.start
        if worked > timedelta(hours=float(self.max_session_hours)):
            raise InputError(
                _(
                    "The session's segments add up to more than {hours} hours of work; "
                    "check their dates, or record the work as several sessions."
                ).format(hours=self.max_session_hours)
            )
        return segments

    def check_quote(self, quote: Quote) -> Quote:
        """Every amount of a quote: lines, rates and totals."""
        for line in quote.lines:
            self.check_amount(line.amount, _("amount of “{label}”").format(label=line.label))
            if line.rate is not None:
                self.check_amount(line.rate, _("rate of “{label}”").format(label=line.label))
        totals = (
            (_("quote's net"), quote.net),
            (_("quote's VAT"), quote.vat),
            (_("quote's total"), quote.total),
            (_("quote's amount due"), quote.due),
            (_("quote's credit debited"), quote.credit_debited),
        )
        for what, amount in totals:
            self.check_amount(amount, what)
        return quote

    def check_session(self, session: Session, now: datetime) -> Session:
        """A whole session, as recorded or edited, against the clock's ``now``."""
        for what, value in (
            (_("session id"), session.id),
            (_("incident id"), session.incident_id),
            (_("customer id"), session.customer_id),
        ):
            _check_id(value, what)
        self.check_text(session.technician, "name", _("technician's name"))
        self.check_device_id(session.device_id)
        self.check_segments(session.segments, now)
        self.check_happened(session.recorded_at, _("session's recording time"), now)
        self.check_text(session.note, "note", _("session's note"))
        self.check_expenses(session.expenses, session.channel)
        self.check_quote(session.quote)
        self.check_offset(session.clock_offset_seconds, _("session's clock offset"))
        for edit in session.edits:
            self.check_happened(edit.at, _("time of an edit"), now)
            self.check_text(edit.by, "name", _("name of an edit's author"))
            self.check_text(edit.reason, "reason", _("reason of an edit"))
            self.check_segments(edit.old_segments, now)
            self.check_quote(edit.old_quote)
        return session

    def check_customer(self, customer: Customer) -> Customer:
        """A customer's id, the length of each of its texts, and how many phones it has."""
        _check_id(customer.id, _("customer id"))
        texts: tuple[tuple[str, TextKind, str], ...] = (
            (customer.name, "name", _("customer's name")),
            (customer.contact, "name", _("customer's contact")),
            (customer.city, "name", _("customer's city")),
            (customer.tax_office, "name", _("customer's tax office (ΔΟΥ)")),
            (customer.address, "address", _("customer's address")),
            (customer.email, "email", _("customer's e-mail")),
        )
        for value, kind, what in texts:
            self.check_text(value, kind, what)
        if len(customer.phones) > self.max_phones:
            raise InputError(
                _("A customer has at most {most} phone numbers; this one has {n}.").format(
                    most=self.max_phones, n=len(customer.phones)
                )
            )
        for phone in customer.phones:
            self.check_text(phone, "phone", _("customer's phone number"))
        return customer

    def check_note(self, note: Note, now: datetime) -> Note:
        _check_id(note.id, _("note id"))
        self.check_text(note.author, "name", _("note's author"))
        self.check_happened(note.at, _("note's time"), now)
        self.check_text(note.text, "note", _("note"))
        return note

    def check_incident(self, incident: Incident, now: datetime) -> Incident:
        """A whole incident, as opened (or as an edit leaves it), against ``now``."""
        _check_id(incident.id, _("incident id"))
        _check_id(incident.ref, _("incident reference"))
        _check_id(incident.customer_id, _("customer id"))
        self.check_text(incident.opened_by, "name", _("name of who opened it"))
        self.check_happened(incident.opened_at, _("opening time"), now)
        for field, check in self._incident_fields(now).items():
            check(getattr(incident, field))
        return incident

    def check_incident_change(self, field: str, value: Any, now: datetime) -> None:
        """One changed field of an incident, typed as the Incident field."""
        check = self._incident_fields(now).get(field)
        if check is not None:
            check(value)

    def _incident_fields(self, now: datetime) -> dict[str, Callable[[Any], object]]:
        """The checks of the incident fields an edit may change (and of its notes)."""

        def optional(check: Callable[[Any], object]) -> Callable[[Any], object]:
            return lambda value: None if value is None else check(value)

        def eligibility(value: Any) -> None:
            self.check_amount(value.overdue_amount, _("overdue amount"))
            for what, reason in (
                (_("override reason"), value.override_reason),
                (_("scope override reason"), value.scope_override_reason),
            ):
                if reason is not None:
                    self.check_text(reason, "reason", what)

        return {
            "subject": lambda v: self.check_text(v, "subject", _("subject")),
            "description": lambda v: self.check_text(v, "description", _("description")),
            "assignee": optional(lambda v: self.check_text(v, "name", _("assignee"))),
            "updated_at": lambda v: self.check_happened(v, _("time of the last change"), now),
            "first_response_at": optional(
                lambda v: self.check_happened(v, _("first response time"), now)
            ),
            "warn_at": lambda v: self.check_planned(v, _("warning time"), now),
            "deadline": lambda v: self.check_planned(v, _("deadline"), now),
            "resolve_by": optional(lambda v: self.check_planned(v, _("resolve-by time"), now)),
            "eligibility": eligibility,
            "notes": lambda notes: [self.check_note(note, now) for note in notes],
        }


def _no_nul(value: str, what: str) -> None:
    if "\x00" in value:
        raise InputError(
            _("The {what} holds a NUL character, which vardia cannot keep; remove it.").format(
                what=what
            )
        )


def _check_id(value: str, what: str) -> None:
    _no_nul(value, what)
    if not 1 <= len(value) <= MAX_ID_CHARS:
        raise InputError(
            _("The {what} must be 1 to {most} characters long.").format(
                what=what, most=MAX_ID_CHARS
            )
        )


def check_json(value: Any, where: str = "") -> None:
    """Every text and number in a JSON document: no NUL character, no NaN or infinity.

    Run on a payload as it arrived, before it is read into records, so no field escapes.
    A clean document (nearly all) is read once without naming where each value sits; only
    one that holds a bad value is read again to say where.
    """
    if not _clean(value):
        _check_json(value, where)


def _clean(value: Any) -> bool:
    """True if no text in ``value`` holds a NUL and every number is finite."""
    if isinstance(value, str):
        return "\x00" not in value
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        for key, item in value.items():
            if not (_clean(key) and _clean(item)):
                return False
    elif isinstance(value, (list, tuple)):
        for item in value:
            if not _clean(item):
                return False
    return True


def _check_json(value: Any, where: str) -> None:
    if isinstance(value, str):
        if "\x00" in value:  # the sentence is only made for a text that needs it
            _no_nul(value, _("text at {where}").format(where=where or "/"))
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise InputError(
                _("The number at {where} is {value}, not a finite number.").format(
                    where=where or "/", value=value
                )
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_json(key, where)
            _check_json(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_json(item, f"{where}.{index}" if where else str(index))
