"""A stopwatch reading: the one figure the timer shows everywhere (bar, status, CLI).

Apart from ``tui.format``, which loads the language's CLDR data and the models, so that
``vardia timer status`` stays within its start-up budget (SPEC §9).
"""

from __future__ import annotations

from datetime import timedelta

__all__ = ["elapsed"]


def elapsed(delta: timedelta) -> str:
    """A stopwatch reading, ``1:02:03``."""
    seconds = max(0, int(delta.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"
