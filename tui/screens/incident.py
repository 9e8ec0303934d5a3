"""One incident in full: fields, SLA progress, eligibility, prerequisites, sessions, notes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from core import sla
from core.i18n import _
from core.incidents import ALLOWED
from core.ledger import billed_quote, is_provisional
from core.models import OPEN_STATUSES, Incident, IncidentStatus, Session
from core.plans import PriceList
from core.rules import Rules
from core.statements import minutes_text
from tui.desk import Desk, IncidentDetail
from tui.format import (
    ANSWER_LABELS,
    CATEGORY_NAMES,
    CHANNEL_LABELS,
    PROVISIONAL,
    SLA_MARKS,
    STATUS_LABELS,
    countdown,
    eligibility_lines,
    money,
    price_notes,
    session_marks,
    short_at,
)
from tui.messages import CustomerRequest, IncidentRequest
from tui.screens.base import DeskScreen
from tui.screens.intake import PREMIUM_HOURS_ONLY
from tui.stopwatch import elapsed

__all__ = ["IncidentScreen", "sla_bar"]


def sla_bar(rules: Rules, incident: Incident, now: datetime, width: int = 24) -> str:
    """How much of the time to the due instant is used (on the plan's SLA clock), as a bar."""
    due = sla.due_at(incident)
    used = sla.progress(rules, incident, now)
    state = sla.state(incident, now)
    if due is None or used is None:
        return _("no target after the first response")
    filled = round(used * width)
    words = {"breached": _("BREACHED"), "warned": _("WARNING"), "on_time": _("on time")}
    return _("{mark} [{bar}] {pct:>3}% {state} · {left} · due {due}").format(
        mark=SLA_MARKS[state.value],
        bar="█" * filled + "░" * (width - filled),
        pct=round(used * 100),
        state=words[state.value],
        left=countdown(due - now),
        due=short_at(due),
    )


REFUSED = _("[refused] ")
"""Before a note or session the server refused, kept here until fixed or discarded (F)."""


def _session_text(session: Session) -> str:
    """A session as the incident lists it, priced as it is owed (``price_notes`` say why)."""
    quote = billed_quote(session)
    span = sum((s.end - s.start for s in session.segments), timedelta())
    marks = session_marks(session)
    head = (f"{marks} " if marks else "") + _(
        "{when} · {channel} · {tech} · worked {worked} · {minutes} min billed{after}"
    ).format(
        when=short_at(session.started_at),
        channel=session.channel.value,
        tech=session.technician,
        worked=elapsed(span),
        minutes=minutes_text(quote.billable_minutes),
        after=_(" · after-hours") if quote.after_hours else "",
    )
    lines = [head]
    for line in quote.lines:
        lines.append(f"    {line.label:<40} {money(line.amount):>12}")
    totals = _("net {net} · VAT {vat} · total {total}").format(
        net=money(quote.net), vat=money(quote.vat), total=money(quote.total)
    )
    mark = f" · {PROVISIONAL.upper()}" if is_provisional(session) else ""
    lines.append(f"    {totals}{mark}")
    if session.note:
        lines.append("    " + session.note)
    return "\n".join(lines)


class IncidentScreen(DeskScreen):
    """Everything about one incident, and the actions a technician takes on it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Esc goes back on every screen, so it leaves the footer to the incident's own keys:
        # with them it fits 80 columns.
        Binding("escape", "app.pop_screen", _("Back"), show=False, id="incident.back"),
        Binding(
            "a",
            "acknowledge",
            _("Ack"),
            tooltip=_("Acknowledge: record the first response"),
            id="incident.acknowledge",
        ),
        Binding("s", "status", _("Status"), id="incident.status"),
        Binding("n", "note", _("Note"), id="incident.note"),
        Binding("m", "assign", _("Assign to me"), show=False, id="incident.assign"),
        Binding("c", "customer", _("Customer"), show=False, id="incident.customer"),
        Binding("e", "edit_session", _("Edit session"), id="incident.edit_session"),
        Binding("w", "add_session", _("Add work"), id="incident.add_session"),
    ]

    class Acknowledge(IncidentRequest):
        """Acknowledge the incident."""

    class AssignToMe(IncidentRequest):
        """Give the incident to this technician."""

    class AddNote(IncidentRequest):
        """Ask for a note and add it to the incident."""

    class SetStatus(IncidentRequest):
        """Offer the statuses the incident may move to from ``current``."""

        def __init__(self, incident_id: str, current: IncidentStatus) -> None:
            super().__init__(incident_id)
            self.current = current

    class EditSession(IncidentRequest):
        """Open one of the incident's sessions in the session editor."""

        def __init__(self, incident_id: str, ref: str, sessions: list[Session]) -> None:
            super().__init__(incident_id)
            self.ref = ref
            self.sessions = sessions

    class AddSession(IncidentRequest):
        """Record work on the incident done without the timer."""

        def __init__(self, incident_id: str, ref: str) -> None:
            super().__init__(incident_id)
            self.ref = ref

    class OpenCustomer(CustomerRequest):
        """Open the page of the incident's customer."""

    class Loaded(Message):
        """The incident, its customer and its sessions were read (by the screen's worker)."""

        def __init__(self, detail: IncidentDetail) -> None:
            super().__init__()
            self.detail = detail

    def __init__(self, desk: Desk, incident_id: str) -> None:
        super().__init__(desk)
        self.incident_id = incident_id
        self.detail: IncidentDetail | None = None

    @property
    def current_incident_id(self) -> str | None:
        return self.incident_id

    @property
    def current_customer_id(self) -> str | None:
        return self.detail.incident.customer_id if self.detail else None

    @property
    def can_time(self) -> bool:
        return self.detail is not None and self.detail.incident.status in OPEN_STATUSES

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer only what the rules allow on this incident now, so the footer lists just
        that (and fits 80 columns): acknowledging is the first response of a new incident,
        a closed one's status cannot change, editing needs a session."""
        if not super().check_action(action, parameters):
            return False
        detail = self.detail
        if action not in {"acknowledge", "status", "assign", "edit_session"}:
            return True
        if detail is None:
            return False
        incident = detail.incident
        if action == "acknowledge":
            return incident.status is IncidentStatus.NEW
        if action == "status":
            return bool(ALLOWED[incident.status])
        if action == "assign":
            return incident.assignee != self.desk.technician
        return bool(detail.sessions)

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="incident-body"):
            yield Static(_("Loading…"), id="incident-title")
            yield Static("", id="incident-sla")
            yield Static(_("Details"), classes="section-title")
            yield Static("", id="incident-fields")
            yield Static(_("Eligibility at intake"), classes="section-title")
            yield Static("", id="incident-eligibility")
            yield Static(_("Sessions"), classes="section-title")
            yield Vertical(id="incident-sessions")
            yield Static(_("Notes"), classes="section-title")
            yield Static("", id="incident-notes")

    def on_mount(self) -> None:
        self.query_one("#incident-body").focus()
        self.reload()

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="incident", exit_on_error=False)
    def _load(self) -> None:
        self.post_message(self.Loaded(self.desk.incident_detail(self.incident_id)))

    @on(Loaded)
    def _show(self, message: Loaded) -> None:
        detail = self.detail = message.detail
        incident = detail.incident
        customer = detail.customer
        self.query_one("#incident-title", Static).update(
            Content(f"{incident.ref} · {incident.subject}")
        )
        fields = [
            (_("Customer"), customer.name if customer else incident.customer_id),
            (_("Status"), STATUS_LABELS[incident.status]),
            (_("Assignee"), incident.assignee or _("nobody")),
            (_("Plan"), self.desk.rules.plans.label(incident.plan)),
            (_("Category"), CATEGORY_NAMES[incident.category]),
            (_("Requested via"), CHANNEL_LABELS[incident.requested_via]),
            (
                _("Opened"),
                _("{at} by {who}").format(at=short_at(incident.opened_at), who=incident.opened_by),
            ),
            (_("Warn at"), short_at(incident.warn_at)),
            (_("Deadline"), short_at(incident.deadline)),
            (_("Resolve by"), short_at(incident.resolve_by)),
            (_("First response"), short_at(incident.first_response_at)),
            (_("Backups exist"), ANSWER_LABELS[incident.prerequisites.backups]),
            (_("No third party"), ANSWER_LABELS[incident.prerequisites.no_third_party]),
        ]
        text = "\n".join(f"{label:<15} {value}" for label, value in fields)
        if incident.description:
            text += "\n\n" + incident.description
        self.query_one("#incident-fields", Static).update(Content(text))
        self.query_one("#incident-eligibility", Static).update(
            Content(self._eligibility(incident, self.desk.rules.plans))
        )
        self._show_sessions(detail.sessions, detail.refused)
        notes = "\n".join(
            f"{REFUSED if note.id in detail.refused else ''}"
            f"{short_at(note.at)} {note.author}: {note.text}"
            for note in incident.notes
        )
        self.query_one("#incident-notes", Static).update(Content(notes or _("No note yet.")))
        self.refresh_bindings()
        self.tick(self.desk.clock.now())

    def _show_sessions(self, sessions: list[Session], refused: frozenset[str]) -> None:
        """One block per session, its price notes in their own (indented, wrapping) block;
        a session the server refused says so first."""
        blocks: list[Static] = []
        for session in sessions:
            mark = REFUSED if session.id in refused else ""
            blocks.append(Static(Content(mark + _session_text(session)), classes="session"))
            notes = price_notes(session)
            if notes:
                blocks.append(Static(Content("\n".join(notes)), classes="price-note"))
        if not blocks:
            blocks.append(Static(_("No session yet.")))
        container = self.query_one("#incident-sessions", Vertical)
        with self.app.batch_update():
            container.remove_children()
            container.mount_all(blocks)

    def _eligibility(self, incident: Incident, plans: PriceList) -> str:
        found = incident.eligibility
        flags = eligibility_lines(found, plans)
        if found.override_reason:
            flags.append(_("override: {reason}").format(reason=found.override_reason))
        if found.scope_override_reason:
            flags.append(_("scope override: {reason}").format(reason=found.scope_override_reason))
        if found.premium_used:
            flags.append(_("premium incident used"))
            if not self.desk.rules.calendar.is_support_time(incident.opened_at):
                flags.append(PREMIUM_HOURS_ONLY)
        if found.premium_left == 0 and not found.premium_used:
            flags.append(_("no premium incident left: billed hourly at free rates, as chosen"))
        elif found.premium_left is not None:
            flags.append(_("premium incidents left: {n}").format(n=found.premium_left))
        return "\n".join(flags)

    def tick(self, now: datetime) -> None:
        if self.detail is not None:
            self.query_one("#incident-sla", Static).update(
                Content(sla_bar(self.desk.rules, self.detail.incident, now))
            )

    def action_acknowledge(self) -> None:
        self.post_message(self.Acknowledge(self.incident_id))

    def action_status(self) -> None:
        if self.detail is not None:
            self.post_message(self.SetStatus(self.incident_id, self.detail.incident.status))

    def action_note(self) -> None:
        self.post_message(self.AddNote(self.incident_id))

    def action_assign(self) -> None:
        self.post_message(self.AssignToMe(self.incident_id))

    def action_edit_session(self) -> None:
        if self.detail is not None:
            ref = self.detail.incident.ref
            self.post_message(self.EditSession(self.incident_id, ref, self.detail.sessions))

    def action_add_session(self) -> None:
        if self.detail is not None:
            self.post_message(self.AddSession(self.incident_id, self.detail.incident.ref))

    def action_customer(self) -> None:
        if self.detail is not None:
            self.post_message(self.OpenCustomer(self.detail.incident.customer_id))
