"""One bad record on the server cannot stop anyone's sync (SPEC §7.2).

A record that reached the server before its bounds existed (here: an incident dated in
year 9999, written into the database as an older server would have kept it) is kept
aside by the device that pulls it, with its reason; the rest of the page is stored, the
cursor moves on, and ``vardia status`` says so. Fixed on the server, it arrives.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from core.clock import FrozenClock
from core.intake import IntakeRequest, open_incident
from core.rules import load_rules
from core.store import Store
from core.sync.client import SyncClient
from server.embedded import LocalServer
from tests.server.sync_factories import rewrite_incident
from tests.tui.data import customers

NOW = datetime.now(UTC).replace(microsecond=0)


def _vardia(home: Path, *args: str, token: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        env={**os.environ, "VARDIA_HOME": str(home), "VARDIA_LANG": "en", "VARDIA_TOKEN": token},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_poisoned_record_is_kept_aside_and_the_rest_of_the_page_syncs(
    live_server: LocalServer, tmp_path: Path
) -> None:
    rules = load_rules(None)
    with Store.open(tmp_path / "alice", clock=FrozenClock(NOW), technician="alice") as store:
        store.import_records(customers=customers(2))
        good = open_incident(store, rules, IntakeRequest(customer_id="c0000", subject="Boxes"))
        bad = open_incident(store, rules, IntakeRequest(customer_id="c0000", subject="Printer"))
        token = live_server.add_technician("alice")
        with SyncClient(store, live_server.url, token, device_id=store.device_id) as client:
            assert client.sync().push.applied == 2
    original = rewrite_incident(live_server, bad.id, opened_at="9999-12-31T00:00:00Z")

    bob = tmp_path / "bob"
    login = _vardia(
        bob, "login", "--server", live_server.url, token=live_server.add_technician("bob")
    )
    assert login.returncode == 0, login.stderr

    first = _vardia(bob, "sync", "--json")
    status = _vardia(bob, "status", "--json")
    queue = _vardia(bob, "queue", "--json")
    again = _vardia(bob, "sync", "--json")

    assert first.returncode == 0, first.stderr
    synced = json.loads(first.stdout)
    assert synced["kept_aside"] == 1
    shown = json.loads(status.stdout)
    assert shown["kept_aside"] == 1
    assert f"incident {bad.id}" in shown["last_error"] and "9999" in shown["last_error"]
    assert [i["id"] for i in json.loads(queue.stdout)] == [good.id]
    # The cursor moved past it: the next sync does not stumble on it again.
    assert again.returncode == 0 and json.loads(again.stdout)["kept_aside"] == 0
    assert json.loads(_vardia(bob, "status", "--json").stdout)["last_error"] is None

    rewrite_incident(live_server, bad.id, opened_at=original["opened_at"])
    mended = _vardia(bob, "sync", "--json")
    assert mended.returncode == 0 and json.loads(mended.stdout)["kept_aside"] == 0
    assert json.loads(_vardia(bob, "status", "--json").stdout)["kept_aside"] == 0
    ids = {i["id"] for i in json.loads(_vardia(bob, "queue", "--json").stdout)}
    assert ids == {good.id, bad.id}
