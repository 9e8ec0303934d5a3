"""Server schema migrations: Alembic revisions, run once, from the previous server's database."""

from __future__ import annotations

import json
import multiprocessing
from datetime import UTC

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select

from core.errors import ConfigError
from server.db import (
    HEAD,
    applied_ops,
    credit_purchases,
    ledgers,
    make_engine,
    metadata,
    migrate,
    premium_claims,
    schema_version,
    sessions,
)
from tests.server.fixtures import server_v1
from tests.server.fixtures.previous import LEDGER_OPS, ledger_database, previous_database
from tests.server.sync_factories import OPENED


def test_an_empty_database_is_brought_to_the_head_revision(database_url: str) -> None:
    engine = make_engine(database_url)
    assert migrate(engine) is None
    assert migrate(engine) == HEAD
    with engine.connect() as conn:
        context = MigrationContext.configure(conn)
        assert context.get_current_revision() == HEAD
        # The tables the code queries are the ones the revisions made, column for column.
        diffs = compare_metadata(context, metadata)
    assert [d for d in diffs if not _lock_table(d)] == []
    engine.dispose()


def _lock_table(diff: object) -> bool:
    return isinstance(diff, tuple) and diff[0] == "remove_table" and diff[1].name == "_migrate_lock"


def test_a_database_made_by_the_previous_server_upgrades(database_url: str) -> None:
    previous_database(database_url)
    engine = make_engine(database_url)
    assert migrate(engine) == "0001_baseline"
    with engine.connect() as conn:
        row = conn.execute(select(sessions).where(sessions.c.id == "S-1")).one()
        purchases = conn.execute(select(credit_purchases)).all()
        claims = conn.execute(select(premium_claims)).all()
        held = conn.execute(select(ledgers.c.customer_id, ledgers.c.priced_at)).all()
        legacy = conn.execute(select(schema_version.c.version)).scalar_one()
    assert (row.customer_id, row.started_at.replace(tzinfo=UTC), row.price) == ("C-1", OPENED, None)
    assert json.loads(row.data)["id"] == "S-1"
    # The imported credit was there before the session it could pay for.
    [opening] = purchases
    assert (opening.customer_id, opening.amount_cents, opening.source) == ("C-1", 1000, "opening")
    assert opening.at.replace(tzinfo=UTC) == OPENED
    assert [(c.incident_id, c.customer_id) for c in claims] == [("I-1", "C-1")]
    assert [(h.customer_id, h.priced_at) for h in held] == [("C-1", None)]
    assert legacy == 2
    engine.dispose()


def test_the_ledger_servers_applied_operations_move_to_their_technician(database_url: str) -> None:
    ledger_database(database_url)
    engine = make_engine(database_url)
    assert migrate(engine) == "0002_ledger"
    columns = applied_ops.c
    with engine.connect() as conn:
        rows = conn.execute(select(columns.technician, columns.op_id, columns.kind, columns.digest))
        moved = sorted(tuple(row) for row in rows)
    # What they applied was never kept: no digest, so a repeat is still answered "duplicate".
    assert moved == [
        ("alice", op_id, kind, None) for op_id, (kind, _) in sorted(LEDGER_OPS.items())
    ]
    engine.dispose()


def test_the_previous_server_refuses_the_upgraded_database(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    with pytest.raises(RuntimeError, match="newer vardia-server"):
        server_v1.migrate(engine)
    engine.dispose()


def test_a_revision_this_server_does_not_know_is_refused(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0099_future'")
    with pytest.raises(ConfigError, match="newer vardia-server"):
        migrate(engine)
    engine.dispose()


def _migrate_in_a_process(url: str) -> str | None:
    engine = make_engine(url)
    try:
        return migrate(engine)
    finally:
        engine.dispose()


def test_processes_starting_together_upgrade_the_schema_once(database_url: str) -> None:
    previous_database(database_url)
    with multiprocessing.get_context("spawn").Pool(3) as pool:
        before = pool.map(_migrate_in_a_process, [database_url] * 3)
    # One process upgraded from the baseline; the others found it done.
    assert sorted(before, key=str) == ["0001_baseline", HEAD, HEAD]
    engine = make_engine(database_url)
    with engine.connect() as conn:
        assert len(conn.execute(select(credit_purchases)).all()) == 1
    engine.dispose()
