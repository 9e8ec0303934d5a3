"""The records and sessions one write transaction reads and writes, loaded and saved in bulk.

Pushes and imports both go through a ``Batch``: it reads what the transaction needs in a
few queries, lets later operations see earlier ones' writes, and writes back in bulk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, String, bindparam, insert, select, update

from core.sync.protocol import Operation
from server.db import records, sessions

__all__ = ["CUSTOMER", "INCIDENT", "Batch", "chunks", "load_record", "load_records"]

T = TypeVar("T")

CUSTOMER = "customer"
INCIDENT = "incident"

# Built once: a push reads records by id for every customer it settles.
_KIND = bindparam("kind", type_=String)
_IDS = bindparam("ids", expanding=True, type_=String)
_RECORDS = select(records.c.id, records.c.data).where(
    records.c.kind == _KIND, records.c.id.in_(_IDS)
)
_RECORD = select(records.c.data).where(
    records.c.kind == _KIND, records.c.id == bindparam("id", type_=String)
)
_SESSIONS = select(sessions.c.id, sessions.c.technician, sessions.c.data).where(
    sessions.c.id.in_(_IDS)
)


class Batch:
    """The records and sessions one transaction reads and writes, loaded and saved in bulk.

    Reads see the batch's own earlier writes (an incident opened, then edited), and a
    record read as a model is read once per version of it (the operations of a batch read
    the same incident again and again).
    """

    def __init__(self, conn: Connection, version: int) -> None:
        self.conn = conn
        self.version = version
        self.records: dict[tuple[str, str], str | None] = {}
        self.sessions: dict[str, tuple[str, str] | None] = {}
        self._read: dict[tuple[str, str], tuple[str, Any]] = {}
        self._new_records: set[tuple[str, str]] = set()
        self._dirty_records: set[tuple[str, str]] = set()
        self._session_rows: dict[str, dict[str, Any]] = {}
        self._new_sessions: set[str] = set()

    def preload(self, ops: Sequence[Operation]) -> None:
        incident_ids = {op.entity_id for op in ops if op.kind.startswith("incident.")}
        session_ids = {op.entity_id for op in ops if op.kind.startswith("session.")}
        # Notes and sessions name their incident in the payload.
        incident_ids |= {
            str(op.payload["incident_id"]) for op in ops if "incident_id" in op.payload
        }
        self.load(INCIDENT, incident_ids)
        for chunk in chunks(sorted(session_ids)):
            found = self.conn.execute(_SESSIONS, {"ids": chunk})
            rows = {row.id: (row.technician, row.data) for row in found}
            self.sessions.update({i: rows.get(i) for i in chunk})

    def load(self, kind: str, record_ids: Iterable[str]) -> None:
        """Read these records in a few queries (None for each one that does not exist)."""
        found = load_records(self.conn, kind, record_ids)
        self.records.update({(kind, i): data for i, data in found.items()})

    def record(self, kind: str, record_id: str) -> str | None:
        key = (kind, record_id)
        if key not in self.records:
            self.records[key] = load_record(self.conn, kind, record_id)
        return self.records[key]

    def read(self, kind: str, record_id: str, reader: Callable[[str], T]) -> T | None:
        """The record as ``reader`` reads its JSON (None if it does not exist)."""
        data = self.record(kind, record_id)
        if data is None:
            return None
        key = (kind, record_id)
        known = self._read.get(key)
        if known is not None and known[0] is data:
            return known[1]  # type: ignore[no-any-return]
        value = reader(data)
        self._read[key] = (data, value)
        return value

    def put_record(self, kind: str, record_id: str, data: str, model: object = None) -> None:
        """Write the record's JSON; ``model``: the immutable model it is the JSON of."""
        key = (kind, record_id)
        if self.record(kind, record_id) is None:
            self._new_records.add(key)
        else:
            self._dirty_records.add(key)
        self.records[key] = data
        if model is not None:
            self._read[key] = (data, model)

    def session(self, session_id: str) -> tuple[str, str] | None:
        if session_id not in self.sessions:
            row = self.conn.execute(
                select(sessions.c.technician, sessions.c.data).where(sessions.c.id == session_id)
            ).first()
            self.sessions[session_id] = None if row is None else (row.technician, row.data)
        return self.sessions[session_id]

    def put_session(self, session_id: str, values: dict[str, Any]) -> None:
        if self.session(session_id) is None and session_id not in self._session_rows:
            self._new_sessions.add(session_id)
        self.sessions[session_id] = (values["technician"], values["data"])
        self._session_rows[session_id] = {"id": session_id, **values}

    def flush(self) -> None:
        """Write what the batch changed: a few bulk statements instead of one per op."""
        version = self.version
        new = [
            {"kind": k, "id": i, "data": self.records[(k, i)], "version": version}
            for k, i in sorted(self._new_records)
        ]
        dirty = [
            {"k": k, "i": i, "data": self.records[(k, i)], "version": version}
            for k, i in sorted(self._dirty_records - self._new_records)
        ]
        if new:
            self.conn.execute(insert(records), new)
        if dirty:
            self.conn.execute(
                update(records).where(
                    records.c.kind == bindparam("k"), records.c.id == bindparam("i")
                ),
                dirty,
            )
        added = [row for sid, row in self._session_rows.items() if sid in self._new_sessions]
        changed = [
            {**row, "sid": sid}
            for sid, row in self._session_rows.items()
            if sid not in self._new_sessions
        ]
        if added:
            self.conn.execute(insert(sessions), added)
        for row in changed:
            values = {k: v for k, v in row.items() if k not in ("id", "sid")}
            self.conn.execute(update(sessions).where(sessions.c.id == row["sid"]).values(values))


def chunks(items: list[str], size: int = 500) -> list[list[str]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def load_records(conn: Connection, kind: str, record_ids: Iterable[str]) -> dict[str, str | None]:
    """Records by id, read in a few queries (None for each one that does not exist)."""
    loaded: dict[str, str | None] = {}
    for chunk in chunks(sorted(set(record_ids))):
        found = {row.id: row.data for row in conn.execute(_RECORDS, {"kind": kind, "ids": chunk})}
        loaded.update({i: found.get(i) for i in chunk})
    return loaded


def load_record(conn: Connection, kind: str, record_id: str) -> str | None:
    row = conn.execute(_RECORD, {"kind": kind, "id": record_id}).first()
    return None if row is None else str(row.data)
