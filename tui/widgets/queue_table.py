"""The queue: a virtualised list of open incidents that renders only the rows on screen.

Thousands of incidents cost nothing until they scroll into view, and the once-a-second
countdown refresh re-renders only the visible lines whose text or state changed (Textual's
Line API, as toolong does): an idle queue sends the terminal a few cells a second.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from core.i18n import _
from core.plans import PriceList
from core.queue_entry import QueueEntry
from tui.format import SLA_MARKS, STATUS_LABELS, countdown

__all__ = ["QueueRow", "QueueTable"]


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One incident as the queue shows it: its entry, its customer's name and when it is due."""

    incident: QueueEntry
    customer_name: str
    due: datetime | None


@dataclass(frozen=True, slots=True)
class _Column:
    key: str
    title: str
    width: int
    flex: bool = False


def _widest(title: str, words: Iterable[str]) -> int:
    return max([len(title), *(len(word) for word in words)])


def _columns(width: int, plan_names: Sequence[str] = ()) -> list[_Column]:
    """No title and no status is cut: each column is at least as wide as its title, the status
    column as the language's longest word for a status (``παρελήφθη``), the plan's as its
    longest name up to 11 columns (``Maintenance``, ``Premium 10``); the customer shrinks on a
    narrow terminal, by what a plan name wider than 9 takes, and the subject takes what is
    left."""
    wide = width >= 110
    status = _widest(_("status"), STATUS_LABELS.values())
    plan = min(_widest(_("plan"), plan_names), 11)
    customer = 24 if wide else 14 - max(0, plan - 9)
    fixed = [
        _Column("mark", "", 1),
        _Column("due", _("due"), 8),
        _Column("ref", _("ref"), 10 if wide else 9),
        _Column("customer", _("customer"), customer),
        _Column("plan", _("plan"), plan),
        _Column("subject", _("subject"), 0, flex=True),
        _Column("status", _("status"), status),
        _Column("assignee", _("assignee"), max(len(_("assignee")), 10 if wide else 7)),
    ]
    used = sum(column.width for column in fixed) + len(fixed) - 1
    subject = max(8, width - used)
    return [_Column(c.key, c.title, subject) if c.flex else c for c in fixed]


def _fit(text: str, width: int) -> str:
    if len(text) > width:
        return text[: max(0, width - 1)] + "…"
    return text.ljust(width)


def _right(text: str, width: int) -> str:
    return text[:width].rjust(width)


