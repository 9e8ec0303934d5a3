"""``vardia-server rotate-token``: a revoked or compromised technician gets a new token, keeps
their history, and the old token stops working at once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from server.embedded import LocalServer
from tests.server.sync_factories import incident, open_op, push_body, record_op, session


def _admin(server: LocalServer, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "server", "--database", server.database, *args]
    return subprocess.run(command, capture_output=True, text=True)


def _as(server: LocalServer, token: str) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.Client(base_url=server.url, headers=headers, timeout=30)


def test_a_new_token_keeps_the_history_and_the_old_one_stops_working(
    database_url: str, tmp_path: Path
) -> None:
    server = LocalServer(tmp_path / "server-home", database_url)
    old = server.add_technician("alice")
    admin = server.add_technician("office", admin=True)
    ops = [open_op(incident("I-1")), record_op(session("S-1"))]
    server.start()
    try:
        with _as(server, old) as alice:
            first = alice.post("/v1/push", json=push_body(ops)).json()
        revoked = _admin(server, "revoke-technician", "alice")
        rotated = _admin(server, "rotate-token", "alice")
        new = rotated.stdout.strip()
        again = _admin(server, "rotate-token", "alice")
        newest = again.stdout.strip()
        with _as(server, old) as stale, _as(server, new) as replaced, _as(server, newest) as me:
            stale_answer = stale.get("/v1/whoami").status_code
            replaced_answer = replaced.get("/v1/whoami").status_code
            who = me.get("/v1/whoami").json()
            repushed = me.post("/v1/push", json=push_body(ops)).json()
        with _as(server, admin) as office:
            sessions = office.get("/v1/admin/sessions", params={"technician": "alice"}).json()
        unknown = _admin(server, "rotate-token", "nobody")
    finally:
        server.stop()

    assert [r["status"] for r in first["results"]] == ["applied", "applied"]
    assert revoked.returncode == 0 and rotated.returncode == 0, rotated.stderr
    assert new and new != old and newest != new
    assert "Traceback" not in rotated.stderr
    assert (stale_answer, replaced_answer) == (401, 401)
    assert who["technician"] == "alice"
    # The history is theirs still: what they had sent is known, their session is listed.
    assert [r["status"] for r in repushed["results"]] == ["duplicate", "duplicate"]
    assert [s["session"]["id"] for s in sessions] == ["S-1"]
    assert unknown.returncode == 2 and "nobody" in unknown.stderr
