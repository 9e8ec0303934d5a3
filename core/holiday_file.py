"""A year's public holidays kept on disk, so a process that needs them skips the package.

Loading the ``holidays`` package and its country takes a tenth of a second or more (the
app's first frame, pricing a session, the server's first push all need a year's
holidays). What it computes for a country, subdivision and year is kept as a small JSON
file in ``core.settings.cache_dir`` and read back by later processes. The file names the
version of the package that computed it, and is read only while that version is the one
installed, so an upgraded package is asked again. A file that is missing, damaged or from
another version is computed again; one that cannot be written is simply not kept.
"""

from __future__ import annotations

import json
import os
import re
from contextlib import suppress
from datetime import date
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

__all__ = ["keep", "kept"]

_PLAIN = re.compile(r"[A-Za-z0-9_]{1,16}")


def _installed() -> str | None:
    """The version of the ``holidays`` package installed, as its metadata says."""
    try:
        return version("holidays")
    except PackageNotFoundError:
        return None


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
        installed = _installed()
        if installed is None or document["package"] != installed:
            return None
        return frozenset(date.fromisoformat(day) for day in document["dates"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def keep(
    folder: Path,
    country: str,
    subdivision: str | None,
    year: int,
    dates: frozenset[date],
    package: str,
) -> None:
    """Write the year's holidays, as the ``holidays`` package of version ``package`` (the one
    this process loaded, which an upgrade since may have replaced on disk) computed them,
    into ``folder`` for later processes; a failure is ignored."""
    path = _path(folder, country, subdivision, year)
    if path is None:
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
