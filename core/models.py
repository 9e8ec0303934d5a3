"""The records vardia keeps: customers and contracts, incidents, sessions and the running timer.

Every instant is timezone-aware (stored as UTC with its offset); money is Decimal.
Records are immutable values: a change makes a new record (``model_copy(update=...)``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from core.channels import Channel
from core.contact import Email, Phone, TaxId
from core.i18n import N_, Labels, _

__all__ = [
    "OPEN_STATUSES",
    "OUT_OF_SCOPE",
    "STATUS_LABELS",
    "STATUS_WORDS",
    "Answer",
    "Category",
    "Channel",
    "Contract",
    "Customer",
    "Eligibility",
    "Entitlements",
    "Expenses",
    "Incident",
    "IncidentStatus",
    "Note",
    "PremiumGrant",
    "Prerequisites",
    "PriceReason",
    "PriceReasonKind",
    "Quote",
    "QuoteLine",
    "Record",
    "Segment",
    "ServerPrice",
    "Session",
    "SessionEdit",
    "Timer",
]

ZERO = Decimal("0")


class Record(BaseModel):
    """Base of every stored record: immutable, and unknown fields are refused."""

    # Validators are built on first use, so a command pays only for the records it reads.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class IncidentStatus(StrEnum):
    """An incident's life: new → acknowledged → in_progress → waiting → resolved → closed.

    The values are the records' and the wire's; people read and type the names of
    ``STATUS_LABELS`` and ``STATUS_WORDS`` (``in_progress`` is *working* to them).
    """

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"
    RESOLVED = "resolved"
    CLOSED = "closed"


STATUS_LABELS = Labels(
    {
        IncidentStatus.NEW: N_("new"),
        IncidentStatus.ACKNOWLEDGED: N_("ack'd"),
        IncidentStatus.IN_PROGRESS: N_("working"),
        IncidentStatus.WAITING: N_("waiting"),
        IncidentStatus.RESOLVED: N_("resolved"),
        IncidentStatus.CLOSED: N_("closed"),
    }
)
"""A status as a person reads it, the same in the queue, on the incident, in the status
menu and in what the command line prints."""

STATUS_WORDS = {
    IncidentStatus.NEW: "new",
    IncidentStatus.ACKNOWLEDGED: "acknowledged",
    IncidentStatus.IN_PROGRESS: "working",
    IncidentStatus.WAITING: "waiting",
    IncidentStatus.RESOLVED: "resolved",
    IncidentStatus.CLOSED: "closed",
}
"""A status as it is typed on the command line (``vardia incident status D-7 working``)."""


OPEN_STATUSES = frozenset(
    {
        IncidentStatus.NEW,
        IncidentStatus.ACKNOWLEDGED,
        IncidentStatus.IN_PROGRESS,
        IncidentStatus.WAITING,
    }
)


class Category(StrEnum):
    """What an incident is about; the last seven are out of scope (SPEC §3)."""

    SOFTWARE = "software"
    HOW_TO = "how_to"
    DATA = "data"
    INSTALLATION = "installation"
    OTHER = "other"
    OPERATING_SYSTEM = "operating_system"
    GREEK_DISPLAY = "greek_display"
    NETWORK_STORAGE = "network_storage"
    HARDWARE = "hardware"
    UNSUITABLE_EQUIPMENT = "unsuitable_equipment"
    VIRUS = "virus"
    TRAINING = "training"


OUT_OF_SCOPE = frozenset(
    {
        Category.OPERATING_SYSTEM,
        Category.GREEK_DISPLAY,
        Category.NETWORK_STORAGE,
        Category.HARDWARE,
        Category.UNSUITABLE_EQUIPMENT,
        Category.VIRUS,
        Category.TRAINING,
    }
)


class Answer(StrEnum):
    """A prerequisite recorded at intake."""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


class Segment(Record):
    """One stretch of timed work between a start and a pause or stop."""

    start: AwareDatetime
    end: AwareDatetime

    @model_validator(mode="after")
    def _end_after_start(self) -> Segment:
        if self.end < self.start:
            raise ValueError(_("a segment's end is before its start"))
        return self


class Contract(Record):
    """A customer's base plan and optional premium pack, valid between two dates."""

    plan: str
    premium_pack: str | None = None
    valid_from: date
    valid_until: date
    leased: bool = False
    program_value: Decimal = ZERO


class Entitlements(Record):
    """What a customer has used of its contract year; a new year starts afresh (SPEC §3)."""

    year: int
    included_used_hours: dict[Channel, Decimal] = Field(default_factory=dict)
    premium_incidents_used: int = 0


class Customer(Record):
    """A customer of the vendor, with its contract and what it has used.

    ``contact`` is whom to ask for, as free text; ``tax_id`` (ΑΦΜ), ``tax_office`` (ΔΟΥ) and
    ``address`` are what a statement names the customer by (SPEC §11); ``phones`` are the
    numbers it calls from, which intake's search finds (core.contact). A record written
    before these fields existed reads with them empty.
    """

    id: str
    name: str
    contact: str = ""
    city: str = ""
    tax_id: TaxId = ""
    tax_office: str = ""
    address: str = ""
    email: Email = ""
    phones: tuple[Phone, ...] = ()
    out_of_town: bool = False
    contract: Contract | None = None
    entitlements: Entitlements | None = None
    prepaid_credit: Decimal = ZERO
    overdue_amount: Decimal = ZERO
    updated_at: AwareDatetime | None = None
    ledger_as_of: AwareDatetime | None = None
    """When the server's ledger computed ``entitlements`` and ``prepaid_credit`` (SPEC §7.1);
    None when they never came from a server (a customer imported on this device)."""


