"""The queue: SLA order, countdowns, filters, search, and a cursor that follows its incident."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from textual.widgets import Input, Static
from textual.widgets._footer import FooterKey

from core import sla
from core.clock import FrozenClock
from core.incidents import change_status
from core.models import IncidentStatus
from core.rules import Rules
from core.store import Store
from tests.tui.data import AppFactory, customers, incidents
from tui.format import STATUS_LABELS
from tui.screens.queue import FIRST_PAGE, QueueScreen
from tui.widgets.queue_table import QueueTable


async def _ready(app, pilot) -> QueueScreen:  # type: ignore[no-untyped-def]
    await app.workers.wait_for_complete()
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, QueueScreen)
    return screen


async def test_queue_lists_open_incidents_in_sla_order(open_app: AppFactory) -> None:
    app = open_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _ready(app, pilot)
        shown = [row.incident.id for row in screen.table.rows]
        expected = [i.id for i in sla.queue_order(app.desk.load_queue()[0], app.clock.now())]
        assert shown == expected
        assert len(shown) == 12


async def test_filters_narrow_the_list_and_escape_clears_them(open_app: AppFactory) -> None:
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _ready(app, pilot)
        now = app.clock.now()
        await pilot.press("f")  # mine
        assert {r.incident.assignee for r in screen.table.rows} == {"tech"}
        await pilot.press("f")  # unassigned
        assert {r.incident.assignee for r in screen.table.rows} == {None}
        await pilot.press("f", "b")  # all, breached only
        states = {sla.state(r.incident, now).value for r in screen.table.rows}
        assert states == {"breached"}
        await pilot.press("escape")
        assert len(screen.table.rows) == 12


async def test_search_by_customer_ref_or_subject(open_app: AppFactory) -> None:
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _ready(app, pilot)
        await pilot.press("slash", *"backup")
        subjects = {r.incident.subject for r in screen.table.rows}
        assert subjects == {"Backup job fails at night"}
        await pilot.press("enter")
        assert isinstance(app.focused, QueueTable)
        await pilot.press("escape")
        await pilot.press("slash", *"tst-12")
        assert [r.incident.ref for r in screen.table.rows] == ["TST-12"]


async def test_the_search_follows_a_subject_changed_while_it_is_typed(
    open_app: AppFactory,
) -> None:
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _ready(app, pilot)
        await pilot.press("slash", *"εκτυπωτης")
        assert screen.table.rows == []  # and every row's text is now folded, ready
        await pilot.press(*["backspace"] * 9, *"tst-12")
        (row,) = screen.table.rows
        incident = app.desk.store.incident(row.incident.id)
        app.desk.store.import_records(
            incidents=[incident.model_copy(update={"subject": "Ο εκτυπωτής κολλάει"})]
        )
        app.load_queue()
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press(*["backspace"] * 6, *"εκτυπωτης")
        assert [r.incident.id for r in screen.table.rows] == [incident.id]


async def test_cursor_stays_on_its_incident_when_rows_move(open_app: AppFactory) -> None:
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _ready(app, pilot)
        target = screen.table.rows[5].incident
        screen.table.select_incident(target.id)
        first = app.desk.store.incident(screen.table.rows[0].incident.id)
        older = first.model_copy(
            update={
                "id": "i-older",
                "ref": "TST-99",
                "opened_at": first.opened_at - timedelta(days=1),
                "warn_at": first.warn_at - timedelta(days=1),
                "deadline": first.deadline - timedelta(days=1),
            }
        )
        app.desk.store.import_records(incidents=[older])
        app.load_queue()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.table.rows[0].incident.id == "i-older"
        assert screen.table.selected is not None
        assert screen.table.selected.incident.id == target.id
        assert screen.table.cursor == 6


async def test_countdowns_move_on_each_tick(open_app: AppFactory) -> None:
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _ready(app, pilot)
        lines = [screen.table.render_line(y).text for y in range(10)]
        app.clock.advance(timedelta(hours=1))
        app.refresh_status()
        await pilot.pause()
        assert [screen.table.render_line(y).text for y in range(10)] != lines


async def test_rows_shown_again_unchanged_draw_nothing(
    open_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A re-sort that moves no row on screen (a threshold crossed below it) sends nothing."""
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _ready(app, pilot)
        table = screen.table
        drawn: list[object] = []
        monkeypatch.setattr(table, "refresh", lambda *regions, **_kw: drawn.append(regions))
        rows = list(table.rows)
        table.set_rows(rows, app.clock.now(), {r.incident.id: i for i, r in enumerate(rows)}.get)
        assert drawn == []
        table.set_rows(rows[1:], app.clock.now(), lambda _id: None)
        assert drawn  # the rows moved up: those lines are drawn again


