"""The vardia app: one factory builds it for the command line, the tests and the screenshots."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path, PurePath
from typing import Any, ClassVar

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from core import incidents
from core import timer as timer_rules
from core.clock import Clock
from core.errors import VardiaError
from core.i18n import _, ngettext
from core.models import Channel, Incident, IncidentStatus, Session
from core.periods import IsoWeek, Month
from core.rules import Rules
from core.sessions import short_id
from core.sla import SlaState
from core.statements import Statement
from tui.alerts import Ringing, TimerReminders, desktop_escape
from tui.desk import Desk, SessionForm, TimerState
from tui.format import CHANNEL_LABELS, STATUS_LABELS, ledger_age, money, session_marks, short_at
from tui.messages import (
    Changed,
    CustomerRequest,
    IncidentRequest,
    PendingCounted,
    QueueLoaded,
    ScreenShown,
    ServerBack,
    StoreChanged,
    SyncRoundDone,
    TimerLoaded,
    Undo,
    WorkFailed,
)
from tui.screens.base import CHANGES, DeskScreen, Reloads
from tui.screens.conflicts import ConflictsScreen
from tui.screens.customer import CustomerScreen
from tui.screens.customers import CustomerListScreen
from tui.screens.dialogs import ChoiceDialog, StopDialog, StopRequest, TextDialog
from tui.screens.incident import IncidentScreen
from tui.screens.intake import IntakeScreen
from tui.screens.queue import QueueScreen
from tui.screens.refused import FixDialog, RefusedScreen
from tui.screens.report import ReportScreen
from tui.screens.session_editor import SessionEditor
from tui.screens.statement import StatementScreen
from tui.stopwatch import elapsed
from tui.widgets.status import StatusHeader, SyncView, TimerView

NOTHING_TO_UNDO = _("Nothing to undo yet in this session of vardia.")
CANNOT_UNDO = _(
    "The last change cannot be undone here; undo reverts session changes and a discarded timer."
)

__all__ = ["VardiaApp", "make_app"]

SYNC_DEBOUNCE = 2.0
WATCH_SECONDS = 1.0
"""Read-only, how often the app looks whether the writing vardia committed a change."""
PROBE_SECONDS = 5.0
"""While offline, how often the app asks the server's health check: when it answers, the
next round runs at once, not at the backoff's turn minutes later."""


