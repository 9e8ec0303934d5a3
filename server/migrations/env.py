"""Runs the server's Alembic revisions on the connection ``server.db.migrate`` hands over.

``migrate`` opens the transaction and takes the migration lock before Alembic runs, so every
revision of one upgrade commits together, and several server processes starting at once
upgrade the schema once.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None)
with context.begin_transaction():
    context.run_migrations()
