"""What gets the technician's attention: SLA turns, a timer left running, after-hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core import sla
from core.clock import FrozenClock
from core.models import Channel, Segment, Timer
from core.workflow import Alerting, TimerWorkflow
from tests.tui.data import AppFactory
from tui.alerts import Ringing, TimerReminders, desktop_escape
from tui.app import VardiaApp
from tui.screens.queue import QueueScreen
from tui.widgets.status import StatusHeader

START = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
LATER = datetime(9999, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("environ", "desktop"),
    [
        ({"TERM_PROGRAM": "iTerm.app"}, "osc9"),
        ({"TERM": "xterm-kitty"}, "osc9"),
        ({"TERM": "foot"}, "osc777"),
        ({"TERM": "xterm-256color"}, None),
        ({"TERM_PROGRAM": "WezTerm", "TMUX": "/tmp/tmux-0/default,1,0"}, None),
    ],
)
def test_the_desktop_notification_goes_only_to_a_terminal_known_to_show_it(
    environ: dict[str, str], desktop: str | None
) -> None:
    assert Ringing.of(Alerting(), environ, quiet=False) == Ringing(bell=True, desktop=desktop)


def test_no_bell_rings_nothing_and_the_settings_force_or_silence_each_part() -> None:
    known = {"TERM_PROGRAM": "iTerm.app"}
    assert Ringing.of(Alerting(), known, quiet=True) == Ringing(bell=False, desktop=None)
    assert Ringing.of(Alerting(desktop="off"), known, quiet=False).desktop is None
    forced = Ringing.of(Alerting(bell=False, desktop="osc777"), {}, quiet=False)
    assert forced == Ringing(bell=False, desktop="osc777")


def test_a_customers_text_cannot_smuggle_an_escape_into_the_notification() -> None:
    sent = desktop_escape("osc777", "SLA; now", "Δεν τυπώνει\x1b]0;pwned\x07; D-12")
    assert sent == "\x1b]777;notify;SLA, now;Δεν τυπώνει ]0,pwned , D-12\x07"
    assert desktop_escape("osc9", "SLA", "D-12\n") == "\x1b]9;SLA: D-12 \x07"


def _timer(running_since: datetime | None, *segments: Segment) -> Timer:
    return Timer(
        incident_id="i-1",
        technician="tech",
        channel=Channel.REMOTE,
        segments=segments,
        running_since=running_since,
        ref="D-7",
    )


def test_a_timer_is_reminded_once_when_it_runs_long_and_once_into_after_hours() -> None:
    reminders = TimerReminders(TimerWorkflow(remind_after_minutes=120))
    timer = _timer(START)
    assert reminders.due(timer, timedelta(minutes=119), support_time=True) == []
    [long] = reminders.due(timer, timedelta(minutes=120), support_time=True)
    assert long == "The timer on D-7 has run 2:00; still working on it?"
    assert reminders.due(timer, timedelta(minutes=121), support_time=True) == []
    [late] = reminders.due(timer, timedelta(minutes=122), support_time=False)
    assert late.startswith("The timer on D-7 now runs in after-hours")
    assert reminders.due(timer, timedelta(minutes=123), support_time=False) == []

    # A timer started in after-hours knows it; a paused one is not reminded.
    another = _timer(START + timedelta(hours=5))
    assert reminders.due(another, timedelta(minutes=1), support_time=False) == []
    paused = _timer(None, Segment(start=START, end=START + timedelta(hours=3)))
    assert reminders.due(paused, timedelta(hours=3), support_time=True) == []
    assert (
        TimerReminders(TimerWorkflow(remind_after_minutes=0)).due(
            timer, timedelta(hours=9), support_time=True
        )
        == []
    )


def _ringing(open_app: AppFactory, ringing: Ringing) -> tuple[VardiaApp, list[str]]:
    """An app that rings as ``ringing`` says, and the bells it rang (a headless app's bell
    makes no sound to hear)."""
    app = open_app(ringing=ringing)
    rung: list[str] = []
    app.bell = lambda: rung.append("bell")  # type: ignore[method-assign]
    return app, rung


async def test_an_incident_on_screen_turning_warned_flashes_rings_and_says_so(
    open_app: AppFactory, clock: FrozenClock
) -> None:
    app, rung = _ringing(open_app, Ringing(bell=True))
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        now = clock.now()
        soon = min(
            (row.incident for row in screen.table.rows),
            key=lambda i: i.warn_at if sla.state(i, now) is sla.SlaState.ON_TIME else LATER,
        )
        assert sla.state(soon, now) is sla.SlaState.ON_TIME
        app.clear_notifications()

        clock.advance(soon.warn_at - now + timedelta(seconds=1))
        app.refresh_status()
        await pilot.pause()
        said = [n.message for n in app._notifications]
        assert said == [
            f"{soon.ref} ({_customer(screen, soon.id)}) is near its SLA deadline: answer it soon."
        ]
        assert rung == ["bell"]
        assert screen.query_one(StatusHeader).has_class("-flash")

        # Nothing more until another threshold passes.
        app.refresh_status()
        await pilot.pause()
        assert len(app._notifications) == 1 and rung == ["bell"]


def _customer(screen: QueueScreen, incident_id: str) -> str:
    [row] = [r for r in screen.table.rows if r.incident.id == incident_id]
    return row.customer_name


async def test_with_no_bell_an_alert_still_shows_but_rings_nothing(
    open_app: AppFactory, clock: FrozenClock
) -> None:
    app, rung = _ringing(
        open_app, Ringing.of(Alerting(), {"TERM_PROGRAM": "iTerm.app"}, quiet=True)
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        app.alert("SLA", "D-1 is past its SLA deadline.", "error")
        await pilot.pause()
        assert [n.message for n in app._notifications][-1] == "D-1 is past its SLA deadline."
        assert rung == []


async def test_the_app_reminds_of_a_timer_left_running(
    open_app: AppFactory, clock: FrozenClock
) -> None:
    app, rung = _ringing(open_app, Ringing(bell=True))
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        for key in ("down", "enter", "t", "enter"):
            await pilot.press(key)
            await app.workers.wait_for_complete()
            await pilot.pause()
        assert app.timer is not None
        app.clear_notifications()
        clock.advance(timedelta(minutes=120))
        app.refresh_status()
        await pilot.pause()
        said = [n.message for n in app._notifications]
        assert said == [f"The timer on {app.timer.ref} has run 2:00; still working on it?"]
        assert rung == ["bell"]
