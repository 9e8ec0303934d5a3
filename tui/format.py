"""Durations, instants, money, hours and enum labels as the text a person reads.

The one home of these strings for the app and the command line alike. They follow the
language vardia speaks (core.i18n): English reads ``12.50 €`` and ``Mon 23 Nov 17:30``,
Greek ``1.234,56 €`` and ``Δευ 23/11 17:30``, with the CLDR's Greek names of days and
months (babel). The amounts, numbers and dates a document shows too come from
``core.i18n``, which the server's documents share, and are re-exported here. JSON never
comes through here: it carries ISO instants and decimal strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import TYPE_CHECKING

from core.calendar import ATHENS
from core.channels import CHANNEL_LABELS
from core.i18n import (
    N_,
    TEXT_WIDTH,
    Labels,
    _,
    cents,
    date_text,
    dated,
    day_month,
    figure,
    fit,
    hours,
    language,
    money,
    month_name,
    ngettext,
    quantity,
    short_at,
    text_width,
)
from core.models import STATUS_LABELS, Answer, Category, Customer, Eligibility, Session
from core.text import fold

if TYPE_CHECKING:
    from core.plans import PriceList

__all__ = [
    "ANSWER_LABELS",
    "ATHENS",
    "CATEGORY_NAMES",
    "CHANNEL_LABELS",
    "PROVISIONAL",
    "PROVISIONAL_MARK",
    "PROVISIONAL_NOTE",
    "SLA_MARKS",
    "STATUS_LABELS",
    "TEXT_WIDTH",
    "ago",
    "at_athens",
    "cents",
    "clock_at",
    "countdown",
    "customer_details",
    "date_text",
    "day_month",
    "duration",
    "eligibility_lines",
    "figure",
    "fit",
    "hours",
    "ledger_age",
    "long_at",
    "money",
    "month_name",
    "numeric_at",
    "price_notes",
    "quantity",
    "short_at",
    "slug",
    "table",
    "text_width",
    "weekday_date",
    "weekday_day",
]

CATEGORY_NAMES = Labels(
    {
        Category.SOFTWARE: N_("software"),
        Category.HOW_TO: N_("how to"),
        Category.DATA: N_("data"),
        Category.INSTALLATION: N_("installation"),
        Category.OTHER: N_("other"),
        Category.OPERATING_SYSTEM: N_("operating system"),
        Category.GREEK_DISPLAY: N_("greek display"),
        Category.NETWORK_STORAGE: N_("network storage"),
        Category.HARDWARE: N_("hardware"),
        Category.UNSUITABLE_EQUIPMENT: N_("unsuitable equipment"),
        Category.VIRUS: N_("virus"),
        Category.TRAINING: N_("training"),
    }
)
"""A category in a word or two, where the intake's full sentence does not fit."""

ANSWER_LABELS = Labels({Answer.YES: N_("yes"), Answer.NO: N_("NO"), Answer.UNKNOWN: N_("unknown")})

SLA_MARKS = {"breached": "✖", "warned": "▲", "on_time": "·", "none": " "}
"""A symbol per SLA state, so rows differ without colour (NO_COLOR, 16 colours)."""


_UNITS = {"en": ("d", "h", "m", "s"), "el": ("η", "ώ", "λ", "δ")}
"""Countdown units: days, hours, minutes, seconds (Greek ημέρες, ώρες, λεπτά, δευτερόλεπτα)."""


def countdown(delta: timedelta) -> str:
    """``2h 14m``, ``-35m 08s`` (seconds only within the hour), ``3d 04h``: fits in 8 cells.

    Greek reads ``2ώ 14λ``, ``-35λ 08δ``, ``3η 04ώ``.
    """
    d, h, m, s = _UNITS[language()]
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{sign}{days}{d} {hours:02d}{h}"
    if hours:
        return f"{sign}{hours}{h} {minutes:02d}{m}"
    return f"{sign}{minutes}{m} {secs:02d}{s}"


def duration(minutes: Decimal | int) -> str:
    """Minutes in words, ``2 hours 5 minutes`` or ``2 ώρες 5 λεπτά``; ``0 minutes`` for none."""
    whole = int(Decimal(minutes).to_integral_value())
    hours_part, minutes_part = divmod(whole, 60)
    words = []
    if hours_part:
        words.append(ngettext("{n} hour", "{n} hours", hours_part).format(n=hours_part))
    if minutes_part or not hours_part:
        words.append(ngettext("{n} minute", "{n} minutes", minutes_part).format(n=minutes_part))
    return " ".join(words)


