"""The statement and week report screens, driven with Pilot on a tiny app."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

from textual.app import App
from textual.widgets import DataTable, Static
from textual_plotext import PlotextPlot

from bench.data import History, priced_history
from core.errors import NotFoundError
from core.periods import IsoWeek, Month
from core.reports import WeekReport, build_week_report
from core.rules import load_rules
from core.statements import Statement, StatementTerms, build_statement
from tests.tui.data import AppFactory
from tui.screens.report import ReportScreen
from tui.screens.statement import StatementScreen

RULES = load_rules(None)
HISTORY: History = priced_history(
    RULES, customers=4, sessions=200, start=date(2026, 1, 1), days=90, seed=5
)
NOW = datetime(2026, 6, 1, tzinfo=RULES.timezone)


def load_statement(customer_id: str, month: Month) -> Statement:
    customer = next((c for c in HISTORY.customers if c.id == customer_id), None)
    if customer is None:
        raise NotFoundError(f"No customer with id {customer_id}.")
    terms = StatementTerms.of(customer, month, RULES.plans, RULES.billing, RULES.timezone)
    incidents = {i.id: i for i in HISTORY.incidents}
    return build_statement(customer, month, HISTORY.sessions, incidents, terms)


def load_report(week: IsoWeek, technician: str | None) -> WeekReport:
    return build_week_report(
        week, HISTORY.sessions, HISTORY.incidents, RULES.calendar, now=NOW, technician=technician
    )


class Host(App[None]):
    """The smallest app that can show a screen."""


def text(screen: object, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())  # type: ignore[attr-defined]


async def test_the_statement_shows_the_months_sessions_and_total(tmp_path: Path) -> None:
    app = Host()
    customer = HISTORY.customers[0]
    async with app.run_test(size=(80, 24)) as pilot:
        screen = StatementScreen(load_statement, customer.id, Month(2026, 2), export_dir=tmp_path)
        await app.push_screen(screen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        expected = load_statement(customer.id, Month(2026, 2))
        assert screen.query_one("#statement-lines", DataTable).row_count == len(expected.lines)
        assert str(expected.totals.total) in text(screen, "#statement-money")
        assert customer.name in text(screen, "#statement-title")

        await pilot.press("right_square_bracket")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.statement is not None
        assert screen.statement.month == "2026-03"

        await pilot.press("left_square_bracket", "left_square_bracket")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.statement.month == "2026-01"

        await pilot.press("s")
        saved = tmp_path / f"statement-2026-01-{customer.id}.csv"
        rows = list(csv.DictReader(saved.open(encoding="utf-8-sig")))
        expected = load_statement(customer.id, Month(2026, 1))
        assert sum(r["line"] == "session" for r in rows) == len(expected.lines)

        await pilot.press("escape")
        assert app.screen is not screen


async def _statement_at(app: App[None]) -> tuple[StatementScreen, DataTable]:
    screen = StatementScreen(load_statement, HISTORY.customers[0].id, Month(2026, 2))
    await app.push_screen(screen)
    await app.workers.wait_for_complete()
    return screen, screen.query_one("#statement-lines", DataTable)


async def test_the_month_is_named_in_the_language_and_the_lines_fit_80_columns(
    greek: None,
) -> None:
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        screen, table = await _statement_at(app)
        await pilot.pause()
        title = text(screen, "#statement-title")
        assert title.startswith("Χρεώσεις Φεβρουάριος 2026 — ") and "2026-02" not in title
        # Every column on screen: nothing to scroll sideways to, the subject cut to fit.
        assert table.row_count > 0
        assert table.virtual_size.width <= table.scrollable_content_region.width
        keys = [column.key.value for column in table.ordered_columns]
        assert keys == ["day", "incident", "channel", "amount", "billed", "technician", "subject"]
        assert [str(column.label) for column in table.ordered_columns][:2] == ["Ημέρα", "Αίτημα"]


async def test_a_wide_screen_shows_every_figure_of_a_line() -> None:
    app = Host()
    async with app.run_test(size=(140, 40)) as pilot:
        screen, table = await _statement_at(app)
        await pilot.pause()
        assert "February 2026" in text(screen, "#statement-title")
        assert len(table.ordered_columns) == 12
        assert table.virtual_size.width <= table.scrollable_content_region.width


async def test_h_writes_the_html_document_and_says_where(tmp_path: Path) -> None:
    from core.documents import statement_html
    from core.rules import load_letterhead

    customer = HISTORY.customers[0]

    def document(customer_id: str, month: Month) -> tuple[Statement, str]:
        st = load_statement(customer_id, month)
        return st, statement_html(st, customer, load_letterhead(None), RULES.plans)

    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = StatementScreen(
            load_statement, customer.id, Month(2026, 2), export_dir=tmp_path, document=document
        )
        await app.push_screen(screen)
        await app.workers.wait_for_complete()
        await pilot.press("h")
        await app.workers.wait_for_complete()
        await pilot.pause()
        written = tmp_path / f"statement-2026-02-{customer.id}.html"
        assert written.read_text(encoding="utf-8") == document(customer.id, Month(2026, 2))[1]
        said = [n.message for n in app._notifications]
        assert any(str(written) in message and "Draft" in message for message in said)


async def test_an_unknown_customer_is_said_on_the_screen() -> None:
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = StatementScreen(load_statement, "nobody", Month(2026, 2))
        await app.push_screen(screen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "No customer with id nobody" in text(screen, "#statement-title")


async def test_the_week_report_charts_hours_per_day_and_steps_weeks() -> None:
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = ReportScreen(load_report, IsoWeek(2026, 10))
        await app.push_screen(screen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        expected = load_report(IsoWeek(2026, 10), None)
        assert screen.report == expected
        assert screen.query_one(PlotextPlot).display
        customers = screen.query_one("#report-customers", DataTable)
        assert customers.row_count == len(expected.customers)
        assert f"{expected.sessions}" in text(screen, "#report-title")

        await pilot.press("right_square_bracket")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.report is not None
        assert screen.report.week == "2026-W11"


async def test_the_week_report_of_one_technician() -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = ReportScreen(load_report, IsoWeek(2026, 10), technician="maria")
        await app.push_screen(screen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.report == load_report(IsoWeek(2026, 10), "maria")
        assert "maria" in text(screen, "#report-title")


async def test_the_apps_statement_screen_writes_the_document_vardia_statement_html_writes(
    open_app: AppFactory, tmp_path: Path
) -> None:
    app = open_app(export_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("c", "S")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, StatementScreen)
        shown = {key for key, active in app.active_bindings.items() if active.binding.show}
        assert {"h", "s"} <= shown  # both exports in the footer
        await pilot.press("h")
        await app.workers.wait_for_complete()
        await pilot.pause()
        [written] = tmp_path.glob("statement-*.html")
        page = written.read_text(encoding="utf-8")
        assert page.startswith("<!DOCTYPE html>") and "Provisional draft, without a number" in page
        assert screen.statement is not None and screen.statement.customer_name in page
        assert any(str(written) in n.message for n in app._notifications)
