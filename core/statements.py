"""Builds a customer's monthly statement from the prices its sessions owe: one builder for all.

The server builds it from its sessions of every technician, priced by its ledger; a device
builds it from what it holds (``partial``, ``as_of`` its last sync), and a line a device has
priced alone is ``provisional`` until the server's price arrives (``core.ledger``). A
statement never re-prices anything, so the statement of a past month reads the same
whenever it is made. Readings of what the records do not say outright:

- A session belongs to the month, and is dated by, the Europe/Athens day of its first
  second.
- Included hours used in the contract year (the calendar year by default) are the sum of the
  ``included_hours_debited`` of the customer's sessions from 1 January up to the end of
  the month; premium incidents used are the incidents opened in that span whose intake
  drew on the premium pack, up to the pack's size (the ledger grants them by opening time;
  the ones after are billed hourly and counted as beyond the pack).
- Prepaid credit, given the ledger's purchases: what was bought before the month less what
  sessions before it debited; then the month's purchases and debits. Without purchases (a
  device), it is read back from the customer's current credit plus what sessions after the
  month debited, so a purchase made after the month shows up as if it had been there.
- Prepaid credit is held in net euros whose VAT was invoiced when it was bought, so VAT is
  charged on the net less the credit applied.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

from pydantic import BaseModel, ConfigDict, PlainSerializer

from core.calendar import ATHENS, month_day
from core.errors import InputError
from core.i18n import _, figure, language, quantity
from core.ledger import Purchase, billed_quote, is_provisional
from core.models import Channel, Customer, Incident, PremiumGrant, Session
from core.overlaps import overlapping
from core.periods import Month, months
from core.plans import Billing, PriceList
from core.pricing import to_cents

if TYPE_CHECKING:
    from core.rules import Rules
    from core.store import Store

__all__ = [
    "ATHENS",
    "BOM",
    "EXPENSE_KINDS",
    "Allowance",
    "CsvDialect",
    "EditNote",
    "PremiumAllowance",
    "Statement",
    "StatementDocument",
    "StatementLine",
    "StatementTerms",
    "StatementTotals",
    "build_statement",
    "credit_text",
    "load_statement",
    "minutes_text",
    "number",
    "session_day",
    "statement_options",
    "write_statement_csv",
]

ZERO = Decimal("0")

EXPENSE_KINDS = frozenset({"expense", "out_of_office_fee"})
"""Kinds of quote line that are costs charged as entered, not support time (SPEC §3)."""


def number(value: Decimal) -> int | float:
    """Minutes and hours as JSON numbers, whole when they are whole (as ``vardia quote``)."""
    return int(value) if value == value.to_integral_value() else float(value)


def minutes_text(value: Decimal) -> str:
    """Minutes the way a person reads them: ``15``, ``7.5`` (Greek ``7,5``), never ``15.00``."""
    return quantity(value)


Time = Annotated[Decimal, PlainSerializer(number, when_used="json")]
"""Minutes or hours: a Decimal in Python, a JSON number (money stays a string)."""


@dataclass(frozen=True)
class StatementTerms:
    """What the price list says about this customer's statement: VAT, included hours, premium."""

    vat_rate: Decimal
    included_hours: Mapping[Channel, Decimal]
    tz: tzinfo = ATHENS
    premium_pack: str | None = None
    premium_incidents: int = 0
    contract_year_starts: str = "01-01"
    prepaid_credit: bool = True

    @classmethod
    def of(
        cls, customer: Customer, month: Month, plans: PriceList, billing: Billing, tz: tzinfo
    ) -> StatementTerms:
        """The terms of the customer's contract if it is in force during the month."""
        contract = customer.contract
        if contract is None or not (
            contract.valid_from <= month.last_day and contract.valid_until >= month.first_day
        ):
            return cls(vat_rate=billing.vat_rate, included_hours={}, tz=tz, prepaid_credit=True)
        plan = plans.plan(contract.plan)
        pack = contract.premium_pack
        return cls(
            vat_rate=billing.vat_rate,
            included_hours={c: t.included_hours for c, t in plan.channels.items()},
            tz=tz,
            premium_pack=pack,
            premium_incidents=plans.plan(pack).premium_incidents if pack else 0,
            contract_year_starts=plan.contract_year_starts,
            prepaid_credit=plan.prepaid_credit,
        )

    def year_start(self, month: Month) -> datetime:
        """The first instant of the contract year that holds the month's last day."""
        start = month_day(self.contract_year_starts)
        last = month.last_day
        year = last.year if (last.month, last.day) >= start else last.year - 1
        return datetime(year, *start, tzinfo=self.tz).astimezone(UTC)


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