class VardiaApp(App[None]):
    """The technician's desk: queue, incidents, intake, timer and sync in one terminal."""

    TITLE = "vardia"
    CSS_PATH: ClassVar[list[str | PurePath]] = [
        "app.tcss",
        "screens/queue.tcss",
        "screens/incident.tcss",
        "screens/intake.tcss",
        "screens/customer.tcss",
        "screens/help.tcss",
        "screens/refused.tcss",
    ]
    ENABLE_COMMAND_PALETTE = True

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", _("Help"), id="app.help"),
        Binding("t", "timer_start", _("Timer"), id="timer.start"),
        Binding("p", "timer_pause", _("Pause timer"), show=False, id="timer.pause"),
        Binding("r", "timer_resume", _("Resume timer"), show=False, id="timer.resume"),
        Binding("x", "timer_stop", _("Stop timer"), show=False, id="timer.stop"),
        Binding("X", "timer_discard", _("Discard timer"), show=False, id="timer.discard"),
        Binding("u", "undo", _("Undo"), show=False, id="app.undo"),
        Binding("S", "statement", _("Statement"), show=False, id="app.statement"),
        Binding("L", "customers", _("Customers"), show=False, id="app.customers"),
        Binding("W", "report", _("Week report"), show=False, id="app.report"),
        Binding("R", "sync_now", _("Sync now"), show=False, id="sync.now"),
        Binding("C", "conflicts", _("Sync conflicts"), show=False, id="sync.conflicts"),
        Binding("F", "refused", _("Refused work"), show=False, id="sync.refused"),
        # Textual's own palette key, with its words translated (no id: the palette lists
        # the keys, it is not one of them).
        Binding(
            "ctrl+p",
            "command_palette",
            _("palette"),
            show=False,
            priority=True,
            tooltip=_("Open the command palette"),
        ),
    ]

    def __init__(
        self,
        desk: Desk,
        sync_client: Any | None,
        clock: Clock,
        *,
        keymap: dict[str, str] | None = None,
        tick: bool = True,
        config_dir: Path | None = None,
        export_dir: Path | None = None,
        ringing: Ringing | None = None,
    ) -> None:
        super().__init__()
        self.ringing = ringing or Ringing()
        """Whether alerts ring the bell and send a desktop notification (``tui.alerts``)."""
        self._reminders = TimerReminders(desk.rules.workflow.timer)
        self.watch_seconds = WATCH_SECONDS
        self._stamp: object | None = None
        """Read-only: the store's change stamp as last shown (``Desk.changed_since``)."""
        self.config_dir = config_dir
        """Where the letterhead of the documents the app writes is configured."""
        self.export_dir = export_dir
        """Where the statement screen saves its files: the working directory when None."""
        self.desk = desk
        self.sync_client = sync_client
        self.clock = clock
        self._keymap_overrides = keymap or {}
        self._tick_enabled = tick
        self.timer: TimerState | None = None
        self.undo: Undo | str = NOTHING_TO_UNDO
        """How ``u`` reverts the last change made in this app, or why it cannot."""
        self.sync_view = SyncView()
        self.last_session: Session | None = None
        self._sync_timer: Timer | None = None
        self._probe_timer: Timer | None = None
        self.probe_seconds = PROBE_SECONDS
        self._probing = threading.Lock()
        self._sync_asked = False
        """``R`` asked for a round: when it is done, the app says what it did."""

    @property
    def rules(self) -> Rules:
        """The desk's rules: a sync round that brings a new price list replaces them."""
        return self.desk.rules

    # ---- life cycle -------------------------------------------------------------------

    def on_mount(self) -> None:
        if self._keymap_overrides:
            self.set_keymap(self._keymap_overrides)
        self.push_screen(QueueScreen(self.desk))
        self.refresh_status()
        self.load_queue()
        self.load_timer()
        if self._tick_enabled:
            self.set_interval(1, self.refresh_status, name="tick")
        if self.desk.read_only:
            self._stamp = self.desk.changed_since(None)
            self.set_interval(self.watch_seconds, self._watch_store, name="watch")
        self.schedule_sync(at_once=True)

    @work(thread=True, exclusive=True, group="watch", exit_on_error=False)
    def _watch_store(self) -> None:
        """Read-only: when the vardia that writes the data commits, show what it wrote."""
        stamp = self.desk.changed_since(self._stamp)
        if stamp is not None:
            self.post_message(StoreChanged(stamp))

    @on(StoreChanged)
    def _store_changed(self, message: StoreChanged) -> None:
        self._stamp = message.stamp
        self.load_timer()
        self._reload_screens()
        self._count_pending()

    def refresh_status(self) -> None:
        """Once a second: header clock, timer bar and countdowns on every desk screen."""
        now = self.clock.now()
        support = self.rules.calendar.is_support_time(now)
        timer = self._timer_view(now)
        if self.timer is not None and timer is not None and not self.desk.read_only:
            for reminder in self._reminders.due(self.timer.timer, timer.elapsed, support):
                self.alert(_("Timer"), reminder, "warning")
        for screen in self.screen_stack:
            if isinstance(screen, DeskScreen) and screen.is_mounted:
                screen.show_status(now, support, timer, self.sync_view)
                screen.tick(now)

    def alert(self, title: str, message: str, severity: SeverityLevel) -> None:
        """Get the technician's attention: a note and a flash of the header, and, as
        ``ringing`` says, the bell and a desktop notification."""
        self.notify(message, title=title, severity=severity, timeout=15)
        for header in self.screen.query(StatusHeader):
            header.flash()
        if self.ringing.bell:
            self.bell()
        if self.ringing.desktop is not None and not self.is_headless and self._driver:
            self._driver.write(desktop_escape(self.ringing.desktop, f"vardia · {title}", message))

    @on(QueueScreen.SlaTurned)
    def _sla_turned(self, message: QueueScreen.SlaTurned) -> None:
        row = message.row
        ref = row.incident.ref
        if message.state is SlaState.BREACHED:
            text = _("{ref} ({customer}) is past its SLA deadline.")
        else:
            text = _("{ref} ({customer}) is near its SLA deadline: answer it soon.")
        self.alert(
            _("SLA"),
            text.format(ref=ref, customer=row.customer_name),
            "error" if message.state is SlaState.BREACHED else "warning",
        )

    def _timer_view(self, now: datetime) -> TimerView | None:
        if self.timer is None:
            return None
        timer, incident, customer = self.timer.timer, self.timer.incident, self.timer.customer
        running = timer.running_since is not None
        return TimerView(
            ref=self.timer.ref,
            customer=customer.name if customer else "",
            channel=CHANNEL_LABELS[timer.channel],
            elapsed=timer_rules.elapsed(timer, now),
            running=running,
            after_hours=running and not self.rules.calendar.is_support_time(now),
            net=self.desk.running_net(timer, incident, customer, now),
            ledger=ledger_age(customer.ledger_as_of if customer else None, now),
            keys=""
            if self.desk.read_only
            else " · ".join(
                f"{self._key_for(binding_id)} {label}"
                for binding_id, label in (
                    ("timer.pause", _("pause")) if running else ("timer.resume", _("resume")),
                    ("timer.stop", _("stop")),
                    ("timer.discard", _("discard")),
                )
            ),
        )

    def _key_for(self, binding_id: str) -> str:
        """The key that runs a binding, after the person's keymap.

        A dialog on top hides the app's bindings, so the screens below are asked too.
        """
        for screen in reversed(self.screen_stack):
            for active in screen.active_bindings.values():
                if active.binding.id == binding_id:
                    return self.get_key_display(active.binding)
        return "?"

    # ---- reading (workers post messages; handlers update screens) --------------------

    @work(thread=True, exclusive=True, group="load-queue", exit_on_error=False)
    def load_queue(self) -> None:
        incidents, customers = self.desk.load_queue()
        self.post_message(QueueLoaded(incidents, customers))

    @work(thread=True, exclusive=True, group="load-timer", exit_on_error=False)
    def load_timer(self) -> None:
        self.post_message(TimerLoaded(self.desk.load_timer()))

    @on(QueueLoaded)
    def _queue_loaded(self, message: QueueLoaded) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, QueueScreen):
                screen.set_data(message.incidents, message.customers, self.clock.now())

    @on(TimerLoaded)
    def _timer_loaded(self, message: TimerLoaded) -> None:
        self.timer = message.state
        self.refresh_bindings()
        self.refresh_status()

    # ---- changing (one worker per change; the result comes back as a message) ---------

    def change(
        self,
        summary: str,
        work_fn: Callable[[], object],
        undo: Callable[[Any], Undo | str] | None = None,
    ) -> None:
        """Save a change off the event loop; success and refusal come back as messages.

        ``undo`` makes, from what the change made, how ``u`` reverts it, or the sentence
        saying why it cannot; without it the change cannot be undone.
        """

        def run() -> None:
            try:
                result = work_fn()
            except VardiaError as error:
                self.post_message(WorkFailed(str(error)))
            else:
                reverts = CANNOT_UNDO if undo is None else undo(result)
                self.post_message(Changed(summary, result, reverts))
                if self.desk.store.unfiled is not None:
                    # Saved, and it will be sent; the sentence says what the disk refused.
                    self.post_message(WorkFailed(self.desk.store.unfiled))

        self.run_worker(run, thread=True, group="change", exit_on_error=False)

    @on(Changed)
    def _changed(self, message: Changed) -> None:
        result = message.result
        self.undo = message.undo
        if isinstance(result, Session):
            self.last_session = result
            self._show_session(result, message.summary)
        else:
            self.notify(message.summary, timeout=3)
        if isinstance(result, Incident) and isinstance(self.screen, IntakeScreen):
            self.pop_screen()
            for screen in self.screen_stack:
                if isinstance(screen, QueueScreen):
                    screen.show_anyway(result.id)
            self.open_incident(result.id)
        self.load_timer()
        self._reload_screens()
        self._count_pending()
        self.schedule_sync()

    def _reload_screens(self) -> None:
        """The queue and every open screen read the store again."""
        self.load_queue()
        for screen in self.screen_stack:
            if isinstance(screen, Reloads):
                screen.reload()

    @work(thread=True, exclusive=True, group="pending", exit_on_error=False)
    def _count_pending(self) -> None:
        # The header counts a change at once, not at the next sync round seconds later.
        self.post_message(PendingCounted(self.desk.pending_count(), self.desk.refused_count()))

    @on(PendingCounted)
    def _show_pending(self, message: PendingCounted) -> None:
        self.sync_view = replace(self.sync_view, pending=message.pending, refused=message.refused)
        self.refresh_status()

    @on(ScreenShown)
    def _screen_shown(self) -> None:
        self.call_later(self.refresh_status)

    @on(WorkFailed)
    def _work_failed(self, message: WorkFailed) -> None:
        """The one place a failed worker is reported: a sentence, never a traceback."""
        self.notify(message.reason, severity="error", timeout=8)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            text = (
                str(error)
                if isinstance(error, VardiaError)
                else _("Something went wrong ({error}); your data is safe, try again.").format(
                    error=type(error).__name__
                )
            )
            self.post_message(WorkFailed(text))

    def _show_session(self, session: Session, summary: str) -> None:
        quote = session.quote
        self.notify(
            _("{minutes:.0f} min billed, net {net}, VAT {vat}, total {total}.").format(
                minutes=quote.billable_minutes,
                net=money(quote.net),
                vat=money(quote.vat),
                total=money(quote.total),
            ),
            title=summary,
            timeout=10,
        )

    # ---- actions ----------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.desk.read_only and action in CHANGES:
            return False
        if action in {"timer_pause", "timer_resume", "timer_stop", "timer_discard"}:
            return self.timer is not None
        if action == "timer_start":
            # Only a desk screen has an incident in hand (a statement or a week has none).
            screen = self.screen
            return isinstance(screen, DeskScreen) and screen.can_time
        return True

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_intake(self) -> None:
        self.push_screen(IntakeScreen(self.desk))

    @on(IntakeScreen.Submitted)
    def _submitted(self, message: IntakeScreen.Submitted) -> None:
        form = message.form
        self.change(_("Incident opened."), lambda: self.desk.open_incident(form))

    def open_incident(self, incident_id: str) -> None:
        """Show an incident's page on top."""
        self.push_screen(IncidentScreen(self.desk, incident_id))

    def open_customer(self, customer_id: str) -> None:
        """Show a customer's page on top."""
        self.push_screen(CustomerScreen(self.desk, customer_id))

    # Screens ask; one handler per request, whichever screen asked.

    @on(QueueScreen.OpenIncident)
    @on(CustomerScreen.OpenIncident)
    def _open_incident(self, message: IncidentRequest) -> None:
        self.open_incident(message.incident_id)

    @on(QueueScreen.OpenCustomer)
    @on(IncidentScreen.OpenCustomer)
    @on(CustomerListScreen.OpenCustomer)
    def _open_customer(self, message: CustomerRequest) -> None:
        self.open_customer(message.customer_id)

    @on(QueueScreen.Acknowledge)
    @on(IncidentScreen.Acknowledge)
    def _acknowledge(self, message: IncidentRequest) -> None:
        incident_id = message.incident_id
        self.change(_("Acknowledged."), lambda: self.desk.acknowledge(incident_id))

    @on(QueueScreen.AssignToMe)
    @on(IncidentScreen.AssignToMe)
    def _assign_to_me(self, message: IncidentRequest) -> None:
        incident_id = message.incident_id
        self.change(_("Assigned to you."), lambda: self.desk.assign_to_me(incident_id))

    @on(IncidentScreen.SetStatus)
    def _set_status(self, message: IncidentScreen.SetStatus) -> None:
        incident_id, current = message.incident_id, message.current
        allowed = incidents.ALLOWED[current]
        choices = [
            (STATUS_LABELS[status], status) for status in IncidentStatus if status in allowed
        ]
        if not choices:
            self.notify(
                _("This incident is {status}; its status cannot change.").format(
                    status=STATUS_LABELS[current]
                )
            )
            return

        def chosen(status: IncidentStatus | None) -> None:
            if status is not None:
                self.change(
                    _("Status set to {status}.").format(status=STATUS_LABELS[status]),
                    lambda: self.desk.set_status(incident_id, status),
                )

        self.push_screen(ChoiceDialog(_("Set the status"), choices), chosen)

    @on(IncidentScreen.AddNote)
    def _add_note(self, message: IncidentScreen.AddNote) -> None:
        incident_id = message.incident_id

        def typed(text: str | None) -> None:
            if text:
                self.change(_("Note added."), lambda: self.desk.add_note(incident_id, text))

        self.push_screen(
            TextDialog(
                _("Add a note"),
                placeholder=_("What happened"),
                check=lambda text: self.rules.bounds.check_text(text, "note", _("note")),
            ),
            typed,
        )

    def action_timer_start(self) -> None:
        screen = self.screen
        incident_id = screen.current_incident_id if isinstance(screen, DeskScreen) else None
        if incident_id is None:
            self.notify(_("Select an incident first, in the queue or on its page."))
            return
        if self.timer is None:
            self._choose_channel(incident_id, None)
            return
        if self.timer.timer.incident_id == incident_id:
            self.notify(_("The timer already runs on this incident."))
            return
        ref = self.timer.ref
        choices: list[tuple[str, timer_rules.IfRunning | None]] = [
            (_("Stop it and save the session"), timer_rules.IfRunning.STOP),
            (_("Discard it"), timer_rules.IfRunning.DISCARD),
            (_("Cancel: keep it running"), None),
        ]

        def decided(if_running: timer_rules.IfRunning | None) -> None:
            if if_running is not None:
                self._choose_channel(incident_id, if_running)

        question = _("A timer runs on {ref}. What should happen to it?").format(ref=ref)
        dialog: ChoiceDialog[timer_rules.IfRunning | None] = ChoiceDialog(question, choices)
        self.push_screen(dialog, decided)

    def _choose_channel(self, incident_id: str, if_running: timer_rules.IfRunning | None) -> None:
        choices = [(label, channel) for channel, label in CHANNEL_LABELS.items()]

        def chosen(channel: Channel | None) -> None:
            if channel is not None:
                self.change(
                    _("Timer started ({channel}).").format(channel=CHANNEL_LABELS[channel]),
                    lambda: self.desk.start_timer(incident_id, channel, if_running),
                )

        self.push_screen(ChoiceDialog(_("Start the timer: which channel?"), choices), chosen)

    def action_timer_pause(self) -> None:
        if self.timer is not None and self.timer.timer.running_since is None:
            self.notify(
                _("The timer is already paused; {key} resumes it.").format(
                    key=self._key_for("timer.resume")
                )
            )
            return
        self.change(_("Timer paused."), self.desk.pause_timer)

    def action_timer_resume(self) -> None:
        if self.timer is not None and self.timer.timer.running_since is not None:
            self.notify(_("The timer is already running."))
            return
        self.change(_("Timer resumed."), self.desk.resume_timer)

    def action_timer_stop(self) -> None:
        if self.timer is None:
            return
        timer, customer = self.timer.timer, self.timer.customer
        view = self._timer_view(self.clock.now())
        summary = " · ".join(
            part
            for part in (
                view.ref if view else "",
                view.customer if view else "",
                view.channel if view else "",
                view.price if view else "",
            )
            if part
        )
        expenses = timer.channel is Channel.ONSITE and customer is not None and customer.out_of_town

        def done(request: StopRequest | None) -> None:
            if request is not None:
                self.change(
                    _("Session saved."),
                    lambda: self.desk.stop_timer(request.note, request.expenses),
                    lambda _session: _(
                        "A stopped timer cannot be undone: its session is recorded and may "
                        "have been sent. Edit or delete it on its incident ({key})."
                    ).format(key=self._key_for("incident.edit_session")),
                )

        self.push_screen(StopDialog(summary, expenses=expenses, bounds=self.rules.bounds), done)

    def action_timer_discard(self) -> None:
        if self.timer is None:
            return
        view = self._timer_view(self.clock.now())
        shown = f"{view.ref} · {view.channel} · {elapsed(view.elapsed)}" if view else ""
        choices: list[tuple[str, bool]] = [
            (_("Keep the timer"), False),
            (_("Discard it: its time is not recorded"), True),
        ]

        def decided(discard: bool | None) -> None:
            if discard:
                self.change(
                    _("Timer discarded; {key} brings it back.").format(
                        key=self._key_for("app.undo")
                    ),
                    self.desk.discard_timer,
                    lambda timer: Undo(
                        _("The discarded timer is back."),
                        lambda: self.desk.restore_timer(timer),
                    ),
                )

        question = _("Discard the timer ({timer})?").format(timer=shown)
        self.push_screen(ChoiceDialog(question, choices), decided)

    def action_undo(self) -> None:
        """Revert the last change made in this app, where the rules allow it."""
        undo = self.undo
        if isinstance(undo, str):
            self.notify(undo)
            return
        self.change(undo.summary, undo.work, lambda _result: NOTHING_TO_UNDO)

    def _session_undo(self, session: Session) -> Undo:
        """A session change is undone by an edit back, kept in its history."""
        return Undo(
            _("Undone: the session is as it was before (an edit kept in its history)."),
            lambda: self.desk.revert_session(session.id, _("undo")),
        )

    @on(IncidentScreen.EditSession)
    def _edit_session(self, message: IncidentScreen.EditSession) -> None:
        found, ref = message.sessions, message.ref
        if not found:
            self.notify(
                _("No session to edit yet; {key} adds work done without the timer.").format(
                    key=self._key_for("incident.add_session")
                )
            )
            return
        if len(found) == 1:
            self._open_session_editor(found[0], message.incident_id, ref)
            return
        choices = [
            (
                f"{short_id(s)}{session_marks(s)} · {short_at(s.started_at)} · "
                f"{CHANNEL_LABELS[s.channel]} · {s.technician}",
                s,
            )
            for s in found
        ]

        def chosen(session: Session | None) -> None:
            if session is not None:
                self._open_session_editor(session, message.incident_id, ref)

        self.push_screen(ChoiceDialog(_("Which session?"), choices), chosen)

    @on(IncidentScreen.AddSession)
    def _add_session(self, message: IncidentScreen.AddSession) -> None:
        self._open_session_editor(None, message.incident_id, message.ref)

    def _open_session_editor(self, session: Session | None, incident_id: str, ref: str) -> None:
        def saved(form: SessionForm | None) -> None:
            if form is None:
                return
            if session is None:
                self.change(
                    _("Session added."),
                    lambda: self.desk.add_session(incident_id, form),
                    self._session_undo,
                )
            else:
                self.change(
                    _("Session deleted (kept in its history).")
                    if not form.segments
                    else _("Session changed."),
                    lambda: self.desk.edit_session(session.id, form),
                    self._session_undo,
                )

        editor = SessionEditor(
            session, zone=self.rules.timezone, now=self.clock.now, bounds=self.rules.bounds, ref=ref
        )
        self.push_screen(editor, saved)

    def action_customers(self) -> None:
        if not isinstance(self.screen, CustomerListScreen):
            self.push_screen(CustomerListScreen(self.desk))

    def action_statement(self) -> None:
        screen = self.screen
        customer_id = screen.current_customer_id if isinstance(screen, DeskScreen) else None
        if customer_id is None:
            self._pick_statement()  # no customer in hand: pick one
        else:
            self.open_statement(customer_id)

    @on(StatementScreen.OtherCustomer)
    def _pick_statement(self) -> None:
        """The customer list, whose choice opens that customer's statement (in place of the
        statement shown, if one is)."""

        def picked(customer_id: str) -> None:
            if isinstance(self.screen, StatementScreen):
                self.pop_screen()
            self.open_statement(customer_id)

        title = _("Statement for which customer?")
        self.push_screen(CustomerListScreen(self.desk, title=title, pick=picked))

    def open_statement(self, customer_id: str) -> None:
        """Show a customer's statement of this month on top."""
        month = Month.of(self.clock.now(), self.rules.timezone)
        client = self.sync_client

        def load(wanted: str, of: Month) -> Statement:
            return self.desk.statement(wanted, of, client)

        def document(wanted: str, of: Month) -> tuple[Statement, str]:
            """The statement issued as ``vardia statement --html`` issues it, and its page."""
            from core.documents import statement_html
            from core.rules import load_letterhead

            letterhead = load_letterhead(self.config_dir)
            st = self.desk.statement(wanted, of, client, issue=True)
            customer, _incidents = self.desk.customer_detail(wanted)
            page = statement_html(st, customer, letterhead, self.rules.plans, self.rules.timezone)
            return st, page

        self.push_screen(
            StatementScreen(
                load,
                customer_id,
                month,
                plan_label=self.rules.plans.label,
                document=document,
                export_dir=self.export_dir,
            )
        )

    def action_report(self) -> None:
        week = IsoWeek.of(self.rules.calendar.local_date(self.clock.now()))
        self.push_screen(
            ReportScreen(
                self.desk.week_report, week, self.desk.technician, self.desk.week_technicians
            )
        )

    # ---- sync: at start, soon after each change, then as the client's backoff says -----

    def action_sync_now(self) -> None:
        if self.sync_client is None:
            self.notify(_("Not logged in to a server; run `vardia login` to sync."))
        else:
            self._sync_asked = True
        self.schedule_sync(at_once=True)

    def schedule_sync(self, at_once: bool = False) -> None:
        """Sync soon: a burst of changes makes one round, two seconds after the last."""
        if self._sync_timer is not None:
            self._sync_timer.stop()
            self._sync_timer = None
        if at_once:
            self.call_later(self._run_sync)
        else:
            self._sync_timer = self.set_timer(SYNC_DEBOUNCE, self._sync_round)

    def _sync_round(self) -> None:
        self._sync_timer = None
        self._run_sync()

    @work(thread=True, exclusive=True, group="sync", exit_on_error=False)
    def _run_sync(self) -> None:
        client = self.sync_client
        if client is None:
            view = SyncView(pending=self.desk.pending_count(), refused=self.desk.refused_count())
            self.post_message(SyncRoundDone(view, None))
            return
        delay, status = self.desk.sync_round(client)
        repriced = self.desk.take_price_list(self.config_dir)
        view = SyncView(
            configured=True,
            online=status.online,
            pending=status.pending,
            # As the conflicts view counts them: one per decision, not per field.
            conflicts=len(self.desk.conflicts()),
            refused=status.rejected,
            last_error=status.last_error,
            kept_aside=status.kept_aside,
            last_sync=status.last_sync,
            retry_at=self.clock.now() + timedelta(seconds=delay) if client.failing else None,
        )
        self.post_message(SyncRoundDone(view, delay, price_list_changed=repriced))

    @on(SyncRoundDone)
    def _sync_round_done(self, message: SyncRoundDone) -> None:
        view = self.sync_view = message.view
        self.refresh_status()
        if view.configured and view.online:
            # The round may have pulled other technicians' changes.
            self._reload_screens()
        if message.price_list_changed:
            self.notify(
                _("The vendor's price list changed: new work is priced and timed by it."),
                timeout=10,
            )
        if self._sync_asked and view.configured:
            self._sync_asked = False
            self.notify(_round_said(view, message.next_in), timeout=6)
        if message.next_in is not None and self._sync_timer is None:
            self._sync_timer = self.set_timer(message.next_in, self._sync_round)
        self._watch_for_the_server(view, message.next_in)

    def _watch_for_the_server(self, view: SyncView, next_in: float | None) -> None:
        """While the server cannot be reached, probe it every few seconds until the round."""
        if self._probe_timer is not None:
            self._probe_timer.stop()
            self._probe_timer = None
        waiting = next_in is not None and next_in > self.probe_seconds
        if view.configured and not view.online and waiting:
            self._probe_timer = self.set_interval(self.probe_seconds, self._probe_server)

    @work(thread=True, group="probe", exit_on_error=False)
    def _probe_server(self) -> None:
        client = self.sync_client
        # One probe at a time: on a network that drops packets one waits for its timeout.
        if client is None or not self._probing.acquire(blocking=False):
            return
        try:
            if client.is_online():
                self.post_message(ServerBack())
        finally:
            self._probing.release()

    @on(ServerBack)
    def _server_back(self) -> None:
        if self._probe_timer is not None:
            self._probe_timer.stop()
            self._probe_timer = None
            self.schedule_sync(at_once=True)

    def action_conflicts(self) -> None:
        if not isinstance(self.screen, ConflictsScreen):
            self.push_screen(ConflictsScreen(self.desk))

    @on(ConflictsScreen.Reapply)
    def _reapply_conflict(self, message: ConflictsScreen.Reapply) -> None:
        conflict = message.conflict
        self.change(
            _("Your value was applied again."), lambda: self.desk.reapply_conflict(conflict)
        )

    @on(ConflictsScreen.Dismiss)
    def _dismiss_conflict(self, message: ConflictsScreen.Dismiss) -> None:
        conflict = message.conflict
        self.change(_("Conflict dismissed."), lambda: self.desk.dismiss_conflict(conflict))

    def action_refused(self) -> None:
        if not isinstance(self.screen, RefusedScreen):
            self.push_screen(RefusedScreen(self.desk))

    @on(RefusedScreen.Fix)
    def _fix_refused(self, message: RefusedScreen.Fix) -> None:
        item = message.item
        if item.rejection.operation is None:
            self.notify(
                _(
                    "An older vardia kept only the reason of this refused work, not its content; "
                    "it can only be discarded."
                ),
                severity="warning",
            )
            return
        fields = self.desk.refused_fields(item.rejection)

        def fixed(values: dict[str, str] | None) -> None:
            if values is not None:
                self.change(
                    _("Queued again; the next sync sends it."),
                    lambda: self.desk.resend(item.rejection, values),
                )

        self.push_screen(FixDialog(item, fields, self.rules, self.clock.now()), fixed)

    @on(RefusedScreen.Copy)
    def _copy_refused(self, message: RefusedScreen.Copy) -> None:
        rejection = message.rejection

        def copy() -> str:
            text, path = self.desk.copy_refused(rejection)
            self.call_from_thread(self.copy_to_clipboard, text)
            return path

        def run() -> None:
            try:
                path = copy()
            except (VardiaError, OSError) as error:
                self.post_message(WorkFailed(str(error)))
            else:
                self.post_message(
                    Changed(_("Copied to the clipboard, and saved to {path}.").format(path=path))
                )

        self.run_worker(run, thread=True, group="change", exit_on_error=False)

    @on(RefusedScreen.Discard)
    def _discard_refused(self, message: RefusedScreen.Discard) -> None:
        item = message.item
        choices = [
            (_("Discard it: the server never had it, and it leaves this device"), True),
            (_("Keep it"), False),
        ]

        def decided(sure: bool | None) -> None:
            if sure:
                self.change(
                    _("Discarded: {what}.").format(what=item.what),
                    lambda: self.desk.discard_refused(item.rejection),
                )

        question = _("Discard the {what}?").format(what=item.what)
        self.push_screen(ChoiceDialog(question, choices, initial=1), decided)

    # ---- command palette: every binding of the screen, by its description -------------

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        seen: set[str] = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            if not binding.description or not active.enabled or binding.action in seen:
                continue
            seen.add(binding.action)
            node = active.node

            async def run(action: str = binding.action, target: Any = node) -> None:
                await self.run_action(action, target)

            key = _("key: {key}").format(key=self.get_key_display(binding))
            yield SystemCommand(
                # Textual's own descriptions are in the catalog too (tui.textual_words).
                _(binding.description),
                # A footer's short word ("Ack") is said in full here.
                f"{_(binding.tooltip)} · {key}" if binding.tooltip else key,
                run,
            )
        for command in super().get_system_commands(screen):
            yield command._replace(title=_(command.title), help=_(command.help))

    def action_command_palette(self) -> None:
        # Textual's, with its placeholder in the user's language.
        if self.use_command_palette and not isinstance(self.screen, CommandPalette):
            self.push_screen(
                CommandPalette(placeholder=_("Search for commands…"), id="--command-palette")
            )


