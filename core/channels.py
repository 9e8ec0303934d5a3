"""How support is given: the channels a session is priced by (SPEC §3).

Its own module, so a command that only names channels (``vardia timer``'s options) does
not load the record models; ``core.models`` uses it and offers it too.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Channel"]


class Channel(StrEnum):
    """How support is given."""

    PHONE = "phone"
    REMOTE = "remote"
    OFFICE = "office"
    ONSITE = "onsite"
    WRITTEN = "written"
