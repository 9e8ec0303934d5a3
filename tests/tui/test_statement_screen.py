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
