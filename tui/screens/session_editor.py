"""The session editor: a session's times and channel changed with a reason, its history shown.

The same dialog adds work done without the timer. Times are typed as people say them
(``core.calendar.typed_instant``: ``14:00``, ``yesterday 14:00``, ``Fri 9:30``); the
segments are one line, ``START/END`` pieces separated by commas, and an empty line deletes
the session (an edit to no time, kept in its history). Ctrl+S saves, like the other dialogs;
each field's mistake is said under it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from core.bounds import Bounds
from core.calendar import typed_segment
from core.errors import InputError
from core.i18n import _
from core.models import Channel, Segment, Session
from core.sessions import history
from tui.desk import SessionForm
from tui.format import CHANNEL_LABELS, money, short_at

__all__ = ["SessionEditor", "history_text", "segments_text"]


def segments_text(segments: tuple[Segment, ...], zone: ZoneInfo) -> str:
    """Segments as the editor's field shows them, to be typed over: ``2026-11-23 14:00/…``."""
    return ", ".join(
        f"{s.start.astimezone(zone):%Y-%m-%d %H:%M}/{s.end.astimezone(zone):%Y-%m-%d %H:%M}"
        for s in segments
        if s.end > s.start
    )


def history_text(session: Session, zone: ZoneInfo) -> str:
    """Who changed the session, when and why, and what from what, oldest first."""

    def spans(segments: tuple[Segment, ...]) -> str:
        shown = segments_text(segments, zone)
        return shown or _("no time")

    lines = []
    for change in history(session):
        edit = change.edit
        lines.append(f"{short_at(edit.at, zone)} · {edit.by}: {edit.reason}")
        lines.append(f"  {spans(edit.old_segments)} → {spans(change.new_segments)}")
        if edit.old_channel != change.new_channel:
            lines.append(
                f"  {CHANNEL_LABELS[edit.old_channel]} → {CHANNEL_LABELS[change.new_channel]}"
            )
        lines.append(f"  {money(edit.old_quote.net)} → {money(change.new_quote.net)}")
    return "\n".join(lines) or _("Never changed: as the timer measured it.")


class SessionEditor(ModalScreen[SessionForm | None]):
    """Edit a session (``session`` given) or add work done without the timer (``None``)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", _("Cancel"), id="session.cancel"),
        Binding("ctrl+s", "save", _("Save"), id="session.save"),
    ]

    def __init__(
        self,
        session: Session | None,
        *,
        zone: ZoneInfo,
        now: Callable[[], datetime],
        bounds: Bounds,
        ref: str,
    ) -> None:
        super().__init__(classes="dialog")
        self._session = session
        self._zone = zone
        self._now = now
        self._bounds = bounds
        self._ref = ref

    def compose(self) -> ComposeResult:
        found = self._session
        title = (
            _("Work on {ref} done without the timer").format(ref=self._ref)
            if found is None
            else _("Session of {when} on {ref}").format(
                when=short_at(found.started_at, self._zone), ref=self._ref
            )
        )
        with Vertical(classes="dialog-box", id="session-box"):
            yield Label(title, classes="dialog-title")
            yield Label(_("Time: START/END, more than one separated by commas"))
            yield Input(
                value="" if found is None else segments_text(found.segments, self._zone),
                placeholder=_("e.g. yesterday 14:00/yesterday 14:40"),
                id="session-segments",
                compact=True,
            )
            yield Static("", classes="field-error", id="session-segments-error")
            yield Label(_("Channel"))
            yield Select(
                [(label, channel) for channel, label in CHANNEL_LABELS.items()],
                value=Channel.PHONE if found is None else found.channel,
                allow_blank=False,
                id="session-channel",
                compact=True,
            )
            yield Label(_("Why (kept with the session)"))
            yield Input(placeholder=_("e.g. forgot the timer"), id="session-reason", compact=True)
            yield Static("", classes="field-error", id="session-reason-error")
            if found is not None:
                yield Label(_("History"), classes="section-title")
                with VerticalScroll(id="session-history"):
                    yield Static(history_text(found, self._zone))
            yield Static(
                _("Ctrl+S save · Esc cancel · empty time deletes the session"),
                classes="dialog-help",
            )

    def on_mount(self) -> None:
        self.query_one("#session-segments", Input).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        typed = self.query_one("#session-segments", Input).value
        reason = self.query_one("#session-reason", Input).value.strip()
        segments_error = self.query_one("#session-segments-error", Static)
        reason_error = self.query_one("#session-reason-error", Static)
        segments_error.update("")
        reason_error.update("")
        segments: tuple[Segment, ...] = ()
        ok = True
        try:
            now = self._now()
            pieces = [piece for piece in typed.split(",") if piece.strip()]
            segments = tuple(typed_segment(p, self._zone, now, happened=True) for p in pieces)
            if not segments and self._session is None:
                raise InputError(_("Give the work's time, e.g. 14:00/14:40."))
        except InputError as error:
            segments_error.update(str(error))
            ok = False
        try:
            if not reason:
                raise InputError(_("Say why; the reason is kept with the session."))
            self._bounds.check_text(reason, "reason", _("reason"))
        except InputError as error:
            reason_error.update(str(error))
            ok = False
        if ok:
            channel = Channel(str(self.query_one("#session-channel", Select).value))
            self.dismiss(SessionForm(segments, channel, reason))
