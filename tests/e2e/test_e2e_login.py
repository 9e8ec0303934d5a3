"""``vardia login``, ``sync`` and ``status`` as a technician meets them: the token from a hidden
prompt on a real terminal, from standard input or from VARDIA_TOKEN, never the command line;
exit statuses 0, 2, 3 and 1 as SPEC §10 says, each failure one sentence; and the sync log."""

from __future__ import annotations

import json
import os
import pty
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from server.embedded import LocalServer


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LocalServer]:
    local = LocalServer(tmp_path / "server-home")
    local.start()
    try:
        yield local
    finally:
        local.stop()


def _vardia(
    *args: str, home: Path, stdin: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        env={**os.environ, "VARDIA_HOME": str(home), **env},
        input=stdin,
        stdin=subprocess.DEVNULL if stdin is None else None,
        capture_output=True,
        text=True,
    )


def _on_a_terminal(args: list[str], home: Path, typed: str) -> tuple[int, bytes]:
    """Run vardia on a real pseudo-terminal, type ``typed`` at its prompt; (status, screen)."""
    env = {**os.environ, "VARDIA_HOME": str(home)}
    env.pop("VARDIA_TOKEN", None)
    pid, terminal = pty.fork()
    if pid == 0:  # the child: vardia, with the terminal as its stdin, stdout and stderr
        os.execve(sys.executable, [sys.executable, "-m", "tui", *args], env)
    screen = b""
    while b"Token" not in screen:
        screen += os.read(terminal, 1024)
    os.write(terminal, typed.encode() + b"\n")
    while True:
        try:
            chunk = os.read(terminal, 1024)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        screen += chunk
    _, status = os.waitpid(pid, 0)
    os.close(terminal)
    return os.waitstatus_to_exitcode(status), screen


def test_the_token_is_read_from_a_hidden_prompt_on_a_terminal(
    server: LocalServer, tmp_path: Path
) -> None:
    token = server.add_technician("alice")
    status, screen = _on_a_terminal(["login", "--server", server.url], tmp_path, token)
    assert status == 0, screen
    assert b"Logged in to" in screen
    assert token.encode() not in screen  # not echoed


def test_the_token_is_read_from_stdin_or_vardia_token(server: LocalServer, tmp_path: Path) -> None:
    token = server.add_technician("alice")
    piped = _vardia("login", "--server", server.url, home=tmp_path / "a", stdin=token + "\n")
    from_env = _vardia("login", "--server", server.url, home=tmp_path / "b", VARDIA_TOKEN=token)
    empty = _vardia("login", "--server", server.url, home=tmp_path / "c", stdin="")
    assert piped.returncode == 0, piped.stderr
    assert from_env.returncode == 0, from_env.stderr
    assert empty.returncode == 2 and "No token came from standard input" in empty.stderr


def test_a_token_on_the_command_line_is_refused_and_says_where_to_put_it(
    server: LocalServer, tmp_path: Path
) -> None:
    token = server.add_technician("alice")
    refused = _vardia("login", "--server", server.url, "--token", token, home=tmp_path)
    assert refused.returncode == 2
    assert "VARDIA_TOKEN" in refused.stderr and "history" in refused.stderr
    assert token not in refused.stderr and "Traceback" not in refused.stderr
    assert refused.stderr.count("\n") == 1
    assert not (tmp_path / "config" / "login.json").exists()


def test_exit_statuses_say_done_typed_unreachable_or_other(tmp_path: Path) -> None:
    local = LocalServer(tmp_path / "server-home")
    token = local.add_technician("alice")
    me = tmp_path / "me"
    try:
        down = _vardia("login", "--server", local.url, home=me, VARDIA_TOKEN=token)
        local.start()
        done = _vardia("login", "--server", local.url, home=me, VARDIA_TOKEN=token)
        typed = _vardia("login", "--server", local.url, home=tmp_path / "x", VARDIA_TOKEN="nope")
        local.kill()
        unreachable = _vardia("sync", home=me)
        local.start()
        synced = _vardia("sync", "--json", home=me)
        admin = [sys.executable, "-m", "server", "--database", local.database]
        subprocess.run([*admin, "revoke-technician", "alice"], check=True, capture_output=True)
        revoked = _vardia("sync", home=me)
        shown = _vardia("status", "--json", home=me)
    finally:
        local.stop()

    assert (down.returncode, done.returncode, typed.returncode) == (3, 0, 2), down.stderr
    assert unreachable.returncode == 3 and "cannot be reached" in unreachable.stderr
    assert synced.returncode == 0
    assert revoked.returncode == 1 and "refused the token" in revoked.stderr
    for failed in (down, typed, unreachable, revoked):
        assert failed.stderr.count("\n") == 1 and "Traceback" not in failed.stderr
    assert shown.returncode == 0
    log = Path(json.loads(shown.stdout)["log"])
    assert log == me / "log" / "sync.log"
    text = log.read_text()
    assert "logged in to" in text and "cannot be reached" in text and "refused the token" in text
    assert token not in text
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
