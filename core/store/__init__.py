"""The local store on TinyDB: atomic durable files, one writer, an outbox journal (SPEC §6)."""

from __future__ import annotations

from core.store.storage import COPIES_DIR
from core.store.store import Store

__all__ = ["COPIES_DIR", "Store"]
