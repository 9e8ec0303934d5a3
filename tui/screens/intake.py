"""Intake: open an incident, with the customer's eligibility shown live as it is chosen."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from core.bounds import TextKind
from core.errors import InputError
from core.i18n import _
from core.intake import matches_customer, ready_for_search
from core.models import OUT_OF_SCOPE, Answer, Category, Channel, Customer
from core.plans import PriceList
from core.text import fold
from tui.desk import Assessment, Desk, IntakeForm
from tui.format import CHANNEL_LABELS, eligibility_lines, ledger_age, money, short_at
from tui.screens.base import DeskScreen
from tui.screens.dialogs import ChoiceDialog

__all__ = ["CATEGORY_LABELS", "PREMIUM_HOURS_ONLY", "IntakeScreen", "eligibility_text"]

CATEGORY_LABELS = {
    Category.SOFTWARE: _("Software fault"),
    Category.HOW_TO: _("How-to question"),
    Category.DATA: _("Data problem"),
    Category.INSTALLATION: _("Installation"),
    Category.OTHER: _("Other"),
    Category.OPERATING_SYSTEM: _("Operating system / OS training (out of scope)"),
    Category.GREEK_DISPLAY: _("Greek display or printing (out of scope)"),
    Category.NETWORK_STORAGE: _("Network or storage fault (out of scope)"),
    Category.HARDWARE: _("Hardware upgrade or repair (out of scope)"),
    Category.UNSUITABLE_EQUIPMENT: _("Unsuitable equipment or consumables (out of scope)"),
    Category.VIRUS: _("Virus (out of scope)"),
    Category.TRAINING: _("Training: OS, Internet, image editing, Office (out of scope)"),
}

PREMIUM_HOURS_ONLY = _(
    "◐ premium covers working hours only: time worked after hours is billed at free rates, "
    "with the surcharge"
)
"""Said of a premium incident opened after hours, at intake and on the incident (SPEC §3)."""

_ANSWERS = [(_("unknown"), Answer.UNKNOWN), (_("yes"), Answer.YES), (_("no"), Answer.NO)]
_MATCHES = 6
_FIELDS = ("customer", "subject", "description", "override", "premium")
"""The fields that can stop a save, in form order; each has an ``#intake-<field>-error``."""
_TYPED = ("customer", "subject", "description", "scope-reason", "override")
"""The fields a person types into: any of them filled makes leaving ask first."""


def eligibility_text(assessment: Assessment, plans: PriceList) -> str:
    """The eligibility panel: what the customer is entitled to if the incident opened now."""
    found = assessment.eligibility
    lines = eligibility_lines(found, plans)
    if found.blocked:
        lines.append(_("Continuing needs an override reason."))
    if assessment.premium_exhausted:
        lines.append(_("✖ no premium incident left: bill hourly at free rates, or decline"))
    elif found.premium_left is not None:
        lines.append(_("premium incidents left after this one: {n}").format(n=found.premium_left))
        if assessment.after_hours:
            lines.append(PREMIUM_HOURS_ONLY)
    lines.extend(assessment.included)
    lines.append(
        _("prepaid credit: {amount} · {ledger}").format(
            amount=money(assessment.credit),
            ledger=ledger_age(assessment.ledger_as_of, assessment.assessed_at),
        )
    )
    lines.append("")
    lines.append(_("Opening now, due {deadline}").format(deadline=short_at(assessment.deadline)))
    lines.append(_("(warning from {warn})").format(warn=short_at(assessment.warn_at)))
    return "\n".join(lines)