def eligibility_lines(found: Eligibility, plans: PriceList) -> list[str]:
    """What intake found about a customer's right to support, one line per finding.

    The intake panel shows it for an incident about to open, the incident screen for one
    that opened; each adds what only it knows (the premium pack, the deadline).
    """
    lines = [
        _("✓ contract in force") if found.contract_in_force else _("✖ contract expired or none"),
        _("served as {plan}").format(plan=plans.label(found.served_as)),
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


def clock_at(at: datetime, tz: tzinfo = ATHENS, *, day: bool = True) -> str:
    """The header's clock, to the second: ``Mon 23 Nov 17:00:05``, ``Δευ 23/11 17:00:05``;
    ``17:00:05`` without the ``day``, where the terminal is narrow."""
    if not day:
        return f"{at.astimezone(tz):%H:%M:%S}"
    return dated(at.astimezone(tz), "%a %d %b %H:%M:%S", "EEE dd/MM HH:mm:ss")


def ago(then: datetime, now: datetime) -> str:
    """How long ago, as the header says it: ``just now``, ``2 min ago``, ``3 h ago``, and the
    date and time after a day."""
    minutes = int((now - then).total_seconds() // 60)
    if minutes < 1:
        return _("just now")
    if minutes < 60:
        return _("{n} min ago").format(n=minutes)
    if minutes < 24 * 60:
        return _("{n} h ago").format(n=minutes // 60)
    return short_at(then)


def long_at(at: datetime, tz: tzinfo = ATHENS) -> str:
    """An instant with its year: ``Mon 2026-11-23 17:00``, ``Δευ 23/11/2026 17:00``."""
    return dated(at.astimezone(tz), "%a %Y-%m-%d %H:%M", "EEE dd/MM/y HH:mm")


def numeric_at(at: datetime, tz: tzinfo = ATHENS) -> str:
    """An instant in a table of days: ``Mon 23/11 17:00``, ``Δευ 23/11 17:00``."""
    return dated(at.astimezone(tz), "%a %d/%m %H:%M", "EEE dd/MM HH:mm")


def weekday_day(day: date) -> str:
    """A day of a week's chart: ``Mon 23``, ``Δευ 23``."""
    return dated(day, "%a %d", "EEE dd")


def weekday_date(day: date) -> str:
    """A day of a week's table: ``Mon 23/11``, ``Δευ 23/11``."""
    return dated(day, "%a %d/%m", "EEE dd/MM")


def ledger_age(as_of: datetime | None, now: datetime, tz: tzinfo = ATHENS) -> str:
    """How fresh the customer's ledger is: ``ledger as of 14:02``, another day ``ledger as of
    21 Nov 14:02`` (in Greek ``καρτέλα 21 Νοε 14:02``, CLDR's month), or ``never synced``."""
    if as_of is None:
        return _("ledger never synced")
    local = as_of.astimezone(tz)
    if local.date() == now.astimezone(tz).date():
        return _("ledger as of {time}").format(time=f"{local:%H:%M}")
    return _("ledger as of {when}").format(when=dated(local, "%d %b %H:%M", "d MMM HH:mm"))


PROVISIONAL = _("provisional")
"""The mark of a price made on this device that the server has not confirmed yet."""

PROVISIONAL_MARK = "*"
PROVISIONAL_NOTE = _("* provisional: priced here, not yet by the server")
"""The footnote of a table whose lines carry ``PROVISIONAL_MARK``."""


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


_LAST_ROOM = 8


ADDED_MARK = "+"
EDITED_MARK = "✎"
DELETED_MARK = "✖"


def session_marks(session: Session) -> str:
    """``+`` added by hand, ``✎`` edited, ``✖`` deleted (an edit to no time), or nothing."""
    from core.sessions import is_deleted  # the store's module, loaded only where sessions show

    if is_deleted(session):
        return DELETED_MARK
    if len(session.edits) == 1 and not session.edits[0].old_segments:
        return ADDED_MARK
    return EDITED_MARK if session.edits else ""


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    caps: Sequence[int | None] = (),
    width: int | None = None,
) -> str:
    """Rows under a header line, each column as wide as its widest cell (at most its cap in
    ``caps``); every cell and the last column are cut with ``…``, so no line passes ``width``:
    by default the terminal's, or ``TEXT_WIDTH`` when the output goes to a file or a pipe."""
    if width is None:
        width = text_width()
    cells = [[str(cell) for cell in row] for row in rows]
    limits = list(caps) + [None] * (len(headers) - len(caps))
    widths = []
    for index, (header, cap) in enumerate(zip(headers[:-1], limits, strict=False)):
        widest = max([len(header), *(len(row[index]) for row in cells)])
        widths.append(widest if cap is None else min(widest, cap))
    # Too wide for the line? The widest column gives way, until the last has some room.
    while widths and sum(widths) + 2 * len(widths) + _LAST_ROOM > width and max(widths) > 4:
        widths[widths.index(max(widths))] -= 1
    room = max(width - sum(widths) - 2 * len(widths), _LAST_ROOM)

    def line(row: Sequence[str]) -> str:
        lead = "".join(fit(cell, w).ljust(w) + "  " for cell, w in zip(row, widths, strict=False))
        return (lead + fit(row[-1], room)).rstrip()

    return "\n".join(line(row) for row in [list(headers), *cells])


def slug(text: str) -> str:
    """Lower-case words joined by dashes, accents dropped, Greek letters kept."""
    return re.sub(r"[^\w]+", "-", fold(text)).strip("-_") or "customer"


def customer_details(customer: Customer) -> list[str]:
    """Where a customer is, what a document names it by, and how to reach it, as lines."""
    place = customer.address or customer.city
    tax_id = _("Tax ID {tax_id}").format(tax_id=customer.tax_id) if customer.tax_id else ""
    phones = _("Phone {numbers}").format(numbers=" · ".join(customer.phones))
    lines = [
        place + (_(" · out of town") if customer.out_of_town and place else ""),
        _joined(tax_id, customer.tax_office),
        _joined(customer.contact, customer.email),
        phones if customer.phones else "",
    ]
    return [line for line in lines if line]


def _joined(*parts: str) -> str:
    return " · ".join(part for part in parts if part)
