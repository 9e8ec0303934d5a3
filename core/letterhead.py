"""The vendor's letterhead: who a statement comes from, as the configuration says.

Loaded by ``core.rules.load_letterhead`` from the shipped ``letterhead.toml`` overridden by
the configuration directory's, like the price list. The logo, if any, is a file beside the
configuration; a document embeds it (a data URI), so the document needs nothing else.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from core.errors import ConfigError
from core.i18n import _

__all__ = ["LOGO_TYPES", "Letterhead"]

LOGO_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
}
"""The images a browser shows in any document, by the file's suffix."""

Field = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]


class Letterhead(BaseModel):
    """The vendor's name, ΑΦΜ, ΔΟΥ, address, phone, e-mail and logo; empty fields are omitted."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Field = ""
    tax_id: Field = ""
    tax_office: Field = ""
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] = ""
    phone: Field = ""
    email: Field = ""
    logo: Path | None = None

    def logo_uri(self) -> str | None:
        """The logo as a ``data:`` URI, or None without one; a ConfigError if it is unreadable."""
        if self.logo is None:
            return None
        try:
            data = self.logo.read_bytes()
        except OSError as error:
            raise ConfigError(
                _(
                    "The letterhead's logo {file} cannot be read ({reason}); fix or remove it."
                ).format(file=self.logo, reason=error.strerror)
            ) from None
        encoded = base64.b64encode(data).decode("ascii")
        return f"data:{LOGO_TYPES[self.logo.suffix.lower()]};base64,{encoded}"
