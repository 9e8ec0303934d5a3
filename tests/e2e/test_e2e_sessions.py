"""A session added by hand and edited offline reaches the server, which re-prices it and
keeps its history on the statement (real server process, real command line)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from core.clock import SystemClock
from core.models import Customer
from core.rules import load_rules
from server.admin import import_customers
from server.embedded import LocalServer


def _run(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        env={**os.environ, **env},
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )


def _json(*args: str, env: dict[str, str]) -> Any:
    done = _run(*args, "--json", env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_an_offline_edit_syncs_and_the_server_reprices_it(
    database_url: str, tmp_path: Path
) -> None:
    server = LocalServer(tmp_path / "srv", database_url)
    token = server.add_technician("alice")
    now = SystemClock().now()
    import_customers(server.engine, load_rules(None), [Customer(id="C-9", name="Βήτα")], now)
    me = {"VARDIA_HOME": str(tmp_path / "me"), "VARDIA_TECHNICIAN": "alice"}
    server.start()
    try:
        assert _run("login", "--server", server.url, env=me, stdin=token + "\n").returncode == 0
        assert _json("sync", env=me)["pulled"] == 1
        incident = _json("incident", "open", "--customer", "C-9", "--subject", "Σφάλμα", env=me)
        added = _json(
            "session", "add", incident["ref"], "--channel", "phone",
            "--segment", "yesterday 10:00/yesterday 11:00", "--reason", "forgot the timer",
            env=me,
        )  # fmt: skip
        assert _json("sync", env=me)["applied"] == 2
        month = added["segments"][0]["start"][:7]
        before = _json("statement", "--customer", "C-9", "--month", month, env=me)

        server.kill(signal.SIGTERM)  # offline: the edit is made and queued with no server
        edited = _json(
            "session", "edit", added["short_id"],
            "--segment", "yesterday 10:00/yesterday 10:20", "--reason", "it was 20 minutes",
            env=me,
        )  # fmt: skip
        assert edited["provisional"] is True
        server.start()
        assert _json("sync", env=me)["applied"] == 1
        after = _json("statement", "--customer", "C-9", "--month", month, env=me)
        shown = _json("session", "show", added["short_id"], env=me)
    finally:
        server.stop()

    [line] = before["lines"]
    [edited_line] = after["lines"]
    assert Decimal(edited_line["net"]) < Decimal(line["net"])
    assert edited_line["provisional"] is False and edited_line["session_id"] == added["id"]
    assert [e["reason"] for e in edited_line["edits"]] == ["forgot the timer", "it was 20 minutes"]
    assert edited_line["edits"][-1]["old_amount"] == line["net"]
    assert shown["provisional"] is False
    assert [h["new"]["net"] for h in shown["history"]][-1] == edited_line["net"]
