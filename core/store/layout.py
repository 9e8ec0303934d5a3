"""The names of the store's files (the layout is described in ``core.store.store``)."""

from __future__ import annotations

__all__ = ["CUSTOMERS", "META", "OPEN", "OUTBOX", "OUTBOX_CHUNK", "TABLE", "TIMER"]

TABLE = "records"
META = "meta.json"
OUTBOX = "outbox"
OUTBOX_CHUNK = 256
CUSTOMERS = "customers.json"
OPEN = "open.json"
TIMER = "timer.json"
