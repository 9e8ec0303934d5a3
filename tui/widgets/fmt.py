"""Turns durations, instants and money into the short strings the screens show."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from core.calendar import ATHENS
from core.i18n import _

__all__ = ["ATHENS", "at_athens", "countdown", "elapsed", "hours", "money", "short_at"]


def countdown(delta: timedelta) -> str:
    """``2h 14m``, ``-35m 08s`` (seconds only within the hour), ``3d 04h``: fits in 8 cells."""
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{sign}{days}d {hours:02d}h"
    if hours:
        return f"{sign}{hours}h {minutes:02d}m"
    return f"{sign}{minutes}m {secs:02d}s"


def elapsed(delta: timedelta) -> str:
    """A stopwatch reading, ``1:02:03``."""
    seconds = max(0, int(delta.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def hours(minutes: Decimal) -> str:
    """Minutes as ``h:mm``, the way a timesheet reads."""
    whole = int(minutes.to_integral_value())
    return f"{whole // 60}:{whole % 60:02d}"


def money(amount: Decimal) -> str:
    return f"{amount:.2f} €"


def at_athens(at: datetime) -> datetime:
    return at.astimezone(ATHENS)


def short_at(at: datetime | None) -> str:
    """An instant as a technician in Athens reads it: ``Mon 23 Nov 17:00``."""
    if at is None:
        return _("—")
    return at_athens(at).strftime("%a %d %b %H:%M")
