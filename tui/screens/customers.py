"""Every customer, searched as intake searches them: by id, name (Greek or Latin letters) or
phone. Enter opens one's page, or, when the screen was opened to pick one (``S``), gives it."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from core.i18n import _
from core.intake import matches_customer, ready_for_search
from core.models import Customer
from core.text import fold
from tui.desk import Desk
from tui.messages import CustomerRequest
from tui.screens.base import DeskScreen

__all__ = ["LISTED", "CustomerListScreen"]

LISTED = 200
"""The most customers listed at once: a table of thousands took most of a second to build
at each key typed, and nobody scrolls through them; the search narrows them instead."""


def _plan(desk: Desk, customer: Customer) -> str:
    if customer.contract is None:
        return "—"
    return desk.rules.plans.label(customer.contract.plan)


class CustomerListScreen(DeskScreen):
    """The customers, narrowed as the technician types."""

    CSS_PATH = "customers.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", _("Back"), id="customers.close"),
        Binding("down", "to_list", _("To the list"), show=False, id="customers.to_list"),
    ]

    class OpenCustomer(CustomerRequest):
        """Open the customer's page."""

    class Loaded(Message):
        def __init__(self, customers: list[Customer]) -> None:
            super().__init__()
            self.customers = customers

    def __init__(
        self, desk: Desk, *, title: str = "", pick: Callable[[str], None] | None = None
    ) -> None:
        super().__init__(desk)
        self._title = title or _("Customers")
        self._pick = pick
        """Given the chosen customer's id instead of opening its page."""
        self.customers: list[Customer] = []
        self.shown: list[Customer] = []

    def compose_body(self) -> ComposeResult:
        yield Static(self._title, id="customers-title")
        yield Input(placeholder=_("Search id, name or phone…"), id="customers-search")
        yield DataTable(id="customers-table", cursor_type="row")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(_("id"), _("name"), _("plan"), _("phone"))
        self.query_one(Input).focus()
        self._load()

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="customers", exit_on_error=False)
    def _load(self) -> None:
        customers = self.desk.customers()
        self.post_message(self.Loaded(customers))
        ready_for_search(customers)  # while the list is drawn, not before

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.customers = sorted(message.customers, key=lambda c: fold(c.name))
        self._show()

    @on(Input.Changed, "#customers-search")
    def _typed(self) -> None:
        self._show()

    def _show(self) -> None:
        typed = self.query_one(Input).value.strip()
        wanted = fold(typed)
        self.shown = [
            c
            for c in self.customers
            if not typed or fold(c.id).startswith(wanted) or matches_customer(c, typed)
        ]
        table = self.query_one(DataTable)
        table.clear()
        for c in self.shown[:LISTED]:
            table.add_row(
                c.id, c.name, _plan(self.desk, c), c.phones[0] if c.phones else "", key=c.id
            )
        title = _("{title} · {n} of {total}").format(
            title=self._title, n=len(self.shown), total=len(self.customers)
        )
        if len(self.shown) > LISTED:
            title += " " + _("(the first {listed} listed: type on to narrow)").format(listed=LISTED)
        self.query_one("#customers-title", Static).update(title)

    @on(Input.Submitted, "#customers-search")
    def _submitted(self) -> None:
        """Enter in the search takes the first customer listed."""
        if self.shown:
            self._chosen(self.shown[0].id)

    @on(DataTable.RowSelected, "#customers-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self._chosen(event.row_key.value)

    def _chosen(self, customer_id: str) -> None:
        if self._pick is None:
            self.post_message(self.OpenCustomer(customer_id))
            return
        pick = self._pick
        self.dismiss()
        pick(customer_id)

    def action_to_list(self) -> None:
        self.query_one(DataTable).focus()

    def action_close(self) -> None:
        self.dismiss()
