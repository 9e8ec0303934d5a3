"""The local store on TinyDB: atomic durable files, one writer, an outbox journal (SPEC §6).

``Store`` is loaded on first use, so a module that only reads files (``core.store.glance``)
does not pay for the record models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.store.storage import COPIES_DIR

if TYPE_CHECKING:
    from core.store.store import Store

__all__ = ["COPIES_DIR", "Store"]


def __getattr__(name: str) -> Any:
    if name == "Store":
        from core.store.store import Store

        return Store
    raise AttributeError(name)
