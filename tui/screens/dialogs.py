"""Small modal dialogs: pick one of a list, type a line of text, stop the timer."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import ClassVar, Generic, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from core.bounds import Bounds
from core.errors import InputError
from core.i18n import _
from core.models import Expenses
from core.money import entered_amount

__all__ = ["ChoiceDialog", "StopDialog", "StopRequest", "TextDialog"]

T = TypeVar("T")


class ChoiceDialog(ModalScreen[T | None], Generic[T]):
    """A titled list; Enter picks the highlighted choice, Esc picks nothing."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", _("Cancel"), id="dialog.cancel"),
    ]

    def __init__(self, title: str, choices: Sequence[tuple[str, T]], *, initial: int = 0) -> None:
        super().__init__(classes="dialog")
        self._title = title
        self._choices = list(choices)
        self._initial = initial

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(self._title, classes="dialog-title")
            yield OptionList(
                *(Option(label, id=str(index)) for index, (label, _v) in enumerate(self._choices))
            )
            yield Static(_("Enter choose · Esc cancel"), classes="dialog-help")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = self._initial
        options.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self._choices[event.option_index][1])


class TextDialog(ModalScreen[str | None]):
    """A text (a note, a reason); Ctrl+S saves it, as in every dialog that saves, and Enter
    starts a new line. Empty text is refused with a message."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", _("Cancel"), id="dialog.cancel"),
        Binding("ctrl+s", "save", _("Save"), id="dialog.save"),
    ]

    def __init__(
        self,
        title: str,
        *,
        placeholder: str = "",
        value: str = "",
        check: Callable[[str], object] | None = None,
    ) -> None:
        """``check`` refuses a text with an InputError, shown under the field."""
        super().__init__(classes="dialog")
        self._title = title
        self._placeholder = placeholder
        self._value = value
        self._check = check

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="text-box"):
            yield Label(self._title, classes="dialog-title")
            yield TextArea(self._value, placeholder=self._placeholder, id="dialog-text")
            yield Static("", classes="field-error")
            yield Static(_("Ctrl+S save · Esc cancel"), classes="dialog-help")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_save(self) -> None:
        text = self.query_one(TextArea).text.strip()
        error = self.query_one(".field-error", Static)
        if not text:
            error.update(_("Type something, or Esc to cancel."))
            return
        if self._check is not None:
            try:
                self._check(text)
            except InputError as refused:
                error.update(str(refused))
                return
        self.dismiss(text)


class StopRequest:
    """What the technician entered when stopping the timer."""

    def __init__(self, note: str, expenses: Expenses) -> None:
        self.note = note
        self.expenses = expenses


class StopDialog(ModalScreen[StopRequest | None]):
    """Stop the timer: a note and, for an on-site visit out of town, the expenses."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", _("Keep timing"), id="stop.cancel"),
        Binding("ctrl+s", "save", _("Save session"), id="stop.save"),
    ]

    def __init__(self, summary: str, *, expenses: bool, bounds: Bounds) -> None:
        super().__init__(classes="dialog")
        self._summary = summary
        self._expenses = expenses
        self._bounds = bounds

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="stop-box"):
            yield Label(_("Stop the timer"), classes="dialog-title")
            yield Static(self._summary, id="stop-summary")
            yield Label(_("What was done"))
            yield TextArea(id="stop-note")
            if self._expenses:
                yield Label(_("Out-of-town visit: expenses in euros, net"))
                with Grid(id="stop-expenses"):
                    yield Label(_("Travel"))
                    yield Input(placeholder="0.00", id="stop-travel")
                    yield Label(_("Parking"))
                    yield Input(placeholder="0.00", id="stop-parking")
                    yield Label(_("Lodging"))
                    yield Input(placeholder="0.00", id="stop-lodging")
            yield Static("", classes="field-error", id="stop-error")
            yield Static(_("Ctrl+S save the session · Esc keep timing"), classes="dialog-help")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        expenses = Expenses()
        note = self.query_one(TextArea).text.strip()
        try:
            self._bounds.check_text(note, "note", _("note"))
            if self._expenses:
                expenses = Expenses(
                    travel=self._amount("#stop-travel", _("travel expense")),
                    parking=self._amount("#stop-parking", _("parking expense")),
                    lodging=self._amount("#stop-lodging", _("lodging expense")),
                )
        except InputError as error:
            self.query_one("#stop-error", Static).update(str(error))
            return
        self.dismiss(StopRequest(note, expenses))

    def _amount(self, field: str, what: str) -> Decimal:
        text = self.query_one(field, Input).value
        return entered_amount(self._bounds, text, what, expense=True)
