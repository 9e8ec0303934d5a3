"""A customer: contract and plan, what is used and left this year, overdue amount, history."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, Static

from core.i18n import _
from core.intake import contract_in_force_at
from core.models import Customer, Incident
from core.plans import PriceList
from tui.desk import Desk
from tui.format import STATUS_LABELS, customer_details, date_text, money, short_at
from tui.messages import IncidentRequest
from tui.screens.base import DeskScreen

__all__ = ["CustomerScreen", "customer_summary"]


def customer_summary(
    customer: Customer, included_hours: list[str], plans: PriceList, *, in_force: bool
) -> str:
    """The contract, entitlements and money of a customer, as lines of text."""
    lines = [customer.name, *customer_details(customer)]
    contract = customer.contract
    if contract is None:
        lines.append(_("! No contract: served as free"))
    else:
        pack = f" + {plans.label(contract.premium_pack)}" if contract.premium_pack else ""
        lines.append(
            _("Plan {plan}{pack} · {start} → {end}{lease}{expired}").format(
                plan=plans.label(contract.plan),
                pack=pack,
                start=date_text(contract.valid_from),
                end=date_text(contract.valid_until),
                lease=_(" · leased") if contract.leased else "",
                expired="" if in_force else _(" · ! EXPIRED (served as free)"),
            )
        )
    lines.extend(_("Included {text}").format(text=text) for text in included_hours)
    entitlements = customer.entitlements
    if contract is not None and contract.premium_pack and entitlements is not None:
        lines.append(
            _("Premium incidents used this year: {n}").format(n=entitlements.premium_incidents_used)
        )
    lines.append(_("Prepaid credit: {amount}").format(amount=money(customer.prepaid_credit)))
    if customer.overdue_amount:
        lines.append(
            _("! OVERDUE {amount}: blocked until paid (intake needs an override reason)").format(
                amount=money(customer.overdue_amount)
            )
        )
    else:
        lines.append(_("Nothing overdue"))
    return "\n".join(lines)


class CustomerScreen(DeskScreen):
    """One customer's contract, entitlements and incident history."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", _("Back"), id="customer.back"),
        Binding("n", "app.intake", _("New incident"), id="customer.intake"),
    ]

    class OpenIncident(IncidentRequest):
        """Open the page of one of the customer's incidents."""

    class Loaded(Message):
        """The customer's summary and incidents were read (by the screen's worker)."""

        def __init__(self, summary: str, incidents: list[Incident]) -> None:
            super().__init__()
            self.summary = summary
            self.incidents = incidents

    def __init__(self, desk: Desk, customer_id: str) -> None:
        super().__init__(desk)
        self.customer_id = customer_id
        self._incidents: list[Incident] = []

    @property
    def current_incident_id(self) -> str | None:
        table = self.query_one(DataTable)
        if not self._incidents or table.cursor_row >= len(self._incidents):
            return None
        return self._incidents[table.cursor_row].id

    @property
    def current_customer_id(self) -> str | None:
        return self.customer_id

    def compose_body(self) -> ComposeResult:
        with Vertical(id="customer-body"):
            yield Static(_("Loading…"), id="customer-summary")
            yield Static(_("Incidents"), classes="section-title")
            yield DataTable(id="customer-history", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(_("ref"), _("opened"), _("status"), _("plan"), _("subject"))
        table.focus()
        self.reload()

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="customer", exit_on_error=False)
    def _load(self) -> None:
        desk = self.desk
        customer, incidents = desk.customer_detail(self.customer_id)
        included = desk.included_hours(customer)
        in_force = contract_in_force_at(desk.rules, customer, desk.clock.now())
        summary = customer_summary(customer, included, desk.rules.plans, in_force=in_force)
        self.post_message(self.Loaded(summary, incidents))

    @on(Loaded)
    def _show(self, message: Loaded) -> None:
        incidents = self._incidents = message.incidents
        self.query_one("#customer-summary", Static).update(Content(message.summary))
        table = self.query_one(DataTable)
        table.clear()
        for incident in incidents:
            table.add_row(
                incident.ref,
                short_at(incident.opened_at),
                STATUS_LABELS[incident.status],
                self.desk.rules.plans.label(incident.plan),
                incident.subject,
                key=incident.id,
            )

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.post_message(self.OpenIncident(event.row_key.value))
