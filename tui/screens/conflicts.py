"""Sync conflicts: local incident edits the server's value beat, to reapply or dismiss."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from core.i18n import _
from core.models import STATUS_LABELS, IncidentStatus
from core.sync.state import Conflict
from tui.desk import Desk
from tui.format import short_at
from tui.screens.base import Gated, Reloads

__all__ = ["ConflictsScreen"]


def _shown(field: str, value: object) -> object:
    """A status by the name people read (``working``), any other value as it is."""
    if field == "status" and value in set(IncidentStatus):
        return STATUS_LABELS[IncidentStatus(str(value))]
    return value


def _describe(conflict: Conflict, refs: dict[str, str]) -> str:
    return _("{ref} {field}: yours {local!r}, server kept {server!r} ({when})").format(
        ref=refs.get(conflict.incident_id, conflict.incident_id),
        field=conflict.field,
        local=_shown(conflict.field, conflict.local),
        server=_shown(conflict.field, conflict.server),
        when=short_at(conflict.detected_at),
    )


class ConflictRequest(Message):
    """The person decided on one conflict."""

    def __init__(self, conflict: Conflict) -> None:
        super().__init__()
        self.conflict = conflict


class ConflictsScreen(Gated, Reloads, ModalScreen[None]):
    """The conflicts kept by sync; each can be reapplied as a new change or dismissed.

    The list is read from the store on opening and again after every change and sync
    round, so a refused reapply leaves its conflict listed.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", _("Close"), id="conflicts.close"),
        Binding("a", "reapply", _("Reapply my value"), id="conflicts.reapply"),
        Binding("d", "forget", _("Dismiss"), id="conflicts.dismiss"),
    ]

    class Reapply(ConflictRequest):
        """Make the rejected local value a new change, then forget the conflict."""

    class Dismiss(ConflictRequest):
        """Forget the conflict: the server's value stands."""

    class Loaded(Message):
        """The conflicts and the refs of their incidents were read (by the screen's worker)."""

        def __init__(self, conflicts: list[Conflict], refs: dict[str, str]) -> None:
            super().__init__()
            self.conflicts = conflicts
            self.refs = refs

    def __init__(self, desk: Desk) -> None:
        super().__init__(classes="dialog")
        self.desk = desk
        self.conflicts: list[Conflict] = []
        self.loaded = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="conflicts-box"):
            yield Label(_("Sync conflicts"), classes="dialog-title")
            yield OptionList()
            yield Static("", id="conflicts-empty", classes="muted")
            yield Static(_("a reapply my value · d dismiss · Esc close"), classes="dialog-help")

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="conflicts", exit_on_error=False)
    def _load(self) -> None:
        conflicts = self.desk.conflicts()
        incidents, _customers = self.desk.load_queue()
        refs = {incident.id: incident.ref for incident in incidents}
        self.post_message(self.Loaded(conflicts, refs))

    @on(Loaded)
    def _show(self, message: Loaded) -> None:
        conflicts, refs = message.conflicts, message.refs
        options = self.query_one(OptionList)
        index = options.highlighted or 0
        self.conflicts = conflicts
        options.clear_options()
        options.add_options(Option(Content(_describe(c, refs)), id=c.id) for c in conflicts)
        if conflicts:
            options.highlighted = min(index, len(conflicts) - 1)
        empty = _("No conflict to review.") if not conflicts else ""
        self.query_one("#conflicts-empty", Static).update(empty)
        self.loaded = True

    def _selected(self) -> Conflict | None:
        index = self.query_one(OptionList).highlighted
        return self.conflicts[index] if index is not None and self.conflicts else None

    def action_reapply(self) -> None:
        if (conflict := self._selected()) is not None:
            self.post_message(self.Reapply(conflict))

    def action_forget(self) -> None:
        if (conflict := self._selected()) is not None:
            self.post_message(self.Dismiss(conflict))
