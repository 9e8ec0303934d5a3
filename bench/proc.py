"""Processes as a user waits for them: wall time from start, CPU seconds and peak memory.

Every command runs under ``bench/_spawn.py`` (see there why): the figures are the
command's own, its imports included, and never the benchmark's memory. ``Terminal``
runs one in a real pseudo-terminal of a given size and reads everything it writes.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

__all__ = [
    "Terminal",
    "Usage",
    "base_env",
    "best",
    "run",
    "vardia",
    "visible_text",
    "warm_up",
]

SPAWN = Path(__file__).with_name("_spawn.py")
REPO = Path(__file__).resolve().parent.parent
_ESCAPES = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: cursor moves, colours, modes
    rb"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC: titles, clipboard
    rb"|\x1bP[^\x1b]*\x1b\\"  # DCS
    rb"|\x1b[()][0-9A-Za-z]|\x1b[=>78DEHMNOZc]"
)


@dataclass(frozen=True)
class Usage:
    """What one process cost, from its start to its end."""

    started: float
    """``time.monotonic()`` when it was forked."""
    wall: float
    cpu: float
    """User plus system CPU seconds."""
    peak_rss_mib: float
    returncode: int


def vardia() -> list[str]:
    """The installed ``vardia`` command beside this interpreter (or ``python -m tui``)."""
    script = Path(sys.executable).with_name("vardia")
    return [str(script)] if script.exists() else [sys.executable, "-m", "tui"]


def base_env(home: Path | None, scratch: Path, **extra: str) -> dict[str, str]:
    """A plain environment: no personal configuration, English, a UTF-8 terminal."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(scratch),
        "XDG_CONFIG_HOME": str(scratch / ".config"),
        "XDG_DATA_HOME": str(scratch / ".local" / "share"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TERM": "xterm-256color",
        "TZ": "UTC",
        "VARDIA_TECHNICIAN": "bench",
    }
    if home is not None:
        env["VARDIA_HOME"] = str(home)
    env.update(extra)
    return env


def _launcher(result: Path, mode: str, argv: Sequence[str]) -> list[str]:
    return [sys.executable, "-S", "-E", str(SPAWN), str(result), mode, "--", *argv]


def _usage(result: Path) -> Usage:
    found = json.loads(result.read_text())
    return Usage(
        started=found["started"],
        wall=found["ended"] - found["started"],
        cpu=found["utime"] + found["stime"],
        peak_rss_mib=found["maxrss_kib"] / 1024,
        returncode=found["returncode"],
    )


def run(
    argv: Sequence[str],
    env: Mapping[str, str],
    *,
    cwd: Path | None = None,
    stdout: int | IO[Any] | None = subprocess.DEVNULL,
    check: bool = True,
) -> Usage:
    """Run a command to its end; ``check`` raises when it fails."""
    with tempfile.TemporaryDirectory(prefix="vardia-bench-run-") as tmp:
        result = Path(tmp) / "usage.json"
        completed = subprocess.run(
            _launcher(result, "plain", argv),
            env=dict(env),
            cwd=cwd or tmp,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            check=False,
        )
        if not result.exists():
            raise RuntimeError(f"{argv[0]} could not be started (launcher status {completed})")
        usage = _usage(result)
    if check and usage.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed with status {usage.returncode}")
    return usage


def best(runs: Sequence[Usage], by: Callable[[Usage], float]) -> tuple[float, float]:
    """The least disturbed run's figure, and the highest peak memory of all the runs."""
    return min(by(u) for u in runs), max(u.peak_rss_mib for u in runs)


def warm_up(repeats: int) -> int:
    """Runs to throw away first (files into the page cache); none in a single-run smoke test."""
    return 1 if repeats > 1 else 0


def visible_text(output: bytes) -> str:
    """What a terminal shows of ``output``, escape sequences dropped (layout is not kept)."""
    return _ESCAPES.sub(b"", output).decode("utf-8", errors="replace")


class Terminal:
    """A command in a real pseudo-terminal of ``columns`` x ``lines``; every byte is read.

    ``chunks`` keeps (monotonic instant, bytes) of each read, so output can be
    counted over any window of time.
    """

    def __init__(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        *,
        columns: int = 80,
        lines: int = 24,
        cwd: Path | None = None,
    ) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="vardia-bench-pty-")
        self._result = Path(self._tmp.name) / "usage.json"
        self.chunks: list[tuple[float, bytes]] = []
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        self._master = master
        try:
            self._process = subprocess.Popen(
                _launcher(self._result, "tty", argv),
                env=dict(env),
                cwd=cwd or self._tmp.name,
                stdin=slave,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        finally:
            os.close(slave)
        self.usage: Usage | None = None
        self._eof = False

    def __enter__(self) -> Terminal:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def read(self, seconds: float) -> bool:
        """Read what the command writes for ``seconds``; False once the terminal is closed."""
        deadline = time.monotonic() + seconds
        while not self._eof:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            ready, _, _ = select.select([self._master], [], [], left)
            if not ready:
                continue
            try:
                data = os.read(self._master, 65536)
            except OSError:  # EIO: every copy of the terminal's other end is closed
                data = b""
            if not data:
                self._eof = True
                break
            self.chunks.append((time.monotonic(), data))
        return not self._eof

    def wait_for(self, found: Callable[[str], bool], timeout: float) -> float | None:
        """The monotonic instant the shown text first satisfies ``found``, or None."""
        deadline = time.monotonic() + timeout
        seen = b""
        checked = 0
        while time.monotonic() < deadline:
            alive = self.read(0.02)
            for instant, data in self.chunks[checked:]:
                seen += data
                if found(visible_text(seen[-200_000:])):
                    return instant
            checked = len(self.chunks)
            if not alive:
                return None
        return None

    def output(self) -> bytes:
        return b"".join(data for _at, data in self.chunks)

    def bytes_between(self, start: float, end: float) -> int:
        return sum(len(data) for at, data in self.chunks if start <= at < end)

    def send(self, keys: bytes) -> None:
        os.write(self._master, keys)

    @property
    def started(self) -> float:
        """When the command was forked; known once it has ended (see ``finish``)."""
        assert self.usage is not None
        return self.usage.started

    def finish(self, quit_keys: bytes = b"\x11", timeout: float = 15.0) -> Usage:
        """Ask the command to quit with ``quit_keys``, then SIGTERM it; its usage once ended."""
        if self._process.poll() is None and quit_keys:
            with contextlib.suppress(OSError):
                self.send(quit_keys)
        deadline = time.monotonic() + timeout
        while self._process.poll() is None and time.monotonic() < deadline:
            self.read(0.05)
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self.read(0.05)
        self.usage = _usage(self._result)
        return self.usage

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        os.close(self._master)
        self._tmp.cleanup()