class EditNote(_Out):
    """A change made to a session's times after it was recorded, as the statement shows it."""

    at: datetime
    by: str
    reason: str
    old_effective_minutes: Time
    old_amount: Decimal


class StatementLine(_Out):
    """One session on a statement."""

    session_id: str
    date: date
    incident_id: str
    incident_ref: str
    incident_subject: str
    technician: str
    channel: Channel
    plan: str
    in_hours_minutes: Time
    after_hours_minutes: Time
    billable_minutes: Time
    effective_minutes: Time
    after_hours: bool
    included_hours_debited: Time
    credit_debited: Decimal
    amount: Decimal
    expenses: Decimal
    net: Decimal
    edits: tuple[EditNote, ...] = ()
    provisional: bool = False
    """Priced by a device alone: the server's price has not arrived yet."""
    beyond_pack: bool = False
    """A premium incident beyond the contract year's pack, billed hourly."""
    overlaps: bool = False
    """Its time overlaps another session of the same technician on the statement."""


class Allowance(_Out):
    """A channel's included hours in the contract year, as of the month's end."""

    channel: Channel
    included_hours: Time
    used_before_month: Time
    used_in_month: Time
    used_to_date: Time
    left: Decimal


class PremiumAllowance(_Out):
    """A premium pack's incidents in the contract year, as of the month's end."""

    pack: str
    incidents: int
    used_in_month: int
    used_to_date: int
    left: int
    beyond_pack: int = 0


class StatementTotals(_Out):
    """The sums at the foot of a statement."""

    sessions: int
    in_hours_minutes: Time
    after_hours_minutes: Time
    billable_minutes: Time
    effective_minutes: Time
    included_hours_debited: Time
    time_charges: Decimal
    expenses: Decimal
    net: Decimal
    credit_applied: Decimal
    net_due: Decimal
    vat_rate: Decimal
    vat: Decimal
    total: Decimal
    credit_before: Decimal
    credit_after: Decimal
    credit_bought: Decimal = ZERO


class StatementDocument(_Out):
    """The number the server gave a statement issued as a document, and when it issued it."""

    number: str
    """``2026/0001``: the year of issue, then the statement's place in that year's series."""
    issued_at: datetime


class Statement(_Out):
    """A customer's month: its sessions line by line, what is left of its contract, the totals."""

    customer_id: str
    customer_name: str
    plan: str | None
    month: str
    period_start: datetime
    period_end: datetime
    lines: tuple[StatementLine, ...]
    allowances: tuple[Allowance, ...]
    premium: PremiumAllowance | None
    totals: StatementTotals
    partial: bool = False
    """Built from what one device holds, not from the server's sessions of every technician."""
    as_of: datetime | None = None
    """When the ledger it reads was computed: the server's clock, or the device's last sync."""
    document: StatementDocument | None = None
    """Its document number once the server issued it; None on a draft."""


def session_day(session: Session, tz: tzinfo = ATHENS) -> date:
    """The local day (Europe/Athens by default) of a session's first second."""
    return session.started_at.astimezone(tz).date()


def _expenses(session: Session) -> Decimal:
    lines = billed_quote(session).lines
    return sum((ln.amount for ln in lines if ln.kind in EXPENSE_KINDS), ZERO)


def _line(session: Session, incident: Incident | None, tz: tzinfo, overlaps: bool) -> StatementLine:
    quote = billed_quote(session)
    expenses = _expenses(session)
    price = session.server_price
    return StatementLine(
        session_id=session.id,
        date=session_day(session, tz),
        incident_id=session.incident_id,
        incident_ref=incident.ref if incident else session.incident_id,
        incident_subject=incident.subject if incident else "",
        technician=session.technician,
        channel=session.channel,
        plan=quote.plan,
        in_hours_minutes=quote.in_hours_minutes,
        after_hours_minutes=quote.after_hours_minutes,
        billable_minutes=quote.billable_minutes,
        effective_minutes=quote.effective_minutes,
        after_hours=quote.after_hours,
        included_hours_debited=quote.included_hours_debited,
        credit_debited=to_cents(quote.credit_debited),
        amount=to_cents(quote.net - expenses),
        expenses=to_cents(expenses),
        net=to_cents(quote.net),
        edits=tuple(
            EditNote(
                at=edit.at,
                by=edit.by,
                reason=edit.reason,
                old_effective_minutes=edit.old_quote.effective_minutes,
                old_amount=to_cents(edit.old_quote.net),
            )
            for edit in session.edits
        ),
        provisional=is_provisional(session),
        beyond_pack=price is not None and price.premium is PremiumGrant.BEYOND_PACK,
        overlaps=overlaps,
    )


