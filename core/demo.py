"""A realistic demo data set, the same for the same seed, placed around a clock's now.

About 40 customers on every plan (some expired, some overdue, some out of town, packs
nearly used up), 60 open incidents at every SLA state, and a few weeks of closed
incidents with priced sessions — Greek names included, so UTF-8 must survive. Customers
get short ids ``C-001``…``C-040`` a person can type: customer ids come from the vendor
(CSV import, the server), so they need not be UUIDs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from core.contact import tax_id_check_digit
from core.ids import uuid7_at
from core.intake import IntakeRequest, build_incident
from core.models import (
    OPEN_STATUSES,
    Answer,
    Category,
    Channel,
    Contract,
    Customer,
    Entitlements,
    Expenses,
    Incident,
    IncidentStatus,
    Note,
    Prerequisites,
    Segment,
    Session,
)
from core.rules import Rules
from core.store import Store
from core.text import transliterate
from core.timer import debit, price_for

if TYPE_CHECKING:
    from core.letterhead import Letterhead
    from core.statements import Statement

__all__ = [
    "DemoData",
    "demo_document",
    "demo_statement",
    "demo_vendor",
    "generate",
    "seed_store",
]

ZERO = Decimal(0)
DEMO_TECHNICIAN = "demo"
DEMO_DEVICE = "demo-device"

NAMES = [
    "Ζαχαροπλαστεία Ηλιόπουλος", "Λογιστικό Γραφείο Παπαδάκη", "Φαρμακείο Κωνσταντίνου",
    "Τεχνική Κατασκευαστική Αιγαίου", "Ξενοδοχείο Ακρόπολις", "Δικηγορική Εταιρεία Μαρκόπουλου",
    "Βιβλιοπωλείο Ο Καζαντζάκης", "Οπτικά Γεωργίου", "Κτηνιατρείο Αγίας Παρασκευής",
    "Μεταφορική Θεσσαλίας", "Ελαιουργείο Καλαμάτας", "Αρχιτεκτονικό Γραφείο Σταθοπούλου",
    "Ιατρικό Κέντρο Ζωγράφου", "Πρατήριο Καυσίμων Βασιλείου", "Φροντιστήριο Πυθαγόρας",
    "Εμπορική Δωδεκανήσου", "Ταβέρνα Το Λιμανάκι", "Κρεοπωλείο Νικολάου", "Ναυτιλιακή Πειραιώς",
    "Γραφείο Τελετών Ευαγγελίου", "Συνεργείο Αυτοκινήτων Δημητρίου", "Τυπογραφείο Γουτεμβέργιος",
    "Κομμωτήριο Ελένη", "Αρτοποιείο Ο Φούρνος", "Εκπαιδευτήρια Αριστοτέλης",
    "Σούπερ Μάρκετ Χαλκιδικής", "Ηλεκτρολογικά Σπυρόπουλου", "Ενοικιάσεις Σκαφών Κυκλάδων",
    "Οδοντιατρείο Αλεξίου", "Ψαροταβέρνα Ο Γλάρος", "Σιδηρουργεία Βοιωτίας", "Κάβα Οινοπνευμάτων",
    "Γαλακτοκομικά Ηπείρου", "Ασφαλιστικό Γραφείο Τσακίρη", "Εργαστήριο Κεραμικής Σίφνου",
    "Πολιτιστικός Σύλλογος Ύδρας", "Εταιρεία Ύδρευσης Κρήτης", "Μελισσοκομεία Ολύμπου",
    "Ταξιδιωτικό Πρακτορείο Οδύσσεια", "Κλινική Φυσικοθεραπείας Άλφα",
]  # fmt: skip
TOWNS = ["Αθήνα", "Πειραιάς", "Μαρούσι", "Γλυφάδα", "Χαλάνδρι", "Κηφισιά"]
FAR_TOWNS = ["Θεσσαλονίκη", "Πάτρα", "Ηράκλειο", "Λάρισα", "Ιωάννινα", "Καλαμάτα"]
# Each town's tax office (ΔΟΥ), postcode and telephone area code.
TOWN_DETAILS = {
    "Αθήνα": ("ΔΟΥ Α' Αθηνών", "105 64", "210"),
    "Πειραιάς": ("ΔΟΥ Α' Πειραιά", "185 35", "210"),
    "Μαρούσι": ("ΔΟΥ Αμαρουσίου", "151 24", "210"),
    "Γλυφάδα": ("ΔΟΥ Γλυφάδας", "166 75", "210"),
    "Χαλάνδρι": ("ΔΟΥ Χαλανδρίου", "152 31", "210"),
    "Κηφισιά": ("ΔΟΥ Κηφισιάς", "145 62", "210"),
    "Θεσσαλονίκη": ("ΔΟΥ Δ' Θεσσαλονίκης", "546 25", "2310"),
    "Πάτρα": ("ΔΟΥ Α' Πατρών", "262 21", "2610"),
    "Ηράκλειο": ("ΔΟΥ Α' Ηρακλείου", "712 02", "2810"),
    "Λάρισα": ("ΔΟΥ Α' Λάρισας", "412 22", "2410"),
    "Ιωάννινα": ("ΔΟΥ Ιωαννίνων", "454 44", "2651"),
    "Καλαμάτα": ("ΔΟΥ Καλαμάτας", "241 00", "2721"),
}
STREETS = [
    "Πανεπιστημίου", "Ερμού", "Αγίου Κωνσταντίνου", "Λεωφ. Κηφισίας", "Εγνατίας",
    "Μαιζώνος", "25ης Μαρτίου", "Ελευθερίου Βενιζέλου", "Αριστοτέλους", "Καραϊσκάκη",
]  # fmt: skip
CONTACTS = [
    "Γιώργος Παπαδόπουλος", "Μαρία Σταθοπούλου", "Νίκος Αλεξίου", "Ελένη Μπακάλη",
    "Κώστας Δημητρίου", "Αικατερίνη Ευαγγέλου", "Δημήτρης Ντόκος", "Σοφία Γεωργίου",
    "Παναγιώτης Λαμπράκης", "Χριστίνα Ψαρρά", "Ανδρέας Θεοδώρου",
]  # fmt: skip
SUBJECTS = [
    "Δεν εκδίδονται τιμολόγια", "Λάθος στον υπολογισμό ΦΠΑ", "Η εφαρμογή κολλάει στην εκκίνηση",
    "Μεταφορά δεδομένων σε νέο υπολογιστή", "Αναβάθμιση στη νέα έκδοση",
    "Σφάλμα στο κλείσιμο χρήσης",
    "Δεν τυπώνονται οι ετικέτες", "Αργή αναζήτηση πελατών", "Εξαγωγή στο myDATA αποτυγχάνει",
    "Ερώτηση για τις αποσβέσεις", "Χάθηκαν ρυθμίσεις χρήστη", "Ο εκτυπωτής δεν βλέπει το δίκτυο",
]  # fmt: skip
PLAN_MIX = [
    ("free", None, 7),
    ("basic", None, 10),
    ("business", None, 9),
    ("maintenance", None, 6),
    ("maintenance", "premium-2", 2),
    ("maintenance", "premium-4", 2),
    ("maintenance", "premium-10", 2),
    ("maintenance", "premium-25", 2),
]


@dataclass(frozen=True)
class DemoData:
    customers: list[Customer]
    incidents: list[Incident]
    sessions: list[Session]


def _details(n: int, name: str, city: str, number: int) -> dict[str, Any]:
    """The n-th customer's ΑΦΜ, ΔΟΥ, address, e-mail and phones, made from n alone."""
    tax_office, postcode, area = TOWN_DETAILS[city]
    first_eight = f"{94_000_000 + (n + 1) * 104_729:08d}"
    local = str(number)[: 10 - len(area)]
    phones = [f"{area} {local[:-4]} {local[-4:]}"]
    if n % 3 == 0:
        mobile = f"69{(n + 1) * 7_654_321 % 100_000_000:08d}"
        phones.append(f"{mobile[:3]} {mobile[3:6]} {mobile[6:]}")
    return {
        "tax_id": first_eight + str(tax_id_check_digit(first_eight)),
        "tax_office": tax_office,
        "address": f"{STREETS[n % len(STREETS)]} {n % 97 + 1}, {postcode} {city}",
        "email": f"info@{transliterate(name.split()[-1])}.example.gr",
        "phones": tuple(phones),
    }


