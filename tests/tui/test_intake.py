"""Intake from the keyboard: type-ahead customer, live eligibility, the overdue block."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from textual.widgets import Input, Label, OptionList, Static

from core.clock import FrozenClock
from core.models import Category, Channel, Customer
from core.store import Store
from tests.tui.data import AppFactory
from tui.app import VardiaApp
from tui.screens.dialogs import ChoiceDialog
from tui.screens.incident import IncidentScreen
from tui.screens.intake import IntakeScreen
from tui.screens.queue import QueueScreen


async def _settle(app: VardiaApp, pilot) -> None:  # type: ignore[no-untyped-def]
    await app.workers.wait_for_complete()
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def _intake(app: VardiaApp, pilot) -> IntakeScreen:  # type: ignore[no-untyped-def]
    """Open the intake from the queue, once the app has loaded."""
    await _settle(app, pilot)
    await pilot.press("n")
    await _settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, IntakeScreen)
    return screen


def _text(screen: IntakeScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_open_an_incident_through_intake(open_app: AppFactory) -> None:
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        before = len(app.desk.load_queue()[0])
        await pilot.press("n")
        await _settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, IntakeScreen)
        await pilot.press(*"delta", "enter")
        await _settle(app, pilot)
        assert screen.customer is not None and screen.customer.name == "Delta Clinic"
        panel = _text(screen, "#intake-eligibility-text")
        assert "contract in force" in panel and "due" in panel
        await pilot.press(*"Printer offline")
        await pilot.press("ctrl+s")
        await _settle(app, pilot)
        assert isinstance(app.screen, IncidentScreen)
        incidents, _customers = app.desk.load_queue()
        assert len(incidents) == before + 1
        opened = app.desk.incident_detail(app.screen.incident_id).incident
        assert opened.subject == "Printer offline" and opened.customer_id == "c0003"


async def test_blocked_customer_needs_an_override_reason(open_app: AppFactory) -> None:
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _intake(app, pilot)
        await pilot.press(*"c0001", "enter")
        await _settle(app, pilot)
        assert "BLOCKED" in _text(screen, "#intake-eligibility-text")
        await pilot.press(*"Cannot print", "ctrl+s")
        await _settle(app, pilot)
        assert isinstance(app.screen, IntakeScreen)
        assert "blocked" in _text(screen, "#intake-override-error")

        screen.query_one("#intake-override", Input).value = "Director promised payment Friday"
        await pilot.press("ctrl+s")
        await _settle(app, pilot)
        assert isinstance(app.screen, IncidentScreen)
        opened = app.desk.incident_detail(app.screen.incident_id).incident
        assert opened.eligibility.blocked
        assert opened.eligibility.override_reason == "Director promised payment Friday"


async def test_escape_leaves_an_empty_form_at_once(open_app: AppFactory) -> None:
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _intake(app, pilot)
        await pilot.press("escape")
        await _settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)


async def test_escape_on_a_filled_form_asks_first(open_app: AppFactory) -> None:
    """Esc twice used to throw a filled form away; now it asks, and keeping is the default."""
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        pending = app.desk.pending_count()
        await pilot.press("n")
        await _settle(app, pilot)
        intake = app.screen
        assert isinstance(intake, IntakeScreen)
        await pilot.press(*"delta", "enter", *"Something", "escape")
        await _settle(app, pilot)
        assert isinstance(app.screen, ChoiceDialog)
        assert "Leave this form" in str(app.screen.query_one(".dialog-title", Label).render())
        # A second Esc (or Enter on the first choice) keeps the form as it was typed.
        await pilot.press("escape")
        await _settle(app, pilot)
        assert app.screen is intake
        assert intake.query_one("#intake-subject", Input).value == "Something"
        await pilot.press("escape", "enter")
        await _settle(app, pilot)
        assert app.screen is intake
        await pilot.press("escape", "down", "enter")
        await _settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
        assert app.desk.pending_count() == pending


async def test_picking_a_customer_moves_focus_and_the_cue_to_subject(
    open_app: AppFactory,
) -> None:
    """The Tab typed after a pick no longer skips Subject: focus is there, and its label says so."""
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _intake(app, pilot)

        def cued() -> list[str]:
            return [
                str(label.render())
                for label in screen.query(".field-label").results(Label)
                if label.styles.text_style.reverse
            ]

        assert cued() == ["Customer"]
        await pilot.press(*"delta", "enter")
        await _settle(app, pilot)
        assert app.focused is screen.query_one("#intake-subject", Input)
        assert cued() == ["Subject"]
        await pilot.press(*"Printer offline", "tab", *"since Monday")
        assert screen.query_one("#intake-subject", Input).value == "Printer offline"
        assert screen.query_one("#intake-description", Input).value == "since Monday"
        assert cued() == ["Description"]


async def test_missing_fields_are_named_next_to_them(open_app: AppFactory) -> None:
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        await pilot.press("n")
        await _settle(app, pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, IntakeScreen)
        assert "Choose a customer" in _text(screen, "#intake-customer-error")
        assert "few words" in _text(screen, "#intake-subject-error")


async def test_a_failed_save_focuses_the_first_bad_field_and_says_why(
    open_app: AppFactory,
) -> None:
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _intake(app, pilot)
        await pilot.press(*"c0001", "enter")
        await _settle(app, pilot)
        await pilot.press(*"Cannot print", "ctrl+s")
        await _settle(app, pilot)
        override = screen.query_one("#intake-override", Input)
        assert app.focused is override
        assert screen.query_one("#intake-override-error").region.bottom <= 24 - 1
        assert override.region.height and override.region.y >= 1
        warned = [n.message for n in app._notifications]
        assert warned and "blocked" in warned[-1] and "\n" not in warned[-1]


async def test_an_error_goes_when_its_field_is_right(open_app: AppFactory) -> None:
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _intake(app, pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.focused is screen.query_one("#intake-customer", Input)
        screen.query_one("#intake-subject", Input).value = "Printer offline"
        await pilot.pause()
        assert _text(screen, "#intake-subject-error") == ""
        assert "Choose a customer" in _text(screen, "#intake-customer-error")


async def test_an_expired_contract_shows_no_included_hours(open_app: AppFactory) -> None:
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        customer = app.desk.store.customer("c0001")
        assert customer.contract is not None
        expired = customer.contract.model_copy(
            update={"valid_from": date(2025, 1, 1), "valid_until": date(2025, 12, 31)}
        )
        app.desk.store.import_records(customers=[customer.model_copy(update={"contract": expired})])
        app.open_customer("c0001")
        await _settle(app, pilot)
        summary = str(app.screen.query_one("#customer-summary", Static).render())
        assert "EXPIRED (served as free)" in summary and "Included" not in summary
        await pilot.press("n")
        await _settle(app, pilot)
        await pilot.press(*"c0001", "enter")
        await _settle(app, pilot)
        panel = _text(app.screen, "#intake-eligibility-text")  # type: ignore[arg-type]
        assert "expired" in panel and "h used" not in panel


async def test_an_out_of_scope_category_keeps_the_plans_deadline(open_app: AppFactory) -> None:
    """Out of scope changes what the work costs, not when it is due (SPEC §3, §4)."""
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        in_scope = app.desk.assess("c0000", Category.SOFTWARE, Channel.PHONE, None)
        out = app.desk.assess("c0000", Category.NETWORK_STORAGE, Channel.PHONE, None)
        assert out.eligibility.out_of_scope and out.eligibility.served_as == "free"
        assert (out.warn_at, out.deadline) == (in_scope.warn_at, in_scope.deadline)


async def test_the_customer_suggestions_find_a_phone_number_and_greeklish(
    open_app: AppFactory, data_dir: Path, clock: FrozenClock
) -> None:
    caller = Customer(
        id="c0100",
        name="Αρχιτεκτονικό Γραφείο Σταθόπουλος",
        phones=("210 353 0829", "+30 694 123 4567"),
    )
    with Store.open(data_dir, clock=clock) as store:
        store.import_records(customers=[caller])
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _intake(app, pilot)
        suggestions = screen.query_one("#intake-matches", OptionList)
        for typed in ("stath", "STATHOP", "arch", "3530829", "210-353", "+306941234567"):
            screen.query_one("#intake-customer", Input).value = typed
            await _settle(app, pilot)
            shown = [
                str(suggestions.get_option_at_index(i).prompt)
                for i in range(suggestions.option_count)
            ]
            assert shown == ["Αρχιτεκτονικό Γραφείο Σταθόπουλος"], typed
        screen.query_one("#intake-customer", Input).value = "3539"
        await _settle(app, pilot)
        assert not suggestions.display
        screen.query_one("#intake-customer", Input).value = "3530829"
        await _settle(app, pilot)
        await pilot.press("enter")
        await _settle(app, pilot)
        assert screen.customer == caller


async def _premium_panel(app: VardiaApp, pilot) -> str:  # type: ignore[no-untyped-def]
    """The eligibility panel once Delta Clinic (maintenance with a premium pack) is picked."""
    screen = await _intake(app, pilot)
    await pilot.press(*"delta", "enter")
    await _settle(app, pilot)
    panel = " ".join(_text(screen, "#intake-eligibility-text").split())
    assert "premium incidents left after this one" in panel
    return panel


async def test_a_premium_incident_opened_after_hours_says_premium_covers_working_hours(
    open_app: AppFactory, clock: FrozenClock
) -> None:
    """SPEC §3: premium is for working hours only; after hours the work is billed at free
    rates with the surcharge, and the technician is told so before and after opening."""
    clock.set(datetime(2026, 11, 23, 17, 0, tzinfo=UTC))  # Monday 19:00 in Athens
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        assert "premium covers working hours only" in await _premium_panel(app, pilot)
        await pilot.press(*"Printer offline", "ctrl+s")
        await _settle(app, pilot)
        page = app.screen
        assert isinstance(page, IncidentScreen)
        said = str(page.query_one("#incident-eligibility", Static).render())
        assert "premium incident used" in said and "working hours only" in said


async def test_a_premium_incident_opened_in_hours_has_no_such_word(open_app: AppFactory) -> None:
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        assert "working hours only" not in await _premium_panel(app, pilot)