class QueueTable(ScrollView, can_focus=True):
    """Open incidents in queue order, with a cursor that follows its incident when rows move."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "queue-table--header",
        "queue-table--breached",
        "queue-table--warned",
        "queue-table--on-time",
        "queue-table--cursor",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", _("Up"), show=False, id="queue.up"),
        Binding("down,j", "cursor(1)", _("Down"), show=False, id="queue.down"),
        Binding("pageup", "page(-1)", _("Page up"), show=False, id="queue.page_up"),
        Binding("pagedown", "page(1)", _("Page down"), show=False, id="queue.page_down"),
        Binding("home,g", "first", _("First"), show=False, id="queue.first"),
        Binding("end,G", "last", _("Last"), show=False, id="queue.last"),
        Binding("enter", "open", _("Open"), id="queue.open"),
    ]

    class ColumnsChanged(Message):
        """The columns were laid out again for a new width: their titles above must follow."""

    class Opened(Message):
        """The person asked to open the incident under the cursor."""

        def __init__(self, incident_id: str) -> None:
            super().__init__()
            self.incident_id = incident_id

    cursor: reactive[int] = reactive(0, always_update=True, repaint=False)

    def __init__(
        self,
        *,
        state_of: Callable[[QueueEntry, datetime], str],
        plans: PriceList | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._state_of = state_of
        self._plan_label = plans.label if plans is not None else str
        self._plan_names = (
            [plan.label for plan in plans.values() if plan.addon_to is None] if plans else []
        )
        """The names an incident's plan may have (a premium pack is an add-on, never one)."""
        self._rows: Sequence[QueueRow] = ()
        self._now = datetime.now(UTC)
        self._columns: list[_Column] = _columns(80, self._plan_names)
        self._drawn: dict[int, tuple[int, str, str, bool] | None] = {}
        """What each line on screen was last drawn from (``_line``), by its y."""
        self._selected: str | None = None
        """The incident under the cursor, kept apart from the rows, which may change in place."""

    @property
    def rows(self) -> Sequence[QueueRow]:
        return self._rows

    @property
    def selected(self) -> QueueRow | None:
        if 0 <= self.cursor < len(self._rows):
            return self._rows[self.cursor]
        return None

    def set_rows(
        self, rows: Sequence[QueueRow], now: datetime, find: Callable[[str], int | None]
    ) -> None:
        """Show ``rows``, keeping the cursor on its incident if it is still listed.

        ``find`` gives an incident's index in ``rows``: the queue finds it by bisection,
        and ``rows`` may be the same list as before, changed in place.
        """
        self._rows = rows
        self._now = now
        self.virtual_size = Size(self.size.width, len(rows))
        index = self.cursor
        if self._selected is not None:
            found = find(self._selected)
            index = min(self.cursor, len(rows) - 1) if found is None else found
        self.cursor = max(0, min(index, len(rows) - 1))
        self._draw_changes()

    def tick(self, now: datetime) -> None:
        """Move the countdowns on."""
        self._now = now
        self._draw_changes()

    def _draw_changes(self) -> None:
        """Draw only the cells on screen whose text or look changed: a re-sort that moves rows
        off screen, or a countdown that moved a minute, sends the terminal no more than that."""
        for y in range(self.size.height):
            drawn, line = self._drawn.get(y), self._line(y)
            # What the line looks like: its state, text and cursor (not the row's index).
            if (drawn and drawn[1:]) != (line and line[1:]):
                self.refresh(self._changed(y, drawn, line))

    def _changed(
        self,
        y: int,
        drawn: tuple[int, str, str, bool] | None,
        line: tuple[int, str, str, bool] | None,
    ) -> Region:
        """The cells of line ``y`` that differ: the countdown alone when only it moved."""
        width = self.size.width
        if drawn is None or line is None or drawn[:2] != line[:2] or drawn[3] != line[3]:
            return Region(0, y, width, 1)
        old, new = drawn[2], line[2]
        first = next((i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b), 0)
        last = len(new) - next(
            (i for i, (a, b) in enumerate(zip(old[::-1], new[::-1], strict=False)) if a != b), 0
        )
        x = cell_len(new[:first])
        return Region(x, y, max(1, cell_len(new[first:last])), 1)

    def _line(self, y: int) -> tuple[int, str, str, bool] | None:
        """What line ``y`` shows: the row's index, its SLA state, its text, the cursor."""
        index = y + self.scroll_offset.y
        if index >= len(self._rows):
            return None
        row = self._rows[index]
        state = self._state_of(row.incident, self._now)
        text = _fit(" ".join(self._cells(row, state)), self.size.width)
        return index, state, text, index == self.cursor

    def follow(self, incident_id: str) -> None:
        """Put the cursor on this incident when the rows next hold it (it may not be loaded yet)."""
        self._selected = incident_id

    def select_incident(self, incident_id: str) -> None:
        for index, row in enumerate(self._rows):
            if row.incident.id == incident_id:
                self.cursor = index
                return

    def watch_cursor(self, old: int, new: int) -> None:
        # Set again where it was (``set_rows``), the line is drawn again only if it changed.
        if old != new:
            self.refresh_line(old)
            self.refresh_line(new)
        self.scroll_to_region(Region(0, new, 1, 1), animate=False, force=True, immediate=True)
        row = self.selected
        self._selected = row.incident.id if row else None

    def refresh_line(self, index: int) -> None:
        y = index - self.scroll_offset.y
        if 0 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def on_resize(self, event: events.Resize) -> None:
        columns = _columns(self.size.width, self._plan_names)
        self.virtual_size = Size(self.size.width, len(self._rows))
        if columns != self._columns:
            self._columns = columns
            self._drawn.clear()
            self.post_message(self.ColumnsChanged())

    def header_text(self) -> str:
        """The column titles, aligned with the rows (the screen shows them above the list)."""
        return " ".join(
            _right(c.title, c.width) if c.key == "due" else _fit(c.title, c.width)
            for c in self._columns
        )

    def _cells(self, row: QueueRow, state: str) -> list[str]:
        incident = row.incident
        due = countdown(row.due - self._now) if row.due is not None else _("none")
        values = {
            "mark": SLA_MARKS.get(state, " "),
            "due": due,
            "ref": incident.ref,
            "customer": row.customer_name,
            "plan": self._plan_label(incident.plan),
            "subject": incident.subject,
            "status": STATUS_LABELS.get(incident.status, incident.status.value),
            "assignee": incident.assignee or _("—"),
        }
        return [
            _right(values[c.key], c.width) if c.key == "due" else _fit(values[c.key], c.width)
            for c in self._columns
        ]

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        line = self._line(y)
        self._drawn[y] = line
        if line is None:
            return Strip.blank(width, self.rich_style)
        _index, state, text, on_cursor = line
        base = self.rich_style
        state_style = self.get_component_rich_style(
            {
                "breached": "queue-table--breached",
                "warned": "queue-table--warned",
            }.get(state, "queue-table--on-time")
        )
        style: Style = base + state_style
        if on_cursor:
            style = style + self.get_component_rich_style("queue-table--cursor")
        return Strip([Segment(text, style)], width)

    def action_cursor(self, step: int) -> None:
        if self._rows:
            self.cursor = max(0, min(len(self._rows) - 1, self.cursor + step))

    def action_page(self, direction: int) -> None:
        self.action_cursor(direction * max(1, self.size.height - 1))

    def action_first(self) -> None:
        self.action_cursor(-len(self._rows))

    def action_last(self) -> None:
        self.action_cursor(len(self._rows))

    def action_open(self) -> None:
        row = self.selected
        if row is not None:
            self.post_message(self.Opened(row.incident.id))

    def on_click(self, event: events.Click) -> None:
        index = event.y + self.scroll_offset.y
        if 0 <= index < len(self._rows):
            if index == self.cursor and event.chain > 1:
                self.action_open()
            self.cursor = index