class _Maker:
    """Draws the demo records from one seeded generator, in a fixed order."""

    def __init__(self, rules: Rules, seed: int, now: datetime) -> None:
        self.rules = rules
        self.rng = random.Random(seed)
        self.now = now
        self.today = rules.calendar.local_date(now)
        self.refs = 100

    def id_at(self, at: datetime) -> str:
        return uuid7_at(at, self.rng)

    def customers(self) -> list[Customer]:
        rng = self.rng
        year = self.today.year
        found = []
        plans = [(plan, pack) for plan, pack, count in PLAN_MIX for _n in range(count)]
        for n, (name, (plan, pack)) in enumerate(zip(NAMES, plans, strict=True)):
            far = n % 7 == 3
            expired = n % 10 == 4
            valid_until = date(year - 1, 12, 31) if expired else date(year, 12, 31)
            contract = Contract(
                plan=plan,
                premium_pack=pack,
                valid_from=date(year - 1 if expired else year, 1, 1),
                valid_until=valid_until,
                program_value=Decimal(rng.randrange(1500, 12000, 100)),
            )
            premium_used = 0
            if pack is not None:
                allowance = self.rules.plans.plan(pack).premium_incidents
                premium_used = allowance - rng.choice([0, 1, 1, 2])
            # Drawn in the order the demo always drew them, so the rest of the data stays put.
            number = rng.randrange(1000000, 9999999)
            city = rng.choice(FAR_TOWNS if far else TOWNS)
            found.append(
                Customer(
                    id=f"C-{n + 1:03d}",
                    name=name,
                    contact=CONTACTS[n % len(CONTACTS)],
                    city=city,
                    **_details(n, name, city, number),
                    out_of_town=far,
                    contract=None if n % 13 == 12 else contract,
                    entitlements=Entitlements(year=year, premium_incidents_used=premium_used),
                    prepaid_credit=Decimal(rng.choice([0, 50, 100, 200]))
                    if plan == "free"
                    else ZERO,
                    overdue_amount=Decimal(rng.choice([180, 420, 1250])) if n % 9 == 5 else ZERO,
                    updated_at=self.now - timedelta(days=30),
                )
            )
        return found

    def incident(self, customer: Customer, opened: datetime, status: IncidentStatus) -> Incident:
        rng = self.rng
        category = rng.choice(list(Category)) if rng.random() < 0.15 else Category.SOFTWARE
        request = IntakeRequest(
            customer_id=customer.id,
            subject=rng.choice(SUBJECTS),
            category=category,
            requested_via=rng.choice(
                [Channel.PHONE, Channel.PHONE, Channel.WRITTEN, Channel.REMOTE]
            ),
            prerequisites=Prerequisites(
                backups=rng.choice(list(Answer)), no_third_party=rng.choice(list(Answer))
            ),
            override_reason="Υποσχέθηκε εξόφληση αυτή την εβδομάδα",
            scope_override_reason="Συμφωνήθηκε τηλεφωνικά" if rng.random() < 0.5 else None,
            bill_without_premium=True,
        )
        self.refs += 1
        opened_incident = build_incident(
            self.rules,
            customer,
            request,
            at=opened,
            incident_id=self.id_at(opened),
            ref=f"D-{self.refs}",
            by=DEMO_TECHNICIAN,
        )
        if status is IncidentStatus.NEW:
            return opened_incident
        responded = min(opened + timedelta(hours=rng.uniform(0.2, 6)), self.now)
        note = Note(
            id=self.id_at(responded),
            author=DEMO_TECHNICIAN,
            at=responded,
            text="Μίλησα με τον πελάτη· περιμένω αρχείο καταγραφής.",
        )
        return opened_incident.model_copy(
            update={
                "status": status,
                "first_response_at": responded,
                "assignee": DEMO_TECHNICIAN,
                "notes": (note,) if rng.random() < 0.5 else (),
                "updated_at": responded,
            }
        )

    def working_moment(self, day: date) -> datetime:
        """An instant in (or, now and then, just after) support hours on ``day``."""
        start = time(hour=self.rng.randrange(10, 19), minute=self.rng.choice([0, 15, 30, 45]))
        return datetime.combine(day, start, tzinfo=self.rules.timezone)

    def session(self, incident: Incident, customer: Customer, start: datetime) -> Session:
        rng = self.rng
        plan = self.rules.plans.plan(incident.eligibility.served_as)
        offered = [c for c, terms in plan.channels.items() if terms.offered]
        channel = incident.requested_via if incident.requested_via in offered else offered[0]
        if customer.out_of_town and Channel.ONSITE in offered and rng.random() < 0.3:
            channel = Channel.ONSITE
        end = start + timedelta(minutes=rng.randrange(10, 110, 5))
        segments = (Segment(start=start, end=end),)
        expenses = None
        if channel is Channel.ONSITE and customer.out_of_town:
            expenses = Expenses(travel=Decimal(rng.randrange(20, 90)), parking=Decimal(5))
        quote = price_for(self.rules, incident, customer, channel, segments, expenses)
        return Session(
            id=self.id_at(end),
            incident_id=incident.id,
            customer_id=customer.id,
            technician=DEMO_TECHNICIAN,
            device_id=DEMO_DEVICE,
            channel=channel,
            segments=segments,
            note=rng.choice(["", "Επανεγκατάσταση", "Διόρθωση ρυθμίσεων", "Οδηγίες στον χρήστη"]),
            expenses=expenses or Expenses(),
            quote=quote,
            recorded_at=end,
        )


