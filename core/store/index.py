"""The incident index: which file holds an incident, found by its id or its reference.

Incidents live in ``open.json`` while open and in ``history/incidents-YYYY-MM.json`` (the
month opened) after, so without an index finding one means reading every month. The index
is spread over ``BUCKETS`` small files ``index/XX.json``, chosen by a CRC-32 of the key, so
that a lookup reads one small file and a change writes one or two, whatever the history:

- ``id:<incident id>`` → ``{"file": "<relative path of the file that holds it>"}``
- ``ref:<REFERENCE IN CAPITALS>`` → ``{"id": "<incident id>"}``

**How it stays right.** The index is derived data, written as record effects of the same
change that writes the incident (``Store.commit``'s journal entry, or an import), so
replaying the journal after a crash finishes the index with the records. Entries are
written before the incident records they point to and removed after them, so a stored
incident always has its entries; a crash can only leave an entry pointing at a file that
does not (yet, or any more) hold the incident, and a lookup that finds it missing there
falls back to searching every file (and mends the entry when it may write). A store made
before the index gets it from a migration (``core.store.migrations``).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from typing import Any

__all__ = [
    "BUCKETS",
    "INDEX",
    "bucket_of",
    "build",
    "entries_of",
    "id_key",
    "ref_key",
]

INDEX = "index"
BUCKETS = 256
"""Enough that a bucket stays small at 500,000 incidents (about 4,000 keys, 200 KB)."""


def id_key(incident_id: str) -> str:
    return f"id:{incident_id}"


def ref_key(ref: str) -> str:
    return f"ref:{ref.strip().upper()}"


def bucket_of(key: str) -> str:
    """The relative path of the bucket file that holds ``key``."""
    return f"{INDEX}/{zlib.crc32(key.encode()) % BUCKETS:02x}.json"


def entries_of(incident_id: str, ref: str, file: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """The index keys and documents of an incident stored in ``file``."""
    yield id_key(incident_id), {"file": file}
    yield ref_key(ref), {"id": incident_id}


def build(stored: Iterable[tuple[str, Iterable[dict[str, Any]]]]) -> dict[str, dict[str, Any]]:
    """The whole index, by bucket, of incident files given as (relative path, documents).

    Files come oldest first with ``open.json`` last, so an incident found in two (a crash
    while it moved) is indexed where a lookup before the index found it first.
    """
    buckets: dict[str, dict[str, Any]] = {}
    for file, docs in stored:
        for doc in docs:
            for key, entry in entries_of(str(doc["id"]), str(doc.get("ref", "")), file):
                buckets.setdefault(bucket_of(key), {})[key] = entry
    return buckets
