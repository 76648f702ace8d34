"""Pending events: ingest stores an event with a pending row, and folding counts it into the aggregates
later, many events at a time (chefwrap.collector.store). A database at 0002 has every event counted
already: the table starts empty.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "pending_events",
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("writer", sa.BigInteger, nullable=False),
        sqlite_with_rowid=False,
    )
