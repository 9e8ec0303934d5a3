"""The demo's local server holds the demo's data set: what the demo changes is accepted."""

from __future__ import annotations

from pathlib import Path

from core.clock import SystemClock
from core.demo import seed_store
from core.incidents import add_note, claim
from core.rules import load_rules
from core.store import Store
from core.sync.client import SyncClient
from server.admin import admin_incidents, admin_sessions
from server.db import make_engine
from server.embedded import start_local_server


def test_the_demo_server_knows_every_demo_incident_and_accepts_work_on_them(
    tmp_path: Path,
) -> None:
    rules = load_rules(None)
    with Store.open(tmp_path, clock=SystemClock(), technician="maria") as store:
        data = seed_store(store, rules)
        url, token, stop = start_local_server(tmp_path, "maria", seed=data)
        try:
            incident = data.incidents[0]
            claim(store, incident)
            add_note(store, rules, incident.id, "Ο εκτυπωτής βρέθηκε στο δίκτυο.")
            with SyncClient(store, url, token, device_id=store.device_id) as client:
                report = client.sync()
            assert (report.push.applied, report.push.rejected) == (2, 0)
            assert store.pending_count() == 0
        finally:
            stop()
    engine = make_engine(f"sqlite:///{tmp_path / 'server' / 'vardia.db'}")
    held = {i.id: i for i in admin_incidents(engine, limit=1000, offset=0)}
    assert held.keys() == {i.id for i in data.incidents}
    assert held[incident.id].assignee == "maria" and held[incident.id].notes
    assert len(admin_sessions(engine, None, limit=1000, offset=0)) == len(data.sessions)
    engine.dispose()
