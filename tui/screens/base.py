"""The frame every full screen shares: header on top, timer bar and footer at the bottom."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Static

from core.i18n import _
from tui.desk import Desk
from tui.messages import ScreenShown
from tui.widgets.status import StatusHeader, SyncErrorLine, SyncView, TimerBar, TimerView

__all__ = ["CHANGES", "DeskScreen", "Gated", "Reloads"]

CHANGES = frozenset(
    {
        "acknowledge",
        "assign",
        "status",
        "note",
        "add_session",
        "edit_session",
        "fix",
        "discard",
        "reapply",
        "dismiss",
        "intake",
        "undo",
        "sync_now",
        "timer_start",
        "timer_pause",
        "timer_resume",
        "timer_stop",
        "timer_discard",
    }
)
"""The actions that change the data, on any screen or the app: none are offered read-only."""


class Reloads:
    """A screen that shows what the store holds, and reads it again when told."""

    def reload(self) -> None:
        """Read the store again (after a change, or a sync round that pulled some)."""


class Gated:
    """A screen on the desk: read-only, what would change the data is not offered.

    Screens with their own conditions ask ``super().check_action`` first."""

    desk: Desk

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (self.desk.read_only and action in CHANGES)


class DeskScreen(Gated, Reloads, Screen[None]):
    """A full screen of the desk; subclasses yield their body from ``compose_body``.

    It receives the :class:`Desk` it reads from; what it wants done it posts as messages.
    """

    def __init__(self, desk: Desk, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.desk = desk

    def compose(self) -> ComposeResult:
        yield StatusHeader(classes="status-header")
        if self.desk.read_only:
            yield Static(
                _("READ-ONLY · another vardia's data: its changes show here as they land"),
                classes="read-only-banner",
            )
        yield SyncErrorLine(classes="sync-error -idle")
        yield from self.compose_body()
        yield TimerBar(classes="timer-bar -idle")
        # Compact: a screen's keys fit 80 columns (the incident's are many).
        yield Footer(compact=True)

    def on_screen_resume(self) -> None:
        self.post_message(ScreenShown())

    def compose_body(self) -> ComposeResult:
        yield from ()

    @property
    def current_incident_id(self) -> str | None:
        """The incident the timer keys act on from this screen, if any."""
        return None

    @property
    def current_customer_id(self) -> str | None:
        """The customer a statement opens for from this screen, if any."""
        return None

    @property
    def can_time(self) -> bool:
        """Whether the timer may start from this screen (the app hides its key otherwise)."""
        return True

    def show_status(
        self, now: datetime, support_hours: bool, timer: TimerView | None, sync: SyncView
    ) -> None:
        """Called by the app once a second, and at once when something changes."""
        # query, not query_one: a screen still composing has no bars yet and is skipped.
        surcharge = round((self.desk.rules.billing.after_hours_weight - 1) * 100)
        for header in self.query(StatusHeader):
            header.surcharge = surcharge
            header.show_time(now, support_hours)
            header.show_sync(sync, now)
        for line in self.query(SyncErrorLine):
            line.show_sync(sync, now)
        for bar in self.query(TimerBar):
            bar.show_timer(timer)

    def tick(self, now: datetime) -> None:
        """Once a second: move what counts down on this screen."""
