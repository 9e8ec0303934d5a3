"""The server's tables, its database engine (SQLite in WAL mode or PostgreSQL) and migrations.

Every write transaction starts by bumping the single ``counter`` row: the row lock
serialises writers, so versions are handed out in commit order and a pull cursor never
skips a change that committed late, with any number of server processes. The ledger
relies on it too: two pushes never price one customer's sessions at the same time.

The schema is the head of the Alembic revisions in ``server/migrations``; ``metadata``
mirrors it for queries (a test compares the two). ``migrate`` runs the revisions inside one
transaction under a lock, so several processes starting together upgrade once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
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
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    false,
    select,
    text,
    update,
)
from sqlalchemy.engine import make_url

from core.errors import ConfigError
from core.i18n import _
from server.files import private_sqlite

__all__ = [
    "HEAD",
    "applied_ops",
    "aware",
    "bump_version",
    "counter",
    "credit_purchases",
    "devices",
    "ledgers",
    "make_engine",
    "metadata",
    "migrate",
    "premium_claims",
    "records",
    "schema_version",
    "sessions",
    "statement_documents",
    "technicians",
    "utc",
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
    Column("technician", String(100), nullable=False),
    Column("incident_id", String(128), nullable=False),
    Column("device_id", String(128), nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("skew_flagged", Boolean, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("data", Text, nullable=False),
    Index("ix_sessions_technician", "technician"),
    # What the ledger walks by and keeps per session (server.ledger): amounts as integers
    # (hours in 1/10,000, money in cents) so SQL sums them exactly on both backends.
    Column("customer_id", String(128)),
    Column("started_at", DateTime(timezone=True)),
    Column("contract_year", Integer),
    Column("channel", String(16)),
    Column("plan", String(64)),
    Column("stateful", Boolean, nullable=False, server_default=false()),
    Column("inputs", Text, nullable=False, server_default=""),
    Column("hours_e4", BigInteger, nullable=False, server_default="0"),
    Column("credit_cents", BigInteger, nullable=False, server_default="0"),
    Column("price", Text),
    Column("priced_version", BigInteger),
    Index("ix_sessions_customer_start", "customer_id", "started_at", "id"),
    Index("ix_sessions_priced", "technician", "priced_version", "id"),
)

# Prepaid credit bought: dated entries; a re-import adds, never changes or removes one.
credit_purchases = Table(
    "credit_purchases",
    metadata,
    Column("id", String(160), primary_key=True),
    Column("customer_id", String(128), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("source", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_credit_purchases_customer", "customer_id", "at"),
)

# Incidents whose intake drew on a premium pack, and where the ledger placed them.
premium_claims = Table(
    "premium_claims",
    metadata,
    Column("incident_id", String(128), primary_key=True),
    Column("customer_id", String(128), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("contract_year", Integer),
    Column("granted", Boolean, nullable=False, server_default=false()),
    Column("pack_incidents", Integer, nullable=False, server_default="0"),
    Column("granted_before", Integer, nullable=False, server_default="0"),
    Column("last_granted_at", DateTime(timezone=True)),
    Index("ix_premium_claims_customer", "customer_id", "opened_at"),
)

# One row per customer: locked by the push that prices the customer; priced_at is NULL
# until the ledger has priced everything the customer holds (after an upgrade).
ledgers = Table(
    "ledgers",
    metadata,
    Column("customer_id", String(128), primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("priced_at", DateTime(timezone=True)),
)

# One row per applied operation, written in the transaction that applied it. An op_id is
# the technician's own: the primary key is what makes their second push of it a no-op, and
# ``digest`` (core.sync.protocol.Operation.digest) tells that repeat from another change
# under the same id. A NULL digest is a row from before digests were kept: what it applied is
# unknown, so a repeat of it is answered "duplicate", as it was then.
applied_ops = Table(
    "applied_ops",
    metadata,
    Column("technician", String(100), nullable=False),
    Column("op_id", String(128), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("entity_id", String(128), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
    Column("result", Text, nullable=False),
    Column("digest", String(64)),
    PrimaryKeyConstraint("technician", "op_id", name="pk_applied_ops"),
)


# One row per statement issued as a document: its number in the series of its year of issue
# (``2026/0001``), given once per customer and month and kept when it is issued again.
statement_documents = Table(
    "statement_documents",
    metadata,
    Column("customer_id", String(128), nullable=False),
    Column("month", String(7), nullable=False),
    Column("year", Integer, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("customer_id", "month", name="pk_statement_documents"),
    UniqueConstraint("year", "seq", name="uq_statement_documents_number"),
)


IMMEDIATE = "vardia_immediate"
"""An execution option: SQLite begins the connection's transactions with the write lock."""
MIGRATIONS = Path(__file__).parent / "migrations"
HEAD = "0004_statement_numbers"
"""The newest revision in ``server/migrations``; ``migrate`` brings a database to it."""
LEGACY_VERSION = 1
"""The hand-written migration list's last version; such a database is at ``0001_baseline``."""


def make_engine(url: str) -> Engine:
    """An engine for ``url``: SQLite gets WAL, full fsync and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    private_sqlite(url)
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
        # IMMEDIATE takes the write lock at once: a transaction that reads first and then
        # writes would fail with "database is locked" if another committed in between.
        immediate = conn.get_execution_options().get(IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _alembic(conn: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    return config


def migrate(engine: Engine, to: str = "head") -> str | None:
    """Bring the schema up to date, once even if several processes start together.

    Returns the revision the database was at (None when it was empty). A database made by
    the hand-written migrations (``schema_version`` 1) is taken as ``0001_baseline``. ``to``
    stops at an earlier revision: the schema an older server left, for its upgrade's tests.
    """
    with engine.connect() as conn, conn.execution_options(**{IMMEDIATE: True}).begin():
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(7270617264696100)"))
        config = _alembic(conn)
        current = MigrationContext.configure(conn).get_current_revision()
        if current is None and conn.dialect.has_table(conn, "schema_version"):
            legacy = int(conn.execute(select(schema_version.c.version)).scalar_one())
            if legacy != LEGACY_VERSION:
                raise _too_new()
            command.stamp(config, "0001_baseline")
            current = "0001_baseline"
        known = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
        if current is not None and current not in known:
            raise _too_new()
        command.upgrade(config, to)
        return current


def _too_new() -> ConfigError:
    return ConfigError(
        _("The database was set up by a newer vardia-server; upgrade this one to use it.")
    )


def bump_version(conn: Connection) -> int:
    """Take the writers' lock and the next change version; the first statement of a write."""
    conn.execute(update(counter).where(counter.c.id == 1).values(value=counter.c.value + 1))
    return int(conn.execute(select(counter.c.value).where(counter.c.id == 1)).scalar_one())


def utc(moment: datetime) -> datetime:
    """An instant as it is stored: SQLite keeps the wall time alone, so always in UTC."""
    return moment.astimezone(UTC)


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every instant stored is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