def generate(rules: Rules, now: datetime, seed: int = 7) -> DemoData:
    """The demo data set around ``now``: the same seed and now give the same records."""
    maker = _Maker(rules, seed, now)
    rng = maker.rng
    customers = {c.id: c for c in maker.customers()}
    people = list(customers.values())
    incidents: list[Incident] = []
    sessions: list[Session] = []

    open_statuses = [IncidentStatus.NEW] * 5 + sorted(OPEN_STATUSES - {IncidentStatus.NEW})
    for n in range(60):
        # Spread openings over two weeks so every SLA state shows, most recent ones on time.
        opened = now - timedelta(hours=(n * 5.6) + rng.uniform(0, 4))
        status = rng.choice(open_statuses)
        incidents.append(maker.incident(rng.choice(people), opened, status))

    day = maker.today - timedelta(days=35)
    while day < maker.today:
        if rules.calendar.is_working_day(day):
            for _n in range(rng.randrange(2, 5)):
                customer = customers[rng.choice(people).id]
                start = maker.working_moment(day)
                past = maker.incident(
                    customer,
                    start - timedelta(minutes=rng.randrange(20, 240)),
                    rng.choice([IncidentStatus.RESOLVED, IncidentStatus.CLOSED]),
                )
                incidents.append(past)
                session = maker.session(past, customer, start)
                sessions.append(session)
                customers[customer.id] = debit(rules, customer, session)
        day += timedelta(days=1)

    for incident in incidents[:60]:
        if incident.status is IncidentStatus.IN_PROGRESS and incident.first_response_at:
            customer = customers[incident.customer_id]
            session = maker.session(incident, customer, incident.first_response_at)
            if session.recorded_at <= now:
                sessions.append(session)
                customers[customer.id] = debit(rules, customer, session)
    return DemoData(list(customers.values()), incidents, sessions)


