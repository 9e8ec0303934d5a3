"""Brings a data directory written by an older vardia up to the current schema.

Schema 1 kept every session in one ``sessions.json`` and the outbox in ``outbox.json``;
schema 2 partitions sessions by month and the outbox in chunks, so that saving a session
no longer rewrites all of history nor every pending operation. Schema 3 keeps in each
customer record the server's ledger as last pulled, without this device's unpushed work
(which schema 2 debited into it): previews add that work back from the outbox
(``core.ledger.standing``). Schema 4 adds the incident index (``core.store.index``), so that
an incident is found without reading every month of history. Schema 6 keeps a month of
sessions in 64 files by customer (``layout.sessions_file``), so that a customer's statement
reads its share of each month, not the whole month. Each step is idempotent and
``meta.json`` is bumped last, so a crash during a migration just runs it again.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from core.errors import VardiaError
from core.ledger import standing
from core.models import Customer
from core.rules import Rules, load_rules
from core.store import index
from core.store.layout import OUTBOX, SESSIONS, TABLE, sessions_file
from core.store.storage import (
    COPIES_DIR,
    SCHEMA_VERSION,
    TAIL_SUFFIX,
    TEMP_MARKER,
    AtomicStorage,
    atomic_write,
    fsync_dir,
    month_of,
    read_envelope,
)

__all__ = ["migrate", "rebuild_index"]


def _envelope(tables: dict[str, Any], header: dict[str, Any]) -> bytes:
    return orjson.dumps({"schema": SCHEMA_VERSION, "header": header, "tables": tables})


def _v1_to_v2(data_dir: Path) -> None:
    legacy = data_dir / "sessions.json"
    envelope = read_envelope(legacy)
    if envelope is not None:
        by_month: dict[str, dict[str, Any]] = {}
        for key, doc in envelope["tables"].get("records", {}).items():
            began = doc["segments"][0]["start"] if doc["segments"] else doc["recorded_at"]
            month = month_of(datetime.fromisoformat(began))
            by_month.setdefault(month, {})[key] = doc
        for month, docs in by_month.items():
            target = data_dir / "sessions" / f"{month}.json"
            existing = read_envelope(target)
            merged = {**(existing["tables"].get("records", {}) if existing else {}), **docs}
            atomic_write(target, _envelope({"records": merged}, envelope.get("header", {})))
    outbox = read_envelope(data_dir / "outbox.json")
    if outbox is not None:
        first = data_dir / "outbox" / f"{1:012d}.json"
        atomic_write(first, _envelope(outbox["tables"], outbox.get("header", {})))


def _records(path: Path) -> list[dict[str, Any]]:
    envelope = read_envelope(path)
    return list(envelope["tables"].get("records", {}).values()) if envelope else []


def _rules(data_dir: Path) -> Rules:
    """The rules the device priced with: the shipped ones under the price list last synced."""
    synced = next(iter(_records(data_dir / "docs" / "price_list.json")), None)
    try:
        return load_rules(None, synced["document"] if synced else None)
    except VardiaError:
        return load_rules()


def _v2_to_v3(data_dir: Path, now: datetime) -> None:
    path = data_dir / "customers.json"
    envelope = read_envelope(path)
    if envelope is None or envelope.get("header", {}).get("rebased"):
        return
    pending = [
        (entry["op"]["kind"], entry["op"]["payload"])
        for chunk in sorted((data_dir / "outbox").glob("*.json"))
        for entry in sorted(_records(chunk), key=lambda entry: entry["seq"])
    ]
    customers = envelope["tables"].get("records", {})
    owners = {payload.get("customer_id") for _kind, payload in pending}
    if owners & set(customers):
        rules = _rules(data_dir)
        today = rules.calendar.local_date(now)
        for key in owners & set(customers):
            customer = Customer.model_validate(customers[key])
            base = standing(rules, customer, today, pending, sign=-1).with_customer(customer)
            customers[key] = base.model_dump(mode="json")
    # Marked in the same write, so a crash before meta.json is bumped does not take it twice.
    header = {**envelope.get("header", {}), "rebased": True}
    atomic_write(path, _envelope(envelope["tables"], header))


def rebuild_index(data_dir: Path) -> None:
    """Write the incident index afresh from the incident files.

    It is built in a folder of its own, then renamed into place: a crash leaves the old
    index or none (which the next start rebuilds), never half of one.
    """
    for stale in data_dir.glob(f".{index.INDEX}{TEMP_MARKER}*"):
        shutil.rmtree(stale, ignore_errors=True)
    history = sorted((data_dir / "history").glob("incidents-*.json"))
    files = [*(p for p in history if not p.name.startswith(".")), data_dir / "open.json"]
    stored = [(str(p.relative_to(data_dir)), _records(p)) for p in files]
    building = data_dir / f".{index.INDEX}{TEMP_MARKER}{secrets.token_hex(4)}"
    (building / index.INDEX).mkdir(parents=True)
    for rel, docs in index.build(stored).items():
        atomic_write(building / rel, _envelope({"records": docs}, {}), keep_backup=False)
    target = data_dir / index.INDEX
    shutil.rmtree(target, ignore_errors=True)
    os.replace(building / index.INDEX, target)
    fsync_dir(data_dir)
    shutil.rmtree(building, ignore_errors=True)


def _v5_to_v6(data_dir: Path) -> None:
    """Split each month of sessions into its customers' files, and say so in the journal.

    The new files take the month's header (the journal entries it has applied), and the
    journal's effects on a month file are refiled to the customer's file of the month, so
    a replay after the migration finishes in the new files what it would have in the old.
    The month files go last: a crash before then runs the step again on the same data.
    """
    months = sorted(p for p in (data_dir / SESSIONS).glob("*.json") if not p.name.startswith("."))
    refiled: dict[str, dict[str, str]] = {}
    for path in months:
        storage = AtomicStorage(path, read_only=True, upgrading=True)
        records = (storage.read() or {}).get(TABLE, {})
        where = {key: sessions_file(path.stem, doc["customer_id"]) for key, doc in records.items()}
        for rel in sorted(set(where.values())):
            docs = {key: records[key] for key, file in where.items() if file == rel}
            atomic_write(data_dir / rel, _envelope({TABLE: docs}, storage.header))
        refiled[f"{SESSIONS}/{path.name}"] = where
    for chunk in sorted((data_dir / OUTBOX).glob("*.json")):
        if not chunk.name.startswith("."):
            _refile_effects(AtomicStorage(chunk, upgrading=True), refiled)
    for path in months:
        for stale in (path, path.with_name(path.name + TAIL_SUFFIX), path.with_suffix(".json.bak")):
            stale.unlink(missing_ok=True)
    if months:
        fsync_dir(data_dir / SESSIONS)


def _refile_effects(chunk: AtomicStorage, refiled: dict[str, dict[str, str]]) -> None:
    """Point a journal chunk's effects on a month of sessions at the customer's file.

    A session written is filed by its customer; one removed goes with the file that held
    it, and one the month did not hold has nothing to remove, so its effect is dropped.
    """
    tables = chunk.read() or {}
    changed = False
    for entry in tables.get(TABLE, {}).values():
        if not entry.get("effects"):
            continue
        kept = []
        for file, key, doc in entry["effects"]:
            month = _MONTH_FILE.fullmatch(file)
            if month is not None:
                changed = True
                if doc is not None:
                    file = sessions_file(month[1], doc["customer_id"])
                elif (file := refiled.get(file, {}).get(key)) is None:
                    continue
            kept.append([file, key, doc])
        entry["effects"] = kept
    if changed:
        chunk.write(tables)


_MONTH_FILE = re.compile(rf"{SESSIONS}/(\d{{4}}-\d{{2}})\.json")
"""A month of sessions as schema 5 kept it, in one file."""


def _restamp(data_dir: Path) -> None:
    """Every file the steps left in an older schema says the current one.

    Only the schema number changes: a file keeps its generation and its tail (storage.py)
    keeps naming it, so the records a tail holds stay laid over the file.
    """
    for path in sorted([*data_dir.rglob("*.json"), *data_dir.rglob(f"*.json{TAIL_SUFFIX}")]):
        if (path.parent == data_dir and path.name in LEGACY) or path.name.startswith("."):
            continue
        if path.relative_to(data_dir).parts[0] == COPIES_DIR or TEMP_MARKER in str(path):
            continue
        found = read_envelope(path)
        if found is not None and found["schema"] < SCHEMA_VERSION:
            atomic_write(path, orjson.dumps({**found, "schema": SCHEMA_VERSION}))


LEGACY = ("sessions.json", "outbox.json", "meta.json")
STEPS: dict[int, Callable[[Path, datetime], None]] = {
    1: lambda data_dir, _now: _v1_to_v2(data_dir),
    2: _v2_to_v3,
    3: lambda data_dir, _now: rebuild_index(data_dir),
    # Schema 5 adds tails (storage.py): nothing to convert, but a vardia that does not
    # read tails must not open a store that may have them, hence the new number.
    4: lambda _data_dir, _now: None,
    5: lambda data_dir, _now: _v5_to_v6(data_dir),
}


def migrate(data_dir: Path, now: datetime) -> None:
    """Run every step from the directory's schema (in ``meta.json``) up to the current one.

    ``now`` dates the contract year whose entitlements the steps read.
    """
    meta_path = data_dir / "meta.json"
    meta = read_envelope(meta_path)
    if meta is None or meta["schema"] == SCHEMA_VERSION:
        return
    for version in range(meta["schema"], SCHEMA_VERSION):
        STEPS[version](data_dir, now)
    _restamp(data_dir)
    atomic_write(meta_path, _envelope(meta["tables"], meta.get("header", {})))
    for name in LEGACY[:2]:
        (data_dir / name).unlink(missing_ok=True)
