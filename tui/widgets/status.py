"""The bars on every screen: the header (time in Athens, support hours, sync) and the timer."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Static

from core.i18n import _, ngettext
from tui.format import ago, clock_at, money
from tui.stopwatch import elapsed

__all__ = ["StatusHeader", "SyncErrorLine", "SyncView", "TimerBar", "TimerView"]


@dataclass(frozen=True, slots=True)
class SyncView:
    """What the header says about sync: online or not, what waits to be pushed, conflicts."""

    configured: bool = False
    online: bool = False
    pending: int = 0
    conflicts: int = 0
    last_error: str | None = None
    kept_aside: int = 0
    """Pulled records that could not be stored, kept aside (quarantined)."""
    refused: int = 0
    last_sync: datetime | None = None
    """When a round last reached the server and finished."""
    retry_at: datetime | None = None
    """When the next round runs, while rounds fail."""


@dataclass(frozen=True, slots=True)
class TimerView:
    """What the timer bar shows about the running timer."""

    ref: str
    customer: str
    channel: str
    elapsed: timedelta
    running: bool
    after_hours: bool
    net: Decimal | None
    ledger: str = ""
    """How fresh the ledger the running price stands on is: "ledger as of 14:02"."""
    keys: str = ""
    """The keys that act on the timer now, e.g. "p pause · x stop"."""

    @property
    def price(self) -> str:
        """The running price and the ledger it stands on; empty when it cannot be priced."""
        if self.net is None:
            return ""
        return _("net {amount} ({ledger})").format(amount=money(self.net), ledger=self.ledger)


def _width(content: object) -> int:
    return cell_len(content) if isinstance(content, str) else getattr(content, "cell_length", -1)


def show(widget: Static, content: str | Content) -> None:
    """Put ``content`` in a once-a-second line only when it changed: an unchanged line is
    not drawn and sent to the terminal again (over SSH every byte counts, SPEC §9), and a
    change of the same width (the clock's seconds) repaints the widget without laying out
    the screen again, which would repaint its scroll bars too."""
    old = widget.content
    if old != content:
        widget.update(content, layout=_width(old) != _width(content))


class _Clock(Static):
    """The header's clock, in the room the rest of the header leaves: rather than half a
    time, none (at 80 columns, when the sync part has much to say)."""

    time = ""

    def show_time(self, text: str) -> None:
        self.time = text
        self._fit()

    def _fit(self) -> None:
        room = self.content_region.width
        show(self, self.time if room == 0 or room >= cell_len(self.time) else "")

    def on_resize(self) -> None:
        self._fit()


class StatusHeader(Horizontal):
    """One line: app name, the time in Athens, support hours or after-hours, sync state."""

    def compose(self) -> ComposeResult:
        yield Static("vardia", id="header-title")
        yield _Clock(id="header-clock")
        yield Static("", id="header-hours")
        yield Static("", id="header-sync")

    surcharge = 20
    """The after-hours surcharge in percent, set by the app from the billing rules."""

    FLASH_SECONDS = 1.5

    def flash(self) -> None:
        """Show the header in reverse video for a moment: seen without colour, and unheard."""
        self.add_class("-flash")
        self.set_timer(self.FLASH_SECONDS, lambda: self.remove_class("-flash"))

    WIDE = 100
    """From this width on the clock has room for its day: ``Mon 23 Nov 17:00:05``."""

    def show_time(self, now: datetime, support_hours: bool) -> None:
        self.query_one(_Clock).show_time(clock_at(now, day=self.size.width >= self.WIDE))
        hours = self.query_one("#header-hours", Static)
        show(
            hours,
            _("● support hours")
            if support_hours
            else _("◐ AFTER-HOURS +{pct}%").format(pct=self.surcharge),
        )
        hours.set_class(not support_hours, "-after-hours")

    def show_sync(self, view: SyncView, now: datetime) -> None:
        sync = self.query_one("#header-sync", Static)
        if not view.configured:
            text = _("local only · {pending} pending").format(pending=view.pending)
        elif view.online and view.retry_at is not None:
            # Reached but refused (a revoked token): the line under the header says why.
            text = _("⚠ not synced · {pending} pending").format(pending=view.pending)
        elif view.online and view.last_sync is not None:
            text = _("● synced {ago} · {pending} pending").format(
                ago=ago(view.last_sync, now), pending=view.pending
            )
        elif view.online:
            text = _("● online · {pending} pending").format(pending=view.pending)
        else:
            text = _("○ offline · {pending} pending").format(pending=view.pending)
        if view.conflicts:
            text += ngettext(" · {n} conflict", " · {n} conflicts", view.conflicts).format(
                n=view.conflicts
            )
        if view.refused:
            text += ngettext(" · {n} refused", " · {n} refused", view.refused).format(
                n=view.refused
            )
        show(sync, text)
        sync.tooltip = view.last_error
        sync.set_class(
            view.configured and (not view.online or view.retry_at is not None), "-offline"
        )
        sync.set_class(bool(view.conflicts or view.refused), "-conflicts")


class SyncErrorLine(Static):
    """Under the header while sync has something to say: the records kept aside, the last
    round's error, when the next try is and when the last sync was, on one line (``vardia
    status`` has the whole sentence)."""

    def show_sync(self, view: SyncView, now: datetime) -> None:
        # The short parts first: at 80 columns the error's sentence is what gets cut.
        parts = []
        if view.retry_at is not None:
            seconds = max(0, math.ceil((view.retry_at - now).total_seconds()))
            parts.append(_("retrying in {n} s").format(n=seconds))
            parts.append(
                _("synced {ago}").format(ago=ago(view.last_sync, now))
                if view.last_sync is not None
                else _("never synced")
            )
        if view.kept_aside:
            parts.append(
                ngettext(
                    "{n} record from the server kept aside",
                    "{n} records from the server kept aside",
                    view.kept_aside,
                ).format(n=view.kept_aside)
            )
        if view.last_error:
            parts.append(_("last sync: {error}").format(error=view.last_error))
        self.set_class(not parts, "-idle")
        show(self, "⚠ " + " · ".join(parts))


class TimerBar(Static):
    """Docked at the bottom of every screen while a timer exists; hidden otherwise."""

    def show_timer(self, view: TimerView | None) -> None:
        self.set_class(view is None, "-idle")
        if view is None:
            return
        self.set_class(not view.running, "-paused")
        self.set_class(view.after_hours and view.running, "-after-hours")
        # Most important first: on a narrow terminal the customer's name is what gets cut.
        parts = [
            ("⏱ " if view.running else _("⏸ PAUSED ")) + elapsed(view.elapsed),
            view.ref,
            view.channel,
        ]
        if view.keys:
            parts.insert(1, view.keys)
        if view.after_hours and view.running:
            parts.append(_("AFTER-HOURS"))
        if view.price:
            parts.append(view.price)
        parts.append(view.customer)
        show(self, Content(" │ ".join(parts)))
