"""Refused work stays on the device through pulls, and is fixed and resent, copied or discarded."""

from __future__ import annotations

import json
import os
import random
import select
import signal
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from core import timer as timer_rules
from core.clock import FrozenClock
from core.errors import InputError, RuleError
from core.incidents import add_note, assign
from core.intake import IntakeRequest, open_incident
from core.models import Channel, Expenses, Incident
from core.rules import load_rules
from core.store import Store
from core.sync.protocol import Operation, OperationKind
from core.sync.refused import (
    COPIES_DIR,
    copy_text,
    discard,
    fields,
    find,
    refused,
    resend,
    save_copy,
)
from core.sync.state import Rejection, add_rejections
from tests.tui.data import NOW, customers, refuse

RULES = load_rules(None)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "data", clock=FrozenClock(NOW), technician="alice") as opened:
        opened.import_records(customers=customers(4))
        yield opened


def _sent(store: Store, refused_kinds: set[OperationKind], reason: str = "too long") -> None:
    refuse(store, dict.fromkeys(refused_kinds, reason))


def _server_copy(store: Store, incident_id: str, **changes: object) -> Incident:
    """The incident as the server holds it: without the refused note, perhaps changed."""
    held = store.incident(incident_id)
    return held.model_copy(update={"notes": (), **changes})


def _noted(store: Store, text: str) -> tuple[Incident, Rejection]:
    opened = open_incident(store, RULES, IntakeRequest(customer_id="c0000", subject="Boxes"))
    _sent(store, set())
    add_note(store, RULES, opened.id, text)
    _sent(store, {OperationKind.INCIDENT_NOTE})
    [rejection] = refused(store)
    return opened, rejection


def test_a_pull_keeps_a_refused_note_and_a_pending_edit_on_the_local_incident(
    store: Store,
) -> None:
    opened, rejection = _noted(store, "Printer needs the Greek font pack")
    assign(store, RULES, opened.id, "alice")  # pending, not pushed yet

    store.merge_from_server([], [_server_copy(store, opened.id, subject="Boxes on paper")])

    held = store.incident(opened.id)
    assert [note.text for note in held.notes] == ["Printer needs the Greek font pack"]
    assert held.assignee == "alice"
    assert held.subject == "Boxes on paper", "the server's own change arrives"
    assert refused(store) == [rejection]


def test_a_fixed_note_is_queued_as_a_new_operation_and_its_refusal_leaves(store: Store) -> None:
    opened, rejection = _noted(store, "x" * 300)
    [field] = fields(rejection, RULES)
    assert (field.key, field.label, field.value) == ("text", "note", "x" * 300)

    fixed = resend(store, RULES, rejection, {"text": "Font pack installed."})

    assert fixed.op_id != rejection.op_id
    assert (fixed.kind, fixed.entity_id) == (rejection.kind, rejection.entity_id)
    assert fixed.payload["text"] == "Font pack installed."
    assert [op.op_id for op in store.pending_operations(10)] == [fixed.op_id]
    assert refused(store) == []
    assert [note.text for note in store.incident(opened.id).notes] == ["Font pack installed."]


def test_a_fix_that_still_breaks_the_bounds_is_refused_at_once_and_nothing_is_queued(
    store: Store,
) -> None:
    _opened, rejection = _noted(store, "Called twice")
    with pytest.raises(InputError, match="holds a NUL character"):
        resend(store, RULES, rejection, {"text": "Called\x00 twice"})
    with pytest.raises(InputError, match="10,001 characters long; vardia keeps at most 10,000"):
        resend(store, RULES, rejection, {"text": "y" * 10_001})
    assert store.pending_count() == 0
    assert refused(store) == [rejection]


def test_the_text_backslash_u0000_is_text_and_is_resent_as_typed(store: Store) -> None:
    _opened, rejection = _noted(store, "first try")
    fixed = resend(store, RULES, rejection, {"text": r"the log said \u0000 at the end"})
    assert fixed.payload["text"] == r"the log said \u0000 at the end"


def test_a_session_with_a_fixed_expense_is_priced_again(store: Store) -> None:
    opened = open_incident(store, RULES, IntakeRequest(customer_id="c0000", subject="Visit"))
    timer_rules.start(store, RULES, opened.id, Channel.ONSITE)
    store.clock = FrozenClock(NOW + timedelta(hours=1))
    timer_rules.stop(store, RULES, expenses=Expenses(travel=Decimal("120.00")))
    _sent(store, {OperationKind.SESSION_RECORD}, "the travel expense is above the vendor's")
    [rejection] = refused(store)
    by_key = {field.key: field for field in fields(rejection, RULES)}
    assert set(by_key) == {
        "segments.0.start",
        "segments.0.end",
        "note",
        "expenses.travel",
        "expenses.parking",
        "expenses.lodging",
    }
    assert by_key["segments.0.start"].label == "segment start 1"
    assert by_key["segments.0.start"].value == "2026-11-23T11:00:00+02:00"

    fixed = resend(store, RULES, rejection, {"expenses.travel": "45,50", "note": "Server room"})

    kept = store.session(rejection.entity_id)
    assert kept.expenses.travel == Decimal("45.50") and kept.note == "Server room"
    expense = [line.amount for line in kept.quote.lines if line.kind == "expense"]
    assert expense == [Decimal("45.50")]
    assert fixed.payload["quote"] == kept.model_dump(mode="json")["quote"]