def _round_said(view: SyncView, next_in: float | None) -> str:
    """What ``R`` reports of the round it asked for."""
    if view.retry_at is None:
        if not view.pending:
            return _("Synced: nothing waits to be sent.")
        return ngettext(
            "Synced; {n} change still waits to be sent.",
            "Synced; {n} changes still wait to be sent.",
            view.pending,
        ).format(n=view.pending)
    seconds = math.ceil(next_in or 0)
    error = view.last_error or ""
    if view.online:
        return _("Not synced: {error} Next try in {n} s.").format(error=error, n=seconds)
    return _("Still offline: {error} Next try in {n} s.").format(error=error, n=seconds)


def make_app(
    rules: Rules,
    store: Any,
    sync_client: Any | None,
    clock: Clock,
    *,
    keymap: dict[str, str] | None = None,
    tick: bool = True,
    config_dir: Path | None = None,
    export_dir: Path | None = None,
    ringing: Ringing | None = None,
) -> VardiaApp:
    """Build the app; the CLI, the tests and the screenshots all come through here."""
    lock = sync_client.store_lock if sync_client is not None else None
    desk = Desk(store, rules, clock, lock)
    return VardiaApp(
        desk,
        sync_client,
        clock,
        keymap=keymap,
        tick=tick,
        config_dir=config_dir,
        export_dir=export_dir,
        ringing=ringing,
    )
