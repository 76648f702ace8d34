"""Aggregates kept as events arrive: the events' new columns. (The aggregate tables this revision
made are revision 0005's now, which drops them where an older collector made them.)

events gains `day` (the UTC day, for the per-session-day index and the purge) and `event_name`
(payload.event: events of a type the collector does not know are now kept, without properties, and
have no command). event_items goes: everything it held is in each event's JSON, which is what the
aggregates are computed from. No event is lost: every row is carried over.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

CARRIED = "event_id, session_id, product, product_version, command, exit_code, duration_ms, os, arch, ci, occurred_at, received_at, event"


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        events_on_sqlite()
    else:
        events_on_postgresql()
    op.create_index("events_session_day", "events", ["session_id", "day"])
    op.create_index("events_day", "events", ["day"])
    op.drop_table("event_items")


def events_on_sqlite():
    """SQLite cannot make a column nullable in place: copy into the new shape, one statement."""
    op.create_table(
        "events_new",
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("session_id", sa.String(36), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("event_name", sa.String(256), nullable=False),
        sa.Column("product", sa.String(256), nullable=False),
        sa.Column("product_version", sa.String(256)),
        sa.Column("command", sa.String(256)),
        sa.Column("exit_code", sa.Integer),
        sa.Column("duration_ms", sa.Integer),
        sa.Column("os", sa.String(256)),
        sa.Column("arch", sa.String(256)),
        sa.Column("ci", sa.Boolean),
        sa.Column("occurred_at", sa.DateTime, nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.Column("event", sa.Text, nullable=False),
    )
    op.execute(
        f"INSERT INTO events_new (day, event_name, {CARRIED}) "
        f"SELECT date(occurred_at), coalesce(json_extract(event, '$.payload.event'), 'user-command'), {CARRIED} FROM events"
    )
    op.drop_table("events")
    op.rename_table("events_new", "events")


def events_on_postgresql():
    op.execute("ALTER TABLE events ADD COLUMN day date, ADD COLUMN event_name varchar(256)")
    op.execute("UPDATE events SET day = occurred_at::date, event_name = coalesce(event::json #>> '{payload,event}', 'user-command')")
    op.execute("ALTER TABLE events ALTER COLUMN day SET NOT NULL, ALTER COLUMN event_name SET NOT NULL, ALTER COLUMN command DROP NOT NULL")
    op.drop_index("ix_events_session_id", "events")
    op.drop_index("ix_events_occurred_at", "events")