def seed_store(store: Store, rules: Rules, seed: int = 7) -> DemoData:
    """Fill a store with the demo data set around the store clock's now."""
    data = generate(rules, store.clock.now(), seed)
    store.import_records(customers=data.customers, incidents=data.incidents, sessions=data.sessions)
    return data


def demo_vendor() -> Letterhead:
    """The demo vendor's letterhead, for the statement the README shows (a vendor sets its
    own in ``letterhead.toml``)."""
    from core.letterhead import Letterhead

    return Letterhead(
        name="Πληροφορική Αιγαίου Α.Ε.",
        tax_id="094019245",
        tax_office="Αμαρουσίου",
        address="Λεωφόρος Κηφισίας 124\n151 25 Μαρούσι",
        phone="210 6100 200",
        email="support@aigaio-soft.gr",
    )


DOCUMENT_MONTH = (2026, 11)
DOCUMENT_DATA_AT = (2026, 11, 27, 16, 0)
"""The demo data the README's statement is made from: as on Friday 27 November 2026, 16:00."""


def demo_statement(rules: Rules) -> tuple[Customer, Statement]:
    """November 2026 of the demo customer with the most sessions that month, as a draft."""
    from collections import Counter

    from core.periods import Month
    from core.statements import StatementTerms, build_statement

    tz = rules.timezone
    data = generate(rules, datetime(*DOCUMENT_DATA_AT, tzinfo=tz))
    month = Month(*DOCUMENT_MONTH)
    start, end = month.start(tz), month.end(tz)
    counts = Counter(s.customer_id for s in data.sessions if start <= s.started_at < end)
    customer = next(c for c in data.customers if c.id == counts.most_common(1)[0][0])
    terms = StatementTerms.of(customer, month, rules.plans, rules.billing, tz)
    incidents = {i.id: i for i in data.incidents}
    return customer, build_statement(customer, month, data.sessions, incidents, terms)


def demo_document(rules: Rules) -> str:
    """The statement the README shows, as the HTML page the customer receives: the demo
    statement issued as 2026/0042 on 2 December 2026, in the language spoken."""
    from core.documents import statement_html
    from core.statements import StatementDocument

    customer, draft = demo_statement(rules)
    issued_at = datetime(2026, 12, 2, 9, 30, tzinfo=rules.timezone)
    # Issued by the server, which priced every session as the device did.
    lines = tuple(line.model_copy(update={"provisional": False}) for line in draft.lines)
    issued = draft.model_copy(
        update={
            "document": StatementDocument(number="2026/0042", issued_at=issued_at),
            "lines": lines,
        }
    )
    return statement_html(issued, customer, demo_vendor(), rules.plans, rules.timezone)
