"""Durations, instants, money, hours and enum labels as the text a person reads.

The one home of these strings for the app and the command line alike.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal

from core.calendar import ATHENS
from core.i18n import _
from core.models import Answer, Channel, Eligibility, IncidentStatus, Session
from core.money import to_cents
from core.text import fold

__all__ = [
    "ANSWER_LABELS",
    "ATHENS",
    "CHANNEL_LABELS",
    "PROVISIONAL",
    "PROVISIONAL_MARK",
    "PROVISIONAL_NOTE",
    "SLA_MARKS",
    "STATUS_LABELS",
    "at_athens",
    "cents",
    "countdown",
    "elapsed",
    "eligibility_lines",
    "hours",
    "ledger_age",
    "money",
    "partial_header",
    "price_notes",
    "short_at",
    "slug",
]

CHANNEL_LABELS = {
    Channel.PHONE: _("phone"),
    Channel.REMOTE: _("remote"),
    Channel.OFFICE: _("at our office"),
    Channel.ONSITE: _("on site"),
    Channel.WRITTEN: _("written"),
}

STATUS_LABELS = {
    IncidentStatus.NEW: _("new"),
    IncidentStatus.ACKNOWLEDGED: _("ack'd"),
    IncidentStatus.IN_PROGRESS: _("working"),
    IncidentStatus.WAITING: _("waiting"),
    IncidentStatus.RESOLVED: _("resolved"),
    IncidentStatus.CLOSED: _("closed"),
}

ANSWER_LABELS = {Answer.YES: _("yes"), Answer.NO: _("NO"), Answer.UNKNOWN: _("unknown")}

SLA_MARKS = {"breached": "✖", "warned": "▲", "on_time": "·", "none": " "}
"""A symbol per SLA state, so rows differ without colour (NO_COLOR, 16 colours)."""


def countdown(delta: timedelta) -> str:
    """``2h 14m``, ``-35m 08s`` (seconds only within the hour), ``3d 04h``: fits in 8 cells."""
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{sign}{days}d {hours:02d}h"
    if hours:
        return f"{sign}{hours}h {minutes:02d}m"
    return f"{sign}{minutes}m {secs:02d}s"


def elapsed(delta: timedelta) -> str:
    """A stopwatch reading, ``1:02:03``."""
    seconds = max(0, int(delta.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def hours(minutes: Decimal) -> str:
    """Minutes as ``h:mm``, the way a timesheet reads."""
    whole = int(minutes.to_integral_value())
    return f"{whole // 60}:{whole % 60:02d}"


def cents(amount: Decimal) -> str:
    """An amount with its two decimals, ``12.50``, as JSON and tables carry it (half-up)."""
    return f"{to_cents(amount):.2f}"


def money(amount: Decimal) -> str:
    """An amount in euros, ``12.50 €``."""
    return f"{cents(amount)} €"


def eligibility_lines(found: Eligibility) -> list[str]:
    """What intake found about a customer's right to support, one line per finding.

    The intake panel shows it for an incident about to open, the incident screen for one
    that opened; each adds what only it knows (the premium pack, the deadline).
    """
    lines = [
        _("✓ contract in force") if found.contract_in_force else _("✖ contract expired or none"),
        _("served as {plan}").format(plan=found.served_as),
    ]
    if found.blocked:
        lines.append(_("✖ BLOCKED: {amount} overdue").format(amount=money(found.overdue_amount)))
    else:
        lines.append(_("nothing overdue"))
    if found.out_of_scope:
        lines.append(_("✖ out of scope: billed at free rates unless overridden"))
    return lines


def at_athens(at: datetime) -> datetime:
    return at.astimezone(ATHENS)


def short_at(at: datetime | None, tz: tzinfo = ATHENS) -> str:
    """An instant as a technician in Athens reads it: ``Mon 23 Nov 17:00``."""
    if at is None:
        return _("—")
    return at.astimezone(tz).strftime("%a %d %b %H:%M")


def ledger_age(as_of: datetime | None, now: datetime, tz: tzinfo = ATHENS) -> str:
    """How fresh the customer's ledger is: ``ledger as of 14:02``, or ``never synced``."""
    if as_of is None:
        return _("ledger never synced")
    local = as_of.astimezone(tz)
    if local.date() == now.astimezone(tz).date():
        return _("ledger as of {time}").format(time=f"{local:%H:%M}")
    return _("ledger as of {when}").format(when=f"{local:%d %b %H:%M}")


PROVISIONAL = _("provisional")
"""The mark of a price made on this device that the server has not confirmed yet."""

PROVISIONAL_MARK = "*"
PROVISIONAL_NOTE = _("* provisional: priced here, not yet by the server")
"""The footnote of a table whose lines carry ``PROVISIONAL_MARK``."""


def partial_header(as_of: datetime | None) -> str:
    """The line over a statement a device built alone: partial, and as of when."""
    if as_of is None:
        return _("Partial — this device's sessions only; it has never synced.")
    return _("Partial — this device's sessions only, as of its last sync {when}.").format(
        when=short_at(as_of)
    )


def price_notes(session: Session) -> list[str]:
    """What a session's price is worth, in sentences: provisional, or the server's and why.

    Nothing when the server confirmed the device's price.
    """
    # Loaded here: the pricing rules stay out of commands that show no session.
    from core.ledger import billed_quote, explain, is_provisional

    if is_provisional(session):
        return [_("Provisional: priced on this device; the server's price will replace it.")]
    price = session.server_price
    if price is None or not price.reasons:
        return []
    owed = billed_quote(session)
    head = _("Re-priced by the server: net {net} (this device said {device}).").format(
        net=money(owed.net), device=money(session.quote.net)
    )
    return [head, *(explain(reason) for reason in price.reasons)]


def slug(text: str) -> str:
    """Lower-case words joined by dashes, accents dropped, Greek letters kept."""
    return re.sub(r"[^\w]+", "-", fold(text)).strip("-_") or "customer"