async def test_an_empty_filter_says_so_and_the_table_keeps_the_keys(open_app: AppFactory) -> None:
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _ready(app, pilot)
        screen.technician = "nobody"
        await pilot.press("f")  # mine: nothing
        assert screen.table.rows == []
        empty = str(screen.query_one("#queue-empty").render())
        assert "No incident matches" in empty and "Esc" in empty
        await pilot.press("f", "f")  # unassigned, then all
        assert len(screen.table.rows) == 12
        assert isinstance(app.focused, QueueTable)
        await pilot.press("G")
        assert screen.table.cursor == 11
        assert not screen.query_one("#queue-empty").display


@pytest.mark.parametrize("typed", ["βητα", "ΒΗΤΑ", "Βήτα", "λογιστικη"])
async def test_search_ignores_accents_and_case(open_app: AppFactory, typed: str) -> None:
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _ready(app, pilot)
        await pilot.press("slash")
        screen.query_one("#queue-search", Input).value = typed
        await pilot.pause()
        names = {r.customer_name for r in screen.table.rows}
        assert names == {"Βήτα Λογιστική"}


async def test_a_load_landing_while_the_app_shuts_down_is_ignored(open_app: AppFactory) -> None:
    """A sync round can deliver the queue after quitting has removed the table."""
    app = open_app()
    async with app.run_test() as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        incidents, customers = app.desk.load_queue()
        await screen.table.remove()
        screen.set_data(incidents, customers, app.clock.now())
        assert not screen.query(QueueTable)


async def test_greek_statuses_plans_and_titles_fit_their_columns_at_80(
    open_app: AppFactory, greek: None
) -> None:
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _ready(app, pilot)
        await pilot.press("a")  # acknowledge the first incident: παρελήφθη
        await app.workers.wait_for_complete()
        await pilot.pause()
        header = screen.table.header_text()
        assert header.split()[-2:] == ["κατάσταση", "ανάθεση"] and "…" not in header
        lines = [screen.table.render_line(y).text for y in range(len(screen.table.rows))]
        assert all(len(line.rstrip()) <= 80 for line in [header, *lines])

        def column(title: str, width: int) -> set[str]:
            start = header.index(title)
            return {line[start : start + width].strip() for line in lines}

        statuses = column("κατάσταση", len("κατάσταση"))
        assert "παρελήφθη" in statuses
        assert statuses <= {STATUS_LABELS[status] for status in IncidentStatus}
        plans = column("πακέτο", len("Συντήρηση"))
        assert plans == {"Free", "Basic", "Business", "Συντήρηση"}


async def test_english_plan_names_are_not_cut_at_80(open_app: AppFactory) -> None:
    """``Maintenance`` is 11 letters: the plan column takes them from the customer's."""
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _ready(app, pilot)
        header = screen.table.header_text()
        lines = [screen.table.render_line(y).text for y in range(len(screen.table.rows))]
        assert all(len(line.rstrip()) <= 80 for line in [header, *lines])
        start = header.index("plan")
        plans = {line[start : start + len("Maintenance")].strip() for line in lines}
        assert plans == {"Free", "Basic", "Business", "Maintenance"}


