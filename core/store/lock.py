"""One writer per data directory: an exclusive ``flock`` on ``vardia.lock``, freed on exit."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from core.errors import StoreLockedError
from core.files import writing
from core.i18n import _

__all__ = ["DirectoryLock"]


class DirectoryLock:
    """Holds the data directory for this process; a crashed holder frees it automatically."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "vardia.lock"
        self._fd: int | None = None

    def acquire(self) -> None:
        with writing(self.path):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise StoreLockedError(
                _(
                    "Another vardia (process {pid}) is using the data in {dir}; "
                    "close it first, or watch it with `vardia --read-only`."
                ).format(pid=holder, dir=self.path.parent)
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
