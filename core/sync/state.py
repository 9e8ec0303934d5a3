"""What the sync client keeps in the store: its state, the conflicts and the rejections.

Each is a small durable JSON document (``store.write_doc``), so a crash keeps them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict

from core.models import Customer, Incident
from core.sync.protocol import Operation, SessionPrice

__all__ = [
    "Conflict",
    "Rejection",
    "SyncState",
    "SyncStore",
    "add_conflicts",
    "add_rejections",
    "dismiss_conflict",
    "list_conflicts",
    "list_rejections",
    "load_state",
    "rejections_doc",
    "save_rejections",
    "save_state",
]

STATE_DOC = "sync_state"
CONFLICTS_DOC = "sync_conflicts"
REJECTIONS_DOC = "sync_rejections"


class SyncStore(Protocol):
    """What the sync client needs of the local store."""

    def pending_operations(self, limit: int) -> list[Operation]: ...

    def acknowledge(self, op_ids: Iterable[str]) -> None: ...

    def pending_count(self) -> int: ...

    def merge_from_server(
        self,
        customers: Sequence[Customer],
        incidents: Sequence[Incident],
        prices: Sequence[SessionPrice] = (),
    ) -> None: ...

    def read_doc(self, name: str) -> dict[str, Any] | None: ...

    def write_doc(self, name: str, doc: dict[str, Any]) -> None: ...


class _Doc(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)


class SyncState(_Doc):
    """Where sync stands: the pull cursor, the last success and failure, the clock offset."""

    cursor: str = ""
    online: bool = False
    last_sync: AwareDatetime | None = None
    last_attempt: AwareDatetime | None = None
    last_error: str | None = None
    clock_offset_seconds: float | None = None


class Conflict(_Doc):
    """A local incident edit that lost to the server's value, kept for the technician to review."""

    id: str
    op_id: str
    incident_id: str
    field: str
    base: Any
    local: Any
    server: Any
    detected_at: AwareDatetime


class Rejection(_Doc):
    """An operation refused for good, by the server or before it was pushed, with its reason.

    It is not retried; ``operation`` keeps its whole content (None when an older vardia
    recorded the refusal).
    """

    op_id: str
    kind: str
    entity_id: str
    reason: str
    at: AwareDatetime
    operation: Operation | None = None


def load_state(store: SyncStore) -> SyncState:
    return SyncState.model_validate(store.read_doc(STATE_DOC) or {})


def save_state(store: SyncStore, state: SyncState) -> None:
    store.write_doc(STATE_DOC, state.model_dump(mode="json"))


def list_conflicts(store: SyncStore) -> list[Conflict]:
    """Conflicts not yet dismissed, oldest first."""
    items = (store.read_doc(CONFLICTS_DOC) or {}).get("items", [])
    return [Conflict.model_validate(item) for item in items]


def add_conflicts(store: SyncStore, found: Iterable[Conflict]) -> None:
    """Keep new conflicts; one already kept (the same op and field) is not added twice."""
    kept = list_conflicts(store)
    known = {c.id for c in kept}
    fresh = [c for c in found if c.id not in known]
    if fresh:
        _save_conflicts(store, kept + fresh)


def dismiss_conflict(store: SyncStore, conflict_id: str) -> None:
    """Forget a conflict (after the technician reapplied or dismissed its value)."""
    _save_conflicts(store, [c for c in list_conflicts(store) if c.id != conflict_id])


def _save_conflicts(store: SyncStore, items: list[Conflict]) -> None:
    store.write_doc(CONFLICTS_DOC, {"items": [c.model_dump(mode="json") for c in items]})


def list_rejections(store: SyncStore) -> list[Rejection]:
    """The refused operations kept on this device, oldest first (core.sync.refused)."""
    items = (store.read_doc(REJECTIONS_DOC) or {}).get("items", [])
    return [Rejection.model_validate(item) for item in items]


def add_rejections(store: SyncStore, found: Sequence[Rejection]) -> None:
    if not found:
        return
    kept = list_rejections(store)
    known = {r.op_id for r in kept}
    save_rejections(store, kept + [r for r in found if r.op_id not in known])


def save_rejections(store: SyncStore, items: Sequence[Rejection]) -> None:
    """Keep exactly these refusals (after one was resent or discarded, core.sync.refused)."""
    store.write_doc(REJECTIONS_DOC, rejections_doc(items))


def rejections_doc(items: Sequence[Rejection]) -> dict[str, Any]:
    """The document that keeps ``items``, as ``save_rejections`` writes it."""
    return {"items": [r.model_dump(mode="json") for r in items]}
