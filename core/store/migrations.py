"""Brings a data directory written by an older vardia up to the current schema.

Schema 1 kept every session in one ``sessions.json`` and the outbox in ``outbox.json``;
schema 2 partitions sessions by month and the outbox in chunks, so that saving a session
no longer rewrites all of history nor every pending operation. Each step is idempotent and
``meta.json`` is bumped last, so a crash during a migration just runs it again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from core.store.storage import SCHEMA_VERSION, atomic_write, month_of, read_envelope

__all__ = ["migrate"]


def _envelope(tables: dict[str, Any], header: dict[str, Any]) -> bytes:
    return orjson.dumps({"schema": SCHEMA_VERSION, "header": header, "tables": tables})


def _v1_to_v2(data_dir: Path) -> None:
    legacy = data_dir / "sessions.json"
    envelope = read_envelope(legacy)
    if envelope is not None:
        by_month: dict[str, dict[str, Any]] = {}
        for key, doc in envelope["tables"].get("records", {}).items():
            began = doc["segments"][0]["start"] if doc["segments"] else doc["recorded_at"]
            month = month_of(datetime.fromisoformat(began))
            by_month.setdefault(month, {})[key] = doc
        for month, docs in by_month.items():
            target = data_dir / "sessions" / f"{month}.json"
            existing = read_envelope(target)
            merged = {**(existing["tables"].get("records", {}) if existing else {}), **docs}
            atomic_write(target, _envelope({"records": merged}, envelope.get("header", {})))
    outbox = read_envelope(data_dir / "outbox.json")
    if outbox is not None:
        first = data_dir / "outbox" / f"{1:012d}.json"
        atomic_write(first, _envelope(outbox["tables"], outbox.get("header", {})))
    for path in sorted(data_dir.rglob("*.json")):
        if (path.parent == data_dir and path.name in LEGACY) or path.name.startswith("."):
            continue
        found = read_envelope(path)
        if found is not None and found["schema"] < 2:
            atomic_write(path, _envelope(found["tables"], found.get("header", {})))


LEGACY = ("sessions.json", "outbox.json", "meta.json")
STEPS: dict[int, Callable[[Path], None]] = {1: _v1_to_v2}


def migrate(data_dir: Path) -> None:
    """Run every step from the directory's schema (in ``meta.json``) up to the current one."""
    meta_path = data_dir / "meta.json"
    meta = read_envelope(meta_path)
    if meta is None or meta["schema"] == SCHEMA_VERSION:
        return
    for version in range(meta["schema"], SCHEMA_VERSION):
        STEPS[version](data_dir)
    atomic_write(meta_path, _envelope(meta["tables"], meta.get("header", {})))
    for name in LEGACY[:2]:
        (data_dir / name).unlink(missing_ok=True)
