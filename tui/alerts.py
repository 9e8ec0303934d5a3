"""What gets the technician's attention: an SLA turning warned or breached, a timer left
running or running on into after-hours.

The app flashes its header and puts a note on screen for each; besides, as the workflow's
``[alerts]`` and ``--no-bell`` say, it rings the terminal's bell and sends a desktop
notification through the terminal's escape (OSC 9 or OSC 777) where the terminal shows one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.i18n import _
from core.models import Timer
from core.workflow import Alerting, TimerWorkflow

__all__ = ["Ringing", "TimerReminders", "desktop_escape"]

_OSC9_TERMINALS = {"iTerm.app", "WezTerm", "ghostty"}


@dataclass(frozen=True, slots=True)
class Ringing:
    """Whether the bell rings, and which desktop escape the terminal is sent, if any."""

    bell: bool = False
    desktop: str | None = None
    """``osc9`` or ``osc777``; None for no desktop notification."""

    @classmethod
    def of(cls, alerting: Alerting, environ: Mapping[str, str], *, quiet: bool) -> Ringing:
        """From the workflow's ``[alerts]`` and the terminal ``environ`` names; ``quiet``
        (``--no-bell``) rings nothing, though the flash and the note still show."""
        if quiet:
            return cls()
        desktop: str | None = alerting.desktop
        if desktop == "auto":
            desktop = _known_desktop(environ)
        return cls(bell=alerting.bell, desktop=None if desktop == "off" else desktop)


def _known_desktop(environ: Mapping[str, str]) -> str | None:
    term = environ.get("TERM", "")
    if environ.get("TMUX"):
        return None  # tmux swallows the escape unless told to pass it through
    if environ.get("TERM_PROGRAM") in _OSC9_TERMINALS or term == "xterm-kitty":
        return "osc9"
    if term.startswith(("foot", "rxvt")):
        return "osc777"
    return None


def desktop_escape(kind: str, title: str, body: str) -> str:
    """The escape that asks the terminal for a desktop notification; customers' names and
    subjects go into it, so control characters (and OSC 777's separator) are taken out."""
    title, body = _clean(title), _clean(body)
    if kind == "osc777":
        return f"\x1b]777;notify;{title.replace(';', ',')};{body.replace(';', ',')}\x07"
    return f"\x1b]9;{title}: {body}\x07"


def _clean(text: str) -> str:
    return "".join(c if c.isprintable() else " " for c in text)


class TimerReminders:
    """The reminders a running timer is due, each once per timer: it has run long, or it
    has run on from support hours into after-hours."""

    def __init__(self, workflow: TimerWorkflow) -> None:
        self._after = (
            timedelta(minutes=workflow.remind_after_minutes)
            if workflow.remind_after_minutes
            else None
        )
        self._into_after_hours = workflow.remind_into_after_hours
        self._timer: tuple[str, datetime | None] | None = None
        self._long_said = False
        self._was_support_time: bool | None = None

    def due(self, timer: Timer, elapsed: timedelta, support_time: bool) -> list[str]:
        """What to remind of now; call once a second with the timer and where it stands."""
        first = timer.segments[0].start if timer.segments else timer.running_since
        if self._timer != (timer.incident_id, first):
            self._timer = (timer.incident_id, first)
            self._long_said = self._after is not None and elapsed >= self._after
            self._was_support_time = support_time
        said = []
        if timer.running_since is not None:
            if self._after is not None and not self._long_said and elapsed >= self._after:
                self._long_said = True
                minutes = int(elapsed.total_seconds() // 60)
                said.append(
                    _("The timer on {ref} has run {time}; still working on it?").format(
                        ref=timer.ref or timer.incident_id,
                        time=f"{minutes // 60}:{minutes % 60:02d}",
                    )
                )
            if self._into_after_hours and self._was_support_time and not support_time:
                said.append(
                    _(
                        "The timer on {ref} now runs in after-hours: from here on its time "
                        "is charged with the surcharge."
                    ).format(ref=timer.ref or timer.incident_id)
                )
        self._was_support_time = support_time
        return said
