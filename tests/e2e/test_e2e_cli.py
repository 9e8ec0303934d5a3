"""The command lines, as a person runs them: vardia-server to set up, vardia to log in and sync."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from server.embedded import LocalServer


def _run(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        env={**os.environ, **env},
        input=stdin,
        capture_output=True,
        text=True,
    )


def test_server_admin_then_login_sync_and_status(database_url: str, tmp_path: Path) -> None:
    home = {"VARDIA_SERVER_HOME": str(tmp_path / "srv")}
    csv = tmp_path / "customers.csv"
    csv.write_text(
        "id,name,city,plan,valid_from,valid_until\n"
        "C-1,Acme,Athens,basic,2026-01-01,2026-12-31\nC-2,Beta,Patras,,,\n"
    )
    assert _run("server", "init", "--database", database_url, env=home).returncode == 0
    token = _run("server", "add-technician", "alice", env=home).stdout.strip()
    imported = _run("server", "import-customers", str(csv), env=home)
    duplicate = _run("server", "add-technician", "alice", env=home)

    server = LocalServer(tmp_path / "srv", database_url)
    server.start()
    try:
        me = {"VARDIA_HOME": str(tmp_path / "me")}
        login = _run("tui", "login", "--server", server.url, env=me, stdin=token + "\n")
        synced = _run("tui", "sync", "--json", env=me)
        shown = _run("tui", "status", "--json", env=me)
        bad = _run("tui", "login", "--server", server.url, env={**me, "VARDIA_TOKEN": "wrong"})
        devices = _run("server", "list-devices", "--json", env=home)
    finally:
        server.stop()

    assert "Imported 2 customers" in imported.stdout
    assert duplicate.returncode == 2 and "already exists" in duplicate.stderr
    assert login.returncode == 0, login.stderr
    assert (tmp_path / "me" / "config" / "login.json").stat().st_mode & 0o777 == 0o600
    assert json.loads(synced.stdout)["pulled"] == 2
    status = json.loads(shown.stdout)
    assert status["online"] is True and status["pending"] == 0 and status["last_error"] is None
    assert bad.returncode == 2 and "does not know this token" in bad.stderr
    assert "Traceback" not in bad.stderr
    assert json.loads(devices.stdout) == []
