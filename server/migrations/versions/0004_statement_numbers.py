"""Statements get document numbers: one series per year of issue, kept by the server.

``statement_documents`` holds the number given to a customer's statement of a month the
first time it was issued as a document, and when: asked again, the same document keeps its
number and date. The primary key (customer, month) gives a statement one number; the unique
(year, seq) keeps two statements from sharing one, whatever the number of server processes.
Nothing was numbered before, so the table starts empty.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_statement_numbers"
down_revision = "0003_scoped_op_ids"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "statement_documents",
        sa.Column("customer_id", sa.String(128), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("customer_id", "month", name="pk_statement_documents"),
        sa.UniqueConstraint("year", "seq", name="uq_statement_documents_number"),
    )