def test_copy_out_is_the_whole_operation_as_json_and_a_file_in_the_data_folder(
    store: Store,
) -> None:
    _opened, rejection = _noted(store, "Printer needs the Greek font pack")
    copied = json.loads(copy_text(rejection))
    assert copied["reason"] == "too long"
    assert copied["operation"]["payload"]["text"] == "Printer needs the Greek font pack"

    path = save_copy(store, rejection)
    assert path == store.data_dir / COPIES_DIR / f"{rejection.op_id}.json"
    assert json.loads(path.read_text("utf-8")) == copied
    assert find(store, rejection.op_id[:8]) == rejection


def test_discarding_a_note_takes_it_off_the_incident_and_a_pull_does_not_bring_it_back(
    store: Store,
) -> None:
    opened, rejection = _noted(store, "Printer needs the Greek font pack")
    discard(store, rejection)
    assert refused(store) == []
    assert store.incident(opened.id).notes == ()
    store.merge_from_server([], [_server_copy(store, opened.id)])
    assert store.incident(opened.id).notes == ()


def test_discarding_an_edit_puts_back_the_value_it_changed_from(store: Store) -> None:
    opened = open_incident(store, RULES, IntakeRequest(customer_id="c0000", subject="Boxes"))
    _sent(store, set())
    assign(store, RULES, opened.id, "bea")
    _sent(store, {OperationKind.INCIDENT_UPDATE})
    store.merge_from_server([], [_server_copy(store, opened.id, assignee=None)])
    assert store.incident(opened.id).assignee == "bea", "kept while refused"

    discard(store, find(store, refused(store)[0].op_id))
    assert store.incident(opened.id).assignee is None


def test_an_incident_opened_here_is_discarded_only_once_nothing_refers_to_it(
    store: Store,
) -> None:
    opened = open_incident(store, RULES, IntakeRequest(customer_id="c0000", subject="Boxes"))
    timer_rules.start(store, RULES, opened.id, Channel.PHONE)
    _sent(store, {OperationKind.INCIDENT_OPEN})
    [rejection] = refused(store)
    with pytest.raises(RuleError, match=f"the timer on {opened.ref} are still on this device"):
        discard(store, rejection)
    assert refused(store) == [rejection]

    store.discard_timer()
    discard(store, rejection)
    assert refused(store) == []
    assert opened.id not in {incident.id for incident in store.open_incidents()}


def test_work_refused_by_an_older_vardia_without_its_content_can_only_be_discarded(
    store: Store,
) -> None:
    old = Rejection(op_id="o-1", kind="incident.note", entity_id="n-1", reason="no", at=NOW)
    add_rejections(store, [old])
    assert fields(old, RULES) == []
    with pytest.raises(RuleError, match="can only be discarded"):
        resend(store, RULES, old)
    discard(store, old)
    assert refused(store) == []


# ---- crash safety: a resend killed anywhere leaves the refusal or its fix, never both ----


def _resend_in_child(data_dir: Path, out: int) -> None:
    with Store.open(data_dir, clock=FrozenClock(NOW)) as store:
        [rejection] = refused(store)
        os.write(out, b"start\n")
        resend(store, load_rules(None), rejection, {"text": "Fixed after a crash."})
        os.write(out, b"done\n")


def _killed_resend(data_dir: Path, rng: random.Random) -> bool:
    """Run a resend in a child, SIGKILL it at a random moment; True if it reported done."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            _resend_in_child(data_dir, write_end)
        finally:
            os._exit(0)
    os.close(write_end)
    os.read(read_end, 6)
    select.select([], [], [], rng.uniform(0, 0.02))
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    os.set_blocking(read_end, False)
    try:
        said = os.read(read_end, 100)
    except BlockingIOError:
        said = b""
    os.close(read_end)
    return b"done" in said


def test_a_resend_killed_anywhere_leaves_the_refusal_or_the_queued_fix(tmp_path: Path) -> None:
    rng = random.Random(11)
    for round_ in range(12):
        data_dir = tmp_path / f"data-{round_}"
        with Store.open(data_dir, clock=FrozenClock(NOW), technician="alice") as store:
            store.import_records(customers=customers(1))
            _noted(store, "Printer needs the Greek font pack")
        done = _killed_resend(data_dir, rng)
        with Store.open(data_dir, clock=FrozenClock(NOW)) as store:
            kept = refused(store)
            queued: list[Operation] = store.pending_operations(10)
            note = store.incident(queued[0].payload["incident_id"]).notes if queued else None
        assert len(kept) + len(queued) == 1, "the refusal or its fix, exactly one"
        if done:
            assert queued
        if queued:
            assert [n.text for n in note or ()] == ["Fixed after a crash."]
