"""Getting around: the customer list, the statement's customer picker, whose week."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Static

from core.clock import FrozenClock
from core.intake import _latin_forms, matches_customer, ready_for_search
from core.store import Store
from tests.tui.data import AppFactory, customers
from tui.screens.customer import CustomerScreen
from tui.screens.customers import LISTED, CustomerListScreen
from tui.screens.dialogs import ChoiceDialog
from tui.screens.report import ReportScreen
from tui.screens.statement import StatementScreen


async def _settle(app, pilot) -> None:  # type: ignore[no-untyped-def]
    await app.workers.wait_for_complete()
    await pilot.pause()


async def _customer_list(app, pilot) -> CustomerListScreen:  # type: ignore[no-untyped-def]
    """The list ``L`` opens from the queue, loaded."""
    await _settle(app, pilot)
    await pilot.press("L")
    await _settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, CustomerListScreen)
    return screen


async def test_the_customer_list_narrows_as_typed_and_opens_a_customer(
    open_app: AppFactory,
) -> None:
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _customer_list(app, pilot)
        everyone = len(screen.shown)
        assert everyone == len(app.desk.customers()) > 1
        wanted = screen.shown[-1]
        await pilot.press(*wanted.name.split()[-1][:5])
        await pilot.pause()
        assert wanted in screen.shown and len(screen.shown) < everyone
        await pilot.press("enter")
        await _settle(app, pilot)
        assert isinstance(app.screen, CustomerScreen)
        assert app.screen.current_customer_id == screen.shown[0].id


async def test_s_without_a_customer_in_hand_picks_one_and_o_picks_another(
    open_app: AppFactory,
) -> None:
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        await pilot.press("W", "S")  # the week report holds no customer
        await _settle(app, pilot)
        picker = app.screen
        assert isinstance(picker, CustomerListScreen)
        first, second = picker.shown[0], picker.shown[1]
        await pilot.press("enter")
        await _settle(app, pilot)
        statement = app.screen
        assert isinstance(statement, StatementScreen) and statement.customer_id == first.id

        await pilot.press("o", "down", "down", "enter")
        await _settle(app, pilot)
        assert isinstance(app.screen, StatementScreen) and app.screen.customer_id == second.id
        await pilot.press("escape")
        await _settle(app, pilot)
        assert isinstance(app.screen, ReportScreen)  # the first statement was replaced


async def test_the_week_report_is_for_any_technician_the_data_holds(
    open_app: AppFactory,
) -> None:
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        await pilot.press("W")
        await _settle(app, pilot)
        report = app.screen
        assert isinstance(report, ReportScreen) and report.technician == app.desk.technician
        await pilot.press("T")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("end", "enter")  # the last choice: the team
        await _settle(app, pilot)
        assert app.screen is report and report.technician is None
        assert report.report is not None and report.report.technician is None


async def test_a_long_customer_list_lists_its_first_ones_and_says_to_type_on(
    data_dir: Path, open_app: AppFactory, clock: FrozenClock
) -> None:
    """Past LISTED customers the table holds the first LISTED of the matches, the title says
    how many match and that typing narrows them; a search that narrows lists them all."""
    with Store.open(data_dir, clock=clock) as store:  # the same first ones, and more
        store.import_records(customers=customers(LISTED + 30))
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _customer_list(app, pilot)
        table = screen.query_one(DataTable)
        title = str(screen.query_one("#customers-title", Static).content)
        assert len(screen.shown) == LISTED + 30 and table.row_count == LISTED
        assert f"{LISTED + 30} of {LISTED + 30}" in title and "type on to narrow" in title
        await pilot.press(*"c01")  # c0100 to c0199
        await pilot.pause()
        title = str(screen.query_one("#customers-title", Static).content)
        assert table.row_count == len(screen.shown) == 100
        assert "type on" not in title


def test_names_made_ready_are_not_spelled_again_at_each_key(tmp_path: Path) -> None:
    people = customers(40)
    ready_for_search(people)
    before = _latin_forms.cache_info().misses
    assert [c.id for c in people if matches_customer(c, "vita")]
    assert _latin_forms.cache_info().misses == before
