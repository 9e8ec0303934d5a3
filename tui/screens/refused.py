"""Refused work: operations the server refused, to fix and resend, copy out, or discard.

What each choice does to the device's records is ``core.sync.refused``'s; this screen lists
the refusals and posts what the person chose, and the app does it.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from core.errors import InputError
from core.i18n import _
from core.rules import Rules
from core.sync.refused import Field, check_field
from core.sync.state import Rejection
from tui.desk import Desk, RefusedItem
from tui.format import short_at
from tui.screens.base import Gated, Reloads

__all__ = ["FixDialog", "RefusedScreen"]


def _describe(item: RefusedItem) -> Content:
    head = f"{item.what} · {short_at(item.rejection.at)}"
    return Content.assemble((head, "bold"), "\n", item.rejection.reason)


class RefusedRequest(Message):
    """The person chose what to do with one refused operation."""

    def __init__(self, item: RefusedItem) -> None:
        super().__init__()
        self.item = item

    @property
    def rejection(self) -> Rejection:
        return self.item.rejection


class RefusedScreen(Gated, Reloads, ModalScreen[None]):
    """The refused work kept on this device, newest reason under each; read again after
    every change and sync round, so a refusal resent or discarded leaves the list."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", _("Close"), id="refused.close"),
        Binding("e", "fix", _("Fix and resend"), id="refused.fix"),
        Binding("y", "copy", _("Copy out"), id="refused.copy"),
        Binding("d", "discard", _("Discard"), id="refused.discard"),
    ]

    class Fix(RefusedRequest):
        """Edit the refused operation's fields, then queue it again as a new operation."""

    class Copy(RefusedRequest):
        """Copy the refused operation out: to the clipboard, and to a file."""

    class Discard(RefusedRequest):
        """Give the refused work up, once the person confirmed."""

    class Loaded(Message):
        """The refused work was read (by the screen's worker)."""

        def __init__(self, items: list[RefusedItem]) -> None:
            super().__init__()
            self.items = items

    def __init__(self, desk: Desk) -> None:
        super().__init__(classes="dialog")
        self.desk = desk
        self.items: list[RefusedItem] = []
        self.loaded = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="refused-box"):
            yield Label(_("Refused by the server"), classes="dialog-title")
            yield OptionList()
            yield Static("", id="refused-empty", classes="muted")
            yield Static(
                _("e fix and resend · y copy out · d discard · Esc close"), classes="dialog-help"
            )

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="refused", exit_on_error=False)
    def _load(self) -> None:
        self.post_message(self.Loaded(self.desk.refused()))

    @on(Loaded)
    def _show(self, message: Loaded) -> None:
        options = self.query_one(OptionList)
        index = options.highlighted or 0
        self.items = message.items
        options.clear_options()
        options.add_options(
            Option(_describe(item), id=item.rejection.op_id) for item in message.items
        )
        if self.items:
            options.highlighted = min(index, len(self.items) - 1)
        empty = "" if self.items else _("Nothing was refused.")
        shown = self.query_one("#refused-empty", Static)
        shown.update(empty)
        shown.set_class(not empty, "-clear")
        self.loaded = True

    def _selected(self) -> RefusedItem | None:
        index = self.query_one(OptionList).highlighted
        return self.items[index] if index is not None and self.items else None

    def action_fix(self) -> None:
        if (item := self._selected()) is not None:
            self.post_message(self.Fix(item))

    def action_copy(self) -> None:
        if (item := self._selected()) is not None:
            self.post_message(self.Copy(item))

    def action_discard(self) -> None:
        if (item := self._selected()) is not None:
            self.post_message(self.Discard(item))


class FixDialog(ModalScreen[dict[str, str] | None]):
    """The refused operation's typed fields, to correct; each is checked against the bounds
    as it is saved, and its sentence shown beside it. Dismissed with the values by field."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", _("Cancel"), id="fix.cancel"),
        Binding("ctrl+s", "save", _("Resend"), id="fix.save"),
    ]

    def __init__(self, item: RefusedItem, fields: list[Field], rules: Rules, now: datetime):
        super().__init__(classes="dialog")
        self._item = item
        self._fields = fields
        self._rules = rules
        self._now = now

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="fix-box"):
            yield Label(
                _("Fix and resend: {what}").format(what=self._item.what), classes="dialog-title"
            )
            yield Static(self._item.rejection.reason, id="fix-reason", classes="field-error")
            with VerticalScroll(id="fix-fields"):
                if not self._fields:
                    yield Static(
                        _("Nothing here was typed by a person; resend it as it is."),
                        classes="muted",
                    )
                for index, field in enumerate(self._fields):
                    with Horizontal(classes="fix-row"):
                        yield Label(field.label.capitalize(), classes="fix-label")
                        if field.editable.long:
                            yield TextArea(field.value, id=f"fix-{index}")
                        else:
                            yield Input(field.value, id=f"fix-{index}")
                    yield Static("", id=f"fix-{index}-error", classes="field-error -clear")
            yield Static(_("Ctrl+S resend · Esc cancel"), classes="dialog-help")

    def on_mount(self) -> None:
        # What breaks the device's own bounds is said beside its field at once; the cursor
        # starts in the field the reason names, if it names one.
        self._checked()
        reason = self._item.rejection.reason.casefold()
        named = [i for i, f in enumerate(self._fields) if _(f.editable.label).casefold() in reason]
        if self._fields:
            self.query_one(f"#fix-{(named or [0])[0]}").focus()

    def _text(self, index: int) -> str:
        widget = self.query_one(f"#fix-{index}")
        return (
            widget.text
            if isinstance(widget, TextArea)
            else widget.value
            if isinstance(widget, Input)
            else ""
        )

    def _checked(self) -> dict[str, str] | None:
        """The values by field key, or None when one breaks its bound (said beside it)."""
        values: dict[str, str] = {}
        ok = True
        for index, field in enumerate(self._fields):
            text = self._text(index)
            error = self.query_one(f"#fix-{index}-error", Static)
            try:
                check_field(field, text, self._rules, self._now)
            except InputError as problem:
                error.update(str(problem))
                error.remove_class("-clear")
                ok = False
                continue
            error.update("")
            error.add_class("-clear")
            values[field.key] = text
        return values if ok else None

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        values = self._checked()
        if values is not None:
            self.dismiss(values)
