"""A year's public holidays kept on disk, so a process that needs them skips the package.

Loading the ``holidays`` package and its country takes a tenth of a second or more (the
app's first frame, pricing a session, the server's first push all need a year's
holidays). What it computes for a country, subdivision and year is kept as a small JSON
file in ``core.settings.cache_dir`` and read back by later processes. The file names the
installed package by its file's size and modification time, so an upgraded package is
asked again. A file that is missing, damaged or from another package is computed again;
one that cannot be written is simply not kept.
"""

from __future__ import annotations

import json
import os
import re
from contextlib import suppress
from datetime import date
from importlib.util import find_spec
from pathlib import Path

__all__ = ["keep", "kept"]

_PLAIN = re.compile(r"[A-Za-z0-9_]{1,16}")


def _package() -> str | None:
    """The installed ``holidays`` package, as its ``__init__`` file's size and mtime."""
    spec = find_spec("holidays")
    if spec is None or spec.origin is None:
        return None
    try:
        found = os.stat(spec.origin)
    except OSError:
        return None
    return f"{found.st_size}-{found.st_mtime_ns}"


def _path(folder: Path, country: str, subdivision: str | None, year: int) -> Path | None:
    parts = [country] if subdivision is None else [country, subdivision]
    if not all(_PLAIN.fullmatch(part) for part in parts):
        return None
    return folder / f"holidays-{'-'.join(parts)}-{year}.json"


def kept(folder: Path, country: str, subdivision: str | None, year: int) -> frozenset[date] | None:
    """The holidays a file in ``folder`` keeps for the installed package, else None."""
    path = _path(folder, country, subdivision, year)
    if path is None:
        return None
    try:
        document = json.loads(path.read_bytes())
        if document["package"] != _package() or document["package"] is None:
            return None
        return frozenset(date.fromisoformat(day) for day in document["dates"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def keep(
    folder: Path, country: str, subdivision: str | None, year: int, dates: frozenset[date]
) -> None:
    """Write the year's holidays into ``folder`` for later processes; a failure is ignored."""
    path, package = _path(folder, country, subdivision, year), _package()
    if path is None or package is None:
        return
    document = {"package": package, "dates": sorted(day.isoformat() for day in dates)}
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temporary.write_text(json.dumps(document))
        os.replace(temporary, path)
    except OSError:
        with suppress(OSError):
            temporary.unlink(missing_ok=True)
