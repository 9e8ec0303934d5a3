"""The running timer read straight from the store's files, without the models.

``vardia timer status`` is typed between two calls and must answer within its start-up
budget (SPEC §9) at any data size, so it does not load the record models (pydantic is
most of a tenth of a second) nor open the store: it reads the identity and the timer file,
which keeps the reference and subject of its incident (``Timer.ref``), with the store's own
storage (tails included) and the journal's changes a running vardia has not filed yet
(``core.store.journal``), and writes nothing.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from core.clock import worked
from core.store.index import bucket_of, id_key
from core.store.journal import newest_chunk, unfiled_changes
from core.store.layout import META, TABLE, TIMER
from core.store.storage import AtomicStorage, Unfiled

__all__ = ["running_timer", "timer_view"]

Doc = dict[str, Any]


def _records(data_dir: Path, rel: str, journal: dict[str, list[Unfiled]]) -> dict[str, Doc]:
    storage = AtomicStorage(data_dir / rel, read_only=True, journal=journal.get(rel, ()))
    found: dict[str, Doc] = (storage.read() or {}).get(TABLE, {})
    return found


def running_timer(data_dir: Path) -> tuple[Doc, Doc | None] | None:
    """The store technician's timer and the incident it is on, as stored; None without one.

    The incident is None when the index does not lead to it (the store mends that when it
    next opens): the caller then asks the store.
    """
    journal = unfiled_changes(data_dir, newest_chunk(data_dir))
    identity = _records(data_dir, META, journal).get("identity")
    if identity is None:
        return None
    timer = _records(data_dir, TIMER, journal).get(identity["technician"])
    if timer is None:
        return None
    if timer.get("ref"):
        kept = {"id": timer["incident_id"], "ref": timer["ref"], "subject": timer["subject"]}
        return timer, kept
    # A timer started before it kept its incident's reference: found through the index.
    key = id_key(timer["incident_id"])
    entry = _records(data_dir, bucket_of(key), journal).get(key)
    if entry is None:
        return timer, None
    return timer, _records(data_dir, entry["file"], journal).get(timer["incident_id"])


def timer_view(timer: Doc, incident: Doc, now: datetime) -> Doc:
    """What ``vardia timer`` says of a timer (its JSON form): stored docs in, JSON out."""
    running_since = timer.get("running_since")
    spans = [
        (datetime.fromisoformat(s["start"]), datetime.fromisoformat(s["end"]))
        for s in timer.get("segments", ())
    ]
    since = None if running_since is None else datetime.fromisoformat(running_since)
    elapsed = worked(spans, since, now)
    return {
        "incident_id": incident["id"],
        "ref": incident["ref"],
        "subject": incident["subject"],
        "channel": timer["channel"],
        "running": running_since is not None,
        "running_since": running_since,
        "elapsed_seconds": int(elapsed.total_seconds()),
        "segments": list(timer.get("segments", ())),
    }
