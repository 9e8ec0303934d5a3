"""Textual's own words that vardia shows, marked for the catalog.

The command palette lists Textual's key bindings and system commands beside vardia's; the
app translates their titles and help where it lists them (``VardiaApp.get_system_commands``).
"""

from __future__ import annotations

from core.i18n import N_

__all__ = ["TEXTUAL_WORDS"]

TEXTUAL_WORDS = (
    N_("Bottom"),
    N_("Copy selected text"),
    N_("Cursor down"),
    N_("Cursor left"),
    N_("Cursor right"),
    N_("Cursor up"),
    N_("Cut selected text"),
    N_("Delete all to the right"),
    N_("Delete character left"),
    N_("Delete character right"),
    N_("End"),
    N_("Focus Next"),
    N_("Focus Previous"),
    N_("Go to end"),
    N_("Go to start"),
    N_("Home"),
    N_("Move cursor left"),
    N_("Move cursor left a word"),
    N_("Page Down"),
    N_("Page Left"),
    N_("Page Right"),
    N_("Page Up"),
    N_("Paste text from the clipboard"),
    N_("Scroll Down"),
    N_("Scroll End"),
    N_("Scroll Home"),
    N_("Scroll Left"),
    N_("Scroll Right"),
    N_("Scroll Up"),
    N_("Select"),
    N_("Select all"),
    N_("Select line end"),
    N_("Select line start"),
    N_("Show menu"),
    N_("Submit"),
    N_("Top"),
    N_("select word"),
    N_("Bell"),
    N_("Ring the bell"),
    N_("Theme"),
    N_("Change the current theme"),
    N_("Quit the application as soon as possible"),
    N_("Hide the keys and widget help panel"),
    N_("Show help for the focused widget and a summary of available keys"),
    N_("Minimize"),
    N_("Minimize the widget and restore to normal size"),
    N_("Maximize"),
    N_("Maximize the focused widget"),
    N_("Screenshot"),
    N_("Save an SVG 'screenshot' of the current screen"),
    N_("Search for commands…"),
)