class IntakeScreen(DeskScreen):
    """A new incident: customer, subject, description, category, channel, prerequisites."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", _("Leave without saving"), id="intake.cancel"),
        Binding("ctrl+s", "save", _("Open the incident"), id="intake.save"),
    ]

    class Submitted(Message):
        """The form is complete: open the incident it describes."""

        def __init__(self, form: IntakeForm) -> None:
            super().__init__()
            self.form = form

    class CustomersLoaded(Message):
        """The customers to pick from were read (by the screen's worker)."""

        def __init__(self, customers: list[Customer]) -> None:
            super().__init__()
            self.customers = customers

    class Assessed(Message):
        """What opening an incident now would give was worked out (by the screen's worker)."""

        def __init__(self, assessment: Assessment) -> None:
            super().__init__()
            self.assessment = assessment

    def __init__(self, desk: Desk) -> None:
        super().__init__(desk)
        self._customers: list[Customer] = []
        self._matches: list[Customer] = []
        self.customer: Customer | None = None
        self.assessment: Assessment | None = None

    def compose_body(self) -> ComposeResult:
        def row(label: str, *widgets: Widget, row_id: str | None = None) -> Horizontal:
            return Horizontal(
                Label(label, classes="field-label"), *widgets, classes="field-row", id=row_id
            )

        with Horizontal(id="intake-body"):
            with VerticalScroll(id="intake-form"):
                yield row(
                    _("Customer"),
                    Input(id="intake-customer", placeholder=_("type a name or id"), compact=True),
                )
                yield OptionList(id="intake-matches", compact=True)
                yield Static("", classes="field-error", id="intake-customer-error")
                yield row(_("Subject"), Input(id="intake-subject", compact=True))
                yield Static("", classes="field-error", id="intake-subject-error")
                yield row(_("Description"), Input(id="intake-description", compact=True))
                yield Static("", classes="field-error", id="intake-description-error")
                yield row(
                    _("Category"),
                    Select(
                        [(label, category) for category, label in CATEGORY_LABELS.items()],
                        value=Category.SOFTWARE,
                        allow_blank=False,
                        compact=True,
                        id="intake-category",
                    ),
                )
                yield Static("", id="intake-scope-note")
                yield row(
                    _("Scope reason"),
                    Input(
                        id="intake-scope-reason",
                        placeholder=_("why it is in scope (optional)"),
                        compact=True,
                    ),
                    row_id="intake-scope-row",
                )
                yield row(
                    _("Requested via"),
                    Select(
                        [(CHANNEL_LABELS[c], c) for c in Channel],
                        value=Channel.PHONE,
                        allow_blank=False,
                        compact=True,
                        id="intake-via",
                    ),
                )
                yield row(
                    _("Backups exist"),
                    Select(
                        _ANSWERS,
                        value=Answer.UNKNOWN,
                        allow_blank=False,
                        compact=True,
                        id="intake-backups",
                    ),
                )
                yield row(
                    _("No 3rd party"),
                    Select(
                        _ANSWERS,
                        value=Answer.UNKNOWN,
                        allow_blank=False,
                        compact=True,
                        id="intake-third-party",
                    ),
                )
                yield row(
                    _("No premium"),
                    Select(
                        [(_("bill hourly at free rates"), True), (_("decline it"), False)],
                        value=True,
                        allow_blank=False,
                        compact=True,
                        id="intake-premium",
                    ),
                    row_id="intake-premium-row",
                )
                yield Static("", classes="field-error", id="intake-premium-error")
                yield row(
                    _("Override"),
                    Input(
                        id="intake-override",
                        placeholder=_("why serve a blocked customer"),
                        compact=True,
                    ),
                    row_id="intake-override-row",
                )
                yield Static("", classes="field-error", id="intake-override-error")
                yield Static(
                    _("Tab next field · Ctrl+S open · Esc leave"),
                    classes="muted",
                )
            with Vertical(id="intake-eligibility"):
                yield Static(_("Eligibility"), classes="section-title")
                yield Static(_("Choose a customer."), id="intake-eligibility-text")

    def on_mount(self) -> None:
        self.query_one("#intake-customer", Input).focus()
        self._load_customers()

    @work(thread=True, exclusive=True, group="intake-customers", exit_on_error=False)
    def _load_customers(self) -> None:
        customers = self.desk.customers()
        self.post_message(self.CustomersLoaded(customers))
        ready_for_search(customers)  # while the form is used, not before

    @on(CustomersLoaded)
    def _customers_loaded(self, message: CustomersLoaded) -> None:
        self._customers = message.customers
        self._show_matches(self.query_one("#intake-customer", Input).value)

    # ---- the customer picker ----------------------------------------------------------

    def _show_matches(self, text: str) -> None:
        needle = fold(text.strip())
        matches = [c for c in self._customers if needle in fold(c.id) or matches_customer(c, text)]
        self._matches = matches[:_MATCHES]
        options = self.query_one("#intake-matches", OptionList)
        options.clear_options()
        options.add_options(
            Option(Content(f"{c.name} · {c.city}" if c.city else c.name)) for c in self._matches
        )
        options.display = bool(self._matches) and self.customer is None
        if self._matches:
            options.highlighted = 0

    @on(Input.Changed, "#intake-customer")
    def _customer_typed(self, event: Input.Changed) -> None:
        if self.customer is not None and event.value != self.customer.name:
            self.customer = None
            self.assessment = None
            self.query_one("#intake-eligibility-text", Static).update(_("Choose a customer."))
        self._show_matches(event.value)

    def on_key(self, event: object) -> None:
        key = getattr(event, "key", "")
        if self.focused is self.query_one("#intake-customer", Input) and key in ("down", "up"):
            options = self.query_one("#intake-matches", OptionList)
            if options.display:
                options.action_cursor_down() if key == "down" else options.action_cursor_up()
                getattr(event, "stop", lambda: None)()

    @on(Input.Submitted, "#intake-customer")
    def _customer_entered(self) -> None:
        options = self.query_one("#intake-matches", OptionList)
        if options.display and options.highlighted is not None:
            self._choose(self._matches[options.highlighted])

    @on(OptionList.OptionSelected, "#intake-matches")
    def _customer_clicked(self, event: OptionList.OptionSelected) -> None:
        self._choose(self._matches[event.option_index])

    def _choose(self, customer: Customer) -> None:
        self.customer = customer
        self.query_one("#intake-customer", Input).value = customer.name
        self.query_one("#intake-matches", OptionList).display = False
        self._error("#intake-customer-error", "")
        self.query_one("#intake-subject", Input).focus()
        self._assess()

    # ---- the live eligibility panel ---------------------------------------------------

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "intake-category":
            category = event.value
            out = category in OUT_OF_SCOPE
            self.query_one("#intake-scope-note", Static).update(
                _(
                    "Out of scope: needs a separate agreement, so it is billed at free rates "
                    "unless you give a reason below."
                )
                if out
                else ""
            )
            self.query_one("#intake-scope-row").display = out
        if event.select.id in ("intake-category", "intake-via"):
            self._assess()

    def _assess(self) -> None:
        if self.customer is None:
            return
        reason = self.query_one("#intake-scope-reason", Input).value.strip() or None
        self._run_assess(self.customer.id, self._category(), self._via(), reason)

    @on(Input.Changed, "#intake-scope-reason")
    def _scope_reason_typed(self) -> None:
        self._assess()

    @work(thread=True, exclusive=True, group="intake-assess", exit_on_error=False)
    def _run_assess(
        self, customer_id: str, category: Category, via: Channel, reason: str | None
    ) -> None:
        self.post_message(self.Assessed(self.desk.assess(customer_id, category, via, reason)))

    @on(Assessed)
    def _assessed(self, message: Assessed) -> None:
        assessment = message.assessment
        if self.customer is None or assessment.customer_id != self.customer.id:
            return
        self.assessment = assessment
        self.query_one("#intake-eligibility-text", Static).update(
            Content(eligibility_text(assessment, self.desk.rules.plans))
        )
        self.set_class(assessment.eligibility.blocked, "-blocked")
        self.set_class(assessment.premium_exhausted, "-no-premium")

    def _category(self) -> Category:
        value = self.query_one("#intake-category", Select).value
        return value if isinstance(value, Category) else Category.SOFTWARE

    def _via(self) -> Channel:
        value = self.query_one("#intake-via", Select).value
        return value if isinstance(value, Channel) else Channel.PHONE

    def _answer(self, selector: str) -> Answer:
        value = self.query_one(selector, Select).value
        return value if isinstance(value, Answer) else Answer.UNKNOWN

    def _error(self, selector: str, message: str) -> None:
        error = self.query_one(selector, Static)
        error.update(message)
        error.set_class(bool(message), "-shown")

    # ---- saving -----------------------------------------------------------------------

    def _out_of_bounds(self) -> dict[str, str]:
        """The typed texts the bounds refuse (too long), by field: said as soon as typed."""
        found: dict[str, str] = {}
        texts: tuple[tuple[str, TextKind, str], ...] = (
            ("subject", "subject", _("subject")),
            ("description", "description", _("description")),
            ("override", "reason", _("override reason")),
        )
        for field, kind, what in texts:
            try:
                text = self.query_one(f"#intake-{field}", Input).value.strip()
                self.desk.rules.bounds.check_text(text, kind, what)
            except InputError as error:
                found[field] = str(error)
        return found

    def _problems(self) -> dict[str, str]:
        """What stops the save, by field (in form order); empty when the form can be saved."""
        found: dict[str, str] = {}
        if self.customer is None:
            found["customer"] = _("Choose a customer from the list.")
        if not self.query_one("#intake-subject", Input).value.strip():
            found["subject"] = _("Say in a few words what the problem is.")
        for field, problem in self._out_of_bounds().items():
            found.setdefault(field, problem)
        assessment = self.assessment
        if assessment is not None:
            override = self.query_one("#intake-override", Input).value.strip()
            if assessment.eligibility.blocked and not override:
                found["override"] = _(
                    "This customer is blocked for overdue amounts: write why you serve them anyway."
                )
            if assessment.premium_exhausted and self._bill_hourly() is False:
                found["premium"] = _(
                    "You chose to decline it: Esc leaves without opening anything."
                )
        return found

    def _bill_hourly(self) -> bool:
        return self.query_one("#intake-premium", Select).value is True

    @on(Input.Changed)
    @on(Select.Changed)
    def _recheck(self) -> None:
        """A field's error goes as soon as the field is right; a text too long is said as it is
        typed (a pasted page is refused there, not at the save); other errors wait for the save."""
        problems = self._problems()
        too_long = self._out_of_bounds()
        for field in _FIELDS:
            if field in too_long:
                self._error(f"#intake-{field}-error", too_long[field])
            elif field not in problems:
                self._error(f"#intake-{field}-error", "")

    # ---- leaving ----------------------------------------------------------------------

    def filled(self) -> bool:
        """Whether anything was typed that leaving would throw away."""
        return any(self.query_one(f"#intake-{field}", Input).value.strip() for field in _TYPED)

    def action_leave(self) -> None:
        """Leave at once when nothing was typed; otherwise ask first, keeping the form."""
        if not self.filled():
            self.dismiss()
            return
        choices = [(_("Keep editing"), False), (_("Leave: what I typed is not saved"), True)]

        def decided(leave: bool | None) -> None:
            if leave:
                self.dismiss()

        self.app.push_screen(
            ChoiceDialog(_("Leave this form without opening the incident?"), choices), decided
        )

    def action_save(self) -> None:
        problems = self._problems()
        for field in _FIELDS:
            self._error(f"#intake-{field}-error", problems.get(field, ""))
        if problems or self.customer is None:
            first = next(iter(problems), "customer")
            widget = self.query_one(f"#intake-{first}")
            widget.focus()
            widget.scroll_visible(animate=False)
            self.notify(
                _("Not opened: {problem}").format(problem=problems.get(first, "")),
                severity="warning",
            )
            return
        bill_hourly = self._bill_hourly()
        subject = self.query_one("#intake-subject", Input).value.strip()
        override = self.query_one("#intake-override", Input).value.strip()
        form = IntakeForm(
            customer_id=self.customer.id,
            subject=subject,
            description=self.query_one("#intake-description", Input).value.strip(),
            category=self._category(),
            requested_via=self._via(),
            backups=self._answer("#intake-backups"),
            no_third_party=self._answer("#intake-third-party"),
            override_reason=override or None,
            scope_override_reason=self.query_one("#intake-scope-reason", Input).value.strip()
            or None,
            bill_without_premium=bill_hourly,
        )
        self.post_message(self.Submitted(form))