class Note(Record):
    """An append-only note on an incident, owned by its author."""

    id: str
    author: str
    at: AwareDatetime
    text: str


class Prerequisites(Record):
    """The support prerequisites asked at intake (SPEC §3)."""

    backups: Answer = Answer.UNKNOWN
    no_third_party: Answer = Answer.UNKNOWN


class Eligibility(Record):
    """What intake found about the customer's right to support when the incident was opened."""

    contract_in_force: bool
    served_as: str
    blocked: bool = False
    overdue_amount: Decimal = ZERO
    override_reason: str | None = None
    premium_used: bool = False
    premium_left: int | None = None
    out_of_scope: bool = False
    scope_override_reason: str | None = None


class Incident(Record):
    """A customer's request, with its SLA fixed when it was opened."""

    id: str
    ref: str
    customer_id: str
    subject: str
    description: str = ""
    category: Category = Category.SOFTWARE
    requested_via: Channel = Channel.PHONE
    opened_at: AwareDatetime
    opened_by: str
    plan: str
    warn_at: AwareDatetime
    deadline: AwareDatetime
    resolve_by: AwareDatetime | None = None
    first_response_at: AwareDatetime | None = None
    status: IncidentStatus = IncidentStatus.NEW
    assignee: str | None = None
    notes: tuple[Note, ...] = ()
    prerequisites: Prerequisites = Prerequisites()
    eligibility: Eligibility
    updated_at: AwareDatetime


class QuoteLine(Record):
    """One line of a priced session: what, how long, at what rate, how much.

    ``minutes`` is the effective time the line charges (after hours weighted, see
    core.pricing) and ``rate`` the net hourly rate, so minutes / 60 × rate = amount.
    Expense lines have neither.
    """

    kind: str
    label: str
    minutes: Decimal | None = None
    rate: Decimal | None = None
    amount: Decimal


class Quote(Record):
    """A priced session (SPEC §5): the split, the billable time, its lines and totals."""

    plan: str
    channel: Channel
    in_hours_minutes: Decimal
    after_hours_minutes: Decimal
    billable_minutes: Decimal
    effective_minutes: Decimal
    included_hours_debited: Decimal = ZERO
    credit_debited: Decimal = ZERO
    lines: tuple[QuoteLine, ...] = ()
    net: Decimal
    vat: Decimal
    total: Decimal
    due: Decimal
    after_hours: bool = False


class PriceReasonKind(StrEnum):
    """What made the server's price of a session differ from the device's."""

    PREMIUM = "premium"
    INCLUDED_HOURS = "included_hours"
    CREDIT = "credit"
    PRICE_LIST = "price_list"


class PriceReason(Record):
    """Why the server's price differs, as numbers and dates a device puts in its own words.

    ``count`` earlier sessions (or, for premium, incidents) drew on the entitlement, the
    last of them on ``last_on`` (the local day); see ``core.ledger.explain``.
    """

    kind: PriceReasonKind
    channel: Channel | None = None
    included_hours: Decimal | None = None
    used_hours: Decimal | None = None
    credit_left: Decimal | None = None
    pack: str | None = None
    pack_incidents: int | None = None
    count: int = 0
    last_on: date | None = None


class PremiumGrant(StrEnum):
    """Whether a premium claim fell within the contract year's pack (SPEC §3)."""

    GRANTED = "granted"
    BEYOND_PACK = "beyond_pack"


class ServerPrice(Record):
    """The server's price of one revision of a session: the amount owed (SPEC §7.1).

    ``revision`` is the number of edits the priced version had; ``reasons`` is empty when
    the server's quote equals the device's.
    """

    quote: Quote
    revision: int = Field(ge=0)
    priced_at: AwareDatetime
    premium: PremiumGrant | None = None
    reasons: tuple[PriceReason, ...] = ()


class Expenses(Record):
    """Costs of an out-of-town visit, charged as entered, without surcharge."""

    travel: Decimal = ZERO
    parking: Decimal = ZERO
    lodging: Decimal = ZERO


class SessionEdit(Record):
    """A change to a session's times: the old values, who changed them, when and why."""

    at: AwareDatetime
    by: str
    reason: str
    old_segments: tuple[Segment, ...]
    old_channel: Channel
    old_quote: Quote


class Session(Record):
    """Timed work on an incident, priced when the timer stopped."""

    id: str
    incident_id: str
    customer_id: str
    technician: str
    device_id: str
    channel: Channel
    segments: tuple[Segment, ...]
    note: str = ""
    expenses: Expenses = Expenses()
    quote: Quote
    recorded_at: AwareDatetime
    clock_offset_seconds: float | None = None
    edits: tuple[SessionEdit, ...] = ()
    server_price: ServerPrice | None = None
    """The server's price, as last pulled; never pushed (see ``core.ledger``)."""

    @property
    def started_at(self) -> datetime:
        """When its work began: its first segment's start, or when it was recorded."""
        return self.segments[0].start if self.segments else self.recorded_at


class Timer(Record):
    """The one running timer: closed segments plus the instant the open one began, if running."""

    incident_id: str
    technician: str
    channel: Channel
    segments: tuple[Segment, ...] = ()
    running_since: AwareDatetime | None = None
    ref: str = ""
    subject: str = ""
    """The incident's reference and subject, kept with the timer (and changed with the
    incident) so that ``vardia timer status`` reads one small file (``core.store.glance``);
    empty on a timer started before they were kept."""
