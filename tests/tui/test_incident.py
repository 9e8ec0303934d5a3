"""The incident page: acknowledge, assign to me, add a note, change status — from the keyboard."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from textual.widgets import OptionList

from core import sla
from core.models import IncidentStatus
from core.rules import Rules
from tests.tui.data import AppFactory, customers, incidents
from tui.app import VardiaApp
from tui.screens.dialogs import ChoiceDialog, TextDialog
from tui.screens.incident import IncidentScreen, sla_bar


async def _settle(app: VardiaApp, pilot) -> None:  # type: ignore[no-untyped-def]
    await app.workers.wait_for_complete()
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_actions_on_an_incident(open_app: AppFactory) -> None:
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        await pilot.press("enter")
        await _settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, IncidentScreen)

        await pilot.press("a", "m")
        await _settle(app, pilot)
        incident = app.desk.incident_detail(screen.incident_id).incident
        assert incident.status is IncidentStatus.ACKNOWLEDGED
        assert incident.first_response_at is not None and incident.assignee == "tech"

        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, TextDialog)
        # Enter is a new line in a note; Ctrl+S saves it, as in the other dialogs.
        await pilot.press(*"Called back", "enter", *"at 11", "ctrl+s")
        await _settle(app, pilot)
        assert [n.text for n in app.desk.incident_detail(screen.incident_id).incident.notes] == [
            "Called back\nat 11"
        ]
        assert "Called back" in str(screen.query_one("#incident-notes").render())

        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("enter")  # in progress, the first move from acknowledged
        await _settle(app, pilot)
        incident = app.desk.incident_detail(screen.incident_id).incident
        assert incident.status is IncidentStatus.IN_PROGRESS


@pytest.mark.parametrize(
    ("keys", "offered"),
    [
        # By the names the queue shows: one name per status everywhere.
        ((), ["ack'd", "working", "waiting", "resolved", "closed"]),
        (("a",), ["working", "waiting", "resolved", "closed"]),
    ],
    ids=["from-new", "from-acknowledged"],
)
async def test_the_status_dialog_offers_only_allowed_moves(
    open_app: AppFactory, keys: tuple[str, ...], offered: list[str]
) -> None:
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        await pilot.press("enter")
        await _settle(app, pilot)
        await pilot.press(*keys)
        await _settle(app, pilot)
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        options = app.screen.query_one(OptionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert labels == offered


async def test_hourly_billing_chosen_at_intake_shows_on_the_incident(
    open_app: AppFactory,
) -> None:
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        incident = app.desk.store.open_incidents()[0]
        hourly = incident.eligibility.model_copy(update={"premium_used": False, "premium_left": 0})
        app.desk.store.import_records(
            incidents=[incident.model_copy(update={"eligibility": hourly})]
        )
        app.open_incident(incident.id)
        await _settle(app, pilot)
        text = str(app.screen.query_one("#incident-eligibility").render())
        assert "billed hourly" in text


@pytest.mark.parametrize(
    ("plan", "now", "percent"),
    [
        # Free: 40 support hours (10:00-18:00 on weekdays) from Monday 10:00 Athens.
        ("free", datetime(2026, 11, 23, 8, 0, tzinfo=UTC), 0),
        ("free", datetime(2026, 11, 23, 20, 0, tzinfo=UTC), 20),  # Monday 22:00: 8 of 40 h
        ("free", datetime(2026, 11, 26, 16, 0, tzinfo=UTC), 80),  # Thursday 18:00: 32 of 40 h
        ("free", datetime(2026, 11, 28, 10, 0, tzinfo=UTC), 100),  # Saturday, past due
        # Basic: 48 h of working days; the weekend does not count.
        ("basic", datetime(2026, 11, 27, 8, 0, tzinfo=UTC), 0),  # Friday 10:00 Athens
        ("basic", datetime(2026, 11, 30, 8, 0, tzinfo=UTC), 50),  # Monday 10:00: 24 of 48 h
    ],
)
def test_the_sla_bar_counts_on_the_plan_clock(
    rules: Rules, plan: str, now: datetime, percent: int
) -> None:
    opened = (
        datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
        if plan == "free"
        else datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    )
    targets = sla.targets(rules, plan, opened)
    incident = incidents(rules, customers(), count=1)[0].model_copy(
        update={
            "plan": plan,
            "opened_at": opened,
            "warn_at": targets.warn_at,
            "deadline": targets.deadline,
        }
    )
    assert f"{percent:>3}%" in sla_bar(rules, incident, now)
