"""Marks user-facing strings for translation; English is the source language."""

from __future__ import annotations

import gettext
from pathlib import Path

__all__ = ["_", "ngettext"]

_LOCALE_DIR = Path(__file__).parent / "locale"
_translation = gettext.translation("vardia", localedir=_LOCALE_DIR, fallback=True)

_ = _translation.gettext
ngettext = _translation.ngettext
