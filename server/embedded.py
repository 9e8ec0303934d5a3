"""Runs ``vardia-server`` as a child process on 127.0.0.1, for the demo and the tests.

The parent binds the socket (port 0: the kernel picks a free port) and hands it to each
server process it starts, so a killed server can be restarted on the same address.
Until a server listens on it, connecting is refused, as with a server that is down.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from core.clock import SystemClock
from core.errors import SyncError
from core.i18n import _
from core.sync.protocol import API_PREFIX
from server.auth import add_technician
from server.db import make_engine, migrate
from server.files import private_dir

if TYPE_CHECKING:
    from core.demo import DemoData

__all__ = ["LocalServer", "start_local_server"]

STARTUP_SECONDS = 30.0


class LocalServer:
    """One address, one database, and the server processes started on them in turn."""

    def __init__(
        self, home: Path, database: str | None = None, *, tls: tuple[Path, Path] | None = None
    ) -> None:
        """``tls`` is (certificate, key): the server then speaks HTTPS only."""
        self.home = private_dir(home)
        self.tls = tls
        self.database = database or f"sqlite:///{home / 'vardia.db'}"
        self.engine = make_engine(self.database)
        migrate(self.engine)
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.set_inheritable(True)
        port = self._socket.getsockname()[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
        self._process: subprocess.Popen[bytes] | None = None

    def add_technician(self, name: str, *, admin: bool = False) -> str:
        return add_technician(self.engine, name, admin=admin, now=SystemClock().now())

    @property
    def port(self) -> int:
        return int(self._socket.getsockname()[1])

    @property
    def log(self) -> Path:
        """Where the server processes write what they say (their access log too)."""
        return self.home / "server.log"

    def start(self, *, rate: float = 1000.0, burst: int = 2000, **options: object) -> None:
        """Start a server process and return once it answers its health check.

        ``options`` are more ``serve`` options by their Python names (``stranger_burst=5``).
        """
        fd = self._socket.fileno()
        command = [sys.executable, "-m", "server", "--home", str(self.home)]
        command += ["--database", self.database, "serve", "--fd", str(fd)]
        command += ["--rate", str(rate), "--burst", str(burst)]
        if self.tls is not None:
            command += ["--certfile", str(self.tls[0]), "--keyfile", str(self.tls[1])]
        for name, value in options.items():
            command += [f"--{name.replace('_', '-')}", str(value)]
        descriptor = os.open(self.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(descriptor, "ab") as log:
            self._process = subprocess.Popen(
                command, pass_fds=(fd,), stdout=log, stderr=log, cwd=Path(__file__).parent.parent
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        # The readiness probe sends no token; under TLS it need not know the test's CA.
        with httpx.Client(base_url=self.url, timeout=1.0, verify=self.tls is None) as client:
            while time.monotonic() < deadline:
                if self._process.poll() is not None:
                    break
                try:
                    if client.get(f"{API_PREFIX}/health").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                time.sleep(0.05)
        self.kill()
        raise SyncError(_("The local vardia-server did not start; see {log}.").format(log=self.log))

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to the running server process and wait for it to end."""
        if self._process is None:
            return
        if self._process.poll() is None:
            os.kill(self._process.pid, sig)
        self._process.wait(timeout=STARTUP_SECONDS)
        self._process = None

    def stop(self) -> None:
        """Stop the server gracefully and release the address."""
        self.kill(signal.SIGTERM)
        self._socket.close()
        self.engine.dispose()


def start_local_server(
    data_dir: Path, technician: str = "demo", seed: DemoData | None = None
) -> tuple[str, str, Callable[[], None]]:
    """A local SQLite server in ``data_dir/server`` with a technician: (url, token, stop).

    ``seed``: the demo data set the server holds from its start (``server.demo``).
    """
    server = LocalServer(data_dir / "server")
    token_file = server.home / f"{technician}.token"
    if token_file.exists():
        token = token_file.read_text().strip()
    else:
        if seed is not None:
            from server.demo import seed_demo

            seed_demo(server.engine, seed, SystemClock().now())
        token = server.add_technician(technician)
        descriptor = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(token)
    server.start()
    return server.url, token, server.stop