def _allowances(
    terms: StatementTerms, year_sessions: list[Session], month_start: datetime
) -> tuple[Allowance, ...]:
    allowances = []
    for channel, included in terms.included_hours.items():
        if included <= 0:
            continue
        before = in_month = ZERO
        for session in year_sessions:
            quote = billed_quote(session)
            if quote.channel != channel:
                continue
            if session.started_at < month_start:
                before += quote.included_hours_debited
            else:
                in_month += quote.included_hours_debited
        allowances.append(
            Allowance(
                channel=channel,
                included_hours=included,
                used_before_month=before,
                used_in_month=in_month,
                used_to_date=before + in_month,
                left=max(ZERO, included - before - in_month),
            )
        )
    return tuple(allowances)


def _premium(
    terms: StatementTerms,
    customer_id: str,
    incidents: Iterable[Incident],
    span: tuple[datetime, datetime, datetime],
) -> PremiumAllowance | None:
    if terms.premium_pack is None:
        return None
    year_start, month_start, month_end = span
    to_date = in_month = 0
    for incident in incidents:
        if incident.customer_id != customer_id or not incident.eligibility.premium_used:
            continue
        if year_start <= incident.opened_at < month_end:
            to_date += 1
            if incident.opened_at >= month_start:
                in_month += 1
    pack = terms.premium_incidents
    used = min(to_date, pack)
    return PremiumAllowance(
        pack=terms.premium_pack,
        incidents=pack,
        used_in_month=used - min(to_date - in_month, pack),
        used_to_date=used,
        left=pack - used,
        beyond_pack=to_date - used,
    )


def build_statement(
    customer: Customer,
    month: Month,
    sessions: Iterable[Session],
    incidents: Mapping[str, Incident],
    terms: StatementTerms,
    *,
    purchases: Sequence[Purchase] | None = None,
    partial: bool = False,
    as_of: datetime | None = None,
) -> Statement:
    """The customer's statement for ``month``, each session at the price it owes.

    ``sessions`` are the customer's sessions (those of other customers are ignored); the
    ones before the month are needed for the contract year's included hours and the credit
    before the month, and, without ``purchases``, the ones after it for the credit read back
    from today's. ``incidents`` maps incident ids to incidents, for the sessions' references
    and the premium incidents used. ``purchases`` are the ledger's credit purchases.
    """
    tz = terms.tz
    year_start, month_start, month_end = terms.year_start(month), month.start(tz), month.end(tz)
    in_month: list[Session] = []
    year_to_date: list[Session] = []
    credit_after_month = credit_before_month = ZERO
    for session in sessions:
        if session.customer_id != customer.id:
            continue
        start = session.started_at
        if start >= month_end:
            credit_after_month += billed_quote(session).credit_debited
            continue
        if start < month_start:
            credit_before_month += billed_quote(session).credit_debited
        if start >= year_start:
            year_to_date.append(session)
        if start >= month_start:
            in_month.append(session)
    in_month.sort(key=lambda s: (s.started_at, s.id))
    overlapped = overlapping(in_month)
    lines = tuple(_line(s, incidents.get(s.incident_id), tz, s.id in overlapped) for s in in_month)

    time_charges = sum((ln.amount for ln in lines), ZERO)
    expenses = sum((ln.expenses for ln in lines), ZERO)
    credit_applied = sum((ln.credit_debited for ln in lines), ZERO)
    net = time_charges + expenses
    net_due = net - credit_applied
    vat = to_cents(net_due * terms.vat_rate)
    if purchases is None:
        bought = ZERO
        credit_after = to_cents(customer.prepaid_credit + credit_after_month)
    else:
        bought = sum((p.amount for p in purchases if month_start <= p.at < month_end), ZERO)
        earlier = sum((p.amount for p in purchases if p.at < month_start), ZERO)
        credit_after = to_cents(earlier - credit_before_month + bought - credit_applied)
    totals = StatementTotals(
        sessions=len(lines),
        in_hours_minutes=sum((ln.in_hours_minutes for ln in lines), ZERO),
        after_hours_minutes=sum((ln.after_hours_minutes for ln in lines), ZERO),
        billable_minutes=sum((ln.billable_minutes for ln in lines), ZERO),
        effective_minutes=sum((ln.effective_minutes for ln in lines), ZERO),
        included_hours_debited=sum((ln.included_hours_debited for ln in lines), ZERO),
        time_charges=to_cents(time_charges),
        expenses=to_cents(expenses),
        net=to_cents(net),
        credit_applied=to_cents(credit_applied),
        net_due=to_cents(net_due),
        vat_rate=terms.vat_rate,
        vat=vat,
        total=to_cents(net_due + vat),
        credit_before=to_cents(credit_after + credit_applied - bought),
        credit_after=credit_after,
        credit_bought=to_cents(bought),
    )
    return Statement(
        customer_id=customer.id,
        customer_name=customer.name,
        plan=customer.contract.plan if customer.contract else None,
        month=str(month),
        period_start=month_start,
        period_end=month_end,
        lines=lines,
        allowances=_allowances(terms, year_to_date, month_start),
        premium=_premium(
            terms, customer.id, incidents.values(), (year_start, month_start, month_end)
        ),
        totals=totals,
        partial=partial,
        as_of=as_of,
    )


