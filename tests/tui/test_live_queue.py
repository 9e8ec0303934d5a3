"""The live queue: as thresholds pass, it moves only the incidents they concern, and its
order (and a filtered view's) is always what a full sort would give."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from core import sla
from core.models import Eligibility, Incident
from core.queue_entry import QueueEntry
from tui.live_queue import LiveQueue
from tui.widgets.queue_table import QueueRow

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _incidents(count: int, seed: int) -> list[Incident]:
    rnd = random.Random(seed)
    made = []
    for n in range(count):
        opened = START - timedelta(minutes=rnd.randrange(0, 600))
        warn = opened + timedelta(minutes=rnd.randrange(1, 900))
        deadline = warn + timedelta(minutes=rnd.randrange(0, 300))
        responded = opened + timedelta(minutes=5) if rnd.random() < 0.2 else None
        made.append(
            Incident(
                id=f"i{n:04d}",
                ref=f"R-{n}",
                customer_id="c1",
                subject="printing fails",
                opened_at=opened,
                opened_by="tech",
                plan="business",
                warn_at=warn,
                deadline=deadline,
                resolve_by=deadline + timedelta(hours=2) if responded else None,
                first_response_at=responded,
                assignee="tech" if n % 3 == 0 else None,
                eligibility=Eligibility(contract_in_force=True, served_as="business"),
                updated_at=opened,
            )
        )
    return made


def _rows(incidents: list[Incident]) -> list[QueueRow]:
    return [
        QueueRow(QueueEntry.of(incident), "Customer", sla.due_at(incident))
        for incident in incidents
    ]


def _ids(rows: list[QueueRow]) -> list[str]:
    return [row.incident.id for row in rows]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_order_after_each_crossing_is_a_full_sorts(seed: int) -> None:
    incidents = _incidents(300, seed)
    live = LiveQueue(_rows(incidents), START)

    def mine(row: QueueRow, _now: datetime) -> bool:
        return row.incident.assignee == "tech"

    def breached(row: QueueRow, now: datetime) -> bool:
        return sla.state(row.incident, now) is sla.SlaState.BREACHED

    views = [(live.where(mine, START), mine), (live.where(breached, START), breached)]
    instants = sorted({at for i in incidents for at, _after in sla.changes(i) if at > START})
    # Each threshold exactly (where a warning starts, a deadline not yet breached) and just after.
    moments = sorted({*instants, *(at + timedelta(seconds=1) for at in instants)})
    crossings = 0
    for now in moments:
        crossings += live.crossed(now)
        live.advance(now, views)
        full = sla.queue_order(incidents, now)
        assert _ids(live.all.rows) == [i.id for i in full]
        for view, keep in views:
            expected = [
                i.id
                for i in full
                if keep(QueueRow(QueueEntry.of(i), "Customer", sla.due_at(i)), now)
            ]
            assert _ids(view.rows) == expected
        assert not live.crossed(now)
    assert crossings > 100


def test_a_crossing_reorders_only_its_own_incident(monkeypatch: pytest.MonkeyPatch) -> None:
    incidents = _incidents(2000, 7)
    live = LiveQueue(_rows(incidents), START)
    first = min(at for i in incidents for at, _after in sla.changes(i) if at > START)
    then = first + timedelta(seconds=1)
    keyed: list[str] = []
    original = sla.queue_key

    def counting(incident: Incident, now: datetime) -> sla.QueueKey:
        keyed.append(incident.id)
        return original(incident, now)

    monkeypatch.setattr(sla, "queue_key", counting)
    live.advance(then)
    # What passed in that second: thresholds ahead at START (a deadline at START is
    # breached only after it) and behind at ``then``.
    concerned = {
        i.id
        for i in incidents
        if sla.state(i, START) is not sla.state(i, then)
        or any(START <= at <= first for at, _after in sla.changes(i))
    }
    assert keyed and set(keyed) <= concerned and len(concerned) < 20


@pytest.mark.parametrize("seed", [4, 5])
def test_a_new_load_moves_only_the_rows_it_changed_and_keeps_the_order_a_sort_gives(
    seed: int,
) -> None:
    """One incident changed, one closed, one opened: the other rows stay the same objects,
    and from the next advance on the order is a full sort's (the thresholds the untouched
    rows passed meanwhile are crossed there, as at any tick), the new row's crossed too."""
    incidents = _incidents(200, seed)
    rows = _rows(incidents)
    live = LiveQueue(rows, START)
    changed = incidents[7].model_copy(update={"deadline": START + timedelta(hours=30)})
    opened = _incidents(201, seed + 10)[200].model_copy(
        update={"id": "new", "warn_at": START + timedelta(minutes=30)}
    )
    now = START + timedelta(minutes=5)
    after = [*incidents[:7], changed, *incidents[8:150], *incidents[151:], opened]
    kept = {row.incident.id: row for row in rows}
    loaded = [
        kept[i.id] if i.id in kept and i is incidents[int(i.id[1:])] else _rows([i])[0]
        for i in after
    ]

    updated = live.update(loaded, now)

    assert updated is live
    untouched = [row for row in live.all.rows if row.incident.id not in {changed.id, "new"}]
    assert len(untouched) == 198
    assert all(kept[row.incident.id] is row for row in untouched)
    for moment in (now, START + timedelta(minutes=31), START + timedelta(hours=31)):
        live.advance(moment)
        assert _ids(live.all.rows) == [i.id for i in sla.queue_order(after, moment)]


def test_a_load_that_changes_most_rows_sorts_them_all_again() -> None:
    incidents = _incidents(100, 6)
    live = LiveQueue(_rows(incidents[:10]), START)
    updated = live.update(_rows(incidents), START)
    assert updated is not live
    assert _ids(updated.all.rows) == [i.id for i in sla.queue_order(incidents, START)]
