"""The device checks the bounds before it pushes: what breaks them is set aside, not lost."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from core.clock import FrozenClock
from core.incidents import add_note
from core.intake import IntakeRequest, open_incident
from core.rules import load_bounds, load_rules
from core.store import Store
from core.sync.client import SyncClient
from core.sync.protocol import OperationKind
from core.sync.state import list_rejections
from server.admin import count_applied
from server.embedded import LocalServer
from tests.tui.data import customers

NOW = datetime.now(UTC).replace(microsecond=0)


def test_an_operation_outside_the_bounds_stays_on_the_device_with_its_reason(
    live_server: LocalServer, tmp_path: Path
) -> None:
    rules = load_rules(None)
    with Store.open(tmp_path / "data", clock=FrozenClock(NOW), technician="alice") as store:
        store.import_records(customers=customers(2))
        opened = open_incident(store, rules, IntakeRequest(customer_id="c0000", subject="Boxes"))
        long_note = "Called twice; " * 200
        add_note(store, rules, opened.id, long_note)
        add_note(store, rules, opened.id, "Fixed.")
        # The vendor shortened notes since this one was written.
        config = tmp_path / "config"
        config.mkdir()
        (config / "bounds.toml").write_text("[text]\nnote = 1000\n")
        token = live_server.add_technician("alice")
        with SyncClient(
            store, live_server.url, token, device_id=store.device_id, bounds=load_bounds(config)
        ) as client:
            report = client.sync()
            status = client.status()

        refused = list_rejections(store)
        assert (report.push.applied, report.push.rejected) == (2, 1)
        assert (status.pending, status.rejected) == (0, 1)
        assert [r.kind for r in refused] == [OperationKind.INCIDENT_NOTE]
        assert refused[0].reason == (
            "not sent: The note is 2,799 characters long; vardia keeps at most 1,000."
        )
        kept = refused[0].operation
        assert kept is not None and kept.payload["text"] == long_note.strip()
        assert count_applied(live_server.engine) == 2