async def test_the_column_titles_follow_a_resize(open_app: AppFactory) -> None:
    """From 120 to 80 columns and back, the titles stay over their columns."""
    app = open_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, QueueScreen)

        def header() -> str:
            return str(screen.query_one("#queue-header", Static).render())

        wide = header()
        assert "customer" in wide and wide == screen.table.header_text()
        for width, height in ((80, 24), (120, 40)):
            await pilot.resize_terminal(width, height)
            await pilot.pause()
            await pilot.pause()
            shown = header()
            assert shown == screen.table.header_text()
            # Each title starts where its column does in the first row.
            row = screen.table.render_line(0).text
            ref = screen.table.rows[0].incident.ref
            assert shown.index("ref") == row.index(ref)
        assert header() == wide


async def test_an_incident_opened_after_a_search_stays_in_view(open_app: AppFactory) -> None:
    """A search for one customer, then a call from another: the new incident is listed and
    under the cursor when the queue comes back, until a filter changes."""
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _ready(app, pilot)
        await pilot.press("slash", *"βητα", "enter")
        await pilot.pause()
        assert {r.customer_name for r in screen.table.rows} == {"Βήτα Λογιστική"}
        await pilot.press("n")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press(*"delta", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press(*"Printer offline", "ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is screen
        selected = screen.table.selected
        assert selected is not None and selected.incident.subject == "Printer offline"
        assert {r.customer_name for r in screen.table.rows} == {"Βήτα Λογιστική", "Delta Clinic"}
        # The search still reads βητα; changing a filter lets the new incident go.
        await pilot.press("f")
        await pilot.pause()
        assert "Delta Clinic" not in {r.customer_name for r in screen.table.rows}


async def test_a_search_finds_closed_incidents_too_when_asked(
    data_dir: Path, open_app: AppFactory, clock: FrozenClock
) -> None:
    """Ctrl+O in the search lists the closed and resolved incidents it matches, after the
    open ones; once more, the open ones alone."""
    with Store.open(data_dir, clock=clock) as store:
        done = store.open_incidents()[0]
        for status in (IncidentStatus.IN_PROGRESS, IncidentStatus.RESOLVED, IncidentStatus.CLOSED):
            change_status(store, done.id, status)
    app = open_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _ready(app, pilot)
        await pilot.press("slash", *done.ref)
        await pilot.pause()
        before = [row.incident.id for row in screen.table.rows]
        assert done.id not in before
        await pilot.press("ctrl+o")
        await app.workers.wait_for_complete()
        await pilot.pause()
        *still, found = screen.table.rows
        assert [row.incident.id for row in still] == before
        assert found.incident.id == done.id and found.incident.status is IncidentStatus.CLOSED
        assert str(screen.query_one("#queue-count", Static).content).endswith("· 1 closed")

        await pilot.press("ctrl+o")  # off again: the open ones alone
        await pilot.pause()
        assert [row.incident.id for row in screen.table.rows] == before


async def test_a_long_queue_shows_the_head_of_its_order_first_then_all_of_it(
    data_dir: Path,
    open_app: AppFactory,
    rules: Rules,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past a page of incidents the first frame is drawn from the first page, which is the
    head of the whole order; the whole queue follows once that frame is up."""
    count = FIRST_PAGE + 40
    with Store.open(data_dir, clock=clock) as store:  # the same first ones, and more
        people = customers()
        store.import_records(customers=people, incidents=incidents(rules, people, count))
    shown: list[tuple[list[str], str]] = []
    apply = QueueScreen._apply

    def recorded(screen: QueueScreen, now: datetime) -> None:
        apply(screen, now)
        counted = screen.query_one("#queue-count", Static)
        shown.append(([row.incident.id for row in screen.table.rows], str(counted.content)))

    monkeypatch.setattr(QueueScreen, "_apply", recorded)
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _ready(app, pilot)
        whole = [i.id for i in sla.queue_order(app.desk.load_queue()[0], clock.now())]
        assert [row.incident.id for row in screen.table.rows] == whole
    assert shown[0] == (whole[:FIRST_PAGE], f"{count} of {count} open")
    assert shown[-1] == (whole, f"{count} of {count} open")


async def test_a_reload_crosses_the_thresholds_the_untouched_rows_passed_since_the_last_tick(
    open_app: AppFactory,
) -> None:
    """A load after a change keeps the rows it left alone: one whose threshold passed since
    the last tick is put in its place there and then, as a tick would, not a second later."""
    app = open_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _ready(app, pilot)
        before = [row.incident.id for row in screen.table.rows]
        now = app.clock.now()
        crossings = sorted(
            at for row in screen.table.rows for at, _after in sla.changes(row.incident) if at > now
        )
        entries = app.desk.load_queue()[0]
        moved = next(
            at + timedelta(seconds=1)
            for at in crossings
            if [i.id for i in sla.queue_order(entries, at + timedelta(seconds=1))] != before
        )
        app.clock.set(moved)  # no tick: the table still shows the order of before
        other = app.desk.store.open_incidents()[0]
        app.desk.store.import_records(
            incidents=[other.model_copy(update={"subject": "changed meanwhile"})]
        )
        app.load_queue()
        await app.workers.wait_for_complete()
        await pilot.pause()
        expected = [i.id for i in sla.queue_order(app.desk.load_queue()[0], moved)]
        assert expected != before
        assert [row.incident.id for row in screen.table.rows] == expected


def _footer_keys(screen: QueueScreen) -> list[FooterKey]:
    return list(screen.query(FooterKey))


async def test_a_re_sort_keeps_the_footer_as_drawn(open_app: AppFactory) -> None:
    """The footer is built again and drawn whole at each refresh of the bindings: a threshold
    crossed (a re-sort, which sets the cursor again) did it, 1.2 KB to the terminal."""
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _ready(app, pilot)
        keys = list(screen.query(FooterKey))
        refreshed: list[object] = []
        screen.bindings_updated_signal.subscribe(screen, refreshed.append)
        now = app.clock.now()
        before = [row.incident.id for row in screen.table.rows]
        crossing = min(
            at for row in screen.table.rows for at, _after in sla.changes(row.incident) if at > now
        )
        app.clock.set(crossing + timedelta(seconds=1))
        app.refresh_status()
        await pilot.pause()
        assert [row.incident.id for row in screen.table.rows] != before  # it re-sorted
        assert refreshed == []
        assert list(screen.query(FooterKey)) == keys


async def test_a_tick_before_a_long_queue_is_ordered_whole_alerts_once(
    data_dir: Path,
    open_app: AppFactory,
    rules: Rules,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A tick past a threshold of the first page before the whole order has come: the whole
    order, made as of the load, crosses it with its alert, once (it used to be crossed on the
    first page, then again when the whole order came)."""
    people = customers()
    recent = []  # opened in the last hours: the first page's thresholds are still ahead
    for index, incident in enumerate(incidents(rules, people, FIRST_PAGE + 40)):
        opened = clock.now() - timedelta(minutes=index)
        targets = sla.targets(rules, incident.plan, opened)
        recent.append(
            incident.model_copy(
                update={
                    "opened_at": opened,
                    "warn_at": targets.warn_at,
                    "deadline": targets.deadline,
                    "resolve_by": targets.resolve_by,
                }
            )
        )
    with Store.open(data_dir, clock=clock) as store:
        store.import_records(customers=people, incidents=recent)
    held: list[QueueScreen] = []  # the whole order after the first page, held back
    order_whole = QueueScreen._order_first_page_whole
    monkeypatch.setattr(QueueScreen, "_order_first_page_whole", lambda screen: held.append(screen))
    app = open_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _ready(app, pilot)
        assert held and len(screen.table.rows) == FIRST_PAGE
        now = clock.now()
        at, soon = min(
            (at, row.incident)
            for row in screen.table.rows[:FIRST_PAGE]
            for at, _after in sla.changes(row.incident)
            if at > now and row.incident.assignee == screen.technician  # alerted: mine
        )
        app.clear_notifications()
        clock.set(at + timedelta(seconds=1))
        app.refresh_status()
        await pilot.pause()

        def alerts() -> list[str]:
            return [n.message for n in app._notifications if soon.ref in n.message]

        order_whole(held[0])  # it comes at last
        await pilot.pause()
        app.refresh_status()
        await pilot.pause()
        whole = [i.id for i in sla.queue_order(app.desk.load_queue()[0], clock.now())]
        assert [row.incident.id for row in screen.table.rows] == whole
        assert len(alerts()) == 1
