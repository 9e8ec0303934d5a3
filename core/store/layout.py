"""The names of the store's files (the layout is described in ``core.store.store``)."""

from __future__ import annotations

import zlib

__all__ = [
    "CUSTOMERS",
    "META",
    "OPEN",
    "OUTBOX",
    "OUTBOX_CHUNK",
    "SESSIONS",
    "SESSION_SHARDS",
    "TABLE",
    "TIMER",
    "session_shard",
    "sessions_file",
]

TABLE = "records"
META = "meta.json"
OUTBOX = "outbox"
OUTBOX_CHUNK = 256
CUSTOMERS = "customers.json"
OPEN = "open.json"
TIMER = "timer.json"
SESSIONS = "sessions"
SESSION_SHARDS = 64
"""A month of sessions is kept in this many files, by customer."""


def session_shard(customer_id: str) -> str:
    """The name of the file, in each month's folder, that holds a customer's sessions."""
    return f"{zlib.crc32(customer_id.encode()) % SESSION_SHARDS:02x}.json"


def sessions_file(month: str, customer_id: str) -> str:
    """``sessions/YYYY-MM/XX.json``: where a customer's sessions of a month are kept."""
    return f"{SESSIONS}/{month}/{session_shard(customer_id)}"
