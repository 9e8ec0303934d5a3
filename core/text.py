"""Text as people search it: Greek accents and letter case make no difference."""

from __future__ import annotations

import unicodedata

__all__ = ["fold"]


def fold(text: str) -> str:
    """``Φαρμακείο`` → ``φαρμακειο``, so a search typed without accents still finds it."""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
