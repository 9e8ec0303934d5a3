"""Operation ids are scoped to their technician, and each applied operation keeps a digest.

``applied_ops`` was keyed by ``op_id`` alone, so a colleague's operation that happened to
carry a known id was answered "duplicate" and lost. It is now keyed by (technician, op_id),
and ``digest`` holds the sha256 of the operation's canonical kind, entity and payload, so
a known id pushed with another payload is refused as reused (SPEC §7.2).

The rows move over as they are: op_id was unique, so no two collide under the new key. What
an old row applied was never kept, so its digest stays NULL, which the server reads as
"unknown": a repeat of that id by its technician is answered "duplicate", as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_scoped_op_ids"
down_revision = "0002_ledger"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A new table, filled and renamed: SQLite cannot change a primary key in place.
    op.create_table(
        "applied_ops_scoped",
        sa.Column("technician", sa.String(100), nullable=False),
        sa.Column("op_id", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("entity_id", sa.String(128), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("result", sa.Text, nullable=False),
        sa.Column("digest", sa.String(64)),
        sa.PrimaryKeyConstraint("technician", "op_id", name="pk_applied_ops"),
    )
    op.execute(
        sa.text(
            "INSERT INTO applied_ops_scoped "
            "(technician, op_id, kind, entity_id, applied_at, result, digest) "
            "SELECT technician, op_id, kind, entity_id, applied_at, result, NULL "
            "FROM applied_ops"
        )
    )
    op.drop_table("applied_ops")
    op.rename_table("applied_ops_scoped", "applied_ops")
