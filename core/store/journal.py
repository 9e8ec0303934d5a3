"""The journal's changes a reader lays over the record files (see ``core.store.store``).

A writing vardia files its changes into the record files at its checkpoints; until then
they are in its journal, in the newest outbox chunk alone (a checkpoint comes before a new
chunk). A reader that does not write — a read-only store, ``vardia timer status`` — reads
them from there, so it sees every committed change, filed or not.
"""

from __future__ import annotations

from pathlib import Path

from core.store.layout import OUTBOX, TABLE
from core.store.storage import AtomicStorage, Unfiled

__all__ = ["newest_chunk", "unfiled_changes"]


def newest_chunk(data_dir: Path) -> str | None:
    """The relative name of the outbox chunk that holds the journal's last entries."""
    chunks = sorted(p.name for p in (data_dir / OUTBOX).glob("*.json") if p.name[0] != ".")
    return f"{OUTBOX}/{chunks[-1]}" if chunks else None


def unfiled_changes(data_dir: Path, chunk: str | None) -> dict[str, list[Unfiled]]:
    """The changes the entries of ``chunk`` make, by file, oldest first.

    Each file's header says up to which entry it has applied them (``AtomicStorage``
    lays only the later ones).
    """
    if chunk is None:
        return {}
    tables = AtomicStorage(data_dir / chunk, read_only=True).read() or {}
    changes: dict[str, list[Unfiled]] = {}
    for entry in sorted(tables.get(TABLE, {}).values(), key=lambda e: e["seq"]):
        for file, key, doc in entry.get("effects") or ():
            changes.setdefault(file, []).append((entry["seq"], key, doc))
    return changes
