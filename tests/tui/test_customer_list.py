"""Getting around: the customer list, the statement's customer picker, whose week."""

from __future__ import annotations

from tests.tui.data import AppFactory
from tui.screens.customer import CustomerScreen
from tui.screens.customers import CustomerListScreen
from tui.screens.dialogs import ChoiceDialog
from tui.screens.report import ReportScreen
from tui.screens.statement import StatementScreen


async def _settle(app, pilot) -> None:  # type: ignore[no-untyped-def]
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_the_customer_list_narrows_as_typed_and_opens_a_customer(
    open_app: AppFactory,
) -> None:
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        await pilot.press("L")
        await _settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, CustomerListScreen)
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
