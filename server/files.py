"""The server's files are its owner's alone: folders 0700, files 0600.

The SQLite database is created empty with mode 0600 before SQLite opens it: SQLite gives
its -wal and -shm files the database file's mode, so they follow.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sqlalchemy.engine import make_url

__all__ = ["loose_files", "private_dir", "private_sqlite", "write_private"]

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) readable by the owner only; an existing one stays."""
    if not path.is_dir():
        path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        os.chmod(path, DIR_MODE)
    return path


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` with mode 0600, atomically (temp file, fsync, rename)."""
    temp = path.with_name(path.name + ".tmp")
    descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(temp, FILE_MODE)
    os.replace(temp, path)


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL, or None (another backend, or an in-memory database)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def private_sqlite(url: str) -> None:
    """Create a SQLite database's file 0600 (and its folder 0700) before SQLite does."""
    path = sqlite_path(url)
    if path is None or path.exists():
        return
    private_dir(path.parent)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE))


def loose_files(*paths: Path) -> list[Path]:
    """Those of ``paths`` (and SQLite's -wal and -shm beside them) others can read or write."""
    found = []
    for path in paths:
        for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            try:
                mode = candidate.stat().st_mode
            except FileNotFoundError:
                continue
            if mode & (stat.S_IRWXG | stat.S_IRWXO):
                found.append(candidate)
    return found
