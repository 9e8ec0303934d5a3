"""The server's tables, its database engine (SQLite in WAL mode or PostgreSQL) and migrations.

Every write transaction starts by bumping the single ``counter`` row: the row lock
serialises writers, so versions are handed out in commit order and a pull cursor never
skips a change that committed late, with any number of server processes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    DateTime,
    Engine,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import make_url

from core.errors import ConfigError
from core.i18n import _

__all__ = [
    "SCHEMA_VERSION",
    "applied_ops",
    "aware",
    "bump_version",
    "counter",
    "devices",
    "make_engine",
    "metadata",
    "migrate",
    "records",
    "schema_version",
    "sessions",
    "technicians",
]

metadata = MetaData()

schema_version = Table("schema_version", metadata, Column("version", Integer, nullable=False))

counter = Table(
    "counter",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("value", BigInteger, nullable=False),
)

technicians = Table(
    "technicians",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

devices = Table(
    "devices",
    metadata,
    Column("device_id", String(128), primary_key=True),
    Column("technician", String(100), nullable=False),
    Column("first_seen", DateTime(timezone=True), nullable=False),
    Column("last_seen", DateTime(timezone=True), nullable=False),
    Column("clock_offset_seconds", Float, nullable=False),
)

# Customers and incidents: what a pull sends, ordered by (version, kind, id).
records = Table(
    "records",
    metadata,
    Column("kind", String(16), primary_key=True),
    Column("id", String(128), primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("data", Text, nullable=False),
    Index("ix_records_version", "version", "kind", "id"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", String(128), primary_key=True),
    Column("technician", String(100), nullable=False, index=True),
    Column("incident_id", String(128), nullable=False),
    Column("device_id", String(128), nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("skew_flagged", Boolean, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("data", Text, nullable=False),
)

# One row per applied operation, written in the transaction that applied it: the
# primary key is what makes a second push of the same op_id a no-op.
applied_ops = Table(
    "applied_ops",
    metadata,
    Column("op_id", String(128), primary_key=True),
    Column("technician", String(100), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("entity_id", String(128), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
    Column("result", Text, nullable=False),
)


def _v1(conn: Connection) -> None:
    metadata.create_all(conn)
    conn.execute(insert(counter).values(id=1, value=0))


MIGRATIONS: tuple[Callable[[Connection], None], ...] = (_v1,)
SCHEMA_VERSION = len(MIGRATIONS)


def make_engine(url: str) -> Engine:
    """An engine for ``url``: SQLite gets WAL, full fsync and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling breaks SAVEPOINT and read isolation; we
        # emit BEGIN ourselves (SQLAlchemy's documented recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")

    return engine


def migrate(engine: Engine) -> int:
    """Bring the schema up to date, once even if several processes start together."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(7270617264696100)"))
        else:
            # Any write takes SQLite's lock for the rest of the transaction.
            conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS _migrate_lock (x INTEGER)")
        if conn.dialect.has_table(conn, "schema_version"):
            current = int(conn.execute(select(schema_version.c.version)).scalar_one())
        else:
            current = 0
        if current > SCHEMA_VERSION:
            raise ConfigError(
                _("The database was set up by a newer vardia-server; upgrade this one to use it.")
            )
        for step in MIGRATIONS[current:]:
            step(conn)
        if current == 0:
            conn.execute(insert(schema_version).values(version=SCHEMA_VERSION))
        elif current < SCHEMA_VERSION:
            conn.execute(update(schema_version).values(version=SCHEMA_VERSION))
        return current


def bump_version(conn: Connection) -> int:
    """Take the writers' lock and the next change version; the first statement of a write."""
    conn.execute(update(counter).where(counter.c.id == 1).values(value=counter.c.value + 1))
    return int(conn.execute(select(counter.c.value).where(counter.c.id == 1)).scalar_one())


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every instant stored is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
