"""The schema the first collector created (before migrations): events, and the names each event carries.

A database made by that collector has these tables and no alembic_version: it is stamped with this
revision, then upgraded (chefwrap.collector.schema_upgrade).

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "events",
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("session_id", sa.String(36), nullable=False),
        sa.Column("product", sa.String(256), nullable=False),
        sa.Column("product_version", sa.String(256)),
        sa.Column("command", sa.String(256), nullable=False),
        sa.Column("exit_code", sa.Integer),
        sa.Column("duration_ms", sa.Integer),
        sa.Column("os", sa.String(256)),
        sa.Column("arch", sa.String(256)),
        sa.Column("ci", sa.Boolean),
        sa.Column("occurred_at", sa.DateTime, nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.Column("event", sa.Text, nullable=False),
    )
    op.create_index("ix_events_session_id", "events", ["session_id"])
    op.create_index("ix_events_occurred_at", "events", ["occurred_at"])
    op.create_table(
        "event_items",
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("version", sa.String(64)),
    )
    op.create_index("ix_event_items_event_id", "event_items", ["event_id"])
    op.create_index("event_items_kind_name", "event_items", ["kind", "name"])
