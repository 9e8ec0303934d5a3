"""The main screen: open incidents in SLA order, with filters and search."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Static

from core import sla
from core.bulk import collector_paused
from core.i18n import _, ngettext
from core.models import Incident, IncidentStatus
from core.queue_entry import QueueEntry
from core.text import fold, searchable
from tui.desk import Desk
from tui.live_queue import LiveQueue, Ordered, RowFilter
from tui.messages import CustomerRequest, IncidentRequest
from tui.screens.base import DeskScreen
from tui.widgets.queue_table import QueueRow, QueueTable
from tui.widgets.status import show

__all__ = ["FIRST_PAGE", "QueueScreen", "Scope"]

FIRST_PAGE = 200
"""The rows a long queue shows before its whole order is built: more than a terminal is tall."""


class Scope(StrEnum):
    """Whose incidents the queue lists."""

    ALL = "all"
    MINE = "mine"
    UNASSIGNED = "unassigned"


_NEXT_SCOPE = {Scope.ALL: Scope.MINE, Scope.MINE: Scope.UNASSIGNED, Scope.UNASSIGNED: Scope.ALL}


def _state(incident: QueueEntry, now: datetime) -> str:
    return str(sla.state(incident, now).value)


class QueueScreen(DeskScreen):
    """Open incidents, breached first; the cursor stays on its incident as rows move."""

    AUTO_FOCUS = "QueueTable"
    """A key typed while the app starts goes to the queue, not to the hidden search."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", _("Search"), id="queue.search"),
        Binding("f", "scope", _("Filter"), tooltip=_("Mine, unassigned or all"), id="queue.scope"),
        Binding("b", "breached", _("Breached only"), show=False, id="queue.breached"),
        Binding("P", "plan", _("Plan filter"), show=False, id="queue.plan"),
        Binding("escape", "clear", _("Clear filters"), show=False, id="queue.clear"),
        Binding("ctrl+o", "closed", _("Closed ones too"), show=False, id="queue.closed"),
        Binding("n", "app.intake", _("New incident"), id="queue.intake"),
        Binding("a", "acknowledge", _("Acknowledge"), show=False, id="queue.acknowledge"),
        Binding("m", "assign", _("Assign to me"), show=False, id="queue.assign"),
        Binding("c", "customer", _("Customer"), show=False, id="queue.customer"),
        Binding("q", "app.quit", _("Quit"), show=False, id="queue.quit"),
    ]

    class OpenIncident(IncidentRequest):
        """Open the incident's page."""

    class OpenCustomer(CustomerRequest):
        """Open the customer's page."""

    class Acknowledge(IncidentRequest):
        """Acknowledge the incident."""

    class AssignToMe(IncidentRequest):
        """Give the incident to this technician."""

    class PastFound(Message):
        """The closed incidents a search found (in a worker), for that search."""

        def __init__(self, search: str, incidents: list[Incident]) -> None:
            super().__init__()
            self.search = search
            self.incidents = incidents

    class SlaTurned(Message):
        """An incident assigned to this technician, or on screen, turned warned or breached."""

        def __init__(self, row: QueueRow, state: sla.SlaState) -> None:
            super().__init__()
            self.row = row
            self.state = state

    def __init__(self, desk: Desk) -> None:
        super().__init__(desk, id="queue")
        self.technician = desk.technician
        self.scope = Scope.ALL
        self.breached_only = False
        self.plan: str | None = None
        self.search = ""
        self.closed_too = False
        """The search looks at closed and resolved incidents too (Ctrl+O)."""
        self._past: list[QueueRow] = []
        self._incidents: Sequence[QueueEntry] = ()
        self._customers: dict[str, str] = {}
        """Each customer's name by id."""
        self._live: LiveQueue | None = None
        self._view: Ordered | None = None
        self._keep: RowFilter | None = None
        self._now: datetime | None = None
        self._loaded = False
        self._folded: dict[str, tuple[QueueRow, str]] = {}
        """Each row's searchable text by incident id, with the row it was made of."""
        self._shown_anyway: frozenset[str] = frozenset()
        """Incidents opened here since the filters last changed: listed whatever they say."""
        self._first_page_at: datetime | None = None
        """While a long queue shows its first page, the instant it was ordered as: its whole
        order is still to come, as of the same instant."""

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="queue-bar"):
            yield Static("", id="queue-filters")
            yield Static("", id="queue-count")
        yield Input(
            placeholder=_("Search customer, ref or subject… (Ctrl+O: closed ones too)"),
            id="queue-search",
        )
        yield Static("", id="queue-header")
        yield QueueTable(state_of=_state, plans=self.desk.rules.plans, id="queue-table")
        yield Static(_("Loading the queue…"), id="queue-empty")

    @property
    def table(self) -> QueueTable:
        return self.query_one(QueueTable)

    @property
    def current_incident_id(self) -> str | None:
        row = self.table.selected
        return row.incident.id if row else None

    @property
    def current_customer_id(self) -> str | None:
        row = self.table.selected
        return row.incident.customer_id if row else None

    def on_mount(self) -> None:
        self.table.focus()
        self._show_filters()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Acknowledging is a new incident's first response; assigning to me, one not mine.

        Asked when the key is pressed (and by the palette and the help when they open):
        neither key is in the footer, so a cursor that moves needs no refresh of the
        bindings, which would build the footer again and draw its whole line, twice."""
        if not super().check_action(action, parameters):
            return False
        if action not in {"acknowledge", "assign"}:
            return True
        row = self.table.selected if self.query(QueueTable) else None
        if row is None:
            return False
        if action == "acknowledge":
            return row.incident.status is IncidentStatus.NEW
        return row.incident.assignee != self.technician

    @on(QueueTable.ColumnsChanged)
    def _columns_changed(self) -> None:
        show(self.query_one("#queue-header", Static), self.table.header_text())

    def set_data(
        self, incidents: Sequence[QueueEntry], customers: dict[str, str], now: datetime
    ) -> None:
        """New contents from the store: order them once, then filter."""
        self._incidents = incidents
        self._customers = customers
        self._loaded = True
        # A load can land while the app shuts down and the table is already gone.
        if self.query(QueueTable):
            self._order(now)

    def _name_of(self, incident: QueueEntry) -> str:
        """The incident's customer by name (by id when the customer is not loaded)."""
        return self._customers.get(incident.customer_id, incident.customer_id)

    def _searchable(self, row: QueueRow) -> str:
        """What the search looks in for a row, folded once per row: at 50,000 open incidents,
        folding every row's texts again at each keystroke took a third of a second."""
        kept = self._folded.get(row.incident.id)
        if kept is None or kept[0] is not row:
            kept = self._folded[row.incident.id] = (
                row,
                searchable(row.customer_name, row.incident.ref, row.incident.subject),
            )
        return kept[1]

    def _order(self, now: datetime) -> None:
        incidents = self._incidents
        if self._live is None and len(incidents) > FIRST_PAGE and self._filter() is None:
            # A long queue's first screenful first, and its whole order once that shows: at
            # 50,000 open incidents, ordering them all held the first frame back by a quarter
            # of a second. The first page is the head of the whole order, so nothing moves.
            first = heapq.nsmallest(FIRST_PAGE, incidents, key=lambda e: sla.queue_key(e, now))
            self._live = LiveQueue(self._rows(first), now)
            self._apply(now)
            # No threshold is crossed on the first page: one crossed there would be crossed
            # again in the whole order, made as of the same instant.
            self._first_page_at = now
            self.call_after_refresh(self._order_first_page_whole)
            return
        self._order_whole(now)

    def _order_first_page_whole(self) -> None:
        if self._first_page_at is not None and self.query(QueueTable):  # not done, not quitting
            self._order_whole(self._first_page_at)

    def _order_whole(self, now: datetime) -> None:
        # A first page still shown was ordered as of its own instant: the whole order (of its
        # load, or of a newer one) is made as of that instant, so what passed since is crossed
        # here, once.
        at = now if self._first_page_at is None else self._first_page_at
        self._first_page_at = None
        ticked = self._now
        with collector_paused():
            rows = self._rows(self._incidents)
            self._live = LiveQueue(rows, at) if self._live is None else self._live.update(rows, at)
        latest = now if ticked is None else max(now, ticked)
        self._apply(latest)
        if self._live.crossed(latest):
            # The rows the load left alone keep their keys of the last tick: a threshold one
            # of them passed since is crossed now, with its alert, as at a tick.
            self.tick(latest)

    def _rows(self, incidents: Iterable[QueueEntry]) -> Iterator[QueueRow]:
        """A row for each incident: the one placed already when nothing it shows changed (the
        store hands back the same entry for a record a change left alone)."""
        live = self._live
        for incident in incidents:
            name = self._name_of(incident)
            row = None if live is None else live.row_of(incident.id)
            if row is None or row.incident is not incident or row.customer_name != name:
                row = QueueRow(incident, name, sla.due_at(incident))
            yield row

    def _filter(self) -> RowFilter | None:
        """What the filters keep, or None when they keep every row."""
        checks: list[RowFilter] = []
        technician = self.technician
        if self.scope is Scope.MINE:
            checks.append(lambda row, _now: row.incident.assignee == technician)
        elif self.scope is Scope.UNASSIGNED:
            checks.append(lambda row, _now: row.incident.assignee is None)
        if (plan := self.plan) is not None:
            checks.append(lambda row, _now: row.incident.plan == plan)
        if self.breached_only:
            checks.append(lambda row, now: _state(row.incident, now) == "breached")
        if needle := fold(self.search.strip()):
            checks.append(lambda row, _now: needle in self._searchable(row))
        if not checks:
            return None
        anyway = self._shown_anyway
        return lambda row, now: (
            row.incident.id in anyway or all(check(row, now) for check in checks)
        )

    def _apply(self, now: datetime) -> None:
        """Filter the ordered rows again (the filters changed, or the rows did)."""
        if self._live is None:
            return
        self._keep = self._filter()
        self._view = self._live.all if self._keep is None else self._live.where(self._keep, now)
        self._show(now)

    def _show(self, now: datetime) -> None:
        live, view = self._live, self._view
        if live is None or view is None:
            return

        def find(incident_id: str) -> int | None:
            key = live.key_of(incident_id)
            return None if key is None else view.find(key)

        self._now = now
        # Counted on the incidents loaded, not the rows ordered: a long queue first orders
        # only its first page.
        total = len(self._incidents)
        shown = total if self._keep is None else len(view)
        count = _("{shown} of {total} open").format(shown=shown, total=total)
        if self._past:
            # Closed ones found by the search, after the open ones: looked up by position.
            rows = [*view.rows, *self._past]
            at = {row.incident.id: index for index, row in enumerate(rows)}
            self.table.set_rows(rows, now, at.get)
            closed = len(self._past)
            count += " · " + ngettext("{n} closed", "{n} closed", closed).format(n=closed)
        else:
            self.table.set_rows(view.rows, now, find)
        show(self.query_one("#queue-header", Static), self.table.header_text())
        show(self.query_one("#queue-count", Static), count)
        empty = self.query_one("#queue-empty", Static)
        if self._loaded:
            show(
                empty,
                _("No incident matches — Esc clears the filters.")
                if total
                else _("No open incident — n opens one."),
            )
        listed = len(view) + len(self._past)
        empty.display = self._loaded is False or not listed
        # The table stays displayed (and focused) when empty: hiding it would drop the focus,
        # and its keys with it, until the person pressed Tab.
        self.table.set_class(not listed, "-empty")
        self._show_filters()

    def _show_filters(self) -> None:
        parts = [
            {
                Scope.ALL: _("all"),
                Scope.MINE: _("mine"),
                Scope.UNASSIGNED: _("unassigned"),
            }[self.scope]
        ]
        if self.breached_only:
            parts.append(_("breached only"))
        if self.plan:
            parts.append(_("plan {plan}").format(plan=self.desk.rules.plans.label(self.plan)))
        if self.search:
            parts.append(_("“{text}”").format(text=self.search))
        if self.closed_too:
            parts.append(_("closed ones too"))
        show(
            self.query_one("#queue-filters", Static),
            _("Queue: {filters}").format(filters=" · ".join(parts)),
        )

    def tick(self, now: datetime) -> None:
        if self._first_page_at is not None:
            # The first page's whole order is still to come, after a refresh (made here, it
            # could hold the first frame back): no threshold is crossed before it, and it is
            # asked for again, should the first request have gone to a screen since removed.
            self._now = now
            self.table.tick(now)
            self.call_after_refresh(self._order_first_page_whole)
            return
        if self._live is not None and self._live.crossed(now):
            views = [] if self._keep is None or self._view is None else [(self._view, self._keep)]
            watched = self._on_screen()
            for row in self._live.advance(now, views):
                state = sla.state(row.incident, now)
                mine = row.incident.assignee == self.technician
                if state is not sla.SlaState.ON_TIME and (mine or row.incident.id in watched):
                    self.post_message(self.SlaTurned(row, state))
            self._show(now)
        else:
            self._now = now
            self.table.tick(now)

    def _on_screen(self) -> set[str]:
        """The incidents the technician sees now: the queue's lines, or the one open on top."""
        if not self.is_current:
            top = self.app.screen
            shown = top.current_incident_id if isinstance(top, DeskScreen) else None
            return {shown} if shown else set()
        first = self.table.scroll_offset.y
        lines = self.table.rows[first : first + self.table.size.height]
        return {row.incident.id for row in lines}

    def show_anyway(self, incident_id: str) -> None:
        """Keep a newly opened incident listed, and under the cursor, whatever the filters:
        opening one after a search must not hide it. Changing a filter lets it go."""
        self._shown_anyway = self._shown_anyway | {incident_id}
        self.table.follow(incident_id)

    def _refilter(self) -> None:
        self._shown_anyway = frozenset()
        if self._now is not None:
            self._apply(self._now)
        else:
            self._show_filters()

    def action_search(self) -> None:
        search = self.query_one("#queue-search", Input)
        search.add_class("-active")
        search.focus()

    @on(Input.Changed, "#queue-search")
    def _search_changed(self, event: Input.Changed) -> None:
        self.search = event.value
        self._look_back()
        self._refilter()

    @on(Input.Submitted, "#queue-search")
    def _search_done(self) -> None:
        if not self.search:
            self.query_one("#queue-search", Input).remove_class("-active")
        self.table.focus()

    def action_closed(self) -> None:
        self.closed_too = not self.closed_too
        self._look_back()
        self._refilter()

    def _look_back(self) -> None:
        """With closed ones too and a search typed, look for them; else show none."""
        self._past = []
        if self.closed_too and self.search.strip():
            self._find_past(self.search, self._customers)

    @work(thread=True, exclusive=True, group="past", exit_on_error=False)
    def _find_past(self, search: str, names: dict[str, str]) -> None:
        self.post_message(self.PastFound(search, self.desk.past_incidents(search, names)))

    @on(PastFound)
    def _past_found(self, message: PastFound) -> None:
        if message.search != self.search or not self.closed_too:
            return  # typed on since, or switched off
        self._past = [
            QueueRow(entry, self._name_of(entry), None)
            for entry in map(QueueEntry.of, message.incidents)
        ]
        if self._now is not None:
            self._show(self._now)

    def action_clear(self) -> None:
        self.closed_too = False
        self._past = []
        search = self.query_one("#queue-search", Input)
        search.value = ""
        search.remove_class("-active")
        self.search = ""
        self.scope = Scope.ALL
        self.breached_only = False
        self.plan = None
        self.table.focus()
        self._refilter()

    def action_scope(self) -> None:
        self.scope = _NEXT_SCOPE[self.scope]
        self._refilter()

    def action_breached(self) -> None:
        self.breached_only = not self.breached_only
        self._refilter()

    def action_plan(self) -> None:
        from tui.screens.dialogs import ChoiceDialog

        plans = sorted({incident.plan for incident in self._incidents})
        label = self.desk.rules.plans.label
        choices = [(_("All plans"), "")] + [(label(plan), plan) for plan in plans]

        def chosen(plan: str | None) -> None:
            if plan is not None:
                self.plan = plan or None
                self._refilter()

        self.app.push_screen(ChoiceDialog(_("Show incidents of plan"), choices), chosen)

    def reload(self) -> None:
        """The app loads the queue for every queue screen at once (see ``set_data``)."""

    def action_acknowledge(self) -> None:
        if (incident_id := self.current_incident_id) is not None:
            self.post_message(self.Acknowledge(incident_id))

    def action_assign(self) -> None:
        if (incident_id := self.current_incident_id) is not None:
            self.post_message(self.AssignToMe(incident_id))

    def action_customer(self) -> None:
        if (customer_id := self.current_customer_id) is not None:
            self.post_message(self.OpenCustomer(customer_id))

    @on(QueueTable.Opened)
    def _open(self, event: QueueTable.Opened) -> None:
        self.post_message(self.OpenIncident(event.incident_id))
