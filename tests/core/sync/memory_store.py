"""An in-memory SyncStore: for unit tests and benchmarks of the sync client alone."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from typing import Any

from core.models import Customer, Incident, ServerPrice
from core.sync.protocol import Operation, SessionPrice

__all__ = ["MemoryStore"]


class MemoryStore:
    """Outbox, records and docs in dicts; ``acknowledge`` drops ops like the real store."""

    def __init__(self, operations: Iterable[Operation] = ()) -> None:
        self.outbox: list[Operation] = list(operations)
        self.customers: dict[str, Customer] = {}
        self.incidents: dict[str, Incident] = {}
        self.prices: dict[str, ServerPrice] = {}
        self.docs: dict[str, dict[str, Any]] = {}

    def enqueue(self, *operations: Operation) -> None:
        self.outbox.extend(operations)

    def pending_operations(self, limit: int) -> list[Operation]:
        return self.outbox[:limit]

    def acknowledge(self, op_ids: Iterable[str]) -> None:
        done = set(op_ids)
        self.outbox = [op for op in self.outbox if op.op_id not in done]

    def pending_count(self) -> int:
        return len(self.outbox)

    def merge_from_server(
        self,
        customers: Sequence[Customer],
        incidents: Sequence[Incident],
        prices: Sequence[SessionPrice] = (),
    ) -> None:
        self.customers.update({c.id: c for c in customers})
        self.incidents.update({i.id: i for i in incidents})
        self.prices.update({p.session_id: p.price for p in prices})

    def read_doc(self, name: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.docs.get(name))

    def write_doc(self, name: str, doc: dict[str, Any]) -> None:
        self.docs[name] = copy.deepcopy(doc)
