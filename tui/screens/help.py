"""Every key of the screen underneath and of the app, with its binding id for the keymap."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from core.i18n import _
from tui.keymap import KEYMAP_FILE

__all__ = ["HelpScreen", "help_text"]


def help_text(screen: Screen[object]) -> str:
    """One line per key the screen answers to: key, what it does, the id to remap it."""
    rows: list[tuple[str, str, str]] = []
    seen: set[tuple[str, str]] = set()
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if not binding.id or not binding.description or (binding.action, key) in seen:
            continue
        seen.add((binding.action, key))
        rows.append((screen.app.get_key_display(binding), binding.description, binding.id or ""))
    width = max((len(key) for key, _d, _i in rows), default=4)
    lines = [f"{key:>{width}}  {description:<26} {ident}" for key, description, ident in rows]
    lines.append("")
    lines.append(
        _("Ctrl+P opens the command palette. Remap keys in {file}, e.g.").format(file=KEYMAP_FILE)
    )
    lines.append('  [keymap]\n  "timer.stop" = "X"')
    return "\n".join(lines)


class HelpScreen(ModalScreen[None]):
    """The keys of the screen it was opened from; any of Esc, q or ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", _("Close"), id="help.close"),
    ]

    def __init__(self, under: Screen[object]) -> None:
        super().__init__(classes="dialog")
        self._text = help_text(under)

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog-box", id="help-box"):
            yield Static(_("Keys"), classes="dialog-title")
            yield Static(Content(self._text), id="help-keys")
