"""The device's sync log: a small file a technician can send to whoever supports them.

It holds sync attempts, their outcome, errors and the operations the server refused,
one line each, never a token: the client never writes one, and every secret it holds is
masked in each line all the same. The file is the owner's only (0600), and is rotated
at ``MAX_BYTES`` with ``BACKUPS`` older files kept, so it stays under a megabyte.

Nothing is written until ``open_log`` attaches the file (the CLI and the app do); a
library user or a test gets no file and no output.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import threading
import time
from pathlib import Path

__all__ = ["LOG", "LOG_FILE", "close_log", "hide", "open_log"]

LOG = logging.getLogger("vardia.sync")
LOG.addHandler(logging.NullHandler())
LOG_FILE = "sync.log"
MAX_BYTES = 256 * 1024
BACKUPS = 2

_secrets: set[str] = set()
_lock = threading.Lock()
_opened: dict[Path, logging.Handler] = {}


def hide(secret: str) -> None:
    """Mask ``secret`` in every line written from now on."""
    if secret:
        with _lock:
            _secrets.add(secret)


class _Masked(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        with _lock:
            secrets = list(_secrets)
        for secret in secrets:
            text = text.replace(secret, "[token]")
        record.msg, record.args = text, None
        return True


class _PrivateFile(logging.handlers.RotatingFileHandler):
    """A rotating file created 0600, in a folder created 0700."""

    def _open(self):  # type: ignore[no-untyped-def]
        descriptor = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        return os.fdopen(descriptor, "a", encoding="utf-8")

    def handleError(self, record: logging.LogRecord) -> None:
        """A line the disk refuses (full, read-only) is lost quietly: the log never stops
        sync, nor prints a traceback over the desk."""


def open_log(log_dir: Path) -> Path:
    """Write the sync log into ``log_dir`` from now on (once per folder); its path."""
    path = log_dir / LOG_FILE
    with _lock:
        if path in _opened:
            return path
        try:
            log_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError:
            return path  # a folder that cannot be written keeps no log; nothing else stops
        handler = _PrivateFile(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, delay=True)
        formatter = logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%dT%H:%M:%SZ")
        formatter.converter = time.gmtime
        handler.setFormatter(formatter)
        handler.addFilter(_Masked())
        LOG.addHandler(handler)
        LOG.setLevel(logging.INFO)
        _opened[path] = handler
    return path


def close_log(log_dir: Path) -> None:
    """Stop writing the sync log into ``log_dir``."""
    with _lock:
        handler = _opened.pop(log_dir / LOG_FILE, None)
    if handler is not None:
        LOG.removeHandler(handler)
        handler.close()