def statement_options(
    customer_id: str | None,
    every: bool,
    as_json: bool,
    as_csv: bool,
    output: Path | None,
    *,
    as_html: bool = False,
    dialect: str | None = None,
) -> None:
    """Check a statement command's options (``vardia`` and ``vardia-server`` alike)."""
    if as_json + as_csv + as_html > 1:
        raise InputError(_("Choose one of --json, --csv and --html."))
    if dialect is not None and not as_csv:
        raise InputError(_("--dialect says how to write a CSV: give it with --csv."))
    if every == (customer_id is not None):
        raise InputError(_("Give --customer ID for one customer, or --all for every customer."))
    if every and output is None:
        raise InputError(_("--all writes one file per customer: give the folder with --output."))


def load_statement(store: Store, rules: Rules, customer_id: str, month: Month) -> Statement:
    """A customer's statement for a month, from what the store holds.

    Only what the statement shows is read: the months of the contract year up to the month,
    and the months after it when prepaid credit may have been debited since (the credit
    before and after the month is read back from today's); of each, the customer's sessions
    alone are parsed. The incidents read are those of the month's sessions, for their
    references, and, when the contract has a premium pack, the customer's open ones and
    those its sessions of the year worked on, so a premium incident that was closed without
    any session is not counted. Each is found through the store's index, so the history
    files read are those that hold them.
    """
    customer = store.customer(customer_id)
    tz = rules.timezone
    terms = StatementTerms.of(customer, month, rules.plans, rules.billing, tz)
    sessions = [
        s
        for m in months(Month.of(terms.year_start(month), tz), month)
        for s in store.sessions(customer_id=customer_id, month=str(m))
    ]
    month_start = month.start(tz)
    worked_on = {
        s.incident_id for s in sessions if terms.premium_pack or s.started_at >= month_start
    }
    incidents = store.incidents_by_id(worked_on)
    if terms.premium_pack:
        incidents.update((i.id, i) for i in store.open_incidents_of(customer_id))
    if (
        terms.prepaid_credit
        or customer.prepaid_credit
        or any(billed_quote(s).credit_debited for s in sessions)
    ):
        sessions += [
            s
            for m in months(month.next, Month.of(store.clock.now(), tz))
            for s in store.sessions(customer_id=customer_id, month=str(m))
        ]
    return build_statement(customer, month, sessions, incidents, terms)


class CsvDialect(StrEnum):
    """How a statement's CSV writes its cells, for the spreadsheet that opens it.

    Excel splits a CSV it opens by double-click with the list separator and reads numbers
    with the decimal separator of the Windows it runs on: a Greek Windows expects ``;`` and
    ``12,50``, and opens a ``,``-separated file in one column. Both dialects begin with a
    UTF-8 byte-order mark, written to a file and to standard output alike (``--csv > file``
    is the same file): without it, Excel reads the file as cp1253 and garbles every Greek
    letter; with it, Excel, LibreOffice and Python's ``csv`` (``utf-8-sig``) all read UTF-8.
    """

    EXCEL_EL = "excel-el"
    """Greek Excel: ``;`` between cells, a decimal comma (``12,50``)."""
    EXCEL = "excel"
    """Excel in English, and most programs: ``,`` between cells, a decimal point."""

    @classmethod
    def for_language(cls) -> CsvDialect:
        """The dialect of the language vardia speaks: Greek Excel's in Greek."""
        return cls.EXCEL_EL if language() == "el" else cls.EXCEL

    @property
    def delimiter(self) -> str:
        return ";" if self is CsvDialect.EXCEL_EL else ","

    def cell(self, value: object) -> object:
        """A number as this dialect writes it (``7.5`` or ``7,5``); any other value as it is."""
        if not isinstance(value, Decimal | float):
            return value
        text = format(value, "f")
        return text.replace(".", ",") if self is CsvDialect.EXCEL_EL else text


BOM = "\ufeff"

