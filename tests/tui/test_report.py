"""The week report screen: hour ticks, an empty week, a narrow terminal, a single session."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.widgets import DataTable, Static

from core.models import Channel, Expenses
from core.periods import IsoWeek
from tests.tui.data import AppFactory
from tui.app import VardiaApp
from tui.screens.report import ReportScreen, hour_axis


@pytest.mark.parametrize(
    ("top", "ticks"),
    [
        (0.0, [0, 1]),  # an empty week: no negative hours
        (0.005, [0, 1]),
        (2.5, [0, 1, 2, 3]),
        (6.0, [0, 1, 2, 3, 4, 5, 6]),
        (13.2, [0, 3, 6, 9, 12, 15]),
    ],
)
def test_hour_axis_is_whole_hours_from_zero(top: float, ticks: list[int]) -> None:
    values, labels = hour_axis(top)
    assert values == [float(t) for t in ticks]
    assert labels == [f"{t} h" for t in ticks]


async def _settle(app: VardiaApp, pilot) -> None:  # type: ignore[no-untyped-def]
    await app.workers.wait_for_complete()
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_one_session_at_80_columns(open_app: AppFactory) -> None:
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        incident = app.desk.load_queue()[0][1]  # Βήτα Λογιστική's, a long Greek name
        app.desk.start_timer(incident.id, Channel.PHONE)
        app.clock.advance(timedelta(minutes=40))
        app.desk.stop_timer("", Expenses())
        week = IsoWeek.of(app.rules.calendar.local_date(app.clock.now()))
        app.push_screen(ReportScreen(app.desk.week_report, week, None))
        await _settle(app, pilot)
        title = str(app.screen.query_one("#report-title", Static).render())
        assert "· 1 session" in title and "1 sessions" not in title
        for selector in ("#report-customers", "#report-channels"):
            table = app.screen.query_one(selector, DataTable)
            assert table.row_count == 1
            assert table.virtual_size.width <= table.scrollable_content_region.width
