"""How support is given: the channels a session is priced by (SPEC §3).

Its own module, so a command that only names channels (``vardia timer``'s options) does
not load the record models; ``core.models`` uses it and offers it too. The channels' names
as a person reads them are here as well, for the app and the documents the server writes.
"""

from __future__ import annotations

from enum import StrEnum

from core.i18n import N_, Labels

__all__ = ["CHANNEL_LABELS", "Channel"]


class Channel(StrEnum):
    """How support is given."""

    PHONE = "phone"
    REMOTE = "remote"
    OFFICE = "office"
    ONSITE = "onsite"
    WRITTEN = "written"


CHANNEL_LABELS = Labels(
    {
        Channel.PHONE: N_("phone"),
        Channel.REMOTE: N_("remote"),
        Channel.OFFICE: N_("at our office"),
        Channel.ONSITE: N_("on site"),
        Channel.WRITTEN: N_("written"),
    }
)
"""A channel as a person reads it, in the app and on the documents a customer receives."""