CSV_HEADER = (
    "line",
    "date",
    "session",
    "incident",
    "subject",
    "technician",
    "channel",
    "in_hours_minutes",
    "after_hours_minutes",
    "billable_minutes",
    "effective_minutes",
    "included_hours_drawn",
    "credit_debited",
    "expenses",
    "amount",
    "edited",
)


OVERLAP_MARK = "!"
"""The mark of a statement line whose time overlaps another of the same technician."""


def overlap_note() -> str:
    """The footnote of a statement with ``OVERLAP_MARK`` on some line."""
    return _("!: its time overlaps another session of the same technician.")


def credit_text(totals: StatementTotals) -> str:
    """The month's prepaid credit in one sentence: what there was, was bought, used and is left."""
    return _("Prepaid credit: {before} before, {bought} bought, {used} used, {after} left").format(
        before=figure(totals.credit_before),
        bought=figure(totals.credit_bought),
        used=figure(totals.credit_applied),
        after=figure(totals.credit_after),
    )


class _CellWriter(csv.DictWriter):  # type: ignore[type-arg]  # not generic at run time (3.11)
    """A DictWriter that writes each number the way its dialect of spreadsheet reads it."""

    def __init__(self, out: TextIO, dialect: CsvDialect) -> None:
        super().__init__(
            out,
            fieldnames=CSV_HEADER,
            restval="",
            delimiter=dialect.delimiter,
            lineterminator="\n",
        )
        self.cells = dialect

    def writerow(self, rowdict: Mapping[str, Any]) -> Any:
        return super().writerow({key: self.cells.cell(v) for key, v in rowdict.items()})


def write_statement_csv(
    statement: Statement, out: TextIO, dialect: CsvDialect | None = None
) -> None:
    """Write the statement as CSV: the byte-order mark, a header, one row per session, then
    one row per total, in ``dialect`` (by default the language's, ``CsvDialect.for_language``).

    Every row has the header's columns, so a spreadsheet imports it as is; a total row
    names itself in the ``line`` column and carries its value in ``amount`` (hours and
    counts in their own column). ``out`` is opened as UTF-8: the mark is written here.
    """
    out.write(BOM)
    writer = _CellWriter(out, dialect or CsvDialect.for_language())
    tz = statement.period_start.tzinfo
    writer.writeheader()
    for ln in statement.lines:
        last_edit = ln.edits[-1] if ln.edits else None
        writer.writerow(
            {
                "line": "session",
                "date": ln.date.isoformat(),
                "session": ln.session_id,
                "incident": ln.incident_ref,
                "subject": ln.incident_subject,
                "technician": ln.technician,
                "channel": ln.channel.value,
                "in_hours_minutes": ln.in_hours_minutes,
                "after_hours_minutes": ln.after_hours_minutes,
                "billable_minutes": ln.billable_minutes,
                "effective_minutes": ln.effective_minutes,
                "included_hours_drawn": ln.included_hours_debited,
                "credit_debited": ln.credit_debited,
                "expenses": ln.expenses,
                "amount": ln.amount,
                "edited": (
                    f"{last_edit.at.astimezone(tz):%Y-%m-%d %H:%M} "
                    f"{last_edit.by}: {last_edit.reason}"
                    if last_edit
                    else ""
                ),
            }
        )
    t = statement.totals
    writer.writerow(
        {
            "line": "sessions total",
            "in_hours_minutes": t.in_hours_minutes,
            "after_hours_minutes": t.after_hours_minutes,
            "billable_minutes": t.billable_minutes,
            "effective_minutes": t.effective_minutes,
            "included_hours_drawn": t.included_hours_debited,
            "credit_debited": t.credit_applied,
            "expenses": t.expenses,
            "amount": t.time_charges,
        }
    )
    for allowance in statement.allowances:
        for what, hours in (("used", allowance.used_to_date), ("left", allowance.left)):
            writer.writerow(
                {
                    "line": f"{allowance.channel.value} included hours {what}",
                    "included_hours_drawn": hours,
                }
            )
    if statement.premium is not None:
        for what, count in (
            ("used", statement.premium.used_to_date),
            ("left", statement.premium.left),
        ):
            writer.writerow({"line": f"premium incidents {what}", "incident": count})
    for label, value in (
        ("net", t.net),
        ("prepaid credit applied", ZERO - t.credit_applied),
        ("net due", t.net_due),
        (f"VAT {(t.vat_rate * 100).normalize():f} %", t.vat),
        ("total", t.total),
        ("prepaid credit before", t.credit_before),
        ("prepaid credit bought", t.credit_bought),
        ("prepaid credit after", t.credit_after),
    ):
        writer.writerow({"line": label, "amount": value})
