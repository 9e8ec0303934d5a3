"""Sync conflicts: local incident edits the server's value beat, to reapply or dismiss."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from core.i18n import _
from core.sync.state import Conflict
from tui.widgets.fmt import short_at

__all__ = ["ConflictsScreen"]


def _describe(conflict: Conflict, refs: dict[str, str]) -> str:
    return _("{ref} {field}: yours {local!r}, server kept {server!r} ({when})").format(
        ref=refs.get(conflict.incident_id, conflict.incident_id),
        field=conflict.field,
        local=conflict.local,
        server=conflict.server,
        when=short_at(conflict.detected_at),
    )


class ConflictsScreen(ModalScreen[None]):
    """The conflicts kept by sync; each can be reapplied as a new change or dismissed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", _("Close"), id="conflicts.close"),
        Binding("a", "reapply", _("Reapply my value"), id="conflicts.reapply"),
        Binding("d", "forget", _("Dismiss"), id="conflicts.dismiss"),
    ]

    def __init__(self, conflicts: list[Conflict], refs: dict[str, str]) -> None:
        super().__init__(classes="dialog")
        self.conflicts = conflicts
        self._refs = refs

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="conflicts-box"):
            yield Label(_("Sync conflicts"), classes="dialog-title")
            yield OptionList(
                *(Option(Content(_describe(c, self._refs)), id=c.id) for c in self.conflicts)
            )
            yield Static(_("No conflict to review.") if not self.conflicts else "", classes="muted")
            yield Static(_("a reapply my value · d dismiss · Esc close"), classes="dialog-help")

    def _selected(self) -> Conflict | None:
        index = self.query_one(OptionList).highlighted
        return self.conflicts[index] if index is not None and self.conflicts else None

    def _drop(self, conflict: Conflict) -> None:
        options = self.query_one(OptionList)
        index = self.conflicts.index(conflict)
        self.conflicts.remove(conflict)
        options.remove_option_at_index(index)

    def action_reapply(self) -> None:
        conflict = self._selected()
        if conflict is not None:
            self.app.reapply_conflict(conflict)  # type: ignore[attr-defined]
            self._drop(conflict)

    def action_forget(self) -> None:
        conflict = self._selected()
        if conflict is not None:
            self.app.dismiss_conflict(conflict)  # type: ignore[attr-defined]
            self._drop(conflict)
