"""Which sessions of one technician overlap in time: one person cannot do two jobs at once.

An overlap is flagged, never refused: two sessions that overlap may both be right (a call
taken during a visit), so saving one says so and a statement marks its line. Segments
that only touch (one ends at 14:00, the next starts at 14:00) do not overlap, and a
session of no time (a deleted one) overlaps nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from core.models import Session

__all__ = ["overlap", "overlapping"]


def overlap(a: Session, b: Session) -> bool:
    """Whether two sessions of one technician share some time (a session never with itself)."""
    if a.id == b.id or a.technician != b.technician:
        return False
    return any(
        x.start < y.end and y.start < x.end and x.start < x.end and y.start < y.end
        for x in a.segments
        for y in b.segments
    )


def overlapping(sessions: Iterable[Session]) -> frozenset[str]:
    """The ids of the sessions that overlap another of the same technician among ``sessions``.

    One sweep over the segments in order of start, so a month of sessions costs its sort.
    """
    spans = sorted(
        (segment.start, segment.end, session.technician, session.id)
        for session in sessions
        for segment in session.segments
        if segment.end > segment.start
    )
    found: set[str] = set()
    # Per technician, the segment that reaches furthest so far, and whose it is: a session's
    # own segments never overlap (core.pricing), so any other that starts before it overlaps.
    furthest: dict[str, tuple[datetime, str]] = {}
    for start, end, technician, session_id in spans:
        reach = furthest.get(technician)
        if reach is not None and start < reach[0] and reach[1] != session_id:
            found.update((session_id, reach[1]))
        if reach is None or end > reach[0]:
            furthest[technician] = (end, session_id)
    return frozenset(found)
