"""Server schema migrations: Alembic revisions, run once, from the previous server's database."""

from __future__ import annotations

import json
import multiprocessing
from datetime import UTC, timedelta
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert, select

from core.errors import ConfigError
from core.models import Contract, Customer, Eligibility
from server.db import (
    HEAD,
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
from tests.server.sync_factories import OPENED, incident, session


def _previous_database(url: str) -> None:
    """What the previous server left: its schema, a customer with credit, its sessions."""
    engine = make_engine(url)
    assert server_v1.migrate(engine) == 0
    holder = Customer(
        id="C-1",
        name="Acme",
        contract=Contract(
            plan="maintenance",
            premium_pack="premium-2",
            valid_from=OPENED.date(),
            valid_until=OPENED.date() + timedelta(days=365),
        ),
        prepaid_credit=Decimal("10.00"),
        updated_at=OPENED + timedelta(days=3),
    )
    claimed = incident(
        "I-1",
        eligibility=Eligibility(contract_in_force=True, served_as="maintenance", premium_used=True),
    )
    worked = session("S-1", "I-1", customer_id="C-1")
    with engine.begin() as conn:
        conn.execute(
            insert(server_v1.records),
            [
                {"kind": "customer", "id": "C-1", "version": 1, "data": holder.model_dump_json()},
                {"kind": "incident", "id": "I-1", "version": 2, "data": claimed.model_dump_json()},
            ],
        )
        conn.execute(
            insert(server_v1.sessions).values(
                id="S-1",
                technician="alice",
                incident_id="I-1",
                device_id="dev-a",
                version=3,
                skew_flagged=False,
                received_at=OPENED,
                data=worked.model_dump_json(),
            )
        )
    engine.dispose()


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
    _previous_database(database_url)
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
    _previous_database(database_url)
    with multiprocessing.get_context("spawn").Pool(3) as pool:
        before = pool.map(_migrate_in_a_process, [database_url] * 3)
    # One process upgraded from the baseline; the others found it done.
    assert sorted(before, key=str) == ["0001_baseline", HEAD, HEAD]
    engine = make_engine(database_url)
    with engine.connect() as conn:
        assert len(conn.execute(select(credit_purchases)).all()) == 1
    engine.dispose()
