"""A note the server refuses stays on the device through later pulls, then is fixed and resent.

All through the command lines a person runs, against a real vardia-server whose vendor keeps
notes shorter than the device's shipped bounds: the device sends the note, the server refuses
it, a colleague's change brings the incident back in a pull, and the note is still there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from server.admin import admin_incidents
from server.embedded import LocalServer


def _run(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        env={**os.environ, "VARDIA_LANG": "en", **env},
        input=stdin,
        capture_output=True,
        text=True,
    )


def _json(*args: str, env: dict[str, str]) -> Any:
    done = _run("tui", *args, "--json", env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_refused_note_survives_later_pulls_then_is_fixed_and_resent(
    database_url: str, tmp_path: Path
) -> None:
    home = {"VARDIA_SERVER_HOME": str(tmp_path / "srv")}
    csv = tmp_path / "customers.csv"
    csv.write_text("id,name,city,plan,valid_from,valid_until\nC-1,Acme,Athens,,,\n")
    assert _run("server", "init", "--database", database_url, env=home).returncode == 0
    # The vendor keeps notes to 100 characters on its server; devices ship with 10,000.
    (tmp_path / "srv" / "config").mkdir(exist_ok=True)
    (tmp_path / "srv" / "config" / "bounds.toml").write_text("[text]\nnote = 100\n")
    tokens = {
        name: _run("server", "add-technician", name, env=home).stdout.strip()
        for name in ("alice", "bea")
    }
    assert _run("server", "import-customers", str(csv), env=home).returncode == 0
    long_note = "The printer driver drops Greek glyphs; " * 5

    server = LocalServer(tmp_path / "srv", database_url)
    server.start()
    try:
        alice = {"VARDIA_HOME": str(tmp_path / "alice")}
        bea = {"VARDIA_HOME": str(tmp_path / "bea")}
        for name, env in (("alice", alice), ("bea", bea)):
            login = _run("tui", "login", "--server", server.url, env=env, stdin=tokens[name])
            assert login.returncode == 0, login.stderr
            _json("sync", env=env)
        ref = _json("incident", "open", "--customer", "C-1", "--subject", "Boxes", env=alice)["ref"]
        _json("sync", env=alice)
        noted = _run("tui", "incident", "note", ref, long_note, env=alice)
        assert noted.returncode == 0, noted.stderr
        refusing = _json("sync", env=alice)

        # Bea changes the incident: Alice's next pull brings the server's copy, without the note.
        _json("sync", env=bea)
        _json("incident", "assign", ref, "bea", env=bea)
        _json("sync", env=bea)
        pulled = _json("sync", env=alice)
        _json("sync", env=alice)
        kept = _json("incident", "show", ref, env=alice)
        status = _json("status", env=alice)
        said = _run("tui", "status", env=alice)
        listed = _run("tui", "refused", env=alice)

        [refusal] = refusing["refused"]
        resent = _run(
            "tui",
            "refused",
            "resend",
            refusal["op_id"][:8],
            "--set",
            "text=Font pack fixed.",
            env=alice,
        )
        accepted = _json("sync", env=alice)
        after = _json("incident", "show", ref, env=alice)
    finally:
        server.stop()

    assert refusing["rejected"] == 1
    assert (refusal["kind"], refusal["what"]) == ("incident.note", f"note on {ref}")
    assert "100" in refusal["reason"] and "note" in refusal["reason"]
    assert pulled["pulled"] >= 1
    assert kept["assignee"] == "bea", "the colleague's change arrived"
    assert [n["text"] for n in kept["notes"]] == [long_note.strip()]
    assert [r["op_id"] for r in status["refused"]] == [refusal["op_id"]]
    assert set(status["refused"][0]) == {"op_id", "kind", "entity_id", "what", "reason", "at"}
    assert "1 operation was refused; see it with `vardia refused`" in said.stdout
    assert refusal["op_id"][:8] in listed.stdout and f"note on {ref}" in listed.stdout
    assert "fields: text" in listed.stdout

    assert resent.returncode == 0, resent.stderr
    assert (accepted["applied"], accepted["rejected"], accepted["refused"]) == (1, 0, [])
    assert [n["text"] for n in after["notes"]] == ["Font pack fixed."]
    [on_server] = admin_incidents(server.engine, limit=10, offset=0)
    assert [n.text for n in on_server.notes] == ["Font pack fixed."]
    assert on_server.assignee == "bea"
